//! The planner: a Rollout expanded into its timeline of steps with the traffic weight in force,
//! the canary and stable pod counts Argo converges to (and the peak while getting there), each
//! step's gate and its duration bounds.

use std::fmt::Write as _;

use serde::Serialize;

use crate::analysis::run::{DEFAULT_CONSECUTIVE_ERROR_LIMIT, ERROR_RETRY_INTERVAL_MS};
use crate::duration::{format_seconds, parse_millis};
use crate::error::Error;
use crate::model::*;
use crate::replicas::{self, ReplicaSet};

/// Which strategy a plan is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum StrategyKind {
    /// `canary`.
    #[serde(rename = "canary")]
    Canary,
    /// `blueGreen`.
    #[serde(rename = "blueGreen")]
    BlueGreen,
}

/// What a step waits for before the rollout moves on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Gate {
    /// The ReplicaSets reach their counts (pod readiness).
    PodsReady,
    /// A timer.
    Timer {
        /// Seconds.
        seconds: i64,
    },
    /// A human runs `kubectl argo rollouts promote`.
    Manual,
    /// An AnalysisRun must succeed.
    Analysis {
        /// Template names.
        templates: Vec<String>,
    },
    /// An Experiment must succeed.
    Experiment,
    /// A step plugin reports completion.
    Plugin,
    /// Nothing: the step completes at once.
    Immediate,
}

/// One step of the timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlannedStep {
    /// Index in `spec.strategy.canary.steps` (the implicit final promotion gets `steps.len()`);
    /// for blue/green, the phase's ordinal.
    pub index: usize,
    /// `setWeight`, `pause`, `analysis`, `setCanaryScale`, `setHeaderRoute`, `setMirrorRoute`,
    /// `experiment`, `plugin`, `promote`; blue/green: `preview`, `prePromotionAnalysis`, `pause`,
    /// `scaleUpPreview`, `promote`, `postPromotionAnalysis`, `scaleDownOld`.
    pub action: String,
    /// Percent of traffic on the canary (new) pods while the step is in force.
    pub weight: i32,
    /// Canary (new) pods once converged.
    pub canary_replicas: i32,
    /// Stable (old) pods once converged.
    pub stable_replicas: i32,
    /// Most pods (canary + stable) at any moment while converging.
    pub peak_total_replicas: i32,
    /// Fewest available pods at any moment while converging (pods become ready instantly in
    /// this model; real readiness only delays, never lowers this).
    pub min_available_replicas: i32,
    /// Pause length; `None` for an indefinite pause (and 0 for steps that are not pauses).
    pub pause_seconds: Option<i64>,
    /// What the step waits for.
    pub gate: Gate,
    /// Shortest time the step takes (pod readiness excluded).
    pub min_seconds: i64,
    /// Longest time, `None` when unbounded (manual gates, unbounded metrics, plugins).
    pub max_seconds: Option<i64>,
    /// Why the pod counts look the way they do, when it surprises people.
    pub explanation: Option<String>,
}

/// The expanded plan of a Rollout.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Plan {
    /// The rollout's name.
    pub name: String,
    /// `canary` or `blueGreen`.
    pub strategy: StrategyKind,
    /// `spec.replicas` (default 1).
    pub replicas: i32,
    /// The timeline.
    pub steps: Vec<PlannedStep>,
    /// Sum of the steps' minimum durations.
    pub min_duration_seconds: i64,
    /// Sum of maxima; `None` when a step is unbounded (a manual gate, for one).
    pub max_duration_seconds: Option<i64>,
    /// Facts about the plan as a whole (background analysis, rollback window, ...).
    pub notes: Vec<String>,
}

