//! Name references: after prefixes, suffixes and hashes, fields that name another object are
//! rewritten to the object's final name (kustomize's "back references").

use serde_json::Value;

use super::resource::{self, Id, Resource};
use super::transform::visit_path;

const POD_TEMPLATE_KINDS: &[(&str, &str)] = &[
    ("Pod", "spec"),
    ("Deployment", "spec/template/spec"),
    ("ReplicaSet", "spec/template/spec"),
    ("DaemonSet", "spec/template/spec"),
    ("StatefulSet", "spec/template/spec"),
    ("Job", "spec/template/spec"),
    ("ReplicationController", "spec/template/spec"),
    ("CronJob", "spec/jobTemplate/spec/template/spec"),
];

const CONTAINER_LISTS: &[&str] = &["containers", "initContainers", "ephemeralContainers"];

/// Paths (relative to a pod spec) naming an object of the given kind.
fn pod_spec_paths(kind: &str) -> Vec<String> {
    let mut v: Vec<String> = Vec::new();
    match kind {
        "ConfigMap" => {
            v.push("volumes/configMap/name".into());
            v.push("volumes/projected/sources/configMap/name".into());
            for c in CONTAINER_LISTS {
                v.push(format!("{c}/env/valueFrom/configMapKeyRef/name"));
                v.push(format!("{c}/envFrom/configMapRef/name"));
            }
        }
        "Secret" => {
            v.push("volumes/secret/secretName".into());
            v.push("volumes/projected/sources/secret/name".into());
            v.push("imagePullSecrets/name".into());
            for c in CONTAINER_LISTS {
                v.push(format!("{c}/env/valueFrom/secretKeyRef/name"));
                v.push(format!("{c}/envFrom/secretRef/name"));
            }
        }
        "ServiceAccount" => {
            v.push("serviceAccountName".into());
            v.push("serviceAccount".into());
        }
        "PersistentVolumeClaim" => v.push("volumes/persistentVolumeClaim/claimName".into()),
        "PriorityClass" => v.push("priorityClassName".into()),
        _ => {}
    }
    v
}

/// Other referrers: (referral kind, referrer kind, path).
const OTHER_PATHS: &[(&str, &str, &str)] = &[
    ("Secret", "Ingress", "spec/tls/secretName"),
    ("Secret", "ServiceAccount", "secrets/name"),
    ("Secret", "ServiceAccount", "imagePullSecrets/name"),
    (
        "Service",
        "Ingress",
        "spec/rules/http/paths/backend/service/name",
    ),
    (
        "Service",
        "Ingress",
        "spec/rules/http/paths/backend/serviceName",
    ),
    ("Service", "Ingress", "spec/defaultBackend/service/name"),
    ("Service", "Ingress", "spec/backend/serviceName"),
    ("Service", "StatefulSet", "spec/serviceName"),
    ("Service", "APIService", "spec/service/name"),
    (
        "Service",
        "ValidatingWebhookConfiguration",
        "webhooks/clientConfig/service/name",
    ),
    (
        "Service",
        "MutatingWebhookConfiguration",
        "webhooks/clientConfig/service/name",
    ),
    (
        "PersistentVolume",
        "PersistentVolumeClaim",
        "spec/volumeName",
    ),
    (
        "StorageClass",
        "PersistentVolumeClaim",
        "spec/storageClassName",
    ),
    ("StorageClass", "PersistentVolume", "spec/storageClassName"),
    (
        "StorageClass",
        "StatefulSet",
        "spec/volumeClaimTemplates/spec/storageClassName",
    ),
];

/// References whose sibling `kind` says which kind they name: (referrer kinds, path to the map).
const KINDED_REFS: &[(&[&str], &str)] = &[
    (&["RoleBinding", "ClusterRoleBinding"], "roleRef"),
    (&["HorizontalPodAutoscaler"], "spec/scaleTargetRef"),
];

struct Target {
    kind: String,
    ids: Vec<Id>,
    name: String,
    namespace: String,
    cluster_scoped: bool,
}

