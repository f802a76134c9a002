//! Export to a Flagger `Canary`, with the list of what Flagger cannot express instead of silent
//! loss: per-step pause lengths (Flagger has one interval), manual pauses, setCanaryScale,
//! experiments, header/mirror routes, analysis steps, non-increasing weights and conditions that
//! are not a simple threshold.

use serde::Serialize;
use serde_json::{Value, json};

use crate::duration::format_seconds;
use crate::error::Error;
use crate::model::*;

/// Something the Flagger Canary cannot say that the Rollout does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Loss {
    /// The Rollout field (path) whose meaning is lost or changed.
    pub field: String,
    /// What happens instead.
    pub detail: String,
}

/// A threshold range from a simple condition: `result[0] >= 0.95`, `result < 500`, optionally
/// guarded by `len(result) > 0 &&`. A failure condition maps to the complementary bound.
fn threshold(cond: &str, is_failure: bool) -> Option<(Option<f64>, Option<f64>)> {
    let compact: String = cond.chars().filter(|c| !c.is_whitespace()).collect();
    let body = compact.strip_prefix("len(result)>0&&").unwrap_or(&compact);
    let rest = body
        .strip_prefix("result[0]")
        .or_else(|| body.strip_prefix("result"))?;
    let (op, num) = [">=", "<=", ">", "<"]
        .iter()
        .find_map(|op| rest.strip_prefix(op).map(|n| (*op, n)))?;
    let value: f64 = num.parse().ok()?;
    let lower = op.starts_with('>');
    // success "x >= v" keeps x above v; failure "x > v" also keeps x at or below v.
    Some(if lower != is_failure {
        (Some(value), None)
    } else {
        (None, Some(value))
    })
}

