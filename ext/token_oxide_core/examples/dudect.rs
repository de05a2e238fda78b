//! dudect-style timing-leak test of the core's secret comparisons.
//!
//! For each target, inputs fall into classes: equal to the secret (twice:
//! the second "equal" class is the A/A control, whose |t| is the noise
//! floor), different in the first byte, different in the last byte. Each
//! class draws every sample from its own pool of buffers made by the same
//! code (one fixed buffer per class would also differ in address and cache
//! state, enough for a large |t| on identical contents). Samples of the
//! classes are interleaved in a random order, each timed with the CPU's
//! cycle counter (clock_gettime elsewhere), and pairs of classes are
//! compared with Welch's t-test, on all samples and after cropping the slow
//! tail at a few percentiles (interrupts, migrations) as dudect does. This
//! is repeated over several rounds with fresh pools, and the verdict uses the
//! median |t| over rounds: below 4.5 is "no leak seen", an A/A control above
//! it makes the run "inconclusive". A deliberately leaky early-exit
//! comparison runs as a control to show the test can see a leak.
//!
//!   cargo run --release --example dudect [-- SAMPLES [ROUNDS]]   (default 2,000,000 per target, 5 rounds)

use std::hint::black_box;

use token_oxide_core::cipher::{aes256_gcm_decrypt, aes256_gcm_encrypt};
use token_oxide_core::compare::secure_compare;
use token_oxide_core::digest::{Algorithm, HmacKey};
use token_oxide_core::random;

const EQUAL: usize = 0;
const EQUAL_AGAIN: usize = 1;
const FIRST: usize = 2;
const LAST: usize = 3;
const CLASSES: [&str; 4] = [
    "equal",
    "equal (A/A copy)",
    "first-byte-different",
    "last-byte-different",
];
/// Class pairs that must not differ; the A/A control is (EQUAL, EQUAL_AGAIN).
const PAIRS: [(usize, usize); 3] = [(EQUAL, FIRST), (EQUAL, LAST), (FIRST, LAST)];
const CONTROL: (usize, usize) = (EQUAL, EQUAL_AGAIN);
/// Calls per timed sample: lifts a call of a few nanoseconds above the timer's granularity.
const CALLS_PER_SAMPLE: usize = 8;
const POOL: usize = 64;
const BAR: f64 = 4.5;

#[cfg(target_arch = "x86_64")]
fn ticks() -> u64 {
    // lfence keeps the counter read from moving across the measured code.
    unsafe {
        core::arch::x86_64::_mm_lfence();
        let t = core::arch::x86_64::_rdtsc();
        core::arch::x86_64::_mm_lfence();
        t
    }
}

#[cfg(not(target_arch = "x86_64"))]
fn ticks() -> u64 {
    use std::sync::OnceLock;
    static START: OnceLock<std::time::Instant> = OnceLock::new();
    START
        .get_or_init(std::time::Instant::now)
        .elapsed()
        .as_nanos() as u64
}

/// One builder for every class, so classes differ only in the byte: a fresh
/// copy of `secret` with the byte at `pos` XORed with `mask` (0: equal).
fn variant(secret: &[u8], pos: usize, mask: u8) -> Vec<u8> {
    let mut buffer = secret.to_vec();
    buffer[pos] ^= mask;
    buffer
}

/// A pool of fresh buffers per class, allocated in turns (entry i of every
/// class, then i + 1) so no class's buffers sit together in memory.
fn class_pools(secret: &[u8]) -> Vec<Vec<Vec<u8>>> {
    let last = secret.len() - 1;
    let spec = [(0, 0u8), (0, 0u8), (0, 0x01u8), (last, 0x80u8)];
    let mut pools: Vec<Vec<Vec<u8>>> = vec![Vec::with_capacity(POOL); spec.len()];
    for _ in 0..POOL {
        for (pool, &(pos, mask)) in pools.iter_mut().zip(&spec) {
            pool.push(variant(secret, pos, mask));
        }
    }
    pools
}

fn random_bytes(n: usize) -> Vec<u8> {
    let mut v = vec![0u8; n];
    random::fill(&mut v).expect("OS random");
    v
}

