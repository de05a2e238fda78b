//! Encrypted token columns (tox1 and GitLab formats): arbitrary stored
//! values never panic and never decrypt by accident, every written value
//! reads back, and any one-byte change to a written value is rejected.

use proptest::prelude::*;
use token_oxide_core::token_storage::{lenient_base64_decode, StoredFormat, TokenCipher};

use crate::harness::fuzz;

fn cipher() -> TokenCipher {
    TokenCipher::new(&[7u8; 32], b"nonce-key-0123456789abcdef", "gitlab-db-key-base-ünïcode".as_bytes(), true)
        .expect("valid keys")
}

/// Stored-looking values: each marker with base64-ish text, or any bytes.
fn stored() -> impl Strategy<Value = Vec<u8>> {
    let text = prop::collection::vec(
        prop_oneof![
            8 => prop::sample::select(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=".to_vec()),
            1 => any::<u8>(),
        ],
        0..120,
    );
    prop_oneof![
        text.clone().prop_map(|t| [b"tox1:".to_vec(), t].concat()),
        text.clone().prop_map(|t| [b"|".to_vec(), t].concat()),
        text,
        prop::collection::vec(any::<u8>(), 0..60),
    ]
}

#[test]
fn fuzz_token_storage_decrypt_arbitrary() {
    let keys = cipher();
    fuzz("token_storage_decrypt_arbitrary", stored(), |value| {
        let opened = keys.decrypt(&value).map_err(|e| TestCaseError::fail(e.to_string()))?;
        // Forging a GCM tag by chance has probability 2^-128.
        prop_assert!(opened.is_none(), "random value decrypted: {:?}", String::from_utf8_lossy(&value));
        Ok(())
    });
}

#[test]
fn fuzz_token_storage_round_trip_and_tamper() {
    let keys = cipher();
    let case = (prop::collection::vec(any::<u8>(), 0..60), 0..3u8, any::<prop::sample::Index>(), 1..=255u8, any::<bool>());
    fuzz("token_storage_round_trip_and_tamper", case, |(token, format, at, flip, tamper)| {
        let written = match format {
            0 => keys.encrypt(&token),
            1 => keys.encrypt_gitlab(&token),
            _ => keys.encrypt_gitlab_static(&token),
        }
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let mut value = written.into_bytes();
        let expected = [StoredFormat::Tox1, StoredFormat::GitlabDynamicNonce, StoredFormat::GitlabStaticIv][format as usize];
        prop_assert_eq!(StoredFormat::of(&value), expected);
        if !tamper {
            let opened = keys.decrypt(&value).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(opened.as_deref().map(|v| &v[..]), Some(&token[..]));
            return Ok(());
        }
        let i = at.index(value.len());
        value[i] ^= flip;
        let opened = keys.decrypt(&value).map_err(|e| TestCaseError::fail(e.to_string()))?;
        // Lenient base64 skips non-alphabet bytes and ignores what follows
        // padding, so some edits leave the decoded bytes unchanged; those may
        // still read back, but never as a different token.
        if let Some(plain) = opened {
            prop_assert_eq!(&plain[..], &token[..], "tampered value {:?} opened to other bytes", String::from_utf8_lossy(&value));
        }
        Ok(())
    });
}

#[test]
fn fuzz_lenient_base64_decode_never_panics() {
    fuzz("lenient_base64_decode", prop::collection::vec(any::<u8>(), 0..80), |text| {
        let out = lenient_base64_decode(&text);
        prop_assert!(out.len() <= text.len() * 3 / 4 + 2);
        Ok(())
    });
}
