//! Position-keeping YAML and JSON loading.
//!
//! [`parse`] reads a multi-document YAML stream (JSON is read through the same parser, as YAML
//! 1.2 is a superset of it) into a tree of [`Node`]s. Every node carries the [`Span`] of its
//! value, and every mapping [`Entry`] also the span of its key, so any field path can be mapped
//! back to `file:line:column` with [`Node::at`] or [`Node::locate`].
//!
//! Positions are 1-based lines and 1-based columns counted in characters (not bytes). Spans
//! start where the value starts: the first character of a scalar (the quote of a quoted
//! scalar), the first key of a block mapping, the `[`/`{` of a flow collection, the `-` of a
//! block sequence.
//!
//! Scalars are resolved with the YAML 1.2 core schema (as `kubectl` does through JSON for all
//! but the YAML 1.1 booleans): quoted and block scalars are strings; plain `null`, `~` and empty
//! are null; `true`/`false` booleans; decimal, `0x` and `0o` numbers integers; decimal and
//! exponent forms floats; everything else a string. [`Node::plain`] tells whether a scalar was
//! written unquoted, so checks can warn about YAML 1.1 readings such as `yes` or `0755`.
//!
//! Other details:
//! - empty documents (nothing, only comments, or an explicit `null`) are skipped, but every
//!   [`Document::index`] counts the position in the stream including skipped ones;
//! - duplicate keys keep the last value (as a JSON conversion would) and are reported as
//!   [`DuplicateKey`] with both positions;
//! - anchors, aliases and `<<` merge keys are expanded (with a limit on the expanded size);
//! - mapping keys must be scalars; nesting deeper than [`MAX_DEPTH`] is an error.
//!
//! `&Node` is a [`serde::Deserializer`] ([`from_node`]): typed values are read straight from
//! the tree, and a [`DeError`] names the position of the value it is about.
//!
//! ```
//! use manifest_model::yaml::{parse, FieldPath};
//! let src = "---\n# nothing\n---\napiVersion: v1\nkind: Service\nspec:\n  ports:\n  - port: 80\n";
//! let stream = parse(src, "svc.yaml".as_ref())?;
//! assert_eq!(stream.documents.len(), 1);
//! let doc = &stream.documents[0];
//! assert_eq!(doc.index, 1);
//! let path: FieldPath = "spec.ports[0].port".parse()?;
//! let port = doc.root.at(&path).ok_or("no port")?;
//! assert_eq!((port.span.start.line, port.span.start.column), (8, 11));
//! assert_eq!(port.as_i64(), Some(80));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use std::str::FromStr;

use saphyr_parser::{Event, Parser, ScalarStyle, ScanError};
use serde::Serialize;

use crate::Error;

mod de;

pub use de::{DeError, from_node};

/// Deepest nesting of collections accepted by [`parse`].
pub const MAX_DEPTH: usize = 200;

/// Largest number of nodes a stream may expand to through aliases.
pub const MAX_NODES: usize = 2_000_000;

/// A 1-based line and column (in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
pub struct Position {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// The source range of a node: `start` inclusive, `end` exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
pub struct Span {
    /// Where the node starts.
    pub start: Position,
    /// Where the node ends.
    pub end: Position,
}

impl Span {
    fn from_parser(span: saphyr_parser::Span) -> Span {
        Span {
            start: Position {
                line: span.start.line(),
                column: span.start.col() + 1,
            },
            end: Position {
                line: span.end.line(),
                column: span.end.col() + 1,
            },
        }
    }
}

/// One YAML value with its position.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Where the value is written.
    pub span: Span,
    /// The value.
    pub value: NodeValue,
    /// True for a scalar written without quotes and not as a block scalar.
    pub plain: bool,
}

/// The value of a [`Node`].
#[derive(Debug, Clone, PartialEq)]
pub enum NodeValue {
    /// `null`, `~` or nothing.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// An integer that fits `i64`.
    Int(i64),
    /// Any other number.
    Float(f64),
    /// A string.
    String(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in source order, without duplicate keys.
    Map(Vec<Entry>),
}

/// One key-value pair of a mapping.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The key as written (scalar keys only; `1:` gives `"1"`).
    pub key: String,
    /// Where the key is written.
    pub key_span: Span,
    /// The value.
    pub value: Node,
}

/// A non-empty document of a stream.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// 0-based position of the document in the stream, counting skipped empty documents.
    pub index: usize,
    /// The document's root value.
    pub root: Node,
}

