//! Integration tests of the `rules` crate (one binary, see STYLE.md).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod conformance;
mod differential;
mod example;
mod lint;
mod properties;
mod slo;

use rules::{CheckOptions, Checker, Diagnostic, Dialect, Severity};

/// Run the checker on one source.
pub(crate) fn check(src: &str, dialect: Dialect, validate_only: bool) -> Vec<Diagnostic> {
    let mut c = Checker::new(CheckOptions {
        dialect,
        validate_only,
        ..CheckOptions::default()
    });
    c.add_source("t.yml", src);
    c.finish()
}

/// The verdicts promtool distinguishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Exit 0, `SUCCESS`.
    Ok,
    /// Exit 0 with a duplicate-rules lint report.
    Lint,
    /// Exit 1.
    Error,
}

pub(crate) fn verdict(diags: &[Diagnostic]) -> Verdict {
    if diags.iter().any(|d| d.severity == Severity::Error) {
        Verdict::Error
    } else if diags.iter().any(|d| d.code == "rules/duplicate-rule") {
        Verdict::Lint
    } else {
        Verdict::Ok
    }
}
