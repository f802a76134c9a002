//! Lint checks beyond promtool, all offline.
//!
//! Every check has a stable code, a documentation entry in [`CHECKS`] (what, why, how to fix)
//! and a default severity. Disable a check for all files with [`LintConfig::disabled`], for a
//! file with a `# rules file/disable CODE` comment, and for one rule with a
//! `# rules disable CODE` comment above or inside the rule.
//!
//! ```
//! use rules::{CheckOptions, Checker};
//! let src = "groups:\n  - name: g\n    rules:\n      - alert: Down\n        expr: up == 0\n";
//! let mut c = Checker::new(CheckOptions::default());
//! c.add_source("a.yml", src);
//! let codes: Vec<String> = c.finish().into_iter().map(|d| d.code).collect();
//! assert!(codes.contains(&"lint/alert-for".to_string()));
//! assert!(codes.contains(&"lint/required-annotation".to_string()));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::{BTreeSet, HashMap, HashSet};

use promql_parser::label::Labels;
use promql_parser::parser::{Expr as Ast, LabelModifier, VectorMatchCardinality};

use crate::check::Loaded;
use crate::diagnostic::{Diagnostic, Position, Severity};
use crate::duration::parse_duration;
use crate::model::{Group, Rule, RuleFile};
use crate::promql::{Checked, Tok, unquote};
use crate::validate::Ctx;

/// Documentation of one lint check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LintCheck {
    /// Stable code.
    pub code: &'static str,
    /// Severity unless configured otherwise.
    pub default_severity: Severity,
    /// What it catches.
    pub what: &'static str,
    /// Why it matters.
    pub why: &'static str,
    /// How to fix it.
    pub fix: &'static str,
}

macro_rules! check {
    ($code:expr, $sev:ident, $what:expr, $why:expr, $fix:expr) => {
        LintCheck {
            code: $code,
            default_severity: Severity::$sev,
            what: $what,
            why: $why,
            fix: $fix,
        }
    };
}

