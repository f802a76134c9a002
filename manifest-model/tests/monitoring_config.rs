//! Prometheus and Alertmanager configuration through the public API: verdicts compared with
//! the real `promtool check config` (2.42) and `amtool check-config` (0.25) on the fixtures
//! and on generated valid and broken variants, our own cases for Kubernetes service
//! discovery (Debian's promtool is built without it), positions, and property tests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;

use manifest_model::alertmanager_config::{
    check_alertmanager_config, check_alertmanager_path, load_alertmanager_config,
};
use manifest_model::prometheus_config::{
    KubernetesRole, ServiceDiscovery, check_prometheus_config, check_prometheus_path,
    load_prometheus_config,
};
use manifest_model::{Diagnostic, Severity};
use proptest::prelude::*;

const INSTALL_HINT: &str = "install the Debian packages prometheus and prometheus-alertmanager \
    (the README's test command `bash scripts/test-all.sh` installs them)";

fn errors(found: &[Diagnostic]) -> Vec<String> {
    found
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(ToString::to_string)
        .collect()
}

/// Run a tool; `Ok(true)` for exit 0, `Ok(false)` for a failed check; the output for humans.
fn run_tool(tool: &str, args: &[&Path]) -> (bool, String) {
    let mut cmd = Command::new(tool);
    if tool == "promtool" {
        cmd.args(["check", "config"]);
    } else {
        cmd.arg("check-config");
    }
    let out = cmd
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {tool}: {e}; {INSTALL_HINT}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // promtool exits 1 for an invalid config and 2 when it crashes on one (a nil section).
    (out.status.success(), text)
}

const RULES: &str = "groups:\n  - name: g\n    rules:\n      - alert: Up\n        expr: up == 0\n";

/// Write `config` (and a valid rule file and token file it may name) into a fresh dir.
fn write_prometheus(dir: &Path, config: &str) -> PathBuf {
    std::fs::create_dir_all(dir.join("rules")).unwrap();
    std::fs::write(dir.join("rules/ok.yml"), RULES).unwrap();
    std::fs::write(dir.join("token"), "secret\n").unwrap();
    let path = dir.join("prometheus.yml");
    std::fs::write(&path, config).unwrap();
    path
}

/// Returns how many cases the tool rejected.
fn compare_prometheus(cases: &[(&str, &str)]) -> usize {
    compare_prometheus_with_files(cases, &[])
}

