//! The Redis store against a real `redis-server` started here on a unix socket in a temp dir.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use ratelimit_core::redis_store::{FailPolicy, RedisBuilder, RedisLimiter};
use ratelimit_core::{AnyAlgorithm, Composite, KeyedBuilder, ManualClock, Quota};

const KINDS: [&str; 6] = [
    "gcra",
    "token-bucket",
    "leaky-bucket",
    "fixed-window",
    "sliding-log",
    "sliding-window",
];

/// A redis-server on a unix socket; killed on drop.
struct Server {
    child: Option<Child>,
    dir: tempfile::TempDir,
}

impl Server {
    fn start() -> Server {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Server { child: None, dir };
        s.spawn();
        s
    }

    fn socket(&self) -> PathBuf {
        self.dir.path().join("redis.sock")
    }

    fn url(&self) -> String {
        format!("redis+unix://{}", self.socket().display())
    }

    fn spawn(&mut self) {
        let sock = self.socket();
        let _ = std::fs::remove_file(&sock);
        let child = Command::new("redis-server")
            .args(["--port", "0", "--unixsocket"])
            .arg(&sock)
            .args(["--save", "", "--appendonly", "no", "--dir"])
            .arg(self.dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start redis-server ({e}): install it with `apt-get install redis-server` or run `bash scripts/test-all.sh`")
            });
        self.child = Some(child);
        wait_for(&sock);
    }

    fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            c.kill().unwrap();
            c.wait().unwrap();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Waits until the server answers PING on `sock` (the socket file appears before the server
/// listens on it, and a loaded machine can hold it between the two).
fn wait_for(sock: &Path) {
    use std::io::{Read, Write};
    let start = Instant::now();
    loop {
        let pong = std::os::unix::net::UnixStream::connect(sock).and_then(|mut s| {
            s.set_read_timeout(Some(Duration::from_secs(1)))?;
            s.write_all(b"PING\r\n")?;
            let mut buf = [0u8; 7];
            s.read_exact(&mut buf)?;
            Ok(&buf == b"+PONG\r\n")
        });
        if matches!(pong, Ok(true)) {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "redis-server did not answer PING on {} within 10s",
            sock.display()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// A small deterministic generator (xorshift) for traces.
struct Rng(u64);
impl Rng {
    fn next(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// Same trace, same decisions (allowed, remaining, reset-after, retry-after) as the memory store.
#[test]
fn same_decisions_as_memory() {
    let server = Server::start();
    let rt = rt();
    let _guard = rt.enter();
    let quotas = [
        Quota::builder(3, Duration::from_millis(100))
            .build()
            .unwrap(),
        Quota::builder(7, Duration::from_millis(90))
            .burst(3)
            .build()
            .unwrap(),
        Quota::builder(2, Duration::from_millis(35))
            .burst(5)
            .build()
            .unwrap(),
    ];
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for (qi, q) in quotas.iter().enumerate() {
        for kind in KINDS {
            let alg = AnyAlgorithm::from_name(kind, *q).unwrap();
            let redis = RedisBuilder::new(&server.url(), alg)
                .prefix(&format!("same{qi}:"))
                .build()
                .unwrap();
            let mem = KeyedBuilder::new(alg)
                .clock(ManualClock::new(0))
                .build::<String>()
                .unwrap();
            let base_ms = 1_700_000_000_000u64; // epoch-like times, as the server clock gives
            let mut t = base_ms;
            for _ in 0..150 {
                t += [0, 0, 1, 3, 10, 40][rng.next(6) as usize];
                let key = format!("k{}", rng.next(3));
                let cost = [1, 1, 1, 2, 3, 0, 9][rng.next(7) as usize];
                let r = rt.block_on(redis.check_at_us(&key, t * 1000, cost));
                assert_eq!(r.degraded, None);
                let m = mem.check_at(&key, t * 1_000_000, cost);
                let ctx = format!("{kind} q={q:?} t={t} key={key} cost={cost}");
                assert_eq!(r.decision.allowed(), m.allowed(), "{ctx}");
                assert_eq!(r.decision.remaining(), m.remaining(), "{ctx}");
                assert_eq!(r.decision.retry_after_ns(), m.retry_after_ns(), "{ctx}");
                assert_eq!(r.decision.reset_after_ns(), m.reset_after_ns(), "{ctx}");
                assert_eq!(r.decision.limit(), m.limit(), "{ctx}");
            }
        }
    }
}

/// Two clients (two connections) enforce one limit together, on the server's clock; every
/// written key has a TTL.
#[test]
fn two_clients_share_one_limit() {
    let server = Server::start();
    let rt = rt();
    let _guard = rt.enter();
    for kind in KINDS {
        let alg = AnyAlgorithm::from_name(kind, Quota::per_hour(10).unwrap()).unwrap();
        let a = RedisBuilder::new(&server.url(), alg).build().unwrap();
        let b = RedisBuilder::new(&server.url(), alg).build().unwrap();
        let admitted = rt.block_on(async {
            let ta = tokio::spawn({
                let a = a.clone();
                async move {
                    let mut n = 0;
                    for _ in 0..15 {
                        n += usize::from(a.check("shared", 1).await.decision.allowed());
                    }
                    n
                }
            });
            let mut n = 0;
            for _ in 0..15 {
                n += usize::from(b.check("shared", 1).await.decision.allowed());
            }
            n + ta.await.unwrap()
        });
        assert_eq!(admitted, 10, "{kind}");
        assert_eq!(a.failures() + b.failures(), 0);
        let client = redis::Client::open(server.url()).unwrap();
        let mut conn = client.get_connection().unwrap();
        let ttl: i64 = redis::cmd("PTTL")
            .arg(format!("rl:{{shared}}:{kind}"))
            .query(&mut conn)
            .unwrap();
        assert!(ttl > 0 && ttl <= 3_600_001 * 2, "{kind} ttl {ttl}");
    }
}

async fn until_redis_answers(lim: &RedisLimiter) {
    let start = Instant::now();
    loop {
        if lim.check("probe", 0).await.degraded.is_none() {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "no recovery after the server came back"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The server killed mid-run: each fail policy applies (no panic), failures are counted, and
/// decisions come from Redis again once it is back.
#[test]
fn server_killed_mid_run_applies_fail_policy_then_recovers() {
    let mut server = Server::start();
    let rt = rt();
    let _guard = rt.enter();
    let q = Quota::per_hour(2).unwrap();
    let alg = AnyAlgorithm::from_name("gcra", q).unwrap();
    let open = RedisBuilder::new(&server.url(), alg)
        .fail_policy(FailPolicy::Open)
        .build()
        .unwrap();
    let closed = RedisBuilder::new(&server.url(), alg)
        .fail_policy(FailPolicy::Closed)
        .build()
        .unwrap();
    let local = RedisBuilder::new(&server.url(), alg)
        .fail_policy(FailPolicy::Local)
        .build()
        .unwrap();
    rt.block_on(async {
        for lim in [&open, &closed, &local] {
            let d = lim.check("k", 1).await;
            assert_eq!(d.degraded, None);
        }
        // Redis has admitted 2 of 2 by now (three clients, one limit): the next is denied.
        assert!(!closed.check("k", 1).await.decision.allowed());
    });
    server.kill();
    rt.block_on(async {
        let d = open.check("k", 1).await;
        assert_eq!(d.degraded, Some(FailPolicy::Open));
        assert!(d.decision.allowed());
        let d = closed.check("k", 1).await;
        assert_eq!(d.degraded, Some(FailPolicy::Closed));
        assert!(!d.decision.allowed());
        assert!(d.decision.retry_after().is_some());
        // The local fallback is a fresh in-process limiter: 2 per hour, per instance.
        let ds: Vec<_> = [(); 3].iter().map(|_| ()).collect();
        let mut allowed = 0;
        for _ in ds {
            let d = local.check("k", 1).await;
            assert_eq!(d.degraded, Some(FailPolicy::Local));
            allowed += usize::from(d.decision.allowed());
        }
        assert_eq!(allowed, 2);
        assert_eq!(
            (open.failures(), closed.failures(), local.failures()),
            (1, 1, 3)
        );
    });
    server.spawn();
    rt.block_on(async {
        until_redis_answers(&closed).await;
        // A fresh server has no state: the key is fresh again.
        let d = closed.check("k", 1).await;
        assert_eq!(d.degraded, None);
        assert!(d.decision.allowed());
        until_redis_answers(&open).await;
        until_redis_answers(&local).await;
    });
}

#[test]
fn quotas_the_scripts_cannot_hold_exactly_are_rejected() {
    let q = Quota::per_second(1).unwrap();
    let e = RedisBuilder::new(
        "redis://127.0.0.1:1",
        AnyAlgorithm::from_name("gcra", q).unwrap(),
    )
    .build()
    .unwrap_err();
    assert!(matches!(e, ratelimit_core::Error::NoRuntime), "{e}");
    let rt = rt();
    let _guard = rt.enter();
    let q = Quota::builder(1, Duration::from_nanos(1500))
        .build()
        .unwrap();
    let e = RedisBuilder::new(
        "redis://127.0.0.1:1",
        AnyAlgorithm::from_name("gcra", q).unwrap(),
    )
    .build()
    .unwrap_err();
    assert!(e.is_config(), "{e}");
    let q = Quota::builder(u64::MAX / 2, Duration::from_secs(3600))
        .build()
        .unwrap();
    let e = RedisBuilder::new(
        "redis://127.0.0.1:1",
        AnyAlgorithm::from_name("fixed-window", q).unwrap(),
    )
    .build()
    .unwrap_err();
    assert!(e.is_config(), "{e}");
}

/// A composite on Redis (one script over keys in one hash-tag slot) makes the same decisions
/// as the in-memory composite on the same trace; a denial consumes from none.
#[test]
fn composite_same_decisions_as_memory() {
    let server = Server::start();
    let rt = rt();
    let _guard = rt.enter();
    let q = |limit, ms, burst| {
        Quota::builder(limit, Duration::from_millis(ms))
            .burst(burst)
            .build()
            .unwrap()
    };
    let sets: [Vec<AnyAlgorithm>; 3] = [
        vec![
            AnyAlgorithm::from_name("gcra", q(3, 100, 2)).unwrap(),
            AnyAlgorithm::from_name("fixed-window", q(5, 1000, 5)).unwrap(),
        ],
        vec![
            AnyAlgorithm::from_name("sliding-log", q(4, 300, 4)).unwrap(),
            AnyAlgorithm::from_name("token-bucket", q(7, 90, 3)).unwrap(),
            AnyAlgorithm::from_name("sliding-window", q(6, 500, 6)).unwrap(),
        ],
        vec![
            AnyAlgorithm::from_name("leaky-bucket", q(2, 35, 5)).unwrap(),
            AnyAlgorithm::from_name("gcra", q(10, 1000, 10)).unwrap(),
        ],
    ];
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    let client = redis::Client::open(server.url()).unwrap();
    let mut conn = client.get_connection().unwrap();
    for (si, parts) in sets.iter().enumerate() {
        let comp = Composite::new(parts.clone()).unwrap();
        let redis = RedisBuilder::composite(&server.url(), comp.clone())
            .prefix(&format!("comp{si}:"))
            .build()
            .unwrap();
        let mem = KeyedBuilder::new(comp)
            .clock(ManualClock::new(0))
            .build::<String>()
            .unwrap();
        let mut t = 1_700_000_000_000u64;
        let mut denied_by_some = 0;
        for step in 0..150 {
            t += [0, 0, 1, 3, 10, 40, 200][rng.next(7) as usize];
            let key = format!("k{}", rng.next(2));
            let cost = [1, 1, 1, 2, 3, 0][rng.next(6) as usize];
            let ctx = format!("set {si} step {step} t={t} key={key} cost={cost}");
            // Peek first: same answer as memory's peek, and it writes nothing.
            let pattern = format!("comp{si}:{{{key}}}:*");
            let before = dump(&mut conn, &pattern);
            let p = rt.block_on(redis.peek_at_us(&key, t * 1000, cost));
            assert_eq!(p.degraded, None, "{ctx}");
            assert_eq!(
                seen(&p.decision),
                seen(&mem.peek_at(&key, t * 1_000_000, cost)),
                "{ctx}"
            );
            assert_eq!(before, dump(&mut conn, &pattern), "a peek wrote: {ctx}");
            let r = rt.block_on(redis.check_at_us(&key, t * 1000, cost));
            assert_eq!(r.degraded, None, "{ctx}");
            let m = mem.check_at(&key, t * 1_000_000, cost);
            assert_eq!(seen(&r.decision), seen(&m), "{ctx}");
            if !m.allowed() {
                denied_by_some += 1;
                assert_eq!(before, dump(&mut conn, &pattern), "a denial wrote: {ctx}");
            }
        }
        assert!(denied_by_some > 0, "set {si} never denied");
        // One key per limit, all carrying the same hash tag (one cluster slot).
        let keys = keys_of(&mut conn, &format!("comp{si}:*"));
        assert!(!keys.is_empty());
        for k in &keys {
            assert!(k.starts_with(&format!("comp{si}:{{k")), "{k}");
        }
    }
}

/// The observable fields of a decision (the Redis store computes bucket decisions in µs
/// ticks, so the internal representation differs).
type Fields = (bool, bool, u64, u64, u64, Option<u64>, (u64, u64));

fn seen(d: &ratelimit_core::Decision) -> Fields {
    (
        d.allowed(),
        d.too_big(),
        d.limit(),
        d.remaining(),
        d.reset_after_ns(),
        d.retry_after_ns(),
        d.policy(),
    )
}

/// Every key matching `pattern` with its serialized value (any type).
fn dump(conn: &mut redis::Connection, pattern: &str) -> Vec<(String, Vec<u8>)> {
    keys_of(conn, pattern)
        .into_iter()
        .map(|k| {
            let v: Vec<u8> = redis::cmd("DUMP").arg(&k).query(conn).unwrap();
            (k, v)
        })
        .collect()
}

fn keys_of(conn: &mut redis::Connection, pattern: &str) -> Vec<String> {
    let mut keys: Vec<String> = redis::cmd("KEYS").arg(pattern).query(conn).unwrap();
    keys.sort();
    keys
}

/// Peek answers as a check would and consumes nothing; `check_many` (one pipeline) decides as
/// the same checks one by one.
#[test]
fn peek_and_pipelined_checks_match_memory() {
    let server = Server::start();
    let rt = rt();
    let _guard = rt.enter();
    let q = Quota::builder(5, Duration::from_secs(10)).build().unwrap();
    for kind in KINDS {
        let alg = AnyAlgorithm::from_name(kind, q).unwrap();
        let redis = RedisBuilder::new(&server.url(), alg)
            .prefix("many:")
            .build()
            .unwrap();
        let mem = KeyedBuilder::new(alg)
            .clock(ManualClock::new(0))
            .build::<String>()
            .unwrap();
        let t = 1_700_000_000_000_000u64;
        for _ in 0..3 {
            let d = rt.block_on(redis.peek_at_us("p", t, 1));
            assert_eq!(
                seen(&d.decision),
                seen(&mem.peek_at(&"p".to_string(), t * 1000, 1)),
                "{kind}"
            );
            assert!(d.decision.allowed(), "{kind}");
        }
        let reqs: Vec<(&str, u64)> = (0..12)
            .map(|i| (["a", "b"][i % 2], 1 + (i as u64 % 2)))
            .collect();
        let ds = rt.block_on(redis.try_check_many(&reqs, Some(t))).unwrap();
        for (d, (key, cost)) in ds.iter().zip(&reqs) {
            assert_eq!(
                seen(d),
                seen(&mem.check_at(&key.to_string(), t * 1000, *cost)),
                "{kind} {key}"
            );
        }
        assert!(ds.iter().any(|d| !d.allowed()), "{kind}");
        let ds = rt.block_on(redis.check_many(&reqs));
        assert!(ds.iter().all(|d| d.degraded.is_none()), "{kind}");
    }
}

/// Over TCP (127.0.0.1, a free port) with a password and a database in the URL: decisions
/// come from that database; a wrong password is a Redis error, and the fail policy decides.
#[test]
fn tcp_with_password_and_database() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    let child = Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .args(["--requirepass", "s3cret", "--save", "", "--appendonly", "no", "--dir"])
        .arg(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("cannot start redis-server ({e}): install it with `apt-get install redis-server` or run `bash scripts/test-all.sh`")
        });
    let mut server = Server {
        child: Some(child),
        dir,
    };
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "redis-server not listening"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let rt = rt();
    let _guard = rt.enter();
    let alg = AnyAlgorithm::from_name("gcra", Quota::per_hour(2).unwrap()).unwrap();
    let url = format!("redis://:s3cret@127.0.0.1:{port}/3");
    let lim = RedisBuilder::new(&url, alg).build().unwrap();
    let bad = RedisBuilder::new(&format!("redis://:wrong@127.0.0.1:{port}/3"), alg)
        .fail_policy(FailPolicy::Open)
        .build()
        .unwrap();
    rt.block_on(async {
        let mut n = 0;
        for _ in 0..3 {
            let d = lim.check("k", 1).await;
            assert_eq!(d.degraded, None);
            n += usize::from(d.decision.allowed());
        }
        assert_eq!(n, 2);
        assert!(bad.try_check("k", None, 1).await.is_err());
        let d = bad.check("k", 1).await;
        assert_eq!(d.degraded, Some(FailPolicy::Open));
    });
    let client = redis::Client::open(url).unwrap();
    let mut conn = client.get_connection().unwrap();
    let exists: i64 = redis::cmd("EXISTS")
        .arg("rl:{k}:gcra")
        .query(&mut conn)
        .unwrap();
    assert_eq!(exists, 1, "the key is in database 3");
    redis::cmd("SELECT").arg(0).exec(&mut conn).unwrap();
    let exists: i64 = redis::cmd("EXISTS")
        .arg("rl:{k}:gcra")
        .query(&mut conn)
        .unwrap();
    assert_eq!(exists, 0, "and not in database 0");
    server.kill();
}

/// Many decisions in flight at once on one limiter (each on a connection of its own): the
/// limit holds exactly.
#[test]
fn concurrent_callers_on_one_limiter() {
    let server = Server::start();
    let rt = rt();
    let _guard = rt.enter();
    let alg = AnyAlgorithm::from_name("gcra", Quota::per_hour(25).unwrap()).unwrap();
    let lim = RedisBuilder::new(&server.url(), alg).build().unwrap();
    let admitted = rt.block_on(async {
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let lim = lim.clone();
                tokio::spawn(async move {
                    let mut n = 0;
                    for _ in 0..5 {
                        n += usize::from(lim.check("many", 1).await.decision.allowed());
                    }
                    n
                })
            })
            .collect();
        let mut n = 0;
        for t in tasks {
            n += t.await.unwrap();
        }
        n
    });
    assert_eq!(admitted, 25);
    assert_eq!(lim.failures(), 0);
}
