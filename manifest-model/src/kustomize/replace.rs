//! `replacements`: copy one object's field into fields of other objects, as kustomize v5.5's
//! replacement transformer does (after every other builtin transformer, before name hashes).
//!
//! Values travel as kustomize's YAML nodes do: a scalar target keeps its type (the copied text
//! must read as that type, `"3"` into `replicas: 1` gives `3`), a created or non-scalar target
//! takes the source node (a created scalar is typed by its text).

use serde_json::{Map, Value};

use super::emit::number_text;
use super::failure::Failure;
use super::kustomization::{
    FieldError, Selector, list, object, opt_bool, opt_string, selector, strings, wrong,
};
use super::patch::selector_text_matches;
use super::resource::{Id, Resource, ns_eq};
use super::scalar::{self, Schema};

/// A `replacements` entry: inline, or a file holding one replacement or a list of them.
#[derive(Debug, Clone)]
pub(crate) enum Entry {
    Inline(Replacement),
    Path(String),
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Replacement {
    source: Source,
    targets: Vec<Target>,
}

/// An exact-match id selector (replacements do not use regular expressions).
#[derive(Debug, Clone, Default)]
struct IdSelector {
    group: String,
    version: String,
    kind: String,
    name: String,
    namespace: String,
}

#[derive(Debug, Clone, Default)]
struct Source {
    id: IdSelector,
    field_path: String,
    delimiter: String,
    index: i64,
}

#[derive(Debug, Clone, Default)]
struct Target {
    select: Selector,
    reject: Vec<Selector>,
    field_paths: Vec<String>,
    delimiter: String,
    index: i64,
    create: bool,
}

/// One element of a field path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Step {
    /// A mapping key.
    Field(String),
    /// A list element by position.
    Index(usize),
    /// The list elements whose field `.0` has the text `.1` (`[name=web]`).
    Match(String, String),
    /// Every element of a list (`*`).
    Every,
}

