//! Differential test against the installed `promtool check rules` (2.42, v2 dialect): generated
//! valid files and broken variants of every kind must get the same verdict from both.

use std::path::Path;
use std::process::Command;

use rules::Dialect;

use crate::{Verdict, check, verdict};

/// Run promtool on `path`: exit 1 is an error; exit 0 with a `FAILED` report is a lint finding.
fn promtool(path: &Path) -> Verdict {
    let out = Command::new("promtool")
        .arg("check")
        .arg("rules")
        .arg(path)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run promtool ({e}); install it with `apt-get install -y prometheus` or run `bash scripts/test-all.sh`")
        });
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    match out.status.code() {
        Some(0) if stdout.contains("SUCCESS") => Verdict::Ok,
        Some(0) => Verdict::Lint,
        Some(1) => Verdict::Error,
        other => panic!("promtool exited with {other:?}: {stdout}{stderr}"),
    }
}

/// A small deterministic generator (xorshift) so the files differ but runs repeat.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[(self.next() % xs.len() as u64) as usize]
    }
}

const METRICS: &[&str] = &[
    "http_requests_total",
    "node_cpu_seconds_total",
    "api_errors_total",
    "rpc_calls_total",
];
const LABELS: &[&str] = &["job", "instance", "code", "method"];
const RANGES: &[&str] = &["1m", "5m", "10m", "1h"];

fn valid_file(g: &mut Gen) -> String {
    let mut s = String::from("groups:\n");
    for gi in 0..2 {
        s.push_str(&format!(
            "  - name: group-{gi}\n    interval: {}\n    rules:\n",
            g.pick(&["30s", "1m", "2m"])
        ));
        for ri in 0..3 {
            let m = g.pick(METRICS);
            let l = g.pick(LABELS);
            let r = g.pick(RANGES);
            let expr = match g.next() % 4 {
                0 => format!("sum by ({l}) (rate({m}[{r}]))"),
                1 => format!("histogram_quantile(0.99, sum by (le, {l}) (rate({m}_bucket[{r}])))"),
                2 => format!(
                    "sum by ({l}) (increase({m}{{code=~\"5..\"}}[{r}])) / sum by ({l}) (increase({m}[{r}]))"
                ),
                _ => format!("max_over_time(rate({m}[{r}])[1h:5m]) offset 1m"),
            };
            if ri % 2 == 0 {
                s.push_str(&format!(
                    "      - record: {l}:{m}:r{gi}{ri}\n        expr: {expr}\n"
                ));
            } else {
                s.push_str(&format!(
                    "      - alert: Alert{gi}{ri}\n        expr: |\n          {expr}\n          > 0.5\n        for: {}\n        labels:\n          severity: page\n        annotations:\n          summary: \"{{{{ $labels.{l} }}}} at {{{{ $value | humanizePercentage }}}}\"\n",
                    g.pick(&["5m", "10m", "1h"])
                ));
            }
        }
    }
    s
}

