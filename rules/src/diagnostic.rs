//! Findings as data: severity, stable code, message and source position.

use std::fmt;

use serde::Serialize;

/// How serious a finding is. Ordered: `Info < Warning < Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// A hint; never fails a check.
    Info,
    /// Probably wrong, but Prometheus would load the file.
    Warning,
    /// Prometheus (or promtool) would reject the file.
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

/// A 1-based line and column in a source file. Columns count characters (not bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
pub struct Position {
    /// Line, 1-based.
    pub line: u32,
    /// Column in characters, 1-based.
    pub column: u32,
}

impl Position {
    /// A position from a 1-based line and column.
    #[must_use]
    pub const fn new(line: u32, column: u32) -> Self {
        Position { line, column }
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// One finding about a rule file.
///
/// ```
/// use rules::{Diagnostic, Position, Severity};
/// let d = Diagnostic::new("a.yml", Position::new(3, 5), Severity::Error, "rules/group-name-empty", "group name must not be empty");
/// assert_eq!(d.to_string(), "a.yml:3:5: error[rules/group-name-empty]: group name must not be empty");
/// let json = serde_json::to_string(&d)?;
/// assert!(json.contains("\"line\":3"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Diagnostic {
    /// The file the finding is about, as given by the caller.
    pub file: String,
    /// Line, 1-based.
    pub line: u32,
    /// Column in characters, 1-based.
    pub column: u32,
    /// How serious it is.
    pub severity: Severity,
    /// Stable code, e.g. `rules/expr-syntax`.
    pub code: String,
    /// Human-readable message naming the group and rule where there is one.
    pub message: String,
    /// The group the finding is about, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// The rule (record or alert name) the finding is about, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
}

impl Diagnostic {
    /// A finding at `pos` in `file`.
    #[must_use]
    pub fn new(
        file: impl Into<String>,
        pos: Position,
        severity: Severity,
        code: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            file: file.into(),
            line: pos.line,
            column: pos.column,
            severity,
            code: code.into(),
            message: message.into(),
            group: None,
            rule: None,
        }
    }

    /// The position as a [`Position`].
    #[must_use]
    pub fn position(&self) -> Position {
        Position::new(self.line, self.column)
    }

    /// Whether this finding is an error.
    #[must_use]
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}[{}]: {}",
            self.file, self.line, self.column, self.severity, self.code, self.message
        )
    }
}

/// Counts of findings by severity, as in the `summary` object of the JSON output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Summary {
    /// Number of error findings.
    pub errors: usize,
    /// Number of warning findings.
    pub warnings: usize,
}

impl Summary {
    /// Count the findings in `diagnostics`.
    #[must_use]
    pub fn of(diagnostics: &[Diagnostic]) -> Self {
        let mut s = Summary::default();
        for d in diagnostics {
            match d.severity {
                Severity::Error => s.errors += 1,
                Severity::Warning => s.warnings += 1,
                Severity::Info => {}
            }
        }
        s
    }
}

/// Sort findings deterministically: by file, line, column, code, message.
pub fn sort_diagnostics(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| {
        (&a.file, a.line, a.column, &a.code, &a.message)
            .cmp(&(&b.file, b.line, b.column, &b.code, &b.message))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_orders_and_serializes() {
        assert!(Severity::Error > Severity::Warning);
        assert!(Severity::Warning > Severity::Info);
        assert_eq!(
            serde_json::to_string(&Severity::Warning).unwrap(),
            "\"warning\""
        );
    }

    #[test]
    fn summary_counts() {
        let mk = |s| Diagnostic::new("f", Position::new(1, 1), s, "c", "m");
        let d = vec![
            mk(Severity::Error),
            mk(Severity::Warning),
            mk(Severity::Info),
            mk(Severity::Error),
        ];
        assert_eq!(
            Summary::of(&d),
            Summary {
                errors: 2,
                warnings: 1
            }
        );
    }
}
