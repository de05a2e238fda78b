//! Lowercase hexadecimal, as `OpenSSL::HMAC.hexdigest` and `Digest#hexdigest` write it.

const DIGITS: &[u8; 16] = b"0123456789abcdef";

/// Append the lowercase hex of `bytes` to `out`.
pub fn encode_into(bytes: &[u8], out: &mut Vec<u8>) {
    // Sized once and filled in place (a push per digit checked the
    // capacity each time).
    let start = out.len();
    out.resize(start + bytes.len() * 2, 0);
    for (pair, &b) in out[start..].chunks_exact_mut(2).zip(bytes) {
        pair[0] = DIGITS[(b >> 4) as usize];
        pair[1] = DIGITS[(b & 0x0f) as usize];
    }
}

/// Hex length of the longest digest (SHA-512).
pub const MAX_DIGEST_HEX: usize = 128;

/// The lowercase hex of `bytes` written into `out` (no allocation); `None`
/// when `out` is too short.
pub fn encode_to_slice<'a>(bytes: &[u8], out: &'a mut [u8]) -> Option<&'a [u8]> {
    let out = out.get_mut(..bytes.len().checked_mul(2)?)?;
    for (pair, &b) in out.chunks_exact_mut(2).zip(bytes) {
        pair[0] = DIGITS[(b >> 4) as usize];
        pair[1] = DIGITS[(b & 0x0f) as usize];
    }
    Some(out)
}

/// The lowercase hex of `bytes`.
pub fn encode(bytes: &[u8]) -> String {
    let mut out = Vec::with_capacity(bytes.len() * 2);
    encode_into(bytes, &mut out);
    String::from_utf8(out).expect("hex digits are ASCII")
}

fn nibble(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Decode hex (either case); `None` on odd length or a non-hex character.
pub fn decode(text: &[u8]) -> Option<Vec<u8>> {
    if text.len() % 2 != 0 {
        return None;
    }
    text.chunks_exact(2)
        .map(|pair| Some(nibble(pair[0])? << 4 | nibble(pair[1])?))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_to_slice_matches_encode() {
        let mut buffer = [0u8; MAX_DIGEST_HEX];
        let bytes = [0x00, 0x9f, 0xab, 0xff];
        assert_eq!(encode_to_slice(&bytes, &mut buffer), Some(&b"009fabff"[..]));
        assert_eq!(encode_to_slice(&[7; 65], &mut buffer), None);
    }

    #[test]
    fn round_trip() {
        assert_eq!(encode(&[0x00, 0xab, 0xff]), "00abff");
        assert_eq!(decode(b"00ABff"), Some(vec![0x00, 0xab, 0xff]));
        assert_eq!(decode(b"0"), None);
        assert_eq!(decode(b"zz"), None);
    }
}
