//! Validation as Argo's controller does it, and lints beyond it. Every finding is a
//! [`Diagnostic`] with a stable code from [`CHECKS`], the file, line and column of the offending
//! field, and its path.

use std::collections::BTreeSet;

use crate::analysis::expr::Condition;
use crate::diagnostic::{Diagnostic, Severity};
use crate::duration::parse_millis;
use crate::model::*;
use crate::parse::Manifest;

/// A documented check: its code, default severity, what it catches and how to fix it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Check {
    /// The stable code.
    pub code: &'static str,
    /// The severity its findings carry.
    pub severity: Severity,
    /// What it catches and why it matters.
    pub summary: &'static str,
    /// How to fix it.
    pub fix: &'static str,
}

macro_rules! checks {
    ($($code:literal, $sev:ident, $summary:literal, $fix:literal;)*) => {
        /// Every check this crate makes.
        pub const CHECKS: &[Check] = &[$(Check { code: $code, severity: Severity::$sev, summary: $summary, fix: $fix }),*];
    };
}

checks! {
    "rollout/unknown-field", Warning, "a field Argo does not know; Argo silently ignores it, so the setting has no effect", "fix the spelling or move the field where it belongs";
    "rollout/unknown-kind", Warning, "a document without a kind", "add kind: Rollout / AnalysisTemplate / ClusterAnalysisTemplate";
    "rollout/invalid-key", Error, "a top-level key that is not an Argo object (the guide's `experiments:` list)", "put the experiment into a canary step: `steps: - experiment: {...}`";
    "rollout/strategy-missing", Error, "neither canary nor blueGreen is set; Argo rejects the rollout", "add spec.strategy.canary or spec.strategy.blueGreen";
    "rollout/replicas", Error, "a negative replica count", "use 0 or more";
    "rollout/step-kind", Error, "a step sets no action or several; Argo requires exactly one per step", "split the step, one action each";
    "rollout/weight-range", Error, "a weight outside 0..maxTrafficWeight (100 by default)", "use a weight within range";
    "rollout/weight-decreasing", Warning, "a setWeight lower than an earlier one: traffic moves back to stable mid-rollout", "order the weights increasingly, or confirm the dip is intended";
    "rollout/pause-duration", Error, "a pause duration that is not a number of seconds or a Go duration (Argo reads it as -1)", "write e.g. 30, \"30s\", \"5m\" or \"1h\"";
    "rollout/int-or-percent", Error, "maxSurge/maxUnavailable that is neither an integer nor a percent", "write an integer or a string like \"25%\"";
    "rollout/surge-unavailable-zero", Error, "maxSurge and maxUnavailable are both zero: no pod could ever be replaced", "allow a surge or some unavailability";
    "rollout/requires-traffic-routing", Error, "a feature that only works with trafficRouting (setCanaryScale, header/mirror routes, dynamicStableScale, scale-down delays, minPodsPerReplicaSet, experiment weights)", "configure trafficRouting or drop the feature";
    "rollout/scale-down-delay-dynamic", Error, "scaleDownDelaySeconds together with dynamicStableScale, which Argo rejects", "drop one of them";
    "rollout/managed-route", Error, "a header or mirror route whose name is not in trafficRouting.managedRoutes", "add the route to managedRoutes";
    "rollout/max-traffic-weight", Error, "maxTrafficWeight with a router other than nginx or plugins", "remove maxTrafficWeight";
    "rollout/services", Error, "canary and stable services missing with trafficRouting, or the same service twice", "name two distinct services";
    "rollout/set-canary-scale", Error, "setCanaryScale with none or several of weight, replicas and matchTrafficWeight, or out-of-range values", "set exactly one";
    "rollout/mirror-percentage", Error, "a setMirrorRoute percentage outside 0..100", "use 0..100";
    "rollout/experiment", Error, "an experiment step without templates, with an unnamed template, a specRef other than stable/canary, or a bad duration", "fix the experiment step";
    "rollout/starting-step", Error, "background analysis startingStep outside the steps", "use an index between 0 and the number of steps";
    "rollout/template-not-found", Warning, "an analysis refers to a template that is not in the files given", "pass the file holding the template, or fix the name/clusterScope";
    "rollout/analysis-args", Error, "a template argument without a default that the rollout does not supply; Argo fails the AnalysisRun", "pass the argument in the rollout's analysis args";
    "rollout/active-service", Error, "blueGreen without activeService, or previewService equal to activeService", "name the active service, and a different preview service";
    "rollout/auto-promotion-seconds", Warning, "autoPromotionSeconds is ignored because autoPromotionEnabled is false", "remove one of them";
    "rollout/preview-replica-count", Error, "previewReplicaCount negative", "use 0 or more";
    "rollout/no-steps", Info, "a canary without steps goes straight to 100%", "add steps for a gradual rollout";
    "rollout/background-bounded-metric", Warning, "a background-analysis metric with a count: when the run is terminated before the count is reached Argo reports it Successful even after errors (argo-rollouts#4479)", "use an unbounded metric (interval without count) for background analysis, or keep consecutiveErrorLimit low";
    "rollout/step-analysis-unbounded", Warning, "an analysis step whose metric has an interval but no count: the run never succeeds, so the step waits until a failure aborts it", "give the metric a count, or move it to background analysis";
    "analysis/metric-name", Error, "a metric without a name or with a duplicate name", "give each metric a unique name";
    "analysis/provider", Error, "a metric with no provider or several", "set exactly one provider";
    "analysis/provider-field", Error, "a prometheus metric without address or query, or a web metric without url", "fill in the field";
    "analysis/promql-syntax", Error, "a prometheus query that does not parse", "fix the PromQL";
    "analysis/condition-syntax", Error, "a successCondition/failureCondition that does not compile (unknown names, syntax, mismatched types); every measurement would be Error", "fix the expression";
    "analysis/constant-condition", Warning, "a condition that does not depend on the result: it is always or never true", "compare against `result`";
    "analysis/never-true", Warning, "a condition that is false for every probed result (numbers around its own literals, NaN, infinities, empty): as a successCondition every measurement fails, as a failureCondition it never fires", "fix the comparison (often a swapped < and >, or && where || was meant)";
    "analysis/unguarded-index", Warning, "result[0] without a len(result) guard: an empty query result is an Error (counts toward consecutiveErrorLimit, not failureLimit)", "write `len(result) > 0 && result[0] ...` or use default()";
    "analysis/duration", Error, "interval or initialDelay that is not a Go duration; Argo never measures", "write e.g. \"30s\", \"5m\"";
    "analysis/count-without-interval", Error, "count above 1 without an interval; Argo rejects it", "set an interval";
    "analysis/limits", Error, "limits Argo rejects: negative limits, failureLimit -1 with no consecutiveSuccessLimit, count below the limits", "fix the limits";
}

