//! Digest names from arbitrary text, and HMAC over arbitrary splits of a
//! message equal to the HMAC of the whole.

use proptest::prelude::*;
use token_oxide_core::digest::{Algorithm, HmacKey};

use crate::harness::fuzz;

const ALL: [Algorithm; 4] = [Algorithm::Sha1, Algorithm::Sha256, Algorithm::Sha384, Algorithm::Sha512];

#[test]
fn fuzz_algorithm_names() {
    let name = prop_oneof![
        any::<String>(),
        prop::collection::vec(prop::sample::select(vec!["sha", "SHA", "-", "1", "256", "384", "512", "5", "\u{0130}"]), 0..5)
            .prop_map(|parts| parts.concat()),
    ];
    fuzz("digest_algorithm_names", name, |name| {
        match Algorithm::from_name(&name) {
            Ok(algorithm) => {
                let normal: String = name.chars().filter(|c| *c != '-').collect::<String>().to_ascii_uppercase();
                prop_assert_eq!(normal, algorithm.name());
            }
            Err(error) => prop_assert!(!error.to_string().is_empty()),
        }
        Ok(())
    });
}

#[test]
fn fuzz_hmac_parts() {
    let case = (
        0..4usize,
        prop::collection::vec(any::<u8>(), 0..200),
        prop::collection::vec(any::<u8>(), 0..300),
        prop::collection::vec(any::<prop::sample::Index>(), 0..4),
    );
    fuzz("hmac_parts", case, |(which, key, message, cuts)| {
        let algorithm = ALL[which];
        let hmac = HmacKey::new(algorithm, &key);
        let mut cuts: Vec<usize> = cuts.iter().map(|c| c.index(message.len() + 1)).collect();
        cuts.sort_unstable();
        let mut parts: Vec<&[u8]> = Vec::new();
        let mut start = 0;
        for cut in cuts {
            parts.push(&message[start..cut]);
            start = cut;
        }
        parts.push(&message[start..]);
        let whole = hmac.mac(&message);
        prop_assert_eq!(whole.as_bytes().len(), algorithm.output_len());
        let split = hmac.mac_parts(&parts);
        let one_shot = algorithm.hmac(&key, &message);
        prop_assert_eq!(split.as_bytes(), whole.as_bytes());
        prop_assert_eq!(one_shot.as_bytes(), whole.as_bytes());
        Ok(())
    });
}
