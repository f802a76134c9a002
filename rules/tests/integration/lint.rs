//! Lint checks: a positive and a negative case each, plus configuration and disabling.

use rules::lint::{CHECKS, LintConfig};
use rules::{CheckOptions, Checker, Diagnostic, Dialect};

fn lint_with(cfg: LintConfig, files: &[(&str, &str)]) -> Vec<Diagnostic> {
    let mut c = Checker::new(CheckOptions {
        dialect: Dialect::V3,
        lint: cfg,
        ..CheckOptions::default()
    });
    for (name, src) in files {
        c.add_source(name, src);
    }
    c.finish()
}

/// An alert that passes every default check, with `EXPR` and extra fields substituted.
fn alert(expr: &str, extra: &str) -> String {
    format!(
        "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: {expr}\n        for: 5m\n        labels:\n          severity: page\n        annotations:\n          summary: s\n          description: d\n{extra}"
    )
}

fn record(name: &str, expr: &str) -> String {
    format!("groups:\n  - name: g\n    rules:\n      - record: {name}\n        expr: {expr}\n")
}

fn codes(src: &str) -> Vec<String> {
    lint_with(LintConfig::default(), &[("t.yml", src)])
        .into_iter()
        .map(|d| d.code)
        .collect()
}

fn has(src: &str, code: &str) -> bool {
    codes(src).iter().any(|c| c == code)
}

#[test]
fn clean_rules_have_no_findings() {
    let c = codes(&alert(
        "sum by (job) (rate(http_requests_total{code=~\"5..\"}[5m])) > 1",
        "",
    ));
    assert!(c.is_empty(), "{c:?}");
    let c = codes(&record(
        "job:http_requests:rate5m",
        "sum by (job) (rate(http_requests_total[5m]))",
    ));
    assert!(c.is_empty(), "{c:?}");
}

#[test]
fn histogram_quantile_without_le() {
    let code = "lint/histogram-quantile-without-le";
    assert!(has(
        &record(
            "job:x:p99",
            "histogram_quantile(0.99, sum by (job) (rate(x_bucket[5m])))"
        ),
        code
    ));
    assert!(has(
        &record(
            "job:x:p99",
            "histogram_quantile(0.99, sum without (le) (rate(x_bucket[5m])))"
        ),
        code
    ));
    assert!(!has(
        &record(
            "job:x:p99",
            "histogram_quantile(0.99, sum by (job, le) (rate(x_bucket[5m])))"
        ),
        code
    ));
}

#[test]
fn rate_range_too_short() {
    let code = "lint/rate-range-too-short";
    assert!(has(&record("job:x:rate", "rate(x_total[30s])"), code));
    assert!(!has(&record("job:x:rate", "rate(x_total[1m])"), code));
    let cfg = LintConfig {
        scrape_interval_ms: 60_000,
        ..LintConfig::default()
    };
    let d = lint_with(
        cfg,
        &[("t.yml", &record("job:x:rate", "rate(x_total[2m])"))],
    );
    assert!(d.iter().any(|x| x.code == code));
}

#[test]
fn rate_on_non_counter() {
    let code = "lint/rate-on-non-counter";
    assert!(has(
        &record("job:x:rate", "rate(node_memory_free_bytes[5m])"),
        code
    ));
    assert!(!has(
        &record("job:x:rate", "rate(http_requests_total[5m])"),
        code
    ));
    assert!(!has(
        &record("job:x:rate", "rate(request_duration_seconds_count[5m])"),
        code
    ));
}

#[test]
fn counter_without_rate() {
    let code = "lint/counter-without-rate";
    assert!(has(&alert("http_errors_total > 100", ""), code));
    assert!(!has(&alert("rate(http_errors_total[5m]) > 100", ""), code));
}

