//! Strategic merge patches, JSON 6902 patches and patch target selectors.

use serde_json::{Map, Value};

use super::failure::Failure;
use super::kustomization::Selector;
use super::resource::Resource;

fn fail(message: impl Into<String>) -> Failure {
    Failure::Patch {
        message: message.into(),
    }
}

/// The merge key of a list field, from the Kubernetes patch-merge keys (or, as kustomize does
/// for lists it has no schema for, the first key every element carries).
fn merge_key(field: &str, orig: &[Value], patch: &[Value]) -> Option<&'static str> {
    let all_have = |k: &str| {
        orig.iter()
            .chain(patch.iter())
            .all(|e| e.get(k).is_some() || e.get("$patch").is_some())
    };
    let all_maps = orig.iter().chain(patch.iter()).all(Value::is_object);
    if !all_maps {
        return None;
    }
    let known: Option<&'static str> = match field {
        "containers"
        | "initContainers"
        | "ephemeralContainers"
        | "volumes"
        | "env"
        | "imagePullSecrets"
        | "resourceClaims" => Some("name"),
        "volumeMounts" => Some("mountPath"),
        "volumeDevices" => Some("devicePath"),
        "hostAliases" => Some("ip"),
        "topologySpreadConstraints" => Some("topologyKey"),
        "conditions" => Some("type"),
        "ownerReferences" => Some("uid"),
        "ports" if all_have("containerPort") => Some("containerPort"),
        "ports" if all_have("port") => Some("port"),
        "envFrom" | "tolerations" | "rules" | "subjects" | "args" | "command" => return None,
        _ => None,
    };
    if let Some(k) = known {
        return all_have(k).then_some(k);
    }
    [
        "mountPath",
        "devicePath",
        "ip",
        "type",
        "topologyKey",
        "name",
        "containerPort",
    ]
    .into_iter()
    .find(|k| all_have(k))
}

fn directive(v: &Value) -> Option<&str> {
    v.get("$patch").and_then(Value::as_str)
}

/// Applies a strategic merge patch to `orig`. Returns `false` when the patch deletes the object.
pub(crate) fn strategic_merge(orig: &mut Value, patch: &Value) -> Result<bool, Failure> {
    match directive(patch) {
        Some("delete") => return Ok(false),
        // kustomize leaves the object alone for a top-level `$patch: replace`.
        Some("replace") => return Ok(true),
        Some("merge") | None => {}
        Some(other) => return Err(fail(format!("unknown $patch directive {other:?}"))),
    }
    merge_maps(orig, patch);
    Ok(true)
}

fn merge_maps(orig: &mut Value, patch: &Value) {
    let Value::Object(pm) = patch else {
        *orig = patch.clone();
        return;
    };
    if !orig.is_object() {
        *orig = Value::Object(Map::new());
    }
    let Value::Object(om) = orig else {
        return;
    };
    for (k, pv) in pm {
        if k == "$patch" || k.starts_with("$setElementOrder/") || k == "$retainKeys" {
            continue;
        }
        if let Some(field) = k.strip_prefix("$deleteFromPrimitiveList/") {
            if let (Some(Value::Array(items)), Value::Array(del)) = (om.get_mut(field), pv) {
                items.retain(|i| !del.contains(i));
            }
            continue;
        }
        if pv.is_null() {
            om.remove(k);
            continue;
        }
        match (om.get_mut(k), pv) {
            (Some(ov @ Value::Object(_)), Value::Object(_)) => match directive(pv) {
                Some("delete") => {
                    om.remove(k);
                }
                Some("replace") => {
                    let mut p = pv.clone();
                    if let Value::Object(m) = &mut p {
                        m.remove("$patch");
                    }
                    *ov = p;
                }
                _ => merge_maps(ov, pv),
            },
            (Some(Value::Array(ol)), Value::Array(pl)) => merge_lists(k, ol, pl),
            _ => {
                let mut p = pv.clone();
                strip_directives(&mut p);
                om.insert(k.clone(), p);
            }
        }
    }
}

fn strip_directives(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.retain(|k, _| !k.starts_with('$'));
            m.values_mut().for_each(strip_directives);
        }
        Value::Array(items) => {
            items.retain(|i| !matches!(directive(i), Some("delete")));
            items.iter_mut().for_each(strip_directives);
        }
        _ => {}
    }
}

