//! The planner on the guide's canary, blue/green, traffic routing, and its invariants.

use proptest::prelude::*;
use rollout_plan::plan::{Gate, StrategyKind};
use rollout_plan::{IntOrString, parse_file, parse_str, plan, replicas};

fn fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

#[test]
fn guide_canary_converges_to_argo_counts() {
    let m = parse_file(&fixture("guide-canary.yaml")).unwrap();
    let p = plan(&m.rollouts[0], &m.templates).unwrap();
    assert_eq!(p.strategy, StrategyKind::Canary);
    let weights: Vec<(usize, &str, i32, i32, i32)> = p
        .steps
        .iter()
        .map(|s| {
            (
                s.index,
                s.action.as_str(),
                s.weight,
                s.canary_replicas,
                s.stable_replicas,
            )
        })
        .collect();
    // (canary, stable) per weight as Argo computes them for 10 replicas and 25%/25%.
    assert_eq!(
        weights,
        vec![
            (0, "setWeight", 10, 1, 9),
            (1, "pause", 10, 1, 9),
            (2, "setWeight", 25, 3, 8),
            (3, "pause", 25, 3, 8),
            (4, "setWeight", 50, 5, 5),
            (5, "pause", 50, 5, 5),
            (6, "setWeight", 75, 8, 3),
            (7, "pause", 75, 8, 3),
            (8, "promote", 100, 10, 0),
        ]
    );
    assert_eq!(p.min_duration_seconds, 13 * 60);
    assert_eq!(p.max_duration_seconds, Some(13 * 60));
    // 25% and 75% run 11 pods, and the plan says why.
    assert!(
        p.steps[2]
            .explanation
            .as_deref()
            .unwrap()
            .contains("11 pods")
    );
    assert!(p.steps[0].explanation.is_none());
    let json = p.to_json();
    assert_eq!(json["strategy"], "canary");
    assert_eq!(json["replicas"], 10);
    assert_eq!(json["min_duration_seconds"], 780);
    let s1 = &json["steps"][1];
    for key in [
        "index",
        "action",
        "weight",
        "canary_replicas",
        "stable_replicas",
        "pause_seconds",
    ] {
        assert!(s1.get(key).is_some(), "{key} missing in {s1}");
    }
    assert_eq!(s1["pause_seconds"], 120);
    assert!(p.to_text().contains("at least 13m"));
    assert!(p.to_mermaid().starts_with("flowchart LR\n"));
}

#[test]
fn indefinite_pause_is_null_and_unbounded() {
    let m = parse_str(
        "kind: Rollout\nspec:\n  replicas: 4\n  strategy:\n    canary:\n      steps:\n      - setWeight: 50\n      - pause: {}\n",
        "r.yaml",
    )
    .unwrap();
    let p = plan(&m.rollouts[0], &[]).unwrap();
    assert_eq!(p.steps[1].gate, Gate::Manual);
    assert!(p.to_json()["steps"][1]["pause_seconds"].is_null());
    assert_eq!(p.max_duration_seconds, None);
}

#[test]
fn traffic_routing_keeps_stable_full_and_weights_exact() {
    let m = parse_str(
        "kind: Rollout\nspec:\n  replicas: 10\n  strategy:\n    canary:\n      canaryService: c\n      stableService: s\n      trafficRouting: {nginx: {stableIngress: i}}\n      steps:\n      - setWeight: 15\n      - setCanaryScale: {replicas: 4}\n      - setWeight: 40\n",
        "r.yaml",
    )
    .unwrap();
    let p = plan(&m.rollouts[0], &[]).unwrap();
    let counts: Vec<(i32, i32, i32)> = p
        .steps
        .iter()
        .map(|s| (s.weight, s.canary_replicas, s.stable_replicas))
        .collect();
    assert_eq!(
        counts,
        vec![(15, 2, 10), (15, 4, 10), (40, 4, 10), (100, 10, 10)]
    );
    assert!(p.notes.iter().any(|n| n.contains("30s")));
}

