//! Base64 exactly as Ruby's `Base64` module reads and writes it.
//!
//! * `strict_encode` / `strict_decode`: `Base64.strict_encode64` /
//!   `strict_decode64` (RFC 4648, `=` padding required, no line breaks,
//!   non-zero trailing bits rejected).
//! * `urlsafe_encode` / `urlsafe_decode`: `Base64.urlsafe_encode64` /
//!   `urlsafe_decode64`. Ruby's URL-safe decoder maps `-_` to `+/`, pads
//!   unpadded input, then decodes strictly, so it also accepts `+` and `/`.

const STANDARD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const URLSAFE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const INVALID: u8 = 0xff;

/// What decoding one alphabet needs: each byte's 6-bit value (`INVALID`
/// for bytes outside it), and the same value already shifted to its place
/// in a quad's 24 bits for each of the four positions, so a quad decodes as
/// four look-ups OR-ed together (an invalid byte sets bits above the 24).
struct DecodeTable {
    value: [u8; 256],
    placed: [[u32; 256]; 4],
}

const PLACED_INVALID: u32 = 0xff00_0000;

impl DecodeTable {
    const fn new(urlsafe_too: bool) -> Self {
        let mut value = [INVALID; 256];
        let mut i = 0;
        while i < 64 {
            value[STANDARD[i] as usize] = i as u8;
            if urlsafe_too {
                value[URLSAFE[i] as usize] = i as u8;
            }
            i += 1;
        }
        let mut placed = [[PLACED_INVALID; 256]; 4];
        let mut b = 0;
        while b < 256 {
            if value[b] != INVALID {
                let mut position = 0;
                while position < 4 {
                    placed[position][b] = (value[b] as u32) << (18 - 6 * position);
                    position += 1;
                }
            }
            b += 1;
        }
        DecodeTable { value, placed }
    }
}

/// The standard alphabet (`strict_decode`).
static STANDARD_DECODE: DecodeTable = DecodeTable::new(false);
/// The standard alphabet and `-`, `_` (`urlsafe_decode`).
static EITHER_DECODE: DecodeTable = DecodeTable::new(true);

/// Length of the padded base64 of `n` bytes.
pub const fn encoded_len(n: usize) -> usize {
    n.div_ceil(3) * 4
}

/// Every pair of 6-bit values (a 12-bit index) → its two characters, so
/// each input triple is written with two look-ups instead of four.
const fn pair_table(alphabet: &[u8; 64]) -> [[u8; 2]; 4096] {
    let mut t = [[0u8; 2]; 4096];
    let mut i = 0;
    while i < 4096 {
        t[i] = [alphabet[i >> 6], alphabet[i & 63]];
        i += 1;
    }
    t
}

static STANDARD_PAIRS: [[u8; 2]; 4096] = pair_table(STANDARD);
static URLSAFE_PAIRS: [[u8; 2]; 4096] = pair_table(URLSAFE);

fn encode_into(
    input: &[u8],
    out: &mut Vec<u8>,
    alphabet: &[u8; 64],
    pairs: &[[u8; 2]; 4096],
    pad: bool,
) {
    // The whole triples are written into space sized once (no capacity
    // check per quad, which kept the loop from being unrolled).
    out.reserve(encoded_len(input.len()));
    let mut chunks = input.chunks_exact(3);
    let start = out.len();
    out.resize(start + input.len() / 3 * 4, 0);
    for (c, o) in (&mut chunks).zip(out[start..].chunks_exact_mut(4)) {
        let n = (usize::from(c[0]) << 16) | (usize::from(c[1]) << 8) | usize::from(c[2]);
        o[..2].copy_from_slice(&pairs[(n >> 12) & 0xfff]);
        o[2..].copy_from_slice(&pairs[n & 0xfff]);
    }
    match *chunks.remainder() {
        [a] => {
            let n = u32::from(a) << 16;
            out.push(alphabet[(n >> 18) as usize & 63]);
            out.push(alphabet[(n >> 12) as usize & 63]);
            if pad {
                out.extend_from_slice(b"==");
            }
        }
        [a, b] => {
            let n = (u32::from(a) << 16) | (u32::from(b) << 8);
            out.push(alphabet[(n >> 18) as usize & 63]);
            out.push(alphabet[(n >> 12) as usize & 63]);
            out.push(alphabet[(n >> 6) as usize & 63]);
            if pad {
                out.push(b'=');
            }
        }
        _ => {}
    }
}

