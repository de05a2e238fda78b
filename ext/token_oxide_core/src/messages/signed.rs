//! `ENCODED--HEXHMAC` tokens, split and checked as MessageVerifier does.

use crate::compare::secure_compare;
use crate::digest::HmacKey;
use crate::hex;

pub const SEPARATOR: &[u8] = b"--";

/// Append `encoded`, `--` and the lowercase hex HMAC of `encoded` to `out`.
pub fn sign_into(key: &HmacKey, encoded: &[u8], out: &mut Vec<u8>) {
    let mac = key.mac(encoded);
    out.reserve(encoded.len() + SEPARATOR.len() + mac.as_bytes().len() * 2);
    out.extend_from_slice(encoded);
    out.extend_from_slice(SEPARATOR);
    hex::encode_into(mac.as_bytes(), out);
}

/// Append `--` and the lowercase hex HMAC of the whole of `token` to it
/// (`sign_into` for an encoded payload already in place).
pub fn sign_in_place(key: &HmacKey, token: &mut Vec<u8>) {
    let mac = key.mac(token);
    append_signature(token, mac.as_bytes());
}

/// `sign_in_place` with a MAC computed elsewhere (a digest the core does not
/// implement, which the binding gets from OpenSSL): appends `--` and its hex.
pub fn append_signature(token: &mut Vec<u8>, mac: &[u8]) {
    token.reserve(SEPARATOR.len() + mac.len() * 2);
    token.extend_from_slice(SEPARATOR);
    hex::encode_into(mac, token);
}

/// Split off the signature by its fixed length from the end (a URL-safe
/// payload may itself contain `--`). `None` when the token is too short or the
/// separator is not where the signature length puts it.
pub fn split(token: &[u8], hex_len: usize) -> Option<(&[u8], &[u8])> {
    let index = token
        .len()
        .checked_sub(hex_len)?
        .checked_sub(SEPARATOR.len())?;
    if &token[index..index + SEPARATOR.len()] != SEPARATOR {
        return None;
    }
    Some((&token[..index], &token[index + SEPARATOR.len()..]))
}

/// `String#blank?` for UTF-8 or ASCII text: empty or only Unicode White_Space.
pub fn is_blank(text: &[u8]) -> bool {
    // Usual case, decided without UTF-8 validation: an ASCII non-space first byte.
    if text
        .first()
        .is_some_and(|&b| b.is_ascii() && !(b as char).is_whitespace())
    {
        return false;
    }
    match std::str::from_utf8(text) {
        Ok(s) => s.chars().all(char::is_whitespace),
        // Not UTF-8: only ASCII whitespace counts.
        Err(_) => text
            .iter()
            .all(|b| matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')),
    }
}

/// The encoded part of a correctly signed token, or `None` ("mismatched digest").
/// Both parts must be non-blank and the signature must equal the HMAC of the
/// encoded text (compared in constant time).
pub fn verify<'a>(key: &HmacKey, token: &'a [u8]) -> Option<&'a [u8]> {
    let hex_len = key.algorithm().output_len() * 2;
    verify_with(token, hex_len, |encoded| Ok::<_, ()>(key.mac(encoded))).ok()?
}

/// `verify` with the MAC computed by `mac` (for digests the core does not
/// implement): the same splitting, blank checks and constant-time compare.
/// `hex_len` is twice the MAC's length; an error of `mac` is passed through.
pub fn verify_with<'a, M: AsRef<[u8]>, E>(
    token: &'a [u8],
    hex_len: usize,
    mac: impl FnOnce(&[u8]) -> Result<M, E>,
) -> Result<Option<&'a [u8]>, E> {
    let Some((encoded, digest)) = split(token, hex_len) else {
        return Ok(None);
    };
    if is_blank(encoded) || is_blank(digest) {
        return Ok(None);
    }
    let mac = mac(encoded)?;
    // Every digest up to SHA-512 fits the stack buffer: no allocation per check.
    let mut buffer = [0u8; hex::MAX_DIGEST_HEX];
    let owned;
    let expected: &[u8] = match hex::encode_to_slice(mac.as_ref(), &mut buffer) {
        Some(text) => text,
        None => {
            owned = hex::encode(mac.as_ref());
            owned.as_bytes()
        }
    };
    Ok(secure_compare(digest, expected).then_some(encoded))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digest::Algorithm;

    #[test]
    fn sign_and_verify() {
        let key = HmacKey::new(Algorithm::Sha1, b"public-signing-secret");
        let mut token = Vec::new();
        sign_into(&key, b"MTE4MDU5MTYyMDcxNzQxMTMwMzQyNA==", &mut token);
        // Made by ActiveSupport 7.2 (vector mv-gen-pub-045).
        assert_eq!(
            token,
            b"MTE4MDU5MTYyMDcxNzQxMTMwMzQyNA==--48a5391cb49078d42cd638290e7f32c540254983"
        );
        assert_eq!(
            verify(&key, &token),
            Some(&b"MTE4MDU5MTYyMDcxNzQxMTMwMzQyNA=="[..])
        );
        let mut upper = token.clone();
        upper.make_ascii_uppercase();
        assert_eq!(verify(&key, &upper), None);
        assert_eq!(verify(&key, &token[..token.len() - 1]), None);
        assert_eq!(verify(&key, b""), None);
        assert_eq!(verify(&key, b"--"), None);
    }

    #[test]
    fn sign_in_place_matches_sign_into() {
        let key = HmacKey::new(Algorithm::Sha1, b"public-signing-secret");
        let mut token = b"MTE4MDU5MTYyMDcxNzQxMTMwMzQyNA==".to_vec();
        sign_in_place(&key, &mut token);
        assert_eq!(
            token,
            b"MTE4MDU5MTYyMDcxNzQxMTMwMzQyNA==--48a5391cb49078d42cd638290e7f32c540254983"
        );
    }

    #[test]
    fn verify_with_an_outside_mac_matches_verify() {
        let key = HmacKey::new(Algorithm::Sha256, b"k");
        let mut token = b"ZGF0YQ==".to_vec();
        sign_in_place(&key, &mut token);
        let outside = |e: &[u8]| Ok::<_, ()>(key.mac(e).as_bytes().to_vec());
        assert_eq!(verify_with(&token, 64, outside), Ok(verify(&key, &token)));
        assert_eq!(verify_with(&token, 64, outside), Ok(Some(&b"ZGF0YQ=="[..])));
        assert_eq!(verify_with(&token[..token.len() - 1], 64, outside), Ok(None));
        assert_eq!(verify_with(&token, 64, |_| Err::<Vec<u8>, _>("boom")), Err("boom"));
        let mut appended = b"ZGF0YQ==".to_vec();
        append_signature(&mut appended, key.mac(b"ZGF0YQ==").as_bytes());
        assert_eq!(appended, token);
    }

    #[test]
    fn separator_inside_payload() {
        let key = HmacKey::new(Algorithm::Sha256, b"k");
        let mut token = Vec::new();
        sign_into(&key, b"ab--cd", &mut token);
        assert_eq!(verify(&key, &token), Some(&b"ab--cd"[..]));
    }

    #[test]
    fn blank_data_is_rejected_even_when_signed() {
        let key = HmacKey::new(Algorithm::Sha1, b"k");
        let mut token = Vec::new();
        sign_into(&key, b"  \t", &mut token);
        assert_eq!(verify(&key, &token), None);
        assert!(is_blank("\u{3000} \u{2028}".as_bytes()));
        assert!(!is_blank(b" a"));
    }
}