/// Options: which checks to skip.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    disabled: BTreeSet<String>,
}

impl Options {
    /// All checks on.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Turns a check off by code.
    #[must_use]
    pub fn disable(mut self, code: &str) -> Self {
        self.disabled.insert(code.to_string());
        self
    }

    fn enabled(&self, code: &str) -> bool {
        !self.disabled.contains(code)
    }
}

/// Validates every object of a manifest (and keeps the findings made while parsing).
///
/// ```
/// let m = rollout_plan::parse_str(
///     "kind: Rollout\nspec:\n  strategy:\n    canary:\n      steps:\n      - setWeight: 120\n", "r.yaml")?;
/// let d = rollout_plan::validate(&m, &rollout_plan::validate::Options::new());
/// assert_eq!(d[0].code, "rollout/weight-range");
/// assert_eq!((d[0].line, d[0].column), (6, 20));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use]
pub fn validate(manifest: &Manifest, options: &Options) -> Vec<Diagnostic> {
    let mut out: Vec<Diagnostic> = manifest.diagnostics.clone();
    for r in &manifest.rollouts {
        out.extend(validate_rollout(r, &manifest.templates));
    }
    for t in &manifest.templates {
        out.extend(validate_template(t));
    }
    out.retain(|d| options.enabled(&d.code));
    out
}