fn find<'a>(
    targets: &'a [Target],
    kind: &str,
    old: &str,
    referrer_ns: Option<&str>,
) -> Option<&'a Target> {
    let ns_ok = |t: &Target| match referrer_ns {
        None => true,
        Some(ns) => {
            t.cluster_scoped
                || t.namespace == ns
                || (t.namespace.is_empty() && ns == "default")
                || (ns.is_empty() && t.namespace == "default")
        }
    };
    targets
        .iter()
        .find(|t| t.kind == kind && t.ids.iter().any(|id| id.name == old) && ns_ok(t))
}

fn rewrite(v: &mut Value, targets: &[Target], kind: &str, ns: Option<&str>) {
    if let Value::String(s) = v
        && let Some(t) = find(targets, kind, s, ns)
        && t.name != *s
    {
        *s = t.name.clone();
    }
}

/// Rewrites every known reference to the final names.
pub(crate) fn fix(resources: &mut [Resource]) {
    let targets: Vec<Target> = resources
        .iter()
        .map(|r| {
            let id = r.id();
            Target {
                kind: id.gvk.kind.clone(),
                ids: r.all_ids(),
                name: id.name.clone(),
                namespace: id.namespace.clone(),
                cluster_scoped: id.gvk.is_cluster_scoped(),
            }
        })
        .collect();
    let renamed = |t: &Target| t.ids.iter().any(|id| id.name != t.name);
    if !targets.iter().any(renamed) {
        return;
    }
    for r in resources.iter_mut() {
        let kind = r.kind().to_owned();
        let ns = r.namespace().to_owned();
        let ns = Some(ns.as_str());
        if let Some((_, spec)) = POD_TEMPLATE_KINDS.iter().find(|(k, _)| *k == kind) {
            for referral in [
                "ConfigMap",
                "Secret",
                "ServiceAccount",
                "PersistentVolumeClaim",
                "PriorityClass",
            ] {
                for p in pod_spec_paths(referral) {
                    let full = format!("{spec}/{p}");
                    let segs: Vec<&str> = full.split('/').collect();
                    let referral_ns = if referral == "PriorityClass" {
                        None
                    } else {
                        ns
                    };
                    visit_path(&mut r.obj, &segs, false, &mut |v| {
                        rewrite(v, &targets, referral, referral_ns)
                    });
                }
            }
        }
        for (referral, referrer, path) in OTHER_PATHS {
            if *referrer == kind {
                let segs: Vec<&str> = path.split('/').collect();
                visit_path(&mut r.obj, &segs, false, &mut |v| {
                    rewrite(v, &targets, referral, ns)
                });
            }
        }
        for (kinds, path) in KINDED_REFS {
            if kinds.contains(&kind.as_str()) {
                let segs: Vec<&str> = path.split('/').collect();
                let cluster = kind == "ClusterRoleBinding";
                visit_path(&mut r.obj, &segs, false, &mut |v| {
                    let Some(k) = v.get("kind").and_then(Value::as_str).map(str::to_owned) else {
                        return;
                    };
                    if let Some(name) = v.get_mut("name") {
                        let scope = if cluster || k == "ClusterRole" {
                            None
                        } else {
                            ns
                        };
                        rewrite(name, &targets, &k, scope);
                    }
                });
            }
        }
        if (kind == "RoleBinding" || kind == "ClusterRoleBinding")
            && let Some(Value::Array(subjects)) = r.obj.get_mut("subjects")
        {
            for s in subjects.iter_mut() {
                if s.get("kind").and_then(Value::as_str) != Some("ServiceAccount") {
                    continue;
                }
                let name = s
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned();
                let sns = s
                    .get("namespace")
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                let hit = targets.iter().find(|t| {
                    t.kind == "ServiceAccount"
                        && t.ids.iter().any(|id| id.name == name)
                        && t.ids.first().is_some_and(|org| {
                            sns.as_deref()
                                .is_none_or(|n| resource::ns_eq(n, &org.namespace))
                        })
                });
                if let (Some(t), Value::Object(m)) = (hit, s) {
                    m.insert("name".into(), Value::String(t.name.clone()));
                    if !t.namespace.is_empty() {
                        m.insert("namespace".into(), Value::String(t.namespace.clone()));
                    }
                }
            }
        }
    }
}