/// Splits a field path as kustomize does: on `.` outside `[...]`.
pub(crate) fn parse_path(path: &str) -> Result<Vec<Step>, Failure> {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut depth = 0usize;
    for c in path.chars() {
        match c {
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            '.' if depth == 0 => {
                parts.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    parts.push(cur);
    let bad = |why: &'static str| Failure::InvalidValue {
        value: path.to_owned(),
        why,
    };
    let mut steps = Vec::new();
    for p in parts {
        if p.is_empty() {
            return Err(bad("a field path cannot have an empty element"));
        }
        if p == "*" {
            steps.push(Step::Every);
        } else if p.bytes().all(|b| b.is_ascii_digit()) {
            let i = p
                .parse::<usize>()
                .map_err(|_| bad("a list index is too large"))?;
            steps.push(Step::Index(i));
        } else if let Some(inner) = p.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
            match inner.split_once('=') {
                Some((k, v)) if !k.is_empty() => {
                    steps.push(Step::Match(k.to_owned(), v.to_owned()))
                }
                _ => {
                    return Err(Failure::Unsupported {
                        name: format!("replacements field path element {p}"),
                    });
                }
            }
        } else if p.contains(['[', ']']) {
            return Err(bad(
                "brackets must enclose a whole element, as in [name=value]",
            ));
        } else {
            steps.push(Step::Field(p));
        }
    }
    Ok(steps)
}

fn id_selector(field: &str, m: &Map<String, Value>) -> Result<IdSelector, FieldError> {
    let f = |k: &str| opt_string(&format!("{field}.{k}"), m.get(k)).map(Option::unwrap_or_default);
    Ok(IdSelector {
        group: f("group")?,
        version: f("version")?,
        kind: f("kind")?,
        name: f("name")?,
        namespace: f("namespace")?,
    })
}

/// `(delimiter, index, create)` from an `options` mapping.
fn field_options(field: &str, v: Option<&Value>) -> Result<(String, i64, bool), FieldError> {
    let Some(v) = v.filter(|v| !v.is_null()) else {
        return Ok((String::new(), 0, false));
    };
    let m = object(field, v, &["delimiter", "index", "create", "encoding"])?;
    if m.contains_key("encoding") {
        return Err((
            format!("{field}.encoding"),
            Failure::Unsupported {
                name: "replacements options.encoding".into(),
            },
        ));
    }
    let index = match m.get("index") {
        None | Some(Value::Null) => 0,
        Some(Value::Number(n)) if n.is_i64() => n.as_i64().unwrap_or(0),
        Some(v) => return Err(wrong(&format!("{field}.index"), "an integer", v)),
    };
    Ok((
        opt_string(&format!("{field}.delimiter"), m.get("delimiter"))?.unwrap_or_default(),
        index,
        opt_bool(&format!("{field}.create"), m.get("create"))?.unwrap_or(false),
    ))
}

/// Reads one replacement (inline, or a document of a `path` file).
pub(crate) fn parse_replacement(field: &str, v: &Value) -> Result<Replacement, FieldError> {
    let m = object(field, v, &["source", "targets"])?;
    let (Some(src), Some(targets)) = (
        m.get("source").filter(|s| !s.is_null()),
        m.get("targets")
            .filter(|t| !t.is_null() && t.as_array().is_none_or(|a| !a.is_empty())),
    ) else {
        return Err((
            field.to_owned(),
            Failure::InvalidValue {
                value: String::new(),
                why: "replacements must specify a source and at least one target",
            },
        ));
    };
    let sf = format!("{field}.source");
    let sm = object(
        &sf,
        src,
        &[
            "group",
            "version",
            "kind",
            "name",
            "namespace",
            "fieldPath",
            "options",
        ],
    )?;
    let (delimiter, index, create) = field_options(&format!("{sf}.options"), sm.get("options"))?;
    if create {
        return Err((
            format!("{sf}.options.create"),
            Failure::Unsupported {
                name: "replacements source options.create".into(),
            },
        ));
    }
    let field_path = opt_string(&format!("{sf}.fieldPath"), sm.get("fieldPath"))?
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| "metadata.name".into());
    let steps = parse_path(&field_path).map_err(|r| (format!("{sf}.fieldPath"), r))?;
    if steps.contains(&Step::Every) {
        return Err((
            format!("{sf}.fieldPath"),
            Failure::Unsupported {
                name: "replacements source fieldPath with *".into(),
            },
        ));
    }
    let source = Source {
        id: id_selector(&sf, sm)?,
        field_path,
        delimiter,
        index,
    };
    let mut out = Vec::new();
    for (tf, t) in list(&format!("{field}.targets"), Some(targets))? {
        let tm = object(&tf, t, &["select", "reject", "fieldPaths", "options"])?;
        let Some(sel) = tm.get("select").filter(|s| !s.is_null()) else {
            return Err((
                tf,
                Failure::InvalidValue {
                    value: String::new(),
                    why: "target must specify resources to select",
                },
            ));
        };
        let select = selector(&format!("{tf}.select"), sel)?;
        let mut reject = Vec::new();
        for (rf, r) in list(&format!("{tf}.reject"), tm.get("reject"))? {
            reject.push(selector(&rf, r)?);
        }
        let mut field_paths = strings(&format!("{tf}.fieldPaths"), tm.get("fieldPaths"))?;
        if field_paths.is_empty() {
            field_paths.push("metadata.name".into());
        }
        for (i, p) in field_paths.iter().enumerate() {
            parse_path(p).map_err(|r| (format!("{tf}.fieldPaths[{i}]"), r))?;
        }
        let (delimiter, index, create) =
            field_options(&format!("{tf}.options"), tm.get("options"))?;
        out.push(Target {
            select,
            reject,
            field_paths,
            delimiter,
            index,
            create,
        });
    }
    Ok(Replacement {
        source,
        targets: out,
    })
}

/// Reads the `replacements` field.
pub(crate) fn parse_entries(v: Option<&Value>) -> Result<Vec<Entry>, FieldError> {
    let mut out = Vec::new();
    for (f, item) in list("replacements", v)? {
        if let Value::Object(m) = item
            && m.contains_key("path")
        {
            let pm = object(&f, item, &["path"])?;
            let path = opt_string(&format!("{f}.path"), pm.get("path"))?.unwrap_or_default();
            out.push(Entry::Path(path));
        } else {
            out.push(Entry::Inline(parse_replacement(&f, item)?));
        }
    }
    Ok(out)
}

/// The replacements of a `path` file: one mapping or a list of them.
pub(crate) fn parse_file(field: &str, docs: &[Value]) -> Result<Vec<Replacement>, FieldError> {
    let mut out = Vec::new();
    for doc in docs {
        match doc {
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    out.push(parse_replacement(&format!("{field}[{i}]"), item)?);
                }
            }
            Value::Null => {}
            _ => out.push(parse_replacement(field, doc)?),
        }
    }
    Ok(out)
}

