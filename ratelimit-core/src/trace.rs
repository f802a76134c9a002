//! Request traces and durations as text (the `replay` example's input).

use std::io::BufRead;
use std::time::Duration;

use crate::Error;

/// One request of a trace: `<t_ms> <key> [cost]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceLine {
    /// Time in milliseconds.
    pub t_ms: u64,
    /// The key.
    pub key: String,
    /// The cost (default 1).
    pub cost: u64,
}

impl TraceLine {
    /// The time in nanoseconds.
    #[must_use]
    pub fn t_ns(&self) -> u64 {
        self.t_ms.saturating_mul(1_000_000)
    }
}

fn parse_err(
    source_name: &str,
    line: usize,
    column: usize,
    field: &'static str,
    value: &str,
    reason: &'static str,
) -> Error {
    Error::Parse {
        source_name: source_name.to_string(),
        line,
        column,
        field,
        value: value.to_string(),
        reason,
    }
}

/// Parses one trace line (1-based `line` for errors). Returns `None` for a blank line or a
/// `#` comment.
///
/// ```
/// use ratelimit_core::trace::parse_line;
///
/// let l = parse_line("<stdin>", 1, "1500 alice 3")?.ok_or("blank")?;
/// assert_eq!((l.t_ms, l.key.as_str(), l.cost), (1500, "alice", 3));
/// let e = parse_line("<stdin>", 2, "15x alice").unwrap_err();
/// assert_eq!(e.to_string(), "<stdin>:2:1: invalid time \"15x\": expected milliseconds as a non-negative integer");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// [`Error::Parse`] naming the line, column and field.
pub fn parse_line(source_name: &str, line: usize, text: &str) -> Result<Option<TraceLine>, Error> {
    let mut fields = Vec::with_capacity(4);
    let mut col = 0usize;
    let mut start: Option<(usize, usize)> = None;
    for (i, (bi, ch)) in text.char_indices().enumerate() {
        col = i + 1;
        if ch.is_whitespace() {
            if let Some((sc, sb)) = start.take() {
                fields.push((sc, &text[sb..bi]));
            }
        } else if start.is_none() {
            start = Some((col, bi));
        }
    }
    let _ = col;
    if let Some((sc, sb)) = start {
        fields.push((sc, &text[sb..]));
    }
    let (tc, t) = match fields.first() {
        None => return Ok(None),
        Some((_, f)) if f.starts_with('#') => return Ok(None),
        Some(&first) => first,
    };
    let t_ms = t.parse::<u64>().map_err(|_| {
        parse_err(
            source_name,
            line,
            tc,
            "time",
            t,
            "expected milliseconds as a non-negative integer",
        )
    })?;
    let Some(&(_, key)) = fields.get(1) else {
        return Err(parse_err(
            source_name,
            line,
            text.chars().count() + 1,
            "key",
            "",
            "missing key",
        ));
    };
    let cost = match fields.get(2) {
        None => 1,
        Some(&(cc, c)) => c.parse::<u64>().map_err(|_| {
            parse_err(
                source_name,
                line,
                cc,
                "cost",
                c,
                "expected a non-negative integer",
            )
        })?,
    };
    if let Some(&(xc, x)) = fields.get(3) {
        return Err(parse_err(
            source_name,
            line,
            xc,
            "trailing",
            x,
            "expected `<t_ms> <key> [cost]`",
        ));
    }
    Ok(Some(TraceLine {
        t_ms,
        key: key.to_string(),
        cost,
    }))
}