#[test]
fn template_label_missing() {
    let code = "lint/template-label-missing";
    let src = alert(
        "sum by (job) (rate(x_total[5m])) > 1",
        "          where: \"{{ $labels.instance }}\"\n",
    );
    let d = lint_with(LintConfig::default(), &[("t.yml", &src)]);
    let f = d.iter().find(|x| x.code == code).expect("finding");
    // Points at `instance` inside the template.
    assert_eq!((f.line, f.column), (12, 30));
    assert!(!has(
        &alert(
            "sum by (job, instance) (rate(x_total[5m])) > 1",
            "          where: \"{{ $labels.instance }}\"\n"
        ),
        code
    ));
    assert!(!has(
        &alert(
            "rate(x_total[5m]) > 1",
            "          where: \"{{ $labels.instance }}\"\n"
        ),
        code
    ));
    let t = |expr: &str, tmpl: &str| alert(expr, &format!("          where: '{tmpl}'\n"));
    // absent() only returns its selector's equality matchers (pint's label flow).
    assert!(has(
        &t("absent(up{job=\"api\"})", "{{ $labels.instance }}"),
        code
    ));
    assert!(!has(
        &t("absent(up{job=\"api\"})", "{{ $labels.job }}"),
        code
    ));
    // Every branch of `or` must be able to have the label.
    assert!(has(
        &t(
            "sum by (instance) (up) == 0 or absent(up{job=\"api\"})",
            "{{ $labels.instance }}"
        ),
        code
    ));
    // Labels added by label_replace, count_values and group_left; removed by without/on.
    assert!(!has(
        &t(
            "label_replace(sum(up), \"x\", \"1\", \"\", \"\") > 0",
            "{{ $labels.x }}"
        ),
        code
    ));
    assert!(!has(
        &t("count_values(\"v\", up) > 0", "{{ .Labels.v }}"),
        code
    ));
    assert!(!has(
        &t(
            "up * on(instance) group_left(team) owner > 0",
            "{{ $labels.team }}"
        ),
        code
    ));
    assert!(has(
        &t("sum without (instance) (up) > 0", "{{ .Labels.instance }}"),
        code
    ));
    assert!(has(
        &t(
            "up / on(job) sum by (job) (up) > 0",
            "{{ $labels.instance }}"
        ),
        code
    ));
    assert!(has(
        &t("up{instance=\"\"} == 0", "{{ $labels.instance }}"),
        code
    ));
    // Aliases count; a rebound dot does not.
    assert!(has(
        &t("sum(up) > 0", "{{ $l := $labels }}{{ $l.instance }}"),
        code
    ));
    assert!(!has(
        &t(
            "sum(up) > 0",
            "{{ with query \"up\" }}{{ .Labels.instance }}{{ end }}"
        ),
        code
    ));
    // A group label is present on every alert of the group.
    let src = t("sum(up) > 0", "{{ $labels.team }}")
        .replace("  - name: g\n", "  - name: g\n    labels:\n      team: a\n");
    assert!(!has(&src, code));
}

#[test]
fn alert_for() {
    let code = "lint/alert-for";
    let redundant = alert("up == 0", "").replace("for: 5m", "for: 5m\n        keep_firing_for: 0s");
    assert!(has(&redundant, code));
    let kept = alert("up == 0", "").replace("for: 5m", "for: 5m\n        keep_firing_for: 5m");
    assert!(!has(&kept, code));
    let no_for = alert("up == 0", "").replace("        for: 5m\n", "");
    assert!(has(&no_for, code));
    let short = alert("up == 0", "")
        .replace("for: 5m", "for: 30s")
        .replace("  - name: g\n", "  - name: g\n    interval: 1m\n");
    assert!(has(&short, code));
    assert!(!has(&alert("up == 0", ""), code));
}

#[test]
fn alert_no_condition() {
    let code = "lint/alert-no-condition";
    assert!(has(&alert("sum(up)", ""), code));
    assert!(has(&alert("up > bool 1", ""), code));
    assert!(!has(&alert("up == 0", ""), code));
    assert!(!has(&alert("absent(up{job=\"a\"})", ""), code));
    assert!(!has(&alert("up unless down", ""), code));
}

#[test]
fn record_name_format() {
    let code = "lint/record-name-format";
    assert!(has(
        &record("http_requests_rate", "rate(http_requests_total[5m])"),
        code
    ));
    assert!(has(
        &record("job:http_requests", "rate(http_requests_total[5m])"),
        code
    ));
    assert!(!has(
        &record("job:http_requests:rate5m", "rate(http_requests_total[5m])"),
        code
    ));
}

#[test]
fn undefined_recorded_series_across_files() {
    let code = "lint/undefined-recorded-series";
    let user = record(
        "job:errors:ratio5m",
        "job:errors:rate5m / job:requests:rate5m",
    );
    let defs = "groups:\n  - name: d\n    rules:\n      - record: job:errors:rate5m\n        expr: sum by (job) (rate(errors_total[5m]))\n      - record: job:requests:rate5m\n        expr: sum by (job) (rate(requests_total[5m]))\n";
    let alone = lint_with(LintConfig::default(), &[("a.yml", &user)]);
    assert_eq!(alone.iter().filter(|d| d.code == code).count(), 2);
    let both = lint_with(LintConfig::default(), &[("a.yml", &user), ("b.yml", defs)]);
    assert!(!both.iter().any(|d| d.code == code), "{both:?}");
}

