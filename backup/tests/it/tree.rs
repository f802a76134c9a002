//! Property: random trees restore byte-identical, with modes and links.

use std::fs;
use std::os::unix::fs::symlink;

use backup::{FileSource, NoProgress, RestoreOptions};
use proptest::prelude::*;

use crate::common::*;

#[derive(Debug, Clone)]
enum Node {
    File { data: Vec<u8>, mode: u32 },
    Dir { mode: u32 },
    Link { up: usize, target: usize },
}

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z]{1,8}",
        Just("日本語".to_string()),
        Just("ünïcødé name".to_string()),
        Just("emoji 🦀".to_string()),
        Just(".hidden".to_string()),
        "[a-zA-Z0-9 _-]{1,40}",
    ]
}

fn node() -> impl Strategy<Value = Node> {
    prop_oneof![
        4 => (proptest::collection::vec(any::<u8>(), 0..2000), prop::sample::select(vec![0o644u32, 0o600, 0o755, 0o400, 0o1777 & 0o755]))
            .prop_map(|(data, mode)| Node::File { data, mode }),
        2 => prop::sample::select(vec![0o755u32, 0o700, 0o750]).prop_map(|mode| Node::Dir { mode }),
        1 => (0usize..3, 0usize..10).prop_map(|(up, target)| Node::Link { up, target }),
    ]
}

/// Builds a tree from (path components, node) pairs; returns the created relative file paths.
fn build(root: &std::path::Path, spec: &[(Vec<String>, Node)]) {
    fs::create_dir_all(root).unwrap();
    let mut files: Vec<Vec<String>> = Vec::new();
    let mut dirs_modes = Vec::new();
    for (parts, node) in spec {
        let mut dir = root.to_path_buf();
        let (last, parents) = parts.split_last().unwrap();
        let mut ok = true;
        for p in parents {
            dir.push(p);
            match fs::symlink_metadata(&dir) {
                Ok(m) if m.is_dir() => {}
                Ok(_) => {
                    ok = false;
                    break;
                }
                Err(_) => fs::create_dir(&dir).unwrap(),
            }
        }
        let path = dir.join(last);
        if !ok || fs::symlink_metadata(&path).is_ok() {
            continue;
        }
        match node {
            Node::File { data, mode } => {
                fs::write(&path, data).unwrap();
                set_mode(&path, *mode);
                files.push(parts.clone());
            }
            Node::Dir { mode } => {
                fs::create_dir(&path).unwrap();
                dirs_modes.push((path, *mode));
            }
            Node::Link { up, target } => {
                // `up` levels above the link (no more than its depth), then an earlier file.
                let depth = parents.len();
                let up = (*up).min(depth);
                let mut target_path = "../".repeat(up);
                let base: Vec<String> = parents[..depth - up].to_vec();
                let chosen = files.get(*target % files.len().max(1)).cloned();
                match chosen {
                    Some(f) if f.starts_with(&base) => {
                        target_path.push_str(&f[base.len()..].join("/"));
                    }
                    _ => target_path.push_str("dangling"),
                }
                symlink(&target_path, &path).unwrap();
            }
        }
    }
    for (dir, mode) in dirs_modes.into_iter().rev() {
        set_mode(&dir, mode);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]

    #[test]
    fn random_trees_restore_identically(
        spec in proptest::collection::vec((proptest::collection::vec(name(), 1..7), node()), 0..25)
    ) {
        let tmp = tempfile::tempdir().unwrap();
        let src = tmp.path().join("tree");
        build(&src, &spec);
        let repo = local_repo(&tmp.path().join("store"), &clock());
        let m = repo.create(&[FileSource::new(&src).into()], &mut NoProgress).unwrap();
        prop_assert!(repo.verify(&m.name, true).unwrap().is_ok());
        let dest = tmp.path().join("restored");
        repo.restore(&m.name, &dest, RestoreOptions::new(), &mut NoProgress).unwrap();
        assert_same_tree(&src, &dest.join("tree"));
        // Let the temporary directory be removed even with read-only directories inside.
        for d in [&src, &dest] {
            let _ = std::process::Command::new("chmod").arg("-R").arg("u+rwx").arg(d).status();
        }
    }
}
