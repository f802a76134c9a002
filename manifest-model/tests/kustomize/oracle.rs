//! Every fixture overlay is built by `kubectl kustomize` and by us; stdout must be identical and
//! both must fail on the same inputs.

use std::path::{Path, PathBuf};
use std::process::Command;

use manifest_model::kustomize::{KUSTOMIZATION_FILE_NAMES, Kustomizer};

pub(crate) fn fixtures() -> PathBuf {
    // Canonical, as the paths in build errors are.
    std::fs::canonicalize(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/kustomize"))
        .unwrap()
}

/// Every directory below `root` holding a kustomization file, sorted.
fn kustomization_dirs(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        if KUSTOMIZATION_FILE_NAMES
            .iter()
            .any(|n| dir.join(n).is_file())
        {
            out.push(dir.clone());
        }
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            }
        }
    }
    out.sort();
    out
}

struct KubectlRun {
    ok: bool,
    stdout: String,
    stderr: String,
}

fn kubectl_kustomize(dir: &Path) -> KubectlRun {
    let out = Command::new("kubectl")
        .arg("kustomize")
        .arg(dir)
        .env("KUBECONFIG", "/dev/null")
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run `kubectl` ({e}): install kubectl with kustomize v5.5 \
                 (e.g. `bash scripts/test-all.sh` installs it, or \
                 `curl -LO https://dl.k8s.io/release/v1.32.4/bin/linux/amd64/kubectl`) and put it on PATH"
            )
        });
    KubectlRun {
        ok: out.status.success(),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Compares one directory; returns a description of the mismatch.
fn compare(dir: &Path) -> Option<String> {
    let reference = kubectl_kustomize(dir);
    let ours = Kustomizer::new().build(dir);
    let name = dir
        .strip_prefix(fixtures())
        .unwrap_or(dir)
        .display()
        .to_string();
    match (reference.ok, ours) {
        (true, Ok(build)) => {
            let text = build.to_yaml();
            if text == reference.stdout {
                return None;
            }
            let line = text
                .lines()
                .zip(reference.stdout.lines())
                .position(|(a, b)| a != b)
                .unwrap_or(text.lines().count().min(reference.stdout.lines().count()));
            Some(format!(
                "{name}: output differs from kubectl at line {}",
                line + 1
            ))
        }
        (true, Err(e)) => Some(format!("{name}: kubectl builds it, we fail: {e}")),
        (false, Ok(_)) => Some(format!(
            "{name}: kubectl fails ({}), we build it",
            reference.stderr.trim()
        )),
        (false, Err(_)) => None,
    }
}

#[test]
fn every_fixture_matches_kubectl_kustomize() {
    let dirs = kustomization_dirs(&fixtures());
    let overlays = dirs
        .iter()
        .filter(|d| !d.strip_prefix(fixtures()).unwrap().starts_with("err-"))
        .count();
    assert!(overlays >= 25, "only {overlays} overlays");
    let failures: Vec<String> = std::thread::scope(|s| {
        let half = dirs.len() / 2;
        let (a, b) = dirs.split_at(half);
        let ha = s.spawn(|| a.iter().filter_map(|d| compare(d)).collect::<Vec<_>>());
        let hb = s.spawn(|| b.iter().filter_map(|d| compare(d)).collect::<Vec<_>>());
        let mut v = ha.join().unwrap();
        v.extend(hb.join().unwrap());
        v
    });
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn objects_api_gives_typed_ready_values() {
    let build = Kustomizer::new()
        .build(fixtures().join("23-rate-limiter-guide/k8s/environments/prod"))
        .unwrap();
    let objects = build.objects();
    assert!(
        objects
            .iter()
            .all(|o| o["apiVersion"].is_string() && o["kind"].is_string())
    );
    let kinds: Vec<&str> = objects
        .iter()
        .map(|o| o["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.first(), Some(&"Namespace"));
    assert!(kinds.contains(&"HorizontalPodAutoscaler"));
    let deployment = objects.iter().find(|o| o["kind"] == "Deployment").unwrap();
    assert_eq!(deployment["metadata"]["namespace"], "rate-limiter");
    assert_eq!(
        deployment["spec"]["template"]["spec"]["containers"][0]["image"],
        "ghcr.io/example/rate-limiter:v1.0.0"
    );
    assert_eq!(manifest_model::kustomize::to_yaml(objects), build.to_yaml());
}

#[test]
fn deprecated_fields_give_kubectl_warnings() {
    let build = Kustomizer::new()
        .build(fixtures().join("17-deprecated-patch-fields"))
        .unwrap();
    let reference = kubectl_kustomize(&fixtures().join("17-deprecated-patch-fields"));
    for w in build.warnings() {
        assert!(
            reference.stderr.contains(w.as_str()),
            "{w:?} not in {:?}",
            reference.stderr
        );
    }
    assert_eq!(build.warnings().len(), 2);
}