fn merge_lists(field: &str, orig: &mut Vec<Value>, patch: &[Value]) {
    if patch.iter().any(|p| directive(p) == Some("replace")) {
        *orig = patch
            .iter()
            .filter(|p| directive(p) != Some("replace"))
            .cloned()
            .collect();
        return;
    }
    if field == "finalizers" && orig.iter().chain(patch).all(Value::is_string) {
        // A merged primitive list: the patch's values first, then the remaining originals.
        let mut out: Vec<Value> = patch.to_vec();
        out.extend(orig.iter().filter(|o| !patch.contains(o)).cloned());
        *orig = out;
        return;
    }
    let Some(key) = merge_key(field, orig, patch) else {
        let mut p = Value::Array(patch.to_vec());
        strip_directives(&mut p);
        if let Value::Array(items) = p {
            *orig = items;
        }
        return;
    };
    // kustomize puts the patch's elements first (in patch order), then the untouched originals.
    let mut used = vec![false; orig.len()];
    let mut out = Vec::with_capacity(orig.len() + patch.len());
    // Ports are keyed by port and protocol; kustomize drops a patch element whose port exists
    // but whose `protocol` is set on one side only (measured against kustomize v5.5).
    let by_protocol = key == "containerPort" || key == "port";
    for p in patch {
        let kv = p.get(key);
        let proto = |v: &Value| v.get("protocol").cloned();
        let pos = orig
            .iter()
            .position(|o| o.get(key) == kv && (!by_protocol || proto(o) == proto(p)));
        if by_protocol
            && pos.is_none()
            && orig
                .iter()
                .any(|o| o.get(key) == kv && proto(o).is_some() != proto(p).is_some())
        {
            continue;
        }
        if let Some(i) = pos
            && let Some(u) = used.get_mut(i)
        {
            *u = true;
        }
        if directive(p) == Some("delete") {
            continue;
        }
        match pos.and_then(|i| orig.get(i)) {
            Some(o) => {
                let mut merged = o.clone();
                merge_maps(&mut merged, p);
                out.push(merged);
            }
            None => {
                let mut p = p.clone();
                strip_directives(&mut p);
                out.push(p);
            }
        }
    }
    for (o, u) in orig.iter().zip(used) {
        if !u {
            out.push(o.clone());
        }
    }
    *orig = out;
}

/// Whether `patch` is a JSON 6902 patch (a list of operations) rather than a merge patch.
pub(crate) fn is_json6902(docs: &[Value]) -> bool {
    matches!(docs, [Value::Array(_)])
}

fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

fn tokens(path: &str) -> Result<Vec<String>, Failure> {
    if path.is_empty() {
        return Ok(Vec::new());
    }
    let Some(rest) = path.strip_prefix('/') else {
        return Err(fail(format!("invalid JSON pointer {path:?}")));
    };
    Ok(rest.split('/').map(unescape).collect())
}

fn parent<'a>(doc: &'a mut Value, toks: &[String], path: &str) -> Result<&'a mut Value, Failure> {
    let mut cur = doc;
    for t in toks {
        cur = match cur {
            Value::Object(m) => m.get_mut(t),
            Value::Array(a) => t.parse::<usize>().ok().and_then(|i| a.get_mut(i)),
            _ => None,
        }
        .ok_or_else(|| fail(format!("path {path:?} not found")))?;
    }
    Ok(cur)
}

fn get(doc: &Value, path: &str) -> Result<Value, Failure> {
    let mut cur = doc;
    for t in tokens(path)? {
        cur = match cur {
            Value::Object(m) => m.get(&t),
            Value::Array(a) => t.parse::<usize>().ok().and_then(|i| a.get(i)),
            _ => None,
        }
        .ok_or_else(|| fail(format!("path {path:?} not found")))?;
    }
    Ok(cur.clone())
}

fn add(doc: &mut Value, path: &str, value: Value) -> Result<(), Failure> {
    let toks = tokens(path)?;
    let Some((last, init)) = toks.split_last() else {
        *doc = value;
        return Ok(());
    };
    match parent(doc, init, path)? {
        Value::Object(m) => {
            m.insert(last.clone(), value);
        }
        Value::Array(a) => {
            let i = if last == "-" {
                a.len()
            } else {
                index(last, a.len() + 1, path)?
            };
            a.insert(i, value);
        }
        _ => return Err(fail(format!("path {path:?} not found"))),
    }
    Ok(())
}

fn index(t: &str, len: usize, path: &str) -> Result<usize, Failure> {
    match t.parse::<usize>() {
        Ok(i) if i < len => Ok(i),
        _ => Err(fail(format!("index out of range in {path:?}"))),
    }
}

