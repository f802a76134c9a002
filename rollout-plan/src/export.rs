//! Building strategies in code and emitting them as Argo Rollouts YAML.
//!
//! Emitting writes what the model holds: Argo fields the model keeps only by name (a traffic
//! router's own settings, a provider other than prometheus/web, `valueFrom` sources) come out
//! as empty maps, so parse → emit → parse gives an equal model.

use serde_json::{Map, Value, json};

use crate::diagnostic::Severity;
use crate::error::Error;
use crate::model::*;

fn int_or_string(v: &IntOrString) -> Value {
    match v {
        IntOrString::Int(i) => json!(i),
        IntOrString::String(s) => json!(s),
    }
}

fn put<T: Into<Value>>(m: &mut Map<String, Value>, key: &str, v: Option<T>) {
    if let Some(v) = v {
        m.insert(key.to_string(), v.into());
    }
}

fn args(a: &[AnalysisArg]) -> Value {
    Value::Array(
        a.iter()
            .map(|arg| {
                let mut m = Map::new();
                m.insert("name".into(), json!(arg.name));
                put(&mut m, "value", arg.value.clone());
                if arg.value_from {
                    m.insert("valueFrom".into(), json!({}));
                }
                Value::Object(m)
            })
            .collect(),
    )
}

fn analysis(a: &RolloutAnalysis) -> Value {
    let mut m = Map::new();
    m.insert(
        "templates".into(),
        Value::Array(
            a.templates
                .iter()
                .map(|t| {
                    let mut tm = Map::new();
                    tm.insert("templateName".into(), json!(t.template_name));
                    if t.cluster_scope {
                        tm.insert("clusterScope".into(), json!(true));
                    }
                    Value::Object(tm)
                })
                .collect(),
        ),
    );
    if !a.args.is_empty() {
        m.insert("args".into(), args(&a.args));
    }
    if !a.dry_run.is_empty() {
        m.insert("dryRun".into(), dry_run(&a.dry_run));
    }
    put(&mut m, "startingStep", a.starting_step);
    Value::Object(m)
}

fn dry_run(names: &[String]) -> Value {
    Value::Array(names.iter().map(|n| json!({"metricName": n})).collect())
}

fn step(s: &CanaryStep) -> Value {
    let mut m = Map::new();
    put(&mut m, "setWeight", s.set_weight);
    if let Some(p) = &s.pause {
        let mut pm = Map::new();
        put(&mut pm, "duration", p.duration.as_ref().map(int_or_string));
        m.insert("pause".into(), Value::Object(pm));
    }
    if let Some(a) = &s.analysis {
        m.insert("analysis".into(), analysis(a));
    }
    if let Some(c) = &s.set_canary_scale {
        let mut cm = Map::new();
        put(&mut cm, "weight", c.weight);
        put(&mut cm, "replicas", c.replicas);
        if c.match_traffic_weight {
            cm.insert("matchTrafficWeight".into(), json!(true));
        }
        m.insert("setCanaryScale".into(), Value::Object(cm));
    }
    if let Some(h) = &s.set_header_route {
        let matches: Vec<Value> = h
            .header_names
            .iter()
            .map(|n| json!({"headerName": n}))
            .collect();
        let mut hm = Map::new();
        hm.insert("name".into(), json!(h.name));
        if !matches.is_empty() {
            hm.insert("match".into(), Value::Array(matches));
        }
        m.insert("setHeaderRoute".into(), Value::Object(hm));
    }
    if let Some(r) = &s.set_mirror_route {
        let mut rm = Map::new();
        rm.insert("name".into(), json!(r.name));
        put(&mut rm, "percentage", r.percentage);
        if r.match_count > 0 {
            rm.insert("match".into(), Value::Array(vec![json!({}); r.match_count]));
        }
        m.insert("setMirrorRoute".into(), Value::Object(rm));
    }
    if let Some(e) = &s.experiment {
        let mut em = Map::new();
        put(&mut em, "duration", e.duration.clone());
        em.insert(
            "templates".into(),
            Value::Array(
                e.templates
                    .iter()
                    .map(|t| {
                        let mut tm = Map::new();
                        tm.insert("name".into(), json!(t.name));
                        tm.insert("specRef".into(), json!(t.spec_ref));
                        put(&mut tm, "replicas", t.replicas);
                        put(&mut tm, "weight", t.weight);
                        Value::Object(tm)
                    })
                    .collect(),
            ),
        );
        if !e.analyses.is_empty() {
            em.insert(
                "analyses".into(),
                Value::Array(
                    e.analyses
                        .iter()
                        .map(|a| {
                            let mut am = Map::new();
                            am.insert("name".into(), json!(a.name));
                            am.insert("templateName".into(), json!(a.template_name));
                            if a.cluster_scope {
                                am.insert("clusterScope".into(), json!(true));
                            }
                            if !a.args.is_empty() {
                                am.insert("args".into(), args(&a.args));
                            }
                            if a.required_for_completion {
                                am.insert("requiredForCompletion".into(), json!(true));
                            }
                            Value::Object(am)
                        })
                        .collect(),
                ),
            );
        }
        m.insert("experiment".into(), Value::Object(em));
    }
    if let Some(p) = &s.plugin {
        m.insert("plugin".into(), json!({"name": p.name}));
    }
    Value::Object(m)
}

