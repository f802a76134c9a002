//! `deploy-check`: check a whole deploy repository with every crate of the workspace.
//!
//! What it does, for a repository directory:
//!
//! 1. **Environments.** Every kustomization that no other kustomization includes is an
//!    environment (e.g. `k8s/environments/prod`). Each is built with
//!    [`manifest_model::kustomize`], then its objects are validated (unknown fields, types,
//!    removed apiVersions) and linted (best practice and cross-object checks). A finding on a
//!    built object is reported at the field in the source file that defines the object (the
//!    base resource), or at the nearest enclosing field that the source has, so that
//!    `file:line:column` points at something the user can edit; the environment is named.
//! 2. **Kubernetes files outside kustomize** are loaded, validated and linted as they are.
//! 3. **Rules.** Every Prometheus rule file (`groups:`) and every `PrometheusRule` object,
//!    anywhere, is validated and linted by [`rules`].
//! 4. **Rollouts.** Every file with Argo `Rollout`/`AnalysisTemplate` objects is validated and
//!    planned by [`rollout_plan`]; the PromQL of each Prometheus metric of the templates is
//!    also validated by [`rules`] (with the template's arguments filled in from the Rollout).
//! 5. **docker-compose files and ECS task definitions** get `manifest-model`'s compose and ECS
//!    checks.
//! 6. **Prometheus and Alertmanager configuration** (a file with `scrape_configs`,
//!    `rule_files`, `alerting` or `remote_write`; a file with `route` and `receivers`) gets
//!    `manifest-model`'s checks, the ones `promtool check config` and `amtool check-config`
//!    make: unknown fields, durations, relabelling, URLs, the route tree, receivers, and the
//!    files the Prometheus config names (relative to its directory). A Prometheus config that a
//!    kustomization's `configMapGenerator` lists under `files` becomes ConfigMap data: the
//!    files it names are paths in the container, so they are not looked for (as in 7).
//! 7. **Configuration embedded in ConfigMaps.** Every `ConfigMap` object in any YAML file of
//!    the repository (plain manifests, the files kustomizations read, every document of a
//!    multi-document file) is looked at once, where it is written: each `data` entry whose
//!    content is a Prometheus configuration, an Alertmanager configuration or a rule file (the
//!    detection of 3 and 6), or whose key names one (`prometheus.yml`/`.yaml`,
//!    `alertmanager.yml`/`.yaml`; `*.rules`, or a `.yml`/`.yaml` key containing `rules`), gets
//!    the checks a standalone file of that kind gets, with one exception: the files an
//!    embedded Prometheus configuration names (`rule_files`, credentials and TLS files, file-SD
//!    targets) are paths in the container (e.g. `/etc/prometheus/rules/*.yml`), not in the
//!    repository, so they are not looked for (`promtool check config --syntax-only` makes the
//!    same choice). Embedded rule files join the other rule files for the checks across files.
//!    `binaryData`, non-string values, `List` items and `configMapGenerator` literals are not
//!    looked at.
//!
//!    **Positions.** A finding points at the manifest: for a block scalar (`|`, `|-`, `>`, ...)
//!    whose indicator is on the key's line, line N of the embedded text is manifest line
//!    `key line + N` and its column is shifted by the line's indentation, for as long as the
//!    manifest line holds exactly that text (so a folded scalar maps the lines before the first
//!    fold). Other positions (quoted and plain scalars, folded lines, whole-document findings)
//!    are the scalar's start. The message ends with `(in ConfigMap NAMESPACE/NAME key KEY)` and
//!    the finding carries `config_map` and `key` as extra fields. An entry that does not load
//!    (a key named for a kind whose text is not YAML) is a `yaml/syntax` error at its position.
//!
//!    **No duplicates.** Embedded configuration is checked per source file, not per built
//!    environment: a base ConfigMap that two overlays include is reported once, without an
//!    environment, at the base file (an overlay's patch that replaces a key is a source file of
//!    its own and is checked there). Environments see the built ConfigMaps only as Kubernetes
//!    objects (1).
//!
//! Unreadable input is an [`Error`] (the program exits 2); problems in readable input are
//! [`Finding`]s.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use manifest_model::kustomize::Kustomizer;
use manifest_model::lint::LintConfig;
use manifest_model::{KubeVersion, Object};
use rollout_plan::{AnalysisTemplate, Manifest, Provider, Rollout};
use serde::{Deserialize as _, Serialize};

use crate::report::{Finding, Report, Severity};

mod config_maps;

