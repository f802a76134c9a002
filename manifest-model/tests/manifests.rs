//! Loading, strict checks and lint through the public API: the seed fixtures with pinned
//! findings, one positive and one negative case per check, and property tests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use manifest_model::lint::{CHECKS, IGNORE_ANNOTATION, LintConfig, check_all};
use manifest_model::{Diagnostic, KubeVersion, Loaded, Severity, load_paths, load_str};
use proptest::prelude::*;

fn seeds() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/seeds")
}

fn run(src: &str) -> Vec<Diagnostic> {
    let loaded = load_str(src, Path::new("t.yaml")).unwrap();
    check_all(&loaded, KubeVersion::new(1, 35), &LintConfig::default())
}

fn codes(diags: &[Diagnostic]) -> Vec<&str> {
    diags.iter().map(|d| d.code.as_str()).collect()
}

// ---------------------------------------------------------------------------------------------
// Seeds

#[test]
fn every_complete_seed_document_loads_typed() {
    let loaded = load_paths(&[seeds()]).unwrap();
    let kinds: Vec<(String, String, bool)> = loaded
        .objects
        .iter()
        .map(|o| (o.kind().to_owned(), o.name().to_owned(), o.is_typed()))
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("ClusterRole".into(), "prometheus".into(), true),
            ("ClusterRoleBinding".into(), "prometheus".into(), true),
            ("StatefulSet".into(), "prometheus".into(), true),
            ("Service".into(), "prometheus".into(), true),
            ("Ingress".into(), "prometheus".into(), true),
            ("StatefulSet".into(), "alertmanager".into(), true),
            // A custom resource: kept generic.
            ("PrometheusRule".into(), "slo-alerts".into(), false),
            ("PodDisruptionBudget".into(), "prometheus-pdb".into(), true),
        ]
    );
    let rule = loaded.objects[6].generic();
    assert_eq!(rule.api_version, "monitoring.coreos.com/v1");
    assert!(rule.body["spec"]["groups"].is_array());
    // No strict-check finding on any seed object: the seeds are schema-valid.
    for o in &loaded.objects {
        assert!(
            manifest_model::validate::validate_object(o, KubeVersion::new(1, 35)).is_empty(),
            "{o:?}"
        );
    }
    // The three blocks fenced as yaml that are shell text fail with a position.
    let syntax: Vec<(String, usize, usize)> = loaded
        .diagnostics
        .iter()
        .filter(|d| d.code == "yaml/syntax")
        .map(|d| {
            (
                d.file.file_name().unwrap().to_string_lossy().into_owned(),
                d.line,
                d.column,
            )
        })
        .collect();
    assert_eq!(
        syntax,
        vec![
            ("01-update-prometheus-config-shell.yaml".into(), 5, 1),
            ("02-add-alert-rules-shell.yaml".into(), 5, 1),
            ("07-prometheus-query-flags.yaml".into(), 5, 1),
        ]
    );
}

/// The findings on the whole seed set (one set, so cross-object checks see every object).
/// Compared against the research report's independent mini-linter findings (§1).
#[test]
fn seed_findings_are_pinned() {
    let loaded = load_paths(&[seeds()]).unwrap();
    let diags = check_all(&loaded, KubeVersion::new(1, 35), &LintConfig::default());
    let got: Vec<String> = diags
        .iter()
        .filter(|d| d.severity >= Severity::Warning)
        .map(|d| {
            format!(
                "{}:{}:{} {} {}",
                d.file.file_name().unwrap().to_string_lossy(),
                d.line,
                d.column,
                d.severity,
                d.code
            )
        })
        .collect();
    let want = [
        "03-rbac-clusterrole-binding.yaml:31:11 warning k8s/rolebinding-ref-missing",
        // Prometheus: serviceName names a Service that is not headless.
        "04-prometheus-statefulset.yaml:7:16 error k8s/statefulset-service",
        "04-prometheus-statefulset.yaml:17:7 warning k8s/anti-affinity",
        "04-prometheus-statefulset.yaml:23:9 warning k8s/capabilities-not-dropped",
        "04-prometheus-statefulset.yaml:23:9 warning k8s/privilege-escalation",
        "04-prometheus-statefulset.yaml:23:9 warning k8s/read-only-root-fs",
        // --web.enable-lifecycle and --web.enable-admin-api, exposed through the Ingress.
        "04-prometheus-statefulset.yaml:29:13 error k8s/prometheus-admin-api",
        "04-prometheus-statefulset.yaml:30:13 error k8s/prometheus-admin-api",
        "04-prometheus-statefulset.yaml:61:17 warning k8s/reference-missing",
        // Alertmanager: no Service for serviceName, no PDB, no probes, no limits, no
        // securityContext, default service account.
        "07-alertmanager-statefulset.yaml:7:16 error k8s/statefulset-service",
        "07-alertmanager-statefulset.yaml:8:13 warning k8s/pdb-missing",
        "07-alertmanager-statefulset.yaml:17:7 warning k8s/anti-affinity",
        "07-alertmanager-statefulset.yaml:17:7 warning k8s/service-account-token",
        "07-alertmanager-statefulset.yaml:18:9 warning k8s/capabilities-not-dropped",
        "07-alertmanager-statefulset.yaml:18:9 warning k8s/liveness-probe-missing",
        "07-alertmanager-statefulset.yaml:18:9 warning k8s/privilege-escalation",
        "07-alertmanager-statefulset.yaml:18:9 warning k8s/read-only-root-fs",
        "07-alertmanager-statefulset.yaml:18:9 warning k8s/readiness-probe-missing",
        "07-alertmanager-statefulset.yaml:18:9 warning k8s/run-as-non-root",
        "07-alertmanager-statefulset.yaml:38:11 warning k8s/resources-missing",
        "07-alertmanager-statefulset.yaml:44:17 warning k8s/reference-missing",
        "01-update-prometheus-config-shell.yaml:5:1 error yaml/syntax",
        "02-add-alert-rules-shell.yaml:5:1 error yaml/syntax",
        // The PDB has no namespace.
        "04-prometheus-pdb.yaml:4:3 warning k8s/default-namespace",
        "07-prometheus-query-flags.yaml:5:1 error yaml/syntax",
    ];
    assert_eq!(got, want);
    let admin = diags
        .iter()
        .find(|d| d.code == "k8s/prometheus-admin-api" && d.line == 30)
        .unwrap();
    assert_eq!(
        admin.message,
        "StatefulSet/monitoring/prometheus enables --web.enable-admin-api and Ingress prometheus exposes it: anyone who passes the ingress can delete data or stop the server"
    );
    assert_eq!(
        admin.path.as_deref(),
        Some("spec.template.spec.containers[0].args[4]")
    );
}

