//! The simulator on the scenarios.

use rollout_plan::analysis::run::Phase;
use rollout_plan::sim::{Event, Outcome, Scenario, simulate_scenario};
use rollout_plan::{Manifest, parse_file};

fn fixture(name: &str) -> Manifest {
    parse_file(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name),
    )
    .unwrap()
}

const HOUR: i64 = 3_600_000;

fn run(m: &Manifest, scenario: &str) -> rollout_plan::sim::Simulation {
    let s = Scenario::from_yaml(scenario).unwrap();
    simulate_scenario(&m.rollouts[0], &m.templates, &s, HOUR).unwrap()
}

fn weights(events: &[Event]) -> Vec<i32> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::WeightSet { weight, .. } => Some(*weight),
            _ => None,
        })
        .collect()
}

#[test]
fn guide_canary_promotes_after_its_13_minutes_of_pauses() {
    let m = fixture("guide-canary.yaml");
    let sim = run(&m, "metrics:\n  success-rate:\n  - {at: 0s, value: 0.99}\n");
    assert_eq!(sim.outcome, Outcome::Promoted { at: 13 * 60_000 });
    assert_eq!(weights(&sim.events), vec![10, 25, 50, 75, 100]);
    let measured = sim
        .events
        .iter()
        .filter(|e| {
            matches!(
                e,
                Event::Measured {
                    phase: Phase::Successful,
                    ..
                }
            )
        })
        .count();
    assert!(measured >= 13, "one measurement a minute, got {measured}");
}

#[test]
fn guide_canary_fails_at_25_percent_and_returns_to_0() {
    let m = fixture("guide-canary.yaml");
    // Healthy at 10%, broken from minute 3 (the 25% step runs from 2m to 5m).
    let sim = run(
        &m,
        "metrics:\n  success-rate:\n  - {at: 0s, value: 0.99}\n  - {at: 3m, value: 0.40}\n",
    );
    let Outcome::Aborted { at, step, reason } = &sim.outcome else {
        panic!("expected an abort, got {:?}", sim.outcome);
    };
    assert_eq!(*step, 3, "aborted during the 25% pause");
    assert!(*at > 3 * 60_000 && *at < 5 * 60_000);
    assert!(
        reason.contains("Background analysis phase failed")
            && reason.contains(
                "Metric \"success-rate\" assessed Failed due to failed (2) > failureLimit (1)"
            ),
        "{reason}"
    );
    assert_eq!(weights(&sim.events), vec![10, 25, 0]);
}

#[test]
fn inconclusive_analysis_pauses_until_promoted() {
    let m = fixture("steps-analysis.yaml");
    let sim = run(&m, "metrics:\n  p99:\n  - {at: 0s, value: 0.5}\n");
    assert!(
        matches!(&sim.outcome, Outcome::Paused { reason, .. } if reason == "InconclusiveAnalysisRun"),
        "{:?}",
        sim.outcome
    );
    // A human promotes: the rollout goes on and completes.
    let sim = run(
        &m,
        "metrics:\n  p99:\n  - {at: 0s, value: 0.5}\nactions:\n- {at: 10m, action: promote}\n",
    );
    assert_eq!(
        sim.outcome,
        Outcome::Promoted {
            at: 10 * 60_000 + 30_000
        }
    );
    assert_eq!(weights(&sim.events), vec![20, 60, 100]);
}

#[test]
fn errors_past_consecutive_error_limit_fail_the_rollout() {
    let m = fixture("steps-analysis.yaml");
    let sim = run(
        &m,
        "metrics:\n  p99:\n  - {at: 0s, error: connection refused}\n",
    );
    let Outcome::Aborted { step, reason, .. } = &sim.outcome else {
        panic!("expected an abort, got {:?}", sim.outcome);
    };
    assert_eq!(*step, 1);
    assert!(
        reason.contains("consecutiveErrors (5) > consecutiveErrorLimit (4)"),
        "{reason}"
    );
    assert!(
        reason.contains("Error Message: connection refused"),
        "{reason}"
    );
    let errors = sim
        .events
        .iter()
        .filter(|e| {
            matches!(
                e,
                Event::Measured {
                    phase: Phase::Error,
                    ..
                }
            )
        })
        .count();
    assert_eq!(errors, 5);
}

#[test]
fn analysis_step_passes_after_its_count() {
    let m = fixture("steps-analysis.yaml");
    let sim = run(&m, "metrics:\n  p99:\n  - {at: 0s, value: 0.1}\n");
    // Three measurements 20s apart (each strictly after the interval), then 30s of pause.
    let Outcome::Promoted { at } = sim.outcome else {
        panic!("{:?}", sim.outcome)
    };
    assert!((70_000..70_010).contains(&at), "{at}");
}

