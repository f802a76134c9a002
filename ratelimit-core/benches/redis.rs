//! Redis store throughput from Rust beside `redis-benchmark` running the same script with
//! EVALSHA, in the same run, against a redis-server started here on a unix socket.
//!
//! `cargo bench -p ratelimit-core --features redis --bench redis`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ratelimit_core::redis_store::RedisBuilder;
use ratelimit_core::{AnyAlgorithm, Gcra, Quota};

const N: usize = 50_000;

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
    let mut server = Command::new("redis-server")
        .args(["--port", "0", "--unixsocket"])
        .arg(&sock)
        .args(["--save", "", "--appendonly", "no"])
        .stdout(Stdio::null())
        .spawn()
        .expect("redis-server (apt-get install redis-server)");
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
        RedisBuilder::new(&url, AnyAlgorithm::Gcra(Gcra::new(q)))
            .build()
            .unwrap()
    });
    let (seq, piped) = rt.block_on(async {
        for _ in 0..1000 {
            assert!(lim.check("bench", 1).await.degraded.is_none());
        }
        let start = Instant::now();
        for _ in 0..N {
            lim.check("bench", 1).await;
        }
        let seq = N as f64 / start.elapsed().as_secs_f64();
        // Pipelines of 16 on the one connection (`check_many`), like redis-benchmark -P 16.
        let batch = [("bench", 1u64); 16];
        let start = Instant::now();
        for _ in 0..N / 16 {
            let ds = lim.check_many(&batch).await;
            assert!(ds[15].degraded.is_none());
        }
        (seq, (N / 16 * 16) as f64 / start.elapsed().as_secs_f64())
    });
    let sha = lim.script_sha().to_string();
    let rb1 = redis_benchmark(&sock.to_string_lossy(), &sha, 1);
    let rb16 = redis_benchmark(&sock.to_string_lossy(), &sha, 16);
    println!(
        "redis gcra, one connection, sequential: ours {seq:.0}/s, redis-benchmark -P 1 {rb1:.0}/s, ratio {:.2}",
        seq / rb1
    );
    println!(
        "redis gcra, one connection, pipelines of 16: ours {piped:.0}/s, redis-benchmark -P 16 {rb16:.0}/s, ratio {:.2}",
        piped / rb16
    );
    server.kill().unwrap();
    server.wait().unwrap();
}
