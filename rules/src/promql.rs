//! PromQL checking: our own tokenizer (for positions and dialect rules) in front of
//! `promql-parser` (for the grammar and type checks).
//!
//! promql-parser reports errors without positions and compiles a Rust `regex` for every regex
//! matcher. We therefore tokenize the expression ourselves, check regex matchers with Go's RE2
//! rules ([`crate::re2`]), hand the parser a copy in which regex matchers are replaced by
//! equality matchers that keep the "matches the empty string" property, and locate the parser's
//! errors on our tokens.

use crate::dialect::Dialect;
use crate::re2;

/// Kinds of PromQL tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tok {
    Ident,
    Number,
    Duration,
    Str,
    Op,
    LParen,
    RParen,
    LBrace,
    RBrace,
    LBracket,
    RBracket,
    Comma,
    Colon,
    At,
    /// A character the lexer does not know.
    Bad,
}

/// A token with its byte range in the expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Token {
    pub(crate) kind: Tok,
    pub(crate) start: usize,
    pub(crate) end: usize,
}

impl Token {
    pub(crate) fn text<'a>(&self, src: &'a str) -> &'a str {
        src.get(self.start..self.end).unwrap_or("")
    }
}

/// Split a PromQL expression into tokens. Never fails: unknown characters become [`Tok::Bad`],
/// an unterminated string runs to the end.
pub(crate) fn tokenize(src: &str) -> Vec<Token> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let start = i;
        let kind = match c {
            b' ' | b'\t' | b'\n' | b'\r' => {
                i += 1;
                continue;
            }
            b'#' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'(' => {
                i += 1;
                Tok::LParen
            }
            b')' => {
                i += 1;
                Tok::RParen
            }
            b'{' => {
                i += 1;
                Tok::LBrace
            }
            b'}' => {
                i += 1;
                Tok::RBrace
            }
            b'[' => {
                i += 1;
                Tok::LBracket
            }
            b']' => {
                i += 1;
                Tok::RBracket
            }
            b',' => {
                i += 1;
                Tok::Comma
            }
            b'@' => {
                i += 1;
                Tok::At
            }
            b'"' | b'\'' | b'`' => {
                i += 1;
                while i < b.len() && b[i] != c {
                    if b[i] == b'\\' && c != b'`' {
                        i += 1;
                    }
                    i += 1;
                }
                i = (i + 1).min(b.len());
                Tok::Str
            }
            b'0'..=b'9' | b'.' => {
                let (end, kind) = lex_number(b, i);
                i = end;
                kind
            }
            b'a'..=b'z' | b'A'..=b'Z' | b'_' => {
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b':')
                {
                    i += 1;
                }
                Tok::Ident
            }
            b':' => {
                // A colon starts a metric name only outside brackets; inside it is a subquery step.
                i += 1;
                Tok::Colon
            }
            b'=' | b'!' | b'<' | b'>' => {
                i += 1;
                if i < b.len() && (b[i] == b'=' || b[i] == b'~') {
                    i += 1;
                }
                Tok::Op
            }
            b'+' | b'-' | b'*' | b'/' | b'%' | b'^' => {
                i += 1;
                Tok::Op
            }
            _ => {
                // Skip a whole UTF-8 character.
                i += src
                    .get(i..)
                    .and_then(|s| s.chars().next())
                    .map_or(1, char::len_utf8);
                Tok::Bad
            }
        };
        out.push(Token {
            kind,
            start,
            end: i,
        });
    }
    out
}

