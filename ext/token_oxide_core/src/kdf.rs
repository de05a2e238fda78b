//! PBKDF2-HMAC key derivation, as `ActiveSupport::KeyGenerator` does it
//! (`OpenSSL::PKCS5.pbkdf2_hmac(secret, salt, iterations, key_size, digest)`).
//!
//! The derivation is a resumable job ([`Pbkdf2Job`]) that checks a
//! cancellation flag every [`ROUNDS_PER_CHECK`] rounds, so the caller can stop
//! it (Ruby's unblocking function sets the flag on `Thread#raise`, a timeout
//! or a signal), run other work, and carry on where it stopped.

use std::sync::atomic::{AtomicBool, Ordering};

use hmac::Mac;
use zeroize::Zeroizing;

use crate::digest::{Algorithm, HmacKey, MAX_OUTPUT};
use crate::error::{argument, Result};

/// Largest key we agree to derive. Rails asks for 32 or 64 bytes; anything
/// near this bound is a bug in the caller (and would take minutes at 2**16
/// iterations), not a key size anyone needs.
pub const MAX_KEY_SIZE: usize = 64 * 1024;

/// Most iterations accepted. Rails derives with 1000 (Active Record's
/// `generates_token_for` key, 7.1+) and 2**16 (KeyGenerator's default); the
/// highest count recommended for password hashing (OWASP 2023: 1.3M for
/// PBKDF2-HMAC-SHA1) is still 7x below this. Ten million SHA-256 rounds take
/// seconds per 32-byte block; a count near 2**32 (hours) is a bug or an attack.
pub const MAX_ITERATIONS: u64 = 10_000_000;

/// Rounds between two looks at the cancellation flag (well under a
/// millisecond of work for every digest).
pub const ROUNDS_PER_CHECK: u32 = 1024;

/// PBKDF2 parameters. The secret itself is not part of it, so this can be
/// printed and compared freely.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pbkdf2Params {
    pub algorithm: Algorithm,
    pub iterations: u32,
}

impl Pbkdf2Params {
    /// Checks the iteration count: at least 1 (PBKDF2 is undefined for 0
    /// rounds; OpenSSL refuses it too), at most [`MAX_ITERATIONS`].
    pub fn new(algorithm: Algorithm, iterations: u64) -> Result<Self> {
        if iterations == 0 {
            return Err(argument("iterations must be at least 1"));
        }
        if iterations > MAX_ITERATIONS {
            return Err(argument(format!(
                "iterations must be at most {MAX_ITERATIONS} (Rails uses 1000 and 2**16)"
            )));
        }
        Ok(Pbkdf2Params {
            algorithm,
            // At most MAX_ITERATIONS, which fits.
            iterations: iterations as u32,
        })
    }

    /// Derives `key_size` bytes from `secret` and `salt`. The buffer is wiped
    /// when dropped.
    pub fn derive(
        &self,
        secret: &[u8],
        salt: &[u8],
        key_size: usize,
    ) -> Result<Zeroizing<Vec<u8>>> {
        let mut job = Pbkdf2Job::new(*self, secret, salt, key_size)?;
        let never = AtomicBool::new(false);
        while !job.run(&never) {}
        Ok(job.into_key())
    }
}

/// One PBKDF2 derivation in progress (RFC 8018 section 5.2: block `i` is
/// U1 ^ U2 ^ ... ^ Uc with U1 = PRF(salt || INT(i)), Uj = PRF(Uj-1)).
pub struct Pbkdf2Job {
    prf: HmacKey,
    salt: Vec<u8>,
    rounds: u32,
    key: Zeroizing<Vec<u8>>,
    /// Block being computed (0-based) and how many of its rounds are done.
    block: usize,
    done: u32,
    /// The last U of the current block.
    u: Zeroizing<[u8; MAX_OUTPUT]>,
}

impl Pbkdf2Job {
    pub fn new(params: Pbkdf2Params, secret: &[u8], salt: &[u8], key_size: usize) -> Result<Self> {
        check_key_size(key_size)?;
        Ok(Pbkdf2Job {
            prf: HmacKey::new(params.algorithm, secret),
            salt: salt.to_vec(),
            rounds: params.iterations,
            // OpenSSL answers "" for an empty request; so do we.
            key: Zeroizing::new(vec![0u8; key_size]),
            block: 0,
            done: 0,
            u: Zeroizing::new([0u8; MAX_OUTPUT]),
        })
    }

