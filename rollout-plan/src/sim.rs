//! A deterministic simulator: a Rollout driven on a virtual clock with scripted measurements and
//! operator actions, emitting the events Argo would produce and the outcome.
//!
//! Pods become ready at once, metric values come from a [`MetricSource`] (a [`Scenario`] for
//! offline tests), and Argo's rules decide: Failed/Error analysis aborts (weight back to 0),
//! Inconclusive pauses until a promote, errors retry after 10s and count toward
//! `consecutiveErrorLimit`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::analysis::run::{Measurement, MetricResult, Phase, ProviderValue, RunState, evaluate};
use crate::duration::parse_millis;
use crate::error::Error;
use crate::model::*;
use crate::plan::{Plan, plan};

/// A manual clock in milliseconds; time moves only when told to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ManualClock {
    now: i64,
}

impl ManualClock {
    /// A clock at `start` milliseconds.
    #[must_use]
    pub fn new(start: i64) -> Self {
        ManualClock { now: start }
    }
    /// The current time in milliseconds.
    #[must_use]
    pub fn now(&self) -> i64 {
        self.now
    }
    /// Moves to `t` (never backwards).
    pub fn set(&mut self, t: i64) {
        self.now = self.now.max(t);
    }
}

/// What a provider returned for one measurement.
#[derive(Debug, Clone, PartialEq)]
pub enum Measured {
    /// A value to evaluate against the conditions.
    Value(ProviderValue),
    /// The provider failed (the measurement is Error).
    Error(String),
}

/// Where measurements come from.
pub trait MetricSource {
    /// The measurement of `metric` at `at_ms` (milliseconds since the rollout started).
    fn measure(&mut self, metric: &str, at_ms: i64) -> Measured;
}

/// One scripted value: in force from `at` until the next entry.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ScriptedValue {
    /// Go duration from the rollout's start (`"0s"`, `"5m"`).
    pub at: String,
    /// An instant-vector value: a number or a list of numbers (`result[0]` sees the first).
    #[serde(default)]
    pub value: Option<serde_json::Value>,
    /// A scalar value.
    #[serde(default)]
    pub scalar: Option<f64>,
    /// A provider error message.
    #[serde(default)]
    pub error: Option<String>,
}

/// An operator action at a time.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ScriptedAction {
    /// Go duration from the rollout's start.
    pub at: String,
    /// `promote` (resume a pause) or `abort`.
    pub action: String,
}

/// A scenario file: metric values over time and operator actions.
///
/// ```
/// let s = rollout_plan::sim::Scenario::from_yaml(r#"
/// metrics:
///   success-rate:
///   - {at: 0s, value: 0.99}
///   - {at: 5m, value: 0.42}
/// actions:
/// - {at: 20m, action: promote}
/// "#)?;
/// assert_eq!(s.metrics["success-rate"].len(), 2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Values per metric name, in time order.
    #[serde(default)]
    pub metrics: BTreeMap<String, Vec<ScriptedValue>>,
    /// Operator actions, in time order.
    #[serde(default)]
    pub actions: Vec<ScriptedAction>,
}