/// A key written twice in the same mapping.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DuplicateKey {
    /// The key.
    pub key: String,
    /// Where the key is written first (this value is dropped).
    pub first: Span,
    /// Where the key is written again (this value is kept).
    pub second: Span,
}

impl DuplicateKey {
    /// The `yaml/duplicate-key` error at the second occurrence. `last_value_wins` adds that the
    /// second value is the one kept (Kubernetes, compose, ECS); Prometheus and Alertmanager
    /// reject the file instead.
    pub(crate) fn to_diagnostic(&self, file: &Path, last_value_wins: bool) -> crate::Diagnostic {
        let outcome = if last_value_wins {
            "; the last value wins"
        } else {
            ""
        };
        crate::Diagnostic::new(
            crate::Severity::Error,
            "yaml/duplicate-key",
            format!(
                "duplicate key `{}` (first at line {} column {}){outcome}",
                self.key, self.first.start.line, self.first.start.column
            ),
        )
        .at_span(file, self.second)
    }
}

/// The result of [`parse`]: the non-empty documents and the duplicate keys found.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Stream {
    /// Non-empty documents in stream order.
    pub documents: Vec<Document>,
    /// Duplicate keys in stream order of the second occurrence.
    pub duplicates: Vec<DuplicateKey>,
}

/// One step of a [`FieldPath`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PathSegment {
    /// A mapping key.
    Key(String),
    /// A sequence index (0-based).
    Index(usize),
}

/// A path to a field such as `spec.template.spec.containers[0].image`.
///
/// Keys that are not plain identifiers are written in brackets with quotes:
/// `metadata.labels["app.kubernetes.io/name"]`. [`FromStr`] reads the same syntax back.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct FieldPath(pub Vec<PathSegment>);

impl FieldPath {
    /// The empty path (the root).
    #[must_use]
    pub fn root() -> FieldPath {
        FieldPath(Vec::new())
    }

    /// This path extended by a key.
    #[must_use]
    pub fn key(&self, key: &str) -> FieldPath {
        let mut v = self.0.clone();
        v.push(PathSegment::Key(key.to_owned()));
        FieldPath(v)
    }

    /// This path extended by an index.
    #[must_use]
    pub fn index(&self, index: usize) -> FieldPath {
        let mut v = self.0.clone();
        v.push(PathSegment::Index(index));
        FieldPath(v)
    }

    /// True for the root path.
    #[must_use]
    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }
}

fn is_ident(key: &str) -> bool {
    !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '$')
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                PathSegment::Key(k) if is_ident(k) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    f.write_str(k)?;
                }
                PathSegment::Key(k) => {
                    write!(f, "[{}]", serde_json::Value::String(k.clone()))?;
                }
                PathSegment::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// The error of [`FieldPath::from_str`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldPathError {
    /// 0-based character offset of the problem.
    pub offset: usize,
}

impl fmt::Display for FieldPathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid field path at offset {}", self.offset)
    }
}

impl std::error::Error for FieldPathError {}

impl FromStr for FieldPath {
    type Err = FieldPathError;

    fn from_str(s: &str) -> Result<FieldPath, FieldPathError> {
        let chars: Vec<char> = s.chars().collect();
        let mut segs = Vec::new();
        let mut i = 0;
        let err = |offset| FieldPathError { offset };
        while i < chars.len() {
            match chars.get(i) {
                Some('.') if !segs.is_empty() => i += 1,
                Some('[') => {
                    i += 1;
                    if chars.get(i) == Some(&'"') {
                        // A JSON string up to the closing quote.
                        let start = i;
                        i += 1;
                        while i < chars.len() && chars.get(i) != Some(&'"') {
                            if chars.get(i) == Some(&'\\') {
                                i += 1;
                            }
                            i += 1;
                        }
                        let lit: String = chars.get(start..=i).ok_or(err(start))?.iter().collect();
                        let key: String = serde_json::from_str(&lit).map_err(|_| err(start))?;
                        segs.push(PathSegment::Key(key));
                        i += 1;
                    } else {
                        let start = i;
                        while chars.get(i).is_some_and(char::is_ascii_digit) {
                            i += 1;
                        }
                        let num: String = chars.get(start..i).ok_or(err(start))?.iter().collect();
                        segs.push(PathSegment::Index(num.parse().map_err(|_| err(start))?));
                    }
                    if chars.get(i) != Some(&']') {
                        return Err(err(i));
                    }
                    i += 1;
                    continue;
                }
                _ => {}
            }
            let start = i;
            while chars.get(i).is_some_and(|c| *c != '.' && *c != '[') {
                i += 1;
            }
            if start == i {
                return Err(err(i));
            }
            segs.push(PathSegment::Key(
                chars.get(start..i).ok_or(err(start))?.iter().collect(),
            ));
        }
        Ok(FieldPath(segs))
    }
}