fn canary(c: &CanaryStrategy) -> Value {
    let mut m = Map::new();
    put(&mut m, "canaryService", c.canary_service.clone());
    put(&mut m, "stableService", c.stable_service.clone());
    put(&mut m, "maxSurge", c.max_surge.as_ref().map(int_or_string));
    put(
        &mut m,
        "maxUnavailable",
        c.max_unavailable.as_ref().map(int_or_string),
    );
    if let Some(t) = &c.traffic_routing {
        let mut tm = Map::new();
        for p in &t.providers {
            tm.insert(p.clone(), json!({}));
        }
        put(&mut tm, "maxTrafficWeight", t.max_traffic_weight);
        if !t.managed_routes.is_empty() {
            tm.insert(
                "managedRoutes".into(),
                Value::Array(
                    t.managed_routes
                        .iter()
                        .map(|r| json!({"name": r}))
                        .collect(),
                ),
            );
        }
        m.insert("trafficRouting".into(), Value::Object(tm));
    }
    if c.dynamic_stable_scale {
        m.insert("dynamicStableScale".into(), json!(true));
    }
    put(&mut m, "scaleDownDelaySeconds", c.scale_down_delay_seconds);
    put(
        &mut m,
        "abortScaleDownDelaySeconds",
        c.abort_scale_down_delay_seconds,
    );
    put(&mut m, "minPodsPerReplicaSet", c.min_pods_per_replica_set);
    if let Some(t) = &c.replica_progress_threshold {
        let kind = match t.kind {
            ThresholdKind::Percent => "Percent",
            ThresholdKind::Pods => "Pods",
        };
        m.insert(
            "replicaProgressThreshold".into(),
            json!({"type": kind, "value": t.value}),
        );
    }
    if let Some(a) = &c.analysis {
        m.insert("analysis".into(), analysis(a));
    }
    m.insert(
        "steps".into(),
        Value::Array(c.steps.iter().map(step).collect()),
    );
    Value::Object(m)
}

fn blue_green(b: &BlueGreenStrategy) -> Value {
    let mut m = Map::new();
    put(&mut m, "activeService", b.active_service.clone());
    put(&mut m, "previewService", b.preview_service.clone());
    put(&mut m, "previewReplicaCount", b.preview_replica_count);
    put(&mut m, "autoPromotionEnabled", b.auto_promotion_enabled);
    put(&mut m, "autoPromotionSeconds", b.auto_promotion_seconds);
    put(&mut m, "scaleDownDelaySeconds", b.scale_down_delay_seconds);
    put(
        &mut m,
        "abortScaleDownDelaySeconds",
        b.abort_scale_down_delay_seconds,
    );
    put(
        &mut m,
        "maxUnavailable",
        b.max_unavailable.as_ref().map(int_or_string),
    );
    put(
        &mut m,
        "prePromotionAnalysis",
        b.pre_promotion_analysis.as_ref().map(analysis),
    );
    put(
        &mut m,
        "postPromotionAnalysis",
        b.post_promotion_analysis.as_ref().map(analysis),
    );
    Value::Object(m)
}

