//! The condition language of `successCondition` / `failureCondition`: the subset of expr-lang
//! that Argo Rollouts conditions use, with its type rules.
//!
//! Supported: literals (int, float, `'…'`/`"…"` strings, `true`, `false`, `nil`, `[…]` arrays),
//! `result`, member access (`.name`, `["k"]`), indexing (negative indices count from the end),
//! unary `! not - +`, `** * / % + -`, comparisons, `in` / `not in`, `&& and`, `|| or`, `?:`,
//! `??`; builtins `len all any none one filter map count abs min max sum mean ceil floor round`
//! with predicates written `{# > 1}` or bare (`.field` means `#.field`); and Argo's functions
//! `asInt asFloat isNaN isInf isNil default`.
//!
//! ```
//! use rollout_plan::analysis::expr::{Condition, Val};
//! let c = Condition::parse("len(result) > 0 && result[0] >= 0.95")?;
//! assert_eq!(c.eval_bool(&Val::List(vec![Val::Float(0.99)]))?, true);
//! assert!(Condition::parse("unknownName > 1").is_err());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::BTreeMap;
use std::fmt;

use crate::error::Error;

/// A runtime value: what a provider returns and what expressions compute.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    /// No value (`nil`).
    Nil,
    /// A boolean.
    Bool(bool),
    /// A 64-bit integer.
    Int(i64),
    /// A 64-bit float (NaN and infinities follow IEEE rules).
    Float(f64),
    /// A string.
    Str(String),
    /// A list.
    List(Vec<Val>),
    /// A map with string keys (decoded JSON objects).
    Map(BTreeMap<String, Val>),
}

impl Val {
    /// Converts decoded JSON (web providers) into a value; integral numbers become ints.
    #[must_use]
    pub fn from_json(v: &serde_json::Value) -> Val {
        match v {
            serde_json::Value::Null => Val::Nil,
            serde_json::Value::Bool(b) => Val::Bool(*b),
            serde_json::Value::Number(n) => match n.as_i64() {
                Some(i) => Val::Int(i),
                None => Val::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
            serde_json::Value::String(s) => Val::Str(s.clone()),
            serde_json::Value::Array(a) => Val::List(a.iter().map(Val::from_json).collect()),
            serde_json::Value::Object(o) => Val::Map(
                o.iter()
                    .map(|(k, v)| (k.clone(), Val::from_json(v)))
                    .collect(),
            ),
        }
    }

    /// The Go type name Argo's messages use (`int`, `float64`, `string`, ...).
    #[must_use]
    pub fn type_name(&self) -> &'static str {
        match self {
            Val::Nil => "<nil>",
            Val::Bool(_) => "bool",
            Val::Int(_) => "int",
            Val::Float(_) => "float64",
            Val::Str(_) => "string",
            Val::List(_) => "[]interface {}",
            Val::Map(_) => "map[string]interface {}",
        }
    }

    fn as_f64(&self) -> Option<f64> {
        match self {
            Val::Int(i) => Some(*i as f64),
            Val::Float(f) => Some(*f),
            _ => None,
        }
    }
}

/// Formats a float as Go's `%v` does for the values Argo stores (`10`, `0.95`, `NaN`, `+Inf`).
#[must_use]
pub fn format_float(f: f64) -> String {
    if f.is_nan() {
        "NaN".to_string()
    } else if f.is_infinite() {
        if f > 0.0 { "+Inf" } else { "-Inf" }.to_string()
    } else if f == f.trunc() && f.abs() < 1e21 {
        format!("{f:.0}")
    } else {
        format!("{f}")
    }
}

impl fmt::Display for Val {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Val::Nil => f.write_str("<nil>"),
            Val::Bool(b) => write!(f, "{b}"),
            Val::Int(i) => write!(f, "{i}"),
            Val::Float(x) => f.write_str(&format_float(*x)),
            Val::Str(s) => f.write_str(s),
            Val::List(items) => {
                f.write_str("[")?;
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write!(f, "{v}")?;
                }
                f.write_str("]")
            }
            Val::Map(m) => {
                f.write_str("map[")?;
                for (i, (k, v)) in m.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" ")?;
                    }
                    write!(f, "{k}:{v}")?;
                }
                f.write_str("]")
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Int(i64),
    Float(f64),
    Str(String),
    Ident(String),
    Op(&'static str),
    Hash,
    End,
}

const OPS: &[&str] = &[
    "**", "==", "!=", "<=", ">=", "&&", "||", "??", "..", "+", "-", "*", "/", "%", "<", ">", "!",
    "(", ")", "[", "]", "{", "}", ",", ".", "?", ":",
];