fn remove(doc: &mut Value, path: &str) -> Result<Value, Failure> {
    let toks = tokens(path)?;
    let Some((last, init)) = toks.split_last() else {
        return Err(fail("cannot remove the whole document"));
    };
    match parent(doc, init, path)? {
        Value::Object(m) => m
            .remove(last)
            .ok_or_else(|| fail(format!("path {path:?} not found"))),
        Value::Array(a) => {
            let i = index(last, a.len(), path)?;
            Ok(a.remove(i))
        }
        _ => Err(fail(format!("path {path:?} not found"))),
    }
}

/// Applies a JSON 6902 operation list.
pub(crate) fn json6902(doc: &mut Value, ops: &Value) -> Result<(), Failure> {
    let Value::Array(ops) = ops else {
        return Err(fail("a JSON patch must be a list of operations"));
    };
    for (i, op) in ops.iter().enumerate() {
        let s = |k: &str| op.get(k).and_then(Value::as_str).map(str::to_owned);
        let name = s("op").ok_or_else(|| fail(format!("operation {i} has no op")))?;
        let path = s("path").ok_or_else(|| fail(format!("operation {i} has no path")))?;
        let value = || {
            op.get("value")
                .cloned()
                .ok_or_else(|| fail(format!("operation {i} has no value")))
        };
        match name.as_str() {
            "add" => add(doc, &path, value()?)?,
            "remove" => {
                remove(doc, &path)?;
            }
            "replace" => {
                remove(doc, &path)?;
                add(doc, &path, value()?)?;
            }
            "move" | "copy" => {
                let from = s("from").ok_or_else(|| fail(format!("operation {i} has no from")))?;
                let v = if name == "move" {
                    remove(doc, &from)?
                } else {
                    get(doc, &from)?
                };
                add(doc, &path, v)?;
            }
            "test" => {
                if get(doc, &path)? != value()? {
                    return Err(fail(format!("test operation {i} failed at {path:?}")));
                }
            }
            other => return Err(fail(format!("unknown operation {other:?}"))),
        }
    }
    Ok(())
}

/// A parsed label (or annotation) selector requirement.
enum Req {
    Eq(String, String),
    Ne(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    NotExists(String),
}

fn parse_selector(s: &str) -> Result<Vec<Req>, Failure> {
    let bad = || Failure::InvalidValue {
        value: s.to_owned(),
        why: "not a valid label selector",
    };
    let mut parts = Vec::new();
    let mut depth = 0;
    let mut cur = String::new();
    for c in s.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    parts.push(cur);
    let mut reqs = Vec::new();
    for p in parts.iter().map(|p| p.trim()).filter(|p| !p.is_empty()) {
        let set = |rest: &str| -> Result<Vec<String>, Failure> {
            let inner = rest
                .trim()
                .strip_prefix('(')
                .and_then(|r| r.strip_suffix(')'))
                .ok_or_else(bad)?;
            Ok(inner.split(',').map(|v| v.trim().to_owned()).collect())
        };
        if let Some(k) = p.strip_prefix('!') {
            reqs.push(Req::NotExists(k.trim().to_owned()));
        } else if let Some((k, v)) = p.split_once("!=") {
            reqs.push(Req::Ne(k.trim().to_owned(), v.trim().to_owned()));
        } else if let Some((k, v)) = p.split_once("==") {
            reqs.push(Req::Eq(k.trim().to_owned(), v.trim().to_owned()));
        } else if let Some((k, v)) = p.split_once('=') {
            reqs.push(Req::Eq(k.trim().to_owned(), v.trim().to_owned()));
        } else if let Some((k, rest)) = p.split_once(" notin ") {
            reqs.push(Req::NotIn(k.trim().to_owned(), set(rest)?));
        } else if let Some((k, rest)) = p.split_once(" in ") {
            reqs.push(Req::In(k.trim().to_owned(), set(rest)?));
        } else if p.contains(char::is_whitespace) || p.contains('(') {
            return Err(bad());
        } else {
            reqs.push(Req::Exists(p.to_owned()));
        }
    }
    Ok(reqs)
}

fn selector_matches(reqs: &[Req], labels: Option<&Map<String, Value>>) -> bool {
    let get = |k: &str| labels.and_then(|l| l.get(k)).and_then(Value::as_str);
    reqs.iter().all(|r| match r {
        Req::Eq(k, v) => get(k) == Some(v.as_str()),
        Req::Ne(k, v) => get(k) != Some(v.as_str()),
        Req::In(k, vs) => get(k).is_some_and(|x| vs.iter().any(|v| v == x)),
        Req::NotIn(k, vs) => get(k).is_none_or(|x| !vs.iter().any(|v| v == x)),
        Req::Exists(k) => get(k).is_some(),
        Req::NotExists(k) => get(k).is_none(),
    })
}

/// Whether a label (or annotation) selector text matches the given map.
pub(crate) fn selector_text_matches(
    selector: &str,
    labels: Option<&Map<String, Value>>,
) -> Result<bool, Failure> {
    Ok(selector_matches(&parse_selector(selector)?, labels))
}

fn anchored(field: &str, pattern: &Option<String>) -> Result<Option<regex::Regex>, Failure> {
    match pattern.as_deref() {
        None | Some("") => Ok(None),
        Some(p) => regex::Regex::new(&format!("^(?:{p})$"))
            .map(Some)
            .map_err(|_| Failure::InvalidValue {
                value: p.to_owned(),
                why: leak_field(field),
            }),
    }
}

fn leak_field(field: &str) -> &'static str {
    match field {
        "group" => "target group is not a valid regular expression",
        "version" => "target version is not a valid regular expression",
        "kind" => "target kind is not a valid regular expression",
        "name" => "target name is not a valid regular expression",
        _ => "target namespace is not a valid regular expression",
    }
}

