//! The Argo Rollouts strategy model: Rollout, canary and blue/green strategies, steps, and
//! AnalysisTemplates, with Argo's field names and defaults.
//!
//! Fields that Argo leaves optional are `Option` here so "unset" stays distinct from an explicit
//! zero (it matters: an unset `maxSurge` means 25%, an explicit `0` means none).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::diagnostic::Pos;

/// Argo's default `maxSurge` / `maxUnavailable` for canary and `maxUnavailable` for blue/green.
pub const DEFAULT_MAX_SURGE: &str = "25%";
/// Argo's default `maxUnavailable`.
pub const DEFAULT_MAX_UNAVAILABLE: &str = "25%";
/// Argo's default traffic weight scale.
pub const DEFAULT_MAX_TRAFFIC_WEIGHT: i32 = 100;
/// Default `scaleDownDelaySeconds` (blue/green, and canary with traffic routing).
pub const DEFAULT_SCALE_DOWN_DELAY_SECONDS: i32 = 30;
/// Default `abortScaleDownDelaySeconds` (blue/green, and canary with traffic routing).
pub const DEFAULT_ABORT_SCALE_DOWN_DELAY_SECONDS: i32 = 30;

/// An integer or a string, as Kubernetes' IntOrString. Argo counts *any* string as a percent.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(untagged)]
pub enum IntOrString {
    /// An absolute value.
    Int(i64),
    /// A string, e.g. `"25%"` (a percent wherever Argo resolves it against replicas).
    String(String),
}

impl IntOrString {
    /// Resolves against `total` as Argo does (`intstr.GetScaledValueFromIntOrPercent`): an int is
    /// itself; a string, with or without `%`, is a percent of `total`, rounded up or down.
    ///
    /// Returns `None` for a string that is not a number.
    ///
    /// ```
    /// use rollout_plan::IntOrString;
    /// assert_eq!(IntOrString::String("25%".into()).scaled(10, true), Some(3));
    /// assert_eq!(IntOrString::String("25%".into()).scaled(10, false), Some(2));
    /// assert_eq!(IntOrString::Int(4).scaled(10, true), Some(4));
    /// ```
    #[must_use]
    pub fn scaled(&self, total: i64, round_up: bool) -> Option<i64> {
        match self {
            IntOrString::Int(i) => Some(*i),
            IntOrString::String(s) => {
                let digits = s.strip_suffix('%').unwrap_or(s);
                let pct: i64 = digits.parse().ok()?;
                let product = pct.checked_mul(total)?;
                Some(if round_up {
                    div_ceil(product, 100)
                } else {
                    product.div_euclid(100)
                })
            }
        }
    }

    /// The integer if this is an int, or a string holding only an integer (Argo substitutes
    /// arguments into metric counts, so `"3"` is accepted there).
    #[must_use]
    pub fn as_int(&self) -> Option<i64> {
        match self {
            IntOrString::Int(i) => Some(*i),
            IntOrString::String(s) => s.trim().parse().ok(),
        }
    }
}

pub(crate) fn div_ceil(a: i64, b: i64) -> i64 {
    let q = a.div_euclid(b);
    if a.rem_euclid(b) != 0 { q + 1 } else { q }
}

/// Where every field of one document sits in its file, keyed by path
/// (`spec.strategy.canary.steps[0].setWeight`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceMap {
    file: String,
    positions: BTreeMap<String, Pos>,
}

impl SourceMap {
    pub(crate) fn new(file: &str) -> Self {
        SourceMap {
            file: file.to_string(),
            positions: BTreeMap::new(),
        }
    }

    pub(crate) fn insert(&mut self, path: String, pos: Pos) {
        self.positions.insert(path, pos);
    }

    pub(crate) fn insert_if_absent(&mut self, path: &str, pos: Pos) {
        self.positions.entry(path.to_string()).or_insert(pos);
    }

    /// The file the document came from.
    #[must_use]
    pub fn file(&self) -> &str {
        &self.file
    }

    /// The position of `path`, or of its nearest recorded ancestor, or unknown (0:0).
    #[must_use]
    pub fn pos(&self, path: &str) -> Pos {
        let mut p = path;
        loop {
            if let Some(pos) = self.positions.get(p) {
                return *pos;
            }
            match p.rfind(['.', '[']) {
                Some(i) => p = &p[..i],
                None => return Pos::default(),
            }
        }
    }
}

