//! Prometheus configurations, Alertmanager configurations and rule files embedded in the
//! `data` of Kubernetes ConfigMaps, and where their findings point in the manifest.
//!
//! See the parent module's docs (item 7) for what is extracted, how positions map and what
//! is skipped.

use std::path::Path;

use manifest_model::yaml::{self, Entry};
use serde_json::Value;

use crate::report::Finding;

/// What an embedded document is checked as (several at once when its key names one kind and
/// its content looks like another).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct EmbeddedKinds {
    pub(super) rules: bool,
    pub(super) prometheus_config: bool,
    pub(super) alertmanager_config: bool,
}

impl EmbeddedKinds {
    fn any(self) -> bool {
        self.rules || self.prometheus_config || self.alertmanager_config
    }
}

/// One `data` entry of a ConfigMap that holds a configuration or a rule file.
#[derive(Debug, Clone)]
pub(super) struct Embedded {
    /// The manifest file, relative to the repository.
    pub(super) file: String,
    /// `namespace/name` of the ConfigMap (`name` alone without a namespace).
    pub(super) config_map: String,
    /// The `data` key.
    pub(super) key: String,
    /// The embedded document.
    pub(super) text: String,
    /// What it is checked as.
    pub(super) kinds: EmbeddedKinds,
    /// Where the scalar starts in the manifest (line, column).
    start: (u64, u64),
    /// For each line of `text` that maps 1:1 to a manifest line, in order from the first: the
    /// manifest line and the number of columns before the content (the indentation). When
    /// every line maps, one more entry maps the end of the text to the end of its last line.
    lines: Vec<(u64, u64)>,
}

impl Embedded {
    /// The name the embedded document goes by when handed to a checker: unique per entry and
    /// readable where a checker quotes it in a message.
    pub(super) fn name(&self) -> String {
        format!(
            "{} (ConfigMap {} key {})",
            self.file, self.config_map, self.key
        )
    }

    /// The manifest position of `line`:`column` (1-based) of the embedded document. Lines that
    /// do not map 1:1 (quoted and plain scalars, folded text) and whole-document positions
    /// (line 0) give the scalar's start.
    pub(super) fn position(&self, line: u64, column: u64) -> (u64, u64) {
        let mapped = usize::try_from(line)
            .ok()
            .and_then(|l| l.checked_sub(1))
            .and_then(|i| self.lines.get(i));
        match mapped {
            Some(&(line, indent)) => (line, indent.saturating_add(column.max(1))),
            None => self.start,
        }
    }

    /// Points a finding on the embedded document at the manifest and names the ConfigMap and
    /// key in its message (and as the extra fields `config_map` and `key`).
    pub(super) fn relocate(&self, f: &mut Finding) {
        (f.line, f.column) = self.position(f.line, f.column);
        f.file.clone_from(&self.file);
        f.message = format!(
            "{} (in ConfigMap {} key {})",
            f.message, self.config_map, self.key
        );
        f.extra
            .insert("config_map".into(), Value::String(self.config_map.clone()));
        f.extra
            .insert("key".into(), Value::String(self.key.clone()));
    }
}

/// Every `data` entry of every ConfigMap in the manifest `text` (named `file`) that is a
/// Prometheus configuration, an Alertmanager configuration or a rule file, by its key's name
/// or its content. A manifest that does not parse gives nothing (its syntax error is reported
/// elsewhere).
pub(super) fn find(file: &str, text: &str) -> Vec<Embedded> {
    let Ok(stream) = yaml::parse(text, Path::new(file)) else {
        return Vec::new();
    };
    let source_lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for doc in &stream.documents {
        let root = &doc.root;
        if root.get("kind").and_then(|k| k.as_str()) != Some("ConfigMap")
            || root.get("apiVersion").is_none()
        {
            continue;
        }
        let metadata = root.get("metadata");
        let field = |k: &str| metadata.and_then(|m| m.get(k)).and_then(|v| v.as_str());
        let name = field("name").unwrap_or("");
        let config_map = match field("namespace") {
            Some(ns) => format!("{ns}/{name}"),
            None => name.to_string(),
        };
        let Some(data) = root.get("data").and_then(|d| d.as_map()) else {
            continue;
        };
        for entry in data {
            let Some(value) = entry.value.as_str() else {
                continue;
            };
            let kinds = kinds_of(&entry.key, value);
            if !kinds.any() {
                continue;
            }
            out.push(Embedded {
                file: file.to_string(),
                config_map: config_map.clone(),
                key: entry.key.clone(),
                text: value.to_string(),
                kinds,
                start: (
                    entry.value.span.start.line as u64,
                    entry.value.span.start.column as u64,
                ),
                lines: line_map(&source_lines, entry, value),
            });
        }
    }
    out
}

/// The kinds a `data` entry is checked as: by content, with the detection standalone files
/// get, and by the key's name.
fn kinds_of(key: &str, value: &str) -> EmbeddedKinds {
    let content = super::document_kinds(value);
    let lower = key.to_ascii_lowercase();
    let (stem, ext) = lower.rsplit_once('.').unwrap_or((lower.as_str(), ""));
    let yaml = matches!(ext, "yml" | "yaml");
    EmbeddedKinds {
        rules: content.prometheus_rules || ext == "rules" || (yaml && stem.contains("rules")),
        prometheus_config: content.prometheus_config || (yaml && stem == "prometheus"),
        alertmanager_config: content.alertmanager_config || (yaml && stem == "alertmanager"),
    }
}

