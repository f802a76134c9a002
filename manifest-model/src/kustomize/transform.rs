//! The builtin transformers: namespace, name prefix/suffix, labels, annotations, images, replicas.

use serde_json::{Map, Value};

use super::failure::Failure;
use super::kustomization::Image;
use super::resource::{Resource, ensure_object};

/// Visits the values at a `/`-separated path, descending into every element of lists met on the
/// way. With `create`, missing maps along the path (and the final key) are created.
pub(crate) fn visit_path(
    v: &mut Value,
    path: &[&str],
    create: bool,
    f: &mut dyn FnMut(&mut Value),
) {
    if let Value::Array(items) = v {
        for item in items {
            visit_path(item, path, create, f);
        }
        return;
    }
    let Some((first, rest)) = path.split_first() else {
        f(v);
        return;
    };
    let Value::Object(m) = v else {
        return;
    };
    if !m.contains_key(*first) {
        if !create {
            return;
        }
        m.insert((*first).to_owned(), Value::Object(Map::new()));
    }
    if let Some(child) = m.get_mut(*first) {
        if child.is_null() && create {
            *child = Value::Object(Map::new());
        }
        visit_path(child, rest, create, f);
    }
}

const WORKLOADS: &[&str] = &[
    "Deployment",
    "ReplicaSet",
    "DaemonSet",
    "StatefulSet",
    "Job",
    "ReplicationController",
];

/// Sets the namespace of namespaced objects and renames `Namespace` objects.
pub(crate) fn namespace(resources: &mut [Resource], ns: &str) -> Result<(), Failure> {
    for r in resources.iter_mut() {
        let gvk = r.id().gvk;
        if gvk.kind == "Namespace" && gvk.group.is_empty() {
            r.set_name(ns.to_owned());
            continue;
        }
        if !gvk.is_cluster_scoped() {
            r.set_namespace(ns);
        }
        if matches!(gvk.kind.as_str(), "RoleBinding" | "ClusterRoleBinding")
            && let Some(Value::Array(subjects)) = r.obj.get_mut("subjects")
        {
            for s in subjects.iter_mut() {
                if s.get("name").and_then(Value::as_str) == Some("default")
                    && let Value::Object(m) = s
                {
                    m.insert("namespace".into(), Value::String(ns.to_owned()));
                }
            }
        }
    }
    let ids: Vec<_> = resources.iter().map(Resource::id).collect();
    for (i, a) in ids.iter().enumerate() {
        if ids[..i].iter().any(|b| b.same_as(a)) {
            return Err(Failure::Conflict { id: a.to_string() });
        }
    }
    Ok(())
}

/// Adds `prefix` and `suffix` to names (not to Namespaces, CRDs and APIServices).
pub(crate) fn prefix_suffix(resources: &mut [Resource], prefix: &str, suffix: &str) {
    for r in resources.iter_mut() {
        let gvk = r.id().gvk;
        let skip = gvk.kind == "Namespace"
            || gvk.kind == "CustomResourceDefinition"
            || (gvk.kind == "APIService" && gvk.group == "apiregistration.k8s.io");
        if skip {
            continue;
        }
        let name = format!("{prefix}{}{suffix}", r.name());
        r.set_name(name);
    }
}

fn add_pairs(target: &mut Value, pairs: &[(String, String)]) {
    let m = ensure_object(target);
    for (k, v) in pairs {
        m.insert(k.clone(), Value::String(v.clone()));
    }
}