fn lex(src: &str) -> Result<Vec<(Tok, usize)>, (usize, String)> {
    let bytes = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        if c.is_ascii_digit() {
            while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'_') {
                i += 1;
            }
            let mut is_float = false;
            if i + 1 < bytes.len() && bytes[i] == b'.' && bytes[i + 1].is_ascii_digit() {
                is_float = true;
                i += 1;
                while i < bytes.len() && bytes[i].is_ascii_digit() {
                    i += 1;
                }
            }
            if i < bytes.len() && (bytes[i] == b'e' || bytes[i] == b'E') {
                let mut j = i + 1;
                if j < bytes.len() && (bytes[j] == b'+' || bytes[j] == b'-') {
                    j += 1;
                }
                if j < bytes.len() && bytes[j].is_ascii_digit() {
                    is_float = true;
                    i = j;
                    while i < bytes.len() && bytes[i].is_ascii_digit() {
                        i += 1;
                    }
                }
            }
            let text: String = src[start..i].chars().filter(|c| *c != '_').collect();
            let tok = if is_float {
                Tok::Float(
                    text.parse()
                        .map_err(|_| (start, format!("bad number {text}")))?,
                )
            } else {
                Tok::Int(
                    text.parse()
                        .map_err(|_| (start, format!("integer {text} out of range")))?,
                )
            };
            out.push((tok, start));
            continue;
        }
        if c == b'\'' || c == b'"' {
            let quote = c;
            i += 1;
            let mut s = String::new();
            loop {
                let Some(ch) = src[i..].chars().next() else {
                    return Err((start, "unterminated string".to_string()));
                };
                i += ch.len_utf8();
                if ch as u32 == u32::from(quote) {
                    break;
                }
                if ch == '\\' {
                    let Some(esc) = src[i..].chars().next() else {
                        return Err((start, "unterminated string".to_string()));
                    };
                    i += esc.len_utf8();
                    s.push(match esc {
                        'n' => '\n',
                        't' => '\t',
                        'r' => '\r',
                        other => other,
                    });
                } else {
                    s.push(ch);
                }
            }
            out.push((Tok::Str(s), start));
            continue;
        }
        if c.is_ascii_alphabetic() || c == b'_' || c == b'$' {
            while i < bytes.len()
                && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_' || bytes[i] == b'$')
            {
                i += 1;
            }
            out.push((Tok::Ident(src[start..i].to_string()), start));
            continue;
        }
        if c == b'#' {
            i += 1;
            out.push((Tok::Hash, start));
            continue;
        }
        match OPS.iter().find(|op| src[i..].starts_with(**op)) {
            Some(op) => {
                i += op.len();
                out.push((Tok::Op(op), start));
            }
            None => {
                let ch = src[i..].chars().next().unwrap_or('?');
                return Err((start, format!("unexpected character {ch:?}")));
            }
        }
    }
    out.push((Tok::End, src.len()));
    Ok(out)
}

#[derive(Debug, Clone, PartialEq)]
enum Expr {
    Lit(Val),
    Result,
    Pointer,
    Array(Vec<Expr>),
    Member(Box<Expr>, String),
    Index(Box<Expr>, Box<Expr>),
    Call(String, Vec<Expr>),
    Unary(&'static str, Box<Expr>),
    Binary(&'static str, Box<Expr>, Box<Expr>),
    Cond(Box<Expr>, Box<Expr>, Box<Expr>),
}

const FUNCS: &[&str] = &[
    "len", "all", "any", "none", "one", "filter", "map", "count", "abs", "min", "max", "sum",
    "mean", "ceil", "floor", "round", "asInt", "asFloat", "isNaN", "isInf", "isNil", "default",
];
const PREDICATE_FUNCS: &[&str] = &["all", "any", "none", "one", "filter", "map", "count"];

struct Parser<'a> {
    toks: &'a [(Tok, usize)],
    i: usize,
    in_predicate: bool,
}

type PResult<T> = Result<T, (usize, String)>;

impl Parser<'_> {
    fn peek(&self) -> &Tok {
        self.toks.get(self.i).map_or(&Tok::End, |t| &t.0)
    }
    fn offset(&self) -> usize {
        self.toks.get(self.i).map_or(0, |t| t.1)
    }
    fn bump(&mut self) -> Tok {
        let t = self.peek().clone();
        self.i += 1;
        t
    }
    fn is_op(&self, op: &str) -> bool {
        matches!(self.peek(), Tok::Op(o) if *o == op)
    }
    fn is_word(&self, w: &str) -> bool {
        matches!(self.peek(), Tok::Ident(x) if x == w)
    }
    fn expect(&mut self, op: &str) -> PResult<()> {
        if self.is_op(op) {
            self.i += 1;
            Ok(())
        } else {
            Err((
                self.offset(),
                format!("expected {op:?}, found {}", describe(self.peek())),
            ))
        }
    }