impl Scenario {
    /// Parses a scenario from YAML (or JSON).
    ///
    /// # Errors
    ///
    /// [`Error::Scenario`] naming the line, column and field for malformed input or a bad time.
    pub fn from_yaml(text: &str) -> Result<Scenario, Error> {
        let s: Scenario = serde_yaml::from_str(text).map_err(|e| Error::Scenario {
            message: e.to_string(),
        })?;
        for (name, values) in &s.metrics {
            for v in values {
                if parse_millis(&v.at).is_none() {
                    return Err(Error::Scenario {
                        message: format!("metrics.{name}: at {:?} is not a Go duration", v.at),
                    });
                }
                let set = usize::from(v.value.is_some())
                    + usize::from(v.scalar.is_some())
                    + usize::from(v.error.is_some());
                if set != 1 {
                    return Err(Error::Scenario {
                        message: format!(
                            "metrics.{name} at {}: set exactly one of value, scalar, error",
                            v.at
                        ),
                    });
                }
                if let Some(val) = &v.value
                    && to_vector(val).is_none()
                {
                    return Err(Error::Scenario {
                        message: format!(
                            "metrics.{name} at {}: value must be a number or a list of numbers",
                            v.at
                        ),
                    });
                }
            }
        }
        for a in &s.actions {
            if parse_millis(&a.at).is_none() {
                return Err(Error::Scenario {
                    message: format!("actions: at {:?} is not a Go duration", a.at),
                });
            }
            if a.action != "promote" && a.action != "abort" {
                return Err(Error::Scenario {
                    message: format!("actions: unknown action {:?} (promote or abort)", a.action),
                });
            }
        }
        Ok(s)
    }

    fn actions_ms(&self) -> Vec<(i64, Action)> {
        let mut out: Vec<(i64, Action)> = self
            .actions
            .iter()
            .filter_map(|a| {
                let t = parse_millis(&a.at)?;
                let act = if a.action == "abort" {
                    Action::Abort
                } else {
                    Action::Promote
                };
                Some((t, act))
            })
            .collect();
        out.sort_by_key(|(t, _)| *t);
        out
    }
}

fn to_vector(v: &serde_json::Value) -> Option<Vec<f64>> {
    match v {
        serde_json::Value::Number(n) => n.as_f64().map(|f| vec![f]),
        serde_json::Value::Array(items) => items.iter().map(serde_json::Value::as_f64).collect(),
        _ => None,
    }
}

impl MetricSource for Scenario {
    fn measure(&mut self, metric: &str, at_ms: i64) -> Measured {
        let Some(values) = self.metrics.get(metric) else {
            return Measured::Error(format!("scenario has no values for metric {metric:?}"));
        };
        let current = values
            .iter()
            .rfind(|v| parse_millis(&v.at).is_some_and(|t| t <= at_ms));
        match current {
            None => Measured::Error(format!("scenario has no value for {metric:?} yet")),
            Some(v) => {
                if let Some(e) = &v.error {
                    Measured::Error(e.clone())
                } else if let Some(f) = v.scalar {
                    Measured::Value(ProviderValue::PromScalar(f))
                } else {
                    let vec = v.value.as_ref().and_then(to_vector).unwrap_or_default();
                    Measured::Value(ProviderValue::PromVector(vec))
                }
            }
        }
    }
}

/// An operator action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Action {
    /// Resume a pause (`kubectl argo rollouts promote`).
    Promote,
    /// Abort the update.
    Abort,
}

/// Which analysis an event is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum AnalysisKind {
    /// A canary `analysis` step.
    Step,
    /// Canary background analysis.
    Background,
    /// Blue/green pre-promotion analysis.
    PrePromotion,
    /// Blue/green post-promotion analysis.
    PostPromotion,
}

impl AnalysisKind {
    fn label(self) -> &'static str {
        match self {
            AnalysisKind::Step => "Step-based",
            AnalysisKind::Background => "Background",
            AnalysisKind::PrePromotion => "Pre-promotion",
            AnalysisKind::PostPromotion => "Post-promotion",
        }
    }
}