/// Append `Base64.strict_encode64(input)` to `out`.
pub fn strict_encode_into(input: &[u8], out: &mut Vec<u8>) {
    encode_into(input, out, STANDARD, &STANDARD_PAIRS, true);
}

/// Append `Base64.urlsafe_encode64(input, padding: false)` to `out`.
pub fn urlsafe_encode_into(input: &[u8], out: &mut Vec<u8>) {
    encode_into(input, out, URLSAFE, &URLSAFE_PAIRS, false);
}

pub fn strict_encode(input: &[u8]) -> String {
    let mut out = Vec::new();
    strict_encode_into(input, &mut out);
    String::from_utf8(out).expect("base64 is ASCII")
}

pub fn urlsafe_encode(input: &[u8]) -> String {
    let mut out = Vec::new();
    urlsafe_encode_into(input, &mut out);
    String::from_utf8(out).expect("base64 is ASCII")
}

/// Why a decode failed (Ruby raises `ArgumentError: invalid base64`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidBase64;

impl std::fmt::Display for InvalidBase64 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("invalid base64")
    }
}

/// Strict decoding of padded input whose length is a multiple of 4.
fn decode_padded(input: &[u8], table: &DecodeTable) -> Result<Vec<u8>, InvalidBase64> {
    let mut out = Vec::with_capacity(input.len() / 4 * 3);
    decode_padded_into(input, table, &mut out)?;
    Ok(out)
}

/// [`decode_padded`] appending to `out` (left partly written on error).
fn decode_padded_into(
    input: &[u8],
    table: &DecodeTable,
    out: &mut Vec<u8>,
) -> Result<(), InvalidBase64> {
    if input.len() % 4 != 0 {
        return Err(InvalidBase64);
    }
    let Some(body_len) = input.len().checked_sub(4) else {
        return Ok(());
    };
    let (body, last) = input.split_at(body_len);
    // Every quad but the last has no padding: decode with one validity check
    // per quad, straight into the output.
    let start = out.len();
    out.resize(start + body.len() / 4 * 3, 0);
    let placed = &table.placed;
    for (q, o) in body.chunks_exact(4).zip(out[start..].chunks_exact_mut(3)) {
        let n = placed[0][q[0] as usize]
            | placed[1][q[1] as usize]
            | placed[2][q[2] as usize]
            | placed[3][q[3] as usize];
        if n & PLACED_INVALID != 0 {
            return Err(InvalidBase64);
        }
        o.copy_from_slice(&n.to_be_bytes()[1..]);
    }
    let q = last;
    let table = &table.value;
    let a = table[q[0] as usize];
    let b = table[q[1] as usize];
    if a == INVALID || b == INVALID {
        return Err(InvalidBase64);
    }
    if q[2] == b'=' && q[3] == b'=' {
        if b & 0x0f != 0 {
            return Err(InvalidBase64);
        }
        out.push(a << 2 | b >> 4);
        return Ok(());
    }
    let c = table[q[2] as usize];
    if c == INVALID {
        return Err(InvalidBase64);
    }
    if q[3] == b'=' {
        if c & 0x03 != 0 {
            return Err(InvalidBase64);
        }
        out.extend_from_slice(&[a << 2 | b >> 4, b << 4 | c >> 2]);
        return Ok(());
    }
    let d = table[q[3] as usize];
    if d == INVALID {
        return Err(InvalidBase64);
    }
    out.extend_from_slice(&[a << 2 | b >> 4, b << 4 | c >> 2, c << 6 | d]);
    Ok(())
}

