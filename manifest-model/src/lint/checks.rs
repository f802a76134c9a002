//! Checks of one object at a time.

use k8s_openapi::api::core::v1::{ConfigMap, Container, Secret, Service};
use k8s_openapi::api::networking::v1::Ingress;
use k8s_openapi::api::rbac::v1::{ClusterRole, PolicyRule, Role};

use super::Sink;
use super::quantity::parse_quantity;
use super::workload::Workload;
use crate::diagnostic::Severity;
use crate::object::Object;
use crate::yaml::FieldPath;

const SECRET_WORDS: &[&str] = &[
    "password",
    "passwd",
    "secret",
    "token",
    "apikey",
    "api_key",
    "api-key",
    "private_key",
    "privatekey",
    "credential",
    "access_key",
];

/// Whether a key or variable name looks like it holds a secret.
pub(crate) fn secret_like(name: &str) -> bool {
    let lower = name.to_lowercase();
    SECRET_WORDS.iter().any(|w| lower.contains(w))
}

const PLACEHOLDERS: &[&str] = &[
    "admin",
    "password",
    "changeme",
    "change-me",
    "changeit",
    "secret",
    "123456",
    "12345678",
    "root",
    "toor",
    "default",
    "letmein",
    "passw0rd",
    "p@ssw0rd",
    "admin123",
    "guest",
    "test",
];

/// Whether a value is a well-known placeholder credential.
pub(crate) fn placeholder(value: &str) -> bool {
    PLACEHOLDERS.contains(&value.to_lowercase().as_str())
}

pub(super) fn object_checks(object: &Object, sink: &mut Sink<'_>) {
    let root = FieldPath::root();
    if object.namespaced() == Some(true) {
        match object.namespace() {
            None => sink.emit(
                object,
                "k8s/default-namespace",
                &root.key("metadata"),
                format!("{} has no namespace: it goes to the default namespace (or whatever the kubectl context says)", object.display_name()),
            ),
            Some("default") => sink.emit(
                object,
                "k8s/default-namespace",
                &root.key("metadata").key("namespace"),
                format!("{} is in the default namespace", object.display_name()),
            ),
            Some(_) => {}
        }
    }
    if let Some(cm) = object.typed::<ConfigMap>() {
        for (k, v) in cm.data.iter().flatten() {
            let path = root.key("data").key(k);
            if secret_like(k) && !v.is_empty() {
                sink.emit(
                    object,
                    "k8s/secret-in-configmap",
                    &path,
                    format!("ConfigMap key `{k}` looks like a secret"),
                );
            }
            if secret_like(k) && placeholder(v.trim()) {
                sink.emit(
                    object,
                    "k8s/placeholder-credentials",
                    &path,
                    format!("`{k}` is set to the placeholder `{}`", v.trim()),
                );
            }
        }
    }
    if let Some(secret) = object.typed::<Secret>() {
        for (k, v) in secret.string_data.iter().flatten() {
            if placeholder(v.trim()) {
                sink.emit(
                    object,
                    "k8s/placeholder-credentials",
                    &root.key("stringData").key(k),
                    format!("secret key `{k}` is the placeholder `{}`", v.trim()),
                );
            }
        }
        for (k, v) in secret.data.iter().flatten() {
            if let Ok(text) = std::str::from_utf8(&v.0)
                && placeholder(text.trim())
            {
                sink.emit(
                    object,
                    "k8s/placeholder-credentials",
                    &root.key("data").key(k),
                    format!(
                        "secret key `{k}` decodes to the placeholder `{}`",
                        text.trim()
                    ),
                );
            }
        }
    }
    if let Some(ing) = object.typed::<Ingress>() {
        let has_tls = ing
            .spec
            .as_ref()
            .and_then(|s| s.tls.as_ref())
            .is_some_and(|t| !t.is_empty());
        if !has_tls {
            sink.emit(
                object,
                "k8s/ingress-tls",
                &root.key("spec"),
                format!(
                    "Ingress {} has no tls section: traffic is served over plain HTTP",
                    object.name()
                ),
            );
        }
    }
    if let Some(svc) = object.typed::<Service>()
        && let Some(spec) = &svc.spec
        && spec.type_.as_deref() == Some("LoadBalancer")
        && spec
            .load_balancer_source_ranges
            .as_ref()
            .is_none_or(Vec::is_empty)
    {
        sink.emit(
            object,
            "k8s/loadbalancer-source-ranges",
            &root.key("spec").key("type"),
            format!(
                "LoadBalancer Service {} is open to 0.0.0.0/0: set loadBalancerSourceRanges",
                object.name()
            ),
        );
    }
    let rules: Option<&Vec<PolicyRule>> = if let Some(r) = object.typed::<Role>() {
        r.rules.as_ref()
    } else if let Some(r) = object.typed::<ClusterRole>() {
        r.rules.as_ref()
    } else {
        None
    };
    for (i, rule) in rules.into_iter().flatten().enumerate() {
        let path = root.key("rules").index(i);
        for (field, values) in [
            ("apiGroups", rule.api_groups.as_deref()),
            ("resources", rule.resources.as_deref()),
            ("verbs", Some(rule.verbs.as_slice())),
        ] {
            if let Some(pos) = values.unwrap_or(&[]).iter().position(|v| v == "*") {
                sink.emit(
                    object,
                    "k8s/rbac-wildcard",
                    &path.key(field).index(pos),
                    format!("rule {} grants `*` in {field}", i + 1),
                );
            }
        }
    }
}