#[test]
fn recording_cycle() {
    let code = "lint/recording-cycle";
    let src = "groups:\n  - name: g\n    rules:\n      - record: a:x:sum\n        expr: b:x:sum + 1\n      - record: b:x:sum\n        expr: a:x:sum + 1\n      - record: c:x:sum\n        expr: a:x:sum\n";
    let d = lint_with(LintConfig::default(), &[("t.yml", src)]);
    let cyc: Vec<_> = d
        .iter()
        .filter(|x| x.code == code)
        .map(|x| x.rule.clone().unwrap())
        .collect();
    assert_eq!(cyc, vec!["a:x:sum", "b:x:sum"]);
    assert!(!has(&record("a:x:sum", "sum(x_total)"), code));
}

#[test]
fn required_labels_and_annotations() {
    let cfg = LintConfig {
        required_labels: vec![("severity".into(), vec!["critical".into(), "warning".into()])],
        required_annotations: vec!["runbook_url".into()],
        ..LintConfig::default()
    };
    let d = lint_with(cfg.clone(), &[("t.yml", &alert("up == 0", ""))]);
    assert!(
        d.iter()
            .any(|x| x.code == "lint/required-label" && x.message.contains("not one of"))
    );
    assert!(
        d.iter()
            .any(|x| x.code == "lint/required-annotation" && x.message.contains("runbook_url"))
    );
    let ok = alert("up == 0", "          runbook_url: http://x\n")
        .replace("severity: page", "severity: critical");
    let d = lint_with(cfg, &[("t.yml", &ok)]);
    assert!(
        !d.iter().any(|x| x.code.starts_with("lint/required")),
        "{d:?}"
    );
    assert!(has(
        &alert("up == 0", "").replace("          severity: page\n", "          team: a\n"),
        "lint/required-label"
    ));
}

fn msgs(src: &str, code: &str) -> Vec<String> {
    lint_with(LintConfig::default(), &[("t.yml", src)])
        .into_iter()
        .filter(|d| d.code == code)
        .map(|d| d.message)
        .collect()
}

#[test]
fn regex_not_needed() {
    let code = "lint/regex-not-needed";
    // pint's documented examples: `foo{job=~"bar"}` warns, `foo{job=~"bar|baz"}` does not.
    assert!(has(&alert("foo{job=~\"bar\"} == 0", ""), code));
    assert!(!has(&alert("foo{job=~\"bar|baz\"} == 0", ""), code));
    assert!(!has(&alert("up{job=\"api\"} == 0", ""), code));
    // No metacharacter at all, as Go's QuoteMeta sees it.
    assert!(has(&alert("up{job=~\"a-b,c\"} == 0", ""), code));
    assert!(has(&alert("up{job!~\"api\"} == 0", ""), code));
    assert!(has(&alert("'{__name__=~\"up\"} == 0'", ""), code));
    assert!(!has(&alert("'{__name__=~\"up|down\"} == 0'", ""), code));
    // Wildcards.
    let m = msgs(&alert("up{job=\"a\", env=~\".*\"} == 0", ""), code);
    assert!(m.iter().any(|x| x.contains("matches every value")), "{m:?}");
    let m = msgs(&alert("up{job=\"a\", env!~\".+\"} == 0", ""), code);
    assert!(m.iter().any(|x| x.contains("use `env=\"\"`")), "{m:?}");
    let m = msgs(&alert("up{job=\"a\", env!~\".*\"} == 0", ""), code);
    assert!(m.iter().any(|x| x.contains("never matches")), "{m:?}");
    assert!(!has(&alert("up{job=\"a\", env=~\".+\"} == 0", ""), code));
    assert!(!has(&alert("up{job=\"a\", env=~\"(.*)\"} == 0", ""), code));
    assert!(!has(&alert("up{job=\"a\", env=~\"p.*\"} == 0", ""), code));
    // The finding points at the pattern.
    let d = lint_with(
        LintConfig::default(),
        &[("t.yml", &alert("foo{job=~\"bar\"} == 0", ""))],
    );
    let f = d.iter().find(|x| x.code == code).expect("finding");
    assert_eq!((f.line, f.column), (5, 24));
}