/// As [`compare_prometheus`], with `extra` files (relative path, content) beside each config.
fn compare_prometheus_with_files(cases: &[(&str, &str)], extra: &[(&str, &str)]) -> usize {
    let tmp = tempfile::tempdir().unwrap();
    let mut mismatches = Vec::new();
    let mut rejected = 0;
    for (i, (name, config)) in cases.iter().enumerate() {
        let dir = tmp.path().join(format!("case{i}"));
        let path = write_prometheus(&dir, config);
        for (rel, content) in extra {
            let file = dir.join(rel);
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            std::fs::write(file, content).unwrap();
        }
        let (tool_ok, tool_out) = run_tool("promtool", &[&path]);
        rejected += usize::from(!tool_ok);
        let ours = check_prometheus_path(&path).map(|f| errors(&f));
        let our_ok = matches!(&ours, Ok(e) if e.is_empty());
        if tool_ok != our_ok {
            mismatches.push(format!(
                "{name}: promtool {} ({}), we {} ({ours:?})",
                if tool_ok { "accepts" } else { "rejects" },
                tool_out.trim(),
                if our_ok { "accept" } else { "reject" },
            ));
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
    rejected
}

/// Returns how many cases the tool rejected.
fn compare_alertmanager(cases: &[(&str, &str)]) -> usize {
    let tmp = tempfile::tempdir().unwrap();
    let mut mismatches = Vec::new();
    let mut rejected = 0;
    for (i, (name, config)) in cases.iter().enumerate() {
        let path = tmp.path().join(format!("am{i}.yml"));
        std::fs::write(&path, config).unwrap();
        let (tool_ok, tool_out) = run_tool("amtool", &[&path]);
        rejected += usize::from(!tool_ok);
        let ours = check_alertmanager_path(&path).map(|f| errors(&f));
        let our_ok = matches!(&ours, Ok(e) if e.is_empty());
        if tool_ok != our_ok {
            mismatches.push(format!(
                "{name}: amtool {} ({}), we {} ({ours:?})",
                if tool_ok { "accepts" } else { "rejects" },
                tool_out.trim(),
                if our_ok { "accept" } else { "reject" },
            ));
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
    rejected
}

// ---------------------------------------------------------------------------------------------
// Prometheus

const PROM_BASE: &str = "global:
  scrape_interval: 15s
  evaluation_interval: 30s
  external_labels:
    cluster: prod
rule_files:
  - rules/ok.yml
  - rules/*.yml
alerting:
  alertmanagers:
    - static_configs:
        - targets: ['alertmanager:9093']
scrape_configs:
  - job_name: prometheus
    static_configs:
      - targets: ['localhost:9090']
        labels: {team: platform}
  - job_name: api
    scrape_interval: 30s
    scrape_timeout: 10s
    metrics_path: /metrics
    relabel_configs:
      - source_labels: [__address__]
        regex: '(.*):\\d+'
        target_label: host
        replacement: '$1'
    dns_sd_configs:
      - names: [api.internal]
        type: A
        port: 8080
remote_write:
  - url: http://thanos:19291/api/v1/receive
    queue_config:
      max_shards: 10
";

/// Variants of [`PROM_BASE`]: `(name, text to replace, replacement)`.
const PROM_MUTATIONS: &[(&str, &str, &str)] = &[
    ("base", "", ""),
    (
        "unknown global field",
        "  evaluation_interval: 30s\n",
        "  evaluation_interval: 30s\n  scrape_intervall: 1m\n",
    ),
    (
        "unknown top-level field",
        "rule_files:\n",
        "rule_file: []\nrule_files:\n",
    ),
    (
        "unknown scrape field",
        "    metrics_path: /metrics\n",
        "    metrics_paht: /metrics\n",
    ),
    (
        "bad duration",
        "scrape_interval: 15s",
        "scrape_interval: 15 seconds",
    ),
    (
        "units out of order",
        "scrape_interval: 15s",
        "scrape_interval: 1s1m",
    ),
    (
        "zero duration is the default",
        "scrape_interval: 15s",
        "scrape_interval: 0",
    ),
    (
        "global timeout above interval",
        "  evaluation_interval: 30s\n",
        "  evaluation_interval: 30s\n  scrape_timeout: 20s\n",
    ),
    (
        "job timeout above interval",
        "    scrape_timeout: 10s\n",
        "    scrape_timeout: 40s\n",
    ),
    (
        "duplicate job name",
        "job_name: api",
        "job_name: prometheus",
    ),
    ("empty job name", "job_name: api", "job_name: ''"),
    (
        "bad external label name",
        "    cluster: prod",
        "    cluster-name: prod",
    ),
    (
        "bad static label name",
        "labels: {team: platform}",
        "labels: {0team: platform}",
    ),
    (
        "target with scheme",
        "['localhost:9090']",
        "['http://localhost:9090']",
    ),
    ("target without port", "['localhost:9090']", "['localhost']"),
    (
        "unknown relabel action",
        "        target_label: host\n",
        "        target_label: host\n        action: rewrite\n",
    ),
    (
        "relabel action in capitals",
        "        target_label: host\n",
        "        target_label: host\n        action: Replace\n",
    ),
    ("replace without target", "        target_label: host\n", ""),
    (
        "bad target label",
        "target_label: host",
        "target_label: 'ho-st'",
    ),
    (
        "regex syntax error",
        "regex: '(.*):\\d+'",
        "regex: '(.*:\\d+'",
    ),
    (
        "named group Go rejects",
        "regex: '(.*):\\d+'",
        "regex: '(?<h>.*):\\d+'",
    ),
    (
        "repeat count over 1000",
        "regex: '(.*):\\d+'",
        "regex: 'a{1001}'",
    ),
    ("literal brace", "regex: '(.*):\\d+'", "regex: 'a{x}'"),
    ("quoted literal", "regex: '(.*):\\d+'", "regex: '\\Qa.b\\E'"),
    ("nested repetition", "regex: '(.*):\\d+'", "regex: 'a**'"),
    (
        "bad source label",
        "[__address__]",
        "['__address__', 'a.b']",
    ),
    (
        "hashmod without modulus",
        "        target_label: host\n",
        "        target_label: host\n        action: hashmod\n",
    ),
    (
        "labeldrop with source labels",
        "        target_label: host\n        replacement: '$1'\n",
        "        action: labeldrop\n",
    ),
    ("dns without port", "        port: 8080\n", ""),
    ("dns bad type", "type: A", "type: TXT"),
    (
        "srv needs no port",
        "        type: A\n        port: 8080\n",
        "        type: SRV\n",
    ),
    (
        "missing explicit rule file",
        "  - rules/ok.yml\n",
        "  - rules/missing.yml\n",
    ),
    (
        "glob matching nothing",
        "  - rules/*.yml\n",
        "  - other/*.yml\n",
    ),
    (
        "star outside last element",
        "  - rules/*.yml\n",
        "  - '*/rules.yml'\n",
    ),
    (
        "remote write without url",
        "  - url: http://thanos:19291/api/v1/receive\n",
        "  - name: thanos\n",
    ),
    (
        "remote write bad port",
        "http://thanos:19291/",
        "http://thanos:port/",
    ),
    (
        "remote write missing scheme",
        "http://thanos:19291/api/v1/receive",
        "':thanos'",
    ),
    (
        "remote write reserved header",
        "    queue_config:\n",
        "    headers: {User-Agent: me}\n    queue_config:\n",
    ),
    (
        "remote write unknown queue field",
        "      max_shards: 10\n",
        "      max_shard: 10\n",
    ),
    (
        "password and password_file",
        "    metrics_path: /metrics\n",
        "    metrics_path: /metrics\n    basic_auth: {username: u, password: p, password_file: token}\n",
    ),
    (
        "basic auth and bearer token",
        "    metrics_path: /metrics\n",
        "    metrics_path: /metrics\n    basic_auth: {username: u, password: p}\n    bearer_token: t\n",
    ),
    (
        "authorization type basic",
        "    metrics_path: /metrics\n",
        "    metrics_path: /metrics\n    authorization: {type: Basic, credentials: x}\n",
    ),
    (
        "bearer token file exists",
        "    metrics_path: /metrics\n",
        "    metrics_path: /metrics\n    bearer_token_file: token\n",
    ),
    (
        "bearer token file missing",
        "    metrics_path: /metrics\n",
        "    metrics_path: /metrics\n    bearer_token_file: nope\n",
    ),
    (
        "client cert without key",
        "    metrics_path: /metrics\n",
        "    metrics_path: /metrics\n    tls_config: {cert_file: token}\n",
    ),
    (
        "unknown tls version",
        "    metrics_path: /metrics\n",
        "    metrics_path: /metrics\n    tls_config: {min_version: TLS14}\n",
    ),
    (
        "oauth2 without token url",
        "    metrics_path: /metrics\n",
        "    metrics_path: /metrics\n    oauth2: {client_id: a, client_secret: b}\n",
    ),
    (
        "proxy header without proxy",
        "    metrics_path: /metrics\n",
        "    metrics_path: /metrics\n    proxy_connect_header: {X: [y]}\n",
    ),
    (
        "yaml 1.1 boolean",
        "    metrics_path: /metrics\n",
        "    metrics_path: /metrics\n    honor_labels: yes\n",
    ),
    (
        "string where boolean",
        "    metrics_path: /metrics\n",
        "    metrics_path: /metrics\n    honor_labels: maybe\n",
    ),
    (
        "alertmanager api v3",
        "    - static_configs:\n",
        "    - api_version: v3\n      static_configs:\n",
    ),
    (
        "file sd bad extension",
        "    dns_sd_configs:\n",
        "    file_sd_configs:\n      - files: [targets.txt]\n    dns_sd_configs:\n",
    ),
    (
        "file sd glob",
        "    dns_sd_configs:\n",
        "    file_sd_configs:\n      - files: ['targets/*.json']\n    dns_sd_configs:\n",
    ),
    (
        "http sd ftp",
        "    dns_sd_configs:\n",
        "    http_sd_configs:\n      - url: ftp://sd\n    dns_sd_configs:\n",
    ),
    (
        "null scrape config",
        "scrape_configs:\n",
        "scrape_configs:\n  - ~\n",
    ),
    (
        "duplicate key",
        "  evaluation_interval: 30s\n",
        "  evaluation_interval: 30s\n  evaluation_interval: 1m\n",
    ),
    (
        "wrong type",
        "  scrape_interval: 15s\n",
        "  scrape_interval: [15s]\n",
    ),
    (
        "integer duration",
        "scrape_interval: 15s",
        "scrape_interval: 15",
    ),
    (
        "days duration",
        "scrape_interval: 15s",
        "scrape_interval: 1d",
    ),
    (
        "quoted boolean",
        "    metrics_path: /metrics\n",
        "    metrics_path: /metrics\n    honor_timestamps: 'true'\n",
    ),
    (
        "negative sample limit",
        "    metrics_path: /metrics\n",
        "    metrics_path: /metrics\n    sample_limit: -1\n",
    ),
    (
        "body size limit",
        "    metrics_path: /metrics\n",
        "    metrics_path: /metrics\n    body_size_limit: 10MB\n",
    ),
    (
        "bad body size limit",
        "    metrics_path: /metrics\n",
        "    metrics_path: /metrics\n    body_size_limit: 10XB\n",
    ),
    (
        "params",
        "    metrics_path: /metrics\n",
        "    metrics_path: /metrics\n    params: {module: [http_2xx]}\n",
    ),
    (
        "keepequal",
        "        target_label: host\n        replacement: '$1'\n",
        "        target_label: host\n        action: keepequal\n",
    ),
    (
        "keepequal with replacement",
        "        target_label: host\n",
        "        target_label: host\n        action: keepequal\n",
    ),
    (
        "lowercase",
        "        target_label: host\n        replacement: '$1'\n",
        "        target_label: host\n        action: lowercase\n",
    ),
    (
        "lowercase with replacement",
        "        replacement: '$1'\n",
        "        replacement: '${1}x'\n        action: lowercase\n",
    ),
    (
        "labelmap",
        "        target_label: host\n        replacement: '$1'\n",
        "        action: labelmap\n",
    ),
    (
        "labelmap bad replacement",
        "        target_label: host\n        replacement: '$1'\n",
        "        action: labelmap\n        replacement: 'a-$1'\n",
    ),
    (
        "template target label",
        "target_label: host",
        "target_label: '${1}_host'",
    ),
    (
        "write relabel drop",
        "    queue_config:\n",
        "    write_relabel_configs: [{source_labels: [__name__], regex: 'go_.*', action: drop}]\n    queue_config:\n",
    ),
    (
        "alert relabel bad action",
        "  alertmanagers:\n",
        "  alert_relabel_configs: [{action: delete}]\n  alertmanagers:\n",
    ),
    (
        "http sd",
        "    dns_sd_configs:\n",
        "    http_sd_configs:\n      - url: http://sd:8080/targets\n        refresh_interval: 1m\n    dns_sd_configs:\n",
    ),
    (
        "remote write sigv4 and basic auth",
        "    queue_config:\n",
        "    sigv4: {region: eu-west-1}\n    basic_auth: {username: u, password: p}\n    queue_config:\n",
    ),
    (
        "duplicate remote write name",
        "    queue_config:\n      max_shards: 10\n",
        "    name: a\n  - url: http://other/\n    name: a\n",
    ),
];

fn prometheus_variants() -> Vec<(String, String)> {
    PROM_MUTATIONS
        .iter()
        .map(|(name, from, to)| {
            let text = if from.is_empty() {
                PROM_BASE.to_owned()
            } else {
                assert!(
                    PROM_BASE.contains(from),
                    "mutation {name}: {from:?} not in the base"
                );
                PROM_BASE.replacen(from, to, 1)
            };
            ((*name).to_owned(), text)
        })
        .collect()
}

#[test]
fn prometheus_verdicts_equal_promtool_on_generated_variants() {
    let variants = prometheus_variants();
    assert!(variants.len() >= 25);
    let cases: Vec<(&str, &str)> = variants
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    let rejected = compare_prometheus(&cases);
    // Both verdicts occur: the variants exercise the checks, not only the happy path.
    assert!(
        rejected >= 25 && cases.len() - rejected >= 8,
        "{rejected} of {} rejected",
        cases.len()
    );
}

#[test]
fn prometheus_verdicts_equal_promtool_on_file_sd_target_files() {
    let config = "scrape_configs:\n  - job_name: files\n    file_sd_configs:\n      - files: ['targets/*.json', 'targets/*.yml']\n";
    let files: &[(&str, &str, &str)] = &[
        (
            "valid json",
            "targets/a.json",
            r#"[{"targets": ["a:1"], "labels": {"env": "prod"}}]"#,
        ),
        (
            "valid yaml",
            "targets/a.yml",
            "- targets: ['a:1']\n  labels: {env: prod}\n",
        ),
        ("empty yaml", "targets/a.yml", ""),
        (
            "json unknown key ignored",
            "targets/a.json",
            r#"[{"targets": ["a:1"], "extra": 1}]"#,
        ),
        (
            "yaml unknown key",
            "targets/a.yml",
            "- targets: ['a:1']\n  label: {env: prod}\n",
        ),
        (
            "bad label name",
            "targets/a.yml",
            "- targets: ['a:1']\n  labels: {env-name: prod}\n",
        ),
        (
            "bad json label name",
            "targets/a.json",
            r#"[{"targets": ["a:1"], "labels": {"1env": "x"}}]"#,
        ),
        ("null group", "targets/a.yml", "- ~\n"),
        (
            "json syntax error",
            "targets/a.json",
            r#"[{"targets": ["a:1"]"#,
        ),
        ("not a list", "targets/a.yml", "targets: ['a:1']\n"),
        ("not matched by the glob", "targets/a.yaml", "- ~\n"),
    ];
    let mut rejected = 0;
    for (name, rel, content) in files {
        rejected += compare_prometheus_with_files(&[(name, config)], &[(rel, content)]);
    }
    assert!(rejected >= 5, "{rejected}");
    // Findings in a target file carry that file's positions.
    let tmp = tempfile::tempdir().unwrap();
    let path = write_prometheus(tmp.path(), config);
    std::fs::create_dir_all(tmp.path().join("targets")).unwrap();
    std::fs::write(
        tmp.path().join("targets/b.yml"),
        "- targets: ['a:1']\n  labels: {env-name: prod}\n",
    )
    .unwrap();
    let found = check_prometheus_path(&path).unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].file.ends_with("targets/b.yml"));
    assert_eq!(
        (found[0].line, found[0].column, found[0].code.as_str()),
        (2, 12, "prometheus/invalid-label-name")
    );
}