struct Out<'a> {
    source: &'a SourceMap,
    diags: Vec<Diagnostic>,
}

impl Out<'_> {
    fn push(&mut self, code: &str, field: &str, message: String) {
        let severity = CHECKS
            .iter()
            .find(|c| c.code == code)
            .map_or(Severity::Error, |c| c.severity);
        let pos = self.source.pos(field);
        self.diags.push(Diagnostic {
            file: self.source.file().to_string(),
            line: pos.line,
            column: pos.column,
            severity,
            code: code.to_string(),
            message,
            field: field.to_string(),
        });
    }
}

/// Validates one Rollout; `templates` are the AnalysisTemplates known to exist.
#[must_use]
pub fn validate_rollout(r: &Rollout, templates: &[AnalysisTemplate]) -> Vec<Diagnostic> {
    let mut o = Out {
        source: &r.source,
        diags: Vec::new(),
    };
    if r.replicas.is_some_and(|n| n < 0) {
        o.push(
            "rollout/replicas",
            "spec.replicas",
            "replicas must not be negative".into(),
        );
    }
    match &r.strategy {
        None => o.push(
            "rollout/strategy-missing",
            "spec.strategy",
            "the rollout sets neither strategy.canary nor strategy.blueGreen".into(),
        ),
        Some(Strategy::Canary(c)) => canary(&mut o, r, c, templates),
        Some(Strategy::BlueGreen(b)) => blue_green(&mut o, b, templates),
    }
    o.diags
}

fn int_or_percent(o: &mut Out<'_>, v: Option<&IntOrString>, field: &str) -> bool {
    if let Some(IntOrString::String(s)) = v
        && IntOrString::String(s.clone()).scaled(100, true).is_none()
    {
        o.push(
            "rollout/int-or-percent",
            field,
            format!("{s:?} is neither an integer nor a percent"),
        );
        return false;
    }
    true
}