/// Every lint check.
pub const CHECKS: &[LintCheck] = &[
    check!(
        "lint/histogram-quantile-without-le",
        Error,
        "histogram_quantile over buckets aggregated without keeping `le`",
        "without the `le` label the buckets collapse and the quantile is meaningless (NaN)",
        "aggregate with `by (le, ...)` or `without (...)` not listing `le`"
    ),
    check!(
        "lint/rate-range-too-short",
        Warning,
        "rate/irate/increase/deriv over a range shorter than the configured multiple of the scrape interval (default 4 x 15s)",
        "with fewer than a few samples in the window the result is empty or jumps",
        "use a range of at least 4 scrape intervals, e.g. [1m] for 15s scrapes"
    ),
    check!(
        "lint/rate-on-non-counter",
        Warning,
        "rate-like function (rate, irate, increase, resets) on a series whose name is not a counter's (_total, _count, _sum, _bucket)",
        "rate of a gauge is meaningless; counters are named with a _total suffix",
        "use deriv() or delta() for gauges, or select the counter"
    ),
    check!(
        "lint/counter-without-rate",
        Warning,
        "a counter (name ending in _total) compared or aggregated without rate/increase",
        "a counter's raw value only grows and resets on restart; comparing it is almost never intended",
        "wrap it in rate(...[5m]) or increase(...[1h])"
    ),
    check!(
        "lint/template-label-missing",
        Error,
        "an alert template uses $labels.x but the expression's result cannot have label x",
        "the template renders an empty string; often the label was aggregated away",
        "keep the label in the aggregation (by (x)) or drop it from the template"
    ),
    check!(
        "lint/alert-for",
        Warning,
        "alert without `for` (fires on a single evaluation), or with `for` shorter than the group interval",
        "alerts without a pending period page on every blip; a `for` below the interval is rounded up anyway",
        "add `for: 5m` (or at least the evaluation interval)"
    ),
    check!(
        "lint/alert-no-condition",
        Warning,
        "alert expression without a comparison, set operation or absent() (always fires while it has data)",
        "an alert fires for every series its expression returns",
        "add a condition such as `> 0.05`"
    ),
    check!(
        "lint/record-name-format",
        Warning,
        "recording rule name not of the form level:metric:operations",
        "the convention tells readers what a recorded series aggregates and avoids clashes with scraped metrics",
        "rename to e.g. job:http_requests:rate5m"
    ),
    check!(
        "lint/undefined-recorded-series",
        Warning,
        "expression uses a recorded series (name with a colon) that no loaded file records",
        "the query returns nothing, so the rule never fires or records nothing",
        "add the recording rule, fix the name, or load the file that defines it"
    ),
    check!(
        "lint/recording-cycle",
        Error,
        "recording rules that depend on each other in a cycle",
        "each evaluation reads the other's stale value; the results never settle",
        "break the cycle by computing one of them from raw series"
    ),
    check!(
        "lint/required-label",
        Warning,
        "alert without a required label, or with a value outside the allowed set (default: severity)",
        "routing in Alertmanager depends on these labels",
        "add the label with one of the allowed values"
    ),
    check!(
        "lint/required-annotation",
        Warning,
        "alert without a required annotation (default: summary, description)",
        "responders need a summary, a description and a runbook link",
        "add the annotation"
    ),
    check!(
        "lint/regex-not-needed",
        Info,
        "regex matcher whose pattern is a plain string, or that is anchored with ^...$ needlessly",
        "PromQL anchors regexes already; a plain string is cheaper and clearer with = or !=",
        "use = / != for plain strings and drop the ^ and $ anchors"
    ),
    check!(
        "lint/duplicate-alert",
        Warning,
        "the same alert (name and expression) defined in more than one group or file",
        "duplicated alerts page twice and drift apart when one copy is edited",
        "keep one definition"
    ),
    check!(
        "lint/impossible-vector-matching",
        Warning,
        "vector matching on(...) a label that one side of the operation cannot have",
        "the sides never match, so the expression is always empty",
        "match on labels both sides keep, or keep the label in the aggregation"
    ),
    check!(
        "lint/group-interval-long",
        Warning,
        "group interval longer than 5 minutes",
        "series go stale after 5 minutes without a sample, so recorded series have gaps",
        "use an interval of at most 5m"
    ),
    check!(
        "lint/topk-in-alert",
        Warning,
        "topk/bottomk/limitk in an alert expression",
        "the selected series change between evaluations, so alerts flap",
        "alert on a threshold instead"
    ),
    check!(
        "lint/value-in-label",
        Warning,
        "alert label template using $value",
        "every change of the value creates a new alert identity",
        "move $value to an annotation"
    ),
    check!(
        "lint/absent-compared",
        Warning,
        "absent()/absent_over_time() used in a comparison",
        "absent returns 1 when the series is missing and nothing otherwise, so `== 0` never fires and `> 0` adds nothing",
        "use absent(...) on its own as the alert expression"
    ),
    check!(
        "lint/nan-in-aggregation",
        Warning,
        "division or modulo between series inside sum/avg/stddev/stdvar",
        "a single series dividing by zero yields NaN or Inf, which poisons the whole aggregation",
        "aggregate numerator and denominator separately, then divide"
    ),
    check!(
        "lint/cross-group-dependency",
        Info,
        "rule reads a series recorded by a rule in another group or file",
        "groups are evaluated independently, so the input lags by up to one interval and can be missing right after a restart",
        "move the rules into one group (in dependency order) if the lag matters"
    ),
    check!(
        "lint/label-replace-regex",
        Error,
        "label_replace with a regex that Go cannot compile, or a destination that is not a valid label name",
        "promtool does not check it; Prometheus fails at every evaluation",
        "fix the regular expression or label name"
    ),
];

/// Configuration of the lint checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LintConfig {
    /// Codes disabled everywhere.
    pub disabled: BTreeSet<String>,
    /// Severity overrides by code.
    pub severities: Vec<(String, Severity)>,
    /// The scrape interval, in milliseconds (default 15s).
    pub scrape_interval_ms: u64,
    /// Minimum rate range as a multiple of the scrape interval (default 4).
    pub rate_range_multiple: u64,
    /// Labels every alert must have, with allowed values (empty: any value).
    pub required_labels: Vec<(String, Vec<String>)>,
    /// Annotations every alert must have.
    pub required_annotations: Vec<String>,
}

impl Default for LintConfig {
    fn default() -> Self {
        LintConfig {
            disabled: BTreeSet::new(),
            severities: Vec::new(),
            scrape_interval_ms: 15_000,
            rate_range_multiple: 4,
            required_labels: vec![("severity".to_string(), Vec::new())],
            required_annotations: vec!["summary".to_string(), "description".to_string()],
        }
    }
}

impl LintConfig {
    fn severity(&self, code: &str) -> Severity {
        self.severities
            .iter()
            .find(|(c, _)| c == code)
            .map(|(_, s)| *s)
            .or_else(|| {
                CHECKS
                    .iter()
                    .find(|c| c.code == code)
                    .map(|c| c.default_severity)
            })
            .unwrap_or(Severity::Warning)
    }
}

