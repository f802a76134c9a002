//! From YAML nodes to the [`RuleFile`] model, reporting structural problems as diagnostics.

use std::collections::HashMap;

use crate::diagnostic::{Diagnostic, Position, Severity};
use crate::dialect::Dialect;
use crate::error::Error;
use crate::model::{Document, Expr, Group, KeyValue, Rule, RuleFile, Source, Spanned};
use crate::yaml::{Kind, Node, NodeId, Style, Yaml};

/// How to read rule files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ParseOptions {
    /// Which Prometheus version's file format to accept (3.x adds group `labels` and `query_offset`).
    pub dialect: Dialect,
    /// Accept the fields Thanos, Cortex and Mimir add (`partial_response_strategy`,
    /// `remote_write`, `source_tenants`, top-level `namespace`); promtool rejects them.
    pub extensions: bool,
    /// Ignore unknown fields instead of reporting them (promtool 3's `--ignore-unknown-fields`).
    pub ignore_unknown_fields: bool,
}

/// The result of parsing one file: the model and the structural problems found.
#[derive(Debug, Clone)]
pub struct Parsed {
    /// The model (what could be read).
    pub file: RuleFile,
    /// Structural findings: unknown fields, wrong types, duplicate keys.
    pub diagnostics: Vec<Diagnostic>,
    /// Byte offsets of line starts, for mapping positions inside expressions.
    pub(crate) line_starts: Vec<usize>,
}

/// Parse `source` (named `path` in messages) into a [`RuleFile`].
///
/// Reads plain rule files and `PrometheusRule` resources, every document of a multi-document
/// stream, anchors, aliases and merge keys. Documents of other kinds are skipped.
///
/// # Errors
///
/// [`Error::Yaml`] if the text is not well-formed YAML.
///
/// ```
/// let src = "groups:\n  - name: g\n    rules:\n      - record: job:up:sum\n        expr: sum by (job) (up)\n";
/// let parsed = rules::parse("a.yml", src, &rules::ParseOptions::default())?;
/// let (group, rule) = parsed.file.rules().next().ok_or("no rule")?;
/// assert_eq!(group.name.value, "g");
/// assert_eq!(rule.name(), "job:up:sum");
/// assert_eq!((rule.pos.line, rule.pos.column), (4, 9));
/// assert!(parsed.diagnostics.is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn parse(path: &str, source: &str, opts: &ParseOptions) -> Result<Parsed, Error> {
    let yaml = Yaml::load(path, source)?;
    let line_starts = crate::yaml::line_starts(source);
    let directives = Directives::scan(source);
    let mut p = Parser {
        y: &yaml,
        path,
        opts,
        diags: Vec::new(),
        directives: &directives,
        lines: if directives.by_line.is_empty() {
            Vec::new()
        } else {
            source.lines().collect()
        },
        merge_depth: 0,
    };
    let mut documents = Vec::new();
    for (index, root) in yaml.docs.iter().enumerate() {
        if let Some(root) = *root
            && let Some(doc) = p.document(index, root)
        {
            documents.push(doc);
        }
    }
    let diagnostics = p.diags;
    Ok(Parsed {
        file: RuleFile {
            path: path.to_string(),
            documents,
            disabled: directives.file.clone(),
        },
        diagnostics,
        line_starts,
    })
}

/// Merge keys resolved through more merge keys than this are rejected (bounds recursion).
const MAX_MERGE_DEPTH: usize = 64;

/// `# rules disable CODE...` and `# rules file/disable CODE...` comments.
#[derive(Debug, Default)]
struct Directives {
    /// Codes disabled by comments, by 1-based line.
    by_line: HashMap<u32, Vec<String>>,
    /// Codes disabled for the whole file.
    file: Vec<String>,
}

impl Directives {
    fn scan(src: &str) -> Self {
        let mut d = Directives::default();
        if !src.contains("rules ") {
            return d;
        }
        for (i, line) in src.lines().enumerate() {
            let Some(hash) = comment_start(line) else {
                continue;
            };
            let text = line.get(hash + 1..).unwrap_or("").trim();
            let codes = |rest: &str| -> Vec<String> {
                rest.split([' ', ','])
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect()
            };
            if let Some(rest) = text.strip_prefix("rules file/disable ") {
                d.file.extend(codes(rest));
            } else if let Some(rest) = text.strip_prefix("rules disable ") {
                let line_no = u32::try_from(i + 1).unwrap_or(u32::MAX);
                d.by_line.entry(line_no).or_default().extend(codes(rest));
            }
        }
        d
    }
}