fn canary(o: &mut Out<'_>, r: &Rollout, c: &CanaryStrategy, templates: &[AnalysisTemplate]) {
    const P: &str = "spec.strategy.canary";
    let routed = c.traffic_routing.is_some();
    let max = c.max_weight();
    let surge_ok = int_or_percent(o, c.max_surge.as_ref(), &format!("{P}.maxSurge"));
    let unavail_ok = int_or_percent(
        o,
        c.max_unavailable.as_ref(),
        &format!("{P}.maxUnavailable"),
    );
    if surge_ok && unavail_ok {
        let zero = |v: &Option<IntOrString>| {
            v.as_ref().is_some_and(|x| {
                x.scaled(i64::from(r.replicas_or_default()), true) == Some(0)
                    && x.scaled(100, true) == Some(0)
            })
        };
        if zero(&c.max_surge) && zero(&c.max_unavailable) {
            o.push(
                "rollout/surge-unavailable-zero",
                &format!("{P}.maxSurge"),
                "maxSurge and maxUnavailable both can not be zero".into(),
            );
        }
    }
    let needs_tr = |o: &mut Out<'_>, field: String, what: &str| {
        o.push(
            "rollout/requires-traffic-routing",
            &field,
            format!("{what} requires trafficRouting to be set"),
        );
    };
    if !routed {
        if c.dynamic_stable_scale {
            needs_tr(o, format!("{P}.dynamicStableScale"), "dynamicStableScale");
        }
        if c.scale_down_delay_seconds.is_some() {
            needs_tr(
                o,
                format!("{P}.scaleDownDelaySeconds"),
                "scaleDownDelaySeconds",
            );
        }
        if c.abort_scale_down_delay_seconds.is_some() {
            needs_tr(
                o,
                format!("{P}.abortScaleDownDelaySeconds"),
                "abortScaleDownDelaySeconds",
            );
        }
        if c.min_pods_per_replica_set.is_some() {
            needs_tr(
                o,
                format!("{P}.minPodsPerReplicaSet"),
                "minPodsPerReplicaSet",
            );
        }
    }
    if c.dynamic_stable_scale && c.scale_down_delay_seconds.is_some() {
        o.push(
            "rollout/scale-down-delay-dynamic",
            &format!("{P}.scaleDownDelaySeconds"),
            "scaleDownDelaySeconds cannot be used with dynamicStableScale".into(),
        );
    }
    if let Some(tr) = &c.traffic_routing {
        if tr.max_traffic_weight.is_some()
            && !tr.providers.iter().any(|p| p == "nginx" || p == "plugins")
        {
            o.push(
                "rollout/max-traffic-weight",
                &format!("{P}.trafficRouting.maxTrafficWeight"),
                "maxTrafficWeight is only supported with nginx and plugins".into(),
            );
        }
        if c.canary_service.is_none() || c.stable_service.is_none() {
            o.push(
                "rollout/services",
                &format!("{P}.trafficRouting"),
                "trafficRouting requires both canaryService and stableService".into(),
            );
        }
    }
    if let (Some(a), Some(b)) = (&c.canary_service, &c.stable_service)
        && a == b
    {
        o.push(
            "rollout/services",
            &format!("{P}.stableService"),
            format!("canaryService and stableService must differ (both {a:?})"),
        );
    }
    if c.steps.is_empty() {
        o.push(
            "rollout/no-steps",
            P,
            "no steps: the update goes straight to 100%".into(),
        );
    }
    let managed: Vec<&str> = c
        .traffic_routing
        .as_ref()
        .map(|t| t.managed_routes.iter().map(String::as_str).collect())
        .unwrap_or_default();
    let mut last_weight: Option<i32> = None;
    for (i, s) in c.steps.iter().enumerate() {
        let sp = format!("{P}.steps[{i}]");
        let kinds = s.kinds();
        if kinds.len() != 1 {
            let msg = if kinds.is_empty() {
                "step must set exactly one of setWeight, pause, analysis, setCanaryScale, setHeaderRoute, setMirrorRoute, experiment, plugin".to_string()
            } else {
                format!(
                    "step sets {} actions ({}); Argo requires exactly one",
                    kinds.len(),
                    kinds.join(", ")
                )
            };
            o.push("rollout/step-kind", &sp, msg);
        }
        if let Some(w) = s.set_weight {
            if !(0..=max).contains(&w) {
                o.push(
                    "rollout/weight-range",
                    &format!("{sp}.setWeight"),
                    format!("setWeight {w} is outside 0..={max}"),
                );
            }
            if let Some(prev) = last_weight.filter(|p| w < *p) {
                o.push(
                    "rollout/weight-decreasing",
                    &format!("{sp}.setWeight"),
                    format!("setWeight {w} is lower than the earlier {prev}: traffic moves back to stable"),
                );
            }
            last_weight = Some(w);
        }
        if let Some(p) = &s.pause {
            match p.seconds() {
                Err(text) => o.push(
                    "rollout/pause-duration",
                    &format!("{sp}.pause.duration"),
                    format!("pause duration {text:?} is not seconds or a Go duration"),
                ),
                Ok(Some(secs)) if secs < 0 => o.push(
                    "rollout/pause-duration",
                    &format!("{sp}.pause.duration"),
                    format!("pause duration {secs} is negative"),
                ),
                _ => {}
            }
        }
        if let Some(a) = &s.analysis {
            analysis_ref(o, a, &format!("{sp}.analysis"), templates);
            for t in resolve(a, templates) {
                for m in &t.metrics {
                    let has_interval = m.interval.as_deref().is_some_and(|i| !i.is_empty());
                    if has_interval && m.count.is_none() {
                        o.push(
                            "rollout/step-analysis-unbounded",
                            &format!("{sp}.analysis"),
                            format!("metric {:?} of template {:?} has an interval but no count: this analysis step can never succeed", m.name, t.name),
                        );
                    }
                }
            }
        }
        if let Some(scs) = &s.set_canary_scale {
            let f = format!("{sp}.setCanaryScale");
            if !routed {
                needs_tr(o, f.clone(), "setCanaryScale");
            }
            let set = usize::from(scs.weight.is_some())
                + usize::from(scs.replicas.is_some())
                + usize::from(scs.match_traffic_weight);
            if set != 1 {
                o.push(
                    "rollout/set-canary-scale",
                    &f,
                    "setCanaryScale must set exactly one of weight, replicas or matchTrafficWeight"
                        .into(),
                );
            }
            if scs.weight.is_some_and(|w| !(0..=max).contains(&w)) {
                o.push(
                    "rollout/weight-range",
                    &format!("{f}.weight"),
                    format!("setCanaryScale weight is outside 0..={max}"),
                );
            }
            if scs.replicas.is_some_and(|n| n < 0) {
                o.push(
                    "rollout/set-canary-scale",
                    &format!("{f}.replicas"),
                    "replicas must not be negative".into(),
                );
            }
        }
        for (kind, name, field) in [
            (
                "setHeaderRoute",
                s.set_header_route.as_ref().map(|h| h.name.as_str()),
                "setHeaderRoute",
            ),
            (
                "setMirrorRoute",
                s.set_mirror_route.as_ref().map(|m| m.name.as_str()),
                "setMirrorRoute",
            ),
        ] {
            let Some(name) = name else { continue };
            let f = format!("{sp}.{field}");
            if !routed {
                needs_tr(o, f.clone(), kind);
            } else if !managed.contains(&name) {
                o.push(
                    "rollout/managed-route",
                    &format!("{f}.name"),
                    format!("{kind} route {name:?} is not listed in trafficRouting.managedRoutes"),
                );
            }
        }
        if let Some(pct) = s.set_mirror_route.as_ref().and_then(|m| m.percentage)
            && !(0..=100).contains(&pct)
        {
            o.push(
                "rollout/mirror-percentage",
                &format!("{sp}.setMirrorRoute.percentage"),
                format!("percentage {pct} is outside 0..=100"),
            );
        }
        if let Some(e) = &s.experiment {
            let f = format!("{sp}.experiment");
            if e.templates.is_empty() {
                o.push(
                    "rollout/experiment",
                    &f,
                    "experiment has no templates".into(),
                );
            }
            if let Some(d) = &e.duration
                && parse_millis(d).is_none()
                && d.parse::<i64>().is_err()
            {
                o.push(
                    "rollout/experiment",
                    &format!("{f}.duration"),
                    format!("duration {d:?} is not a Go duration"),
                );
            }
            for (j, t) in e.templates.iter().enumerate() {
                let tf = format!("{f}.templates[{j}]");
                if t.name.is_empty() {
                    o.push(
                        "rollout/experiment",
                        &tf,
                        "experiment template needs a name".into(),
                    );
                }
                if t.spec_ref != "stable" && t.spec_ref != "canary" {
                    o.push(
                        "rollout/experiment",
                        &format!("{tf}.specRef"),
                        format!("specRef must be stable or canary, not {:?}", t.spec_ref),
                    );
                }
                if t.weight.is_some() && !routed {
                    needs_tr(o, format!("{tf}.weight"), "an experiment template weight");
                }
            }
            for (j, a) in e.analyses.iter().enumerate() {
                let as_ref = RolloutAnalysis {
                    templates: vec![TemplateRef {
                        template_name: a.template_name.clone(),
                        cluster_scope: a.cluster_scope,
                    }],
                    args: a.args.clone(),
                    ..RolloutAnalysis::default()
                };
                analysis_ref(o, &as_ref, &format!("{f}.analyses[{j}]"), templates);
            }
        }
    }
    if let Some(bg) = &c.analysis {
        let f = format!("{P}.analysis");
        if let Some(st) = bg.starting_step
            && (st < 0 || usize::try_from(st).unwrap_or(usize::MAX) > c.steps.len())
        {
            o.push(
                "rollout/starting-step",
                &format!("{f}.startingStep"),
                format!("startingStep {st} is outside 0..={}", c.steps.len()),
            );
        }
        analysis_ref(o, bg, &f, templates);
        for t in resolve(bg, templates) {
            for m in &t.metrics {
                if Limits::bounded(m) {
                    o.push(
                        "rollout/background-bounded-metric",
                        &f,
                        format!("background metric {:?} of template {:?} has count {}: if the rollout finishes or another metric fails first, Argo reports it Successful even after errors", m.name, t.name, m.count.as_ref().and_then(IntOrString::as_int).unwrap_or(1)),
                    );
                }
            }
        }
    }
}