    fn expr(&mut self, depth: usize) -> PResult<Expr> {
        if depth > 64 {
            return Err((self.offset(), "expression nested too deeply".to_string()));
        }
        let cond = self.binary(0, depth)?;
        if self.is_op("?") {
            self.bump();
            let a = self.expr(depth + 1)?;
            self.expect(":")?;
            let b = self.expr(depth + 1)?;
            return Ok(Expr::Cond(Box::new(cond), Box::new(a), Box::new(b)));
        }
        Ok(cond)
    }

    /// Binary operators by precedence level, loosest first.
    fn binary_op(&self, level: usize) -> Option<(&'static str, usize)> {
        let (op, width): (&'static str, usize) = match self.peek() {
            Tok::Op(o) => (o, 1),
            Tok::Ident(w) => match w.as_str() {
                "or" => ("||", 1),
                "and" => ("&&", 1),
                "in" => ("in", 1),
                "not" => {
                    let next_is_in =
                        matches!(self.toks.get(self.i + 1), Some((Tok::Ident(x), _)) if x == "in");
                    if next_is_in {
                        ("not in", 2)
                    } else {
                        return None;
                    }
                }
                _ => return None,
            },
            _ => return None,
        };
        let op_level = match op {
            "??" => 0,
            "||" => 1,
            "&&" => 2,
            "==" | "!=" | "<" | ">" | "<=" | ">=" | "in" | "not in" => 3,
            "+" | "-" => 4,
            "*" | "/" | "%" => 5,
            "**" => 6,
            _ => return None,
        };
        (op_level == level).then_some((op, width))
    }

    fn binary(&mut self, level: usize, depth: usize) -> PResult<Expr> {
        if level > 6 {
            return self.unary(depth);
        }
        let mut lhs = self.binary(level + 1, depth)?;
        while let Some((op, width)) = self.binary_op(level) {
            self.i += width;
            let rhs = if op == "**" {
                // right-associative
                self.binary(level, depth + 1)?
            } else {
                self.binary(level + 1, depth + 1)?
            };
            lhs = Expr::Binary(op, Box::new(lhs), Box::new(rhs));
        }
        Ok(lhs)
    }

    fn unary(&mut self, depth: usize) -> PResult<Expr> {
        if depth > 64 {
            return Err((self.offset(), "expression nested too deeply".to_string()));
        }
        if self.is_op("!") || self.is_word("not") {
            self.bump();
            return Ok(Expr::Unary("!", Box::new(self.unary(depth + 1)?)));
        }
        if self.is_op("-") || self.is_op("+") {
            let op = if self.is_op("-") { "-" } else { "+" };
            self.bump();
            return Ok(Expr::Unary(op, Box::new(self.unary(depth + 1)?)));
        }
        self.postfix(depth)
    }

    fn postfix(&mut self, depth: usize) -> PResult<Expr> {
        let mut e = self.primary(depth)?;
        loop {
            if self.is_op(".") {
                self.bump();
                let off = self.offset();
                match self.bump() {
                    Tok::Ident(name) => {
                        if self.is_op("(") {
                            return Err((off, format!("method calls are not supported ({name})")));
                        }
                        e = Expr::Member(Box::new(e), name);
                    }
                    other => {
                        return Err((
                            off,
                            format!("expected a field name, found {}", describe(&other)),
                        ));
                    }
                }
            } else if self.is_op("[") {
                self.bump();
                let idx = self.expr(depth + 1)?;
                self.expect("]")?;
                e = Expr::Index(Box::new(e), Box::new(idx));
            } else {
                return Ok(e);
            }
        }
    }