    /// Works until the key is complete (`true`) or `cancel` is seen set
    /// (`false`; call again to continue). The flag is read every
    /// [`ROUNDS_PER_CHECK`] rounds and is not cleared here.
    pub fn run(&mut self, cancel: &AtomicBool) -> bool {
        let len = self.prf.algorithm().output_len();
        while self.block * len < self.key.len() {
            if cancel.load(Ordering::Acquire) {
                return false;
            }
            let end = (self.block * len + len).min(self.key.len());
            let chunk = &mut self.key[self.block * len..end];
            let u = &mut self.u[..len];
            if self.done == 0 {
                let index = (self.block as u32 + 1).to_be_bytes();
                u.copy_from_slice(self.prf.mac_parts(&[&self.salt, &index]).as_bytes());
                chunk.copy_from_slice(&u[..chunk.len()]);
                self.done = 1;
            }
            let n = ROUNDS_PER_CHECK.min(self.rounds - self.done);
            match &self.prf {
                HmacKey::Sha1(m) => rounds(m, u, chunk, n),
                HmacKey::Sha256(m) => rounds(m, u, chunk, n),
                HmacKey::Sha384(m) => rounds(m, u, chunk, n),
                HmacKey::Sha512(m) => rounds(m, u, chunk, n),
            }
            self.done += n;
            if self.done == self.rounds {
                self.block += 1;
                self.done = 0;
            }
        }
        true
    }

    /// The derived key (complete once [`run`](Self::run) returned `true`).
    pub fn into_key(self) -> Zeroizing<Vec<u8>> {
        self.key
    }
}

/// `n` more rounds of one block: U = PRF(U), block ^= U. The keyed state is
/// cloned per round (its pads are already absorbed), as the `pbkdf2` crate does.
fn rounds<M: Mac + Clone>(prf: &M, u: &mut [u8], block: &mut [u8], n: u32) {
    for _ in 0..n {
        let mut mac = prf.clone();
        mac.update(u);
        u.copy_from_slice(&mac.finalize().into_bytes());
        for (b, x) in block.iter_mut().zip(u.iter()) {
            *b ^= x;
        }
    }
}

/// Rejects key sizes above [`MAX_KEY_SIZE`].
pub fn check_key_size(key_size: usize) -> Result<()> {
    if key_size > MAX_KEY_SIZE {
        return Err(argument(format!(
            "key_size must be at most {MAX_KEY_SIZE} bytes"
        )));
    }
    Ok(())
}