/// Why a repository could not be checked at all.
#[derive(Debug)]
pub enum Error {
    /// The repository directory does not exist or is not a directory.
    NotADirectory(PathBuf),
    /// A directory or file could not be read.
    Io {
        /// What could not be read.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::NotADirectory(p) => write!(f, "{} is not a directory", p.display()),
            Error::Io { path, source } => write!(f, "cannot read {}: {source}", path.display()),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            Error::NotADirectory(_) => None,
        }
    }
}

/// One built environment.
#[derive(Debug, Clone, Serialize)]
pub struct Environment {
    /// Its directory, relative to the repository.
    pub path: String,
    /// How many objects the build produced (0 when it failed).
    pub objects: usize,
    /// Error-level findings in this environment.
    pub errors: usize,
    /// Warning-level findings in this environment.
    pub warnings: usize,
}

/// The timeline of one Rollout, for the report.
#[derive(Debug, Clone, Serialize)]
pub struct Timeline {
    /// The file that defines the Rollout, relative to the repository.
    pub file: String,
    /// The Rollout's plan, as `rollout-plan` serializes it.
    pub plan: serde_json::Value,
    /// The plan as `rollout-plan` renders it for people.
    #[serde(skip)]
    pub text: String,
}

/// Everything `deploy-check` found in a repository.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Every finding.
    pub report: Report,
    /// The environments, in path order.
    pub environments: Vec<Environment>,
    /// The Rollouts' plans.
    pub timelines: Vec<Timeline>,
    /// The files that were read, relative path to text (for snippets).
    pub sources: BTreeMap<String, String>,
}

impl Outcome {
    /// The text report: a summary per environment, the findings with source snippets, and the
    /// rollout timelines.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for env in &self.environments {
            let _ = writeln!(
                out,
                "environment {}: {} objects, {} error(s), {} warning(s)",
                env.path, env.objects, env.errors, env.warnings
            );
        }
        if !self.environments.is_empty() {
            out.push('\n');
        }
        for t in &self.timelines {
            let _ = writeln!(out, "{}:\n{}", t.file, t.text);
        }
        out.push_str(&self.report.to_text(&|file| self.sources.get(file).cloned()));
        out
    }

    /// `{"diagnostics":[...],"summary":{...},"environments":[...],"rollouts":[...]}`.
    pub fn to_json(&self) -> serde_json::Value {
        let mut json = self.report.to_json();
        json["environments"] = serde_json::to_value(&self.environments).unwrap_or_default();
        json["rollouts"] = serde_json::to_value(&self.timelines).unwrap_or_default();
        json
    }
}