/// What is wrong with an image reference's tag, if anything: none (implies `latest`) or
/// `latest`. A digest pins the image whatever the tag. Shared by the Kubernetes, compose and ECS
/// checks.
pub(crate) fn image_problem(image: &str) -> Option<&'static str> {
    if image.contains('@') {
        return None;
    }
    let last = image.rsplit('/').next().unwrap_or(image);
    match last.rsplit_once(':') {
        None => Some("has no tag (implies `latest`)"),
        Some((_, "latest")) => Some("uses the `latest` tag"),
        Some(_) => None,
    }
}

fn container_checks(
    w: &Workload<'_>,
    c: &Container,
    path: &FieldPath,
    init: bool,
    sink: &mut Sink<'_>,
) {
    let o = w.object;
    let name = &c.name;
    if let Some(image) = &c.image
        && let Some(problem) = image_problem(image)
    {
        sink.emit(
            o,
            "k8s/image-tag",
            &path.key("image"),
            format!("image `{image}` of container `{name}` {problem}"),
        );
    }
    // Resources.
    let res = c.resources.as_ref();
    let get = |which: &str, r: &str| {
        res.and_then(|rr| {
            if which == "requests" {
                rr.requests.as_ref()
            } else {
                rr.limits.as_ref()
            }
        })
        .and_then(|m| m.get(r))
        .map(|q| q.0.clone())
    };
    let mut missing = Vec::new();
    for which in ["requests", "limits"] {
        for r in ["cpu", "memory"] {
            if get(which, r).is_none() {
                missing.push(format!("{which}.{r}"));
            }
        }
    }
    if !missing.is_empty() {
        sink.emit(
            o,
            "k8s/resources-missing",
            &path.key("resources"),
            format!("container `{name}` has no {}", missing.join(", ")),
        );
    }
    for r in ["cpu", "memory"] {
        if let (Some(req), Some(lim)) = (get("requests", r), get("limits", r))
            && let (Some(rq), Some(lm)) = (parse_quantity(&req), parse_quantity(&lim))
            && rq > lm
        {
            sink.emit(
                o,
                "k8s/requests-above-limits",
                &path.key("resources").key("requests").key(r),
                format!("container `{name}` requests {r} {req}, above its limit {lim}"),
            );
        }
    }
    // Probes (long-running containers only).
    if !w.batch && !init {
        if c.liveness_probe.is_none() {
            sink.emit(
                o,
                "k8s/liveness-probe-missing",
                path,
                format!("container `{name}` has no livenessProbe"),
            );
        }
        if c.readiness_probe.is_none() {
            sink.emit(
                o,
                "k8s/readiness-probe-missing",
                path,
                format!("container `{name}` has no readinessProbe"),
            );
        }
    }
    // Security context.
    let sc = c.security_context.as_ref();
    let psc = w.spec.security_context.as_ref();
    let sc_path = path.key("securityContext");
    let run_as_user = sc
        .and_then(|s| s.run_as_user)
        .or_else(|| psc.and_then(|p| p.run_as_user));
    let non_root = sc
        .and_then(|s| s.run_as_non_root)
        .or_else(|| psc.and_then(|p| p.run_as_non_root));
    if run_as_user == Some(0) {
        sink.emit_at(
            o,
            "k8s/run-as-non-root",
            Severity::Error,
            &sc_path.key("runAsUser"),
            format!("container `{name}` runs as root (runAsUser: 0)"),
        );
    } else if non_root != Some(true) && run_as_user.is_none_or(|u| u <= 0) {
        sink.emit(
            o,
            "k8s/run-as-non-root",
            &sc_path,
            format!(
                "container `{name}` may run as root: set runAsNonRoot: true or a non-zero runAsUser"
            ),
        );
    }
    let privileged = sc.and_then(|s| s.privileged) == Some(true);
    if privileged {
        sink.emit(
            o,
            "k8s/privileged",
            &sc_path.key("privileged"),
            format!("container `{name}` is privileged"),
        );
    }
    if !privileged && sc.and_then(|s| s.allow_privilege_escalation) != Some(false) {
        sink.emit(
            o,
            "k8s/privilege-escalation",
            &sc_path,
            format!("container `{name}` does not set allowPrivilegeEscalation: false"),
        );
    }
    if sc.and_then(|s| s.read_only_root_filesystem) != Some(true) {
        sink.emit(
            o,
            "k8s/read-only-root-fs",
            &sc_path,
            format!("container `{name}` has a writable root filesystem"),
        );
    }
    let drops_all = sc
        .and_then(|s| s.capabilities.as_ref())
        .and_then(|c| c.drop.as_ref())
        .is_some_and(|d| d.iter().any(|x| x.eq_ignore_ascii_case("ALL")));
    if !drops_all {
        sink.emit(
            o,
            "k8s/capabilities-not-dropped",
            &sc_path,
            format!("container `{name}` does not drop ALL capabilities"),
        );
    }
    // Literal secrets and placeholder credentials.
    for (i, env) in c.env.iter().flatten().enumerate() {
        let Some(value) = env.value.as_deref() else {
            continue;
        };
        let epath = path.key("env").index(i).key("value");
        if secret_like(&env.name) && !value.is_empty() {
            sink.emit(
                o,
                "k8s/secret-in-env",
                &epath,
                format!(
                    "env `{}` of container `{name}` holds a literal secret",
                    env.name
                ),
            );
        }
        if secret_like(&env.name) && placeholder(value.trim()) {
            sink.emit(
                o,
                "k8s/placeholder-credentials",
                &epath,
                format!(
                    "env `{}` of container `{name}` is the placeholder `{value}`",
                    env.name
                ),
            );
        }
    }
    for (field, list) in [("command", c.command.as_ref()), ("args", c.args.as_ref())] {
        for (i, arg) in list.into_iter().flatten().enumerate() {
            if let Some((flag, value)) = arg.split_once('=')
                && secret_like(flag)
                && placeholder(value.trim_matches(['"', '\'']))
            {
                sink.emit(
                    o,
                    "k8s/placeholder-credentials",
                    &path.key(field).index(i),
                    format!("`{flag}` of container `{name}` is the placeholder `{value}`"),
                );
            }
        }
    }
}

