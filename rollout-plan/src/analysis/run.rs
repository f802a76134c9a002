//! Measurement, metric and run phases exactly as Argo's analysis controller assesses them, and
//! when the next measurement is due. Times are milliseconds on the caller's clock.

use std::fmt;

use serde::Serialize;

use super::expr::{Condition, Val, format_float};
use crate::duration::parse_millis;
use crate::model::Metric;

/// Argo's default `consecutiveErrorLimit`.
pub const DEFAULT_CONSECUTIVE_ERROR_LIMIT: i64 = 4;
/// Retry interval after an Error measurement, whatever the metric's interval (10s).
pub const ERROR_RETRY_INTERVAL_MS: i64 = 10_000;

/// The phase of a measurement, a metric or a whole analysis run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Phase {
    /// Not started.
    Pending,
    /// In progress.
    Running,
    /// Passed.
    Successful,
    /// Failed: the rollout aborts.
    Failed,
    /// Errored: the rollout aborts.
    Error,
    /// Neither passed nor failed: the rollout pauses for a human.
    Inconclusive,
}

impl Phase {
    /// True for Successful, Failed, Error and Inconclusive.
    #[must_use]
    pub fn completed(self) -> bool {
        matches!(
            self,
            Phase::Successful | Phase::Failed | Phase::Error | Phase::Inconclusive
        )
    }

    fn rank(self) -> u8 {
        match self {
            Phase::Successful => 0,
            Phase::Running => 1,
            Phase::Pending => 2,
            Phase::Inconclusive => 3,
            Phase::Error => 4,
            Phase::Failed => 5,
        }
    }

