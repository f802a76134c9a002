//! Local-store operations: round trips, faults, unsafe archives.

use std::fs;
use std::os::unix::fs::symlink;

use backup::{
    Error, FileSource, NoProgress, Problem, RestoreOptions, RetentionPolicy, UnsafeReason,
};

use crate::common::*;

fn sample_tree(root: &std::path::Path) {
    fs::create_dir_all(root.join("sub/deeper")).unwrap();
    fs::create_dir_all(root.join("empty")).unwrap();
    fs::write(root.join("a.txt"), "alpha").unwrap();
    fs::write(root.join("empty.bin"), "").unwrap();
    fs::write(root.join("sub/deeper/ünïcødé 日本.txt"), vec![7u8; 100_000]).unwrap();
    fs::write(root.join("sub/x.tmp"), "temp").unwrap();
    fs::write(root.join("run.sh"), "#!/bin/sh\n").unwrap();
    set_mode(&root.join("run.sh"), 0o750);
    set_mode(&root.join("sub/deeper"), 0o700);
    symlink("../a.txt", root.join("sub/link")).unwrap();
}

#[test]
fn round_trip_restores_identical_tree_and_lists_newest_first() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("data");
    sample_tree(&src);
    let clock = clock();
    let repo = local_repo(&tmp.path().join("store"), &clock);

    let first = repo
        .create(&[FileSource::new(&src).into()], &mut NoProgress)
        .unwrap();
    assert_eq!(first.name, "full_20261122100000");
    clock.advance(time::Duration::hours(1));
    let mut seen = 0;
    let mut progress = |u: backup::ProgressUpdate| seen = u.files_done;
    let second = repo
        .create(&[FileSource::new(&src).into()], &mut progress)
        .unwrap();
    assert_eq!(seen, 5);
    assert_eq!(second.files.len(), 5);
    let file = second
        .files
        .iter()
        .find(|f| f.path == "data/a.txt")
        .unwrap();
    assert_eq!(
        (file.size, file.sha256.as_str()),
        (5, sha256_hex(b"alpha").as_str())
    );
    let archive = fs::read(tmp.path().join("store").join(&second.archive.key)).unwrap();
    assert_eq!(second.archive.size, archive.len() as u64);
    assert_eq!(second.archive.sha256, sha256_hex(&archive));

    let listed: Vec<String> = repo.list().unwrap().into_iter().map(|m| m.name).collect();
    assert_eq!(listed, [second.name.clone(), first.name.clone()]);

    let report = repo.verify(&second.name, true).unwrap();
    assert!(report.is_ok(), "{report}");
    assert_eq!(report.files_checked, 5);

    let dest = tmp.path().join("out/restored");
    let summary = repo
        .restore(&second.name, &dest, RestoreOptions::new(), &mut NoProgress)
        .unwrap();
    assert_eq!((summary.files, summary.links), (5, 1));
    assert_same_tree(&src, &dest.join("data"));
    assert_eq!(names(&tmp.path().join("out")), ["restored"]);
}

#[test]
fn include_and_exclude_globs_select_files() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("data");
    sample_tree(&src);
    let repo = local_repo(&tmp.path().join("store"), &clock());
    let m = repo
        .create(
            &[FileSource::new(&src)
                .exclude("*.tmp")
                .exclude("sub/deeper/**")
                .into()],
            &mut NoProgress,
        )
        .unwrap();
    let paths: Vec<&str> = m.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths, ["data/a.txt", "data/empty.bin", "data/run.sh"]);
    let clock2 = clock();
    clock2.advance(time::Duration::seconds(1));
    let repo2 = local_repo(&tmp.path().join("store"), &clock2);
    let m = repo2
        .create(
            &[FileSource::new(&src).include("*.txt").into()],
            &mut NoProgress,
        )
        .unwrap();
    let paths: Vec<&str> = m.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths, ["data/a.txt", "data/sub/deeper/ünïcødé 日本.txt"]);
}

#[test]
fn flipped_byte_fails_verify_and_restore_leaves_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("data");
    sample_tree(&src);
    let repo = local_repo(&tmp.path().join("store"), &clock());
    let m = repo
        .create(&[FileSource::new(&src).into()], &mut NoProgress)
        .unwrap();
    let archive_path = tmp.path().join("store").join(&m.archive.key);
    let mut bytes = fs::read(&archive_path).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    fs::write(&archive_path, &bytes).unwrap();

    let report = repo.verify(&m.name, false).unwrap();
    assert!(!report.is_ok());
    assert!(
        matches!(&report.problems[0], Problem::Mismatch { what, .. } if *what == m.archive.key)
    );
    let deep = repo.verify(&m.name, true).unwrap();
    assert!(!deep.is_ok());

    let out = tmp.path().join("out");
    fs::create_dir(&out).unwrap();
    let err = repo
        .restore(
            &m.name,
            &out.join("r"),
            RestoreOptions::new(),
            &mut NoProgress,
        )
        .unwrap_err();
    assert!(err.is_refused(), "{err:?}");
    assert!(names(&out).is_empty(), "left behind: {:?}", names(&out));
}

