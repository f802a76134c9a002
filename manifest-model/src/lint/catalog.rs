//! The documented list of lint checks.

use serde::Serialize;

use crate::diagnostic::Severity;

/// The documentation of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CheckInfo {
    /// Stable code, e.g. `k8s/run-as-non-root`.
    pub code: &'static str,
    /// Default severity.
    pub severity: Severity,
    /// What the check finds.
    pub what: &'static str,
    /// Why it matters.
    pub why: &'static str,
    /// How to fix it.
    pub fix: &'static str,
    /// Whether it looks at several objects together.
    pub cross_object: bool,
}

const fn c(
    code: &'static str,
    severity: Severity,
    what: &'static str,
    why: &'static str,
    fix: &'static str,
) -> CheckInfo {
    CheckInfo {
        code,
        severity,
        what,
        why,
        fix,
        cross_object: false,
    }
}

const fn x(
    code: &'static str,
    severity: Severity,
    what: &'static str,
    why: &'static str,
    fix: &'static str,
) -> CheckInfo {
    CheckInfo {
        code,
        severity,
        what,
        why,
        fix,
        cross_object: true,
    }
}

use Severity::{Error, Warning};

/// Every lint check (see [`crate::lint`] for disabling them).
pub const CHECKS: &[CheckInfo] = &[
    c(
        "k8s/resources-missing",
        Warning,
        "a container without cpu/memory requests or limits",
        "without requests the scheduler overcommits nodes; without limits one pod can starve its neighbours or be OOM-killed unpredictably",
        "set resources.requests.cpu, requests.memory, limits.cpu and limits.memory",
    ),
    c(
        "k8s/requests-above-limits",
        Error,
        "a container whose request exceeds its limit",
        "the API server rejects such a pod",
        "lower the request or raise the limit",
    ),
    c(
        "k8s/liveness-probe-missing",
        Warning,
        "a long-running container without a liveness probe",
        "a hung process is never restarted",
        "add a livenessProbe (httpGet, tcpSocket, grpc or exec)",
    ),
    c(
        "k8s/readiness-probe-missing",
        Warning,
        "a long-running container without a readiness probe",
        "traffic reaches pods before they can serve and during overload",
        "add a readinessProbe",
    ),
    c(
        "k8s/run-as-non-root",
        Warning,
        "a container that may run as root (runAsNonRoot unset and no non-zero runAsUser), or runs as UID 0",
        "a compromised process has root inside the container, one step from the node",
        "set securityContext.runAsNonRoot: true and a non-zero runAsUser at pod or container level",
    ),
    c(
        "k8s/privileged",
        Error,
        "a privileged container",
        "a privileged container has full access to the node",
        "remove securityContext.privileged or set it to false",
    ),
    c(
        "k8s/privilege-escalation",
        Warning,
        "a container without allowPrivilegeEscalation: false",
        "setuid binaries can gain more privileges than the process started with",
        "set securityContext.allowPrivilegeEscalation: false",
    ),
    c(
        "k8s/read-only-root-fs",
        Warning,
        "a container with a writable root filesystem",
        "an attacker can modify binaries and configuration in the container",
        "set securityContext.readOnlyRootFilesystem: true and mount writable volumes where needed",
    ),
    c(
        "k8s/capabilities-not-dropped",
        Warning,
        "a container that does not drop ALL capabilities",
        "default capabilities such as NET_RAW enable attacks on the pod network",
        "set securityContext.capabilities.drop: [ALL] and add back only what is needed",
    ),
    c(
        "k8s/host-network",
        Warning,
        "a pod using the node's network namespace",
        "the pod sees all node traffic and can bind node ports",
        "remove hostNetwork",
    ),
    c(
        "k8s/host-pid",
        Warning,
        "a pod sharing the node's process namespace",
        "the pod can see and signal every process on the node",
        "remove hostPID",
    ),
    c(
        "k8s/host-ipc",
        Warning,
        "a pod sharing the node's IPC namespace",
        "the pod can read other processes' shared memory",
        "remove hostIPC",
    ),
    c(
        "k8s/host-path",
        Warning,
        "a hostPath volume",
        "host files leak into (or are modified by) the pod and tie it to one node",
        "use a PersistentVolumeClaim, configMap, secret or emptyDir volume",
    ),
    c(
        "k8s/image-tag",
        Warning,
        "an image without a tag or with `latest`",
        "the running version changes without a manifest change and rollbacks are impossible",
        "pin a version tag or a digest",
    ),
    c(
        "k8s/anti-affinity",
        Warning,
        "a workload with several replicas and neither pod anti-affinity nor topology spread",
        "all replicas may land on one node and fail together",
        "add podAntiAffinity on the hostname topology key or topologySpreadConstraints",
    ),
    c(
        "k8s/default-namespace",
        Warning,
        "a namespaced object without a namespace or in `default`",
        "objects end up wherever the current kubectl context points, mixed with unrelated workloads",
        "set metadata.namespace (or let kustomize set it)",
    ),
    c(
        "k8s/secret-in-env",
        Warning,
        "a literal env value whose name looks like a secret (password, token, secret, key)",
        "the value is readable by everyone who can read the workload, and lands in git",
        "use valueFrom.secretKeyRef",
    ),
    c(
        "k8s/secret-in-configmap",
        Warning,
        "a ConfigMap key that looks like a secret (password, token, secret, key)",
        "ConfigMaps are not access-controlled or encrypted like Secrets",
        "move the value to a Secret",
    ),
    c(
        "k8s/placeholder-credentials",
        Error,
        "a well-known placeholder credential (admin/admin, changeme, password...) in env, args, a ConfigMap or a Secret",
        "placeholder credentials are the first thing an attacker tries",
        "generate a real secret and reference it",
    ),
    c(
        "k8s/ingress-tls",
        Warning,
        "an Ingress without TLS",
        "traffic, including credentials, travels in clear text",
        "add spec.tls with a certificate secret (e.g. from cert-manager)",
    ),
    c(
        "k8s/loadbalancer-source-ranges",
        Warning,
        "a LoadBalancer Service without loadBalancerSourceRanges",
        "the service is reachable from the whole internet",
        "set spec.loadBalancerSourceRanges to the allowed CIDRs",
    ),
    c(
        "k8s/rbac-wildcard",
        Warning,
        "a Role or ClusterRole rule with `*` in apiGroups, resources or verbs",
        "wildcards grant access to everything, including resources added later",
        "list the needed groups, resources and verbs",
    ),
    c(
        "k8s/service-account-token",
        Warning,
        "a pod of the default service account that mounts its API token",
        "a pod that does not talk to the API server should not carry a credential for it",
        "set automountServiceAccountToken: false (or use a dedicated service account)",
    ),
    x(
        "k8s/prometheus-admin-api",
        Warning,
        "a Prometheus started with --web.enable-admin-api or --web.enable-lifecycle (an error when an Ingress exposes it)",
        "these endpoints delete data and shut the server down without authentication",
        "remove the flags, or keep the server off any Ingress",
    ),
    x(
        "k8s/pdb-missing",
        Warning,
        "a workload with several replicas and no PodDisruptionBudget",
        "node drains may evict all replicas at once",
        "add a PodDisruptionBudget selecting the pods",
    ),
    x(
        "k8s/service-selects-nothing",
        Warning,
        "a Service whose selector matches no pod template",
        "the Service has no endpoints: every request fails",
        "fix the selector or the pod labels",
    ),
    x(
        "k8s/ingress-backend-missing",
        Warning,
        "an Ingress backend naming a missing Service or a port the Service does not have",
        "the route returns 503",
        "fix the service name or port",
    ),
    x(
        "k8s/pdb-selects-nothing",
        Warning,
        "a PodDisruptionBudget matching no pod template",
        "it protects nothing",
        "fix the selector",
    ),
    x(
        "k8s/pdb-blocks-drain",
        Warning,
        "a PodDisruptionBudget allowing no disruption (minAvailable >= replicas, or >= the minReplicas of the HorizontalPodAutoscaler scaling the workload; or maxUnavailable 0)",
        "node drains and cluster upgrades block forever",
        "lower minAvailable below the replica count or allow maxUnavailable >= 1",
    ),
    x(
        "k8s/hpa-target-missing",
        Warning,
        "a HorizontalPodAutoscaler whose scaleTargetRef names a missing workload",
        "nothing is autoscaled",
        "fix scaleTargetRef",
    ),
    x(
        "k8s/hpa-replicas-pinned",
        Warning,
        "a workload with spec.replicas that an HPA scales",
        "every apply resets the replica count the HPA chose",
        "remove spec.replicas from the workload",
    ),
    x(
        "k8s/statefulset-service",
        Error,
        "a StatefulSet whose serviceName names no Service, or a Service that is not headless",
        "pods get no stable DNS names (peer discovery such as alertmanager --cluster.peer fails)",
        "add a Service with clusterIP: None selecting the pods",
    ),
    x(
        "k8s/reference-missing",
        Warning,
        "a volume, envFrom or env valueFrom naming a ConfigMap, Secret or PVC that is not in the set",
        "the pod stays in ContainerCreating or CreateContainerConfigError",
        "add the object, fix the name, or mark the reference optional",
    ),
    x(
        "k8s/rolebinding-ref-missing",
        Warning,
        "a RoleBinding/ClusterRoleBinding naming a missing Role or ServiceAccount",
        "the binding grants nothing and the workload gets permission errors",
        "add the Role or ServiceAccount, or fix the name",
    ),
    x(
        "k8s/networkpolicy-selects-nothing",
        Warning,
        "a NetworkPolicy whose podSelector matches no pod template",
        "the policy protects nothing",
        "fix the podSelector",
    ),
    x(
        "k8s/servicemonitor-selects-nothing",
        Warning,
        "a ServiceMonitor selecting no Service, or naming a port the selected Services lack",
        "Prometheus scrapes nothing and no alert says so",
        "fix spec.selector or endpoints[].port",
    ),
];

/// The documentation of a check, by code.
///
/// ```
/// let c = manifest_model::lint::check_info("k8s/privileged").ok_or("unknown")?;
/// assert_eq!(c.severity, manifest_model::Severity::Error);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use]
pub fn check_info(code: &str) -> Option<&'static CheckInfo> {
    CHECKS.iter().find(|c| c.code == code)
}
