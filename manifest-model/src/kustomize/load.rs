//! YAML text to JSON values, with kustomize's scalar resolution and positions for errors.

use saphyr_parser::{Event, Parser, ScalarStyle, Span, Tag};
use serde_json::{Map, Value};

use super::scalar::{self, Resolved, Schema};

/// Deepest nesting accepted (protects the stack).
const MAX_DEPTH: usize = 256;
/// Most values alias expansion may copy (protects memory against "billion laughs").
const MAX_ALIAS_NODES: usize = 1_000_000;

/// A YAML problem at a 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LoadError {
    pub(crate) line: usize,
    pub(crate) column: usize,
    pub(crate) message: String,
}

fn at(span: &Span, message: impl Into<String>) -> LoadError {
    LoadError {
        line: span.start.line(),
        column: span.start.col() + 1,
        message: message.into(),
    }
}

enum Frame {
    Seq {
        items: Vec<Value>,
        anchor: usize,
        path: String,
    },
    Map {
        map: Map<String, Value>,
        key: Option<(String, Span)>,
        merges: Vec<Value>,
        anchor: usize,
        path: String,
    },
}

/// Field paths (`images[0].newTag`) of the first document with their 1-based line and column.
pub(crate) type Positions = Vec<(String, usize, usize)>;

/// The path of the next value inside the innermost open collection.
fn child_path(stack: &[Frame]) -> String {
    match stack.last() {
        None => String::new(),
        Some(Frame::Seq { items, path, .. }) => format!("{path}[{}]", items.len()),
        Some(Frame::Map { key, path, .. }) => {
            let k = key.as_ref().map(|(k, _)| k.as_str()).unwrap_or("");
            if path.is_empty() {
                k.to_owned()
            } else {
                format!("{path}.{k}")
            }
        }
    }
}

/// Parses every document of `text`; empty (null) documents are dropped.
pub(crate) fn load_documents(text: &str, schema: Schema) -> Result<Vec<Value>, LoadError> {
    load_with_positions(text, schema).map(|(docs, _)| docs)
}

/// As [`load_documents`], also returning the positions of the first document's fields.
pub(crate) fn load_with_positions(
    text: &str,
    schema: Schema,
) -> Result<(Vec<Value>, Positions), LoadError> {
    let mut positions: Positions = Vec::new();
    let mut parser = Parser::new_from_str(text);
    let mut docs = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: Vec<(usize, Value)> = Vec::new();
    let mut alias_nodes = 0usize;
    let mut root: Option<Value> = None;
    while let Some(ev) = parser.next_event() {
        let (ev, span) = ev.map_err(|e| LoadError {
            line: e.marker().line(),
            column: e.marker().col() + 1,
            message: e.info().to_owned(),
        })?;
        let (value, anchor) = match ev {
            Event::DocumentStart(_) => {
                root = None;
                anchors.clear();
                continue;
            }
            Event::DocumentEnd => {
                if let Some(v) = root.take()
                    && !v.is_null()
                {
                    docs.push(v);
                }
                continue;
            }
            Event::StreamStart | Event::StreamEnd | Event::Nothing => continue,
            Event::SequenceStart(anchor, _) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(at(&span, "nesting depth limit exceeded"));
                }
                let path = child_path(&stack);
                if docs.is_empty()
                    && !stack.is_empty()
                    && matches!(stack.last(), Some(Frame::Seq { .. }))
                {
                    positions.push((path.clone(), span.start.line(), span.start.col() + 1));
                }
                stack.push(Frame::Seq {
                    items: Vec::new(),
                    anchor,
                    path,
                });
                continue;
            }
            Event::MappingStart(anchor, _) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(at(&span, "nesting depth limit exceeded"));
                }
                let path = child_path(&stack);
                if docs.is_empty()
                    && !stack.is_empty()
                    && matches!(stack.last(), Some(Frame::Seq { .. }))
                {
                    positions.push((path.clone(), span.start.line(), span.start.col() + 1));
                }
                stack.push(Frame::Map {
                    map: Map::new(),
                    key: None,
                    merges: Vec::new(),
                    anchor,
                    path,
                });
                continue;
            }
            Event::SequenceEnd => match stack.pop() {
                Some(Frame::Seq { items, anchor, .. }) => (Value::Array(items), anchor),
                _ => return Err(at(&span, "unbalanced sequence")),
            },
            Event::MappingEnd => match stack.pop() {
                Some(Frame::Map {
                    mut map,
                    merges,
                    anchor,
                    ..
                }) => {
                    for merged in merges {
                        merge_into(&mut map, merged, &span)?;
                    }
                    (Value::Object(map), anchor)
                }
                _ => return Err(at(&span, "unbalanced mapping")),
            },
            Event::Alias(id) => {
                let Some((_, v)) = anchors.iter().rev().find(|(a, _)| *a == id) else {
                    return Err(at(&span, "unknown anchor"));
                };
                alias_nodes = alias_nodes.saturating_add(count_nodes(v));
                if alias_nodes > MAX_ALIAS_NODES {
                    return Err(at(&span, "alias expansion limit exceeded"));
                }
                (v.clone(), 0)
            }
            Event::Scalar(text, style, anchor, tag) => {
                let is_key = matches!(stack.last(), Some(Frame::Map { key: None, .. }));
                if is_key {
                    let key = if style == ScalarStyle::Plain && tag.is_none() && text == "<<" {
                        "<<".to_owned()
                    } else {
                        key_string(&text, style, tag.as_deref(), schema, &span)?
                    };
                    if let Some(Frame::Map {
                        map,
                        key: slot,
                        path,
                        ..
                    }) = stack.last_mut()
                    {
                        if key != "<<" && map.contains_key(&key) {
                            return Err(at(&span, format!("mapping key {key:?} already defined")));
                        }
                        if docs.is_empty() {
                            let p = if path.is_empty() {
                                key.clone()
                            } else {
                                format!("{path}.{key}")
                            };
                            positions.push((p, span.start.line(), span.start.col() + 1));
                        }
                        *slot = Some((key, span));
                    }
                    continue;
                }
                if docs.is_empty() && matches!(stack.last(), Some(Frame::Seq { .. })) {
                    positions.push((child_path(&stack), span.start.line(), span.start.col() + 1));
                }
                (
                    scalar_value(&text, style, tag.as_deref(), schema, &span)?,
                    anchor,
                )
            }
        };
        if anchor != 0 {
            anchors.push((anchor, value.clone()));
        }
        match stack.last_mut() {
            None => root = Some(value),
            Some(Frame::Seq { items, .. }) => items.push(value),
            Some(Frame::Map {
                map, key, merges, ..
            }) => {
                if let Some((k, kspan)) = key.take() {
                    if k == "<<" && !map.contains_key("<<") {
                        match value {
                            Value::Object(_) => merges.push(value),
                            Value::Array(items) => merges.extend(items),
                            _ => {
                                return Err(at(
                                    &kspan,
                                    "map merge requires a mapping or a sequence of mappings",
                                ));
                            }
                        }
                    } else {
                        map.insert(k, value);
                    }
                } else {
                    return Err(at(&span, "mapping keys must be scalars"));
                }
            }
        }
    }
    Ok((docs, positions))
}

