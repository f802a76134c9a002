//! Best-practice and cross-object lint for Kubernetes objects.
//!
//! Every check has a stable code, a default severity and a doc ([`CHECKS`], [`check_info`]).
//! Checks are disabled globally with [`LintConfig::disable`] and per object with the
//! annotation [`IGNORE_ANNOTATION`] (a comma-separated list of codes, or `*`):
//!
//! ```yaml
//! metadata:
//!   annotations:
//!     lint.deploykit.dev/ignore: "k8s/read-only-root-fs, k8s/pdb-missing"
//! ```
//!
//! A cross-object finding is reported on (and ignored through) the object it is about: for
//! `k8s/service-selects-nothing` the Service, for `k8s/pdb-missing` the workload.
//!
//! ```
//! use manifest_model::lint::{lint, LintConfig};
//! let src = "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec:\n  selector: {app: web}\n  ports: [{port: 80}]\n";
//! let loaded = manifest_model::load_str(src, "svc.yaml".as_ref())?;
//! let found = lint(&loaded.objects, &LintConfig::default());
//! assert_eq!(found[0].code, "k8s/service-selects-nothing");
//! assert_eq!((found[0].line, found[0].column), (5, 13));
//! let mut config = LintConfig::default();
//! config.disable("k8s/service-selects-nothing");
//! assert!(lint(&loaded.objects, &config).is_empty());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod catalog;
mod checks;
pub(crate) use checks::image_problem;
mod cross;
mod quantity;
mod workload;

use std::collections::{BTreeMap, BTreeSet};

pub use catalog::{CHECKS, CheckInfo, check_info};
pub use quantity::parse_quantity;

use crate::deprecation::KubeVersion;
use crate::diagnostic::{Diagnostic, Severity};
use crate::object::{Loaded, Object};
use crate::yaml::FieldPath;

/// The annotation that disables checks for one object: a comma-separated list of codes, or
/// `*` for all.
pub const IGNORE_ANNOTATION: &str = "lint.deploykit.dev/ignore";

/// Which checks run and how severe their findings are.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LintConfig {
    disabled: BTreeSet<String>,
    severities: BTreeMap<String, Severity>,
}

impl LintConfig {
    /// Disable a check (by code) for every object.
    pub fn disable(&mut self, code: &str) -> &mut LintConfig {
        self.disabled.insert(code.to_owned());
        self
    }

    /// Report a check's findings at `severity` instead of its default.
    pub fn set_severity(&mut self, code: &str, severity: Severity) -> &mut LintConfig {
        self.severities.insert(code.to_owned(), severity);
        self
    }

    /// Whether a check runs.
    #[must_use]
    pub fn is_enabled(&self, code: &str) -> bool {
        !self.disabled.contains(code)
    }

    fn severity(&self, code: &str) -> Severity {
        self.severities
            .get(code)
            .copied()
            .or_else(|| check_info(code).map(|c| c.severity))
            .unwrap_or(Severity::Warning)
    }
}

/// Whether `object` disables `code` through [`IGNORE_ANNOTATION`].
#[must_use]
pub fn ignored_by_annotation(object: &Object, code: &str) -> bool {
    object
        .metadata()
        .annotations
        .as_ref()
        .and_then(|a| a.get(IGNORE_ANNOTATION))
        .is_some_and(|v| v.split(',').map(str::trim).any(|c| c == "*" || c == code))
}

/// Collects findings, applying the configuration and the per-object annotation.
struct Sink<'a> {
    config: &'a LintConfig,
    out: Vec<Diagnostic>,
}

impl Sink<'_> {
    fn wants(&self, object: &Object, code: &str) -> bool {
        self.config.is_enabled(code) && !ignored_by_annotation(object, code)
    }

    fn emit(&mut self, object: &Object, code: &'static str, path: &FieldPath, message: String) {
        if !self.wants(object, code) {
            return;
        }
        let severity = self.config.severity(code);
        self.out
            .push(object.diagnostic(severity, code, path, message));
    }

    fn emit_at(
        &mut self,
        object: &Object,
        code: &'static str,
        severity: Severity,
        path: &FieldPath,
        message: String,
    ) {
        if !self.wants(object, code) {
            return;
        }
        let severity = self
            .config
            .severities
            .get(code)
            .copied()
            .unwrap_or(severity);
        self.out
            .push(object.diagnostic(severity, code, path, message));
    }
}

/// Run every enabled best-practice and cross-object check over one set of objects.
///
/// The result is sorted by file, line, column and code.
#[must_use]
pub fn lint(objects: &[Object], config: &LintConfig) -> Vec<Diagnostic> {
    let mut sink = Sink {
        config,
        out: Vec::new(),
    };
    let workloads: Vec<workload::Workload<'_>> =
        objects.iter().filter_map(workload::Workload::of).collect();
    for object in objects {
        checks::object_checks(object, &mut sink);
    }
    for w in &workloads {
        checks::workload_checks(w, &mut sink);
    }
    cross::cross_checks(objects, &workloads, &mut sink);
    let mut out = sink.out;
    crate::diagnostic::sort(&mut out);
    out
}

/// Everything at once: the loading findings, the strict checks for `target`
/// ([`crate::validate::validate`]) and the lint ([`lint`]), sorted.
///
/// Strict-check findings honour the configuration and the ignore annotation too.
///
/// ```
/// use manifest_model::{lint::{check_all, LintConfig}, KubeVersion};
/// let src = "apiVersion: batch/v1beta1\nkind: CronJob\nmetadata: {name: c, namespace: x}\n";
/// let loaded = manifest_model::load_str(src, "c.yaml".as_ref())?;
/// let found = check_all(&loaded, KubeVersion::new(1, 35), &LintConfig::default());
/// assert_eq!(found[0].code, "k8s/removed-api");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use]
pub fn check_all(loaded: &Loaded, target: KubeVersion, config: &LintConfig) -> Vec<Diagnostic> {
    let mut out: Vec<Diagnostic> = loaded
        .diagnostics
        .iter()
        .filter(|d| config.is_enabled(&d.code))
        .cloned()
        .collect();
    for object in &loaded.objects {
        out.extend(
            crate::validate::validate_object(object, target)
                .into_iter()
                .filter(|d| config.is_enabled(&d.code) && !ignored_by_annotation(object, &d.code))
                .map(|mut d| {
                    if let Some(s) = config.severities.get(&d.code) {
                        d.severity = *s;
                    }
                    d
                }),
        );
    }
    out.extend(lint(&loaded.objects, config));
    crate::diagnostic::sort(&mut out);
    out
}
