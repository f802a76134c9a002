//! Go `text/template` syntax checking for alert labels and annotations, as Prometheus does it.
//!
//! Prometheus prefixes every alert template with
//! `{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}`
//! and parses it with its function map. Parsing catches syntax errors, unknown functions and
//! undefined variables (not missing fields or templates). Messages follow Go's wording.

use crate::dialect::Dialect;

/// Go's built-in template functions.
const BUILTINS: &[&str] = &[
    "and", "call", "html", "index", "slice", "js", "len", "not", "or", "print", "printf",
    "println", "urlquery", "eq", "ge", "gt", "le", "lt", "ne",
];

/// Prometheus 2.42's template functions (measured with promtool 2.42).
const PROMETHEUS_FUNCS: &[&str] = &[
    "query",
    "first",
    "label",
    "value",
    "strvalue",
    "args",
    "reReplaceAll",
    "safeHtml",
    "match",
    "title",
    "toUpper",
    "toLower",
    "graphLink",
    "tableLink",
    "sortByLabel",
    "humanize",
    "humanize1024",
    "humanizeDuration",
    "humanizePercentage",
    "humanizeTimestamp",
    "toTime",
    "pathPrefix",
    "externalURL",
    "parseDuration",
    "stripPort",
    "stripDomain",
];

/// Added in Prometheus 3.
const PROMETHEUS3_FUNCS: &[&str] = &["toDuration", "now"];

/// A template syntax error: Go's message and the byte offset in the template text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TemplateError {
    pub(crate) offset: usize,
    pub(crate) line: usize,
    pub(crate) message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum T {
    Text,
    LeftDelim,
    RightDelim,
    Space,
    Field,
    Dot,
    Variable,
    Ident,
    Keyword,
    Str,
    Number,
    CharConst,
    Bool,
    Nil,
    Pipe,
    Declare,
    Assign,
    LParen,
    RParen,
    Char,
    /// A lexical error; the parser reports it when it gets there.
    Error,
    Eof,
}

#[derive(Debug, Clone, Copy)]
struct Item<'a> {
    t: T,
    val: &'a str,
    pos: usize,
}

impl Item<'_> {
    /// Go's `item.String()`.
    fn describe(&self) -> String {
        match self.t {
            T::Eof => "EOF".to_string(),
            T::Keyword => format!("<{}>", self.val),
            _ if self.val.chars().count() > 10 => {
                let short: String = self.val.chars().take(10).collect();
                format!("{short:?}...")
            }
            _ => format!("{:?}", self.val),
        }
    }
}

/// Deeper nesting of parentheses and control structures is rejected (Go has no limit, but no
/// real template comes close).
const MAX_NESTING: usize = 500;

const KEYWORDS: &[&str] = &[
    "block", "break", "continue", "define", "else", "end", "if", "range", "template", "with",
];

/// Lex the whole template. A lexical error ends the items with [`T::Error`]; like Go's lexer,
/// which runs ahead of the parser only as far as needed, errors in earlier tokens win.
fn lex(src: &str) -> (Vec<Item<'_>>, Option<(usize, String)>) {
    let mut out = Vec::new();
    match lex_into(src, &mut out) {
        Ok(()) => (out, None),
        Err((pos, msg)) => {
            out.push(Item {
                t: T::Error,
                val: "",
                pos,
            });
            (out, Some((pos, msg)))
        }
    }
}

