//! Label flow: which labels the results of a PromQL expression can carry.
//!
//! An expression yields one or more *sources* (one per selector that can reach the result; `or`
//! keeps both sides' sources apart). For each source we track, per label, whether it is
//! certainly present (with its value when an equality matcher fixes it), possibly present or
//! impossible, and whether labels not listed can appear at all. Selectors guarantee the labels
//! of their `=` and `=~` matchers (a regex that matches the empty string only makes the label
//! possible) and exclude `label=""`; aggregations keep `by (...)` labels and drop `without (...)`
//! ones; one-to-one vector matching keeps `on (...)` labels and drops `ignoring (...)` ones;
//! `group_left/right (...)` add the listed labels; `label_replace`/`label_join` add their
//! destination; `count_values` adds its label; `absent` keeps only its selector's equality
//! matchers; `histogram_quantile` drops `le`; numbers, `vector()`, `time()` and `scalar()` have
//! no labels. Unknown functions keep their argument's labels.
//!
//! While walking, the analysis also records *dead code*, the problems pint's `promql/impossible`
//! reports: joins whose sides can never match, aggregations and joins on labels that are gone,
//! `group_left/right` labels the other side cannot have, and labels joined by `group_left/right`
//! that an enclosing binary operation drops again.

use std::collections::BTreeMap;
use std::rc::Rc;

use promql_parser::label::MatchOp;
use promql_parser::parser::value::ValueType;
use promql_parser::parser::{
    AggregateExpr, BinaryExpr, Call, Expr as Ast, LabelModifier, VectorMatchCardinality,
    VectorSelector,
};

use crate::promql::Checked;

/// Whether a label can be on a source's results.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Has {
    /// Never.
    No,
    /// Sometimes.
    Maybe,
    /// Always.
    Yes,
}

/// What is known about one label of a source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LabelInfo {
    pub(crate) has: Has,
    /// The value, when an equality matcher fixes it.
    pub(crate) value: Option<String>,
    /// Why, in words.
    pub(crate) why: Rc<str>,
}

/// One way results reach the top of an expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Source {
    pub(crate) labels: BTreeMap<String, LabelInfo>,
    /// `Some(why)`: labels not in `labels` cannot be present, because of `why`.
    pub(crate) fixed: Option<Rc<str>>,
    /// Functions and aggregations applied, innermost first.
    pub(crate) ops: Vec<String>,
    /// Labels added by `group_left/right` on the way (an aggregation forgets them).
    pub(crate) joined: Vec<String>,
}

impl Source {
    fn new() -> Self {
        Source {
            labels: BTreeMap::new(),
            fixed: None,
            ops: Vec::new(),
            joined: Vec::new(),
        }
    }

    fn no_labels(why: Rc<str>) -> Self {
        let mut s = Source::new();
        s.fixed = Some(why);
        s
    }

    /// Whether results can carry `name`.
    pub(crate) fn can_have(&self, name: &str) -> bool {
        match self.labels.get(name) {
            Some(l) => l.has != Has::No,
            None => self.fixed.is_none(),
        }
    }

    /// Why results cannot carry `name` (meaningful when [`Source::can_have`] is false).
    pub(crate) fn why_not(&self, name: &str) -> &str {
        match self.labels.get(name) {
            Some(l) if l.has == Has::No => &l.why,
            _ => self.fixed.as_deref().unwrap_or_default(),
        }
    }

    fn set(&mut self, name: &str, has: Has, value: Option<String>, why: impl Into<Rc<str>>) {
        self.labels.insert(
            name.to_string(),
            LabelInfo {
                has,
                value,
                why: why.into(),
            },
        );
    }

    fn value(&self, name: &str) -> Option<&str> {
        self.labels
            .get(name)
            .filter(|l| l.has == Has::Yes)
            .and_then(|l| l.value.as_deref())
    }

    /// Keep only `keep` (possible if they were), drop the rest.
    fn keep_only(&mut self, keep: &[String], why: Rc<str>) {
        let can: Vec<bool> = keep.iter().map(|k| self.can_have(k)).collect();
        for (name, l) in &mut self.labels {
            if !keep.contains(name) && l.has != Has::No {
                l.has = Has::No;
                l.value = None;
                l.why = why.clone();
            }
        }
        for (k, can) in keep.iter().zip(can) {
            match self.labels.get(k) {
                Some(l) if l.has == Has::Yes => {}
                _ if can => self.set(k, Has::Maybe, None, why.clone()),
                _ => {}
            }
        }
        self.fixed = Some(why);
    }
}