#[test]
fn crafted_unsafe_archives_are_refused_and_nothing_is_written_outside() {
    let cases: Vec<(&str, Vec<Crafted<'_>>, UnsafeReason)> = vec![
        (
            "dotdot",
            vec![
                ("ok.txt", b'0', b"fine", ""),
                ("../evil", b'0', b"pwned", ""),
            ],
            UnsafeReason::ParentComponent,
        ),
        (
            "absolute",
            vec![("/tmp/evil-backup-test", b'0', b"pwned", "")],
            UnsafeReason::AbsolutePath,
        ),
        (
            "link-abs",
            vec![("l", b'2', b"", "/etc")],
            UnsafeReason::LinkOutside,
        ),
        (
            "link-up",
            vec![("d/", b'5', b"", ""), ("d/l", b'2', b"", "../../outside")],
            UnsafeReason::LinkOutside,
        ),
        (
            "through-link",
            vec![("l", b'2', b"", "."), ("l/evil", b'0', b"pwned", "")],
            UnsafeReason::ThroughLink,
        ),
        (
            "hardlink",
            vec![("h", b'1', b"", "x")],
            UnsafeReason::UnsupportedKind,
        ),
        (
            "duplicate",
            vec![("a", b'0', b"1", ""), ("a", b'0', b"1", "")],
            UnsafeReason::Duplicate,
        ),
    ];
    for (i, (label, entries, reason)) in cases.into_iter().enumerate() {
        let tmp = tempfile::tempdir().unwrap();
        let store = tmp.path().join("store");
        let name = format!("full_2026112210000{i}");
        store_crafted(&store, &name, &entries);
        let repo = local_repo(&store, &clock());
        let parent = tmp.path().join("restore-parent");
        fs::create_dir(&parent).unwrap();
        let dest = parent.join("target");
        let err = repo
            .restore(&name, &dest, RestoreOptions::new(), &mut NoProgress)
            .unwrap_err();
        match err {
            Error::UnsafeEntry { reason: got, .. } => assert_eq!(got, reason, "{label}"),
            other => panic!("{label}: expected an unsafe entry, got {other:?}"),
        }
        assert!(
            names(&parent).is_empty(),
            "{label}: left behind {:?}",
            names(&parent)
        );
        assert_eq!(names(tmp.path()), ["restore-parent", "store"], "{label}");
        assert!(!std::path::Path::new("/tmp/evil-backup-test").exists());
    }
}

#[test]
fn restore_target_rules() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("data");
    sample_tree(&src);
    let repo = local_repo(&tmp.path().join("store"), &clock());
    let m = repo
        .create(&[FileSource::new(&src).into()], &mut NoProgress)
        .unwrap();

    // Non-empty target: refused without force, replaced with it.
    let dest = tmp.path().join("busy");
    fs::create_dir_all(dest.join("data")).unwrap();
    fs::write(dest.join("data/stale"), "old").unwrap();
    fs::write(dest.join("keep.me"), "mine").unwrap();
    let err = repo
        .restore(&m.name, &dest, RestoreOptions::new(), &mut NoProgress)
        .unwrap_err();
    assert!(matches!(err, Error::TargetNotEmpty { .. }), "{err:?}");
    repo.restore(
        &m.name,
        &dest,
        RestoreOptions::new().force(true),
        &mut NoProgress,
    )
    .unwrap();
    assert_same_tree(&src, &dest.join("data"));
    assert_eq!(fs::read_to_string(dest.join("keep.me")).unwrap(), "mine");

    // Existing empty target keeps its own mode.
    let empty = tmp.path().join("empty");
    fs::create_dir(&empty).unwrap();
    set_mode(&empty, 0o711);
    repo.restore(&m.name, &empty, RestoreOptions::new(), &mut NoProgress)
        .unwrap();
    assert_same_tree(&src, &empty.join("data"));

    // A file as target.
    let file = tmp.path().join("file");
    fs::write(&file, "x").unwrap();
    let err = repo
        .restore(&m.name, &file, RestoreOptions::new(), &mut NoProgress)
        .unwrap_err();
    assert!(matches!(err, Error::TargetNotDirectory { .. }), "{err:?}");

    // An unwritable place (procfs refuses new directories, even to root): a clear error
    // naming the path.
    let err = repo
        .restore(
            &m.name,
            std::path::Path::new("/proc/backup-test/out"),
            RestoreOptions::new(),
            &mut NoProgress,
        )
        .unwrap_err();
    assert!(
        matches!(err, Error::Io { ref path, .. } if path.starts_with("/proc")),
        "{err:?}"
    );
    assert!(err.to_string().contains("/proc"), "{err}");

    // Unknown backup.
    let err = repo.restore(
        "full_20000101000000",
        &tmp.path().join("n"),
        RestoreOptions::new(),
        &mut NoProgress,
    );
    assert!(matches!(err, Err(Error::BackupNotFound { .. })));
}

