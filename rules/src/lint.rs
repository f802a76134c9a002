//! Lint checks beyond promtool, all offline.
//!
//! Every check has a stable code, a documentation entry in [`CHECKS`] (what, why, how to fix)
//! and a default severity. Disable a check for all files with [`LintConfig::disabled`], for a
//! file with a `# rules file/disable CODE` comment, and for one rule with a
//! `# rules disable CODE` comment above or inside the rule. The `lint/policy-*` checks only
//! run once a [`Policy`] is configured.
//!
//! # pint's offline checks
//!
//! Every check cloudflare/pint (v0.87) runs without a Prometheus server, and where it lives here:
//!
//! | pint | here |
//! |---|---|
//! | `promql/syntax` | `rules/expr-syntax` (validation) |
//! | `alerts/for` | `rules/duration` (validation); `lint/alert-for` (no or zero `for`, `for` below the interval, redundant `keep_firing_for: 0s`) |
//! | `alerts/comparison` | `lint/alert-no-condition` (a `bool` comparison is no condition), `lint/absent-compared` |
//! | `alerts/template` | `rules/template` (validation); `lint/template-label-missing`, `lint/value-in-label`, `lint/value-humanize`, `lint/template-query` |
//! | `promql/fragile` | `lint/topk-in-alert`, `lint/aggregation-across-jobs` |
//! | `promql/regexp` | `lint/regex-not-needed`, `lint/regex-anchored`, `lint/regex-smelly` |
//! | `promql/impossible` | `lint/impossible-vector-matching` (label-flow dead code and constant comparisons) |
//! | `promql/nan` | `lint/nan-in-aggregation` |
//! | `rule/dependency` | `lint/cross-group-dependency`, `lint/undefined-recorded-series` |
//! | `group/interval` | `lint/group-interval-long` |
//! | `rule/duplicate` | `lint/duplicate-alert`, `lint/duplicate-record` (across all loaded files rather than per server) |
//! | `alerts/absent` | `lint/absent-for`, with [`LintConfig::scrape_interval_ms`] instead of the server's |
//! | `rule/label`, `alerts/annotation` | `lint/required-label` (allowed values), `lint/required-annotation` (presence) |
//! | `rule/for`, `rule/name`, `rule/reject`, `promql/selector`, `promql/aggregate`, `promql/range_query` | `lint/policy-for`, `lint/policy-name`, `lint/policy-reject`, `lint/policy-selector`, `lint/policy-aggregate`, `lint/policy-range` |
//! | `promql/rate`, `promql/counter`, `promql/vector_matching` (server checks) | offline parts: `lint/rate-range-too-short`, `lint/rate-on-non-counter` and `lint/counter-without-rate` (by metric name instead of metadata), `lint/impossible-vector-matching` (label sets and values known from the query) |
//!
//! Deliberately left out:
//! - `rule/report` (report every matching rule): a policy of the caller's pipeline, which can
//!   filter the parsed [`crate::RuleFile`] itself.
//! - `rule/label` on recording rules and allowed values for `alerts/annotation`: required labels
//!   and annotations apply to alerts, annotation values are not restricted.
//! - `pint/comment`, `rule/owner`, `ignore/file`: pint's own comment language and ownership
//!   metadata; here `# rules disable` / `# rules file/disable` comments cover disabling.
//! - `rule/dependency` for *removed* recording rules: needs the git history (`pint ci`).
//! - `promql/series`, `promql/offset`, `promql/features`, `labels/conflict`,
//!   `alerts/external_labels`, `alerts/count`, `query/cost`, `rule/link`: they query a server
//!   (or fetch URLs), which an offline lint cannot.
//!
//! Where the analysis differs from pint's, on purpose: `=~` wildcards are only `.*`/`.+` (pint
//! also counts `a*`, which does not match everything); a regex matcher that matches the empty
//! string makes its label possible, not certain; `histogram_quantile` removes `le`; vector
//! matching is also impossible when the right side always has a label the left cannot, or when
//! both sides fix a label (`job="a"` vs `job="b"`) to different values; `$labels.x` is checked
//! in every action (pint: top-level ones only) and `$value` in labels only in output actions.
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

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use promql_parser::parser::{Expr as Ast, LabelModifier};

use crate::check::Loaded;
use crate::diagnostic::{Diagnostic, Position, Severity};
use crate::duration::parse_duration;
use crate::model::{Group, Rule, RuleFile};
use crate::promql::{Checked, Tok, unquote};
use crate::validate::Ctx;

