//! Export: parse → emit → parse gives an equal model; the builder validates.

use proptest::prelude::*;
use rollout_plan::export::{CanaryBuilder, to_yaml};
use rollout_plan::{AnalysisTemplate, IntOrString, Rollout, SourceMap, parse_file, parse_str};

fn strip(
    mut r: Vec<Rollout>,
    mut t: Vec<AnalysisTemplate>,
) -> (Vec<Rollout>, Vec<AnalysisTemplate>) {
    for x in &mut r {
        x.source = SourceMap::default();
    }
    for x in &mut t {
        x.source = SourceMap::default();
    }
    (r, t)
}

#[test]
fn fixtures_round_trip() {
    for name in [
        "guide-canary.yaml",
        "bluegreen.yaml",
        "steps-analysis.yaml",
        "invalid.yaml",
    ] {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name);
        let m = parse_file(&path).unwrap();
        let yaml = to_yaml(&m.rollouts, &m.templates).unwrap();
        let back = parse_str(&yaml, "out.yaml").unwrap();
        assert!(
            back.diagnostics.is_empty(),
            "{name}: {:?}",
            back.diagnostics
        );
        assert_eq!(
            strip(back.rollouts, back.templates),
            strip(m.rollouts, m.templates),
            "{name}:\n{yaml}"
        );
    }
}

#[test]
fn builder_rejects_invalid_strategies() {
    let err = CanaryBuilder::new("web", 3)
        .set_weight(150)
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("rollout/weight-range"), "{err}");
    let err = CanaryBuilder::new("web", 3)
        .surge_unavailable(IntOrString::Int(0), IntOrString::String("0%".into()))
        .set_weight(10)
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("both can not be zero"), "{err}");
    let ok = CanaryBuilder::new("web", 3)
        .traffic_routing("nginx", "web-canary", "web-stable")
        .background_analysis("success-rate", Some(1))
        .set_weight(10)
        .analysis("success-rate", &[("service", "web")])
        .build()
        .unwrap();
    let yaml = to_yaml(std::slice::from_ref(&ok), &[]).unwrap();
    let back = parse_str(&yaml, "b.yaml").unwrap();
    assert_eq!(back.rollouts[0].canary(), ok.canary());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn built_canaries_round_trip(n in 1i32..50, steps in proptest::collection::vec((0u8..4, 0i32..=100), 0..8)) {
        let mut b = CanaryBuilder::new("gen", n);
        for (kind, v) in steps {
            b = match kind {
                0 => b.set_weight(v),
                1 => b.pause_seconds(i64::from(v)),
                2 => b.pause_manual(),
                _ => b.analysis("t", &[("x", "y")]),
            };
        }
        let r = b.build().unwrap();
        let yaml = to_yaml(std::slice::from_ref(&r), &[]).unwrap();
        let back = parse_str(&yaml, "gen.yaml").unwrap();
        prop_assert_eq!(back.rollouts[0].canary(), r.canary());
        prop_assert_eq!(back.rollouts[0].replicas, r.replicas);
    }
}

#[test]
fn guide_canary_to_flagger_lists_what_is_lost() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/guide-canary.yaml");
    let m = parse_file(&path).unwrap();
    let (canary, losses) = rollout_plan::flagger::to_flagger(&m.rollouts[0], &m.templates).unwrap();
    let a = &canary["spec"]["analysis"];
    assert_eq!(a["stepWeights"], serde_json::json!([10, 25, 50, 75]));
    assert_eq!(a["maxWeight"], 75);
    assert_eq!(a["interval"], "2m");
    assert_eq!(a["threshold"], 2);
    assert_eq!(
        a["metrics"][0]["thresholdRange"],
        serde_json::json!({"min": 0.95})
    );
    let fields: Vec<&str> = losses.iter().map(|l| l.field.as_str()).collect();
    // 3m, 5m and 3m pauses cannot be expressed with a single 2m interval.
    for f in [
        "spec.strategy.canary.steps[3].pause.duration",
        "spec.strategy.canary.steps[5].pause.duration",
        "spec.strategy.canary.steps[7].pause.duration",
        "success-rate/success-rate.failureLimit",
        "service.port",
    ] {
        assert!(fields.contains(&f), "{f} missing from {fields:?}");
    }
    let invalid = parse_file(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/invalid.yaml"),
    )
    .unwrap();
    let (_, losses) =
        rollout_plan::flagger::to_flagger(&invalid.rollouts[0], &invalid.templates).unwrap();
    let details: String = losses
        .iter()
        .map(|l| format!("{}: {}\n", l.field, l.detail))
        .collect();
    for needle in [
        "setCanaryScale has no Flagger equivalent",
        "manual pauses",
        "experiment has no Flagger",
        "does not increase",
    ] {
        assert!(details.contains(needle), "{needle} missing:\n{details}");
    }
    let bg = parse_file(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bluegreen.yaml"),
    )
    .unwrap();
    assert!(rollout_plan::flagger::to_flagger(&bg.rollouts[0], &bg.templates).is_err());
}