/// A dead-code finding: a token to point at and a message.
pub(crate) type Dead = (String, String);

/// The sources of `e`, and the dead code found on the way. Without `explain` the reasons
/// ([`LabelInfo::why`], [`Source::why_not`]) are empty, which is cheaper; dead-code messages are
/// always complete.
pub(crate) fn analyse(c: &Checked, e: &Ast, explain: bool) -> (Vec<Source>, Vec<Dead>) {
    let mut w = Walk {
        c,
        dead: Vec::new(),
        explain,
        empty: Rc::from(""),
    };
    let s = w.walk(e);
    (s, w.dead)
}

struct Walk<'a> {
    c: &'a Checked,
    dead: Vec<Dead>,
    explain: bool,
    empty: Rc<str>,
}

fn names(l: &promql_parser::label::Labels) -> Vec<String> {
    l.labels.clone()
}

impl Walk<'_> {
    /// A reason, built only when explaining.
    fn why(&self, f: impl FnOnce() -> String) -> Rc<str> {
        if self.explain {
            f().into()
        } else {
            self.empty.clone()
        }
    }

    fn walk(&mut self, e: &Ast) -> Vec<Source> {
        match e {
            Ast::VectorSelector(v) => vec![self.selector(v)],
            Ast::MatrixSelector(m) => vec![self.selector(&m.vs)],
            Ast::Paren(p) => self.walk(&p.expr),
            Ast::Unary(u) => self.walk(&u.expr),
            Ast::Subquery(s) => self.walk(&s.expr),
            Ast::NumberLiteral(_) => vec![Source::no_labels(
                self.why(|| "a number has no labels".into()),
            )],
            Ast::StringLiteral(_) => vec![Source::no_labels(
                self.why(|| "a string has no labels".into()),
            )],
            Ast::Aggregate(a) => self.aggregate(a),
            Ast::Call(c) => self.call(c),
            Ast::Binary(b) => self.binary(b),
            Ast::Extension(_) => vec![Source::new()],
        }
    }

    fn selector(&self, v: &VectorSelector) -> Source {
        let mut s = Source::new();
        if !v.matchers.or_matchers.is_empty() {
            return s;
        }
        for m in &v.matchers.matchers {
            if m.name == "__name__" {
                continue;
            }
            let equal = matches!(m.op, MatchOp::Equal);
            if let Some(re) = self.c.regex_for(&m.value) {
                if !re.negated {
                    let has = if re.matches_empty {
                        Has::Maybe
                    } else {
                        Has::Yes
                    };
                    let why = self.why(|| "the selector's regex matcher requires it".into());
                    s.set(&m.name, has, None, why);
                }
            } else if equal && m.value.is_empty() {
                let why = self.why(|| {
                    format!(
                        "the selector's `{}=\"\"` keeps only series without it",
                        m.name
                    )
                });
                s.set(&m.name, Has::No, None, why);
            } else if equal {
                let why = self.why(|| "the selector's matcher requires it".into());
                s.set(&m.name, Has::Yes, Some(m.value.clone()), why);
            }
        }
        s
    }

    fn aggregate(&mut self, a: &AggregateExpr) -> Vec<Source> {
        let op = a.op.to_string();
        let mut out = self.walk(&a.expr);
        if matches!(op.as_str(), "topk" | "bottomk" | "limitk" | "limit_ratio") {
            for s in &mut out {
                s.ops.push(op.clone());
            }
            return out;
        }
        for s in &mut out {
            match &a.modifier {
                Some(LabelModifier::Exclude(l)) => {
                    let why =
                        self.why(|| format!("{op} without ({}) removes it", l.labels.join(", ")));
                    for n in &l.labels {
                        s.set(n, Has::No, None, why.clone());
                    }
                }
                Some(LabelModifier::Include(l)) => {
                    for n in &l.labels {
                        if !s.can_have(n) {
                            self.dead.push((
                                op.clone(),
                                format!(
                                    "{op} by ({n}): the input cannot have label {n:?} ({})",
                                    s.why_not(n)
                                ),
                            ));
                        }
                    }
                    let why = self.why(|| {
                        format!(
                            "{op} by ({}) keeps only the labels it lists",
                            l.labels.join(", ")
                        )
                    });
                    s.keep_only(&l.labels, why);
                }
                None => s.keep_only(&[], self.why(|| format!("{op}() removes all labels"))),
            }
            if op == "count_values"
                && let Some(Ast::StringLiteral(p)) = a.param.as_deref()
            {
                let why = self.why(|| "count_values() adds it".into());
                s.set(&p.val, Has::Yes, None, why);
            }
            s.ops.push(op.clone());
            s.joined.clear();
        }
        out
    }

    fn call(&mut self, c: &Call) -> Vec<Source> {
        let name = c.func.name;
        let arg = c
            .args
            .args
            .iter()
            .find(|a| matches!(a.value_type(), ValueType::Vector | ValueType::Matrix));
        let mut out = match arg {
            Some(a) => self.walk(a),
            None => vec![Source::new()],
        };
        let str_arg = |i: usize| match c.args.args.get(i).map(|a| a.as_ref()) {
            Some(Ast::StringLiteral(s)) => Some(s.val.clone()),
            _ => None,
        };
        for s in &mut out {
            match name {
                "absent" | "absent_over_time" => {
                    let mut keep = Source::no_labels(self.why(|| {
                        format!(
                            "{name}() returns only the labels of its selector's equality matchers"
                        )
                    }));
                    let vs = match arg.map(|a| a.as_ref()) {
                        Some(Ast::VectorSelector(v)) => Some(v),
                        Some(Ast::MatrixSelector(m)) => Some(&m.vs),
                        _ => None,
                    };
                    for m in vs.iter().flat_map(|v| v.matchers.matchers.iter()) {
                        if m.name != "__name__"
                            && matches!(m.op, MatchOp::Equal)
                            && self.c.regex_for(&m.value).is_none()
                        {
                            let why = self.why(|| "the selector's matcher sets it".into());
                            keep.set(&m.name, Has::Yes, Some(m.value.clone()), why);
                        }
                    }
                    keep.ops = std::mem::take(&mut s.ops);
                    *s = keep;
                }
                "label_replace" | "label_join" => {
                    if let Some(dst) = str_arg(1) {
                        let why = self.why(|| format!("{name}() sets it"));
                        s.set(&dst, Has::Yes, None, why);
                    } else {
                        s.fixed = None;
                    }
                }
                "histogram_quantile" => {
                    let why = self.why(|| "histogram_quantile() removes it".into());
                    s.set("le", Has::No, None, why);
                }
                "vector" | "time" | "pi" | "scalar" => {
                    *s = Source::no_labels(self.why(|| format!("{name}() has no labels")));
                }
                "info" => s.fixed = None,
                _ if arg.is_none() => {
                    *s = Source::no_labels(self.why(|| format!("{name}() has no labels")));
                }
                _ => {}
            }
            s.ops.push(name.to_string());
        }
        out
    }

    fn binary(&mut self, b: &BinaryExpr) -> Vec<Source> {
        let lhs = self.walk(&b.lhs);
        let rhs = self.walk(&b.rhs);
        let lv = !matches!(b.lhs.value_type(), ValueType::Scalar | ValueType::String);
        let rv = !matches!(b.rhs.value_type(), ValueType::Scalar | ValueType::String);
        if !(lv && rv) {
            return if lv || !rv { lhs } else { rhs };
        }
        let op = b.op.to_string();
        let matching = b.modifier.as_ref().and_then(|m| m.matching.as_ref());
        let card = b.modifier.as_ref().map(|m| &m.card);
        let (on, ignoring): (Option<Vec<String>>, Vec<String>) = match matching {
            Some(LabelModifier::Include(l)) => (Some(names(l)), Vec::new()),
            Some(LabelModifier::Exclude(l)) => (None, names(l)),
            None => (None, Vec::new()),
        };
        if op == "or" {
            let mut out = lhs;
            out.extend(rhs);
            return out;
        }
        // The side whose labels the result keeps, and the other one.
        let (keep, other, include, keep_side, other_side) = match card {
            Some(VectorMatchCardinality::OneToMany(l)) => (rhs, lhs, names(l), "right", "left"),
            Some(VectorMatchCardinality::ManyToOne(l)) => (lhs, rhs, names(l), "left", "right"),
            _ => (lhs, rhs, Vec::new(), "left", "right"),
        };
        let grouped = !include.is_empty()
            || matches!(
                card,
                Some(VectorMatchCardinality::OneToMany(_) | VectorMatchCardinality::ManyToOne(_))
            );
        let set_op = b.op.is_set_operator();
        let mut out = Vec::new();
        for mut k in keep {
            if let Some(on) = &on {
                for n in on {
                    if !k.can_have(n) {
                        self.dead.push((
                            "on".to_string(),
                            format!(
                                "on({n}): the {keep_side} side cannot have label {n:?} ({})",
                                k.why_not(n)
                            ),
                        ));
                    }
                }
            }
            for o in &other {
                self.can_match(&k, o, on.as_deref(), &ignoring, keep_side, other_side, &op);
                for n in &include {
                    if !o.can_have(n) {
                        self.dead.push((
                            if keep_side == "left" { "group_left" } else { "group_right" }
                                .to_string(),
                            format!(
                                "{n:?} cannot be copied from the {other_side} side, which cannot have it ({})",
                                o.why_not(n)
                            ),
                        ));
                    }
                }
                // Labels the other side joined earlier do not reach the result.
                for n in &o.joined {
                    let passes =
                        include.contains(n) || on.as_ref().is_some_and(|on| on.contains(n));
                    if !passes {
                        self.dead.push((
                            op.clone(),
                            format!(
                                "label {n:?} joined on the {other_side} side is dropped by this `{op}`: only the {keep_side} side's labels reach the result"
                            ),
                        ));
                    }
                }
            }
            if grouped {
                for n in &include {
                    if k.value(n).is_none() {
                        let why = self.why(|| "group_left/right copies it".into());
                        k.set(n, Has::Maybe, None, why);
                    }
                    k.joined.push(n.clone());
                }
            } else if !set_op {
                if let Some(on) = &on {
                    let why = self.why(|| {
                        format!(
                            "`{op} on({})` keeps only the labels it lists",
                            on.join(", ")
                        )
                    });
                    k.keep_only(on, why);
                } else {
                    let why =
                        self.why(|| format!("`{op} ignoring({})` removes it", ignoring.join(", ")));
                    for n in &ignoring {
                        k.set(n, Has::No, None, why.clone());
                    }
                }
            }
            out.push(k);
        }
        out
    }

    /// Record when `k` (the side kept) and `o` can never match.
    #[allow(clippy::too_many_arguments)]
    fn can_match(
        &mut self,
        k: &Source,
        o: &Source,
        on: Option<&[String]>,
        ignoring: &[String],
        keep_side: &str,
        other_side: &str,
        op: &str,
    ) {
        let always = |s: &Source| -> Vec<String> {
            s.labels
                .iter()
                .filter(|(n, l)| l.has == Has::Yes && !ignoring.contains(n))
                .map(|(n, _)| n.clone())
                .collect()
        };
        // (side that has it, side that cannot, label)
        let mut candidates: Vec<(&Source, &Source, &str, &str, String)> = Vec::new();
        match on {
            Some(on) => {
                for n in on {
                    candidates.push((k, o, keep_side, other_side, n.clone()));
                }
            }
            None => {
                for n in always(k) {
                    candidates.push((k, o, keep_side, other_side, n));
                }
                for n in always(o) {
                    candidates.push((o, k, other_side, keep_side, n));
                }
            }
        }
        for (has, lacks, has_side, lacks_side, n) in candidates {
            if has.can_have(&n) && !lacks.can_have(&n) {
                let how = if on.is_some() {
                    format!("it matches on({n})")
                } else {
                    format!("the {has_side} side always has label {n:?}")
                };
                self.dead.push((
                    op.to_string(),
                    format!(
                        "`{op}` never matches: {how} but the {lacks_side} side cannot have it ({})",
                        lacks.why_not(&n)
                    ),
                ));
                return;
            }
        }
        // Labels both sides fix to different values.
        let matched: Vec<&String> = match on {
            Some(on) => on.iter().collect(),
            None => k.labels.keys().filter(|n| !ignoring.contains(n)).collect(),
        };
        for n in matched {
            if let (Some(a), Some(b)) = (k.value(n), o.value(n))
                && a != b
            {
                self.dead.push((
                    op.to_string(),
                    format!(
                        "`{op}` never matches: the {keep_side} side has {n}={a:?} and the {other_side} side {n}={b:?}; match with ignoring({n}) or on(...) without it"
                    ),
                ));
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialect::Dialect;

    fn run(src: &str) -> (Vec<Source>, Vec<Dead>) {
        let c = crate::promql::check(src, Dialect::V3).unwrap_or_else(|e| panic!("{src}: {e:?}"));
        analyse(&c, &c.ast, true)
    }

    fn can(src: &str, label: &str) -> Vec<bool> {
        run(src).0.iter().map(|s| s.can_have(label)).collect()
    }

    fn dead(src: &str) -> usize {
        run(src).1.len()
    }

    #[test]
    fn labels_through_aggregations_and_functions() {
        assert_eq!(can("sum(foo)", "job"), [false]);
        assert_eq!(can("sum by (job) (foo)", "job"), [true]);
        assert_eq!(can("sum by (job) (foo)", "instance"), [false]);
        assert_eq!(can("sum without (instance) (foo)", "instance"), [false]);
        assert_eq!(can("sum without (instance) (foo)", "job"), [true]);
        assert_eq!(can("rate(foo[5m])", "job"), [true]);
        assert_eq!(can("topk(3, sum by (job) (foo))", "job"), [true]);
        assert_eq!(can("count_values(\"v\", sum(foo))", "v"), [true]);
        assert_eq!(
            can(
                "label_replace(sum(foo), \"x\", \"$1\", \"y\", \"(.*)\")",
                "x"
            ),
            [true]
        );
        assert_eq!(
            can("label_join(sum(foo), \"x\", \",\", \"a\")", "x"),
            [true]
        );
        assert_eq!(can("absent(foo{job=\"a\", env=~\"p.*\"})", "job"), [true]);
        assert_eq!(can("absent(foo{job=\"a\"})", "instance"), [false]);
        assert_eq!(can("absent(foo{job=\"a\", env=~\"p.*\"})", "env"), [false]);
        assert_eq!(can("vector(1)", "job"), [false]);
        assert_eq!(can("foo{job=\"\"}", "job"), [false]);
        assert_eq!(
            can(
                "histogram_quantile(0.9, sum by (le, job) (rate(x_bucket[5m])))",
                "le"
            ),
            [false]
        );
        assert_eq!(
            can("sum(foo) > 1 or absent(foo{job=\"x\"})", "job"),
            [false, true]
        );
    }

    #[test]
    fn labels_through_vector_matching() {
        assert_eq!(can("foo / on(job) bar", "instance"), [false]);
        assert_eq!(can("foo / ignoring(instance) bar", "instance"), [false]);
        assert_eq!(
            can(
                "foo * on(job) group_left(env) sum by (job, env) (bar)",
                "env"
            ),
            [true]
        );
        assert_eq!(
            can("sum by (job) (foo) * on(job) group_left(env) bar", "env"),
            [true]
        );
        assert_eq!(can("sum(foo) * on() group_right bar", "instance"), [true]);
        assert_eq!(
            can("foo and on(job) sum by (job) (bar)", "instance"),
            [true]
        );
        assert_eq!(can("sum(foo) unless bar", "instance"), [false]);
    }

    #[test]
    fn dead_code_as_pint_documents_it() {
        // pint's promql/impossible examples.
        assert_eq!(dead("foo{job=\"bar\"} unless sum(foo)"), 1);
        assert_eq!(dead("group by (cluster) (sum(errors))"), 1);
        assert_eq!(dead("sum(foo) / on(cluster) count(bar)"), 1);
        assert_eq!(
            dead(
                "service_ready and on (instance) (service_errors == 0) * on (cluster) group_left(env, location) cluster_info"
            ),
            2
        );
        assert_eq!(
            dead(
                "(service_ready and on (instance) (service_errors == 0)) * on (cluster) group_left(env, location) cluster_info"
            ),
            0
        );
        assert_eq!(dead("foo{job=\"a\"} / bar{job=\"b\"}"), 1);
        assert_eq!(dead("foo{job=\"a\"} / ignoring(job) bar{job=\"b\"}"), 0);
        assert_eq!(dead("foo{job=\"a\"} / on(instance) bar{job=\"b\"}"), 0);
        assert_eq!(dead("foo{job=\"a\"} or bar{job=\"b\"}"), 0);
        assert_eq!(dead("foo{job=\"a\"} / bar{job=\"a\"}"), 0);
        assert_eq!(dead("sum(foo) / bar{job=\"a\"}"), 1);
        assert_eq!(dead("foo / on(job) sum by (job) (bar)"), 0);
        assert_eq!(dead("sum by (job) (foo) / sum by (job) (bar)"), 0);
        assert_eq!(dead("foo * on(job) group_left(env) sum by (job) (bar)"), 1);
    }
}