impl IdSelector {
    fn selects(&self, id: &Id) -> bool {
        (self.name.is_empty() || self.name == id.name)
            && (self.namespace.is_empty() || ns_eq(&self.namespace, &id.namespace))
            && (self.group.is_empty() || self.group == id.gvk.group)
            && (self.version.is_empty() || self.version == id.gvk.version)
            && (self.kind.is_empty() || self.kind == id.gvk.kind)
    }

    fn of(s: &Selector) -> IdSelector {
        IdSelector {
            group: s.group.clone().unwrap_or_default(),
            version: s.version.clone().unwrap_or_default(),
            kind: s.kind.clone().unwrap_or_default(),
            name: s.name.clone().unwrap_or_default(),
            namespace: s.namespace.clone().unwrap_or_default(),
        }
    }

    fn is_empty(&self) -> bool {
        self.group.is_empty()
            && self.version.is_empty()
            && self.kind.is_empty()
            && self.name.is_empty()
            && self.namespace.is_empty()
    }
}

impl std::fmt::Display for IdSelector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let or = |s: &str, d: &'static str| {
            if s.is_empty() {
                d.to_owned()
            } else {
                s.to_owned()
            }
        };
        write!(
            f,
            "{}.{}.{}/{}.{}",
            or(&self.kind, "[noKind]"),
            or(&self.version, "[noVer]"),
            or(&self.group, "[noGrp]"),
            or(&self.name, "[noName]"),
            or(&self.namespace, "[noNs]")
        )
    }
}

/// The text of a scalar as its YAML node holds it.
fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(number_text(n)),
        Value::Bool(b) => Some(b.to_string()),
        Value::Null => Some(String::new()),
        _ => None,
    }
}

/// A node's text typed as an untagged plain scalar (go-yaml v3 resolution).
fn typed(text: &str) -> Value {
    scalar::to_json(scalar::resolve(text, Schema::V3), text)
        .unwrap_or_else(|| Value::String(text.to_owned()))
}

/// `text` read with the tag of the scalar `target` (as go-yaml decodes a tagged node).
fn retyped(target: &Value, text: &str) -> Result<Value, Failure> {
    let resolved = scalar::resolve(text, Schema::V3);
    let cannot = |to: &'static str| Failure::CannotConvert {
        value: text.to_owned(),
        to,
    };
    match target {
        Value::String(_) => Ok(Value::String(text.to_owned())),
        Value::Bool(_) => match resolved {
            scalar::Resolved::Bool(b) => Ok(Value::Bool(b)),
            _ => Err(cannot("a boolean")),
        },
        Value::Number(n) if n.is_f64() => match resolved {
            scalar::Resolved::Int(_) | scalar::Resolved::Uint(_) | scalar::Resolved::Float(_) => {
                match scalar::to_json(resolved, text) {
                    Some(Value::Number(m)) => {
                        Ok(serde_json::Number::from_f64(m.as_f64().unwrap_or_default())
                            .map_or(Value::Number(m), Value::Number))
                    }
                    _ => Err(cannot("a number")),
                }
            }
            _ => Err(cannot("a number")),
        },
        Value::Number(_) => match resolved {
            scalar::Resolved::Int(_) | scalar::Resolved::Uint(_) => {
                scalar::to_json(resolved, text).ok_or_else(|| cannot("an integer"))
            }
            _ => Err(cannot("an integer")),
        },
        Value::Null => match resolved {
            scalar::Resolved::Null => Ok(Value::Null),
            _ => Err(cannot("null")),
        },
        _ => Ok(Value::String(text.to_owned())),
    }
}

/// Follows a source path (first match of a list selector).
fn lookup<'a>(v: &'a Value, steps: &[Step]) -> Option<&'a Value> {
    let mut cur = v;
    for s in steps {
        cur = match (s, cur) {
            (Step::Field(k), Value::Object(m)) => m.get(k)?,
            (Step::Index(i), Value::Array(a)) => a.get(*i)?,
            (Step::Match(k, want), Value::Array(a)) => a
                .iter()
                .find(|e| e.get(k).and_then(scalar_text).is_some_and(|t| &t == want))?,
            _ => return None,
        };
    }
    Some(cur)
}

