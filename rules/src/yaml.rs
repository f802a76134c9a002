//! A position-keeping YAML loader on top of `saphyr-parser` events.
//!
//! Nodes live in one arena; an alias is a second reference to the anchored node, so alias
//! "bombs" cost nothing and every node keeps the position of the text that defines it.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, Span};

use crate::diagnostic::Position;
use crate::error::Error;

/// Index of a node in [`Yaml::nodes`].
pub(crate) type NodeId = usize;

/// A start or end mark: character index, 1-based line, 0-based column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Mark {
    pub(crate) index: usize,
    pub(crate) line: u32,
    pub(crate) col: u32,
}

impl Mark {
    fn from_marker(m: &saphyr_parser::Marker) -> Self {
        Mark {
            index: m.index(),
            line: u32::try_from(m.line()).unwrap_or(u32::MAX),
            col: u32::try_from(m.col()).unwrap_or(u32::MAX),
        }
    }

    /// The 1-based position of this mark.
    pub(crate) fn pos(&self) -> Position {
        Position::new(self.line.max(1), self.col.saturating_add(1))
    }
}

/// The style a scalar was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
    Folded,
}

impl From<ScalarStyle> for Style {
    fn from(s: ScalarStyle) -> Self {
        match s {
            ScalarStyle::Plain => Style::Plain,
            ScalarStyle::SingleQuoted => Style::SingleQuoted,
            ScalarStyle::DoubleQuoted => Style::DoubleQuoted,
            ScalarStyle::Literal => Style::Literal,
            ScalarStyle::Folded => Style::Folded,
        }
    }
}

/// What a node holds.
#[derive(Debug, Clone)]
pub(crate) enum Kind {
    Scalar {
        value: String,
        style: Style,
        tag: Option<String>,
    },
    Seq(Vec<NodeId>),
    Map(Vec<(NodeId, NodeId)>),
}

/// One YAML node with its source span.
#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub(crate) kind: Kind,
    pub(crate) start: Mark,
    pub(crate) end: Mark,
}

impl Node {
    /// Whether this is a null scalar (`~`, `null`, empty plain) as YAML 1.2 core schema says.
    pub(crate) fn is_null(&self) -> bool {
        match &self.kind {
            Kind::Scalar {
                value,
                style: Style::Plain,
                tag,
            } => tag.is_none() && matches!(value.as_str(), "" | "~" | "null" | "Null" | "NULL"),
            _ => false,
        }
    }

    /// The name of the node's kind as Go's yaml package prints it (`!!map`, `!!seq`, `!!str`...).
    pub(crate) fn kind_name(&self) -> &'static str {
        match &self.kind {
            Kind::Map(_) => "!!map",
            Kind::Seq(_) => "!!seq",
            Kind::Scalar { .. } if self.is_null() => "!!null",
            Kind::Scalar { value, style, .. } => {
                if *style == Style::Plain {
                    if value.parse::<i64>().is_ok() {
                        return "!!int";
                    }
                    if value.parse::<f64>().is_ok() {
                        return "!!float";
                    }
                    if matches!(
                        value.as_str(),
                        "true" | "false" | "True" | "False" | "TRUE" | "FALSE"
                    ) {
                        return "!!bool";
                    }
                }
                "!!str"
            }
        }
    }
}

/// A parsed YAML stream: every document's root in one arena.
#[derive(Debug, Default)]
pub(crate) struct Yaml {
    pub(crate) nodes: Vec<Node>,
    /// Root node of each document (`None` for an empty document).
    pub(crate) docs: Vec<Option<NodeId>>,
}

enum Frame {
    Seq {
        items: Vec<NodeId>,
        anchor: usize,
        start: Mark,
    },
    Map {
        entries: Vec<(NodeId, NodeId)>,
        key: Option<NodeId>,
        anchor: usize,
        start: Mark,
    },
}

/// Nesting deeper than this is rejected (no rule file needs it; it bounds every walk).
const MAX_DEPTH: usize = 256;

