//! A full disk (a 1 MiB tmpfs mounted by the test): clear errors naming the path, nothing
//! half-written left behind.

use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::process::Command;

use backup::{Error, FileSource, NoProgress, RestoreOptions, archive_key, manifest_key};
use time::macros::datetime;

use crate::common::*;

/// A small tmpfs mounted on a directory, unmounted when dropped.
struct Tmpfs {
    dir: PathBuf,
}

impl Tmpfs {
    fn mount(dir: PathBuf, size: &str) -> Tmpfs {
        fs::create_dir_all(&dir).unwrap();
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&dir)
            .output()
            .unwrap_or_else(|e| {
                panic!("cannot run mount: {e} (install mount: apt-get install mount)")
            });
        assert!(
            out.status.success(),
            "mounting a tmpfs on {} failed: {} (the full-disk tests need root or CAP_SYS_ADMIN)",
            dir.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        Tmpfs { dir }
    }

    fn path(&self) -> &Path {
        &self.dir
    }

    /// Free bytes on the filesystem.
    fn available(&self) -> u64 {
        let out = Command::new("df")
            .args(["--output=avail", "-B1"])
            .arg(&self.dir)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .nth(1)
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let ok = Command::new("umount")
            .arg(&self.dir)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            let _ = Command::new("umount").arg("-l").arg(&self.dir).status();
        }
    }
}

/// Incompressible bytes (xorshift), so gzip cannot make them fit.
fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.extend_from_slice(&x.to_le_bytes());
    }
    out.truncate(len);
    out
}

/// Asserts `err` is a "no space left" I/O error on `expected` (or below it).
fn assert_full(err: &Error, expected: &Path) {
    match err {
        Error::Io { path, source, .. } => {
            assert!(
                path.starts_with(expected),
                "{err:?} should name {}",
                expected.display()
            );
            assert_eq!(source.kind(), ErrorKind::StorageFull, "{err:?}");
        }
        other => panic!(
            "expected an I/O error on {}, got {other:?}",
            expected.display()
        ),
    }
    assert!(
        err.to_string().contains(&expected.display().to_string()),
        "{err}"
    );
}

#[test]
fn create_into_a_full_store_fails_clearly_and_leaves_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let mnt = Tmpfs::mount(tmp.path().join("mnt"), "1m");
    let store = mnt.path().join("store");
    let clock = clock();
    let name = backup::backup_name(datetime!(2026-11-22 10:00:00 UTC));

    // The archive does not fit.
    let big = tmp.path().join("big");
    fs::create_dir(&big).unwrap();
    fs::write(big.join("noise.bin"), noise(3 << 20, 7)).unwrap();
    let repo = local_repo(&store, &clock);
    let err = repo
        .create(&[FileSource::new(&big).into()], &mut NoProgress)
        .unwrap_err();
    assert_full(&err, &store.join(archive_key(&name)));
    assert_eq!(
        names(&store),
        Vec::<String>::new(),
        "no temporary file left"
    );
    assert!(repo.list().unwrap().is_empty());

    // The archive fits but its manifest does not (many files make a large manifest): the
    // archive is removed too.
    let many = tmp.path().join("many");
    fs::create_dir(&many).unwrap();
    for i in 0..2000 {
        fs::write(many.join(format!("file-{i:05}.txt")), format!("{i}")).unwrap();
    }
    let sizing = local_repo(&tmp.path().join("sizing"), &clock)
        .create(&[FileSource::new(&many).into()], &mut NoProgress)
        .unwrap();
    let manifest_len = fs::metadata(tmp.path().join("sizing").join(manifest_key(&name)))
        .unwrap()
        .len();
    let room = sizing.archive.size + 64 * 1024;
    assert!(
        manifest_len > 64 * 1024 + 8 * 1024,
        "the manifest ({manifest_len} bytes) must not fit in the room left"
    );
    let filler = mnt.path().join("filler");
    fs::write(&filler, vec![0u8; (mnt.available() - room) as usize]).unwrap();
    let err = repo
        .create(&[FileSource::new(&many).into()], &mut NoProgress)
        .unwrap_err();
    assert_full(&err, &store.join(manifest_key(&name)));
    assert_eq!(
        names(&store),
        Vec::<String>::new(),
        "archive and temp files removed"
    );
    assert!(repo.list().unwrap().is_empty());

    // Once there is room again, the same backup goes through.
    fs::remove_file(&filler).unwrap();
    let m = repo
        .create(&[FileSource::new(&many).into()], &mut NoProgress)
        .unwrap();
    assert_eq!(m.files.len(), 2000);
    assert!(repo.verify(&m.name, true).unwrap().is_ok());
}

#[test]
fn restore_into_a_full_target_fails_clearly_and_leaves_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("data");
    fs::create_dir(&src).unwrap();
    fs::write(src.join("a.txt"), "small").unwrap();
    fs::write(src.join("noise.bin"), noise(3 << 20, 11)).unwrap();
    let clock = clock();
    let repo = local_repo(&tmp.path().join("store"), &clock);
    let m = repo
        .create(&[FileSource::new(&src).into()], &mut NoProgress)
        .unwrap();

    let mnt = Tmpfs::mount(tmp.path().join("mnt"), "1m");
    let dest = mnt.path().join("restored");
    let err = repo
        .restore(&m.name, &dest, RestoreOptions::new(), &mut NoProgress)
        .unwrap_err();
    assert_full(&err, &dest);
    assert_eq!(names(mnt.path()), Vec::<String>::new(), "no staging left");

    // With force into a non-empty directory: the existing content stays as it was.
    let existing = mnt.path().join("existing");
    fs::create_dir(&existing).unwrap();
    fs::create_dir(existing.join("data")).unwrap();
    fs::write(existing.join("data/a.txt"), "precious").unwrap();
    let err = repo
        .restore(
            &m.name,
            &existing,
            RestoreOptions::new().force(true),
            &mut NoProgress,
        )
        .unwrap_err();
    assert_full(&err, &existing);
    assert_eq!(names(mnt.path()), vec!["existing".to_owned()]);
    assert_eq!(names(&existing.join("data")), vec!["a.txt".to_owned()]);
    assert_eq!(
        fs::read_to_string(existing.join("data/a.txt")).unwrap(),
        "precious"
    );
}
