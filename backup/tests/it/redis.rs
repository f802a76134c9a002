//! Redis RDB source against real redis-server processes.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;

use backup::{NoProgress, RedisSource, RestoreOptions};

use crate::common::*;

const INSTALL: &str = "apt-get install redis-server";

fn start_redis(dir: &std::path::Path, extra: &[&str]) -> Server {
    let bin = binary("redis-server", INSTALL);
    let port = free_port();
    let port_s = port.to_string();
    let dir_s = dir.display().to_string();
    let mut args = vec![
        "--port",
        &port_s,
        "--bind",
        "127.0.0.1",
        "--dir",
        &dir_s,
        "--save",
        "",
        "--appendonly",
        "no",
    ];
    args.extend_from_slice(extra);
    Server::start(&bin, &args, port)
}

/// Sends one command and returns the first reply line (bulk replies: the payload).
fn cmd(port: u16, args: &[&str]) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut out = format!("*{}\r\n", args.len());
    for a in args {
        out.push_str(&format!("${}\r\n{a}\r\n", a.len()));
    }
    s.write_all(out.as_bytes()).unwrap();
    let mut r = BufReader::new(s);
    let mut line = String::new();
    r.read_line(&mut line).unwrap();
    if let Some(len) = line.strip_prefix('$') {
        let len: i64 = len.trim().parse().unwrap();
        if len < 0 {
            return "(nil)".into();
        }
        let mut buf = vec![0u8; len as usize + 2];
        r.read_exact(&mut buf).unwrap();
        return String::from_utf8_lossy(&buf[..len as usize]).into_owned();
    }
    line.trim_end().to_owned()
}

#[test]
fn rdb_backup_restores_into_a_fresh_server() {
    let tmp = tempfile::tempdir().unwrap();
    let data1 = tmp.path().join("redis1");
    std::fs::create_dir(&data1).unwrap();
    let server = start_redis(&data1, &[]);
    for i in 0..200 {
        assert_eq!(
            cmd(
                server.port,
                &["SET", &format!("key:{i}"), &format!("value {i} ✓")]
            ),
            "+OK"
        );
    }
    cmd(server.port, &["RPUSH", "list", "a", "b", "c"]);
    // Diskless transfers without the 5 s default delay.
    assert_eq!(
        cmd(
            server.port,
            &["CONFIG", "SET", "repl-diskless-sync-delay", "0"]
        ),
        "+OK"
    );

    let clock = clock();
    let repo = local_repo(&tmp.path().join("store"), &clock);
    let address = format!("127.0.0.1:{}", server.port);
    let sized = repo
        .create(&[RedisSource::new(&address).into()], &mut NoProgress)
        .unwrap();
    assert_eq!(sized.files[0].path, "dump.rdb");
    clock.advance(time::Duration::seconds(1));
    let diskless = repo
        .create(
            &[RedisSource::new(&address).diskless(true).into()],
            &mut NoProgress,
        )
        .unwrap();
    assert!(diskless.files[0].size > 100);

    for m in [&sized, &diskless] {
        let dest = tmp.path().join(format!("restored-{}", m.name));
        repo.restore(&m.name, &dest, RestoreOptions::new(), &mut NoProgress)
            .unwrap();
        let rdb = std::fs::read(dest.join("dump.rdb")).unwrap();
        assert!(rdb.starts_with(b"REDIS"));
        let fresh = start_redis(&dest, &["--dbfilename", "dump.rdb"]);
        assert_eq!(cmd(fresh.port, &["DBSIZE"]), ":201");
        assert_eq!(cmd(fresh.port, &["GET", "key:199"]), "value 199 ✓");
        assert_eq!(cmd(fresh.port, &["LINDEX", "list", "2"]), "c");
    }
}

#[test]
fn redis_errors_are_clear() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("redis");
    std::fs::create_dir(&data).unwrap();
    let server = start_redis(&data, &["--requirepass", "s3cret"]);
    let clock = clock();
    let repo = local_repo(&tmp.path().join("store"), &clock);
    let address = format!("127.0.0.1:{}", server.port);
    let err = repo
        .create(&[RedisSource::new(&address).into()], &mut NoProgress)
        .unwrap_err();
    assert!(matches!(err, backup::Error::Redis { .. }), "{err:?}");
    assert!(err.to_string().contains("NOAUTH"), "{err}");
    let err = repo
        .create(
            &[RedisSource::new(&address).auth(None, "wrong").into()],
            &mut NoProgress,
        )
        .unwrap_err();
    assert!(err.to_string().contains("authentication failed"), "{err}");
    assert!(
        !err.to_string().contains("wrong"),
        "the password is never shown: {err}"
    );
    let m = repo
        .create(
            &[RedisSource::new(&address).auth(None, "s3cret").into()],
            &mut NoProgress,
        )
        .unwrap();
    assert_eq!(m.files.len(), 1);
    clock.advance(time::Duration::seconds(1));
    // Nothing listens on a fresh free port.
    let err = repo
        .create(
            &[RedisSource::new(format!("127.0.0.1:{}", free_port())).into()],
            &mut NoProgress,
        )
        .unwrap_err();
    assert!(matches!(err, backup::Error::Connect { .. }), "{err:?}");
}