    /// Parses Argo's spelling (`Successful`, ...).
    #[must_use]
    pub fn from_name(s: &str) -> Option<Phase> {
        Some(match s {
            "Pending" => Phase::Pending,
            "Running" => Phase::Running,
            "Successful" => Phase::Successful,
            "Failed" => Phase::Failed,
            "Error" => Phase::Error,
            "Inconclusive" => Phase::Inconclusive,
            _ => return None,
        })
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// What a provider returned, in the shapes Argo distinguishes.
#[derive(Debug, Clone, PartialEq)]
pub enum ProviderValue {
    /// A Prometheus scalar: `result` is one float.
    PromScalar(f64),
    /// A Prometheus instant vector: `result` is one float per series (labels dropped).
    PromVector(Vec<f64>),
    /// A Prometheus range query: all samples of all series flattened into one list.
    PromMatrix(Vec<Vec<f64>>),
    /// A Prometheus response type Argo does not support (string).
    PromUnsupported,
    /// Any other provider's value (web: decoded JSON).
    Value(Val),
}

impl ProviderValue {
    /// The `result` the conditions see.
    #[must_use]
    pub fn to_val(&self) -> Val {
        match self {
            ProviderValue::PromScalar(f) => Val::Float(*f),
            ProviderValue::PromVector(v) => Val::List(v.iter().map(|f| Val::Float(*f)).collect()),
            ProviderValue::PromMatrix(series) => {
                Val::List(series.iter().flatten().map(|f| Val::Float(*f)).collect())
            }
            ProviderValue::PromUnsupported => Val::Nil,
            ProviderValue::Value(v) => v.clone(),
        }
    }

    /// The measurement value Argo stores (`"10"`, `"[10,11]"`, `"NaN"`, `"+Inf"`).
    #[must_use]
    pub fn stored(&self) -> String {
        let list = |v: &mut dyn Iterator<Item = &f64>| {
            let parts: Vec<String> = v.map(|f| format_float(*f)).collect();
            format!("[{}]", parts.join(","))
        };
        match self {
            ProviderValue::PromScalar(f) => format_float(*f),
            ProviderValue::PromVector(v) => list(&mut v.iter()),
            ProviderValue::PromMatrix(s) => list(&mut s.iter().flatten()),
            ProviderValue::PromUnsupported => String::new(),
            ProviderValue::Value(v) => v.to_string(),
        }
    }
}

/// The outcome of evaluating one measurement.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    /// Successful, Failed, Inconclusive or Error.
    pub phase: Phase,
    /// The stored value.
    pub value: String,
    /// The error message for an Error phase.
    pub message: Option<String>,
}

/// Evaluates a measurement as Argo does: no condition → Successful; only a success condition →
/// Failed when it is false; only a failure condition → Successful when it is false; both →
/// failure wins, neither true → Inconclusive; any evaluation error → Error.
///
/// ```
/// use rollout_plan::analysis::run::{evaluate, Phase, ProviderValue};
/// let e = evaluate(&ProviderValue::PromScalar(f64::NAN), "result >= 0.9", "result < 0.9");
/// assert_eq!(e.phase, Phase::Inconclusive);
/// assert_eq!(e.value, "NaN");
/// ```
#[must_use]
pub fn evaluate(value: &ProviderValue, success: &str, failure: &str) -> Evaluation {
    let stored = value.stored();
    if *value == ProviderValue::PromUnsupported {
        return Evaluation {
            phase: Phase::Error,
            value: stored,
            message: Some("Prometheus metric type not supported".to_string()),
        };
    }
    let result = value.to_val();
    let error = |message: String| Evaluation {
        phase: Phase::Error,
        value: stored.clone(),
        message: Some(message),
    };
    let empty = matches!(&result, Val::Nil) || matches!(&result, Val::List(l) if l.is_empty());
    let run = |which: &str, cond: &str| -> Result<bool, String> {
        Condition::parse(cond)
            .map_err(|e| e.to_string())
            .and_then(|c| c.eval_bool(&result))
            .map_err(|e| {
                let mut m = format!("could not evaluate {which} {cond:?}: {e}");
                if empty {
                    m.push_str(" (metric result is nil or empty)");
                }
                m
            })
    };
    let success_ok = if success.is_empty() {
        None
    } else {
        match run("successCondition", success) {
            Ok(b) => Some(b),
            Err(m) => return error(m),
        }
    };
    let failed = if failure.is_empty() {
        None
    } else {
        match run("failureCondition", failure) {
            Ok(b) => Some(b),
            Err(m) => return error(m),
        }
    };
    let phase = match (success_ok, failed) {
        (None, None) => Phase::Successful,
        (Some(s), None) => {
            if s {
                Phase::Successful
            } else {
                Phase::Failed
            }
        }
        (None, Some(f)) => {
            if f {
                Phase::Failed
            } else {
                Phase::Successful
            }
        }
        (Some(s), Some(f)) => {
            if f {
                Phase::Failed
            } else if s {
                Phase::Successful
            } else {
                Phase::Inconclusive
            }
        }
    };
    Evaluation {
        phase,
        value: stored,
        message: None,
    }
}

/// One measurement of a metric.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Measurement {
    /// Its phase (Running while in flight).
    pub phase: Phase,
    /// The stored value.
    pub value: Option<String>,
    /// A provider or evaluation message.
    pub message: String,
    /// When it started.
    pub started_at: Option<i64>,
    /// When it finished; `None` = in flight.
    pub finished_at: Option<i64>,
    /// When an in-flight measurement should be resumed.
    pub resume_at: Option<i64>,
}

/// The counters and measurements of one metric in a run.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct MetricResult {
    /// The metric's name.
    pub name: String,
    /// The phase stored so far (`None` = never assessed).
    pub phase: Option<Phase>,
    /// Successful + Failed + Inconclusive measurements (errors excluded).
    pub count: i64,
    /// Successful measurements.
    pub successful: i64,
    /// Failed measurements.
    pub failed: i64,
    /// Inconclusive measurements.
    pub inconclusive: i64,
    /// Error measurements.
    pub error: i64,
    /// Errors in a row.
    pub consecutive_error: i64,
    /// Successes in a row.
    pub consecutive_success: i64,
    /// The measurements, oldest first.
    pub measurements: Vec<Measurement>,
    /// The provider message stored with the result.
    pub message: String,
    /// Whether this metric runs dry (never changes the run's phase).
    pub dry_run: bool,
}

impl MetricResult {
    /// Counts a completed measurement as Argo does and appends it.
    pub fn record(&mut self, m: Measurement) {
        match m.phase {
            Phase::Successful => {
                self.successful += 1;
                self.count += 1;
                self.consecutive_error = 0;
                self.consecutive_success += 1;
            }
            Phase::Failed => {
                self.failed += 1;
                self.count += 1;
                self.consecutive_error = 0;
                self.consecutive_success = 0;
            }
            Phase::Inconclusive => {
                self.inconclusive += 1;
                self.count += 1;
                self.consecutive_error = 0;
                self.consecutive_success = 0;
            }
            Phase::Error => {
                self.error += 1;
                self.consecutive_error += 1;
                self.consecutive_success = 0;
            }
            Phase::Pending | Phase::Running => {}
        }
        self.measurements.push(m);
    }
}