fn lex_into<'a>(src: &'a str, out: &mut Vec<Item<'a>>) -> Result<(), (usize, String)> {
    let b = src.as_bytes();
    let mut i = 0;
    loop {
        // Text up to the next `{{`.
        let Some(off) = src.get(i..).and_then(|s| s.find("{{")) else {
            if i < b.len() {
                out.push(Item {
                    t: T::Text,
                    val: src.get(i..).unwrap_or(""),
                    pos: i,
                });
            }
            out.push(Item {
                t: T::Eof,
                val: "",
                pos: b.len(),
            });
            return Ok(());
        };
        let ld = i + off;
        if ld > i {
            out.push(Item {
                t: T::Text,
                val: src.get(i..ld).unwrap_or(""),
                pos: i,
            });
        }
        i = ld + 2;
        // Trim marker `{{- `.
        if b.get(i) == Some(&b'-')
            && b.get(i + 1)
                .is_some_and(|c| matches!(c, b' ' | b'\t' | b'\n' | b'\r'))
        {
            i += 2;
        }
        // Comment.
        if src.get(i..).is_some_and(|s| s.starts_with("/*")) {
            let Some(end) = src.get(i + 2..).and_then(|s| s.find("*/")) else {
                return Err((ld, "unclosed comment".to_string()));
            };
            let mut j = i + 2 + end + 2;
            if src.get(j..).is_some_and(|s| s.starts_with(" -}}")) {
                j += 4;
            } else if src.get(j..).is_some_and(|s| s.starts_with("}}")) {
                j += 2;
            } else {
                return Err((ld, "comment ends before closing delimiter".to_string()));
            }
            i = j;
            continue;
        }
        out.push(Item {
            t: T::LeftDelim,
            val: "{{",
            pos: ld,
        });
        // Inside the action.
        loop {
            if src.get(i..).is_some_and(|s| {
                s.starts_with(" -}}") || s.starts_with("\t-}}") || s.starts_with("\n-}}")
            }) {
                out.push(Item {
                    t: T::RightDelim,
                    val: "}}",
                    pos: i + 2,
                });
                i += 4;
                break;
            }
            if src.get(i..).is_some_and(|s| s.starts_with("}}")) {
                out.push(Item {
                    t: T::RightDelim,
                    val: "}}",
                    pos: i,
                });
                i += 2;
                break;
            }
            let Some(&c) = b.get(i) else {
                return Err((i, "unclosed action".to_string()));
            };
            let start = i;
            let t = match c {
                b' ' | b'\t' | b'\r' | b'\n' => {
                    while b
                        .get(i)
                        .is_some_and(|c| matches!(c, b' ' | b'\t' | b'\r' | b'\n'))
                        && !src.get(i..).is_some_and(|s| s.starts_with(" -}}"))
                    {
                        i += 1;
                    }
                    T::Space
                }
                b'=' => {
                    i += 1;
                    T::Assign
                }
                b':' => {
                    if b.get(i + 1) != Some(&b'=') {
                        return Err((i, "expected :=".to_string()));
                    }
                    i += 2;
                    T::Declare
                }
                b'|' => {
                    i += 1;
                    T::Pipe
                }
                b'(' => {
                    i += 1;
                    T::LParen
                }
                b')' => {
                    i += 1;
                    T::RParen
                }
                b'"' => {
                    i += 1;
                    loop {
                        match b.get(i) {
                            Some(b'\\') => i += 2,
                            Some(b'"') => {
                                i += 1;
                                break;
                            }
                            Some(b'\n') | None => {
                                return Err((start, "unterminated quoted string".to_string()));
                            }
                            Some(_) => i += 1,
                        }
                    }
                    T::Str
                }
                b'`' => {
                    let Some(end) = src.get(i + 1..).and_then(|s| s.find('`')) else {
                        return Err((start, "unterminated raw quoted string".to_string()));
                    };
                    i += end + 2;
                    T::Str
                }
                b'\'' => {
                    i += 1;
                    loop {
                        match b.get(i) {
                            Some(b'\\') => i += 2,
                            Some(b'\'') => {
                                i += 1;
                                break;
                            }
                            Some(b'\n') | None => {
                                return Err((start, "unterminated character constant".to_string()));
                            }
                            Some(_) => i += 1,
                        }
                    }
                    T::CharConst
                }
                b'$' => {
                    i += 1;
                    i += ident_len(b, i);
                    T::Variable
                }
                b'.' if b
                    .get(i + 1)
                    .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c >= 0x80) =>
                {
                    i += 1;
                    i += ident_len(b, i);
                    T::Field
                }
                b'.' => {
                    i += 1;
                    T::Dot
                }
                b'+' | b'-' | b'0'..=b'9' => {
                    i += 1;
                    while b.get(i).is_some_and(|c| {
                        c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'+' | b'-')
                    }) {
                        i += 1;
                    }
                    T::Number
                }
                c if c.is_ascii_alphabetic() || c == b'_' || c >= 0x80 => {
                    i += ident_len(b, i);
                    let word = src.get(start..i).unwrap_or("");
                    if KEYWORDS.contains(&word) {
                        T::Keyword
                    } else if word == "true" || word == "false" {
                        T::Bool
                    } else if word == "nil" {
                        T::Nil
                    } else {
                        T::Ident
                    }
                }
                c if c.is_ascii_graphic() => {
                    i += 1;
                    T::Char
                }
                _ => {
                    let ch = src
                        .get(i..)
                        .and_then(|s| s.chars().next())
                        .unwrap_or('\u{fffd}');
                    return Err((
                        i,
                        format!("unrecognized character in action: U+{:04X}", ch as u32),
                    ));
                }
            };
            out.push(Item {
                t,
                val: src.get(start..i).unwrap_or(""),
                pos: start,
            });
            // Field chains like `$x.a.b` or `.a.b` continue without a separator.
            while matches!(t, T::Variable | T::Field | T::RParen)
                && b.get(i) == Some(&b'.')
                && b.get(i + 1)
                    .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
            {
                let s = i;
                i += 1;
                i += ident_len(b, i);
                out.push(Item {
                    t: T::Field,
                    val: src.get(s..i).unwrap_or(""),
                    pos: s,
                });
            }
        }
        // Trailing trim marker removes following spaces, which does not matter for parsing.
    }
}

