//! Syntax check of Go RE2 regular expressions (Go's `regexp/syntax`, as Prometheus and
//! Alertmanager compile them), on top of the Rust `regex` crate.
//!
//! The two dialects share most of their syntax; the differences handled here:
//!
//! - Go reads `\Q...\E` as a literal; Rust does not know it.
//! - Go (as of the Go release Prometheus 2.42 and Alertmanager 0.25 are built with) rejects
//!   `(?<name>...)`; Rust accepts it. Go accepts only the flags `i`, `m`, `s` and `U`.
//! - Go limits repeat counts to 1000 (`x{1001}` is an error); Rust only limits the compiled size.
//! - Go reads a `{` that does not start a valid repeat as a literal (`a{`, `a{x}`); Rust rejects it.
//! - Go reads `[` inside a class as a literal (`[[]`), and `&&`, `~~`, `--` as literals;
//!   Rust reads nested classes and set operations there.
//! - Go rejects a repeat operator applied to a repeat (`a**`, `a+{2}`), except the lazy `?`.
//! - Go accepts octal escapes (`\01`, `\123`); Rust does not.

use std::fmt::Write as _;

/// Check that `pattern` is a valid Go RE2 regular expression.
///
/// # Errors
///
/// A short description of the first problem, in the words of Go's parser where they differ
/// from the Rust crate's.
///
/// ```
/// use manifest_model::prometheus_config::check_go_regex;
/// assert!(check_go_regex("(foo|bar)-[0-9]+").is_ok());
/// assert!(check_go_regex(r"\Qa.b\E").is_ok());
/// assert!(check_go_regex("a{1001}").is_err());
/// assert!(check_go_regex("(?<name>x)").is_err());
/// assert!(check_go_regex("a{x}").is_ok());
/// assert!(check_go_regex("(unclosed").is_err());
/// ```
pub fn check_go_regex(pattern: &str) -> Result<(), String> {
    let translated = translate(pattern)?;
    match regex::RegexBuilder::new(&translated)
        .size_limit(1 << 28)
        .dfa_size_limit(1 << 20)
        .build()
    {
        Ok(_) | Err(regex::Error::CompiledTooBig(_)) => Ok(()),
        Err(regex::Error::Syntax(msg)) => {
            // The crate's message spans several lines with a caret drawing; keep the cause.
            let cause = msg
                .lines()
                .rev()
                .find(|l| l.starts_with("error:"))
                .map_or(msg.as_str(), |l| l.trim_start_matches("error:").trim());
            Err(cause.to_owned())
        }
        Err(e) => Err(e.to_string()),
    }
}

fn push_literal(out: &mut String, c: char) {
    if c.is_ascii_punctuation() || c == ' ' {
        if c == ' ' {
            out.push(' ');
        } else {
            out.push('\\');
            out.push(c);
        }
    } else if c.is_ascii_alphanumeric() {
        out.push(c);
    } else {
        let _ = write!(out, "\\x{{{:x}}}", u32::from(c));
    }
}

