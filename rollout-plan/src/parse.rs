//! Turning loaded documents into the model, keeping every field's position and reporting
//! unknown fields as diagnostics.

use std::path::Path;

use crate::diagnostic::{Diagnostic, Pos, Severity};
use crate::error::Error;
use crate::model::*;
use crate::yaml::{self, Node, Value};

/// Everything found in one YAML stream: Rollouts, AnalysisTemplates and ClusterAnalysisTemplates,
/// plus findings made while reading (unknown fields, documents of other kinds).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Manifest {
    /// The file name the stream was read from.
    pub file: String,
    /// The Rollouts in document order.
    pub rollouts: Vec<Rollout>,
    /// AnalysisTemplates and ClusterAnalysisTemplates in document order.
    pub templates: Vec<AnalysisTemplate>,
    /// Findings made while reading.
    pub diagnostics: Vec<Diagnostic>,
}

impl Manifest {
    /// Finds a template by name and scope.
    #[must_use]
    pub fn template(&self, name: &str, cluster_scoped: bool) -> Option<&AnalysisTemplate> {
        self.templates
            .iter()
            .find(|t| t.name == name && t.cluster_scoped == cluster_scoped)
    }
}

/// Parses a multi-document YAML stream. `file` names the source in positions and errors.
///
/// # Errors
///
/// [`Error::Yaml`] for YAML syntax errors and [`Error::Field`] for a field of the wrong type
/// (both with file, line and column).
///
/// ```
/// let m = rollout_plan::parse_str("kind: Rollout\nspec:\n  replicas: 4\n  strategy:\n    canary:\n      steps:\n      - setWeight: 20\n", "r.yaml")?;
/// assert_eq!(m.rollouts[0].replicas, Some(4));
/// assert_eq!(m.rollouts[0].canary().map(|c| c.steps.len()), Some(1));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn parse_str(text: &str, file: &str) -> Result<Manifest, Error> {
    let docs = yaml::load_documents(text, file)?;
    let mut manifest = Manifest {
        file: file.to_string(),
        ..Manifest::default()
    };
    for doc in &docs {
        let mut cx = Cx::new(file);
        let kind = match doc.get("kind").map(|k| &k.value) {
            Some(Value::Str(k)) => k.as_str(),
            _ => "",
        };
        match kind {
            "Rollout" => {
                let r = cx.rollout(doc)?;
                manifest.rollouts.push(r);
            }
            "AnalysisTemplate" | "ClusterAnalysisTemplate" => {
                let t = cx.template(doc, kind == "ClusterAnalysisTemplate")?;
                manifest.templates.push(t);
            }
            "" => {
                let experiments = match &doc.value {
                    Value::Map(entries) => entries.iter().find(|(k, _, _)| k == "experiments"),
                    _ => None,
                };
                if let Some((_, key_pos, _)) = experiments {
                    cx.diag(
                        Severity::Error,
                        "rollout/invalid-key",
                        "experiments",
                        *key_pos,
                        "top-level `experiments:` is not an Argo Rollouts object: an experiment belongs in a canary step (`steps: - experiment: {duration, templates: [{name, specRef, replicas}]}`)".to_string(),
                    );
                } else {
                    cx.diag(
                        Severity::Warning,
                        "rollout/unknown-kind",
                        "kind",
                        doc.pos,
                        "document has no kind; expected Rollout, AnalysisTemplate or ClusterAnalysisTemplate".to_string(),
                    );
                }
            }
            _ => {}
        }
        manifest.diagnostics.extend(cx.diags);
    }
    Ok(manifest)
}

/// Reads and parses a file with [`parse_str`].
///
/// # Errors
///
/// [`Error::Io`] when the file cannot be read, otherwise as [`parse_str`].
pub fn parse_file(path: &Path) -> Result<Manifest, Error> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse_str(&text, &path.display().to_string())
}

impl Rollout {
    /// Builds a Rollout from a JSON object in Argo's field names (`{"spec": {...}, "status": {...}}`),
    /// e.g. what another tool already decoded. Positions are unknown (0).
    ///
    /// # Errors
    ///
    /// [`Error::Field`] for a field of the wrong type.
    ///
    /// ```
    /// let r = rollout_plan::Rollout::from_json(&serde_json::json!(
    ///     {"spec": {"replicas": 3, "strategy": {"blueGreen": {"activeService": "a"}}}}))?;
    /// assert!(r.blue_green().is_some());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_json(value: &serde_json::Value) -> Result<Rollout, Error> {
        Cx::new("<json>").rollout(&Node::from_json(value))
    }
}

