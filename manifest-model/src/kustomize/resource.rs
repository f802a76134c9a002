//! Resources with their identity history, and kustomize's legacy output order.

use std::cmp::Ordering;
use std::fmt;

use serde_json::{Map, Value};

/// Group, version and kind.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Gvk {
    pub(crate) group: String,
    pub(crate) version: String,
    pub(crate) kind: String,
}

impl Gvk {
    pub(crate) fn of(obj: &Value) -> Gvk {
        let api = obj.get("apiVersion").and_then(Value::as_str).unwrap_or("");
        let (group, version) = match api.rsplit_once('/') {
            Some((g, v)) => (g.to_owned(), v.to_owned()),
            None => (String::new(), api.to_owned()),
        };
        let kind = obj
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        Gvk {
            group,
            version,
            kind,
        }
    }

    fn sort_string(&self) -> String {
        let or = |s: &str, d: &str| {
            if s.is_empty() {
                d.to_owned()
            } else {
                s.to_owned()
            }
        };
        format!(
            "{}_{}_{}",
            or(&self.group, "~G"),
            or(&self.version, "~V"),
            or(&self.kind, "~K")
        )
    }

    /// Whether kustomize treats the kind as cluster-scoped (no namespace).
    pub(crate) fn is_cluster_scoped(&self) -> bool {
        CLUSTER_SCOPED.contains(&self.kind.as_str())
    }
}

const CLUSTER_SCOPED: &[&str] = &[
    "APIService",
    "CertificateSigningRequest",
    "ClusterRole",
    "ClusterRoleBinding",
    "ComponentStatus",
    "CSIDriver",
    "CSINode",
    "CustomResourceDefinition",
    "FlowSchema",
    "IngressClass",
    "MutatingWebhookConfiguration",
    "Namespace",
    "Node",
    "PersistentVolume",
    "PodSecurityPolicy",
    "PriorityClass",
    "PriorityLevelConfiguration",
    "RuntimeClass",
    "StorageClass",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "ValidatingWebhookConfiguration",
    "VolumeAttachment",
];

/// A resource's identity: kind, name and namespace.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Id {
    pub(crate) gvk: Gvk,
    pub(crate) name: String,
    pub(crate) namespace: String,
}

pub(crate) fn ns_eq(a: &str, b: &str) -> bool {
    let norm = |s: &str| {
        if s.is_empty() {
            "default".to_owned()
        } else {
            s.to_owned()
        }
    };
    norm(a) == norm(b)
}

impl Id {
    pub(crate) fn same_as(&self, o: &Id) -> bool {
        self.gvk == o.gvk && self.name == o.name && ns_eq(&self.namespace, &o.namespace)
    }

    /// kustomize's patch matching: kind and name must match, group/version only when given.
    pub(crate) fn matches_patch(&self, patch: &Id) -> bool {
        self.gvk.kind == patch.gvk.kind
            && (patch.gvk.group.is_empty() || self.gvk.group == patch.gvk.group)
            && (patch.gvk.version.is_empty() || self.gvk.version == patch.gvk.version)
            && self.name == patch.name
            && ns_eq(&self.namespace, &patch.namespace)
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let g = if self.gvk.group.is_empty() {
            "[noGrp]"
        } else {
            &self.gvk.group
        };
        let ns = if self.namespace.is_empty() {
            "[noNs]"
        } else {
            &self.namespace
        };
        write!(
            f,
            "{}.{}.{}/{}.{}",
            self.gvk.kind, self.gvk.version, g, self.name, ns
        )
    }
}

/// One object in a build, with the ids it had before renames.
#[derive(Debug, Clone)]
pub(crate) struct Resource {
    pub(crate) obj: Value,
    /// Earlier ids, oldest first (names before prefixes, hashes and namespace changes).
    pub(crate) prev: Vec<Id>,
    /// A generated ConfigMap or Secret whose name gets the content-hash suffix.
    pub(crate) needs_hash: bool,
}