/// Expands a Rollout into its plan. `templates` resolve analysis durations (missing templates
/// make those steps' maximum unbounded).
///
/// # Errors
///
/// [`Error::Plan`] when the rollout has no strategy or a step cannot be planned (an invalid pause
/// duration, a step with no action); run [`crate::validate()`] for the full list of problems.
///
/// ```
/// let m = rollout_plan::parse_str(r#"
/// kind: Rollout
/// spec:
///   replicas: 10
///   strategy:
///     canary:
///       steps:
///       - setWeight: 25
///       - pause: {duration: 1m}
/// "#, "r.yaml")?;
/// let plan = rollout_plan::plan(&m.rollouts[0], &m.templates)?;
/// let s = &plan.steps[0];
/// assert_eq!((s.weight, s.canary_replicas, s.stable_replicas), (25, 3, 8));
/// assert_eq!(plan.min_duration_seconds, 60);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn plan(rollout: &Rollout, templates: &[AnalysisTemplate]) -> Result<Plan, Error> {
    let err = |message: String| Error::Plan {
        rollout: rollout.name.clone(),
        message,
    };
    let (kind, steps, notes) = match &rollout.strategy {
        None => return Err(err("the rollout has no strategy".to_string())),
        Some(Strategy::Canary(c)) => {
            let (steps, notes) = plan_canary(rollout, c, templates).map_err(err)?;
            (StrategyKind::Canary, steps, notes)
        }
        Some(Strategy::BlueGreen(b)) => {
            let (steps, notes) = plan_blue_green(rollout, b, templates);
            (StrategyKind::BlueGreen, steps, notes)
        }
    };
    let min_duration_seconds = steps
        .iter()
        .fold(0i64, |acc, s| acc.saturating_add(s.min_seconds));
    let max_duration_seconds = steps
        .iter()
        .try_fold(0i64, |acc, s| s.max_seconds.map(|m| acc.saturating_add(m)));
    Ok(Plan {
        name: rollout.name.clone(),
        strategy: kind,
        replicas: bounded_replicas(rollout),
        steps,
        min_duration_seconds,
        max_duration_seconds,
        notes,
    })
}

/// Pod counts while one step converges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Converge {
    canary: i32,
    stable: i32,
    peak_total: i32,
    min_available: i32,
}

fn bounded_replicas(r: &Rollout) -> i32 {
    r.replicas_or_default()
        .clamp(-replicas::MAX_COUNT, replicas::MAX_COUNT)
}

/// Most reconcile passes the planner follows for one step.
const MAX_PASSES: usize = 10_000;

/// Iterates the controller's basic-canary calculation pass by pass (pods ready at once) from
/// `(canary, stable)` until the counts stop changing.
fn converge_basic(r: &Rollout, step_index: usize, canary: i32, stable: i32) -> Converge {
    let mut ro = r.clone();
    ro.status = RolloutStatus {
        stable_rs: "stable".into(),
        current_pod_hash: "canary".into(),
        current_step_index: i32::try_from(step_index).ok(),
        ..RolloutStatus::default()
    };
    let rs = |name: &str, n: i32| ReplicaSet {
        name: name.into(),
        pod_template_hash: name.into(),
        spec_replicas: Some(n),
        available_replicas: n,
        status_replicas: n,
    };
    let (mut c, mut s) = (canary, stable);
    let mut peak = c + s;
    let mut min_avail = c + s;
    // Each pass moves at least one pod or stops; huge replica counts with a surge of one pod
    // would take millions of passes, so the walk is capped (the counts are then the target).
    let bound = usize::try_from(r.replicas_or_default())
        .unwrap_or(0)
        .saturating_mul(4)
        .saturating_add(8)
        .min(MAX_PASSES);
    for _ in 0..bound {
        let next =
            replicas::basic_canary_counts(&ro, Some(&rs("canary", c)), Some(&rs("stable", s)), &[]);
        if (next.canary, next.stable) == (c, s) {
            break;
        }
        // Scaled-down pods go at once; scaled-up pods are not yet available.
        min_avail = min_avail.min(next.canary.min(c) + next.stable.min(s));
        peak = peak.max(next.canary + next.stable);
        c = next.canary;
        s = next.stable;
    }
    Converge {
        canary: c,
        stable: s,
        peak_total: peak,
        min_available: min_avail,
    }
}

fn routed_counts(r: &Rollout, step_index: usize) -> (i32, i32) {
    let mut ro = r.clone();
    ro.status = RolloutStatus {
        stable_rs: "stable".into(),
        current_pod_hash: "canary".into(),
        current_step_index: i32::try_from(step_index).ok(),
        ..RolloutStatus::default()
    };
    let (_, w) = replicas::canary_replicas_or_weight(&ro, None, None);
    let max = ro.canary().map_or(100, CanaryStrategy::max_weight);
    let c = replicas::traffic_routed_counts(
        &ro,
        Some(replicas::TrafficWeights {
            canary: w,
            stable: max - w,
        }),
    );
    (c.canary, c.stable)
}

