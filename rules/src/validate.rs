//! The checks `promtool check rules` makes, with positions promtool does not give.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use crate::diagnostic::{Diagnostic, Position, Severity};
use crate::dialect::Dialect;
use crate::duration::parse_duration;
use crate::model::{Expr, Group, KeyValue, Rule, RuleFile};
use crate::names::{is_valid_label_name, is_valid_metric_name};
use crate::parse::Parsed;
use crate::promql::{self, Checked, ExprError};
use crate::template;
use crate::yaml::{Mark, Style, value_offset_to_pos};

/// Codes of the validation checks (the ones `promtool check rules` makes).
pub mod codes {
    /// YAML that does not parse.
    pub const YAML_SYNTAX: &str = "rules/yaml-syntax";
    /// A value of the wrong YAML type.
    pub const YAML_TYPE: &str = "rules/yaml-type";
    /// A mapping key given twice.
    pub const YAML_DUPLICATE_KEY: &str = "rules/yaml-duplicate-key";
    /// A field the format does not have.
    pub const UNKNOWN_FIELD: &str = "rules/unknown-field";
    /// A duration that does not parse.
    pub const DURATION: &str = "rules/duration";
    /// A group without a name.
    pub const GROUP_NAME_EMPTY: &str = "rules/group-name-empty";
    /// Two groups with the same name in one document.
    pub const GROUP_NAME_DUPLICATE: &str = "rules/group-name-duplicate";
    /// A group label with an invalid name.
    pub const GROUP_LABEL_NAME: &str = "rules/group-label-name";
    /// A rule with both `record` and `alert`.
    pub const RECORD_AND_ALERT: &str = "rules/record-and-alert";
    /// A rule with neither `record` nor `alert`.
    pub const RECORD_OR_ALERT_MISSING: &str = "rules/record-or-alert-missing";
    /// A rule without `expr`.
    pub const EXPR_MISSING: &str = "rules/expr-missing";
    /// An expression that is not valid PromQL.
    pub const EXPR_SYNTAX: &str = "rules/expr-syntax";
    /// A recording rule with a field only alerts may have.
    pub const RECORD_FIELD: &str = "rules/record-field";
    /// A recording rule name that is not a valid metric name.
    pub const RECORD_NAME: &str = "rules/record-name";
    /// A rule label with an invalid name.
    pub const LABEL_NAME: &str = "rules/label-name";
    /// An annotation with an invalid name.
    pub const ANNOTATION_NAME: &str = "rules/annotation-name";
    /// An alert label or annotation template that does not parse.
    pub const TEMPLATE: &str = "rules/template";
    /// The same rule (name and labels) twice in a file.
    pub const DUPLICATE_RULE: &str = "rules/duplicate-rule";

    /// Every validation code, for documentation and configuration.
    pub const ALL: &[&str] = &[
        YAML_SYNTAX,
        YAML_TYPE,
        YAML_DUPLICATE_KEY,
        UNKNOWN_FIELD,
        DURATION,
        GROUP_NAME_EMPTY,
        GROUP_NAME_DUPLICATE,
        GROUP_LABEL_NAME,
        RECORD_AND_ALERT,
        RECORD_OR_ALERT_MISSING,
        EXPR_MISSING,
        EXPR_SYNTAX,
        RECORD_FIELD,
        RECORD_NAME,
        LABEL_NAME,
        ANNOTATION_NAME,
        TEMPLATE,
        DUPLICATE_RULE,
    ];
}

/// The result of validating one file: findings and the parsed expression of each rule
/// (in [`RuleFile::rules`] order; `None` where the expression is missing or invalid).
#[derive(Debug)]
pub(crate) struct Validated {
    pub(crate) diagnostics: Vec<Diagnostic>,
    pub(crate) exprs: Vec<Option<Arc<Checked>>>,
}

pub(crate) struct Ctx<'a> {
    pub(crate) path: &'a str,
    pub(crate) src: &'a str,
    pub(crate) line_starts: &'a [usize],
    pub(crate) dialect: Dialect,
}