/// The documentation of check `code`.
///
/// ```
/// let c = rules::lint::check_doc("lint/alert-for").ok_or("unknown")?;
/// assert_eq!(c.default_severity, rules::Severity::Warning);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use]
pub fn check_doc(code: &str) -> Option<&'static LintCheck> {
    CHECKS.iter().find(|c| c.code == code)
}

struct Out<'a> {
    cfg: &'a LintConfig,
    path: &'a str,
    file_disabled: &'a [String],
    diags: Vec<Diagnostic>,
}

impl Out<'_> {
    fn push(&mut self, code: &str, pos: Position, group: &Group, rule: Option<&Rule>, msg: String) {
        if self.cfg.disabled.contains(code)
            || self.file_disabled.iter().any(|c| c == code)
            || rule.is_some_and(|r| r.disabled.iter().any(|c| c == code))
        {
            return;
        }
        let prefix = match rule {
            Some(r) => format!(
                "group {:?}, rule {}, {:?}: ",
                group.name.value,
                r.index,
                r.name()
            ),
            None => format!("group {:?}: ", group.name.value),
        };
        let mut d = Diagnostic::new(
            self.path,
            pos,
            self.cfg.severity(code),
            code,
            format!("{prefix}{msg}"),
        );
        d.group = Some(group.name.value.clone());
        d.rule = rule.map(|r| r.name().to_string());
        self.diags.push(d);
    }
}

/// Per-file lint checks.
pub(crate) fn lint_file(
    ctx: &Ctx<'_>,
    file: &RuleFile,
    exprs: &[Option<Checked>],
    cfg: &LintConfig,
) -> Vec<Diagnostic> {
    let mut out = Out {
        cfg,
        path: ctx.path,
        file_disabled: &file.disabled,
        diags: Vec::new(),
    };
    let mut i = 0usize;
    for g in file.groups() {
        if let Some(iv) = &g.interval
            && parse_duration(&iv.value).is_ok_and(|ms| ms > 300_000)
        {
            out.push(
                "lint/group-interval-long",
                iv.pos,
                g,
                None,
                format!("interval {} is longer than 5m", iv.value),
            );
        }
        for r in &g.rules {
            let checked = exprs.get(i).and_then(Option::as_ref);
            i += 1;
            lint_rule(ctx, &mut out, g, r, checked);
        }
    }
    out.diags
}

fn lint_rule(ctx: &Ctx<'_>, out: &mut Out<'_>, g: &Group, r: &Rule, checked: Option<&Checked>) {
    let cfg = out.cfg;
    if let Some(rec) = &r.record {
        let parts: Vec<&str> = rec.value.split(':').collect();
        if parts.len() != 3 || parts.iter().any(|p| p.is_empty()) {
            out.push(
                "lint/record-name-format",
                rec.pos,
                g,
                Some(r),
                format!(
                    "recording rule name {:?} is not of the form level:metric:operations",
                    rec.value
                ),
            );
        }
    }
    if r.is_alert() {
        alert_checks(out, g, r, cfg);
    }
    let (Some(c), Some(e)) = (checked, r.expr.as_ref()) else {
        return;
    };
    if c.depth > crate::promql::MAX_LINT_DEPTH {
        return;
    }
    let at = |name: &str| -> Position {
        let off = c
            .tokens
            .iter()
            .find(|t| t.text(&e.text) == name)
            .map_or(0, |t| t.start);
        ctx.pos_in_expr(e, off)
    };
    // Regex matchers that need no regex, from our tokens (the AST has them rewritten).
    for (k, t) in c.tokens.iter().enumerate() {
        let text = t.text(&e.text);
        if t.kind != Tok::Op || (text != "=~" && text != "!~") {
            continue;
        }
        let Some(lit) = c.tokens.get(k + 1).filter(|n| n.kind == Tok::Str) else {
            continue;
        };
        let Some(pat) = unquote(lit.text(&e.text)) else {
            continue;
        };
        let pos = ctx.pos_in_expr(e, lit.start);
        if !pat.is_empty()
            && pat
                .chars()
                .all(|ch| ch.is_alphanumeric() || matches!(ch, '_' | '-' | ' ' | '/' | ':'))
        {
            let eq = if text == "=~" { "=" } else { "!=" };
            out.push(
                "lint/regex-not-needed",
                pos,
                g,
                Some(r),
                format!("regex {pat:?} is a plain string: use {eq} instead of {text}"),
            );
        } else if pat.starts_with('^') || pat.ends_with('$') && !pat.ends_with("\\$") {
            out.push(
                "lint/regex-not-needed",
                pos,
                g,
                Some(r),
                format!("regex {pat:?} is anchored needlessly: PromQL regexes are fully anchored"),
            );
        }
    }
    let mut w = Walker {
        findings: Vec::new(),
        cfg,
        dialect: ctx.dialect,
    };
    w.walk(&c.ast, false, false);
    for (code, name, msg) in w.findings {
        out.push(code, at(&name), g, Some(r), msg);
    }
    if r.is_alert() {
        if !has_condition(&c.ast) {
            out.push(
                "lint/alert-no-condition",
                e.pos,
                g,
                Some(r),
                "alert expression has no condition, so it fires whenever it returns data".into(),
            );
        }
        if let Some(labels) = output_labels(&c.ast) {
            for kv in r.annotations.iter().chain(r.labels.iter()) {
                for used in template_labels(&kv.value.value) {
                    if !labels.contains(used) {
                        let avail: Vec<&str> = labels.iter().map(String::as_str).collect();
                        out.push(
                            "lint/template-label-missing",
                            kv.value.pos,
                            g,
                            Some(r),
                            format!("{:?} uses $labels.{used} but the expression only returns labels [{}]", kv.key.value, avail.join(", ")),
                        );
                    }
                }
            }
        }
        if contains_call(&c.ast, &["topk", "bottomk", "limitk"]) {
            out.push(
                "lint/topk-in-alert",
                e.pos,
                g,
                Some(r),
                "topk/bottomk/limitk in an alert makes it flap".into(),
            );
        }
    }
}

