//! End-to-end tests of `ratelimit-server` through its public behaviour: HTTP on loopback.
//!
//! The server runs in-process: each instance is `examples::ratelimit_server::Server` served on
//! its own Tokio runtime (its own threads, connections and limiter state, as a separate
//! process would have) on 127.0.0.1 port 0. The binary (`src/bin/ratelimit-server.rs`) is only
//! `run` plus signal handling, and `run` is what the configuration-error tests call, so they see
//! the exit status and message the binary prints. The test client is a small HTTP/1.1 client
//! over `std::net::TcpStream`. Tests that share limits start a real `redis-server` on a unix
//! socket in a temporary directory.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod ratelimit_harness;

use std::io::Write;
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use examples::ratelimit_server::{Config, Options, Server, run};
use ratelimit_harness::{
    Redis, Resp, ServerProcess, eventually, http, parse_metrics, sample, server_binary,
};

// ---------------------------------------------------------------------------------------------
// Harness

/// One server instance on its own runtime.
struct Instance {
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    done: Option<std::sync::mpsc::Receiver<bool>>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl Instance {
    fn start(yaml: &str, options: Options) -> Instance {
        let config = Config::parse(yaml, "test.yaml").unwrap();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let (done_tx, done_rx) = std::sync::mpsc::channel();
        let addr = runtime.block_on(async move {
            let server = Server::new(config, options).unwrap();
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            tokio::spawn(async move {
                let r = server
                    .serve(listener, async move {
                        let _ = stop_rx.await;
                    })
                    .await;
                let _ = done_tx.send(r.is_ok());
            });
            addr
        });
        Instance {
            addr,
            stop: Some(stop_tx),
            done: Some(done_rx),
            runtime: Some(runtime),
        }
    }

    fn get(&self, path: &str, headers: &[(&str, &str)]) -> Resp {
        http(self.addr, "GET", path, headers, "")
    }

    fn post(&self, path: &str, body: &str) -> Resp {
        http(
            self.addr,
            "POST",
            path,
            &[("content-type", "application/json")],
            body,
        )
    }

    fn consume(&self, rule: &str, key: &str, cost: u64) -> Resp {
        self.post(
            "/api/v1/consume",
            &format!(r#"{{"rule":"{rule}","key":"{key}","cost":{cost}}}"#),
        )
    }

    /// Stops gracefully; returns whether `serve` returned Ok.
    fn shutdown(mut self) -> bool {
        self.stop.take().unwrap().send(()).unwrap();
        self.done
            .take()
            .unwrap()
            .recv_timeout(Duration::from_secs(5))
            .unwrap()
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_timeout(Duration::from_secs(2));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// In memory

const SIX: &str = "\
default: {algorithm: gcra, limit: 2, period: 1m, key: client-ip}
rules:
  - {name: gcra, route: /gcra, algorithm: gcra, limit: 4, period: 1m, key: header:x-user}
  - {name: tb, route: /tb, algorithm: token-bucket, limit: 4, period: 1m, key: header:x-user}
  - {name: lb, route: /lb, algorithm: leaky-bucket, limit: 4, period: 1m, key: header:x-user}
  - {name: fw, route: /fw, algorithm: fixed-window, limit: 4, period: 1h, key: header:x-user}
  - {name: sl, route: /sl, algorithm: sliding-log, limit: 4, period: 1m, key: header:x-user}
  - {name: sw, route: /sw, algorithm: sliding-window, limit: 4, period: 1m, key: header:x-user}
  - {name: keyed, route: /api/v1/search, algorithm: token-bucket, limit: 1, period: 1m, burst: 3, key: api-key}
";

#[test]
fn every_algorithm_admits_exactly_its_limit_then_429_with_headers() {
    let s = Instance::start(SIX, Options::default());
    for rule in ["gcra", "tb", "lb", "fw", "sl", "sw"] {
        let path = format!("/{rule}");
        for i in 0..4u64 {
            let r = s.get(&path, &[("x-user", "alice")]);
            assert_eq!(r.status, 200, "{rule} request {i}: {}", r.body);
            assert_eq!(
                r.header("ratelimit-policy").unwrap(),
                if rule == "fw" {
                    format!("\"{rule}\";q=4;w=3600")
                } else {
                    format!("\"{rule}\";q=4;w=60")
                }
            );
            let rl = r.header("ratelimit").unwrap();
            assert!(
                rl.starts_with(&format!("\"{rule}\";r={};t=", 3 - i)),
                "{rule}: {rl}"
            );
            assert!(r.header("retry-after").is_none());
            // Admitted: the headers say it all, no body.
            assert_eq!(r.body, "");
        }
        let r = s.get(&path, &[("x-user", "alice")]);
        assert_eq!(r.status, 429, "{rule}");
        let j = r.json();
        assert_eq!(j["allowed"], false);
        assert_eq!(j["remaining"], 0);
        let retry_ms = j["retry_after_ms"].as_u64().unwrap();
        assert!(retry_ms > 0, "{rule}");
        let retry: u64 = r.header("retry-after").unwrap().parse().unwrap();
        assert_eq!(retry, retry_ms.div_ceil(1000), "{rule}");
        // Bucket algorithms: one unit back after period/limit = 15 s.
        if matches!(rule, "gcra" | "tb" | "lb") {
            assert!((14..=15).contains(&retry), "{rule}: {retry}");
        }
        assert!(r.header("ratelimit").unwrap().contains(";r=0;"));
        // Keys are independent; a path below the route belongs to it.
        let r = s.get(&format!("{path}/sub"), &[("x-user", "bob")]);
        assert_eq!(r.status, 200, "{rule}");
        // A missing key is a client error, not a decision.
        assert_eq!(s.get(&path, &[]).status, 400);
    }
    // api-key: X-API-Key or a bearer token; burst 3.
    for _ in 0..3 {
        assert_eq!(s.get("/api/v1/search", &[("x-api-key", "k1")]).status, 200);
    }
    assert_eq!(
        s.get("/api/v1/search", &[("authorization", "Bearer k1")])
            .status,
        429
    );
    assert_eq!(
        s.get("/api/v1/search", &[("authorization", "Bearer k2")])
            .status,
        200
    );
    // Everything else: the default limit by client IP.
    assert_eq!(s.get("/anything", &[]).status, 200);
    assert_eq!(s.get("/else/where", &[]).status, 200);
    let r = s.get("/anything", &[]);
    assert_eq!(r.status, 429);
    assert!(
        r.header("ratelimit-policy")
            .unwrap()
            .starts_with("\"default\";q=2")
    );
    assert!(s.shutdown());
}

#[test]
fn api_checks_without_consuming_and_consumes() {
    let s = Instance::start(SIX, Options::default());
    let body = r#"{"rule":"fw","key":"k","cost":3}"#;
    for _ in 0..3 {
        let r = s.post("/api/v1/check", body);
        assert_eq!(r.status, 200);
        assert_eq!(r.json()["remaining"], 1);
    }
    let r = s.post("/api/v1/consume", body);
    assert_eq!((r.status, r.json()["remaining"].as_u64()), (200, Some(1)));
    let r = s.consume("fw", "k", 2);
    assert_eq!(r.status, 429);
    assert!(r.header("retry-after").is_some());
    assert_eq!(r.json()["rule"], "fw");
    assert_eq!(s.consume("fw", "k", 1).status, 200);
    // A cost above the capacity never fits: 429 without Retry-After.
    let r = s.consume("fw", "other", 5);
    assert_eq!(r.status, 429);
    assert!(r.header("retry-after").is_none());
    assert_eq!(r.json()["retry_after_ms"], serde_json::Value::Null);
    // Defaults: rule "default", cost 1.
    let r = s.post("/api/v1/consume", r#"{"key":"x"}"#);
    assert_eq!(r.json()["rule"], "default");
    assert_eq!(r.json()["remaining"], 1);
    // Errors.
    let r = s.post("/api/v1/consume", r#"{"rule":"nope","key":"x"}"#);
    assert_eq!(r.status, 404);
    assert!(r.json()["error"].as_str().unwrap().contains("nope"));
    assert_eq!(
        s.post("/api/v1/consume", r#"{"key":"x","extra":1}"#).status,
        400
    );
    assert_eq!(s.post("/api/v1/consume", r#"{"key":""}"#).status, 400);
    assert_eq!(s.post("/api/v1/consume", "not json").status, 400);
    assert_eq!(s.get("/healthz", &[]).status, 200);
    assert_eq!(s.get("/readyz", &[]).status, 200);
}

#[test]
fn metrics_parse_and_count_what_happened() {
    let s = Instance::start(SIX, Options::default());
    for _ in 0..6 {
        s.get("/fw", &[("x-user", "u")]);
    }
    s.get("/fw", &[]); // 400: no decision
    for _ in 0..3 {
        s.get("/x", &[]);
    }
    s.post("/api/v1/check", r#"{"rule":"sl","key":"a"}"#);
    s.consume("sl", "a", 9);
    let r = s.get("/metrics", &[]);
    assert_eq!(r.status, 200);
    assert!(
        r.header("content-type")
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let m = parse_metrics(&r.body);
    let d = |rule: &str, outcome: &str| {
        sample(
            &m,
            "ratelimit_decisions_total",
            &[("rule", rule), ("outcome", outcome)],
        )
    };
    assert_eq!((d("fw", "allowed"), d("fw", "denied")), (4.0, 2.0));
    assert_eq!(
        (d("default", "allowed"), d("default", "denied")),
        (2.0, 1.0)
    );
    assert_eq!((d("sl", "allowed"), d("sl", "denied")), (1.0, 1.0));
    assert_eq!((d("gcra", "allowed"), d("gcra", "denied")), (0.0, 0.0));
    let h = |route: &str, code: &str| {
        sample(
            &m,
            "http_requests_total",
            &[("route", route), ("code", code)],
        )
    };
    assert_eq!(h("/fw", "200"), 4.0);
    assert_eq!(h("/fw", "429"), 2.0);
    assert_eq!(h("/fw", "400"), 1.0);
    assert_eq!(h("*", "200"), 2.0);
    assert_eq!(h("*", "429"), 1.0);
    assert_eq!(h("/api/v1/check", "200"), 1.0);
    assert_eq!(h("/api/v1/consume", "429"), 1.0);
    // Histograms: cumulative buckets ending at +Inf = _count.
    let decisions = 4.0 + 2.0 + 3.0 + 2.0;
    assert_eq!(
        sample(&m, "ratelimit_decision_duration_seconds_count", &[]),
        decisions
    );
    assert_eq!(
        sample(
            &m,
            "ratelimit_decision_duration_seconds_bucket",
            &[("le", "+Inf")]
        ),
        decisions
    );
    let mut prev = 0.0;
    for (n, l, v) in &m {
        if n == "ratelimit_decision_duration_seconds_bucket" {
            assert!(*v >= prev, "{l:?}");
            prev = *v;
        }
    }
    assert_eq!(
        sample(
            &m,
            "http_request_duration_seconds_count",
            &[("route", "/fw")]
        ),
        7.0
    );
    assert_eq!(
        sample(
            &m,
            "http_request_duration_seconds_bucket",
            &[("route", "/fw"), ("le", "+Inf")]
        ),
        7.0
    );
    assert_eq!(sample(&m, "ratelimit_backend_errors_total", &[]), 0.0);
    // The reference parser agrees: promtool lints the exposition.
    let mut child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("cannot run promtool ({e}): install it with `apt-get install prometheus`")
        });
    child
        .stdin
        .take()
        .unwrap()
        .write_all(r.body.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "promtool: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn limiting_off_answers_without_deciding() {
    let options = Options {
        limiting: false,
        ..Options::default()
    };
    let s = Instance::start(SIX, options);
    for _ in 0..6 {
        let r = s.get("/fw", &[("x-user", "u")]);
        assert_eq!(r.status, 200);
        assert!(r.header("ratelimit").is_none());
    }
    let m = parse_metrics(&s.get("/metrics", &[]).body);
    assert_eq!(
        sample(&m, "ratelimit_decision_duration_seconds_count", &[]),
        0.0
    );
    assert_eq!(
        sample(
            &m,
            "http_requests_total",
            &[("route", "/fw"), ("code", "200")]
        ),
        6.0
    );
}

#[test]
fn no_default_limit_means_404_for_other_paths() {
    let s = Instance::start(
        "rules:\n  - {name: a, route: /a, algorithm: gcra, limit: 1, period: 1s, key: client-ip}\n",
        Options::default(),
    );
    assert_eq!(s.get("/a", &[]).status, 200);
    assert_eq!(s.get("/b", &[]).status, 404);
    assert_eq!(s.post("/api/v1/consume", r#"{"key":"x"}"#).status, 404);
}

// ---------------------------------------------------------------------------------------------
// Configuration errors: `run` is the binary's body; its error's exit code is the exit status.

fn run_with(args: &[&str]) -> examples::ratelimit_server::ServerError {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(run(&args, async {}))
        .unwrap_err()
}

#[test]
fn config_errors_exit_2_naming_file_position_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "default:\n  algorithm: gcra\n  limit: 0\n  period: 1s\n  key: client-ip\n",
            ":3:10: default.limit: must be at least 1",
        ),
        (
            "rules:\n  - name: a\n    route: /a\n    algorithm: gcra\n    limit: 5\n    period: soon\n    key: client-ip\n",
            ":6:13: rules[0].period: invalid period \"soon\"",
        ),
        (
            "rules:\n  - name: a\n    route: /a\n    algorithm: bucket\n",
            ":4:16: rules[0].algorithm: unknown algorithm \"bucket\"",
        ),
        (
            "rules:\n  - {name: a, route: /a, algorithm: gcra, limit: 5, period: 1s, key: cookie}\n",
            "rules[0].key: unknown key \"cookie\"",
        ),
        (
            "default: {algorithm: sliding-log, limit: 5, period: 1s, burst: 9, key: client-ip}\n",
            "default.burst: burst applies only to gcra",
        ),
        ("rules: [\n", "did not find expected"),
        ("rate: 5\n", "unknown field `rate`"),
    ];
    for (i, (yaml, expected)) in cases.iter().enumerate() {
        let path = dir.path().join(format!("bad{i}.yaml"));
        std::fs::write(&path, yaml).unwrap();
        let p = path.to_str().unwrap();
        let e = run_with(&["--config", p, "--listen", "127.0.0.1:0"]);
        assert_eq!(e.exit_code(), 2, "{e}");
        let msg = e.to_string();
        assert!(msg.starts_with(p), "{msg}");
        assert!(msg.contains(expected), "case {i}: {msg}");
    }
    let e = run_with(&["--config", "/nonexistent/limits.yaml"]);
    assert_eq!(e.exit_code(), 2);
    assert!(
        e.to_string()
            .starts_with("/nonexistent/limits.yaml: cannot read")
    );
    assert_eq!(run_with(&["--listen", "127.0.0.1:0"]).exit_code(), 2);
    assert_eq!(run_with(&["--config", "x", "--verbose"]).exit_code(), 2);
    // A quota the Redis store cannot hold exactly is a configuration error too.
    let path = dir.path().join("ns.yaml");
    std::fs::write(
        &path,
        "default: {algorithm: gcra, limit: 3, period: 1500ns, key: client-ip}\n",
    )
    .unwrap();
    let e = run_with(&[
        "--config",
        path.to_str().unwrap(),
        "--redis",
        "redis://127.0.0.1:1",
    ]);
    assert_eq!(e.exit_code(), 2);
    assert!(e.to_string().contains("rule default"), "{e}");
}

#[test]
fn the_stack_limits_file_is_valid() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/stack/k8s/base/limits.yaml");
    let c = Config::from_file(&path).unwrap();
    let names: Vec<_> = c.rules.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["login", "search", "export"]);
    assert!(c.default.is_some());
}

#[test]
fn bind_failure_exits_1() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/stack/k8s/base/limits.yaml");
    let e = run_with(&["--config", path.to_str().unwrap(), "--listen", &addr]);
    assert_eq!(e.exit_code(), 1, "{e}");
    assert!(e.to_string().contains(&addr));
}

// ---------------------------------------------------------------------------------------------
// Redis

const SHARED: &str = "\
rules:
  - {name: shared, route: /shared, algorithm: fixed-window, limit: 40, period: 1h, key: header:x-user}
  - {name: gcra, route: /g, algorithm: gcra, limit: 10, period: 1h, key: header:x-user}
";

/// A `ratelimit-server` process on `redis` with the fail policy `policy`.
fn redis_process(redis: &Redis, policy: &str) -> ServerProcess {
    let url = redis.url();
    ServerProcess::start(
        SHARED,
        &[
            "--redis",
            &url,
            "--fail-policy",
            policy,
            "--redis-timeout",
            "200ms",
            "--ping-interval",
            "100ms",
        ],
    )
}

#[test]
fn two_processes_on_one_redis_enforce_one_limit_under_concurrent_load() {
    let redis = Redis::start();
    let a = redis_process(&redis, "closed");
    let b = redis_process(&redis, "closed");
    assert_ne!(a.pid(), b.pid());
    assert!(eventually(Duration::from_secs(5), || {
        a.get("/readyz", &[]).status == 200 && b.get("/readyz", &[]).status == 200
    }));
    // 8 clients x 25 requests at once, alternating processes: 200 requests for a limit of 40.
    let addrs = [a.addr, b.addr];
    let start = std::sync::Barrier::new(8);
    let (admitted, per_process): (usize, [usize; 2]) = std::thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|t| {
                let start = &start;
                s.spawn(move || {
                    start.wait();
                    let mut per = [0usize; 2];
                    for i in 0..25 {
                        let which = (t + i) % 2;
                        let r = http(addrs[which], "GET", "/shared", &[("x-user", "team")], "");
                        assert!(r.status == 200 || r.status == 429, "{r:?}");
                        if r.status == 200 {
                            per[which] += 1;
                        }
                    }
                    per
                })
            })
            .collect();
        handles.into_iter().fold((0, [0, 0]), |(n, acc), h| {
            let per = h.join().unwrap();
            (n + per[0] + per[1], [acc[0] + per[0], acc[1] + per[1]])
        })
    });
    assert_eq!(admitted, 40);
    // Both processes admitted some: the limit is shared, not per process.
    assert!(per_process[0] > 0 && per_process[1] > 0, "{per_process:?}");
    // Both processes' metrics add up to the same: 40 allowed, 160 denied, no backend errors.
    let mut allowed = 0.0;
    let mut denied = 0.0;
    for (i, p) in [&a, &b].into_iter().enumerate() {
        let m = parse_metrics(&p.get("/metrics", &[]).body);
        let mine = sample(
            &m,
            "ratelimit_decisions_total",
            &[("rule", "shared"), ("outcome", "allowed")],
        );
        assert_eq!(mine, per_process[i] as f64);
        allowed += mine;
        denied += sample(
            &m,
            "ratelimit_decisions_total",
            &[("rule", "shared"), ("outcome", "denied")],
        );
        assert_eq!(sample(&m, "ratelimit_backend_errors_total", &[]), 0.0);
    }
    assert_eq!((allowed, denied), (40.0, 160.0));
    // The API and the limited routes share state; other rules are separate.
    let r = b.consume("shared", "team", 1);
    assert_eq!(r.status, 429);
    assert_eq!(r.json()["degraded"], false);
    assert_eq!(a.consume("gcra", "team", 10).status, 200);
    assert_eq!(b.consume("gcra", "team", 1).status, 429);
    // Checks without consuming see the shared state too, and consume nothing.
    assert_eq!(
        b.post("/api/v1/check", r#"{"rule":"gcra","key":"team"}"#)
            .status,
        429
    );
    for _ in 0..3 {
        let r = a.post("/api/v1/check", r#"{"rule":"gcra","key":"x","cost":10}"#);
        assert_eq!((r.status, r.json()["remaining"].as_u64()), (200, Some(0)));
    }
    assert_eq!(b.consume("gcra", "x", 10).status, 200);
    assert_eq!(
        a.post("/api/v1/check", r#"{"rule":"gcra","key":"x"}"#)
            .status,
        429
    );
    // SIGTERM: a graceful exit, status 0.
    let stderr = a.stderr();
    let status = a.terminate();
    assert!(status.success(), "{status:?}: {stderr}");
    let status = b.terminate();
    assert!(status.success(), "{status:?}");
}

#[test]
fn fail_policy_and_readiness_follow_a_redis_restart() {
    let mut redis = Redis::start();
    let closed = redis_process(&redis, "closed");
    let open = redis_process(&redis, "open");
    let local = redis_process(&redis, "local");
    let all = [&closed, &open, &local];
    let ready = |want: u16| all.iter().all(|p| p.get("/readyz", &[]).status == want);
    assert!(eventually(Duration::from_secs(5), || ready(200)));
    assert_eq!(closed.consume("gcra", "k", 10).status, 200);
    assert_eq!(open.consume("gcra", "k", 1).status, 429);
    assert_eq!(local.consume("gcra", "k", 1).status, 429);

    redis.stop();
    assert!(eventually(Duration::from_secs(5), || ready(503)));
    assert!(closed.get("/readyz", &[]).body.contains("redis"));
    // closed: denies, with a Retry-After.
    let r = closed.consume("gcra", "fresh", 1);
    assert_eq!(r.status, 429, "{}", r.body);
    assert_eq!(r.json()["degraded"], true);
    assert!(r.header("retry-after").is_some());
    // open: admits everything, even a key over its limit.
    for _ in 0..3 {
        let r = open.consume("gcra", "k", 1);
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.json()["degraded"], true);
    }
    // local: a per-process limit in memory (10 per hour here).
    let admitted = (0..12)
        .map(|_| local.consume("gcra", "l", 1))
        .inspect(|r| assert_eq!(r.json()["degraded"], true, "{}", r.body))
        .filter(|r| r.status == 200)
        .count();
    assert_eq!(admitted, 10);
    for p in all {
        let m = parse_metrics(&p.get("/metrics", &[]).body);
        assert!(sample(&m, "ratelimit_backend_errors_total", &[]) >= 1.0);
    }

    redis.restart();
    assert!(eventually(Duration::from_secs(10), || ready(200)));
    // Each rule's limiter reconnects on its first call after the restart (that call may still
    // be decided by the fail policy): wait until every process decides on Redis again, with a
    // key the checks below do not use.
    for p in all {
        assert!(
            eventually(Duration::from_secs(5), || p
                .consume("gcra", "probe", 1)
                .json()["degraded"]
                == false),
            "{}",
            p.stderr()
        );
    }
    // Back on Redis (a fresh server: the limits start over), shared again.
    let r = closed.consume("gcra", "k", 10);
    assert_eq!(
        (r.status, r.json()["degraded"].as_bool()),
        (200, Some(false)),
        "{}",
        r.body
    );
    for p in [&open, &local] {
        let r = p.consume("gcra", "k", 1);
        assert_eq!(
            (r.status, r.json()["degraded"].as_bool()),
            (429, Some(false)),
            "{}",
            r.body
        );
    }
}

#[test]
fn the_binary_reports_a_bad_limits_file_on_one_line_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("limits.yaml");
    std::fs::write(
        &path,
        "rules:\n  - name: a\n    route: /a\n    algorithm: bucket\n",
    )
    .unwrap();
    let out = Command::new(server_binary())
        .arg("--config")
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "{}:4:16: rules[0].algorithm: unknown algorithm \"bucket\"",
            path.display()
        )),
        "{stderr}"
    );
}