/// Label paths beyond `metadata/labels`: (kinds, path, create-if-missing, is-selector).
const LABEL_PATHS: &[(&[&str], &str, bool, bool)] = &[
    (&["Service"], "spec/selector", true, true),
    (&["ReplicationController"], "spec/selector", true, true),
    (
        &["Deployment", "ReplicaSet", "DaemonSet", "StatefulSet"],
        "spec/selector/matchLabels",
        true,
        true,
    ),
    (&["Job"], "spec/selector/matchLabels", false, true),
    (
        &["CronJob"],
        "spec/jobTemplate/spec/selector/matchLabels",
        false,
        true,
    ),
    (
        &["PodDisruptionBudget"],
        "spec/selector/matchLabels",
        false,
        true,
    ),
    (
        &["NetworkPolicy"],
        "spec/podSelector/matchLabels",
        false,
        true,
    ),
    (
        &["NetworkPolicy"],
        "spec/ingress/from/podSelector/matchLabels",
        false,
        true,
    ),
    (
        &["NetworkPolicy"],
        "spec/egress/to/podSelector/matchLabels",
        false,
        true,
    ),
    (WORKLOADS, "spec/template/metadata/labels", true, false),
    (
        WORKLOADS,
        "spec/template/spec/topologySpreadConstraints/labelSelector/matchLabels",
        false,
        true,
    ),
    (
        WORKLOADS,
        "spec/template/spec/affinity/podAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels",
        false,
        true,
    ),
    (
        WORKLOADS,
        "spec/template/spec/affinity/podAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels",
        false,
        true,
    ),
    (
        WORKLOADS,
        "spec/template/spec/affinity/podAntiAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels",
        false,
        true,
    ),
    (
        WORKLOADS,
        "spec/template/spec/affinity/podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels",
        false,
        true,
    ),
    (
        &["CronJob"],
        "spec/jobTemplate/metadata/labels",
        true,
        false,
    ),
    (
        &["CronJob"],
        "spec/jobTemplate/spec/template/metadata/labels",
        true,
        false,
    ),
    (
        &["StatefulSet"],
        "spec/volumeClaimTemplates/metadata/labels",
        true,
        false,
    ),
];

/// Adds labels to metadata and, with `selectors`, to selectors and pod templates; with only
/// `templates`, to pod templates too.
pub(crate) fn labels(
    resources: &mut [Resource],
    pairs: &[(String, String)],
    selectors: bool,
    templates: bool,
) {
    if pairs.is_empty() {
        return;
    }
    for r in resources.iter_mut() {
        let kind = r.kind().to_owned();
        let meta = r.metadata_mut();
        add_pairs(meta.entry("labels").or_insert(Value::Null), pairs);
        for (kinds, path, create, is_selector) in LABEL_PATHS {
            if !kinds.contains(&kind.as_str()) {
                continue;
            }
            let wanted = if *is_selector {
                selectors
            } else {
                selectors || templates
            };
            if !wanted {
                continue;
            }
            let segs: Vec<&str> = path.split('/').collect();
            if !*create && !path_exists(&r.obj, &segs) {
                continue;
            }
            visit_path(&mut r.obj, &segs, *create, &mut |v| add_pairs(v, pairs));
        }
    }
}

fn path_exists(v: &Value, segs: &[&str]) -> bool {
    match (v, segs.split_first()) {
        (_, None) => true,
        (Value::Array(items), _) => items.iter().any(|i| path_exists(i, segs)),
        (Value::Object(m), Some((first, rest))) => {
            m.get(*first).is_some_and(|c| path_exists(c, rest))
        }
        _ => false,
    }
}

/// Adds annotations to metadata and pod templates.
pub(crate) fn annotations(resources: &mut [Resource], pairs: &[(String, String)]) {
    if pairs.is_empty() {
        return;
    }
    for r in resources.iter_mut() {
        let kind = r.kind().to_owned();
        let meta = r.metadata_mut();
        add_pairs(meta.entry("annotations").or_insert(Value::Null), pairs);
        let paths: &[&str] = if WORKLOADS.contains(&kind.as_str()) {
            &["spec/template/metadata/annotations"]
        } else if kind == "CronJob" {
            &[
                "spec/jobTemplate/metadata/annotations",
                "spec/jobTemplate/spec/template/metadata/annotations",
            ]
        } else {
            &[]
        };
        for path in paths {
            let segs: Vec<&str> = path.split('/').collect();
            visit_path(&mut r.obj, &segs, true, &mut |v| add_pairs(v, pairs));
        }
    }
}