pub(super) fn workload_checks(w: &Workload<'_>, sink: &mut Sink<'_>) {
    let o = w.object;
    let spec = w.spec;
    let sp = &w.spec_path;
    for (field, set, code) in [
        ("hostNetwork", spec.host_network, "k8s/host-network"),
        ("hostPID", spec.host_pid, "k8s/host-pid"),
        ("hostIPC", spec.host_ipc, "k8s/host-ipc"),
    ] {
        if set == Some(true) {
            sink.emit(
                o,
                code,
                &sp.key(field),
                format!("pod template sets {field}: true"),
            );
        }
    }
    for (i, v) in spec.volumes.iter().flatten().enumerate() {
        if let Some(hp) = &v.host_path {
            sink.emit(
                o,
                "k8s/host-path",
                &sp.key("volumes").index(i).key("hostPath"),
                format!("volume `{}` mounts host path {}", v.name, hp.path),
            );
        }
    }
    for (i, c) in spec.containers.iter().enumerate() {
        container_checks(w, c, &sp.key("containers").index(i), false, sink);
    }
    for (i, c) in spec.init_containers.iter().flatten().enumerate() {
        container_checks(w, c, &sp.key("initContainers").index(i), true, sink);
    }
    if let Some(replicas) = w.effective_replicas()
        && replicas > 1
    {
        let anti = spec
            .affinity
            .as_ref()
            .and_then(|a| a.pod_anti_affinity.as_ref())
            .is_some_and(|p| {
                p.required_during_scheduling_ignored_during_execution
                    .as_ref()
                    .is_some_and(|v| !v.is_empty())
                    || p.preferred_during_scheduling_ignored_during_execution
                        .as_ref()
                        .is_some_and(|v| !v.is_empty())
            });
        let spread = spec
            .topology_spread_constraints
            .as_ref()
            .is_some_and(|v| !v.is_empty());
        if !anti && !spread {
            sink.emit(
                o,
                "k8s/anti-affinity",
                &sp.key("affinity"),
                format!(
                    "{} runs {replicas} replicas without pod anti-affinity or topology spread",
                    o.display_name()
                ),
            );
        }
    }
    let sa = spec
        .service_account_name
        .as_deref()
        .or(spec.service_account.as_deref())
        .unwrap_or("default");
    if sa == "default" && spec.automount_service_account_token != Some(false) {
        sink.emit(
            o,
            "k8s/service-account-token",
            sp,
            format!("{} uses the default service account and mounts its token: set automountServiceAccountToken: false", o.display_name()),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images() {
        assert_eq!(
            image_problem("nginx"),
            Some("has no tag (implies `latest`)")
        );
        assert_eq!(image_problem("nginx:latest"), Some("uses the `latest` tag"));
        assert_eq!(
            image_problem("registry:5000/nginx"),
            Some("has no tag (implies `latest`)")
        );
        assert_eq!(image_problem("registry:5000/nginx:1.25"), None);
        assert_eq!(image_problem("nginx@sha256:abc"), None);
    }

    #[test]
    fn words() {
        assert!(secret_like("DB_PASSWORD"));
        assert!(secret_like("GITHUB_TOKEN"));
        assert!(!secret_like("LOG_LEVEL"));
        assert!(placeholder("Admin"));
        assert!(!placeholder("x9$kQ2"));
    }
}
