//! The kustomization file: strict reading into plain records.
//!
//! kustomize reads this file with YAML 1.1 rules into typed Go structs, so `namePrefix: yes` (a
//! boolean) or `newTag: 1.0` (a number) are errors, as are unknown fields.

use serde_json::{Map, Value};

use super::failure::Failure;

/// A failure at a kustomization field.
pub(crate) type FieldError = (String, Failure);

#[derive(Debug, Default, Clone)]
pub(crate) struct Kustomization {
    /// `kind: Component` (applied to its parent's accumulated resources).
    pub(crate) is_component: bool,
    pub(crate) resources: Vec<String>,
    pub(crate) components: Vec<String>,
    pub(crate) namespace: Option<String>,
    pub(crate) name_prefix: Option<String>,
    pub(crate) name_suffix: Option<String>,
    pub(crate) common_labels: Vec<(String, String)>,
    pub(crate) labels: Vec<LabelSet>,
    pub(crate) common_annotations: Vec<(String, String)>,
    pub(crate) images: Vec<Image>,
    pub(crate) replicas: Vec<(String, i64)>,
    pub(crate) patches: Vec<PatchEntry>,
    pub(crate) patches_strategic_merge: Vec<String>,
    pub(crate) patches_json6902: Vec<PatchEntry>,
    pub(crate) config_map_generator: Vec<Generator>,
    pub(crate) secret_generator: Vec<Generator>,
    pub(crate) generator_options: GeneratorOptions,
    pub(crate) replacements: Vec<super::replace::Entry>,
    /// Deprecated fields in use, for warnings.
    pub(crate) deprecated: Vec<&'static str>,
}

#[derive(Debug, Default, Clone)]
pub(crate) struct LabelSet {
    pub(crate) pairs: Vec<(String, String)>,
    pub(crate) include_selectors: bool,
    pub(crate) include_templates: bool,
}

#[derive(Debug, Default, Clone)]
pub(crate) struct Image {
    pub(crate) name: String,
    pub(crate) new_name: Option<String>,
    pub(crate) new_tag: Option<String>,
    pub(crate) digest: Option<String>,
}

#[derive(Debug, Default, Clone)]
pub(crate) struct Selector {
    pub(crate) group: Option<String>,
    pub(crate) version: Option<String>,
    pub(crate) kind: Option<String>,
    pub(crate) name: Option<String>,
    pub(crate) namespace: Option<String>,
    pub(crate) label_selector: Option<String>,
    pub(crate) annotation_selector: Option<String>,
}

#[derive(Debug, Default, Clone)]
pub(crate) struct PatchEntry {
    pub(crate) path: Option<String>,
    pub(crate) patch: Option<String>,
    pub(crate) target: Option<Selector>,
    pub(crate) allow_name_change: bool,
    pub(crate) allow_kind_change: bool,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Behavior {
    #[default]
    Create,
    Replace,
    Merge,
}

#[derive(Debug, Default, Clone)]
pub(crate) struct GeneratorOptions {
    pub(crate) labels: Vec<(String, String)>,
    pub(crate) annotations: Vec<(String, String)>,
    pub(crate) disable_name_suffix_hash: Option<bool>,
    pub(crate) immutable: Option<bool>,
}

#[derive(Debug, Default, Clone)]
pub(crate) struct Generator {
    pub(crate) name: String,
    pub(crate) namespace: Option<String>,
    pub(crate) behavior: Behavior,
    pub(crate) literals: Vec<String>,
    pub(crate) files: Vec<String>,
    pub(crate) envs: Vec<String>,
    pub(crate) options: GeneratorOptions,
    pub(crate) secret_type: Option<String>,
    /// Position in its list, for error fields (`configMapGenerator[2]`).
    pub(crate) field: String,
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

pub(super) fn wrong(field: &str, expected: &'static str, v: &Value) -> FieldError {
    (
        field.to_owned(),
        Failure::WrongType {
            expected,
            found: type_name(v),
        },
    )
}

pub(super) fn string(field: &str, v: &Value) -> Result<String, FieldError> {
    match v {
        Value::String(s) => Ok(s.clone()),
        _ => Err(wrong(field, "a string", v)),
    }
}

pub(super) fn opt_string(field: &str, v: Option<&Value>) -> Result<Option<String>, FieldError> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(v) => string(field, v).map(Some),
    }
}