impl Ctx<'_> {
    /// File position of byte `offset` inside a scalar value.
    pub(crate) fn pos_in(&self, start: Mark, style: Style, value: &str, offset: usize) -> Position {
        let chars = value.get(..offset).map_or(0, |s| s.chars().count());
        value_offset_to_pos(self.src, self.line_starts, start, style, value, chars)
    }

    pub(crate) fn pos_in_expr(&self, e: &Expr, offset: usize) -> Position {
        self.pos_in(e.start, e.style, &e.text, offset)
    }

    fn diag(
        &self,
        pos: Position,
        code: &str,
        msg: String,
        group: &Group,
        rule: Option<&Rule>,
    ) -> Diagnostic {
        let mut d = Diagnostic::new(self.path, pos, Severity::Error, code, msg);
        d.group = Some(group.name.value.clone());
        d.rule = rule.map(|r| r.name().to_string());
        d
    }
}

/// `group "G", rule N, "NAME": ` as promtool prefixes rule messages.
fn prefix(g: &Group, r: &Rule) -> String {
    format!(
        "group {:?}, rule {}, {:?}: ",
        g.name.value,
        r.index,
        r.name()
    )
}

/// Validate a parsed file the way promtool does.
pub(crate) fn validate(parsed: &Parsed, src: &str, dialect: Dialect) -> Validated {
    let ctx = Ctx {
        path: &parsed.file.path,
        src,
        line_starts: &parsed.line_starts,
        dialect,
    };
    let mut diags = Vec::new();
    let mut items: Vec<(&Group, &Rule)> = Vec::new();
    for doc in &parsed.file.documents {
        let mut seen: HashMap<&str, Position> = HashMap::new();
        for g in &doc.groups {
            validate_group(&ctx, g, &mut seen, &mut diags);
            items.extend(g.rules.iter().map(|r| (g, r)));
        }
    }
    let mut exprs = Vec::with_capacity(items.len());
    for (d, e) in validate_rules(&ctx, &items) {
        diags.extend(d);
        exprs.push(e);
    }
    duplicates(&ctx, &parsed.file, &mut diags);
    Validated {
        diagnostics: diags,
        exprs,
    }
}

/// Stack of worker threads: like a main thread's, so deep nesting parses the same everywhere.
pub(crate) const WORKER_STACK: usize = 8 << 20;

/// Below this many rules one thread is faster than starting more.
pub(crate) const PARALLEL_MIN_RULES: usize = 512;

type RuleResult = (Vec<Diagnostic>, Option<Arc<Checked>>);

