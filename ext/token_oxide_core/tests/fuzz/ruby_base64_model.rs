//! A second, deliberately plain implementation of Ruby's Base64, written
//! from Ruby's rules (pack.c's `m0` packer and unpacker, base64.rb), used as
//! the reference the core's table-driven encoder and decoder are checked
//! against.

/// The 6-bit value of a standard-alphabet base64 character.
fn sextet(c: u8) -> Option<u8> {
    match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

/// `str.unpack1("m0")` (`Base64.strict_decode64`): `None` where Ruby raises
/// `ArgumentError: invalid base64`. Walks the input the way pack.c does, one
/// character at a time, rather than quad by quad.
pub fn strict_decode(s: &[u8]) -> Option<Vec<u8>> {
    if s.len() % 4 != 0 {
        return None;
    }
    let mut out = Vec::new();
    let mut i = 0;
    // Sextets of the final group when it ends in padding.
    let mut tail: Option<(u8, u8, Option<u8>)> = None;
    while i < s.len() {
        let a = sextet(s[i])?;
        let b = sextet(s[i + 1])?;
        i += 2;
        if s[i] == b'=' {
            // "xx==" is only allowed as the very last group.
            if i + 2 == s.len() && s[i + 1] == b'=' {
                tail = Some((a, b, None));
                break;
            }
            return None;
        }
        let c = sextet(s[i])?;
        i += 1;
        if i + 1 == s.len() && s[i] == b'=' {
            tail = Some((a, b, Some(c)));
            break;
        }
        let d = sextet(s[i])?;
        i += 1;
        out.push(a << 2 | b >> 4);
        out.push(b << 4 | c >> 2);
        out.push(c << 6 | d);
    }
    match tail {
        None => {}
        Some((a, b, None)) => {
            // One byte encoded: the low 4 bits of `b` must be zero.
            if b & 0x0f != 0 {
                return None;
            }
            out.push(a << 2 | b >> 4);
        }
        Some((a, b, Some(c))) => {
            // Two bytes encoded: the low 2 bits of `c` must be zero.
            if c & 0x03 != 0 {
                return None;
            }
            out.push(a << 2 | b >> 4);
            out.push(b << 4 | c >> 2);
        }
    }
    Some(out)
}

/// `Base64.urlsafe_decode64(str)`: pad unpadded input with `=` up to a
/// multiple of 4 (only when it does not already end in `=`), translate `-_`
/// to `+/`, then decode strictly. Ruby measures the padding in characters,
/// not bytes; the two differ only when a non-ASCII byte is present, and such
/// input is invalid base64 either way.
pub fn urlsafe_decode(s: &[u8]) -> Option<Vec<u8>> {
    let mut text: Vec<u8> = s.to_vec();
    if s.last() != Some(&b'=') && s.len() % 4 != 0 {
        while text.len() % 4 != 0 {
            text.push(b'=');
        }
    }
    for c in &mut text {
        *c = match *c {
            b'-' => b'+',
            b'_' => b'/',
            other => other,
        };
    }
    strict_decode(&text)
}

/// The character of a 6-bit value in the standard alphabet.
fn character(sextet: u32) -> u8 {
    match sextet {
        0..=25 => b'A' + sextet as u8,
        26..=51 => b'a' + (sextet - 26) as u8,
        52..=61 => b'0' + (sextet - 52) as u8,
        62 => b'+',
        _ => b'/',
    }
}

/// `[data].pack("m0")` (`Base64.strict_encode64`): six bits at a time from
/// a bit accumulator, zero bits filled in at the end, `=` up to a multiple of 4.
pub fn strict_encode(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let (mut bits, mut held) = (0u32, 0u32);
    for &byte in data {
        bits = (bits << 8) | u32::from(byte);
        held += 8;
        while held >= 6 {
            held -= 6;
            out.push(character((bits >> held) & 63));
        }
        bits &= (1 << held) - 1;
    }
    if held > 0 {
        out.push(character((bits << (6 - held)) & 63));
    }
    while out.len() % 4 != 0 {
        out.push(b'=');
    }
    out
}

/// `Base64.urlsafe_encode64(data, padding: false)`: strict, `+/` as `-_`,
/// the padding removed.
pub fn urlsafe_encode(data: &[u8]) -> Vec<u8> {
    let mut text = strict_encode(data);
    while text.last() == Some(&b'=') {
        text.pop();
    }
    for c in &mut text {
        *c = match *c {
            b'+' => b'-',
            b'/' => b'_',
            other => other,
        };
    }
    text
}

#[test]
fn model_agrees_with_rubys_documented_examples() {
    assert_eq!(strict_encode(b"foo"), b"Zm9v");
    assert_eq!(strict_encode(b"f"), b"Zg==");
    assert_eq!(strict_encode(b"fo"), b"Zm8=");
    assert_eq!(urlsafe_encode(&[0xfb, 0xff]), b"-_8");
    assert_eq!(strict_decode(b"Zm9v").as_deref(), Some(&b"foo"[..]));
    assert_eq!(strict_decode(b"Zg==").as_deref(), Some(&b"f"[..]));
    assert_eq!(strict_decode(b"Zh=="), None);
    assert_eq!(strict_decode(b"Zg"), None);
    assert_eq!(urlsafe_decode(b"-_8").as_deref(), Some(&[0xfb, 0xff][..]));
    assert_eq!(urlsafe_decode(b"Zg"), Some(b"f".to_vec()));
}