/// A valid Go repeat `{n}`, `{n,}`, `{n,m}` at the start of `chars`: its length and bounds.
fn repeat_at(chars: &[char]) -> Option<(usize, u64, Option<u64>)> {
    let close = chars.iter().position(|&c| c == '}')?;
    let inner: String = chars.get(1..close)?.iter().collect();
    let (lo, hi) = match inner.split_once(',') {
        Some((lo, "")) => (lo, None),
        Some((lo, hi)) => (lo, Some(hi)),
        None => (inner.as_str(), Some(inner.as_str())),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(lo) || hi.is_some_and(|h| !digits(h)) {
        return None;
    }
    // Over-long numbers are "invalid repeat count" in Go too; saturate.
    let lo_n = lo.parse().unwrap_or(u64::MAX);
    let hi_n = hi.map(|h| h.parse().unwrap_or(u64::MAX));
    Some((close + 1, lo_n, hi_n))
}

fn translate(pattern: &str) -> Result<String, String> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut i = 0;
    // Whether the last item was a repeat operator (for Go's nested-repetition error).
    let mut after_repeat = false;
    while let Some(&c) = chars.get(i) {
        match c {
            '\\' => {
                after_repeat = false;
                let Some(&n) = chars.get(i + 1) else {
                    return Err("trailing backslash at end of expression".to_owned());
                };
                if n == 'Q' {
                    let rest: String = chars.get(i + 2..).unwrap_or(&[]).iter().collect();
                    let (lit, consumed) = match rest.find("\\E") {
                        Some(end) => (&rest[..end], end + 2),
                        None => (rest.as_str(), rest.len()),
                    };
                    for lc in lit.chars() {
                        push_literal(&mut out, lc);
                    }
                    i += 2 + rest[..consumed].chars().count();
                    continue;
                }
                if n.is_ascii_digit() {
                    // Go: a single non-zero digit is a backreference (unsupported); `\0` and
                    // `\1`..`\7` followed by more octal digits are octal escapes.
                    let mut j = i + 1;
                    let mut value = 0u32;
                    while j < i + 4 && chars.get(j).is_some_and(|d| ('0'..='7').contains(d)) {
                        value = value * 8 + chars.get(j).and_then(|d| d.to_digit(8)).unwrap_or(0);
                        j += 1;
                    }
                    if n != '0' && j - (i + 1) < 2 {
                        return Err(format!("invalid escape sequence: `\\{n}`"));
                    }
                    let _ = write!(out, "\\x{{{value:x}}}");
                    i = j;
                    continue;
                }
                if n == 'C' {
                    out.push_str("(?s-u:.)");
                    i += 2;
                    continue;
                }
                if n == 'z' || n == 'A' || n == 'b' || n == 'B' {
                    out.push('\\');
                    out.push(n);
                    i += 2;
                    continue;
                }
                if n.is_ascii_alphanumeric() {
                    // Letters: let the Rust parser judge (\d, \w, \pL, \x41...), except those Go
                    // does not know.
                    if matches!(
                        n,
                        'e' | 'u' | 'U' | 'Z' | 'h' | 'H' | 'R' | 'N' | 'k' | 'K' | 'g'
                    ) {
                        return Err(format!("invalid escape sequence: `\\{n}`"));
                    }
                    out.push('\\');
                    out.push(n);
                    i += 2;
                    continue;
                }
                if n.is_ascii_punctuation() {
                    out.push('\\');
                    out.push(n);
                } else {
                    return Err(format!("invalid escape sequence: `\\{n}`"));
                }
                i += 2;
            }
            '[' => {
                after_repeat = false;
                let end = translate_class(&chars, i, &mut out)?;
                i = end;
            }
            '(' => {
                after_repeat = false;
                if chars.get(i + 1) == Some(&'?') {
                    match chars.get(i + 2) {
                        Some('P') if chars.get(i + 3) == Some(&'<') => {}
                        Some('<') => {
                            return Err("invalid or unsupported Perl syntax: `(?<`".to_owned());
                        }
                        _ => {
                            let mut j = i + 2;
                            while let Some(&f) = chars.get(j) {
                                if f == ')' || f == ':' {
                                    break;
                                }
                                if !matches!(f, 'i' | 'm' | 's' | 'U' | '-') {
                                    return Err(format!(
                                        "invalid or unsupported Perl syntax: `(?{f}`"
                                    ));
                                }
                                j += 1;
                            }
                        }
                    }
                }
                out.push('(');
                i += 1;
            }
            '*' | '+' | '?' => {
                if after_repeat {
                    return Err(format!("invalid nested repetition operator: `{c}`"));
                }
                after_repeat = true;
                out.push(c);
                i += 1;
                // `x*?` is the lazy form, not a repeat of a repeat.
                if chars.get(i) == Some(&'?') {
                    out.push('?');
                    i += 1;
                }
            }
            '{' => match repeat_at(chars.get(i..).unwrap_or(&[])) {
                Some((len, lo, hi)) => {
                    let text: String = chars.get(i..i + len).unwrap_or(&[]).iter().collect();
                    if lo > 1000 || hi.is_some_and(|h| h > 1000 || h < lo) {
                        return Err(format!("invalid repeat count: `{text}`"));
                    }
                    if after_repeat {
                        return Err(format!("invalid nested repetition operator: `{text}`"));
                    }
                    after_repeat = true;
                    out.push_str(&text);
                    i += len;
                    if chars.get(i) == Some(&'?') {
                        out.push('?');
                        i += 1;
                    }
                }
                None => {
                    after_repeat = false;
                    out.push_str("\\{");
                    i += 1;
                }
            },
            '}' => {
                after_repeat = false;
                out.push_str("\\}");
                i += 1;
            }
            _ => {
                after_repeat = false;
                out.push(c);
                i += 1;
            }
        }
    }
    Ok(out)
}