/// Something that happened, at a time in milliseconds.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// A step (or blue/green phase) started.
    StepStarted {
        /// Milliseconds since start.
        at: i64,
        /// Step index.
        index: usize,
        /// Its action.
        action: String,
    },
    /// Traffic weight and pod counts changed.
    WeightSet {
        /// Milliseconds since start.
        at: i64,
        /// Canary traffic percent.
        weight: i32,
        /// Canary pods.
        canary: i32,
        /// Stable pods.
        stable: i32,
    },
    /// An AnalysisRun started.
    AnalysisStarted {
        /// Milliseconds since start.
        at: i64,
        /// Which analysis.
        kind: AnalysisKind,
        /// Its templates.
        templates: Vec<String>,
    },
    /// A measurement was taken.
    Measured {
        /// Milliseconds since start.
        at: i64,
        /// Which analysis.
        kind: AnalysisKind,
        /// Metric name.
        metric: String,
        /// Measurement phase.
        phase: Phase,
        /// Stored value or error message.
        value: String,
    },
    /// An AnalysisRun finished.
    AnalysisFinished {
        /// Milliseconds since start.
        at: i64,
        /// Which analysis.
        kind: AnalysisKind,
        /// Its phase.
        phase: Phase,
        /// Argo's message.
        message: String,
        /// Misleading results worth knowing (see `RunAssessment::warnings`).
        warnings: Vec<String>,
    },
    /// The rollout paused.
    Paused {
        /// Milliseconds since start.
        at: i64,
        /// Why (`timer 2m`, `manual`, `InconclusiveAnalysisRun`).
        reason: String,
    },
    /// A pause ended.
    Resumed {
        /// Milliseconds since start.
        at: i64,
    },
    /// Blue/green: the active service switched to the new pods.
    Switched {
        /// Milliseconds since start.
        at: i64,
    },
    /// The update completed: the new pods are stable.
    Promoted {
        /// Milliseconds since start.
        at: i64,
    },
    /// The update was aborted.
    Aborted {
        /// Milliseconds since start.
        at: i64,
        /// Step index in force.
        step: usize,
        /// Why.
        reason: String,
    },
    /// Pods were scaled down.
    ScaledDown {
        /// Milliseconds since start.
        at: i64,
        /// `canary`, `preview` or `old`.
        which: String,
    },
}

/// How a simulation ended.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// Fully promoted.
    Promoted {
        /// Milliseconds since start.
        at: i64,
    },
    /// Aborted.
    Aborted {
        /// Milliseconds since start.
        at: i64,
        /// Step index in force.
        step: usize,
        /// Why.
        reason: String,
    },
    /// Waiting for a human that the scenario never supplies.
    Paused {
        /// Milliseconds since start.
        at: i64,
        /// Why.
        reason: String,
    },
    /// Still running when the time limit was reached.
    Running {
        /// The limit, milliseconds.
        at: i64,
    },
}

/// The events and outcome of a simulation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Simulation {
    /// Everything that happened, in time order.
    pub events: Vec<Event>,
    /// How it ended.
    pub outcome: Outcome,
}

struct Run {
    kind: AnalysisKind,
    state: RunState,
    conditions: BTreeMap<String, (String, String)>,
}

impl Run {
    fn new(
        kind: AnalysisKind,
        a: &RolloutAnalysis,
        templates: &[AnalysisTemplate],
        now: i64,
    ) -> Run {
        let mut state = RunState {
            started_at: Some(now),
            dry_run: a.dry_run.clone(),
            ..RunState::default()
        };
        let mut conditions = BTreeMap::new();
        for r in &a.templates {
            if let Some(t) = templates
                .iter()
                .find(|t| t.name == r.template_name && t.cluster_scoped == r.cluster_scope)
            {
                state.dry_run.extend(t.dry_run.iter().cloned());
                for m in &t.metrics {
                    conditions.insert(
                        m.name.clone(),
                        (
                            m.success_condition.clone().unwrap_or_default(),
                            m.failure_condition.clone().unwrap_or_default(),
                        ),
                    );
                    state.metrics.push(m.clone());
                }
            }
        }
        Run {
            kind,
            state,
            conditions,
        }
    }