/// Times `samples` runs of `run(pool entry)` over a random class and pool
/// order; returns the cycle counts per class.
fn measure(samples: usize, pools: &[Vec<Vec<u8>>], run: &dyn Fn(&[u8]) -> bool) -> Vec<Vec<f64>> {
    let picks = random_bytes(samples * 2);
    // Classes with an empty pool are left out (a target with fewer classes).
    let active: Vec<usize> = (0..pools.len()).filter(|&c| !pools[c].is_empty()).collect();
    let mut out: Vec<Vec<f64>> = vec![Vec::with_capacity(samples / active.len() + 1); pools.len()];
    // Warm caches and branch predictors on every class first.
    for i in 0..30_000 {
        let pool = &pools[active[i % active.len()]];
        black_box(run(black_box(&pool[i % pool.len()])));
    }
    for pick in picks.chunks_exact(2) {
        // 256 = 4 x 64: uniform over 4 classes (3 classes: the first is 1/256 likelier, harmless)
        let class = active[(pick[0] as usize) % active.len()];
        let input = &pools[class][(pick[1] as usize) % POOL];
        let start = ticks();
        for _ in 0..CALLS_PER_SAMPLE {
            black_box(run(black_box(input)));
        }
        let end = ticks();
        out[class].push(end.wrapping_sub(start) as f64);
    }
    out
}

fn welch_t(a: &[f64], b: &[f64]) -> f64 {
    let mean = |x: &[f64]| x.iter().sum::<f64>() / x.len() as f64;
    let var = |x: &[f64], m: f64| {
        x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (x.len() as f64 - 1.0)
    };
    let (ma, mb) = (mean(a), mean(b));
    let (va, vb) = (var(a, ma), var(b, mb));
    let d = (va / a.len() as f64 + vb / b.len() as f64).sqrt();
    if d == 0.0 {
        0.0
    } else {
        (ma - mb) / d
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p) as usize]
}

/// t of one pair: the largest in magnitude of the uncropped t and the t
/// after cropping the pooled distribution at the 50/75/90/99th percentile.
fn pair_t(a: &[f64], b: &[f64]) -> f64 {
    let mut pooled: Vec<f64> = a.iter().chain(b).copied().collect();
    pooled.sort_by(|x, y| x.total_cmp(y));
    let mut best = welch_t(a, b);
    for p in [0.50, 0.75, 0.90, 0.99] {
        let limit = percentile(&pooled, p);
        let ca: Vec<f64> = a.iter().copied().filter(|v| *v <= limit).collect();
        let cb: Vec<f64> = b.iter().copied().filter(|v| *v <= limit).collect();
        if ca.len() > 100 && cb.len() > 100 {
            let t = welch_t(&ca, &cb);
            if t.abs() > best.abs() {
                best = t;
            }
        }
    }
    best
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    values[values.len() / 2]
}

/// Runs `rounds` rounds (fresh pools from `make_pools` each time) and
/// prints, per pair, the t of every round and the median |t|. `pairs` are
/// the pairs that count (with a valid message also decrypted, only the
/// tampered classes are compared). Returns (worst median |t|, A/A median |t|).
#[allow(clippy::too_many_arguments)]
fn run_target(
    target: &str,
    names: &[&str; 4],
    samples: usize,
    rounds: usize,
    pairs: &[(usize, usize)],
    control: (usize, usize),
    make_pools: &dyn Fn() -> Vec<Vec<Vec<u8>>>,
    run: &dyn Fn(&[u8]) -> bool,
) -> (f64, f64) {
    let all: Vec<(usize, usize)> = pairs
        .iter()
        .copied()
        .chain(std::iter::once(control))
        .collect();
    let mut ts: Vec<Vec<f64>> = vec![Vec::new(); all.len()];
    let mut medians = vec![Vec::new(); names.len()];
    for _ in 0..rounds {
        let timings = measure(samples / rounds, &make_pools(), run);
        for (k, &(i, j)) in all.iter().enumerate() {
            ts[k].push(pair_t(&timings[i], &timings[j]));
        }
        for (c, t) in timings.into_iter().enumerate() {
            if !t.is_empty() {
                medians[c].push(median(t) / CALLS_PER_SAMPLE as f64);
            }
        }
    }
    let shown: Vec<String> = medians
        .iter()
        .enumerate()
        .filter(|(_, m)| !m.is_empty())
        .map(|(c, m)| format!("{} {:.1}", names[c], median(m.clone())))
        .collect();
    println!("{target}: {samples} samples x {CALLS_PER_SAMPLE} calls over {rounds} rounds; median cycles/call {}", shown.join(", "));
    let mut worst: f64 = 0.0;
    let mut noise: f64 = 0.0;
    for (k, &(i, j)) in all.iter().enumerate() {
        let m = median(ts[k].iter().map(|t| t.abs()).collect());
        let rounds_text: Vec<String> = ts[k].iter().map(|t| format!("{t:.2}")).collect();
        let is_control = (i, j) == control;
        println!(
            "  {:>22} vs {:<22} median |t| = {m:>7.2}   rounds: {}{}",
            names[i],
            names[j],
            rounds_text.join(" "),
            if is_control { " (A/A control)" } else { "" }
        );
        if is_control {
            noise = m
        } else {
            worst = worst.max(m)
        }
    }
    let verdict = if noise > BAR {
        "inconclusive (A/A control above the bar)"
    } else if worst > BAR {
        "LEAK"
    } else {
        "no leak seen"
    };
    println!("  => {verdict} (worst median |t| = {worst:.2}, A/A {noise:.2}, bar {BAR})");
    (worst, noise)
}