#[test]
fn prometheus_verdicts_equal_promtool_on_the_stack_fixture() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/stack/prometheus/prometheus.yml");
    let (tool_ok, out) = run_tool("promtool", &[&path]);
    let found = check_prometheus_path(&path).unwrap();
    assert!(tool_ok, "{out}");
    assert!(errors(&found).is_empty(), "{found:?}");
    let src = std::fs::read_to_string(&path).unwrap();
    let (config, _) = load_prometheus_config(&src, &path).unwrap();
    assert_eq!(config.global.scrape_interval_ms, 15_000);
    assert_eq!(config.global.scrape_timeout_ms, 10_000);
    let jobs: Vec<&str> = config
        .scrape_configs
        .iter()
        .map(|s| s.job_name.as_str())
        .collect();
    assert_eq!(jobs, ["prometheus", "rate-limiter", "redis"]);
    assert!(
        matches!(&config.scrape_configs[1].service_discovery[0], ServiceDiscovery::Dns(d) if d.port == Some(8080))
    );
}

#[test]
fn prometheus_unknown_fields_name_the_closest_and_the_position() {
    let src = "global:\n  scrape_interval: 15s\nscrape_configs:\n  - job_name: a\n    static_config:\n      - targets: ['a:1']\n    relabel_configs:\n      - sourcelabels: [x]\n        action: keep\n";
    let (_, found) = load_prometheus_config(src, Path::new("p.yml")).unwrap();
    let shown: Vec<String> = found.iter().map(ToString::to_string).collect();
    assert_eq!(
        shown,
        [
            "p.yml:5:5: error[prometheus/unknown-field]: unknown field `static_config` in scrape config `a`; did you mean `static_configs`?",
            "p.yml:8:9: error[prometheus/unknown-field]: unknown field `sourcelabels` in relabel config; did you mean `source_labels`?",
        ]
    );
    assert_eq!(
        found[0].path.as_deref(),
        Some("scrape_configs[0].static_config")
    );
    assert_eq!(found[0].suggestion.as_deref(), Some("static_configs"));
}