fn ident_len(b: &[u8], i: usize) -> usize {
    b.get(i..).map_or(0, |s| {
        s.iter()
            .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_' || **c >= 0x80)
            .count()
    })
}

struct Parser<'a> {
    items: Vec<Item<'a>>,
    lex_error: Option<(usize, String)>,
    i: usize,
    vars: Vec<String>,
    dialect: Dialect,
    range_depth: usize,
    /// Current nesting of pipelines and control structures (bounded to protect the stack).
    nesting: usize,
}

type R<T> = Result<T, (usize, String)>;

/// Parse `text` as an alert template. `Err` carries Go's message and the byte offset.
pub(crate) fn check(text: &str, dialect: Dialect) -> Result<(), TemplateError> {
    if !text.contains("{{") {
        return Ok(());
    }
    let (items, lex_error) = lex(text);
    let result = {
        let mut p = Parser {
            items,
            lex_error,
            i: 0,
            vars: ["$", "$labels", "$externalLabels", "$externalURL", "$value"]
                .iter()
                .map(|s| (*s).to_string())
                .collect(),
            dialect,
            range_depth: 0,
            nesting: 0,
        };
        p.top()
    };
    result.map_err(|(offset, message)| TemplateError {
        offset,
        line: 1 + text.get(..offset).map_or(0, |s| s.matches('\n').count()),
        message,
    })
}

/// What an alert template reads from the alert, for the lint checks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Refs {
    /// Labels read with `$labels.x` or `.Labels.x` (or an alias of either), with their offset.
    pub(crate) labels: Vec<(String, usize)>,
    /// Offsets where an output action uses the value (`$value`, `.Value` or an alias), and
    /// whether that action formats it (a humanize function or printf).
    pub(crate) values: Vec<(usize, bool)>,
    /// PromQL passed to the `query` function, with the offset of its first character.
    pub(crate) queries: Vec<(String, usize)>,
    /// `label "x"` reads from a query result: (index in `queries`, label, offset of the name).
    pub(crate) query_labels: Vec<(usize, String, usize)>,
}

const FORMATTERS: &[&str] = &[
    "humanize",
    "humanize1024",
    "humanizePercentage",
    "humanizeDuration",
    "printf",
];