fn lex_number(b: &[u8], mut i: usize) -> (usize, Tok) {
    let start = i;
    if b.get(i) == Some(&b'0') && matches!(b.get(i + 1), Some(b'x' | b'X')) {
        i += 2;
        while i < b.len() && b[i].is_ascii_hexdigit() {
            i += 1;
        }
        return (i, Tok::Number);
    }
    while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.') {
        i += 1;
    }
    // Duration: digits followed by a unit, possibly repeated (`1h30m`).
    if i > start && matches!(b.get(i), Some(b's' | b'm' | b'h' | b'd' | b'w' | b'y')) {
        while i < b.len() && (b[i].is_ascii_alphanumeric()) {
            i += 1;
        }
        return (i, Tok::Duration);
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        let mut j = i + 1;
        if matches!(b.get(j), Some(b'+' | b'-')) {
            j += 1;
        }
        if b.get(j).is_some_and(u8::is_ascii_digit) {
            i = j;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
        }
    }
    (i, Tok::Number)
}

/// Decode a PromQL string literal (Go `strconv.Unquote` rules). `None` if it is malformed.
pub(crate) fn unquote(lit: &str) -> Option<String> {
    let mut chars = lit.chars();
    let q = chars.next()?;
    if lit.len() < 2 || !lit.ends_with(q) {
        return None;
    }
    let body = lit.get(1..lit.len() - 1)?;
    if q == '`' {
        return Some(body.to_string());
    }
    let mut out = String::with_capacity(body.len());
    let mut it = body.chars();
    while let Some(c) = it.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let e = it.next()?;
        let hex = |it: &mut std::str::Chars<'_>, n: usize| -> Option<u32> {
            let s: String = it.by_ref().take(n).collect();
            if s.len() != n {
                return None;
            }
            u32::from_str_radix(&s, 16).ok()
        };
        match e {
            'a' => out.push('\u{7}'),
            'b' => out.push('\u{8}'),
            'f' => out.push('\u{c}'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'v' => out.push('\u{b}'),
            '\\' => out.push('\\'),
            '\'' | '"' if e == q => out.push(e),
            'x' => out.push(char::from_u32(hex(&mut it, 2)?)?),
            'u' => out.push(char::from_u32(hex(&mut it, 4)?)?),
            'U' => out.push(char::from_u32(hex(&mut it, 8)?)?),
            '0'..='7' => {
                let rest: String = it.by_ref().take(2).collect();
                let v = u32::from_str_radix(&format!("{e}{rest}"), 8).ok()?;
                out.push(char::from_u32(v)?);
            }
            _ => return None,
        }
    }
    Some(out)
}

/// Functions promtool 2.42 knows (measured: each name below parses, every other name of
/// promql-parser's table is an "unknown function" in 2.42).
const V2_FUNCTIONS: &[&str] = &[
    "abs",
    "absent",
    "absent_over_time",
    "acos",
    "acosh",
    "asin",
    "asinh",
    "atan",
    "atanh",
    "avg_over_time",
    "ceil",
    "changes",
    "clamp",
    "clamp_max",
    "clamp_min",
    "cos",
    "cosh",
    "count_over_time",
    "days_in_month",
    "day_of_month",
    "day_of_week",
    "day_of_year",
    "deg",
    "delta",
    "deriv",
    "exp",
    "floor",
    "histogram_count",
    "histogram_fraction",
    "histogram_quantile",
    "histogram_sum",
    "holt_winters",
    "hour",
    "idelta",
    "increase",
    "irate",
    "label_replace",
    "label_join",
    "last_over_time",
    "ln",
    "log10",
    "log2",
    "max_over_time",
    "min_over_time",
    "minute",
    "month",
    "pi",
    "predict_linear",
    "present_over_time",
    "quantile_over_time",
    "rad",
    "rate",
    "resets",
    "round",
    "scalar",
    "sgn",
    "sin",
    "sinh",
    "sort",
    "sort_desc",
    "sqrt",
    "stddev_over_time",
    "stdvar_over_time",
    "sum_over_time",
    "tan",
    "tanh",
    "time",
    "timestamp",
    "vector",
    "year",
];

/// Aggregation operators of promtool 2.42.
const V2_AGGREGATORS: &[&str] = &[
    "sum",
    "avg",
    "count",
    "min",
    "max",
    "group",
    "stddev",
    "stdvar",
    "topk",
    "bottomk",
    "count_values",
    "quantile",
];