pub(super) fn opt_bool(field: &str, v: Option<&Value>) -> Result<Option<bool>, FieldError> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(v) => Err(wrong(field, "a boolean", v)),
    }
}

pub(super) fn strings(field: &str, v: Option<&Value>) -> Result<Vec<String>, FieldError> {
    match v {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, x)| string(&format!("{field}[{i}]"), x))
            .collect(),
        Some(v) => Err(wrong(field, "a list of strings", v)),
    }
}

fn string_map(field: &str, v: Option<&Value>) -> Result<Vec<(String, String)>, FieldError> {
    match v {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Object(m)) => m
            .iter()
            .map(|(k, x)| match x {
                Value::String(s) => Ok((k.clone(), s.clone())),
                // Go decodes a null map value into "".
                Value::Null => Ok((k.clone(), String::new())),
                _ => Err(wrong(&format!("{field}.{k}"), "a string", x)),
            })
            .collect(),
        Some(v) => Err(wrong(field, "a mapping of strings", v)),
    }
}

pub(super) fn object<'a>(
    field: &str,
    v: &'a Value,
    known: &[&str],
) -> Result<&'a Map<String, Value>, FieldError> {
    let Value::Object(m) = v else {
        return Err(wrong(field, "a mapping", v));
    };
    for k in m.keys() {
        if !known.contains(&k.as_str()) {
            return Err((
                format!("{field}.{k}"),
                Failure::UnknownField { name: k.clone() },
            ));
        }
    }
    Ok(m)
}

pub(super) fn list<'a>(
    field: &str,
    v: Option<&'a Value>,
) -> Result<Vec<(String, &'a Value)>, FieldError> {
    match v {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => Ok(items
            .iter()
            .enumerate()
            .map(|(i, x)| (format!("{field}[{i}]"), x))
            .collect()),
        Some(v) => Err(wrong(field, "a list", v)),
    }
}

pub(super) fn selector(field: &str, v: &Value) -> Result<Selector, FieldError> {
    let m = object(
        field,
        v,
        &[
            "group",
            "version",
            "kind",
            "name",
            "namespace",
            "labelSelector",
            "annotationSelector",
        ],
    )?;
    let f = |k: &str| opt_string(&format!("{field}.{k}"), m.get(k));
    Ok(Selector {
        group: f("group")?,
        version: f("version")?,
        kind: f("kind")?,
        name: f("name")?,
        namespace: f("namespace")?,
        label_selector: f("labelSelector")?,
        annotation_selector: f("annotationSelector")?,
    })
}

fn options(field: &str, v: Option<&Value>) -> Result<GeneratorOptions, FieldError> {
    let Some(v) = v.filter(|v| !v.is_null()) else {
        return Ok(GeneratorOptions::default());
    };
    let m = object(
        field,
        v,
        &[
            "labels",
            "annotations",
            "disableNameSuffixHash",
            "immutable",
        ],
    )?;
    Ok(GeneratorOptions {
        labels: string_map(&format!("{field}.labels"), m.get("labels"))?,
        annotations: string_map(&format!("{field}.annotations"), m.get("annotations"))?,
        disable_name_suffix_hash: opt_bool(
            &format!("{field}.disableNameSuffixHash"),
            m.get("disableNameSuffixHash"),
        )?,
        immutable: opt_bool(&format!("{field}.immutable"), m.get("immutable"))?,
    })
}

fn generators(field: &str, v: Option<&Value>, secret: bool) -> Result<Vec<Generator>, FieldError> {
    let mut out = Vec::new();
    for (f, item) in list(field, v)? {
        let known: &[&str] = if secret {
            &[
                "name",
                "namespace",
                "behavior",
                "literals",
                "files",
                "envs",
                "env",
                "options",
                "type",
            ]
        } else {
            &[
                "name",
                "namespace",
                "behavior",
                "literals",
                "files",
                "envs",
                "env",
                "options",
            ]
        };
        let m = object(&f, item, known)?;
        let behavior = match opt_string(&format!("{f}.behavior"), m.get("behavior"))?.as_deref() {
            None | Some("" | "create") => Behavior::Create,
            Some("replace") => Behavior::Replace,
            Some("merge") => Behavior::Merge,
            Some(other) => {
                return Err((
                    format!("{f}.behavior"),
                    Failure::InvalidValue {
                        value: other.to_owned(),
                        why: "must be create, replace or merge",
                    },
                ));
            }
        };
        let mut envs = strings(&format!("{f}.envs"), m.get("envs"))?;
        if let Some(env) = opt_string(&format!("{f}.env"), m.get("env"))? {
            envs.push(env);
        }
        out.push(Generator {
            name: opt_string(&format!("{f}.name"), m.get("name"))?.unwrap_or_default(),
            namespace: opt_string(&format!("{f}.namespace"), m.get("namespace"))?,
            behavior,
            literals: strings(&format!("{f}.literals"), m.get("literals"))?,
            files: strings(&format!("{f}.files"), m.get("files"))?,
            envs,
            options: options(&format!("{f}.options"), m.get("options"))?,
            secret_type: opt_string(&format!("{f}.type"), m.get("type"))?,
            field: f,
        });
    }
    Ok(out)
}