impl Yaml {
    /// Load every document of `src`.
    pub(crate) fn load(file: &str, src: &str) -> Result<Yaml, Error> {
        let mut y = Yaml::default();
        let mut stack: Vec<Frame> = Vec::new();
        let mut anchors: HashMap<usize, NodeId> = HashMap::new();
        let mut root: Option<NodeId> = None;
        let yaml_err = |pos: Position, message: String| Error::Yaml {
            file: file.to_string(),
            line: pos.line,
            column: pos.column,
            message,
        };
        for ev in Parser::new_from_str(src) {
            let (event, span): (Event<'_>, Span) = match ev {
                Ok(e) => e,
                Err(e) => {
                    let m = Mark::from_marker(e.marker());
                    return Err(yaml_err(m.pos(), e.info().to_string()));
                }
            };
            let start = Mark::from_marker(&span.start);
            let end = Mark::from_marker(&span.end);
            let done: Option<(NodeId, usize)> = match event {
                Event::DocumentStart(_) => {
                    anchors.clear();
                    root = None;
                    None
                }
                Event::DocumentEnd => {
                    y.docs.push(root.take());
                    None
                }
                Event::Alias(id) => match anchors.get(&id) {
                    Some(&n) => Some((n, 0)),
                    None => {
                        return Err(yaml_err(
                            start.pos(),
                            "alias refers to an unknown or unfinished anchor".to_string(),
                        ));
                    }
                },
                Event::Scalar(value, style, anchor, tag) => {
                    let id = y.nodes.len();
                    y.nodes.push(Node {
                        kind: Kind::Scalar {
                            value: value.into_owned(),
                            style: style.into(),
                            tag: tag.map(|t| format!("{}{}", t.handle, t.suffix)),
                        },
                        start,
                        end,
                    });
                    Some((id, anchor))
                }
                Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                    if stack.len() >= MAX_DEPTH {
                        return Err(yaml_err(start.pos(), "nesting too deep".to_string()));
                    }
                    stack.push(if matches!(event, Event::SequenceStart(..)) {
                        Frame::Seq {
                            items: Vec::new(),
                            anchor,
                            start,
                        }
                    } else {
                        Frame::Map {
                            entries: Vec::new(),
                            key: None,
                            anchor,
                            start,
                        }
                    });
                    None
                }
                Event::SequenceEnd | Event::MappingEnd => match stack.pop() {
                    Some(Frame::Seq {
                        items,
                        anchor,
                        start,
                    }) => {
                        let id = y.nodes.len();
                        y.nodes.push(Node {
                            kind: Kind::Seq(items),
                            start,
                            end,
                        });
                        Some((id, anchor))
                    }
                    Some(Frame::Map {
                        entries,
                        anchor,
                        start,
                        ..
                    }) => {
                        let id = y.nodes.len();
                        y.nodes.push(Node {
                            kind: Kind::Map(entries),
                            start,
                            end,
                        });
                        Some((id, anchor))
                    }
                    None => None,
                },
                Event::StreamStart | Event::StreamEnd | Event::Nothing => None,
            };
            if let Some((id, anchor)) = done {
                if anchor != 0 {
                    anchors.insert(anchor, id);
                }
                match stack.last_mut() {
                    Some(Frame::Seq { items, .. }) => items.push(id),
                    Some(Frame::Map { entries, key, .. }) => match key.take() {
                        Some(k) => entries.push((k, id)),
                        None => *key = Some(id),
                    },
                    None => root = Some(id),
                }
            }
        }
        Ok(y)
    }

    /// The node with id `id`.
    pub(crate) fn node(&self, id: NodeId) -> Option<&Node> {
        self.nodes.get(id)
    }

    /// The scalar text of a node, if it is a scalar.
    pub(crate) fn scalar(&self, id: NodeId) -> Option<&str> {
        match self.node(id).map(|n| &n.kind) {
            Some(Kind::Scalar { value, .. }) => Some(value.as_str()),
            _ => None,
        }
    }
}