#[test]
fn seed_compose_file_has_only_the_obsolete_version() {
    let path = seeds().join("001_395762213f56ee0c/01-docker-compose.yaml");
    let src = std::fs::read_to_string(&path).unwrap();
    let (compose, structural) = manifest_model::compose::load_compose(&src, &path).unwrap();
    assert!(structural.is_empty(), "{structural:?}");
    let names: Vec<&str> = compose.services.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["prometheus", "alertmanager", "node-exporter"]);
    assert_eq!(compose.volumes, ["prometheus_data"]);
    let found = manifest_model::compose::check_compose(&compose);
    let got: Vec<(&str, usize, usize)> = found
        .iter()
        .map(|d| (d.code.as_str(), d.line, d.column))
        .collect();
    assert_eq!(got, [("compose/obsolete-version", 1, 1)]);
    // A typo'd and clashing variant of the same file.
    let broken = src
        .replace(
            "    ports:\n      - \"9093:9093\"",
            "    port:\n      - \"9093:9093\"",
        )
        .replace("\"9100:9100\"", "\"9090:9100\"")
        .replace("prometheus_data:/prometheus", "prom_data:/prometheus");
    let (compose, structural) = manifest_model::compose::load_compose(&broken, &path).unwrap();
    let mut all = structural;
    all.extend(manifest_model::compose::check_compose(&compose));
    let got: Vec<(&str, usize, usize, Option<&str>)> = all
        .iter()
        .map(|d| (d.code.as_str(), d.line, d.column, d.suggestion.as_deref()))
        .collect();
    assert_eq!(
        got,
        [
            ("compose/unknown-field", 22, 5, Some("ports")),
            ("compose/obsolete-version", 1, 1, None),
            ("compose/undefined-volume", 12, 9, None),
            ("compose/port-clash", 30, 9, None),
        ]
    );
}

#[test]
fn seed_ecs_task_definition_needs_an_execution_role() {
    use manifest_model::ecs::{check_task_definition, load_task_definition};
    let path = seeds().join("001_395762213f56ee0c/02-ecs-taskdef-prometheus-staging.json");
    let src = std::fs::read_to_string(&path).unwrap();
    let (td, structural) = load_task_definition(&src, &path).unwrap();
    assert!(structural.is_empty(), "{structural:?}");
    assert_eq!(td.family, "prometheus-staging");
    assert_eq!(
        td.container_definitions[0]
            .health_check
            .as_ref()
            .unwrap()
            .interval,
        Some(30)
    );
    let found = check_task_definition(&td);
    let got: Vec<(&str, Severity, usize)> = found
        .iter()
        .map(|d| (d.code.as_str(), d.severity, d.line))
        .collect();
    assert_eq!(
        got,
        [
            ("ecs/read-only-root-fs", Severity::Warning, 8),
            ("ecs/execution-role-missing", Severity::Error, 36),
            ("ecs/efs-transit-encryption", Severity::Warning, 54),
            ("ecs/efs-transit-encryption", Severity::Warning, 61),
        ]
    );
    // Typos and unknown enum values, which the AWS SDK would accept silently.
    let broken = src
        .replace("\"essential\"", "\"esential\"")
        .replace("\"awsvpc\"", "\"awsvpcc\"");
    let (_, structural) = load_task_definition(&broken, &path).unwrap();
    let got: Vec<(&str, Option<&str>)> = structural
        .iter()
        .map(|d| (d.code.as_str(), d.suggestion.as_deref()))
        .collect();
    assert_eq!(
        got,
        [
            ("ecs/unknown-enum-value", None),
            ("ecs/unknown-field", Some("essential"))
        ]
    );
}