/// Words that may precede `(` without being a function call.
const KEYWORDS: &[&str] = &[
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
    "bool",
    "and",
    "or",
    "unless",
    "atan2",
    "offset",
];

/// A PromQL problem with its byte offset in the expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ExprError {
    pub(crate) offset: usize,
    pub(crate) message: String,
}

/// A successfully checked expression.
#[derive(Debug)]
pub(crate) struct Checked {
    pub(crate) ast: promql_parser::parser::Expr,
    pub(crate) tokens: Vec<Token>,
    /// Deepest bracket nesting, a bound on the AST's depth for recursive walks.
    pub(crate) depth: usize,
    /// The regex matchers handed to the parser as equality matchers, in order; the AST's
    /// matcher value for entry `i` is [`regex_placeholder`]`(i)`.
    pub(crate) regexes: Vec<RegexMatcher>,
    /// [`Checked::canonical`], formatted once (rules with the same text share a `Checked`).
    canonical: std::sync::OnceLock<String>,
}

/// A label regex matcher as written (the AST holds a placeholder in its place).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RegexMatcher {
    /// `!~` rather than `=~`.
    pub(crate) negated: bool,
    /// The pattern, unquoted.
    pub(crate) pattern: String,
    /// Whether the anchored pattern matches the empty string.
    pub(crate) matches_empty: bool,
}

/// First character of a placeholder value (private use: never in a real label value we lint).
const PLACEHOLDER: char = '\u{E000}';

/// The placeholder value standing for regex matcher `i`.
pub(crate) fn regex_placeholder(i: usize) -> String {
    format!("{PLACEHOLDER}{i}")
}

impl Checked {
    /// The regex matcher a matcher value stands for, if it is a placeholder.
    pub(crate) fn regex_for(&self, value: &str) -> Option<&RegexMatcher> {
        let i: usize = value.strip_prefix(PLACEHOLDER)?.parse().ok()?;
        self.regexes.get(i)
    }

    /// The expression in canonical form, with the regex patterns the AST lacks.
    pub(crate) fn canonical(&self) -> &str {
        self.canonical.get_or_init(|| {
            let mut s = self.ast.to_string();
            for r in &self.regexes {
                s.push('\u{0}');
                s.push_str(if r.negated { "!~" } else { "=~" });
                s.push_str(&r.pattern);
            }
            s
        })
    }
}

/// Deeper expressions are validated but not linted (the lint walks recurse).
pub(crate) const MAX_LINT_DEPTH: usize = 200;

fn nesting(tokens: &[Token]) -> usize {
    let (mut d, mut max) = (0usize, 0usize);
    for t in tokens {
        match t.kind {
            Tok::LParen | Tok::LBrace | Tok::LBracket => {
                d += 1;
                max = max.max(d);
            }
            Tok::RParen | Tok::RBrace | Tok::RBracket => d = d.saturating_sub(1),
            _ => {}
        }
    }
    max
}

/// Check `src` as PromQL in `dialect`.
pub(crate) fn check(src: &str, dialect: Dialect) -> Result<Checked, ExprError> {
    let tokens = tokenize(src);
    let mut regexes = Vec::new();
    let rewritten = pre_check(src, &tokens, dialect, &mut regexes)?;
    let input = rewritten.as_deref().unwrap_or(src);
    match promql_parser::parser::parse(input) {
        Ok(ast) => Ok(Checked {
            ast,
            depth: nesting(&tokens),
            tokens,
            regexes,
            canonical: std::sync::OnceLock::new(),
        }),
        Err(msg) => {
            // promql-parser drops the grammar's own error; name the common case ourselves.
            let dangling = tokens.last().is_some_and(|t| {
                matches!(
                    t.kind,
                    Tok::Op
                        | Tok::Comma
                        | Tok::LParen
                        | Tok::LBrace
                        | Tok::LBracket
                        | Tok::Colon
                        | Tok::At
                )
            });
            if msg == "invalid promql query" && dangling {
                return Err(ExprError {
                    offset: src.trim_end().len(),
                    message: "unexpected end of input".to_string(),
                });
            }
            Err(ExprError {
                offset: locate(&msg, src, &tokens),
                message: prometheus_wording(&msg),
            })
        }
    }
}