/// The Rollout as an Argo `Rollout` object (JSON value with Argo's field names).
#[must_use]
pub fn rollout_value(r: &Rollout) -> Value {
    let mut spec = Map::new();
    put(&mut spec, "replicas", r.replicas);
    put(&mut spec, "minReadySeconds", r.min_ready_seconds);
    put(
        &mut spec,
        "progressDeadlineSeconds",
        r.progress_deadline_seconds,
    );
    let strategy = match &r.strategy {
        Some(Strategy::Canary(c)) => json!({"canary": canary(c)}),
        Some(Strategy::BlueGreen(b)) => json!({"blueGreen": blue_green(b)}),
        None => json!({}),
    };
    spec.insert("strategy".into(), strategy);
    json!({
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {"name": r.name},
        "spec": Value::Object(spec),
    })
}

/// An AnalysisTemplate (or ClusterAnalysisTemplate) as an Argo object.
#[must_use]
pub fn template_value(t: &AnalysisTemplate) -> Value {
    let metrics: Vec<Value> = t
        .metrics
        .iter()
        .map(|m| {
            let mut mm = Map::new();
            mm.insert("name".into(), json!(m.name));
            put(&mut mm, "interval", m.interval.clone());
            put(&mut mm, "initialDelay", m.initial_delay.clone());
            put(&mut mm, "count", m.count.as_ref().map(int_or_string));
            put(&mut mm, "successCondition", m.success_condition.clone());
            put(&mut mm, "failureCondition", m.failure_condition.clone());
            put(
                &mut mm,
                "failureLimit",
                m.failure_limit.as_ref().map(int_or_string),
            );
            put(
                &mut mm,
                "inconclusiveLimit",
                m.inconclusive_limit.as_ref().map(int_or_string),
            );
            put(
                &mut mm,
                "consecutiveErrorLimit",
                m.consecutive_error_limit.as_ref().map(int_or_string),
            );
            put(
                &mut mm,
                "consecutiveSuccessLimit",
                m.consecutive_success_limit.as_ref().map(int_or_string),
            );
            let provider = match &m.provider {
                Provider::None => json!({}),
                Provider::Prometheus { address, query } => {
                    json!({"prometheus": {"address": address, "query": query}})
                }
                Provider::Web {
                    url,
                    method,
                    json_path,
                } => {
                    let mut w = Map::new();
                    w.insert("url".into(), json!(url));
                    put(&mut w, "method", method.clone());
                    put(&mut w, "jsonPath", json_path.clone());
                    json!({"web": Value::Object(w)})
                }
                Provider::Other(name) => json!({ name: {} }),
                Provider::Several(names) => {
                    Value::Object(names.iter().map(|n| (n.clone(), json!({}))).collect())
                }
            };
            mm.insert("provider".into(), provider);
            Value::Object(mm)
        })
        .collect();
    let mut spec = Map::new();
    if !t.args.is_empty() {
        spec.insert("args".into(), args(&t.args));
    }
    spec.insert("metrics".into(), Value::Array(metrics));
    if !t.dry_run.is_empty() {
        spec.insert("dryRun".into(), dry_run(&t.dry_run));
    }
    json!({
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": if t.cluster_scoped { "ClusterAnalysisTemplate" } else { "AnalysisTemplate" },
        "metadata": {"name": t.name},
        "spec": Value::Object(spec),
    })
}

/// A multi-document YAML stream: the rollouts, then the templates.
///
/// # Errors
///
/// [`Error::Export`] if YAML serialization fails.
pub fn to_yaml(rollouts: &[Rollout], templates: &[AnalysisTemplate]) -> Result<String, Error> {
    let mut out = String::new();
    let docs = rollouts
        .iter()
        .map(rollout_value)
        .chain(templates.iter().map(template_value));
    for doc in docs {
        let text = serde_yaml::to_string(&doc).map_err(|e| Error::Export {
            message: e.to_string(),
        })?;
        out.push_str("---\n");
        out.push_str(&text);
    }
    Ok(out)
}

/// Builds a canary Rollout in code; [`CanaryBuilder::build`] validates it.
///
/// ```
/// use rollout_plan::export::{CanaryBuilder, to_yaml};
/// let r = CanaryBuilder::new("web", 10)
///     .set_weight(20)
///     .pause_seconds(120)
///     .set_weight(50)
///     .pause_manual()
///     .build()?;
/// let yaml = to_yaml(&[r.clone()], &[])?;
/// let back = rollout_plan::parse_str(&yaml, "web.yaml")?;
/// assert_eq!(back.rollouts[0].canary(), r.canary());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct CanaryBuilder {
    name: String,
    replicas: i32,
    canary: CanaryStrategy,
}