/// The limits of a metric with Argo's defaults applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// `count` in effect: the set count, 1 when neither count nor interval is set, else unbounded.
    pub count: Option<i64>,
    /// `failureLimit` (default 0, -1 = disabled).
    pub failure: i64,
    /// `inconclusiveLimit` (default 0).
    pub inconclusive: i64,
    /// `consecutiveErrorLimit` (default 4).
    pub consecutive_error: i64,
    /// `consecutiveSuccessLimit` (default 0 = disabled).
    pub consecutive_success: i64,
}

impl Limits {
    /// The limits of `metric`.
    #[must_use]
    pub fn of(metric: &Metric) -> Limits {
        let int = |v: &Option<crate::IntOrString>, d: i64| {
            v.as_ref().and_then(|x| x.as_int()).unwrap_or(d)
        };
        let count = match &metric.count {
            Some(c) => c.as_int(),
            None if metric.interval.as_deref().unwrap_or("").is_empty() => Some(1),
            None => None,
        };
        Limits {
            count,
            failure: int(&metric.failure_limit, 0),
            inconclusive: int(&metric.inconclusive_limit, 0),
            consecutive_error: int(
                &metric.consecutive_error_limit,
                DEFAULT_CONSECUTIVE_ERROR_LIMIT,
            ),
            consecutive_success: int(&metric.consecutive_success_limit, 0),
        }
    }
}

/// Which limit tripped, with Argo's message (`failed (1) > failureLimit (0)`); the later check
/// wins when several trip.
#[must_use]
pub fn limit_exceeded(metric: &Metric, result: &MetricResult) -> Option<(Phase, String)> {
    let l = Limits::of(metric);
    let mut out = None;
    if l.failure >= 0 && result.failed > l.failure {
        out = Some((
            Phase::Failed,
            format!("failed ({}) > failureLimit ({})", result.failed, l.failure),
        ));
    }
    if result.inconclusive > l.inconclusive {
        out = Some((
            Phase::Inconclusive,
            format!(
                "inconclusive ({}) > inconclusiveLimit ({})",
                result.inconclusive, l.inconclusive
            ),
        ));
    }
    if result.consecutive_error > l.consecutive_error {
        out = Some((
            Phase::Error,
            format!(
                "consecutiveErrors ({}) > consecutiveErrorLimit ({})",
                result.consecutive_error, l.consecutive_error
            ),
        ));
    }
    out
}

/// The phase of one metric from its counters, its last measurement and whether the run is
/// terminating. Reproduces Argo exactly, including its surprise (argo-rollouts#4479): a
/// bounded metric stopped early is Successful when no limit tripped, errors notwithstanding.
#[must_use]
pub fn assess_metric(metric: &Metric, result: &MetricResult, terminating: bool) -> Phase {
    if let Some(p) = result.phase.filter(|p| p.completed()) {
        return p;
    }
    let Some(last) = result.measurements.last() else {
        return if terminating {
            Phase::Successful
        } else {
            Phase::Pending
        };
    };
    if !last.phase.completed() {
        return Phase::Running;
    }
    if let Some((phase, _)) = limit_exceeded(metric, result) {
        return phase;
    }
    let l = Limits::of(metric);
    if l.consecutive_success > 0 && result.consecutive_success >= l.consecutive_success {
        return Phase::Successful;
    }
    if let Some(count) = l.count
        && result.count >= count
    {
        let failure_applies = l.failure >= 0;
        let success_applies = l.consecutive_success > 0;
        return match (failure_applies, success_applies) {
            (true, true) => Phase::Inconclusive,
            (false, true) => Phase::Failed,
            _ => Phase::Successful,
        };
    }
    if terminating {
        Phase::Successful
    } else {
        Phase::Running
    }
}

/// One analysis run's state: its metrics and their results.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunState {
    /// The metrics (with arguments already substituted).
    pub metrics: Vec<Metric>,
    /// Names of dry-run metrics (`*` = all).
    pub dry_run: Vec<String>,
    /// `spec.terminate`.
    pub terminate: bool,
    /// When the run started.
    pub started_at: Option<i64>,
    /// Results by metric name.
    pub results: Vec<MetricResult>,
}

