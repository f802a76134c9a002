//! The `backup` example program's command-line contract (DESIGN.md): `create` prints the new
//! backup's name, `list --format json` is an array newest first, `verify`, `restore` and
//! `prune` behave as documented, and the exit status is 0, 1 (a failed check) or 2 (bad usage
//! or unreadable input, with one line on stderr).
//!
//! `cargo test` builds the examples before it runs the tests, next to this test binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn example() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    // target/<profile>/deps/it-<hash> -> target/<profile>/examples/backup (or, before cargo
    // links that name, backup-<hash>): the newest of them.
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .unwrap()
        .join("examples");
    let suffix = std::env::consts::EXE_SUFFIX;
    let newest = std::fs::read_dir(&dir)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let Some(stem) = name.strip_suffix(suffix) else {
                return false;
            };
            let hashed = stem
                .strip_prefix("backup-")
                .is_some_and(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_hexdigit()));
            (stem == "backup" || hashed) && e.path().is_file()
        })
        .max_by_key(|e| e.metadata().and_then(|m| m.modified()).ok());
    match newest {
        Some(e) => e.path(),
        None => panic!(
            "no backup example in {}: run the tests with `cargo test`, which builds the examples",
            dir.display()
        ),
    }
}

fn backup(store: &Path, args: &[&str]) -> Output {
    Command::new(example())
        .arg("--store")
        .arg(store)
        .args(args)
        .output()
        .unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn assert_one_line_error(out: &Output, code: i32) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "stderr: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line on stderr: {stderr}");
    assert!(stderr.starts_with("backup: "), "{stderr}");
}

#[test]
fn create_list_verify_restore_prune_through_the_cli() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    std::fs::create_dir_all(data.join("sub")).unwrap();
    std::fs::write(data.join("a.txt"), "alpha\n").unwrap();
    std::fs::write(data.join("sub/b.bin"), [0u8, 1, 2, 255]).unwrap();
    let store = tmp.path().join("store");
    std::fs::create_dir(&store).unwrap();

    let first = backup(&store, &["create", data.to_str().unwrap()]);
    assert_eq!(first.status.code(), Some(0), "{first:?}");
    let first_name = stdout(&first).trim().to_string();
    assert!(first_name.starts_with("full_"), "{first_name}");
    // Names have one-second resolution and a second backup in the same second is refused.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let second = backup(&store, &["create", data.to_str().unwrap()]);
    assert_eq!(second.status.code(), Some(0), "{second:?}");
    let second_name = stdout(&second).trim().to_string();

    let list = backup(&store, &["list", "--format", "json"]);
    assert_eq!(list.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    let names: Vec<&str> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [second_name.as_str(), first_name.as_str()],
        "newest first"
    );
    for b in json.as_array().unwrap() {
        assert!(
            b["created_at"].is_string() && b["size"].as_u64().unwrap() > 0,
            "{b}"
        );
    }

    let verify = backup(&store, &["verify", &first_name, "--deep"]);
    assert_eq!(verify.status.code(), Some(0), "{verify:?}");

    let dest = tmp.path().join("restored");
    let restore = backup(&store, &["restore", &first_name, dest.to_str().unwrap()]);
    assert_eq!(restore.status.code(), Some(0), "{restore:?}");
    let restored = dest.join("data");
    assert_eq!(std::fs::read(restored.join("a.txt")).unwrap(), b"alpha\n");
    assert_eq!(
        std::fs::read(restored.join("sub/b.bin")).unwrap(),
        [0u8, 1, 2, 255]
    );
    // Not again into a non-empty directory without --force; with it, yes.
    let again = backup(&store, &["restore", &first_name, dest.to_str().unwrap()]);
    assert_ne!(again.status.code(), Some(0));
    let forced = backup(
        &store,
        &["restore", &first_name, dest.to_str().unwrap(), "--force"],
    );
    assert_eq!(forced.status.code(), Some(0), "{forced:?}");

    let dry = backup(&store, &["prune", "--keep-last", "1", "--dry-run"]);
    assert_eq!(dry.status.code(), Some(0));
    assert!(
        stdout(&dry).contains(&format!("would remove {first_name}")),
        "{dry:?}"
    );
    let prune = backup(&store, &["prune", "--keep-last", "1"]);
    assert_eq!(prune.status.code(), Some(0));
    let list = backup(&store, &["list", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 1);
    assert_eq!(json[0]["name"], second_name.as_str());
}

#[test]
fn a_damaged_archive_fails_verify_with_exit_1() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    std::fs::create_dir(&data).unwrap();
    std::fs::write(data.join("a.txt"), "x".repeat(10_000)).unwrap();
    let store = tmp.path().join("store");
    std::fs::create_dir(&store).unwrap();
    let created = backup(&store, &["create", data.to_str().unwrap()]);
    let name = stdout(&created).trim().to_string();
    let archive = store.join(format!("{name}.tar.gz"));
    let mut bytes = std::fs::read(&archive).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    std::fs::write(&archive, bytes).unwrap();
    let verify = backup(&store, &["verify", &name]);
    assert_eq!(verify.status.code(), Some(1), "{verify:?}");
}

#[test]
fn bad_usage_exits_2_with_one_line() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path();
    for args in [
        &["frobnicate"][..],
        &["create"][..],
        &["verify"][..],
        &["restore", "full_20260101000000"][..],
        &["prune", "--keep-last", "many"][..],
        &["list", "--format", "xml"][..],
    ] {
        let out = backup(store, args);
        assert_one_line_error(&out, 2);
    }
    let out = Command::new(example()).arg("list").output().unwrap();
    assert_one_line_error(&out, 2);
}
