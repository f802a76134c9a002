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
    check_parsed(pattern, dialect).map(|_| ())
}

/// [`check`], then [`matches_empty`], parsing `pattern` once when the dialect allows.
///
/// # Errors
///
/// As [`check`].
pub(crate) fn check_matches_empty(pattern: &str, dialect: Dialect) -> Result<bool, String> {
    let (translated, ast) = check_parsed(pattern, dialect)?;
    // `matches_empty` reads the pattern with 3.x semantics.
    Ok(if dialect == Dialect::V3 {
        ast_matches_empty(&translated, &ast)
    } else {
        matches_empty(pattern)
    })
}

/// [`check`], returning the translated pattern and its AST.
fn check_parsed(pattern: &str, dialect: Dialect) -> Result<(String, Ast), String> {
    let translated = translate(pattern, dialect)?;
    let ast = parse_ast(&translated)?;
    walk(&ast, dialect, 0)?;
    if repeat_product_ok(&ast, MAX_REPEAT) {
        Ok((translated, ast))
    } else {
        Err("invalid repeat count".to_string())
    }
}

/// Whether the anchored regex `^(?:pattern)$` can match the empty string (approximation: its
/// shortest match is empty). Unparsable patterns count as not matching.
pub(crate) fn matches_empty(pattern: &str) -> bool {
    let Ok(translated) = translate(pattern, Dialect::V3) else {
        return false;
    };
    let Ok(ast) = parse_ast(&translated) else {
        return false;
    };
    ast_matches_empty(&translated, &ast)
}

fn ast_matches_empty(translated: &str, ast: &Ast) -> bool {
    regex_syntax::hir::translate::Translator::new()
        .translate(translated, ast)
        .map(|hir| hir.properties().minimum_len() == Some(0))
        .unwrap_or(false)
}

/// The top-level structure of a matcher regex, as pint's `promql/regexp` check sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Shape {
    /// No regex metacharacter at all (Go's `regexp.QuoteMeta` leaves it unchanged): a plain
    /// string that `=`/`!=` matches the same way.
    pub(crate) literal: bool,
    /// A `^`/`\A` or `$`/`\z` at the top level, which Prometheus's own anchoring makes redundant.
    pub(crate) anchored: bool,
    /// `Some(has_plus)` when the top level is nothing but `.*`/`.+` (and anchors).
    pub(crate) only_wildcards: Option<bool>,
    /// A literal next to a `*`/`+` repetition after some non-digit literal text: the matcher
    /// picks a substring out of a composite label value.
    pub(crate) smelly: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Item {
    Begin,
    End,
    Lit(char),
    /// `*` (`any`: of `.`).
    Star {
        any: bool,
    },
    /// `+` (`any`: of `.`).
    Plus {
        any: bool,
    },
    Other,
}

/// Go's `regexp.QuoteMeta` characters.
const META: &[char] = &[
    '\\', '.', '+', '*', '?', '(', ')', '|', '[', ']', '{', '}', '^', '$',
];

/// Analyse a matcher regex as Prometheus anchors it (`^(?s:PATTERN)$`). Unparsable patterns yield
/// `None` (the syntax check reports them).
pub(crate) fn shape(pattern: &str) -> Option<Shape> {
    if !pattern.contains(META) {
        return Some(Shape {
            literal: true,
            ..Shape::default()
        });
    }
    let translated = translate(pattern, Dialect::V3).ok()?;
    let ast = parse_ast(&translated).ok()?;
    let mut items = Vec::new();
    flatten(&ast, &mut items);
    let mut out = Shape {
        anchored: items.iter().any(|i| matches!(i, Item::Begin | Item::End)),
        ..Shape::default()
    };
    let reps = items
        .iter()
        .filter(|i| matches!(i, Item::Star { .. } | Item::Plus { .. }))
        .count();
    let only_any = items.iter().all(|i| {
        matches!(
            i,
            Item::Begin | Item::End | Item::Star { any: true } | Item::Plus { any: true }
        )
    });
    if reps > 0 && only_any {
        out.only_wildcards = Some(items.iter().any(|i| matches!(i, Item::Plus { .. })));
    }
    // A literal adjacent to a repetition, once non-digit literal text has been seen.
    let mut last = Item::Begin;
    let mut non_digits = false;
    for &i in &items {
        let rep = |x: Item| matches!(x, Item::Star { .. } | Item::Plus { .. });
        let lit = |x: Item| matches!(x, Item::Lit(_));
        if non_digits && ((lit(i) && rep(last)) || (rep(i) && lit(last))) {
            out.smelly = true;
        }
        if let Item::Lit(c) = i
            && !c.is_numeric()
        {
            non_digits = true;
        }
        last = i;
    }
    Some(out)
}

