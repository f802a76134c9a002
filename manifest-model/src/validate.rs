//! Strict checks against the Kubernetes schema and the deprecated-API table.
//!
//! | code | severity | finding |
//! |---|---|---|
//! | `k8s/unknown-field` | error | a field the kind's schema does not have (k8s-openapi and `kubectl apply` without `--validate=strict` drop it silently); with the closest valid name |
//! | `k8s/wrong-type` | error | a value of the wrong JSON type, with the expected type |
//! | `k8s/missing-required-field` | error | a field the schema requires |
//! | `k8s/missing-name` | error | neither `metadata.name` nor `metadata.generateName` |
//! | `k8s/removed-api` | error | an apiVersion no longer served by the target Kubernetes version, or a removed cert-manager apiVersion ([`deprecation::COMPONENT_DEPRECATIONS`], whatever the target), with the replacement |
//! | `k8s/deprecated-api` | warning | an apiVersion deprecated in the target version, with the replacement |
//! | `k8s/unknown-kind` | error | a kind that a built-in API group does not have, with the closest kind |
//! | `yaml/yaml11-boolean` | warning | an unquoted `yes`/`no`/`on`/`off`/`y`/`n` in a string field: YAML 1.1 parsers (kubectl's) read a boolean |

use std::collections::BTreeSet;

use crate::deprecation::{self, KubeVersion};
use crate::diagnostic::{Diagnostic, Severity};
use crate::kinds::{Schemas, Shape, schemas};
use crate::object::Object;
use crate::yaml::{FieldPath, Node, NodeValue, PathSegment};

/// Levenshtein distance (in characters).
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        if let Some(c0) = cur.first_mut() {
            *c0 = i + 1;
        }
        for (j, cb) in b.iter().enumerate() {
            let sub = prev.get(j).copied().unwrap_or(0) + usize::from(ca != *cb);
            let del = prev.get(j + 1).copied().unwrap_or(0) + 1;
            let ins = cur.get(j).copied().unwrap_or(0) + 1;
            if let Some(c) = cur.get_mut(j + 1) {
                *c = sub.min(del).min(ins);
            }
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev.last().copied().unwrap_or(0)
}

/// The candidate closest to `word`, if close enough to be a plausible typo.
#[must_use]
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lower = word.to_lowercase();
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let d = if c.to_lowercase() == lower {
            0
        } else {
            distance(&lower, &c.to_lowercase())
        };
        if best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    let limit = (word.chars().count() / 3).max(2);
    best.filter(|(d, _)| *d <= limit).map(|(_, c)| c)
}

const YAML11_BOOLEANS: &[&str] = &[
    "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "on", "On", "ON", "off", "Off",
    "OFF",
];

struct Walker<'a> {
    schemas: &'a Schemas,
    object: &'a Object,
    out: Vec<Diagnostic>,
}

/// One step of the path being walked, borrowed from the tree: a [`FieldPath`] is only built
/// for a finding.
#[derive(Clone, Copy)]
enum Step<'n> {
    Key(&'n str),
    Index(usize),
}