/// What `text` reads from the alert. `None` when it does not lex (the syntax check reports it).
pub(crate) fn refs(text: &str) -> Option<Refs> {
    let mut out = Refs::default();
    if !text.contains("{{") {
        return Some(out);
    }
    let (items, err) = lex(text);
    if err.is_some() {
        return None;
    }
    let mut label_vars: Vec<&str> = vec!["$labels"];
    let mut value_vars: Vec<&str> = vec!["$value"];
    // Open blocks: whether the block rebinds the dot (range, with), and the query it ranges
    // over (`with query "..."`).
    let mut blocks: Vec<(bool, Option<usize>)> = Vec::new();
    let mut i = 0;
    while i < items.len() {
        if items.get(i).map(|it| it.t) != Some(T::LeftDelim) {
            i += 1;
            continue;
        }
        let start = i + 1;
        let mut end = start;
        while items
            .get(end)
            .is_some_and(|it| !matches!(it.t, T::RightDelim | T::Eof))
        {
            end += 1;
        }
        let action: Vec<Item<'_>> = items
            .get(start..end)
            .unwrap_or(&[])
            .iter()
            .filter(|it| it.t != T::Space)
            .copied()
            .collect();
        i = end + 1;
        let dot_rebound = blocks.iter().any(|b| b.0);
        let first = action.first().copied();
        let keyword = first.filter(|f| f.t == T::Keyword).map(|f| f.val);
        // Queries of this action, and `label "x"` reads.
        let mut action_query = None;
        for (k, it) in action.iter().enumerate() {
            let arg = action.get(k + 1).filter(|n| n.t == T::Str);
            match (it.t, it.val, arg) {
                (T::Ident, "query", Some(q)) => {
                    if let Some(text) = crate::promql::unquote(q.val) {
                        action_query = Some(out.queries.len());
                        out.queries.push((text, q.pos + 1));
                    }
                }
                (T::Ident, "label", Some(l)) => {
                    let from = action_query.or_else(|| blocks.iter().rev().find_map(|b| b.1));
                    if let (Some(qi), Some(name)) = (from, crate::promql::unquote(l.val)) {
                        out.query_labels.push((qi, name, l.pos + 1));
                    }
                }
                _ => {}
            }
        }
        match keyword {
            Some("if") => blocks.push((false, None)),
            Some("range" | "with") => blocks.push((true, action_query)),
            Some("define" | "block") => blocks.push((true, None)),
            Some("end") => {
                blocks.pop();
            }
            _ => {}
        }
        let is_decl = action.len() >= 2
            && first.is_some_and(|f| f.t == T::Variable)
            && action
                .get(1)
                .is_some_and(|d| matches!(d.t, T::Declare | T::Assign));
        // `$x := <operand>`: an alias.
        if is_decl
            && action.len() == 3
            && let (Some(var), Some(src)) = (first, action.get(2))
        {
            let is = |names: &[&str], f: &str| {
                names.contains(&src.val) || (src.val == f && !dot_rebound)
            };
            if is(&label_vars, ".Labels") {
                label_vars.push(var.val);
            } else if is(&value_vars, ".Value") {
                value_vars.push(var.val);
            }
        }
        let mut uses_value = None;
        for (k, it) in action.iter().enumerate() {
            let next = action.get(k + 1).filter(|n| n.t == T::Field);
            let prev_field = k > 0
                && action
                    .get(k - 1)
                    .is_some_and(|p| p.t == T::Field || p.t == T::Variable);
            match it.t {
                T::Variable if label_vars.contains(&it.val) => {
                    if let Some(n) = next {
                        out.labels
                            .push((n.val.trim_start_matches('.').to_string(), n.pos + 1));
                    }
                }
                T::Field if it.val == ".Labels" && !dot_rebound && !prev_field => {
                    if let Some(n) = next {
                        out.labels
                            .push((n.val.trim_start_matches('.').to_string(), n.pos + 1));
                    }
                }
                T::Variable if value_vars.contains(&it.val) => {
                    uses_value.get_or_insert(it.pos);
                }
                T::Field if it.val == ".Value" && !dot_rebound && !prev_field => {
                    uses_value.get_or_insert(it.pos);
                }
                _ => {}
            }
        }
        if let Some(pos) = uses_value
            && keyword.is_none()
            && !is_decl
        {
            let formatted = action
                .iter()
                .any(|it| it.t == T::Ident && FORMATTERS.contains(&it.val));
            out.values.push((pos, formatted));
        }
    }
    Some(out)
}