/// The value a replacement copies.
fn source_value(all: &[Resource], src: &Source) -> Result<Value, Failure> {
    let hits: Vec<&Resource> = all
        .iter()
        .filter(|r| r.all_ids().iter().any(|id| src.id.selects(id)))
        .collect();
    let r = match hits.as_slice() {
        [one] => *one,
        _ => {
            return Err(Failure::ReplacementSource {
                selector: src.id.to_string(),
                found: hits.len(),
            });
        }
    };
    let steps = parse_path(&src.field_path)?;
    let missing = || Failure::MissingField {
        path: src.field_path.clone(),
        object: r.id().to_string(),
    };
    let v = lookup(&r.obj, &steps).ok_or_else(missing)?;
    let empty = match v {
        Value::Null => true,
        Value::Array(a) => a.is_empty(),
        Value::Object(m) => m.is_empty(),
        _ => false,
    };
    if empty {
        return Err(missing());
    }
    if src.delimiter.is_empty() {
        return Ok(v.clone());
    }
    let Some(text) = scalar_text(v) else {
        return Err(delimiter_on_non_scalar());
    };
    let parts: Vec<&str> = text.split(src.delimiter.as_str()).collect();
    let part = usize::try_from(src.index)
        .ok()
        .and_then(|i| parts.get(i))
        .ok_or_else(|| Failure::InvalidValue {
            value: text.clone(),
            why: "options.index is out of bounds for the source value",
        })?;
    // The node keeps its tag: a part of a string is a string.
    Ok(match v {
        Value::String(_) => Value::String((*part).to_owned()),
        other => retyped(other, part)?,
    })
}

fn delimiter_on_non_scalar() -> Failure {
    Failure::InvalidValue {
        value: String::new(),
        why: "the delimiter option can only be used with scalar values",
    }
}

/// Where a value goes: an existing node, or a node created by `create`.
struct Sink<'a> {
    value: &'a Value,
    target: &'a Target,
    count: usize,
}

impl Sink<'_> {
    fn set(&mut self, node: &mut Value, created: bool) -> Result<(), Failure> {
        self.count += 1;
        let is_scalar =
            created && scalar_text(self.value).is_some() || !created && scalar_text(node).is_some();
        let mut text = scalar_text(self.value).unwrap_or_default();
        if !self.target.delimiter.is_empty() {
            let Some(old) = (if created {
                Some(String::new())
            } else {
                scalar_text(node)
            }) else {
                return Err(delimiter_on_non_scalar());
            };
            if node.is_null() && !created {
                return Err(Failure::Unsupported {
                    name: "replacements delimiter on a null field".into(),
                });
            }
            let mut parts: Vec<String> = old
                .split(self.target.delimiter.as_str())
                .map(str::to_owned)
                .collect();
            match usize::try_from(self.target.index) {
                Err(_) => parts.insert(0, text),
                Ok(i) => match parts.get_mut(i) {
                    Some(p) => *p = text,
                    None => parts.push(text),
                },
            }
            text = parts.join(&self.target.delimiter);
        }
        *node = if created && is_scalar {
            typed(&text)
        } else if created {
            self.value.clone()
        } else if is_scalar {
            retyped(node, &text)?
        } else {
            self.value.clone()
        };
        Ok(())
    }

    fn walk(&mut self, node: &mut Value, steps: &[Step], created: bool) -> Result<(), Failure> {
        let Some((first, rest)) = steps.split_first() else {
            return self.set(node, created);
        };
        match (first, node) {
            (Step::Field(k), Value::Object(m)) => {
                if let Some(child) = m.get_mut(k) {
                    return self.walk(child, rest, false);
                }
                if !self.target.create {
                    return Ok(());
                }
                let child = m.entry(k.clone()).or_insert(fresh_node(rest)?);
                self.walk(child, rest, rest.is_empty())
            }
            (Step::Index(i), Value::Array(a)) => {
                if *i < a.len() {
                    return match a.get_mut(*i) {
                        Some(child) => self.walk(child, rest, false),
                        None => Ok(()),
                    };
                }
                if !self.target.create {
                    return Ok(());
                }
                if *i > a.len() {
                    return Err(Failure::InvalidValue {
                        value: i.to_string(),
                        why: "a list index is beyond the end of the list",
                    });
                }
                // The index just past the end appends a new element.
                a.push(fresh_node(rest)?);
                match a.last_mut() {
                    Some(child) => self.walk(child, rest, rest.is_empty()),
                    None => Ok(()),
                }
            }
            (Step::Match(k, want), Value::Array(a)) => {
                let mut any = false;
                for e in a.iter_mut() {
                    if e.get(k.as_str())
                        .and_then(scalar_text)
                        .is_some_and(|t| &t == want)
                    {
                        any = true;
                        self.walk(e, rest, false)?;
                    }
                }
                if any || !self.target.create {
                    return Ok(());
                }
                // kustomize appends an element holding the key, then goes on inside it.
                if rest.is_empty() || matches!(rest.first(), Some(Step::Index(_) | Step::Every)) {
                    return Err(Failure::Unsupported {
                        name: "replacements options.create of a whole list element".into(),
                    });
                }
                let mut e = Map::new();
                e.insert(k.clone(), typed(want));
                a.push(Value::Object(e));
                match a.last_mut() {
                    Some(e) => self.walk(e, rest, false),
                    None => Ok(()),
                }
            }
            (Step::Every, Value::Array(a)) => {
                for e in a.iter_mut() {
                    self.walk(e, rest, false)?;
                }
                Ok(())
            }
            (Step::Every, _) => Err(Failure::InvalidValue {
                value: "*".into(),
                why: "a * element must stand for the elements of a list",
            }),
            _ => Ok(()),
        }
    }
}

