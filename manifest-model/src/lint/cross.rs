//! Checks across one set of objects.

use std::collections::{BTreeMap, HashMap};

use k8s_openapi::api::autoscaling::v1::HorizontalPodAutoscaler as HpaV1;
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler as HpaV2;
use k8s_openapi::api::core::v1::{PodSpec, Service};
use k8s_openapi::api::networking::v1::{Ingress, IngressServiceBackend, NetworkPolicy};
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use k8s_openapi::api::rbac::v1::{ClusterRoleBinding, RoleBinding, RoleRef, Subject};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::Sink;
use super::workload::{Workload, map_selects, selector_matches};
use crate::diagnostic::Severity;
use crate::object::Object;
use crate::yaml::FieldPath;

/// Objects without a namespace match any namespace (kustomize bases usually omit it).
fn same_ns(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (Some(x), Some(y)) => x == y,
        _ => true,
    }
}

struct Index<'a> {
    objects: &'a [Object],
    services: Vec<(&'a Object, &'a Service)>,
    /// Objects by `(kind, name)`: lookups stay linear in the matches, not in the set.
    by_name: HashMap<(&'a str, &'a str), Vec<&'a Object>>,
    services_by_name: HashMap<&'a str, Vec<(&'a Object, &'a Service)>>,
}

impl<'a> Index<'a> {
    fn new(objects: &'a [Object]) -> Index<'a> {
        let services: Vec<(&Object, &Service)> = objects
            .iter()
            .filter_map(|o| o.typed::<Service>().map(|s| (o, s)))
            .collect();
        let mut by_name: HashMap<(&str, &str), Vec<&Object>> = HashMap::new();
        for o in objects {
            by_name.entry((o.kind(), o.name())).or_default().push(o);
        }
        let mut services_by_name: HashMap<&str, Vec<(&Object, &Service)>> = HashMap::new();
        for (o, s) in &services {
            services_by_name.entry(o.name()).or_default().push((o, s));
        }
        Index {
            objects,
            services,
            by_name,
            services_by_name,
        }
    }

    fn find(&self, kind: &str, name: &str, ns: Option<&str>) -> Option<&'a Object> {
        self.by_name
            .get(&(kind, name))?
            .iter()
            .find(|o| same_ns(o.namespace(), ns))
            .copied()
    }

    fn service(&self, name: &str, ns: Option<&str>) -> Option<(&'a Object, &'a Service)> {
        self.services_by_name
            .get(name)?
            .iter()
            .find(|(o, _)| same_ns(o.namespace(), ns))
            .copied()
    }
}

/// Workloads by pod label, so that a selector with `matchLabels` only looks at the workloads
/// carrying its rarest label instead of at every workload.
struct PodLabels<'a> {
    by_label: HashMap<&'a str, HashMap<&'a str, Vec<usize>>>,
    all: Vec<usize>,
}

impl<'a> PodLabels<'a> {
    fn new(workloads: &'a [Workload<'_>]) -> PodLabels<'a> {
        let mut by_label: HashMap<&str, HashMap<&str, Vec<usize>>> = HashMap::new();
        for (i, w) in workloads.iter().enumerate() {
            for (k, v) in w.labels {
                by_label
                    .entry(k.as_str())
                    .or_default()
                    .entry(v.as_str())
                    .or_default()
                    .push(i);
            }
        }
        PodLabels {
            by_label,
            all: (0..workloads.len()).collect(),
        }
    }

    /// Indices (ascending) of the workloads whose labels may satisfy `required`: all of them
    /// when nothing is required, none when a required label is on no workload.
    fn candidates(&self, required: Option<&BTreeMap<String, String>>) -> &[usize] {
        let mut best: Option<&[usize]> = None;
        for (k, v) in required.into_iter().flatten() {
            match self
                .by_label
                .get(k.as_str())
                .and_then(|m| m.get(v.as_str()))
            {
                None => return &[],
                Some(list) => {
                    if best.is_none_or(|b| list.len() < b.len()) {
                        best = Some(list);
                    }
                }
            }
        }
        best.unwrap_or(&self.all)
    }
}

