//! `ratelimit-server`'s `/metrics` scraped by a real Prometheus, and the stack's recording and
//! alerting rules (`examples/stack/prometheus/rules/`) evaluated against what it scraped.
//!
//! The test starts the built `ratelimit-server` binary (a separate process) with the stack's own
//! limits file, and `prometheus` on 127.0.0.1 (a free port, storage in a temporary directory)
//! with a generated configuration: one job `rate-limiter` scraping the server every second, and
//! the stack's rule files. The rule files are loaded as they are but for one thing: the
//! `rate-limiter` group's own `interval: 30s` becomes `1s` (the copy is checked to differ from
//! the original in that line only), so that the rules evaluate within the test's time bound. The
//! alerts' `for` durations (2 to 15 minutes) are kept, so an alert the traffic triggers is
//! verified in its `pending` state (in `/api/v1/alerts` and the `ALERTS` series) with the value
//! its expression must have; it would fire after its `for`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod ratelimit_harness;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use ratelimit_harness::{ServerProcess, eventually, free_port, http, urlencode};

const INSTALL: &str = "install it with `apt-get install prometheus` (or run `bash scripts/test-all.sh`, \
     which installs the test servers)";

fn stack() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/stack")
}

/// A prometheus process, killed on drop.
struct Prometheus {
    addr: SocketAddr,
    child: Child,
    log: PathBuf,
}