/// Validate rules, on several threads for large files; results keep the input order.
/// A rule whose expression text an earlier rule of the same thread has shares its result:
/// [`promql::check`] depends on nothing but the text and the dialect.
fn validate_rules(ctx: &Ctx<'_>, items: &[(&Group, &Rule)]) -> Vec<RuleResult> {
    let run = |chunk: &[(&Group, &Rule)]| -> Vec<RuleResult> {
        let mut templates = HashMap::new();
        let mut exprs = HashMap::new();
        chunk
            .iter()
            .map(|(g, r)| {
                let mut d = Vec::new();
                let e = validate_rule(ctx, g, r, &mut exprs, &mut templates, &mut d);
                (d, e)
            })
            .collect()
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
    if threads < 2 || items.len() < PARALLEL_MIN_RULES {
        return run(items);
    }
    let size = items.len().div_ceil(threads);
    let chunks: Vec<&[(&Group, &Rule)]> = items.chunks(size).collect();
    std::thread::scope(|s| {
        // Deeply nested expressions need a deep stack in promql-parser (as on the main thread).
        let handles: Vec<_> = chunks
            .iter()
            .map(|&c| {
                std::thread::Builder::new()
                    .stack_size(WORKER_STACK)
                    .spawn_scoped(s, move || run(c))
            })
            .collect();
        let mut out = Vec::with_capacity(items.len());
        for (h, chunk) in handles.into_iter().zip(chunks.iter()) {
            // A worker that could not start (or panicked, a bug) is replaced by this thread.
            match h.map(|h| h.join()) {
                Ok(Ok(r)) => out.extend(r),
                _ => out.extend(run(chunk)),
            }
        }
        out
    })
}

fn validate_group<'a>(
    ctx: &Ctx<'_>,
    g: &'a Group,
    seen: &mut HashMap<&'a str, Position>,
    diags: &mut Vec<Diagnostic>,
) {
    if g.name.value.is_empty() {
        diags.push(ctx.diag(
            g.pos,
            codes::GROUP_NAME_EMPTY,
            "group name must not be empty".into(),
            g,
            None,
        ));
    } else if let Some(first) = seen.get(g.name.value.as_str()) {
        diags.push(ctx.diag(
            g.pos,
            codes::GROUP_NAME_DUPLICATE,
            format!(
                "groupname: {:?} is repeated in the same file (first at line {})",
                g.name.value, first.line
            ),
            g,
            None,
        ));
    } else {
        seen.insert(&g.name.value, g.pos);
    }
    for (field, v) in [("interval", &g.interval), ("query_offset", &g.query_offset)] {
        if let Some(v) = v
            && let Err(e) = parse_duration(&v.value)
        {
            diags.push(ctx.diag(
                v.pos,
                codes::DURATION,
                format!("group {:?}: invalid {field}: {e}", g.name.value),
                g,
                None,
            ));
        }
    }
    for kv in &g.labels {
        if !is_valid_label_name(&kv.key.value, ctx.dialect) || kv.key.value == "__name__" {
            diags.push(ctx.diag(
                kv.key.pos,
                codes::GROUP_LABEL_NAME,
                format!(
                    "group {:?}: invalid label name: {}",
                    g.name.value, kv.key.value
                ),
                g,
                None,
            ));
        }
    }
}