/// One-shot form of [`Pbkdf2Params::derive`].
pub fn pbkdf2_hmac(
    algorithm: Algorithm,
    secret: &[u8],
    salt: &[u8],
    iterations: u64,
    key_size: usize,
) -> Result<Zeroizing<Vec<u8>>> {
    Pbkdf2Params::new(algorithm, iterations)?.derive(secret, salt, key_size)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hex::encode;

    // RFC 6070 (PBKDF2-HMAC-SHA1).
    #[test]
    fn rfc6070_vectors() {
        let one = pbkdf2_hmac(Algorithm::Sha1, b"password", b"salt", 1, 20).unwrap();
        assert_eq!(encode(&one), "0c60c80f961f0e71f3a9b524af6012062fe037a6");
        let many = pbkdf2_hmac(Algorithm::Sha1, b"password", b"salt", 4096, 20).unwrap();
        assert_eq!(encode(&many), "4b007901b765489abead49d926f721d065a429c1");
        let long = pbkdf2_hmac(
            Algorithm::Sha1,
            b"passwordPASSWORDpassword",
            b"saltSALTsaltSALTsaltSALTsaltSALTsalt",
            4096,
            25,
        )
        .unwrap();
        assert_eq!(
            encode(&long),
            "3d2eec4fe41c849b80c8d83662c0e44a8b291a964cf2f07038"
        );
        let nul = pbkdf2_hmac(Algorithm::Sha1, b"pass\0word", b"sa\0lt", 4096, 16).unwrap();
        assert_eq!(encode(&nul), "56fa6aa75548099dcc37d7f03425e0c3");
    }

    // PBKDF2-HMAC-SHA256 vectors (RFC 7914 section 11).
    #[test]
    fn sha256_vectors() {
        let key = pbkdf2_hmac(Algorithm::Sha256, b"passwd", b"salt", 1, 64).unwrap();
        assert_eq!(
            encode(&key),
            "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc\
             49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783"
        );
        let key = pbkdf2_hmac(Algorithm::Sha256, b"Password", b"NaCl", 80000, 64).unwrap();
        assert_eq!(
            encode(&key),
            "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56\
             a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d"
        );
    }

    #[test]
    fn zero_iterations_is_an_error() {
        let err = pbkdf2_hmac(Algorithm::Sha1, b"s", b"salt", 0, 32).unwrap_err();
        assert_eq!(err.to_string(), "iterations must be at least 1");
    }

    #[test]
    fn absurd_sizes_are_errors() {
        assert!(pbkdf2_hmac(Algorithm::Sha1, b"s", b"salt", 1, MAX_KEY_SIZE + 1).is_err());
        assert!(pbkdf2_hmac(Algorithm::Sha1, b"s", b"salt", u64::from(u32::MAX) + 1, 32).is_err());
        let err = Pbkdf2Params::new(Algorithm::Sha256, MAX_ITERATIONS + 1).unwrap_err();
        assert_eq!(
            err.to_string(),
            "iterations must be at most 10000000 (Rails uses 1000 and 2**16)"
        );
        assert!(Pbkdf2Params::new(Algorithm::Sha256, MAX_ITERATIONS).is_ok());
    }

    const ALL: [Algorithm; 4] = [Algorithm::Sha1, Algorithm::Sha256, Algorithm::Sha384, Algorithm::Sha512];

    /// The `pbkdf2` crate, as a second implementation to check ours against.
    fn reference(algorithm: Algorithm, secret: &[u8], salt: &[u8], rounds: u32, size: usize) -> Vec<u8> {
        use hmac::Hmac;
        let mut out = vec![0u8; size];
        match algorithm {
            Algorithm::Sha1 => pbkdf2::pbkdf2::<Hmac<sha1::Sha1>>(secret, salt, rounds, &mut out),
            Algorithm::Sha256 => pbkdf2::pbkdf2::<Hmac<sha2::Sha256>>(secret, salt, rounds, &mut out),
            Algorithm::Sha384 => pbkdf2::pbkdf2::<Hmac<sha2::Sha384>>(secret, salt, rounds, &mut out),
            Algorithm::Sha512 => pbkdf2::pbkdf2::<Hmac<sha2::Sha512>>(secret, salt, rounds, &mut out),
        }
        .unwrap();
        out
    }

    #[test]
    fn equals_the_pbkdf2_crate() {
        for algorithm in ALL {
            for rounds in [1, 2, ROUNDS_PER_CHECK - 1, ROUNDS_PER_CHECK, ROUNDS_PER_CHECK + 1, 3000] {
                for size in [0, 1, 20, 32, 33, 64, 65, 150] {
                    let params = Pbkdf2Params::new(algorithm, u64::from(rounds)).unwrap();
                    let ours = params.derive(b"secret key base", b"salt", size).unwrap();
                    assert_eq!(
                        &ours[..],
                        &reference(algorithm, b"secret key base", b"salt", rounds, size)[..],
                        "{algorithm:?} rounds={rounds} size={size}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_cancelled_job_stops_and_resumes_to_the_same_key() {
        let params = Pbkdf2Params::new(Algorithm::Sha256, 5000).unwrap();
        let mut job = Pbkdf2Job::new(params, b"secret", b"salt", 70).unwrap();
        assert!(!job.run(&AtomicBool::new(true)), "a set flag stops the job before any work");
        // Another thread sets the flag midway (as Ruby's unblocking function
        // does); each run carries on where the last one stopped.
        let mut runs = 0;
        loop {
            runs += 1;
            let cancel = AtomicBool::new(false);
            let finished = std::thread::scope(|scope| {
                scope.spawn(|| {
                    std::thread::sleep(std::time::Duration::from_micros(100));
                    cancel.store(true, Ordering::Release);
                });
                job.run(&cancel)
            });
            if finished {
                break;
            }
            assert!(runs < 100_000, "each run makes progress");
        }
        assert_eq!(&job.into_key()[..], &reference(Algorithm::Sha256, b"secret", b"salt", 5000, 70)[..]);
    }

    #[test]
    fn empty_key_size_gives_empty_key() {
        assert!(pbkdf2_hmac(Algorithm::Sha256, b"s", b"salt", 1, 0)
            .unwrap()
            .is_empty());
    }

    #[test]
    fn errors_do_not_mention_the_secret() {
        let err = pbkdf2_hmac(Algorithm::Sha1, b"hunter2-secret", b"salt", 0, 32).unwrap_err();
        assert!(!err.to_string().contains("hunter2"));
    }
}