impl Prometheus {
    fn start(dir: &Path, config: &Path) -> Prometheus {
        let port = free_port();
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let log = dir.join("prometheus.log");
        let child = Command::new("prometheus")
            .arg(format!("--config.file={}", config.display()))
            .arg(format!("--web.listen-address={addr}"))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.join("data").display()
            ))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start prometheus ({e}): {INSTALL}"));
        let p = Prometheus { addr, child, log };
        let up = eventually(Duration::from_secs(20), || {
            std::net::TcpStream::connect(addr).is_ok()
                && http(addr, "GET", "/-/ready", &[], "").status == 200
        });
        assert!(up, "prometheus did not become ready:\n{}", p.log());
        p
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// `GET /api/v1/<path>`: the `data` of a successful answer.
    fn api(&self, path: &str) -> serde_json::Value {
        let r = http(self.addr, "GET", &format!("/api/v1/{path}"), &[], "");
        assert_eq!(r.status, 200, "{path}: {}", r.body);
        let j = r.json();
        assert_eq!(j["status"], "success", "{path}: {j}");
        j["data"].clone()
    }

    /// An instant query: each series' labels and value.
    fn query(&self, expr: &str) -> Vec<(BTreeMap<String, String>, f64)> {
        let data = self.api(&format!("query?query={}", urlencode(expr)));
        assert_eq!(data["resultType"], "vector", "{expr}: {data}");
        data["result"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                let labels = s["metric"]
                    .as_object()
                    .unwrap()
                    .iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
                    .collect();
                let value = s["value"][1].as_str().unwrap().parse::<f64>().unwrap();
                (labels, value)
            })
            .collect()
    }

    /// The value of `expr` when it yields exactly one series.
    fn scalar(&self, expr: &str) -> Option<f64> {
        let r = self.query(expr);
        assert!(r.len() <= 1, "{expr}: {r:?}");
        r.first().map(|(_, v)| *v)
    }

    /// The active alerts: name, state, value.
    fn alerts(&self) -> Vec<(String, String, f64, serde_json::Value)> {
        self.api("alerts")["alerts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| {
                (
                    a["labels"]["alertname"].as_str().unwrap().to_string(),
                    a["state"].as_str().unwrap().to_string(),
                    a["value"].as_str().unwrap().parse::<f64>().unwrap(),
                    a["labels"].clone(),
                )
            })
            .collect()
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Copies the stack's rule files into `dir` with every group's own `interval:` set to `1s`;
/// returns the copies' paths.
fn rule_files_with_short_intervals(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(stack().join("prometheus/rules"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml"))
        .collect();
    entries.sort();
    assert!(!entries.is_empty(), "no rule files in the stack");
    let mut rewritten = 0;
    for path in entries {
        let original = std::fs::read_to_string(&path).unwrap();
        let copy: String = original
            .lines()
            .map(|l| {
                // A group-level key: indented by four spaces under `- name:`.
                if l.starts_with("    interval: ") {
                    rewritten += 1;
                    "    interval: 1s".to_string()
                } else {
                    l.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
            + "\n";
        // Nothing but the interval lines changed.
        let changed: Vec<_> = original
            .lines()
            .zip(copy.lines())
            .filter(|(a, b)| a != b)
            .collect();
        assert!(
            changed.iter().all(|(a, _)| a.starts_with("    interval: ")),
            "{changed:?}"
        );
        assert_eq!(original.lines().count(), copy.lines().count());
        let dest = dir.join(path.file_name().unwrap());
        std::fs::write(&dest, copy).unwrap();
        out.push(dest);
    }
    assert_eq!(
        rewritten, 1,
        "the stack's rate-limiter group sets its own interval"
    );
    out
}

/// Counts the rules of the stack's rule files through promtool-independent means: lines
/// starting a recording or alerting rule.
fn count_rules(files: &[PathBuf]) -> usize {
    files
        .iter()
        .map(|f| {
            std::fs::read_to_string(f)
                .unwrap()
                .lines()
                .filter(|l| {
                    let t = l.trim_start();
                    t.starts_with("- record: ") || t.starts_with("- alert: ")
                })
                .count()
        })
        .sum()
}

#[test]
fn prometheus_scrapes_the_server_and_the_stack_rules_evaluate_and_alert() {
    // The time bound starts once the binary is built (the harness builds it when stale).
    ratelimit_harness::server_binary();
    let began = Instant::now();
    let dir = tempfile::tempdir().unwrap();

    // The server, in memory, with the stack's limits (login: sliding window of 5 per minute by
    // client IP; everything else: the default GCRA limit, 100/s with a burst of 200).
    let limits = stack().join("k8s/base/limits.yaml");
    let server = ServerProcess::start_with_config(&limits, &[], tempfile::tempdir().unwrap());

    let rules = rule_files_with_short_intervals(dir.path());
    let rule_list: String = rules
        .iter()
        .map(|r| format!("  - {}\n", r.display()))
        .collect();
    let config = dir.path().join("prometheus.yml");
    std::fs::write(
        &config,
        format!(
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n\
             rule_files:\n{rule_list}\
             scrape_configs:\n  - job_name: rate-limiter\n    metrics_path: /metrics\n    \
             static_configs:\n      - targets: ['{}']\n",
            server.addr
        ),
    )
    .unwrap();
    let prom = Prometheus::start(dir.path(), &config);
    let instance = server.addr.to_string();

    // Every rule of the stack is loaded, healthy once evaluated.
    let expected_rules = count_rules(&rules);
    let healthy = eventually(Duration::from_secs(10), || {
        let groups = prom.api("rules")["groups"].as_array().unwrap().clone();
        let all: Vec<_> = groups
            .iter()
            .flat_map(|g| g["rules"].as_array().unwrap().clone())
            .collect();
        all.len() == expected_rules
            && all
                .iter()
                .all(|r| r["health"] == "ok" && r["lastError"].as_str().unwrap_or("").is_empty())
    });
    assert!(
        healthy,
        "rules not all loaded and healthy: {}\n{}",
        prom.api("rules"),
        prom.log()
    );

    // The target is up, and a scrape before any traffic saw every decision counter at 0.
    let up = format!("up{{job=\"rate-limiter\",instance=\"{instance}\"}}");
    assert!(
        eventually(Duration::from_secs(10), || prom.scalar(&up) == Some(1.0)),
        "target not up: {}",
        prom.api("targets")
    );
    let decisions = "sum(ratelimit_decisions_total{job=\"rate-limiter\"})";
    assert_eq!(prom.scalar(decisions), Some(0.0));

    // Every metric name the rules query exists on the target.
    for name in [
        "http_requests_total",
        "http_request_duration_seconds_bucket",
        "ratelimit_decisions_total",
        "ratelimit_decision_duration_seconds_bucket",
        "ratelimit_backend_errors_total",
    ] {
        let q = format!("count({{__name__=\"{name}\",job=\"rate-limiter\"}})");
        assert!(
            eventually(Duration::from_secs(5), || prom
                .scalar(&q)
                .is_some_and(|n| n >= 1.0)),
            "{name} not scraped"
        );
    }
    // The scrape sees the metric names the rules use (and the exposition parses the same
    // way in Prometheus as in our parser).
    let own = ratelimit_harness::parse_metrics(&server.get("/metrics", &[]).body);
    assert!(own.iter().any(|(n, _, _)| n == "ratelimit_decisions_total"));

    // Traffic: 25 logins from one client (5 admitted, 20 denied) and 5 other requests (admitted
    // by the default limit): 20 of 30 decisions are denials.
    let mut codes = BTreeMap::<u16, u32>::new();
    for _ in 0..25 {
        *codes
            .entry(server.get("/api/v1/login", &[]).status)
            .or_default() += 1;
    }
    for _ in 0..5 {
        *codes.entry(server.get("/home", &[]).status).or_default() += 1;
    }
    assert_eq!(codes, BTreeMap::from([(200, 10), (429, 20)]));

    // Prometheus scrapes the counts...
    assert!(
        eventually(Duration::from_secs(10), || prom.scalar(decisions)
            == Some(30.0)),
        "decisions not scraped: {:?}",
        prom.query("ratelimit_decisions_total")
    );
    let denied = prom.scalar(
        "sum(ratelimit_decisions_total{job=\"rate-limiter\",rule=\"login\",outcome=\"denied\"})",
    );
    assert_eq!(denied, Some(20.0));

    // ...the recording rules turn them into the ratio: every counter was 0 at the window's first
    // sample and all share the scrape timestamps, so the rate ratio is exactly 20/30.
    let ratio_rule = "job:ratelimit_denials:ratio_rate5m{job=\"rate-limiter\"}";
    let mut ratio = None;
    assert!(
        eventually(Duration::from_secs(10), || {
            ratio = prom.scalar(ratio_rule);
            ratio.is_some_and(|r| (r - 2.0 / 3.0).abs() < 1e-9)
        }),
        "{ratio_rule} = {ratio:?}"
    );
    // Request series appear with their first request (their first increase is not a rate yet);
    // the scrapes of /metrics themselves keep increasing one.
    let mut requests = None;
    assert!(
        eventually(Duration::from_secs(10), || {
            requests = prom.scalar("job:http_requests:rate5m{job=\"rate-limiter\"}");
            requests.is_some_and(|r| r > 0.0)
        }),
        "{requests:?}"
    );
    // No 5xx was answered: the error rate and the SLO's error ratio are 0 (not absent: the
    // server exposes its 500 counters from the start).
    let errors = prom.scalar("job:http_requests_errors:rate5m{job=\"rate-limiter\"}");
    assert_eq!(errors, Some(0.0));
    let p99 = prom.scalar("job:ratelimit_decision_duration_seconds:p99_5m{job=\"rate-limiter\"}");
    assert!(
        p99.is_some_and(|p| p > 0.0 && p <= 0.25),
        "decision p99 {p99:?}"
    );
    // The SLO group evaluates on its own schedule: until it has seen the traffic its ratio is
    // 0/0 (NaN), so wait for an evaluation after the requests.
    let mut slo = None;
    assert!(
        eventually(Duration::from_secs(10), || {
            slo = prom.scalar("job:slo_errors_per_request:ratio_rate5m{job=\"rate-limiter\"}");
            slo == Some(0.0)
        }),
        "SLO error ratio {slo:?}"
    );

    // ...and the denial alert is pending (its `for` is 15m) with the ratio as its value, while
    // no other alert is active.
    let mut alerts = Vec::new();
    assert!(
        eventually(Duration::from_secs(10), || {
            alerts = prom.alerts();
            alerts.iter().any(|a| a.0 == "RateLimiterHighDenialRatio")
        }),
        "no denial alert: {alerts:?}"
    );
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    let (_, state, value, labels) = &alerts[0];
    assert_eq!(state, "pending");
    assert!((value - 2.0 / 3.0).abs() < 1e-9, "{value}");
    assert_eq!(labels["severity"], "info");
    assert_eq!(labels["job"], "rate-limiter");
    let series = prom.query(
        "ALERTS{alertname=\"RateLimiterHighDenialRatio\",alertstate=\"pending\",job=\"rate-limiter\"}",
    );
    assert_eq!(series.len(), 1, "{series:?}");
    assert_eq!(series[0].1, 1.0);

    // The instance goes away (SIGTERM: a graceful exit): `up` drops to 0 and the down alert
    // becomes pending for that instance.
    let status = server.terminate();
    assert!(status.success(), "{status:?}");
    assert!(
        eventually(Duration::from_secs(10), || prom.scalar(&up) == Some(0.0)),
        "up did not drop"
    );
    assert!(
        eventually(Duration::from_secs(10), || {
            alerts = prom.alerts();
            alerts.iter().any(|a| {
                a.0 == "RateLimiterDown" && a.1 == "pending" && a.3["instance"] == instance.as_str()
            })
        }),
        "no down alert: {alerts:?}"
    );
    assert!(
        began.elapsed() < Duration::from_secs(60),
        "took {:?}",
        began.elapsed()
    );
}