#[test]
fn blue_green_auto_promotes_on_time() {
    let m = fixture("bluegreen.yaml");
    let sim = run(&m, "metrics:\n  errors:\n  - {at: 0s, value: 0.2}\n");
    let pre_done = sim
        .events
        .iter()
        .find_map(|e| match e {
            Event::AnalysisFinished {
                at,
                phase: Phase::Successful,
                ..
            } => Some(*at),
            _ => None,
        })
        .unwrap();
    let switched = sim.events.iter().find_map(|e| match e {
        Event::Switched { at } => Some(*at),
        _ => None,
    });
    assert_eq!(
        switched,
        Some(pre_done + 60_000),
        "autoPromotionSeconds 60 after the preview is verified"
    );
    let Outcome::Promoted { at } = sim.outcome else {
        panic!("{:?}", sim.outcome)
    };
    assert!(
        at >= switched.unwrap() + 120_000,
        "old pods kept for the rollback window"
    );
}

#[test]
fn post_promotion_failure_rolls_back() {
    let m = fixture("bluegreen.yaml");
    // Fine in preview, errors spike once live traffic arrives (after 2 minutes).
    let sim = run(
        &m,
        "metrics:\n  errors:\n  - {at: 0s, value: 0.2}\n  - {at: 2m, value: 50}\n",
    );
    let Outcome::Aborted { reason, .. } = &sim.outcome else {
        panic!("{:?}", sim.outcome)
    };
    assert!(
        reason.starts_with("Post-promotion analysis phase failed"),
        "{reason}"
    );
    assert_eq!(weights(&sim.events), vec![0, 0, 100, 0]);
}

#[test]
fn manual_abort_and_bad_scenarios() {
    let m = fixture("guide-canary.yaml");
    let sim = run(
        &m,
        "metrics:\n  success-rate:\n  - {at: 0s, value: 0.99}\nactions:\n- {at: 1m, action: abort}\n",
    );
    assert!(
        matches!(&sim.outcome, Outcome::Aborted { reason, step: 1, .. } if reason == "manual abort")
    );
    assert!(Scenario::from_yaml("metrics:\n  x:\n  - {at: soon, value: 1}\n").is_err());
    assert!(Scenario::from_yaml("metrics:\n  x:\n  - {at: 1m}\n").is_err());
    assert!(Scenario::from_yaml("actions:\n- {at: 1m, action: dance}\n").is_err());
    assert!(Scenario::from_yaml("metrix: {}\n").is_err());
}

#[test]
fn terminated_bounded_background_metric_is_flagged() {
    let yaml = "kind: Rollout\nspec:\n  replicas: 4\n  strategy:\n    canary:\n      analysis:\n        templates: [{templateName: t}]\n      steps:\n      - setWeight: 50\n      - pause: {duration: 2m}\n---\nkind: AnalysisTemplate\nmetadata: {name: t}\nspec:\n  metrics:\n  - name: m\n    interval: 30s\n    count: 20\n    failureLimit: 3\n    successCondition: result[0] > 1\n    provider: {prometheus: {address: 'http://p', query: up}}\n";
    let m = rollout_plan::parse_str(yaml, "b.yaml").unwrap();
    let s = Scenario::from_yaml(
        "metrics:\n  m:\n  - {at: 0s, value: 0}\n  - {at: 20s, value: 2}\n  - {at: 1m, error: timeout}\n  - {at: 65s, value: 2}\n",
    )
    .unwrap();
    let sim = simulate_scenario(&m.rollouts[0], &m.templates, &s, HOUR).unwrap();
    assert!(
        matches!(sim.outcome, Outcome::Promoted { .. }),
        "{:?}",
        sim.outcome
    );
    let warnings: Vec<&String> = sim
        .events
        .iter()
        .filter_map(|e| match e {
            Event::AnalysisFinished {
                phase: Phase::Successful,
                warnings,
                ..
            } => Some(warnings),
            _ => None,
        })
        .flatten()
        .collect();
    assert_eq!(warnings.len(), 1, "{:#?}", sim.events);
    assert!(warnings[0].contains("argo-rollouts#4479"));
    // The lint says so before anything runs.
    let d = rollout_plan::validate(&m, &rollout_plan::validate::Options::new());
    assert!(
        d.iter()
            .any(|d| d.code == "rollout/background-bounded-metric"),
        "{d:#?}"
    );
}
