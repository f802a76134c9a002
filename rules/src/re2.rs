//! Go (RE2) regular-expression syntax, checked without compiling anything.
//!
//! Prometheus compiles matcher regexes with Go's `regexp`, whose syntax differs from Rust's
//! `regex` in a few places: Go accepts `\Q…\E`, rejects nested repetition (`a**`), repeat counts
//! above 1000 (`x{1001}`), the flags `x`, `u`, `R` and the `\<`/`\>` word boundaries, and
//! (before Go 1.22, so in promtool 2.42) the `(?<name>…)` group syntax. We parse with
//! `regex-syntax` after translating `\Q…\E`, then walk the AST for the Go-only rules.

use regex_syntax::ast::{self, Ast, GroupKind, RepetitionKind, RepetitionRange};

use crate::dialect::Dialect;

/// Go's limit on `{n,m}` repeat counts.
const MAX_REPEAT: u32 = 1000;

/// Check `pattern` as Go would when compiling it for `dialect`'s Prometheus.
///
/// # Errors
///
/// A message in Go's words (`missing closing )`, `invalid nested repetition operator`, …).
pub(crate) fn check(pattern: &str, dialect: Dialect) -> Result<(), String> {
    let translated = translate_quotes(pattern);
    let ast = parse_ast(&translated)?;
    walk(&ast, dialect, 0)
}

/// Whether the anchored regex `^(?:pattern)$` can match the empty string (approximation: its
/// shortest match is empty). Unparsable patterns count as not matching.
pub(crate) fn matches_empty(pattern: &str) -> bool {
    let translated = translate_quotes(pattern);
    let Ok(ast) = parse_ast(&translated) else {
        return false;
    };
    regex_syntax::hir::translate::Translator::new()
        .translate(&translated, &ast)
        .map(|hir| hir.properties().minimum_len() == Some(0))
        .unwrap_or(false)
}

fn parse_ast(p: &str) -> Result<Ast, String> {
    ast::parse::ParserBuilder::new()
        .nest_limit(1000)
        .build()
        .parse(p)
        .map_err(|e| go_message(e.kind()))
}

/// Go's wording for the errors both libraries detect.
fn go_message(kind: &ast::ErrorKind) -> String {
    use ast::ErrorKind as K;
    match kind {
        K::GroupUnclosed => "missing closing )".to_string(),
        K::GroupUnopened => "unexpected )".to_string(),
        K::ClassUnclosed => "missing closing ]".to_string(),
        K::RepetitionMissing => "missing argument to repetition operator".to_string(),
        K::RepetitionCountInvalid | K::RepetitionCountDecimalEmpty | K::RepetitionCountUnclosed => {
            "invalid repeat count".to_string()
        }
        K::ClassRangeInvalid => "invalid character class range".to_string(),
        K::EscapeUnrecognized | K::EscapeUnexpectedEof => "invalid escape sequence".to_string(),
        K::FlagUnrecognized
        | K::FlagDanglingNegation
        | K::FlagRepeatedNegation { .. }
        | K::FlagDuplicate { .. } => "invalid or unsupported Perl syntax".to_string(),
        other => other.to_string(),
    }
}