struct Limits;
impl Limits {
    fn bounded(m: &Metric) -> bool {
        m.count
            .as_ref()
            .and_then(IntOrString::as_int)
            .is_some_and(|c| c > 1)
    }
}

fn resolve<'t>(
    a: &RolloutAnalysis,
    templates: &'t [AnalysisTemplate],
) -> Vec<&'t AnalysisTemplate> {
    a.templates
        .iter()
        .filter_map(|r| {
            templates
                .iter()
                .find(|t| t.name == r.template_name && t.cluster_scoped == r.cluster_scope)
        })
        .collect()
}

fn analysis_ref(o: &mut Out<'_>, a: &RolloutAnalysis, field: &str, templates: &[AnalysisTemplate]) {
    for (i, r) in a.templates.iter().enumerate() {
        let found = templates
            .iter()
            .find(|t| t.name == r.template_name && t.cluster_scoped == r.cluster_scope);
        let Some(t) = found else {
            let kind = if r.cluster_scope {
                "ClusterAnalysisTemplate"
            } else {
                "AnalysisTemplate"
            };
            o.push(
                "rollout/template-not-found",
                &format!("{field}.templates[{i}].templateName"),
                format!(
                    "{kind} {:?} is not among the objects given",
                    r.template_name
                ),
            );
            continue;
        };
        for arg in &t.args {
            let given = a.args.iter().any(|g| g.name == arg.name);
            if !given && arg.value.is_none() && !arg.value_from {
                o.push(
                    "rollout/analysis-args",
                    &format!("{field}.args"),
                    format!(
                        "template {:?} needs argument {:?}, which has no default and is not passed",
                        t.name, arg.name
                    ),
                );
            }
        }
    }
}

