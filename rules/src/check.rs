//! The entry point: validate and lint a set of files.

use std::path::Path;
use std::sync::Arc;

use crate::diagnostic::{Diagnostic, sort_diagnostics};
use crate::dialect::Dialect;
use crate::error::Error;
use crate::lint::{self, LintConfig};
use crate::model::RuleFile;
use crate::parse::{ParseOptions, parse};
use crate::promql::Checked;
use crate::validate::validate;

/// What to check and how.
#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    /// Prometheus version semantics (default: 3.x).
    pub dialect: Dialect,
    /// Only the checks `promtool check rules` makes (no lint).
    pub validate_only: bool,
    /// Accept Thanos/Cortex/Mimir extension fields (see [`ParseOptions::extensions`]).
    pub extensions: bool,
    /// Ignore unknown fields (promtool 3's `--ignore-unknown-fields`).
    pub ignore_unknown_fields: bool,
    /// Lint configuration (ignored with `validate_only`).
    pub lint: LintConfig,
}

/// A file after validation, kept for the checks that look across files.
#[derive(Debug)]
pub(crate) struct Loaded {
    pub(crate) file: RuleFile,
    pub(crate) exprs: Vec<Option<Arc<Checked>>>,
}

/// Validates and lints rule files; findings come out of [`Checker::finish`].
///
/// ```
/// use rules::{CheckOptions, Checker, Dialect};
/// let mut c = Checker::new(CheckOptions { dialect: Dialect::V2, validate_only: true, ..CheckOptions::default() });
/// c.add_source("a.yml", "groups:\n  - name: g\n    rules:\n      - record: a-b\n        expr: up\n");
/// let diags = c.finish();
/// assert_eq!(diags.len(), 1);
/// assert_eq!(diags[0].code, "rules/record-name");
/// assert_eq!(diags[0].to_string(), "a.yml:4:17: error[rules/record-name]: group \"g\", rule 1, \"a-b\": invalid recording rule name: a-b");
/// ```
#[derive(Debug)]
pub struct Checker {
    opts: CheckOptions,
    loaded: Vec<Loaded>,
    diagnostics: Vec<Diagnostic>,
}

impl Checker {
    /// A checker with `opts`.
    #[must_use]
    pub fn new(opts: CheckOptions) -> Self {
        Checker {
            opts,
            loaded: Vec::new(),
            diagnostics: Vec::new(),
        }
    }

    /// The options in use.
    #[must_use]
    pub fn options(&self) -> &CheckOptions {
        &self.opts
    }

    /// Read and check the file at `path`.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] if the file cannot be read (content problems are findings, not errors).
    pub fn add_file(&mut self, path: &Path) -> Result<(), Error> {
        let src = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        self.add_source(&path.display().to_string(), &src);
        Ok(())
    }

    /// Check `src`, named `path` in findings.
    pub fn add_source(&mut self, path: &str, src: &str) {
        let popts = ParseOptions {
            dialect: self.opts.dialect,
            extensions: self.opts.extensions,
            ignore_unknown_fields: self.opts.ignore_unknown_fields,
        };
        let parsed = match parse(path, src, &popts) {
            Ok(p) => p,
            Err(e) => {
                self.diagnostics.push(e.to_diagnostic(path));
                return;
            }
        };
        self.diagnostics.extend(parsed.diagnostics.iter().cloned());
        let v = validate(&parsed, src, self.opts.dialect);
        self.diagnostics.extend(v.diagnostics);
        if !self.opts.validate_only {
            let ctx = crate::validate::Ctx {
                path,
                src,
                line_starts: &parsed.line_starts,
                dialect: self.opts.dialect,
            };
            self.diagnostics.extend(lint::lint_file(
                &ctx,
                &parsed.file,
                &v.exprs,
                &self.opts.lint,
            ));
        }
        self.loaded.push(Loaded {
            file: parsed.file,
            exprs: v.exprs,
        });
    }

    /// Run the checks that look across files and return every finding, sorted by file and
    /// position.
    #[must_use]
    pub fn finish(mut self) -> Vec<Diagnostic> {
        if !self.opts.validate_only {
            self.diagnostics
                .extend(lint::lint_across(&self.loaded, &self.opts.lint));
        }
        sort_diagnostics(&mut self.diagnostics);
        self.diagnostics
    }
}
