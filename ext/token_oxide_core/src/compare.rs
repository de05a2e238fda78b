//! Constant-time comparison of secrets.
//!
//! The running time depends only on the lengths of the inputs, never on their
//! content: there is no early exit, and the difference is folded into one
//! accumulator that is inspected once at the end. Lengths are not secret
//! (ActiveSupport also answers `false` straight away when they differ).

use std::hint::black_box;

/// True when `a` and `b` have the same content; false at once on different
/// lengths. Mirrors `ActiveSupport::SecurityUtils.secure_compare`.
pub fn secure_compare(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && fixed_length_eq(a, b)
}

/// Error returned by [`fixed_length_secure_compare`] on inputs of different length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LengthMismatch;

/// Mirrors `ActiveSupport::SecurityUtils.fixed_length_secure_compare`: an
/// error when the lengths differ, otherwise a constant-time equality check.
pub fn fixed_length_secure_compare(a: &[u8], b: &[u8]) -> Result<bool, LengthMismatch> {
    if a.len() != b.len() {
        return Err(LengthMismatch);
    }
    Ok(fixed_length_eq(a, b))
}

fn fixed_length_eq(a: &[u8], b: &[u8]) -> bool {
    debug_assert_eq!(a.len(), b.len());
    let mut diff: u64 = 0;
    let mut left = a.chunks_exact(8);
    let mut right = b.chunks_exact(8);
    for (x, y) in (&mut left).zip(&mut right) {
        let x = u64::from_ne_bytes(x.try_into().expect("8-byte chunk"));
        let y = u64::from_ne_bytes(y.try_into().expect("8-byte chunk"));
        diff |= x ^ y;
    }
    for (x, y) in left.remainder().iter().zip(right.remainder()) {
        diff |= u64::from(x ^ y);
    }
    // black_box keeps the optimiser from turning the fold into an early exit.
    black_box(diff) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_and_unequal() {
        assert!(secure_compare(b"", b""));
        assert!(secure_compare(b"abc", b"abc"));
        assert!(!secure_compare(b"abc", b"abd"));
        assert!(!secure_compare(b"abc", b"abcd"));
        let long_a = vec![7u8; 1027];
        let mut long_b = long_a.clone();
        assert!(secure_compare(&long_a, &long_b));
        for i in [0, 7, 8, 1023, 1024, 1026] {
            long_b[i] ^= 1;
            assert!(!secure_compare(&long_a, &long_b), "difference at {i}");
            long_b[i] ^= 1;
        }
    }

    #[test]
    fn fixed_length_rejects_mismatch() {
        assert_eq!(fixed_length_secure_compare(b"a", b"ab"), Err(LengthMismatch));
        assert_eq!(fixed_length_secure_compare(b"ab", b"ab"), Ok(true));
        assert_eq!(fixed_length_secure_compare(b"ab", b"ac"), Ok(false));
    }
}