#[test]
fn admin_api_without_ingress_is_a_warning() {
    let dir = seeds().join("001_395762213f56ee0c");
    let loaded = load_paths(&[dir.join("04-prometheus-statefulset.yaml")]).unwrap();
    let diags = check_all(&loaded, KubeVersion::new(1, 35), &LintConfig::default());
    let admin: Vec<Severity> = diags
        .iter()
        .filter(|d| d.code == "k8s/prometheus-admin-api")
        .map(|d| d.severity)
        .collect();
    assert_eq!(admin, vec![Severity::Warning, Severity::Warning]);
}

// ---------------------------------------------------------------------------------------------
// One positive and one negative case per check.

const BASE: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      serviceAccountName: web
      securityContext: {runAsNonRoot: true, runAsUser: 10001}
      topologySpreadConstraints: [{maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: DoNotSchedule, labelSelector: {matchLabels: {app: web}}}]
      containers:
      - name: web
        image: nginx:1.25
        ports: [{name: http, containerPort: 8080}]
        envFrom: [{configMapRef: {name: web-config}}]
        resources: {requests: {cpu: 100m, memory: 128Mi}, limits: {cpu: 500m, memory: 256Mi}}
        livenessProbe: {httpGet: {path: /, port: 8080}}
        readinessProbe: {httpGet: {path: /, port: 8080}}
        securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: web, namespace: shop}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: web-config, namespace: shop}
data: {LOG_LEVEL: info}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop, labels: {app: web}}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 8080}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: shop}
spec:
  tls: [{hosts: [shop.example.com], secretName: web-tls}]
  rules:
  - host: shop.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web, namespace: shop}