    /// Takes the measurements due at `now`; returns the run's phase once it completes.
    fn step(
        &mut self,
        now: i64,
        source: &mut dyn MetricSource,
        events: &mut Vec<Event>,
    ) -> Option<(Phase, String, Vec<String>)> {
        for (name, _resume) in self.state.due(now) {
            let (success, failure) = self.conditions.get(&name).cloned().unwrap_or_default();
            let (phase, value, message) = match source.measure(&name, now) {
                Measured::Error(e) => (Phase::Error, e.clone(), e),
                Measured::Value(v) => {
                    let e = evaluate(&v, &success, &failure);
                    (e.phase, e.value, e.message.unwrap_or_default())
                }
            };
            events.push(Event::Measured {
                at: now,
                kind: self.kind,
                metric: name.clone(),
                phase,
                value: value.clone(),
            });
            let dry = self.state.is_dry_run(&name);
            let idx = match self.state.results.iter().position(|r| r.name == name) {
                Some(i) => i,
                None => {
                    self.state.results.push(MetricResult {
                        name: name.clone(),
                        phase: Some(Phase::Running),
                        dry_run: dry,
                        ..MetricResult::default()
                    });
                    self.state.results.len() - 1
                }
            };
            if let Some(r) = self.state.results.get_mut(idx) {
                if phase == Phase::Error {
                    r.message = message.clone();
                }
                r.record(Measurement {
                    phase,
                    value: Some(value),
                    message,
                    started_at: Some(now),
                    finished_at: Some(now),
                    resume_at: None,
                });
            }
        }
        let a = self.state.assess();
        a.phase
            .completed()
            .then_some((a.phase, a.message, a.warnings))
    }

    fn terminate(&mut self) -> (Phase, String, Vec<String>) {
        self.state.terminate = true;
        let a = self.state.assess();
        (a.phase, a.message, a.warnings)
    }
}

enum Wait {
    None,
    Until(i64),
    Manual(String),
    Analysis,
}

/// Runs a rollout against a metric source and scripted actions until it completes, aborts,
/// stalls on a manual gate, or reaches `limit_ms`.
///
/// # Errors
///
/// [`Error::Plan`] when the rollout cannot be planned.
///
/// ```
/// use rollout_plan::sim::{simulate, Outcome, Scenario};
/// let m = rollout_plan::parse_str("kind: Rollout\nspec:\n  replicas: 4\n  strategy:\n    canary:\n      steps:\n      - setWeight: 50\n      - pause: {duration: 1m}\n", "r.yaml")?;
/// let mut s = Scenario::default();
/// let sim = simulate(&m.rollouts[0], &m.templates, &mut s, &[], 3_600_000)?;
/// assert_eq!(sim.outcome, Outcome::Promoted { at: 60_000 });
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn simulate(
    rollout: &Rollout,
    templates: &[AnalysisTemplate],
    source: &mut dyn MetricSource,
    actions: &[(i64, Action)],
    limit_ms: i64,
) -> Result<Simulation, Error> {
    let p = plan(rollout, templates)?;
    let mut sim = Sim {
        clock: ManualClock::new(0),
        events: Vec::new(),
        actions: actions.to_vec(),
        next_action: 0,
    };
    let outcome = match &rollout.strategy {
        Some(Strategy::BlueGreen(b)) => sim.blue_green(&p, b, templates, source, limit_ms),
        Some(Strategy::Canary(c)) => sim.canary(&p, c, templates, source, limit_ms),
        None => Outcome::Running { at: 0 },
    };
    Ok(Simulation {
        events: sim.events,
        outcome,
    })
}

/// [`simulate`] with a scenario's metrics and actions.
///
/// # Errors
///
/// As [`simulate`].
pub fn simulate_scenario(
    rollout: &Rollout,
    templates: &[AnalysisTemplate],
    scenario: &Scenario,
    limit_ms: i64,
) -> Result<Simulation, Error> {
    let actions = scenario.actions_ms();
    let mut source = scenario.clone();
    simulate(rollout, templates, &mut source, &actions, limit_ms)
}

struct Sim {
    clock: ManualClock,
    events: Vec<Event>,
    actions: Vec<(i64, Action)>,
    next_action: usize,
}

impl Sim {
    fn now(&self) -> i64 {
        self.clock.now()
    }