/// An Argo `Rollout`: its size and its strategy (and status, used by the replica arithmetic).
#[derive(Debug, Clone, PartialEq)]
pub struct Rollout {
    /// `metadata.name` (empty when absent).
    pub name: String,
    /// `spec.replicas`; Argo's default is 1.
    pub replicas: Option<i32>,
    /// `spec.minReadySeconds`.
    pub min_ready_seconds: Option<i32>,
    /// `spec.progressDeadlineSeconds` (default 600).
    pub progress_deadline_seconds: Option<i32>,
    /// `spec.strategy`: `None` when neither canary nor blueGreen is set (invalid).
    pub strategy: Option<Strategy>,
    /// `status` fields the replica arithmetic reads.
    pub status: RolloutStatus,
    /// Positions of every field.
    pub source: SourceMap,
}

impl Rollout {
    /// `spec.replicas` or Argo's default of 1.
    #[must_use]
    pub fn replicas_or_default(&self) -> i32 {
        self.replicas.unwrap_or(1)
    }

    /// The canary strategy, if this is a canary rollout.
    #[must_use]
    pub fn canary(&self) -> Option<&CanaryStrategy> {
        match &self.strategy {
            Some(Strategy::Canary(c)) => Some(c),
            _ => None,
        }
    }

    /// The blue/green strategy, if this is a blue/green rollout.
    #[must_use]
    pub fn blue_green(&self) -> Option<&BlueGreenStrategy> {
        match &self.strategy {
            Some(Strategy::BlueGreen(b)) => Some(b),
            _ => None,
        }
    }
}

/// The `status` fields the controller arithmetic depends on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RolloutStatus {
    /// `status.stableRS` (pod template hash of the stable ReplicaSet; empty = none yet).
    pub stable_rs: String,
    /// `status.currentPodHash`.
    pub current_pod_hash: String,
    /// `status.currentStepIndex`.
    pub current_step_index: Option<i32>,
    /// `status.abort`.
    pub abort: bool,
    /// `status.promoteFull`.
    pub promote_full: bool,
    /// `status.blueGreen.activeSelector`.
    pub active_selector: String,
    /// `status.blueGreen.scaleUpPreviewCheckPoint`.
    pub scale_up_preview_check_point: bool,
}

/// `spec.strategy`.
#[derive(Debug, Clone, PartialEq)]
pub enum Strategy {
    /// `canary`.
    Canary(CanaryStrategy),
    /// `blueGreen`.
    BlueGreen(BlueGreenStrategy),
}

/// `spec.strategy.canary`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CanaryStrategy {
    /// `canaryService`.
    pub canary_service: Option<String>,
    /// `stableService`.
    pub stable_service: Option<String>,
    /// `steps`.
    pub steps: Vec<CanaryStep>,
    /// `trafficRouting`; `None` = basic (replica-weighted) canary.
    pub traffic_routing: Option<TrafficRouting>,
    /// `maxSurge` (default 25%).
    pub max_surge: Option<IntOrString>,
    /// `maxUnavailable` (default 25%).
    pub max_unavailable: Option<IntOrString>,
    /// `analysis`: background analysis.
    pub analysis: Option<RolloutAnalysis>,
    /// `dynamicStableScale`.
    pub dynamic_stable_scale: bool,
    /// `scaleDownDelaySeconds` (traffic routing only; default 30).
    pub scale_down_delay_seconds: Option<i32>,
    /// `abortScaleDownDelaySeconds` (traffic routing only; default 30; 0 = never).
    pub abort_scale_down_delay_seconds: Option<i32>,
    /// `minPodsPerReplicaSet` (traffic routing only).
    pub min_pods_per_replica_set: Option<i32>,
    /// `replicaProgressThreshold`.
    pub replica_progress_threshold: Option<ReplicaProgressThreshold>,
}

impl CanaryStrategy {
    /// The traffic weight scale: `trafficRouting.maxTrafficWeight` or 100.
    #[must_use]
    pub fn max_weight(&self) -> i32 {
        self.traffic_routing
            .as_ref()
            .and_then(|t| t.max_traffic_weight)
            .unwrap_or(DEFAULT_MAX_TRAFFIC_WEIGHT)
    }
}

/// `replicaProgressThreshold`: how much of the canary must be available before a step is done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplicaProgressThreshold {
    /// `Percent` or `Pods`.
    pub kind: ThresholdKind,
    /// The percent or pod count.
    pub value: i32,
}

/// The unit of a [`ReplicaProgressThreshold`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThresholdKind {
    /// A percent of the desired canary pods.
    Percent,
    /// An absolute number of pods.
    Pods,
}

