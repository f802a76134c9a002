//! The example deploy repository (`examples/stack`) is accepted by the reference tools:
//! `kubectl kustomize` builds every environment, `promtool` accepts the rules and the Prometheus
//! config and the alert rules pass their unit tests, `amtool` accepts the Alertmanager config.
//! The workspace's own checks of the same repository run in the `deploy-check` tests; these
//! keep the fixture honest against the tools that the real deployment uses.

// A test fails by panicking: clippy's allow-*-in-tests settings do not reach helper functions.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;

fn stack() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/stack")
}

/// Runs a reference tool and returns its stdout, failing the test with an install hint when the
/// tool is missing and with the tool's own output when it rejects the input.
fn run(tool: &str, args: &[&str], dir: &Path, hint: &str) -> String {
    let output = Command::new(tool)
        .args(args)
        .current_dir(dir)
        .env("KUBECONFIG", "/dev/null")
        .output()
        .unwrap_or_else(|e| panic!("cannot run `{tool}` ({e}); {hint}"));
    assert!(
        output.status.success(),
        "`{tool} {}` in {} failed:\n{}{}",
        args.join(" "),
        dir.display(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

const KUBECTL_HINT: &str =
    "install kubectl (v1.32+, kustomize v5.5) or run `bash scripts/test-all.sh`";
const PROMTOOL_HINT: &str =
    "install it with `apt-get install prometheus` or run `bash scripts/test-all.sh`";
const AMTOOL_HINT: &str =
    "install it with `apt-get install prometheus-alertmanager` or run `bash scripts/test-all.sh`";

#[test]
fn every_environment_builds_with_kubectl_kustomize() {
    for (env, prefix, namespace, scaling) in [
        ("dev", "dev-", "rate-limiter-dev", "  replicas: 1\n"),
        // In prod the HorizontalPodAutoscaler owns the count: the Deployment has none.
        ("prod", "prod-", "rate-limiter", "  minReplicas: 3\n"),
    ] {
        let dir = stack().join("k8s/environments").join(env);
        let out = run("kubectl", &["kustomize", "."], &dir, KUBECTL_HINT);
        assert!(
            out.contains(&format!("name: {prefix}rate-limiter\n")),
            "{env}: {out}"
        );
        assert!(
            out.contains(&format!("namespace: {namespace}\n")),
            "{env}: {out}"
        );
        assert!(out.contains(scaling), "{env}: {out}");
        // The service address handed to the limiter must name the prefixed Redis Service.
        assert!(
            out.contains(&format!("REDIS_URL: redis://{prefix}redis:6379")),
            "{env}: {out}"
        );
        assert!(
            out.contains(&format!("serviceName: {prefix}redis\n")),
            "{env}: {out}"
        );
    }
}

#[test]
fn rules_and_prometheus_config_pass_promtool() {
    let out = run(
        "promtool",
        &["check", "rules", "rules/rate-limiter.rules.yml"],
        &stack().join("prometheus"),
        PROMTOOL_HINT,
    );
    assert!(out.contains("SUCCESS: 18 rules found"), "{out}");
    let out = run(
        "promtool",
        &["check", "config", "prometheus.yml"],
        &stack().join("prometheus"),
        PROMTOOL_HINT,
    );
    assert!(
        out.contains("is valid prometheus config file syntax"),
        "{out}"
    );
}

#[test]
fn alert_rules_fire_as_their_unit_tests_expect() {
    // Synthetic series through Prometheus' own rule evaluator: error rate, burn rate, instance
    // down, backend errors, denial ratio and slow decisions fire with the expected labels and
    // annotations, and stay silent where they should.
    let out = run(
        "promtool",
        &["test", "rules", "tests/rate-limiter.test.yml"],
        &stack().join("prometheus"),
        PROMTOOL_HINT,
    );
    assert!(out.contains("SUCCESS"), "{out}");
}

#[test]
fn alertmanager_config_passes_amtool() {
    let out = run(
        "amtool",
        &["check-config", "alertmanager.yml"],
        &stack().join("alertmanager"),
        AMTOOL_HINT,
    );
    assert!(out.contains("SUCCESS"), "{out}");
}

#[test]
fn ecs_task_definition_is_json_with_the_fargate_essentials() {
    let text = std::fs::read_to_string(stack().join("ecs/rate-limiter-taskdef.json")).unwrap();
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(value["requiresCompatibilities"][0], "FARGATE");
    assert_eq!(value["networkMode"], "awsvpc");
    // awslogs on Fargate needs an execution role to push logs.
    assert!(
        value["executionRoleArn"]
            .as_str()
            .is_some_and(|s| s.starts_with("arn:aws:iam::"))
    );
}
