//! Validation findings: codes, positions and messages on fixture files.

use rollout_plan::validate::{CHECKS, Options};
use rollout_plan::{Severity, parse_file, parse_str, validate};

fn fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn findings(name: &str) -> Vec<(String, usize, usize)> {
    let m = parse_file(&fixture(name)).unwrap();
    validate(&m, &Options::new())
        .into_iter()
        .map(|d| (d.code, d.line, d.column))
        .collect()
}

#[test]
fn guide_canary_is_clean() {
    let m = parse_file(&fixture("guide-canary.yaml")).unwrap();
    let d = validate(&m, &Options::new());
    assert!(d.iter().all(|d| d.severity < Severity::Error), "{d:#?}");
    assert_eq!(m.rollouts[0].canary().unwrap().steps.len(), 8);
}

#[test]
fn bluegreen_is_clean() {
    let m = parse_file(&fixture("bluegreen.yaml")).unwrap();
    assert_eq!(validate(&m, &Options::new()), vec![]);
}

#[test]
fn invalid_rollout_reports_each_problem_at_its_position() {
    let got = findings("invalid.yaml");
    let expected: Vec<(&str, usize, usize)> = vec![
        ("rollout/unknown-field", 30, 7),
        ("rollout/surge-unavailable-zero", 9, 17),
        ("rollout/requires-traffic-routing", 11, 27),
        ("rollout/weight-range", 13, 20),
        ("rollout/pause-duration", 14, 27),
        ("rollout/requires-traffic-routing", 15, 9),
        ("rollout/requires-traffic-routing", 16, 9),
        ("rollout/step-kind", 17, 9),
        ("rollout/step-kind", 18, 9),
        ("rollout/weight-decreasing", 18, 20),
        ("rollout/template-not-found", 22, 27),
        ("rollout/analysis-args", 23, 9),
        ("rollout/step-analysis-unbounded", 23, 9),
        ("rollout/experiment", 29, 22),
        ("analysis/promql-syntax", 46, 16),
        ("analysis/condition-syntax", 42, 23),
        ("analysis/count-without-interval", 41, 12),
        ("analysis/metric-name", 47, 11),
        ("analysis/provider", 51, 5),
        ("analysis/condition-syntax", 50, 23),
        ("analysis/duration", 48, 15),
        ("analysis/limits", 49, 19),
    ];
    let got_ref: Vec<(&str, usize, usize)> =
        got.iter().map(|(c, l, k)| (c.as_str(), *l, *k)).collect();
    assert_eq!(got_ref, expected);
    // Every finding has a position and a documented code.
    for (code, line, col) in &got {
        assert!(*line > 0 && *col > 0, "{code} without position");
        assert!(CHECKS.iter().any(|c| c.code == code), "{code} undocumented");
    }
}

#[test]
fn seed_experiments_list_is_flagged() {
    let got = findings("seed-003-experiments.yaml");
    assert_eq!(got, vec![("rollout/invalid-key".to_string(), 1, 1)]);
}

#[test]
fn checks_can_be_disabled_and_serialize() {
    let m = parse_file(&fixture("invalid.yaml")).unwrap();
    let all = validate(&m, &Options::new());
    let fewer = validate(&m, &Options::new().disable("rollout/step-kind"));
    assert_eq!(all.len() - 2, fewer.len());
    let json = serde_json::to_value(&all[0]).unwrap();
    for key in [
        "file", "line", "column", "severity", "code", "message", "field",
    ] {
        assert!(json.get(key).is_some(), "{key} missing from {json}");
    }
    assert!(all[0].to_string().contains("invalid.yaml:"));
}

#[test]
fn type_errors_are_errors_with_position() {
    let err = parse_str("kind: Rollout\nspec:\n  replicas: many\n", "r.yaml").unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with("r.yaml:3:13: spec.replicas: expected an integer"),
        "{text}"
    );
}

#[test]
fn conditions_that_can_never_be_true_are_flagged() {
    let template = |cond: &str| {
        format!(
            "kind: AnalysisTemplate\nmetadata: {{name: t}}\nspec:\n  metrics:\n  - name: m\n    successCondition: \"{cond}\"\n    provider: {{prometheus: {{address: 'http://p', query: up}}}}\n"
        )
    };
    let codes = |cond: &str| -> Vec<String> {
        let m = parse_str(&template(cond), "t.yaml").unwrap();
        validate(&m, &Options::new())
            .into_iter()
            .map(|d| d.code)
            .collect()
    };
    assert!(
        codes("len(result) > 0 && result[0] > 1 && result[0] < 0")
            .contains(&"analysis/never-true".to_string())
    );
    assert!(codes("result > 0.99 && result < 0.95").contains(&"analysis/never-true".to_string()));
    for ok in [
        "len(result) > 0 && result[0] >= 0.95",
        "isNaN(result) || result < 0.5",
        "len(result) == 0 || result[0] > 100",
    ] {
        assert!(
            !codes(ok).contains(&"analysis/never-true".to_string()),
            "{ok}"
        );
    }
}
