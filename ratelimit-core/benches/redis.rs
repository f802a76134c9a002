//! Redis store throughput from Rust beside `redis-benchmark` running the same script with
//! EVALSHA, in the same run, against a redis-server started here on a unix socket.
//!
//! On a shared machine whose load moves from second to second, the two are interleaved:
//! `ROUNDS` rounds of `N` decisions each way, alternating which goes first, and the report is
//! the median of the per-round ratios (ours / redis-benchmark: 1 is as fast).
//!
//! `cargo bench -p ratelimit-core --features redis --bench redis`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ratelimit_core::redis_store::RedisBuilder;
use ratelimit_core::{AnyAlgorithm, Gcra, Quota};

const N: usize = 5_000;
const ROUNDS: usize = 21;

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// redis-benchmark running our script with the arguments `check("bench", 1)` sends:
/// `now` (empty: server time), cost 1, apply 1, then (s, p, cap) = (10, 1, 10^12).
fn redis_benchmark(sock: &str, sha: &str, pipeline: usize) -> f64 {
    let out = Command::new("redis-benchmark")
        .args([
            "-s",
            sock,
            "-n",
            &N.to_string(),
            "-c",
            "1",
            "-P",
            &pipeline.to_string(),
            "-q",
        ])
        .args([
            "EVALSHA",
            sha,
            "1",
            "rl:{bench}:gcra",
            "",
            "1",
            "1",
            "10",
            "1",
            "1000000000000",
        ])
        .output()
        .expect("redis-benchmark (apt-get install redis-tools)");
    let text = String::from_utf8_lossy(&out.stdout);
    // "EVALSHA ...: 12345.67 requests per second, p50=..." (the last \r-separated report)
    let last = text
        .rsplit('\r')
        .find(|s| s.contains("requests per second"))
        .unwrap_or(&text)
        .to_string();
    let num = last
        .split(" requests per second")
        .next()
        .unwrap_or("")
        .rsplit(' ')
        .next()
        .unwrap_or("");
    num.trim()
        .parse()
        .unwrap_or_else(|_| panic!("cannot parse redis-benchmark output {text:?}"))
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let sock = dir.path().join("redis.sock");
    let server = Command::new("redis-server")
        .args(["--port", "0", "--unixsocket"])
        .arg(&sock)
        .args(["--save", "", "--appendonly", "no"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("redis-server (apt-get install redis-server)");
    let _server = KillOnDrop(server);
    while !sock.exists() {
        std::thread::sleep(Duration::from_millis(10));
    }
    let url = format!("redis+unix://{}", sock.display());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    // 10 per µs with a huge burst: every decision is an admission (the write path).
    let q = Quota::builder(10, Duration::from_micros(1))
        .burst(1_000_000_000_000)
        .build()
        .unwrap();
    let lim = rt.block_on(async {
        // A loaded machine can stall a reply past the default 250 ms.
        RedisBuilder::new(&url, AnyAlgorithm::Gcra(Gcra::new(q)))
            .timeout(Duration::from_millis(250))
            .build()
            .unwrap()
    });
    rt.block_on(async {
        for _ in 0..1000 {
            assert!(lim.check("bench", 1).await.degraded.is_none());
        }
    });
    let sha = lim.script_sha().to_string();
    let sock = sock.to_string_lossy().to_string();
    // Decisions per second from Rust: one at a time, or pipelines of 16 (`check_many`).
    let ours = |pipeline: usize| {
        rt.block_on(async {
            let batch = [("bench", 1u64); 16];
            let start = Instant::now();
            if pipeline == 1 {
                for _ in 0..N {
                    assert!(lim.check("bench", 1).await.degraded.is_none());
                }
            } else {
                for _ in 0..N / 16 {
                    let ds = lim.check_many(&batch).await;
                    assert!(ds[15].degraded.is_none());
                }
            }
            (N / pipeline * pipeline) as f64 / start.elapsed().as_secs_f64()
        })
    };
    for pipeline in [1, 16] {
        let (mut a, mut b, mut r) = (Vec::new(), Vec::new(), Vec::new());
        // Client CPU time (user + system) of each side: load-independent, unlike rates.
        let (mut cpu_ours, mut cpu_theirs) = (0u64, 0u64);
        let mut ours_timed = |pipeline| {
            let before = cpu_ticks(false);
            let x = ours(pipeline);
            cpu_ours += cpu_ticks(false) - before;
            x
        };
        let mut theirs_timed = |pipeline| {
            let before = cpu_ticks(true);
            let y = redis_benchmark(&sock, &sha, pipeline);
            cpu_theirs += cpu_ticks(true) - before;
            y
        };
        for round in 0..ROUNDS {
            let (x, y) = if round % 2 == 0 {
                let x = ours_timed(pipeline);
                (x, theirs_timed(pipeline))
            } else {
                let y = theirs_timed(pipeline);
                (ours_timed(pipeline), y)
            };
            a.push(x);
            b.push(y);
            r.push(x / y);
        }
        println!(
            "redis gcra, one connection, pipeline {pipeline:>2}: ours {:.0}/s, redis-benchmark -P {pipeline} {:.0}/s (medians of {ROUNDS} interleaved rounds), ratio {:.2}",
            median(&mut a),
            median(&mut b),
            median(&mut r)
        );
        // Clock ticks are 10 ms: µs per decision over all rounds.
        let per = |ticks: u64| ticks as f64 * 10_000.0 / (ROUNDS * N) as f64;
        println!(
            "  client cpu per decision: ours {:.1} µs, redis-benchmark {:.1} µs",
            per(cpu_ours),
            per(cpu_theirs)
        );
    }
}

/// User + system CPU time in clock ticks (10 ms) of this process, or of its waited-for
/// children (`children`), from /proc/self/stat (0 where that file does not exist).
fn cpu_ticks(children: bool) -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which may contain spaces) start at the state, field 3.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<u64> = rest
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0))
        .collect();
    // utime, stime, cutime, cstime are fields 14-17: indices 11-14 here.
    let at = if children { 13 } else { 11 };
    f.get(at).copied().unwrap_or(0) + f.get(at + 1).copied().unwrap_or(0)
}

/// Stops the server however `main` ends (a panic included: an orphaned server would keep
/// the bench's output pipe open).
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
