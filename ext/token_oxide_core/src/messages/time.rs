//! The envelope's `exp` timestamps: ISO-8601 UTC with milliseconds, as
//! `Time#utc.iso8601(3)` writes them, and the common shapes `Time.iso8601`
//! reads. Times are (seconds since the epoch, nanoseconds) pairs; the clock
//! itself is read by the binding, as `Time.now` answers it, and passed in.

/// An instant: whole seconds since 1970-01-01T00:00:00Z and 0..1e9 nanoseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Instant {
    pub secs: i64,
    pub nanos: u32,
}

impl Instant {
    pub fn new(secs: i64, nanos: u32) -> Option<Self> {
        (nanos < 1_000_000_000).then_some(Instant { secs, nanos })
    }

    /// `self + seconds`, or `None` on overflow.
    pub fn plus_seconds(self, seconds: i64) -> Option<Self> {
        Some(Instant {
            secs: self.secs.checked_add(seconds)?,
            nanos: self.nanos,
        })
    }
}

// Howard Hinnant's days-from-civil / civil-from-days (proleptic Gregorian).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

/// Length of an `exp` string.
pub const EXP_LEN: usize = 24;

/// `time.utc.iso8601(3)`: `YYYY-MM-DDTHH:MM:SS.mmmZ`, sub-millisecond digits
/// truncated. `None` for years outside 0..=9999 (Ruby prints those differently;
/// the caller formats them in Ruby).
pub fn format_exp(at: Instant) -> Option<[u8; EXP_LEN]> {
    let days = at.secs.div_euclid(86_400);
    let secs_of_day = at.secs.rem_euclid(86_400) as u32;
    let (year, month, day) = civil_from_days(days);
    if !(0..=9999).contains(&year) {
        return None;
    }
    let millis = at.nanos / 1_000_000;
    let mut out = [0u8; EXP_LEN];
    let mut put = |pos: usize, value: u32, width: usize| {
        let mut v = value;
        for i in (0..width).rev() {
            out[pos + i] = b'0' + (v % 10) as u8;
            v /= 10;
        }
    };
    put(0, year as u32, 4);
    put(5, month, 2);
    put(8, day, 2);
    put(11, secs_of_day / 3600, 2);
    put(14, secs_of_day / 60 % 60, 2);
    put(17, secs_of_day % 60, 2);
    put(20, millis, 3);
    out[4] = b'-';
    out[7] = b'-';
    out[10] = b'T';
    out[13] = b':';
    out[16] = b':';
    out[19] = b'.';
    out[23] = b'Z';
    Some(out)
}

#[inline(always)]
fn num(bytes: &[u8]) -> Option<u32> {
    if bytes.is_empty() {
        return None;
    }
    let mut acc = 0u32;
    for &b in bytes {
        if !b.is_ascii_digit() {
            return None;
        }
        acc = acc.checked_mul(10)?.checked_add(u32::from(b - b'0'))?;
    }
    Some(acc)
}

/// `Time.iso8601(text)` for the shapes this library and Rails write:
/// `YYYY-MM-DDTHH:MM:SS`, an optional fraction of up to 9 digits, then `Z` or
/// `±HH:MM`. Anything else (other shapes, out-of-range fields that Ruby would
/// normalise or reject, surrounding spaces) returns `None` and the caller asks
/// Ruby, so the result is always exactly Ruby's.
pub fn parse_exp(text: &[u8]) -> Option<Instant> {
    if text.len() < 20
        || text[4] != b'-'
        || text[7] != b'-'
        || text[10] != b'T'
        || text[13] != b':'
        || text[16] != b':'
    {
        return None;
    }
    let year = num(&text[0..4])? as i64;
    let month = num(&text[5..7])?;
    let day = num(&text[8..10])?;
    let hour = num(&text[11..13])?;
    let minute = num(&text[14..16])?;
    let second = num(&text[17..19])?;
    if !(1..=12).contains(&month)
        || day == 0
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    let mut rest = &text[19..];
    let mut nanos = 0u32;
    if rest.first() == Some(&b'.') {
        let digits = rest[1..].iter().take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 || digits > 9 {
            return None;
        }
        nanos = num(&rest[1..=digits])? * 10u32.pow(9 - digits as u32);
        rest = &rest[1 + digits..];
    }
    let offset_secs: i64 = match rest {
        b"Z" => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let hours = num(&[*h1, *h2])?;
            let minutes = num(&[*m1, *m2])?;
            if hours > 23 || minutes > 59 {
                return None;
            }
            let total = i64::from(hours * 3600 + minutes * 60);
            if *sign == b'-' {
                -total
            } else {
                total
            }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + i64::from(hour * 3600 + minute * 60 + second) - offset_secs;
    Instant::new(secs, nanos)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(secs: i64, nanos: u32) -> String {
        String::from_utf8(
            format_exp(Instant::new(secs, nanos).unwrap())
                .unwrap()
                .to_vec(),
        )
        .unwrap()
    }

    #[test]
    fn formats() {
        assert_eq!(fmt(1_714_564_800 + 900, 0), "2024-05-01T12:15:00.000Z");
        assert_eq!(fmt(1_714_608_000, 123_456_000), "2024-05-02T00:00:00.123Z");
        assert_eq!(fmt(0, 999_999_999), "1970-01-01T00:00:00.999Z");
        assert_eq!(fmt(-1, 0), "1969-12-31T23:59:59.000Z");
        assert_eq!(fmt(951_782_400, 0), "2000-02-29T00:00:00.000Z");
        assert!(
            format_exp(Instant::new(253_402_300_800, 0).unwrap()).is_none(),
            "year 10000"
        );
    }

    #[test]
    fn parses() {
        assert_eq!(
            parse_exp(b"2024-05-01T12:15:00.000Z"),
            Instant::new(1_714_565_700, 0)
        );
        assert_eq!(
            parse_exp(b"2024-06-01T09:30:00+05:30"),
            Instant::new(1_717_214_400, 0)
        );
        assert_eq!(
            parse_exp(b"2020-01-01T00:00:00Z"),
            Instant::new(1_577_836_800, 0)
        );
        assert_eq!(
            parse_exp(b"2024-05-02T00:00:00.123456789Z"),
            Instant::new(1_714_608_000, 123_456_789)
        );
        for bad in [
            &b"tomorrow"[..],
            b"2024-02-30T00:00:00Z",
            b"2024-05-01T24:00:00Z",
            b"2024-05-01 12:00:00Z",
            b"2024-05-01T12:00:00",
            b" 2024-05-01T12:00:00Z",
            b"2024-05-01T12:00:00.Z",
            b"2024-05-01T12:00:00.1234567890Z",
        ] {
            assert_eq!(parse_exp(bad), None, "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn round_trip() {
        for secs in [-86_400 * 365 * 100, 0, 1_714_564_800, 4_102_444_800] {
            let text = format_exp(Instant::new(secs, 5_000_000).unwrap()).unwrap();
            assert_eq!(parse_exp(&text), Instant::new(secs, 5_000_000));
        }
    }

    /// The binding writes the text into JSON without escaping it.
    #[test]
    fn formatted_text_needs_no_json_escape() {
        let mut secs = -62_167_219_200; // 0000-01-01
        while let Some(text) = format_exp(Instant::new(secs, 999_999_999).unwrap()) {
            assert!(text.iter().all(|b| b.is_ascii_digit() || b"-T:.Z".contains(b)), "{text:?}");
            secs += 7_777_777;
        }
        assert!(secs > 253_402_300_000, "stopped early, at {secs}"); // past 9999-12-31
    }
}