    fn pending_action_at(&self) -> Option<i64> {
        self.actions.get(self.next_action).map(|(t, _)| *t)
    }

    /// Waits for the condition in `wait` while running analyses; returns Ok(()) when the wait
    /// is over, or the outcome if the rollout aborted, stalled or hit the limit.
    fn wait(
        &mut self,
        mut wait: Wait,
        step: usize,
        step_run: &mut Option<Run>,
        background: &mut Option<Run>,
        source: &mut dyn MetricSource,
        limit: i64,
    ) -> Result<(), Outcome> {
        loop {
            let now = self.now();
            // Operator actions due now.
            while let Some((t, a)) = self.actions.get(self.next_action).copied() {
                if t > now {
                    break;
                }
                self.next_action += 1;
                match a {
                    Action::Abort => {
                        return Err(self.abort(
                            step,
                            "manual abort".to_string(),
                            step_run,
                            background,
                        ));
                    }
                    Action::Promote => {
                        if matches!(wait, Wait::Manual(_)) {
                            self.events.push(Event::Resumed { at: now });
                            return Ok(());
                        }
                    }
                }
            }
            // Analyses.
            let mut finished = Vec::new();
            for run in [background.as_mut(), step_run.as_mut()]
                .into_iter()
                .flatten()
            {
                if let Some(done) = run.step(now, source, &mut self.events) {
                    finished.push((run.kind, done));
                }
            }
            for (kind, (phase, message, warnings)) in finished {
                self.events.push(Event::AnalysisFinished {
                    at: now,
                    kind,
                    phase,
                    message: message.clone(),
                    warnings,
                });
                if kind == AnalysisKind::Background {
                    *background = None;
                } else {
                    *step_run = None;
                }
                match phase {
                    Phase::Failed | Phase::Error => {
                        let reason = format!(
                            "{} analysis phase {}: {message}",
                            kind.label(),
                            phase.to_string().to_lowercase()
                        );
                        return Err(self.abort(step, reason, step_run, background));
                    }
                    Phase::Inconclusive => {
                        self.events.push(Event::Paused {
                            at: now,
                            reason: "InconclusiveAnalysisRun".to_string(),
                        });
                        wait = Wait::Manual("InconclusiveAnalysisRun".to_string());
                    }
                    _ => {
                        if kind != AnalysisKind::Background && matches!(wait, Wait::Analysis) {
                            return Ok(());
                        }
                    }
                }
            }
            match wait {
                Wait::None => return Ok(()),
                Wait::Until(t) if now >= t => return Ok(()),
                _ => {}
            }
            // Next moment anything can change.
            let mut next: Option<i64> = self.pending_action_at();
            let mut consider = |t: i64| next = Some(next.map_or(t, |n: i64| n.min(t)));
            if let Wait::Until(t) = wait {
                consider(t);
            }
            for run in [&*background, &*step_run].into_iter().flatten() {
                if let Some(t) = run.state.next_reconcile() {
                    consider(t);
                }
            }
            match next {
                Some(t) if t <= limit => self.clock.set(t.max(now.saturating_add(1))),
                Some(_) | None => {
                    if let Wait::Manual(reason) = &wait
                        && next.is_none()
                    {
                        return Err(Outcome::Paused {
                            at: now,
                            reason: reason.clone(),
                        });
                    }
                    return Err(Outcome::Running { at: limit });
                }
            }
            if self.now() > limit {
                return Err(Outcome::Running { at: limit });
            }
        }
    }

    fn abort(
        &mut self,
        step: usize,
        reason: String,
        step_run: &mut Option<Run>,
        background: &mut Option<Run>,
    ) -> Outcome {
        let at = self.now();
        for run in [step_run.take(), background.take()].into_iter().flatten() {
            let mut run = run;
            let _ = run.terminate();
        }
        self.events.push(Event::Aborted {
            at,
            step,
            reason: reason.clone(),
        });
        Outcome::Aborted { at, step, reason }
    }

