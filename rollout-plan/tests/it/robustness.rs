//! Arbitrary input never panics: the YAML loader, the model, validation, the planner, the
//! simulator, the condition language and scenario files.

use proptest::prelude::*;
use rollout_plan::analysis::expr::{Condition, Val};
use rollout_plan::analysis::run::{ProviderValue, evaluate};
use rollout_plan::sim::{Scenario, simulate_scenario};
use rollout_plan::validate::Options;
use rollout_plan::{parse_str, plan, validate};

/// YAML-ish documents built from the Rollout vocabulary, so generated input reaches deep code.
fn rollout_yaml() -> impl Strategy<Value = String> {
    let scalar = prop_oneof![
        Just("0".to_string()),
        Just("-1".to_string()),
        Just("2147483647".to_string()),
        Just("-2147483648".to_string()),
        Just("\"25%\"".to_string()),
        Just("\"oops\"".to_string()),
        Just("\"1h\"".to_string()),
        Just("{}".to_string()),
        Just("[]".to_string()),
        Just("true".to_string()),
        Just("~".to_string()),
        (0i64..200).prop_map(|i| i.to_string()),
    ];
    let step_key = prop_oneof![
        Just("setWeight"),
        Just("pause"),
        Just("setCanaryScale"),
        Just("analysis"),
        Just("experiment"),
        Just("setHeaderRoute"),
        Just("bogus"),
    ];
    let step = (step_key, scalar.clone()).prop_map(|(k, v)| match k {
        "pause" => format!("      - pause: {{duration: {v}}}\n"),
        "setCanaryScale" => format!("      - setCanaryScale: {{replicas: {v}, weight: {v}}}\n"),
        "analysis" => format!("      - analysis: {{templates: [{{templateName: {v}}}]}}\n"),
        "experiment" => format!(
            "      - experiment: {{duration: {v}, templates: [{{name: a, specRef: {v}}}]}}\n"
        ),
        "setHeaderRoute" => format!("      - setHeaderRoute: {{name: {v}}}\n"),
        k => format!("      - {k}: {v}\n"),
    });
    (
        scalar.clone(),
        scalar.clone(),
        scalar.clone(),
        proptest::collection::vec(step, 0..6),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(replicas, surge, unavail, steps, routed, blue)| {
            let strategy = if blue {
                format!("    blueGreen:\n      activeService: a\n      previewReplicaCount: {surge}\n      autoPromotionSeconds: {unavail}\n")
            } else {
                let tr = if routed { "      trafficRouting: {nginx: {}}\n      dynamicStableScale: true\n" } else { "" };
                format!("    canary:\n      maxSurge: {surge}\n      maxUnavailable: {unavail}\n{tr}      steps:\n{}", steps.concat())
            };
            format!("kind: Rollout\nspec:\n  replicas: {replicas}\n  strategy:\n{strategy}")
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
        let _ = parse_str(&text, "x.yaml");
        let _ = Condition::parse(&text);
        let _ = Scenario::from_yaml(&text);
    }

    #[test]
    fn arbitrary_rollouts_never_panic(yaml in rollout_yaml()) {
        if let Ok(m) = parse_str(&yaml, "r.yaml") {
            let _ = validate(&m, &Options::new());
            for r in &m.rollouts {
                let _ = plan(r, &m.templates);
                let s = Scenario::default();
                let _ = simulate_scenario(r, &m.templates, &s, 600_000);
            }
        }
    }

    #[test]
    fn arbitrary_json_rollouts_never_panic(n in any::<i32>(), w in any::<i32>(), i in any::<i32>(), abort in any::<bool>()) {
        let v = serde_json::json!({
            "spec": {"replicas": n, "strategy": {"canary": {"steps": [{"setWeight": w}, {"setCanaryScale": {"weight": w}}],
                "trafficRouting": {}, "dynamicStableScale": true, "minPodsPerReplicaSet": w}}},
            "status": {"stableRS": "s", "currentPodHash": "c", "currentStepIndex": i, "abort": abort}
        });
        let r = rollout_plan::Rollout::from_json(&v).unwrap();
        let rs = rollout_plan::replicas::ReplicaSet { name: "c".into(), spec_replicas: Some(w), available_replicas: n, ..Default::default() };
        let _ = rollout_plan::replicas::traffic_routed_counts_with(&r, Some(rollout_plan::replicas::TrafficWeights { canary: w, stable: n }), Some(&rs), Some(&rs));
        let _ = rollout_plan::replicas::basic_canary_counts(&r, Some(&rs), None, std::slice::from_ref(&rs));
        let _ = rollout_plan::replicas::approximate_weighted_counts(n, w, i, w);
    }

    #[test]
    fn arbitrary_conditions_evaluate_without_panic(
        parts in proptest::collection::vec(prop_oneof![
            Just("result"), Just("result[0]"), Just("result[-9]"), Just("len(result)"), Just(">="), Just("&&"),
            Just("||"), Just("!"), Just("("), Just(")"), Just("0.95"), Just("1"), Just("'a'"), Just("isNaN(result)"),
            Just("all(result, # > 1)"), Just("default(result, 0)"), Just("**"), Just("/"), Just("%"), Just("in"),
            Just("[1,2]"), Just("?"), Just(":"), Just("-"), Just("nil"), Just("??"), Just(".x"),
        ], 1..12),
        values in proptest::collection::vec(any::<f64>(), 0..4),
    ) {
        let text = parts.join(" ");
        let shapes = [ProviderValue::PromVector(values.clone()), ProviderValue::PromScalar(values.first().copied().unwrap_or(f64::NAN)), ProviderValue::Value(Val::Int(i64::MIN))];
        for shape in &shapes {
            let _ = evaluate(shape, &text, &text);
            if let Ok(c) = Condition::parse(&text) {
                let _ = c.eval(&shape.to_val());
            }
        }
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let deep = "[".repeat(5_000) + &"]".repeat(5_000);
    assert!(parse_str(&deep, "deep.yaml").is_err());
    let deep_expr = "(".repeat(5_000) + "1" + &")".repeat(5_000);
    assert!(Condition::parse(&deep_expr).is_err());
    let deep_not = "!".repeat(5_000) + "true";
    assert!(Condition::parse(&deep_not).is_err());
}
