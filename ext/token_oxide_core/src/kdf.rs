//! PBKDF2-HMAC key derivation, as `ActiveSupport::KeyGenerator` does it
//! (`OpenSSL::PKCS5.pbkdf2_hmac(secret, salt, iterations, key_size, digest)`).

use hmac::Hmac;
use sha1::Sha1;
use sha2::{Sha256, Sha384, Sha512};
use zeroize::Zeroizing;

use crate::digest::Algorithm;
use crate::error::{argument, Result};

/// Largest key we agree to derive. Rails asks for 32 or 64 bytes; anything
/// near this bound is a bug in the caller (and would take minutes at 2**16
/// iterations), not a key size anyone needs.
pub const MAX_KEY_SIZE: usize = 64 * 1024;

/// PBKDF2 parameters. The secret itself is not part of it, so this can be
/// printed and compared freely.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pbkdf2Params {
    pub algorithm: Algorithm,
    pub iterations: u32,
}

impl Pbkdf2Params {
    /// Checks the iteration count (PBKDF2 is undefined for 0 rounds; OpenSSL
    /// refuses it too).
    pub fn new(algorithm: Algorithm, iterations: u64) -> Result<Self> {
        if iterations == 0 {
            return Err(argument("iterations must be at least 1"));
        }
        let iterations = u32::try_from(iterations)
            .map_err(|_| argument(format!("iterations must be at most {}", u32::MAX)))?;
        Ok(Pbkdf2Params {
            algorithm,
            iterations,
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
        check_key_size(key_size)?;
        let mut key = Zeroizing::new(vec![0u8; key_size]);
        if key_size == 0 {
            // OpenSSL answers "" for an empty request; so do we.
            return Ok(key);
        }
        let rounds = self.iterations;
        // `pbkdf2` only fails for invalid HMAC key lengths, which HMAC does not
        // have; map it to an error anyway rather than panicking.
        let outcome = match self.algorithm {
            Algorithm::Sha1 => pbkdf2::pbkdf2::<Hmac<Sha1>>(secret, salt, rounds, &mut key),
            Algorithm::Sha256 => pbkdf2::pbkdf2::<Hmac<Sha256>>(secret, salt, rounds, &mut key),
            Algorithm::Sha384 => pbkdf2::pbkdf2::<Hmac<Sha384>>(secret, salt, rounds, &mut key),
            Algorithm::Sha512 => pbkdf2::pbkdf2::<Hmac<Sha512>>(secret, salt, rounds, &mut key),
        };
        outcome.map_err(|_| argument("PBKDF2 rejected the secret"))?;
        Ok(key)
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