/// Replace `\Q…\E` (outside classes) by the escaped literal text.
fn translate_quotes(p: &str) -> std::borrow::Cow<'_, str> {
    if !p.contains("\\Q") {
        return std::borrow::Cow::Borrowed(p);
    }
    let mut out = String::with_capacity(p.len() + 8);
    let mut chars = p.chars().peekable();
    let mut in_class = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('Q') if !in_class => {
                    let mut lit = String::new();
                    while let Some(d) = chars.next() {
                        if d == '\\' && chars.peek() == Some(&'E') {
                            chars.next();
                            break;
                        }
                        lit.push(d);
                    }
                    out.push_str(&regex_syntax::escape(&lit));
                }
                Some(n) => {
                    out.push('\\');
                    out.push(n);
                }
                None => out.push('\\'),
            },
            '[' => {
                in_class = true;
                out.push(c);
            }
            ']' => {
                in_class = false;
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

fn walk(a: &Ast, dialect: Dialect, depth: usize) -> Result<(), String> {
    if depth > 1000 {
        return Err("expression nests too deeply".to_string());
    }
    match a {
        Ast::Repetition(r) => {
            if let Ast::Repetition(inner) = r.ast.as_ref() {
                let op = |k: &RepetitionKind| match k {
                    RepetitionKind::ZeroOrOne => "?".to_string(),
                    RepetitionKind::ZeroOrMore => "*".to_string(),
                    RepetitionKind::OneOrMore => "+".to_string(),
                    RepetitionKind::Range(_) => "{".to_string(),
                };
                let lazy = if inner.greedy { "" } else { "?" };
                return Err(format!(
                    "invalid nested repetition operator: `{}{lazy}{}`",
                    op(&inner.op.kind),
                    op(&r.op.kind)
                ));
            }
            if let RepetitionKind::Range(range) = &r.op.kind {
                let (lo, hi) = match *range {
                    RepetitionRange::Exactly(n) => (n, n),
                    RepetitionRange::AtLeast(n) => (n, n),
                    RepetitionRange::Bounded(a, b) => (a, b),
                };
                if lo > MAX_REPEAT || hi > MAX_REPEAT {
                    return Err("invalid repeat count".to_string());
                }
            }
            walk(&r.ast, dialect, depth + 1)
        }
        Ast::Group(g) => {
            match &g.kind {
                GroupKind::CaptureName {
                    starts_with_p: false,
                    ..
                } if dialect == Dialect::V2 => {
                    return Err("invalid or unsupported Perl syntax: `(?<`".to_string());
                }
                GroupKind::NonCapturing(flags) => check_flags(flags)?,
                _ => {}
            }
            walk(&g.ast, dialect, depth + 1)
        }
        Ast::Flags(f) => check_flags(&f.flags),
        Ast::Assertion(x) => {
            use ast::AssertionKind as A;
            match x.kind {
                A::StartLine
                | A::EndLine
                | A::StartText
                | A::EndText
                | A::WordBoundary
                | A::NotWordBoundary => Ok(()),
                _ => Err("invalid escape sequence".to_string()),
            }
        }
        Ast::Alternation(x) => x.asts.iter().try_for_each(|a| walk(a, dialect, depth + 1)),
        Ast::Concat(x) => x.asts.iter().try_for_each(|a| walk(a, dialect, depth + 1)),
        _ => Ok(()),
    }
}

fn check_flags(flags: &ast::Flags) -> Result<(), String> {
    for item in &flags.items {
        if let ast::FlagsItemKind::Flag(
            ast::Flag::Unicode | ast::Flag::CRLF | ast::Flag::IgnoreWhitespace,
        ) = item.kind
        {
            return Err("invalid or unsupported Perl syntax: `(?`".to_string());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_accepts_what_rust_rejects() {
        assert!(check(r"\Qa.b(\E+", Dialect::V3).is_ok());
        assert!(check(r"a\Q*", Dialect::V3).is_ok());
    }

    #[test]
    fn go_rejects_what_rust_accepts() {
        assert!(
            check("a**", Dialect::V3)
                .unwrap_err()
                .contains("nested repetition")
        );
        assert!(check("a+*", Dialect::V3).is_err());
        assert!(
            check("x{1001}", Dialect::V3)
                .unwrap_err()
                .contains("repeat count")
        );
        assert!(check("x{2,1001}", Dialect::V3).is_err());
        assert!(check("(?x)a b", Dialect::V3).is_err());
        assert!(check(r"\<a", Dialect::V3).is_err());
        assert!(check("(?<n>a)", Dialect::V2).is_err());
        assert!(check("(?<n>a)", Dialect::V3).is_ok());
        assert!(check("(?P<n>a)", Dialect::V2).is_ok());
    }

    #[test]
    fn both_accept_or_reject() {
        for ok in [
            "5..",
            "a|b",
            "(?i)foo.*",
            "[[:alpha:]]+",
            "x{1000}",
            "a*?",
            r"\d+\.\d+",
            "^api$",
        ] {
            assert!(check(ok, Dialect::V3).is_ok(), "{ok}");
        }
        for bad in ["(", ")", "[a", "*", "a{2,1}", r"\k"] {
            assert!(check(bad, Dialect::V3).is_err(), "{bad}");
        }
        assert_eq!(check("(", Dialect::V2).unwrap_err(), "missing closing )");
    }

    #[test]
    fn empty_matching() {
        assert!(matches_empty(".*"));
        assert!(matches_empty(""));
        assert!(matches_empty("a|"));
        assert!(!matches_empty(".+"));
        assert!(!matches_empty("api"));
    }
}
