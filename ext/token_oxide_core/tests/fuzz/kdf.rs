//! PBKDF2 parameters and sizes from arbitrary values: errors exactly where
//! documented, output of the asked length, shorter keys prefixes of longer
//! ones (PBKDF2's block structure), one-shot equal to the reusable form.

use proptest::prelude::*;
use token_oxide_core::digest::Algorithm;
use token_oxide_core::kdf::{check_key_size, pbkdf2_hmac, Pbkdf2Params, MAX_ITERATIONS, MAX_KEY_SIZE};

use crate::harness::fuzz;

const ALL: [Algorithm; 4] = [Algorithm::Sha1, Algorithm::Sha256, Algorithm::Sha384, Algorithm::Sha512];

#[test]
fn fuzz_pbkdf2() {
    let case = (
        0..4usize,
        prop_oneof![0..4u64, Just(MAX_ITERATIONS), Just(MAX_ITERATIONS + 1), Just(u64::from(u32::MAX) + 1), any::<u64>()],
        prop::collection::vec(any::<u8>(), 0..80),
        prop::collection::vec(any::<u8>(), 0..40),
        (0..150usize, 0..150usize),
    );
    fuzz("pbkdf2", case, |(which, iterations, secret, salt, (short, long))| {
        let algorithm = ALL[which];
        let params = match Pbkdf2Params::new(algorithm, iterations) {
            Err(_) => {
                prop_assert!(iterations == 0 || iterations > MAX_ITERATIONS);
                return Ok(());
            }
            Ok(params) => params,
        };
        // Large counts are valid but slow; derive only with small ones.
        prop_assume!(iterations <= 3);
        let (short, long) = (short.min(long), short.max(long));
        let a = params.derive(&secret, &salt, short).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let b = params.derive(&secret, &salt, long).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(a.len(), short);
        prop_assert_eq!(b.len(), long);
        prop_assert_eq!(&a[..], &b[..short]);
        let one_shot = pbkdf2_hmac(algorithm, &secret, &salt, iterations, long).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&one_shot[..], &b[..]);
        Ok(())
    });
}

#[test]
fn fuzz_key_size_limit() {
    fuzz("kdf_key_size_limit", any::<usize>(), |size| {
        prop_assert_eq!(check_key_size(size).is_ok(), size <= MAX_KEY_SIZE);
        Ok(())
    });
}
