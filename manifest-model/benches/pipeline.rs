//! The whole pipeline (parse with positions + typed objects + strict checks + full lint) on
//! 10,000 generated objects, beside the floor: plain `serde_yaml` deserialization of the same
//! stream into the same k8s-openapi types.
//!
//! `cargo bench -p manifest-model --bench pipeline` prints criterion's timings, then objects
//! per second and the peak resident memory of each side, each measured in a fresh child
//! process (`MM_BENCH_PHASE=floor|pipeline`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::hint::black_box;
use std::path::Path;
use std::time::Instant;

use criterion::{Criterion, Throughput};
use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::core::v1::{ConfigMap, Secret, Service, ServiceAccount};
use k8s_openapi::api::networking::v1::{Ingress, NetworkPolicy};
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use manifest_model::KubeVersion;
use manifest_model::lint::{LintConfig, check_all};
use serde::Deserialize;

const OBJECTS: usize = 10_000;

/// Deterministic pseudo-random numbers (64-bit LCG), so every run sees the same input.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

const KINDS: [&str; 10] = [
    "Deployment",
    "Service",
    "ConfigMap",
    "Ingress",
    "PodDisruptionBudget",
    "HorizontalPodAutoscaler",
    "StatefulSet",
    "Secret",
    "ServiceAccount",
    "NetworkPolicy",
];

/// A realistic multi-document stream: `count` objects, ten kinds per application, with the
/// usual mistakes sprinkled in (missing probes, `latest` tags, literal secrets...).
fn generate(count: usize) -> (String, Vec<&'static str>) {
    let mut rng = Lcg(42);
    let mut out = String::with_capacity(count * 700);
    let mut kinds = Vec::with_capacity(count);
    let images = [
        "nginx:1.25",
        "ghcr.io/acme/api:v2.3.1",
        "redis",
        "postgres:16",
        "busybox:latest",
    ];
    for i in 0..count {
        let app = i / KINDS.len();
        let ns = format!("team-{}", app % 17);
        let name = format!("app-{app}");
        let kind = KINDS[i % KINDS.len()];
        kinds.push(kind);
        let replicas = 1 + rng.next(4);
        let image = images[rng.next(images.len() as u64) as usize];
        let probes = if rng.next(3) == 0 {
            String::new()
        } else {
            "        livenessProbe: {httpGet: {path: /healthz, port: 8080}, periodSeconds: 10}\n        readinessProbe: {httpGet: {path: /ready, port: 8080}}\n".to_owned()
        };
        let doc = match kind {
            "Deployment" => format!(
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n  namespace: {ns}\n  labels: {{app: {name}, tier: backend}}\nspec:\n  replicas: {replicas}\n  selector:\n    matchLabels: {{app: {name}}}\n  template:\n    metadata:\n      labels: {{app: {name}, tier: backend}}\n    spec:\n      serviceAccountName: {name}\n      securityContext: {{runAsNonRoot: true, runAsUser: 10001}}\n      containers:\n      - name: main\n        image: {image}\n        ports: [{{name: http, containerPort: 8080}}]\n        env:\n        - {{name: LOG_LEVEL, value: info}}\n        - {{name: DB_PASSWORD, valueFrom: {{secretKeyRef: {{name: {name}, key: password}}}}}}\n        envFrom: [{{configMapRef: {{name: {name}}}}}]\n        resources:\n          requests: {{cpu: {}m, memory: 256Mi}}\n          limits: {{cpu: '1', memory: 512Mi}}\n{probes}        securityContext: {{allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {{drop: [ALL]}}}}\n",
                100 + rng.next(400)
            ),
            "Service" => format!(
                "apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\n  namespace: {ns}\n  labels: {{app: {name}}}\nspec:\n  selector: {{app: {name}}}\n  ports:\n  - {{name: http, port: 80, targetPort: 8080}}\n"
            ),
            "ConfigMap" => format!(
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  namespace: {ns}\ndata:\n  LOG_FORMAT: json\n  FEATURE_FLAGS: \"a,b,c\"\n  config.yaml: |\n    server:\n      port: 8080\n      timeout: {}s\n",
                rng.next(60)
            ),
            "Ingress" => format!(
                "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: {name}\n  namespace: {ns}\n  annotations: {{cert-manager.io/cluster-issuer: letsencrypt}}\nspec:\n  ingressClassName: nginx\n  tls: [{{hosts: [{name}.example.com], secretName: {name}-tls}}]\n  rules:\n  - host: {name}.example.com\n    http:\n      paths:\n      - path: /\n        pathType: Prefix\n        backend: {{service: {{name: {name}, port: {{number: 80}}}}}}\n"
            ),
            "PodDisruptionBudget" => format!(
                "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: {name}\n  namespace: {ns}\nspec:\n  maxUnavailable: 1\n  selector:\n    matchLabels: {{app: {name}}}\n"
            ),
            "HorizontalPodAutoscaler" => format!(
                "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: {name}\n  namespace: {ns}\nspec:\n  scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: {name}}}\n  minReplicas: 2\n  maxReplicas: {}\n  metrics:\n  - type: Resource\n    resource: {{name: cpu, target: {{type: Utilization, averageUtilization: 70}}}}\n",
                3 + rng.next(10)
            ),
            "StatefulSet" => format!(
                "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: {name}-db\n  namespace: {ns}\nspec:\n  serviceName: {name}-db\n  replicas: 3\n  selector:\n    matchLabels: {{app: {name}-db}}\n  template:\n    metadata:\n      labels: {{app: {name}-db}}\n    spec:\n      containers:\n      - name: db\n        image: postgres:16\n        ports: [{{name: pg, containerPort: 5432}}]\n        volumeMounts: [{{name: data, mountPath: /var/lib/postgresql/data}}]\n  volumeClaimTemplates:\n  - metadata: {{name: data}}\n    spec:\n      accessModes: [ReadWriteOnce]\n      resources: {{requests: {{storage: 10Gi}}}}\n"
            ),
            "Secret" => format!(
                "apiVersion: v1\nkind: Secret\nmetadata:\n  name: {name}\n  namespace: {ns}\ntype: Opaque\nstringData:\n  password: \"{}\"\n",
                if rng.next(10) == 0 {
                    "changeme".to_owned()
                } else {
                    format!("pw-{}", rng.next(1_000_000))
                }
            ),
            "ServiceAccount" => format!(
                "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: {name}\n  namespace: {ns}\nautomountServiceAccountToken: false\n"
            ),
            _ => format!(
                "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: {name}\n  namespace: {ns}\nspec:\n  podSelector:\n    matchLabels: {{app: {name}}}\n  policyTypes: [Ingress]\n  ingress:\n  - from: [{{podSelector: {{matchLabels: {{role: frontend}}}}}}]\n    ports: [{{protocol: TCP, port: 8080}}]\n"
            ),
        };
        out.push_str("---\n");
        out.push_str(&doc);
    }
    (out, kinds)
}