/// Copy the class starting at `chars[start] == '['`, escaping what Rust reads differently;
/// returns the index after the closing `]`.
fn translate_class(chars: &[char], start: usize, out: &mut String) -> Result<usize, String> {
    out.push('[');
    let mut i = start + 1;
    if chars.get(i) == Some(&'^') {
        out.push('^');
        i += 1;
    }
    let mut first = true;
    loop {
        let Some(&c) = chars.get(i) else {
            return Err("missing closing ]".to_owned());
        };
        match c {
            ']' if !first => {
                out.push(']');
                return Ok(i + 1);
            }
            '[' if chars.get(i + 1) == Some(&':') => {
                // A POSIX class `[:alpha:]`: copy it whole.
                let rest = chars.get(i..).unwrap_or(&[]);
                let end = rest.windows(2).position(|w| w == [':', ']']).map(|p| p + 2);
                match end {
                    Some(len) => {
                        out.extend(rest.iter().take(len));
                        i += len;
                    }
                    None => {
                        out.push_str("\\[");
                        i += 1;
                    }
                }
            }
            '\\' => {
                let Some(&n) = chars.get(i + 1) else {
                    return Err("trailing backslash at end of expression".to_owned());
                };
                if n.is_ascii_digit() {
                    let mut j = i + 1;
                    let mut value = 0u32;
                    while j < i + 4 && chars.get(j).is_some_and(|d| ('0'..='7').contains(d)) {
                        value = value * 8 + chars.get(j).and_then(|d| d.to_digit(8)).unwrap_or(0);
                        j += 1;
                    }
                    if n != '0' && j - (i + 1) < 2 {
                        return Err(format!("invalid escape sequence: `\\{n}`"));
                    }
                    let _ = write!(out, "\\x{{{value:x}}}");
                    i = j;
                } else {
                    out.push('\\');
                    out.push(n);
                    i += 2;
                }
            }
            '[' | '&' | '~' => {
                out.push('\\');
                out.push(c);
                i += 1;
            }
            '-' if chars.get(i + 1) == Some(&'-') => {
                out.push_str("\\-");
                i += 1;
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
        first = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_and_rust_differences() {
        for ok in [
            "",
            ".*",
            "(?i)foo",
            "(?P<n>x)",
            r"\Qa.b(\E",
            r"\Qopen",
            "a{x}",
            "a{",
            "x{2,1000}",
            "[[]",
            "[a&&b]",
            "[[:alpha:]]+",
            r"\012",
            "a*?",
            "a+?",
            "a??",
            "a{2}?",
            "(a*)*",
            r"\.\-",
            "[]a]",
            "[^]a]",
        ] {
            assert!(check_go_regex(ok).is_ok(), "{ok}: {:?}", check_go_regex(ok));
        }
        for bad in [
            "(", ")", "a{1001}", "a{3,2}", "(?<n>x)", "(?x)a", "a**", "a+{2}", "a*??", r"\1", "[a",
            "*a", r"\", "(?=a)", r"\Z", "[z-a]",
        ] {
            assert!(check_go_regex(bad).is_err(), "{bad}");
        }
    }
}