// Kubernetes service discovery: our own cases (Debian's promtool does not know the field).

fn k8s(sd: &str) -> Vec<String> {
    let src = format!("scrape_configs:\n  - job_name: k\n    kubernetes_sd_configs:\n{sd}");
    let (config, mut found) = load_prometheus_config(&src, Path::new("p.yml")).unwrap();
    found.extend(check_prometheus_config(&config));
    found
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| format!("{}:{}: {}", d.line, d.column, d.message))
        .collect()
}

#[test]
fn kubernetes_sd_is_typed_and_checked() {
    let src = "scrape_configs:\n  - job_name: pods\n    kubernetes_sd_configs:\n      - role: pod\n        namespaces: {names: [shop], own_namespace: false}\n        selectors: [{role: pod, label: 'app=web'}]\n        attach_metadata: {node: true}\n";
    let (config, found) = load_prometheus_config(src, Path::new("p.yml")).unwrap();
    assert!(found.is_empty(), "{found:?}");
    let ServiceDiscovery::Kubernetes(k) = &config.scrape_configs[0].service_discovery[0] else {
        panic!("not kubernetes");
    };
    assert_eq!(k.role, Some(KubernetesRole::Pod));
    assert_eq!(k.namespaces, ["shop"]);
    assert!(k.attach_node_metadata);
    assert_eq!(k.selectors[0].1.as_deref(), Some("app=web"));

    assert!(
        k8s("      - role: endpoints\n        selectors: [{role: service}, {role: pod}]\n")
            .is_empty()
    );
    assert!(k8s("      - role: node\n        api_server: https://k8s:6443\n        tls_config: {insecure_skip_verify: true}\n").is_empty());
    assert_eq!(
        k8s("      - namespaces: {names: [a]}\n"),
        ["4:9: role missing (one of: pod, service, endpoints, endpointslice, node, ingress)"]
    );
    assert_eq!(
        k8s("      - role: pods\n"),
        [
            "4:15: unknown Kubernetes SD role \"pods\" (one of pod, service, endpoints, endpointslice, node, ingress)"
        ]
    );
    assert_eq!(
        k8s("      - role: service\n        selectors: [{role: pod}]\n"),
        ["5:28: service role supports only service selectors"]
    );
    assert_eq!(
        k8s("      - role: pod\n        selectors: [{role: pod}, {role: pod}]\n"),
        ["5:41: duplicated selector role: pod"]
    );
    assert_eq!(
        k8s("      - role: pod\n        api_server: https://k8s\n        kubeconfig_file: kc\n"),
        ["4:9: cannot use 'kubeconfig_file' and 'api_server' simultaneously"]
    );
    assert_eq!(
        k8s("      - role: pod\n        bearer_token: t\n"),
        [
            "4:9: to use custom HTTP client configuration please provide the 'api_server' URL explicitly"
        ]
    );
    assert_eq!(
        k8s("      - role: pod\n        rol: pod\n"),
        ["5:9: unknown field `rol` in kubernetes_sd config; did you mean `role`?"]
    );
    assert_eq!(
        k8s("      - role: pod\n        api_server: 'https://k8s:api'\n"),
        [
            "5:21: `scrape_configs[0].kubernetes_sd_configs[0].api_server`: parse \"https://k8s:api\": invalid port \":api\" after host"
        ]
    );
}