/// Broken variants: (kind, text to find in the valid file, replacement). Each replaces the first
/// occurrence; the kinds cover every promtool check and the PromQL/regex/template corners.
const MUTATIONS: &[(&str, &str, &str)] = &[
    ("unclosed paren", "expr: sum by", "expr: sum(by"),
    (
        "unknown function",
        "expr: sum by",
        "expr: nosuch(x) + sum by",
    ),
    (
        "newer function",
        "expr: sum by",
        "expr: sort_by_label(up, \"a\") + sum by",
    ),
    (
        "holt_winters is 2.x",
        "expr: sum by",
        "expr: holt_winters(x[5m], 0.5, 0.5) + sum by",
    ),
    ("duration as number", "expr: sum by", "expr: 5m + sum by"),
    (
        "quoted metric name",
        "expr: sum by",
        "expr: {\"my.metric\"} + sum by",
    ),
    (
        "range of instant fn",
        "expr: sum by",
        "expr: rate(up) + sum by",
    ),
    ("bad duration", "for: ", "for: 5x"),
    ("negative interval", "interval: ", "interval: -"),
    ("bad record name", "- record: ", "- record: bad-"),
    (
        "record and alert",
        "- record: ",
        "- alert: A\n        record: ",
    ),
    ("neither record nor alert", "- record: ", "- recordx: "),
    ("missing expr", "expr: sum by", "exprx: sum by"),
    (
        "for on recording rule",
        "- record: ",
        "- for: 5m\n        record: ",
    ),
    ("__name__ label", "severity: page", "__name__: page"),
    ("bad label name", "severity: page", "0severity: page"),
    ("bad annotation name", "summary: ", "sum-mary: "),
    ("template undefined var", "$labels.", "$label."),
    ("template unknown func", "humanizePercentage", "nosuchfunc"),
    (
        "template unclosed action",
        "humanizePercentage }}",
        "humanizePercentage }",
    ),
    ("duplicate group", "group-1", "group-0"),
    ("empty group name", "name: group-0", "name: \"\""),
    (
        "unknown group field",
        "    rules:\n",
        "    limitx: 1\n    rules:\n",
    ),
    (
        "group labels are v3",
        "    rules:\n",
        "    labels: {a: b}\n    rules:\n",
    ),
    (
        "duplicate key",
        "        expr: sum by",
        "        expr: up\n        expr: sum by",
    ),
    ("tab indentation", "  - name: group-0", "\t- name: group-0"),
    ("nested repetition regex", "code=~\"5..\"", "code=~\"5**\""),
    ("repeat count 1001", "code=~\"5..\"", "code=~\"5{1001}\""),
    (
        "named group (?<n>) in Go 1.19",
        "code=~\"5..\"",
        "code=~\"(?<n>5)..\"",
    ),
    (
        "\\Q..\\E is valid Go",
        "code=~\"5..\"",
        "code=~\"\\\\Q5.\\\\E.\"",
    ),
    ("unclosed regex group", "code=~\"5..\"", "code=~\"(5..\""),
    (
        "empty-matching selector",
        "expr: sum by",
        "expr: count({code=~\".*\"}) + sum by",
    ),
    (
        "at out of bounds",
        "expr: sum by",
        "expr: up @ 1e100 + sum by",
    ),
    ("duplicate rule", "Alert01", "Alert11"),
    (
        "valid: limit",
        "    rules:\n",
        "    limit: 10\n    rules:\n",
    ),
    (
        "valid: keep_firing_for",
        "for: ",
        "keep_firing_for: 1m\n        for: ",
    ),
];

#[test]
fn verdicts_agree_with_promtool() {
    let dir = tempfile::tempdir().unwrap();
    let mut g = Gen(0x9E37_79B9_7F4A_7C15);
    let mut mismatches = Vec::new();
    let mut cases = 0;
    for round in 0..2 {
        let base = valid_file(&mut g);
        let mut variants = vec![("valid".to_string(), base.clone())];
        for (kind, find, replace) in MUTATIONS {
            assert!(
                base.contains(find),
                "mutation {kind:?}: {find:?} not in base file"
            );
            variants.push(((*kind).to_string(), base.replacen(find, replace, 1)));
        }
        for (i, (kind, src)) in variants.iter().enumerate() {
            let path = dir.path().join(format!("r{round}-{i}.yml"));
            std::fs::write(&path, src).unwrap();
            let theirs = promtool(&path);
            let ours = verdict(&check(src, Dialect::V2, true));
            cases += 1;
            if theirs != ours {
                mismatches.push(format!("{kind}: promtool {theirs:?}, ours {ours:?}\n{src}"));
            }
        }
    }
    assert!(cases > 70);
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n---\n"));
}