#[test]
fn blue_green_phases_and_rollback_window() {
    let m = parse_file(&fixture("bluegreen.yaml")).unwrap();
    let p = plan(&m.rollouts[0], &m.templates).unwrap();
    assert_eq!(p.strategy, StrategyKind::BlueGreen);
    let actions: Vec<&str> = p.steps.iter().map(|s| s.action.as_str()).collect();
    assert_eq!(
        actions,
        vec![
            "preview",
            "prePromotionAnalysis",
            "pause",
            "scaleUpPreview",
            "promote",
            "postPromotionAnalysis",
            "scaleDownOld"
        ]
    );
    assert_eq!(
        (p.steps[0].canary_replicas, p.steps[0].stable_replicas),
        (2, 4)
    );
    assert_eq!(p.steps[2].pause_seconds, Some(60));
    // smoke: count 3 every 30s = 60s at best; 3 x 4 errors x 10s more at worst.
    assert_eq!(
        (p.steps[1].min_seconds, p.steps[1].max_seconds),
        (60, Some(180))
    );
    assert_eq!(p.steps[6].gate, Gate::Timer { seconds: 120 });
    assert_eq!(p.min_duration_seconds, 60 + 60 + 60 + 120);
}

fn int_or_percent() -> impl Strategy<Value = IntOrString> {
    prop_oneof![
        (0i64..5).prop_map(IntOrString::Int),
        (0i64..101).prop_map(|p| IntOrString::String(format!("{p}%"))),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// For any valid basic canary, planned pods never exceed replicas + maxSurge and available
    /// pods never fall below replicas - maxUnavailable.
    #[test]
    fn basic_canary_respects_surge_and_unavailable(
        n in 1i32..25,
        surge in int_or_percent(),
        unavailable in int_or_percent(),
        weights in proptest::collection::vec(0i32..=100, 1..6),
    ) {
        let steps: String = weights.iter().map(|w| format!("      - setWeight: {w}\n")).collect();
        let yaml = format!(
            "kind: Rollout\nspec:\n  replicas: {n}\n  strategy:\n    canary:\n      maxSurge: {}\n      maxUnavailable: {}\n      steps:\n{steps}",
            serde_json::to_string(&surge).unwrap(),
            serde_json::to_string(&unavailable).unwrap(),
        );
        let m = parse_str(&yaml, "p.yaml").unwrap();
        let r = &m.rollouts[0];
        let zero = |v: &IntOrString| v.scaled(i64::from(n), true) == Some(0) && v.scaled(100, true) == Some(0);
        prop_assume!(!(zero(&surge) && zero(&unavailable)));
        let p = plan(r, &[]).unwrap();
        let max_total = n + replicas::max_surge(r);
        let min_available = n - replicas::max_unavailable(r);
        for s in &p.steps {
            prop_assert!(s.peak_total_replicas <= max_total, "step {} peak {} > {}", s.index, s.peak_total_replicas, max_total);
            prop_assert!(s.min_available_replicas >= min_available, "step {} available {} < {}", s.index, s.min_available_replicas, min_available);
        }
        let last = p.steps.last().unwrap();
        prop_assert_eq!((last.canary_replicas, last.stable_replicas), (n, 0));
    }
}

#[test]
fn svg_chart_has_a_line_per_series_and_a_label_per_step() {
    let m = parse_file(&fixture("guide-canary.yaml")).unwrap();
    let p = plan(&m.rollouts[0], &m.templates).unwrap();
    let svg = p.to_svg();
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(svg.trim_end().ends_with("</svg>"));
    assert_eq!(svg.matches("<polyline").count(), 3);
    assert_eq!(svg.matches("<text").count(), 3 + p.steps.len());
    // The weight line ends at 100% (the top of the plot area, y = 30).
    let weight_line = svg.lines().find(|l| l.contains("#1f77b4")).unwrap();
    assert!(
        weight_line.trim_end().ends_with(",30.0\"/>"),
        "{weight_line}"
    );
    // A manual pause draws a dashed marker.
    let manual = parse_str(
        "kind: Rollout\nspec:\n  strategy:\n    canary:\n      steps:\n      - pause: {}\n",
        "m.yaml",
    )
    .unwrap();
    assert!(
        plan(&manual.rollouts[0], &[])
            .unwrap()
            .to_svg()
            .contains("stroke-dasharray")
    );
}