impl Node {
    fn new(span: Span, value: NodeValue) -> Node {
        Node {
            span,
            value,
            plain: false,
        }
    }

    /// The value of `key` in a mapping.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value)
    }

    /// The entry (key, key span and value) of `key` in a mapping.
    #[must_use]
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        match &self.value {
            NodeValue::Map(entries) => entries.iter().find(|e| e.key == key),
            _ => None,
        }
    }

    /// The node at `path`, if every step exists.
    #[must_use]
    pub fn at(&self, path: &FieldPath) -> Option<&Node> {
        let mut node = self;
        for seg in &path.0 {
            node = node.step(seg)?;
        }
        Some(node)
    }

    /// The node at `path`, or the deepest existing node on the way to it: the place to report
    /// a finding about a field that may be missing.
    #[must_use]
    pub fn locate(&self, path: &FieldPath) -> &Node {
        let mut node = self;
        for seg in &path.0 {
            match node.step(seg) {
                Some(next) => node = next,
                None => break,
            }
        }
        node
    }

    /// The span of the key of the last step of `path` if that is a mapping key, else the span
    /// of [`Node::locate`]: the natural place to report an unknown or misplaced field.
    #[must_use]
    pub fn key_span(&self, path: &FieldPath) -> Span {
        if let Some((PathSegment::Key(k), parent)) = path.0.split_last()
            && let Some(parent) = self.at(&FieldPath(parent.to_vec()))
            && let Some(e) = parent.entry(k)
        {
            return e.key_span;
        }
        self.locate(path).span
    }

    fn step(&self, seg: &PathSegment) -> Option<&Node> {
        match (seg, &self.value) {
            (PathSegment::Key(k), NodeValue::Map(_)) => self.get(k),
            (PathSegment::Index(i), NodeValue::Seq(items)) => items.get(*i),
            _ => None,
        }
    }

    /// The string value, if this is a string.
    #[must_use]
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            NodeValue::String(s) => Some(s),
            _ => None,
        }
    }

    /// The integer value, if this is an integer.
    #[must_use]
    pub fn as_i64(&self) -> Option<i64> {
        match self.value {
            NodeValue::Int(n) => Some(n),
            _ => None,
        }
    }

    /// The entries, if this is a mapping.
    #[must_use]
    pub fn as_map(&self) -> Option<&[Entry]> {
        match &self.value {
            NodeValue::Map(e) => Some(e),
            _ => None,
        }
    }

    /// The items, if this is a sequence.
    #[must_use]
    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            NodeValue::Seq(items) => Some(items),
            _ => None,
        }
    }

    /// True for `null`.
    #[must_use]
    pub fn is_null(&self) -> bool {
        matches!(self.value, NodeValue::Null)
    }

    /// The JSON type name of the value: `null`, `boolean`, `integer`, `number`, `string`,
    /// `array` or `object`.
    #[must_use]
    pub fn type_name(&self) -> &'static str {
        match self.value {
            NodeValue::Null => "null",
            NodeValue::Bool(_) => "boolean",
            NodeValue::Int(_) => "integer",
            NodeValue::Float(_) => "number",
            NodeValue::String(_) => "string",
            NodeValue::Seq(_) => "array",
            NodeValue::Map(_) => "object",
        }
    }

    /// The value as JSON (positions dropped; non-finite floats become `null`).
    #[must_use]
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            NodeValue::Null => J::Null,
            NodeValue::Bool(b) => J::Bool(*b),
            NodeValue::Int(n) => J::from(*n),
            NodeValue::Float(x) => serde_json::Number::from_f64(*x).map_or(J::Null, J::Number),
            NodeValue::String(s) => J::String(s.clone()),
            NodeValue::Seq(items) => J::Array(items.iter().map(Node::to_json).collect()),
            NodeValue::Map(entries) => J::Object(
                entries
                    .iter()
                    .map(|e| (e.key.clone(), e.value.to_json()))
                    .collect(),
            ),
        }
    }

    fn count(&self) -> usize {
        match &self.value {
            NodeValue::Seq(items) => 1 + items.iter().map(Node::count).sum::<usize>(),
            NodeValue::Map(entries) => 1 + entries.iter().map(|e| e.value.count()).sum::<usize>(),
            _ => 1,
        }
    }
}

