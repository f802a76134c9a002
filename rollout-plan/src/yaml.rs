//! A small position-keeping document tree, loaded from YAML (through saphyr's marked loader) or
//! from JSON values, so every model field can be traced back to its line and column.

use saphyr::{LoadableYamlNode, MarkedYaml, Scalar, YamlData};

use crate::diagnostic::Pos;
use crate::error::Error;

/// One node of a loaded document with the position of its first character.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    pub(crate) value: Value,
    pub(crate) pos: Pos,
}

/// The value of a [`Node`].
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// A string; quoted YAML scalars always land here.
    Str(String),
    Seq(Vec<Node>),
    /// Keys in document order with the key's own position.
    Map(Vec<(String, Pos, Node)>),
}

impl Node {
    /// The entry for `key` if this is a map holding it.
    pub(crate) fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries.iter().find(|(k, _, _)| k == key).map(|(_, _, n)| n),
            _ => None,
        }
    }

    /// A short name of the node's type for error messages.
    pub(crate) fn type_name(&self) -> &'static str {
        match self.value {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Int(_) => "an integer",
            Value::Float(_) => "a number",
            Value::Str(_) => "a string",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a map",
        }
    }

    /// Converts a JSON value (no positions: line and column 0).
    pub(crate) fn from_json(value: &serde_json::Value) -> Node {
        let value = match value {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => match n.as_i64() {
                Some(i) => Value::Int(i),
                None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
            serde_json::Value::String(s) => Value::Str(s.clone()),
            serde_json::Value::Array(items) => {
                Value::Seq(items.iter().map(Node::from_json).collect())
            }
            serde_json::Value::Object(map) => Value::Map(
                map.iter()
                    .map(|(k, v)| (k.clone(), Pos::default(), Node::from_json(v)))
                    .collect(),
            ),
        };
        Node {
            value,
            pos: Pos::default(),
        }
    }
}

/// Loads every document of a YAML stream. Empty documents (a lone `---`) are skipped.
pub(crate) fn load_documents(text: &str, file: &str) -> Result<Vec<Node>, Error> {
    let docs = MarkedYaml::load_from_str(text).map_err(|e| Error::Yaml {
        file: file.to_string(),
        line: e.marker().line(),
        column: e.marker().col() + 1,
        message: e.info().to_string(),
    })?;
    let mut out = Vec::with_capacity(docs.len());
    for doc in &docs {
        let node = convert(doc, file, 0)?;
        if node.value != Value::Null {
            out.push(node);
        }
    }
    Ok(out)
}

/// Nesting deeper than this is refused so hostile input cannot exhaust the stack.
const MAX_DEPTH: usize = 64;

fn convert(y: &MarkedYaml<'_>, file: &str, depth: usize) -> Result<Node, Error> {
    let pos = Pos {
        line: y.span.start.line(),
        column: y.span.start.col() + 1,
    };
    let unsupported = |what: &str| Error::Yaml {
        file: file.to_string(),
        line: pos.line,
        column: pos.column,
        message: what.to_string(),
    };
    if depth > MAX_DEPTH {
        return Err(unsupported("document nested too deeply"));
    }
    let value = match &y.data {
        YamlData::Value(s) => scalar(s),
        YamlData::Representation(raw, _, _) => Value::Str(raw.to_string()),
        YamlData::Sequence(items) => Value::Seq(
            items
                .iter()
                .map(|i| convert(i, file, depth + 1))
                .collect::<Result<_, _>>()?,
        ),
        YamlData::Mapping(map) => {
            let mut entries = Vec::with_capacity(map.len());
            for (k, v) in map.iter() {
                let key_pos = Pos {
                    line: k.span.start.line(),
                    column: k.span.start.col() + 1,
                };
                let key = match &k.data {
                    YamlData::Value(Scalar::String(s)) => s.to_string(),
                    YamlData::Value(Scalar::Integer(i)) => i.to_string(),
                    YamlData::Value(Scalar::Boolean(b)) => b.to_string(),
                    YamlData::Value(Scalar::FloatingPoint(f)) => f.to_string(),
                    YamlData::Value(Scalar::Null) => "null".to_string(),
                    _ => {
                        return Err(Error::Yaml {
                            file: file.to_string(),
                            line: key_pos.line,
                            column: key_pos.column,
                            message: "map keys must be scalars".to_string(),
                        });
                    }
                };
                entries.push((key, key_pos, convert(v, file, depth + 1)?));
            }
            Value::Map(entries)
        }
        YamlData::Tagged(_, inner) => return convert(inner, file, depth + 1),
        YamlData::Alias(_) => return Err(unsupported("yaml aliases are not supported")),
        YamlData::BadValue => return Err(unsupported("invalid yaml value")),
    };
    Ok(Node { value, pos })
}

fn scalar(s: &Scalar<'_>) -> Value {
    match s {
        Scalar::Null => Value::Null,
        Scalar::Boolean(b) => Value::Bool(*b),
        Scalar::Integer(i) => Value::Int(*i),
        Scalar::FloatingPoint(f) => Value::Float(f.into_inner()),
        Scalar::String(s) => Value::Str(s.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based() {
        let docs = load_documents("a: 1\nb:\n  c: \"x\"\n---\n---\nd: [1, 2]\n", "f.yaml").unwrap();
        assert_eq!(docs.len(), 2);
        let b = docs[0].get("b").unwrap();
        let c = b.get("c").unwrap();
        assert_eq!(c.value, Value::Str("x".into()));
        assert_eq!((c.pos.line, c.pos.column), (3, 6));
        let d = docs[1].get("d").unwrap();
        assert_eq!(d.pos.line, 6);
    }

    #[test]
    fn syntax_error_has_position() {
        let err = load_documents("a: [1,\n", "f.yaml").unwrap_err();
        match err {
            Error::Yaml { line, file, .. } => {
                assert_eq!(file, "f.yaml");
                assert!(line >= 1);
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}
