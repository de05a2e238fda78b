//! Alphabet construction on arbitrary text and token generation on the
//! result: never a panic, outputs always within the alphabet and length.

use std::collections::HashSet;

use proptest::prelude::*;
use token_oxide_core::alphabet::{self, Alphabet};

use crate::harness::fuzz;

#[test]
fn fuzz_alphabet_random_string() {
    let chars = prop_oneof![
        prop::collection::vec(any::<char>(), 0..12),
        prop::collection::vec(prop::sample::select(vec!['a', 'b', 'c', 'é', '😀', '\0']), 0..6),
    ];
    fuzz("alphabet_random_string", (chars, 0..64usize), |(chars, length)| {
        let text: String = chars.iter().collect();
        let distinct: HashSet<char> = chars.iter().copied().collect();
        let valid = chars.len() >= 2 && distinct.len() == chars.len();
        match Alphabet::new(&text) {
            Ok(alphabet) => {
                prop_assert!(valid, "accepted {:?}", text);
                prop_assert_eq!(alphabet.len(), chars.len());
                let token = alphabet.random_string(length).map_err(|e| TestCaseError::fail(e.to_string()))?;
                prop_assert_eq!(token.chars().count(), length);
                prop_assert!(token.chars().all(|c| distinct.contains(&c)));
            }
            Err(_) => prop_assert!(!valid, "rejected {:?}", text),
        }
        Ok(())
    });
}

#[test]
fn fuzz_random_ascii() {
    // Byte alphabets of any size, including the >256 word-sampling path.
    let alphabet = prop::collection::vec(any::<u8>(), 0..300);
    fuzz("random_ascii", (alphabet, 0..64usize), |(symbols, length)| {
        match alphabet::random_ascii(&symbols, length) {
            Ok(out) => {
                prop_assert!(symbols.len() >= 2);
                prop_assert_eq!(out.len(), length);
                prop_assert!(out.iter().all(|b| symbols.contains(b)));
            }
            Err(_) => prop_assert!(symbols.len() < 2),
        }
        Ok(())
    });
}

#[test]
fn fuzz_token_lengths() {
    fuzz("token_lengths", 0..(alphabet::MAX_LENGTH * 2), |length| {
        // Only check the length rules; generating a 16 MiB token per case
        // would measure the generator, not the parser.
        if length > alphabet::MAX_LENGTH {
            prop_assert!(alphabet::base58(length).is_err());
            prop_assert!(alphabet::friendly_token(length).is_err());
        } else {
            let n = alphabet::friendly_token_length(length);
            prop_assert!(n <= length);
            prop_assert_eq!(n, ((length * 3 / 4) * 4).div_ceil(3));
        }
        Ok(())
    });
}