#[test]
fn regex_anchored() {
    let code = "lint/regex-anchored";
    assert!(has(&alert("up{job=~\"^api.*$\"} == 0", ""), code));
    assert!(has(&alert("up{job=~\"^(api|web)\"} == 0", ""), code));
    assert!(has(&alert("up{job=~\"(api|web)$\"} == 0", ""), code));
    assert!(!has(&alert("up{job=~\"api|web\"} == 0", ""), code));
    assert!(!has(&alert("up{job=~\"api|^web\"} == 0", ""), code));
    assert!(!has(&alert("up{job=~\"price\\\\$\"} == 0", ""), code));
}

#[test]
fn regex_smelly() {
    let code = "lint/regex-smelly";
    // pint's documented example.
    assert!(has(
        &alert("up{job=~\"myservice_.+_production\"} == 0", ""),
        code
    ));
    assert!(has(&alert("up{job=~\"myservice.*\"} == 0", ""), code));
    assert!(!has(
        &alert("up{job=\"myservice\", env=\"production\"} == 0", ""),
        code
    ));
    assert!(!has(&alert("up{job=~\"api|web\"} == 0", ""), code));
    assert!(!has(&alert("up{code=~\"5..\"} == 0", ""), code));
    assert!(!has(&alert("up{code=~\"5.+\"} == 0", ""), code));
}

#[test]
fn duplicate_alert_across_groups_and_files() {
    let code = "lint/duplicate-alert";
    let a = alert("up == 0", "");
    let b = a.replace("name: g", "name: h");
    let d = lint_with(LintConfig::default(), &[("a.yml", &a), ("b.yml", &b)]);
    assert!(d.iter().any(|x| x.code == code && x.file == "b.yml"));
    let c = b.replace("up == 0", "up == 1");
    let d = lint_with(LintConfig::default(), &[("a.yml", &a), ("c.yml", &c)]);
    assert!(!d.iter().any(|x| x.code == code));
}

#[test]
fn impossible_vector_matching() {
    let code = "lint/impossible-vector-matching";
    assert!(has(
        &alert(
            "sum by (job) (a_total) / on(instance) sum by (instance) (b_total) > 1",
            ""
        ),
        code
    ));
    assert!(!has(
        &alert(
            "sum by (job) (a_total) / on(job) sum by (job) (b_total) > 1",
            ""
        ),
        code
    ));
}

#[test]
fn impossible_as_pint_documents_it() {
    let code = "lint/impossible-vector-matching";
    // The examples of pint's promql/impossible documentation, each with its fix.
    assert!(has(&alert("foo{job=\"bar\"} unless sum(foo)", ""), code));
    assert!(!has(
        &alert("foo{job=\"bar\"} unless foo{job=\"bar\", x=\"1\"}", ""),
        code
    ));
    assert!(has(
        &alert("group by (cluster) (sum(errors)) > 0", ""),
        code
    ));
    assert!(!has(
        &alert("group by (cluster) (sum by (cluster) (errors)) > 0", ""),
        code
    ));
    assert!(has(
        &alert("sum(foo) / on(cluster) count(bar) > 0", ""),
        code
    ));
    let bad = "service_ready and on (instance) (service_errors == 0) * on (cluster) group_left(env, location) cluster_info";
    let m = msgs(&alert(bad, ""), code);
    assert_eq!(m.len(), 2, "{m:?}");
    assert!(
        m[0].contains("\"env\"") && m[1].contains("\"location\""),
        "{m:?}"
    );
    let good = "(service_ready and on (instance) (service_errors == 0)) * on (cluster) group_left(env, location) cluster_info";
    assert!(!has(&alert(good, ""), code));
    // Comparisons between constants that never hold.
    assert!(has(&alert("vector(1) > 2", ""), code));
    assert!(has(&alert("vector(2 * 3) == 5", ""), code));
    assert!(!has(&alert("vector(1) > 0", ""), code));
    assert!(!has(&alert("vector(1) > bool 2", ""), code));
}