impl Resource {
    pub(crate) fn new(obj: Value) -> Resource {
        Resource {
            obj,
            prev: Vec::new(),
            needs_hash: false,
        }
    }

    pub(crate) fn id(&self) -> Id {
        Id {
            gvk: Gvk::of(&self.obj),
            name: self.name().to_owned(),
            namespace: self.namespace().to_owned(),
        }
    }

    pub(crate) fn name(&self) -> &str {
        self.obj
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("")
    }

    pub(crate) fn namespace(&self) -> &str {
        self.obj
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .unwrap_or("")
    }

    pub(crate) fn kind(&self) -> &str {
        self.obj.get("kind").and_then(Value::as_str).unwrap_or("")
    }

    /// The current id and every earlier one.
    pub(crate) fn all_ids(&self) -> Vec<Id> {
        let mut v = self.prev.clone();
        v.push(self.id());
        v
    }

    pub(crate) fn metadata_mut(&mut self) -> &mut Map<String, Value> {
        let obj = ensure_object(&mut self.obj);
        ensure_object(
            obj.entry("metadata")
                .or_insert_with(|| Value::Object(Map::new())),
        )
    }

    /// Renames (recording the old id) when the name changes.
    pub(crate) fn set_name(&mut self, name: String) {
        if name != self.name() {
            let old = self.id();
            self.prev.push(old);
            self.metadata_mut()
                .insert("name".into(), Value::String(name));
        }
    }

    pub(crate) fn set_namespace(&mut self, ns: &str) {
        if ns != self.namespace() {
            let old = self.id();
            self.prev.push(old);
            self.metadata_mut()
                .insert("namespace".into(), Value::String(ns.to_owned()));
        }
    }
}

/// Makes `v` an object (replacing a non-object) and returns it.
pub(crate) fn ensure_object(v: &mut Value) -> &mut Map<String, Value> {
    if !v.is_object() {
        *v = Value::Object(Map::new());
    }
    match v {
        Value::Object(m) => m,
        _ => unreachable_object(),
    }
}

#[allow(clippy::panic)] // reason: ensure_object has just made the value an object
fn unreachable_object() -> ! {
    panic!("value was just made an object")
}

const ORDER_FIRST: &[&str] = &[
    "Namespace",
    "ResourceQuota",
    "StorageClass",
    "CustomResourceDefinition",
    "ServiceAccount",
    "PodSecurityPolicy",
    "Role",
    "ClusterRole",
    "RoleBinding",
    "ClusterRoleBinding",
    "ConfigMap",
    "Secret",
    "Endpoints",
    "Service",
    "LimitRange",
    "PriorityClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "Deployment",
    "StatefulSet",
    "CronJob",
    "PodDisruptionBudget",
];

const ORDER_LAST: &[&str] = &[
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
];

fn kind_rank(kind: &str) -> i64 {
    if let Some(i) = ORDER_FIRST.iter().position(|k| *k == kind) {
        return i as i64 - ORDER_FIRST.len() as i64;
    }
    if let Some(i) = ORDER_LAST.iter().position(|k| *k == kind) {
        return i as i64 + 1;
    }
    0
}

/// kustomize's legacy order: by kind rank, then group/version/kind, then namespace, then name.
pub(crate) fn legacy_order(a: &Id, b: &Id) -> Ordering {
    let ka = (kind_rank(&a.gvk.kind), a.gvk.sort_string());
    let kb = (kind_rank(&b.gvk.kind), b.gvk.sort_string());
    let ns = |s: &str| {
        if s.is_empty() {
            "~X".to_owned()
        } else {
            s.to_owned()
        }
    };
    ka.cmp(&kb)
        .then_with(|| ns(&a.namespace).cmp(&ns(&b.namespace)))
        .then_with(|| a.name.cmp(&b.name))
}
