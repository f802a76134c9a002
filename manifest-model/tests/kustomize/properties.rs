//! Property tests: arbitrary input never panics; labels and prefixes keep selectors consistent;
//! emitted YAML reads back as the same value.

use std::collections::BTreeMap;

use manifest_model::kustomize::{Kustomizer, to_yaml};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

const DEPLOYMENT: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: web
        image: nginx
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
  ports:
  - port: 80
";

fn label_key() -> impl Strategy<Value = String> {
    "[a-z]([a-z0-9.-]{0,8}[a-z0-9])?(/[a-z][a-z0-9]{0,5})?"
}

fn quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn labels_and_prefixes_keep_selectors_consistent(
        labels in proptest::collection::btree_map(label_key(), "[A-Za-z0-9 ._:-]{0,12}", 0..5),
        prefix in "[a-z0-9-]{0,6}",
        selectors in any::<bool>(),
        replicas in 0i64..50,
    ) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("r.yaml"), DEPLOYMENT).unwrap();
        let mut k = format!("resources:\n- r.yaml\nnamePrefix: {}\nreplicas:\n- name: web\n  count: {replicas}\n", quoted(&prefix));
        if !labels.is_empty() {
            k.push_str(&format!("labels:\n- includeSelectors: {selectors}\n  pairs:\n"));
            for (key, v) in &labels {
                k.push_str(&format!("    {}: {}\n", quoted(key), quoted(v)));
            }
        }
        std::fs::write(dir.path().join("kustomization.yaml"), k).unwrap();
        let build = Kustomizer::new().build(dir.path()).unwrap();
        let objs = build.objects();
        prop_assert_eq!(objs.len(), 2);
        let dep = objs.iter().find(|o| o["kind"] == "Deployment").unwrap();
        let svc = objs.iter().find(|o| o["kind"] == "Service").unwrap();
        let expected_name = format!("{prefix}web");
        prop_assert_eq!(dep["metadata"]["name"].as_str(), Some(expected_name.as_str()));
        prop_assert_eq!(dep["spec"]["replicas"].as_i64(), Some(replicas));
        let template = dep["spec"]["template"]["metadata"]["labels"].as_object().unwrap();
        for sel in [&dep["spec"]["selector"]["matchLabels"], &svc["spec"]["selector"]] {
            for (k, v) in sel.as_object().unwrap() {
                prop_assert_eq!(template.get(k), Some(v), "selector {} not on the pod template", k);
            }
        }
        for (k, v) in &labels {
            prop_assert_eq!(dep["metadata"]["labels"][k].as_str(), Some(v.as_str()));
            prop_assert_eq!(svc["spec"]["selector"].get(k).is_some(), selectors);
        }
        // What we print reads back as what we built.
        let text = build.to_yaml();
        let back: Vec<Value> = text.split("\n---\n").map(|d| serde_yaml::from_str(d).unwrap()).collect();
        prop_assert_eq!(back.as_slice(), objs);
    }

    #[test]
    fn random_patches_never_panic(
        path in proptest::collection::vec("[a-z]{1,6}|[0-9]|-", 1..4),
        op in prop_oneof!["add", "remove", "replace", "move", "copy", "test", "bogus"],
        value in "[ -~]{0,10}",
        smp in "[ -~\n]{0,80}",
    ) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("r.yaml"), DEPLOYMENT).unwrap();
        let pointer = format!("/{}", path.join("/"));
        let k = format!(
            "resources:\n- r.yaml\npatches:\n- target:\n    kind: Deployment\n  patch: {}\n- patch: {}\n",
            quoted(&format!("[{{\"op\": \"{op}\", \"path\": \"{pointer}\", \"from\": \"/spec\", \"value\": {}}}]", quoted(&value))),
            quoted(&format!("apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n{smp}")),
        );
        std::fs::write(dir.path().join("kustomization.yaml"), k).unwrap();
        let _ = Kustomizer::new().build(dir.path());
    }

    #[test]
    fn replacement_field_paths_never_panic(
        source_path in "[ -~]{0,30}",
        target_path in prop_oneof![
            "[ -~]{0,30}",
            proptest::collection::vec(r"[a-z]{1,5}|\*|[0-9]|\[name=[a-z]{0,3}\]|\[|\]|\[=x\]", 0..6)
                .prop_map(|v| v.join(".")),
        ],
        create in any::<bool>(),
        delimiter in "[-:.]{0,1}",
        index in -2i64..4,
    ) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("r.yaml"), DEPLOYMENT).unwrap();
        let k = format!(
            "resources:\n- r.yaml\nreplacements:\n- source:\n    kind: Deployment\n    fieldPath: {}\n  targets:\n  - select:\n      kind: Service\n    fieldPaths:\n    - {}\n    options:\n      create: {create}\n      delimiter: {}\n      index: {index}\n",
            quoted(&source_path), quoted(&target_path), quoted(&delimiter),
        );
        std::fs::write(dir.path().join("kustomization.yaml"), k).unwrap();
        let _ = Kustomizer::new().build(dir.path());
    }

    #[test]
    fn replacement_copies_the_source_text(value in "[a-z][a-z0-9.-]{0,20}", key in "[a-z]{1,8}") {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("r.yaml"), DEPLOYMENT).unwrap();
        let k = format!(
            "resources:\n- r.yaml\nreplacements:\n- source:\n    kind: Deployment\n    fieldPath: spec.template.spec.containers.[name=web].image\n  targets:\n  - select:\n      kind: Service\n    fieldPaths:\n    - metadata.annotations.{key}\n    options:\n      create: true\nimages:\n- name: nginx\n  newName: {}\n",
            quoted(&value),
        );
        std::fs::write(dir.path().join("kustomization.yaml"), k).unwrap();
        let build = Kustomizer::new().build(dir.path()).unwrap();
        let svc = build.objects().iter().find(|o| o["kind"] == "Service").unwrap();
        // Object annotations are strings whatever the text looks like.
        prop_assert_eq!(svc["metadata"]["annotations"][key.as_str()].as_str(), Some(value.as_str()));
    }

    #[test]
    fn arbitrary_files_never_panic(kustomization in "[ -~\n\t]{0,200}", resource in "[ -~\n\t]{0,200}") {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("kustomization.yaml"), kustomization).unwrap();
        std::fs::write(dir.path().join("r.yaml"), resource).unwrap();
        let _ = Kustomizer::new().build(dir.path());
    }

    #[test]
    fn emitted_yaml_reads_back(value in json_value()) {
        let mut obj = Map::new();
        obj.insert("apiVersion".into(), json!("v1"));
        obj.insert("kind".into(), json!("Thing"));
        obj.insert("spec".into(), value);
        let obj = Value::Object(obj);
        let text = to_yaml(std::slice::from_ref(&obj));
        let back: Value = serde_yaml::from_str(&text).unwrap();
        prop_assert_eq!(back, obj, "{}", text);
    }
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|i| json!(i)),
        "\\PC{0,30}".prop_map(Value::String),
        "[ -~\n\t]{0,120}".prop_map(Value::String),
        prop_oneof![
            Just("yes"),
            Just("on"),
            Just("0755"),
            Just("1_000"),
            Just("1:20"),
            Just("- x"),
            Just("a: b"),
            Just("2001-12-14"),
            Just("~"),
            Just(""),
            Just(" lead"),
            Just("trail "),
            Just("\nx"),
            Just("x\n\n")
        ]
        .prop_map(|s| Value::String(s.to_owned())),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            proptest::collection::btree_map("[ -~]{0,12}", inner, 0..5)
                .prop_map(|m: BTreeMap<String, Value>| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// 48 cases by default (fast CI); `PROPTEST_CASES` asks for more.
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(48)
}