fn alert_checks(out: &mut Out<'_>, g: &Group, r: &Rule, cfg: &LintConfig) {
    let pos = r.alert.as_ref().map_or(r.pos, |a| a.pos);
    let for_ms = r.for_.as_ref().and_then(|f| parse_duration(&f.value).ok());
    match (&r.for_, for_ms) {
        (None, _) | (Some(_), Some(0)) => out.push(
            "lint/alert-for",
            pos,
            g,
            Some(r),
            "alert has no `for`, so it fires on a single evaluation".into(),
        ),
        (Some(f), Some(ms)) => {
            let interval = g
                .interval
                .as_ref()
                .and_then(|i| parse_duration(&i.value).ok());
            if let Some(iv) = interval.filter(|iv| ms < *iv) {
                out.push(
                    "lint/alert-for",
                    f.pos,
                    g,
                    Some(r),
                    format!(
                        "`for: {}` is shorter than the group interval {}",
                        f.value,
                        crate::duration::format_duration(iv)
                    ),
                );
            }
        }
        _ => {}
    }
    for (name, allowed) in &cfg.required_labels {
        match r.label(name) {
            None => out.push(
                "lint/required-label",
                r.labels_pos.unwrap_or(pos),
                g,
                Some(r),
                format!("alert has no {name:?} label"),
            ),
            Some(v) if !allowed.is_empty() && !allowed.iter().any(|a| a == v) => {
                let p = r
                    .labels
                    .iter()
                    .find(|kv| &kv.key.value == name)
                    .map_or(pos, |kv| kv.value.pos);
                out.push(
                    "lint/required-label",
                    p,
                    g,
                    Some(r),
                    format!("label {name}={v:?} is not one of [{}]", allowed.join(", ")),
                );
            }
            Some(_) => {}
        }
    }
    for name in &cfg.required_annotations {
        if r.annotation(name).is_none() {
            out.push(
                "lint/required-annotation",
                r.annotations_pos.unwrap_or(pos),
                g,
                Some(r),
                format!("alert has no {name:?} annotation"),
            );
        }
    }
    for kv in &r.labels {
        if kv.value.value.contains("$value") || kv.value.value.contains(".Value") {
            out.push(
                "lint/value-in-label",
                kv.value.pos,
                g,
                Some(r),
                format!(
                    "label {:?} uses $value; every value change creates a new alert",
                    kv.key.value
                ),
            );
        }
    }
}

/// `$labels.x` and `.Labels.x` references in a template.
fn template_labels(t: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for pat in ["$labels.", ".Labels."] {
        let mut rest = t;
        while let Some(i) = rest.find(pat) {
            let after = rest.get(i + pat.len()..).unwrap_or("");
            let n = after
                .bytes()
                .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
                .count();
            if let Some(name) = after.get(..n).filter(|s| !s.is_empty()) {
                out.push(name);
            }
            rest = after;
        }
    }
    out
}

