//! Storage formats for GitLab-style token columns (`add_authentication_token_field`).
//!
//! * Digest: `base64(sha256(token + salt))`, GitLab's `CryptoHelper.sha256`.
//! * Encrypted, written by token_oxide (format "tox1"):
//!   `"tox1:" + strict_base64(nonce12 || ciphertext || tag16)`, AES-256-GCM
//!   with AAD `"token_oxide:tox1"`. The nonce is HMAC-SHA256(nonce_key,
//!   token) truncated to 12 bytes (SIV-style): equal tokens give equal
//!   ciphertexts, so a column can be searched with `WHERE col = ?`, while the
//!   stored nonce is a keyed PRF output that reveals nothing about the token
//!   to someone without the key.
//! * Encrypted, written by GitLab (read, and written on request):
//!   - dynamic nonce: `"|" + strict_base64(ciphertext || tag) + iv12`, where
//!     iv12 is the first 12 characters of the token's SHA-256 hex digest;
//!   - legacy static IV: `base64(ciphertext || tag)` (possibly with the line
//!     breaks of `Base64.encode64`), IV = the key base fitted to 12 bytes.
//!
//!   Both use the key base fitted to 32 bytes by GitLab's `ensure_utf8_size`
//!   and empty AAD.

use zeroize::Zeroizing;

use crate::base64;
use crate::cipher::{
    aes256_gcm_decrypt, aes256_gcm_encrypt, AES256_KEY_LEN, GCM_IV_LEN, GCM_TAG_LEN,
};
use crate::digest::{Algorithm, HmacKey};
use crate::error::{argument, Result};
use crate::hex;

/// Marker of values written in token_oxide's own format.
pub const TOX1_MARKER: &[u8] = b"tox1:";
/// Marker of GitLab's dynamic-nonce values.
pub const GITLAB_DYNAMIC_MARKER: u8 = b'|';
const TOX1_AAD: &[u8] = b"token_oxide:tox1";

/// GitLab's `Gitlab::Utils.ensure_utf8_size(str, bytes:)`: keep whole
/// characters while they fit in `size` bytes, then right-pad with ASCII '0'.
/// With `utf8 == false` (a binary Ruby String) every byte is a character.
/// Invalid UTF-8 bytes count as one-byte characters, as Ruby's `each_char`
/// treats them.
pub fn fit_key(source: &[u8], size: usize, utf8: bool) -> Result<Zeroizing<Vec<u8>>> {
    if source.is_empty() {
        return Err(argument("the key base must not be empty"));
    }
    let mut out = Zeroizing::new(Vec::with_capacity(size));
    let mut pos = 0;
    while pos < source.len() {
        let width = if utf8 {
            utf8_char_width(&source[pos..])
        } else {
            1
        };
        if out.len() + width > size {
            break;
        }
        out.extend_from_slice(&source[pos..pos + width]);
        pos += width;
    }
    out.resize(size, b'0');
    Ok(out)
}

/// Length of the UTF-8 character at the start of `bytes` (non-empty), or 1
/// when it does not start with a valid, complete character.
fn utf8_char_width(bytes: &[u8]) -> usize {
    let expected = match bytes[0] {
        0x00..=0x7f => 1,
        0xc2..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf4 => 4,
        _ => 1,
    };
    match bytes.get(..expected) {
        Some(candidate) if std::str::from_utf8(candidate).is_ok() => expected,
        _ => 1,
    }
}

/// GitLab's token digest: `Digest::SHA256.base64digest("#{token}#{salt}")`.
pub fn salted_sha256_base64(token: &[u8], salt: &[u8]) -> String {
    let digest = Algorithm::Sha256.digest_parts(&[token, salt]);
    base64::strict_encode(digest.as_bytes())
}

/// Which format a stored encrypted value is in (decided by its marker).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoredFormat {
    Tox1,
    GitlabDynamicNonce,
    GitlabStaticIv,
}

impl StoredFormat {
    pub fn of(stored: &[u8]) -> Self {
        if stored.starts_with(TOX1_MARKER) {
            StoredFormat::Tox1
        } else if stored.first() == Some(&GITLAB_DYNAMIC_MARKER) && stored.len() > GCM_IV_LEN + 1 {
            StoredFormat::GitlabDynamicNonce
        } else {
            StoredFormat::GitlabStaticIv
        }
    }
}

/// Keys for one token column configuration. Built once per process.
pub struct TokenCipher {
    encryption_key: Zeroizing<[u8; AES256_KEY_LEN]>,
    nonce_key: HmacKey,
    gitlab_key: Zeroizing<Vec<u8>>,
    gitlab_static_iv: Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for TokenCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenCipher([FILTERED])")
    }
}