const KUSTOMIZATION_NAMES: [&str; 3] = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// Checks the repository at `root`.
///
/// # Errors
///
/// [`Error::NotADirectory`] when `root` is not a directory, [`Error::Io`] when a directory or
/// file in it cannot be read.
pub fn check(root: &Path) -> Result<Outcome, Error> {
    if !root.is_dir() {
        return Err(Error::NotADirectory(root.to_path_buf()));
    }
    let mut files = Vec::new();
    walk(root, &mut files)?;
    files.sort();
    let mut outcome = Outcome::default();
    let rel = |p: &Path| relative(root, p);

    let mut texts: BTreeMap<PathBuf, String> = BTreeMap::new();
    for f in &files {
        if is_config_file(f) {
            let text = std::fs::read_to_string(f).map_err(|source| Error::Io {
                path: f.clone(),
                source,
            })?;
            outcome.sources.insert(rel(f), text.clone());
            texts.insert(f.clone(), text);
        }
    }

    let kustomize_dirs: BTreeSet<PathBuf> = files
        .iter()
        .filter(|f| is_kustomization(f))
        .filter_map(|f| f.parent().map(Path::to_path_buf))
        .collect();
    // The kustomization a file belongs to: the deepest one above it.
    let owner = |f: &Path| {
        kustomize_dirs
            .iter()
            .filter(|d| f.starts_with(d))
            .max_by_key(|d| d.components().count())
            .cloned()
    };
    let owned = |f: &Path| owner(f).is_some();

    // Environments: kustomizations that no other kustomization includes.
    let kustomizations = parse_kustomizations(&kustomize_dirs, &texts);
    let edges = kustomization_edges(&kustomizations);
    let included: BTreeSet<&PathBuf> = edges.values().flatten().collect();
    let generated = generated_config_map_files(&kustomizations);
    // Objects of the files kustomize reads, to map built objects back to their source.
    let mut source_objects: Vec<(PathBuf, Object)> = Vec::new();
    for (f, text) in &texts {
        let Some(dir) = owner(f) else { continue };
        if is_kustomization(f) {
            continue;
        }
        if let Ok(loaded) = manifest_model::load_str(text, Path::new(&rel(f))) {
            source_objects.extend(loaded.objects.into_iter().map(|o| (dir.clone(), o)));
        }
    }
    for env in kustomize_dirs.iter().filter(|d| !included.contains(d)) {
        let scope = reachable(env, &edges);
        let sources: Vec<(bool, &Object)> = source_objects
            .iter()
            .filter(|(dir, _)| scope.contains(dir))
            .map(|(dir, o)| (dir == env, o))
            .collect();
        check_environment(root, env, &sources, &mut outcome);
    }

    let mut rule_checker = rules::Checker::new(rules::CheckOptions::default());
    let mut loose = manifest_model::Loaded::default();
    // Rule files embedded in ConfigMaps, by the name they were handed to the rule checker as.
    let mut embedded_rules: BTreeMap<String, config_maps::Embedded> = BTreeMap::new();
    for (f, text) in &texts {
        let name = rel(f);
        let kinds = document_kinds(text);
        // A file that is not YAML would otherwise be checked by nobody (kustomize reports
        // the files it reads itself).
        if let (Some((line, column, message)), false) = (&kinds.syntax_error, owned(f)) {
            outcome.report.push(Finding::new(
                name.clone(),
                *line,
                *column,
                Severity::Error,
                "yaml/syntax",
                message.clone(),
            ));
        }
        if kinds.prometheus_rules {
            rule_checker.add_source(&name, text);
        }
        if kinds.rollouts {
            check_rollouts(&name, text, &mut outcome);
        }
        if kinds.compose {
            check_compose(&name, text, &mut outcome.report);
        }
        if kinds.ecs_task_definition {
            check_ecs(&name, text, &mut outcome.report);
        }
        if kinds.prometheus_config {
            // A file that becomes ConfigMap data names paths in the container.
            let in_config_map = f.canonicalize().is_ok_and(|c| generated.contains(&c));
            let base = Some(f.parent().unwrap_or(root)).filter(|_| !in_config_map);
            match check_prometheus_config(&name, text, base) {
                Ok(found) => found.into_iter().for_each(|f| outcome.report.push(f)),
                Err(e) => unreadable(&mut outcome.report, &name, &e),
            }
        }
        if kinds.alertmanager_config {
            match check_alertmanager_config(&name, text) {
                Ok(found) => found.into_iter().for_each(|f| outcome.report.push(f)),
                Err(e) => unreadable(&mut outcome.report, &name, &e),
            }
        }
        if kinds.config_maps && !is_kustomization(f) {
            for entry in config_maps::find(&name, text) {
                check_embedded(entry, &mut rule_checker, &mut embedded_rules, &mut outcome);
            }
        }
        if !owned(f) && kinds.kubernetes && !kinds.rollouts {
            match manifest_model::load_str(text, Path::new(&name)) {
                Ok(loaded) => loose.extend(loaded),
                Err(e) => unreadable(&mut outcome.report, &name, &e),
            }
        }
    }
    // Kubernetes files outside kustomize are checked as one set, so cross-object checks see
    // every object.
    let diags =
        manifest_model::lint::check_all(&loose, KubeVersion::enabled(), &LintConfig::default());
    push_all(&mut outcome.report, &diags, None);
    for mut finding in findings_of(&rule_checker.finish()) {
        if let Some(entry) = embedded_rules.get(&finding.file) {
            entry.relocate(&mut finding);
        }
        outcome.report.push(finding);
    }
    Ok(outcome)
}

/// Checks one ConfigMap `data` entry as the standalone file of its kind would be, but without
/// the checks of the files a Prometheus configuration names (they are paths in the
/// container). Rule files go to the shared rule checker (for the checks across files) under
/// the entry's name and are relocated when it finishes; the rest is relocated here.
fn check_embedded(
    entry: config_maps::Embedded,
    rule_checker: &mut rules::Checker,
    embedded_rules: &mut BTreeMap<String, config_maps::Embedded>,
    outcome: &mut Outcome,
) {
    let name = entry.name();
    let mut found = Vec::new();
    if entry.kinds.prometheus_config {
        found.extend(
            check_prometheus_config(&name, &entry.text, None)
                .unwrap_or_else(|e| vec![embedded_error(&name, &e)]),
        );
    }
    if entry.kinds.alertmanager_config {
        found.extend(
            check_alertmanager_config(&name, &entry.text)
                .unwrap_or_else(|e| vec![embedded_error(&name, &e)]),
        );
    }
    for mut f in found {
        entry.relocate(&mut f);
        outcome.report.push(f);
    }
    if entry.kinds.rules {
        rule_checker.add_source(&name, &entry.text);
        embedded_rules.insert(name, entry);
    }
}

