//! The S3 store against real servers: moto (S3 API, SSE, storage classes, stale uploads) and
//! s3s-fs (file-backed, verifies checksums; used for the fault test).

use std::cell::RefCell;
use std::fs;
use std::path::Path;
use std::sync::Arc;

use aws_sdk_s3::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_s3::primitives::ByteStream;
use backup::{
    Error, FileSource, ManualClock, NoProgress, ProgressUpdate, Repository, RestoreOptions,
    S3Options, S3Store,
};

use crate::common::*;

const MOTO_INSTALL: &str =
    "python3 -m venv venv && venv/bin/pip install 'moto[server]' crc32c awscrt";
const S3S_INSTALL: &str = "cargo install --locked s3s-fs --version 0.14.1 --features binary";
const BUCKET: &str = "backups";

fn sdk(port: u16) -> (tokio::runtime::Runtime, aws_sdk_s3::Client) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let conf = aws_sdk_s3::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(format!("http://127.0.0.1:{port}"))
        .force_path_style(true)
        .credentials_provider(Credentials::new("testing", "testing", None, None, "static"))
        .build();
    (rt, aws_sdk_s3::Client::from_conf(conf))
}

fn options(port: u16) -> S3Options {
    S3Options::new(BUCKET)
        .prefix("prod/db")
        .endpoint(format!("http://127.0.0.1:{port}"))
        .static_credentials("testing", "testing")
        .part_size(5 << 20)
        .concurrency(2)
}

fn start_moto() -> Server {
    let bin = binary("moto_server", MOTO_INSTALL);
    let port = free_port();
    Server::start(&bin, &["-H", "127.0.0.1", "-p", &port.to_string()], port)
}

fn start_s3s(root: &Path, port: u16) -> Server {
    let bin = binary("s3s-fs", S3S_INSTALL);
    fs::create_dir_all(root).unwrap();
    let port_s = port.to_string();
    let root_s = root.display().to_string();
    Server::start(
        &bin,
        &[
            "--host",
            "127.0.0.1",
            "--port",
            &port_s,
            "--access-key",
            "testing",
            "--secret-key",
            "testing",
            &root_s,
        ],
        port,
    )
}

/// Incompressible bytes (xorshift), so the archive spans several parts.
fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

fn data_tree(root: &Path) {
    fs::create_dir_all(root.join("sub")).unwrap();
    fs::write(root.join("big.bin"), noise(11 << 20, 42)).unwrap();
    fs::write(root.join("sub/small.txt"), "small").unwrap();
    fs::write(root.join("empty"), "").unwrap();
}

fn repo(
    port: u16,
    clock: &Arc<ManualClock>,
    extra: impl FnOnce(S3Options) -> S3Options,
) -> Repository {
    Repository::new(S3Store::connect(extra(options(port))).unwrap()).with_clock(clock.clone())
}