/// Checks promql-parser does not make (or makes with Rust semantics), and the rewrite of regex
/// matchers. Returns the text to hand to the parser when it differs from `src`.
fn pre_check(
    src: &str,
    tokens: &[Token],
    dialect: Dialect,
    regexes: &mut Vec<RegexMatcher>,
) -> Result<Option<String>, ExprError> {
    let mut out: Option<String> = None;
    let mut copied = 0usize;
    let mut depth_brace = 0usize;
    let mut depth_bracket = 0usize;
    for (i, t) in tokens.iter().enumerate() {
        let prev = i.checked_sub(1).and_then(|p| tokens.get(p));
        let next = tokens.get(i + 1);
        let text = t.text(src);
        match t.kind {
            Tok::LBrace => depth_brace += 1,
            Tok::RBrace => depth_brace = depth_brace.saturating_sub(1),
            Tok::LBracket => depth_bracket += 1,
            Tok::RBracket => depth_bracket = depth_bracket.saturating_sub(1),
            Tok::Ident
                if next.is_some_and(|n| n.kind == Tok::LParen)
                    && depth_brace == 0
                    && dialect == Dialect::V2 =>
            {
                let after_at =
                    prev.is_some_and(|p| p.kind == Tok::At) && (text == "start" || text == "end");
                if !after_at
                    && !KEYWORDS.contains(&text)
                    && !V2_FUNCTIONS.contains(&text)
                    && !V2_AGGREGATORS.contains(&text)
                {
                    return Err(ExprError {
                        offset: t.start,
                        message: format!("unknown function with name {text:?}"),
                    });
                }
                if text == "holt_winters" {
                    // Same signature as its v3 name, which is what promql-parser knows.
                    let buf = out.get_or_insert_with(|| String::with_capacity(src.len() + 16));
                    buf.push_str(src.get(copied..t.start).unwrap_or(""));
                    buf.push_str("double_exponential_smoothing");
                    copied = t.end;
                }
            }
            Tok::Str if dialect == Dialect::V2 && depth_brace > 0 => {
                // Quoted label or metric names inside braces are Prometheus 3 syntax.
                let in_name_pos = prev.is_some_and(|p| matches!(p.kind, Tok::LBrace | Tok::Comma));
                if in_name_pos {
                    return Err(ExprError {
                        offset: t.start,
                        message: format!(
                            "unexpected string {text:?} in label matching, expected identifier or \"}}\""
                        ),
                    });
                }
            }
            Tok::Duration if dialect == Dialect::V2 && depth_bracket == 0 => {
                let after_offset = prev.is_some_and(|p| {
                    p.text(src) == "offset"
                        || (p.text(src) == "-"
                            && i >= 2
                            && tokens.get(i - 2).is_some_and(|pp| pp.text(src) == "offset"))
                });
                if !after_offset {
                    return Err(ExprError {
                        offset: t.start,
                        message: format!("unexpected duration {text:?}"),
                    });
                }
            }
            Tok::Number if prev.is_some_and(|p| p.kind == Tok::At) => {
                check_at_bounds(text, t.start)?;
            }
            Tok::Op
                if prev.is_some_and(|p| p.kind == Tok::At)
                    && next.is_some_and(|n| n.kind == Tok::Number) =>
            {
                if let Some(n) = next {
                    check_at_bounds(&format!("{text}{}", n.text(src)), t.start)?;
                }
            }
            Tok::Op if (text == "=~" || text == "!~") && depth_brace > 0 => {
                let Some(lit) = next.filter(|n| n.kind == Tok::Str) else {
                    continue;
                };
                let Some(pattern) = unquote(lit.text(src)) else {
                    continue;
                };
                let matches_empty = match re2::check_matches_empty(&pattern, dialect) {
                    Ok(m) => m,
                    Err(e) => {
                        return Err(ExprError {
                            offset: lit.start,
                            message: format!("error parsing regexp: {e}: `^(?:{pattern})$`"),
                        });
                    }
                };
                let is_name =
                    prev.is_some_and(|p| p.text(src) == "__name__" || p.kind != Tok::Ident);
                if is_name {
                    continue;
                }
                let negated = text == "!~";
                // The replacement matcher matches "" exactly when the original does; its value
                // (never empty) names the original in `regexes`.
                let op = if negated == matches_empty { "=" } else { "!=" };
                let buf = out.get_or_insert_with(|| String::with_capacity(src.len()));
                buf.push_str(src.get(copied..t.start).unwrap_or(""));
                buf.push_str(op);
                buf.push('"');
                buf.push_str(&regex_placeholder(regexes.len()));
                buf.push('"');
                regexes.push(RegexMatcher {
                    negated,
                    pattern,
                    matches_empty,
                });
                copied = lit.end;
            }
            _ => {}
        }
    }
    if let Some(buf) = out.as_mut() {
        buf.push_str(src.get(copied..).unwrap_or(""));
    }
    Ok(out)
}

