//! Property tests: no input makes the checker panic.

use proptest::prelude::*;
use rules::{Dialect, ParseOptions};

use crate::check;

/// YAML-ish text built from rule-file fragments, so that the parser gets past the scanner.
fn yamlish() -> impl Strategy<Value = String> {
    let frag = prop_oneof![
        Just("groups:\n".to_string()),
        Just("- name: g\n".to_string()),
        Just("  rules:\n".to_string()),
        Just("  - record: a:b\n".to_string()),
        Just("    alert: A\n".to_string()),
        Just("    expr: |\n      sum(rate(x[5m]))\n".to_string()),
        Just("    labels: {a: &x b, c: *x}\n".to_string()),
        Just("    <<: *x\n".to_string()),
        Just("---\n".to_string()),
        Just("    annotations:\n      s: \"{{ $labels.a }\"\n".to_string()),
        Just("kind: PrometheusRule\nspec:\n".to_string()),
        "[ -~]{0,12}\n",
        "    expr: [a-z(){}\\[\\]=~\"0-9:,.+*/ ]{0,30}\n",
    ];
    prop::collection::vec(frag, 0..12).prop_map(|v| v.concat())
}

/// Vector expressions built from the constructs the label flow models.
fn vector_expr() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("foo".to_string()),
        Just("bar{job=\"a\", instance=~\"h.+\"}".to_string()),
        Just("rate(x_total{env=\"\"}[5m])".to_string()),
        Just("absent(up{job=\"b\"})".to_string()),
        Just("vector(1)".to_string()),
    ];
    leaf.prop_recursive(4, 24, 2, |inner| {
        prop_oneof![
            inner.clone().prop_map(|e| format!("sum by (job) ({e})")),
            inner
                .clone()
                .prop_map(|e| format!("max without (env) ({e})")),
            inner.clone().prop_map(|e| format!("topk(2, {e})")),
            inner
                .clone()
                .prop_map(|e| format!("label_replace({e}, \"d\", \"$1\", \"job\", \"(.*)\")")),
            inner
                .clone()
                .prop_map(|e| format!("count_values(\"v\", {e})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a}) / ({b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a}) or ({b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a}) unless on(job) ({b})")),
            (inner.clone(), inner)
                .prop_map(|(a, b)| format!("({a}) * on(job) group_left(team) ({b})")),
        ]
    })
}

fn alert_with(expr: &str, template: &str) -> String {
    format!(
        "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: {expr:?}\n    for: 5m\n    labels:\n      severity: page\n    annotations:\n      summary: s\n      description: {template:?}\n"
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Label-flow invariant: `sum(E)` has no labels and `sum by (instance) (E)` at most
    /// `instance`, whatever `E` is; the lint never panics on any combination.
    #[test]
    fn aggregations_bound_the_labels_templates_can_use(e in vector_expr()) {
        let code = "lint/template-label-missing";
        let d = check(&alert_with(&format!("sum({e}) > 0"), "{{ $labels.job }}"), Dialect::V3, false);
        prop_assert!(!d.iter().any(|x| x.code == "rules/expr-syntax"), "{d:?}");
        prop_assert!(d.iter().any(|x| x.code == code), "{e}: {d:?}");
        let d = check(
            &alert_with(&format!("sum by (instance) ({e}) > 0"), "{{ $labels.job }}"),
            Dialect::V3,
            false,
        );
        prop_assert!(d.iter().any(|x| x.code == code), "{e}: {d:?}");
        let d = check(&alert_with(&format!("{e} > 0"), "{{ $labels.x }} {{ $value }}"), Dialect::V3, false);
        prop_assert!(!d.iter().any(|x| x.code == "rules/expr-syntax"), "{d:?}");
    }

    /// A pattern without regex metacharacters is always reported as needing no regex.
    #[test]
    fn plain_patterns_need_no_regex(p in "[a-z0-9_ ,@-]{1,12}") {
        let d = check(&alert_with(&format!("up{{job=~\"{p}\"}} == 0"), "d"), Dialect::V3, false);
        prop_assert!(d.iter().any(|x| x.code == "lint/regex-not-needed"), "{p}: {d:?}");
        prop_assert!(!d.iter().any(|x| x.code == "lint/regex-anchored"), "{p}: {d:?}");
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let src = String::from_utf8_lossy(&bytes);
        let _ = check(&src, Dialect::V3, false);
        let _ = check(&src, Dialect::V2, true);
    }

    #[test]
    fn arbitrary_yaml_never_panics(src in yamlish()) {
        for d in [Dialect::V2, Dialect::V3] {
            let diags = check(&src, d, false);
            for x in &diags {
                prop_assert!(x.line >= 1 && x.column >= 1, "{x}");
            }
        }
        let _ = rules::parse("t.yml", &src, &ParseOptions::default());
    }

    #[test]
    fn arbitrary_expressions_never_panic(expr in "[a-z_(){}\\[\\]=~!\"'`@0-9:,.+*/^ #\\\\-]{0,40}") {
        let src = format!("groups:\n- name: g\n  rules:\n  - record: a:b\n    expr: {expr:?}\n");
        let _ = check(&src, Dialect::V3, false);
        let _ = check(&src, Dialect::V2, true);
    }

    #[test]
    fn arbitrary_templates_never_panic(t in "[{}$.a-z \"()|:=-]{0,40}") {
        let src = format!("groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up\n    annotations:\n      a: {t:?}\n");
        let _ = check(&src, Dialect::V3, false);
    }
}

/// Deeply nested expressions are validated (and skipped by the recursive lint walks) without
/// overflowing the stack, on the calling thread and on the worker threads of large files.
#[test]
fn deep_nesting_does_not_overflow() {
    let deep = format!("{}up{} > 1", "sum(".repeat(2000), ")".repeat(2000));
    let mut src = String::from("groups:\n- name: g\n  rules:\n");
    for i in 0..600 {
        let expr = if i == 300 { deep.as_str() } else { "up == 0" };
        src.push_str(&format!("  - alert: A{i}\n    expr: {expr}\n    for: 5m\n"));
    }
    let one = format!("groups:\n- name: g\n  rules:\n  - alert: A\n    expr: {deep}\n");
    let handle = std::thread::Builder::new()
        .stack_size(8 << 20)
        .spawn(move || {
            let big = check(&src, Dialect::V3, false);
            let single = check(&one, Dialect::V3, false);
            (big, single)
        })
        .unwrap();
    let (big, single) = handle.join().unwrap();
    assert!(!big.iter().any(|d| d.is_error()), "{big:?}");
    assert!(!single.iter().any(|d| d.is_error()), "{single:?}");
}