fn blue_green(o: &mut Out<'_>, b: &BlueGreenStrategy, templates: &[AnalysisTemplate]) {
    const P: &str = "spec.strategy.blueGreen";
    match (&b.active_service, &b.preview_service) {
        (None, _) => o.push(
            "rollout/active-service",
            P,
            "blueGreen requires activeService".into(),
        ),
        (Some(a), Some(p)) if a == p => o.push(
            "rollout/active-service",
            &format!("{P}.previewService"),
            format!("previewService must differ from activeService (both {a:?})"),
        ),
        _ => {}
    }
    if b.auto_promotion_enabled == Some(false) && b.auto_promotion_seconds.is_some() {
        o.push(
            "rollout/auto-promotion-seconds",
            &format!("{P}.autoPromotionSeconds"),
            "autoPromotionSeconds has no effect while autoPromotionEnabled is false".into(),
        );
    }
    if b.preview_replica_count.is_some_and(|n| n < 0) {
        o.push(
            "rollout/preview-replica-count",
            &format!("{P}.previewReplicaCount"),
            "previewReplicaCount must not be negative".into(),
        );
    }
    int_or_percent(
        o,
        b.max_unavailable.as_ref(),
        &format!("{P}.maxUnavailable"),
    );
    if let Some(a) = &b.pre_promotion_analysis {
        analysis_ref(o, a, &format!("{P}.prePromotionAnalysis"), templates);
    }
    if let Some(a) = &b.post_promotion_analysis {
        analysis_ref(o, a, &format!("{P}.postPromotionAnalysis"), templates);
    }
}

/// Replaces `{{args.NAME}}` (spaces allowed) with the argument's value, or with `placeholder`
/// when the template gives no default.
#[must_use]
pub fn substitute_args(text: &str, args: &[AnalysisArg], placeholder: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            out.push_str(&rest[start..]);
            return out;
        };
        let inner = after[..end].trim();
        let value = inner
            .strip_prefix("args.")
            .and_then(|name| args.iter().find(|a| a.name == name))
            .and_then(|a| a.value.clone())
            .unwrap_or_else(|| placeholder.to_string());
        out.push_str(&value);
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