spec: {minAvailable: 1, selector: {matchLabels: {app: web}}}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: web, namespace: shop}
rules: [{apiGroups: [""], resources: [configmaps], verbs: [get]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: web, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: web}
subjects: [{kind: ServiceAccount, name: web, namespace: shop}]
"#;

fn replace(from: &str, to: &str) -> String {
    assert!(BASE.contains(from), "{from}");
    BASE.replacen(from, to, 1)
}

fn plus(doc: &str) -> String {
    format!("{BASE}---\n{doc}")
}

/// `(code, positive input, negative input)`.
fn cases() -> Vec<(&'static str, String, String)> {
    let base = BASE.to_owned();
    let pod_line = "      serviceAccountName: web\n";
    let container_line = "        image: nginx:1.25\n";
    let hpa = |target: &str| {
        format!(
            "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {{name: web, namespace: shop}}\nspec: {{minReplicas: 2, maxReplicas: 5, scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: {target}}}}}\n"
        )
    };
    let sts = |service: &str| {
        format!(
            "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {{name: db, namespace: shop}}\nspec:\n  serviceName: {service}\n  selector: {{matchLabels: {{app: db}}}}\n  template:\n    metadata: {{labels: {{app: db}}}}\n    spec:\n      containers: [{{name: db, image: postgres:16}}]\n---\napiVersion: v1\nkind: Service\nmetadata: {{name: db-headless, namespace: shop}}\nspec: {{clusterIP: None, selector: {{app: db}}, ports: [{{port: 5432}}]}}\n"
        )
    };
    let np = |app: &str| {
        format!(
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: np, namespace: shop}}\nspec: {{podSelector: {{matchLabels: {{app: {app}}}}}, policyTypes: [Ingress]}}\n"
        )
    };
    let sm = |app: &str, port: &str| {
        format!(
            "apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nmetadata: {{name: web, namespace: shop}}\nspec: {{selector: {{matchLabels: {{app: {app}}}}}, endpoints: [{{port: {port}}}]}}\n"
        )
    };
    vec![
        (
            "k8s/resources-missing",
            replace("limits: {cpu: 500m, memory: 256Mi}", "limits: {cpu: 500m}"),
            base.clone(),
        ),
        (
            "k8s/requests-above-limits",
            replace("memory: 128Mi", "memory: 1Gi"),
            base.clone(),
        ),
        (
            "k8s/liveness-probe-missing",
            replace(
                "        livenessProbe: {httpGet: {path: /, port: 8080}}\n",
                "",
            ),
            base.clone(),
        ),
        (
            "k8s/readiness-probe-missing",
            replace(
                "        readinessProbe: {httpGet: {path: /, port: 8080}}\n",
                "",
            ),
            base.clone(),
        ),
        (
            "k8s/run-as-non-root",
            replace("{runAsNonRoot: true, runAsUser: 10001}", "{fsGroup: 1}"),
            base.clone(),
        ),
        (
            "k8s/privileged",
            replace(
                "{allowPrivilegeEscalation: false,",
                "{privileged: true, allowPrivilegeEscalation: false,",
            ),
            base.clone(),
        ),
        (
            "k8s/privilege-escalation",
            replace(
                "allowPrivilegeEscalation: false",
                "allowPrivilegeEscalation: true",
            ),
            base.clone(),
        ),
        (
            "k8s/read-only-root-fs",
            replace(
                "readOnlyRootFilesystem: true",
                "readOnlyRootFilesystem: false",
            ),
            base.clone(),
        ),
        (
            "k8s/capabilities-not-dropped",
            replace("drop: [ALL]", "drop: [NET_RAW]"),
            base.clone(),
        ),
        (
            "k8s/host-network",
            replace(pod_line, &format!("{pod_line}      hostNetwork: true\n")),
            replace(pod_line, &format!("{pod_line}      hostNetwork: false\n")),
        ),
        (
            "k8s/host-pid",
            replace(pod_line, &format!("{pod_line}      hostPID: true\n")),
            base.clone(),
        ),
        (
            "k8s/host-ipc",
            replace(pod_line, &format!("{pod_line}      hostIPC: true\n")),
            base.clone(),
        ),
        (
            "k8s/host-path",
            replace(
                pod_line,
                &format!("{pod_line}      volumes: [{{name: h, hostPath: {{path: /var/run}}}}]\n"),
            ),
            replace(
                pod_line,
                &format!("{pod_line}      volumes: [{{name: h, emptyDir: {{}}}}]\n"),
            ),
        ),
        (
            "k8s/image-tag",
            replace("nginx:1.25", "nginx"),
            replace("nginx:1.25", "nginx@sha256:0123"),
        ),
        (
            "k8s/image-tag",
            replace("nginx:1.25", "nginx:latest"),
            base.clone(),
        ),
        (
            "k8s/anti-affinity",
            replace(
                "      topologySpreadConstraints: [{maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: DoNotSchedule, labelSelector: {matchLabels: {app: web}}}]\n",
                "",
            ),
            replace(
                "      topologySpreadConstraints: [{maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: DoNotSchedule, labelSelector: {matchLabels: {app: web}}}]\n",
                "      affinity: {podAntiAffinity: {preferredDuringSchedulingIgnoredDuringExecution: [{weight: 100, podAffinityTerm: {topologyKey: kubernetes.io/hostname, labelSelector: {matchLabels: {app: web}}}}]}}\n",
            ),
        ),
        (
            "k8s/default-namespace",
            replace(
                "metadata: {name: web-config, namespace: shop}",
                "metadata: {name: web-config, namespace: default}",
            ),
            base.clone(),
        ),
        (
            "k8s/default-namespace",
            replace(
                "metadata: {name: web-config, namespace: shop}",
                "metadata: {name: web-config}",
            ),
            base.clone(),
        ),
        (
            "k8s/secret-in-env",
            replace(
                container_line,
                &format!(
                    "{container_line}        env: [{{name: DB_PASSWORD, value: s3cr3t-Xy9}}]\n"
                ),
            ),
            replace(
                container_line,
                &format!(
                    "{container_line}        env: [{{name: DB_PASSWORD, valueFrom: {{secretKeyRef: {{name: web-config, key: pw}}}}}}]\n"
                ),
            ),
        ),
        (
            "k8s/secret-in-configmap",
            replace(
                "data: {LOG_LEVEL: info}",
                "data: {LOG_LEVEL: info, api_token: abc123}",
            ),
            base.clone(),
        ),
        (
            "k8s/placeholder-credentials",
            replace(
                container_line,
                &format!("{container_line}        env: [{{name: ADMIN_PASSWORD, value: admin}}]\n"),
            ),
            replace(
                container_line,
                &format!("{container_line}        env: [{{name: ADMIN_USER, value: admin}}]\n"),
            ),
        ),
        (
            "k8s/placeholder-credentials",
            plus(
                "apiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: shop}\nstringData: {password: changeme}\n",
            ),
            plus(
                "apiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: shop}\nstringData: {password: 'Xk2#pq9!vL'}\n",
            ),
        ),
        (
            "k8s/placeholder-credentials",
            plus(
                "apiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: shop}\ndata: {password: YWRtaW4=}\n",
            ),
            base.clone(),
        ),
        (
            "k8s/ingress-tls",
            replace(
                "  tls: [{hosts: [shop.example.com], secretName: web-tls}]\n",
                "",
            ),
            base.clone(),
        ),
        (
            "k8s/loadbalancer-source-ranges",
            replace(
                "  selector: {app: web}\n",
                "  type: LoadBalancer\n  selector: {app: web}\n",
            ),
            replace(
                "  selector: {app: web}\n",
                "  type: LoadBalancer\n  loadBalancerSourceRanges: [10.0.0.0/8]\n  selector: {app: web}\n",
            ),
        ),
        (
            "k8s/rbac-wildcard",
            replace("verbs: [get]", "verbs: ['*']"),
            base.clone(),
        ),
        (
            "k8s/service-account-token",
            replace(pod_line, ""),
            replace(pod_line, "      automountServiceAccountToken: false\n"),
        ),
        (
            "k8s/prometheus-admin-api",
            replace(
                container_line,
                &format!("{container_line}        args: [--web.enable-admin-api]\n"),
            ),
            replace(
                container_line,
                &format!("{container_line}        args: [--web.enable-admin-api=false]\n"),
            ),
        ),
        (
            "k8s/pdb-missing",
            replace(
                "selector: {matchLabels: {app: web}}}",
                "selector: {matchLabels: {app: other}}}",
            ),
            base.clone(),
        ),
        (
            "k8s/service-selects-nothing",
            replace("  selector: {app: web}\n", "  selector: {app: wbe}\n"),
            base.clone(),
        ),
        (
            "k8s/ingress-backend-missing",
            replace("port: {number: 80}", "port: {number: 81}"),
            base.clone(),
        ),
        (
            "k8s/ingress-backend-missing",
            replace("service: {name: web,", "service: {name: shop,"),
            replace("port: {number: 80}", "port: {name: http}"),
        ),
        (
            "k8s/pdb-selects-nothing",
            replace(
                "selector: {matchLabels: {app: web}}}",
                "selector: {matchLabels: {app: other}}}",
            ),
            base.clone(),
        ),
        (
            "k8s/pdb-blocks-drain",
            replace("minAvailable: 1,", "minAvailable: 2,"),
            base.clone(),
        ),
        (
            "k8s/pdb-blocks-drain",
            replace("minAvailable: 1,", "maxUnavailable: 0,"),
            replace("minAvailable: 1,", "maxUnavailable: 1,"),
        ),
        // An HPA owns the replica count: the budget is measured against its minReplicas (2),
        // not against spec.replicas (3 here, 1 by default in the negative case).
        (
            "k8s/pdb-blocks-drain",
            format!(
                "{}---\n{}",
                BASE.replacen("  replicas: 2\n", "  replicas: 3\n", 1)
                    .replacen("minAvailable: 1,", "minAvailable: 2,", 1),
                hpa("web")
            ),
            format!("{}---\n{}", replace("  replicas: 2\n", ""), hpa("web")),
        ),
        (
            "k8s/hpa-target-missing",
            plus(&hpa("nope")),
            plus(&hpa("web")),
        ),
        (
            "k8s/hpa-replicas-pinned",
            plus(&hpa("web")),
            replace("  replicas: 2\n", "").replacen(
                "---\n",
                &format!("---\n{}---\n", hpa("web")),
                1,
            ),
        ),
        (
            "k8s/statefulset-service",
            plus(&sts("web")),
            plus(&sts("db-headless")),
        ),
        (
            "k8s/statefulset-service",
            plus(&sts("missing")),
            base.clone(),
        ),
        (
            "k8s/reference-missing",
            replace(
                "configMapRef: {name: web-config}",
                "configMapRef: {name: web-cfg}",
            ),
            replace(
                "configMapRef: {name: web-config}",
                "configMapRef: {name: web-cfg, optional: true}",
            ),
        ),
        (
            "k8s/rolebinding-ref-missing",
            replace("kind: Role, name: web}", "kind: Role, name: reader}"),
            replace("kind: Role, name: web}", "kind: ClusterRole, name: view}"),
        ),
        (
            "k8s/rolebinding-ref-missing",
            replace(
                "subjects: [{kind: ServiceAccount, name: web,",
                "subjects: [{kind: ServiceAccount, name: api,",
            ),
            base.clone(),
        ),
        (
            "k8s/networkpolicy-selects-nothing",
            plus(&np("api")),
            plus(&np("web")),
        ),
        (
            "k8s/servicemonitor-selects-nothing",
            plus(&sm("api", "http")),
            plus(&sm("web", "http")),
        ),
        (
            "k8s/servicemonitor-selects-nothing",
            plus(&sm("web", "metrics")),
            base.clone(),
        ),
        // Strict checks.
        (
            "k8s/unknown-field",
            replace("  replicas: 2\n", "  replica: 2\n"),
            base.clone(),
        ),
        (
            "k8s/wrong-type",
            replace("  replicas: 2\n", "  replicas: two\n"),
            base.clone(),
        ),
        (
            "k8s/missing-required-field",
            replace("      - name: web\n        image", "      - image"),
            base.clone(),
        ),
        (
            "k8s/missing-name",
            replace(
                "metadata: {name: web-config, namespace: shop}",
                "metadata: {namespace: shop}",
            ),
            base.clone(),
        ),
        (
            "k8s/removed-api",
            plus("apiVersion: policy/v1beta1\nkind: PodSecurityPolicy\nmetadata: {name: p}\n"),
            base.clone(),
        ),
        (
            "k8s/unknown-kind",
            plus("apiVersion: v1\nkind: ConfigMapp\nmetadata: {name: p, namespace: shop}\n"),
            base.clone(),
        ),
        (
            "yaml/yaml11-boolean",
            replace(
                "data: {LOG_LEVEL: info}",
                "data: {LOG_LEVEL: info, ENABLED: yes}",
            ),
            replace(
                "data: {LOG_LEVEL: info}",
                "data: {LOG_LEVEL: info, ENABLED: 'yes'}",
            ),
        ),
        (
            "yaml/duplicate-key",
            replace(
                "data: {LOG_LEVEL: info}",
                "data: {LOG_LEVEL: info, LOG_LEVEL: debug}",
            ),
            base.clone(),
        ),
        (
            "k8s/missing-type",
            plus("apiVersion: v1\nmetadata: {name: x}\n"),
            base.clone(),
        ),
    ]
}