    fn canary(
        &mut self,
        p: &Plan,
        c: &CanaryStrategy,
        templates: &[AnalysisTemplate],
        source: &mut dyn MetricSource,
        limit: i64,
    ) -> Outcome {
        let mut background: Option<Run> = None;
        let start_bg = c.analysis.as_ref().map(|a| {
            (
                a,
                usize::try_from(a.starting_step.unwrap_or(0)).unwrap_or(0),
            )
        });
        let mut weight = 0;
        for planned in &p.steps {
            let i = planned.index;
            let now = self.now();
            if let Some((a, from)) = start_bg
                && background.is_none()
                && i >= from
                && i < c.steps.len()
                && !self.background_started(AnalysisKind::Background)
            {
                self.events.push(Event::AnalysisStarted {
                    at: now,
                    kind: AnalysisKind::Background,
                    templates: a
                        .templates
                        .iter()
                        .map(|t| t.template_name.clone())
                        .collect(),
                });
                background = Some(Run::new(AnalysisKind::Background, a, templates, now));
            }
            self.events.push(Event::StepStarted {
                at: now,
                index: i,
                action: planned.action.clone(),
            });
            if planned.weight != weight || i == 0 {
                self.events.push(Event::WeightSet {
                    at: now,
                    weight: planned.weight,
                    canary: planned.canary_replicas,
                    stable: planned.stable_replicas,
                });
                weight = planned.weight;
            }
            let mut step_run = None;
            let wait = match c.steps.get(i) {
                None => Wait::None,
                Some(s) => {
                    if let Some(pause) = &s.pause {
                        match pause.seconds() {
                            Ok(Some(secs)) => {
                                self.events.push(Event::Paused {
                                    at: now,
                                    reason: format!(
                                        "timer {}",
                                        crate::duration::format_seconds(secs)
                                    ),
                                });
                                Wait::Until(now.saturating_add(secs.saturating_mul(1000)))
                            }
                            _ => {
                                self.events.push(Event::Paused {
                                    at: now,
                                    reason: "manual".to_string(),
                                });
                                Wait::Manual("manual pause".to_string())
                            }
                        }
                    } else if let Some(a) = &s.analysis {
                        self.events.push(Event::AnalysisStarted {
                            at: now,
                            kind: AnalysisKind::Step,
                            templates: a
                                .templates
                                .iter()
                                .map(|t| t.template_name.clone())
                                .collect(),
                        });
                        step_run = Some(Run::new(AnalysisKind::Step, a, templates, now));
                        Wait::Analysis
                    } else if let Some(e) = &s.experiment {
                        let d = e.duration.as_deref().and_then(parse_millis).unwrap_or(0);
                        Wait::Until(now.saturating_add(d))
                    } else {
                        Wait::None
                    }
                }
            };
            let waiting_for_timer =
                matches!(wait, Wait::Until(_)) && c.steps.get(i).is_some_and(|s| s.pause.is_some());
            if let Err(outcome) = self.wait(wait, i, &mut step_run, &mut background, source, limit)
            {
                if matches!(outcome, Outcome::Aborted { .. }) {
                    self.events.push(Event::WeightSet {
                        at: self.now(),
                        weight: 0,
                        canary: 0,
                        stable: p.replicas,
                    });
                    self.events.push(Event::ScaledDown {
                        at: self.now(),
                        which: "canary".to_string(),
                    });
                }
                return outcome;
            }
            if waiting_for_timer {
                self.events.push(Event::Resumed { at: self.now() });
            }
        }
        let at = self.now();
        if let Some(mut bg) = background.take() {
            let (phase, message, warnings) = bg.terminate();
            self.events.push(Event::AnalysisFinished {
                at,
                kind: AnalysisKind::Background,
                phase,
                message,
                warnings,
            });
        }
        self.events.push(Event::Promoted { at });
        self.events.push(Event::ScaledDown {
            at,
            which: "old".to_string(),
        });
        Outcome::Promoted { at }
    }