impl TokenCipher {
    /// `encryption_key` (32 bytes) and `nonce_key` (any length, 32+ advised)
    /// are for the tox1 format; `gitlab_key_base` is GitLab's `db_key_base`,
    /// fitted here by GitLab's rule.
    pub fn new(
        encryption_key: &[u8],
        nonce_key: &[u8],
        gitlab_key_base: &[u8],
        utf8: bool,
    ) -> Result<Self> {
        let encryption_key: [u8; AES256_KEY_LEN] = encryption_key
            .try_into()
            .map_err(|_| argument(format!("the encryption key must be {AES256_KEY_LEN} bytes")))?;
        if nonce_key.len() < 16 {
            return Err(argument("the nonce key must be at least 16 bytes"));
        }
        Ok(TokenCipher {
            encryption_key: Zeroizing::new(encryption_key),
            nonce_key: HmacKey::new(Algorithm::Sha256, nonce_key),
            gitlab_key: fit_key(gitlab_key_base, AES256_KEY_LEN, utf8)?,
            gitlab_static_iv: fit_key(gitlab_key_base, GCM_IV_LEN, utf8)?,
        })
    }

    fn tox1_nonce(&self, token: &[u8]) -> [u8; GCM_IV_LEN] {
        let mac = self.nonce_key.mac(token);
        let mut nonce = [0u8; GCM_IV_LEN];
        nonce.copy_from_slice(&mac.as_bytes()[..GCM_IV_LEN]);
        nonce
    }

    /// The tox1 value stored for `token`.
    pub fn encrypt(&self, token: &[u8]) -> Result<String> {
        let nonce = self.tox1_nonce(token);
        let sealed = aes256_gcm_encrypt(&self.encryption_key[..], &nonce, TOX1_AAD, token)?;
        let mut body = Vec::with_capacity(GCM_IV_LEN + sealed.ciphertext.len() + GCM_TAG_LEN);
        body.extend_from_slice(&nonce);
        body.extend_from_slice(&sealed.ciphertext);
        body.extend_from_slice(&sealed.tag);
        let mut out = Vec::with_capacity(TOX1_MARKER.len() + base64::encoded_len(body.len()));
        out.extend_from_slice(TOX1_MARKER);
        base64::strict_encode_into(&body, &mut out);
        ascii_string(out)
    }

    /// GitLab's current format (`EncryptionHelper.encrypt_token`).
    pub fn encrypt_gitlab(&self, token: &[u8]) -> Result<String> {
        let nonce = gitlab_nonce(token);
        let body = self.gitlab_seal(token, &nonce)?;
        let mut out = Vec::with_capacity(1 + base64::encoded_len(body.len()) + GCM_IV_LEN);
        out.push(GITLAB_DYNAMIC_MARKER);
        base64::strict_encode_into(&body, &mut out);
        out.extend_from_slice(&nonce);
        ascii_string(out)
    }

    /// GitLab's legacy static-IV format (`CryptoHelper.aes256_gcm_encrypt(token)`).
    pub fn encrypt_gitlab_static(&self, token: &[u8]) -> Result<String> {
        let body = self.gitlab_seal(token, &self.gitlab_static_iv)?;
        Ok(base64::strict_encode(&body))
    }

    fn gitlab_seal(&self, token: &[u8], iv: &[u8]) -> Result<Vec<u8>> {
        let sealed = aes256_gcm_encrypt(&self.gitlab_key, iv, b"", token)?;
        let mut body = sealed.ciphertext;
        body.extend_from_slice(&sealed.tag);
        Ok(body)
    }

    /// Every stored value that means `token`, newest format first: what a
    /// lookup puts in `WHERE col IN (...)`. GitLab's legacy static-IV form
    /// only with `legacy_static_iv`: it encrypts each looked-up token under
    /// one fixed IV (GCM keystream reuse across all of them), and the
    /// query, with those values, can end up in SQL debug logs.
    pub fn lookup_values(&self, token: &[u8], legacy_static_iv: bool) -> Result<Vec<String>> {
        let mut values = vec![self.encrypt(token)?, self.encrypt_gitlab(token)?];
        if legacy_static_iv {
            values.push(self.encrypt_gitlab_static(token)?);
        }
        Ok(values)
    }