#[test]
fn other_service_discoveries_are_kept_with_an_info_finding() {
    let src = "scrape_configs:\n  - job_name: e\n    ec2_sd_configs:\n      - region: eu-west-1\n";
    let (config, found) = load_prometheus_config(src, Path::new("p.yml")).unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(
        (found[0].severity, found[0].code.as_str()),
        (Severity::Info, "prometheus/unchecked-sd")
    );
    assert!(
        matches!(&config.scrape_configs[0].service_discovery[0], ServiceDiscovery::Other { mechanism, .. } if mechanism == "ec2")
    );
}

// ---------------------------------------------------------------------------------------------
// Alertmanager

const AM_BASE: &str = "global:
  resolve_timeout: 5m
  smtp_smarthost: 'smtp.example.org:587'
  smtp_from: alerts@example.org
route:
  receiver: team
  group_by: [alertname, job]
  group_wait: 30s
  group_interval: 5m
  repeat_interval: 4h
  routes:
    - matchers:
        - severity=\"critical\"
      receiver: oncall
      group_wait: 10s
      continue: true
    - match_re:
        service: 'api|web'
      receiver: team
      mute_time_intervals: [nights]
inhibit_rules:
  - source_matchers: ['severity=\"critical\"']
    target_matchers: ['severity=\"warning\"']
    equal: [alertname, job]