fn field_path(steps: &[Step<'_>]) -> FieldPath {
    FieldPath(
        steps
            .iter()
            .map(|s| match s {
                Step::Key(k) => PathSegment::Key((*k).to_owned()),
                Step::Index(i) => PathSegment::Index(*i),
            })
            .collect(),
    )
}

impl Walker<'_> {
    fn type_error(&mut self, node: &Node, steps: &[Step<'_>], expected: &str) {
        let path = &field_path(steps);
        let found = match &node.value {
            NodeValue::String(s) if node.plain && YAML11_BOOLEANS.contains(&s.as_str()) => {
                format!("string `{s}` (only YAML 1.1 reads it as a boolean: write true or false)")
            }
            NodeValue::String(s) => format!("string {:?}", s),
            NodeValue::Int(n) => format!("integer {n}"),
            NodeValue::Float(x) => format!("number {x}"),
            NodeValue::Bool(b) => format!("boolean {b}"),
            _ => node.type_name().to_owned(),
        };
        let d = self.object.diagnostic(
            Severity::Error,
            "k8s/wrong-type",
            path,
            format!("`{path}` must be {expected}, found {found}"),
        );
        self.out.push(d);
    }

    fn walk<'n>(&mut self, node: &'n Node, shape_id: usize, steps: &mut Vec<Step<'n>>) {
        if node.is_null() || steps.len() > crate::yaml::MAX_DEPTH {
            return;
        }
        let shape = self.schemas.shape(shape_id);
        match shape {
            Shape::Any => {}
            Shape::String => match &node.value {
                NodeValue::String(s) => {
                    if node.plain && YAML11_BOOLEANS.contains(&s.as_str()) {
                        let d = self.object.diagnostic(
                            Severity::Warning,
                            "yaml/yaml11-boolean",
                            &field_path(steps),
                            format!("unquoted `{s}` is a boolean for YAML 1.1 parsers such as kubectl's; quote it"),
                        );
                        self.out.push(d);
                    }
                }
                _ => self.type_error(node, steps, "a string"),
            },
            Shape::Integer => {
                if !matches!(node.value, NodeValue::Int(_)) {
                    self.type_error(node, steps, "an integer");
                }
            }
            Shape::Number => {
                if !matches!(node.value, NodeValue::Int(_) | NodeValue::Float(_)) {
                    self.type_error(node, steps, "a number");
                }
            }
            Shape::Boolean => {
                if !matches!(node.value, NodeValue::Bool(_)) {
                    self.type_error(node, steps, "a boolean");
                }
            }
            Shape::IntOrString => {
                if !matches!(node.value, NodeValue::Int(_) | NodeValue::String(_)) {
                    // Quantities such as `cpu: 0.5` are numbers in YAML and fine for the API.
                    if !matches!(node.value, NodeValue::Float(_)) {
                        self.type_error(node, steps, "an integer or a string");
                    }
                }
            }
            Shape::Array(item) => match node.as_seq() {
                Some(items) => {
                    for (i, it) in items.iter().enumerate() {
                        steps.push(Step::Index(i));
                        self.walk(it, *item, steps);
                        steps.pop();
                    }
                }
                None => self.type_error(node, steps, "an array"),
            },
            Shape::Map(value) => match node.as_map() {
                Some(entries) => {
                    for e in entries {
                        steps.push(Step::Key(&e.key));
                        self.walk(&e.value, *value, steps);
                        steps.pop();
                    }
                }
                None => self.type_error(node, steps, "an object"),
            },
            Shape::AnyObject => {
                if node.as_map().is_none() {
                    self.type_error(node, steps, "an object");
                }
            }
            Shape::Object {
                name,
                fields,
                names,
                required,
            } => {
                let Some(entries) = node.as_map() else {
                    self.type_error(node, steps, &format!("an object ({name})"));
                    return;
                };
                for e in entries {
                    match fields.get(&e.key) {
                        Some(id) => {
                            steps.push(Step::Key(&e.key));
                            self.walk(&e.value, *id, steps);
                            steps.pop();
                        }
                        None => {
                            let child = field_path(steps).key(&e.key);
                            let suggestion = closest(&e.key, names.iter().map(String::as_str));
                            let mut msg = format!("unknown field `{}` in {name}", e.key);
                            if let Some(s) = suggestion {
                                msg.push_str(&format!("; did you mean `{s}`?"));
                            }
                            let mut d =
                                crate::Diagnostic::new(Severity::Error, "k8s/unknown-field", msg)
                                    .at_span(self.object.file(), e.key_span)
                                    .with_object(self.object.display_name())
                                    .with_path(child.to_string());
                            if let Some(s) = suggestion {
                                d = d.with_suggestion(s);
                            }
                            self.out.push(d);
                        }
                    }
                }
                for r in required {
                    if node.get(r).is_none_or(Node::is_null) {
                        let path = &field_path(steps);
                        let d = self.object.diagnostic(
                            Severity::Error,
                            "k8s/missing-required-field",
                            path,
                            format!(
                                "missing required field `{r}` in {name}{}",
                                if path.is_root() {
                                    String::new()
                                } else {
                                    format!(" at `{path}`")
                                }
                            ),
                        );
                        self.out.push(d);
                    }
                }
            }
        }
    }
}

