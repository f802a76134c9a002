//! Conformance: every case of Argo's analysis logic (tests/fixtures/analysis-status.json).

use rollout_plan::Metric;
use rollout_plan::analysis::expr::{Condition, Val};
use rollout_plan::analysis::run::{
    Measurement, MetricResult, Phase, ProviderValue, RunState, assess_metric, evaluate,
    limit_exceeded,
};
use serde_json::{Value, json};

fn secs(v: &Value) -> Option<i64> {
    v.as_f64().map(|s| (s * 1000.0) as i64)
}

fn metric(v: &Value) -> Metric {
    let mut v = v.clone();
    // The fixtures name the provider kind as a bare string; the model wants a provider block.
    if let Some(p) = v
        .get("provider")
        .and_then(Value::as_str)
        .map(str::to_string)
    {
        v["provider"] = json!({ p: {} });
    }
    Metric::from_json(&v).unwrap()
}

fn result(v: &Value) -> MetricResult {
    let n = |k: &str| v[k].as_i64().unwrap_or(0);
    MetricResult {
        name: v["name"].as_str().unwrap_or("").to_string(),
        phase: v["phase"].as_str().and_then(Phase::from_name),
        count: n("count"),
        successful: n("successful"),
        failed: n("failed"),
        inconclusive: n("inconclusive"),
        error: n("error"),
        consecutive_error: n("consecutiveError"),
        consecutive_success: n("consecutiveSuccess"),
        measurements: v["measurements"]
            .as_array()
            .map(|ms| {
                ms.iter()
                    .map(|m| Measurement {
                        phase: Phase::from_name(m["phase"].as_str().unwrap()).unwrap(),
                        value: m["value"].as_str().map(str::to_string),
                        message: String::new(),
                        started_at: secs(&m["startedAt"]),
                        finished_at: secs(&m["finishedAt"]),
                        resume_at: secs(&m["resumeAt"]),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        message: v["message"].as_str().unwrap_or("").to_string(),
        dry_run: v["dryRun"].as_bool().unwrap_or(false),
    }
}

fn run_state(v: &Value) -> RunState {
    RunState {
        metrics: v["metrics"]
            .as_array()
            .unwrap()
            .iter()
            .map(metric)
            .collect(),
        dry_run: v["dryRun"]
            .as_array()
            .map(|d| d.iter().map(|s| s.as_str().unwrap().to_string()).collect())
            .unwrap_or_default(),
        terminate: v["terminate"].as_bool().unwrap_or(false),
        started_at: secs(&v["startedAt"]),
        results: v["metricResults"]
            .as_array()
            .unwrap()
            .iter()
            .map(result)
            .collect(),
    }
}

fn provider_value(v: &Value) -> ProviderValue {
    let f = |x: &Value| -> f64 {
        match x {
            Value::String(s) => match s.as_str() {
                "NaN" => f64::NAN,
                "+Inf" => f64::INFINITY,
                "-Inf" => f64::NEG_INFINITY,
                other => other.parse().unwrap(),
            },
            other => other.as_f64().unwrap(),
        }
    };
    let value = &v["value"];
    match v["type"].as_str().unwrap() {
        "nil" => ProviderValue::Value(Val::Nil),
        "bool" => ProviderValue::Value(Val::Bool(value.as_bool().unwrap())),
        "int" => ProviderValue::Value(Val::Int(value.as_i64().unwrap())),
        "float" => ProviderValue::Value(Val::Float(value.as_f64().unwrap())),
        "string" => ProviderValue::Value(Val::Str(value.as_str().unwrap().to_string())),
        "json" => ProviderValue::Value(Val::from_json(value)),
        "floatList" => ProviderValue::Value(Val::List(
            value
                .as_array()
                .unwrap()
                .iter()
                .map(|x| Val::Float(f(x)))
                .collect(),
        )),
        "promScalar" => ProviderValue::PromScalar(f(value)),
        "promVector" => {
            ProviderValue::PromVector(value.as_array().unwrap().iter().map(f).collect())
        }
        "promMatrix" => ProviderValue::PromMatrix(
            value
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s.as_array().unwrap().iter().map(f).collect())
                .collect(),
        ),
        "promNone" => ProviderValue::PromUnsupported,
        other => panic!("unknown result type {other}"),
    }
}

/// Runs one case; returns a list of mismatches.
fn check(case: &Value) -> Vec<String> {
    let exp = &case["expected"];
    let mut bad = Vec::new();
    let mut cmp = |what: &str, actual: Value, expected: &Value| {
        if &actual != expected {
            bad.push(format!("{what}: expected {expected}, got {actual}"));
        }
    };
    match case["function"].as_str().unwrap() {
        "assessMetricStatus" => {
            let p = assess_metric(
                &metric(&case["metric"]),
                &result(&case["result"]),
                case["terminating"].as_bool().unwrap(),
            );
            cmp("phase", json!(p.to_string()), &exp["phase"]);
        }
        "assessMetricFailureInconclusiveOrError" => {
            let (p, m) =
                limit_exceeded(&metric(&case["metric"]), &result(&case["result"])).unwrap();
            cmp("phase", json!(p.to_string()), &exp["phase"]);
            cmp("message", json!(m), &exp["message"]);
        }
        "assessRunStatus" => {
            let mut run = run_state(&case["run"]);
            let a = run.assess();
            cmp("phase", json!(a.phase.to_string()), &exp["phase"]);
            cmp("message", json!(a.message), &exp["message"]);
            if let Some(s) = exp.get("dryRunSummary") {
                cmp(
                    "dryRunSummary",
                    serde_json::to_value(a.dry_run_summary).unwrap(),
                    s,
                );
            }
            if let Some(phases) = exp.get("metricPhases").and_then(Value::as_object) {
                for (name, p) in phases {
                    let actual = run
                        .result(name)
                        .and_then(|r| r.phase)
                        .map(|p| p.to_string());
                    cmp(name, json!(actual), p);
                }
            }
        }
        "generateMetricTasks" => {
            let run = run_state(&case["run"]);
            let tasks: Vec<Value> = run
                .due(0)
                .into_iter()
                .map(|(m, resume)| json!({"metric": m, "resume": resume}))
                .collect();
            cmp("tasks", json!(tasks), &exp["tasks"]);
        }
        "calculateNextReconcileTime" => {
            let run = run_state(&case["run"]);
            let next = run.next_reconcile().map(|ms| ms / 1000);
            cmp("nextReconcile", json!(next), &exp["nextReconcile"]);
        }
        "evaluateResult" => {
            let e = evaluate(
                &provider_value(&case["result"]),
                case["successCondition"].as_str().unwrap(),
                case["failureCondition"].as_str().unwrap(),
            );
            cmp("phase", json!(e.phase.to_string()), &exp["phase"]);
            if let Some(v) = exp.get("value") {
                cmp("value", json!(e.value), v);
            }
            for needle in exp["errorContains"].as_array().into_iter().flatten() {
                let msg = e.message.clone().unwrap_or_default();
                if !msg.contains(needle.as_str().unwrap()) {
                    bad.push(format!("message {msg:?} lacks {needle}"));
                }
            }
        }
        "evalCondition" => {
            let value = provider_value(&case["result"]).to_val();
            let outcome = Condition::parse(case["condition"].as_str().unwrap())
                .map_err(|e| e.to_string())
                .and_then(|c| c.eval_bool(&value));
            match (outcome, exp.get("value"), exp.get("error")) {
                (Ok(b), Some(v), _) => cmp("value", json!(b), v),
                (Err(e), _, Some(needle)) => {
                    if !e.contains(needle.as_str().unwrap()) {
                        bad.push(format!("error {e:?} lacks {needle}"));
                    }
                }
                (other, _, _) => bad.push(format!("unexpected outcome {other:?}")),
            }
        }
        other => panic!("unknown function {other}"),
    }
    bad
}

#[test]
fn all_144_analysis_cases_match_argo() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/analysis-status.json"
    ))
    .unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    let mut total = 0;
    let mut failures = Vec::new();
    for group in doc["groups"].as_array().unwrap() {
        for case in group["cases"].as_array().unwrap() {
            total += 1;
            for b in check(case) {
                failures.push(format!(
                    "{} {}#{}: {b}",
                    group["id"], case["source"]["test"], case["source"]["index"]
                ));
            }
        }
    }
    assert_eq!(total, 144);
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