/// Map a character offset inside a scalar's decoded value to a position in the file.
///
/// Walks the decoded text and the source text side by side from the scalar's first character,
/// skipping what YAML removes (indentation, folded line breaks, quotes, escape backslashes).
/// `line_starts` holds the byte offset of every line of `src`.
pub(crate) fn value_offset_to_pos(
    src: &str,
    line_starts: &[usize],
    start: Mark,
    style: Style,
    value: &str,
    target_char: usize,
) -> Position {
    let line_idx = usize::try_from(start.line.saturating_sub(1)).unwrap_or(0);
    let Some(&line_start) = line_starts.get(line_idx) else {
        return start.pos();
    };
    let rest = src.get(line_start..).unwrap_or("");
    // Byte offset of the scalar's first char: skip `col` characters of its line.
    let col = usize::try_from(start.col).unwrap_or(0);
    let skip: usize = rest.chars().take(col).map(char::len_utf8).sum();
    let mut s = rest.get(skip..).unwrap_or("").chars().peekable();
    let mut line = start.line;
    let mut column = start.col.saturating_add(1);
    let quoted = matches!(style, Style::SingleQuoted | Style::DoubleQuoted);
    // Step over the opening quote.
    if quoted {
        s.next();
        column += 1;
    }
    let advance = |c: char, line: &mut u32, column: &mut u32| {
        if c == '\n' {
            *line += 1;
            *column = 1;
        } else {
            *column += 1;
        }
    };
    for (i, d) in value.chars().enumerate() {
        if i >= target_char {
            break;
        }
        if d.is_whitespace() {
            // A decoded blank: consume one source blank (or a two-char escape like `\n`).
            match s.peek().copied() {
                Some('\\') => {
                    s.next();
                    advance('\\', &mut line, &mut column);
                    if let Some(c) = s.next() {
                        advance(c, &mut line, &mut column);
                    }
                }
                Some(c) if c.is_whitespace() => {
                    s.next();
                    advance(c, &mut line, &mut column);
                }
                _ => {}
            }
            continue;
        }
        // A decoded visible char: skip blanks and escape/quote syntax until it appears.
        let mut budget = 64usize;
        loop {
            match s.peek().copied() {
                Some(c) if c == d => {
                    s.next();
                    advance(c, &mut line, &mut column);
                    break;
                }
                Some(c)
                    if budget > 0 && (c.is_whitespace() || c == '\\' || c == '\'' || c == '"') =>
                {
                    budget -= 1;
                    s.next();
                    advance(c, &mut line, &mut column);
                }
                _ => break,
            }
        }
    }
    // Position of the target char itself: skip blanks that precede a visible target.
    if let Some(t) = value.chars().nth(target_char)
        && !t.is_whitespace()
    {
        let mut budget = 64usize;
        while let Some(c) = s.peek().copied() {
            if c == t || budget == 0 || !(c.is_whitespace() || c == '\\') {
                break;
            }
            budget -= 1;
            s.next();
            advance(c, &mut line, &mut column);
        }
    }
    Position::new(line, column)
}