    fn background_started(&self, kind: AnalysisKind) -> bool {
        self.events
            .iter()
            .any(|e| matches!(e, Event::AnalysisStarted { kind: k, .. } if *k == kind))
    }

    fn blue_green(
        &mut self,
        p: &Plan,
        b: &BlueGreenStrategy,
        templates: &[AnalysisTemplate],
        source: &mut dyn MetricSource,
        limit: i64,
    ) -> Outcome {
        let mut none: Option<Run> = None;
        for planned in &p.steps {
            let now = self.now();
            self.events.push(Event::StepStarted {
                at: now,
                index: planned.index,
                action: planned.action.clone(),
            });
            let mut run = None;
            let wait = match planned.action.as_str() {
                "preview" | "scaleUpPreview" => {
                    self.events.push(Event::WeightSet {
                        at: now,
                        weight: 0,
                        canary: planned.canary_replicas,
                        stable: planned.stable_replicas,
                    });
                    Wait::None
                }
                "prePromotionAnalysis" | "postPromotionAnalysis" => {
                    let (kind, a) = if planned.action == "prePromotionAnalysis" {
                        (
                            AnalysisKind::PrePromotion,
                            b.pre_promotion_analysis.as_ref(),
                        )
                    } else {
                        (
                            AnalysisKind::PostPromotion,
                            b.post_promotion_analysis.as_ref(),
                        )
                    };
                    match a {
                        Some(a) => {
                            self.events.push(Event::AnalysisStarted {
                                at: now,
                                kind,
                                templates: a
                                    .templates
                                    .iter()
                                    .map(|t| t.template_name.clone())
                                    .collect(),
                            });
                            run = Some(Run::new(kind, a, templates, now));
                            Wait::Analysis
                        }
                        None => Wait::None,
                    }
                }
                "pause" => match planned.pause_seconds {
                    Some(s) => {
                        self.events.push(Event::Paused {
                            at: now,
                            reason: format!("autoPromotionSeconds {s}"),
                        });
                        Wait::Until(now.saturating_add(s.saturating_mul(1000)))
                    }
                    None => {
                        self.events.push(Event::Paused {
                            at: now,
                            reason: "manual".to_string(),
                        });
                        Wait::Manual("BlueGreenPause".to_string())
                    }
                },
                "promote" => {
                    self.events.push(Event::Switched { at: now });
                    self.events.push(Event::WeightSet {
                        at: now,
                        weight: 100,
                        canary: planned.canary_replicas,
                        stable: planned.stable_replicas,
                    });
                    Wait::None
                }
                _ => {
                    // scaleDownOld: the rollback window.
                    let d = planned.gate_seconds();
                    Wait::Until(now.saturating_add(d.saturating_mul(1000)))
                }
            };
            let post = planned.action == "postPromotionAnalysis";
            if let Err(outcome) = self.wait(wait, planned.index, &mut run, &mut none, source, limit)
            {
                if matches!(outcome, Outcome::Aborted { .. }) {
                    let at = self.now();
                    if post {
                        // Traffic goes back to the old pods, still running in the rollback window.
                        self.events.push(Event::WeightSet {
                            at,
                            weight: 0,
                            canary: p.replicas,
                            stable: p.replicas,
                        });
                    }
                    self.events.push(Event::ScaledDown {
                        at,
                        which: "preview".to_string(),
                    });
                }
                return outcome;
            }
        }
        let at = self.now();
        self.events.push(Event::ScaledDown {
            at,
            which: "old".to_string(),
        });
        self.events.push(Event::Promoted { at });
        Outcome::Promoted { at }
    }
}

impl crate::plan::PlannedStep {
    fn gate_seconds(&self) -> i64 {
        match self.gate {
            crate::plan::Gate::Timer { seconds } => seconds,
            _ => 0,
        }
    }
}