#[test]
fn baseline_is_clean() {
    let diags = run(BASE);
    assert!(diags.is_empty(), "{diags:#?}");
}

#[test]
fn each_check_has_a_positive_and_a_negative_case() {
    let mut covered = std::collections::BTreeSet::new();
    for (code, positive, negative) in cases() {
        let pos = run(&positive);
        assert!(
            codes(&pos).contains(&code),
            "{code} not found in positive case: {pos:#?}"
        );
        let neg = run(&negative);
        assert!(
            !codes(&neg).contains(&code),
            "{code} found in negative case: {neg:#?}"
        );
        covered.insert(code);
    }
    for c in CHECKS {
        assert!(covered.contains(c.code), "no case for {}", c.code);
    }
}

#[test]
fn findings_point_at_the_field() {
    let d = run(&replace("  replicas: 2\n", "  replica: 2\n"));
    let d = d.iter().find(|d| d.code == "k8s/unknown-field").unwrap();
    assert_eq!((d.line, d.column), (5, 3));
    assert_eq!(d.suggestion.as_deref(), Some("replicas"));
    assert_eq!(d.path.as_deref(), Some("spec.replica"));
    assert_eq!(d.object.as_deref(), Some("Deployment/shop/web"));
    let d = run(&replace("nginx:1.25", "nginx"));
    let d = d.iter().find(|d| d.code == "k8s/image-tag").unwrap();
    assert_eq!((d.line, d.column), (15, 16));
    assert_eq!(
        d.path.as_deref(),
        Some("spec.template.spec.containers[0].image")
    );
    let dup = run(&replace(
        "data: {LOG_LEVEL: info}",
        "data: {LOG_LEVEL: info, LOG_LEVEL: debug}",
    ));
    let dup = dup.iter().find(|d| d.code == "yaml/duplicate-key").unwrap();
    assert_eq!((dup.line, dup.column), (30, 25));
    assert!(
        dup.message.contains("first at line 30 column 8"),
        "{}",
        dup.message
    );
}

