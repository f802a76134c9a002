//! Generated SLO rules pass our validation, our lint and the real promtool.

use std::process::Command;

use rules::slo::{BURN_WINDOWS, Sli, SloSpec, WINDOWS};
use rules::{CheckOptions, Checker, Dialect, Severity};

fn spec() -> SloSpec {
    SloSpec::new(
        "api-availability",
        "99.9",
        Sli::ErrorsOverTotal {
            errors: "sum(rate(http_requests_total{job=\"api\",code=~\"5..\"}[{{.window}}]))".into(),
            total: "sum(rate(http_requests_total{job=\"api\"}[{{.window}}]))".into(),
        },
    )
    .unwrap()
    .with_label("team", "platform")
}

#[test]
fn generated_rules_pass_our_checks_in_both_dialects() {
    let yaml = spec().to_rule_file().unwrap();
    for dialect in [Dialect::V2, Dialect::V3] {
        let mut c = Checker::new(CheckOptions {
            dialect,
            ..CheckOptions::default()
        });
        c.add_source("slo.yml", &yaml);
        let d = c.finish();
        assert!(d.is_empty(), "{dialect}: {d:#?}\n{yaml}");
    }
    let parsed = rules::parse("slo.yml", &yaml, &rules::ParseOptions::default()).unwrap();
    let rules: Vec<_> = parsed.file.rules().map(|(_, r)| r).collect();
    assert_eq!(rules.len(), WINDOWS.len() + 2);
    let page = rules
        .iter()
        .find(|r| r.label("severity") == Some("page"))
        .unwrap();
    let text = &page.expr.as_ref().unwrap().text;
    assert!(
        text.contains("slo:sli_error:ratio_rate1h{slo=\"api-availability\"} > 0.0144"),
        "{text}"
    );
    assert!(
        text.contains("ratio_rate30m{slo=\"api-availability\"} > 0.006"),
        "{text}"
    );
    let ticket = rules
        .iter()
        .find(|r| r.label("severity") == Some("ticket"))
        .unwrap();
    assert!(
        ticket
            .expr
            .as_ref()
            .unwrap()
            .text
            .contains("ratio_rate3d{slo=\"api-availability\"} > 0.001")
    );
    assert_eq!(BURN_WINDOWS.len(), 4);
}

#[test]
fn prometheus_rule_output_is_read_back() {
    let yaml = spec().to_prometheus_rule("api-slo", "monitoring").unwrap();
    let mut c = Checker::new(CheckOptions::default());
    c.add_source("slo.yml", &yaml);
    let d = c.finish();
    assert!(!d.iter().any(|x| x.severity == Severity::Error), "{d:#?}");
    let parsed = rules::parse("slo.yml", &yaml, &rules::ParseOptions::default()).unwrap();
    assert_eq!(parsed.file.rules().count(), 9);
}

#[test]
fn generated_rules_pass_promtool() {
    let dir = tempfile::tempdir().unwrap();
    let ratio = SloSpec::new(
        "latency",
        "99.5",
        Sli::Ratio(
            "1 - (sum(rate(h_bucket{le=\"0.3\"}[{{.window}}])) / sum(rate(h_count[{{.window}}])))"
                .into(),
        ),
    )
    .unwrap();
    for (i, s) in [spec(), ratio].iter().enumerate() {
        let path = dir.path().join(format!("slo{i}.yml"));
        std::fs::write(&path, s.to_rule_file().unwrap()).unwrap();
        let out = Command::new("promtool")
            .args(["check", "rules"])
            .arg(&path)
            .output()
            .unwrap_or_else(|e| panic!("cannot run promtool ({e}); install it with `apt-get install -y prometheus` or run `bash scripts/test-all.sh`"));
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && stdout.contains("SUCCESS: 9 rules found"),
            "{stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