const RATE_LIKE: &[&str] = &["rate", "irate", "increase", "resets"];
const RANGE_CHECKED: &[&str] = &["rate", "irate", "increase", "deriv"];
const COUNTER_SUFFIXES: &[&str] = &["_total", "_count", "_sum", "_bucket"];

struct Walker<'a> {
    /// (code, token to point at, message)
    findings: Vec<(&'static str, String, String)>,
    cfg: &'a LintConfig,
    dialect: crate::dialect::Dialect,
}

impl Walker<'_> {
    /// `in_call`: below a function call; `in_cmp`: below a comparison.
    fn walk(&mut self, e: &Ast, in_call: bool, in_cmp: bool) {
        match e {
            Ast::Call(c) => {
                let name = c.func.name;
                if let Some(arg) = c.args.args.first()
                    && let Ast::MatrixSelector(m) = arg.as_ref()
                {
                    let metric = m.vs.name.clone().unwrap_or_default();
                    if RATE_LIKE.contains(&name)
                        && !metric.is_empty()
                        && !metric.contains(':')
                        && !COUNTER_SUFFIXES.iter().any(|s| metric.ends_with(s))
                    {
                        self.findings.push((
                            "lint/rate-on-non-counter",
                            name.to_string(),
                            format!("{name}() on {metric:?}, which is not named like a counter"),
                        ));
                    }
                    let min = self
                        .cfg
                        .scrape_interval_ms
                        .saturating_mul(self.cfg.rate_range_multiple);
                    let range = u64::try_from(m.range.as_millis()).unwrap_or(u64::MAX);
                    if RANGE_CHECKED.contains(&name) && range < min {
                        self.findings.push((
                            "lint/rate-range-too-short",
                            name.to_string(),
                            format!(
                                "{name}() over {} is shorter than {} x the {} scrape interval",
                                crate::duration::format_duration(range),
                                self.cfg.rate_range_multiple,
                                crate::duration::format_duration(self.cfg.scrape_interval_ms)
                            ),
                        ));
                    }
                }
                if name == "histogram_quantile"
                    && let Some(arg) = c.args.args.get(1)
                    && let Ast::Aggregate(a) = unparen(arg)
                {
                    let drops_le = match &a.modifier {
                        None => true,
                        Some(LabelModifier::Include(l)) => !l.labels.iter().any(|x| x == "le"),
                        Some(LabelModifier::Exclude(l)) => l.labels.iter().any(|x| x == "le"),
                    };
                    if drops_le {
                        self.findings.push((
                            "lint/histogram-quantile-without-le",
                            name.to_string(),
                            "histogram_quantile over an aggregation that drops the `le` label"
                                .into(),
                        ));
                    }
                }
                if name == "label_replace" {
                    if let Some(Ast::StringLiteral(dst)) = c.args.args.get(1).map(|a| a.as_ref())
                        && !crate::names::is_valid_label_name(&dst.val, self.dialect)
                    {
                        self.findings.push((
                            "lint/label-replace-regex",
                            name.to_string(),
                            format!(
                                "label_replace destination {:?} is not a valid label name",
                                dst.val
                            ),
                        ));
                    }
                    if let Some(Ast::StringLiteral(re)) = c.args.args.get(4).map(|a| a.as_ref())
                        && let Err(err) = crate::re2::check(&re.val, self.dialect)
                    {
                        self.findings.push((
                            "lint/label-replace-regex",
                            name.to_string(),
                            format!("label_replace regex {:?} does not compile: {err}", re.val),
                        ));
                    }
                }
                for a in &c.args.args {
                    self.walk(a, true, in_cmp);
                }
            }
            Ast::Binary(b) => {
                let cmp = b.op.is_comparison_operator();
                let is_absent = |e: &Ast| matches!(unparen(e), Ast::Call(c) if matches!(c.func.name, "absent" | "absent_over_time"));
                if cmp && (is_absent(&b.lhs) || is_absent(&b.rhs)) {
                    let name = if is_absent(&b.lhs) { &b.lhs } else { &b.rhs };
                    let fname = match unparen(name) {
                        Ast::Call(c) => c.func.name,
                        _ => "absent",
                    };
                    self.findings.push((
                        "lint/absent-compared",
                        fname.to_string(),
                        format!("{fname}() returns 1 or nothing; comparing it is redundant or never true"),
                    ));
                }
                if let Some(m) = &b.modifier
                    && let Some(LabelModifier::Include(on)) = &m.matching
                {
                    for (side, which) in [(&b.lhs, "left"), (&b.rhs, "right")] {
                        if let Some(labels) = output_labels(side) {
                            for l in &on.labels {
                                if !labels.contains(l) {
                                    self.findings.push((
                                        "lint/impossible-vector-matching",
                                        "on".to_string(),
                                        format!(
                                            "on({l}): the {which} side cannot have label {l:?}"
                                        ),
                                    ));
                                }
                            }
                        }
                    }
                }
                self.walk(&b.lhs, in_call, in_cmp || cmp);
                self.walk(&b.rhs, in_call, in_cmp || cmp);
            }
            Ast::VectorSelector(v) => {
                if in_cmp
                    && !in_call
                    && let Some(n) = v.name.as_deref().filter(|n| n.ends_with("_total"))
                {
                    self.findings.push((
                        "lint/counter-without-rate",
                        n.to_string(),
                        format!("counter {n:?} is compared without rate() or increase()"),
                    ));
                }
            }
            Ast::Aggregate(a) => {
                let op = a.op.to_string();
                if matches!(op.as_str(), "sum" | "avg" | "stddev" | "stdvar")
                    && divides_series(&a.expr)
                {
                    self.findings.push((
                        "lint/nan-in-aggregation",
                        op.clone(),
                        format!("{op}() over a division between series: one zero denominator makes the result NaN or Inf"),
                    ));
                }
                self.walk(&a.expr, in_call, in_cmp);
            }
            Ast::Paren(p) => self.walk(&p.expr, in_call, in_cmp),
            Ast::Unary(u) => self.walk(&u.expr, in_call, in_cmp),
            Ast::Subquery(s) => self.walk(&s.expr, in_call, in_cmp),
            _ => {}
        }
    }
}

