//! `deploy-check` as a program: its command-line contract (DESIGN.md) on the example stack,
//! on the seed guides' manifests (which have known problems) and on bad usage.

// A test fails by panicking: clippy's allow-*-in-tests settings do not reach helper functions.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn deploy_check(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_deploy-check"))
        .args(args)
        .output()
        .expect("run deploy-check")
}

fn stack() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("stack")
}

/// The seed guides' manifests, copied from ../shared/fixtures/seeds.
fn seeds() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/seeds")
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

#[test]
fn the_example_stack_has_no_findings_and_exits_0() {
    let out = deploy_check(&[]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains("environment k8s/environments/dev: 10 objects, 0 error(s), 0 warning(s)"),
        "{text}"
    );
    assert!(
        text.contains("environment k8s/environments/prod: 11 objects, 0 error(s), 0 warning(s)"),
        "{text}"
    );
    assert!(text.contains("rollout \"rate-limiter\": canary"), "{text}");
    assert!(text.ends_with("0 error(s), 0 warning(s)\n"), "{text}");
    // The default is the stack; naming it gives the same report.
    let named = deploy_check(&[stack().to_str().unwrap()]);
    assert_eq!(named.stdout, out.stdout);
}

#[test]
fn json_output_has_the_contract_shape_and_the_rollout_plan() {
    let out = deploy_check(&["--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let v = json(&out);
    assert_eq!(v["summary"]["errors"], 0);
    assert_eq!(v["summary"]["warnings"], 0);
    assert!(v["diagnostics"].as_array().unwrap().is_empty());
    let envs = v["environments"].as_array().unwrap();
    assert_eq!(envs.len(), 2);
    let plan = &v["rollouts"][0]["plan"];
    assert_eq!(plan["strategy"], "canary");
    assert_eq!(plan["replicas"], 4);
    // 2m + 3m + 5m + 3m of pauses.
    assert_eq!(plan["min_duration_seconds"], 13 * 60);
    let weights: Vec<i64> = plan["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["weight"].as_i64().unwrap())
        .collect();
    assert_eq!(weights, [10, 10, 25, 25, 50, 50, 75, 75, 100]);
}

#[test]
fn the_seed_guides_show_their_known_problems() {
    let out = deploy_check(&["--format", "json", seeds().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "error-level findings exit 1");
    let v = json(&out);
    let diags = v["diagnostics"].as_array().unwrap();
    let has = |file: &str, code: &str| {
        diags
            .iter()
            .any(|d| d["file"].as_str().is_some_and(|f| f.ends_with(file)) && d["code"] == code)
    };
    // The StatefulSets name Services that are missing or not headless.
    assert!(
        has("04-prometheus-statefulset.yaml", "k8s/statefulset-service"),
        "{diags:#?}"
    );
    assert!(
        has(
            "07-alertmanager-statefulset.yaml",
            "k8s/statefulset-service"
        ),
        "{diags:#?}"
    );
    // The compose file's obsolete `version`, and awslogs on Fargate without an execution role.
    assert!(
        has("01-docker-compose.yaml", "compose/obsolete-version"),
        "{diags:#?}"
    );
    assert!(
        has(
            "02-ecs-taskdef-prometheus-staging.json",
            "ecs/execution-role-missing"
        ),
        "{diags:#?}"
    );
    // Every finding has a position and the summary counts them.
    let errors = diags.iter().filter(|d| d["severity"] == "error").count();
    assert_eq!(v["summary"]["errors"], errors);
    for d in diags {
        for key in ["file", "line", "column", "severity", "code", "message"] {
            assert!(d.get(key).is_some(), "{key} missing in {d}");
        }
    }
}

#[test]
fn sarif_output_is_a_sarif_2_1_0_log() {
    let out = deploy_check(&["--format", "sarif", seeds().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    assert_eq!(v["version"], "2.1.0");
    let run = &v["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "deploy-check");
    let results = run["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for r in results {
        let rule = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(run["tool"]["driver"]["rules"][rule]["id"], r["ruleId"]);
        assert!(["error", "warning", "note"].contains(&r["level"].as_str().unwrap()));
    }
}

#[test]
fn bad_usage_and_unreadable_input_exit_2_with_one_line() {
    for args in [
        &["--format", "yaml"][..],
        &["--frobnicate"][..],
        &["/nonexistent/deploy/repo"][..],
        &["a", "b"][..],
    ] {
        let out = deploy_check(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}

#[test]
fn prometheus_and_alertmanager_configs_are_checked_and_yaml_errors_reported() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write(
        "prometheus/prometheus.yml",
        "global:\n  scrape_interval: 15s\nrule_files:\n  - rules/missing.yml\nscrape_configs:\n  - job_name: web\n    scrape_timout: 5s\n    static_configs:\n      - targets: ['web:8080']\n",
    );
    write(
        "alertmanager/alertmanager.yml",
        "route:\n  receiver: team\n  routes:\n    - receiver: nobody\nreceivers:\n  - name: team\n",
    );
    // A rule file that is not YAML: nobody else would report it.
    write(
        "prometheus/rules/broken.yml",
        "groups:\n  - name: a\n    rules: [\n",
    );
    // A `promtool test rules` file is not a Prometheus configuration.
    write(
        "prometheus/tests/unit.yml",
        "rule_files: [../rules/broken.yml]\nevaluation_interval: 1m\ntests: []\n",
    );
    let out = deploy_check(&["--format", "json", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    let found: Vec<(String, u64, u64, String)> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["file"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
                d["column"].as_u64().unwrap(),
                d["code"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let has = |file: &str, line: u64, code: &str| {
        found
            .iter()
            .any(|(f, l, _, c)| f == file && *l == line && c == code)
    };
    assert!(
        has("prometheus/prometheus.yml", 7, "prometheus/unknown-field"),
        "{found:#?}"
    );
    assert!(
        has("prometheus/prometheus.yml", 4, "prometheus/missing-file"),
        "{found:#?}"
    );
    assert!(
        found
            .iter()
            .any(|(f, l, _, c)| f == "alertmanager/alertmanager.yml"
                && *l == 4
                && c.starts_with("alertmanager/")),
        "{found:#?}"
    );
    assert!(
        has("prometheus/rules/broken.yml", 4, "yaml/syntax"),
        "{found:#?}"
    );
    assert!(
        !found.iter().any(|(f, ..)| f == "prometheus/tests/unit.yml"),
        "{found:#?}"
    );
}
