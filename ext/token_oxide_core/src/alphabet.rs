//! Random strings over an alphabet, each symbol uniformly distributed.
//!
//! Symbols are picked by rejection sampling: a random byte (or 32-bit word for
//! alphabets over 256 symbols) is only used when it falls below the largest
//! multiple of the alphabet size, so `value % size` carries no modulo bias.

use crate::error::{argument, Result};
use crate::random;

/// Rails' `SecureRandom.base58` alphabet: 0-9A-Za-z without 0, O, I and l.
pub const BASE58: &str = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/// The symbols `Devise.friendly_token` can produce: URL-safe base64 without
/// l, I, O and 0 (Devise maps those onto s, x, y, z).
pub const FRIENDLY: &str = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz123456789-_";

/// Upper bound on a generated token's length in symbols; far above any real
/// token, low enough that a typo cannot ask for gigabytes.
pub const MAX_LENGTH: usize = 16 * 1024 * 1024;

/// A validated alphabet of 2 to 2^32 distinct characters.
#[derive(Debug, Clone)]
pub struct Alphabet {
    symbols: Symbols,
}

#[derive(Debug, Clone)]
enum Symbols {
    /// All symbols are single bytes (ASCII): the fast path.
    Bytes(Vec<u8>),
    /// At least one multi-byte UTF-8 character.
    Chars(Vec<char>),
}

impl Alphabet {
    /// Build an alphabet from the distinct characters of `chars`.
    pub fn new(chars: &str) -> Result<Self> {
        let list: Vec<char> = chars.chars().collect();
        if list.len() < 2 {
            return Err(argument("alphabet must have at least 2 characters"));
        }
        let mut seen = std::collections::HashSet::with_capacity(list.len());
        if let Some(dup) = list.iter().find(|c| !seen.insert(**c)) {
            return Err(argument(format!("alphabet has a repeated character: {dup:?}")));
        }
        if u32::try_from(list.len()).is_err() {
            return Err(argument("alphabet is too large"));
        }
        let symbols = if list.iter().all(char::is_ascii) {
            Symbols::Bytes(list.iter().map(|c| *c as u8).collect())
        } else {
            Symbols::Chars(list)
        };
        Ok(Alphabet { symbols })
    }