/// Regex matcher corner cases where Go's RE2 syntax and Rust's `regex` disagree (or might): each
/// pattern is one file, all checked by a single promtool run.
const REGEXES: &[&str] = &[
    r#"\pN"#,
    r#"\p{Greek}"#,
    r#"\p{Emoji}"#,
    r#"\p{L}"#,
    r#"\PL"#,
    r#"[[:word:]]"#,
    r#"\z"#,
    r#"\Z"#,
    r#"(?i:a)"#,
    r#"(?s)."#,
    r#"(?U)a+"#,
    r#"a{,5}"#,
    r#"a{5,}"#,
    r#"\0"#,
    r#"\1"#,
    r#"\8"#,
    r#"\012"#,
    r#"[a-]"#,
    r#"[]a]"#,
    r#"[^]a]"#,
    r#"\x{10FFFF}"#,
    r#"\x{110000}"#,
    r#"(?P=name)"#,
    r#"(?#comment)"#,
    r#"a{1000}"#,
    r#"(a{500}){3}"#,
    r#"(a{100}){100}"#,
    r#"^*"#,
    r#"$+"#,
    r#"x++"#,
    r#"x?+"#,
    r#"x*?"#,
    r#"x*??"#,
    r#"[\d-z]"#,
    r#"[\Q]\E]"#,
    r#"\e"#,
    r#"\cA"#,
    r#"\_"#,
    r#"\/"#,
    r#"\-"#,
    r#"\~"#,
    r#"\<"#,
    r#"[a&&b]"#,
    r#"[a--b]"#,
    r#"[a~~b]"#,
    r#"(?-i)a"#,
    r#"(?i-)a"#,
    r#"(?)"#,
    r#"()"#,
    r#"a|*"#,
    r#"[z-a]"#,
    r#"\N{DIGIT ONE}"#,
    r#"\u0041"#,
    r#"\x41"#,
    r#"\X"#,
    r#"\R"#,
    r#"\h"#,
    r#"\K"#,
    r#"(?:)"#,
    r#"(?P<n>a)(?P<n>b)"#,
    r#"(?P<1a>x)"#,
    r#"[[:foo:]]"#,
    r#"[\pL]"#,
    r#"\pZ"#,
    r#"\p{Latin}"#,
    r#"\p{Han}"#,
    r#"\p{Lu}"#,
    r#"\p{Sc}"#,
    r#"\p{Any}"#,
    r#"\p{ASCII}"#,
    r#"\p{Greek}+"#,
    r#"\8a"#,
    r#"[\x{41}-\x{5A}]"#,
    r#"\x4"#,
    r#"\x{}"#,
    r#"[a-\d]"#,
    r#"[\w-]"#,
    r#"[-a]"#,
    r#"[a\-z]"#,
    r#"(?i)(?-i:A)"#,
    r#"(?im-sU:x)"#,
    r#"(?P<name>"#,
    r#"(?P>x)"#,
    r#"(?=a)"#,
    r#"(?!a)"#,
    r#"(?<=a)"#,
    r#"a{2}{3}"#,
    r#"a{2}*"#,
    r#"(a*)*"#,
    r#"a**?"#,
    r#"x{0}"#,
    r#"x{0,0}"#,
    r#"x{1000,}"#,
    r#"x{1001,}"#,
    r#"\pZs"#,
    r#"\p{Zs}"#,
    r#"\p{^Greek}"#,
    r#"\P{^L}"#,
    r#"[^\x00-\x{10FFFF}]"#,
    r#".*?$"#,
    r#"(|a)"#,
    r#"a||b"#,
    r#"[[:^alpha:]]"#,
    r#"[[:alpha:][:digit:]]"#,
    r#"[[.a.]]"#,
    r#"[[=a=]]"#,
    r#"\Q\E"#,
    r#"\Qab"#,
    r#"[\Q]"#,
    r#"\b{start}"#,
    r#"\v"#,
    r#"\f"#,
    r#"\a"#,
    r#"\t\n\r"#,
    r#"€+"#,
    r#"[☃-☄]"#,
];

