//! The AES decryptors (the MessageEncryptor / GitLab token storage core):
//! arbitrary keys, IVs, tags and ciphertexts never panic, wrong sizes are
//! errors, tampering is always rejected, and encryption round-trips.

use proptest::prelude::*;
use token_oxide_core::cipher::{
    aes256_cbc_decrypt, aes256_cbc_encrypt, aes256_gcm_decrypt, aes256_gcm_encrypt, AES256_KEY_LEN, CBC_IV_LEN,
    GCM_IV_LEN, GCM_TAG_LEN,
};

use crate::harness::fuzz;

fn bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 0..max)
}

/// Mostly right-sized, sometimes any size.
fn sized(len: usize) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![4 => prop::collection::vec(any::<u8>(), len), 1 => bytes(len * 2 + 2)]
}

#[test]
fn fuzz_gcm_decrypt_arbitrary() {
    let case = (sized(AES256_KEY_LEN), sized(GCM_IV_LEN), bytes(40), bytes(80), sized(GCM_TAG_LEN));
    fuzz("gcm_decrypt_arbitrary", case, |(key, iv, aad, ciphertext, tag)| {
        match aes256_gcm_decrypt(&key, &iv, &aad, &ciphertext, &tag) {
            Err(_) => prop_assert!(key.len() != AES256_KEY_LEN || iv.len() != GCM_IV_LEN),
            // A random tag authenticates with probability 2^-128.
            Ok(opened) => {
                prop_assert!(key.len() == AES256_KEY_LEN && iv.len() == GCM_IV_LEN);
                prop_assert!(opened.is_none());
            }
        }
        Ok(())
    });
}

/// Which part of a sealed GCM message to damage, where, and how.
#[derive(Debug, Clone)]
enum Damage {
    Ciphertext(prop::sample::Index, u8),
    Tag(prop::sample::Index, u8),
    Aad(prop::sample::Index, u8),
    Iv(prop::sample::Index, u8),
    TruncateTag,
}

fn damage() -> impl Strategy<Value = Option<Damage>> {
    let flip = 1..=255u8;
    prop_oneof![
        1 => Just(None),
        4 => prop_oneof![
            (any::<prop::sample::Index>(), flip.clone()).prop_map(|(i, f)| Damage::Ciphertext(i, f)),
            (any::<prop::sample::Index>(), flip.clone()).prop_map(|(i, f)| Damage::Tag(i, f)),
            (any::<prop::sample::Index>(), flip.clone()).prop_map(|(i, f)| Damage::Aad(i, f)),
            (any::<prop::sample::Index>(), flip).prop_map(|(i, f)| Damage::Iv(i, f)),
            Just(Damage::TruncateTag),
        ]
        .prop_map(Some),
    ]
}

#[test]
fn fuzz_gcm_round_trip_and_tamper() {
    let case = (sized(AES256_KEY_LEN), prop::collection::vec(any::<u8>(), GCM_IV_LEN), bytes(40), bytes(100), damage());
    fuzz("gcm_round_trip_and_tamper", case, |(key, mut iv, mut aad, plaintext, damage)| {
        prop_assume!(key.len() == AES256_KEY_LEN);
        let sealed = aes256_gcm_encrypt(&key, &iv, &aad, &plaintext).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let (mut ciphertext, mut tag) = (sealed.ciphertext, sealed.tag.to_vec());
        prop_assert_eq!(ciphertext.len(), plaintext.len());
        let flip = |v: &mut Vec<u8>, at: &prop::sample::Index, f: u8| {
            if !v.is_empty() {
                let i = at.index(v.len());
                v[i] ^= f;
                true
            } else {
                false
            }
        };
        let damaged = match &damage {
            None => false,
            Some(Damage::Ciphertext(at, f)) => flip(&mut ciphertext, at, *f),
            Some(Damage::Tag(at, f)) => flip(&mut tag, at, *f),
            Some(Damage::Aad(at, f)) => flip(&mut aad, at, *f),
            Some(Damage::Iv(at, f)) => flip(&mut iv, at, *f),
            Some(Damage::TruncateTag) => tag.pop().is_some(),
        };
        let opened = aes256_gcm_decrypt(&key, &iv, &aad, &ciphertext, &tag).map_err(|e| TestCaseError::fail(e.to_string()))?;
        if damaged {
            prop_assert!(opened.is_none(), "tampered message accepted: {:?}", damage);
        } else {
            prop_assert_eq!(opened, Some(plaintext));
        }
        Ok(())
    });
}

#[test]
fn fuzz_cbc_decrypt_arbitrary() {
    let case = (sized(AES256_KEY_LEN), sized(CBC_IV_LEN), bytes(96));
    fuzz("cbc_decrypt_arbitrary", case, |(key, iv, ciphertext)| {
        match aes256_cbc_decrypt(&key, &iv, &ciphertext) {
            Err(_) => prop_assert!(key.len() != AES256_KEY_LEN || iv.len() != CBC_IV_LEN),
            Ok(None) => {}
            Ok(Some(plain)) => {
                // Valid PKCS#7 removes 1..=16 bytes from whole blocks.
                prop_assert!(!ciphertext.is_empty() && ciphertext.len() % 16 == 0);
                let removed = ciphertext.len() - plain.len();
                prop_assert!((1..=16).contains(&removed));
                // And re-encrypting gives the same ciphertext back.
                let again = aes256_cbc_encrypt(&key, &iv, &plain).map_err(|e| TestCaseError::fail(e.to_string()))?;
                prop_assert_eq!(again, ciphertext);
            }
        }
        Ok(())
    });
}

#[test]
fn fuzz_cbc_round_trip() {
    let case = (prop::collection::vec(any::<u8>(), AES256_KEY_LEN), prop::collection::vec(any::<u8>(), CBC_IV_LEN), bytes(100));
    fuzz("cbc_round_trip", case, |(key, iv, plaintext)| {
        let ciphertext = aes256_cbc_encrypt(&key, &iv, &plaintext).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(ciphertext.len(), (plaintext.len() / 16 + 1) * 16);
        prop_assert_eq!(aes256_cbc_decrypt(&key, &iv, &ciphertext).ok().flatten(), Some(plaintext));
        Ok(())
    });
}