receivers:
  - name: team
    webhook_configs:
      - url: http://alert-router:8080/hooks/team
        send_resolved: true
    email_configs:
      - to: team@example.org
  - name: oncall
    pagerduty_configs:
      - routing_key: abc123
    slack_configs:
      - api_url: https://hooks.slack.example/x
        channel: '#oncall'
time_intervals:
  - name: nights
    time_intervals:
      - times: [{start_time: '22:00', end_time: '24:00'}]
        weekdays: ['monday:friday']
        days_of_month: ['1:5', '-1']
        months: ['january:march']
        years: ['2025:2030']
        location: Europe/Berlin
";

const AM_MUTATIONS: &[(&str, &str, &str)] = &[
    ("base", "", ""),
    (
        "unknown top-level field",
        "inhibit_rules:\n",
        "inhibit_rule: []\ninhibit_rules:\n",
    ),
    (
        "unknown route field",
        "  group_wait: 30s\n",
        "  group_wiat: 30s\n",
    ),
    (
        "unknown receiver field",
        "    webhook_configs:\n",
        "    webhook_config: []\n    webhook_configs:\n",
    ),
    (
        "unknown webhook field",
        "        send_resolved: true\n",
        "        send_resolve: true\n",
    ),
    (
        "no route",
        "route:\n  receiver: team\n",
        "route_:\n  receiver: team\n",
    ),
    (
        "root without receiver",
        "  receiver: team\n  group_by",
        "  group_by",
    ),
    (
        "root with matchers",
        "  group_wait: 30s\n",
        "  group_wait: 30s\n  matchers: [a=b]\n",
    ),
    (
        "root with mute interval",
        "  group_wait: 30s\n",
        "  group_wait: 30s\n  mute_time_intervals: [nights]\n",
    ),
    (
        "undefined receiver",
        "receiver: oncall",
        "receiver: on-call",
    ),
    (
        "duplicate receiver",
        "  - name: oncall\n",
        "  - name: team\n",
    ),
    (
        "receiver without name",
        "  - name: oncall\n",
        "  - email_configs: [{to: x@y}]\n",
    ),
    (
        "undefined time interval",
        "mute_time_intervals: [nights]",
        "mute_time_intervals: [weekends]",
    ),
    (
        "active time interval defined",
        "mute_time_intervals: [nights]",
        "active_time_intervals: [nights]",
    ),
    (
        "duplicate time interval",
        "time_intervals:\n  - name: nights\n",
        "mute_time_intervals:\n  - name: nights\ntime_intervals:\n  - name: nights\n",
    ),
    (
        "duplicate group_by label",
        "[alertname, job]\n  group_wait",
        "[alertname, alertname]\n  group_wait",
    ),
    (
        "wildcard group_by with labels",
        "[alertname, job]\n  group_wait",
        "['...', job]\n  group_wait",
    ),
    (
        "wildcard group_by",
        "[alertname, job]\n  group_wait",
        "['...']\n  group_wait",
    ),
    (
        "bad group_by label",
        "[alertname, job]\n  group_wait",
        "[alert-name]\n  group_wait",
    ),
    (
        "zero group_interval",
        "group_interval: 5m",
        "group_interval: 0s",
    ),
    (
        "bad duration",
        "repeat_interval: 4h",
        "repeat_interval: 4 hours",
    ),
    (
        "bad matcher",
        "- severity=\"critical\"\n      receiver",
        "- severity critical\n      receiver",
    ),
    (
        "matcher unclosed quote",
        "- severity=\"critical\"\n      receiver",
        "- severity=\"critical\n      receiver",
    ),
    (
        "matcher set with braces",
        "- severity=\"critical\"\n      receiver",
        "- '{severity=~\"crit.*\", team!=\"db\"}'\n      receiver",
    ),
    (
        "matcher bad regex",
        "- severity=\"critical\"\n      receiver",
        "- severity=~\"crit(\"\n      receiver",
    ),
    (
        "match_re bad regex",
        "service: 'api|web'",
        "service: 'api|(web'",
    ),
    (
        "match_re anchored alternation",
        "service: 'api|web'",
        "service: 'api)|(web'",
    ),
    (
        "match bad label name",
        "    - match_re:\n        service:",
        "    - match_re:\n        1service:",
    ),
    (
        "inhibit bad equal",
        "equal: [alertname, job]",
        "equal: [alert-name]",
    ),
    (
        "inhibit old match",
        "  - source_matchers: ['severity=\"critical\"']\n",
        "  - source_match: {severity: critical}\n",
    ),
    (
        "webhook without url",
        "      - url: http://alert-router:8080/hooks/team\n        send_resolved: true\n",
        "      - send_resolved: true\n",
    ),
    (
        "webhook ftp url",
        "http://alert-router:8080/hooks/team",
        "ftp://alert-router/hooks",
    ),
    (
        "webhook url without host",
        "http://alert-router:8080/hooks/team",
        "'http://'",
    ),
    (
        "email without global smarthost",
        "  smtp_smarthost: 'smtp.example.org:587'\n",
        "",
    ),
    (
        "email without global from",
        "  smtp_from: alerts@example.org\n",
        "",
    ),
    (
        "email inline smarthost",
        "      - to: team@example.org\n",
        "      - to: team@example.org\n        smarthost: 'mail:25'\n",
    ),
    (
        "smarthost without port",
        "'smtp.example.org:587'",
        "smtp.example.org",
    ),
    (
        "email without to",
        "      - to: team@example.org\n",
        "      - from: x@example.org\n",
    ),
    (
        "pagerduty without key",
        "      - routing_key: abc123\n",
        "      - severity: critical\n",
    ),
    (
        "slack without url",
        "      - api_url: https://hooks.slack.example/x\n        channel",
        "      - channel",
    ),
    (
        "slack global url",
        "  resolve_timeout: 5m\n",
        "  resolve_timeout: 5m\n  slack_api_url: https://hooks.slack.example/g\n",
    ),
    (
        "slack url and file",
        "        channel: '#oncall'\n",
        "        channel: '#oncall'\n        api_url_file: /etc/slack\n",
    ),
    (
        "opsgenie without key",
        "    slack_configs:\n",
        "    opsgenie_configs:\n      - message: hi\n    slack_configs:\n",
    ),
    (
        "opsgenie responder without name",
        "    slack_configs:\n",
        "    opsgenie_configs:\n      - api_key: k\n        responders: [{type: team}]\n    slack_configs:\n",
    ),
    (
        "pushover without user key",
        "    slack_configs:\n",
        "    pushover_configs:\n      - token: t\n    slack_configs:\n",
    ),
    (
        "time bad format",
        "start_time: '22:00'",
        "start_time: '10pm'",
    ),
    (
        "time start after end",
        "start_time: '22:00', end_time: '24:00'",
        "start_time: '23:00', end_time: '22:00'",
    ),
    ("bad weekday", "['monday:friday']", "['monday:funday']"),
    (
        "weekday range backwards",
        "['monday:friday']",
        "['friday:monday']",
    ),
    ("day of month zero", "['1:5', '-1']", "['0']"),
    ("day of month negative start", "['1:5', '-1']", "['-3:5']"),
    (
        "positive to negative day range",
        "['1:5', '-1']",
        "['5:-1']",
    ),
    ("bad month", "['january:march']", "['jan']"),
    ("month number", "['january:march']", "['1:3', '12']"),
    ("years backwards", "['2025:2030']", "['2030:2025']"),
    ("unknown time zone", "Europe/Berlin", "Mars/Olympus"),
    (
        "unknown global field",
        "  resolve_timeout: 5m\n",
        "  resolve_timeout: 5m\n  smtp_smart_host: x\n",
    ),
    (
        "bad global url",
        "  resolve_timeout: 5m\n",
        "  resolve_timeout: 5m\n  pagerduty_url: 'pagerduty'\n",
    ),
    (
        "yaml 1.1 boolean",
        "      continue: true",
        "      continue: yes",
    ),
    (
        "negative max_alerts",
        "        send_resolved: true\n",
        "        send_resolved: true\n        max_alerts: -1\n",
    ),
    (
        "opsgenie bad responder type",
        "    slack_configs:\n",
        "    opsgenie_configs:\n      - api_key: k\n        responders: [{type: group, name: x}]\n    slack_configs:\n",
    ),
    (
        "opsgenie valid",
        "    slack_configs:\n",
        "    opsgenie_configs:\n      - api_key: k\n        responders: [{type: team, name: x}]\n        priority: P1\n    slack_configs:\n",
    ),
    ("zero group_wait", "group_wait: 30s", "group_wait: 0s"),
    (
        "inhibit bad match_re",
        "  - source_matchers: ['severity=\"critical\"']\n",
        "  - source_match_re: {severity: '('}\n",
    ),
    (
        "time without end",
        "start_time: '22:00', end_time: '24:00'",
        "start_time: '22:00'",
    ),
    (
        "several matchers",
        "        - severity=\"critical\"\n",
        "        - severity=\"critical\"\n        - 'team=~\"db|web\"'\n",
    ),
    (
        "receiver without integrations",
        "  - name: oncall\n",
        "  - name: spare\n  - name: oncall\n",
    ),
    (
        "http config conflict",
        "        send_resolved: true\n",
        "        send_resolved: true\n        http_config: {basic_auth: {username: u, password: p}, bearer_token: t}\n",
    ),
];

