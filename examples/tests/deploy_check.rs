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

/// The repository whose monitoring configuration lives in ConfigMaps (see its README).
fn configmaps() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/configmaps")
}

const BASE_CONFIG: &str = "k8s/base/monitoring-config.yaml";
const STANDALONE_CONFIG: &str = "k8s/standalone/configmaps.yaml";

/// Line and column (1-based, in characters) of `needle`'s first character on the first line of
/// `file` (in the configmaps fixture) that contains `line_marker`, computed from the text.
fn position_in(file: &str, line_marker: &str, needle: &str) -> (u64, u64) {
    let text = std::fs::read_to_string(configmaps().join(file)).unwrap();
    let (i, line) = text
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains(line_marker))
        .unwrap_or_else(|| panic!("{line_marker:?} not in {file}"));
    let byte = line
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not on line {}", i + 1));
    (i as u64 + 1, line[..byte].chars().count() as u64 + 1)
}

/// The embedded findings of the library's report: (file, line, column, code, message).
fn embedded_findings(
    outcome: &examples::deploy_check::Outcome,
) -> Vec<(String, u64, u64, String, String)> {
    outcome
        .report
        .findings()
        .into_iter()
        .filter(|f| f.extra.contains_key("config_map"))
        .map(|f| {
            (
                f.file.clone(),
                f.line,
                f.column,
                f.code.clone(),
                f.message.clone(),
            )
        })
        .collect()
}

#[test]
fn configmap_data_is_checked_at_its_manifest_position_once() {
    let outcome = examples::deploy_check::check(&configmaps()).unwrap();
    let found = embedded_findings(&outcome);
    let at = |file: &str, (line, column): (u64, u64), code: &str| {
        (file.to_string(), line, column, code.to_string())
    };
    // Every position is computed from the fixture's text: the offending token in the manifest.
    let expected = vec![
        // A `|` block: the undefined receiver's value.
        at(
            BASE_CONFIG,
            position_in(BASE_CONFIG, "receiver: pager", "pager"),
            "alertmanager/undefined-receiver",
        ),
        // The unbalanced `)` of the rule's expression.
        {
            let (line, column) = position_in(BASE_CONFIG, "> 0.05)", "0.05)");
            at(
                BASE_CONFIG,
                (line, column + "0.05".len() as u64),
                "rules/expr-syntax",
            )
        },
        // A `|-` block: the `(` that is never closed.
        at(
            STANDALONE_CONFIG,
            position_in(STANDALONE_CONFIG, "expr: sum by", "(rate("),
            "rules/expr-syntax",
        ),
        // A quoted scalar's lines do not map 1:1: its start (the quote).
        at(
            STANDALONE_CONFIG,
            position_in(STANDALONE_CONFIG, "alertmanager.yml: \"", "\""),
            "alertmanager/undefined-receiver",
        ),
    ];
    let mut got: Vec<_> = found
        .iter()
        .map(|(f, l, c, code, _)| (f.clone(), *l, *c, code.clone()))
        .collect();
    let mut want = expected.clone();
    got.sort();
    want.sort();
    // Exactly these, once each although two environments include the base.
    assert_eq!(got, want, "{found:#?}");
    // The messages name the ConfigMap and key.
    let message_of = |code: &str, file: &str| {
        found
            .iter()
            .find(|(f, _, _, c, _)| c == code && f == file)
            .map(|(.., m)| m.clone())
            .unwrap()
    };
    assert!(
        message_of("alertmanager/undefined-receiver", BASE_CONFIG)
            .ends_with("(in ConfigMap monitoring/alertmanager-config key alertmanager.yml)")
    );
    assert!(
        message_of("rules/expr-syntax", STANDALONE_CONFIG)
            .ends_with("(in ConfigMap monitoring/recording-rules key recording_rules.yaml)")
    );
    // Nothing else: the valid Prometheus configuration's container paths are not missing files,
    // the other data is not checked, and the built ConfigMaps have no findings.
    let all = outcome.report.findings();
    assert_eq!(all.len(), expected.len(), "{all:#?}");
    assert!(all.iter().all(|f| f.environment.is_none()), "{all:#?}");
    assert_eq!(outcome.report.summary().errors, 4);
    assert_eq!(outcome.environments.len(), 3);
}