fn check_at_bounds(text: &str, offset: usize) -> Result<(), ExprError> {
    let v = if let Some(hex) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        u64::from_str_radix(hex, 16).ok().map(|v| v as f64)
    } else {
        text.parse::<f64>().ok()
    };
    if let Some(v) = v {
        let ms = v * 1000.0;
        if ms.is_finite() && (ms > i64::MAX as f64 || ms < i64::MIN as f64) {
            return Err(ExprError {
                offset,
                message: format!("timestamp out of bounds for @ modifier: {v}"),
            });
        }
    }
    Ok(())
}

/// promql-parser's messages in Prometheus's words, so users can search for them: Go's value type
/// names (`instant vector`, `range vector`) and double-quoted names.
fn prometheus_wording(msg: &str) -> String {
    let mut out = msg.to_string();
    if out.starts_with("expected type") || out.contains("got vector") || out.contains("got matrix")
    {
        out = out
            .replace("type matrix", "type range vector")
            .replace("type vector", "type instant vector")
            .replace("got matrix", "got range vector")
            .replace("got vector", "got instant vector");
    }
    // 'name' -> "name" for single words.
    let mut res = String::with_capacity(out.len());
    let mut rest = out.as_str();
    while let Some(a) = rest.find('\'') {
        let after = rest.get(a + 1..).unwrap_or("");
        match after.find('\'') {
            Some(b)
                if after
                    .get(..b)
                    .is_some_and(|w| !w.is_empty() && !w.contains(' ')) =>
            {
                res.push_str(rest.get(..a).unwrap_or(""));
                res.push('"');
                res.push_str(after.get(..b).unwrap_or(""));
                res.push('"');
                rest = after.get(b + 1..).unwrap_or("");
            }
            _ => {
                res.push_str(rest.get(..=a).unwrap_or(""));
                rest = after;
            }
        }
    }
    res.push_str(rest);
    res
}

