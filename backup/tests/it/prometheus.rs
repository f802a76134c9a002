//! Prometheus snapshot source against a real prometheus.

use std::time::{Duration, Instant};

use backup::{Error, NoProgress, PrometheusSource, RestoreOptions};

use crate::common::*;

const INSTALL: &str = "apt-get install prometheus";

fn start(dir: &std::path::Path, admin: bool) -> Server {
    let bin = binary("prometheus", INSTALL);
    let port = free_port();
    let config = dir.join("prometheus.yml");
    std::fs::write(
        &config,
        format!(
            "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: self\n    static_configs:\n      - targets: ['127.0.0.1:{port}']\n"
        ),
    )
    .unwrap();
    let listen = format!("--web.listen-address=127.0.0.1:{port}");
    let storage = format!("--storage.tsdb.path={}", dir.join("data").display());
    let config_arg = format!("--config.file={}", config.display());
    let mut args = vec![listen.as_str(), storage.as_str(), config_arg.as_str()];
    if admin {
        args.push("--web.enable-admin-api");
    }
    let server = Server::start(&bin, &args, port);
    // Wait for readiness.
    let start = Instant::now();
    loop {
        if http_get(port, "/-/ready").starts_with("HTTP/1.1 200") {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "prometheus not ready"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    server
}

#[test]
fn snapshot_is_archived_and_removed() {
    let tmp = tempfile::tempdir().unwrap();
    let server = start(tmp.path(), true);
    // Wait until it has scraped itself, so the head block has samples.
    let start = Instant::now();
    while !http_get(server.port, "/api/v1/query?query=up").contains("\"value\"") {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "no scrape happened"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let url = format!("http://127.0.0.1:{}", server.port);
    let repo = local_repo(&tmp.path().join("store"), &clock());
    let m = repo
        .create(
            &[PrometheusSource::new(&url, tmp.path().join("data")).into()],
            &mut NoProgress,
        )
        .unwrap();
    assert!(
        m.files
            .iter()
            .any(|f| f.path.starts_with("prometheus/") && f.path.ends_with("/meta.json")),
        "{:?}",
        m.files
    );
    assert!(m.files.iter().any(|f| f.path.ends_with("/index")));
    // The snapshot directory is removed after archiving.
    let snaps = tmp.path().join("data/snapshots");
    assert!(names(&snaps).is_empty(), "{:?}", names(&snaps));
    let dest = tmp.path().join("restored");
    repo.restore(&m.name, &dest, RestoreOptions::new(), &mut NoProgress)
        .unwrap();
    assert!(dest.join("prometheus").is_dir());
}

#[test]
fn admin_api_disabled_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let server = start(tmp.path(), false);
    let url = format!("http://127.0.0.1:{}", server.port);
    let repo = local_repo(&tmp.path().join("store"), &clock());
    let err = repo
        .create(
            &[PrometheusSource::new(&url, tmp.path().join("data")).into()],
            &mut NoProgress,
        )
        .unwrap_err();
    assert!(
        matches!(err, Error::PrometheusAdminDisabled { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("--web.enable-admin-api"), "{err}");
    assert!(repo.list().is_err() || repo.list().unwrap().is_empty());
}

fn http_get(port: u16, path: &str) -> String {
    use std::io::{Read, Write};
    let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return String::new();
    };
    let _ = s.write_all(
        format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes(),
    );
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out
}