/// `trafficRouting`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrafficRouting {
    /// The provider keys present (`istio`, `nginx`, `alb`, `smi`, `plugins`, ...).
    pub providers: Vec<String>,
    /// `maxTrafficWeight` (nginx and plugins only).
    pub max_traffic_weight: Option<i32>,
    /// `managedRoutes[].name`.
    pub managed_routes: Vec<String>,
}

/// One entry of `steps`. Argo's step is a struct of optional fields that must hold exactly one
/// kind; the model keeps all so validation can report a step with none or two.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CanaryStep {
    /// `setWeight`.
    pub set_weight: Option<i32>,
    /// `pause`.
    pub pause: Option<Pause>,
    /// `analysis`.
    pub analysis: Option<RolloutAnalysis>,
    /// `setCanaryScale`.
    pub set_canary_scale: Option<SetCanaryScale>,
    /// `setHeaderRoute`.
    pub set_header_route: Option<SetHeaderRoute>,
    /// `setMirrorRoute`.
    pub set_mirror_route: Option<SetMirrorRoute>,
    /// `experiment`.
    pub experiment: Option<ExperimentStep>,
    /// `plugin`.
    pub plugin: Option<PluginStep>,
}

impl CanaryStep {
    /// The names of the kinds set in this step (Argo requires exactly one).
    #[must_use]
    pub fn kinds(&self) -> Vec<&'static str> {
        let mut k = Vec::new();
        if self.set_weight.is_some() {
            k.push("setWeight");
        }
        if self.pause.is_some() {
            k.push("pause");
        }
        if self.analysis.is_some() {
            k.push("analysis");
        }
        if self.set_canary_scale.is_some() {
            k.push("setCanaryScale");
        }
        if self.set_header_route.is_some() {
            k.push("setHeaderRoute");
        }
        if self.set_mirror_route.is_some() {
            k.push("setMirrorRoute");
        }
        if self.experiment.is_some() {
            k.push("experiment");
        }
        if self.plugin.is_some() {
            k.push("plugin");
        }
        k
    }
}

/// `pause`: timed when `duration` is set, otherwise until a manual promote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pause {
    /// `duration`: an int (seconds) or a string (`"30"`, `"30s"`, `"5m"`, `"1h"`).
    pub duration: Option<IntOrString>,
}

impl Pause {
    /// The pause length in seconds: `Ok(None)` for an indefinite pause, `Err(text)` when the
    /// duration does not parse (Argo then treats it as -1 and rejects it).
    pub fn seconds(&self) -> Result<Option<i64>, String> {
        match &self.duration {
            None => Ok(None),
            Some(IntOrString::Int(i)) => Ok(Some(*i)),
            Some(IntOrString::String(s)) => {
                if let Ok(i) = s.parse::<i64>() {
                    return Ok(Some(i));
                }
                crate::duration::parse_seconds(s)
                    .map(Some)
                    .ok_or_else(|| s.clone())
            }
        }
    }
}

/// `setCanaryScale`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SetCanaryScale {
    /// `weight`: canary pods as a percent of replicas.
    pub weight: Option<i32>,
    /// `replicas`: an explicit canary pod count.
    pub replicas: Option<i32>,
    /// `matchTrafficWeight`: go back to sizing the canary from the traffic weight.
    pub match_traffic_weight: bool,
}

/// `setHeaderRoute`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SetHeaderRoute {
    /// `name`: must be one of `trafficRouting.managedRoutes`.
    pub name: String,
    /// `match[].headerName`.
    pub header_names: Vec<String>,
}

/// `setMirrorRoute`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SetMirrorRoute {
    /// `name`: must be one of `trafficRouting.managedRoutes`.
    pub name: String,
    /// `percentage` of matching traffic mirrored.
    pub percentage: Option<i32>,
    /// Number of `match` entries.
    pub match_count: usize,
}

/// `plugin` step.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PluginStep {
    /// `name`.
    pub name: String,
}

/// `experiment` step.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExperimentStep {
    /// `duration` (Argo duration string); `None` = until its analyses finish.
    pub duration: Option<String>,
    /// `templates`.
    pub templates: Vec<ExperimentTemplate>,
    /// `analyses`.
    pub analyses: Vec<ExperimentAnalysis>,
}

/// `experiment.templates[]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExperimentTemplate {
    /// `name`.
    pub name: String,
    /// `specRef`: `stable` or `canary`.
    pub spec_ref: String,
    /// `replicas` (default 1).
    pub replicas: Option<i32>,
    /// `weight` (traffic routing only).
    pub weight: Option<i32>,
}