/// Shortest and longest time an AnalysisRun of these templates takes to succeed.
fn analysis_bounds(refs: &[TemplateRef], templates: &[AnalysisTemplate]) -> (i64, Option<i64>) {
    let mut min = 0i64;
    let mut max = Some(0i64);
    for r in refs {
        let Some(t) = templates
            .iter()
            .find(|t| t.name == r.template_name && t.cluster_scoped == r.cluster_scope)
        else {
            max = None;
            continue;
        };
        for m in &t.metrics {
            let (lo, hi) = metric_bounds(m);
            min = min.max(lo);
            max = match (max, hi) {
                (Some(a), Some(b)) => Some(a.max(b)),
                _ => None,
            };
        }
    }
    (min, max)
}

/// A metric's successful run length: `initialDelay + (count-1) * interval` at best; at worst each
/// measurement is preceded by `consecutiveErrorLimit` errors retried every 10s. Unbounded when
/// the metric has an interval but no count (it runs until terminated).
fn metric_bounds(m: &Metric) -> (i64, Option<i64>) {
    let secs = |d: &Option<String>| {
        d.as_deref()
            .filter(|s| !s.is_empty())
            .and_then(parse_millis)
            .map_or(0, |ms| ms / 1000)
    };
    let delay = secs(&m.initial_delay);
    let interval = secs(&m.interval);
    let has_interval = m.interval.as_deref().is_some_and(|s| !s.is_empty());
    let count = match m.count.as_ref().and_then(IntOrString::as_int) {
        Some(c) => c.max(1),
        None if has_interval => return (delay, None),
        None => 1,
    };
    let errors = m
        .consecutive_error_limit
        .as_ref()
        .and_then(IntOrString::as_int)
        .unwrap_or(DEFAULT_CONSECUTIVE_ERROR_LIMIT)
        .max(0);
    let min = delay.saturating_add((count - 1).saturating_mul(interval));
    let max = min.saturating_add(
        count
            .saturating_mul(errors)
            .saturating_mul(ERROR_RETRY_INTERVAL_MS / 1000),
    );
    (min, Some(max))
}

fn extra_pod_explanation(
    n: i32,
    weight: i32,
    max: i32,
    c: i32,
    s: i32,
    surge: i32,
) -> Option<String> {
    if c + s <= n {
        return None;
    }
    let actual = f64::from(c) * 100.0 / f64::from(c + s);
    Some(format!(
        "basic canary (no trafficRouting): traffic follows the pod ratio, so Argo picks the canary/stable split closest to {weight}/{max}; with maxSurge {surge} it may use {total} pods: {c} canary of {total} = {actual:.1}% (with {n} pods the nearest split would be further off); add trafficRouting to run exact weights on fewer pods",
        total = c + s,
    ))
}

type Planned = (Vec<PlannedStep>, Vec<String>);