impl AnalysisTemplate {
    /// Builds a template from a JSON object (`{"metadata": {"name"}, "spec": {...}}`).
    ///
    /// # Errors
    ///
    /// [`Error::Field`] for a field of the wrong type.
    pub fn from_json(
        value: &serde_json::Value,
        cluster_scoped: bool,
    ) -> Result<AnalysisTemplate, Error> {
        Cx::new("<json>").template(&Node::from_json(value), cluster_scoped)
    }
}

impl Metric {
    /// Builds one metric from a JSON object in Argo's field names.
    ///
    /// # Errors
    ///
    /// [`Error::Field`] for a field of the wrong type.
    pub fn from_json(value: &serde_json::Value) -> Result<Metric, Error> {
        Cx::new("<json>").metric(&Node::from_json(value), "metric")
    }
}

struct Cx {
    source: SourceMap,
    diags: Vec<Diagnostic>,
}

type Entries = [(String, Pos, Node)];

impl Cx {
    fn new(file: &str) -> Self {
        Cx {
            source: SourceMap::new(file),
            diags: Vec::new(),
        }
    }

    fn diag(&mut self, severity: Severity, code: &str, field: &str, pos: Pos, message: String) {
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

    fn err(&self, node: &Node, field: &str, message: String) -> Error {
        Error::Field {
            file: self.source.file().to_string(),
            line: node.pos.line,
            column: node.pos.column,
            field: field.to_string(),
            message,
        }
    }

    /// The entries of a map node; records positions and warns about keys not in `known`
    /// (`None` = accept anything, e.g. provider-specific blocks).
    fn map<'n>(
        &mut self,
        node: &'n Node,
        path: &str,
        known: Option<&[&str]>,
    ) -> Result<&'n Entries, Error> {
        self.source.insert_if_absent(path, node.pos);
        match &node.value {
            Value::Map(entries) => {
                for (k, kpos, v) in entries {
                    let child = join(path, k);
                    // Scalars point at their value, collections at their key.
                    let at = match v.value {
                        Value::Map(_) | Value::Seq(_) => *kpos,
                        _ => v.pos,
                    };
                    self.source.insert(child.clone(), at);
                    if let Some(known) = known
                        && !known.contains(&k.as_str())
                    {
                        self.diag(
                            Severity::Warning,
                            "rollout/unknown-field",
                            &child,
                            *kpos,
                            format!(
                                "unknown field `{k}` (Argo ignores it); expected one of: {}",
                                known.join(", ")
                            ),
                        );
                    }
                }
                Ok(entries)
            }
            Value::Null => Ok(&[]),
            _ => Err(self.err(
                node,
                path,
                format!("expected a map, found {}", node.type_name()),
            )),
        }
    }

    fn seq<'n>(&mut self, node: &'n Node, path: &str) -> Result<&'n [Node], Error> {
        match &node.value {
            Value::Seq(items) => {
                for (i, item) in items.iter().enumerate() {
                    self.source.insert(format!("{path}[{i}]"), item.pos);
                }
                Ok(items)
            }
            Value::Null => Ok(&[]),
            _ => Err(self.err(
                node,
                path,
                format!("expected a list, found {}", node.type_name()),
            )),
        }
    }

    fn string(&self, node: &Node, path: &str) -> Result<String, Error> {
        match &node.value {
            Value::Str(s) => Ok(s.clone()),
            Value::Int(i) => Ok(i.to_string()),
            Value::Float(f) => Ok(f.to_string()),
            Value::Bool(b) => Ok(b.to_string()),
            _ => Err(self.err(
                node,
                path,
                format!("expected a string, found {}", node.type_name()),
            )),
        }
    }

    fn int32(&self, node: &Node, path: &str) -> Result<i32, Error> {
        match &node.value {
            Value::Int(i) => i32::try_from(*i)
                .map_err(|_| self.err(node, path, format!("integer {i} is out of range"))),
            _ => Err(self.err(
                node,
                path,
                format!("expected an integer, found {}", node.type_name()),
            )),
        }
    }

    fn boolean(&self, node: &Node, path: &str) -> Result<bool, Error> {
        match &node.value {
            Value::Bool(b) => Ok(*b),
            _ => Err(self.err(
                node,
                path,
                format!("expected true or false, found {}", node.type_name()),
            )),
        }
    }

    fn int_or_string(&self, node: &Node, path: &str) -> Result<IntOrString, Error> {
        match &node.value {
            Value::Int(i) => Ok(IntOrString::Int(*i)),
            Value::Str(s) => Ok(IntOrString::String(s.clone())),
            _ => Err(self.err(
                node,
                path,
                format!(
                    "expected an integer or a string, found {}",
                    node.type_name()
                ),
            )),
        }
    }

    fn rollout(&mut self, doc: &Node) -> Result<Rollout, Error> {
        let top = self.map(doc, "", None)?;
        let mut r = Rollout {
            name: String::new(),
            replicas: None,
            min_ready_seconds: None,
            progress_deadline_seconds: None,
            strategy: None,
            status: RolloutStatus::default(),
            source: SourceMap::default(),
        };
        for (k, _, v) in top {
            match k.as_str() {
                "metadata" => r.name = self.name_of(v)?,
                "spec" => self.rollout_spec(v, &mut r)?,
                "status" => r.status = self.status(v)?,
                _ => {}
            }
        }
        r.source = std::mem::take(&mut self.source);
        Ok(r)
    }

    fn name_of(&mut self, meta: &Node) -> Result<String, Error> {
        let entries = self.map(meta, "metadata", None)?;
        for (k, _, v) in entries {
            if k == "name" {
                return self.string(v, "metadata.name");
            }
        }
        Ok(String::new())
    }

    fn rollout_spec(&mut self, spec: &Node, r: &mut Rollout) -> Result<(), Error> {
        const KNOWN: &[&str] = &[
            "replicas",
            "selector",
            "template",
            "workloadRef",
            "minReadySeconds",
            "strategy",
            "revisionHistoryLimit",
            "paused",
            "progressDeadlineSeconds",
            "progressDeadlineAbort",
            "restartAt",
            "analysis",
            "rollbackWindow",
        ];
        for (k, _, v) in self.map(spec, "spec", Some(KNOWN))? {
            let path = join("spec", k);
            if v.value == Value::Null {
                continue;
            }
            match k.as_str() {
                "replicas" => r.replicas = Some(self.int32(v, &path)?),
                "minReadySeconds" => r.min_ready_seconds = Some(self.int32(v, &path)?),
                "progressDeadlineSeconds" => {
                    r.progress_deadline_seconds = Some(self.int32(v, &path)?)
                }
                "strategy" => r.strategy = self.strategy(v)?,
                _ => {}
            }
        }
        Ok(())
    }

    fn status(&mut self, node: &Node) -> Result<RolloutStatus, Error> {
        let mut s = RolloutStatus::default();
        for (k, _, v) in self.map(node, "status", None)? {
            let path = join("status", k);
            if v.value == Value::Null {
                continue;
            }
            match k.as_str() {
                "stableRS" => s.stable_rs = self.string(v, &path)?,
                "currentPodHash" => s.current_pod_hash = self.string(v, &path)?,
                "currentStepIndex" => s.current_step_index = Some(self.int32(v, &path)?),
                "abort" => s.abort = self.boolean(v, &path)?,
                "promoteFull" => s.promote_full = self.boolean(v, &path)?,
                "blueGreen" => {
                    for (bk, _, bv) in self.map(v, &path, None)? {
                        let bp = join(&path, bk);
                        match bk.as_str() {
                            "activeSelector" => s.active_selector = self.string(bv, &bp)?,
                            "scaleUpPreviewCheckPoint" => {
                                s.scale_up_preview_check_point = self.boolean(bv, &bp)?;
                            }
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
        Ok(s)
    }

    fn strategy(&mut self, node: &Node) -> Result<Option<Strategy>, Error> {
        let path = "spec.strategy";
        let entries = self.map(node, path, Some(&["canary", "blueGreen"]))?;
        let mut out = None;
        for (k, _, v) in entries {
            match k.as_str() {
                "canary" => out = Some(Strategy::Canary(self.canary(v)?)),
                "blueGreen" => out = Some(Strategy::BlueGreen(self.blue_green(v)?)),
                _ => {}
            }
        }
        Ok(out)
    }

    fn canary(&mut self, node: &Node) -> Result<CanaryStrategy, Error> {
        const P: &str = "spec.strategy.canary";
        const KNOWN: &[&str] = &[
            "canaryService",
            "stableService",
            "steps",
            "trafficRouting",
            "maxUnavailable",
            "maxSurge",
            "analysis",
            "antiAffinity",
            "canaryMetadata",
            "stableMetadata",
            "scaleDownDelaySeconds",
            "scaleDownDelayRevisionLimit",
            "abortScaleDownDelaySeconds",
            "dynamicStableScale",
            "pingPong",
            "minPodsPerReplicaSet",
            "replicaProgressThreshold",
        ];
        let mut c = CanaryStrategy::default();
        for (k, _, v) in self.map(node, P, Some(KNOWN))? {
            let path = join(P, k);
            if v.value == Value::Null {
                continue;
            }
            match k.as_str() {
                "canaryService" => c.canary_service = Some(self.string(v, &path)?),
                "stableService" => c.stable_service = Some(self.string(v, &path)?),
                "steps" => {
                    for (i, step) in self.seq(v, &path)?.iter().enumerate() {
                        c.steps.push(self.step(step, &format!("{path}[{i}]"))?);
                    }
                }
                "trafficRouting" => c.traffic_routing = Some(self.traffic_routing(v, &path)?),
                "maxUnavailable" => c.max_unavailable = Some(self.int_or_string(v, &path)?),
                "maxSurge" => c.max_surge = Some(self.int_or_string(v, &path)?),
                "analysis" => c.analysis = Some(self.analysis(v, &path, true)?),
                "scaleDownDelaySeconds" => c.scale_down_delay_seconds = Some(self.int32(v, &path)?),
                "abortScaleDownDelaySeconds" => {
                    c.abort_scale_down_delay_seconds = Some(self.int32(v, &path)?);
                }
                "dynamicStableScale" => c.dynamic_stable_scale = self.boolean(v, &path)?,
                "minPodsPerReplicaSet" => c.min_pods_per_replica_set = Some(self.int32(v, &path)?),
                "replicaProgressThreshold" => {
                    let mut kind = ThresholdKind::Percent;
                    let mut value = 100;
                    for (tk, _, tv) in self.map(v, &path, Some(&["type", "value"]))? {
                        let tp = join(&path, tk);
                        match tk.as_str() {
                            "type" => {
                                kind = match self.string(tv, &tp)?.as_str() {
                                    "Percent" => ThresholdKind::Percent,
                                    "Pods" => ThresholdKind::Pods,
                                    other => {
                                        return Err(self.err(
                                            tv,
                                            &tp,
                                            format!("expected Percent or Pods, found {other:?}"),
                                        ));
                                    }
                                }
                            }
                            "value" => value = self.int32(tv, &tp)?,
                            _ => {}
                        }
                    }
                    c.replica_progress_threshold = Some(ReplicaProgressThreshold { kind, value });
                }
                _ => {}
            }
        }
        Ok(c)
    }

    fn traffic_routing(&mut self, node: &Node, path: &str) -> Result<TrafficRouting, Error> {
        let mut t = TrafficRouting::default();
        for (k, _, v) in self.map(node, path, None)? {
            let p = join(path, k);
            match k.as_str() {
                "maxTrafficWeight" => {
                    if v.value != Value::Null {
                        t.max_traffic_weight = Some(self.int32(v, &p)?);
                    }
                }
                "managedRoutes" => {
                    for (i, route) in self.seq(v, &p)?.iter().enumerate() {
                        let rp = format!("{p}[{i}]");
                        for (rk, _, rv) in self.map(route, &rp, Some(&["name"]))? {
                            if rk == "name" {
                                t.managed_routes.push(self.string(rv, &join(&rp, rk))?);
                            }
                        }
                    }
                }
                other => {
                    self.record_all(v, &p);
                    t.providers.push(other.to_string());
                }
            }
        }
        Ok(t)
    }

    /// Records positions below a node the model keeps only opaquely.
    fn record_all(&mut self, node: &Node, path: &str) {
        self.source.insert_if_absent(path, node.pos);
        match &node.value {
            Value::Map(entries) => {
                for (k, _, v) in entries {
                    self.record_all(v, &join(path, k));
                }
            }
            Value::Seq(items) => {
                for (i, v) in items.iter().enumerate() {
                    self.record_all(v, &format!("{path}[{i}]"));
                }
            }
            _ => {}
        }
    }

    fn step(&mut self, node: &Node, path: &str) -> Result<CanaryStep, Error> {
        const KNOWN: &[&str] = &[
            "setWeight",
            "pause",
            "analysis",
            "setCanaryScale",
            "setHeaderRoute",
            "setMirrorRoute",
            "experiment",
            "plugin",
        ];
        let mut s = CanaryStep::default();
        for (k, _, v) in self.map(node, path, Some(KNOWN))? {
            let p = join(path, k);
            if v.value == Value::Null {
                continue;
            }
            match k.as_str() {
                "setWeight" => s.set_weight = Some(self.int32(v, &p)?),
                "pause" => {
                    let mut pause = Pause::default();
                    for (pk, _, pv) in self.map(v, &p, Some(&["duration"]))? {
                        if pk == "duration" && pv.value != Value::Null {
                            pause.duration = Some(self.int_or_string(pv, &join(&p, pk))?);
                        }
                    }
                    s.pause = Some(pause);
                }
                "analysis" => s.analysis = Some(self.analysis(v, &p, false)?),
                "setCanaryScale" => {
                    let mut scs = SetCanaryScale::default();
                    for (ck, _, cv) in
                        self.map(v, &p, Some(&["weight", "replicas", "matchTrafficWeight"]))?
                    {
                        let cp = join(&p, ck);
                        match ck.as_str() {
                            "weight" => scs.weight = Some(self.int32(cv, &cp)?),
                            "replicas" => scs.replicas = Some(self.int32(cv, &cp)?),
                            "matchTrafficWeight" => {
                                scs.match_traffic_weight = self.boolean(cv, &cp)?
                            }
                            _ => {}
                        }
                    }
                    s.set_canary_scale = Some(scs);
                }
                "setHeaderRoute" => {
                    let mut hr = SetHeaderRoute::default();
                    for (hk, _, hv) in self.map(v, &p, Some(&["name", "match"]))? {
                        let hp = join(&p, hk);
                        match hk.as_str() {
                            "name" => hr.name = self.string(hv, &hp)?,
                            "match" => {
                                for (i, m) in self.seq(hv, &hp)?.iter().enumerate() {
                                    let mp = format!("{hp}[{i}]");
                                    for (mk, _, mv) in
                                        self.map(m, &mp, Some(&["headerName", "headerValue"]))?
                                    {
                                        if mk == "headerName" {
                                            hr.header_names.push(self.string(mv, &join(&mp, mk))?);
                                        } else {
                                            self.record_all(mv, &join(&mp, mk));
                                        }
                                    }
                                }
                            }
                            _ => {}
                        }
                    }
                    s.set_header_route = Some(hr);
                }
                "setMirrorRoute" => {
                    let mut mr = SetMirrorRoute::default();
                    for (mk, _, mv) in self.map(v, &p, Some(&["name", "match", "percentage"]))? {
                        let mp = join(&p, mk);
                        match mk.as_str() {
                            "name" => mr.name = self.string(mv, &mp)?,
                            "percentage" => mr.percentage = Some(self.int32(mv, &mp)?),
                            "match" => {
                                self.record_all(mv, &mp);
                                mr.match_count = self.seq(mv, &mp)?.len();
                            }
                            _ => {}
                        }
                    }
                    s.set_mirror_route = Some(mr);
                }
                "experiment" => s.experiment = Some(self.experiment(v, &p)?),
                "plugin" => {
                    let mut pl = PluginStep::default();
                    for (pk, _, pv) in self.map(v, &p, None)? {
                        if pk == "name" {
                            pl.name = self.string(pv, &join(&p, pk))?;
                        }
                    }
                    s.plugin = Some(pl);
                }
                _ => {}
            }
        }
        Ok(s)
    }

    fn experiment(&mut self, node: &Node, path: &str) -> Result<ExperimentStep, Error> {
        const KNOWN: &[&str] = &[
            "duration",
            "templates",
            "analyses",
            "dryRun",
            "analysisRunMetadata",
            "scaleDownDelaySeconds",
        ];
        let mut e = ExperimentStep::default();
        for (k, _, v) in self.map(node, path, Some(KNOWN))? {
            let p = join(path, k);
            match k.as_str() {
                "duration" => {
                    if v.value != Value::Null {
                        e.duration = Some(self.string(v, &p)?);
                    }
                }
                "templates" => {
                    for (i, t) in self.seq(v, &p)?.iter().enumerate() {
                        let tp = format!("{p}[{i}]");
                        let mut et = ExperimentTemplate::default();
                        const TK: &[&str] = &[
                            "name", "specRef", "replicas", "metadata", "selector", "weight",
                            "service",
                        ];
                        for (tk, _, tv) in self.map(t, &tp, Some(TK))? {
                            let fp = join(&tp, tk);
                            match tk.as_str() {
                                "name" => et.name = self.string(tv, &fp)?,
                                "specRef" => et.spec_ref = self.string(tv, &fp)?,
                                "replicas" => et.replicas = Some(self.int32(tv, &fp)?),
                                "weight" => et.weight = Some(self.int32(tv, &fp)?),
                                _ => self.record_all(tv, &fp),
                            }
                        }
                        e.templates.push(et);
                    }
                }
                "analyses" => {
                    for (i, a) in self.seq(v, &p)?.iter().enumerate() {
                        let ap = format!("{p}[{i}]");
                        let mut ea = ExperimentAnalysis::default();
                        const AK: &[&str] = &[
                            "name",
                            "templateName",
                            "clusterScope",
                            "args",
                            "requiredForCompletion",
                        ];
                        for (ak, _, av) in self.map(a, &ap, Some(AK))? {
                            let fp = join(&ap, ak);
                            match ak.as_str() {
                                "name" => ea.name = self.string(av, &fp)?,
                                "templateName" => ea.template_name = self.string(av, &fp)?,
                                "clusterScope" => ea.cluster_scope = self.boolean(av, &fp)?,
                                "requiredForCompletion" => {
                                    ea.required_for_completion = self.boolean(av, &fp)?;
                                }
                                "args" => ea.args = self.args(av, &fp)?,
                                _ => {}
                            }
                        }
                        e.analyses.push(ea);
                    }
                }
                _ => self.record_all(v, &p),
            }
        }
        Ok(e)
    }

    fn args(&mut self, node: &Node, path: &str) -> Result<Vec<AnalysisArg>, Error> {
        let mut out = Vec::new();
        for (i, a) in self.seq(node, path)?.iter().enumerate() {
            let ap = format!("{path}[{i}]");
            let mut arg = AnalysisArg::default();
            for (k, _, v) in self.map(a, &ap, Some(&["name", "value", "valueFrom"]))? {
                let p = join(&ap, k);
                match k.as_str() {
                    "name" => arg.name = self.string(v, &p)?,
                    "value" if v.value != Value::Null => {
                        arg.value = Some(self.string(v, &p)?);
                    }
                    "valueFrom" => {
                        self.record_all(v, &p);
                        arg.value_from = v.value != Value::Null;
                    }
                    _ => {}
                }
            }
            out.push(arg);
        }
        Ok(out)
    }

    fn analysis(
        &mut self,
        node: &Node,
        path: &str,
        background: bool,
    ) -> Result<RolloutAnalysis, Error> {
        const STEP: &[&str] = &[
            "templates",
            "args",
            "dryRun",
            "measurementRetention",
            "analysisRunMetadata",
        ];
        const BACKGROUND: &[&str] = &[
            "templates",
            "args",
            "dryRun",
            "measurementRetention",
            "analysisRunMetadata",
            "startingStep",
        ];
        let mut a = RolloutAnalysis::default();
        let known = if background { BACKGROUND } else { STEP };
        for (k, _, v) in self.map(node, path, Some(known))? {
            let p = join(path, k);
            match k.as_str() {
                "templates" => {
                    for (i, t) in self.seq(v, &p)?.iter().enumerate() {
                        let tp = format!("{p}[{i}]");
                        let mut tr = TemplateRef::default();
                        for (tk, _, tv) in
                            self.map(t, &tp, Some(&["templateName", "clusterScope"]))?
                        {
                            let fp = join(&tp, tk);
                            match tk.as_str() {
                                "templateName" => tr.template_name = self.string(tv, &fp)?,
                                "clusterScope" => tr.cluster_scope = self.boolean(tv, &fp)?,
                                _ => {}
                            }
                        }
                        a.templates.push(tr);
                    }
                }
                "args" => a.args = self.args(v, &p)?,
                "dryRun" => a.dry_run = self.dry_run(v, &p)?,
                "startingStep" => {
                    if v.value != Value::Null {
                        a.starting_step = Some(self.int32(v, &p)?);
                    }
                }
                _ => self.record_all(v, &p),
            }
        }
        Ok(a)
    }

    fn dry_run(&mut self, node: &Node, path: &str) -> Result<Vec<String>, Error> {
        let mut out = Vec::new();
        for (i, d) in self.seq(node, path)?.iter().enumerate() {
            let dp = format!("{path}[{i}]");
            for (k, _, v) in self.map(d, &dp, Some(&["metricName"]))? {
                if k == "metricName" {
                    out.push(self.string(v, &join(&dp, k))?);
                }
            }
        }
        Ok(out)
    }

    fn blue_green(&mut self, node: &Node) -> Result<BlueGreenStrategy, Error> {
        const P: &str = "spec.strategy.blueGreen";
        const KNOWN: &[&str] = &[
            "activeService",
            "previewService",
            "previewReplicaCount",
            "autoPromotionEnabled",
            "autoPromotionSeconds",
            "maxUnavailable",
            "scaleDownDelaySeconds",
            "scaleDownDelayRevisionLimit",
            "prePromotionAnalysis",
            "postPromotionAnalysis",
            "antiAffinity",
            "previewMetadata",
            "activeMetadata",
            "abortScaleDownDelaySeconds",
        ];
        let mut b = BlueGreenStrategy::default();
        for (k, _, v) in self.map(node, P, Some(KNOWN))? {
            let p = join(P, k);
            if v.value == Value::Null {
                continue;
            }
            match k.as_str() {
                "activeService" => b.active_service = Some(self.string(v, &p)?),
                "previewService" => b.preview_service = Some(self.string(v, &p)?),
                "previewReplicaCount" => b.preview_replica_count = Some(self.int32(v, &p)?),
                "autoPromotionEnabled" => b.auto_promotion_enabled = Some(self.boolean(v, &p)?),
                "autoPromotionSeconds" => b.auto_promotion_seconds = Some(self.int32(v, &p)?),
                "maxUnavailable" => b.max_unavailable = Some(self.int_or_string(v, &p)?),
                "scaleDownDelaySeconds" => b.scale_down_delay_seconds = Some(self.int32(v, &p)?),
                "abortScaleDownDelaySeconds" => {
                    b.abort_scale_down_delay_seconds = Some(self.int32(v, &p)?);
                }
                "prePromotionAnalysis" => {
                    b.pre_promotion_analysis = Some(self.analysis(v, &p, false)?)
                }
                "postPromotionAnalysis" => {
                    b.post_promotion_analysis = Some(self.analysis(v, &p, false)?);
                }
                _ => self.record_all(v, &p),
            }
        }
        Ok(b)
    }

    fn template(&mut self, doc: &Node, cluster_scoped: bool) -> Result<AnalysisTemplate, Error> {
        let mut t = AnalysisTemplate {
            name: String::new(),
            cluster_scoped,
            args: Vec::new(),
            metrics: Vec::new(),
            dry_run: Vec::new(),
            source: SourceMap::default(),
        };
        for (k, _, v) in self.map(doc, "", None)? {
            match k.as_str() {
                "metadata" => t.name = self.name_of(v)?,
                "spec" => {
                    const KNOWN: &[&str] = &[
                        "metrics",
                        "args",
                        "dryRun",
                        "measurementRetention",
                        "templates",
                    ];
                    for (sk, _, sv) in self.map(v, "spec", Some(KNOWN))? {
                        let p = join("spec", sk);
                        match sk.as_str() {
                            "metrics" => {
                                for (i, m) in self.seq(sv, &p)?.iter().enumerate() {
                                    t.metrics.push(self.metric(m, &format!("{p}[{i}]"))?);
                                }
                            }
                            "args" => t.args = self.args(sv, &p)?,
                            "dryRun" => t.dry_run = self.dry_run(sv, &p)?,
                            _ => self.record_all(sv, &p),
                        }
                    }
                }
                _ => {}
            }
        }
        t.source = std::mem::take(&mut self.source);
        Ok(t)
    }

    fn metric(&mut self, node: &Node, path: &str) -> Result<Metric, Error> {
        const KNOWN: &[&str] = &[
            "name",
            "interval",
            "initialDelay",
            "count",
            "successCondition",
            "failureCondition",
            "failureLimit",
            "inconclusiveLimit",
            "consecutiveErrorLimit",
            "consecutiveSuccessLimit",
            "provider",
        ];
        let mut m = Metric::default();
        for (k, _, v) in self.map(node, path, Some(KNOWN))? {
            let p = join(path, k);
            if v.value == Value::Null {
                continue;
            }
            match k.as_str() {
                "name" => m.name = self.string(v, &p)?,
                "interval" => m.interval = Some(self.string(v, &p)?),
                "initialDelay" => m.initial_delay = Some(self.string(v, &p)?),
                "count" => m.count = Some(self.int_or_string(v, &p)?),
                "successCondition" => m.success_condition = Some(self.string(v, &p)?),
                "failureCondition" => m.failure_condition = Some(self.string(v, &p)?),
                "failureLimit" => m.failure_limit = Some(self.int_or_string(v, &p)?),
                "inconclusiveLimit" => m.inconclusive_limit = Some(self.int_or_string(v, &p)?),
                "consecutiveErrorLimit" => {
                    m.consecutive_error_limit = Some(self.int_or_string(v, &p)?)
                }
                "consecutiveSuccessLimit" => {
                    m.consecutive_success_limit = Some(self.int_or_string(v, &p)?);
                }
                "provider" => m.provider = self.provider(v, &p)?,
                _ => {}
            }
        }
        Ok(m)
    }

    fn provider(&mut self, node: &Node, path: &str) -> Result<Provider, Error> {
        let entries = self.map(node, path, None)?;
        let names: Vec<String> = entries
            .iter()
            .filter(|(_, _, v)| v.value != Value::Null)
            .map(|(k, _, _)| k.clone())
            .collect();
        if names.len() > 1 {
            for (k, _, v) in entries {
                self.record_all(v, &join(path, k));
            }
            return Ok(Provider::Several(names));
        }
        let Some((k, _, v)) = entries.iter().find(|(_, _, v)| v.value != Value::Null) else {
            return Ok(Provider::None);
        };
        let p = join(path, k);
        match k.as_str() {
            "prometheus" => {
                let (mut address, mut query) = (String::new(), String::new());
                for (pk, _, pv) in self.map(v, &p, None)? {
                    let fp = join(&p, pk);
                    match pk.as_str() {
                        "address" => address = self.string(pv, &fp)?,
                        "query" => query = self.string(pv, &fp)?,
                        _ => self.record_all(pv, &fp),
                    }
                }
                Ok(Provider::Prometheus { address, query })
            }
            "web" => {
                let (mut url, mut method, mut json_path) = (String::new(), None, None);
                for (wk, _, wv) in self.map(v, &p, None)? {
                    let fp = join(&p, wk);
                    match wk.as_str() {
                        "url" => url = self.string(wv, &fp)?,
                        "method" => method = Some(self.string(wv, &fp)?),
                        "jsonPath" => json_path = Some(self.string(wv, &fp)?),
                        _ => self.record_all(wv, &fp),
                    }
                }
                Ok(Provider::Web {
                    url,
                    method,
                    json_path,
                })
            }
            other => {
                self.record_all(v, &p);
                Ok(Provider::Other(other.to_string()))
            }
        }
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}