/// Reads a whole trace, checking that times do not decrease.
///
/// # Errors
///
/// [`Error::Io`] or [`Error::Parse`] for the first bad line.
pub fn read_trace<R: BufRead>(source_name: &str, reader: R) -> Result<Vec<TraceLine>, Error> {
    let mut out: Vec<TraceLine> = Vec::new();
    for (i, line) in reader.lines().enumerate() {
        let text = line.map_err(|source| Error::Io {
            source_name: source_name.to_string(),
            source,
        })?;
        if let Some(l) = parse_line(source_name, i + 1, &text)? {
            if let Some(prev) = out.last()
                && l.t_ms < prev.t_ms
            {
                {
                    let col = text
                        .chars()
                        .position(|c| !c.is_whitespace())
                        .map_or(1, |p| p + 1);
                    return Err(parse_err(
                        source_name,
                        i + 1,
                        col,
                        "time",
                        &l.t_ms.to_string(),
                        "times must not decrease",
                    ));
                }
            }
            out.push(l);
        }
    }
    Ok(out)
}

/// Parses a duration: an integer followed by `ns`, `us`, `ms`, `s`, `m`, `h` or `d`
/// (`500ms`, `1s`, `1m`, `1h`).
///
/// ```
/// use std::time::Duration;
/// use ratelimit_core::trace::parse_duration;
///
/// assert_eq!(parse_duration("500ms")?, Duration::from_millis(500));
/// assert_eq!(parse_duration("1h")?, Duration::from_secs(3600));
/// assert!(parse_duration("1.5s").is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// [`Error::Parse`] (source `<arg>`, line 1) naming the column of the problem.
pub fn parse_duration(text: &str) -> Result<Duration, Error> {
    let err = |column: usize, reason: &'static str| {
        parse_err("<arg>", 1, column, "duration", text, reason)
    };
    let digits = text.chars().take_while(char::is_ascii_digit).count();
    if digits == 0 {
        return Err(err(
            1,
            "expected an integer followed by ns, us, ms, s, m, h or d",
        ));
    }
    let n: u64 = text[..digits]
        .parse()
        .map_err(|_| err(1, "number too large"))?;
    let unit_ns: u64 = match &text[digits..] {
        "ns" => 1,
        "us" => 1_000,
        "ms" => 1_000_000,
        "s" => 1_000_000_000,
        "m" => 60_000_000_000,
        "h" => 3_600_000_000_000,
        "d" => 86_400_000_000_000,
        _ => return Err(err(digits + 1, "expected a unit: ns, us, ms, s, m, h or d")),
    };
    let ns = n
        .checked_mul(unit_ns)
        .ok_or_else(|| err(1, "duration too long"))?;
    Ok(Duration::from_nanos(ns))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_name_the_field() {
        let e = parse_line("f", 3, "  10 k  x").unwrap_err();
        assert!(
            matches!(
                e,
                Error::Parse {
                    line: 3,
                    column: 9,
                    field: "cost",
                    ..
                }
            ),
            "{e:?}"
        );
        let e = parse_line("f", 1, "10").unwrap_err();
        assert!(
            matches!(
                e,
                Error::Parse {
                    column: 3,
                    field: "key",
                    ..
                }
            ),
            "{e:?}"
        );
        let e = parse_line("f", 1, "10 k 1 extra").unwrap_err();
        assert!(
            matches!(
                e,
                Error::Parse {
                    column: 8,
                    field: "trailing",
                    ..
                }
            ),
            "{e:?}"
        );
        assert_eq!(parse_line("f", 1, "   ").unwrap(), None);
        assert_eq!(parse_line("f", 1, "# c").unwrap(), None);
    }

    #[test]
    fn trace_times_must_not_decrease() {
        let e = read_trace("t", "5 a\n4 a\n".as_bytes()).unwrap_err();
        assert!(
            matches!(
                e,
                Error::Parse {
                    line: 2,
                    field: "time",
                    ..
                }
            ),
            "{e:?}"
        );
        assert_eq!(
            read_trace("t", "1 a 2\n\n1 b\n".as_bytes()).unwrap().len(),
            2
        );
    }

    #[test]
    fn durations() {
        assert!(parse_duration("").is_err());
        assert!(parse_duration("5").is_err());
        assert!(parse_duration("99999999999999999999s").is_err());
        assert!(parse_duration("999999999999d").is_err());
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
    }
}
