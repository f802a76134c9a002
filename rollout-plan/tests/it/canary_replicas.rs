//! Conformance: every case of Argo's replica arithmetic (tests/fixtures/canary-replicas.json).

use rollout_plan::replicas::{self, ReplicaSet, TrafficWeights};
use rollout_plan::{IntOrString, ReplicaProgressThreshold, Rollout, ThresholdKind};
use serde_json::Value;

fn rs(v: &Value) -> Option<ReplicaSet> {
    if v.is_null() {
        return None;
    }
    Some(ReplicaSet {
        name: v["name"].as_str().unwrap_or("").to_string(),
        pod_template_hash: v["podTemplateHash"].as_str().unwrap_or("").to_string(),
        spec_replicas: v["specReplicas"].as_i64().map(|x| x as i32),
        available_replicas: v["availableReplicas"].as_i64().unwrap_or(0) as i32,
        status_replicas: v["statusReplicas"].as_i64().unwrap_or(0) as i32,
    })
}

fn rss(v: &Value) -> Vec<ReplicaSet> {
    v.as_array()
        .map(|a| a.iter().filter_map(rs).collect())
        .unwrap_or_default()
}

fn weights(v: &Value) -> Option<TrafficWeights> {
    if v.is_null() {
        return None;
    }
    Some(TrafficWeights {
        canary: v["canary"].as_i64().unwrap() as i32,
        stable: v["stable"].as_i64().unwrap() as i32,
    })
}

fn int_or_string(v: &Value) -> Option<IntOrString> {
    match v {
        Value::Null => None,
        Value::Number(n) => Some(IntOrString::Int(n.as_i64().unwrap())),
        Value::String(s) => Some(IntOrString::String(s.clone())),
        other => panic!("bad IntOrString {other}"),
    }
}

fn i(v: &Value) -> i32 {
    v.as_i64().unwrap() as i32
}

/// Runs one case and returns the actual outcome as JSON shaped like `expected`.
fn run(case: &Value) -> Value {
    let rollout = || Rollout::from_json(&case["rollout"]).unwrap();
    let new_rs = rs(&case["newRS"]);
    let stable_rs = rs(&case["stableRS"]);
    let input = &case["input"];
    match case["function"].as_str().unwrap() {
        "basic" => {
            let c = replicas::basic_canary_counts(
                &rollout(),
                new_rs.as_ref(),
                stable_rs.as_ref(),
                &rss(&case["otherRSs"]),
            );
            serde_json::json!({"canary": c.canary, "stable": c.stable})
        }
        "trafficRouted" => {
            let c = replicas::traffic_routed_counts_with(
                &rollout(),
                weights(&case["trafficWeights"]),
                new_rs.as_ref(),
                stable_rs.as_ref(),
            );
            serde_json::json!({"canary": c.canary, "stable": c.stable})
        }
        "desiredCanaryWeight" => serde_json::json!({"weight": replicas::desired_canary_weight(
            &rollout(), new_rs.as_ref(), stable_rs.as_ref())}),
        "approximateWeightedCanaryStableReplicaCounts" => {
            let (c, s) = replicas::approximate_weighted_counts(
                i(&input["replicas"]),
                i(&input["weight"]),
                i(&input["maxWeight"]),
                i(&input["maxSurge"]),
            );
            serde_json::json!({"canary": c, "stable": s})
        }
        "trafficWeightToReplicas" => {
            serde_json::json!({"replicas": replicas::traffic_weight_to_replicas(
            i(&input["replicas"]), i(&input["weight"]), i(&input["maxWeight"]))})
        }
        "resolveFenceposts" => match replicas::resolve_fenceposts(
            int_or_string(&input["maxSurge"]).as_ref(),
            int_or_string(&input["maxUnavailable"]).as_ref(),
            i(&input["desired"]),
        ) {
            Some((s, u)) => serde_json::json!({"surge": s, "unavailable": u}),
            None => serde_json::json!({"error": true}),
        },
        "maxSurge" => serde_json::json!({"value": replicas::max_surge(&rollout())}),
        "maxUnavailable" => serde_json::json!({"value": replicas::max_unavailable(&rollout())}),
        "currentSetWeight" => {
            serde_json::json!({"weight": replicas::current_set_weight(&rollout())})
        }
        "canaryReplicasOrWeight" => {
            let (r, w) = replicas::canary_replicas_or_weight(
                &rollout(),
                new_rs.as_ref(),
                stable_rs.as_ref(),
            );
            serde_json::json!({"replicas": r, "weight": w})
        }
        "replicasForScaleDown" => serde_json::json!({"value": replicas::replicas_for_scale_down(
            rs(&input["rs"]).as_ref(), input["ignoreAvailability"].as_bool().unwrap())}),
        "allDesiredAreAvailable" => {
            serde_json::json!({"value": replicas::all_desired_are_available(
            rs(&input["rs"]).as_ref(), i(&input["desired"]))})
        }
        "replicaProgressThresholdMet" => {
            let t = &input["threshold"];
            let threshold = (!t.is_null()).then(|| ReplicaProgressThreshold {
                kind: if t["type"] == "Pods" {
                    ThresholdKind::Pods
                } else {
                    ThresholdKind::Percent
                },
                value: i(&t["value"]),
            });
            serde_json::json!({"value": replicas::replica_progress_threshold_met(
                threshold.as_ref(), rs(&input["rs"]).as_ref(), i(&input["desired"]))})
        }
        "atDesiredReplicaCountsForCanary" => {
            serde_json::json!({"value": replicas::at_desired_replica_counts(
            &rollout(), new_rs.as_ref(), stable_rs.as_ref(), &rss(&case["otherRSs"]),
            weights(&case["trafficWeights"]))})
        }
        "newRSNewReplicas" => match replicas::blue_green_new_rs_replicas(
            &rollout(),
            &rss(&case["allRSs"]),
            new_rs.as_ref(),
        ) {
            Ok(r) => serde_json::json!({"replicas": r}),
            Err(e) => serde_json::json!({"error": e}),
        },
        other => panic!("unknown function {other}"),
    }
}

#[test]
fn all_177_canary_replica_cases_match_argo() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/canary-replicas.json"
    ))
    .unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    let mut total = 0;
    let mut failures = Vec::new();
    for group in doc["groups"].as_array().unwrap() {
        for case in group["cases"].as_array().unwrap() {
            total += 1;
            let actual = run(case);
            let expected = case["expected"].as_object().unwrap();
            // Only the keys the source test asserts are compared (see ARGO-FIXTURES.md).
            for (k, v) in expected {
                if &actual[k] != v {
                    failures.push(format!(
                        "{} {}#{} {:?}: {k} expected {v}, got {}",
                        group["id"],
                        case["source"]["test"],
                        case["source"]["index"],
                        case["name"].as_str().unwrap_or(""),
                        actual[k]
                    ));
                }
            }
        }
    }
    assert_eq!(total, 177);
    assert!(
        failures.is_empty(),
        "{} of {total} cases differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