/// Strict checks of one object for a target Kubernetes version (see the module docs).
#[must_use]
pub fn validate_object(object: &Object, target: KubeVersion) -> Vec<Diagnostic> {
    let s = schemas();
    let mut out = Vec::new();
    let root = FieldPath::root();
    let api_path = root.key("apiVersion");
    if let Some(dep) = deprecation::lookup(object.api_version(), object.kind()) {
        let replacement = dep.replacement.map_or_else(
            || "it has no replacement".to_owned(),
            |r| format!("use {r}"),
        );
        let removed = dep.removed_in.filter(|m| KubeVersion::new(1, *m) <= target);
        if let Some(m) = removed {
            let mut d = object.diagnostic(
                Severity::Error,
                "k8s/removed-api",
                &api_path,
                format!(
                    "{} {} was removed in Kubernetes 1.{m} (target {target}); {replacement}",
                    dep.api_version, dep.kind
                ),
            );
            if let Some(r) = dep.replacement {
                d = d.with_suggestion(r);
            }
            out.push(d);
        } else if KubeVersion::new(1, dep.deprecated_in) <= target {
            let when = dep
                .removed_in
                .map_or_else(String::new, |m| format!(", removed in 1.{m}"));
            let mut d = object.diagnostic(
                Severity::Warning,
                "k8s/deprecated-api",
                &api_path,
                format!(
                    "{} {} is deprecated since Kubernetes 1.{}{when}; {replacement}",
                    dep.api_version, dep.kind, dep.deprecated_in
                ),
            );
            if let Some(r) = dep.replacement {
                d = d.with_suggestion(r);
            }
            out.push(d);
        }
    } else if let Some(dep) = deprecation::lookup_component(object.api_version(), object.kind()) {
        out.push(
            object
                .diagnostic(
                    Severity::Error,
                    "k8s/removed-api",
                    &api_path,
                    format!(
                        "{} {} was removed in {} {} (deprecated in {}); use {}",
                        dep.api_version,
                        dep.kind,
                        dep.component,
                        dep.removed_in,
                        dep.deprecated_in,
                        dep.replacement
                    ),
                )
                .with_suggestion(dep.replacement),
        );
    } else if s.kind(object.api_version(), object.kind()).is_none() {
        // An unknown kind in a built-in API group is a typo or a version mix-up.
        let group = object.group();
        let group_known = s
            .kinds
            .iter()
            .any(|k| k.api_version.rsplit_once('/').map_or("", |(g, _)| g) == group);
        if group_known {
            let same_version: BTreeSet<&str> = s
                .kinds
                .iter()
                .filter(|k| k.api_version == object.api_version())
                .map(|k| k.kind)
                .collect();
            let elsewhere: BTreeSet<&str> = s
                .kinds
                .iter()
                .filter(|k| k.kind == object.kind())
                .map(|k| k.api_version)
                .collect();
            let (path, msg, suggestion) = if let Some(av) = elsewhere.last() {
                (
                    api_path.clone(),
                    format!(
                        "{} is not served for kind {} by Kubernetes {target}; use {av}",
                        object.api_version(),
                        object.kind()
                    ),
                    Some((*av).to_owned()),
                )
            } else {
                let c = closest(object.kind(), same_version.iter().copied());
                (
                    root.key("kind"),
                    format!(
                        "{} has no kind `{}`{}",
                        object.api_version(),
                        object.kind(),
                        c.map_or_else(String::new, |c| format!("; did you mean `{c}`?"))
                    ),
                    c.map(str::to_owned),
                )
            };
            let mut d = object.diagnostic(Severity::Error, "k8s/unknown-kind", &path, msg);
            if let Some(sug) = suggestion {
                d = d.with_suggestion(sug);
            }
            out.push(d);
        }
    }
    let meta = object.metadata();
    if meta.name.as_deref().is_none_or(str::is_empty)
        && meta.generate_name.as_deref().is_none_or(str::is_empty)
    {
        out.push(object.diagnostic(
            Severity::Error,
            "k8s/missing-name",
            &root.key("metadata").key("name"),
            "object has neither metadata.name nor metadata.generateName",
        ));
    }
    if let Some(info) = s.kind(object.api_version(), object.kind()) {
        let mut w = Walker {
            schemas: s,
            object,
            out: Vec::new(),
        };
        w.walk(object.node(), info.shape, &mut Vec::new());
        out.extend(w.out);
    }
    out
}