/// Validates an AnalysisTemplate or ClusterAnalysisTemplate.
#[must_use]
pub fn validate_template(t: &AnalysisTemplate) -> Vec<Diagnostic> {
    let mut o = Out {
        source: &t.source,
        diags: Vec::new(),
    };
    let mut names = BTreeSet::new();
    for (i, m) in t.metrics.iter().enumerate() {
        let mp = format!("spec.metrics[{i}]");
        if m.name.is_empty() {
            o.push("analysis/metric-name", &mp, "metric needs a name".into());
        } else if !names.insert(m.name.clone()) {
            o.push(
                "analysis/metric-name",
                &format!("{mp}.name"),
                format!("duplicate metric name {:?}", m.name),
            );
        }
        metric(&mut o, t, m, &mp);
    }
    o.diags
}

fn metric(o: &mut Out<'_>, t: &AnalysisTemplate, m: &Metric, mp: &str) {
    match &m.provider {
        Provider::None => o.push(
            "analysis/provider",
            &format!("{mp}.provider"),
            format!("metric {:?} has no provider", m.name),
        ),
        Provider::Several(names) => o.push(
            "analysis/provider",
            &format!("{mp}.provider"),
            format!(
                "metric {:?} sets several providers ({}); exactly one is allowed",
                m.name,
                names.join(", ")
            ),
        ),
        Provider::Prometheus { address, query } => {
            let pp = format!("{mp}.provider.prometheus");
            if address.is_empty() {
                o.push(
                    "analysis/provider-field",
                    &pp,
                    "prometheus provider needs an address".into(),
                );
            }
            if query.is_empty() {
                o.push(
                    "analysis/provider-field",
                    &pp,
                    "prometheus provider needs a query".into(),
                );
            } else {
                let q = substitute_args(query, &t.args, "placeholder");
                if let Err(e) = promql_parser::parser::parse(&q) {
                    let first = e.lines().next().unwrap_or("").to_string();
                    o.push(
                        "analysis/promql-syntax",
                        &format!("{pp}.query"),
                        format!("query does not parse: {first}"),
                    );
                }
            }
        }
        Provider::Web { url, .. } => {
            if url.is_empty() {
                o.push(
                    "analysis/provider-field",
                    &format!("{mp}.provider.web"),
                    "web provider needs a url".into(),
                );
            }
        }
        Provider::Other(_) => {}
    }
    for (field, cond) in [
        ("successCondition", &m.success_condition),
        ("failureCondition", &m.failure_condition),
    ] {
        let Some(cond) = cond.as_deref().filter(|c| !c.is_empty()) else {
            continue;
        };
        let f = format!("{mp}.{field}");
        let text = substitute_args(cond, &t.args, "0");
        match Condition::parse(&text) {
            Err(e) => o.push(
                "analysis/condition-syntax",
                &f,
                format!("{field} does not compile: {e}"),
            ),
            Ok(_) => {
                let mentions_result = ["result", "isNil", "default"]
                    .iter()
                    .any(|w| text.contains(w));
                if !mentions_result {
                    o.push(
                        "analysis/constant-condition",
                        &f,
                        format!("{field} {text:?} does not look at the result: it is constant"),
                    );
                }
                if never_true(&text) {
                    o.push(
                        "analysis/never-true",
                        &f,
                        format!("{field} {text:?} is false for every probed result value"),
                    );
                }
                if text.contains("result[0]") && !text.contains("len(result)") {
                    o.push(
                        "analysis/unguarded-index",
                        &f,
                        format!("{field} indexes result[0] without checking len(result): an empty result is an Error measurement, not a failure"),
                    );
                }
            }
        }
    }
    for (field, v) in [
        ("interval", &m.interval),
        ("initialDelay", &m.initial_delay),
    ] {
        if let Some(d) = v.as_deref().filter(|d| !d.is_empty())
            && parse_millis(d).is_none()
            && !d.contains("{{")
        {
            o.push(
                "analysis/duration",
                &format!("{mp}.{field}"),
                format!("{field} {d:?} is not a Go duration"),
            );
        }
    }
    let int = |v: &Option<IntOrString>| v.as_ref().and_then(IntOrString::as_int);
    let count = int(&m.count);
    let has_interval = m.interval.as_deref().is_some_and(|i| !i.is_empty());
    if count.is_some_and(|c| c > 1) && !has_interval {
        o.push(
            "analysis/count-without-interval",
            &format!("{mp}.count"),
            format!("count {} needs an interval", count.unwrap_or(0)),
        );
    }
    let failure = int(&m.failure_limit).unwrap_or(0);
    let inconclusive = int(&m.inconclusive_limit).unwrap_or(0);
    let cel = int(&m.consecutive_error_limit).unwrap_or(4);
    let csl = int(&m.consecutive_success_limit).unwrap_or(0);
    let mut limit =
        |field: &str, msg: String| o.push("analysis/limits", &format!("{mp}.{field}"), msg);
    if failure < -1 {
        limit(
            "failureLimit",
            format!("failureLimit {failure} is below -1"),
        );
    }
    if inconclusive < 0 {
        limit(
            "inconclusiveLimit",
            format!("inconclusiveLimit {inconclusive} is negative"),
        );
    }
    if cel < 0 {
        limit(
            "consecutiveErrorLimit",
            format!("consecutiveErrorLimit {cel} is negative"),
        );
    }
    if csl < 0 {
        limit(
            "consecutiveSuccessLimit",
            format!("consecutiveSuccessLimit {csl} is negative"),
        );
    }
    if failure == -1 && csl == 0 {
        limit(
            "failureLimit",
            "failureLimit -1 and consecutiveSuccessLimit 0 disable both ways to finish".into(),
        );
    }
    if let Some(c) = count.filter(|c| *c > 0) {
        if failure >= 0 && csl >= 0 && c < failure + csl {
            limit(
                "count",
                format!(
                    "count {c} is below failureLimit + consecutiveSuccessLimit ({})",
                    failure + csl
                ),
            );
        }
        if c < inconclusive {
            limit(
                "count",
                format!("count {c} is below inconclusiveLimit {inconclusive}"),
            );
        }
    }
}

