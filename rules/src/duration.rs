//! Prometheus durations (`1h30m`, `5m`, `0`), as `model.ParseDuration` reads them.

use crate::error::Error;

/// Units in the only order Prometheus accepts them, with their length in milliseconds.
const UNITS: [(&str, u64); 7] = [
    ("y", 365 * 24 * 3_600_000),
    ("w", 7 * 24 * 3_600_000),
    ("d", 24 * 3_600_000),
    ("h", 3_600_000),
    ("m", 60_000),
    ("s", 1_000),
    ("ms", 1),
];

/// Parse a Prometheus duration into milliseconds.
///
/// Accepts `0` and sequences of `<digits><unit>` with units in the order y, w, d, h, m, s, ms,
/// each at most once; negative and fractional values are rejected, as in Prometheus.
///
/// # Errors
///
/// [`Error::Duration`] for anything else, including overflow.
///
/// ```
/// assert_eq!(rules::parse_duration("1h30m")?, 5_400_000);
/// assert_eq!(rules::parse_duration("0")?, 0);
/// assert!(rules::parse_duration("5x").is_err());
/// assert!(rules::parse_duration("-1m").is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn parse_duration(s: &str) -> Result<u64, Error> {
    let err = || Error::Duration {
        input: s.to_string(),
    };
    if s == "0" {
        return Ok(0);
    }
    if s.is_empty() {
        return Err(err());
    }
    let mut rest = s;
    let mut next_unit = 0usize;
    let mut total: u64 = 0;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(err());
        }
        let (num, after) = rest.split_at(digits);
        let n: u64 = num.parse().map_err(|_| err())?;
        // Longest unit first so `ms` is not read as `m`.
        let mut found = None;
        for (i, (unit, ms)) in UNITS.iter().enumerate().skip(next_unit) {
            if after.starts_with(unit) && !(*unit == "m" && after.starts_with("ms")) {
                found = Some((i, unit.len(), *ms));
                break;
            }
        }
        let Some((i, len, ms)) = found else {
            return Err(err());
        };
        total = n
            .checked_mul(ms)
            .and_then(|v| total.checked_add(v))
            .filter(|v| i64::try_from(*v).is_ok())
            .ok_or_else(err)?;
        next_unit = i + 1;
        rest = after.get(len..).unwrap_or("");
    }
    Ok(total)
}

/// Render milliseconds the way Prometheus prints durations (`1h30m`, `5m`, `0s`).
///
/// ```
/// assert_eq!(rules::format_duration(5_400_000), "1h30m");
/// assert_eq!(rules::format_duration(0), "0s");
/// ```
#[must_use]
pub fn format_duration(mut ms: u64) -> String {
    if ms == 0 {
        return "0s".to_string();
    }
    let mut out = String::new();
    for (unit, len) in UNITS {
        if ms >= len {
            out.push_str(&(ms / len).to_string());
            out.push_str(unit);
            ms %= len;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_prometheus_forms() {
        assert_eq!(parse_duration("1d2h3m4s5ms").unwrap(), 93_784_005);
        assert_eq!(parse_duration("1w").unwrap(), 604_800_000);
        assert_eq!(parse_duration("90s").unwrap(), 90_000);
        assert_eq!(parse_duration("5ms").unwrap(), 5);
    }

    #[test]
    fn rejects_bad_forms() {
        for s in [
            "",
            "5",
            "5x",
            "-1m",
            "1.5h",
            "1m1h",
            "1h1h",
            "h",
            "99999999999999999999y",
        ] {
            assert!(parse_duration(s).is_err(), "{s}");
        }
    }

    proptest! {
        #[test]
        fn round_trips(ms in 0u64..(1u64 << 50)) {
            prop_assert_eq!(parse_duration(&format_duration(ms)).unwrap(), ms);
        }

        #[test]
        fn never_panics(s in ".{0,20}") {
            let _ = parse_duration(&s);
        }
    }
}