/// An embedded document that manifest-model could not load, as a finding at the error's
/// position in the document.
fn embedded_error(name: &str, error: &manifest_model::Error) -> Finding {
    use manifest_model::Error as E;
    let (line, column, code, message) = match error {
        E::Syntax {
            line,
            column,
            message,
            ..
        } => (*line, *column, "yaml/syntax", message.clone()),
        E::Limit {
            line,
            column,
            limit,
            ..
        } => (*line, *column, "yaml/syntax", format!("{limit} exceeded")),
        E::ComplexKey { line, column, .. } => (
            *line,
            *column,
            "yaml/syntax",
            "mapping keys must be scalars".to_string(),
        ),
        other => (0, 0, "deploy/unreadable", other.to_string()),
    };
    Finding::new(
        name,
        line as u64,
        column as u64,
        Severity::Error,
        code,
        message,
    )
}

fn unreadable(report: &mut Report, name: &str, error: &dyn std::fmt::Display) {
    report.push(Finding::new(
        name,
        0,
        0,
        Severity::Error,
        "deploy/unreadable",
        error.to_string(),
    ));
}

fn check_compose(name: &str, text: &str, report: &mut Report) {
    match manifest_model::compose::load_compose(text, Path::new(name)) {
        Ok((compose, structural)) => {
            push_all(report, &structural, None);
            push_all(
                report,
                &manifest_model::compose::check_compose(&compose),
                None,
            );
        }
        Err(e) => unreadable(report, name, &e),
    }
}

fn check_ecs(name: &str, text: &str, report: &mut Report) {
    match manifest_model::ecs::load_task_definition(text, Path::new(name)) {
        Ok((td, structural)) => {
            push_all(report, &structural, None);
            push_all(
                report,
                &manifest_model::ecs::check_task_definition(&td),
                None,
            );
        }
        Err(e) => unreadable(report, name, &e),
    }
}

/// The findings of a Prometheus configuration; with `base` (its directory) also of the files it
/// names.
fn check_prometheus_config(
    name: &str,
    text: &str,
    base: Option<&Path>,
) -> Result<Vec<Finding>, manifest_model::Error> {
    use manifest_model::prometheus_config as pc;
    let (config, structural) = pc::load_prometheus_config(text, Path::new(name))?;
    let mut found = findings_of(&structural);
    found.extend(findings_of(&pc::check_prometheus_config(&config)));
    if let Some(base) = base {
        found.extend(findings_of(&pc::check_prometheus_files(&config, base)));
    }
    Ok(found)
}

fn check_alertmanager_config(
    name: &str,
    text: &str,
) -> Result<Vec<Finding>, manifest_model::Error> {
    use manifest_model::alertmanager_config as ac;
    let (config, structural) = ac::load_alertmanager_config(text, Path::new(name))?;
    let mut found = findings_of(&structural);
    found.extend(findings_of(&ac::check_alertmanager_config(&config)));
    let zoneinfo = Path::new("/usr/share/zoneinfo");
    if zoneinfo.is_dir() {
        found.extend(findings_of(&ac::check_alertmanager_time_zones(
            &config, zoneinfo,
        )));
    }
    Ok(found)
}

fn findings_of<T: Serialize>(diagnostics: &[T]) -> Vec<Finding> {
    diagnostics
        .iter()
        .filter_map(Finding::from_diagnostic)
        .collect()
}

fn push_all<T: Serialize>(report: &mut Report, diagnostics: &[T], environment: Option<&str>) {
    for mut f in findings_of(diagnostics) {
        f.environment = environment.map(str::to_string);
        report.push(f);
    }
}