/// Splits `image` into name and the rest (`:tag`, `@digest` or both).
fn split_image(image: &str) -> (&str, &str) {
    let colon = match image.find('/') {
        None => image.rfind(':'),
        Some(slash) => image[slash..].rfind(':').map(|i| slash + i),
    };
    let at = image.find('@');
    let i = match (colon, at) {
        (_, Some(a)) => a.min(colon.unwrap_or(a)),
        (Some(c), None) => c,
        (None, None) => return (image, ""),
    };
    (&image[..i], &image[i..])
}

fn image_matches(image: &str, name: &str) -> bool {
    split_image(image).0 == name
}

fn update_image(image: &str, img: &Image) -> String {
    let (name, rest) = split_image(image);
    let name = img.new_name.as_deref().unwrap_or(name);
    let (mut tag, mut digest) = match rest.find('@') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let new_tag;
    if let Some(t) = &img.new_tag {
        new_tag = format!(":{t}");
        tag = &new_tag;
        digest = "";
    }
    let new_digest;
    if let Some(d) = &img.digest {
        new_digest = format!("@{d}");
        digest = &new_digest;
        tag = "";
    }
    format!("{name}{tag}{digest}")
}

fn images_in(v: &mut Value, images: &[Image]) {
    match v {
        Value::Object(m) => {
            for (k, child) in m.iter_mut() {
                if (k == "containers" || k == "initContainers" || k == "ephemeralContainers")
                    && let Value::Array(items) = child
                {
                    for c in items.iter_mut() {
                        if let Some(Value::String(image)) = c.get_mut("image")
                            && let Some(img) = images.iter().find(|i| image_matches(image, &i.name))
                        {
                            *image = update_image(image, img);
                        }
                    }
                }
                images_in(child, images);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| images_in(i, images)),
        _ => {}
    }
}

/// Rewrites container images.
pub(crate) fn images(resources: &mut [Resource], images: &[Image]) {
    if images.is_empty() {
        return;
    }
    for r in resources.iter_mut() {
        images_in(&mut r.obj, images);
    }
}

const SCALABLE: &[&str] = &[
    "Deployment",
    "ReplicationController",
    "ReplicaSet",
    "StatefulSet",
];

/// Sets `spec.replicas` of the named workloads.
pub(crate) fn replicas(
    resources: &mut [Resource],
    wanted: &[(String, i64)],
) -> Result<(), Failure> {
    for (name, count) in wanted {
        let mut found = false;
        for r in resources.iter_mut() {
            if SCALABLE.contains(&r.kind()) && r.all_ids().iter().any(|id| &id.name == name) {
                found = true;
                let spec = ensure_object(
                    ensure_object(&mut r.obj)
                        .entry("spec")
                        .or_insert(Value::Null),
                );
                spec.insert("replicas".into(), Value::Number((*count).into()));
            }
        }
        if !found {
            return Err(Failure::TargetNotFound {
                id: format!("replicas for {name:?}"),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_updates() {
        let img = Image {
            name: "nginx".into(),
            new_tag: Some("1.2".into()),
            ..Image::default()
        };
        assert_eq!(update_image("nginx:1.0", &img), "nginx:1.2");
        assert_eq!(update_image("nginx", &img), "nginx:1.2");
        assert!(image_matches("nginx@sha256:ab", "nginx"));
        assert!(!image_matches("nginx-x", "nginx"));
        assert_eq!(split_image("reg:5000/app:v1"), ("reg:5000/app", ":v1"));
        let img = Image {
            name: "app".into(),
            digest: Some("sha256:ff".into()),
            ..Image::default()
        };
        assert_eq!(update_image("app:v1", &img), "app@sha256:ff");
    }
}
