//! Findings as data: severity, a stable code, a message and the position of the offending node.

use std::fmt;

use serde::Serialize;

/// A 1-based line and column in a source file; `0` means "unknown" (input that came from JSON
/// values or from code rather than from a file).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Pos {
    /// 1-based line, 0 when unknown.
    pub line: usize,
    /// 1-based column, 0 when unknown.
    pub column: usize,
}

/// How serious a finding is. Ordered: `Info < Warning < Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing, nothing to fix.
    Info,
    /// Probably not what was meant; Argo accepts it.
    Warning,
    /// Argo rejects it, or the rollout cannot work as written.
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

/// One validation or lint finding.
///
/// ```
/// use rollout_plan::{Diagnostic, Severity};
/// let d = Diagnostic {
///     file: "r.yaml".into(), line: 3, column: 7, severity: Severity::Error,
///     code: "rollout/weight-range".into(), message: "setWeight 120 is outside 0..=100".into(),
///     field: "spec.strategy.canary.steps[0].setWeight".into(),
/// };
/// assert_eq!(d.to_string(),
///     "r.yaml:3:7: error[rollout/weight-range]: setWeight 120 is outside 0..=100 (spec.strategy.canary.steps[0].setWeight)");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Diagnostic {
    /// The file the finding is in (as given to the parser).
    pub file: String,
    /// 1-based line of the offending node (0 when unknown).
    pub line: usize,
    /// 1-based column of the offending node (0 when unknown).
    pub column: usize,
    /// How serious it is.
    pub severity: Severity,
    /// A stable code such as `rollout/weight-range`; see [`crate::validate::CHECKS`].
    pub code: String,
    /// What is wrong, lowercase, for humans.
    pub message: String,
    /// The path of the offending field inside its document, e.g. `spec.strategy.canary.steps[2].pause.duration`.
    pub field: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}[{}]: {}",
            self.file, self.line, self.column, self.severity, self.code, self.message
        )?;
        if !self.field.is_empty() {
            write!(f, " ({})", self.field)?;
        }
        Ok(())
    }
}
