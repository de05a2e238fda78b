//! Base64 of message payloads and the serialization-format sniffing of
//! ActiveSupport's serializers-with-fallback.

use crate::base64;

/// `Base64.urlsafe_encode64(data, padding: false)` or `strict_encode64(data)`.
pub fn encode_into(data: &[u8], url_safe: bool, out: &mut Vec<u8>) {
    if url_safe {
        base64::urlsafe_encode_into(data, out);
    } else {
        base64::strict_encode_into(data, out);
    }
}

fn decode_one(encoded: &[u8], url_safe: bool) -> Option<Vec<u8>> {
    if url_safe {
        base64::urlsafe_decode(encoded)
    } else {
        base64::strict_decode(encoded)
    }
    .ok()
}

/// Decoding as MessageVerifier 7.2.3+/8.0.2+ does it: the configured alphabet
/// first, then the other one. `None` means "invalid base64".
pub fn decode_with_fallback(encoded: &[u8], url_safe: bool) -> Option<Vec<u8>> {
    decode_one(encoded, url_safe).or_else(|| decode_one(encoded, !url_safe))
}

/// [`decode_with_fallback`] into `out` (cleared first; a caller's reused
/// buffer saves an allocation per message). `false` means "invalid base64".
pub fn decode_with_fallback_into(encoded: &[u8], url_safe: bool, out: &mut Vec<u8>) -> bool {
    for alphabet in [url_safe, !url_safe] {
        out.clear();
        let decoded = if alphabet {
            base64::urlsafe_decode_into(encoded, out)
        } else {
            base64::strict_decode_into(encoded, out)
        };
        if decoded.is_ok() {
            return true;
        }
    }
    out.clear();
    false
}

/// [`decode`] into `out` (cleared first). `false` means "invalid base64".
pub fn decode_into(encoded: &[u8], url_safe: bool, out: &mut Vec<u8>) -> bool {
    out.clear();
    let decoded = if url_safe {
        base64::urlsafe_decode_into(encoded, out)
    } else {
        base64::strict_decode_into(encoded, out)
    };
    if decoded.is_err() {
        out.clear();
    }
    decoded.is_ok()
}

/// Decoding with only the configured alphabet (MessageEncryptor's parts).
pub fn decode(encoded: &[u8], url_safe: bool) -> Option<Vec<u8>> {
    decode_one(encoded, url_safe)
}

/// What a serialized payload looks like, as `SerializerWithFallback#detect_format` sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// ActiveSupport::MessagePack's signature (ext type 0 with 0x80, `\xCC\x80`).
    MessagePack,
    Marshal,
    Json,
    Unknown,
}

/// MessagePack (ActiveSupport's) first, as Rails checks; Marshal data starts
/// with version 4.8; JSON with `{ [ "`, a number, or a literal.
pub fn detect_format(dumped: &[u8]) -> Format {
    if dumped.starts_with(b"\xCC\x80") {
        return Format::MessagePack;
    }
    if dumped.starts_with(b"\x04\x08") {
        return Format::Marshal;
    }
    let json = match dumped {
        [b'{' | b'[' | b'"', ..] => true,
        [b'-', d, ..] | [d, ..] if d.is_ascii_digit() => true,
        _ => {
            dumped.starts_with(b"true")
                || dumped.starts_with(b"false")
                || dumped.starts_with(b"null")
        }
    };
    if json {
        Format::Json
    } else {
        Format::Unknown
    }
}

/// The pre-7.1 envelope is recognised by this exact prefix.
pub const LEGACY_ENVELOPE_PREFIX: &[u8] = br#"{"_rails":{"message":"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fallback_alphabet() {
        assert_eq!(
            decode_with_fallback(b"InBhZDFwYWQxIg", false).as_deref(),
            Some(&b"\"pad1pad1\""[..])
        );
        assert_eq!(decode(b"InBhZDFwYWQxIg", false), None);
        assert_eq!(
            decode_with_fallback(b"-_8=", false).as_deref(),
            Some(&[0xfb, 0xff][..])
        );
        assert_eq!(
            decode_with_fallback(b"+/8=", true).as_deref(),
            Some(&[0xfb, 0xff][..])
        );
        assert_eq!(decode_with_fallback(b"f", false), None);
        let mut out = b"stale".to_vec();
        assert!(decode_with_fallback_into(b"-_8=", false, &mut out));
        assert_eq!(out, [0xfb, 0xff]);
        assert!(decode_with_fallback_into(b"Zm9v", true, &mut out));
        assert_eq!(out, b"foo");
        assert!(decode_with_fallback_into(b"Zm8", false, &mut out));
        assert_eq!(out, b"fo");
        assert!(!decode_with_fallback_into(b"f", false, &mut out));
        assert!(out.is_empty());
        assert_eq!(decode_with_fallback(b" Zm9v", false), None);
    }

    #[test]
    fn formats() {
        assert_eq!(detect_format(b"\x04\x08i\x06"), Format::Marshal);
        assert_eq!(detect_format(b"\xCC\x80\x91\x01"), Format::MessagePack);
        for json in [
            &b"{}"[..],
            b"[1]",
            b"\"x\"",
            b"-1",
            b"7",
            b"true",
            b"false",
            b"null",
        ] {
            assert_eq!(detect_format(json), Format::Json);
        }
        for other in [&b""[..], b"-", b"hello", b" 1", b"-x"] {
            assert_eq!(detect_format(other), Format::Unknown);
        }
    }
}
