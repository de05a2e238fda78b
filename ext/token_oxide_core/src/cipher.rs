//! AES-256-GCM and AES-256-CBC (PKCS#7), with the sizes and conventions of
//! Ruby's OpenSSL as ActiveSupport::MessageEncryptor and GitLab use them.
//!
//! Wrong key or IV sizes are caller bugs and come back as errors naming the
//! expected size (never the bytes). A message that fails authentication or
//! unpadding is not an error: it is `None`, like Rails' `decrypt_and_verify`
//! answering nil.

use aes::cipher::block_padding::Pkcs7;
use aes::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use aes_gcm::aead::{AeadInPlace, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce, Tag};

use std::cell::Cell;

use aes_gcm::aead::generic_array::GenericArray;
use zeroize::Zeroizing;

use crate::compare::secure_compare;
use crate::error::{argument, Result};

pub const AES256_KEY_LEN: usize = 32;
pub const GCM_IV_LEN: usize = 12;
pub const GCM_TAG_LEN: usize = 16;
pub const CBC_IV_LEN: usize = 16;
const BLOCK_LEN: usize = 16;

/// Ciphertext and authentication tag of an AES-GCM encryption.
pub struct Sealed {
    pub ciphertext: Vec<u8>,
    pub tag: [u8; GCM_TAG_LEN],
}

fn check_len(what: &str, cipher: &str, actual: usize, expected: usize) -> Result<()> {
    if actual != expected {
        return Err(argument(format!(
            "{cipher} {what} must be {expected} bytes (got {actual})"
        )));
    }
    Ok(())
}

/// AES-256-GCM encryption with a 12-byte IV and a 16-byte tag.
pub fn aes256_gcm_encrypt(key: &[u8], iv: &[u8], aad: &[u8], plaintext: &[u8]) -> Result<Sealed> {
    let mut buffer = plaintext.to_vec();
    let tag = aes256_gcm_encrypt_in_place(key, iv, aad, &mut buffer)?;
    Ok(Sealed {
        ciphertext: buffer,
        tag,
    })
}

/// [`aes256_gcm_encrypt`] over `buffer` itself: the plaintext there becomes
/// the ciphertext (same length) and the tag is returned, no allocation.
pub fn aes256_gcm_encrypt_in_place(
    key: &[u8],
    iv: &[u8],
    aad: &[u8],
    buffer: &mut [u8],
) -> Result<[u8; GCM_TAG_LEN]> {
    check_len("key", "aes-256-gcm", key.len(), AES256_KEY_LEN)?;
    check_len("iv", "aes-256-gcm", iv.len(), GCM_IV_LEN)?;
    let tag = with_cached_gcm(key, |cipher| {
        cipher.encrypt_in_place_detached(Nonce::from_slice(iv), aad, buffer)
    })
    .map_err(|_| argument("aes-256-gcm plaintext is too long"))?;
    Ok(tag.into())
}

/// AES-256-GCM decryption. `Ok(None)` when the tag does not authenticate the
/// message (the crate compares it in constant time) or is not 16 bytes.
pub fn aes256_gcm_decrypt(
    key: &[u8],
    iv: &[u8],
    aad: &[u8],
    ciphertext: &[u8],
    tag: &[u8],
) -> Result<Option<Vec<u8>>> {
    let mut buffer = ciphertext.to_vec();
    Ok(aes256_gcm_decrypt_in_place(key, iv, aad, &mut buffer, tag)?.then_some(buffer))
}

/// [`aes256_gcm_decrypt`] over `buffer` itself: `Ok(true)` when it now holds
/// the plaintext, `Ok(false)` when the tag does not authenticate it.
pub fn aes256_gcm_decrypt_in_place(
    key: &[u8],
    iv: &[u8],
    aad: &[u8],
    buffer: &mut [u8],
    tag: &[u8],
) -> Result<bool> {
    check_len("key", "aes-256-gcm", key.len(), AES256_KEY_LEN)?;
    check_len("iv", "aes-256-gcm", iv.len(), GCM_IV_LEN)?;
    if tag.len() != GCM_TAG_LEN {
        return Ok(false);
    }
    Ok(with_cached_gcm(key, |cipher| {
        cipher
            .decrypt_in_place_detached(Nonce::from_slice(iv), aad, buffer, Tag::from_slice(tag))
            .is_ok()
    }))
}

