//! The `check` example's contract (DESIGN.md): options, JSON shape, text carets, exit codes.

use std::path::PathBuf;
use std::process::{Command, Output};

fn check_bin() -> PathBuf {
    // `cargo test` builds examples next to the test binary's `deps/` directory.
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().parent().unwrap();
    let bin = dir
        .join("examples")
        .join(if cfg!(windows) { "check.exe" } else { "check" });
    assert!(
        bin.exists(),
        "{} not built; run `cargo test -p rules` (it builds examples)",
        bin.display()
    );
    bin
}

fn run(args: &[&str]) -> Output {
    Command::new(check_bin()).args(args).output().unwrap()
}

fn write(dir: &tempfile::TempDir, name: &str, src: &str) -> String {
    let p = dir.path().join(name);
    std::fs::write(&p, src).unwrap();
    p.display().to_string()
}

const GOOD: &str = "groups:\n  - name: g\n    rules:\n      - record: job:up:sum\n        expr: sum by (job) (up)\n";
const BAD: &str = "groups:\n  - name: g\n    rules:\n      - record: job:up:sum\n        expr: |\n          sum by (job) (\n            up\n";

#[test]
fn exit_codes_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let good = write(&dir, "good.yml", GOOD);
    let bad = write(&dir, "bad.yml", BAD);
    let out = run(&["--format", "json", &good]);
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v["summary"],
        serde_json::json!({"errors": 0, "warnings": 0})
    );

    let out = run(&[
        "--format",
        "json",
        "--dialect",
        "v2",
        "--validate-only",
        &good,
        &bad,
    ]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let d = &v["diagnostics"][0];
    assert_eq!(d["file"], serde_json::json!(bad));
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(6), Some(24))
    );
    assert_eq!(d["severity"], "error");
    assert_eq!(d["code"], "rules/expr-syntax");
    assert!(
        d["message"]
            .as_str()
            .unwrap()
            .contains("group \"g\", rule 1")
    );
    assert_eq!(v["summary"]["errors"], 1);
}

#[test]
fn text_output_has_a_caret_under_the_column() {
    let dir = tempfile::tempdir().unwrap();
    let bad = write(&dir, "bad.yml", BAD);
    let out = run(&[&bad]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with(&format!("{bad}:6:24: error[rules/expr-syntax]")),
        "{text}"
    );
    assert_eq!(lines[1], " 6 |           sum by (job) (");
    assert_eq!(lines[2], "   |                        ^");
    assert_eq!(lines.last().unwrap(), &"1 error(s), 0 warning(s)");
}

#[test]
fn bad_usage_and_unreadable_input_exit_2() {
    for args in [
        &[][..],
        &["--format", "xml", "a.yml"][..],
        &["--dialect", "v4", "a.yml"][..],
        &["--nope", "a.yml"][..],
        &["/no/such/file.yml"][..],
    ] {
        let out = run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(err.lines().count(), 1, "{err}");
    }
}

#[test]
fn directories_are_searched_and_lint_runs_by_default() {
    let dir = tempfile::tempdir().unwrap();
    write(
        &dir,
        "a.yml",
        "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up == 0\n",
    );
    write(&dir, "notes.txt", "not yaml: [");
    let out = run(&["--format", "json", &dir.path().display().to_string()]);
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["summary"]["warnings"].as_u64().unwrap() >= 2);
}