/// `Base64.strict_decode64`.
pub fn strict_decode(input: &[u8]) -> Result<Vec<u8>, InvalidBase64> {
    decode_padded(input, &STANDARD_DECODE)
}

/// [`strict_decode`] appending to `out` (left partly written on error).
pub fn strict_decode_into(input: &[u8], out: &mut Vec<u8>) -> Result<(), InvalidBase64> {
    decode_padded_into(input, &STANDARD_DECODE, out)
}

/// [`urlsafe_decode`] appending to `out` (left partly written on error).
pub fn urlsafe_decode_into(input: &[u8], out: &mut Vec<u8>) -> Result<(), InvalidBase64> {
    if input.last() != Some(&b'=') && input.len() % 4 != 0 {
        let mut padded = Vec::with_capacity(input.len() + 3);
        padded.extend_from_slice(input);
        while padded.len() % 4 != 0 {
            padded.push(b'=');
        }
        decode_padded_into(&padded, &EITHER_DECODE, out)
    } else {
        decode_padded_into(input, &EITHER_DECODE, out)
    }
}

/// `Base64.urlsafe_decode64`: padded or unpadded, `-_` or `+/`.
pub fn urlsafe_decode(input: &[u8]) -> Result<Vec<u8>, InvalidBase64> {
    if input.last() != Some(&b'=') && input.len() % 4 != 0 {
        let mut padded = Vec::with_capacity(input.len() + 3);
        padded.extend_from_slice(input);
        while padded.len() % 4 != 0 {
            padded.push(b'=');
        }
        decode_padded(&padded, &EITHER_DECODE)
    } else {
        decode_padded(input, &EITHER_DECODE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_like_ruby() {
        assert_eq!(strict_encode(b""), "");
        assert_eq!(strict_encode(b"f"), "Zg==");
        assert_eq!(strict_encode(b"fo"), "Zm8=");
        assert_eq!(strict_encode(b"foo"), "Zm9v");
        assert_eq!(strict_encode(&[0xfb, 0xff]), "+/8=");
        assert_eq!(urlsafe_encode(&[0xfb, 0xff]), "-_8");
    }

    #[test]
    fn strict_decode_rules() {
        assert_eq!(strict_decode(b"Zm9v").unwrap(), b"foo");
        assert_eq!(strict_decode(b"Zg==").unwrap(), b"f");
        assert_eq!(strict_decode(b"").unwrap(), b"");
        assert!(strict_decode(b"Zg").is_err(), "padding required");
        assert!(strict_decode(b"Zh==").is_err(), "trailing bits");
        assert!(strict_decode(b"Zm9v\n").is_err());
        assert!(strict_decode(b"-_8=").is_err(), "url-safe alphabet");
        assert!(strict_decode(b"Zg==Zm9v").is_err(), "padding in the middle");
        assert!(strict_decode(b"Z===").is_err());
    }

    #[test]
    fn urlsafe_decode_rules() {
        assert_eq!(urlsafe_decode(b"-_8").unwrap(), vec![0xfb, 0xff]);
        assert_eq!(urlsafe_decode(b"-_8=").unwrap(), vec![0xfb, 0xff]);
        assert_eq!(urlsafe_decode(b"+/8=").unwrap(), vec![0xfb, 0xff]);
        assert!(urlsafe_decode(b"Z").is_err());
    }

    #[test]
    fn round_trips() {
        for n in 0..40u8 {
            let data: Vec<u8> = (0..n).map(|i| i.wrapping_mul(37)).collect();
            assert_eq!(strict_decode(strict_encode(&data).as_bytes()).unwrap(), data);
            assert_eq!(urlsafe_decode(urlsafe_encode(&data).as_bytes()).unwrap(), data);
        }
    }
}