/// Counts of dry-run metrics by phase.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DryRunSummary {
    /// Dry-run metrics with a result.
    pub count: i64,
    /// Of which Successful.
    pub successful: i64,
    /// Of which Failed.
    pub failed: i64,
    /// Of which Inconclusive.
    pub inconclusive: i64,
    /// Of which Error.
    pub error: i64,
}

/// The run's assessed phase.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunAssessment {
    /// Running until every metric completes, then the worst metric phase.
    pub phase: Phase,
    /// `Metric "<name>" assessed <Phase> due to <limit>[: "Error Message: <msg>"]`, or empty.
    pub message: String,
    /// Dry-run metrics by phase.
    pub dry_run_summary: DryRunSummary,
    /// Results Argo reports that mislead: a bounded metric stopped early and called Successful
    /// although it had failed or errored measurements (argo-rollouts#4479).
    pub warnings: Vec<String>,
}

impl RunState {
    /// The result of metric `name`.
    #[must_use]
    pub fn result(&self, name: &str) -> Option<&MetricResult> {
        self.results.iter().find(|r| r.name == name)
    }

    /// Whether `name` is a dry-run metric.
    #[must_use]
    pub fn is_dry_run(&self, name: &str) -> bool {
        self.dry_run.iter().any(|d| d == name || d == "*")
    }

    /// Terminating: terminated explicitly, or a non-dry-run metric already completed as Failed,
    /// Error or Inconclusive (judged on the phases stored so far).
    #[must_use]
    pub fn terminating(&self) -> bool {
        self.terminate
            || self.results.iter().any(|r| {
                !self.is_dry_run(&r.name)
                    && matches!(
                        r.phase,
                        Some(Phase::Failed | Phase::Error | Phase::Inconclusive)
                    )
            })
    }

    /// Assesses every metric (storing its new phase) and the run.
    pub fn assess(&mut self) -> RunAssessment {
        let terminating = self.terminating();
        let mut worst: Option<(Phase, String)> = None;
        let mut everything_completed = true;
        let mut summary = DryRunSummary::default();
        let mut any_live = false;
        let mut warnings = Vec::new();
        for metric in &self.metrics {
            let dry = self.is_dry_run(&metric.name);
            let Some(result) = self.results.iter_mut().find(|r| r.name == metric.name) else {
                continue;
            };
            let already = result.phase.is_some_and(Phase::completed);
            let phase = assess_metric(metric, result, terminating);
            result.phase = Some(phase);
            let short = Limits::of(metric).count.is_some_and(|c| result.count < c);
            if !already
                && terminating
                && phase == Phase::Successful
                && short
                && (result.error > 0 || result.failed > 0)
            {
                warnings.push(format!(
                    "metric {:?} is reported Successful only because the run was terminated after {} of {} measurements ({} failed, {} errors); Argo does not judge unfinished bounded metrics (argo-rollouts#4479)",
                    metric.name,
                    result.count,
                    Limits::of(metric).count.unwrap_or(0),
                    result.failed,
                    result.error
                ));
            }
            if dry {
                summary.count += 1;
                match phase {
                    Phase::Successful => summary.successful += 1,
                    Phase::Failed => summary.failed += 1,
                    Phase::Inconclusive => summary.inconclusive += 1,
                    Phase::Error => summary.error += 1,
                    _ => {}
                }
                continue;
            }
            any_live = true;
            if !phase.completed() {
                everything_completed = false;
                continue;
            }
            let worse = worst.as_ref().is_none_or(|(w, _)| phase.rank() > w.rank());
            if worse {
                let message = match limit_exceeded(metric, result) {
                    Some((_, why)) => {
                        let mut m =
                            format!("Metric {:?} assessed {phase} due to {why}", metric.name);
                        if !result.message.is_empty() {
                            m.push_str(&format!(": \"Error Message: {}\"", result.message));
                        }
                        m
                    }
                    None => String::new(),
                };
                worst = Some((phase, message));
            }
        }
        let (phase, message) = match worst {
            _ if !everything_completed => (Phase::Running, String::new()),
            Some(w) => w,
            None if !any_live && summary.count > 0 => (Phase::Successful, String::new()),
            None => (Phase::Running, String::new()),
        };
        RunAssessment {
            phase,
            message,
            dry_run_summary: summary,
            warnings,
        }
    }