/// Whether `e` divides (or takes the modulo of) one series by another, outside nested aggregations.
fn divides_series(e: &Ast) -> bool {
    match e {
        Ast::Binary(b) => {
            let op = b.op.to_string();
            let rhs_scalar = matches!(unparen(&b.rhs), Ast::NumberLiteral(_));
            ((op == "/" || op == "%") && !rhs_scalar)
                || divides_series(&b.lhs)
                || divides_series(&b.rhs)
        }
        Ast::Paren(p) => divides_series(&p.expr),
        Ast::Unary(u) => divides_series(&u.expr),
        Ast::Call(c) => c.args.args.iter().any(|a| divides_series(a)),
        _ => false,
    }
}

fn unparen(e: &Ast) -> &Ast {
    match e {
        Ast::Paren(p) => unparen(&p.expr),
        other => other,
    }
}

/// Whether an alert expression filters (comparison, set operation, absent).
fn has_condition(e: &Ast) -> bool {
    match e {
        Ast::Binary(b) => {
            (b.op.is_comparison_operator() && !b.modifier.as_ref().is_some_and(|m| m.return_bool))
                || b.op.is_set_operator()
                || has_condition(&b.lhs)
                || has_condition(&b.rhs)
        }
        Ast::Paren(p) => has_condition(&p.expr),
        Ast::Aggregate(a) => has_condition(&a.expr),
        Ast::Call(c) => {
            matches!(c.func.name, "absent" | "absent_over_time")
                || c.args.args.iter().any(|a| has_condition(a))
        }
        Ast::Unary(u) => has_condition(&u.expr),
        Ast::Subquery(s) => has_condition(&s.expr),
        _ => false,
    }
}

fn contains_call(e: &Ast, names: &[&str]) -> bool {
    match e {
        Ast::Aggregate(a) => {
            names.contains(&a.op.to_string().as_str()) || contains_call(&a.expr, names)
        }
        Ast::Binary(b) => contains_call(&b.lhs, names) || contains_call(&b.rhs, names),
        Ast::Paren(p) => contains_call(&p.expr, names),
        Ast::Unary(u) => contains_call(&u.expr, names),
        Ast::Subquery(s) => contains_call(&s.expr, names),
        Ast::Call(c) => {
            names.contains(&c.func.name) || c.args.args.iter().any(|a| contains_call(a, names))
        }
        _ => false,
    }
}

fn set(labels: &Labels) -> BTreeSet<String> {
    labels.labels.iter().cloned().collect()
}

