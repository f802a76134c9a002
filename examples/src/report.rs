//! One report for every crate's findings, rendered as text, JSON or SARIF 2.1.0.
//!
//! The crates each own their diagnostic type; they all serialize to the same shape
//! (`file`, `line`, `column`, `severity`, `code`, `message`, plus extra fields), so a
//! [`Finding`] is built from any of them through serde and the extra fields are kept.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;
use serde_json::{Map, Value, json};

/// How serious a finding is. Ordered: `Info < Warning < Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// A hint.
    Info,
    /// Probably wrong.
    Warning,
    /// Rejected by the tool that consumes the file, or sure to misbehave.
    Error,
}

impl Severity {
    fn parse(s: &str) -> Severity {
        match s {
            "error" => Severity::Error,
            "warning" => Severity::Warning,
            _ => Severity::Info,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// One finding from any crate, at a 1-based file position.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// The file, relative to the checked repository where possible.
    pub file: String,
    /// 1-based line (0 when the finding is about the whole file).
    pub line: u64,
    /// 1-based column (0 when unknown).
    pub column: u64,
    /// How serious it is.
    pub severity: Severity,
    /// Stable code such as `rules/expr-syntax`.
    pub code: String,
    /// What is wrong.
    pub message: String,
    /// The environment (kustomize overlay) the finding belongs to, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    /// Fields the crate's diagnostic carries beyond the common ones (group, rule, field, ...).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Finding {
    /// Builds a finding from any crate's serializable diagnostic.
    ///
    /// Returns `None` when the value does not serialize to an object with a `message`.
    pub fn from_diagnostic<T: Serialize>(diagnostic: &T) -> Option<Finding> {
        let Value::Object(mut map) = serde_json::to_value(diagnostic).ok()? else {
            return None;
        };
        let message = take_string(&mut map, "message")?;
        let file = take_string(&mut map, "file").unwrap_or_default();
        let code = take_string(&mut map, "code").unwrap_or_default();
        let severity = Severity::parse(&take_string(&mut map, "severity").unwrap_or_default());
        let line = take_u64(&mut map, "line");
        let column = take_u64(&mut map, "column");
        map.retain(|_, v| !v.is_null());
        Some(Finding {
            file,
            line,
            column,
            severity,
            code,
            message,
            environment: None,
            extra: map,
        })
    }

    /// A finding built directly (for the checker's own findings).
    pub fn new(
        file: impl Into<String>,
        line: u64,
        column: u64,
        severity: Severity,
        code: impl Into<String>,
        message: impl Into<String>,
    ) -> Finding {
        Finding {
            file: file.into(),
            line,
            column,
            severity,
            code: code.into(),
            message: message.into(),
            environment: None,
            extra: Map::new(),
        }
    }
}

fn take_string(map: &mut Map<String, Value>, key: &str) -> Option<String> {
    match map.remove(key)? {
        Value::String(s) => Some(s),
        other => Some(other.to_string()),
    }
}

fn take_u64(map: &mut Map<String, Value>, key: &str) -> u64 {
    map.remove(key).and_then(|v| v.as_u64()).unwrap_or(0)
}

/// Error and warning counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Findings of severity error.
    pub errors: usize,
    /// Findings of severity warning.
    pub warnings: usize,
}

/// All findings of a run, in a stable order (file, line, column, code).
#[derive(Debug, Clone, Default)]
pub struct Report {
    findings: Vec<Finding>,
}

impl Report {
    /// An empty report.
    pub fn new() -> Report {
        Report::default()
    }

    /// Adds a finding.
    pub fn push(&mut self, finding: Finding) {
        self.findings.push(finding);
    }

    /// The findings, sorted.
    pub fn findings(&self) -> Vec<&Finding> {
        let mut all: Vec<&Finding> = self.findings.iter().collect();
        all.sort_by(|a, b| {
            (
                &a.environment,
                &a.file,
                a.line,
                a.column,
                &a.code,
                &a.message,
            )
                .cmp(&(
                    &b.environment,
                    &b.file,
                    b.line,
                    b.column,
                    &b.code,
                    &b.message,
                ))
        });
        all.dedup_by(|a, b| a == b);
        all
    }

    /// Error and warning counts.
    pub fn summary(&self) -> Summary {
        let mut summary = Summary::default();
        for f in self.findings() {
            match f.severity {
                Severity::Error => summary.errors += 1,
                Severity::Warning => summary.warnings += 1,
                Severity::Info => {}
            }
        }
        summary
    }

    /// `{"diagnostics":[...],"summary":{"errors":N,"warnings":N}}` as DESIGN.md specifies.
    pub fn to_json(&self) -> Value {
        json!({ "diagnostics": self.findings(), "summary": self.summary() })
    }

