//! configMapGenerator and secretGenerator, and the content-hash name suffix.

use std::fmt::Write as _;
use std::path::Path;

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::failure::Failure;
use super::kustomization::{Generator, GeneratorOptions};
use super::resource::Resource;

/// Where a generator reads its files: returns the text (or bytes) of a path relative to the
/// kustomization directory, or the failure.
pub(crate) trait FileSource {
    fn read(&self, rel: &str) -> Result<Vec<u8>, Failure>;
}

fn invalid(value: &str, why: &'static str) -> Failure {
    Failure::InvalidValue {
        value: value.to_owned(),
        why,
    }
}

fn remove_quotes(s: &str) -> &str {
    let b = s.as_bytes();
    if b.len() >= 2 && b[0] == b[b.len() - 1] && (b[0] == b'"' || b[0] == b'\'') {
        &s[1..s.len() - 1]
    } else {
        s
    }
}

fn base64(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18u32, 12, 6, 0].iter().enumerate() {
            if i <= chunk.len() {
                out.push(T[((n >> shift) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Parses an env file as kustomize v5.5 does: `KEY=VALUE` lines, leading blanks dropped, `#`
/// comments, blank lines and lines with an empty key skipped; a bare `KEY` gets an empty value
/// (kustomize does not read the process environment).
fn env_pairs(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let raw = if i == 0 {
            raw.trim_start_matches('\u{FEFF}')
        } else {
            raw
        };
        let line = raw.trim_start();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (key, value) = line.split_once('=').unwrap_or((line, ""));
        if key.is_empty() {
            continue;
        }
        out.push((key.to_owned(), value.to_owned()));
    }
    out
}

/// Merges the kustomization-wide options under the generator's own.
pub(crate) fn effective_options(
    global: &GeneratorOptions,
    local: &GeneratorOptions,
) -> GeneratorOptions {
    let merge = |g: &[(String, String)], l: &[(String, String)]| {
        let mut v: Vec<(String, String)> = g.to_vec();
        for (k, val) in l {
            v.retain(|(x, _)| x != k);
            v.push((k.clone(), val.clone()));
        }
        v
    };
    GeneratorOptions {
        labels: merge(&global.labels, &local.labels),
        annotations: merge(&global.annotations, &local.annotations),
        disable_name_suffix_hash: Some(
            global.disable_name_suffix_hash.unwrap_or(false)
                || local.disable_name_suffix_hash.unwrap_or(false),
        ),
        immutable: Some(global.immutable.unwrap_or(false) || local.immutable.unwrap_or(false)),
    }
}

/// Builds the ConfigMap or Secret a generator describes.
pub(crate) fn generate(
    g: &Generator,
    secret: bool,
    global: &GeneratorOptions,
    files: &dyn FileSource,
) -> Result<Resource, Failure> {
    if g.name.is_empty() {
        return Err(invalid("", "a generator needs a name"));
    }
    let mut text: Vec<(String, String)> = Vec::new();
    let mut binary: Vec<(String, String)> = Vec::new();
    let mut push =
        |k: String, v: Vec<u8>, text: &mut Vec<(String, String)>| -> Result<(), Failure> {
            if text.iter().any(|(x, _)| *x == k) || binary.iter().any(|(x, _)| *x == k) {
                return Err(Failure::InvalidValue {
                    value: k,
                    why: "another key by that name already exists",
                });
            }
            match String::from_utf8(v) {
                Ok(s) if secret => text.push((k, base64(s.as_bytes()))),
                Ok(s) => text.push((k, s)),
                Err(e) if secret => text.push((k, base64(e.as_bytes()))),
                Err(e) => binary.push((k, base64(e.as_bytes()))),
            }
            Ok(())
        };
    for env in &g.envs {
        let data = files.read(env)?;
        let s = String::from_utf8_lossy(&data);
        for (k, v) in env_pairs(&s) {
            push(k, v.into_bytes(), &mut text)?;
        }
    }
    for lit in &g.literals {
        let Some((k, v)) = lit.split_once('=').filter(|(k, _)| !k.is_empty()) else {
            return Err(invalid(lit, "invalid literal source, expected key=value"));
        };
        push(
            k.to_owned(),
            remove_quotes(v).as_bytes().to_vec(),
            &mut text,
        )?;
    }
    for f in &g.files {
        let (key, path) = match f.split_once('=') {
            Some((k, p)) if !k.is_empty() && !p.is_empty() => (k.to_owned(), p),
            Some(_) => return Err(invalid(f, "key or file path is missing")),
            None => {
                let base = Path::new(f)
                    .file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or(f)
                    .to_owned();
                (base, f.as_str())
            }
        };
        let data = files.read(path)?;
        push(key, data, &mut text)?;
    }
    let opts = effective_options(global, &g.options);
    let mut meta = Map::new();
    meta.insert("name".into(), Value::String(g.name.clone()));
    if let Some(ns) = g.namespace.as_ref().filter(|n| !n.is_empty()) {
        meta.insert("namespace".into(), Value::String(ns.clone()));
    }
    if !opts.labels.is_empty() {
        meta.insert("labels".into(), pairs_object(&opts.labels));
    }
    if !opts.annotations.is_empty() {
        meta.insert("annotations".into(), pairs_object(&opts.annotations));
    }
    let mut obj = Map::new();
    obj.insert("apiVersion".into(), Value::String("v1".into()));
    obj.insert(
        "kind".into(),
        Value::String(if secret { "Secret" } else { "ConfigMap" }.into()),
    );
    obj.insert("metadata".into(), Value::Object(meta));
    // kustomize always writes `data` for Secrets, only when non-empty for ConfigMaps.
    if !text.is_empty() || secret {
        obj.insert("data".into(), pairs_object(&text));
    }
    if !binary.is_empty() {
        obj.insert("binaryData".into(), pairs_object(&binary));
    }
    if secret {
        let t = g
            .secret_type
            .clone()
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| "Opaque".into());
        obj.insert("type".into(), Value::String(t));
    }
    if opts.immutable == Some(true) {
        obj.insert("immutable".into(), Value::Bool(true));
    }
    let mut r = Resource::new(Value::Object(obj));
    r.needs_hash = opts.disable_name_suffix_hash != Some(true);
    Ok(r)
}

fn pairs_object(pairs: &[(String, String)]) -> Value {
    Value::Object(
        pairs
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect(),
    )
}

/// The suffix kustomize appends: the first 10 hex digits of SHA-256 over Go's JSON encoding of
/// the kind, an empty name and the data, with `0 1 3 a e` replaced by `g h k m t`.
pub(crate) fn content_hash(obj: &Value) -> String {
    let kind = obj.get("kind").and_then(Value::as_str).unwrap_or("");
    let mut m = Map::new();
    m.insert("kind".into(), Value::String(kind.to_owned()));
    m.insert("name".into(), Value::String(String::new()));
    // An absent `data` hashes as the empty string (measured against kustomize v5.5).
    m.insert(
        "data".into(),
        obj.get("data")
            .cloned()
            .unwrap_or(Value::String(String::new())),
    );
    if kind == "Secret" {
        m.insert(
            "type".into(),
            obj.get("type")
                .cloned()
                .unwrap_or(Value::String(String::new())),
        );
        if let Some(sd) = obj
            .get("stringData")
            .filter(|v| v.as_object().is_some_and(|o| !o.is_empty()))
        {
            m.insert("stringData".into(), sd.clone());
        }
    } else if let Some(bd) = obj
        .get("binaryData")
        .filter(|v| v.as_object().is_some_and(|o| !o.is_empty()))
    {
        m.insert("binaryData".into(), bd.clone());
    }
    let mut json = String::new();
    go_json(&Value::Object(m), &mut json);
    let digest = Sha256::digest(json.as_bytes());
    let mut hex = String::new();
    for b in digest.iter().take(5) {
        let _ = write!(hex, "{b:02x}");
    }
    hex.chars()
        .map(|c| match c {
            '0' => 'g',
            '1' => 'h',
            '3' => 'k',
            'a' => 'm',
            'e' => 't',
            c => c,
        })
        .collect()
}

/// Go's `json.Marshal` for generic values: sorted keys, compact, HTML-escaped strings.
pub(crate) fn go_json(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => go_json_string(s, out),
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                go_json(x, out);
            }
            out.push(']');
        }
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                go_json_string(k, out);
                out.push(':');
                if let Some(x) = m.get(*k) {
                    go_json(x, out);
                }
            }
            out.push('}');
        }
    }
}

fn go_json_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn hash_matches_kustomize() {
        let cm = json!({"kind": "ConfigMap", "data": {"A": "1"}});
        assert_eq!(content_hash(&cm), "89g4tffbfk");
        let cm = json!({"kind": "ConfigMap", "data": {"A": "a<b&c>d é"}});
        assert_eq!(content_hash(&cm), "mccm6mhbt5");
        assert_eq!(content_hash(&json!({"kind": "ConfigMap"})), "6ct58987ht");
    }

    #[test]
    fn base64_pads() {
        assert_eq!(base64(b"a"), "YQ==");
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(base64(b"abc"), "YWJj");
    }
}