#[test]
fn vector_matching_across_jobs() {
    let code = "lint/impossible-vector-matching";
    // Both sides fix `job` to different values: one-to-one matching never pairs them.
    let m = msgs(
        &alert(
            "rate(a_total{job=\"api\"}[5m]) / rate(b_total{job=\"db\"}[5m]) > 1",
            "",
        ),
        code,
    );
    assert!(
        m.iter()
            .any(|x| x.contains("job=\"api\"") && x.contains("job=\"db\"")),
        "{m:?}"
    );
    // Messages say why a side cannot have the label.
    let m = msgs(&alert("sum(foo) / on(cluster) count(bar) > 0", ""), code);
    assert!(
        m.iter().any(|x| x.contains("sum() removes all labels")),
        "{m:?}"
    );
    assert!(!has(
        &alert(
            "rate(a_total{job=\"api\"}[5m]) / ignoring(job) rate(b_total{job=\"db\"}[5m]) > 1",
            ""
        ),
        code
    ));
    assert!(!has(
        &alert(
            "rate(a_total{job=\"api\"}[5m]) / on(instance) rate(b_total{job=\"db\"}[5m]) > 1",
            ""
        ),
        code
    ));
    assert!(!has(
        &alert(
            "rate(a_total{job=\"api\"}[5m]) / rate(b_total{job=\"api\"}[5m]) > 1",
            ""
        ),
        code
    ));
    // One side always has a label the other cannot (pint's vector_matching example shape).
    assert!(has(
        &alert("http_errors{instance=\"a\"} / sum(http_errors) > 0", ""),
        code
    ));
    assert!(!has(
        &alert(
            "http_errors / ignoring(instance) cluster:http_errors > 0",
            ""
        ),
        code
    ));
}

#[test]
fn aggregation_across_jobs() {
    let code = "lint/aggregation-across-jobs";
    // pint's promql/fragile example: without `for` it warns, with `for: 2m` it does not.
    let expr = "sum(foo{job=\"a\"}) / sum(bar{job=\"b\"}) > 0.1";
    assert!(has(&alert(expr, "").replace("        for: 5m\n", ""), code));
    assert!(!has(&alert(expr, ""), code));
    assert!(!has(
        &alert("sum(foo{job=\"a\"}) / sum(bar{job=\"a\"}) > 0.1", "")
            .replace("        for: 5m\n", ""),
        code
    ));
    assert!(!has(
        &alert("foo{job=\"a\"} / sum(bar{job=\"b\"}) > 0.1", "").replace("        for: 5m\n", ""),
        code
    ));
}

#[test]
fn template_query() {
    let code = "lint/template-query";
    let with = |desc: &str| {
        alert("up == 0", "").replace("description: d", &format!("description: '{desc}'"))
    };
    // pint's documented example: `sum(up)` has no `instance`, `up` has.
    assert!(has(
        &with("{{ with query \"sum(up)\" }}{{ . | first | label \"instance\" }}{{ end }}"),
        code
    ));
    assert!(!has(
        &with("{{ with query \"up\" }}{{ . | first | label \"instance\" }}{{ end }}"),
        code
    ));
    // Syntax errors inside the query, positioned inside the template.
    let src = with("{{ with query \"sum(up\" }}{{ . | first | value }}{{ end }}");
    let d = lint_with(LintConfig::default(), &[("t.yml", &src)]);
    let f = d.iter().find(|x| x.code == code).expect("finding");
    assert_eq!(f.line, 11);
    assert!(
        f.message.contains("unclosed left parenthesis"),
        "{}",
        f.message
    );
    assert!(!has(
        &with("{{ with query \"sum(up)\" }}{{ . | first | value }}{{ end }}"),
        code
    ));
}

#[test]
fn value_humanize() {
    let code = "lint/value-humanize";
    let with = |expr: &str, desc: &str| {
        alert(expr, "").replace("description: d", &format!("description: '{desc}'"))
    };
    assert!(has(
        &with("sum(rate(errors_total[5m])) > 1", "{{ $value }} errors/s"),
        code
    ));
    assert!(has(
        &with("deriv(queue_size[10m]) > 1", "growing by {{ .Value }}"),
        code
    ));
    assert!(!has(
        &with(
            "sum(rate(errors_total[5m])) > 1",
            "{{ $value | humanize }} errors/s"
        ),
        code
    ));
    assert!(!has(
        &with(
            "sum(rate(errors_total[5m])) > 1",
            "{{ printf \"%.2f\" $value }}"
        ),
        code
    ));
    assert!(!has(
        &with("count(rate(errors_total[5m]) > 1) > 1", "{{ $value }}"),
        code
    ));
    assert!(!has(
        &with("round(rate(errors_total[5m])) > 1", "{{ $value }}"),
        code
    ));
    assert!(!has(&with("queue_size > 1", "{{ $value }}"), code));
}