/// `experiment.analyses[]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExperimentAnalysis {
    /// `name`.
    pub name: String,
    /// `templateName`.
    pub template_name: String,
    /// `clusterScope`.
    pub cluster_scope: bool,
    /// `args`.
    pub args: Vec<AnalysisArg>,
    /// `requiredForCompletion`.
    pub required_for_completion: bool,
}

/// A reference to analysis templates with arguments: step `analysis`, background `analysis`,
/// `prePromotionAnalysis` and `postPromotionAnalysis`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RolloutAnalysis {
    /// `templates`.
    pub templates: Vec<TemplateRef>,
    /// `args`.
    pub args: Vec<AnalysisArg>,
    /// `dryRun[].metricName`.
    pub dry_run: Vec<String>,
    /// `startingStep` (background analysis only).
    pub starting_step: Option<i32>,
}

/// `templates[]` of a [`RolloutAnalysis`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TemplateRef {
    /// `templateName`.
    pub template_name: String,
    /// `clusterScope`: refers to a ClusterAnalysisTemplate.
    pub cluster_scope: bool,
}

/// An argument passed to a template.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AnalysisArg {
    /// `name`.
    pub name: String,
    /// `value`.
    pub value: Option<String>,
    /// Whether `valueFrom` is set (resolved by the controller at run time).
    pub value_from: bool,
}

/// `spec.strategy.blueGreen`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BlueGreenStrategy {
    /// `activeService` (required).
    pub active_service: Option<String>,
    /// `previewService`.
    pub preview_service: Option<String>,
    /// `autoPromotionEnabled` (default true).
    pub auto_promotion_enabled: Option<bool>,
    /// `autoPromotionSeconds` (default 0).
    pub auto_promotion_seconds: Option<i32>,
    /// `previewReplicaCount` (default: full size).
    pub preview_replica_count: Option<i32>,
    /// `scaleDownDelaySeconds` (default 30).
    pub scale_down_delay_seconds: Option<i32>,
    /// `abortScaleDownDelaySeconds` (default 30; 0 = keep the preview).
    pub abort_scale_down_delay_seconds: Option<i32>,
    /// `maxUnavailable` (default 25% in Argo's code).
    pub max_unavailable: Option<IntOrString>,
    /// `prePromotionAnalysis`.
    pub pre_promotion_analysis: Option<RolloutAnalysis>,
    /// `postPromotionAnalysis`.
    pub post_promotion_analysis: Option<RolloutAnalysis>,
}

/// An `AnalysisTemplate` or `ClusterAnalysisTemplate`.
#[derive(Debug, Clone, PartialEq)]
pub struct AnalysisTemplate {
    /// `metadata.name`.
    pub name: String,
    /// True for a `ClusterAnalysisTemplate`.
    pub cluster_scoped: bool,
    /// `spec.args`.
    pub args: Vec<AnalysisArg>,
    /// `spec.metrics`.
    pub metrics: Vec<Metric>,
    /// `spec.dryRun[].metricName`.
    pub dry_run: Vec<String>,
    /// Positions of every field.
    pub source: SourceMap,
}

/// One metric of an analysis template.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Metric {
    /// `name`.
    pub name: String,
    /// `interval` (Go duration).
    pub interval: Option<String>,
    /// `initialDelay` (Go duration).
    pub initial_delay: Option<String>,
    /// `count`.
    pub count: Option<IntOrString>,
    /// `successCondition`.
    pub success_condition: Option<String>,
    /// `failureCondition`.
    pub failure_condition: Option<String>,
    /// `failureLimit` (default 0; -1 disables).
    pub failure_limit: Option<IntOrString>,
    /// `inconclusiveLimit` (default 0).
    pub inconclusive_limit: Option<IntOrString>,
    /// `consecutiveErrorLimit` (default 4).
    pub consecutive_error_limit: Option<IntOrString>,
    /// `consecutiveSuccessLimit` (default 0 = disabled).
    pub consecutive_success_limit: Option<IntOrString>,
    /// `provider`.
    pub provider: Provider,
}

/// A metric's `provider`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Provider {
    /// No provider set (invalid).
    #[default]
    None,
    /// `prometheus`.
    Prometheus {
        /// `address`.
        address: String,
        /// `query`.
        query: String,
    },
    /// `web`.
    Web {
        /// `url`.
        url: String,
        /// `method` (default GET).
        method: Option<String>,
        /// `jsonPath`.
        json_path: Option<String>,
    },
    /// Another provider, kept by name only (datadog, job, newRelic, ...).
    Other(String),
    /// More than one provider set (invalid): their names.
    Several(Vec<String>),
}