/// How a list ended.
#[derive(PartialEq, Eq)]
enum Stop {
    Eof,
    End,
    Else,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Item<'a> {
        self.items.get(self.i).copied().unwrap_or(Item {
            t: T::Eof,
            val: "",
            pos: 0,
        })
    }

    fn next(&mut self) -> Item<'a> {
        let it = self.peek();
        if self.i < self.items.len() {
            self.i += 1;
        }
        it
    }

    fn next_non_space(&mut self) -> Item<'a> {
        loop {
            let it = self.next();
            if it.t != T::Space {
                return it;
            }
        }
    }

    fn peek_non_space(&mut self) -> Item<'a> {
        let save = self.i;
        let it = self.next_non_space();
        self.i = save;
        it
    }

    fn unexpected<T2>(&self, it: Item<'_>, context: &str) -> R<T2> {
        if it.t == T::Error {
            return Err(self
                .lex_error
                .clone()
                .unwrap_or((it.pos, "lexical error".to_string())));
        }
        Err((it.pos, format!("unexpected {} in {context}", it.describe())))
    }

    fn top(&mut self) -> R<()> {
        match self.list()? {
            (Stop::Eof, _) => Ok(()),
            (_, it) => Err((it.pos, format!("unexpected {{{{{}}}}}", it.val))),
        }
    }

    /// Parse text and actions until EOF, `{{end}}` or `{{else}}`.
    fn list(&mut self) -> R<(Stop, Item<'a>)> {
        loop {
            let it = self.next();
            match it.t {
                T::Eof => return Ok((Stop::Eof, it)),
                T::Text => {}
                T::LeftDelim => {
                    let kw = self.peek_non_space();
                    if kw.t == T::Keyword && (kw.val == "end" || kw.val == "else") {
                        self.next_non_space();
                        return Ok((
                            if kw.val == "end" {
                                Stop::End
                            } else {
                                Stop::Else
                            },
                            kw,
                        ));
                    }
                    self.action()?;
                }
                _ => return self.unexpected(it, "input"),
            }
        }
    }

    fn action(&mut self) -> R<()> {
        self.nesting += 1;
        let r = self.action_inner();
        self.nesting -= 1;
        r
    }

    fn action_inner(&mut self) -> R<()> {
        if self.nesting > MAX_NESTING {
            let it = self.peek();
            return Err((it.pos, "template nests too deeply".to_string()));
        }
        let it = self.next_non_space();
        if it.t == T::Keyword {
            return match it.val {
                "if" | "with" => self.control(it.val),
                "range" => {
                    self.range_depth += 1;
                    let r = self.control("range");
                    self.range_depth -= 1;
                    r
                }
                "define" | "block" => {
                    let name = self.next_non_space();
                    if name.t != T::Str {
                        return self.unexpected(name, it.val);
                    }
                    if it.val == "block" {
                        self.pipeline("block", true)?;
                    } else {
                        self.expect_right(it.val)?;
                    }
                    let saved = std::mem::replace(&mut self.vars, vec!["$".to_string()]);
                    let r = self.list();
                    self.vars = saved;
                    match r? {
                        (Stop::End, _) => self.expect_right("end"),
                        (_, e) => self.unexpected(e, it.val),
                    }
                }
                "template" => {
                    let name = self.next_non_space();
                    if name.t != T::Str {
                        return self.unexpected(name, "template clause");
                    }
                    if self.peek_non_space().t == T::RightDelim {
                        self.next_non_space();
                        Ok(())
                    } else {
                        self.pipeline("template", true)
                    }
                }
                "break" | "continue" => {
                    if self.range_depth == 0 {
                        return Err((it.pos, format!("{{{{{}}}}} outside {{{{range}}}}", it.val)));
                    }
                    self.expect_right(it.val)
                }
                _ => self.unexpected(it, "command"),
            };
        }
        self.i -= 1;
        self.pipeline("command", true)
    }

    fn expect_right(&mut self, context: &str) -> R<()> {
        let it = self.next_non_space();
        if it.t == T::RightDelim {
            Ok(())
        } else {
            self.unexpected(it, context)
        }
    }

    /// `if`/`with`/`range`: pipeline, list, optional else (or `else if`), end.
    fn control(&mut self, context: &str) -> R<()> {
        let depth = self.vars.len();
        self.pipeline(context, true)?;
        let mut result = self.list();
        loop {
            match result? {
                (Stop::End, _) => {
                    self.vars.truncate(depth);
                    return self.expect_right("end");
                }
                (Stop::Else, _) => {
                    let next = self.peek_non_space();
                    // `{{else with}}` needs Go 1.23 (Prometheus 3); `{{else if}}` is older.
                    let chain =
                        next.val == "if" || (next.val == "with" && self.dialect == Dialect::V3);
                    if next.t == T::Keyword && chain {
                        // `{{else if …}}` chains into a nested control that shares the `{{end}}`.
                        self.next_non_space();
                        self.pipeline(next.val, true)?;
                        result = self.list();
                        continue;
                    }
                    self.expect_right("else")?;
                    match self.list()? {
                        (Stop::End, _) => {
                            self.vars.truncate(depth);
                            return self.expect_right("end");
                        }
                        (_, it) => return Err((it.pos, "unexpected EOF".to_string())),
                    }
                }
                (Stop::Eof, it) => return Err((it.pos, "unexpected EOF".to_string())),
            }
        }
    }

    /// A pipeline ending at `}}` (or `)` when `delim` is false).
    fn pipeline(&mut self, context: &str, delim: bool) -> R<()> {
        self.nesting += 1;
        let r = self.pipeline_inner(context, delim);
        self.nesting -= 1;
        r
    }

    fn pipeline_inner(&mut self, context: &str, delim: bool) -> R<()> {
        if self.nesting > MAX_NESTING {
            let it = self.peek();
            return Err((it.pos, "template nests too deeply".to_string()));
        }
        // Declarations: `$x :=`, `$x =`, `$i, $e :=` (range).
        let save = self.i;
        let v = self.next_non_space();
        if v.t == T::Variable {
            let after = self.peek_non_space();
            if after.t == T::Declare || after.t == T::Assign {
                self.next_non_space();
                self.vars.push(v.val.to_string());
            } else if after.t == T::Char && after.val == "," && context == "range" {
                self.next_non_space();
                let v2 = self.next_non_space();
                let op = self.next_non_space();
                if v2.t != T::Variable || !matches!(op.t, T::Declare | T::Assign) {
                    return Err((v2.pos, "range can only initialize variables".to_string()));
                }
                self.vars.push(v.val.to_string());
                self.vars.push(v2.val.to_string());
            } else {
                self.i = save;
            }
        } else {
            self.i = save;
        }
        let end = if delim { T::RightDelim } else { T::RParen };
        let mut cmds = 0usize;
        loop {
            let it = self.next_non_space();
            if it.t == end {
                if cmds == 0 {
                    return Err((it.pos, format!("missing value for {context}")));
                }
                return Ok(());
            }
            match it.t {
                T::Bool
                | T::CharConst
                | T::Dot
                | T::Field
                | T::Ident
                | T::Number
                | T::Nil
                | T::Str
                | T::Variable
                | T::LParen => {
                    self.i -= 1;
                    self.command()?;
                    cmds += 1;
                    if cmds > 1
                        && matches!(
                            it.t,
                            T::Bool | T::CharConst | T::Dot | T::Number | T::Nil | T::Str
                        )
                    {
                        return Err((
                            it.pos,
                            format!("non executable command in pipeline stage {cmds}"),
                        ));
                    }
                }
                _ => return self.unexpected(it, context),
            }
        }
    }

    fn command(&mut self) -> R<()> {
        let mut args = 0usize;
        loop {
            self.peek_non_space();
            if self.operand()? {
                args += 1;
            }
            let it = self.next();
            match it.t {
                T::Space => continue,
                T::RightDelim | T::RParen => {
                    self.i -= 1;
                }
                T::Pipe => {}
                _ => return self.unexpected(it, "operand"),
            }
            break;
        }
        if args == 0 {
            let it = self.peek();
            return Err((it.pos, "empty command".to_string()));
        }
        Ok(())
    }

    /// One operand (term plus field chain). `Ok(false)` if there is none here.
    fn operand(&mut self) -> R<bool> {
        // Skip spaces, as Go's peekNonSpace does before `operand`.
        while self.peek().t == T::Space {
            self.next();
        }
        let it = self.next();
        match it.t {
            T::Ident => {
                let known = BUILTINS.contains(&it.val)
                    || PROMETHEUS_FUNCS.contains(&it.val)
                    || (self.dialect == Dialect::V3 && PROMETHEUS3_FUNCS.contains(&it.val));
                if !known {
                    return Err((it.pos, format!("function {:?} not defined", it.val)));
                }
            }
            T::Variable => {
                if !self.vars.iter().any(|v| v == it.val) {
                    return Err((it.pos, format!("undefined variable {:?}", it.val)));
                }
            }
            T::Number => {
                if !valid_number(it.val) {
                    return Err((it.pos, format!("bad number syntax: {:?}", it.val)));
                }
            }
            T::CharConst => {
                let inner = it.val.get(1..it.val.len().saturating_sub(1)).unwrap_or("");
                let single = inner.chars().count() == 1
                    || (inner.starts_with('\\')
                        && crate::promql::unquote(&format!("\"{inner}\""))
                            .is_some_and(|u| u.chars().count() == 1));
                if !single {
                    return Err((it.pos, format!("malformed character constant: {}", it.val)));
                }
            }
            T::Dot | T::Field | T::Nil | T::Bool | T::Str => {}
            T::LParen => {
                self.pipeline("parenthesized pipeline", false)?;
            }
            _ => {
                self.i -= 1;
                return Ok(false);
            }
        }
        if self.peek().t == T::Field
            && matches!(
                it.t,
                T::Dot | T::Bool | T::Str | T::CharConst | T::Number | T::Nil
            )
        {
            return Err((
                self.peek().pos,
                format!("unexpected . after term {:?}", it.val),
            ));
        }
        while self.peek().t == T::Field {
            self.next();
        }
        Ok(true)
    }
}