fn patch_entries(
    field: &str,
    v: Option<&Value>,
    json6902: bool,
) -> Result<Vec<PatchEntry>, FieldError> {
    let mut out = Vec::new();
    for (f, item) in list(field, v)? {
        let m = object(&f, item, &["path", "patch", "target", "options"])?;
        let target = match m.get("target") {
            None | Some(Value::Null) => None,
            Some(t) => Some(selector(&format!("{f}.target"), t)?),
        };
        let (mut allow_name_change, mut allow_kind_change) = (false, false);
        if let Some(o) = m.get("options").filter(|o| !o.is_null()) {
            let om = object(
                &format!("{f}.options"),
                o,
                &["allowNameChange", "allowKindChange"],
            )?;
            allow_name_change = opt_bool(
                &format!("{f}.options.allowNameChange"),
                om.get("allowNameChange"),
            )?
            .unwrap_or(false);
            allow_kind_change = opt_bool(
                &format!("{f}.options.allowKindChange"),
                om.get("allowKindChange"),
            )?
            .unwrap_or(false);
        }
        let entry = PatchEntry {
            path: opt_string(&format!("{f}.path"), m.get("path"))?,
            patch: opt_string(&format!("{f}.patch"), m.get("patch"))?,
            target,
            allow_name_change,
            allow_kind_change,
        };
        if entry.path.is_some() == entry.patch.is_some() {
            let why = if entry.path.is_some() {
                "patch and path cannot both be set"
            } else {
                "must specify one of patch and path"
            };
            return Err((
                f,
                Failure::InvalidValue {
                    value: String::new(),
                    why,
                },
            ));
        }
        if json6902 && entry.target.is_none() {
            return Err((
                f,
                Failure::InvalidValue {
                    value: String::new(),
                    why: "a target is required",
                },
            ));
        }
        out.push(entry);
    }
    Ok(out)
}

const SUPPORTED: &[&str] = &[
    "apiVersion",
    "kind",
    "metadata",
    "resources",
    "bases",
    "components",
    "namespace",
    "namePrefix",
    "nameSuffix",
    "commonLabels",
    "labels",
    "commonAnnotations",
    "images",
    "replicas",
    "patches",
    "patchesStrategicMerge",
    "patchesJson6902",
    "configMapGenerator",
    "secretGenerator",
    "generatorOptions",
    "replacements",
];

const KNOWN_UNSUPPORTED: &[&str] = &[
    "openapi",
    "imageTags",
    "vars",
    "sortOptions",
    "crds",
    "helmGlobals",
    "helmCharts",
    "helmChartInflationGenerator",
    "configurations",
    "generators",
    "transformers",
    "validators",
    "inventory",
    "buildMetadata",
];