    /// A SARIF 2.1.0 log with one run; rules are the distinct codes.
    pub fn to_sarif(&self, tool_name: &str, tool_version: &str) -> Value {
        let findings = self.findings();
        let mut rule_index: BTreeMap<&str, usize> = BTreeMap::new();
        for f in &findings {
            let next = rule_index.len();
            rule_index.entry(f.code.as_str()).or_insert(next);
        }
        let mut rules: Vec<(&str, usize)> = rule_index.iter().map(|(k, v)| (*k, *v)).collect();
        rules.sort_by_key(|(_, i)| *i);
        let rules: Vec<Value> = rules
            .iter()
            .map(|(code, _)| json!({ "id": code, "name": code }))
            .collect();
        let results: Vec<Value> = findings
            .iter()
            .map(|f| {
                let level = match f.severity {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                    Severity::Info => "note",
                };
                let mut region = Map::new();
                if f.line > 0 {
                    region.insert("startLine".into(), json!(f.line));
                    if f.column > 0 {
                        region.insert("startColumn".into(), json!(f.column));
                    }
                }
                let mut location = json!({
                    "physicalLocation": { "artifactLocation": { "uri": f.file } }
                });
                if !region.is_empty() {
                    location["physicalLocation"]["region"] = Value::Object(region);
                }
                let mut result = json!({
                    "ruleId": f.code,
                    "ruleIndex": rule_index.get(f.code.as_str()).copied().unwrap_or(0),
                    "level": level,
                    "message": { "text": f.message },
                    "locations": [location],
                });
                if let Some(env) = &f.environment {
                    result["properties"] = json!({ "environment": env });
                }
                result
            })
            .collect();
        json!({
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "version": "2.1.0",
            "runs": [{
                "tool": { "driver": {
                    "name": tool_name,
                    "version": tool_version,
                    "rules": rules,
                }},
                "columnKind": "unicodeCodePoints",
                "results": results,
            }]
        })
    }

    /// Human-readable text: one line per finding, with the source line and a caret when
    /// `source` can supply the file's text.
    pub fn to_text(&self, source: &dyn Fn(&str) -> Option<String>) -> String {
        let mut out = String::new();
        let mut cache: BTreeMap<String, Option<String>> = BTreeMap::new();
        for f in self.findings() {
            let env = f
                .environment
                .as_deref()
                .map(|e| format!(" [{e}]"))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "{}:{}:{}: {}[{}]{}: {}",
                f.file,
                f.line,
                f.column,
                f.severity.as_str(),
                f.code,
                env,
                f.message
            );
            if f.line == 0 {
                continue;
            }
            let text = cache
                .entry(f.file.clone())
                .or_insert_with(|| source(&f.file));
            let Some(text) = text else { continue };
            let Some(line) = text.lines().nth((f.line - 1) as usize) else {
                continue;
            };
            let _ = writeln!(out, "  {:>5} | {}", f.line, line);
            if f.column > 0 {
                let pad: String = line
                    .chars()
                    .take((f.column - 1) as usize)
                    .map(|c| if c == '\t' { '\t' } else { ' ' })
                    .collect();
                let _ = writeln!(out, "        | {pad}^");
            }
        }
        let s = self.summary();
        let _ = writeln!(out, "{} error(s), {} warning(s)", s.errors, s.warnings);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct CrateDiagnostic {
        file: String,
        line: u32,
        column: u32,
        severity: &'static str,
        code: &'static str,
        message: &'static str,
        group: Option<&'static str>,
        rule: Option<&'static str>,
    }

    fn sample() -> Report {
        let mut report = Report::new();
        report.push(
            Finding::from_diagnostic(&CrateDiagnostic {
                file: "rules.yml".into(),
                line: 3,
                column: 11,
                severity: "error",
                code: "rules/expr-syntax",
                message: "unexpected end of input",
                group: Some("g"),
                rule: None,
            })
            .unwrap(),
        );
        report.push(Finding::new(
            "a.yaml",
            1,
            1,
            Severity::Warning,
            "k8s/probes",
            "no readiness probe",
        ));
        report
    }

    #[test]
    fn findings_from_any_crate_keep_their_extra_fields_and_sort() {
        let report = sample();
        let findings = report.findings();
        assert_eq!(findings[0].file, "a.yaml");
        assert_eq!(findings[1].code, "rules/expr-syntax");
        assert_eq!(findings[1].extra.get("group"), Some(&json!("g")));
        assert!(!findings[1].extra.contains_key("rule"), "nulls are dropped");
        assert_eq!(
            report.summary(),
            Summary {
                errors: 1,
                warnings: 1
            }
        );
    }

    #[test]
    fn json_has_the_design_shape() {
        let json = sample().to_json();
        assert_eq!(json["summary"]["errors"], 1);
        assert_eq!(json["summary"]["warnings"], 1);
        let d = &json["diagnostics"][1];
        for key in ["file", "line", "column", "severity", "code", "message"] {
            assert!(d.get(key).is_some(), "{key} missing in {d}");
        }
        assert_eq!(d["severity"], "error");
        assert_eq!(d["line"], 3);
    }

    #[test]
    fn sarif_has_rules_results_and_regions() {
        let sarif = sample().to_sarif("deploy-check", "0.1.0");
        assert_eq!(sarif["version"], "2.1.0");
        let run = &sarif["runs"][0];
        assert_eq!(run["tool"]["driver"]["rules"].as_array().unwrap().len(), 2);
        let result = &run["results"][1];
        assert_eq!(result["ruleId"], "rules/expr-syntax");
        assert_eq!(result["level"], "error");
        let region = &result["locations"][0]["physicalLocation"]["region"];
        assert_eq!(region["startLine"], 3);
        assert_eq!(region["startColumn"], 11);
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(
            run["tool"]["driver"]["rules"][index]["id"],
            "rules/expr-syntax"
        );
    }

    #[test]
    fn text_shows_the_source_line_with_a_caret() {
        let text = sample().to_text(&|file| {
            (file == "rules.yml").then(|| "groups:\n- name: g\n  - expr: sum(\n".to_string())
        });
        assert!(
            text.contains("rules.yml:3:11: error[rules/expr-syntax]: unexpected end of input"),
            "{text}"
        );
        assert!(text.contains("      3 |   - expr: sum("), "{text}");
        assert!(text.contains("        |           ^"), "{text}");
        assert!(text.ends_with("1 error(s), 1 warning(s)\n"), "{text}");
    }
}