    fn primary(&mut self, depth: usize) -> PResult<Expr> {
        let off = self.offset();
        match self.bump() {
            Tok::Int(i) => Ok(Expr::Lit(Val::Int(i))),
            Tok::Float(f) => Ok(Expr::Lit(Val::Float(f))),
            Tok::Str(s) => Ok(Expr::Lit(Val::Str(s))),
            Tok::Hash => {
                if self.in_predicate {
                    Ok(Expr::Pointer)
                } else {
                    Err((off, "# is only allowed inside a predicate".to_string()))
                }
            }
            Tok::Op("(") => {
                let e = self.expr(depth + 1)?;
                self.expect(")")?;
                Ok(e)
            }
            Tok::Op("[") => {
                let mut items = Vec::new();
                while !self.is_op("]") {
                    items.push(self.expr(depth + 1)?);
                    if !self.is_op("]") {
                        self.expect(",")?;
                    }
                }
                self.bump();
                Ok(Expr::Array(items))
            }
            Tok::Op(".") if self.in_predicate => match self.bump() {
                Tok::Ident(name) => Ok(Expr::Member(Box::new(Expr::Pointer), name)),
                other => Err((
                    off,
                    format!("expected a field name, found {}", describe(&other)),
                )),
            },
            Tok::Ident(name) => match name.as_str() {
                "true" => Ok(Expr::Lit(Val::Bool(true))),
                "false" => Ok(Expr::Lit(Val::Bool(false))),
                "nil" => Ok(Expr::Lit(Val::Nil)),
                "result" => Ok(Expr::Result),
                _ if self.is_op("(") => {
                    if !FUNCS.contains(&name.as_str()) {
                        return Err((off, format!("unknown func {name}")));
                    }
                    self.bump();
                    let mut args = Vec::new();
                    let predicate = PREDICATE_FUNCS.contains(&name.as_str());
                    while !self.is_op(")") {
                        if predicate && args.len() == 1 {
                            let saved = self.in_predicate;
                            self.in_predicate = true;
                            let p = if self.is_op("{") {
                                self.bump();
                                let p = self.expr(depth + 1)?;
                                self.expect("}")?;
                                p
                            } else {
                                self.expr(depth + 1)?
                            };
                            self.in_predicate = saved;
                            args.push(p);
                        } else {
                            args.push(self.expr(depth + 1)?);
                        }
                        if !self.is_op(")") {
                            self.expect(",")?;
                        }
                    }
                    self.bump();
                    check_arity(&name, args.len()).map_err(|m| (off, m))?;
                    Ok(Expr::Call(name, args))
                }
                _ => Err((off, format!("unknown name {name}"))),
            },
            other => Err((off, format!("unexpected {}", describe(&other)))),
        }
    }
}

fn check_arity(name: &str, n: usize) -> Result<(), String> {
    let ok = match name {
        "len" | "abs" | "ceil" | "floor" | "round" | "asInt" | "asFloat" | "isNaN" | "isInf"
        | "isNil" | "sum" | "mean" => n == 1,
        "default" => n == 2,
        "min" | "max" => n >= 1,
        _ if PREDICATE_FUNCS.contains(&name) => n == 2,
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(format!("wrong number of arguments for {name}: {n}"))
    }
}

fn describe(t: &Tok) -> String {
    match t {
        Tok::Int(i) => format!("{i}"),
        Tok::Float(f) => format!("{f}"),
        Tok::Str(s) => format!("{s:?}"),
        Tok::Ident(s) => s.clone(),
        Tok::Op(o) => format!("{o:?}"),
        Tok::Hash => "#".to_string(),
        Tok::End => "end of expression".to_string(),
    }
}

/// Static types, as far as the checker can tell; `Any` for `result` and what derives from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ty {
    Any,
    Bool,
    Int,
    Float,
    Str,
    Nil,
}

impl Ty {
    fn go(self) -> &'static str {
        match self {
            Ty::Any => "interface {}",
            Ty::Bool => "bool",
            Ty::Int => "int",
            Ty::Float => "float64",
            Ty::Str => "string",
            Ty::Nil => "nil",
        }
    }
    fn numeric(self) -> bool {
        matches!(self, Ty::Int | Ty::Float)
    }
}

/// Type-checks like expr-lang's compiler for the cases that matter: comparing a number to a
/// string is a compile error.
fn check(e: &Expr) -> Result<Ty, String> {
    Ok(match e {
        Expr::Lit(Val::Bool(_)) => Ty::Bool,
        Expr::Lit(Val::Int(_)) => Ty::Int,
        Expr::Lit(Val::Float(_)) => Ty::Float,
        Expr::Lit(Val::Str(_)) => Ty::Str,
        Expr::Lit(Val::Nil) => Ty::Nil,
        Expr::Lit(_) | Expr::Result | Expr::Pointer | Expr::Member(..) | Expr::Index(..) => {
            if let Expr::Member(b, _) | Expr::Index(b, _) = e {
                check(b)?;
            }
            if let Expr::Index(_, i) = e {
                check(i)?;
            }
            Ty::Any
        }
        Expr::Array(items) => {
            for i in items {
                check(i)?;
            }
            Ty::Any
        }
        Expr::Call(name, args) => {
            for a in args {
                check(a)?;
            }
            match name.as_str() {
                "len" | "count" | "asInt" => Ty::Int,
                "asFloat" | "mean" => Ty::Float,
                "all" | "any" | "none" | "one" | "isNaN" | "isInf" | "isNil" => Ty::Bool,
                _ => Ty::Any,
            }
        }
        Expr::Unary(op, x) => {
            let t = check(x)?;
            match *op {
                "!" => Ty::Bool,
                _ => t,
            }
        }
        Expr::Binary(op, a, b) => {
            let (ta, tb) = (check(a)?, check(b)?);
            let known = |t: Ty| t != Ty::Any && t != Ty::Nil;
            match *op {
                "==" | "!=" | "<" | ">" | "<=" | ">=" => {
                    if known(ta) && known(tb) && !(ta.numeric() && tb.numeric()) && ta != tb {
                        return Err(format!(
                            "invalid operation: {op} (mismatched types {} and {})",
                            ta.go(),
                            tb.go()
                        ));
                    }
                    Ty::Bool
                }
                "&&" | "||" | "in" | "not in" => Ty::Bool,
                "/" | "**" => Ty::Float,
                "+" | "-" | "*" | "%" => {
                    if ta == Ty::Int && tb == Ty::Int {
                        Ty::Int
                    } else if ta.numeric() && tb.numeric() {
                        Ty::Float
                    } else {
                        Ty::Any
                    }
                }
                _ => Ty::Any,
            }
        }
        Expr::Cond(c, a, b) => {
            check(c)?;
            check(a)?;
            check(b)?;
            Ty::Any
        }
    })
}