/// Resolve a plain scalar with the YAML 1.2 core schema.
fn resolve_plain(text: &str) -> NodeValue {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return NodeValue::Null,
        "true" | "True" | "TRUE" => return NodeValue::Bool(true),
        "false" | "False" | "FALSE" => return NodeValue::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return NodeValue::Float(f64::INFINITY);
        }
        "-.inf" | "-.Inf" | "-.INF" => return NodeValue::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return NodeValue::Float(f64::NAN),
        _ => {}
    }
    let bytes = text.as_bytes();
    let (sign, digits) = match bytes.first() {
        Some(b'-') | Some(b'+') => (text.get(..1).unwrap_or(""), text.get(1..).unwrap_or("")),
        _ => ("", text),
    };
    if let Some(hex) = text.strip_prefix("0x")
        && !hex.is_empty()
        && hex.bytes().all(|b| b.is_ascii_hexdigit())
    {
        return i64::from_str_radix(hex, 16)
            .map_or_else(|_| NodeValue::String(text.to_owned()), NodeValue::Int);
    }
    if let Some(oct) = text.strip_prefix("0o")
        && !oct.is_empty()
        && oct.bytes().all(|b| (b'0'..=b'7').contains(&b))
    {
        return i64::from_str_radix(oct, 8)
            .map_or_else(|_| NodeValue::String(text.to_owned()), NodeValue::Int);
    }
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        return match format!("{sign}{digits}").parse::<i64>() {
            Ok(n) => NodeValue::Int(n),
            Err(_) => digits
                .parse::<f64>()
                .map(|x| NodeValue::Float(if sign == "-" { -x } else { x }))
                .unwrap_or_else(|_| NodeValue::String(text.to_owned())),
        };
    }
    if is_core_float(digits)
        && let Ok(x) = text.parse::<f64>()
    {
        return NodeValue::Float(x);
    }
    NodeValue::String(text.to_owned())
}

/// `(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?` (the sign is already stripped).
fn is_core_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    let int_digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
    i += int_digits;
    let mut frac_digits = 0;
    if b.get(i) == Some(&b'.') {
        i += 1;
        frac_digits = b
            .get(i..)
            .unwrap_or(&[])
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
        i += frac_digits;
    }
    if int_digits == 0 && frac_digits == 0 {
        return false;
    }
    if matches!(b.get(i), Some(b'e') | Some(b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'-') | Some(b'+')) {
            i += 1;
        }
        let exp = b
            .get(i..)
            .unwrap_or(&[])
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
        if exp == 0 {
            return false;
        }
        i += exp;
    }
    i == b.len()
}

enum Frame {
    Seq {
        start: Span,
        anchor: usize,
        items: Vec<Node>,
    },
    Map {
        start: Span,
        anchor: usize,
        entries: Vec<Entry>,
        key: Option<(String, Span)>,
    },
}

struct Builder<'f> {
    file: &'f Path,
    stack: Vec<Frame>,
    anchors: HashMap<usize, Node>,
    nodes: usize,
    root: Option<Node>,
    duplicates: Vec<DuplicateKey>,
}