/// Strict checks of many objects.
#[must_use]
pub fn validate(objects: &[Object], target: KubeVersion) -> Vec<Diagnostic> {
    objects
        .iter()
        .flat_map(|o| validate_object(o, target))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn codes(src: &str, target: KubeVersion) -> Vec<(String, usize, usize, String)> {
        let l = crate::load_str(src, Path::new("t.yaml")).unwrap();
        validate(&l.objects, target)
            .into_iter()
            .map(|d| (d.code, d.line, d.column, d.suggestion.unwrap_or_default()))
            .collect()
    }

    #[test]
    fn closest_names() {
        assert_eq!(
            closest("replica", ["replicas", "selector"]),
            Some("replicas")
        );
        assert_eq!(
            closest("contianers", ["containers", "volumes"]),
            Some("containers")
        );
        assert_eq!(closest("zzzzzz", ["replicas"]), None);
        assert_eq!(distance("kitten", "sitting"), 3);
    }

    #[test]
    fn unknown_fields_wrong_types_and_required() {
        let src = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replica: 2\n  selector:\n    matchLabels: {app: web}\n  template:\n    spec:\n      contianers: []\n      hostNetwork: yes\n      containers:\n      - image: nginx\n        ports:\n        - containerPort: \"80\"\n        env:\n        - name: DEBUG\n          value: on\n";
        let got = codes(src, KubeVersion::new(1, 35));
        let want: Vec<(String, usize, usize, String)> = vec![
            ("k8s/unknown-field".into(), 6, 3, "replicas".into()),
            ("k8s/unknown-field".into(), 11, 7, "containers".into()),
            ("k8s/wrong-type".into(), 12, 20, String::new()),
            ("k8s/wrong-type".into(), 16, 26, String::new()),
            ("yaml/yaml11-boolean".into(), 19, 18, String::new()),
            ("k8s/missing-required-field".into(), 14, 9, String::new()),
        ];
        assert_eq!(got, want);
    }

    #[test]
    fn removed_and_deprecated_api_versions() {
        let ing = "apiVersion: extensions/v1beta1\nkind: Ingress\nmetadata: {name: i}\n";
        assert_eq!(
            codes(ing, KubeVersion::new(1, 35)),
            vec![(
                "k8s/removed-api".into(),
                1,
                13,
                "networking.k8s.io/v1".into()
            )]
        );
        assert_eq!(
            codes(ing, KubeVersion::new(1, 20)),
            vec![(
                "k8s/deprecated-api".into(),
                1,
                13,
                "networking.k8s.io/v1".into()
            )]
        );
        assert!(codes(ing, KubeVersion::new(1, 13)).is_empty());
        let psp = "apiVersion: policy/v1beta1\nkind: PodSecurityPolicy\nmetadata: {name: p}\n";
        let d = crate::load_str(psp, Path::new("p.yaml")).unwrap();
        let msg = &validate(&d.objects, KubeVersion::new(1, 25))[0].message;
        assert_eq!(
            msg,
            "policy/v1beta1 PodSecurityPolicy was removed in Kubernetes 1.25 (target 1.25); it has no replacement"
        );
        for (av, kind, removed) in [
            ("autoscaling/v2beta2", "HorizontalPodAutoscaler", 26),
            ("batch/v1beta1", "CronJob", 25),
        ] {
            let src = format!("apiVersion: {av}\nkind: {kind}\nmetadata: {{name: x}}\n");
            assert_eq!(
                codes(&src, KubeVersion::new(1, removed))[0].0,
                "k8s/removed-api"
            );
            assert_eq!(
                codes(&src, KubeVersion::new(1, removed - 1))[0].0,
                "k8s/deprecated-api"
            );
        }
    }

    #[test]
    fn removed_cert_manager_api_versions() {
        let src = "apiVersion: cert-manager.io/v1alpha2\nkind: Certificate\nmetadata: {name: c, namespace: x}\nspec: {secretName: c-tls}\n---\napiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata: {name: d, namespace: x}\n";
        // Reported whatever the Kubernetes target: the add-on's releases decide.
        for target in [KubeVersion::new(1, 16), KubeVersion::new(1, 35)] {
            assert_eq!(
                codes(src, target),
                vec![("k8s/removed-api".into(), 1, 13, "cert-manager.io/v1".into())]
            );
        }
        let l = crate::load_str(src, Path::new("c.yaml")).unwrap();
        assert_eq!(
            validate(&l.objects, KubeVersion::new(1, 35))[0].message,
            "cert-manager.io/v1alpha2 Certificate was removed in cert-manager 1.6 (deprecated in 1.4); use cert-manager.io/v1"
        );
    }

    #[test]
    fn unknown_kinds_in_builtin_groups() {
        let src = "apiVersion: apps/v1\nkind: Deploymnet\nmetadata: {name: x}\n---\napiVersion: apps/v1\nkind: Ingress\nmetadata: {name: y}\n---\napiVersion: example.com/v1\nkind: Widget\nmetadata: {name: z}\n";
        assert_eq!(
            codes(src, KubeVersion::new(1, 35)),
            vec![
                ("k8s/unknown-kind".into(), 2, 7, "Deployment".into()),
                (
                    "k8s/unknown-kind".into(),
                    5,
                    13,
                    "networking.k8s.io/v1".into()
                ),
            ]
        );
    }

    #[test]
    fn missing_name() {
        let src = "apiVersion: v1\nkind: ConfigMap\nmetadata: {labels: {a: b}}\n";
        assert_eq!(codes(src, KubeVersion::new(1, 35))[0].0, "k8s/missing-name");
    }
}