/// Reads the kustomization document (already parsed with YAML 1.1 rules).
pub(crate) fn parse(doc: &Value) -> Result<Kustomization, FieldError> {
    let Value::Object(m) = doc else {
        return Err(wrong("", "a mapping", doc));
    };
    for k in m.keys() {
        if KNOWN_UNSUPPORTED.contains(&k.as_str()) {
            return Err((k.clone(), Failure::Unsupported { name: k.clone() }));
        }
        if !SUPPORTED.contains(&k.as_str()) {
            return Err((k.clone(), Failure::UnknownField { name: k.clone() }));
        }
    }
    // kustomize: kind is Kustomization (the default) or Component; a set apiVersion must be
    // the one of that kind.
    let kind = opt_string("kind", m.get("kind"))?.unwrap_or_default();
    let is_component = match kind.as_str() {
        "" | "Kustomization" => false,
        "Component" => true,
        _ => {
            return Err((
                "kind".into(),
                Failure::InvalidValue {
                    value: kind,
                    why: "kind should be Kustomization or Component",
                },
            ));
        }
    };
    if let Some(api) = opt_string("apiVersion", m.get("apiVersion"))?
        && !api.is_empty()
    {
        let (required, why) = if is_component {
            (
                "kustomize.config.k8s.io/v1alpha1",
                "apiVersion for Component should be kustomize.config.k8s.io/v1alpha1",
            )
        } else {
            (
                "kustomize.config.k8s.io/v1beta1",
                "apiVersion for Kustomization should be kustomize.config.k8s.io/v1beta1",
            )
        };
        if api != required {
            return Err((
                "apiVersion".into(),
                Failure::InvalidValue { value: api, why },
            ));
        }
    }
    let mut k = Kustomization {
        is_component,
        resources: strings("resources", m.get("resources"))?,
        components: strings("components", m.get("components"))?,
        namespace: opt_string("namespace", m.get("namespace"))?,
        name_prefix: opt_string("namePrefix", m.get("namePrefix"))?,
        name_suffix: opt_string("nameSuffix", m.get("nameSuffix"))?,
        common_labels: string_map("commonLabels", m.get("commonLabels"))?,
        common_annotations: string_map("commonAnnotations", m.get("commonAnnotations"))?,
        patches_strategic_merge: strings("patchesStrategicMerge", m.get("patchesStrategicMerge"))?,
        patches: patch_entries("patches", m.get("patches"), false)?,
        patches_json6902: patch_entries("patchesJson6902", m.get("patchesJson6902"), true)?,
        config_map_generator: generators("configMapGenerator", m.get("configMapGenerator"), false)?,
        secret_generator: generators("secretGenerator", m.get("secretGenerator"), true)?,
        generator_options: options("generatorOptions", m.get("generatorOptions"))?,
        replacements: super::replace::parse_entries(m.get("replacements"))?,
        ..Kustomization::default()
    };
    k.resources.extend(strings("bases", m.get("bases"))?);
    for (f, item) in list("labels", m.get("labels"))? {
        let lm = object(
            &f,
            item,
            &["pairs", "includeSelectors", "includeTemplates", "fields"],
        )?;
        if lm.contains_key("fields") {
            return Err((
                format!("{f}.fields"),
                Failure::Unsupported {
                    name: "labels.fields".into(),
                },
            ));
        }
        k.labels.push(LabelSet {
            pairs: string_map(&format!("{f}.pairs"), lm.get("pairs"))?,
            include_selectors: opt_bool(
                &format!("{f}.includeSelectors"),
                lm.get("includeSelectors"),
            )?
            .unwrap_or(false),
            include_templates: opt_bool(
                &format!("{f}.includeTemplates"),
                lm.get("includeTemplates"),
            )?
            .unwrap_or(false),
        });
    }
    for (f, item) in list("images", m.get("images"))? {
        let im = object(
            &f,
            item,
            &["name", "newName", "newTag", "digest", "tagSuffix"],
        )?;
        if im.contains_key("tagSuffix") {
            return Err((
                format!("{f}.tagSuffix"),
                Failure::Unsupported {
                    name: "images.tagSuffix".into(),
                },
            ));
        }
        k.images.push(Image {
            name: opt_string(&format!("{f}.name"), im.get("name"))?.unwrap_or_default(),
            new_name: opt_string(&format!("{f}.newName"), im.get("newName"))?,
            new_tag: opt_string(&format!("{f}.newTag"), im.get("newTag"))?,
            digest: opt_string(&format!("{f}.digest"), im.get("digest"))?,
        });
    }
    for (f, item) in list("replicas", m.get("replicas"))? {
        let rm = object(&f, item, &["name", "count"])?;
        let name = opt_string(&format!("{f}.name"), rm.get("name"))?.unwrap_or_default();
        let count = match rm.get("count") {
            None | Some(Value::Null) => 0,
            Some(Value::Number(n)) if n.is_i64() => n.as_i64().unwrap_or(0),
            Some(v) => return Err(wrong(&format!("{f}.count"), "an integer", v)),
        };
        k.replicas.push((name, count));
    }
    for (field, name) in [
        ("commonLabels", "commonLabels"),
        ("patchesStrategicMerge", "patchesStrategicMerge"),
        ("patchesJson6902", "patchesJson6902"),
        ("bases", "bases"),
    ] {
        if m.get(field).is_some_and(|v| !v.is_null()) {
            k.deprecated.push(name);
        }
    }
    Ok(k)
}