fn check_environment(root: &Path, env: &Path, sources: &[(bool, &Object)], outcome: &mut Outcome) {
    let env_name = relative(root, env);
    let kfile = KUSTOMIZATION_NAMES
        .iter()
        .map(|n| env.join(n))
        .find(|p| p.is_file())
        .map(|p| relative(root, &p))
        .unwrap_or_else(|| env_name.clone());
    let mut summary = Environment {
        path: env_name.clone(),
        objects: 0,
        errors: 0,
        warnings: 0,
    };
    let mut findings = Vec::new();
    match Kustomizer::new().build_yaml(env) {
        Err(e) => findings.push(Finding::new(
            kfile.clone(),
            0,
            0,
            Severity::Error,
            "deploy/kustomize-build",
            e.to_string(),
        )),
        Ok(yaml) => {
            let built_name = format!("{env_name} (built)");
            match manifest_model::load_str(&yaml, Path::new(&built_name)) {
                Err(e) => findings.push(Finding::new(
                    kfile.clone(),
                    0,
                    0,
                    Severity::Error,
                    "deploy/kustomize-build",
                    e.to_string(),
                )),
                Ok(loaded) => {
                    summary.objects = loaded.objects.len();
                    let diags = manifest_model::lint::check_all(
                        &loaded,
                        KubeVersion::enabled(),
                        &LintConfig::default(),
                    );
                    for d in &diags {
                        let Some(mut f) = Finding::from_diagnostic(d) else {
                            continue;
                        };
                        relocate(&mut f, &loaded.objects, sources, &kfile);
                        findings.push(f);
                    }
                }
            }
        }
    }
    for mut f in findings {
        match f.severity {
            Severity::Error => summary.errors += 1,
            Severity::Warning => summary.warnings += 1,
            Severity::Info => {}
        }
        f.environment = Some(env_name.clone());
        outcome.report.push(f);
    }
    outcome.environments.push(summary);
}

/// Points a finding on a built object at the source object it came from: an object of the same
/// kind whose name is contained in the built name (kustomize adds prefixes, suffixes and
/// hashes), at the finding's field or its nearest ancestor that the source has. Of several
/// candidates (a resource and the patches of it), the one holding the longest part of the
/// field's path wins, resources of included kustomizations before the environment's own
/// patches. Without a candidate (generated ConfigMaps and Secrets) the finding points at the
/// environment's kustomization file.
///
/// `sources` pairs each object with whether it is defined in the environment's own directory.
fn relocate(f: &mut Finding, built: &[Object], sources: &[(bool, &Object)], kfile: &str) {
    let object = f.extra.get("object").and_then(|v| v.as_str()).unwrap_or("");
    let id: Vec<&str> = object.split('/').collect();
    let built_object = built
        .iter()
        .find(|o| id.first() == Some(&o.kind()) && id.last() == Some(&o.name()));
    let path = f.extra.get("path").and_then(|v| v.as_str()).unwrap_or("");
    // The path and its ancestors, longest first, as field paths.
    let mut prefixes = Vec::new();
    let mut candidate = path;
    loop {
        if let Ok(fp) = candidate.parse::<manifest_model::yaml::FieldPath>() {
            prefixes.push(fp);
        }
        match candidate.rfind(['.', '[']) {
            Some(i) => candidate = &candidate[..i],
            None => break,
        }
    }
    let best = built_object.and_then(|b| {
        sources
            .iter()
            .filter(|(_, s)| {
                s.kind() == b.kind() && !s.name().is_empty() && b.name().contains(s.name())
            })
            .map(|(own, s)| {
                let depth = prefixes.iter().position(|p| s.at(p).is_some());
                let held = depth.map_or(0, |d| prefixes.len() - d);
                ((held, !own, s.name().len()), *s, depth)
            })
            .max_by_key(|(rank, _, _)| *rank)
    });
    match best {
        None => {
            f.file = kfile.to_string();
            f.line = 0;
            f.column = 0;
        }
        Some((_, source, depth)) => {
            f.file = source.file().display().to_string();
            match depth.and_then(|d| prefixes.get(d)) {
                Some(p) => {
                    let span = source.span_of(p);
                    f.line = span.start.line as u64;
                    f.column = span.start.column as u64;
                }
                None => (f.line, f.column) = (1, 1),
            }
        }
    }
}

fn check_rollouts(name: &str, text: &str, outcome: &mut Outcome) {
    let manifest = match rollout_plan::parse_str(text, name) {
        Ok(m) => m,
        Err(e) => {
            unreadable(&mut outcome.report, name, &e);
            return;
        }
    };
    push_all(
        &mut outcome.report,
        &rollout_plan::validate(&manifest, &rollout_plan::validate::Options::default()),
        None,
    );
    for rollout in &manifest.rollouts {
        match rollout_plan::plan(rollout, &manifest.templates) {
            Ok(plan) => outcome.timelines.push(Timeline {
                file: name.to_string(),
                plan: serde_json::to_value(&plan).unwrap_or_default(),
                text: plan.to_text(),
            }),
            Err(e) => outcome.report.push(Finding::new(
                name,
                0,
                0,
                Severity::Error,
                "deploy/rollout-plan",
                e.to_string(),
            )),
        }
    }
    check_analysis_queries(name, text, &manifest, &mut outcome.report);
}