/// Probes a numeric condition with values around its own literals (and NaN, infinities, empty
/// and nil results) as scalars, one-element vectors and two-element vectors; true when it is
/// never true but evaluates cleanly at least once (so non-numeric conditions are left alone).
fn never_true(text: &str) -> bool {
    use crate::analysis::expr::Val;
    let Ok(cond) = Condition::parse(text) else {
        return false;
    };
    let mut numbers: Vec<f64> = vec![0.0, 1.0, -1.0, f64::NAN, f64::INFINITY, f64::NEG_INFINITY];
    let mut literal = String::new();
    for ch in text.chars().chain(std::iter::once(' ')) {
        if ch.is_ascii_digit() || ch == '.' {
            literal.push(ch);
        } else if !literal.is_empty() {
            if let Ok(v) = literal.parse::<f64>() {
                for d in [-1.0, -0.001, 0.0, 0.001, 1.0] {
                    numbers.push(v + d);
                    numbers.push(-v + d);
                }
            }
            literal.clear();
        }
    }
    // Bounded work whatever the condition's length.
    numbers.truncate(40);
    let mut probes = vec![Val::Nil, Val::List(Vec::new())];
    for n in &numbers {
        probes.push(Val::Float(*n));
        probes.push(Val::List(vec![Val::Float(*n)]));
        for m in &numbers {
            probes.push(Val::List(vec![Val::Float(*n), Val::Float(*m)]));
        }
    }
    let mut clean = false;
    for p in &probes {
        match cond.eval_bool(p) {
            Ok(true) => return false,
            Ok(false) => clean = true,
            Err(_) => {}
        }
    }
    clean
}
