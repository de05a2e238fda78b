//! `Float#to_s` exactly as Ruby writes it (what the JSON gem emits for a Float).

/// Append Ruby's `Float#to_s` of a finite `value` to `out`.
///
/// Ruby prints the shortest round-tripping digits, in fixed notation when the
/// decimal exponent is small and as `d.ddde+XX` otherwise. Callers handle
/// non-finite values (ActiveSupport turns them into `null` before this point).
pub fn write_float(value: f64, out: &mut Vec<u8>) {
    debug_assert!(value.is_finite());
    if value.is_sign_negative() {
        out.push(b'-');
    }
    let magnitude = value.abs();
    if magnitude == 0.0 {
        out.extend_from_slice(b"0.0");
        return;
    }
    // Ruby's dtoa (mode 0) prints the fewest digits that round-trip and, of
    // those, the closest to the exact value, breaking exact ties to even.
    // Rust's shortest form gives the digit count; its exact formatting at that
    // precision rounds half-to-even, which settles the ties the same way.
    let shortest = format!("{magnitude:e}");
    let count = shortest
        .split('e')
        .next()
        .map_or(1, |m| m.bytes().filter(u8::is_ascii_digit).count());
    let text = format!("{:.*e}", count.saturating_sub(1), magnitude);
    let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
    let digits: Vec<u8> = mantissa.bytes().filter(|b| b.is_ascii_digit()).collect();
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let decpt = exponent + 1; // position of the decimal point relative to the digits
    let digs = digits.len() as i32;

    let fixed = if decpt > 0 {
        decpt <= 15 || decpt < digs
    } else {
        decpt > -4
    };
    if !fixed {
        out.push(digits[0]);
        out.push(b'.');
        if digits.len() > 1 {
            out.extend_from_slice(&digits[1..]);
        } else {
            out.push(b'0');
        }
        out.extend_from_slice(format!("e{:+03}", decpt - 1).as_bytes());
    } else if decpt > 0 {
        let point = decpt as usize;
        if digits.len() <= point {
            out.extend_from_slice(&digits);
            out.resize(out.len() + point - digits.len(), b'0');
            out.extend_from_slice(b".0");
        } else {
            out.extend_from_slice(&digits[..point]);
            out.push(b'.');
            out.extend_from_slice(&digits[point..]);
        }
    } else {
        out.extend_from_slice(b"0.");
        out.resize(out.len() + (-decpt) as usize, b'0');
        out.extend_from_slice(&digits);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: f64) -> String {
        let mut out = Vec::new();
        write_float(v, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn matches_ruby_float_to_s() {
        // Expected strings were printed by Ruby 3.1's Float#to_s.
        let cases: &[(f64, &str)] = &[
            (1e15, "1.0e+15"),
            (1e16, "1.0e+16"),
            (1e14, "100000000000000.0"),
            (123456789012345.6, "123456789012345.6"),
            (1234567890123456.7, "1234567890123456.8"),
            (12345678901234567.0, "1.2345678901234568e+16"),
            (0.0001, "0.0001"),
            (0.00001, "1.0e-05"),
            (0.001234, "0.001234"),
            (-0.0, "-0.0"),
            (0.0, "0.0"),
            (1.5, "1.5"),
            (100.0, "100.0"),
            (1e100, "1.0e+100"),
            (2.5e-300, "2.5e-300"),
            (5e-324, "5.0e-324"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (9007199254740993.0, "9.007199254740992e+15"),
            (0.1 + 0.2, "0.30000000000000004"),
            (1e20, "1.0e+20"),
            (-2.5, "-2.5"),
            (0.1, "0.1"),
            // Exact ties between two shortest candidates go to the even digit.
            (29359768080106.0625, "29359768080106.062"),
            (664638455813780.25, "664638455813780.2"),
        ];
        for (value, expected) in cases {
            assert_eq!(s(*value), *expected, "{value:?}");
        }
    }
}