impl Builder<'_> {
    fn limit(&self, span: Span, limit: &'static str) -> Error {
        Error::Limit {
            file: self.file.to_path_buf(),
            line: span.start.line,
            column: span.start.column,
            limit,
        }
    }

    fn push_node(&mut self, node: Node, anchor: usize) -> Result<(), Error> {
        self.nodes = self.nodes.saturating_add(1);
        if anchor != 0 {
            self.anchors.insert(anchor, node.clone());
        }
        self.add(node)
    }

    fn add(&mut self, node: Node) -> Result<(), Error> {
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, key, .. }) => match key.take() {
                Some((k, key_span)) => entries.push(Entry {
                    key: k,
                    key_span,
                    value: node,
                }),
                None => {
                    let text = match node.value {
                        NodeValue::String(s) => s,
                        NodeValue::Null => String::new(),
                        NodeValue::Bool(_) | NodeValue::Int(_) | NodeValue::Float(_) => {
                            scalar_text(&node)
                        }
                        NodeValue::Seq(_) | NodeValue::Map(_) => {
                            return Err(Error::ComplexKey {
                                file: self.file.to_path_buf(),
                                line: node.span.start.line,
                                column: node.span.start.column,
                            });
                        }
                    };
                    *key = Some((text, node.span));
                }
            },
        }
        Ok(())
    }

    fn open(&mut self, frame: Frame, span: Span) -> Result<(), Error> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(self.limit(span, "nesting depth"));
        }
        self.stack.push(frame);
        Ok(())
    }

    fn close_map(&mut self, start: Span, end: Span, entries: Vec<Entry>) -> Node {
        let span = Span {
            start: start.start,
            end: end.end,
        };
        // The common case, no duplicates and no merge keys, keeps the entries as they are;
        // small mappings are checked pairwise, larger ones through a set of keys.
        let clean = if entries.len() <= 16 {
            entries.iter().enumerate().all(|(i, e)| {
                e.key != "<<"
                    && entries
                        .get(..i)
                        .is_none_or(|before| before.iter().all(|b| b.key != e.key))
            })
        } else {
            let mut seen = std::collections::HashSet::with_capacity(entries.len());
            entries
                .iter()
                .all(|e| e.key != "<<" && seen.insert(e.key.as_str()))
        };
        if clean {
            // Trees are kept for the objects' lifetime: no growth slack.
            let mut entries = entries;
            entries.shrink_to_fit();
            return Node::new(span, NodeValue::Map(entries));
        }
        let mut explicit: Vec<Entry> = Vec::with_capacity(entries.len());
        let mut merged: Vec<Entry> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        for e in entries {
            if e.key == "<<" {
                match e.value.value {
                    NodeValue::Map(m) => merged.extend(m),
                    NodeValue::Seq(items) => {
                        for item in items {
                            if let NodeValue::Map(m) = item.value {
                                merged.extend(m);
                            }
                        }
                    }
                    _ => {}
                }
                continue;
            }
            if let Some(&i) = index.get(&e.key) {
                if let Some(old) = explicit.get_mut(i) {
                    self.duplicates.push(DuplicateKey {
                        key: e.key.clone(),
                        first: old.key_span,
                        second: e.key_span,
                    });
                    *old = e;
                }
            } else {
                index.insert(e.key.clone(), explicit.len());
                explicit.push(e);
            }
        }
        for e in merged {
            if !index.contains_key(&e.key) {
                index.insert(e.key.clone(), explicit.len());
                explicit.push(e);
            }
        }
        Node::new(span, NodeValue::Map(explicit))
    }
}

fn scalar_text(node: &Node) -> String {
    match &node.value {
        NodeValue::Bool(b) => b.to_string(),
        NodeValue::Int(n) => n.to_string(),
        NodeValue::Float(x) => x.to_string(),
        NodeValue::String(s) => s.clone(),
        _ => String::new(),
    }
}

fn syntax(file: &Path, e: &ScanError) -> Error {
    Error::Syntax {
        file: file.to_path_buf(),
        line: e.marker().line(),
        column: e.marker().col() + 1,
        message: e.info().to_owned(),
    }
}