/// A parsed and type-checked condition.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    source: String,
    ast: Expr,
}

impl Condition {
    /// Parses and type-checks a condition.
    ///
    /// # Errors
    ///
    /// [`Error::Condition`] with the byte offset of the problem (unknown names, syntax errors,
    /// comparisons of mismatched types).
    pub fn parse(source: &str) -> Result<Condition, Error> {
        let err = |(offset, message): (usize, String)| Error::Condition {
            condition: source.to_string(),
            offset,
            message,
        };
        let toks = lex(source).map_err(err)?;
        let mut p = Parser {
            toks: &toks,
            i: 0,
            in_predicate: false,
        };
        let ast = p.expr(0).map_err(err)?;
        if p.peek() != &Tok::End {
            return Err(err((
                p.offset(),
                format!("unexpected {}", describe(p.peek())),
            )));
        }
        check(&ast).map_err(|m| err((0, m)))?;
        Ok(Condition {
            source: source.to_string(),
            ast,
        })
    }

    /// The condition's text.
    #[must_use]
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Evaluates against a metric result.
    ///
    /// # Errors
    ///
    /// A message when evaluation fails (index out of range, wrong operand types, ...).
    pub fn eval(&self, result: &Val) -> Result<Val, String> {
        let cx = Ctx {
            result,
            pointer: None,
        };
        cx.eval(&self.ast, 0)
    }

    /// Evaluates and requires a boolean, as Argo does.
    ///
    /// # Errors
    ///
    /// A message when evaluation fails or the value is not a bool
    /// (`expected bool, but got int`).
    pub fn eval_bool(&self, result: &Val) -> Result<bool, String> {
        match self.eval(result)? {
            Val::Bool(b) => Ok(b),
            other => Err(format!("expected bool, but got {}", other.type_name())),
        }
    }
}

struct Ctx<'a> {
    result: &'a Val,
    pointer: Option<&'a Val>,
}

fn truthy(v: &Val, what: &str) -> Result<bool, String> {
    match v {
        Val::Bool(b) => Ok(*b),
        other => Err(format!(
            "invalid operation: {what} on {}",
            other.type_name()
        )),
    }
}

fn equal(a: &Val, b: &Val) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => {
            if let (Val::Int(i), Val::Int(j)) = (a, b) {
                i == j
            } else {
                x == y
            }
        }
        _ => match (a, b) {
            (Val::List(x), Val::List(y)) => {
                x.len() == y.len() && x.iter().zip(y).all(|(p, q)| equal(p, q))
            }
            _ => a == b,
        },
    }
}

impl<'a> Ctx<'a> {
    fn eval(&self, e: &Expr, depth: usize) -> Result<Val, String> {
        if depth > 256 {
            return Err("evaluation nested too deeply".to_string());
        }
        match e {
            Expr::Lit(v) => Ok(v.clone()),
            Expr::Result => Ok(self.result.clone()),
            Expr::Pointer => self
                .pointer
                .cloned()
                .ok_or_else(|| "# outside a predicate".to_string()),
            Expr::Array(items) => Ok(Val::List(
                items
                    .iter()
                    .map(|i| self.eval(i, depth + 1))
                    .collect::<Result<_, _>>()?,
            )),
            Expr::Member(base, name) => {
                let b = self.eval(base, depth + 1)?;
                member(&b, &Val::Str(name.clone()))
            }
            Expr::Index(base, idx) => {
                let b = self.eval(base, depth + 1)?;
                let i = self.eval(idx, depth + 1)?;
                member(&b, &i)
            }
            Expr::Unary(op, x) => {
                let v = self.eval(x, depth + 1)?;
                match (*op, v) {
                    ("!", v) => Ok(Val::Bool(!truthy(&v, "!")?)),
                    ("-", Val::Int(i)) => Ok(Val::Int(i.wrapping_neg())),
                    ("-", Val::Float(f)) => Ok(Val::Float(-f)),
                    ("+", v @ (Val::Int(_) | Val::Float(_))) => Ok(v),
                    (op, v) => Err(format!("invalid operation: {op} {}", v.type_name())),
                }
            }
            Expr::Binary(op, a, b) => self.binary(op, a, b, depth),
            Expr::Cond(c, a, b) => {
                if truthy(&self.eval(c, depth + 1)?, "?:")? {
                    self.eval(a, depth + 1)
                } else {
                    self.eval(b, depth + 1)
                }
            }
            Expr::Call(name, args) => self.call(name, args, depth),
        }
    }

