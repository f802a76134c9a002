//! Policy checks the caller configures: pint's configuration-driven offline checks
//! (`rule/for`, `rule/name`, `rule/reject`, `promql/selector`, `promql/aggregate`,
//! `promql/range_query`). Nothing is checked until a policy is set.

use promql_parser::parser::Expr as Ast;

use crate::error::Error;

/// A regular expression matched against a whole name or value (anchored; Rust `regex` syntax).
///
/// ```
/// let p = rules::lint::Pattern::new("job:.+")?;
/// assert!(p.is_match("job:up:sum"));
/// assert!(!p.is_match("instance:job:up"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Pattern {
    source: String,
    re: regex::Regex,
}

impl Pattern {
    /// Compile `pattern`.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] if it is not a valid regular expression.
    pub fn new(pattern: &str) -> Result<Self, Error> {
        let re = regex::Regex::new(&format!("^(?:{pattern})$")).map_err(|_| Error::Config {
            field: "pattern".to_string(),
            value: pattern.to_string(),
        })?;
        Ok(Pattern {
            source: pattern.to_string(),
            re,
        })
    }

    /// The pattern as given.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Whether the whole of `s` matches.
    #[must_use]
    pub fn is_match(&self, s: &str) -> bool {
        self.re.is_match(s)
    }
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

impl Eq for Pattern {}

/// Limits on `for` (or `keep_firing_for`) of alerts whose name matches (pint's `rule/for`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForLimit {
    /// Alerts this applies to.
    pub alert: Pattern,
    /// Minimum, in milliseconds.
    pub min_ms: Option<u64>,
    /// Maximum, in milliseconds.
    pub max_ms: Option<u64>,
    /// Limit `keep_firing_for` instead of `for`.
    pub keep_firing_for: bool,
}

/// Forbidden label or annotation keys or values (pint's `rule/reject`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reject {
    /// What is forbidden.
    pub pattern: Pattern,
    /// Check label names.
    pub label_keys: bool,
    /// Check label values.
    pub label_values: bool,
    /// Check annotation names.
    pub annotation_keys: bool,
    /// Check annotation values.
    pub annotation_values: bool,
}

/// Labels that selectors of matching metrics must filter on (pint's `promql/selector`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelectorRule {
    /// Metric names this applies to.
    pub metric: Pattern,
    /// Labels every such selector must have a matcher for.
    pub required_labels: Vec<String>,
}

/// Labels that aggregations in matching rules must keep or strip (pint's `promql/aggregate`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AggregateRule {
    /// Rule names (alert or record) this applies to.
    pub rule: Pattern,
    /// Labels the results must be able to carry.
    pub keep: Vec<String>,
    /// Labels the aggregations must remove.
    pub strip: Vec<String>,
}

/// The configured policies; all empty (nothing checked) by default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Policy {
    /// `lint/policy-for`.
    pub for_limits: Vec<ForLimit>,
    /// `lint/policy-name`: alert names must match this.
    pub alert_names: Option<Pattern>,
    /// `lint/policy-name`: recording rule names must match this.
    pub record_names: Option<Pattern>,
    /// `lint/policy-reject`.
    pub reject: Vec<Reject>,
    /// `lint/policy-selector`.
    pub selectors: Vec<SelectorRule>,
    /// `lint/policy-aggregate`.
    pub aggregate: Vec<AggregateRule>,
    /// `lint/policy-range`: the longest range selector or subquery allowed, in milliseconds
    /// (e.g. the retention).
    pub max_range_ms: Option<u64>,
}

impl Policy {
    /// Whether any policy is set.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self == &Policy::default()
    }
}

/// Selectors in `e` of metrics matching `rule` that lack a matcher on a required label:
/// (metric name, missing label).
pub(crate) fn missing_selector_labels(e: &Ast, rule: &SelectorRule) -> Vec<(String, String)> {
    let mut out = Vec::new();
    walk(e, &mut |x| {
        let vs = match x {
            Ast::VectorSelector(v) => v,
            Ast::MatrixSelector(m) => &m.vs,
            _ => return,
        };
        let Some(name) = vs.name.as_deref().filter(|n| rule.metric.is_match(n)) else {
            return;
        };
        for l in &rule.required_labels {
            if !vs.matchers.matchers.iter().any(|m| &m.name == l) {
                out.push((name.to_string(), l.clone()));
            }
        }
    });
    out
}

/// Ranges in `e` (range selectors and subqueries) longer than `max_ms`: (metric or "subquery",
/// range in milliseconds).
pub(crate) fn long_ranges(e: &Ast, max_ms: u64) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    walk(e, &mut |x| {
        let (what, range) = match x {
            Ast::MatrixSelector(m) => (m.vs.name.clone().unwrap_or_default(), m.range),
            Ast::Subquery(s) => ("subquery".to_string(), s.range),
            _ => return,
        };
        let ms = u64::try_from(range.as_millis()).unwrap_or(u64::MAX);
        if ms > max_ms {
            out.push((what, ms));
        }
    });
    out
}

/// Visit every node of `e`.
fn walk(e: &Ast, f: &mut dyn FnMut(&Ast)) {
    f(e);
    match e {
        Ast::Aggregate(a) => {
            walk(&a.expr, f);
            if let Some(p) = &a.param {
                walk(p, f);
            }
        }
        Ast::Binary(b) => {
            walk(&b.lhs, f);
            walk(&b.rhs, f);
        }
        Ast::Paren(p) => walk(&p.expr, f),
        Ast::Unary(u) => walk(&u.expr, f),
        Ast::Subquery(s) => walk(&s.expr, f),
        Ast::Call(c) => c.args.args.iter().for_each(|a| walk(a, f)),
        _ => {}
    }
}