fn alertmanager_variants() -> Vec<(String, String)> {
    AM_MUTATIONS
        .iter()
        .map(|(name, from, to)| {
            let text = if from.is_empty() {
                AM_BASE.to_owned()
            } else {
                assert!(
                    AM_BASE.contains(from),
                    "mutation {name}: {from:?} not in the base"
                );
                AM_BASE.replacen(from, to, 1)
            };
            ((*name).to_owned(), text)
        })
        .collect()
}

#[test]
fn alertmanager_verdicts_equal_amtool_on_generated_variants() {
    let variants = alertmanager_variants();
    assert!(variants.len() >= 25);
    let cases: Vec<(&str, &str)> = variants
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    let rejected = compare_alertmanager(&cases);
    assert!(
        rejected >= 25 && cases.len() - rejected >= 8,
        "{rejected} of {} rejected",
        cases.len()
    );
}

#[test]
fn alertmanager_verdicts_equal_amtool_on_the_fixtures() {
    let stack = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../examples/stack/alertmanager/alertmanager.yml"),
    )
    .unwrap();
    // The seed guide's route timing block is a fragment of `route`: embed it in a minimal config.
    let seed = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/seeds/002_16aefc2501ae8fbd/09-alertmanager-route-timing.yaml"),
    )
    .unwrap();
    let indented: String = seed.lines().map(|l| format!("  {l}\n")).collect();
    let seed_config =
        format!("route:\n  receiver: default\n{indented}receivers:\n  - name: default\n");
    let rejected = compare_alertmanager(&[
        ("stack alertmanager.yml", &stack),
        ("seed route timing", &seed_config),
    ]);
    assert_eq!(rejected, 0);
    let (config, found) = load_alertmanager_config(&seed_config, Path::new("seed.yml")).unwrap();
    assert!(found.is_empty() && check_alertmanager_config(&config).is_empty());
    let route = config.route.unwrap();
    assert_eq!(
        (
            route.group_wait_ms,
            route.group_interval_ms,
            route.repeat_interval_ms
        ),
        (10_000, 10_000, 12 * 3_600_000)
    );
}

