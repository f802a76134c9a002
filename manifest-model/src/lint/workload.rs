//! Objects that run pods, seen uniformly: their pod spec, template labels and replicas.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{Pod, PodSpec, PodTemplateSpec, ReplicationController};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

use crate::object::Object;
use crate::yaml::FieldPath;

/// A pod-running object.
#[derive(Debug)]
pub(crate) struct Workload<'a> {
    pub(crate) object: &'a Object,
    pub(crate) spec: &'a PodSpec,
    /// Path of the pod spec in the document.
    pub(crate) spec_path: FieldPath,
    /// Labels of the pods (template labels, or the Pod's own labels).
    pub(crate) labels: &'a BTreeMap<String, String>,
    /// `spec.replicas` if written (Deployment, StatefulSet, ReplicaSet, ReplicationController).
    pub(crate) replicas: Option<i32>,
    /// Whether the kind has replicas at all (and defaults to 1).
    pub(crate) replicated: bool,
    /// Jobs and CronJobs run to completion: no probes expected.
    pub(crate) batch: bool,
}

/// The labels of pods without any.
static NO_LABELS: BTreeMap<String, String> = BTreeMap::new();

fn template<'a>(
    object: &'a Object,
    t: Option<&'a PodTemplateSpec>,
    prefix: FieldPath,
) -> Option<(&'a PodSpec, FieldPath, &'a BTreeMap<String, String>)> {
    let _ = object;
    let t = t?;
    let spec = t.spec.as_ref()?;
    let labels = t
        .metadata
        .as_ref()
        .and_then(|m| m.labels.as_ref())
        .unwrap_or(&NO_LABELS);
    Some((spec, prefix.key("template").key("spec"), labels))
}

impl<'a> Workload<'a> {
    pub(crate) fn of(object: &'a Object) -> Option<Workload<'a>> {
        let spec = FieldPath::root().key("spec");
        let mk = |(pod, path, labels): (&'a PodSpec, FieldPath, &'a BTreeMap<String, String>),
                  replicas: Option<i32>,
                  replicated: bool,
                  batch: bool| Workload {
            object,
            spec: pod,
            spec_path: path,
            labels,
            replicas,
            replicated,
            batch,
        };
        if let Some(d) = object.typed::<Deployment>() {
            let s = d.spec.as_ref()?;
            return Some(mk(
                template(object, Some(&s.template), spec)?,
                s.replicas,
                true,
                false,
            ));
        }
        if let Some(d) = object.typed::<StatefulSet>() {
            let s = d.spec.as_ref()?;
            return Some(mk(
                template(object, Some(&s.template), spec)?,
                s.replicas,
                true,
                false,
            ));
        }
        if let Some(d) = object.typed::<ReplicaSet>() {
            let s = d.spec.as_ref()?;
            return Some(mk(
                template(object, s.template.as_ref(), spec)?,
                s.replicas,
                true,
                false,
            ));
        }
        if let Some(d) = object.typed::<ReplicationController>() {
            let s = d.spec.as_ref()?;
            return Some(mk(
                template(object, s.template.as_ref(), spec)?,
                s.replicas,
                true,
                false,
            ));
        }
        if let Some(d) = object.typed::<DaemonSet>() {
            let s = d.spec.as_ref()?;
            return Some(mk(
                template(object, Some(&s.template), spec)?,
                None,
                false,
                false,
            ));
        }
        if let Some(d) = object.typed::<Job>() {
            let s = d.spec.as_ref()?;
            return Some(mk(
                template(object, Some(&s.template), spec)?,
                None,
                false,
                true,
            ));
        }
        if let Some(d) = object.typed::<CronJob>() {
            let s = d.spec.as_ref()?;
            let j = s.job_template.spec.as_ref()?;
            let prefix = spec.key("jobTemplate").key("spec");
            return Some(mk(
                template(object, Some(&j.template), prefix)?,
                None,
                false,
                true,
            ));
        }
        if let Some(p) = object.typed::<Pod>() {
            let s = p.spec.as_ref()?;
            let labels = p.metadata.labels.as_ref().unwrap_or(&NO_LABELS);
            return Some(mk((s, spec, labels), None, false, false));
        }
        None
    }

    /// The replica count in effect (1 when not written).
    pub(crate) fn effective_replicas(&self) -> Option<i32> {
        self.replicated.then(|| self.replicas.unwrap_or(1))
    }
}

/// Whether `selector` selects pods labelled `labels` (an empty selector selects everything).
pub(crate) fn selector_matches(
    selector: &LabelSelector,
    labels: &BTreeMap<String, String>,
) -> bool {
    if let Some(ml) = &selector.match_labels {
        for (k, v) in ml {
            if labels.get(k) != Some(v) {
                return false;
            }
        }
    }
    for e in selector.match_expressions.iter().flatten() {
        let value = labels.get(&e.key);
        let values = e.values.as_deref().unwrap_or(&[]);
        let ok = match e.operator.as_str() {
            "In" => value.is_some_and(|v| values.contains(v)),
            "NotIn" => value.is_none_or(|v| !values.contains(v)),
            "Exists" => value.is_some(),
            "DoesNotExist" => value.is_none(),
            _ => false,
        };
        if !ok {
            return false;
        }
    }
    true
}

/// Whether a plain map selector (Service, ServiceMonitor `matchLabels`) selects `labels`.
pub(crate) fn map_selects(
    selector: &BTreeMap<String, String>,
    labels: &BTreeMap<String, String>,
) -> bool {
    selector.iter().all(|(k, v)| labels.get(k) == Some(v))
}