fn plan_canary(
    r: &Rollout,
    c: &CanaryStrategy,
    templates: &[AnalysisTemplate],
) -> Result<Planned, String> {
    let n = bounded_replicas(r);
    let max = c.max_weight();
    let routed = c.traffic_routing.is_some();
    let surge = replicas::max_surge(r);
    let mut notes = Vec::new();
    let mut steps = Vec::new();
    let (mut canary, mut stable) = (0, n);
    if !routed {
        notes.push(format!(
            "basic canary: maxSurge resolves to {surge} and maxUnavailable to {}; pods never exceed {} and available pods never drop below {}",
            replicas::max_unavailable(r),
            n + surge,
            n - replicas::max_unavailable(r)
        ));
    }
    if let Some(bg) = &c.analysis {
        let names: Vec<&str> = bg
            .templates
            .iter()
            .map(|t| t.template_name.as_str())
            .collect();
        notes.push(format!(
            "background analysis ({}) runs from step {} until the rollout completes; Failed/Error aborts (weight back to 0), Inconclusive pauses",
            names.join(", "),
            bg.starting_step.unwrap_or(0)
        ));
    }
    for i in 0..=c.steps.len() {
        let step = c.steps.get(i);
        let cv = if routed {
            let (cc, ss) = routed_counts(r, i);
            Converge {
                canary: cc,
                stable: ss,
                peak_total: (cc + ss).max(canary + stable),
                min_available: cc.min(canary) + ss.min(stable),
            }
        } else {
            converge_basic(r, i, canary, stable)
        };
        let mut ro = r.clone();
        ro.status = RolloutStatus {
            stable_rs: "stable".into(),
            current_pod_hash: "canary".into(),
            current_step_index: i32::try_from(i).ok(),
            ..RolloutStatus::default()
        };
        let weight = replicas::current_set_weight(&ro);
        let (action, gate, pause_seconds, min_s, max_s) = match step {
            None => ("promote".to_string(), Gate::PodsReady, Some(0), 0, Some(0)),
            Some(s) => {
                let kinds = s.kinds();
                let Some(first) = kinds.first() else {
                    return Err(format!("step {i} sets no action"));
                };
                match *first {
                    "pause" => match s.pause.as_ref().map(Pause::seconds) {
                        Some(Ok(Some(secs))) => (
                            "pause".into(),
                            Gate::Timer { seconds: secs },
                            Some(secs),
                            secs,
                            Some(secs),
                        ),
                        Some(Ok(None)) => ("pause".into(), Gate::Manual, None, 0, None),
                        Some(Err(text)) => {
                            return Err(format!(
                                "step {i}: pause duration {text:?} is not a duration"
                            ));
                        }
                        None => ("pause".into(), Gate::Manual, None, 0, None),
                    },
                    "analysis" => {
                        let refs = s
                            .analysis
                            .as_ref()
                            .map(|a| a.templates.clone())
                            .unwrap_or_default();
                        let (lo, hi) = analysis_bounds(&refs, templates);
                        let names = refs.iter().map(|t| t.template_name.clone()).collect();
                        (
                            "analysis".into(),
                            Gate::Analysis { templates: names },
                            Some(0),
                            lo,
                            hi,
                        )
                    }
                    "experiment" => {
                        let d = s
                            .experiment
                            .as_ref()
                            .and_then(|e| e.duration.as_deref())
                            .and_then(|d| {
                                parse_millis(d)
                                    .map(|ms| ms / 1000)
                                    .or_else(|| d.parse().ok())
                            });
                        (
                            "experiment".into(),
                            Gate::Experiment,
                            Some(0),
                            d.unwrap_or(0),
                            d,
                        )
                    }
                    "plugin" => ("plugin".into(), Gate::Plugin, Some(0), 0, None),
                    "setHeaderRoute" | "setMirrorRoute" => {
                        ((*first).to_string(), Gate::Immediate, Some(0), 0, Some(0))
                    }
                    other => (other.to_string(), Gate::PodsReady, Some(0), 0, Some(0)),
                }
            }
        };
        let explanation = if routed || (cv.canary, cv.stable) == (canary, stable) {
            None
        } else {
            extra_pod_explanation(n, weight, max, cv.canary, cv.stable, surge)
        };
        steps.push(PlannedStep {
            index: i,
            action,
            weight,
            canary_replicas: cv.canary,
            stable_replicas: cv.stable,
            peak_total_replicas: cv.peak_total,
            min_available_replicas: cv.min_available,
            pause_seconds,
            gate,
            min_seconds: min_s,
            max_seconds: max_s,
            explanation,
        });
        canary = cv.canary;
        stable = cv.stable;
    }
    if routed {
        let delay = c
            .scale_down_delay_seconds
            .unwrap_or(DEFAULT_SCALE_DOWN_DELAY_SECONDS);
        notes.push(format!(
            "traffic routing: the stable ReplicaSet stays at full size{} so an abort is instant; after promotion the old pods are scaled down {}s later",
            if c.dynamic_stable_scale { " (shrunk with dynamicStableScale)" } else { "" },
            delay
        ));
        let abort = c
            .abort_scale_down_delay_seconds
            .unwrap_or(DEFAULT_ABORT_SCALE_DOWN_DELAY_SECONDS);
        notes.push(if abort == 0 {
            "on abort the canary pods are kept (abortScaleDownDelaySeconds: 0)".to_string()
        } else {
            format!(
                "on abort the canary pods are scaled down {abort}s after traffic returns to stable"
            )
        });
    } else {
        notes.push("on abort the weight returns to 0 and the canary ReplicaSet is scaled down as stable pods come back".to_string());
    }
    Ok((steps, notes))
}

