//! JSON output byte-for-byte as `ActiveSupport::JSON.encode` writes it.
//!
//! ActiveSupport generates with the JSON gem (which escapes `"`, `\` and
//! control characters, leaves `/` and other non-ASCII raw) and then replaces
//! `<`, `>`, `&` (unless `escape_html_entities_in_json` is off) and U+2028 /
//! U+2029 (unless an 8.1 app turned `escape_js_separators_in_json` off) with
//! `\uXXXX` escapes. Doing both in one pass gives the same bytes.

use super::float::write_float;

/// Which of ActiveSupport's extra escapes apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Escaping {
    pub html_entities: bool,
    pub js_separators: bool,
}

impl Default for Escaping {
    fn default() -> Self {
        Escaping {
            html_entities: true,
            js_separators: true,
        }
    }
}

/// A string that is not valid UTF-8 (the JSON gem raises `JSON::GeneratorError`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidUtf8;

const HEX: &[u8; 16] = b"0123456789abcdef";

fn push_u_escape(code: u32, out: &mut Vec<u8>) {
    out.extend_from_slice(b"\\u");
    for shift in [12, 8, 4, 0] {
        out.push(HEX[((code >> shift) & 0xf) as usize]);
    }
}

// Byte classes are bits, so one look-up and a mask of the classes the
// escaping in force applies to decides whether a byte is copied as it is.
const PLAIN: u8 = 0;
/// Always escaped: control characters, `"` and `\\`.
const ESCAPED: u8 = 1;
/// Escaped when HTML entities are: `<`, `>`, `&`.
const HTML: u8 = 2;
/// First byte of U+2028/U+2029 (escaped when JS separators are).
const SEPARATOR_LEAD: u8 = 4;

static BYTE_CLASS: [u8; 256] = {
    let mut table = [PLAIN; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = ESCAPED;
        b += 1;
    }
    table[b'"' as usize] = ESCAPED;
    table[b'\\' as usize] = ESCAPED;
    table[b'<' as usize] = HTML;
    table[b'>' as usize] = HTML;
    table[b'&' as usize] = HTML;
    table[0xe2] = SEPARATOR_LEAD;
    table
};

/// Append `bytes` as a quoted JSON string. Fails on invalid UTF-8.
pub fn write_string(
    bytes: &[u8],
    escaping: Escaping,
    out: &mut Vec<u8>,
) -> Result<(), InvalidUtf8> {
    // `is_ascii` reads a word at a time: most strings skip the UTF-8 check.
    if !bytes.is_ascii() && std::str::from_utf8(bytes).is_err() {
        return Err(InvalidUtf8);
    }
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let mut mask = ESCAPED;
    if escaping.html_entities {
        mask |= HTML;
    }
    if escaping.js_separators {
        mask |= SEPARATOR_LEAD;
    }
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        // Most bytes are copied as they are: one look-up decides.
        if BYTE_CLASS[b as usize] & mask == PLAIN {
            i += 1;
            continue;
        }
        let replacement: Option<&[u8]> = match b {
            b'"' => Some(b"\\\""),
            b'\\' => Some(b"\\\\"),
            b'\n' => Some(b"\\n"),
            b'\r' => Some(b"\\r"),
            b'\t' => Some(b"\\t"),
            0x0c => Some(b"\\f"),
            0x08 => Some(b"\\b"),
            b'<' if escaping.html_entities => Some(b"\\u003c"),
            b'>' if escaping.html_entities => Some(b"\\u003e"),
            b'&' if escaping.html_entities => Some(b"\\u0026"),
            _ => None,
        };
        if let Some(rep) = replacement {
            out.extend_from_slice(&bytes[start..i]);
            out.extend_from_slice(rep);
            i += 1;
            start = i;
        } else if b < 0x20 {
            out.extend_from_slice(&bytes[start..i]);
            push_u_escape(u32::from(b), out);
            i += 1;
            start = i;
        } else if b == 0xe2
            && escaping.js_separators
            && i + 2 < bytes.len()
            && bytes[i + 1] == 0x80
            && (bytes[i + 2] == 0xa8 || bytes[i + 2] == 0xa9)
        {
            // U+2028 LINE SEPARATOR / U+2029 PARAGRAPH SEPARATOR
            out.extend_from_slice(&bytes[start..i]);
            push_u_escape(if bytes[i + 2] == 0xa8 { 0x2028 } else { 0x2029 }, out);
            i += 3;
            start = i;
        } else {
            i += 1;
        }
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
    Ok(())
}

/// Append a finite Float as Ruby prints it.
pub fn write_f64(value: f64, out: &mut Vec<u8>) {
    write_float(value, out);
}

/// Append an integer.
pub fn write_i64(value: i64, out: &mut Vec<u8>) {
    let mut buf = [0u8; 20];
    let mut n = value.unsigned_abs();
    let mut pos = buf.len();
    loop {
        pos -= 1;
        buf[pos] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if value < 0 {
        out.push(b'-');
    }
    out.extend_from_slice(&buf[pos..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(s: &str, escaping: Escaping) -> String {
        let mut out = Vec::new();
        write_string(s.as_bytes(), escaping, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn escapes_like_activesupport() {
        let d = Escaping::default();
        assert_eq!(
            enc("<script>alert('x')</script> & \u{2028}\u{2029}", d),
            r#""\u003cscript\u003ealert('x')\u003c/script\u003e \u0026 \u2028\u2029""#
        );
        assert_eq!(
            enc("a\u{1f}\u{0}\u{7f}/\u{8}\u{c}\n\r\t\"\\", d),
            "\"a\\u001f\\u0000\u{7f}/\\b\\f\\n\\r\\t\\\"\\\\\""
        );
        assert_eq!(enc("näme é 😀", d), "\"näme é 😀\"");
    }

    #[test]
    fn optional_escapes() {
        let none = Escaping {
            html_entities: false,
            js_separators: false,
        };
        assert_eq!(enc("<&> \u{2028}", none), "\"<&> \u{2028}\"");
        let rails81 = Escaping {
            html_entities: true,
            js_separators: false,
        };
        assert_eq!(enc("< \u{2029}", rails81), "\"\\u003c \u{2029}\"");
    }

    #[test]
    fn rejects_invalid_utf8() {
        let mut out = Vec::new();
        assert_eq!(
            write_string(b"\xff", Escaping::default(), &mut out),
            Err(InvalidUtf8)
        );
        assert_eq!(
            write_string(b"\xc3", Escaping::default(), &mut out),
            Err(InvalidUtf8)
        );
    }

    #[test]
    fn integers() {
        for (v, s) in [
            (0i64, "0"),
            (-1, "-1"),
            (i64::MAX, "9223372036854775807"),
            (i64::MIN, "-9223372036854775808"),
        ] {
            let mut out = Vec::new();
            write_i64(v, &mut out);
            assert_eq!(out, s.as_bytes());
        }
    }
}