/// Converts a canary Rollout into a Flagger `Canary` (JSON value) plus what is lost.
///
/// The target is a Deployment of the rollout's name; `service.port` is left for the user (a
/// Rollout does not carry it) and reported as a loss.
///
/// # Errors
///
/// [`Error::Export`] for a blue/green rollout (Flagger's blue/green has no preview service
/// semantics to map to) or a rollout without a strategy.
///
/// ```
/// let m = rollout_plan::parse_str("kind: Rollout\nmetadata: {name: web}\nspec:\n  strategy:\n    canary:\n      steps:\n      - setWeight: 20\n      - pause: {duration: 1m}\n      - setWeight: 60\n      - pause: {duration: 1m}\n", "r.yaml")?;
/// let (canary, losses) = rollout_plan::flagger::to_flagger(&m.rollouts[0], &m.templates)?;
/// assert_eq!(canary["spec"]["analysis"]["stepWeights"], serde_json::json!([20, 60]));
/// assert_eq!(canary["spec"]["analysis"]["interval"], "1m");
/// assert!(losses.iter().any(|l| l.field == "service.port"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn to_flagger(
    rollout: &Rollout,
    templates: &[AnalysisTemplate],
) -> Result<(Value, Vec<Loss>), Error> {
    let Some(c) = rollout.canary() else {
        return Err(Error::Export {
            message: "flagger export supports canary rollouts only".to_string(),
        });
    };
    let mut losses = vec![Loss {
        field: "service.port".into(),
        detail: "a Rollout has no service port; fill in spec.service.port".into(),
    }];
    let mut weights: Vec<i32> = Vec::new();
    let mut pauses: Vec<(usize, i64)> = Vec::new();
    let mut analysis_refs: Vec<&RolloutAnalysis> = Vec::new();
    for (i, s) in c.steps.iter().enumerate() {
        let field = format!("spec.strategy.canary.steps[{i}]");
        if let Some(w) = s.set_weight {
            match weights.last() {
                Some(last) if w <= *last => losses.push(Loss {
                    field: format!("{field}.setWeight"),
                    detail: format!("weight {w} does not increase on {last}; Flagger's stepWeights must strictly increase, dropped"),
                }),
                _ => weights.push(w),
            }
        }
        if let Some(p) = &s.pause {
            match p.seconds() {
                Ok(Some(secs)) => pauses.push((i, secs)),
                _ => losses.push(Loss {
                    field: format!("{field}.pause"),
                    detail: "manual pauses do not exist in Flagger; use a confirm-traffic-increase webhook".into(),
                }),
            }
        }
        if let Some(a) = &s.analysis {
            analysis_refs.push(a);
            losses.push(Loss {
                field: format!("{field}.analysis"),
                detail: "Flagger runs its metrics every interval at every step, not as a gate of one step".into(),
            });
        }
        for (present, what) in [
            (s.set_canary_scale.is_some(), "setCanaryScale"),
            (s.experiment.is_some(), "experiment"),
            (s.set_header_route.is_some(), "setHeaderRoute"),
            (s.set_mirror_route.is_some(), "setMirrorRoute"),
            (s.plugin.is_some(), "plugin"),
        ] {
            if present {
                losses.push(Loss {
                    field: format!("{field}.{what}"),
                    detail: format!("{what} has no Flagger equivalent, dropped"),
                });
            }
        }
    }
    // One interval for every step: the shortest timed pause (Flagger's minimum is 10s).
    let interval = pauses.iter().map(|(_, s)| *s).min().unwrap_or(60).max(10);
    for (i, secs) in &pauses {
        if *secs != interval {
            losses.push(Loss {
                field: format!("spec.strategy.canary.steps[{i}].pause.duration"),
                detail: format!(
                    "Flagger waits one interval ({}) per step, not {}",
                    format_seconds(interval),
                    format_seconds(*secs)
                ),
            });
        }
    }
    if let Some(bg) = &c.analysis {
        analysis_refs.push(bg);
    }
    let mut metrics = Vec::new();
    let mut threshold_value = 5;
    for a in analysis_refs {
        for r in &a.templates {
            let Some(t) = templates
                .iter()
                .find(|t| t.name == r.template_name && t.cluster_scoped == r.cluster_scope)
            else {
                losses.push(Loss {
                    field: "analysis.templates".into(),
                    detail: format!(
                        "template {:?} not given; its metrics are not exported",
                        r.template_name
                    ),
                });
                continue;
            };
            for m in &t.metrics {
                let mut range = (None, None);
                for (cond, is_failure, name) in [
                    (&m.success_condition, false, "successCondition"),
                    (&m.failure_condition, true, "failureCondition"),
                ] {
                    let Some(cond) = cond.as_deref().filter(|c| !c.is_empty()) else {
                        continue;
                    };
                    match threshold(cond, is_failure) {
                        Some((lo, hi)) => {
                            range.0 = lo.or(range.0);
                            range.1 = hi.or(range.1);
                        }
                        None => losses.push(Loss {
                            field: format!("{}/{}.{name}", t.name, m.name),
                            detail: format!("{cond:?} is not a simple threshold; Flagger only has thresholdRange min/max"),
                        }),
                    }
                }
                if let Some(limit) = m.failure_limit.as_ref().and_then(IntOrString::as_int) {
                    threshold_value = threshold_value.min(limit.max(0) + 1);
                    losses.push(Loss {
                        field: format!("{}/{}.failureLimit", t.name, m.name),
                        detail: "mapped to threshold = failureLimit + 1; a failed Flagger check halts progress for a tick instead of counting toward an abort".into(),
                    });
                }
                let mut tr = serde_json::Map::new();
                if let Some(lo) = range.0 {
                    tr.insert("min".into(), json!(lo));
                }
                if let Some(hi) = range.1 {
                    tr.insert("max".into(), json!(hi));
                }
                let mut metric = json!({
                    "name": m.name,
                    "templateRef": {"name": t.name},
                    "interval": m.interval.clone().unwrap_or_else(|| format_seconds(interval)),
                });
                if !tr.is_empty() {
                    metric["thresholdRange"] = Value::Object(tr);
                }
                metrics.push(metric);
            }
        }
    }
    if weights.is_empty() {
        losses.push(Loss {
            field: "spec.strategy.canary.steps".into(),
            detail: "no setWeight steps; Flagger needs stepWeights, using [100]".into(),
        });
        weights.push(100);
    }
    let max_weight = weights.last().copied().unwrap_or(100);
    let canary = json!({
        "apiVersion": "flagger.app/v1beta1",
        "kind": "Canary",
        "metadata": {"name": rollout.name},
        "spec": {
            "targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": rollout.name},
            "progressDeadlineSeconds": rollout.progress_deadline_seconds.unwrap_or(600),
            "service": {"port": 80},
            "analysis": {
                "interval": format_seconds(interval),
                "threshold": threshold_value,
                "maxWeight": max_weight,
                "stepWeights": weights,
                "metrics": metrics,
            },
        },
    });
    Ok((canary, losses))
}