#[test]
fn alertmanager_unknown_fields_name_the_closest_and_the_position() {
    let src = "route:\n  reciever: team\n  routes:\n    - matcher: ['a=b']\nreceivers:\n  - name: team\n    slack_config: []\n";
    let (_, found) = load_alertmanager_config(src, Path::new("a.yml")).unwrap();
    let shown: Vec<String> = found.iter().map(ToString::to_string).collect();
    assert_eq!(
        shown,
        [
            "a.yml:2:3: error[alertmanager/unknown-field]: unknown field `reciever` in route; did you mean `receiver`?",
            "a.yml:4:7: error[alertmanager/unknown-field]: unknown field `matcher` in route; did you mean `matchers`?",
            "a.yml:7:5: error[alertmanager/unknown-field]: unknown field `slack_config` in receiver `team`; did you mean `slack_configs`?",
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// Property tests: arbitrary input never panics.

fn yamlish() -> impl Strategy<Value = String> {
    let atoms = prop::sample::select(vec![
        "global:",
        "route:",
        "receivers:",
        "scrape_configs:",
        "- ",
        "  ",
        "job_name: a",
        "receiver: r",
        "matchers: ['a=~(']",
        "regex: '[z-a]'",
        "{",
        "}",
        "[",
        "]",
        ": ",
        "\n",
        "'",
        "\"",
        "*",
        "&a ",
        "*a",
        "relabel_configs:",
        "time_intervals:",
        "times:",
        "- start_time: '25:00'",
        "url: http://",
        "static_configs:",
        "targets: ['a/b']",
        "1h1d",
        "null",
        "~",
        "kubernetes_sd_configs:",
        "role: pod",
        "routes:",
        "name: n",
        "group_by: ['...', a]",
        "\\Q",
        "(?<n>",
        "a{1001}",
    ]);
    prop::collection::vec(atoms, 0..40).prop_map(|v| v.concat())
}

fn check_both(src: &str) {
    if let Ok((c, _)) = load_prometheus_config(src, Path::new("p.yml")) {
        let _ = check_prometheus_config(&c);
    }
    if let Ok((c, _)) = load_alertmanager_config(src, Path::new("a.yml")) {
        let _ = check_alertmanager_config(&c);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(256)
    ))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        check_both(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn arbitrary_yaml_never_panics(src in yamlish()) {
        check_both(&src);
    }

    #[test]
    fn arbitrary_regex_and_matchers_never_panic(s in "\\PC{0,40}") {
        let _ = manifest_model::prometheus_config::check_go_regex(&s);
        let _ = manifest_model::alertmanager_config::parse_matchers(&s);
        let _ = manifest_model::prometheus_config::parse_duration(&s);
    }
}
