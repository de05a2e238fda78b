//! dudect-style timing-leak test of the core's secret comparisons.
//!
//! For each target, inputs fall into three classes: equal to the secret,
//! different in the first byte, different in the last byte. Samples of the
//! classes are interleaved in a random order, each sample timed with the
//! CPU's cycle counter (clock_gettime elsewhere), and each pair of classes is
//! compared with Welch's t-test, on all samples and after cropping the slow
//! tail at a few percentiles (interrupts, migrations) as dudect does.
//! |t| < 4.5 is the usual "no leak detected" bar. A deliberately leaky
//! early-exit comparison runs as a control to show the test can see a leak.
//!
//!   cargo run --release --example dudect [-- SAMPLES]   (default 2,000,000 per target)

use std::hint::black_box;

use token_oxide_core::cipher::{aes256_gcm_decrypt, aes256_gcm_encrypt};
use token_oxide_core::compare::secure_compare;
use token_oxide_core::digest::{Algorithm, HmacKey};
use token_oxide_core::random;

const CLASSES: [&str; 3] = ["equal", "first-byte-different", "last-byte-different"];
/// Calls per timed sample: lifts a call of a few nanoseconds above the timer's granularity.
const CALLS_PER_SAMPLE: usize = 8;

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
    START.get_or_init(std::time::Instant::now).elapsed().as_nanos() as u64
}

/// The three inputs of a target: `secret` and, per class, what it is compared with.
fn class_inputs(secret: &[u8]) -> [Vec<u8>; 3] {
    let equal = secret.to_vec();
    let mut first = secret.to_vec();
    first[0] ^= 0x01;
    let mut last = secret.to_vec();
    let n = last.len() - 1;
    last[n] ^= 0x80;
    [equal, first, last]
}

fn random_bytes(n: usize) -> Vec<u8> {
    let mut v = vec![0u8; n];
    random::fill(&mut v).expect("OS random");
    v
}

/// Times `samples` runs of `run(class input)` over a random class order;
/// returns the cycle counts per class.
fn measure(samples: usize, inputs: &[Vec<u8>; 3], run: &dyn Fn(&[u8]) -> bool) -> [Vec<f64>; 3] {
    let order = random_bytes(samples);
    let mut out: [Vec<f64>; 3] = Default::default();
    // Warm caches and branch predictors on every class first.
    for input in inputs.iter().cycle().take(30_000) {
        black_box(run(black_box(input)));
    }
    for pick in order {
        let class = (pick % 3) as usize; // 256 % 3 = 1: class 0 is 1/256 likelier; harmless here
        let input = &inputs[class];
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
    let var = |x: &[f64], m: f64| x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (x.len() as f64 - 1.0);
    let (ma, mb) = (mean(a), mean(b));
    let (va, vb) = (var(a, ma), var(b, mb));
    (ma - mb) / (va / a.len() as f64 + vb / b.len() as f64).sqrt()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p) as usize]
}

/// t for each class pair: uncropped, and the largest |t| over crops of the
/// pooled distribution at the 50/75/90/99th percentile. With
/// `success_does_more` (a valid message is also decrypted), "equal" is
/// expected to differ from the rest and only the first-vs-last pair counts:
/// it is the one that would reveal where a guess goes wrong.
fn report(target: &str, timings: &[Vec<f64>; 3], success_does_more: bool) -> f64 {
    let mut pooled: Vec<f64> = timings.iter().flatten().copied().collect();
    pooled.sort_by(|a, b| a.total_cmp(b));
    let crops: Vec<f64> = [0.50, 0.75, 0.90, 0.99].iter().map(|p| percentile(&pooled, *p)).collect();
    let medians: Vec<f64> = timings
        .iter()
        .map(|t| {
            let mut s = t.clone();
            s.sort_by(|a, b| a.total_cmp(b));
            percentile(&s, 0.5) / CALLS_PER_SAMPLE as f64
        })
        .collect();
    println!(
        "{target}: {} samples x {CALLS_PER_SAMPLE} calls; median cycles/call {:.1} / {:.1} / {:.1} ({})",
        pooled.len(),
        medians[0],
        medians[1],
        medians[2],
        CLASSES.join(" / ")
    );
    let mut worst: f64 = 0.0;
    for (i, j) in [(0, 1), (0, 2), (1, 2)] {
        let t_all = welch_t(&timings[i], &timings[j]);
        let mut t_crop_max: f64 = 0.0;
        for limit in &crops {
            let a: Vec<f64> = timings[i].iter().copied().filter(|v| v <= limit).collect();
            let b: Vec<f64> = timings[j].iter().copied().filter(|v| v <= limit).collect();
            if a.len() > 100 && b.len() > 100 {
                let t = welch_t(&a, &b);
                if t.abs() > t_crop_max.abs() {
                    t_crop_max = t;
                }
            }
        }
        let counted = !success_does_more || i != 0;
        if counted {
            worst = worst.max(t_all.abs()).max(t_crop_max.abs());
        }
        println!(
            "  {:>20} vs {:<20} t = {:>8.2}   max |t| over crops = {:>8.2}{}",
            CLASSES[i],
            CLASSES[j],
            t_all,
            t_crop_max.abs(),
            if counted { "" } else { "   (not counted: a valid message is also decrypted)" }
        );
    }
    println!("  => max |t| = {worst:.2} ({})", if worst < 4.5 { "no leak detected" } else { "LEAK" });
    worst
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
    let samples: usize = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(2_000_000);
    let mut results = Vec::new();

    for len in [32usize, 1024] {
        let secret = random_bytes(len);
        let inputs = class_inputs(&secret);
        let timings = measure(samples, &inputs, &|x| secure_compare(&secret, x));
        results.push((format!("secure_compare ({len} bytes)"), report(&format!("secure_compare ({len} bytes)"), &timings, false)));
    }

    // Signature checking: recompute HMAC-SHA256 of the message and compare it
    // with the signature that came with it (the MessageVerifier shape).
    let key = HmacKey::new(Algorithm::Sha256, &random_bytes(64));
    let message = random_bytes(100);
    let signature = key.mac(&message).as_bytes().to_vec();
    let inputs = class_inputs(&signature);
    let timings = measure(samples / 4, &inputs, &|provided| secure_compare(key.mac(&message).as_bytes(), provided));
    results.push(("HMAC-SHA256 signature check".into(), report("HMAC-SHA256 signature check", &timings, false)));

    // AES-256-GCM tag check (MessageEncryptor / token storage decryption).
    let key = random_bytes(32);
    let iv = random_bytes(12);
    let sealed = aes256_gcm_encrypt(&key, &iv, b"", &random_bytes(64)).expect("valid sizes");
    let inputs = class_inputs(&sealed.tag);
    let timings = measure(samples / 4, &inputs, &|tag| {
        matches!(aes256_gcm_decrypt(&key, &iv, b"", &sealed.ciphertext, tag), Ok(Some(_)))
    });
    results.push(("AES-256-GCM tag check".into(), report("AES-256-GCM tag check", &timings, true)));

    let secret = random_bytes(1024);
    let inputs = class_inputs(&secret);
    let timings = measure(samples, &inputs, &|x| early_exit_compare(&secret, x));
    let control = report("CONTROL early-exit compare (1024 bytes, expected to leak)", &timings, false);

    println!("\nsummary (|t| < 4.5 passes):");
    for (name, t) in &results {
        println!("  {name:<32} max |t| = {t:.2}");
    }
    println!("  {:<32} max |t| = {control:.2} (control; must be large)", "early-exit compare");
}