/// The top-level items of a concatenation; non-capturing groups are transparent as in Go's
/// parser, which flattens them.
fn flatten(a: &Ast, out: &mut Vec<Item>) {
    use ast::AssertionKind as K;
    match a {
        Ast::Concat(c) => c.asts.iter().for_each(|x| flatten(x, out)),
        Ast::Group(g) if matches!(g.kind, GroupKind::NonCapturing(_)) => {
            flatten(&g.ast, out);
        }
        Ast::Empty(_) | Ast::Flags(_) => {}
        Ast::Literal(l) => out.push(Item::Lit(l.c)),
        Ast::Assertion(x) => out.push(match x.kind {
            K::StartLine | K::StartText => Item::Begin,
            K::EndLine | K::EndText => Item::End,
            _ => Item::Other,
        }),
        Ast::Repetition(r) => {
            let any = matches!(*r.ast, Ast::Dot(_));
            out.push(match r.op.kind {
                RepetitionKind::ZeroOrMore => Item::Star { any },
                RepetitionKind::OneOrMore => Item::Plus { any },
                _ => Item::Other,
            });
        }
        _ => out.push(Item::Other),
    }
}

fn parse_ast(p: &str) -> Result<Ast, String> {
    ast::parse::ParserBuilder::new()
        .nest_limit(1000)
        .octal(true)
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

/// Go's Unicode general categories (`unicode.Categories`) and `Any`.
const CATEGORIES: &[&str] = &[
    "Any", "C", "Cc", "Cf", "Co", "Cs", "L", "Ll", "Lm", "Lo", "Lt", "Lu", "M", "Mc", "Me", "Mn",
    "N", "Nd", "Nl", "No", "P", "Pc", "Pd", "Pe", "Pf", "Pi", "Po", "Ps", "S", "Sc", "Sk", "Sm",
    "So", "Z", "Zl", "Zp", "Zs",
];

/// Names Rust knows as properties or long category names but Go does not (Go has only
/// categories and scripts).
const NOT_GO: &[&str] = &[
    "Alphabetic",
    "Emoji",
    "Letter",
    "Number",
    "Uppercase",
    "Lowercase",
    "Math",
    "Dash",
    "Hex_Digit",
    "White_Space",
    "Whitespace",
    "Ideographic",
    "Cased",
    "Punctuation",
    "Symbol",
    "Separator",
    "Mark",
    "Other",
    "Control",
    "Digit",
    "Word",
    "Assigned",
    "Emoji_Presentation",
    "Extended_Pictographic",
    "Uppercase_Letter",
    "Lowercase_Letter",
    "Decimal_Number",
];

/// Go's POSIX class names (`[[:alpha:]]`).
const POSIX: &[&str] = &[
    "alnum", "alpha", "ascii", "blank", "cntrl", "digit", "graph", "lower", "print", "punct",
    "space", "upper", "word", "xdigit",
];

/// Whether `name` is a Unicode class Go accepts: a category, or a script-like name
/// (`Greek`, `Old_Italic`).
fn go_unicode_class(name: &str) -> bool {
    let name = name.strip_prefix('^').unwrap_or(name);
    if CATEGORIES.contains(&name) {
        return true;
    }
    let script_like = name.split('_').all(|w| {
        let mut c = w.chars();
        c.next().is_some_and(|f| f.is_ascii_uppercase()) && c.all(|x| x.is_ascii_lowercase())
    });
    script_like && !NOT_GO.contains(&name)
}

/// Translate Go syntax into the equivalent `regex-syntax` input, rejecting what Go rejects and
/// `regex-syntax` would accept at this level: `\Q…\E` quoting, `\<`/`\>` as literals, `(?)`,
/// named groups (Go allows duplicate names before 1.22 and names starting with a digit), a `{`
/// that does not start a repeat, octal and `\u` escapes, class syntax (`[:name:]`, `-` after
/// `\d`, Rust's `--`/`&&`/`~~` set operators), Unicode class names.
fn translate(p: &str, dialect: Dialect) -> Result<String, String> {
    let chars: Vec<char> = p.chars().collect();
    let mut out = String::with_capacity(p.len() + 8);
    let mut names: Vec<String> = Vec::new();
    let mut i = 0;
    let mut in_class = false;
    // Inside a class: whether the previous item was a class escape like `\d` (then `-` is literal).
    let mut prev_was_class_escape = false;
    let at = |k: usize| chars.get(k).copied();
    while let Some(c) = at(i) {
        if c == '\\' {
            let Some(n) = at(i + 1) else {
                return Err("trailing backslash at end of expression".to_string());
            };
            match n {
                'Q' if !in_class => {
                    let mut lit = String::new();
                    i += 2;
                    let mut closed = false;
                    while let Some(d) = at(i) {
                        if d == '\\' && at(i + 1) == Some('E') {
                            i += 2;
                            closed = true;
                            break;
                        }
                        lit.push(d);
                        i += 1;
                    }
                    if !closed {
                        // Prometheus compiles `^(?:RE)$`: an open `\Q` quotes the closing `)`.
                        return Err("missing closing )".to_string());
                    }
                    out.push_str(&regex_syntax::escape(&lit));
                    continue;
                }
                '<' | '>' => {
                    // Go: an escaped punctuation character is itself (Rust: word boundaries).
                    out.push(n);
                    i += 2;
                    prev_was_class_escape = false;
                    continue;
                }
                'u' | 'U' | 'e' | 'c' | 'h' | 'R' | 'X' | 'K' | 'N' | 'Z' => {
                    return Err(format!("invalid escape sequence: `\\{n}`"));
                }
                '1'..='7' if !at(i + 2).is_some_and(|d| ('0'..='7').contains(&d)) => {
                    return Err(format!("invalid escape sequence: `\\{n}`"));
                }
                '8' | '9' => return Err(format!("invalid escape sequence: `\\{n}`")),
                'p' | 'P' => {
                    let (name, len) = if at(i + 2) == Some('{') {
                        let close = chars.iter().skip(i + 3).position(|&x| x == '}');
                        let Some(close) = close else {
                            return Err("invalid character class range".to_string());
                        };
                        (
                            chars[i + 3..i + 3 + close].iter().collect::<String>(),
                            close + 4,
                        )
                    } else {
                        (at(i + 2).map(String::from).unwrap_or_default(), 3)
                    };
                    if !go_unicode_class(&name) {
                        return Err(format!("invalid character class range: `\\{n}{{{name}}}`"));
                    }
                    out.extend(chars[i..(i + len).min(chars.len())].iter());
                    i += len;
                    prev_was_class_escape = true;
                    continue;
                }
                'x' if at(i + 2) == Some('{') => {
                    let close = chars.iter().skip(i + 3).position(|&x| x == '}');
                    let Some(close) = close else {
                        return Err("invalid escape sequence: `\\x{`".to_string());
                    };
                    out.extend(chars[i..i + close + 4].iter());
                    i += close + 4;
                    prev_was_class_escape = false;
                    continue;
                }
                'd' | 'D' | 'w' | 'W' | 's' | 'S' => {
                    out.push('\\');
                    out.push(n);
                    i += 2;
                    prev_was_class_escape = true;
                    continue;
                }
                _ => {
                    out.push('\\');
                    out.push(n);
                    i += 2;
                    prev_was_class_escape = false;
                    continue;
                }
            }
        }
        if in_class {
            match c {
                ']' => {
                    in_class = false;
                    out.push(c);
                }
                '[' if at(i + 1) == Some(':') => {
                    let rest: String = chars[i + 2..].iter().collect();
                    let Some(end) = rest.find(":]") else {
                        return Err("missing closing ]".to_string());
                    };
                    let name = rest.get(..end).unwrap_or("");
                    if !POSIX.contains(&name.strip_prefix('^').unwrap_or(name)) {
                        return Err(format!("invalid character class range: `[:{name}:]`"));
                    }
                    let len = 2 + name.chars().count() + 2;
                    out.extend(chars[i..i + len].iter());
                    i += len;
                    prev_was_class_escape = true;
                    continue;
                }
                '[' => out.push_str("\\["),
                '-' if prev_was_class_escape => out.push_str("\\-"),
                '-' if at(i + 1) == Some('-') => {
                    out.push_str("-\\-");
                    i += 2;
                    prev_was_class_escape = false;
                    continue;
                }
                '&' | '~' => {
                    out.push('\\');
                    out.push(c);
                }
                _ => out.push(c),
            }
            prev_was_class_escape = false;
            i += 1;
            continue;
        }
        match c {
            '[' => {
                in_class = true;
                out.push('[');
                i += 1;
                // A leading `^` and a leading `]` are part of the class syntax.
                if at(i) == Some('^') {
                    out.push('^');
                    i += 1;
                }
                if at(i) == Some(']') {
                    out.push_str("\\]");
                    i += 1;
                }
                prev_was_class_escape = false;
                continue;
            }
            '(' if at(i + 1) == Some('?') && at(i + 2) == Some(')') => {
                out.push_str("(?:");
                i += 2;
                continue;
            }
            '(' if at(i + 1) == Some('?')
                && (at(i + 2) == Some('<') && !matches!(at(i + 3), Some('=' | '!'))
                    || at(i + 2) == Some('P') && at(i + 3) == Some('<')) =>
            {
                let start = if at(i + 2) == Some('P') { i + 4 } else { i + 3 };
                if at(i + 2) == Some('<') && dialect == Dialect::V2 {
                    return Err("invalid or unsupported Perl syntax: `(?<`".to_string());
                }
                let close = chars.iter().skip(start).position(|&x| x == '>');
                let Some(close) = close else {
                    return Err("invalid named capture".to_string());
                };
                let name: String = chars[start..start + close].iter().collect();
                if name.is_empty() || !name.chars().all(|x| x.is_ascii_alphanumeric() || x == '_') {
                    return Err(format!("invalid named capture: `{name}`"));
                }
                if dialect == Dialect::V3 && names.contains(&name) {
                    return Err(format!("duplicate capture group name: `{name}`"));
                }
                names.push(name);
                out.push('(');
                i = start + close + 1;
                continue;
            }
            '{' => {
                // Go reads `{` as a literal unless it starts `{n}`, `{n,}` or `{n,m}`.
                let rest: String = chars[i + 1..].iter().take(24).collect();
                let body = rest
                    .find('}')
                    .and_then(|end| rest.get(..end))
                    .filter(|body| {
                        let (lo, hi) = body.split_once(',').unwrap_or((body, "0"));
                        !lo.is_empty()
                            && lo.bytes().all(|b| b.is_ascii_digit())
                            && hi.bytes().all(|b| b.is_ascii_digit())
                    });
                if let Some(body) = body {
                    out.push('{');
                    out.push_str(body);
                    out.push('}');
                    i += body.len() + 2;
                    continue;
                }
                out.push_str("\\{");
            }
            '}' => out.push_str("\\}"),
            _ => out.push(c),
        }
        i += 1;
    }
    Ok(out)
}

/// Go's `repeatIsValid`: nested counted repetitions may not exceed 1000 in product.
fn repeat_product_ok(a: &Ast, n: u32) -> bool {
    match a {
        Ast::Repetition(r) => {
            let mut n = n;
            if let RepetitionKind::Range(range) = &r.op.kind {
                let m = match *range {
                    RepetitionRange::Exactly(x) | RepetitionRange::AtLeast(x) => x,
                    RepetitionRange::Bounded(_, y) => y,
                };
                if m > n {
                    return false;
                }
                n = n.checked_div(m).unwrap_or(n);
            }
            repeat_product_ok(&r.ast, n)
        }
        Ast::Group(g) => repeat_product_ok(&g.ast, n),
        Ast::Alternation(x) => x.asts.iter().all(|a| repeat_product_ok(a, n)),
        Ast::Concat(x) => x.asts.iter().all(|a| repeat_product_ok(a, n)),
        _ => true,
    }
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
    fn shapes_as_pint_sees_them() {
        let s = |p: &str| shape(p).unwrap_or_default();
        assert!(s("foo").literal && s("").literal && s("a-b,c@d").literal);
        assert!(!s("foo|bar").literal && !s("5..").literal);
        assert!(s("^foo$").anchored && s("^foo").anchored && s("foo$").anchored);
        assert!(!s("foo|^bar").anchored && !s("a\\$").anchored);
        assert_eq!(s(".*").only_wildcards, Some(false));
        assert_eq!(s("^.*$").only_wildcards, Some(false));
        assert_eq!(s(".+").only_wildcards, Some(true));
        assert_eq!(s("(?:.*)").only_wildcards, Some(false));
        assert_eq!(s("a*").only_wildcards, None);
        assert_eq!(s("(.*)").only_wildcards, None);
        assert_eq!(s("foo.*").only_wildcards, None);
        assert!(s("myservice_.+_production").smelly);
        assert!(s("foo.*").smelly && s(".*foo.*").smelly);
        assert!(!s(".*foo").smelly && !s("5.+").smelly && !s("5..").smelly);
        assert!(!s("foo|bar.*").smelly && !s("foo").smelly);
        assert_eq!(shape("(unclosed"), None);
    }

    #[test]
    fn go_accepts_what_rust_rejects() {
        assert!(check(r"\Qa.b(\E+", Dialect::V3).is_ok());
        assert!(check(r"a\Q*\E", Dialect::V3).is_ok());
        // Prometheus compiles `^(?:RE)$`, so an open `\Q` swallows the closing parenthesis.
        assert!(check(r"a\Q*", Dialect::V3).is_err());
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
    fn go_and_rust_corner_cases() {
        // Measured with promtool 2.42 (Go 1.19).
        for ok in [
            r"\x{10FFFF}",
            r"a{,5}",
            r"\0",
            r"\012",
            r"[\d-z]",
            r"\<",
            "(?)",
            "(?P<n>a)(?P<n>b)",
            "(?P<1a>x)",
            r"\pL",
            r"\p{Greek}",
            "a{",
            "}",
        ] {
            assert!(
                check(ok, Dialect::V2).is_ok(),
                "{ok}: {:?}",
                check(ok, Dialect::V2)
            );
        }
        for bad in [
            "(a{500}){3}",
            "(a{100}){100}",
            r"\p{Emoji}",
            "[a--b]",
            r"\u0041",
            "[[:foo:]]",
            r"\p{ASCII}",
            r"\1",
            r"\8",
        ] {
            assert!(check(bad, Dialect::V2).is_err(), "{bad}");
        }
        assert!(check("(?P<n>a)(?P<n>b)", Dialect::V3).is_err());
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