    fn binary(&self, op: &str, a: &Expr, b: &Expr, depth: usize) -> Result<Val, String> {
        match op {
            "&&" => {
                if !truthy(&self.eval(a, depth + 1)?, "&&")? {
                    return Ok(Val::Bool(false));
                }
                return Ok(Val::Bool(truthy(&self.eval(b, depth + 1)?, "&&")?));
            }
            "||" => {
                if truthy(&self.eval(a, depth + 1)?, "||")? {
                    return Ok(Val::Bool(true));
                }
                return Ok(Val::Bool(truthy(&self.eval(b, depth + 1)?, "||")?));
            }
            "??" => {
                let l = self.eval(a, depth + 1)?;
                return if l == Val::Nil {
                    self.eval(b, depth + 1)
                } else {
                    Ok(l)
                };
            }
            _ => {}
        }
        let (x, y) = (self.eval(a, depth + 1)?, self.eval(b, depth + 1)?);
        let mismatch = || {
            format!(
                "invalid operation: {op} (mismatched types {} and {})",
                x.type_name(),
                y.type_name()
            )
        };
        match op {
            "==" => Ok(Val::Bool(equal(&x, &y))),
            "!=" => Ok(Val::Bool(!equal(&x, &y))),
            "<" | ">" | "<=" | ">=" => {
                let ord = match (&x, &y) {
                    (Val::Int(i), Val::Int(j)) => Some(i.cmp(j)),
                    (Val::Str(s), Val::Str(t)) => Some(s.cmp(t)),
                    _ => match (x.as_f64(), y.as_f64()) {
                        (Some(p), Some(q)) => match p.partial_cmp(&q) {
                            Some(o) => Some(o),
                            None => return Ok(Val::Bool(false)), // NaN compares false
                        },
                        _ => return Err(mismatch()),
                    },
                };
                let o = ord.ok_or_else(mismatch)?;
                Ok(Val::Bool(match op {
                    "<" => o.is_lt(),
                    ">" => o.is_gt(),
                    "<=" => o.is_le(),
                    _ => o.is_ge(),
                }))
            }
            "in" | "not in" => {
                let found = match &y {
                    Val::List(items) => items.iter().any(|i| equal(i, &x)),
                    Val::Map(m) => match &x {
                        Val::Str(k) => m.contains_key(k),
                        _ => false,
                    },
                    Val::Nil => false,
                    _ => return Err(mismatch()),
                };
                Ok(Val::Bool(if op == "in" { found } else { !found }))
            }
            "+" | "-" | "*" | "%" => match (&x, &y) {
                (Val::Int(i), Val::Int(j)) => match op {
                    "+" => Ok(Val::Int(i.wrapping_add(*j))),
                    "-" => Ok(Val::Int(i.wrapping_sub(*j))),
                    "*" => Ok(Val::Int(i.wrapping_mul(*j))),
                    _ => {
                        if *j == 0 {
                            Err("integer divide by zero".to_string())
                        } else {
                            Ok(Val::Int(i.wrapping_rem(*j)))
                        }
                    }
                },
                (Val::Str(s), Val::Str(t)) if op == "+" => Ok(Val::Str(format!("{s}{t}"))),
                _ => match (x.as_f64(), y.as_f64(), op) {
                    (Some(p), Some(q), "+") => Ok(Val::Float(p + q)),
                    (Some(p), Some(q), "-") => Ok(Val::Float(p - q)),
                    (Some(p), Some(q), "*") => Ok(Val::Float(p * q)),
                    _ => Err(mismatch()),
                },
            },
            "/" | "**" => match (x.as_f64(), y.as_f64()) {
                (Some(p), Some(q)) => Ok(Val::Float(if op == "/" { p / q } else { p.powf(q) })),
                _ => Err(mismatch()),
            },
            _ => Err(format!("unknown operator {op}")),
        }
    }

    fn list_arg(&self, e: &Expr, name: &str, depth: usize) -> Result<Vec<Val>, String> {
        match self.eval(e, depth + 1)? {
            Val::List(items) => Ok(items),
            Val::Nil => Ok(Vec::new()),
            other => Err(format!(
                "{name}: expected an array, got {}",
                other.type_name()
            )),
        }
    }