#[test]
fn group_interval_long() {
    let code = "lint/group-interval-long";
    let src = alert("up == 0", "").replace("  - name: g\n", "  - name: g\n    interval: 10m\n");
    assert!(has(&src, code));
    assert!(!has(&alert("up == 0", ""), code));
}

#[test]
fn topk_in_alert() {
    assert!(has(
        &alert("topk(3, rate(x_total[5m])) > 1", ""),
        "lint/topk-in-alert"
    ));
    assert!(!has(
        &alert("max(rate(x_total[5m])) > 1", ""),
        "lint/topk-in-alert"
    ));
}

#[test]
fn value_in_label() {
    let src = alert("up == 0", "").replace(
        "severity: page",
        "severity: page\n          v: \"{{ $value }}\"",
    );
    assert!(has(&src, "lint/value-in-label"));
    assert!(!has(&alert("up == 0", ""), "lint/value-in-label"));
    // An alias of the value, and a bounded condition on it.
    let src = alert("up == 0", "").replace(
        "severity: page",
        "severity: page\n          v: \"{{ $v := .Value }}{{ $v }}\"",
    );
    assert!(has(&src, "lint/value-in-label"));
    let src = alert("up == 0", "").replace(
        "severity: page",
        "severity: page\n          v: \"{{ if gt $value 1.0 }}high{{ else }}low{{ end }}\"",
    );
    assert!(!has(&src, "lint/value-in-label"));
}

#[test]
fn label_replace_regex() {
    let code = "lint/label-replace-regex";
    assert!(has(
        &record(
            "a:b:c",
            "label_replace(up, \"x\", \"$1\", \"instance\", \"(\")"
        ),
        code
    ));
    assert!(has(
        &record(
            "a:b:c",
            "label_replace(up, \"\", \"$1\", \"instance\", \"(.*)\")"
        ),
        code
    ));
    assert!(!has(
        &record(
            "a:b:c",
            "label_replace(up, \"x\", \"$1\", \"instance\", \"(.*):.*\")"
        ),
        code
    ));
}

#[test]
fn absent_compared() {
    let code = "lint/absent-compared";
    assert!(has(&alert("absent(up{job=\"a\"}) == 0", ""), code));
    assert!(!has(&alert("absent(up{job=\"a\"})", ""), code));
}

#[test]
fn nan_in_aggregation() {
    let code = "lint/nan-in-aggregation";
    assert!(has(
        &record(
            "job:x:ratio",
            "sum by (job) (rate(a_total[5m]) / rate(b_total[5m]))"
        ),
        code
    ));
    assert!(!has(
        &record(
            "job:x:ratio",
            "sum by (job) (rate(a_total[5m])) / sum by (job) (rate(b_total[5m]))"
        ),
        code
    ));
    assert!(!has(
        &record("job:x:ratio", "sum by (job) (rate(a_total[5m]) / 60)"),
        code
    ));
}

#[test]
fn cross_group_dependency() {
    let code = "lint/cross-group-dependency";
    let src = "groups:\n  - name: a\n    rules:\n      - record: job:x:sum\n        expr: sum by (job) (x_total)\n      - record: job:x:double\n        expr: job:x:sum * 2\n  - name: b\n    rules:\n      - record: job:x:triple\n        expr: job:x:sum * 3\n";
    let d = lint_with(LintConfig::default(), &[("t.yml", src)]);
    let found: Vec<_> = d
        .iter()
        .filter(|x| x.code == code)
        .map(|x| x.rule.clone().unwrap())
        .collect();
    assert_eq!(found, vec!["job:x:triple"]);
}

#[test]
fn checks_can_be_disabled_globally_per_file_and_per_rule() {
    let code = "lint/alert-no-condition";
    let src = alert("sum(up)", "");
    let mut cfg = LintConfig::default();
    cfg.disabled.insert(code.to_string());
    assert!(
        !lint_with(cfg, &[("t.yml", &src)])
            .iter()
            .any(|d| d.code == code)
    );
    let per_file = format!("# rules file/disable {code}\n{src}");
    assert!(!has(&per_file, code));
    let per_rule = src.replace(
        "      - alert: A\n",
        &format!("      # rules disable {code}\n      - alert: A\n"),
    );
    assert!(!has(&per_rule, code));
}

