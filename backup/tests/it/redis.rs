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

/// Restores backup `name` and returns a fresh server started on the restored RDB.
fn restore_and_start(repo: &backup::Repository, name: &str, dest: &std::path::Path) -> Server {
    repo.restore(name, dest, RestoreOptions::new(), &mut NoProgress)
        .unwrap();
    start_redis(dest, &["--dbfilename", "dump.rdb"])
}

fn info_field(port: u16, field: &str) -> String {
    let info = cmd(port, &["INFO", "persistence"]);
    info.lines()
        .find_map(|l| l.strip_prefix(&format!("{field}:")))
        .unwrap_or_else(|| panic!("no {field} in {info}"))
        .trim()
        .to_owned()
}

#[test]
fn bgsave_copies_the_dump_file_and_waits_for_a_running_save() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("redis");
    std::fs::create_dir(&data).unwrap();
    let server = start_redis(&data, &[]);
    for i in 0..200 {
        cmd(server.port, &["SET", &format!("key:{i}"), &format!("v{i}")]);
    }
    let clock = clock();
    let repo = local_repo(&tmp.path().join("store"), &clock);
    let address = format!("127.0.0.1:{}", server.port);
    let source = RedisSource::new(&address).bgsave(true);
    assert!(source.is_bgsave());

    let first = repo
        .create(&[source.clone().into()], &mut NoProgress)
        .unwrap();
    assert_eq!(first.files[0].path, "dump.rdb");
    assert_eq!(
        first.files[0].size,
        std::fs::metadata(data.join("dump.rdb")).unwrap().len()
    );
    let fresh = restore_and_start(&repo, &first.name, &tmp.path().join("r1"));
    assert_eq!(cmd(fresh.port, &["DBSIZE"]), ":200");
    assert_eq!(cmd(fresh.port, &["GET", "key:7"]), "v7");
    drop(fresh);

    // A slow save (2 ms per key) already running when the backup starts, then a write it
    // cannot hold: the backup waits for it and saves again, so the write is in the backup.
    assert_eq!(
        cmd(
            server.port,
            &["CONFIG", "SET", "rdb-key-save-delay", "2000"]
        ),
        "+OK"
    );
    let saves_before: u64 = info_field(server.port, "rdb_saves").parse().unwrap();
    assert_eq!(cmd(server.port, &["BGSAVE"]), "+Background saving started");
    assert_eq!(
        cmd(server.port, &["SET", "late", "after the first save"]),
        "+OK"
    );
    assert_eq!(info_field(server.port, "rdb_bgsave_in_progress"), "1");
    clock.advance(time::Duration::seconds(1));
    let second = repo.create(&[source.into()], &mut NoProgress).unwrap();
    let saves_after: u64 = info_field(server.port, "rdb_saves").parse().unwrap();
    assert_eq!(saves_after, saves_before + 2, "the running save, then ours");
    let fresh = restore_and_start(&repo, &second.name, &tmp.path().join("r2"));
    assert_eq!(cmd(fresh.port, &["DBSIZE"]), ":201");
    assert_eq!(cmd(fresh.port, &["GET", "late"]), "after the first save");
}