/// A Prometheus configuration that a `configMapGenerator` turns into ConfigMap data names paths
/// in the container: they are not looked for in the repository, as they are for a file that
/// Prometheus reads where it lies.
#[test]
fn generated_configmap_files_are_not_checked_for_the_files_they_name() {
    let generated = "k8s/generated/prometheus.yml";
    let outcome = examples::deploy_check::check(&configmaps()).unwrap();
    assert!(
        !outcome
            .report
            .findings()
            .iter()
            .any(|f| f.file == generated),
        "{:#?}",
        outcome.report.findings()
    );
    // The same file outside the generator: its rule file is missing.
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        configmaps().join(generated),
        dir.path().join("prometheus.yml"),
    )
    .unwrap();
    let alone = examples::deploy_check::check(dir.path()).unwrap();
    let codes: Vec<_> = alone
        .report
        .findings()
        .iter()
        .map(|f| (f.file.clone(), f.code.clone()))
        .collect();
    assert_eq!(
        codes,
        [(
            "prometheus.yml".to_string(),
            "prometheus/missing-file".to_string()
        )]
    );
}

/// Positions of a quoted scalar and a block scalar, by the pointed-at text: what the report
/// shows under each finding is the offending token.
#[test]
fn configmap_findings_point_at_the_offending_text() {
    let outcome = examples::deploy_check::check(&configmaps()).unwrap();
    for (file, line, column, code, _) in embedded_findings(&outcome) {
        let text = &outcome.sources[&file];
        let at: String = text
            .lines()
            .nth(line as usize - 1)
            .unwrap()
            .chars()
            .skip(column as usize - 1)
            .collect();
        let expected = match (file.as_str(), code.as_str()) {
            (BASE_CONFIG, "alertmanager/undefined-receiver") => "pager",
            (BASE_CONFIG, "rules/expr-syntax") => ")",
            (STANDALONE_CONFIG, "rules/expr-syntax") => "(rate(",
            (STANDALONE_CONFIG, "alertmanager/undefined-receiver") => "\"route:",
            other => panic!("unexpected finding {other:?}"),
        };
        assert!(at.starts_with(expected), "{file}:{line}:{column}: {at:?}");
    }
}

#[test]
fn configmap_findings_through_the_binary() {
    let dir = configmaps();
    let out = deploy_check(&["--format", "json", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    assert_eq!(v["summary"]["errors"], 4);
    assert_eq!(v["summary"]["warnings"], 0);
    let (line, column) = position_in(BASE_CONFIG, "receiver: pager", "pager");
    let d = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "alertmanager/undefined-receiver" && d["file"] == BASE_CONFIG)
        .unwrap();
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(line), Some(column))
    );
    assert_eq!(d["config_map"], "monitoring/alertmanager-config");
    assert_eq!(d["key"], "alertmanager.yml");
    let text = deploy_check(&[dir.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains(&format!(
            "{BASE_CONFIG}:{line}:{column}: error[alertmanager/undefined-receiver]: "
        )),
        "{text}"
    );
    assert!(text.ends_with("4 error(s), 0 warning(s)\n"), "{text}");
}

/// Runs a reference tool on `path`; true when it accepts the file.
fn tool_accepts(tool: &str, args: &[&str], path: &Path) -> (bool, String) {
    let out = Command::new(tool)
        .args(args)
        .arg(path)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run {tool}: {e}; install it with `apt-get install -y prometheus prometheus-alertmanager` or run `bash scripts/test-all.sh`"
            )
        });
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// Every ConfigMap entry of the fixture, extracted with serde_yaml (not deploy-check's own
/// code) and given to promtool or amtool by its key: our verdict (an error-level finding on
/// the entry, or none) is theirs. A Prometheus configuration is checked with `--syntax-only`,
/// as deploy-check does not look for the files it names in the repository.
#[test]
fn configmap_verdicts_equal_promtool_and_amtool() {
    use serde::Deserialize as _;
    let outcome = examples::deploy_check::check(&configmaps()).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let mut compared = 0;
    for file in [BASE_CONFIG, STANDALONE_CONFIG] {
        let text = std::fs::read_to_string(configmaps().join(file)).unwrap();
        for doc in serde_yaml::Deserializer::from_str(&text) {
            let v = serde_yaml::Value::deserialize(doc).unwrap();
            let ns = v["metadata"]["namespace"].as_str().unwrap();
            let cm = format!("{ns}/{}", v["metadata"]["name"].as_str().unwrap());
            for (key, value) in v["data"].as_mapping().unwrap() {
                let (key, value) = (key.as_str().unwrap(), value.as_str().unwrap());
                let (tool, args): (&str, &[&str]) = match key {
                    "prometheus.yml" => ("promtool", &["check", "config", "--syntax-only"]),
                    "alertmanager.yml" => ("amtool", &["check-config"]),
                    k if k.contains("rules") => ("promtool", &["check", "rules"]),
                    _ => {
                        // Not a configuration: nothing reported on it.
                        assert!(
                            !outcome
                                .report
                                .findings()
                                .iter()
                                .any(|f| f.extra["key"] == key),
                            "{key}"
                        );
                        continue;
                    }
                };
                let path = tmp.path().join(format!("{compared}-{key}"));
                std::fs::write(&path, value).unwrap();
                let (accepted, output) = tool_accepts(tool, args, &path);
                let ours = outcome.report.findings().into_iter().any(|f| {
                    f.severity == examples::report::Severity::Error
                        && f.extra.get("config_map").and_then(|c| c.as_str()) == Some(cm.as_str())
                        && f.extra.get("key").and_then(|k| k.as_str()) == Some(key)
                });
                assert_eq!(
                    !accepted,
                    ours,
                    "{cm} {key}: {tool} says {output}\nwe say {:#?}",
                    outcome.report.findings()
                );
                compared += 1;
            }
        }
    }
    // The valid Prometheus configuration, two Alertmanager configurations, two rule files.
    assert_eq!(compared, 5);
}