/// The key and its expanded cipher (round keys, GHASH key), both zeroized
/// on drop.
struct CachedGcm {
    key: Zeroizing<[u8; AES256_KEY_LEN]>,
    cipher: Aes256Gcm,
}

thread_local! {
    /// The last key's cipher on this thread: an application encrypts and
    /// decrypts with one key over and over (a cookie session both ways on
    /// every request), and expanding it costs as much as sealing a short
    /// message. Taken while in use (a nested call builds its own).
    static LAST_GCM: Cell<Option<Box<CachedGcm>>> = const { Cell::new(None) };
}

/// Runs `f` with the AES-256-GCM cipher of `key` (exactly 32 bytes).
fn with_cached_gcm<T>(key: &[u8], f: impl FnOnce(&Aes256Gcm) -> T) -> T {
    let cached = LAST_GCM
        .take()
        .filter(|c| secure_compare(&c.key[..], key))
        .unwrap_or_else(|| {
            let mut copy = Zeroizing::new([0u8; AES256_KEY_LEN]);
            copy.copy_from_slice(key);
            Box::new(CachedGcm {
                cipher: Aes256Gcm::new(GenericArray::from_slice(&copy[..])),
                key: copy,
            })
        });
    let result = f(&cached.cipher);
    LAST_GCM.set(Some(cached));
    result
}

type CbcEncryptor = cbc::Encryptor<aes::Aes256>;
type CbcDecryptor = cbc::Decryptor<aes::Aes256>;

fn check_cbc(key: &[u8], iv: &[u8]) -> Result<()> {
    check_len("key", "aes-256-cbc", key.len(), AES256_KEY_LEN)?;
    check_len("iv", "aes-256-cbc", iv.len(), CBC_IV_LEN)
}

/// AES-256-CBC encryption with PKCS#7 padding (always adds 1..=16 bytes).
pub fn aes256_cbc_encrypt(key: &[u8], iv: &[u8], plaintext: &[u8]) -> Result<Vec<u8>> {
    check_cbc(key, iv)?;
    let padded_len = (plaintext.len() / BLOCK_LEN)
        .checked_add(1)
        .and_then(|blocks| blocks.checked_mul(BLOCK_LEN))
        .ok_or_else(|| argument("aes-256-cbc plaintext is too long"))?;
    let mut buffer = vec![0u8; padded_len];
    buffer[..plaintext.len()].copy_from_slice(plaintext);
    let encryptor =
        CbcEncryptor::new_from_slices(key, iv).map_err(|_| argument("aes-256-cbc key/iv size"))?;
    let written = encryptor
        .encrypt_padded_mut::<Pkcs7>(&mut buffer, plaintext.len())
        .map_err(|_| argument("aes-256-cbc padding buffer too small"))?
        .len();
    buffer.truncate(written);
    Ok(buffer)
}