    fn call(&self, name: &str, args: &[Expr], depth: usize) -> Result<Val, String> {
        let arg = |i: usize| -> Result<Val, String> {
            let e = args
                .get(i)
                .ok_or_else(|| format!("{name}: missing argument"))?;
            self.eval(e, depth + 1)
        };
        match name {
            "len" => match arg(0)? {
                Val::List(l) => Ok(Val::Int(l.len() as i64)),
                Val::Map(m) => Ok(Val::Int(m.len() as i64)),
                Val::Str(s) => Ok(Val::Int(s.chars().count() as i64)),
                other => Err(format!(
                    "invalid argument for len (type {})",
                    other.type_name()
                )),
            },
            "all" | "any" | "none" | "one" | "filter" | "map" | "count" => {
                let items = self.list_arg(args.first().ok_or("missing argument")?, name, depth)?;
                let pred = args
                    .get(1)
                    .ok_or_else(|| format!("{name}: missing predicate"))?;
                let mut hits = 0usize;
                let mut out = Vec::new();
                for item in &items {
                    let inner = Ctx {
                        result: self.result,
                        pointer: Some(item),
                    };
                    let v = inner.eval(pred, depth + 1)?;
                    if name == "map" {
                        out.push(v);
                        continue;
                    }
                    let t = truthy(&v, name)?;
                    if t {
                        hits += 1;
                        if name == "filter" {
                            out.push(item.clone());
                        }
                    }
                    match (name, t) {
                        ("all", false) => return Ok(Val::Bool(false)),
                        ("any", true) => return Ok(Val::Bool(true)),
                        ("none", true) => return Ok(Val::Bool(false)),
                        _ => {}
                    }
                }
                Ok(match name {
                    "all" | "none" => Val::Bool(true),
                    "any" => Val::Bool(false),
                    "one" => Val::Bool(hits == 1),
                    "count" => Val::Int(hits as i64),
                    _ => Val::List(out),
                })
            }
            "abs" => match arg(0)? {
                Val::Int(i) => Ok(Val::Int(i.wrapping_abs())),
                Val::Float(f) => Ok(Val::Float(f.abs())),
                other => Err(format!(
                    "invalid argument for abs (type {})",
                    other.type_name()
                )),
            },
            "ceil" | "floor" | "round" => {
                let v = arg(0)?;
                let f = v.as_f64().ok_or_else(|| {
                    format!("invalid argument for {name} (type {})", v.type_name())
                })?;
                Ok(Val::Float(match name {
                    "ceil" => f.ceil(),
                    "floor" => f.floor(),
                    _ => f.round(),
                }))
            }
            "min" | "max" | "sum" | "mean" => {
                let vals: Vec<Val> = if args.len() == 1 {
                    match arg(0)? {
                        Val::List(l) => l,
                        v => vec![v],
                    }
                } else {
                    args.iter()
                        .map(|a| self.eval(a, depth + 1))
                        .collect::<Result<_, _>>()?
                };
                let mut nums = Vec::with_capacity(vals.len());
                for v in &vals {
                    nums.push(v.as_f64().ok_or_else(|| {
                        format!("invalid argument for {name} (type {})", v.type_name())
                    })?);
                }
                let all_int = vals.iter().all(|v| matches!(v, Val::Int(_)));
                match name {
                    "sum" => Ok(if all_int {
                        Val::Int(
                            vals.iter()
                                .map(|v| if let Val::Int(i) = v { *i } else { 0 })
                                .fold(0i64, i64::wrapping_add),
                        )
                    } else {
                        Val::Float(nums.iter().sum())
                    }),
                    "mean" => Ok(if nums.is_empty() {
                        Val::Float(0.0)
                    } else {
                        Val::Float(nums.iter().sum::<f64>() / nums.len() as f64)
                    }),
                    _ => {
                        let mut best: Option<usize> = None;
                        for (i, n) in nums.iter().enumerate() {
                            best = match best {
                                None => Some(i),
                                Some(b)
                                    if (name == "min" && *n < nums[b])
                                        || (name == "max" && *n > nums[b]) =>
                                {
                                    Some(i)
                                }
                                keep => keep,
                            };
                        }
                        best.and_then(|b| vals.get(b).cloned())
                            .ok_or_else(|| format!("{name}: no values"))
                    }
                }
            }
            "asInt" => match arg(0)? {
                Val::Int(i) => Ok(Val::Int(i)),
                Val::Float(f) => Ok(Val::Int(f.trunc() as i64)),
                Val::Str(s) => s
                    .parse::<i64>()
                    .map(Val::Int)
                    .map_err(|_| format!("strconv.ParseInt: parsing {s:?}: invalid syntax")),
                other => Err(format!("asInt: unsupported type {}", other.type_name())),
            },
            "asFloat" => match arg(0)? {
                Val::Int(i) => Ok(Val::Float(i as f64)),
                Val::Float(f) => Ok(Val::Float(f)),
                Val::Str(s) => parse_go_float(&s)
                    .map(Val::Float)
                    .ok_or_else(|| format!("strconv.ParseFloat: parsing {s:?}: invalid syntax")),
                other => Err(format!("asFloat: unsupported type {}", other.type_name())),
            },
            "isNaN" | "isInf" => {
                let v = arg(0)?;
                let f = v
                    .as_f64()
                    .ok_or_else(|| format!("{name}: expected float64, got {}", v.type_name()))?;
                Ok(Val::Bool(if name == "isNaN" {
                    f.is_nan()
                } else {
                    f.is_infinite()
                }))
            }
            // Argo's isNil and default look at the metric result itself, not their argument.
            "isNil" => Ok(Val::Bool(*self.result == Val::Nil)),
            "default" => {
                if *self.result == Val::Nil {
                    arg(1)
                } else {
                    Ok(self.result.clone())
                }
            }
            _ => Err(format!("unknown func {name}")),
        }
    }
}

