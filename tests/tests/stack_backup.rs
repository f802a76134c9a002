//! `stack-backup` end to end: a real `redis-server` holds the limiter's data, the stack's
//! configuration directory sits beside it; a backup of both lists, verifies, restores
//! byte-identical files, and its RDB loads into a fresh `redis-server` with the same keys.

// A test fails by panicking: clippy's allow-*-in-tests settings do not reach helper functions.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use examples::stack_backup::{Failure, run};

const REDIS_HINT: &str =
    "install it with `apt-get install redis-server` or run `bash scripts/test-all.sh`";

/// A redis-server on a free loopback port with its data in `dir`; killed on drop.
struct Redis {
    child: Child,
    port: u16,
}

impl Redis {
    fn start(dir: &Path) -> Redis {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--dir", dir.to_str().unwrap(), "--dbfilename", "dump.rdb"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start redis-server ({e}); {REDIS_HINT}"));
        let redis = Redis { child, port };
        let deadline = Instant::now() + Duration::from_secs(10);
        while redis.cli(&["ping"]) != "PONG" {
            assert!(Instant::now() < deadline, "redis-server did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        redis
    }

    fn cli(&self, args: &[&str]) -> String {
        let out = Command::new("redis-cli")
            .args(["-p", &self.port.to_string()])
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("cannot run redis-cli ({e}); {REDIS_HINT}"));
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn stack_backup(args: &[&str]) -> Result<String, Failure> {
    let mut out = Vec::new();
    run(args.iter().map(|s| s.to_string()).collect(), &mut out)?;
    Ok(String::from_utf8(out).unwrap())
}

fn files(root: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path.strip_prefix(root).unwrap().to_path_buf();
                out.push((rel, std::fs::read(&path).unwrap()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn the_stack_backs_up_verifies_and_restores_into_a_fresh_redis() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("redis-data");
    std::fs::create_dir(&data).unwrap();
    let redis = Redis::start(&data);
    for i in 0..200 {
        assert_eq!(
            redis.cli(&[
                "set",
                &format!("rl:{{client-{i}}}:gcra"),
                &format!("{}", i * 7)
            ]),
            "OK"
        );
    }
    redis.cli(&["hset", "rl:quota", "limit", "100", "period", "1s"]);

    let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/stack");
    let store = tmp.path().join("store");
    let store = store.to_str().unwrap();
    let name = stack_backup(&[
        "--store",
        store,
        "create",
        "--redis",
        &redis.address(),
        "--config",
        config.to_str().unwrap(),
    ])
    .unwrap();
    let name = name.trim();
    assert!(
        name.starts_with("full_") && name.len() == "full_YYYYMMDDhhmmss".len(),
        "{name}"
    );

    let listed: serde_json::Value = serde_json::from_str(
        &stack_backup(&["--store", store, "list", "--format", "json"]).unwrap(),
    )
    .unwrap();
    assert_eq!(listed[0]["name"], name);
    let sources = listed[0]["sources"].as_array().unwrap();
    assert_eq!(sources[0], format!("redis://{}", redis.address()));
    assert!(listed[0]["size"].as_u64().unwrap() > 0);

    let report = stack_backup(&["--store", store, "verify", name, "--deep"]).unwrap();
    assert!(report.contains("ok"), "{report}");

    let restored = tmp.path().join("restored");
    stack_backup(&[
        "--store",
        store,
        "restore",
        name,
        restored.to_str().unwrap(),
    ])
    .unwrap();
    assert_eq!(files(&restored.join("config")), files(&config));

    // A second restore into the same place needs --force.
    let err = stack_backup(&[
        "--store",
        store,
        "restore",
        name,
        restored.to_str().unwrap(),
    ])
    .unwrap_err();
    assert!(err.message().contains("not empty"), "{err:?}");

    // The RDB loads into a fresh server with every key.
    let fresh_data = tmp.path().join("fresh-data");
    std::fs::create_dir(&fresh_data).unwrap();
    std::fs::copy(restored.join("dump.rdb"), fresh_data.join("dump.rdb")).unwrap();
    let fresh = Redis::start(&fresh_data);
    assert_eq!(fresh.cli(&["dbsize"]), "201");
    assert_eq!(fresh.cli(&["get", "rl:{client-13}:gcra"]), "91");
    assert_eq!(fresh.cli(&["hget", "rl:quota", "period"]), "1s");

    // Retention: a dry run keeps the only backup.
    let plan = stack_backup(&["--store", store, "prune", "--keep-last", "1", "--dry-run"]).unwrap();
    assert_eq!(plan.trim(), format!("keep {name}"));
}

#[test]
fn a_flipped_byte_fails_verify_with_exit_1() {
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("config");
    std::fs::create_dir(&config).unwrap();
    std::fs::write(config.join("limits.yaml"), "default: {limit: 1}\n").unwrap();
    let store = tmp.path().join("store");
    let store_s = store.to_str().unwrap();
    let name = stack_backup(&[
        "--store",
        store_s,
        "create",
        "--no-redis",
        "--config",
        config.to_str().unwrap(),
    ])
    .unwrap();
    let archive = store.join(format!("{}.tar.gz", name.trim()));
    let mut bytes = std::fs::read(&archive).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x40;
    std::fs::write(&archive, bytes).unwrap();
    let err = stack_backup(&["--store", store_s, "verify", name.trim()]).unwrap_err();
    assert_eq!(err.exit_code(), 1, "{err:?}");
}

#[test]
fn bad_usage_exits_2() {
    for args in [
        &["frobnicate"][..],
        &["--store"][..],
        &["create", "--config", "/nonexistent/config"][..],
        &["prune", "--keep-last", "many"][..],
        &[][..],
    ] {
        let err = stack_backup(args).unwrap_err();
        assert_eq!(err.exit_code(), 2, "{args:?}: {err:?}");
        assert!(!err.message().contains('\n'), "{args:?}: one line");
    }
}