/// Validates the PromQL of every Prometheus metric with the rules crate, after substituting
/// `{{args.NAME}}` with the value a Rollout passes (or the template's default, or a
/// placeholder string when the value is only known at run time).
fn check_analysis_queries(name: &str, text: &str, manifest: &Manifest, report: &mut Report) {
    let lines: Vec<&str> = text.lines().collect();
    for template in &manifest.templates {
        let args = argument_values(template, &manifest.rollouts);
        for (i, metric) in template.metrics.iter().enumerate() {
            let Provider::Prometheus { query, .. } = &metric.provider else {
                continue;
            };
            let query = substitute_args(query, &args);
            let pos = template
                .source
                .pos(&format!("spec.metrics[{i}].provider.prometheus.query"));
            // The rule file wraps the query in a block scalar indented by 8 columns, starting on
            // line 6; findings map back line by line.
            let mut file = String::from(
                "groups:\n  - name: analysis\n    rules:\n      - record: analysis:query\n        expr: |\n",
            );
            for l in query.lines() {
                let _ = writeln!(file, "          {l}");
            }
            let mut checker = rules::Checker::new(rules::CheckOptions {
                validate_only: true,
                ..rules::CheckOptions::default()
            });
            checker.add_source(name, &file);
            let at_line = lines.get(pos.line.saturating_sub(1)).copied().unwrap_or("");
            let block = at_line
                .get(pos.column.saturating_sub(1)..)
                .is_some_and(|rest| rest.starts_with('|') || rest.starts_with('>'));
            for d in checker.finish() {
                let Some(mut f) = Finding::from_diagnostic(&d) else {
                    continue;
                };
                f.code = format!("analysis/{}", f.code.trim_start_matches("rules/"));
                f.message = format!(
                    "AnalysisTemplate {:?}, metric {:?}: {}",
                    template.name, metric.name, f.message
                );
                f.extra.remove("group");
                f.extra.remove("rule");
                let offset = (f.line as usize).saturating_sub(6);
                if pos.line == 0 {
                    (f.line, f.column) = (0, 0);
                } else if block {
                    let line = pos.line + 1 + offset;
                    let indent = lines
                        .get(line.saturating_sub(1))
                        .map(|l| l.len() - l.trim_start().len())
                        .unwrap_or(0);
                    f.line = line as u64;
                    f.column = (f.column.saturating_sub(10) as usize + indent) as u64;
                } else {
                    f.line = (pos.line + offset) as u64;
                    f.column = (f.column.saturating_sub(11) as usize + pos.column) as u64;
                }
                report.push(f);
            }
        }
    }
}

fn argument_values(template: &AnalysisTemplate, rollouts: &[Rollout]) -> BTreeMap<String, String> {
    let mut values = BTreeMap::new();
    for arg in &template.args {
        values.insert(
            arg.name.clone(),
            arg.value
                .clone()
                .unwrap_or_else(|| "placeholder".to_string()),
        );
    }
    for rollout in rollouts {
        for analysis in rollout_analyses(rollout) {
            if !analysis
                .templates
                .iter()
                .any(|t| t.template_name == template.name)
            {
                continue;
            }
            for arg in &analysis.args {
                if let Some(v) = &arg.value {
                    values.insert(arg.name.clone(), v.clone());
                }
            }
        }
    }
    values
}

fn rollout_analyses(rollout: &Rollout) -> Vec<&rollout_plan::RolloutAnalysis> {
    let mut out = Vec::new();
    match &rollout.strategy {
        Some(rollout_plan::Strategy::Canary(c)) => {
            out.extend(c.analysis.as_ref());
            out.extend(c.steps.iter().filter_map(|step| step.analysis.as_ref()));
        }
        Some(rollout_plan::Strategy::BlueGreen(b)) => {
            out.extend(b.pre_promotion_analysis.as_ref());
            out.extend(b.post_promotion_analysis.as_ref());
        }
        None => {}
    }
    out
}