fn merge_into(map: &mut Map<String, Value>, merged: Value, span: &Span) -> Result<(), LoadError> {
    let Value::Object(m) = merged else {
        return Err(at(
            span,
            "map merge requires a mapping or a sequence of mappings",
        ));
    };
    for (k, v) in m {
        map.entry(k).or_insert(v);
    }
    Ok(())
}

fn count_nodes(v: &Value) -> usize {
    match v {
        Value::Array(a) => 1 + a.iter().map(count_nodes).sum::<usize>(),
        Value::Object(m) => 1 + m.values().map(count_nodes).sum::<usize>(),
        _ => 1,
    }
}

fn core_tag(tag: Option<&Tag>) -> Option<&str> {
    let t = tag?;
    if t.handle == "!!" || t.handle == "tag:yaml.org,2002:" {
        Some(t.suffix.as_str())
    } else {
        None
    }
}

fn scalar_value(
    text: &str,
    style: ScalarStyle,
    tag: Option<&Tag>,
    schema: Schema,
    span: &Span,
) -> Result<Value, LoadError> {
    let resolved = match core_tag(tag) {
        Some("str") => return Ok(Value::String(text.to_owned())),
        Some("int" | "float" | "bool" | "null") => scalar::resolve(text, schema),
        _ if style != ScalarStyle::Plain => return Ok(Value::String(text.to_owned())),
        _ => scalar::resolve(text, schema),
    };
    if let Resolved::Float(f) = resolved
        && !f.is_finite()
    {
        return Err(at(
            span,
            format!("unsupported value {text:?}: infinity and NaN have no JSON form"),
        ));
    }
    scalar::to_json(resolved, text).ok_or_else(|| at(span, format!("unsupported value {text:?}")))
}

fn key_string(
    text: &str,
    style: ScalarStyle,
    tag: Option<&Tag>,
    schema: Schema,
    span: &Span,
) -> Result<String, LoadError> {
    if style != ScalarStyle::Plain || core_tag(tag) == Some("str") {
        return Ok(text.to_owned());
    }
    match scalar::resolve(text, schema) {
        Resolved::Str => Ok(text.to_owned()),
        // sigs.k8s.io/yaml turns non-string keys of kustomization files into strings.
        _ if schema == Schema::V11 => Ok(text.to_owned()),
        _ => Err(at(span, format!("mapping key {text:?} is not a string"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_and_merges() {
        let docs = load_documents(
            "---\na: &x {b: 1}\nc:\n  <<: *x\n  d: yes\n---\n---\n# c\n",
            Schema::V3,
        )
        .unwrap();
        assert_eq!(docs.len(), 1);
        assert_eq!(docs[0]["c"]["b"], 1);
        assert_eq!(docs[0]["c"]["d"], "yes");
    }

    #[test]
    fn positions_of_fields() {
        let (_, pos) = load_with_positions("a:\n- x\n- k: v\n", Schema::V11).unwrap();
        assert!(pos.contains(&("a".into(), 1, 1)));
        assert!(pos.contains(&("a[1]".into(), 3, 3)));
        assert!(pos.contains(&("a[1].k".into(), 3, 3)));
    }

    #[test]
    fn duplicate_key_is_an_error() {
        let e = load_documents("a: 1\na: 2\n", Schema::V3).unwrap_err();
        assert_eq!((e.line, e.column), (2, 1));
    }

    #[test]
    fn non_string_key_is_an_error_in_resources() {
        assert!(load_documents("1: a\n", Schema::V3).is_err());
        assert_eq!(load_documents("1: a\n", Schema::V11).unwrap()[0]["1"], "a");
    }
}