/// The node `create` makes for a missing field, shaped for the rest of the path.
fn fresh_node(rest: &[Step]) -> Result<Value, Failure> {
    match rest.first() {
        None => Ok(Value::Null),
        Some(Step::Field(_)) => Ok(Value::Object(Map::new())),
        Some(Step::Index(_) | Step::Match(..)) => Ok(Value::Array(Vec::new())),
        Some(Step::Every) => Err(Failure::Unsupported {
            name: "replacements options.create before a * element".into(),
        }),
    }
}

fn selected(r: &Resource, t: &Target) -> Result<bool, Failure> {
    let labels = |key: &str| {
        r.obj
            .pointer(&format!("/metadata/{key}"))
            .and_then(Value::as_object)
    };
    let by_meta = |s: &Selector| -> Result<bool, Failure> {
        let l = match s.label_selector.as_deref() {
            Some(sel) if !sel.is_empty() => selector_text_matches(sel, labels("labels"))?,
            _ => true,
        };
        let a = match s.annotation_selector.as_deref() {
            Some(sel) if !sel.is_empty() => selector_text_matches(sel, labels("annotations"))?,
            _ => true,
        };
        Ok(l && a)
    };
    if !by_meta(&t.select)? {
        return Ok(false);
    }
    for rej in &t.reject {
        let has_meta = rej.label_selector.as_deref().is_some_and(|s| !s.is_empty())
            || rej
                .annotation_selector
                .as_deref()
                .is_some_and(|s| !s.is_empty());
        if has_meta && by_meta(rej)? {
            return Ok(false);
        }
    }
    let select = IdSelector::of(&t.select);
    let rejects: Vec<IdSelector> = t
        .reject
        .iter()
        .map(IdSelector::of)
        .filter(|s| !s.is_empty())
        .collect();
    // A target is rejected when any of its ids (current or earlier) matches a reject.
    let ids = r.all_ids();
    Ok(ids.iter().any(|id| select.selects(id))
        && !ids.iter().any(|id| rejects.iter().any(|x| x.selects(id))))
}

/// Runs one replacement over every resource.
pub(crate) fn apply(all: &mut [Resource], rep: &Replacement) -> Result<(), Failure> {
    let value = source_value(all, &rep.source)?;
    for t in &rep.targets {
        for r in all.iter_mut() {
            if !selected(r, t)? {
                continue;
            }
            for fp in &t.field_paths {
                let steps = parse_path(fp)?;
                let mut sink = Sink {
                    value: &value,
                    target: t,
                    count: 0,
                };
                sink.walk(&mut r.obj, &steps, false)?;
                // kustomize reads object labels and annotations back as strings.
                super::stringify_meta(&mut r.obj);
                if sink.count == 0 {
                    return Err(Failure::MissingField {
                        path: fp.clone(),
                        object: r.id().to_string(),
                    });
                }
            }
        }
    }
    Ok(())
}