/// Byte index of a `#` that starts a YAML comment (at line start or after a blank).
fn comment_start(line: &str) -> Option<usize> {
    let bytes = line.as_bytes();
    let mut i = 0;
    while let Some(off) = line.get(i..).and_then(|s| s.find('#')) {
        let at = i + off;
        if at == 0 || bytes.get(at - 1).is_some_and(|b| *b == b' ' || *b == b'\t') {
            return Some(at);
        }
        i = at + 1;
    }
    None
}

fn is_comment_or_blank(line: &str) -> bool {
    let t = line.trim();
    t.is_empty() || t.starts_with('#')
}

struct Parser<'a> {
    y: &'a Yaml,
    path: &'a str,
    opts: &'a ParseOptions,
    diags: Vec<Diagnostic>,
    directives: &'a Directives,
    /// Source lines, collected only when the file has `# rules disable` comments.
    lines: Vec<&'a str>,
    /// Depth of `<<` merges being resolved (aliases can chain merges).
    merge_depth: usize,
}

/// One entry of a mapping after merge keys are applied.
struct Entry<'a> {
    key: &'a str,
    key_pos: Position,
    value: NodeId,
}

impl<'a> Parser<'a> {
    fn node(&self, id: NodeId) -> Option<&'a Node> {
        self.y.node(id)
    }

    fn pos(&self, id: NodeId) -> Position {
        self.node(id).map_or(Position::new(1, 1), |n| n.start.pos())
    }

    fn error(&mut self, pos: Position, code: &str, message: String) {
        self.diags.push(Diagnostic::new(
            self.path,
            pos,
            Severity::Error,
            code,
            message,
        ));
    }

    fn type_error(&mut self, id: NodeId, what: &str, expected: &str) {
        let (found, pos) = match self.node(id) {
            Some(n) => (describe(n), n.start.pos()),
            None => ("nothing".to_string(), Position::new(1, 1)),
        };
        self.error(
            pos,
            "rules/yaml-type",
            format!("{what}: expected {expected}, found {found}"),
        );
    }

    /// The entries of a mapping, with `<<` merge keys applied (explicit keys win) and duplicate
    /// keys reported. `None` (after a type error) if the node is not a mapping.
    fn mapping(&mut self, id: NodeId, what: &str) -> Option<Vec<Entry<'a>>> {
        let node = self.node(id)?;
        let Kind::Map(pairs) = &node.kind else {
            if !node.is_null() {
                self.type_error(id, what, "a mapping");
            }
            return None;
        };
        let mut out: Vec<Entry<'a>> = Vec::with_capacity(pairs.len());
        let mut merged: Vec<Entry<'a>> = Vec::new();
        for &(k, v) in pairs {
            let Some(key) = self.y.scalar(k) else {
                self.type_error(k, what, "a scalar key");
                continue;
            };
            let key_pos = self.pos(k);
            if key == "<<" && is_plain(self.node(k)) {
                if self.merge_depth >= MAX_MERGE_DEPTH {
                    self.type_error(v, what, "fewer nested merge keys");
                    continue;
                }
                self.merge_depth += 1;
                self.merge_into(v, what, &mut merged, 0);
                self.merge_depth -= 1;
                continue;
            }
            if let Some(prev) = out.iter().find(|e| e.key == key) {
                let line = prev.key_pos.line;
                self.error(
                    key_pos,
                    "rules/yaml-duplicate-key",
                    format!("{what}: mapping key {key:?} already defined at line {line}"),
                );
                continue;
            }
            out.push(Entry {
                key,
                key_pos,
                value: v,
            });
        }
        for m in merged {
            if !out.iter().any(|e| e.key == m.key) {
                out.push(m);
            }
        }
        Some(out)
    }

    fn merge_into(&mut self, v: NodeId, what: &str, merged: &mut Vec<Entry<'a>>, depth: usize) {
        let Some(node) = self.node(v) else { return };
        match &node.kind {
            Kind::Seq(items) if depth == 0 => {
                for &i in items {
                    self.merge_into(i, what, merged, depth + 1);
                }
            }
            Kind::Map(_) => {
                if let Some(entries) = self.mapping(v, what) {
                    for e in entries {
                        // Earlier merge sources win over later ones.
                        if !merged.iter().any(|m| m.key == e.key) {
                            merged.push(e);
                        }
                    }
                }
            }
            _ => self.type_error(v, what, "a mapping (or a list of mappings) to merge"),
        }
    }

    fn unknown_field(&mut self, e: &Entry<'_>, what: &str) {
        if self.opts.ignore_unknown_fields {
            return;
        }
        let key = e.key;
        self.error(
            e.key_pos,
            "rules/unknown-field",
            format!("field {key:?} not valid in {what}"),
        );
    }

    /// A scalar as a string (Go's yaml decoding into a `string`: null is `""`).
    fn string(&mut self, id: NodeId, what: &str) -> Option<Spanned<String>> {
        let node = self.node(id)?;
        match &node.kind {
            Kind::Scalar { value, .. } => {
                let v = if node.is_null() {
                    String::new()
                } else {
                    value.clone()
                };
                Some(Spanned::new(v, node.start.pos()))
            }
            _ => {
                self.type_error(id, what, "a string");
                None
            }
        }
    }

    fn string_list(&mut self, id: NodeId, what: &str) -> Vec<Spanned<String>> {
        let Some(node) = self.node(id) else {
            return Vec::new();
        };
        match &node.kind {
            Kind::Seq(items) => items.iter().filter_map(|&i| self.string(i, what)).collect(),
            _ if node.is_null() => Vec::new(),
            _ => {
                self.type_error(id, what, "a list");
                Vec::new()
            }
        }
    }

    fn key_values(&mut self, id: NodeId, what: &str) -> Vec<KeyValue> {
        let Some(entries) = self.mapping(id, what) else {
            return Vec::new();
        };
        let mut out = Vec::with_capacity(entries.len());
        for e in entries {
            // The field name only appears in the type error a non-scalar value gets.
            let scalar =
                matches!(self.node(e.value), Some(n) if matches!(n.kind, Kind::Scalar { .. }));
            let field = if scalar {
                String::new()
            } else {
                format!("{what} {:?}", e.key)
            };
            if let Some(value) = self.string(e.value, &field) {
                let (start, style) = match self.node(e.value) {
                    Some(Node {
                        kind: Kind::Scalar { style, .. },
                        start,
                        ..
                    }) => (*start, *style),
                    _ => (crate::yaml::Mark::default(), Style::Plain),
                };
                out.push(KeyValue {
                    key: Spanned::new(e.key.to_string(), e.key_pos),
                    value,
                    start,
                    style,
                });
            }
        }
        out
    }

    fn document(&mut self, index: usize, root: NodeId) -> Option<Document> {
        let node = self.node(root)?;
        if node.is_null() {
            return None;
        }
        if !matches!(node.kind, Kind::Map(_)) {
            self.type_error(root, "document", "a mapping with `groups`");
            return None;
        }
        let entries = self.mapping(root, "rule file")?;
        let kind = entries
            .iter()
            .find(|e| e.key == "kind")
            .and_then(|e| self.y.scalar(e.value));
        if let Some(kind) = kind {
            if kind == "PrometheusRule" {
                return Some(self.prometheus_rule(index, &entries));
            }
            if entries.iter().any(|e| e.key == "apiVersion") {
                // Another Kubernetes object in a manifest stream: not ours.
                return None;
            }
        }
        let mut doc = Document {
            index,
            source: Source::RuleFile,
            namespace: None,
            groups: Vec::new(),
        };
        for e in &entries {
            match e.key {
                "groups" => doc.groups = self.groups(e.value),
                "namespace" if self.opts.extensions => {
                    doc.namespace = self.string(e.value, "namespace");
                }
                _ => self.unknown_field(e, "rule file"),
            }
        }
        Some(doc)
    }

    fn prometheus_rule(&mut self, index: usize, entries: &[Entry<'a>]) -> Document {
        let mut doc = Document {
            index,
            source: Source::PrometheusRule {
                name: None,
                namespace: None,
            },
            namespace: None,
            groups: Vec::new(),
        };
        for e in entries {
            match e.key {
                "metadata" => {
                    let Some(meta) = self.mapping(e.value, "metadata") else {
                        continue;
                    };
                    let name = meta
                        .iter()
                        .find(|m| m.key == "name")
                        .and_then(|m| self.y.scalar(m.value))
                        .map(str::to_string);
                    let ns = meta
                        .iter()
                        .find(|m| m.key == "namespace")
                        .and_then(|m| self.y.scalar(m.value))
                        .map(str::to_string);
                    doc.source = Source::PrometheusRule {
                        name,
                        namespace: ns,
                    };
                }
                "spec" => {
                    let Some(spec) = self.mapping(e.value, "spec") else {
                        continue;
                    };
                    for s in &spec {
                        match s.key {
                            "groups" => doc.groups = self.groups(s.value),
                            _ => self.unknown_field(s, "PrometheusRule spec"),
                        }
                    }
                }
                _ => {}
            }
        }
        doc
    }

    fn groups(&mut self, id: NodeId) -> Vec<Group> {
        let Some(node) = self.node(id) else {
            return Vec::new();
        };
        let Kind::Seq(items) = &node.kind else {
            if !node.is_null() {
                self.type_error(id, "groups", "a list of groups");
            }
            return Vec::new();
        };
        items.iter().filter_map(|&g| self.group(g)).collect()
    }

    fn group(&mut self, id: NodeId) -> Option<Group> {
        let pos = self.pos(id);
        let entries = self.mapping(id, "group")?;
        let mut g = Group {
            pos,
            name: Spanned::new(String::new(), pos),
            interval: None,
            query_offset: None,
            limit: None,
            labels: Vec::new(),
            partial_response_strategy: None,
            remote_write: Vec::new(),
            source_tenants: Vec::new(),
            rules: Vec::new(),
        };
        let v3 = self.opts.dialect == Dialect::V3;
        let ext = self.opts.extensions;
        let mut rules_node = None;
        for e in &entries {
            match e.key {
                "name" => {
                    if let Some(n) = self.string(e.value, "group name") {
                        g.name = n;
                    }
                }
                "interval" => g.interval = self.string(e.value, "group interval"),
                "limit" => g.limit = self.int(e.value, "group limit"),
                "rules" => rules_node = Some(e.value),
                "query_offset" if v3 => g.query_offset = self.string(e.value, "group query_offset"),
                "labels" if v3 => g.labels = self.key_values(e.value, "group label"),
                "partial_response_strategy" if ext => {
                    g.partial_response_strategy = self.string(e.value, "partial_response_strategy");
                }
                "remote_write" if ext => g.remote_write = self.remote_write(e.value),
                "source_tenants" if ext => {
                    g.source_tenants = self.string_list(e.value, "source_tenants");
                }
                _ => self.unknown_field(e, "rule group"),
            }
        }
        if let Some(r) = rules_node {
            g.rules = self.rules(r);
        }
        Some(g)
    }

    fn int(&mut self, id: NodeId, what: &str) -> Option<Spanned<i64>> {
        let node = self.node(id)?;
        if node.is_null() {
            return None;
        }
        if let Kind::Scalar { value, .. } = &node.kind
            && let Ok(v) = value.parse::<i64>()
        {
            return Some(Spanned::new(v, node.start.pos()));
        }
        self.type_error(id, what, "an integer");
        None
    }

    fn remote_write(&mut self, id: NodeId) -> Vec<Spanned<String>> {
        let Some(node) = self.node(id) else {
            return Vec::new();
        };
        let Kind::Seq(items) = &node.kind else {
            if !node.is_null() {
                self.type_error(id, "remote_write", "a list of {url: ...}");
            }
            return Vec::new();
        };
        let mut out = Vec::new();
        for &i in items {
            let Some(entries) = self.mapping(i, "remote_write") else {
                continue;
            };
            for e in &entries {
                match e.key {
                    "url" => out.extend(self.string(e.value, "remote_write url")),
                    _ => self.unknown_field(e, "remote_write"),
                }
            }
        }
        out
    }

    fn rules(&mut self, id: NodeId) -> Vec<Rule> {
        let Some(node) = self.node(id) else {
            return Vec::new();
        };
        let Kind::Seq(items) = &node.kind else {
            if !node.is_null() {
                self.type_error(id, "rules", "a list of rules");
            }
            return Vec::new();
        };
        let mut out = Vec::with_capacity(items.len());
        for (i, &r) in items.iter().enumerate() {
            if let Some(rule) = self.rule(i + 1, r) {
                out.push(rule);
            }
        }
        out
    }

    fn rule(&mut self, index: usize, id: NodeId) -> Option<Rule> {
        let node = self.node(id)?;
        let pos = node.start.pos();
        let entries = self.mapping(id, "rule")?;
        let mut r = Rule {
            index,
            pos,
            record: None,
            alert: None,
            expr: None,
            for_: None,
            keep_firing_for: None,
            labels: Vec::new(),
            annotations: Vec::new(),
            labels_pos: None,
            annotations_pos: None,
            disabled: self.disabled_for(node),
        };
        for e in &entries {
            match e.key {
                "record" => r.record = self.non_empty(e.value, "record"),
                "alert" => r.alert = self.non_empty(e.value, "alert"),
                "expr" => r.expr = self.expr(e.value),
                "for" => r.for_ = self.non_empty(e.value, "for"),
                "keep_firing_for" => r.keep_firing_for = self.non_empty(e.value, "keep_firing_for"),
                "labels" => {
                    r.labels_pos = Some(e.key_pos);
                    r.labels = self.key_values(e.value, "label");
                }
                "annotations" => {
                    r.annotations_pos = Some(e.key_pos);
                    r.annotations = self.key_values(e.value, "annotation");
                }
                _ => self.unknown_field(e, "rule"),
            }
        }
        Some(r)
    }

    /// A string field where an empty value counts as "not set" (as Go's zero value does).
    fn non_empty(&mut self, id: NodeId, what: &str) -> Option<Spanned<String>> {
        self.string(id, what).filter(|s| !s.value.is_empty())
    }

    fn expr(&mut self, id: NodeId) -> Option<Expr> {
        let node = self.node(id)?;
        match &node.kind {
            Kind::Scalar { value, style, .. } if !node.is_null() && !value.is_empty() => {
                Some(Expr {
                    text: value.clone(),
                    pos: node.start.pos(),
                    start: node.start,
                    style: *style,
                })
            }
            Kind::Scalar { .. } => None,
            _ => {
                self.type_error(id, "expr", "a string");
                None
            }
        }
    }

    /// Codes disabled for a rule: comment lines right above it and comments inside it.
    fn disabled_for(&self, node: &Node) -> Vec<String> {
        if self.directives.by_line.is_empty() {
            return Vec::new();
        }
        let lines = &self.lines;
        let first = node.start.line;
        // The end mark is where the next item starts; the rule's own text ends a line earlier.
        let mut last = if node.end.line > first {
            node.end.line - 1
        } else {
            first
        };
        while last > first
            && lines
                .get(usize::try_from(last).unwrap_or(0).saturating_sub(1))
                .is_some_and(|l| is_comment_or_blank(l))
        {
            last -= 1;
        }
        let mut start = first;
        while start > 1
            && lines
                .get(usize::try_from(start).unwrap_or(0).saturating_sub(2))
                .is_some_and(|l| l.trim_start().starts_with('#'))
        {
            start -= 1;
        }
        let mut out = Vec::new();
        for l in start..=last {
            if let Some(codes) = self.directives.by_line.get(&l) {
                out.extend(codes.iter().cloned());
            }
        }
        out
    }
}