fn parse_go_float(s: &str) -> Option<f64> {
    match s {
        "NaN" | "nan" => Some(f64::NAN),
        "+Inf" | "Inf" | "inf" | "+inf" => Some(f64::INFINITY),
        "-Inf" | "-inf" => Some(f64::NEG_INFINITY),
        _ => s.parse().ok().filter(|f: &f64| f.is_finite()),
    }
}

fn member(base: &Val, key: &Val) -> Result<Val, String> {
    match (base, key) {
        (Val::Map(m), Val::Str(k)) => Ok(m.get(k).cloned().unwrap_or(Val::Nil)),
        (Val::List(items), Val::Int(i)) => {
            let len = items.len() as i64;
            let idx = if *i < 0 { len.saturating_add(*i) } else { *i };
            if idx < 0 || idx >= len {
                return Err(format!("index out of range: {i} (array length is {len})"));
            }
            usize::try_from(idx)
                .ok()
                .and_then(|u| items.get(u))
                .cloned()
                .ok_or_else(|| format!("index out of range: {i}"))
        }
        (Val::Str(s), Val::Int(i)) => {
            let chars: Vec<char> = s.chars().collect();
            let len = chars.len() as i64;
            let idx = if *i < 0 { len.saturating_add(*i) } else { *i };
            usize::try_from(idx)
                .ok()
                .and_then(|u| chars.get(u))
                .map(|c| Val::Str(c.to_string()))
                .ok_or_else(|| format!("index out of range: {i} (string length is {len})"))
        }
        (b, k) => Err(format!("cannot fetch {k} from {}", b.type_name())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval(src: &str, result: Val) -> Result<Val, String> {
        Condition::parse(src)
            .map_err(|e| e.to_string())?
            .eval(&result)
    }

    #[test]
    fn precedence_and_operators() {
        assert_eq!(eval("1 + 2 * 3", Val::Nil), Ok(Val::Int(7)));
        assert_eq!(eval("2 ** 3 ** 2", Val::Nil), Ok(Val::Float(512.0)));
        assert_eq!(eval("7 / 2", Val::Nil), Ok(Val::Float(3.5)));
        assert_eq!(
            eval("true || false && false", Val::Nil),
            Ok(Val::Bool(true))
        );
        assert_eq!(eval("not (1 > 2)", Val::Nil), Ok(Val::Bool(true)));
        assert_eq!(
            eval("result[-1]", Val::List(vec![Val::Int(1), Val::Int(2)])),
            Ok(Val::Int(2))
        );
        assert_eq!(
            eval("1 in [1, 2] ? 'y' : 'n'", Val::Nil),
            Ok(Val::Str("y".into()))
        );
        assert_eq!(eval("3 not in [1, 2]", Val::Nil), Ok(Val::Bool(true)));
        assert_eq!(eval("result ?? 4", Val::Nil), Ok(Val::Int(4)));
        assert_eq!(
            eval(
                "count(result, # > 1)",
                Val::List(vec![Val::Int(1), Val::Int(5)])
            ),
            Ok(Val::Int(1))
        );
        assert_eq!(
            eval("max(result)", Val::List(vec![Val::Int(1), Val::Int(5)])),
            Ok(Val::Int(5))
        );
        assert!(eval("result[5]", Val::List(vec![])).is_err());
        assert!(eval("1 == 'a'", Val::Nil).is_err());
        assert!(Condition::parse("result.Name()").is_err());
        assert!(Condition::parse("(((").is_err());
        assert!(Condition::parse("'abc").is_err());
    }
}