/// The floor: serde_yaml straight into the k8s-openapi type of each document.
fn floor(src: &str, kinds: &[&str]) -> usize {
    let mut n = 0;
    for (doc, kind) in serde_yaml::Deserializer::from_str(src).zip(kinds) {
        match *kind {
            "Deployment" => drop(black_box(Deployment::deserialize(doc).unwrap())),
            "Service" => drop(black_box(Service::deserialize(doc).unwrap())),
            "ConfigMap" => drop(black_box(ConfigMap::deserialize(doc).unwrap())),
            "Ingress" => drop(black_box(Ingress::deserialize(doc).unwrap())),
            "PodDisruptionBudget" => {
                drop(black_box(PodDisruptionBudget::deserialize(doc).unwrap()))
            }
            "HorizontalPodAutoscaler" => {
                drop(black_box(
                    HorizontalPodAutoscaler::deserialize(doc).unwrap(),
                ));
            }
            "StatefulSet" => drop(black_box(StatefulSet::deserialize(doc).unwrap())),
            "Secret" => drop(black_box(Secret::deserialize(doc).unwrap())),
            "ServiceAccount" => drop(black_box(ServiceAccount::deserialize(doc).unwrap())),
            _ => drop(black_box(NetworkPolicy::deserialize(doc).unwrap())),
        }
        n += 1;
    }
    n
}

/// The pipeline: positions, typed objects, strict checks, full lint.
fn pipeline(src: &str) -> (usize, usize) {
    let loaded = manifest_model::load_str(src, Path::new("generated.yaml")).unwrap();
    let diags = check_all(&loaded, KubeVersion::new(1, 35), &LintConfig::default());
    (loaded.objects.len(), black_box(diags).len())
}

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

/// Child mode: run one phase once and print `objects seconds peak_kib` (peak minus the
/// resident size before the phase, so the input string is not counted).
fn child(phase: &str) {
    let (src, kinds) = generate(OBJECTS);
    // Warm the schema cache outside the measurement, as a long-running embedder would.
    let _ = manifest_model::is_builtin_kind("apps/v1", "Deployment");
    let before = peak_rss_kib();
    let start = Instant::now();
    let n = match phase {
        "floor" => floor(&src, &kinds),
        _ => pipeline(&src).0,
    };
    let secs = start.elapsed().as_secs_f64();
    println!("{n} {secs} {}", peak_rss_kib().saturating_sub(before));
}

fn main() {
    if let Ok(phase) = std::env::var("MM_BENCH_PHASE") {
        child(&phase);
        return;
    }
    let (src, kinds) = generate(OBJECTS);
    let (objects, findings) = pipeline(&src);
    assert_eq!(objects, OBJECTS);
    println!(
        "generated {OBJECTS} objects, {} bytes; pipeline finds {findings} diagnostics",
        src.len()
    );

    let mut c = Criterion::default().sample_size(10).configure_from_args();
    let mut g = c.benchmark_group("10k-objects");
    g.throughput(Throughput::Elements(OBJECTS as u64));
    g.bench_function("floor: serde_yaml -> k8s-openapi", |b| {
        b.iter(|| floor(black_box(&src), &kinds));
    });
    g.bench_function("pipeline: positions + typed + strict + lint", |b| {
        b.iter(|| pipeline(black_box(&src)));
    });
    g.finish();
    c.final_summary();

    // Objects per second and peak memory, each side in a fresh process.
    let exe = std::env::current_exe().unwrap();
    let mut results = Vec::new();
    for phase in ["floor", "pipeline"] {
        let out = std::process::Command::new(&exe)
            .env("MM_BENCH_PHASE", phase)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        let parts: Vec<f64> = text
            .split_whitespace()
            .filter_map(|p| p.parse().ok())
            .collect();
        if let [n, secs, kib] = parts[..] {
            println!(
                "{phase}: {:.0} objects/s, peak memory +{:.1} MiB",
                n / secs,
                kib / 1024.0
            );
            results.push(secs);
        }
    }
    if let [floor_s, pipeline_s] = results[..] {
        println!(
            "ratio pipeline/floor (single run): {:.2}x",
            pipeline_s / floor_s
        );
    }
}