/// Find where in `src` the parser error `msg` happened, using our tokens. Falls back to 0.
fn locate(msg: &str, src: &str, tokens: &[Token]) -> usize {
    let find_ident = |name: &str, call: bool| -> Option<usize> {
        tokens.iter().enumerate().find_map(|(i, t)| {
            let ok = t.text(src) == name
                && (!call || tokens.get(i + 1).is_some_and(|n| n.kind == Tok::LParen));
            ok.then_some(t.start)
        })
    };
    let quoted = quoted_name(msg);
    let first_kind = |k: Tok| tokens.iter().find(|t| t.kind == k).map(|t| t.start);
    let found = if msg.contains("unclosed left parenthesis") {
        unmatched_open(tokens)
    } else if msg.contains("unexpected right parenthesis") {
        unmatched_close(tokens)
    } else if msg.contains("function") || msg.contains("call to") {
        quoted.as_deref().and_then(|q| find_ident(q, true))
    } else if msg.contains("metric name must not be set twice") {
        quoted.as_deref().and_then(|q| find_ident(q, false))
    } else if msg.contains("at least one non-empty matcher") {
        first_kind(Tok::LBrace)
    } else if msg.contains("ranges only allowed") {
        tokens.iter().enumerate().find_map(|(i, t)| {
            let after = i.checked_sub(1).and_then(|p| tokens.get(p));
            (t.kind == Tok::LBracket
                && after.is_some_and(|p| matches!(p.kind, Tok::RParen | Tok::RBracket)))
            .then_some(t.start)
        })
    } else if msg.contains("duration must be greater than 0") {
        tokens
            .iter()
            .find(|t| {
                t.kind == Tok::Duration && t.text(src).bytes().all(|c| !(b'1'..=b'9').contains(&c))
            })
            .map(|t| t.start)
    } else if msg.contains("comparisons between scalars") {
        tokens
            .iter()
            .find(|t| matches!(t.text(src), "==" | "!=" | "<" | ">" | "<=" | ">="))
            .map(|t| t.start)
    } else if msg.contains("offset modifier") {
        find_ident("offset", false)
    } else if msg.contains("@ modifier") {
        first_kind(Tok::At)
    } else if msg.contains("inside braces") {
        unmatched(tokens, Tok::LBrace, Tok::RBrace)
    } else if msg.contains("inside brackets") {
        unmatched(tokens, Tok::LBracket, Tok::RBracket)
    } else if msg.contains("end of input") {
        Some(src.trim_end().len())
    } else if let Some(q) = quoted.as_deref() {
        find_ident(q, false).or_else(|| {
            tokens
                .iter()
                .find(|t| t.text(src).contains(q) && !q.is_empty())
                .map(|t| t.start)
        })
    } else {
        None
    };
    found.or_else(|| first_kind(Tok::Bad)).unwrap_or(0)
}

/// The first `'…'` (or `"…"`) quoted word in a message.
fn quoted_name(msg: &str) -> Option<String> {
    for q in ['\'', '"'] {
        if let Some(a) = msg.find(q) {
            let rest = msg.get(a + 1..)?;
            if let Some(b) = rest.find(q) {
                return rest.get(..b).map(str::to_string);
            }
        }
    }
    None
}

fn unmatched_open(tokens: &[Token]) -> Option<usize> {
    unmatched(tokens, Tok::LParen, Tok::RParen)
}

fn unmatched(tokens: &[Token], open: Tok, close: Tok) -> Option<usize> {
    let mut stack = Vec::new();
    for t in tokens {
        if t.kind == open {
            stack.push(t.start);
        } else if t.kind == close {
            stack.pop();
        }
    }
    stack.last().copied()
}