#[test]
fn moto_round_trip_with_multipart_sse_storage_class_and_write_once() {
    let server = start_moto();
    let (rt, client) = sdk(server.port);
    rt.block_on(client.create_bucket().bucket(BUCKET).send())
        .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("data");
    data_tree(&src);
    let clock = clock();
    let repo = repo(server.port, &clock, |o| {
        o.server_side_encryption("AES256")
            .storage_class("STANDARD_IA")
    });

    let m = repo
        .create(&[FileSource::new(&src).into()], &mut NoProgress)
        .unwrap();
    assert!(
        m.archive.size > 10 << 20,
        "multipart: {} bytes",
        m.archive.size
    );
    assert_eq!(repo.list().unwrap()[0].name, m.name);
    let report = repo.verify(&m.name, true).unwrap();
    assert!(report.is_ok(), "{report}");
    let dest = tmp.path().join("restored");
    repo.restore(&m.name, &dest, RestoreOptions::new(), &mut NoProgress)
        .unwrap();
    assert_same_tree(&src, &dest.join("data"));

    let head = rt
        .block_on(
            client
                .head_object()
                .bucket(BUCKET)
                .key(format!("prod/db/{}", m.archive.key))
                .send(),
        )
        .unwrap();
    assert_eq!(
        head.server_side_encryption().map(|s| s.as_str()),
        Some("AES256")
    );
    assert_eq!(
        head.storage_class().map(|s| s.as_str()),
        Some("STANDARD_IA")
    );

    // Write-once: an existing key is never replaced.
    let mut w = repo
        .store()
        .put_new(&backup::manifest_key(&m.name))
        .unwrap();
    std::io::Write::write_all(&mut w, b"{}").unwrap();
    let err = w.finish().unwrap_err();
    assert!(matches!(err, Error::ObjectExists { .. }), "{err:?}");
    assert!(repo.verify(&m.name, false).unwrap().is_ok());

    // Stale multipart uploads are aborted.
    let started = rt
        .block_on(
            client
                .create_multipart_upload()
                .bucket(BUCKET)
                .key("prod/db/full_20200101000000.tar.gz")
                .send(),
        )
        .unwrap();
    assert!(started.upload_id().is_some());
    clock.set(time::OffsetDateTime::now_utc() + time::Duration::hours(2));
    assert_eq!(
        repo.abort_stale_uploads(time::Duration::hours(1)).unwrap(),
        1
    );
    let uploads = rt
        .block_on(client.list_multipart_uploads().bucket(BUCKET).send())
        .unwrap();
    assert!(uploads.uploads().is_empty());

    // Prune through S3.
    let plan = repo
        .prune(&backup::RetentionPolicy::new().keep_last(1), false)
        .unwrap();
    assert_eq!(plan.decisions.len(), 1);
}

#[test]
fn s3s_fs_verifies_digests_and_a_killed_server_leaves_nothing_listed() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("s3root");
    let port = free_port();
    let server = start_s3s(&root, port);
    let (rt, client) = sdk(port);
    rt.block_on(client.create_bucket().bucket(BUCKET).send())
        .unwrap();

    // The server checks x-amz-checksum-sha256: a wrong digest is rejected.
    let wrong = rt.block_on(
        client
            .put_object()
            .bucket(BUCKET)
            .key("probe")
            .body(ByteStream::from(b"hello".to_vec()))
            .checksum_sha256("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=")
            .send(),
    );
    let status = wrong
        .unwrap_err()
        .raw_response()
        .map(|r| r.status().as_u16());
    assert_eq!(status, Some(400), "s3s-fs must reject a bad digest");

    let src = tmp.path().join("data");
    data_tree(&src);
    let clock = clock();
    let repo = repo(port, &clock, |o| o);
    // Our per-part SHA-256 values are verified by the server, so this upload proves them.
    let first = repo
        .create(&[FileSource::new(&src).into()], &mut NoProgress)
        .unwrap();
    assert!(repo.verify(&first.name, true).unwrap().is_ok());

    // Kill the server in the middle of the next upload.
    clock.advance(time::Duration::minutes(1));
    let server = RefCell::new(server);
    let mut killer = |u: ProgressUpdate| {
        if u.bytes_done >= 8 << 20 {
            server.borrow_mut().stop();
        }
    };
    let err = repo
        .create(&[FileSource::new(&src).into()], &mut killer)
        .unwrap_err();
    assert!(matches!(err, Error::Store { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("s3://backups/prod/db") && text.contains(".tar.gz"),
        "{text}"
    );
    drop(server);

    // Back up again: the failed backup is not listed; a retry completes.
    let _server = start_s3s(&root, port);
    let names: Vec<String> = repo.list().unwrap().into_iter().map(|m| m.name).collect();
    assert_eq!(names, std::slice::from_ref(&first.name));
    clock.advance(time::Duration::seconds(1));
    let retry = repo
        .create(&[FileSource::new(&src).into()], &mut NoProgress)
        .unwrap();
    assert!(repo.verify(&retry.name, true).unwrap().is_ok());
    assert_eq!(repo.list().unwrap().len(), 2);
}