/// Byte offsets at which each line of `src` starts.
pub(crate) fn line_starts(src: &str) -> Vec<usize> {
    let mut v = vec![0];
    for (i, b) in src.bytes().enumerate() {
        if b == b'\n' {
            v.push(i + 1);
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(s: &str) -> Yaml {
        Yaml::load("t.yml", s).unwrap()
    }

    #[test]
    fn keeps_positions_and_resolves_aliases() {
        let y = load("a: &x\n  b: 1\nc: *x\n");
        let root = y.docs[0].unwrap();
        let Kind::Map(entries) = &y.node(root).unwrap().kind else {
            panic!("not a map")
        };
        assert_eq!(entries.len(), 2);
        // The alias points at the same node as the anchor.
        assert_eq!(entries[0].1, entries[1].1);
        assert_eq!(
            y.node(entries[1].0).unwrap().start.pos(),
            Position::new(3, 1)
        );
    }

    #[test]
    fn multi_document() {
        let y = load("a: 1\n---\nb: 2\n---\n");
        assert_eq!(y.docs.len(), 3);
    }

    #[test]
    fn syntax_error_has_position() {
        let e = Yaml::load("t.yml", "a: 1\n\tb: 2\n").unwrap_err();
        assert!(
            matches!(e, Error::Yaml { line: 1, .. } | Error::Yaml { line: 2, .. }),
            "{e:?}"
        );
    }

    #[test]
    fn deep_nesting_is_an_error() {
        let s = "[".repeat(1000);
        assert!(Yaml::load("t.yml", &s).is_err());
    }

    fn pos_of(src: &str, needle: &str) -> Position {
        let y = load(src);
        let id = y
            .nodes
            .iter()
            .position(|n| matches!(&n.kind, Kind::Scalar { value, .. } if value.contains(needle)))
            .unwrap();
        let node = y.node(id).unwrap();
        let Kind::Scalar { value, style, .. } = &node.kind else {
            panic!()
        };
        let off = value[..value.find(needle).unwrap()].chars().count();
        value_offset_to_pos(src, &line_starts(src), node.start, *style, value, off)
    }

    #[test]
    fn offsets_inside_literal_block() {
        let src = "expr: |\n  sum(\n    rate(x[5m])\n";
        assert_eq!(pos_of(src, "rate"), Position::new(3, 5));
    }

    #[test]
    fn offsets_inside_folded_and_plain() {
        assert_eq!(
            pos_of("expr: >-\n  foo\n  bar\n", "bar"),
            Position::new(3, 3)
        );
        assert_eq!(pos_of("expr: foo\n  bar\n", "bar"), Position::new(2, 3));
    }

    proptest::proptest! {
        /// Every word of a block scalar maps back to where it is written in the file.
        #[test]
        fn block_scalar_positions_round_trip(
            words in proptest::collection::vec("[a-z(){}\\[\\]=\"0-9]{1,8}", 1..12),
            breaks in proptest::collection::vec(proptest::bool::ANY, 12),
            indent in 2usize..6,
            folded in proptest::bool::ANY,
        ) {
            let pad = " ".repeat(indent);
            let mut body = String::new();
            let mut line = pad.clone();
            for (i, w) in words.iter().enumerate() {
                line.push_str(w);
                if breaks[i] || i + 1 == words.len() {
                    body.push_str(&line);
                    body.push('\n');
                    line = pad.clone();
                } else {
                    line.push(' ');
                }
            }
            let src = format!("expr: {}\n{body}", if folded { ">" } else { "|" });
            let y = load(&src);
            let Some(node) = y.nodes.iter().find(|n| matches!(&n.kind, Kind::Scalar { style: Style::Literal | Style::Folded, .. })) else {
                return Ok(());
            };
            let Kind::Scalar { value, style, .. } = &node.kind else { unreachable!() };
            let starts = line_starts(&src);
            // Walk the words in order through the value and the source.
            let (mut vpos, mut spos) = (0usize, src.find('\n').unwrap() + 1);
            for w in &words {
                let vi = vpos + value[vpos..].find(w.as_str()).unwrap();
                let si = spos + src[spos..].find(w.as_str()).unwrap();
                let got = value_offset_to_pos(&src, &starts, node.start, *style, value, value[..vi].chars().count());
                let line_no = src[..si].matches('\n').count() + 1;
                let col = src[..si].rfind('\n').map_or(si, |n| si - n - 1) + 1;
                proptest::prop_assert_eq!(got, Position::new(line_no as u32, col as u32), "word {:?} in {:?}", w, src);
                vpos = vi + w.len();
                spos = si + w.len();
            }
        }
    }

    #[test]
    fn offsets_inside_quoted() {
        assert_eq!(pos_of("expr: 'a + b'\n", "b"), Position::new(1, 12));
        assert_eq!(
            pos_of("expr: \"x{a=\\\"b\\\"} + c\"\n", "c"),
            Position::new(1, 21)
        );
        assert_eq!(pos_of("expr: 'it''s + d'\n", "d"), Position::new(1, 16));
    }
}
