//! A time- or count-bounded property fuzzer on stable Rust.
//!
//! Each target is a proptest strategy plus a property. `fuzz` runs the
//! property in rounds of fresh random cases until the budget is spent:
//!
//! * `FUZZ_SECONDS=N` — run each target for N seconds (`rake fuzz` sets this);
//! * `FUZZ_EXECUTIONS=N` — run each target for exactly N executions
//!   (`FUZZ_EXECUTIONS=10000000 rake fuzz`);
//! * otherwise `FUZZ_CASES=N` cases per target (default 2,000: the quick CI pass).
//!
//! `FUZZ_SEED` fixes the first round's seed to replay a run. A panic or a
//! failed property is a "crash": proptest shrinks it to a minimal input, which
//! is printed (and appended to `FUZZ_LOG`, if set) before the test fails.

use std::cell::Cell;
use std::fmt::Debug;
use std::io::Write;
use std::time::{Duration, Instant};

use proptest::strategy::Strategy;
use proptest::test_runner::{Config, RngSeed, TestCaseResult, TestError, TestRunner};

/// Cases per round when running against the clock: big enough to amortise
/// runner setup, small enough to stop close to the deadline.
const ROUND_CASES: u32 = 20_000;
const DEFAULT_CASES: u64 = 2_000;

enum Budget {
    Cases(u64),
    Time(Duration),
}

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok())
}

fn budget() -> Budget {
    match std::env::var("FUZZ_SECONDS").ok().and_then(|v| v.trim().parse::<f64>().ok()) {
        Some(secs) if secs > 0.0 => Budget::Time(Duration::from_secs_f64(secs)),
        _ => Budget::Cases(
            env_u64("FUZZ_EXECUTIONS")
                .or_else(|| env_u64("FUZZ_CASES"))
                .unwrap_or(DEFAULT_CASES)
                .max(1),
        ),
    }
}

fn first_seed() -> u64 {
    env_u64("FUZZ_SEED").unwrap_or_else(|| {
        let mut bytes = [0u8; 8];
        token_oxide_core::random::os_fill(&mut bytes).expect("OS random");
        u64::from_le_bytes(bytes)
    })
}

fn record(line: &str) {
    println!("{line}");
    if let Ok(path) = std::env::var("FUZZ_LOG") {
        if let Ok(mut file) = std::fs::OpenOptions::new().create(true).append(true).open(path) {
            let _ = writeln!(file, "{line}");
        }
    }
}

/// Run `property` on inputs from `strategy` until the budget is spent.
pub fn fuzz<S>(target: &str, strategy: S, property: impl Fn(S::Value) -> TestCaseResult)
where
    S: Strategy,
    S::Value: Debug,
{
    let budget = budget();
    let seed = first_seed();
    let executions = Cell::new(0u64);
    let started = Instant::now();
    let counted = |value: S::Value| {
        executions.set(executions.get() + 1);
        property(value)
    };

    let mut round = 0u64;
    let mut failure: Option<String> = None;
    loop {
        let cases = match budget {
            Budget::Cases(total) => {
                let left = total.saturating_sub(executions.get());
                if left == 0 {
                    break;
                }
                u32::try_from(left).unwrap_or(u32::MAX).min(ROUND_CASES)
            }
            Budget::Time(limit) => {
                if started.elapsed() >= limit {
                    break;
                }
                ROUND_CASES
            }
        };
        let config = Config {
            cases,
            rng_seed: RngSeed::Fixed(seed.wrapping_add(round)),
            failure_persistence: None,
            max_shrink_iters: 10_000,
            // Mostly-invalid inputs are the point, never a reason to give up.
            max_global_rejects: u32::MAX,
            ..Config::default()
        };
        let mut runner = TestRunner::new(config);
        let round_seed = seed.wrapping_add(round);
        match runner.run(&strategy, &counted) {
            Ok(()) => {}
            Err(TestError::Fail(reason, minimal)) => {
                failure = Some(format!(
                    "replay with FUZZ_SEED={round_seed} FUZZ_CASES={ROUND_CASES}: {reason}; minimal input: {minimal:?}"
                ));
                break;
            }
            Err(TestError::Abort(reason)) => {
                failure = Some(format!("aborted: {reason}"));
                break;
            }
        }
        round += 1;
    }

    let secs = started.elapsed().as_secs_f64();
    let crashes = u64::from(failure.is_some());
    record(&format!(
        "fuzz target={target} executions={} crashes={crashes} seconds={secs:.1} seed={seed}",
        executions.get()
    ));
    if let Some(detail) = failure {
        record(&format!("fuzz target={target} CRASH {detail}"));
        panic!("fuzz target {target} failed: {detail}");
    }
}