fn substitute_args(query: &str, args: &BTreeMap<String, String>) -> String {
    let mut out = String::with_capacity(query.len());
    let mut rest = query;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            out.push_str(&rest[start..]);
            return out;
        };
        let inner = after[..end].trim();
        match inner.strip_prefix("args.").and_then(|a| args.get(a)) {
            Some(v) => out.push_str(v),
            None => out.push_str("placeholder"),
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

#[derive(Default)]
struct Kinds {
    kubernetes: bool,
    prometheus_rules: bool,
    rollouts: bool,
    compose: bool,
    ecs_task_definition: bool,
    prometheus_config: bool,
    alertmanager_config: bool,
    /// A ConfigMap (whose `data` may embed configurations).
    config_maps: bool,
    /// The first YAML syntax error: line, column (1-based) and message.
    syntax_error: Option<(u64, u64, String)>,
}

/// What a YAML or JSON stream holds, from a cheap look at each document's top-level keys.
fn document_kinds(text: &str) -> Kinds {
    let mut kinds = Kinds::default();
    for doc in serde_yaml::Deserializer::from_str(text) {
        // After a syntax error the iterator repeats it forever: stop at the first.
        let value = match serde_yaml::Value::deserialize(doc) {
            Ok(value) => value,
            Err(e) => {
                let (line, column) = e
                    .location()
                    .map_or((0, 0), |l| (l.line() as u64, l.column() as u64));
                kinds.syntax_error = Some((line, column, e.to_string()));
                break;
            }
        };
        let Some(map) = value.as_mapping() else {
            continue;
        };
        let kind = map.get("kind").and_then(|k| k.as_str());
        let has_api = map.get("apiVersion").is_some();
        match kind {
            Some("PrometheusRule") => kinds.prometheus_rules = true,
            Some("Rollout" | "AnalysisTemplate" | "ClusterAnalysisTemplate") => {
                kinds.rollouts = true;
            }
            Some("ConfigMap") if has_api => {
                kinds.kubernetes = true;
                kinds.config_maps = true;
            }
            Some(_) if has_api => kinds.kubernetes = true,
            _ => {}
        }
        if kind.is_none() && map.get("groups").is_some() {
            kinds.prometheus_rules = true;
        }
        if kind.is_none() && map.get("services").is_some_and(|v| v.is_mapping()) {
            kinds.compose = true;
        }
        if kind.is_none() && map.get("containerDefinitions").is_some() {
            kinds.ecs_task_definition = true;
        }
        // prometheus.yml: any of its own top-level sections; a rule file has only `groups`,
        // and a `promtool test rules` file has `rule_files` beside its `tests`.
        if kind.is_none()
            && !map.contains_key("tests")
            && [
                "scrape_configs",
                "rule_files",
                "alerting",
                "remote_write",
                "scrape_config_files",
            ]
            .iter()
            .any(|k| map.contains_key(*k))
        {
            kinds.prometheus_config = true;
        }
        // alertmanager.yml: a route tree and its receivers.
        if kind.is_none() && map.contains_key("route") && map.contains_key("receivers") {
            kinds.alertmanager_config = true;
        }
    }
    kinds
}

/// Each kustomization directory's kustomization file as YAML (`None` where it does not parse:
/// building the environment reports that).
fn parse_kustomizations(
    dirs: &BTreeSet<PathBuf>,
    texts: &BTreeMap<PathBuf, String>,
) -> BTreeMap<PathBuf, Option<serde_yaml::Value>> {
    dirs.iter()
        .map(|dir| {
            let text = KUSTOMIZATION_NAMES
                .iter()
                .find_map(|n| texts.get(&dir.join(n)));
            let value = text.and_then(|t| serde_yaml::from_str::<serde_yaml::Value>(t).ok());
            (dir.clone(), value)
        })
        .collect()
}

/// For each kustomization directory, the kustomization directories it lists in `resources`,
/// `components` or `bases`.
fn kustomization_edges(
    kustomizations: &BTreeMap<PathBuf, Option<serde_yaml::Value>>,
) -> BTreeMap<PathBuf, Vec<PathBuf>> {
    let canonical: Vec<(PathBuf, PathBuf)> = kustomizations
        .keys()
        .filter_map(|d| d.canonicalize().ok().map(|c| (c, d.clone())))
        .collect();
    let mut edges = BTreeMap::new();
    for (dir, value) in kustomizations {
        let mut targets = Vec::new();
        if let Some(value) = value {
            for field in ["resources", "components", "bases"] {
                let entries = value.get(field).and_then(|v| v.as_sequence());
                for entry in entries.into_iter().flatten().filter_map(|e| e.as_str()) {
                    let Ok(target) = dir.join(entry).canonicalize() else {
                        continue;
                    };
                    if let Some((_, d)) = canonical.iter().find(|(c, _)| *c == target) {
                        targets.push(d.clone());
                    }
                }
            }
        }
        edges.insert(dir.clone(), targets);
    }
    edges
}

/// The files (canonical paths) that the kustomizations' `configMapGenerator`s put into
/// ConfigMaps (`files: [path]` or `files: [key=path]`).
fn generated_config_map_files(
    kustomizations: &BTreeMap<PathBuf, Option<serde_yaml::Value>>,
) -> BTreeSet<PathBuf> {
    let mut out = BTreeSet::new();
    for (dir, value) in kustomizations {
        let Some(value) = value else {
            continue;
        };
        let generators = value
            .get("configMapGenerator")
            .and_then(|v| v.as_sequence());
        for generator in generators.into_iter().flatten() {
            let files = generator.get("files").and_then(|v| v.as_sequence());
            for entry in files.into_iter().flatten().filter_map(|e| e.as_str()) {
                let path = entry.split_once('=').map_or(entry, |(_, p)| p);
                if let Ok(c) = dir.join(path.trim()).canonicalize() {
                    out.insert(c);
                }
            }
        }
    }
    out
}

/// `dir` and every kustomization it includes, directly or not.
fn reachable(dir: &Path, edges: &BTreeMap<PathBuf, Vec<PathBuf>>) -> BTreeSet<PathBuf> {
    let mut seen = BTreeSet::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        if seen.insert(d.clone()) {
            stack.extend(edges.get(&d).into_iter().flatten().cloned());
        }
    }
    seen
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), Error> {
    let entries = std::fs::read_dir(dir).map_err(|source| Error::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    for entry in entries {
        let entry = entry.map_err(|source| Error::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') || name == "target" || name == "node_modules" {
            continue;
        }
        let ty = entry.file_type().map_err(|source| Error::Io {
            path: path.clone(),
            source,
        })?;
        if ty.is_dir() {
            walk(&path, out)?;
        } else if ty.is_file() {
            out.push(path);
        }
    }
    Ok(())
}

fn is_config_file(p: &Path) -> bool {
    is_kustomization(p)
        || matches!(
            p.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml" | "json")
        )
}

fn is_kustomization(p: &Path) -> bool {
    p.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| KUSTOMIZATION_NAMES.contains(&n))
}