#[test]
fn bgsave_errors_are_clear_and_leave_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("redis");
    std::fs::create_dir(&data).unwrap();
    // CONFIG renamed away, as hardened deployments do.
    let server = start_redis(&data, &["--rename-command", "CONFIG", "cfg-secret"]);
    cmd(server.port, &["SET", "k", "v"]);
    let clock = clock();
    let store = tmp.path().join("store");
    let repo = local_repo(&store, &clock);
    let address = format!("127.0.0.1:{}", server.port);
    let nothing_left = |repo: &backup::Repository| {
        assert!(repo.list().unwrap().is_empty());
        if store.exists() {
            assert_eq!(names(&store), Vec::<String>::new());
        }
    };

    let err = repo
        .create(
            &[RedisSource::new(&address).bgsave(true).into()],
            &mut NoProgress,
        )
        .unwrap_err();
    assert!(matches!(err, backup::Error::Redis { .. }), "{err:?}");
    assert!(err.to_string().contains("CONFIG GET dir refused"), "{err}");
    assert!(err.to_string().contains("dump_path"), "{err}");
    nothing_left(&repo);

    // The path given by the caller works without CONFIG.
    let m = repo
        .create(
            &[RedisSource::new(&address)
                .dump_path(data.join("dump.rdb"))
                .into()],
            &mut NoProgress,
        )
        .unwrap();
    let fresh = restore_and_start(&repo, &m.name, &tmp.path().join("r"));
    assert_eq!(cmd(fresh.port, &["GET", "k"]), "v");
    drop(fresh);
    repo.store().delete(&backup::manifest_key(&m.name)).unwrap();
    repo.store().delete(&backup::archive_key(&m.name)).unwrap();
    clock.advance(time::Duration::seconds(1));

    // A path that is not the dump: a missing file, a file that is no RDB, a truncated RDB
    // and a stale one.
    let missing = tmp.path().join("missing.rdb");
    let err = repo
        .create(
            &[RedisSource::new(&address).dump_path(&missing).into()],
            &mut NoProgress,
        )
        .unwrap_err();
    assert!(
        matches!(&err, backup::Error::Io { path, .. } if path == &missing),
        "{err:?}"
    );
    nothing_left(&repo);
    let text = tmp.path().join("notes.txt");
    std::fs::write(&text, "not a database, just some notes").unwrap();
    let err = repo
        .create(
            &[RedisSource::new(&address).dump_path(&text).into()],
            &mut NoProgress,
        )
        .unwrap_err();
    assert!(matches!(err, backup::Error::InvalidRdb { .. }), "{err:?}");
    assert!(err.to_string().contains("notes.txt"), "{err}");
    assert!(err.to_string().contains("no REDIS magic"), "{err}");
    nothing_left(&repo);
    let dump = std::fs::read(data.join("dump.rdb")).unwrap();
    let cut = tmp.path().join("cut.rdb");
    std::fs::write(&cut, &dump[..dump.len() - 4]).unwrap();
    let err = repo
        .create(
            &[RedisSource::new(&address).dump_path(&cut).into()],
            &mut NoProgress,
        )
        .unwrap_err();
    assert!(err.to_string().contains("cut.rdb"), "{err}");
    assert!(err.to_string().contains("truncated"), "{err}");
    nothing_left(&repo);
    let mut flipped = dump.clone();
    flipped[12] ^= 0x01;
    let bad = tmp.path().join("flipped.rdb");
    std::fs::write(&bad, &flipped).unwrap();
    let err = repo
        .create(
            &[RedisSource::new(&address).dump_path(&bad).into()],
            &mut NoProgress,
        )
        .unwrap_err();
    assert!(err.to_string().contains("checksum mismatch"), "{err}");
    nothing_left(&repo);
    let stale = tmp.path().join("stale.rdb");
    std::fs::write(&stale, &dump).unwrap();
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    std::fs::File::options()
        .write(true)
        .open(&stale)
        .unwrap()
        .set_modified(old)
        .unwrap();
    let err = repo
        .create(
            &[RedisSource::new(&address).dump_path(&stale).into()],
            &mut NoProgress,
        )
        .unwrap_err();
    assert!(err.to_string().contains("older than the save"), "{err}");
    nothing_left(&repo);

    // The save itself fails: the server's directory is gone.
    std::fs::remove_dir_all(&data).unwrap();
    let gone = data.clone();
    let err = repo
        .create(
            &[RedisSource::new(&address)
                .dump_path(gone.join("dump.rdb"))
                .into()],
            &mut NoProgress,
        )
        .unwrap_err();
    assert!(matches!(err, backup::Error::Redis { .. }), "{err:?}");
    assert!(err.to_string().contains("background save failed"), "{err}");
    nothing_left(&repo);
}