fn validate_rule<'a>(
    ctx: &Ctx<'_>,
    g: &Group,
    r: &'a Rule,
    exprs: &mut HashMap<&'a str, Result<Arc<Checked>, ExprError>>,
    templates: &mut HashMap<&'a str, Result<(), template::TemplateError>>,
    diags: &mut Vec<Diagnostic>,
) -> Option<Arc<Checked>> {
    let p = prefix(g, r);
    let mut push = |pos: Position, code: &str, msg: String| {
        diags.push(ctx.diag(pos, code, format!("{p}{msg}"), g, Some(r)));
    };
    match (&r.record, &r.alert) {
        (Some(rec), Some(_)) => push(
            rec.pos,
            codes::RECORD_AND_ALERT,
            "only one of 'record' and 'alert' must be set".into(),
        ),
        (None, None) => push(
            r.pos,
            codes::RECORD_OR_ALERT_MISSING,
            "one of 'record' or 'alert' must be set".into(),
        ),
        _ => {}
    }
    let checked = match &r.expr {
        None => {
            push(
                r.pos,
                codes::EXPR_MISSING,
                "field 'expr' must be set in rule".into(),
            );
            None
        }
        Some(e) => match exprs
            .entry(&e.text)
            .or_insert_with(|| promql::check(&e.text, ctx.dialect).map(Arc::new))
            .clone()
        {
            Ok(c) => Some(c),
            Err(err) => {
                push(
                    ctx.pos_in_expr(e, err.offset),
                    codes::EXPR_SYNTAX,
                    format!("could not parse expression: {}", err.message),
                );
                None
            }
        },
    };
    for (field, v) in [("for", &r.for_), ("keep_firing_for", &r.keep_firing_for)] {
        if let Some(v) = v
            && let Err(e) = parse_duration(&v.value)
        {
            push(v.pos, codes::DURATION, format!("invalid {field}: {e}"));
        }
    }
    if let Some(rec) = &r.record {
        if let Some(pos) = r.annotations_pos {
            push(
                pos,
                codes::RECORD_FIELD,
                "invalid field 'annotations' in recording rule".into(),
            );
        }
        if let Some(v) = &r.for_ {
            push(
                v.pos,
                codes::RECORD_FIELD,
                "invalid field 'for' in recording rule".into(),
            );
        }
        if let Some(v) = &r.keep_firing_for {
            push(
                v.pos,
                codes::RECORD_FIELD,
                "invalid field 'keep_firing_for' in recording rule".into(),
            );
        }
        let name = &rec.value;
        if !is_valid_metric_name(name, ctx.dialect) {
            push(
                rec.pos,
                codes::RECORD_NAME,
                format!("invalid recording rule name: {name}"),
            );
        } else if ctx.dialect == Dialect::V3 && (name.contains('{') || name.contains('}')) {
            push(
                rec.pos,
                codes::RECORD_NAME,
                format!("braces present in the recording rule name; should it be in expr?: {name}"),
            );
        }
    }
    for kv in &r.labels {
        let k = &kv.key.value;
        if k == "__name__" || !is_valid_label_name(k, ctx.dialect) {
            push(
                kv.key.pos,
                codes::LABEL_NAME,
                format!("invalid label name: {k}"),
            );
        }
    }
    for kv in &r.annotations {
        let k = &kv.key.value;
        if !is_valid_label_name(k, ctx.dialect) {
            push(
                kv.key.pos,
                codes::ANNOTATION_NAME,
                format!("invalid annotation name: {k}"),
            );
        }
    }
    if r.is_alert() {
        let alert = r.name();
        for (kind, kvs) in [("label", &r.labels), ("annotation", &r.annotations)] {
            for kv in kvs {
                let res = templates
                    .entry(kv.value.value.as_str())
                    .or_insert_with(|| template::check(&kv.value.value, ctx.dialect));
                if let Err(e) = res {
                    push(
                        template_pos(ctx, kv, e.offset),
                        codes::TEMPLATE,
                        format!(
                            "{kind} {:?}: template: __alert_{alert}:{}: {}",
                            kv.key.value, e.line, e.message
                        ),
                    );
                }
            }
        }
    }
    checked
}

fn template_pos(ctx: &Ctx<'_>, kv: &KeyValue, offset: usize) -> Position {
    ctx.pos_in(kv.start, kv.style, &kv.value.value, offset)
}

/// promtool's `duplicate-rules` lint: same name and label set (with group labels in v3) twice
/// in one file. A warning, since promtool exits 0 for it.
fn duplicates(ctx: &Ctx<'_>, file: &RuleFile, diags: &mut Vec<Diagnostic>) {
    let mut seen: HashMap<(String, BTreeMap<&str, &str>), Position> = HashMap::new();
    for (g, r) in file.rules() {
        if r.record.is_none() && r.alert.is_none() {
            continue;
        }
        let mut labels: BTreeMap<&str, &str> = BTreeMap::new();
        if ctx.dialect == Dialect::V3 {
            for kv in &g.labels {
                labels.insert(&kv.key.value, &kv.value.value);
            }
        }
        for kv in &r.labels {
            labels.insert(&kv.key.value, &kv.value.value);
        }
        let key = (r.name().to_string(), labels);
        if let Some(first) = seen.get(&key) {
            let shown: Vec<String> = key.1.iter().map(|(k, v)| format!("{k}={v:?}")).collect();
            let mut d = ctx.diag(
                r.pos,
                codes::DUPLICATE_RULE,
                format!(
                    "{}duplicate rule: {} with labels {{{}}} is already defined at line {}",
                    prefix(g, r),
                    r.name(),
                    shown.join(", "),
                    first.line
                ),
                g,
                Some(r),
            );
            d.severity = Severity::Warning;
            diags.push(d);
        } else {
            seen.insert(key, r.pos);
        }
    }
}