/// The classic mistake, as a control: returns at the first differing byte.
fn early_exit_compare(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    for i in 0..a.len() {
        if a[i] != b[i] {
            return false;
        }
    }
    true
}

fn main() {
    let samples: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(2_000_000);
    let rounds: usize = std::env::args()
        .nth(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(5)
        .max(1);
    let mut results = Vec::new();

    for len in [32usize, 1024] {
        let secret = random_bytes(len);
        let name = format!("secure_compare ({len} bytes)");
        let r = run_target(
            &name,
            &CLASSES,
            samples,
            rounds,
            &PAIRS,
            CONTROL,
            &|| class_pools(&secret),
            &|x| secure_compare(&secret, x),
        );
        results.push((name, r));
    }

    // Signature checking: recompute HMAC-SHA256 of the message and compare it
    // with the signature that came with it (the MessageVerifier shape).
    let key = HmacKey::new(Algorithm::Sha256, &random_bytes(64));
    let message = random_bytes(100);
    let signature = key.mac(&message).as_bytes().to_vec();
    let name = "HMAC-SHA256 signature check".to_string();
    let r = run_target(
        &name,
        &CLASSES,
        samples / 4,
        rounds,
        &PAIRS,
        CONTROL,
        &|| class_pools(&signature),
        &|provided| secure_compare(key.mac(&message).as_bytes(), provided),
    );
    results.push((name, r));

    // AES-256-GCM tag check (MessageEncryptor / token storage decryption). A
    // valid tag also decrypts, which is no secret: only the tampered classes
    // are compared, and the A/A control is two copies of one tampered class.
    let key = random_bytes(32);
    let iv = random_bytes(12);
    let sealed = aes256_gcm_encrypt(&key, &iv, b"", &random_bytes(64)).expect("valid sizes");
    let name = "AES-256-GCM tag check".to_string();
    let tampered_names = [
        "first-byte-different",
        "first-byte (A/A copy)",
        "(unused)",
        "last-byte-different",
    ];
    let tampered_pools = || {
        let last = sealed.tag.len() - 1;
        let mut pools: Vec<Vec<Vec<u8>>> = vec![Vec::new(); 4]; // index 2 stays empty: unused class
        for _ in 0..POOL {
            pools[0].push(variant(&sealed.tag, 0, 0x01));
            pools[1].push(variant(&sealed.tag, 0, 0x01));
            pools[LAST].push(variant(&sealed.tag, last, 0x80));
        }
        pools
    };
    let r = run_target(
        &name,
        &tampered_names,
        samples / 4,
        rounds,
        &[(0, LAST)],
        (0, 1),
        &tampered_pools,
        &|tag| {
            matches!(
                aes256_gcm_decrypt(&key, &iv, b"", &sealed.ciphertext, tag),
                Ok(Some(_))
            )
        },
    );
    results.push((name, r));

    let secret = random_bytes(1024);
    let control = run_target(
        "CONTROL early-exit compare (1024 bytes, must be caught)",
        &CLASSES,
        samples,
        rounds,
        &PAIRS,
        CONTROL,
        &|| class_pools(&secret),
        &|x| early_exit_compare(&secret, x),
    );

    println!("\nsummary (median |t| over {rounds} rounds; bar {BAR}):");
    for (name, (t, noise)) in &results {
        println!("  {name:<32} |t| = {t:>7.2}   A/A {noise:>5.2}");
    }
    println!(
        "  {:<32} |t| = {:>7.2}   A/A {:>5.2}   {}",
        "early-exit compare (control)",
        control.0,
        control.1,
        if control.0 > BAR {
            "caught"
        } else {
            "NOT CAUGHT"
        }
    );
}
