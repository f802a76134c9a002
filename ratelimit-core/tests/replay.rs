//! The `replay` example's DESIGN.md contract (the binary `cargo test` builds).

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

fn replay_bin() -> PathBuf {
    // target/<profile>/deps/main-HASH -> target/<profile>/examples/replay
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().parent().unwrap();
    let bin = dir
        .join("examples")
        .join(format!("replay{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.exists(),
        "{} not built: run `cargo test -p ratelimit-core` (it builds the examples)",
        bin.display()
    );
    bin
}

fn run(args: &[&str], stdin: &str) -> (i32, String, String) {
    let mut child = Command::new(replay_bin())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn decisions_per_line() {
    let trace = "0 a\n0 a\n0 a\n500 a\n500 b 2\n1000 a\n";
    let (code, out, err) = run(
        &["--algorithm", "gcra", "--limit", "2", "--period", "1s"],
        trace,
    );
    assert_eq!((code, err.as_str()), (0, ""));
    assert_eq!(out, "allow\nallow\ndeny\nallow\nallow\nallow\n");
    let (code, out, _) = run(
        &[
            "--algorithm",
            "sliding-log",
            "--limit",
            "2",
            "--period",
            "1s",
            "--burst",
            "9",
        ],
        trace,
    );
    assert_eq!(code, 0);
    assert_eq!(out, "allow\nallow\ndeny\ndeny\nallow\nallow\n");
    let (code, out, _) = run(
        &[
            "--algorithm",
            "fixed-window",
            "--limit",
            "2",
            "--period",
            "500ms",
        ],
        trace,
    );
    assert_eq!(code, 0);
    assert_eq!(out, "allow\nallow\ndeny\nallow\nallow\nallow\n");
}

#[test]
fn bad_usage_and_input_exit_2_with_one_line() {
    let cases: [(&[&str], &str); 6] = [
        (
            &["--algorithm", "nope", "--limit", "1", "--period", "1s"],
            "",
        ),
        (
            &["--algorithm", "gcra", "--limit", "0", "--period", "1s"],
            "",
        ),
        (
            &["--algorithm", "gcra", "--limit", "1", "--period", "1x"],
            "",
        ),
        (&["--algorithm", "gcra", "--limit", "1"], ""),
        (
            &["--algorithm", "gcra", "--limit", "1", "--period", "1s"],
            "0 a\n1 a zz\n",
        ),
        (
            &["--algorithm", "gcra", "--limit", "1", "--period", "1s"],
            "5 a\n4 a\n",
        ),
    ];
    for (args, input) in cases {
        let (code, out, err) = run(args, input);
        assert_eq!(code, 2, "{args:?}");
        assert_eq!(out, "");
        assert_eq!(err.lines().count(), 1, "{err}");
    }
    let (_, _, err) = run(
        &["--algorithm", "gcra", "--limit", "1", "--period", "1s"],
        "0 a\n1 a zz\n",
    );
    assert_eq!(
        err.trim(),
        "replay: <stdin>:2:5: invalid cost \"zz\": expected a non-negative integer"
    );
}
