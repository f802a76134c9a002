//! Findings as data: [`Diagnostic`] and [`Severity`].

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::yaml::Span;

/// How serious a finding is. Ordered: `Info < Warning < Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing, nothing to fix.
    Info,
    /// Probably a mistake or a risk.
    Warning,
    /// The input is wrong: a cluster (or tool) would reject it or misbehave.
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

/// One finding: where (file, 1-based line and column), how serious, which check (a stable
/// `code` such as `k8s/run-as-non-root`) and a message for humans.
///
/// Serializes to JSON as `{"file","line","column","severity","code","message",...}` with the
/// optional `object` (e.g. `Deployment/web`), `path` (the field path) and `suggestion`.
///
/// ```
/// use manifest_model::{Diagnostic, Severity};
/// let d = Diagnostic::new(Severity::Warning, "k8s/image-tag", "image `nginx` has no tag")
///     .at("deploy.yaml".as_ref(), 12, 16);
/// assert_eq!(d.to_string(), "deploy.yaml:12:16: warning[k8s/image-tag]: image `nginx` has no tag");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// The file the finding is in.
    pub file: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// How serious it is.
    pub severity: Severity,
    /// The stable check code.
    pub code: String,
    /// What is wrong, for humans (lowercase start, no final period).
    pub message: String,
    /// The object the finding is about, as `Kind/name` or `Kind/namespace/name`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object: Option<String>,
    /// The field path inside the document, e.g. `spec.template.spec.containers[0].image`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// A suggested replacement (closest field name, replacement apiVersion...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suggestion: Option<String>,
}

impl Diagnostic {
    /// A finding without a location yet (line and column 0 until [`Diagnostic::at`]).
    #[must_use]
    pub fn new(severity: Severity, code: &str, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            file: PathBuf::new(),
            line: 0,
            column: 0,
            severity,
            code: code.to_owned(),
            message: message.into(),
            object: None,
            path: None,
            suggestion: None,
        }
    }

    /// Set the location.
    #[must_use]
    pub fn at(mut self, file: &Path, line: usize, column: usize) -> Diagnostic {
        self.file = file.to_path_buf();
        self.line = line;
        self.column = column;
        self
    }

    /// Set the location to the start of `span`.
    #[must_use]
    pub fn at_span(self, file: &Path, span: Span) -> Diagnostic {
        self.at(file, span.start.line, span.start.column)
    }

    /// Set the object this finding is about.
    #[must_use]
    pub fn with_object(mut self, object: impl Into<String>) -> Diagnostic {
        self.object = Some(object.into());
        self
    }

    /// Set the field path.
    #[must_use]
    pub fn with_path(mut self, path: impl Into<String>) -> Diagnostic {
        self.path = Some(path.into());
        self
    }

    /// Set the suggestion.
    #[must_use]
    pub fn with_suggestion(mut self, suggestion: impl Into<String>) -> Diagnostic {
        self.suggestion = Some(suggestion.into());
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}[{}]: {}",
            self.file.display(),
            self.line,
            self.column,
            self.severity,
            self.code,
            self.message
        )
    }
}

/// Counts of error and warning findings, as in the `lint` example's JSON `summary`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Summary {
    /// Number of error-level findings.
    pub errors: usize,
    /// Number of warning-level findings.
    pub warnings: usize,
}

impl Summary {
    /// Count the findings.
    #[must_use]
    pub fn of(diagnostics: &[Diagnostic]) -> Summary {
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

/// Sort findings by file, line, column and code (a stable order for output and tests).
pub fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| {
        (&a.file, a.line, a.column, &a.code, &a.message)
            .cmp(&(&b.file, b.line, b.column, &b.code, &b.message))
    });
}