fn unmatched_close(tokens: &[Token]) -> Option<usize> {
    let mut depth = 0usize;
    for t in tokens {
        match t.kind {
            Tok::LParen => depth += 1,
            Tok::RParen if depth == 0 => return Some(t.start),
            Tok::RParen => depth -= 1,
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(src: &str, d: Dialect) -> ExprError {
        check(src, d).unwrap_err()
    }

    #[test]
    fn tokenizes() {
        let src = "sum by (job) (rate(x{a=~\"b\"}[5m] offset 1h)) > 0.5e3";
        let kinds: Vec<Tok> = tokenize(src).iter().map(|t| t.kind).collect();
        assert!(kinds.contains(&Tok::Duration));
        assert_eq!(tokenize(src).last().unwrap().text(src), "0.5e3");
    }

    #[test]
    fn unquotes_go_strings() {
        assert_eq!(unquote(r#""a\"b\n""#).unwrap(), "a\"b\n");
        assert_eq!(unquote("`a\\b`").unwrap(), "a\\b");
        assert_eq!(unquote(r#""\x41\u00e9""#).unwrap(), "Aé");
        assert!(unquote(r#""\q""#).is_none());
    }

    #[test]
    fn locates_parser_errors() {
        assert_eq!(err("sum(rate(x[5m])", Dialect::V3).offset, 3);
        assert_eq!(err("up)", Dialect::V3).offset, 2);
        assert_eq!(err("1 + rate(x)", Dialect::V3).offset, 4);
        assert_eq!(err("x + {job=~\".*\"}", Dialect::V3).offset, 4);
        assert_eq!(err("foo + nosuch(x)", Dialect::V3).offset, 6);
        assert_eq!(err("rate(x[5m]) [5m]", Dialect::V3).offset, 12);
        assert_eq!(err("avg_over_time(up[0s])", Dialect::V3).offset, 17);
    }

    #[test]
    fn dialect_differences() {
        assert!(check("holt_winters(x[5m], 0.5, 0.5)", Dialect::V2).is_ok());
        assert!(check("holt_winters(x[5m], 0.5, 0.5)", Dialect::V3).is_err());
        assert_eq!(err("sort_by_label(up, \"a\")", Dialect::V2).offset, 0);
        assert!(check("sort_by_label(up, \"a\")", Dialect::V3).is_ok());
        assert_eq!(err("{\"my.metric\"}", Dialect::V2).offset, 1);
        assert!(check("{\"my.metric\"}", Dialect::V3).is_ok());
        assert!(
            err("5m + 1", Dialect::V2)
                .message
                .contains("unexpected duration")
        );
        assert!(check("up offset -5m", Dialect::V2).is_ok());
        assert!(check("rate(x[5m:1m] @ start())", Dialect::V2).is_ok());
    }

    #[test]
    fn regex_matchers_use_go_syntax() {
        assert!(check("x{a=~\"\\\\Qa.b\\\\E\"}", Dialect::V3).is_ok());
        let e = err("x{a=~\"a**\"}", Dialect::V3);
        assert_eq!(e.offset, 5);
        assert!(e.message.contains("nested repetition"), "{}", e.message);
        assert!(check("x{a=~\"x{1001}\"}", Dialect::V3).is_err());
        assert!(check("x{a=~\"(?<n>a)\"}", Dialect::V2).is_err());
        assert!(check("x{a=~\"(?<n>a)\"}", Dialect::V3).is_ok());
        // Empty-matching regexes still count as empty matchers.
        assert!(check("{a=~\".*\"}", Dialect::V3).is_err());
        assert!(check("{a=~\".+\"}", Dialect::V3).is_ok());
        assert!(check("{a!~\".+\"}", Dialect::V3).is_err());
        assert!(check("{a!~\".*\"}", Dialect::V3).is_ok());
    }

    #[test]
    fn messages_use_prometheus_wording() {
        assert_eq!(
            err("rate(up)", Dialect::V3).message,
            "expected type range vector in call to function \"rate\", got instant vector"
        );
        assert_eq!(
            err("nosuch(up)", Dialect::V3).message,
            "unknown function with name \"nosuch\""
        );
    }

    #[test]
    fn names_unexpected_end_of_input() {
        let e = err("test +", Dialect::V3);
        assert_eq!(
            (e.offset, e.message.as_str()),
            (6, "unexpected end of input")
        );
    }

    #[test]
    fn at_modifier_bounds() {
        assert!(
            err("up @ 1e100", Dialect::V3)
                .message
                .contains("out of bounds")
        );
        assert!(check("up @ 1609746000", Dialect::V3).is_ok());
    }
}