    /// The token in a stored value, or `None` when it does not decrypt.
    pub fn decrypt(&self, stored: &[u8]) -> Result<Option<Zeroizing<Vec<u8>>>> {
        let opened = match StoredFormat::of(stored) {
            StoredFormat::Tox1 => {
                let Ok(body) = base64::strict_decode(&stored[TOX1_MARKER.len()..]) else {
                    return Ok(None);
                };
                if body.len() < GCM_IV_LEN + GCM_TAG_LEN {
                    return Ok(None);
                }
                let (nonce, rest) = body.split_at(GCM_IV_LEN);
                let (ciphertext, tag) = rest.split_at(rest.len() - GCM_TAG_LEN);
                aes256_gcm_decrypt(&self.encryption_key[..], nonce, TOX1_AAD, ciphertext, tag)?
            }
            StoredFormat::GitlabDynamicNonce => {
                let (encoded, nonce) = stored[1..].split_at(stored.len() - 1 - GCM_IV_LEN);
                self.gitlab_open(&lenient_base64_decode(encoded), nonce)?
            }
            StoredFormat::GitlabStaticIv => {
                self.gitlab_open(&lenient_base64_decode(stored), &self.gitlab_static_iv)?
            }
        };
        Ok(opened.map(Zeroizing::new))
    }

    fn gitlab_open(&self, body: &[u8], iv: &[u8]) -> Result<Option<Vec<u8>>> {
        if body.len() < GCM_TAG_LEN {
            return Ok(None);
        }
        let (ciphertext, tag) = body.split_at(body.len() - GCM_TAG_LEN);
        aes256_gcm_decrypt(&self.gitlab_key, iv, b"", ciphertext, tag)
    }
}

/// GitLab's dynamic nonce: the first 12 characters of the SHA-256 hex digest.
fn gitlab_nonce(token: &[u8]) -> [u8; GCM_IV_LEN] {
    let digest = Algorithm::Sha256.digest(token);
    let mut text = Vec::with_capacity(64);
    hex::encode_into(digest.as_bytes(), &mut text);
    let mut nonce = [0u8; GCM_IV_LEN];
    nonce.copy_from_slice(&text[..GCM_IV_LEN]);
    nonce
}

fn ascii_string(bytes: Vec<u8>) -> Result<String> {
    String::from_utf8(bytes).map_err(|_| argument("internal error: non-ASCII encoding output"))
}