/// Check every source with one `promtool check rules` run: `Checking FILE` is followed by a
/// `SUCCESS` line only when the file is valid.
fn promtool_batch(sources: &[String]) -> Vec<bool> {
    let dir = tempfile::tempdir().unwrap();
    let mut paths = Vec::new();
    for (i, src) in sources.iter().enumerate() {
        let path = dir.path().join(format!("f{i}.yml"));
        std::fs::write(&path, src).unwrap();
        paths.push(path);
    }
    let out = Command::new("promtool")
        .args(["check", "rules"])
        .args(&paths)
        .output()
        .unwrap_or_else(|e| panic!("cannot run promtool ({e}); install it with `apt-get install -y prometheus` or run `bash scripts/test-all.sh`"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    let mut ok = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        if l.starts_with("Checking ") {
            ok.push(lines.get(i + 1).is_some_and(|n| n.contains("SUCCESS")));
        }
    }
    assert_eq!(ok.len(), sources.len(), "{stdout}");
    ok
}

/// Compare our v2 verdicts with promtool's on `cases` (label, source).
fn agree(cases: &[(String, String)]) {
    let sources: Vec<String> = cases.iter().map(|(_, s)| s.clone()).collect();
    let theirs = promtool_batch(&sources);
    let diffs: Vec<String> = cases
        .iter()
        .zip(theirs)
        .filter_map(|((label, src), t)| {
            let ours = verdict(&check(src, Dialect::V2, true)) == Verdict::Ok;
            (ours != t).then(|| format!("{label:?}: promtool ok={t}, ours ok={ours}"))
        })
        .collect();
    assert!(diffs.is_empty(), "{}", diffs.join("\n"));
}

fn yaml_str(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

#[test]
fn regex_syntax_agrees_with_go() {
    let cases: Vec<(String, String)> = REGEXES
        .iter()
        .map(|re| {
            let expr = format!("x{{a=~{}}}", yaml_str(re));
            let src = format!(
                "groups:\n- name: g\n  rules:\n  - record: a\n    expr: {}\n",
                yaml_str(&expr)
            );
            ((*re).to_string(), src)
        })
        .collect();
    agree(&cases);
}

/// The 111 expressions of the research notes' promql-parser comparison (Appendix A).
const EXPRESSIONS: &[&str] = &[
    r#"up"#,
    r#"up{job="x"}"#,
    r#"{__name__="up"}"#,
    r#"{__name__=~"up|down", job!=""}"#,
    r#"{job=~".*"}"#,
    r#"{}"#,
    r#"foo{}"#,
    r#"foo{__name__="bar"}"#,
    r#"foo{a="b",}"#,
    r#"foo{a=~"("}"#,
    r#"rate(http_requests_total[5m])"#,
    r#"rate(http_requests_total)"#,
    r#"rate(http_requests_total[5m] offset 1h)"#,
    r#"rate(http_requests_total[5m] offset -1h)"#,
    r#"rate(http_requests_total[5m] @ 1609746000)"#,
    r#"rate(http_requests_total[5m] @ start())"#,
    r#"rate(http_requests_total[5m] @ end() offset 5m)"#,
    r#"rate(http_requests_total[1h:5m])"#,
    r#"max_over_time(rate(x[5m])[1h:])"#,
    r#"max_over_time(rate(x[5m])[1h:] offset 1d)"#,
    r#"sum by (job) (rate(http_requests_total{job="x"}[5m]))"#,
    r#"sum(rate(http_requests_total[5m])) by (job)"#,
    r#"sum without (instance) (up)"#,
    r#"sum without () (up)"#,
    r#"sum(up) by (job) offset 5m"#,
    r#"count_values("value", up)"#,
    r#"topk(3, up)"#,
    r#"topk(up)"#,
    r#"quantile(0.9, up)"#,
    r#"limitk(2, up)"#,
    r#"limit_ratio(0.5, up)"#,
    r#"histogram_quantile(0.99, sum by (le) (rate(x_bucket[5m])))"#,
    r#"histogram_quantile(0.99, rate(x[5m]))"#,
    r#"histogram_fraction(0, 0.2, rate(x[5m]))"#,
    r#"label_replace(up, "foo", "$1", "instance", "(.*):.*")"#,
    r#"label_replace(up, "foo", "$1", "instance", "(")"#,
    r#"label_replace(up, "0foo", "$1", "instance", "(.*)")"#,
    r#"label_join(up, "foo", ",", "a", "b")"#,
    r#"absent(up{job="x"})"#,
    r#"absent_over_time(up[5m])"#,
    r#"predict_linear(x[1h], 3600)"#,
    r#"vector(1)"#,
    r#"scalar(up)"#,
    r#"time()"#,
    r#"time(1)"#,
    r#"1 + 2"#,
    r#"1 > 2"#,
    r#"1 > bool 2"#,
    r#"up > 1"#,
    r#"up > bool 1"#,
    r#"up and on() vector(1)"#,
    r#"up * on(instance) group_left(node) node_info"#,
    r#"up * on(instance) group_left node_info"#,
    r#"up + ignoring(job) up"#,
    r#"up or up"#,
    r#"up and 1"#,
    r#"up unless on(job) group_left down"#,
    r#"-up"#,
    r#"- - 1"#,
    r#"-1 ^ 2"#,
    r#"2 ^ 3 ^ 2"#,
    r#"(up)"#,
    r#"((up))"#,
    r#"(up"#,
    r#"up)"#,
    r#""string""#,
    r#"`raw string`"#,
    r#"'single'"#,
    r#"0x1F"#,
    r#"1e3"#,
    r#"Inf"#,
    r#"-Inf"#,
    r#"NaN"#,
    r#"1h"#,
    r#"5m + 1"#,
    r#"up offset 1h30m"#,
    r#"up offset 1.5h"#,
    r#"up[5m]"#,
    r#"up[5m][5m]"#,
    r#"sum(up[5m])"#,
    r#"rate(up[5m:])"#,
    r#"sort_by_label(up, "instance")"#,
    r#"info(up)"#,
    r#"double_exponential_smoothing(x[5m], 0.5, 0.5)"#,
    r#"holt_winters(x[5m], 0.5, 0.5)"#,
    r#"mad_over_time(x[5m])"#,
    r#"first_over_time(x[5m])"#,
    r#"ts_of_max_over_time(x[5m])"#,
    r#"rate(x[5m] anchored)"#,
    r#"rate(x[5m] smoothed)"#,
    r#"rate(x[5m * 2])"#,
    r#"rate(x[step()])"#,
    r#"up offset -(1m)"#,
    r#"up + on(job) fill(0) down"#,
    r#"{"my.metric"}"#,
    r#"{"my.metric", "a.b"="c"}"#,
    r#"my_metric{"a.b"="c"}"#,
    r#"up # a comment"#,
    r#"up
  +
  down"#,
    r#"nosuchfunc(up)"#,
    r#"rate(x[5m]) [5m]"#,
    r#"up == bool up"#,
    r#"stddev(up) by (job)"#,
    r#"count(up) without (job) by (x)"#,
    r#"group(up)"#,
    r#"sum by (job) (up) / on(job) group_left sum by (job) (down)"#,
    r#"avg_over_time(up[0s])"#,
    r#"up[0s]"#,
    r#"rate(x[5m:0s])"#,
    r#"up @ 1e100"#,
    r#"up offset 292y"#,
];

#[test]
fn promql_agrees_with_promtool() {
    let cases: Vec<(String, String)> = EXPRESSIONS
        .iter()
        .map(|e| {
            let src = format!(
                "groups:\n- name: g\n  rules:\n  - record: a\n    expr: {}\n",
                yaml_str(e)
            );
            ((*e).to_string(), src)
        })
        .collect();
    agree(&cases);
}

/// Alert templates: Go text/template syntax, Prometheus 2.42's functions and variables.
const TEMPLATES: &[&str] = &[
    r#"{{ $labels.instance }}"#,
    r#"{{ $value }}"#,
    r#"{{ $value | printf "%.2f" }}"#,
    r#"{{ humanize $value }}"#,
    r#"{{ .Labels.job }}"#,
    r#"{{ .Value }}"#,
    r#"{{ $externalLabels.x }}"#,
    r#"{{ $externalURL }}"#,
    r#"{{ with $x := 1 }}{{ $x }}{{ end }}"#,
    r#"{{ if $labels.a }}a{{ else }}b{{ end }}"#,
    r#"{{ if 1 }}{{ else if 2 }}{{ end }}"#,
    r#"{{ range $i, $v := .Labels }}{{ $i }}={{ $v }}{{ end }}"#,
    r#"{{ range .Labels }}{{ . }}{{ end }}"#,
    r#"{{ range $k := .Labels }}{{ end }}"#,
    r#"{{ range $a, $b, $c := .Labels }}{{ end }}"#,
    r#"{{- $labels.a -}}"#,
    r#"{{-$labels.a-}}"#,
    r#"{{ /* c */ }}"#,
    r#"{{/* c */}}"#,
    r#"{{- /* c */ -}}"#,
    r#"{{/* c */ }}"#,
    r#"{{/* unclosed"#,
    r#"{{ "unterminated }}"#,
    r#"{{ `raw` }}"#,
    r#"{{ 'c' }}"#,
    r#"{{ 'cc' }}"#,
    r#"{{ 1.5e3 }}"#,
    r#"{{ 0x1F }}"#,
    r#"{{ 1_000 }}"#,
    r#"{{ -1 }}"#,
    r#"{{ +1 }}"#,
    r#"{{ 1a }}"#,
    r#"{{ nil }}"#,
    r#"{{ true }}"#,
    r#"{{ (len "a") }}"#,
    r#"{{ (len "a" }}"#,
    r#"{{ len "a") }}"#,
    r#"{{ | len }}"#,
    r#"{{ len | }}"#,
    r#"{{ printf "%s" | len | len }}"#,
    r#"{{ 1 | 2 }}"#,
    r#"{{ "a" | printf }}"#,
    r#"{{ $x := 1 }}{{ $x = 2 }}"#,
    r#"{{ $y = 2 }}"#,
    r#"{{ $x := }}"#,
    r#"{{ := 1 }}"#,
    r#"{{ end }}"#,
    r#"{{ else }}"#,
    r#"{{ if }}{{ end }}"#,
    r#"{{ if 1 }}"#,
    r#"{{ if 1 }}{{ end }}{{ end }}"#,
    r#"{{ define "x" }}a{{ end }}"#,
    r#"{{ template "x" }}"#,
    r#"{{ template x }}"#,
    r#"{{ block "b" . }}x{{ end }}"#,
    r#"{{ break }}"#,
    r#"{{ range .A }}{{ break }}{{ end }}"#,
    r#"{{ range .A }}{{ continue }}{{ end }}"#,
    r#"{{ $labels.a.b.c }}"#,
    r#"{{ $.Labels.a }}"#,
    r#"{{ .a.b }}"#,
    r#"{{ ..a }}"#,
    r#"{{ . }}"#,
    r#"{{ $ }}"#,
    r#"{{ $1 }}"#,
    r#"{{ $labels.a-b }}"#,
    r#"{{ index $labels "a-b" }}"#,
    r#"{{ query "up" | first | label "job" }}"#,
    r#"{{ reReplaceAll "a" "b" $labels.x }}"#,
    r#"{{ toTime 1 }}"#,
    r#"{{ now }}"#,
    r#"{{ toDuration 1 }}"#,
    r#"{{ strvalue $value }}"#,
    r#"{{ title "a" }}"#,
    r#"{{ safeHtml "a" }}"#,
    r#"{{ graphLink "up" }}"#,
    r#"{{ args 1 2 }}"#,
    r#"{{ externalURL }}"#,
    r#"{{ pathPrefix }}"#,
    r#"{{ stripPort "a:1" }}"#,
    r#"{{ humanizeTimestamp 1 }}"#,
    r#"{{ and 1 2 }}"#,
    r#"{{ not 1 }}"#,
    r#"{{ eq 1 1 }}"#,
    r#"{{ slice "abc" 1 }}"#,
    r#"{{ call .F }}"#,
    r#"{{ js "a" }}"#,
    r#"{{ html "a" }}"#,
    r#"{{ urlquery "a" }}"#,
    r#"{{ println }}"#,
    r#"{{ a b c }}"#,
    r#"{{ $labels.instance"#,
    r#"plain {{ text"#,
    r#"{{ "a" "b" }}"#,
    r#"{{ .A.B | printf "%s" }}"#,
    r#"{{ (.A).B }}"#,
    r#"{{ ("a").B }}"#,
    r#"{{ 1.B }}"#,
    r#"{{ $x.y := 1 }}"#,
    r#"{{ with 1 }}{{ else with 2 }}{{ end }}"#,
    r#"{{ range 1 }}{{ else }}{{ end }}"#,
    r#"{{ if 1 }}{{ else }}{{ else }}{{ end }}"#,
    r#"{{ # }}"#,
    r#"{{ ; }}"#,
    r#"{{ @ }}"#,
    r#"{{ é }}"#,
    r#"{{ {{ }}"#,
    r#"{{ } }}"#,
    r#"}}"#,
    r#"{{}}"#,
    r#"{{ }}"#,
    r#"{{- }}"#,
    r#"{{ -}}"#,
];

#[test]
fn templates_agree_with_promtool() {
    let cases: Vec<(String, String)> = TEMPLATES
        .iter()
        .map(|t| {
            let src = format!("groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up\n    annotations:\n      a: {}\n", yaml_str(t));
            ((*t).to_string(), src)
        })
        .collect();
    agree(&cases);
}