mod configmap_properties {
    use proptest::prelude::*;

    /// Arbitrary text, and text made of configuration fragments (more likely to parse).
    fn data() -> impl Strategy<Value = String> {
        let fragment = prop_oneof![
            Just("groups:".to_string()),
            Just("  - name: g".to_string()),
            Just("    rules:".to_string()),
            Just("      - record: a:b".to_string()),
            Just("        expr: sum(rate(x[5m])".to_string()),
            Just("route: {receiver: a}".to_string()),
            Just("receivers: [{name: b}]".to_string()),
            Just("scrape_configs: [{job_name: j, scrape_interval: 1x}]".to_string()),
            Just("rule_files: [/etc/x.yml]".to_string()),
            "[ -~]{0,20}",
        ];
        prop_oneof![
            "\\PC{0,200}",
            proptest::collection::vec(fragment, 0..8).prop_map(|l| l.join("\n")),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// Whatever a ConfigMap's data holds, as a block scalar or a quoted one, the check
        /// returns, and embedded findings point at a line of the manifest.
        #[test]
        fn arbitrary_configmap_data_never_panics(
            value in data(),
            key in prop_oneof![
                Just("prometheus.yml"), Just("alertmanager.yaml"), Just("a.rules.yml"),
                Just("x.rules"), Just("other.txt"),
            ],
            block in any::<bool>(),
        ) {
            let scalar = if block {
                let mut s = String::from("|\n");
                for l in value.lines() {
                    s.push_str("    ");
                    s.push_str(l);
                    s.push('\n');
                }
                s
            } else {
                format!("{}\n", serde_json::to_string(&value).unwrap())
            };
            let manifest = format!(
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  {key}: {scalar}"
            );
            let dir = tempfile::tempdir().unwrap();
            std::fs::write(dir.path().join("cm.yaml"), &manifest).unwrap();
            let outcome = examples::deploy_check::check(dir.path()).unwrap();
            let lines = manifest.lines().count() as u64;
            for f in outcome.report.findings() {
                if f.extra.contains_key("config_map") {
                    prop_assert_eq!(&f.file, "cm.yaml");
                    prop_assert!(f.line >= 1 && f.line <= lines, "{:?}", f);
                }
            }
        }
    }
}

/// Data named for a kind whose text does not load: a syntax error where the text ends (the end
/// of its last line), as promtool also rejects it.
#[test]
fn configmap_data_that_does_not_load_is_a_syntax_error_at_its_end() {
    let manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: p\n  namespace: m\ndata:\n  prometheus.yml: |\n    global:\n      scrape_interval: 1m\n    scrape_configs: [\n      {job_name: a}\n";
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("cm.yaml"), manifest).unwrap();
    let outcome = examples::deploy_check::check(dir.path()).unwrap();
    let last = manifest.lines().last().unwrap();
    let expected = (
        manifest.lines().count() as u64,
        last.chars().count() as u64 + 1,
    );
    let syntax: Vec<_> = outcome
        .report
        .findings()
        .into_iter()
        .filter(|f| f.code == "yaml/syntax")
        .map(|f| (f.file.clone(), f.line, f.column, f.message.clone()))
        .collect();
    assert_eq!(syntax.len(), 1, "{syntax:#?}");
    assert_eq!((syntax[0].1, syntax[0].2), expected, "{syntax:#?}");
    assert!(
        syntax[0]
            .3
            .ends_with("(in ConfigMap m/p key prometheus.yml)")
    );
    let embedded = dir.path().join("prometheus.yml");
    let value: serde_yaml::Value = serde_yaml::from_str(manifest).unwrap();
    std::fs::write(&embedded, value["data"]["prometheus.yml"].as_str().unwrap()).unwrap();
    let (accepted, output) =
        tool_accepts("promtool", &["check", "config", "--syntax-only"], &embedded);
    assert!(!accepted, "{output}");
}