fn plan_blue_green(r: &Rollout, b: &BlueGreenStrategy, templates: &[AnalysisTemplate]) -> Planned {
    let n = bounded_replicas(r);
    let preview = b.preview_replica_count.map_or(n, |p| p.clamp(0, n.max(0)));
    let mut steps = Vec::new();
    let mut notes = Vec::new();
    let mut push = |action: &str,
                    weight: i32,
                    canary: i32,
                    stable: i32,
                    gate: Gate,
                    pause: Option<i64>,
                    min_s: i64,
                    max_s: Option<i64>,
                    explanation: Option<String>| {
        let index = steps.len();
        steps.push(PlannedStep {
            index,
            action: action.to_string(),
            weight,
            canary_replicas: canary,
            stable_replicas: stable,
            peak_total_replicas: canary.saturating_add(stable),
            min_available_replicas: stable.max(if weight > 0 { canary } else { 0 }),
            pause_seconds: pause,
            gate,
            min_seconds: min_s,
            max_seconds: max_s,
            explanation,
        });
    };
    push(
        "preview",
        0,
        preview,
        n,
        Gate::PodsReady,
        Some(0),
        0,
        Some(0),
        Some(format!(
            "the new ReplicaSet comes up with {preview} pods behind {}; the active service still sends all traffic to the {n} old pods",
            b.preview_service
                .as_deref()
                .map_or("no preview service".to_string(), |s| format!(
                    "preview service {s:?}"
                ))
        )),
    );
    if let Some(a) = &b.pre_promotion_analysis {
        let (lo, hi) = analysis_bounds(&a.templates, templates);
        let names = a
            .templates
            .iter()
            .map(|t| t.template_name.clone())
            .collect();
        push(
            "prePromotionAnalysis",
            0,
            preview,
            n,
            Gate::Analysis { templates: names },
            Some(0),
            lo,
            hi,
            Some(
                "Failed/Error aborts: the preview is scaled down, traffic never moved".to_string(),
            ),
        );
    }
    match (
        b.auto_promotion_enabled.unwrap_or(true),
        b.auto_promotion_seconds.unwrap_or(0),
    ) {
        (false, _) => push(
            "pause",
            0,
            preview,
            n,
            Gate::Manual,
            None,
            0,
            None,
            Some("autoPromotionEnabled is false: waits for a manual promote".to_string()),
        ),
        (true, s) if s > 0 => {
            let s = i64::from(s);
            push(
                "pause",
                0,
                preview,
                n,
                Gate::Timer { seconds: s },
                Some(s),
                s,
                Some(s),
                Some(format!("auto-promotes {s}s after the preview is ready")),
            );
        }
        _ => {}
    }
    if preview < n {
        push(
            "scaleUpPreview",
            0,
            n,
            n,
            Gate::PodsReady,
            Some(0),
            0,
            Some(0),
            Some(format!(
                "previewReplicaCount {preview}: the new ReplicaSet is scaled to the full {n} pods just before the switch"
            )),
        );
    }
    push(
        "promote",
        100,
        n,
        n,
        Gate::Immediate,
        Some(0),
        0,
        Some(0),
        Some(format!(
            "the active service {:?} switches to the new pods",
            b.active_service.as_deref().unwrap_or("")
        )),
    );
    if let Some(a) = &b.post_promotion_analysis {
        let (lo, hi) = analysis_bounds(&a.templates, templates);
        let names = a
            .templates
            .iter()
            .map(|t| t.template_name.clone())
            .collect();
        push("postPromotionAnalysis", 100, n, n, Gate::Analysis { templates: names }, Some(0), lo, hi, Some("Failed/Error aborts and the active service switches back to the old pods, which are still running".to_string()));
    }
    let delay = i64::from(
        b.scale_down_delay_seconds
            .unwrap_or(DEFAULT_SCALE_DOWN_DELAY_SECONDS),
    );
    push(
        "scaleDownOld",
        100,
        n,
        0,
        Gate::Timer { seconds: delay },
        Some(0),
        delay,
        Some(delay),
        Some(format!(
            "the old ReplicaSet is kept {delay}s after the switch: the instant-rollback window"
        )),
    );
    notes.push(format!("rollback window: {delay}s after the switch (scaleDownDelaySeconds) the old pods are still running, so a rollback is instant"));
    let abort = b
        .abort_scale_down_delay_seconds
        .unwrap_or(DEFAULT_ABORT_SCALE_DOWN_DELAY_SECONDS);
    notes.push(if abort == 0 {
        "on abort the preview pods are kept (abortScaleDownDelaySeconds: 0)".to_string()
    } else {
        format!("on abort the preview pods are scaled down after {abort}s")
    });
    (steps, notes)
}