impl CanaryBuilder {
    /// A canary named `name` with `replicas` pods and no steps.
    #[must_use]
    pub fn new(name: &str, replicas: i32) -> Self {
        CanaryBuilder {
            name: name.to_string(),
            replicas,
            canary: CanaryStrategy::default(),
        }
    }

    fn push(mut self, s: CanaryStep) -> Self {
        self.canary.steps.push(s);
        self
    }

    /// Adds `setWeight`.
    #[must_use]
    pub fn set_weight(self, weight: i32) -> Self {
        self.push(CanaryStep {
            set_weight: Some(weight),
            ..CanaryStep::default()
        })
    }

    /// Adds a timed pause.
    #[must_use]
    pub fn pause_seconds(self, seconds: i64) -> Self {
        self.push(CanaryStep {
            pause: Some(Pause {
                duration: Some(IntOrString::Int(seconds)),
            }),
            ..CanaryStep::default()
        })
    }

    /// Adds a pause that waits for a manual promote.
    #[must_use]
    pub fn pause_manual(self) -> Self {
        self.push(CanaryStep {
            pause: Some(Pause::default()),
            ..CanaryStep::default()
        })
    }

    /// Adds an analysis step running `template` with `args` (name, value).
    #[must_use]
    pub fn analysis(self, template: &str, args: &[(&str, &str)]) -> Self {
        self.push(CanaryStep {
            analysis: Some(RolloutAnalysis {
                templates: vec![TemplateRef {
                    template_name: template.to_string(),
                    cluster_scope: false,
                }],
                args: args
                    .iter()
                    .map(|(n, v)| AnalysisArg {
                        name: (*n).to_string(),
                        value: Some((*v).to_string()),
                        value_from: false,
                    })
                    .collect(),
                ..RolloutAnalysis::default()
            }),
            ..CanaryStep::default()
        })
    }

    /// Sets maxSurge and maxUnavailable.
    #[must_use]
    pub fn surge_unavailable(mut self, surge: IntOrString, unavailable: IntOrString) -> Self {
        self.canary.max_surge = Some(surge);
        self.canary.max_unavailable = Some(unavailable);
        self
    }

    /// Enables traffic routing through `provider` (e.g. `nginx`, `istio`) with the two services.
    #[must_use]
    pub fn traffic_routing(
        mut self,
        provider: &str,
        canary_service: &str,
        stable_service: &str,
    ) -> Self {
        self.canary.traffic_routing = Some(TrafficRouting {
            providers: vec![provider.to_string()],
            ..TrafficRouting::default()
        });
        self.canary.canary_service = Some(canary_service.to_string());
        self.canary.stable_service = Some(stable_service.to_string());
        self
    }

    /// Runs `template` as background analysis from `starting_step`.
    #[must_use]
    pub fn background_analysis(mut self, template: &str, starting_step: Option<i32>) -> Self {
        self.canary.analysis = Some(RolloutAnalysis {
            templates: vec![TemplateRef {
                template_name: template.to_string(),
                cluster_scope: false,
            }],
            starting_step,
            ..RolloutAnalysis::default()
        });
        self
    }

    /// The Rollout, if it passes validation (template references are not checked here).
    ///
    /// # Errors
    ///
    /// [`Error::Invalid`] with the first error-level finding.
    pub fn build(self) -> Result<Rollout, Error> {
        let r = Rollout {
            name: self.name,
            replicas: Some(self.replicas),
            min_ready_seconds: None,
            progress_deadline_seconds: None,
            strategy: Some(Strategy::Canary(self.canary)),
            status: RolloutStatus::default(),
            source: SourceMap::default(),
        };
        let findings = crate::validate::validate_rollout(&r, &[]);
        if let Some(d) = findings
            .into_iter()
            .find(|d| d.severity == Severity::Error && d.code != "rollout/template-not-found")
        {
            return Err(Error::Invalid {
                code: d.code,
                field: d.field,
                message: d.message,
            });
        }
        Ok(r)
    }
}