    /// Which metrics measure at `now`: `(metric name, resume)` where `resume` continues an
    /// in-flight measurement. Nothing new starts while the run is terminating.
    #[must_use]
    pub fn due(&self, now: i64) -> Vec<(String, bool)> {
        let terminating = self.terminating();
        let mut tasks = Vec::new();
        for metric in &self.metrics {
            let result = self.result(&metric.name);
            if result.and_then(|r| r.phase).is_some_and(Phase::completed) {
                continue;
            }
            let last = result.and_then(|r| r.measurements.last());
            if let Some(m) = last.filter(|m| m.finished_at.is_none()) {
                if m.resume_at.is_some_and(|t| t > now) {
                    continue;
                }
                tasks.push((metric.name.clone(), true));
                continue;
            }
            if terminating {
                continue;
            }
            let Some(last) = last else {
                if let Some(delay) = metric.initial_delay.as_deref().filter(|d| !d.is_empty()) {
                    let (Some(start), Some(d)) = (self.started_at, parse_millis(delay)) else {
                        continue;
                    };
                    if start.saturating_add(d) > now {
                        continue;
                    }
                }
                tasks.push((metric.name.clone(), false));
                continue;
            };
            if let (Some(count), Some(r)) = (Limits::of(metric).count, result)
                && r.count >= count
            {
                continue;
            }
            let Some(interval) = retry_interval(metric, last) else {
                continue;
            };
            if last
                .finished_at
                .is_some_and(|f| now > f.saturating_add(interval))
            {
                tasks.push((metric.name.clone(), false));
            }
        }
        tasks
    }

    /// When the run must be looked at again: the earliest due measurement, resume or initial
    /// delay; `None` when nothing is scheduled.
    #[must_use]
    pub fn next_reconcile(&self) -> Option<i64> {
        let mut best: Option<i64> = None;
        let mut consider = |t: i64| best = Some(best.map_or(t, |b: i64| b.min(t)));
        for metric in &self.metrics {
            let result = self.result(&metric.name);
            if result.and_then(|r| r.phase).is_some_and(Phase::completed) {
                continue;
            }
            let Some(last) = result.and_then(|r| r.measurements.last()) else {
                if let Some(delay) = metric.initial_delay.as_deref().filter(|d| !d.is_empty())
                    && let (Some(start), Some(d)) = (self.started_at, parse_millis(delay))
                {
                    consider(start.saturating_add(d));
                }
                continue;
            };
            let Some(finished) = last.finished_at else {
                if let Some(r) = last.resume_at {
                    consider(r);
                }
                continue;
            };
            if let (Some(count), Some(r)) = (Limits::of(metric).count, result)
                && r.count >= count
                && last.phase != Phase::Error
            {
                continue;
            }
            if let Some(interval) = retry_interval(metric, last) {
                consider(finished.saturating_add(interval));
            }
        }
        best
    }
}

/// 10s after an Error, otherwise the metric's interval (`None` when unset or unparsable).
fn retry_interval(metric: &Metric, last: &Measurement) -> Option<i64> {
    if last.phase == Phase::Error {
        return Some(ERROR_RETRY_INTERVAL_MS);
    }
    metric
        .interval
        .as_deref()
        .filter(|i| !i.is_empty())
        .and_then(parse_millis)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::IntOrString;

    #[test]
    fn terminated_bounded_metric_is_successful_with_a_warning() {
        // argo-rollouts#4479: count 5, failureLimit 2; 3 errors and 1 failure, then terminated.
        let metric = Metric {
            name: "m".into(),
            interval: Some("1m".into()),
            count: Some(IntOrString::Int(5)),
            failure_limit: Some(IntOrString::Int(2)),
            ..Metric::default()
        };
        let mut result = MetricResult {
            name: "m".into(),
            phase: Some(Phase::Running),
            ..MetricResult::default()
        };
        for phase in [Phase::Error, Phase::Error, Phase::Error, Phase::Failed] {
            result.record(Measurement {
                phase,
                value: None,
                message: String::new(),
                started_at: Some(0),
                finished_at: Some(0),
                resume_at: None,
            });
        }
        let mut run = RunState {
            metrics: vec![metric],
            terminate: true,
            results: vec![result],
            ..RunState::default()
        };
        let a = run.assess();
        assert_eq!(a.phase, Phase::Successful);
        assert_eq!(a.warnings.len(), 1);
        assert!(a.warnings[0].contains("#4479"), "{}", a.warnings[0]);
    }
}