#[test]
fn severity_can_be_overridden() {
    let cfg = LintConfig {
        severities: vec![("lint/alert-no-condition".into(), rules::Severity::Error)],
        ..LintConfig::default()
    };
    let d = lint_with(cfg, &[("t.yml", &alert("sum(up)", ""))]);
    assert!(
        d.iter()
            .any(|x| x.code == "lint/alert-no-condition" && x.is_error())
    );
}

#[test]
fn every_check_is_documented_and_tested_here() {
    let this = include_str!("lint.rs");
    for c in CHECKS {
        assert!(
            !c.what.is_empty() && !c.why.is_empty() && !c.fix.is_empty(),
            "{}",
            c.code
        );
        let tested = this.matches(&format!("\"{}\"", c.code)).count();
        assert!(tested >= 1, "{} has no test", c.code);
    }
}

#[test]
fn validate_only_runs_no_lint() {
    let d = crate::check(&alert("sum(up)", ""), Dialect::V3, true);
    assert!(d.is_empty(), "{d:?}");
}

fn with_policy(policy: rules::lint::Policy, src: &str) -> Vec<String> {
    let cfg = LintConfig {
        policy,
        ..LintConfig::default()
    };
    lint_with(cfg, &[("t.yml", src)])
        .into_iter()
        .map(|d| d.code)
        .collect()
}

fn pat(p: &str) -> rules::lint::Pattern {
    rules::lint::Pattern::new(p).unwrap()
}

#[test]
fn policy_for() {
    let code = "lint/policy-for";
    let p = rules::lint::Policy {
        for_limits: vec![rules::lint::ForLimit {
            alert: pat(".*"),
            min_ms: Some(120_000),
            max_ms: Some(600_000),
            keep_firing_for: false,
        }],
        ..Default::default()
    };
    let five = alert("up == 0", "");
    assert!(!with_policy(p.clone(), &five).iter().any(|c| c == code));
    assert!(
        with_policy(p.clone(), &five.replace("for: 5m", "for: 1m"))
            .iter()
            .any(|c| c == code)
    );
    assert!(
        with_policy(p, &five.replace("for: 5m", "for: 1h"))
            .iter()
            .any(|c| c == code)
    );
}

#[test]
fn policy_name() {
    let code = "lint/policy-name";
    let p = rules::lint::Policy {
        alert_names: Some(pat("[A-Z][A-Za-z0-9]*")),
        record_names: Some(pat("[a-z_]+:[a-z_]+:[a-z0-9_]+")),
        ..Default::default()
    };
    assert!(
        !with_policy(p.clone(), &alert("up == 0", ""))
            .iter()
            .any(|c| c == code)
    );
    let bad = alert("up == 0", "").replace("alert: A", "alert: a-b");
    assert!(with_policy(p.clone(), &bad).iter().any(|c| c == code));
    assert!(
        with_policy(p.clone(), &record("JobUp", "sum(up)"))
            .iter()
            .any(|c| c == code)
    );
    assert!(
        !with_policy(p, &record("job:up:sum", "sum by (job) (up)"))
            .iter()
            .any(|c| c == code)
    );
    assert!(rules::lint::Pattern::new("(").is_err());
}

#[test]
fn policy_reject() {
    let code = "lint/policy-reject";
    let p = rules::lint::Policy {
        reject: vec![rules::lint::Reject {
            pattern: pat("alertname|.*secret.*"),
            label_keys: true,
            label_values: true,
            annotation_keys: false,
            annotation_values: true,
        }],
        ..Default::default()
    };
    assert!(
        !with_policy(p.clone(), &alert("up == 0", ""))
            .iter()
            .any(|c| c == code)
    );
    let key =
        alert("up == 0", "").replace("severity: page", "severity: page\n          alertname: x");
    assert!(with_policy(p.clone(), &key).iter().any(|c| c == code));
    let value = alert("up == 0", "").replace("summary: s", "summary: my secret");
    assert!(with_policy(p, &value).iter().any(|c| c == code));
}

#[test]
fn policy_selector() {
    let code = "lint/policy-selector";
    let p = rules::lint::Policy {
        selectors: vec![rules::lint::SelectorRule {
            metric: pat("http_.*"),
            required_labels: vec!["job".to_string()],
        }],
        ..Default::default()
    };
    let bad = alert("sum(rate(http_requests_total[5m])) > 1", "");
    assert!(with_policy(p.clone(), &bad).iter().any(|c| c == code));
    let good = alert("sum(rate(http_requests_total{job=\"api\"}[5m])) > 1", "");
    assert!(!with_policy(p.clone(), &good).iter().any(|c| c == code));
    assert!(
        !with_policy(p, &alert("up == 0", ""))
            .iter()
            .any(|c| c == code)
    );
}