/// The labels an expression's result can have, when that is known (`None`: any labels).
fn output_labels(e: &Ast) -> Option<BTreeSet<String>> {
    match e {
        Ast::Aggregate(a) => {
            let op = a.op.to_string();
            match &a.modifier {
                Some(LabelModifier::Include(l)) => {
                    let mut s = set(l);
                    if op == "count_values"
                        && let Some(Ast::StringLiteral(p)) = a.param.as_deref()
                    {
                        s.insert(p.val.clone());
                    }
                    Some(s)
                }
                Some(LabelModifier::Exclude(_)) => None,
                None if matches!(op.as_str(), "topk" | "bottomk" | "limitk" | "limit_ratio") => {
                    output_labels(&a.expr)
                }
                None => {
                    let mut s = BTreeSet::new();
                    if op == "count_values"
                        && let Some(Ast::StringLiteral(p)) = a.param.as_deref()
                    {
                        s.insert(p.val.clone());
                    }
                    Some(s)
                }
            }
        }
        Ast::Paren(p) => output_labels(&p.expr),
        Ast::Unary(u) => output_labels(&u.expr),
        Ast::NumberLiteral(_) | Ast::StringLiteral(_) => Some(BTreeSet::new()),
        Ast::Binary(b) => {
            if b.op.is_set_operator() && b.op.to_string() == "or" {
                return match (output_labels(&b.lhs), output_labels(&b.rhs)) {
                    (Some(mut l), Some(r)) => {
                        l.extend(r);
                        Some(l)
                    }
                    _ => None,
                };
            }
            let lhs_scalar = matches!(unparen(&b.lhs), Ast::NumberLiteral(_));
            let rhs_scalar = matches!(unparen(&b.rhs), Ast::NumberLiteral(_));
            if lhs_scalar {
                return output_labels(&b.rhs);
            }
            if rhs_scalar {
                return output_labels(&b.lhs);
            }
            let card = b.modifier.as_ref().map(|m| &m.card);
            match card {
                Some(VectorMatchCardinality::OneToMany(extra)) => {
                    output_labels(&b.rhs).map(|mut s| {
                        s.extend(set(extra));
                        s
                    })
                }
                Some(VectorMatchCardinality::ManyToOne(extra)) => {
                    output_labels(&b.lhs).map(|mut s| {
                        s.extend(set(extra));
                        s
                    })
                }
                _ => output_labels(&b.lhs),
            }
        }
        Ast::Call(c) => match c.func.name {
            "vector" | "time" | "pi" | "scalar" => Some(BTreeSet::new()),
            "absent" | "absent_over_time" => Some(BTreeSet::new()),
            "label_replace" | "label_join" => {
                let base = c.args.args.first().and_then(|a| output_labels(a));
                match (base, c.args.args.get(1).map(|a| a.as_ref())) {
                    (Some(mut s), Some(Ast::StringLiteral(dst))) => {
                        s.insert(dst.val.clone());
                        Some(s)
                    }
                    _ => None,
                }
            }
            "histogram_quantile" => {
                c.args
                    .args
                    .get(1)
                    .and_then(|a| output_labels(a))
                    .map(|mut s| {
                        s.remove("le");
                        s
                    })
            }
            _ => c.args.args.iter().find_map(|a| match a.as_ref() {
                Ast::NumberLiteral(_) | Ast::StringLiteral(_) => None,
                other => Some(output_labels(other)),
            })?,
        },
        Ast::MatrixSelector(_) | Ast::VectorSelector(_) | Ast::Subquery(_) | Ast::Extension(_) => {
            None
        }
    }
}

/// Series names a PromQL AST reads.
fn selected_names(e: &Ast, out: &mut Vec<String>) {
    match e {
        Ast::VectorSelector(v) => out.extend(v.name.clone()),
        Ast::MatrixSelector(m) => out.extend(m.vs.name.clone()),
        Ast::Aggregate(a) => {
            selected_names(&a.expr, out);
            if let Some(p) = &a.param {
                selected_names(p, out);
            }
        }
        Ast::Binary(b) => {
            selected_names(&b.lhs, out);
            selected_names(&b.rhs, out);
        }
        Ast::Paren(p) => selected_names(&p.expr, out),
        Ast::Unary(u) => selected_names(&u.expr, out),
        Ast::Subquery(s) => selected_names(&s.expr, out),
        Ast::Call(c) => c.args.args.iter().for_each(|a| selected_names(a, out)),
        _ => {}
    }
}