#[test]
fn incomplete_backups_are_invisible_and_pruned_after_grace() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("store");
    let src = tmp.path().join("data");
    sample_tree(&src);
    let clock = clock();
    let repo = local_repo(&store, &clock);
    let complete = repo
        .create(&[FileSource::new(&src).into()], &mut NoProgress)
        .unwrap();
    // An archive whose manifest was never written (a crash between the two writes).
    fs::write(store.join("full_20261122090000.tar.gz"), b"partial").unwrap();
    let listed: Vec<String> = repo.list().unwrap().into_iter().map(|m| m.name).collect();
    assert_eq!(listed, std::slice::from_ref(&complete.name));
    let err = repo.restore(
        "full_20261122090000",
        &tmp.path().join("o"),
        RestoreOptions::new(),
        &mut NoProgress,
    );
    assert!(matches!(err, Err(Error::BackupNotFound { .. })));

    let policy = RetentionPolicy::new().keep_last(5);
    let plan = repo.prune(&policy, false).unwrap();
    assert!(plan.incomplete.is_empty(), "within the 24 h grace: kept");
    clock.advance(time::Duration::days(2));
    let plan = repo.prune(&policy, true).unwrap();
    assert_eq!(plan.incomplete, ["full_20261122090000"]);
    assert!(
        store.join("full_20261122090000.tar.gz").exists(),
        "dry run deletes nothing"
    );
    repo.prune(&policy, false).unwrap();
    assert!(!store.join("full_20261122090000.tar.gz").exists());
    assert_eq!(repo.list().unwrap().len(), 1);
}

#[test]
fn same_second_is_refused_and_unreadable_sources_name_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("data");
    sample_tree(&src);
    let repo = local_repo(&tmp.path().join("store"), &clock());
    repo.create(&[FileSource::new(&src).into()], &mut NoProgress)
        .unwrap();
    let err = repo
        .create(&[FileSource::new(&src).into()], &mut NoProgress)
        .unwrap_err();
    assert!(matches!(err, Error::BackupExists { .. }), "{err:?}");

    let clock2 = clock();
    clock2.advance(time::Duration::seconds(5));
    let repo = local_repo(&tmp.path().join("store"), &clock2);
    let missing = tmp.path().join("nope");
    let err = repo
        .create(&[FileSource::new(&missing).into()], &mut NoProgress)
        .unwrap_err();
    assert!(
        matches!(err, Error::Io { ref path, .. } if *path == missing),
        "{err:?}"
    );
    let err = repo
        .create(
            &[FileSource::new(&src).into(), FileSource::new(&src).into()],
            &mut NoProgress,
        )
        .unwrap_err();
    assert!(matches!(err, Error::SourceNameCollision { .. }), "{err:?}");
    // Failed creates leave neither backups nor temporary files.
    assert_eq!(names(&tmp.path().join("store")).len(), 2);

    // A link leading outside the tree is refused at create time (it could not be restored).
    symlink("/etc/passwd", src.join("outside")).unwrap();
    let err = repo
        .create(&[FileSource::new(&src).into()], &mut NoProgress)
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::UnsafeEntry {
                reason: UnsafeReason::LinkOutside,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn sync_copies_missing_backups_by_checksum() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("data");
    sample_tree(&src);
    let clock = clock();
    let a = local_repo(&tmp.path().join("a"), &clock);
    let b = local_repo(&tmp.path().join("b"), &clock);
    let first = a
        .create(&[FileSource::new(&src).into()], &mut NoProgress)
        .unwrap();
    clock.advance(time::Duration::minutes(1));
    let second = a
        .create(&[FileSource::new(&src).into()], &mut NoProgress)
        .unwrap();
    assert_eq!(
        a.sync_to(&b).unwrap(),
        [second.name.clone(), first.name.clone()]
    );
    assert!(a.sync_to(&b).unwrap().is_empty());
    assert!(b.verify(&first.name, true).unwrap().is_ok());
}
