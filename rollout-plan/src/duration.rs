//! Go duration strings (`time.ParseDuration`), which Argo uses for pauses, intervals and delays.

/// Parses a Go duration (`"30s"`, `"1h30m"`, `"1.5m"`, `"300ms"`, `"0"`) into milliseconds,
/// truncating below a millisecond. Returns `None` when the text is not a Go duration.
///
/// ```
/// use rollout_plan::duration::parse_millis;
/// assert_eq!(parse_millis("1h30m"), Some(5_400_000));
/// assert_eq!(parse_millis("1.5s"), Some(1_500));
/// assert_eq!(parse_millis("5"), None); // Go requires a unit (except for "0")
/// ```
#[must_use]
pub fn parse_millis(s: &str) -> Option<i64> {
    let (neg, mut rest) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if rest == "0" {
        return Some(0);
    }
    if rest.is_empty() {
        return None;
    }
    let mut total_ns: f64 = 0.0;
    while !rest.is_empty() {
        let num_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let num = &rest[..num_end];
        if num.is_empty() || num == "." || num.matches('.').count() > 1 {
            return None;
        }
        let value: f64 = num.parse().ok()?;
        rest = &rest[num_end..];
        let unit_end = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let unit = &rest[..unit_end];
        rest = &rest[unit_end..];
        let scale = match unit {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return None,
        };
        total_ns += value * scale;
    }
    // Go's limit: about 290 years.
    if !total_ns.is_finite() || total_ns > 9.2e18 {
        return None;
    }
    #[allow(clippy::cast_possible_truncation)]
    let ms = (total_ns / 1e6).trunc() as i64;
    Some(if neg { -ms } else { ms })
}

/// Parses a Go duration into whole seconds (truncated), as Argo does for pause durations.
///
/// ```
/// assert_eq!(rollout_plan::duration::parse_seconds("2m"), Some(120));
/// ```
#[must_use]
pub fn parse_seconds(s: &str) -> Option<i64> {
    parse_millis(s).map(|ms| ms / 1000)
}

/// Formats seconds compactly: `90` → `1m30s`, `3600` → `1h`, `0` → `0s`.
///
/// ```
/// assert_eq!(rollout_plan::duration::format_seconds(780), "13m");
/// ```
#[must_use]
pub fn format_seconds(secs: i64) -> String {
    if secs == 0 {
        return "0s".to_string();
    }
    let mut out = String::new();
    let mut s = secs;
    if s < 0 {
        out.push('-');
        s = -s;
    }
    let (h, m, sec) = (s / 3600, (s % 3600) / 60, s % 60);
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if m > 0 {
        out.push_str(&format!("{m}m"));
    }
    if sec > 0 {
        out.push_str(&format!("{sec}s"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations() {
        assert_eq!(parse_millis("30s"), Some(30_000));
        assert_eq!(parse_millis("5m"), Some(300_000));
        assert_eq!(parse_millis("1h"), Some(3_600_000));
        assert_eq!(parse_millis("300ms"), Some(300));
        assert_eq!(parse_millis("-1m"), Some(-60_000));
        assert_eq!(parse_millis(""), None);
        assert_eq!(parse_millis("s"), None);
        assert_eq!(parse_millis("1x"), None);
        assert_eq!(parse_millis("1..2s"), None);
        assert_eq!(format_seconds(5400), "1h30m");
        assert_eq!(format_seconds(61), "1m1s");
    }
}