impl Plan {
    /// The plan as JSON in the `plan` example's contract.
    #[must_use]
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }

    /// A readable table plus notes and totals.
    #[must_use]
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let kind = match self.strategy {
            StrategyKind::Canary => "canary",
            StrategyKind::BlueGreen => "blueGreen",
        };
        let _ = writeln!(
            out,
            "rollout {:?}: {kind}, {} replicas",
            self.name, self.replicas
        );
        let _ = writeln!(
            out,
            "{:>3}  {:<22} {:>6} {:>6} {:>6} {:>5} {:>5}  {:<26} duration",
            "#", "action", "weight", "canary", "stable", "peak", "avail", "gate"
        );
        for s in &self.steps {
            let gate = match &s.gate {
                Gate::PodsReady => "pods ready".to_string(),
                Gate::Timer { seconds } => format!("timer {}", format_seconds(*seconds)),
                Gate::Manual => "manual promote".to_string(),
                Gate::Analysis { templates } => format!("analysis {}", templates.join(",")),
                Gate::Experiment => "experiment".to_string(),
                Gate::Plugin => "plugin".to_string(),
                Gate::Immediate => "immediate".to_string(),
            };
            let dur = match s.max_seconds {
                Some(m) if m == s.min_seconds => format_seconds(m),
                Some(m) => format!("{}..{}", format_seconds(s.min_seconds), format_seconds(m)),
                None => format!("{}..unbounded", format_seconds(s.min_seconds)),
            };
            let _ = writeln!(
                out,
                "{:>3}  {:<22} {:>5}% {:>6} {:>6} {:>5} {:>5}  {:<26} {}",
                s.index,
                s.action,
                s.weight,
                s.canary_replicas,
                s.stable_replicas,
                s.peak_total_replicas,
                s.min_available_replicas,
                gate,
                dur
            );
            if let Some(e) = &s.explanation {
                let _ = writeln!(out, "     note: {e}");
            }
        }
        let max = self.max_duration_seconds.map_or(
            "unbounded (manual or open-ended gates)".to_string(),
            format_seconds,
        );
        let _ = writeln!(
            out,
            "duration: at least {}, at most {max} (pod readiness not included)",
            format_seconds(self.min_duration_seconds)
        );
        for n in &self.notes {
            let _ = writeln!(out, "- {n}");
        }
        out
    }

    /// A Mermaid flowchart of the steps.
    #[must_use]
    pub fn to_mermaid(&self) -> String {
        let mut out = String::from("flowchart LR\n");
        for s in &self.steps {
            let gate = match &s.gate {
                Gate::Timer { seconds } => format!("wait {}", format_seconds(*seconds)),
                Gate::Manual => "manual promote".to_string(),
                Gate::Analysis { templates } => format!("analysis {}", templates.join(", ")),
                Gate::PodsReady => "pods ready".to_string(),
                Gate::Experiment => "experiment".to_string(),
                Gate::Plugin => "plugin".to_string(),
                Gate::Immediate => "immediate".to_string(),
            };
            let _ = writeln!(
                out,
                "  s{}[\"{}: {} {}%<br/>canary {} / stable {}<br/>{}\"]",
                s.index, s.index, s.action, s.weight, s.canary_replicas, s.stable_replicas, gate
            );
        }
        for w in self.steps.windows(2) {
            if let [a, b] = w {
                let _ = writeln!(out, "  s{} --> s{}", a.index, b.index);
            }
        }
        out
    }
}