/// An HPA and the object it scales, if that is in the set.
struct Scaler<'a> {
    object: &'a Object,
    kind: String,
    name: String,
    /// `spec.minReplicas` (1 when not written).
    min_replicas: i32,
    target: Option<&'a Object>,
}

fn scalers<'a>(idx: &Index<'a>) -> Vec<Scaler<'a>> {
    let mut out = Vec::new();
    for o in idx.objects {
        let target = if let Some(h) = o.typed::<HpaV2>() {
            h.spec.as_ref().map(|s| {
                (
                    s.scale_target_ref.kind.clone(),
                    s.scale_target_ref.name.clone(),
                    s.min_replicas,
                )
            })
        } else if let Some(h) = o.typed::<HpaV1>() {
            h.spec.as_ref().map(|s| {
                (
                    s.scale_target_ref.kind.clone(),
                    s.scale_target_ref.name.clone(),
                    s.min_replicas,
                )
            })
        } else {
            continue;
        };
        let Some((kind, name, min)) = target else {
            continue;
        };
        let target = idx.find(&kind, &name, o.namespace());
        out.push(Scaler {
            object: o,
            kind,
            name,
            min_replicas: min.unwrap_or(1),
            target,
        });
    }
    out
}

/// Workload indices by object identity.
fn workload_positions(workloads: &[Workload<'_>]) -> HashMap<*const Object, usize> {
    workloads
        .iter()
        .enumerate()
        .map(|(i, w)| (std::ptr::from_ref(w.object), i))
        .collect()
}

fn service_selects(svc: &Service, svc_obj: &Object, w: &Workload<'_>) -> bool {
    let Some(sel) = svc.spec.as_ref().and_then(|s| s.selector.as_ref()) else {
        return false;
    };
    !sel.is_empty()
        && same_ns(svc_obj.namespace(), w.object.namespace())
        && map_selects(sel, w.labels)
}

/// Ingress service backends with their paths.
fn ingress_backends(ing: &Ingress) -> Vec<(FieldPath, &IngressServiceBackend)> {
    let mut out = Vec::new();
    let spec_path = FieldPath::root().key("spec");
    let Some(spec) = &ing.spec else {
        return out;
    };
    if let Some(svc) = spec
        .default_backend
        .as_ref()
        .and_then(|b| b.service.as_ref())
    {
        out.push((spec_path.key("defaultBackend").key("service"), svc));
    }
    for (i, rule) in spec.rules.iter().flatten().enumerate() {
        for (j, p) in rule.http.iter().flat_map(|h| h.paths.iter()).enumerate() {
            if let Some(svc) = p.backend.service.as_ref() {
                let path = spec_path
                    .key("rules")
                    .index(i)
                    .key("http")
                    .key("paths")
                    .index(j)
                    .key("backend")
                    .key("service");
                out.push((path, svc));
            }
        }
    }
    out
}

pub(super) fn cross_checks(objects: &[Object], workloads: &[Workload<'_>], sink: &mut Sink<'_>) {
    let idx = Index::new(objects);
    let labels = PodLabels::new(workloads);
    let scalers = scalers(&idx);
    let positions = workload_positions(workloads);
    services_checks(&idx, workloads, &labels, sink);
    ingress_checks(&idx, sink);
    pdb_checks(objects, workloads, &labels, &scalers, sink);
    hpa_checks(&scalers, workloads, &positions, sink);
    statefulset_checks(&idx, sink);
    reference_checks(&idx, workloads, sink);
    rbac_checks(&idx, sink);
    network_policy_checks(objects, workloads, &labels, sink);
    service_monitor_checks(&idx, sink);
    prometheus_flag_checks(&idx, objects, workloads, sink);
}

fn services_checks(
    idx: &Index<'_>,
    workloads: &[Workload<'_>],
    labels: &PodLabels<'_>,
    sink: &mut Sink<'_>,
) {
    for (o, svc) in &idx.services {
        let Some(spec) = &svc.spec else { continue };
        if spec.type_.as_deref() == Some("ExternalName") {
            continue;
        }
        let Some(sel) = spec.selector.as_ref().filter(|s| !s.is_empty()) else {
            continue;
        };
        if !labels
            .candidates(Some(sel))
            .iter()
            .filter_map(|i| workloads.get(*i))
            .any(|w| service_selects(svc, o, w))
        {
            let labels: Vec<String> = sel.iter().map(|(k, v)| format!("{k}={v}")).collect();
            sink.emit(
                o,
                "k8s/service-selects-nothing",
                &FieldPath::root().key("spec").key("selector"),
                format!(
                    "Service {} selects {} but no pod template in the set has these labels",
                    o.name(),
                    labels.join(",")
                ),
            );
        }
    }
}

fn ingress_checks(idx: &Index<'_>, sink: &mut Sink<'_>) {
    for o in idx.objects {
        let Some(ing) = o.typed::<Ingress>() else {
            continue;
        };
        for (path, backend) in ingress_backends(ing) {
            let Some((_, svc)) = idx.service(&backend.name, o.namespace()) else {
                sink.emit(
                    o,
                    "k8s/ingress-backend-missing",
                    &path.key("name"),
                    format!(
                        "Ingress {} routes to Service `{}`, which is not in the set",
                        o.name(),
                        backend.name
                    ),
                );
                continue;
            };
            let Some(port) = &backend.port else { continue };
            let ports = svc.spec.as_ref().and_then(|s| s.ports.as_ref());
            let (ok, shown, field) = match (&port.number, &port.name) {
                (Some(n), _) => (
                    ports.is_some_and(|ps| ps.iter().any(|p| p.port == *n)),
                    n.to_string(),
                    "number",
                ),
                (None, Some(name)) => (
                    ports.is_some_and(|ps| ps.iter().any(|p| p.name.as_deref() == Some(name))),
                    name.clone(),
                    "name",
                ),
                (None, None) => (true, String::new(), "number"),
            };
            if !ok {
                sink.emit(
                    o,
                    "k8s/ingress-backend-missing",
                    &path.key("port").key(field),
                    format!(
                        "Ingress {} routes to port {shown} of Service `{}`, which has no such port",
                        o.name(),
                        backend.name
                    ),
                );
            }
        }
    }
}

fn blocks_drain(
    spec_min: Option<&IntOrString>,
    spec_max: Option<&IntOrString>,
    replicas: i32,
) -> bool {
    match (spec_min, spec_max) {
        (Some(IntOrString::Int(n)), _) => *n >= replicas,
        (Some(IntOrString::String(s)), _) => s.trim() == "100%",
        (None, Some(IntOrString::Int(0))) => true,
        (None, Some(IntOrString::String(s))) => s.trim() == "0%",
        _ => false,
    }
}

fn pdb_checks(
    objects: &[Object],
    workloads: &[Workload<'_>],
    labels: &PodLabels<'_>,
    scalers: &[Scaler<'_>],
    sink: &mut Sink<'_>,
) {
    let pdbs: Vec<(&Object, &PodDisruptionBudget)> = objects
        .iter()
        .filter_map(|o| o.typed::<PodDisruptionBudget>().map(|p| (o, p)))
        .collect();
    let selects = |pdb_obj: &Object, pdb: &PodDisruptionBudget, w: &Workload<'_>| {
        let sel = pdb.spec.as_ref().and_then(|s| s.selector.as_ref());
        sel.is_some_and(|s| selector_matches(s, w.labels))
            && same_ns(pdb_obj.namespace(), w.object.namespace())
    };
    let mut scaled: HashMap<*const Object, &Scaler<'_>> = HashMap::new();
    for s in scalers {
        if let Some(t) = s.target {
            scaled.entry(std::ptr::from_ref(t)).or_insert(s);
        }
    }
    // Whether some PodDisruptionBudget selects each workload.
    let mut covered = vec![false; workloads.len()];
    for (o, pdb) in &pdbs {
        let spec_path = FieldPath::root().key("spec");
        let required = pdb
            .spec
            .as_ref()
            .and_then(|s| s.selector.as_ref())
            .and_then(|s| s.match_labels.as_ref());
        let matched: Vec<&Workload<'_>> = labels
            .candidates(required)
            .iter()
            .filter(|i| workloads.get(**i).is_some_and(|w| selects(o, pdb, w)))
            .filter_map(|i| {
                if let Some(c) = covered.get_mut(*i) {
                    *c = true;
                }
                workloads.get(*i)
            })
            .collect();
        if matched.is_empty() {
            sink.emit(
                o,
                "k8s/pdb-selects-nothing",
                &spec_path.key("selector"),
                format!(
                    "PodDisruptionBudget {} matches no pod template in the set",
                    o.name()
                ),
            );
            continue;
        }
        let spec = pdb.spec.as_ref();
        for w in matched {
            // An HPA owns the replica count of what it scales: its minimum is the count the
            // budget must leave room in.
            let scaler = scaled.get(&std::ptr::from_ref(w.object));
            let replicas = match scaler {
                Some(s) => s.min_replicas,
                None => match w.effective_replicas() {
                    Some(r) => r,
                    None => continue,
                },
            };
            if blocks_drain(
                spec.and_then(|s| s.min_available.as_ref()),
                spec.and_then(|s| s.max_unavailable.as_ref()),
                replicas,
            ) {
                let field = if spec.and_then(|s| s.min_available.as_ref()).is_some() {
                    "minAvailable"
                } else {
                    "maxUnavailable"
                };
                let count = match scaler {
                    Some(s) => format!(
                        "{replicas} replicas at the minimum of HorizontalPodAutoscaler {}",
                        s.object.name()
                    ),
                    None => format!("{replicas} replicas"),
                };
                sink.emit(
                    o,
                    "k8s/pdb-blocks-drain",
                    &spec_path.key(field),
                    format!("PodDisruptionBudget {} allows no disruption of {} ({count}): node drains block", o.name(), w.object.display_name()),
                );
            }
        }
    }
    for (w, covered) in workloads.iter().zip(covered) {
        let Some(replicas) = w.effective_replicas() else {
            continue;
        };
        if replicas > 1 && !covered {
            sink.emit(
                w.object,
                "k8s/pdb-missing",
                &FieldPath::root().key("spec").key("replicas"),
                format!(
                    "{} runs {replicas} replicas and no PodDisruptionBudget covers them",
                    w.object.display_name()
                ),
            );
        }
    }
}

fn hpa_checks(
    scalers: &[Scaler<'_>],
    workloads: &[Workload<'_>],
    positions: &HashMap<*const Object, usize>,
    sink: &mut Sink<'_>,
) {
    for s in scalers {
        let (o, kind, name) = (s.object, &s.kind, &s.name);
        let path = FieldPath::root().key("spec").key("scaleTargetRef");
        match s.target {
            None => sink.emit(
                o,
                "k8s/hpa-target-missing",
                &path.key("name"),
                format!(
                    "HorizontalPodAutoscaler {} scales {kind} `{name}`, which is not in the set",
                    o.name()
                ),
            ),
            Some(t) => {
                if let Some(w) = positions
                    .get(&std::ptr::from_ref(t))
                    .and_then(|i| workloads.get(*i))
                    && w.replicas.is_some()
                {
                    sink.emit(
                        t,
                        "k8s/hpa-replicas-pinned",
                        &FieldPath::root().key("spec").key("replicas"),
                        format!("{} sets spec.replicas but HorizontalPodAutoscaler {} scales it: every apply resets the count", t.display_name(), o.name()),
                    );
                }
            }
        }
    }
}

fn statefulset_checks(idx: &Index<'_>, sink: &mut Sink<'_>) {
    use k8s_openapi::api::apps::v1::StatefulSet;
    for o in idx.objects {
        let Some(sts) = o.typed::<StatefulSet>() else {
            continue;
        };
        let Some(name) = sts.spec.as_ref().and_then(|s| s.service_name.as_deref()) else {
            continue;
        };
        if name.is_empty() {
            continue;
        }
        let path = FieldPath::root().key("spec").key("serviceName");
        match idx.service(name, o.namespace()) {
            None => sink.emit(
                o,
                "k8s/statefulset-service",
                &path,
                format!("StatefulSet {} names serviceName `{name}` but no such Service is in the set: pods get no stable DNS names", o.name()),
            ),
            Some((_, svc)) => {
                let headless = svc
                    .spec
                    .as_ref()
                    .and_then(|s| s.cluster_ip.as_deref())
                    == Some("None");
                if !headless {
                    sink.emit(
                        o,
                        "k8s/statefulset-service",
                        &path,
                        format!("StatefulSet {} names serviceName `{name}`, but that Service is not headless (clusterIP: None)", o.name()),
                    );
                }
            }
        }
    }
}

/// `(kind, name, path, optional)` of every ConfigMap, Secret and PVC a pod spec references.
fn pod_references(spec: &PodSpec, sp: &FieldPath) -> Vec<(&'static str, String, FieldPath)> {
    let mut out = Vec::new();
    for (i, v) in spec.volumes.iter().flatten().enumerate() {
        let vp = sp.key("volumes").index(i);
        if let Some(cm) = &v.config_map
            && cm.optional != Some(true)
        {
            out.push((
                "ConfigMap",
                cm.name.clone(),
                vp.key("configMap").key("name"),
            ));
        }
        if let Some(s) = &v.secret
            && s.optional != Some(true)
            && let Some(name) = &s.secret_name
        {
            out.push(("Secret", name.clone(), vp.key("secret").key("secretName")));
        }
        if let Some(pvc) = &v.persistent_volume_claim {
            out.push((
                "PersistentVolumeClaim",
                pvc.claim_name.clone(),
                vp.key("persistentVolumeClaim").key("claimName"),
            ));
        }
        for (j, src) in v
            .projected
            .iter()
            .flat_map(|p| p.sources.iter().flatten())
            .enumerate()
        {
            let pp = vp.key("projected").key("sources").index(j);
            if let Some(cm) = &src.config_map
                && cm.optional != Some(true)
            {
                out.push((
                    "ConfigMap",
                    cm.name.clone(),
                    pp.key("configMap").key("name"),
                ));
            }
            if let Some(s) = &src.secret
                && s.optional != Some(true)
            {
                out.push(("Secret", s.name.clone(), pp.key("secret").key("name")));
            }
        }
    }
    let containers = spec
        .containers
        .iter()
        .enumerate()
        .map(|(i, c)| (sp.key("containers").index(i), c))
        .chain(
            spec.init_containers
                .iter()
                .flatten()
                .enumerate()
                .map(|(i, c)| (sp.key("initContainers").index(i), c)),
        );
    for (cp, c) in containers {
        for (i, ef) in c.env_from.iter().flatten().enumerate() {
            let ep = cp.key("envFrom").index(i);
            if let Some(r) = &ef.config_map_ref
                && r.optional != Some(true)
            {
                out.push((
                    "ConfigMap",
                    r.name.clone(),
                    ep.key("configMapRef").key("name"),
                ));
            }
            if let Some(r) = &ef.secret_ref
                && r.optional != Some(true)
            {
                out.push(("Secret", r.name.clone(), ep.key("secretRef").key("name")));
            }
        }
        for (i, e) in c.env.iter().flatten().enumerate() {
            let vp = cp.key("env").index(i).key("valueFrom");
            let Some(vf) = &e.value_from else { continue };
            if let Some(r) = &vf.config_map_key_ref
                && r.optional != Some(true)
            {
                out.push((
                    "ConfigMap",
                    r.name.clone(),
                    vp.key("configMapKeyRef").key("name"),
                ));
            }
            if let Some(r) = &vf.secret_key_ref
                && r.optional != Some(true)
            {
                out.push(("Secret", r.name.clone(), vp.key("secretKeyRef").key("name")));
            }
        }
    }
    out
}

fn reference_checks(idx: &Index<'_>, workloads: &[Workload<'_>], sink: &mut Sink<'_>) {
    for w in workloads {
        for (kind, name, path) in pod_references(w.spec, &w.spec_path) {
            if name.is_empty() {
                continue;
            }
            if idx.find(kind, &name, w.object.namespace()).is_none() {
                sink.emit(
                    w.object,
                    "k8s/reference-missing",
                    &path,
                    format!(
                        "{} references {kind} `{name}`, which is not in the set",
                        w.object.display_name()
                    ),
                );
            }
        }
    }
}

fn builtin_cluster_role(name: &str) -> bool {
    matches!(name, "cluster-admin" | "admin" | "edit" | "view") || name.starts_with("system:")
}

fn rbac_checks(idx: &Index<'_>, sink: &mut Sink<'_>) {
    for o in idx.objects {
        let (role_ref, subjects): (&RoleRef, Option<&Vec<Subject>>) =
            if let Some(b) = o.typed::<RoleBinding>() {
                (&b.role_ref, b.subjects.as_ref())
            } else if let Some(b) = o.typed::<ClusterRoleBinding>() {
                (&b.role_ref, b.subjects.as_ref())
            } else {
                continue;
            };
        let root = FieldPath::root();
        let missing_role = match role_ref.kind.as_str() {
            "Role" => idx.find("Role", &role_ref.name, o.namespace()).is_none(),
            "ClusterRole" => {
                !builtin_cluster_role(&role_ref.name)
                    && idx.find("ClusterRole", &role_ref.name, None).is_none()
            }
            _ => false,
        };
        if missing_role {
            sink.emit(
                o,
                "k8s/rolebinding-ref-missing",
                &root.key("roleRef").key("name"),
                format!(
                    "{} binds {} `{}`, which is not in the set",
                    o.display_name(),
                    role_ref.kind,
                    role_ref.name
                ),
            );
        }
        for (i, s) in subjects.into_iter().flatten().enumerate() {
            if s.kind != "ServiceAccount" || s.name == "default" {
                continue;
            }
            let ns = s.namespace.as_deref().or(o.namespace());
            if idx.find("ServiceAccount", &s.name, ns).is_none() {
                sink.emit(
                    o,
                    "k8s/rolebinding-ref-missing",
                    &root.key("subjects").index(i).key("name"),
                    format!(
                        "{} binds ServiceAccount `{}`{}, which is not in the set",
                        o.display_name(),
                        s.name,
                        ns.map_or_else(String::new, |n| format!(" in namespace {n}"))
                    ),
                );
            }
        }
    }
}

fn network_policy_checks(
    objects: &[Object],
    workloads: &[Workload<'_>],
    labels: &PodLabels<'_>,
    sink: &mut Sink<'_>,
) {
    for o in objects {
        let Some(np) = o.typed::<NetworkPolicy>() else {
            continue;
        };
        let Some(sel) = np.spec.as_ref().and_then(|s| s.pod_selector.as_ref()) else {
            continue;
        };
        let empty = sel.match_labels.as_ref().is_none_or(BTreeMap::is_empty)
            && sel.match_expressions.as_ref().is_none_or(Vec::is_empty);
        if empty {
            continue;
        }
        if !labels
            .candidates(sel.match_labels.as_ref())
            .iter()
            .filter_map(|i| workloads.get(*i))
            .any(|w| {
                same_ns(o.namespace(), w.object.namespace()) && selector_matches(sel, w.labels)
            })
        {
            sink.emit(
                o,
                "k8s/networkpolicy-selects-nothing",
                &FieldPath::root().key("spec").key("podSelector"),
                format!(
                    "NetworkPolicy {} selects no pod template in the set",
                    o.name()
                ),
            );
        }
    }
}

fn service_monitor_checks(idx: &Index<'_>, sink: &mut Sink<'_>) {
    for o in idx.objects {
        if o.kind() != "ServiceMonitor" || o.group() != "monitoring.coreos.com" {
            continue;
        }
        let json = o.to_json();
        let spec = &json["spec"];
        let selector: LabelSelector =
            serde_json::from_value(spec["selector"].clone()).unwrap_or_default();
        let any_ns = spec["namespaceSelector"]["any"].as_bool() == Some(true);
        let names: Vec<&str> = spec["namespaceSelector"]["matchNames"]
            .as_array()
            .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
            .unwrap_or_default();
        let matched: Vec<&Service> = idx
            .services
            .iter()
            .filter(|(so, _)| {
                if any_ns {
                    true
                } else if !names.is_empty() {
                    so.namespace().is_none_or(|n| names.contains(&n))
                } else {
                    same_ns(so.namespace(), o.namespace())
                }
            })
            .filter(|(so, _)| {
                selector_matches(&selector, &so.metadata().labels.clone().unwrap_or_default())
            })
            .map(|(_, s)| *s)
            .collect();
        let spec_path = FieldPath::root().key("spec");
        if matched.is_empty() {
            sink.emit(
                o,
                "k8s/servicemonitor-selects-nothing",
                &spec_path.key("selector"),
                format!("ServiceMonitor {} selects no Service in the set", o.name()),
            );
            continue;
        }
        for (i, ep) in spec["endpoints"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
        {
            let Some(port) = ep["port"].as_str() else {
                continue;
            };
            let found = matched.iter().any(|s| {
                s.spec
                    .as_ref()
                    .and_then(|sp| sp.ports.as_ref())
                    .is_some_and(|ps| ps.iter().any(|p| p.name.as_deref() == Some(port)))
            });
            if !found {
                sink.emit(
                    o,
                    "k8s/servicemonitor-selects-nothing",
                    &spec_path.key("endpoints").index(i).key("port"),
                    format!(
                        "ServiceMonitor {} scrapes port `{port}`, which no selected Service names",
                        o.name()
                    ),
                );
            }
        }
    }
}

const DANGEROUS_PROMETHEUS_FLAGS: &[&str] = &["--web.enable-admin-api", "--web.enable-lifecycle"];

fn prometheus_flag_checks(
    idx: &Index<'_>,
    objects: &[Object],
    workloads: &[Workload<'_>],
    sink: &mut Sink<'_>,
) {
    let ingresses: Vec<(&Object, &Ingress)> = objects
        .iter()
        .filter_map(|o| o.typed::<Ingress>().map(|i| (o, i)))
        .collect();
    for w in workloads {
        let has_flag = w.spec.containers.iter().any(|c| {
            c.command
                .iter()
                .chain(c.args.iter())
                .flatten()
                .any(|a| DANGEROUS_PROMETHEUS_FLAGS.iter().any(|f| a.starts_with(f)))
        });
        if !has_flag {
            continue;
        }
        // The Ingresses that route to a Service selecting this workload's pods.
        let exposed_by: Vec<String> = ingresses
            .iter()
            .filter(|(o, ing)| {
                ingress_backends(ing).iter().any(|(_, b)| {
                    idx.service(&b.name, o.namespace())
                        .is_some_and(|(so, s)| service_selects(s, so, w))
                })
            })
            .map(|(o, _)| o.name().to_owned())
            .collect();
        for (ci, c) in w.spec.containers.iter().enumerate() {
            let cp = w.spec_path.key("containers").index(ci);
            for (field, list) in [("command", c.command.as_ref()), ("args", c.args.as_ref())] {
                for (i, arg) in list.into_iter().flatten().enumerate() {
                    let flag = arg.split('=').next().unwrap_or(arg);
                    let value = arg.split_once('=').map(|(_, v)| v);
                    if !DANGEROUS_PROMETHEUS_FLAGS.contains(&flag) || value == Some("false") {
                        continue;
                    }
                    let path = cp.key(field).index(i);
                    if let Some(ing) = exposed_by.first() {
                        sink.emit_at(
                            w.object,
                            "k8s/prometheus-admin-api",
                            Severity::Error,
                            &path,
                            format!("{} enables {flag} and Ingress {ing} exposes it: anyone who passes the ingress can delete data or stop the server", w.object.display_name()),
                        );
                    } else {
                        sink.emit(
                            w.object,
                            "k8s/prometheus-admin-api",
                            &path,
                            format!(
                                "{} enables {flag}: these endpoints have no authentication",
                                w.object.display_name()
                            ),
                        );
                    }
                }
            }
        }
    }
}