/// Parse a YAML (or JSON) stream.
///
/// `file` only labels positions in errors; nothing is read from it.
///
/// # Errors
///
/// [`Error::Syntax`] for malformed input, [`Error::ComplexKey`] for a collection used as a
/// mapping key and [`Error::Limit`] for nesting deeper than [`MAX_DEPTH`] or aliases expanding
/// to more than [`MAX_NODES`] nodes; all with the file, line and column.
pub fn parse(src: &str, file: &Path) -> Result<Stream, Error> {
    let mut parser = Parser::new_from_str(src);
    let mut b = Builder {
        file,
        stack: Vec::new(),
        anchors: HashMap::new(),
        nodes: 0,
        root: None,
        duplicates: Vec::new(),
    };
    let mut out = Stream::default();
    let mut doc_index = 0usize;
    let mut in_doc = false;
    while let Some(ev) = parser.next_event() {
        let (ev, span) = ev.map_err(|e| syntax(file, &e))?;
        let span = Span::from_parser(span);
        match ev {
            Event::Nothing | Event::StreamStart | Event::StreamEnd => {}
            Event::DocumentStart(_) => {
                in_doc = true;
                b.root = None;
                b.anchors.clear();
            }
            Event::DocumentEnd => {
                if in_doc {
                    if let Some(root) = b.root.take()
                        && !root.is_null()
                    {
                        out.documents.push(Document {
                            index: doc_index,
                            root,
                        });
                    }
                    doc_index += 1;
                }
                in_doc = false;
            }
            Event::Alias(id) => {
                let node = b
                    .anchors
                    .get(&id)
                    .cloned()
                    .unwrap_or_else(|| Node::new(span, NodeValue::Null));
                b.nodes = b.nodes.saturating_add(node.count());
                if b.nodes > MAX_NODES {
                    return Err(b.limit(span, "alias expansion"));
                }
                b.add(node)?;
            }
            Event::Scalar(text, style, anchor, tag) => {
                let core_str = tag
                    .as_ref()
                    .is_some_and(|t| t.is_yaml_core_schema() && t.suffix == "str");
                let mut node = if style == ScalarStyle::Plain && !core_str {
                    let mut n = Node::new(span, resolve_plain(&text));
                    n.plain = true;
                    n
                } else {
                    Node::new(span, NodeValue::String(text.into_owned()))
                };
                if tag.as_ref().is_some_and(|t| !t.is_yaml_core_schema()) {
                    // Local tags (`!foo`) carry no meaning for manifests; keep the value.
                    node.plain = false;
                }
                b.push_node(node, anchor)?;
            }
            Event::SequenceStart(anchor, _) => b.open(
                Frame::Seq {
                    start: span,
                    anchor,
                    items: Vec::new(),
                },
                span,
            )?,
            Event::MappingStart(anchor, _) => b.open(
                Frame::Map {
                    start: span,
                    anchor,
                    entries: Vec::new(),
                    key: None,
                },
                span,
            )?,
            Event::SequenceEnd => {
                if let Some(Frame::Seq {
                    start,
                    anchor,
                    items,
                }) = b.stack.pop()
                {
                    let mut items = items;
                    items.shrink_to_fit();
                    let node = Node::new(
                        Span {
                            start: start.start,
                            end: span.end,
                        },
                        NodeValue::Seq(items),
                    );
                    b.push_node(node, anchor)?;
                }
            }
            Event::MappingEnd => {
                if let Some(Frame::Map {
                    start,
                    anchor,
                    entries,
                    ..
                }) = b.stack.pop()
                {
                    let node = b.close_map(start, span, entries);
                    b.push_node(node, anchor)?;
                }
            }
        }
        if b.nodes > MAX_NODES {
            return Err(b.limit(span, "alias expansion"));
        }
    }
    out.duplicates = b.duplicates;
    Ok(out)
}