pub use crate::policy::{AggregateRule, ForLimit, Pattern, Policy, Reject, SelectorRule};

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
        "an alert template uses $labels.x (or .Labels.x, or an alias) but a result of the expression cannot have label x (label flow through aggregations, vector matching, label_replace/label_join, absent, ...; group labels count as present)",
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
        "regex matcher that needs no regex (pint's promql/regexp): a pattern without metacharacters (`job=~\"api\"`), `=~\".*\"` (matches everything), `!~\".+\"` (is `=\"\"`) or `!~\".*\"` (matches nothing)",
        "regex matching is slower than string equality and hides what the selector means",
        "use `=`/`!=` for plain strings, drop `=~\".*\"`, write `!~\".+\"` as `=\"\"`"
    ),
    check!(
        "lint/regex-anchored",
        Info,
        "regex matcher with `^`/`$` (or `\\A`/`\\z`) anchors at the top level (pint's promql/regexp redundant anchors)",
        "Prometheus anchors every matcher regex as `^(?:...)$`, so the anchors are redundant noise",
        "remove the `^` and `$` anchors"
    ),
    check!(
        "lint/regex-smelly",
        Info,
        "regex matcher that puts a wildcard next to literal text, like `job=~\"myservice_.+_production\"` (pint's promql/regexp smelly selectors)",
        "the label value is several values concatenated; such queries are hard to read, easy to get wrong and cannot aggregate by the parts",
        "split the value into separate labels when scraping (relabel_configs) and match each with `=`"
    ),
    check!(
        "lint/duplicate-alert",
        Warning,
        "the same alert (name and expression) defined in more than one group or file",
        "duplicated alerts page twice and drift apart when one copy is edited",
        "keep one definition"
    ),
    check!(
        "lint/duplicate-record",
        Warning,
        "the same series (record name and labels) recorded by rules in different groups or files (pint's rule/duplicate; promtool reports duplicates within one group)",
        "both rules write the same series, so their samples overwrite each other and the series flips between two computations",
        "keep one rule, or give the two different labels"
    ),
    check!(
        "lint/impossible-vector-matching",
        Warning,
        "dead code found by label flow (pint's promql/impossible and the offline part of promql/vector_matching): a binary operation whose sides can never match (a label in on(...) or always present on one side that the other cannot have, or both sides fixing a label such as job to different values), by(...)/on(...) on a label already removed, group_left/right(...) copying a label the other side cannot have, a label joined by group_left/right that an enclosing operation drops",
        "the sides never match, so the expression (or that part of it) is always empty, or the label is never there",
        "match on labels both sides keep (on/ignoring), keep the label in the aggregation, or parenthesise so the join applies to the whole expression"
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
        "alert label template that prints the query value ($value, .Value or an alias) in an output action",
        "every change of the value creates a new alert identity",
        "move $value to an annotation"
    ),
    check!(
        "lint/template-query",
        Error,
        "alert template calling `query` with PromQL that does not parse, or reading a label (`label \"x\"`) its results cannot have (pint's alerts/template)",
        "Prometheus fails to expand the template, or the label renders empty",
        "fix the query, or keep the label in its aggregation"
    ),
    check!(
        "lint/value-humanize",
        Info,
        "alert annotation printing the value of a rate(), irate() or deriv() result without humanize/printf (pint's alerts/template)",
        "per-second rates are small floats with many digits that are hard to read",
        "format it, e.g. `{{ $value | humanize }}` or `{{ printf \"%.2f\" $value }}`"
    ),
    check!(
        "lint/aggregation-across-jobs",
        Warning,
        "alert without `for` whose expression does arithmetic between aggregations of different scrape jobs, like `sum(foo{job=\"a\"}) / sum(bar{job=\"b\"}) > 0.1` (pint's promql/fragile)",
        "after a Prometheus restart targets are scraped over the first interval, so one side may be aggregated over fewer targets and the ratio is briefly wrong, firing the alert",
        "add `for` of at least one scrape interval"
    ),
    check!(
        "lint/policy-for",
        Warning,
        "alert whose `for` (or `keep_firing_for`) is outside the configured limits (pint's rule/for; off until `policy.for_limits` is set)",
        "teams agree on how long a condition must last before it pages",
        "change `for` to a value within the limits"
    ),
    check!(
        "lint/policy-name",
        Warning,
        "alert or recording rule name that does not match the configured pattern (pint's rule/name; off until set)",
        "consistent names make rules and the series they record findable",
        "rename the rule"
    ),
    check!(
        "lint/policy-reject",
        Warning,
        "label or annotation name or value matching a forbidden pattern (pint's rule/reject; off until set)",
        "some labels (e.g. ones Alertmanager routes on) or values are reserved",
        "remove or rename the label or annotation"
    ),
    check!(
        "lint/policy-selector",
        Warning,
        "selector of a configured metric without a matcher on a required label (pint's promql/selector; off until set)",
        "without e.g. a `job` matcher the query reads every copy of the metric",
        "add the label matcher"
    ),
    check!(
        "lint/policy-aggregate",
        Warning,
        "rule whose results cannot keep a configured label, or whose aggregation does not remove a label that must be stripped (pint's promql/aggregate; off until set)",
        "labels like `job` must survive aggregation to link results to their source; others must go before federation",
        "adjust the by(...)/without(...) list"
    ),
    check!(
        "lint/policy-range",
        Warning,
        "range selector or subquery longer than the configured maximum, e.g. the retention (pint's promql/range_query; off until set)",
        "data older than the retention does not exist, so the result covers less than it claims",
        "use a shorter range"
    ),
    check!(
        "lint/absent-for",
        Warning,
        "alert using absent() whose `for` is shorter than twice the scrape interval (pint's alerts/absent, with the configured scrape interval instead of the server's)",
        "a series is briefly absent after every Prometheus restart and whenever one scrape is late, so the alert fires falsely",
        "set `for` to at least 2 scrape intervals (default: 30s for a 15s interval)"
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
    /// Policies (the `lint/policy-*` checks); none by default.
    pub policy: Policy,
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
            policy: Policy::default(),
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
    /// Regex shapes by pattern (a file repeats the same few patterns).
    shapes: HashMap<String, Option<crate::re2::Shape>>,
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
    exprs: &[Option<std::sync::Arc<Checked>>],
    cfg: &LintConfig,
) -> Vec<Diagnostic> {
    let new_out = || Out {
        cfg,
        path: ctx.path,
        file_disabled: &file.disabled,
        diags: Vec::new(),
        shapes: HashMap::new(),
    };
    let mut out = new_out();
    let mut items: Vec<(&Group, &Rule, Option<&Checked>)> = Vec::new();
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
            let checked = exprs.get(items.len()).and_then(Option::as_deref);
            items.push((g, r, checked));
        }
    }
    let run = |chunk: &[(&Group, &Rule, Option<&Checked>)]| -> Vec<Diagnostic> {
        let mut out = new_out();
        for (g, r, c) in chunk {
            lint_rule(ctx, &mut out, g, r, *c);
        }
        out.diags
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
    if threads < 2 || items.len() < crate::validate::PARALLEL_MIN_RULES {
        out.diags.extend(run(&items));
        return out.diags;
    }
    // Rules are linted independently: split them over the cores, as validation does.
    let size = items.len().div_ceil(threads);
    std::thread::scope(|s| {
        let handles: Vec<_> = items
            .chunks(size)
            .map(|c| {
                std::thread::Builder::new()
                    .stack_size(crate::validate::WORKER_STACK)
                    .spawn_scoped(s, move || run(c))
            })
            .collect();
        for (h, chunk) in handles.into_iter().zip(items.chunks(size)) {
            // A worker that could not start (or panicked, a bug) is replaced by this thread.
            match h.map(|h| h.join()) {
                Ok(Ok(d)) => out.diags.extend(d),
                _ => out.diags.extend(run(chunk)),
            }
        }
    });
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
    if !cfg.policy.is_empty() {
        policy_rule(out, g, r, &cfg.policy);
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
    // Regex matchers (pint's promql/regexp), from our tokens: the AST holds placeholders.
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
        let label = k
            .checked_sub(1)
            .and_then(|p| c.tokens.get(p))
            .map_or("", |p| p.text(&e.text));
        lint_regex(ctx, out, g, r, e, lit.start, label, text == "!~", &pat);
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
    // Templates of alerts, read once; the label flow runs only when something uses it.
    let mut templates = Vec::new();
    if r.is_alert() {
        for (kind, kvs) in [("annotation", &r.annotations), ("label", &r.labels)] {
            for kv in kvs {
                if let Some(refs) = crate::template::refs(&kv.value.value)
                    && !(refs.labels.is_empty()
                        && refs.values.is_empty()
                        && refs.queries.is_empty())
                {
                    templates.push((kind, kv, refs));
                }
            }
        }
    }
    let aggregate_rules: Vec<&AggregateRule> = cfg
        .policy
        .aggregate
        .iter()
        .filter(|a| a.rule.is_match(r.name()))
        .collect();
    let (mut sources, mut dead) =
        if !templates.is_empty() || !aggregate_rules.is_empty() || needs_flow(&c.ast) {
            crate::flow::analyse(c, &c.ast, false)
        } else {
            (Vec::new(), Vec::new())
        };
    // Reasons are only worked out when a finding will quote them.
    let label_missing = templates.iter().any(|(_, _, t)| {
        t.labels
            .iter()
            .any(|(n, _)| sources.iter().any(|s| !s.can_have(n)))
    });
    if label_missing || !aggregate_rules.is_empty() || !dead.is_empty() {
        (sources, dead) = crate::flow::analyse(c, &c.ast, true);
    }
    let mut seen = HashSet::new();
    for (token, msg) in dead {
        if seen.insert(msg.clone()) {
            out.push(
                "lint/impossible-vector-matching",
                at(&token),
                g,
                Some(r),
                msg,
            );
        }
    }
    policy_expr(out, g, r, c, &at, &sources, &aggregate_rules, &cfg.policy);
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
        template_checks(ctx, out, g, r, &sources, &templates);
        if r.for_
            .as_ref()
            .and_then(|f| parse_duration(&f.value).ok())
            .unwrap_or(0)
            == 0
        {
            for msg in across_jobs(&c.ast) {
                out.push("lint/aggregation-across-jobs", e.pos, g, Some(r), msg);
            }
        }
        let for_ms = r
            .for_
            .as_ref()
            .and_then(|f| parse_duration(&f.value).ok())
            .unwrap_or(0);
        let min = cfg.scrape_interval_ms.saturating_mul(2);
        if contains_call(&c.ast, &["absent", "absent_over_time"]) && for_ms < min {
            out.push(
                "lint/absent-for",
                r.for_.as_ref().map_or(e.pos, |f| f.pos),
                g,
                Some(r),
                format!(
                    "alert uses absent() with `for` {} below 2 x the {} scrape interval: it fires whenever a scrape is late or right after a restart",
                    crate::duration::format_duration(for_ms),
                    crate::duration::format_duration(cfg.scrape_interval_ms)
                ),
            );
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
    if let Some(k) = &r.keep_firing_for
        && parse_duration(&k.value).ok() == Some(0)
    {
        out.push(
            "lint/alert-for",
            k.pos,
            g,
            Some(r),
            format!("`keep_firing_for: {}` is the default; remove it", k.value),
        );
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
                if cmp
                    && !b.modifier.as_ref().is_some_and(|m| m.return_bool)
                    && let (Some(l), Some(r)) = (constant(&b.lhs), constant(&b.rhs))
                {
                    let op = b.op.to_string();
                    let holds = match op.as_str() {
                        "==" => l == r,
                        "!=" => l != r,
                        "<" => l < r,
                        "<=" => l <= r,
                        ">" => l > r,
                        _ => l >= r,
                    };
                    if !holds {
                        self.findings.push((
                            "lint/impossible-vector-matching",
                            op.clone(),
                            format!(
                                "`{l} {op} {r}` is always false, so this never returns anything"
                            ),
                        ));
                    }
                }
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

/// The value of an expression made of numbers only (`vector(1)`, `2 * 3`, ...).
fn constant(e: &Ast) -> Option<f64> {
    match e {
        Ast::NumberLiteral(n) => Some(n.val),
        Ast::Paren(p) => constant(&p.expr),
        Ast::Unary(u) => constant(&u.expr).map(|v| -v),
        Ast::Call(c) if matches!(c.func.name, "vector" | "scalar") => {
            c.args.args.first().and_then(|a| constant(a))
        }
        Ast::Binary(b) if !b.op.is_comparison_operator() && !b.op.is_set_operator() => {
            let (l, r) = (constant(&b.lhs)?, constant(&b.rhs)?);
            match b.op.to_string().as_str() {
                "+" => Some(l + r),
                "-" => Some(l - r),
                "*" => Some(l * r),
                "/" => Some(l / r),
                "%" => Some(l % r),
                "^" => Some(l.powf(r)),
                _ => None,
            }
        }
        _ => None,
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

/// Policy checks on a rule's fields.
fn policy_rule(out: &mut Out<'_>, g: &Group, r: &Rule, p: &Policy) {
    let name_pos = r
        .record
        .as_ref()
        .or(r.alert.as_ref())
        .map_or(r.pos, |n| n.pos);
    let names = if r.is_alert() {
        p.alert_names.as_ref()
    } else {
        p.record_names.as_ref()
    };
    if let Some(pat) = names.filter(|pat| !pat.is_match(r.name())) {
        out.push(
            "lint/policy-name",
            name_pos,
            g,
            Some(r),
            format!("name {:?} does not match {:?}", r.name(), pat.as_str()),
        );
    }
    for rj in &p.reject {
        for (kvs, keys, values, what) in [
            (&r.labels, rj.label_keys, rj.label_values, "label"),
            (
                &r.annotations,
                rj.annotation_keys,
                rj.annotation_values,
                "annotation",
            ),
        ] {
            for kv in kvs {
                if keys && rj.pattern.is_match(&kv.key.value) {
                    out.push(
                        "lint/policy-reject",
                        kv.key.pos,
                        g,
                        Some(r),
                        format!(
                            "{what} name {:?} is not allowed ({:?})",
                            kv.key.value,
                            rj.pattern.as_str()
                        ),
                    );
                }
                if values && rj.pattern.is_match(&kv.value.value) {
                    out.push(
                        "lint/policy-reject",
                        kv.value.pos,
                        g,
                        Some(r),
                        format!(
                            "{what} {:?} has a value that is not allowed ({:?})",
                            kv.key.value,
                            rj.pattern.as_str()
                        ),
                    );
                }
            }
        }
    }
    if r.is_alert() {
        for lim in p.for_limits.iter().filter(|l| l.alert.is_match(r.name())) {
            let (field, what) = if lim.keep_firing_for {
                (&r.keep_firing_for, "keep_firing_for")
            } else {
                (&r.for_, "for")
            };
            let ms = field
                .as_ref()
                .and_then(|f| parse_duration(&f.value).ok())
                .unwrap_or(0);
            let pos = field.as_ref().map_or(name_pos, |f| f.pos);
            let fmt = crate::duration::format_duration;
            if let Some(min) = lim.min_ms.filter(|min| ms < *min) {
                out.push(
                    "lint/policy-for",
                    pos,
                    g,
                    Some(r),
                    format!("`{what}` is {} but must be at least {}", fmt(ms), fmt(min)),
                );
            }
            if let Some(max) = lim.max_ms.filter(|max| ms > *max) {
                out.push(
                    "lint/policy-for",
                    pos,
                    g,
                    Some(r),
                    format!("`{what}` is {} but must be at most {}", fmt(ms), fmt(max)),
                );
            }
        }
    }
}

/// Policy checks on a rule's expression.
#[allow(clippy::too_many_arguments)]
fn policy_expr(
    out: &mut Out<'_>,
    g: &Group,
    r: &Rule,
    c: &Checked,
    at: &dyn Fn(&str) -> Position,
    sources: &[crate::flow::Source],
    aggregate: &[&AggregateRule],
    p: &Policy,
) {
    for sel in &p.selectors {
        for (metric, label) in crate::policy::missing_selector_labels(&c.ast, sel) {
            out.push(
                "lint/policy-selector",
                at(&metric),
                g,
                Some(r),
                format!("selector of {metric:?} must filter on label {label:?}"),
            );
        }
    }
    if let Some(max) = p.max_range_ms {
        for (what, ms) in crate::policy::long_ranges(&c.ast, max) {
            let fmt = crate::duration::format_duration;
            out.push(
                "lint/policy-range",
                at(&what),
                g,
                Some(r),
                format!(
                    "range [{}] of {what} is longer than the allowed {}",
                    fmt(ms),
                    fmt(max)
                ),
            );
        }
    }
    for a in aggregate {
        for l in &a.keep {
            if let Some(s) = sources.iter().find(|s| !s.can_have(l)) {
                out.push(
                    "lint/policy-aggregate",
                    r.expr.as_ref().map_or(r.pos, |e| e.pos),
                    g,
                    Some(r),
                    format!(
                        "label {l:?} must be kept, but the results cannot have it: {}",
                        s.why_not(l)
                    ),
                );
            }
        }
        for l in &a.strip {
            let aggregated = |s: &&crate::flow::Source| {
                s.ops
                    .iter()
                    .any(|o| AGGREGATIONS.contains(&o.as_str()) && !SAMPLING.contains(&o.as_str()))
            };
            if sources.iter().filter(aggregated).any(|s| s.can_have(l)) {
                out.push(
                    "lint/policy-aggregate",
                    r.expr.as_ref().map_or(r.pos, |e| e.pos),
                    g,
                    Some(r),
                    format!("label {l:?} must be removed by the aggregation, but the results can still have it"),
                );
            }
        }
    }
}

const SAMPLING: &[&str] = &["topk", "bottomk", "limitk", "limit_ratio"];

/// pint's `promql/regexp`: plain strings, wildcards, redundant anchors and smelly selectors.
#[allow(clippy::too_many_arguments)]
fn lint_regex(
    ctx: &Ctx<'_>,
    out: &mut Out<'_>,
    g: &Group,
    r: &Rule,
    e: &crate::model::Expr,
    offset: usize,
    label: &str,
    negated: bool,
    pat: &str,
) {
    let shape = match out.shapes.get(pat) {
        Some(s) => *s,
        None => {
            let s = crate::re2::shape(pat);
            out.shapes.insert(pat.to_string(), s);
            s
        }
    };
    let Some(shape) = shape else {
        return;
    };
    let pos = ctx.pos_in_expr(e, offset);
    let (op, eq) = if negated { ("!~", "!=") } else { ("=~", "=") };
    let m = format!("{label}{op}{pat:?}");
    if shape.literal {
        out.push(
            "lint/regex-not-needed",
            pos,
            g,
            Some(r),
            format!("`{m}` matches a plain string: use `{label}{eq}{pat:?}`"),
        );
    }
    match (negated, shape.only_wildcards) {
        (false, Some(false)) => out.push(
            "lint/regex-not-needed",
            pos,
            g,
            Some(r),
            format!("`{m}` matches every value, even a missing label: drop the matcher"),
        ),
        (true, Some(true)) => out.push(
            "lint/regex-not-needed",
            pos,
            g,
            Some(r),
            format!("`{m}` keeps only series without the label: use `{label}=\"\"`"),
        ),
        (true, Some(false)) => out.push(
            "lint/regex-not-needed",
            pos,
            g,
            Some(r),
            format!(
                "`{m}` excludes every value, even a missing label, so the selector never matches"
            ),
        ),
        _ => {}
    }
    if shape.anchored {
        out.push(
            "lint/regex-anchored",
            pos,
            g,
            Some(r),
            format!(
                "`{m}`: Prometheus anchors regexes as ^(?:...)$ already; remove the ^ and $ anchors"
            ),
        );
    }
    if shape.smelly {
        out.push(
            "lint/regex-smelly",
            pos,
            g,
            Some(r),
            format!("`{m}` picks a substring out of the label value; split the value into separate labels and match them with ="),
        );
    }
}

/// Aggregations that do not keep the input's values (their result is a count, not a rate).
const COUNTING: &[&str] = &["count", "count_values", "group"];
const AGGREGATIONS: &[&str] = &[
    "sum",
    "avg",
    "min",
    "max",
    "count",
    "count_values",
    "group",
    "stddev",
    "stdvar",
    "quantile",
    "topk",
    "bottomk",
    "limitk",
    "limit_ratio",
];

/// pint's `alerts/template` checks that need the expression: labels the query cannot return,
/// the value in labels, and unformatted rates in annotations.
fn template_checks(
    ctx: &Ctx<'_>,
    out: &mut Out<'_>,
    g: &Group,
    r: &Rule,
    sources: &[crate::flow::Source],
    templates: &[(&str, &crate::model::KeyValue, crate::template::Refs)],
) {
    // The outermost function of a source, when its value is a per-second rate.
    let rate_like = sources.iter().find_map(|s| {
        if s.ops.last().is_some_and(|o| COUNTING.contains(&o.as_str())) {
            return None;
        }
        s.ops
            .iter()
            .rev()
            .find(|o| !AGGREGATIONS.contains(&o.as_str()))
            .filter(|o| matches!(o.as_str(), "rate" | "irate" | "deriv"))
    });
    for (kind, kv, refs) in templates {
        let kind = *kind;
        {
            let at = |off: usize| ctx.pos_in(kv.start, kv.style, &kv.value.value, off);
            let mut done: Vec<&str> = Vec::new();
            for (name, off) in &refs.labels {
                if done.contains(&name.as_str()) || g.labels.iter().any(|l| &l.key.value == name) {
                    continue;
                }
                done.push(name);
                if let Some(s) = sources.iter().find(|s| !s.can_have(name)) {
                    out.push(
                        "lint/template-label-missing",
                        at(*off),
                        g,
                        Some(r),
                        format!(
                            "{kind} {:?} uses $labels.{name} but the query results cannot have label {name:?}: {}",
                            kv.key.value,
                            s.why_not(name)
                        ),
                    );
                }
            }
            for (qi, (query, off)) in refs.queries.iter().enumerate() {
                match crate::promql::check(query, ctx.dialect) {
                    Err(err) => out.push(
                        "lint/template-query",
                        at(off + err.offset),
                        g,
                        Some(r),
                        format!(
                            "{kind} {:?}: query {query:?} does not parse: {}",
                            kv.key.value, err.message
                        ),
                    ),
                    Ok(qc) if qc.depth <= crate::promql::MAX_LINT_DEPTH => {
                        let (qs, _) = crate::flow::analyse(&qc, &qc.ast, true);
                        for (_, name, loff) in refs.query_labels.iter().filter(|l| l.0 == qi) {
                            if let Some(s) = qs.iter().find(|s| !s.can_have(name)) {
                                out.push(
                                    "lint/template-query",
                                    at(*loff),
                                    g,
                                    Some(r),
                                    format!(
                                        "{kind} {:?} reads label {name:?} from query {query:?}, whose results cannot have it: {}",
                                        kv.key.value,
                                        s.why_not(name)
                                    ),
                                );
                            }
                        }
                    }
                    Ok(_) => {}
                }
            }
            if kind == "label" {
                if let Some((off, _)) = refs.values.first() {
                    out.push(
                        "lint/value-in-label",
                        at(*off),
                        g,
                        Some(r),
                        format!(
                            "label {:?} uses the query value; every value change creates a new alert",
                            kv.key.value
                        ),
                    );
                }
            } else if let (Some(f), Some((off, _))) = (rate_like, refs.values.first())
                && !refs.values.iter().any(|(_, formatted)| *formatted)
            {
                out.push(
                    "lint/value-humanize",
                    at(*off),
                    g,
                    Some(r),
                    format!(
                        "annotation {:?} prints the value of {f}() unformatted; use humanize (or printf)",
                        kv.key.value
                    ),
                );
            }
        }
    }
}

/// Whether the label flow can find dead code in `e`: a binary operation between vectors (other
/// than `or`), or an aggregation `by (...)` over something that fixes its labels.
fn needs_flow(e: &Ast) -> bool {
    match e {
        Ast::Binary(b) => {
            (is_vector(&b.lhs) && is_vector(&b.rhs) && b.op.to_string() != "or")
                || needs_flow(&b.lhs)
                || needs_flow(&b.rhs)
        }
        Ast::Aggregate(a) => {
            (matches!(a.modifier, Some(LabelModifier::Include(_))) && fixes_labels(&a.expr))
                || needs_flow(&a.expr)
        }
        Ast::Paren(p) => needs_flow(&p.expr),
        Ast::Unary(u) => needs_flow(&u.expr),
        Ast::Subquery(s) => needs_flow(&s.expr),
        Ast::Call(c) => c.args.args.iter().any(|a| needs_flow(a)),
        _ => false,
    }
}

fn is_vector(e: &Ast) -> bool {
    !matches!(
        e.value_type(),
        promql_parser::parser::value::ValueType::Scalar
            | promql_parser::parser::value::ValueType::String
    )
}

/// Whether `e` restricts the labels its results can have.
fn fixes_labels(e: &Ast) -> bool {
    let empty_matcher = |v: &promql_parser::parser::VectorSelector| {
        v.matchers
            .matchers
            .iter()
            .any(|m| m.value.is_empty() && m.op.to_string() == "=")
    };
    match e {
        Ast::Aggregate(_) | Ast::Binary(_) | Ast::NumberLiteral(_) | Ast::StringLiteral(_) => true,
        Ast::VectorSelector(v) => empty_matcher(v),
        Ast::MatrixSelector(m) => empty_matcher(&m.vs),
        Ast::Paren(p) => fixes_labels(&p.expr),
        Ast::Unary(u) => fixes_labels(&u.expr),
        Ast::Subquery(s) => fixes_labels(&s.expr),
        Ast::Call(c) => {
            matches!(
                c.func.name,
                "absent"
                    | "absent_over_time"
                    | "vector"
                    | "scalar"
                    | "time"
                    | "histogram_quantile"
                    | "label_replace"
                    | "label_join"
            ) || c.args.args.iter().any(|a| fixes_labels(a))
        }
        Ast::Extension(_) => false,
    }
}

/// pint's `promql/fragile` arithmetic between aggregations of different scrape jobs.
fn across_jobs(e: &Ast) -> Vec<String> {
    let mut found = Vec::new();
    across_jobs_in(e, &mut found);
    found
}

fn across_jobs_in(e: &Ast, found: &mut Vec<String>) {
    match e {
        Ast::Binary(b) => {
            let op = b.op.to_string();
            let vectors = !matches!(
                b.lhs.value_type(),
                promql_parser::parser::value::ValueType::Scalar
            ) && !matches!(
                b.rhs.value_type(),
                promql_parser::parser::value::ValueType::Scalar
            );
            if vectors
                && matches!(op.as_str(), "+" | "-" | "*" | "/" | "%" | "^" | "atan2")
                && aggregates(&b.lhs)
                && aggregates(&b.rhs)
            {
                let (mut l, mut r) = (BTreeSet::new(), BTreeSet::new());
                jobs(&b.lhs, &mut l);
                jobs(&b.rhs, &mut r);
                if !l.is_empty() && !r.is_empty() && l.is_disjoint(&r) {
                    let list = |s: &BTreeSet<String>| {
                        s.iter()
                            .map(|j| format!("{j:?}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    };
                    found.push(format!(
                        "`{op}` between aggregations of job {} and job {}: after a restart one side can be aggregated over fewer targets than the other, so the alert can fire falsely; add `for` of at least one scrape interval",
                        list(&l),
                        list(&r)
                    ));
                }
            }
            across_jobs_in(&b.lhs, found);
            across_jobs_in(&b.rhs, found);
        }
        Ast::Paren(p) => across_jobs_in(&p.expr, found),
        Ast::Unary(u) => across_jobs_in(&u.expr, found),
        Ast::Aggregate(a) => across_jobs_in(&a.expr, found),
        Ast::Call(c) => c.args.args.iter().for_each(|a| across_jobs_in(a, found)),
        Ast::Subquery(s) => across_jobs_in(&s.expr, found),
        _ => {}
    }
}

/// Whether `e` aggregates across series (sampling aggregations do not).
fn aggregates(e: &Ast) -> bool {
    match e {
        Ast::Aggregate(a) => {
            !matches!(
                a.op.to_string().as_str(),
                "topk" | "bottomk" | "limitk" | "limit_ratio"
            ) || aggregates(&a.expr)
        }
        Ast::Binary(b) => aggregates(&b.lhs) || aggregates(&b.rhs),
        Ast::Paren(p) => aggregates(&p.expr),
        Ast::Unary(u) => aggregates(&u.expr),
        Ast::Call(c) => c.args.args.iter().any(|a| aggregates(a)),
        Ast::Subquery(s) => aggregates(&s.expr),
        _ => false,
    }
}

/// `job` values of the equality matchers of the selectors in `e`.
fn jobs(e: &Ast, out: &mut BTreeSet<String>) {
    let from = |v: &promql_parser::parser::VectorSelector, out: &mut BTreeSet<String>| {
        for m in &v.matchers.matchers {
            if m.name == "job" && m.op.to_string() == "=" && !m.value.starts_with('\u{E000}') {
                out.insert(m.value.clone());
            }
        }
    };
    match e {
        Ast::VectorSelector(v) => from(v, out),
        Ast::MatrixSelector(m) => from(&m.vs, out),
        Ast::Aggregate(a) => jobs(&a.expr, out),
        Ast::Binary(b) => {
            jobs(&b.lhs, out);
            jobs(&b.rhs, out);
        }
        Ast::Paren(p) => jobs(&p.expr, out),
        Ast::Unary(u) => jobs(&u.expr, out),
        Ast::Call(c) => c.args.args.iter().for_each(|a| jobs(a, out)),
        Ast::Subquery(s) => jobs(&s.expr, out),
        _ => {}
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
    let mut records: HashMap<String, (&str, &str, u32)> = HashMap::new();
    for l in loaded {
        let mut out = Out {
            cfg,
            path: &l.file.path,
            file_disabled: &l.file.disabled,
            diags: Vec::new(),
            shapes: HashMap::new(),
        };
        for ((g, r), c) in l.file.rules().zip(l.exprs.iter()) {
            let Some(c) = c
                .as_deref()
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
                let key = (r.name().to_string(), c.canonical().to_string());
                let here = format!("group {:?}", g.name.value);
                if let Some((path, line, where_)) = alerts.get(&key) {
                    if !(path == &l.file.path && where_ == &here) {
                        out.push("lint/duplicate-alert", r.pos, g, Some(r), format!("alert {:?} with the same expression is also defined in {path}:{line} ({where_})", r.name()));
                    }
                } else {
                    alerts.insert(key, (l.file.path.clone(), r.pos.line, here));
                }
            }
            if let Some(rec) = &r.record {
                // Rule labels override group labels.
                let labels: BTreeMap<&str, &str> = g
                    .labels
                    .iter()
                    .chain(r.labels.iter())
                    .map(|kv| (kv.key.value.as_str(), kv.value.value.as_str()))
                    .collect();
                let key = format!("{}{labels:?}", rec.value);
                let here = (l.file.path.as_str(), g.name.value.as_str());
                match records.get(&key) {
                    Some((path, group, line)) if (*path, *group) != here => out.push(
                        "lint/duplicate-record",
                        rec.pos,
                        g,
                        Some(r),
                        format!(
                            "{:?} with the same labels is also recorded in {path}:{line} (group {group:?}); the two rules overwrite each other's samples",
                            rec.value
                        ),
                    ),
                    Some(_) => {}
                    None => {
                        records.insert(key, (here.0, here.1, rec.pos.line));
                    }
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
            shapes: HashMap::new(),
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