fn is_plain(node: Option<&Node>) -> bool {
    matches!(
        node.map(|n| &n.kind),
        Some(Kind::Scalar {
            style: Style::Plain,
            ..
        })
    )
}

/// How a node reads in a message: its kind and a short excerpt of a scalar.
fn describe(n: &Node) -> String {
    match &n.kind {
        Kind::Scalar { value, .. } => {
            let short: String = value.chars().take(40).collect();
            format!("{} {short:?}", n.kind_name())
        }
        _ => n.kind_name().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_ok(src: &str) -> Parsed {
        parse("t.yml", src, &ParseOptions::default()).unwrap()
    }

    #[test]
    fn merge_keys_and_aliases() {
        let p = parse_ok(
            "groups:\n- name: g\n  rules:\n  - &a\n    alert: A\n    expr: up == 0\n    labels: {severity: page}\n  - <<: *a\n    alert: B\n",
        );
        assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
        let rules: Vec<_> = p.file.rules().map(|(_, r)| r).collect();
        assert_eq!(rules[1].name(), "B");
        assert_eq!(rules[1].label("severity"), Some("page"));
        assert_eq!(rules[1].expr.as_ref().unwrap().text, "up == 0");
    }

    #[test]
    fn unknown_fields_and_duplicates_are_positioned() {
        let p = parse_ok(
            "groups:\n- name: g\n  rules:\n  - record: a\n    expr: up\n    expr: down\n    severity: x\n",
        );
        let codes: Vec<_> = p
            .diagnostics
            .iter()
            .map(|d| (d.code.as_str(), d.line, d.column))
            .collect();
        assert_eq!(
            codes,
            vec![
                ("rules/yaml-duplicate-key", 6, 5),
                ("rules/unknown-field", 7, 5)
            ]
        );
    }

    #[test]
    fn dialect_controls_group_fields() {
        let src = "groups:\n- name: g\n  query_offset: 1m\n  labels: {a: b}\n  rules: []\n";
        assert!(parse_ok(src).diagnostics.is_empty());
        let v2 = ParseOptions {
            dialect: Dialect::V2,
            ..ParseOptions::default()
        };
        assert_eq!(parse("t.yml", src, &v2).unwrap().diagnostics.len(), 2);
    }

    #[test]
    fn prometheus_rule_and_multi_doc() {
        let src = "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata: {name: x, namespace: mon}\nspec:\n  groups:\n  - name: g\n    rules:\n    - record: a:b\n      expr: 1\n---\napiVersion: v1\nkind: ConfigMap\n---\ngroups: []\n";
        let p = parse_ok(src);
        assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
        assert_eq!(p.file.documents.len(), 2);
        assert_eq!(
            p.file.documents[0].source,
            Source::PrometheusRule {
                name: Some("x".into()),
                namespace: Some("mon".into())
            }
        );
        assert_eq!(
            p.file.rules().next().unwrap().1.expr.as_ref().unwrap().text,
            "1"
        );
    }

    #[test]
    fn extensions_are_opt_in() {
        let src = "namespace: ns\ngroups:\n- name: g\n  partial_response_strategy: warn\n  remote_write: [{url: 'http://x'}]\n  rules: []\n";
        assert_eq!(parse_ok(src).diagnostics.len(), 3);
        let ext = ParseOptions {
            extensions: true,
            ..ParseOptions::default()
        };
        let p = parse("t.yml", src, &ext).unwrap();
        assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
        assert_eq!(
            p.file.documents[0].groups[0].remote_write[0].value,
            "http://x"
        );
    }

    #[test]
    fn long_merge_chains_are_bounded() {
        let mut src = String::from("a0: &a0 {x: 1}\n");
        for i in 1..200 {
            src.push_str(&format!("a{i}: &a{i} {{<<: *a{}}}\n", i - 1));
        }
        src.push_str("groups:\n- name: g\n  rules:\n  - <<: *a199\n    record: a\n    expr: up\n");
        let p = parse_ok(&src);
        assert!(p.diagnostics.iter().any(|d| d.code == "rules/yaml-type"));
    }

    #[test]
    fn wrong_types_are_reported() {
        let p = parse_ok("groups: oops\n");
        assert_eq!(p.diagnostics[0].code, "rules/yaml-type");
        let p = parse_ok("groups:\n- name: g\n  rules:\n  - record: [a]\n    expr: up\n");
        assert_eq!((p.diagnostics[0].line, p.diagnostics[0].column), (4, 13));
    }

    #[test]
    fn disable_comments() {
        let src = "# rules file/disable rules/lint-a\ngroups:\n- name: g\n  rules:\n  # rules disable rules/lint-b\n  - alert: A\n    expr: up == 0 # rules disable rules/lint-c\n  - alert: B\n    expr: up\n";
        let p = parse_ok(src);
        let rules: Vec<_> = p.file.rules().map(|(_, r)| r).collect();
        assert_eq!(rules[0].disabled, vec!["rules/lint-b", "rules/lint-c"]);
        assert!(rules[1].disabled.is_empty());
        assert_eq!(p.file.disabled, vec!["rules/lint-a"]);
    }
}