/// Read and [`parse`] a file.
///
/// # Errors
///
/// [`Error::Io`] if the file cannot be read (or is not UTF-8), else as [`parse`].
pub fn parse_file(path: &Path) -> Result<Stream, Error> {
    let src = std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse(&src, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(src: &str) -> Stream {
        parse(src, Path::new("t.yaml")).unwrap()
    }

    #[test]
    fn scalars_resolve_with_core_schema() {
        let s = p(
            "a: 1\nb: '1'\nc: true\nd: yes\ne: ~\nf: 1.5\ng: 0x1F\nh: 0755\ni: 1e3\nj: 9999999999999999999999\nk: .5\nl: 1.2.3\n",
        );
        let r = &s.documents[0].root;
        assert_eq!(r.get("a").unwrap().value, NodeValue::Int(1));
        assert_eq!(r.get("b").unwrap().value, NodeValue::String("1".into()));
        assert!(!r.get("b").unwrap().plain);
        assert_eq!(r.get("c").unwrap().value, NodeValue::Bool(true));
        assert_eq!(r.get("d").unwrap().value, NodeValue::String("yes".into()));
        assert!(r.get("d").unwrap().plain);
        assert!(r.get("e").unwrap().is_null());
        assert_eq!(r.get("f").unwrap().value, NodeValue::Float(1.5));
        assert_eq!(r.get("g").unwrap().value, NodeValue::Int(31));
        assert_eq!(r.get("h").unwrap().value, NodeValue::Int(755));
        assert_eq!(r.get("i").unwrap().value, NodeValue::Float(1000.0));
        assert_eq!(r.get("j").unwrap().type_name(), "number");
        assert_eq!(r.get("k").unwrap().value, NodeValue::Float(0.5));
        assert_eq!(r.get("l").unwrap().value, NodeValue::String("1.2.3".into()));
    }

    #[test]
    fn empty_documents_are_skipped_but_counted() {
        let s = p("---\na: 1\n---\n---\n# only comment\n---\nb: 2\n...\n---\n");
        assert_eq!(s.documents.len(), 2);
        assert_eq!(s.documents[0].index, 0);
        assert_eq!(s.documents[1].index, 3);
        assert_eq!(s.documents[1].root.span.start.line, 7);
        assert!(p("").documents.is_empty());
        assert!(p("# c\n").documents.is_empty());
        assert!(p("null\n").documents.is_empty());
    }

    #[test]
    fn duplicate_keys_report_both_positions_and_keep_last() {
        let s = p("metadata:\n  name: p\n  name: q\n");
        assert_eq!(s.duplicates.len(), 1);
        let d = &s.duplicates[0];
        assert_eq!(d.key, "name");
        assert_eq!((d.first.start.line, d.first.start.column), (2, 3));
        assert_eq!((d.second.start.line, d.second.start.column), (3, 3));
        let name = s.documents[0]
            .root
            .at(&"metadata.name".parse().unwrap())
            .unwrap();
        assert_eq!(name.as_str(), Some("q"));
    }

    #[test]
    fn positions_of_nested_values() {
        let s = p("spec:\n  containers:\n  - name: a\n    image: \"x:1\"\n");
        let root = &s.documents[0].root;
        let path: FieldPath = "spec.containers[0].image".parse().unwrap();
        let img = root.at(&path).unwrap();
        assert_eq!((img.span.start.line, img.span.start.column), (4, 12));
        let ks = root.key_span(&path);
        assert_eq!((ks.start.line, ks.start.column), (4, 5));
        let missing: FieldPath = "spec.containers[0].resources.limits".parse().unwrap();
        assert_eq!(root.locate(&missing).span.start.line, 3);
    }

    #[test]
    fn json_input() {
        let s = p("{\"apiVersion\": \"v1\",\n \"kind\": \"ConfigMap\", \"data\": {\"a\": \"1\"}}");
        let root = &s.documents[0].root;
        assert_eq!(root.get("kind").unwrap().as_str(), Some("ConfigMap"));
        assert_eq!(
            root.get("kind").unwrap().span.start,
            Position {
                line: 2,
                column: 10
            }
        );
        assert_eq!(
            root.to_json(),
            serde_json::json!({"apiVersion":"v1","kind":"ConfigMap","data":{"a":"1"}})
        );
    }

    #[test]
    fn anchors_aliases_and_merge_keys() {
        let s = p("base: &b\n  x: 1\n  y: 2\nuse:\n  <<: *b\n  y: 3\nref: *b\n");
        let j = s.documents[0].root.to_json();
        assert_eq!(j["use"], serde_json::json!({"y":3,"x":1}));
        assert_eq!(j["ref"], serde_json::json!({"x":1,"y":2}));
    }

    #[test]
    fn errors_have_positions() {
        let e = parse("a: [1, 2\n", Path::new("f.yaml")).unwrap_err();
        assert!(matches!(e, Error::Syntax { .. }), "{e}");
        let e = parse("? [a]\n: 1\n", Path::new("f.yaml")).unwrap_err();
        assert!(matches!(e, Error::ComplexKey { line: 1, .. }), "{e}");
        let deep = "[".repeat(MAX_DEPTH + 5);
        let e = parse(&deep, Path::new("f.yaml")).unwrap_err();
        assert!(
            matches!(e, Error::Limit { .. } | Error::Syntax { .. }),
            "{e}"
        );
        let bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\ng: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n";
        let e = parse(bomb, Path::new("f.yaml")).unwrap_err();
        assert!(
            matches!(
                e,
                Error::Limit {
                    limit: "alias expansion",
                    ..
                }
            ),
            "{e}"
        );
    }

    #[test]
    fn field_path_round_trip() {
        for s in [
            "spec.template.spec.containers[0].image",
            "metadata.labels[\"app.kubernetes.io/name\"]",
            "[3].a",
            "",
        ] {
            let p: FieldPath = s.parse().unwrap();
            assert_eq!(p.to_string(), s);
        }
        assert!("a[x]".parse::<FieldPath>().is_err());
        assert!("a..b".parse::<FieldPath>().is_err());
    }
}