/// For a block scalar (`|`, `>` and their chomping and indentation indicators) whose header
/// is on the key's line: the manifest line and indentation of each line of `value`, from the
/// first, as long as the manifest line holds exactly that line after its indentation (a folded
/// scalar stops mapping where lines were folded). Anything else maps no line.
fn line_map(source: &[&str], entry: &Entry, value: &str) -> Vec<(u64, u64)> {
    let key_line = entry.key_span.end.line;
    let Some(header) = key_line.checked_sub(1).and_then(|i| source.get(i)) else {
        return Vec::new();
    };
    let after_key: String = header
        .chars()
        .skip(entry.key_span.end.column.saturating_sub(1))
        .collect();
    let Some(mut rest) = after_key.trim_start().strip_prefix(':') else {
        return Vec::new();
    };
    // A tag or an anchor may precede the block indicator.
    loop {
        rest = rest.trim_start();
        if rest.starts_with('!') || rest.starts_with('&') {
            rest = rest.find(' ').map_or("", |i| &rest[i..]);
        } else {
            break;
        }
    }
    if !(rest.starts_with('|') || rest.starts_with('>')) {
        return Vec::new();
    }
    let mut parts: Vec<&str> = value.split('\n').collect();
    if value.ends_with('\n') {
        parts.pop();
    }
    let mut lines: Vec<(u64, Option<u64>)> = Vec::new();
    for (i, part) in parts.iter().enumerate() {
        // Content line i+1 is manifest line key_line+1+i, i.e. index key_line+i.
        let Some(src) = source.get(key_line + i) else {
            break;
        };
        let number = (key_line + 1 + i) as u64;
        if part.is_empty() {
            if !src.trim().is_empty() {
                break;
            }
            lines.push((number, None));
            continue;
        }
        match src.strip_suffix(part) {
            Some(indent) if indent.chars().all(|c| c == ' ') => {
                lines.push((number, Some(indent.len() as u64)));
            }
            _ => break,
        }
    }
    let indent = lines.iter().find_map(|(_, i)| *i).unwrap_or(0);
    let mut out: Vec<(u64, u64)> = lines
        .iter()
        .map(|&(line, i)| (line, i.unwrap_or(indent)))
        .collect();
    // The end of a text that ends with a line break (line count + 1, column 1), where
    // "unexpected end" errors are, is the end of its last line.
    if let (true, Some(&(line, i)), Some(last)) = (
        out.len() == parts.len() && value.ends_with('\n'),
        out.last(),
        parts.last(),
    ) {
        out.push((line, i + last.chars().count() as u64));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(text: &str) -> Vec<Embedded> {
        find("cm.yaml", text)
    }

    #[test]
    fn block_scalar_lines_map_with_their_indentation() {
        let text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: p\n  namespace: m\ndata:\n  prometheus.yml: |\n    global:\n\n      scrape_interval: 1m\n";
        let e = entries(text);
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].config_map, "m/p");
        assert!(e[0].kinds.prometheus_config && !e[0].kinds.rules);
        assert_eq!(e[0].position(1, 1), (8, 5));
        assert_eq!(e[0].position(2, 1), (9, 5));
        assert_eq!(e[0].position(3, 3), (10, 7));
        // The end of the text: the end of its last line.
        assert_eq!(e[0].position(4, 1), (10, 26));
        // Past the end, and the whole document: the scalar's start.
        assert_eq!(e[0].position(5, 1), (8, 5));
        assert_eq!(e[0].position(0, 0), (8, 5));
    }

    #[test]
    fn folded_and_quoted_scalars_point_at_their_start() {
        let text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: p}\ndata:\n  a.rules: >\n    groups:\n    - x\n  alertmanager.yml: \"route: {}\\nreceivers: []\"\n  prometheus.yaml: !!str |-\n    x: 1\n";
        let e = entries(text);
        assert_eq!(e.len(), 3);
        // `groups:` and `- x` fold into one line: only nothing maps.
        assert_eq!(e[0].position(1, 2), (6, 5));
        assert_eq!(e[1].position(2, 3), (8, 21));
        assert_eq!(e[2].position(1, 3), (10, 7));
    }

    #[test]
    fn kinds_come_from_the_key_or_the_content() {
        let k = kinds_of("alerts.rules.yml", "");
        assert!(k.rules && !k.prometheus_config);
        assert!(kinds_of("recording_rules.yaml", "").rules);
        assert!(kinds_of("x.rules", "").rules);
        assert!(kinds_of("alerts", "groups: []\n").rules);
        assert!(kinds_of("config", "route: {}\nreceivers: []\n").alertmanager_config);
        assert!(kinds_of("Prometheus.YML", "").prometheus_config);
        assert!(!kinds_of("nginx.conf", "server {}").any());
        assert!(!kinds_of("settings.yml", "groups_x: 1\n").any());
    }
}