    pub fn len(&self) -> usize {
        match &self.symbols {
            Symbols::Bytes(b) => b.len(),
            Symbols::Chars(c) => c.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A random string of `length` symbols.
    pub fn random_string(&self, length: usize) -> Result<String> {
        check_length(length)?;
        match &self.symbols {
            Symbols::Bytes(bytes) => {
                let picked = random_ascii(bytes, length)?;
                // Every byte came from an ASCII alphabet.
                Ok(String::from_utf8(picked).expect("ASCII alphabet yields UTF-8"))
            }
            Symbols::Chars(chars) => {
                let mut out = String::with_capacity(length * 2);
                for index in random_indices_u32(chars.len() as u32, length)? {
                    out.push(chars[index as usize]);
                }
                Ok(out)
            }
        }
    }
}

fn check_length(length: usize) -> Result<()> {
    if length > MAX_LENGTH {
        return Err(argument(format!("length must be at most {MAX_LENGTH}")));
    }
    Ok(())
}

/// `length` bytes drawn uniformly from `alphabet` (at most 256 symbols, ASCII).
pub fn random_ascii(alphabet: &[u8], length: usize) -> Result<Vec<u8>> {
    check_length(length)?;
    let size = alphabet.len();
    if size < 2 {
        return Err(argument("alphabet must have at least 2 characters"));
    }
    if size > 256 {
        let idx = random_indices_u32(size as u32, length)?;
        return Ok(idx.into_iter().map(|i| alphabet[i as usize]).collect());
    }
    // Accept bytes below `limit`, the largest multiple of `size` that fits.
    let limit = 256 - (256 % size);
    let mut out = Vec::with_capacity(length);
    // Draw a little more than needed so one OS/ChaCha call usually suffices.
    let mut pool = vec![0u8; length + length / 4 + 16];
    while out.len() < length {
        random::fill(&mut pool)?;
        for &byte in &pool {
            if (byte as usize) < limit {
                out.push(alphabet[byte as usize % size]);
                if out.len() == length {
                    break;
                }
            }
        }
    }
    Ok(out)
}

fn random_indices_u32(size: u32, length: usize) -> Result<Vec<u32>> {
    let span = u64::from(size);
    let limit = (1u64 << 32) - ((1u64 << 32) % span);
    let mut out = Vec::with_capacity(length);
    let mut word = [0u8; 4];
    while out.len() < length {
        random::fill(&mut word)?;
        let value = u64::from(u32::from_le_bytes(word));
        if value < limit {
            out.push((value % span) as u32);
        }
    }
    Ok(out)
}

/// A `SecureRandom.base58(length)` token.
pub fn base58(length: usize) -> Result<String> {
    let bytes = random_ascii(BASE58.as_bytes(), length)?;
    Ok(String::from_utf8(bytes).expect("base58 alphabet is ASCII"))
}

/// The length of `Devise.friendly_token(length)`: Devise draws
/// `(length * 3) / 4` random bytes and URL-safe-base64s them unpadded, so a
/// length of 4k+1 comes out one character short.
pub fn friendly_token_length(requested: usize) -> usize {
    let raw_bytes = requested.saturating_mul(3) / 4;
    (raw_bytes * 4).div_ceil(3)
}

/// A token with `Devise.friendly_token`'s alphabet and length rules, each
/// symbol uniform over the 60-symbol alphabet (Devise's own `tr` doubles the
/// odds of s, x, y and z; uniform symbols carry strictly more entropy).
pub fn friendly_token(length: usize) -> Result<String> {
    check_length(length)?;
    let bytes = random_ascii(FRIENDLY.as_bytes(), friendly_token_length(length))?;
    Ok(String::from_utf8(bytes).expect("friendly alphabet is ASCII"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base58_uses_only_its_alphabet() {
        let token = base58(10_000).unwrap();
        assert_eq!(token.len(), 10_000);
        assert!(token.bytes().all(|b| BASE58.as_bytes().contains(&b)));
    }

    #[test]
    fn base58_alphabet_matches_rails() {
        let expected: String = ('0'..='9')
            .chain('A'..='Z')
            .chain('a'..='z')
            .filter(|c| !"0OIl".contains(*c))
            .collect();
        assert_eq!(BASE58, expected);
    }

    #[test]
    fn friendly_alphabet_is_urlsafe_base64_without_ambiguous() {
        let urlsafe = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut expected: Vec<char> = urlsafe.chars().filter(|c| !"lIO0".contains(*c)).collect();
        let mut actual: Vec<char> = FRIENDLY.chars().collect();
        expected.sort();
        actual.sort();
        assert_eq!(actual, expected);
        assert_eq!(FRIENDLY.len(), 60);
    }

    #[test]
    fn friendly_lengths_follow_devise() {
        for (asked, got) in [(20, 20), (21, 20), (22, 22), (23, 23), (24, 24), (25, 24), (0, 0), (1, 0), (2, 2)] {
            assert_eq!(friendly_token_length(asked), got, "length {asked}");
            assert_eq!(friendly_token(asked).unwrap().len(), got);
        }
    }

    #[test]
    fn rejects_small_or_repeated_alphabets() {
        assert!(Alphabet::new("a").is_err());
        assert!(Alphabet::new("abca").is_err());
        assert!(base58(MAX_LENGTH + 1).is_err());
    }

    #[test]
    fn multibyte_alphabet_works() {
        let alphabet = Alphabet::new("αβγδ").unwrap();
        let s = alphabet.random_string(100).unwrap();
        assert_eq!(s.chars().count(), 100);
        assert!(s.chars().all(|c| "αβγδ".contains(c)));
    }

    #[test]
    fn symbols_are_roughly_uniform() {
        // Chi-square over 58 cells with 57 degrees of freedom; the 99.99th
        // percentile is about 104, so a correct generator fails ~1 in 10^4 runs.
        let n = 580_000;
        let token = base58(n).unwrap();
        let mut counts = [0usize; 128];
        for b in token.bytes() {
            counts[b as usize] += 1;
        }
        let expected = n as f64 / 58.0;
        let chi: f64 = BASE58
            .bytes()
            .map(|b| {
                let d = counts[b as usize] as f64 - expected;
                d * d / expected
            })
            .sum();
        assert!(chi < 104.0, "chi-square {chi}");
    }
}