/// AES-256-CBC decryption. `Ok(None)` when the ciphertext is not a whole
/// number of blocks or its PKCS#7 padding is invalid (OpenSSL's "bad
/// decrypt").
pub fn aes256_cbc_decrypt(key: &[u8], iv: &[u8], ciphertext: &[u8]) -> Result<Option<Vec<u8>>> {
    check_cbc(key, iv)?;
    if ciphertext.is_empty() || ciphertext.len() % BLOCK_LEN != 0 {
        return Ok(None);
    }
    let decryptor =
        CbcDecryptor::new_from_slices(key, iv).map_err(|_| argument("aes-256-cbc key/iv size"))?;
    let mut buffer = ciphertext.to_vec();
    match decryptor.decrypt_padded_mut::<Pkcs7>(&mut buffer) {
        Ok(plain) => {
            let len = plain.len();
            buffer.truncate(len);
            Ok(Some(buffer))
        }
        Err(_) => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hex::{decode, encode};

    fn h(text: &str) -> Vec<u8> {
        decode(text.as_bytes()).expect("valid hex in test vector")
    }

    // NIST GCM test vectors (McGrew & Viega, "The Galois/Counter Mode of
    // Operation", test cases 14 and 16).
    #[test]
    fn gcm_known_vectors() {
        let key = [0u8; 32];
        let iv = [0u8; 12];
        let sealed = aes256_gcm_encrypt(&key, &iv, b"", &[0u8; 16]).unwrap();
        assert_eq!(
            encode(&sealed.ciphertext),
            "cea7403d4d606b6e074ec5d3baf39d18"
        );
        assert_eq!(encode(&sealed.tag), "d0d1c8a799996bf0265b98b5d48ab919");

        let key = h("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308");
        let iv = h("cafebabefacedbaddecaf888");
        let aad = h("feedfacedeadbeeffeedfacedeadbeefabaddad2");
        let plaintext = h(
            "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72\
             1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
        );
        let sealed = aes256_gcm_encrypt(&key, &iv, &aad, &plaintext).unwrap();
        assert_eq!(
            encode(&sealed.ciphertext),
            "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa\
             8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662"
        );
        assert_eq!(encode(&sealed.tag), "76fc6ece0f4e1768cddf8853bb2d551b");

        let opened = aes256_gcm_decrypt(&key, &iv, &aad, &sealed.ciphertext, &sealed.tag).unwrap();
        assert_eq!(opened.as_deref(), Some(&plaintext[..]));
        let mut buffer = sealed.ciphertext.clone();
        assert!(aes256_gcm_decrypt_in_place(&key, &iv, &aad, &mut buffer, &sealed.tag).unwrap());
        assert_eq!(buffer, plaintext);
        buffer[0] ^= 1;
        assert!(!aes256_gcm_decrypt_in_place(&key, &iv, &aad, &mut buffer, &sealed.tag).unwrap());
    }

    #[test]
    fn gcm_cached_cipher_follows_the_key() {
        let (key_a, key_b, iv) = ([1u8; 32], [2u8; 32], [3u8; 12]);
        let a = aes256_gcm_encrypt(&key_a, &iv, b"", b"message a").unwrap();
        let b = aes256_gcm_encrypt(&key_b, &iv, b"", b"message b").unwrap();
        for _ in 0..2 {
            let mut buf = a.ciphertext.clone();
            assert!(aes256_gcm_decrypt_in_place(&key_a, &iv, b"", &mut buf, &a.tag).unwrap());
            assert_eq!(buf, b"message a");
            let mut buf = a.ciphertext.clone();
            assert!(!aes256_gcm_decrypt_in_place(&key_b, &iv, b"", &mut buf, &a.tag).unwrap());
            let mut buf = b.ciphertext.clone();
            assert!(aes256_gcm_decrypt_in_place(&key_b, &iv, b"", &mut buf, &b.tag).unwrap());
            assert_eq!(buf, b"message b");
        }
        // Encryption through the cache, keys alternating, against a cipher
        // built fresh for each message.
        for (key, text) in [(key_a, &b"one"[..]), (key_b, b"two"), (key_b, b"three"), (key_a, b"four")] {
            let sealed = aes256_gcm_encrypt(&key, &iv, b"aad", text).unwrap();
            let fresh = Aes256Gcm::new(GenericArray::from_slice(&key));
            let mut expected = text.to_vec();
            let tag = fresh.encrypt_in_place_detached(Nonce::from_slice(&iv), b"aad", &mut expected).unwrap();
            assert_eq!((sealed.ciphertext, sealed.tag), (expected, <[u8; GCM_TAG_LEN]>::from(tag)));
        }
    }

    #[test]
    fn gcm_rejects_tampering() {
        let key = [7u8; 32];
        let iv = [9u8; 12];
        let sealed = aes256_gcm_encrypt(&key, &iv, b"aad", b"secret token").unwrap();
        let mut bad_tag = sealed.tag;
        bad_tag[0] ^= 1;
        assert_eq!(
            aes256_gcm_decrypt(&key, &iv, b"aad", &sealed.ciphertext, &bad_tag).unwrap(),
            None
        );
        let mut bad_ct = sealed.ciphertext.clone();
        bad_ct[0] ^= 1;
        assert_eq!(
            aes256_gcm_decrypt(&key, &iv, b"aad", &bad_ct, &sealed.tag).unwrap(),
            None
        );
        assert_eq!(
            aes256_gcm_decrypt(&key, &iv, b"other", &sealed.ciphertext, &sealed.tag).unwrap(),
            None
        );
        assert_eq!(
            aes256_gcm_decrypt(&key, &iv, b"aad", &sealed.ciphertext, &sealed.tag[..12]).unwrap(),
            None
        );
    }

    #[test]
    fn gcm_size_errors_name_the_expected_size() {
        let err = aes256_gcm_encrypt(&[1u8; 16], &[0u8; 12], b"", b"x")
            .err()
            .unwrap();
        assert_eq!(err.to_string(), "aes-256-gcm key must be 32 bytes (got 16)");
        let err = aes256_gcm_decrypt(&[1u8; 32], &[0u8; 16], b"", b"x", &[0u8; 16])
            .err()
            .unwrap();
        assert_eq!(err.to_string(), "aes-256-gcm iv must be 12 bytes (got 16)");
    }

    // NIST SP 800-38A F.2.5 (CBC-AES256.Encrypt), first two blocks; PKCS#7
    // then adds one full padding block.
    #[test]
    fn cbc_known_vector() {
        let key = h("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4");
        let iv = h("000102030405060708090a0b0c0d0e0f");
        let plaintext = h("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51");
        let ciphertext = aes256_cbc_encrypt(&key, &iv, &plaintext).unwrap();
        assert_eq!(ciphertext.len(), 48);
        assert_eq!(
            encode(&ciphertext[..32]),
            "f58c4c04d6e5f1ba779eabfb5f7bfbd69cfc4e967edb808d679f777bc6702c7d"
        );
        assert_eq!(
            aes256_cbc_decrypt(&key, &iv, &ciphertext)
                .unwrap()
                .as_deref(),
            Some(&plaintext[..])
        );
    }

    #[test]
    fn cbc_round_trips_every_padding_length() {
        let key = [3u8; 32];
        let iv = [4u8; 16];
        for len in 0..40 {
            let plaintext: Vec<u8> = (0..len as u8).collect();
            let ciphertext = aes256_cbc_encrypt(&key, &iv, &plaintext).unwrap();
            assert_eq!(ciphertext.len(), (len / 16 + 1) * 16);
            assert_eq!(
                aes256_cbc_decrypt(&key, &iv, &ciphertext).unwrap(),
                Some(plaintext)
            );
        }
    }

    #[test]
    fn cbc_bad_input_is_none() {
        let key = [3u8; 32];
        let iv = [4u8; 16];
        assert_eq!(aes256_cbc_decrypt(&key, &iv, b"").unwrap(), None);
        assert_eq!(aes256_cbc_decrypt(&key, &iv, &[0u8; 15]).unwrap(), None);
        // Flip the last byte so the padding is (almost certainly) invalid.
        let mut ciphertext = aes256_cbc_encrypt(&key, &iv, b"hello").unwrap();
        let last = ciphertext.len() - 1;
        ciphertext[last] ^= 0xff;
        let wrong = aes256_cbc_decrypt(&key, &iv, &ciphertext).unwrap();
        assert_ne!(wrong.as_deref(), Some(&b"hello"[..]));
    }

    #[test]
    fn cbc_size_errors() {
        let err = aes256_cbc_encrypt(&[0u8; 31], &[0u8; 16], b"")
            .err()
            .unwrap();
        assert_eq!(err.to_string(), "aes-256-cbc key must be 32 bytes (got 31)");
        let err = aes256_cbc_decrypt(&[0u8; 32], &[0u8; 12], &[0u8; 16])
            .err()
            .unwrap();
        assert_eq!(err.to_string(), "aes-256-cbc iv must be 16 bytes (got 12)");
    }
}