#[test]
fn checks_can_be_disabled_globally_and_per_object() {
    let src = replace("nginx:1.25", "nginx");
    let loaded = load_str(&src, Path::new("t.yaml")).unwrap();
    let mut config = LintConfig::default();
    config.disable("k8s/image-tag");
    assert!(check_all(&loaded, KubeVersion::new(1, 35), &config).is_empty());
    let annotated = src.replacen(
        "metadata: {name: web, namespace: shop}",
        &format!("metadata: {{name: web, namespace: shop, annotations: {{{IGNORE_ANNOTATION}: 'k8s/pdb-missing, k8s/image-tag'}}}}"),
        1,
    );
    assert!(run(&annotated).is_empty());
    // Strict checks honour the annotation too; `*` disables everything for the object.
    let all = replace("  replicas: 2\n", "  replica: 2\n").replacen(
        "metadata: {name: web, namespace: shop}",
        &format!(
            "metadata: {{name: web, namespace: shop, annotations: {{{IGNORE_ANNOTATION}: '*'}}}}"
        ),
        1,
    );
    // (The PDB now blocks drains of the single replica: that finding is the PDB's.)
    let left = run(&all);
    assert_eq!(codes(&left), vec!["k8s/pdb-blocks-drain"]);
    assert_eq!(
        left[0].object.as_deref(),
        Some("PodDisruptionBudget/shop/web")
    );
    // Severity overrides.
    let mut config = LintConfig::default();
    config.set_severity("k8s/image-tag", Severity::Error);
    let d = check_all(&loaded, KubeVersion::new(1, 35), &config);
    assert_eq!(d[0].severity, Severity::Error);
}

#[test]
fn every_check_is_documented() {
    for c in CHECKS {
        assert!(c.code.starts_with("k8s/"), "{}", c.code);
        assert!(!c.what.is_empty() && !c.why.is_empty() && !c.fix.is_empty());
    }
    let mut codes: Vec<&str> = CHECKS.iter().map(|c| c.code).collect();
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(codes.len(), CHECKS.len());
}

#[test]
fn json_diagnostics_have_the_contract_fields() {
    let d = run(&replace("nginx:1.25", "nginx"));
    let v = serde_json::to_value(&d[0]).unwrap();
    for key in ["file", "line", "column", "severity", "code", "message"] {
        assert!(v.get(key).is_some(), "{key} missing in {v}");
    }
    assert_eq!(v["severity"], "warning");
}

#[test]
fn directories_and_unreadable_paths() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::fs::write(dir.path().join("sub/a.yaml"), BASE).unwrap();
    std::fs::write(
        dir.path().join("b.json"),
        r#"{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"shop"}}"#,
    )
    .unwrap();
    std::fs::write(dir.path().join("notes.txt"), "not a manifest").unwrap();
    std::fs::write(dir.path().join("bad.yml"), "a: [1\n").unwrap();
    let loaded: Loaded = load_paths(&[dir.path()]).unwrap();
    assert_eq!(loaded.objects.len(), 9);
    assert_eq!(loaded.objects[0].kind(), "Namespace");
    assert_eq!(codes(&loaded.diagnostics), vec!["yaml/syntax"]);
    let err = load_paths(&[dir.path().join("missing")]).unwrap_err();
    assert!(matches!(err, manifest_model::Error::Io { .. }));
}