/// Ruby's lenient `Base64.decode64` (`unpack1("m")`): characters outside the
/// alphabet are skipped, the first '=' in the third or fourth position of a
/// quantum ends the input, and a trailing partial quantum still yields its
/// whole bytes.
pub fn lenient_base64_decode(input: &[u8]) -> Vec<u8> {
    fn value(byte: u8) -> Option<u32> {
        match byte {
            b'A'..=b'Z' => Some(u32::from(byte - b'A')),
            b'a'..=b'z' => Some(u32::from(byte - b'a') + 26),
            b'0'..=b'9' => Some(u32::from(byte - b'0') + 52),
            b'+' => Some(62),
            b'/' => Some(63),
            _ => None,
        }
    }
    let mut out = Vec::with_capacity(input.len() / 4 * 3 + 2);
    let mut pos = 0;
    // Next alphabet symbol; '=' stops the scan only where `stop_at_pad` says.
    let mut next = |stop_at_pad: bool| -> Option<u32> {
        while pos < input.len() {
            let byte = input[pos];
            if let Some(v) = value(byte) {
                pos += 1;
                return Some(v);
            }
            if stop_at_pad && byte == b'=' {
                return None;
            }
            pos += 1;
        }
        None
    };
    while let Some(a) = next(false) {
        let Some(b) = next(false) else { break };
        let Some(c) = next(true) else {
            out.push(((a << 2) | (b >> 4)) as u8);
            break;
        };
        let Some(d) = next(true) else {
            out.push(((a << 2) | (b >> 4)) as u8);
            out.push(((b << 4) | (c >> 2)) as u8);
            break;
        };
        out.push(((a << 2) | (b >> 4)) as u8);
        out.push(((b << 4) | (c >> 2)) as u8);
        out.push(((c << 6) | d) as u8);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cipher() -> TokenCipher {
        TokenCipher::new(
            &[1u8; 32],
            &[2u8; 32],
            b"0123456789abcdef0123456789abcdef0123456789",
            true,
        )
        .unwrap()
    }

    #[test]
    fn fit_key_follows_gitlab() {
        assert_eq!(&fit_key(b"abc", 8, true).unwrap()[..], b"abc00000");
        assert_eq!(
            &fit_key(b"0123456789abcdefXYZ", 12, true).unwrap()[..],
            b"0123456789ab"
        );
        // "é" is two bytes: it does not fit in the last single byte, so '0' pads.
        assert_eq!(&fit_key("abé".as_bytes(), 3, true).unwrap()[..], b"ab0");
        assert_eq!(&fit_key("abé".as_bytes(), 3, false).unwrap()[..], b"ab\xc3");
        // An invalid byte is one character.
        assert_eq!(&fit_key(b"a\xffb", 2, true).unwrap()[..], b"a\xff");
        assert!(fit_key(b"", 32, true).is_err());
    }

    #[test]
    fn digest_matches_known_value() {
        // Digest::SHA256.base64digest("tokensalt")
        assert_eq!(
            salted_sha256_base64(b"token", b"salt"),
            "Pbq185gOo7YaBd1nbMp/HdWyHCsUdsP/K+yn2UIRQgA="
        );
    }

    #[test]
    fn gitlab_nonce_is_hex_prefix() {
        assert_eq!(&gitlab_nonce(b"tok"), b"1a7674eb4ee7");
    }

    #[test]
    fn formats_round_trip_and_are_deterministic() {
        let c = cipher();
        for token in [
            &b"glrt-abc"[..],
            b"x",
            b"a much longer token value with spaces",
        ] {
            let values = c.lookup_values(token, true).unwrap();
            assert!(values[0].starts_with("tox1:"));
            assert!(values[1].starts_with('|'));
            assert!(values[1].ends_with(std::str::from_utf8(&gitlab_nonce(token)).unwrap()));
            assert_eq!(values, c.lookup_values(token, true).unwrap());
            assert_eq!(values[2], c.encrypt_gitlab_static(token).unwrap());
            assert_eq!(c.lookup_values(token, false).unwrap(), values[..2]);
            for value in &values {
                assert_eq!(
                    c.decrypt(value.as_bytes())
                        .unwrap()
                        .as_deref()
                        .map(|v| &v[..]),
                    Some(token)
                );
            }
        }
        assert_ne!(c.encrypt(b"a").unwrap(), c.encrypt(b"b").unwrap());
    }

    #[test]
    fn tox1_nonce_is_keyed() {
        let other = TokenCipher::new(&[1u8; 32], &[3u8; 32], b"key", true).unwrap();
        assert_ne!(
            cipher().encrypt(b"tok").unwrap(),
            other.encrypt(b"tok").unwrap()
        );
        assert!(!cipher().encrypt(b"tok").unwrap().contains("1a7674eb4ee7"));
    }

    #[test]
    fn garbage_does_not_decrypt() {
        let c = cipher();
        for junk in [
            &b""[..],
            b"tox1:",
            b"tox1:!!!",
            b"|short",
            b"|AAAAAAAAAAAAAAAAAAAAAAAAAAAA1a7674eb4ee7",
            b"AAAA",
            b"plain token",
        ] {
            assert!(c.decrypt(junk).unwrap().is_none(), "{:?}", junk);
        }
        let mut tampered = c.encrypt(b"tok").unwrap().into_bytes();
        let last = tampered.len() - 3;
        tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
        assert!(c.decrypt(&tampered).unwrap().is_none());
    }

    #[test]
    fn reads_encode64_line_breaks() {
        let c = cipher();
        let strict = c
            .encrypt_gitlab_static(b"a token long enough to wrap lines in base64 encoding, yes")
            .unwrap();
        let mut wrapped = Vec::new();
        for (i, chunk) in strict.as_bytes().chunks(60).enumerate() {
            if i > 0 {
                wrapped.push(b'\n');
            }
            wrapped.extend_from_slice(chunk);
        }
        wrapped.push(b'\n');
        assert!(c.decrypt(&wrapped).unwrap().is_some());
    }

    #[test]
    fn lenient_decode_matches_ruby() {
        // Expected values from Ruby's Base64.decode64.
        assert_eq!(lenient_base64_decode(b"aGVsbG8="), b"hello");
        assert_eq!(lenient_base64_decode(b"aGVsbG8"), b"hello");
        assert_eq!(lenient_base64_decode(b"aGVs\nbG8=\n"), b"hello");
        assert_eq!(lenient_base64_decode(b"aGVsbA=="), b"hell");
        assert_eq!(lenient_base64_decode(b"aGVsbA"), b"hell");
        assert_eq!(lenient_base64_decode(b"aGVsb"), b"hel");
        assert_eq!(lenient_base64_decode(b"a"), b"");
        assert_eq!(lenient_base64_decode(b"aG=Vs"), b"h");
        assert_eq!(lenient_base64_decode(b"==aGVs"), b"hel");
        assert_eq!(lenient_base64_decode(b"!@#"), b"");
    }

    #[test]
    fn wrong_key_sizes_are_errors() {
        assert!(TokenCipher::new(&[1u8; 31], &[2u8; 32], b"k", true).is_err());
        assert!(TokenCipher::new(&[1u8; 32], &[2u8; 8], b"k", true).is_err());
        assert!(TokenCipher::new(&[1u8; 32], &[2u8; 32], b"", true).is_err());
    }
}
