//! Constant-time comparison gives the same answers as `==`.

use proptest::prelude::*;
use token_oxide_core::compare::{fixed_length_secure_compare, secure_compare, LengthMismatch};

use crate::harness::fuzz;

/// Pairs that are equal, differ in one byte anywhere, or are unrelated.
fn pairs() -> impl Strategy<Value = (Vec<u8>, Vec<u8>)> {
    let a = prop::collection::vec(any::<u8>(), 0..100);
    prop_oneof![
        a.clone().prop_map(|a| (a.clone(), a)),
        (a.clone(), any::<prop::sample::Index>(), 1..=255u8).prop_map(|(a, at, flip)| {
            let mut b = a.clone();
            if !b.is_empty() {
                let i = at.index(b.len());
                b[i] ^= flip;
            }
            (a, b)
        }),
        (a.clone(), a),
    ]
}

#[test]
fn fuzz_secure_compare() {
    fuzz("secure_compare", pairs(), |(a, b)| {
        prop_assert_eq!(secure_compare(&a, &b), a == b);
        let expected = if a.len() == b.len() { Ok(a == b) } else { Err(LengthMismatch) };
        prop_assert_eq!(fixed_length_secure_compare(&a, &b), expected);
        Ok(())
    });
}