fn valid_number(s: &str) -> bool {
    let t = s.trim_start_matches(['+', '-']);
    if let Some(hex) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        return !hex.is_empty() && hex.chars().all(|c| c.is_ascii_hexdigit() || c == '_');
    }
    t.replace('_', "").parse::<f64>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(s: &str) -> String {
        check(s, Dialect::V3).unwrap_err().message
    }

    #[test]
    fn accepts_prometheus_templates() {
        for ok in [
            "plain text",
            "{{ $labels.instance }} of {{ $labels.job }}",
            "{{ $value | humanize }}",
            "{{ $.labels.service }}",
            "{{ query \"up\" | first | value }}",
            "{{ if gt $value 1.0 }}high{{ else if lt $value 0.5 }}low{{ else }}ok{{ end }}",
            "{{ range $i, $e := query \"up\" }}{{ $e.Labels.job }}{{ break }}{{ end }}",
            "{{- /* comment */ -}}{{ with $x := 1 }}{{ $x }}{{ end }}",
            "{{ printf \"%.2f\" $value }}{{ `raw` }}{{ 'c' }}{{ (len \"ab\") }}",
            "{{ define \"x\" }}a{{ end }}{{ template \"x\" . }}",
            "{{ $externalLabels.cluster }} {{ $externalURL }}",
        ] {
            assert!(
                check(ok, Dialect::V3).is_ok(),
                "{ok}: {:?}",
                check(ok, Dialect::V3)
            );
        }
    }

    #[test]
    fn go_messages() {
        assert_eq!(err("{{ .Foo }"), "unexpected \"}\" in operand");
        assert_eq!(
            err("{{ nosuchfunc 1 }}"),
            "function \"nosuchfunc\" not defined"
        );
        assert_eq!(err("{{ $nope }}"), "undefined variable \"$nope\"");
        assert_eq!(err("{{ $label.x }}"), "undefined variable \"$label\"");
        assert_eq!(err("{{ end }}"), "unexpected {{end}}");
        assert_eq!(err("{{ if 1 }}x"), "unexpected EOF");
        assert_eq!(err("{{ }}"), "missing value for command");
        assert_eq!(err("{{ \"abc }}"), "unterminated quoted string");
        assert_eq!(err("{{ 1"), "unclosed action");
        assert_eq!(err("{{ break }}"), "{{break}} outside {{range}}");
    }

    #[test]
    fn scopes_and_positions() {
        let e = check("{{ if 1 }}{{ $x := 1 }}{{ end }}{{ $x }}", Dialect::V3).unwrap_err();
        assert_eq!(e.message, "undefined variable \"$x\"");
        assert_eq!(e.offset, 35);
        let e = check("a\nb {{ nope }}", Dialect::V3).unwrap_err();
        assert_eq!((e.line, e.offset), (2, 7));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = format!("{{{{ {}1{} }}}}", "(".repeat(5000), ")".repeat(5000));
        assert_eq!(
            check(&deep, Dialect::V3).unwrap_err().message,
            "template nests too deeply"
        );
        let ifs = format!("{}{}", "{{ if 1 }}".repeat(5000), "{{ end }}".repeat(5000));
        assert!(check(&ifs, Dialect::V3).is_err());
    }

    #[test]
    fn refs_find_labels_and_values() {
        let r = |t: &str| refs(t).unwrap_or_default();
        let x = r("{{ $labels.instance }} on {{ .Labels.job }} is {{ $value }}");
        let names: Vec<&str> = x.labels.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["instance", "job"]);
        assert_eq!(x.labels[0].1, 11);
        assert_eq!(x.values, [(50, false)]);
        assert_eq!(r("{{ $value | humanize }}").values, [(3, true)]);
        assert_eq!(r("{{ humanizePercentage .Value }}").values, [(22, true)]);
        assert_eq!(r("{{ printf \"%.2f\" $value }}").values.len(), 1);
        // Aliases.
        let x = r("{{ $l := $labels }}{{ $v := .Value }}{{ $l.pod }} {{ $v }}");
        assert_eq!(x.labels.len(), 1);
        assert_eq!(x.values.len(), 1);
        // Conditions do not print the value; `with` rebinds the dot.
        assert!(r("{{ if gt $value 1.0 }}high{{ end }}").values.is_empty());
        assert!(
            r("{{ with query \"up\" }}{{ .Labels.x }}{{ .Value }}{{ end }}")
                .labels
                .is_empty()
        );
        assert_eq!(
            r("{{ with query \"up\" }}{{ $labels.x }}{{ end }}")
                .labels
                .len(),
            1
        );
        assert!(r("no template").labels.is_empty());
        // `query` and the labels read from its result.
        let x = r("{{ with query \"sum(up)\" }}{{ . | first | label \"instance\" }}{{ end }}");
        assert_eq!(x.queries, [("sum(up)".to_string(), 15)]);
        assert_eq!(x.query_labels, [(0, "instance".to_string(), 48)]);
        let x = r("{{ query \"up\" | first | label \"job\" }}");
        assert_eq!(x.query_labels, [(0, "job".to_string(), 31)]);
        assert!(r("{{ label \"job\" }}").query_labels.is_empty());
        assert_eq!(refs("{{ \"unterminated }}"), None);
    }

    #[test]
    fn dialect_functions() {
        assert!(check("{{ now }}", Dialect::V3).is_ok());
        assert!(check("{{ now }}", Dialect::V2).is_err());
    }
}