/// Checks across all loaded files: undefined recorded series, recording cycles, duplicate alerts.
pub(crate) fn lint_across(loaded: &[Loaded], cfg: &LintConfig) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    let mut recorded: HashSet<&str> = HashSet::new();
    // Where each recorded series is defined: (file, group).
    let mut defined_in: HashMap<&str, (&str, &str)> = HashMap::new();
    for l in loaded {
        for (g, r) in l.file.rules() {
            if let Some(rec) = &r.record {
                recorded.insert(&rec.value);
                defined_in
                    .entry(&rec.value)
                    .or_insert((&l.file.path, &g.name.value));
            }
        }
    }
    // Dependency graph between recording rules, by name.
    let mut deps: HashMap<&str, Vec<String>> = HashMap::new();
    let mut alerts: HashMap<(String, String), (String, u32, String)> = HashMap::new();
    for l in loaded {
        let mut out = Out {
            cfg,
            path: &l.file.path,
            file_disabled: &l.file.disabled,
            diags: Vec::new(),
        };
        for ((g, r), c) in l.file.rules().zip(l.exprs.iter()) {
            let Some(c) = c
                .as_ref()
                .filter(|c| c.depth <= crate::promql::MAX_LINT_DEPTH)
            else {
                continue;
            };
            let mut names = Vec::new();
            selected_names(&c.ast, &mut names);
            names.sort();
            names.dedup();
            for n in &names {
                if let Some((file, group)) = defined_in.get(n.as_str())
                    && (*file != l.file.path.as_str() || *group != g.name.value.as_str())
                {
                    let pos = r.expr.as_ref().map_or(r.pos, |e| e.pos);
                    out.push(
                        "lint/cross-group-dependency",
                        pos,
                        g,
                        Some(r),
                        format!("{n:?} is recorded in group {group:?} of {file}, evaluated independently of this group"),
                    );
                }
                if n.contains(':') && !recorded.contains(n.as_str()) {
                    let pos = r.expr.as_ref().map_or(r.pos, |e| e.pos);
                    out.push(
                        "lint/undefined-recorded-series",
                        pos,
                        g,
                        Some(r),
                        format!("{n:?} is not recorded by any loaded rule file"),
                    );
                }
            }
            if let Some(rec) = &r.record {
                deps.entry(&rec.value).or_default().extend(
                    names
                        .iter()
                        .filter(|n| recorded.contains(n.as_str()))
                        .cloned(),
                );
            }
            if r.is_alert() {
                let key = (r.name().to_string(), c.canonical());
                let here = format!("group {:?}", g.name.value);
                if let Some((path, line, where_)) = alerts.get(&key) {
                    if !(path == &l.file.path && where_ == &here) {
                        out.push("lint/duplicate-alert", r.pos, g, Some(r), format!("alert {:?} with the same expression is also defined in {path}:{line} ({where_})", r.name()));
                    }
                } else {
                    alerts.insert(key, (l.file.path.clone(), r.pos.line, here));
                }
            }
        }
        diags.extend(out.diags);
    }
    // Cycles: depth-first search over recording rules.
    let mut in_cycle: BTreeSet<String> = BTreeSet::new();
    for start in deps.keys() {
        let mut stack: Vec<(&str, usize)> = vec![(start, 0)];
        let mut path: Vec<&str> = vec![start];
        let mut visited: HashSet<&str> = HashSet::new();
        while let Some((node, idx)) = stack.pop() {
            let next = deps.get(node).and_then(|d| d.get(idx));
            match next {
                Some(n) => {
                    stack.push((node, idx + 1));
                    if n == start {
                        in_cycle.insert((*start).to_string());
                        break;
                    }
                    if visited.insert(n.as_str()) && path.len() < 10_000 {
                        stack.push((n.as_str(), 0));
                        path.push(n.as_str());
                    }
                }
                None => {
                    path.pop();
                }
            }
        }
    }
    for l in loaded {
        let mut out = Out {
            cfg,
            path: &l.file.path,
            file_disabled: &l.file.disabled,
            diags: Vec::new(),
        };
        for (g, r) in l.file.rules() {
            if let Some(rec) = r
                .record
                .as_ref()
                .filter(|rec| in_cycle.contains(&rec.value))
            {
                out.push(
                    "lint/recording-cycle",
                    rec.pos,
                    g,
                    Some(r),
                    format!(
                        "{:?} depends on itself through other recording rules",
                        rec.value
                    ),
                );
            }
        }
        diags.extend(out.diags);
    }
    diags
}
