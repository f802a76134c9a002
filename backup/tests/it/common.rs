//! Shared helpers: trees, comparisons, crafted archives, server processes.

use std::fs;
use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use backup::{LocalStore, ManualClock, Repository};
use sha2::{Digest, Sha256};
use time::macros::datetime;

pub(crate) fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(datetime!(2026-11-22 10:00:00 UTC)))
}

pub(crate) fn local_repo(dir: &Path, clock: &Arc<ManualClock>) -> Repository {
    Repository::new(LocalStore::new(dir)).with_clock(clock.clone())
}

pub(crate) fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// Asserts two trees have the same names, kinds, contents, permission bits and link targets.
pub(crate) fn assert_same_tree(a: &Path, b: &Path) {
    let mut left = Vec::new();
    let mut right = Vec::new();
    walk(a, a, &mut left);
    walk(b, b, &mut right);
    assert_eq!(
        left,
        right,
        "trees differ: {} vs {}",
        a.display(),
        b.display()
    );
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) {
    let mut entries: Vec<_> = fs::read_dir(dir).unwrap().map(|e| e.unwrap()).collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let path = e.path();
        let rel = path.strip_prefix(root).unwrap().display().to_string();
        let meta = fs::symlink_metadata(&path).unwrap();
        let desc = if meta.file_type().is_symlink() {
            format!("link -> {}", fs::read_link(&path).unwrap().display())
        } else if meta.is_dir() {
            format!("dir {:o}", meta.permissions().mode() & 0o7777)
        } else {
            format!(
                "file {:o} {}",
                meta.permissions().mode() & 0o7777,
                sha256_hex(&fs::read(&path).unwrap())
            )
        };
        out.push((rel, desc));
        if meta.is_dir() && !meta.file_type().is_symlink() {
            walk(root, &path, out);
        }
    }
}

/// Names in `dir` (to check nothing was left behind).
pub(crate) fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    v.sort();
    v
}

/// A raw tar header block with arbitrary name/link (no sanitizing, unlike tar::Builder).
pub(crate) fn raw_header(name: &str, kind: u8, size: usize, link: &str) -> [u8; 512] {
    let mut h = [0u8; 512];
    h[..name.len()].copy_from_slice(name.as_bytes());
    h[100..108].copy_from_slice(b"0000644\0");
    h[108..116].copy_from_slice(b"0000000\0");
    h[116..124].copy_from_slice(b"0000000\0");
    h[124..136].copy_from_slice(format!("{size:011o}\0").as_bytes());
    h[136..148].copy_from_slice(b"00000000000\0");
    h[156] = kind;
    h[157..157 + link.len()].copy_from_slice(link.as_bytes());
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h.iter().map(|b| u32::from(*b)).sum();
    h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    h
}

/// A crafted entry: (name, kind b'0'/b'2'/b'5', data, link target).
pub(crate) type Crafted<'a> = (&'a str, u8, &'a [u8], &'a str);

/// Writes a crafted archive and a manifest that matches it exactly into a local store.
pub(crate) fn store_crafted(store: &Path, name: &str, entries: &[Crafted<'_>]) {
    let mut tar = Vec::new();
    let mut files = Vec::new();
    for (path, kind, data, link) in entries {
        tar.extend_from_slice(&raw_header(path, *kind, data.len(), link));
        tar.extend_from_slice(data);
        tar.resize(tar.len().div_ceil(512) * 512, 0);
        if *kind == b'0' {
            files.push(
                serde_json::json!({"path": path, "size": data.len(), "sha256": sha256_hex(data)}),
            );
        }
    }
    tar.resize(tar.len() + 1024, 0);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&tar).unwrap();
    let archive = gz.finish().unwrap();
    fs::create_dir_all(store).unwrap();
    fs::write(store.join(format!("{name}.tar.gz")), &archive).unwrap();
    let manifest = serde_json::json!({
        "format_version": 1,
        "name": name,
        "created_at": "2026-11-22T10:00:00Z",
        "archive": {"key": format!("{name}.tar.gz"), "size": archive.len(), "sha256": sha256_hex(&archive)},
        "files": files,
        "sources": [],
    });
    fs::write(
        store.join(format!("{name}.manifest.json")),
        serde_json::to_vec(&manifest).unwrap(),
    )
    .unwrap();
}

pub(crate) fn set_mode(path: &Path, mode: u32) {
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

// ---- servers -------------------------------------------------------------------------------

/// Finds a server binary on PATH or fails saying how to install it.
pub(crate) fn binary(name: &str, install: &str) -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        let candidate = dir.join(name);
        if candidate.is_file() {
            return candidate;
        }
    }
    panic!(
        "{name} not found on PATH; install it with: {install} (or run `bash scripts/test-all.sh`, which installs it)"
    );
}

pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A child process killed when dropped.
pub(crate) struct Server {
    pub(crate) child: Child,
    pub(crate) port: u16,
}

impl Server {
    pub(crate) fn start(program: &Path, args: &[&str], port: u16) -> Server {
        let child = Command::new(program)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", program.display()));
        let server = Server { child, port };
        wait_port(port, Duration::from_secs(30));
        server
    }

    pub(crate) fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

pub(crate) fn wait_port(port: u16, timeout: Duration) {
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < timeout,
            "server on port {port} did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}