// ---------------------------------------------------------------------------------------------
// The `lint` example (built by `cargo test` beside this test binary).

fn lint_example() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().and_then(Path::parent).unwrap();
    let bin = dir
        .join("examples")
        .join(format!("lint{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.exists(),
        "{} missing: run the tests with `cargo test -p manifest-model` (which builds the examples)",
        bin.display()
    );
    bin
}

#[test]
fn lint_example_follows_the_design_contract() {
    let bin = lint_example();
    let out = std::process::Command::new(&bin)
        .args(["--format", "json", "--kube-version", "1.35"])
        .arg(seeds())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let diags = v["diagnostics"].as_array().unwrap();
    // The Kubernetes findings pinned above, the compose file's obsolete version and the ECS
    // task definition's missing execution role (error) and three warnings.
    assert_eq!(v["summary"]["errors"], 8);
    assert_eq!(v["summary"]["warnings"], 22);
    for d in diags {
        for key in ["file", "line", "column", "severity", "code", "message"] {
            assert!(d.get(key).is_some(), "{key} missing in {d}");
        }
    }
    assert!(
        diags
            .iter()
            .any(|d| d["code"] == "compose/obsolete-version")
    );
    let out = std::process::Command::new(&bin)
        .arg(seeds().join("001_395762213f56ee0c/01-docker-compose.yaml"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("01-docker-compose.yaml:1:1: warning[compose/obsolete-version]"),
        "{text}"
    );
    for bad in [
        vec!["--format", "xml", "x"],
        vec![],
        vec!["--kube-version", "one", "x"],
        vec!["/does/not/exist"],
    ] {
        let out = std::process::Command::new(&bin)
            .args(&bad)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(err.lines().count(), 1, "{err}");
    }
}

// ---------------------------------------------------------------------------------------------
// ECS through aws-sdk-ecs against moto's server (feature `ecs`).

#[cfg(feature = "ecs")]
mod ecs_moto {
    use super::*;
    use manifest_model::ecs::{load_task_definition, sdk};
    use std::net::TcpListener;
    use std::process::{Child, Command, Stdio};
    use std::time::{Duration, Instant};

    struct Moto(Child);

    impl Drop for Moto {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }

    fn start_moto() -> (Moto, String) {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new("moto_server")
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start moto_server ({e}): install it with `bash scripts/test-all.sh` \
                     (or `pip install 'moto[server]'`) and put it on PATH"
                )
            });
        let moto = Moto(child);
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "moto_server did not listen on port {port}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        (moto, format!("http://127.0.0.1:{port}"))
    }

    #[test]
    fn register_and_deploy_the_seed_task_definition() {
        let (_moto, url) = start_moto();
        let path = seeds().join("001_395762213f56ee0c/02-ecs-taskdef-prometheus-staging.json");
        let src = std::fs::read_to_string(&path).unwrap();
        let (td, _) = load_task_definition(&src, &path).unwrap();
        let config = aws_sdk_ecs::Config::builder()
            .behavior_version(aws_sdk_ecs::config::BehaviorVersion::latest())
            .region(aws_sdk_ecs::config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_ecs::config::Credentials::new(
                "testing", "testing", None, None, "test",
            ))
            .endpoint_url(url)
            .build();
        let client = aws_sdk_ecs::Client::from_conf(config);
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let arn = sdk::register(&client, &td).await.unwrap();
            assert!(
                arn.ends_with("task-definition/prometheus-staging:1"),
                "{arn}"
            );
            let described = client
                .describe_task_definition()
                .task_definition(&arn)
                .send()
                .await
                .unwrap();
            let got = described.task_definition().unwrap();
            assert_eq!(got.cpu(), Some("4096"));
            assert_eq!(got.memory(), Some("16384"));
            let c = &got.container_definitions()[0];
            assert_eq!(c.name(), Some("prometheus"));
            assert_eq!(c.image(), Some("prom/prometheus:v2.48.0"));
            assert_eq!(c.command().len(), 4);
            assert_eq!(c.health_check().unwrap().interval(), Some(30));
            assert_eq!(got.volumes().len(), 2);

            client
                .create_cluster()
                .cluster_name("staging")
                .send()
                .await
                .unwrap();
            let created = sdk::create_or_update_service(&client, "staging", "prometheus", &arn, 1)
                .await
                .unwrap();
            let arn2 = sdk::register(&client, &td).await.unwrap();
            assert!(arn2.ends_with(":2"), "{arn2}");
            let updated = sdk::create_or_update_service(&client, "staging", "prometheus", &arn2, 2)
                .await
                .unwrap();
            assert_eq!(created, updated);
            let svc = client
                .describe_services()
                .cluster("staging")
                .services("prometheus")
                .send()
                .await
                .unwrap();
            let svc = &svc.services()[0];
            assert_eq!(svc.desired_count(), 2);
            assert_eq!(svc.task_definition(), Some(arn2.as_str()));
        });
    }

    #[test]
    fn unmodelled_fields_are_refused_not_dropped() {
        let src = r#"{"family": "x", "containerDefinitions": [{"name": "a", "image": "b:1", "dependsOn": [{"containerName": "c", "condition": "START"}]}]}"#;
        let (td, _) = load_task_definition(src, Path::new("td.json")).unwrap();
        let e = sdk::register_input(&td).unwrap_err();
        assert_eq!(
            e.to_string(),
            "ecs convert: field `containerDefinitions[0].dependsOn` is not supported by the SDK conversion"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Properties

fn yamlish() -> impl Strategy<Value = String> {
    let atoms = prop::sample::select(vec![
        "a",
        "b: ",
        ": ",
        "- ",
        "\n",
        "  ",
        "{",
        "}",
        "[",
        "]",
        ",",
        "'",
        "\"",
        "&x ",
        "*x",
        "<<: ",
        "---\n",
        "...\n",
        "#",
        "?",
        "|",
        ">",
        "!!str ",
        "!t ",
        "1",
        "-1.5e3",
        "yes",
        "~",
        "null",
        "apiVersion: v1\n",
        "kind: Pod\n",
        "kind: Service\n",
        "metadata: {name: p}\n",
        "spec:\n",
        "  containers:\n",
        "  - name: c\n",
        "    image: x\n",
        "\t",
        "é",
        "\\",
        "0x",
        "apps/v1",
    ]);
    prop::collection::vec(atoms, 0..60).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let src = String::from_utf8_lossy(&bytes);
        if let Ok(loaded) = load_str(&src, Path::new("p.yaml")) {
            let _ = check_all(&loaded, KubeVersion::new(1, 35), &LintConfig::default());
        }
    }

    #[test]
    fn arbitrary_yaml_never_panics(src in yamlish()) {
        if let Ok(loaded) = load_str(&src, Path::new("p.yaml")) {
            let diags = check_all(&loaded, KubeVersion::new(1, 35), &LintConfig::default());
            for d in diags {
                prop_assert!(d.line >= 1 && d.column >= 1, "{d}");
            }
        }
    }

    #[test]
    fn compose_and_ecs_parsers_never_panic(src in yamlish(), extra in prop::sample::select(vec![
        "services:\n  a:\n    image: x\n    ports: ['1:2', 3]\n    depends_on: [a]\n",
        "{\"family\": \"f\", \"requiresCompatibilities\": [\"FARGATE\"], \"containerDefinitions\": [{\"name\": \"a\", \"image\": \"b\"}]}",
        "",
    ])) {
        for input in [src.clone(), format!("{extra}{src}"), format!("{src}{extra}")] {
            if let Ok((c, _)) = manifest_model::compose::load_compose(&input, Path::new("c.yaml")) {
                let _ = manifest_model::compose::check_compose(&c);
            }
            if let Ok((td, _)) = manifest_model::ecs::load_task_definition(&input, Path::new("t.json")) {
                let _ = manifest_model::ecs::check_task_definition(&td);
            }
        }
    }

    /// Every mapping value is found again at its own field path, at its own position.
    #[test]
    fn every_field_path_maps_back_to_its_node(
        keys in prop::collection::vec("[a-z]{1,6}", 1..8),
        values in prop::collection::vec(0i64..1000, 1..8),
    ) {
        let mut src = String::from("root:\n");
        let mut seen = std::collections::BTreeSet::new();
        for (i, (k, v)) in keys.iter().zip(values.iter()).enumerate() {
            if !seen.insert(k.clone()) { continue; }
            src.push_str(&format!("  {k}:\n    - {v}\n    - x{i}\n"));
        }
        let stream = manifest_model::yaml::parse(&src, Path::new("p.yaml")).unwrap();
        let root = &stream.documents[0].root;
        for (line_no, line) in src.lines().enumerate() {
            if let Some(k) = line.strip_prefix("  ").and_then(|l| l.strip_suffix(':')) {
                let path: manifest_model::yaml::FieldPath = format!("root.{k}[0]").parse().unwrap();
                let node = root.at(&path).unwrap();
                prop_assert_eq!(node.span.start.line, line_no + 2);
                prop_assert_eq!(node.span.start.column, 7);
            }
        }
    }
}

#[test]
fn pdb_drain_check_uses_the_hpa_minimum() {
    let hpa = "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: web, namespace: shop}\nspec: {minReplicas: 2, maxReplicas: 5, scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}}\n";
    let blocking = format!(
        "{}---\n{hpa}",
        BASE.replacen("  replicas: 2\n", "", 1)
            .replacen("minAvailable: 1,", "minAvailable: 2,", 1)
    );
    let found = run(&blocking);
    let d = found
        .iter()
        .find(|d| d.code == "k8s/pdb-blocks-drain")
        .unwrap();
    assert_eq!(
        d.message,
        "PodDisruptionBudget web allows no disruption of Deployment/shop/web (2 replicas at the minimum of HorizontalPodAutoscaler web): node drains block"
    );
    // Without the HPA the default single replica is what counts, with the old wording.
    let alone =
        BASE.replacen("  replicas: 2\n", "", 1)
            .replacen("minAvailable: 1,", "minAvailable: 2,", 1);
    let found = run(&alone);
    let d = found
        .iter()
        .find(|d| d.code == "k8s/pdb-blocks-drain")
        .unwrap();
    assert!(
        d.message.ends_with("(1 replicas): node drains block"),
        "{}",
        d.message
    );
}
