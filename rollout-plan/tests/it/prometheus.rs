//! The Prometheus provider against a real `prometheus` started here on loopback, with series
//! loaded through `promtool tsdb create-blocks-from openmetrics`.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rollout_plan::analysis::run::{Phase, ProviderValue, evaluate};
use rollout_plan::prometheus::{Prometheus, PrometheusSource};
use rollout_plan::sim::{Outcome, simulate};
use rollout_plan::validate::substitute_args;
use rollout_plan::{Provider, parse_file};

const INSTALL: &str = "install Prometheus (Debian: `apt-get install prometheus`, which provides prometheus and promtool) or run `bash scripts/test-all.sh`";

struct Server {
    child: Child,
    url: String,
    _dir: tempfile::TempDir,
    /// Unix time of the first sample; errors rise from `t0 + 30min`.
    t0: i64,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn binary(name: &str) -> String {
    let found = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join(name).is_file()))
        .unwrap_or(false);
    assert!(found, "{name} not found on PATH: {INSTALL}");
    name.to_string()
}

/// One hour of counters ending an hour ago: 10 req/s succeed throughout; errors go from
/// 0.1/s to 5/s at the half hour.
fn openmetrics(t0: i64) -> String {
    let mut out =
        String::from("# HELP http_requests_total Requests.\n# TYPE http_requests_total counter\n");
    let (mut ok, mut bad) = (0.0f64, 0.0f64);
    let mut lines_ok = String::new();
    let mut lines_bad = String::new();
    for i in 0..=240 {
        let t = t0 + i * 15;
        lines_ok.push_str(&format!(
            "http_requests_total{{service=\"prometheus\",code=\"200\"}} {ok} {t}\n"
        ));
        lines_bad.push_str(&format!(
            "http_requests_total{{service=\"prometheus\",code=\"500\"}} {bad} {t}\n"
        ));
        ok += 150.0;
        bad += if i * 15 < 1800 { 1.5 } else { 75.0 };
    }
    out.push_str(&lines_ok);
    out.push_str(&lines_bad);
    out.push_str("# EOF\n");
    out
}

fn start() -> Server {
    let promtool = binary("promtool");
    let prometheus = binary("prometheus");
    let dir = tempfile::tempdir().unwrap();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let t0 = (now - 2 * 3600) / 15 * 15;
    let input = dir.path().join("series.om");
    std::fs::write(&input, openmetrics(t0)).unwrap();
    let data = dir.path().join("data");
    let out = Command::new(&promtool)
        .args(["tsdb", "create-blocks-from", "openmetrics"])
        .arg(&input)
        .arg(&data)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "promtool failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let config = dir.path().join("prometheus.yml");
    std::fs::write(&config, "global:\n  scrape_interval: 1h\n").unwrap();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(&prometheus)
        .arg(format!("--config.file={}", config.display()))
        .arg(format!("--storage.tsdb.path={}", data.display()))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start prometheus: {e}; {INSTALL}"));
    let url = format!("http://127.0.0.1:{port}");
    let server = Server {
        child,
        url,
        _dir: dir,
        t0,
    };
    let client = Prometheus::new(&server.url)
        .unwrap()
        .timeout(Duration::from_secs(2));
    let deadline = Instant::now() + Duration::from_secs(60);
    while !client.is_ready() {
        assert!(
            Instant::now() < deadline,
            "prometheus did not become ready on {}",
            server.url
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    server
}

const RATIO: &str = r#"sum(rate(http_requests_total{service="prometheus",code!~"5.."}[2m])) / sum(rate(http_requests_total{service="prometheus"}[2m]))"#;

#[test]
fn provider_and_simulation_against_real_prometheus() {
    let server = start();
    let p = Prometheus::new(&server.url).unwrap();
    let at = |minutes: i64| Some((server.t0 + minutes * 60) as f64);
    let guard = "len(result) > 0 && result[0] >= 0.95";

    // Instant vector: healthy before the half hour, failing after.
    let healthy = p.query(RATIO, at(20)).unwrap();
    let ProviderValue::PromVector(v) = &healthy else {
        panic!("{healthy:?}")
    };
    assert!((v[0] - 10.0 / 10.1).abs() < 1e-6, "{v:?}");
    assert_eq!(evaluate(&healthy, guard, "").phase, Phase::Successful);
    let broken = p.query(RATIO, at(50)).unwrap();
    assert_eq!(evaluate(&broken, guard, "").phase, Phase::Failed);

    // Scalar, range (matrix) and empty results keep Argo's shapes.
    let scalar = p
        .query(
            r#"scalar(sum(rate(http_requests_total{code="200"}[2m])))"#,
            at(20),
        )
        .unwrap();
    assert_eq!(scalar, ProviderValue::PromScalar(10.0));
    assert_eq!(evaluate(&scalar, "result == 10", "").value, "10");
    let matrix = p
        .query(r#"http_requests_total{code="200"}[1m]"#, at(20))
        .unwrap();
    let ProviderValue::PromMatrix(m) = &matrix else {
        panic!("{matrix:?}")
    };
    // Prometheus 2.x range selectors include both ends: 15s samples over [t-1m, t] = 5.
    assert_eq!(m.iter().map(Vec::len).sum::<usize>(), 5);
    let empty = p
        .query(r#"http_requests_total{service="nope"}"#, at(20))
        .unwrap();
    assert_eq!(empty, ProviderValue::PromVector(vec![]));
    assert_eq!(
        evaluate(&empty, "result[0] >= 0.95", "").phase,
        Phase::Error
    );
    let err = p.query("sum(", at(20)).unwrap_err().to_string();
    assert!(err.contains("bad_data"), "{err}");

    // The guide's canary replayed against the recorded series: start at minute 28, so the
    // 25% step (2m..5m) is live when errors rise at minute 30.
    let m = parse_file(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/guide-canary.yaml"),
    )
    .unwrap();
    let rollout = &m.rollouts[0];
    let template = &m.templates[0];
    let args = &rollout.canary().unwrap().analysis.as_ref().unwrap().args;
    let queries = template
        .metrics
        .iter()
        .filter_map(|metric| match &metric.provider {
            Provider::Prometheus { query, .. } => {
                Some((metric.name.clone(), substitute_args(query, args, "")))
            }
            _ => None,
        })
        .collect();
    let mut source = PrometheusSource::new(p, queries, (server.t0 + 28 * 60) as f64);
    let sim = simulate(rollout, &m.templates, &mut source, &[], 3_600_000).unwrap();
    let Outcome::Aborted { step, reason, .. } = &sim.outcome else {
        panic!("{:?}", sim.outcome)
    };
    assert_eq!(*step, 3, "{reason}");
    assert!(reason.contains("failed (2) > failureLimit (1)"), "{reason}");
}