#[test]
fn policy_aggregate() {
    let code = "lint/policy-aggregate";
    let p = rules::lint::Policy {
        aggregate: vec![rules::lint::AggregateRule {
            rule: pat("job:.+"),
            keep: vec!["job".to_string()],
            strip: vec!["instance".to_string()],
        }],
        ..Default::default()
    };
    let ok = record("job:up:sum", "sum by (job) (up)");
    assert!(!with_policy(p.clone(), &ok).iter().any(|c| c == code));
    let drops_job = record("job:up:sum", "sum(up)");
    assert!(with_policy(p.clone(), &drops_job).iter().any(|c| c == code));
    let keeps_instance = record("job:up:sum", "sum without (cpu) (up)");
    assert!(
        with_policy(p.clone(), &keeps_instance)
            .iter()
            .any(|c| c == code)
    );
    // Rules the pattern does not name are not checked.
    assert!(
        !with_policy(p, &record("instance:up:sum", "sum(up)"))
            .iter()
            .any(|c| c == code)
    );
}

#[test]
fn policy_range() {
    let code = "lint/policy-range";
    let p = rules::lint::Policy {
        max_range_ms: Some(24 * 3_600_000),
        ..Default::default()
    };
    let long = alert("rate(x_total[2d]) > 1", "");
    assert!(with_policy(p.clone(), &long).iter().any(|c| c == code));
    let sub = alert("max_over_time(rate(x_total[5m])[3d:5m]) > 1", "");
    assert!(with_policy(p.clone(), &sub).iter().any(|c| c == code));
    assert!(
        !with_policy(p.clone(), &alert("rate(x_total[1d]) > 1", ""))
            .iter()
            .any(|c| c == code)
    );
    // Off by default.
    assert!(!has(&long, code));
}

#[test]
fn duplicate_record_across_groups_and_files() {
    let code = "lint/duplicate-record";
    let a = record("job:up:sum", "sum by (job) (up)");
    let b = a.replace("name: g", "name: h");
    let d = lint_with(LintConfig::default(), &[("a.yml", &a), ("b.yml", &b)]);
    assert!(d.iter().any(|x| x.code == code && x.file == "b.yml"));
    // Different labels make different series.
    let c = format!("{b}        labels:\n          env: prod\n");
    let d = lint_with(LintConfig::default(), &[("a.yml", &a), ("c.yml", &c)]);
    assert!(!d.iter().any(|x| x.code == code), "{d:?}");
}

#[test]
fn absent_for() {
    let code = "lint/absent-for";
    let a = alert("absent(up{job=\"api\"})", "");
    assert!(!has(&a, code));
    assert!(has(&a.replace("for: 5m", "for: 15s"), code));
    assert!(has(&a.replace("        for: 5m\n", ""), code));
    assert!(!has(
        &alert("up == 0", "").replace("for: 5m", "for: 15s"),
        code
    ));
}

/// The checks added for pint's offline checks, disabled one by one globally and per rule.
#[test]
fn new_checks_can_be_disabled_globally_and_per_rule() {
    let src = alert(
        "sum(rate(a_total{job=\"api\", env=~\"^prod.*\"}[5m])) / sum(rate(b_total{job=\"db\"}[5m])) > 1 unless on(job) sum(x)",
        "",
    )
    .replace("        for: 5m\n", "")
    .replace("description: d", "description: '{{ $value }} {{ $labels.instance }}'");
    let all = codes(&src);
    for code in [
        "lint/regex-anchored",
        "lint/regex-smelly",
        "lint/value-humanize",
        "lint/aggregation-across-jobs",
        "lint/impossible-vector-matching",
        "lint/template-label-missing",
    ] {
        assert!(all.iter().any(|c| c == code), "{code} not found: {all:?}");
        let mut cfg = LintConfig::default();
        cfg.disabled.insert(code.to_string());
        let d = lint_with(cfg, &[("t.yml", &src)]);
        assert!(!d.iter().any(|d| d.code == code), "{code} not disabled");
        let per_rule = src.replace(
            "      - alert: A\n",
            &format!("      # rules disable {code}\n      - alert: A\n"),
        );
        let c = codes(&per_rule);
        assert!(!c.iter().any(|c| c == code), "{code} not disabled per rule");
        assert!(c.len() < all.len(), "only {code} goes");
    }
}
