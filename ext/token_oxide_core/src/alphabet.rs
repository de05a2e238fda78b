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
    Bytes(ByteAlphabet),
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
            let bytes: Vec<u8> = list.iter().map(|c| *c as u8).collect();
            Symbols::Bytes(ByteAlphabet::new(&bytes)?)
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
            Symbols::Bytes(table) => {
                let mut picked = vec![0u8; length];
                table.fill(&mut picked)?;
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

/// The length limit shared by every generator ([`MAX_LENGTH`]).
pub fn check_length(length: usize) -> Result<()> {
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
    let table = ByteAlphabet::new(alphabet)?;
    let mut out = vec![0u8; length];
    table.fill(&mut out)?;
    Ok(out)
}

/// An alphabet of 2 to 256 single-byte symbols, prepared for rejection
/// sampling: a random byte `b` is accepted when `b < limit` (the largest
/// multiple of the alphabet size that fits in a byte) and then stands for
/// `symbol_of[b]`, i.e. `alphabet[b % size]`. The table replaces a division
/// per byte, which dominated the cost of a 24-character token.
#[derive(Clone)]
pub struct ByteAlphabet {
    symbol_of: [u8; 256],
    limit: u16,
    size: u16,
}

impl std::fmt::Debug for ByteAlphabet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ByteAlphabet({} symbols)", self.size)
    }
}

/// Rails' base58 alphabet, prepared.
pub static BASE58_SYMBOLS: ByteAlphabet = ByteAlphabet::prepare(BASE58.as_bytes());
/// Devise's friendly-token alphabet, prepared.
pub static FRIENDLY_SYMBOLS: ByteAlphabet = ByteAlphabet::prepare(FRIENDLY.as_bytes());

impl ByteAlphabet {
    /// Validate `alphabet` (2 to 256 bytes; distinctness is the caller's
    /// business, as for [`random_ascii`]) and prepare it.
    pub fn new(alphabet: &[u8]) -> Result<Self> {
        if alphabet.len() < 2 {
            return Err(argument("alphabet must have at least 2 characters"));
        }
        if alphabet.len() > 256 {
            return Err(argument("a byte alphabet has at most 256 symbols"));
        }
        Ok(Self::prepare(alphabet))
    }

    /// The table for an alphabet of 2..=256 bytes (checked by `new`; the
    /// constants above are known good).
    const fn prepare(alphabet: &[u8]) -> Self {
        let size = alphabet.len();
        let limit = 256 - (256 % size);
        let mut symbol_of = [0u8; 256];
        let mut byte = 0;
        let mut index = 0;
        while byte < limit {
            symbol_of[byte] = alphabet[index];
            index += 1;
            if index == size {
                index = 0;
            }
            byte += 1;
        }
        ByteAlphabet { symbol_of, limit: limit as u16, size: size as u16 }
    }

    pub fn len(&self) -> usize {
        usize::from(self.size)
    }

    pub fn is_empty(&self) -> bool {
        self.size == 0
    }

    /// Fill `out` with symbols, each uniform over the alphabet. Random bytes
    /// are drawn into a stack buffer a little larger than what is still
    /// needed, so a short token usually costs one generator call and no
    /// allocation. Accepted symbols are compacted without a branch per byte;
    /// any surplus is dropped by position, which keeps them uniform.
    pub fn fill(&self, out: &mut [u8]) -> Result<()> {
        const POOL: usize = 64;
        let mut pool = [0u8; POOL];
        let mut picked = [0u8; POOL];
        let mut filled = 0;
        while filled < out.len() {
            let remaining = out.len() - filled;
            let draw = (remaining + remaining / 8 + 4).min(POOL);
            random::fill(&mut pool[..draw])?;
            let mut accepted = 0;
            for &byte in &pool[..draw] {
                // `accepted` <= index < POOL, so the mask never changes it; it
                // only lets the compiler drop the bounds check.
                picked[accepted & (POOL - 1)] = self.symbol_of[usize::from(byte)];
                accepted += usize::from(u16::from(byte) < self.limit);
            }
            let take = accepted.min(remaining);
            out[filled..filled + take].copy_from_slice(&picked[..take]);
            filled += take;
        }
        Ok(())
    }
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
    check_length(length)?;
    let mut bytes = vec![0u8; length];
    BASE58_SYMBOLS.fill(&mut bytes)?;
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
    let mut bytes = vec![0u8; friendly_token_length(length)];
    FRIENDLY_SYMBOLS.fill(&mut bytes)?;
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
    fn prepared_table_is_byte_mod_size() {
        for size in [2usize, 3, 58, 60, 100, 128, 255, 256] {
            let alphabet: Vec<u8> = (0..size).map(|i| i as u8).collect();
            let table = ByteAlphabet::new(&alphabet).unwrap();
            let limit = 256 - 256 % size;
            assert_eq!(usize::from(table.limit), limit, "size {size}");
            for b in 0..limit {
                assert_eq!(usize::from(table.symbol_of[b]), b % size, "size {size} byte {b}");
            }
        }
        assert!(ByteAlphabet::new(b"a").is_err());
        assert!(ByteAlphabet::new(&[0u8; 257]).is_err());
    }

    #[test]
    fn fill_covers_long_and_empty_outputs() {
        let mut empty: [u8; 0] = [];
        BASE58_SYMBOLS.fill(&mut empty).unwrap();
        let mut long = vec![0u8; 1000];
        FRIENDLY_SYMBOLS.fill(&mut long).unwrap();
        assert!(long.iter().all(|b| FRIENDLY.as_bytes().contains(b)));
        // Every symbol shows up in 1000 draws of 60 (miss chance ~ 60 * e^-16.7).
        assert!(FRIENDLY.bytes().all(|s| long.contains(&s)));
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
        // percentile is about 104. A second, independent sample is drawn only
        // when the first exceeds it, so a correct generator fails about once
        // in 10^8 runs while a biased one fails every time.
        fn statistic() -> f64 {
            let n = 580_000;
            let token = base58(n).unwrap();
            let mut counts = [0usize; 128];
            for b in token.bytes() {
                counts[b as usize] += 1;
            }
            let expected = n as f64 / 58.0;
            BASE58
                .bytes()
                .map(|b| {
                    let d = counts[b as usize] as f64 - expected;
                    d * d / expected
                })
                .sum()
        }
        let first = statistic();
        let chi = if first < 104.0 { first } else { first.min(statistic()) };
        assert!(chi < 104.0, "chi-square {chi}");
    }
}