fn relative(root: &Path, p: &Path) -> String {
    p.strip_prefix(root).unwrap_or(p).display().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_are_substituted_and_unknown_ones_get_a_placeholder() {
        let mut args = BTreeMap::new();
        args.insert("service-name".to_string(), "web-canary".to_string());
        assert_eq!(
            substitute_args(
                "rate(x{service=\"{{args.service-name}}\",a=\"{{ args.other }}\"}[1m])",
                &args
            ),
            "rate(x{service=\"web-canary\",a=\"placeholder\"}[1m])"
        );
        assert_eq!(substitute_args("up{{", &args), "up{{");
    }

    #[test]
    fn documents_are_classified_by_kind_and_shape() {
        let k = document_kinds("groups:\n  - name: a\n    rules: []\n");
        assert!(k.prometheus_rules && !k.kubernetes && !k.rollouts);
        let k = document_kinds(
            "apiVersion: v1\nkind: Service\nmetadata: {name: a}\n---\napiVersion: argoproj.io/v1alpha1\nkind: Rollout\n",
        );
        assert!(k.kubernetes && k.rollouts && !k.prometheus_rules);
        let k = document_kinds("global:\n  scrape_interval: 15s\nscrape_configs: []\n");
        assert!(k.prometheus_config && !k.alertmanager_config && !k.prometheus_rules);
        let k = document_kinds("rule_files: [a.yml]\ntests: []\n");
        assert!(!k.prometheus_config);
        let k = document_kinds("route:\n  receiver: a\nreceivers:\n  - name: a\n");
        assert!(k.alertmanager_config && !k.prometheus_config && !k.kubernetes);
        let k = document_kinds("a: 1\n---\nb: [valid\n");
        // The unclosed flow sequence is found where the input ends.
        assert_eq!(k.syntax_error.map(|e| (e.0, e.1)), Some((4, 1)));
        let k = document_kinds("not: [valid");
        assert!(!k.kubernetes && !k.rollouts && !k.prometheus_rules);
    }
}