/// Indices of the resources a target selector picks.
pub(crate) fn select(resources: &[Resource], sel: &Selector) -> Result<Vec<usize>, Failure> {
    let group = anchored("group", &sel.group)?;
    let version = anchored("version", &sel.version)?;
    let kind = anchored("kind", &sel.kind)?;
    let name = anchored("name", &sel.name)?;
    let namespace = anchored("namespace", &sel.namespace)?;
    let labels = sel
        .label_selector
        .as_deref()
        .map(parse_selector)
        .transpose()?;
    let annotations = sel
        .annotation_selector
        .as_deref()
        .map(parse_selector)
        .transpose()?;
    let ok = |re: &Option<regex::Regex>, s: &str| re.as_ref().is_none_or(|r| r.is_match(s));
    let mut out = Vec::new();
    for (i, r) in resources.iter().enumerate() {
        let ids = r.all_ids();
        let Some(cur) = ids.last() else { continue };
        if !(ok(&group, &cur.gvk.group)
            && ok(&version, &cur.gvk.version)
            && ok(&kind, &cur.gvk.kind))
        {
            continue;
        }
        if !ids.iter().any(|id| ok(&name, &id.name))
            || !ids.iter().any(|id| ok(&namespace, &id.namespace))
        {
            continue;
        }
        let meta = |k: &str| {
            r.obj
                .get("metadata")
                .and_then(|m| m.get(k))
                .and_then(Value::as_object)
        };
        if let Some(reqs) = &labels
            && !selector_matches(reqs, meta("labels"))
        {
            continue;
        }
        if let Some(reqs) = &annotations
            && !selector_matches(reqs, meta("annotations"))
        {
            continue;
        }
        out.push(i);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn smp_merges_by_key_and_deletes() {
        let mut d = json!({"spec": {"containers": [{"name": "a", "image": "x"}, {"name": "b"}], "tls": [1]}});
        let p = json!({"spec": {"containers": [{"name": "a", "image": "y"}, {"name": "b", "$patch": "delete"}, {"name": "c"}], "tls": null}});
        assert!(strategic_merge(&mut d, &p).unwrap());
        assert_eq!(
            d,
            json!({"spec": {"containers": [{"name": "a", "image": "y"}, {"name": "c"}]}})
        );
        let mut d = json!({"env": [{"name": "A"}, {"name": "B"}]});
        strategic_merge(
            &mut d,
            &json!({"env": [{"name": "C"}, {"name": "B", "value": "b"}]}),
        )
        .unwrap();
        assert_eq!(
            d,
            json!({"env": [{"name": "C"}, {"name": "B", "value": "b"}, {"name": "A"}]})
        );
    }

    #[test]
    fn json_patch_ops() {
        let mut d = json!({"a": [1, 2]});
        let ops = json!([{"op": "add", "path": "/a/-", "value": 3}, {"op": "replace", "path": "/a/0", "value": 0},
            {"op": "remove", "path": "/a/1"}, {"op": "add", "path": "/b", "value": {"c": 1}}]);
        json6902(&mut d, &ops).unwrap();
        assert_eq!(d, json!({"a": [0, 3], "b": {"c": 1}}));
        assert!(json6902(&mut d, &json!([{"op": "remove", "path": "/zz"}])).is_err());
    }

    #[test]
    fn label_selectors() {
        let reqs = parse_selector("app=web, tier in (a,b), !legacy").unwrap();
        let m = json!({"app": "web", "tier": "b"});
        assert!(selector_matches(&reqs, m.as_object()));
        let m = json!({"app": "web", "tier": "c"});
        assert!(!selector_matches(&reqs, m.as_object()));
    }
}
