//! Failures name the kustomization file, the field and its position.

use std::path::Path;

use manifest_model::Error;
use manifest_model::kustomize::{Failure, Kustomizer};

use crate::oracle::fixtures;

struct Located {
    file: String,
    line: Option<usize>,
    field: String,
    reason: Failure,
}

fn failure(case: &str) -> Located {
    let err = Kustomizer::new().build(fixtures().join(case)).unwrap_err();
    let text = err.to_string();
    match err {
        Error::Kustomize {
            file,
            line,
            column,
            field,
            reason,
        } => {
            assert!(text.contains(&field), "{text}");
            assert_eq!(line.is_some(), column.is_some());
            let file = file
                .strip_prefix(fixtures())
                .unwrap_or(&file)
                .display()
                .to_string();
            Located {
                file,
                line,
                field,
                reason: *reason,
            }
        }
        other => panic!("unexpected error {other}"),
    }
}

#[test]
fn missing_file_names_resource_entry() {
    let f = failure("err-missing-file");
    assert_eq!(f.file, "err-missing-file/kustomization.yaml");
    assert_eq!((f.field.as_str(), f.line), ("resources[0]", Some(2)));
    assert!(matches!(f.reason, Failure::Read { ref path, .. } if path.ends_with("nope.yaml")));
}

#[test]
fn cycle_is_reported_where_it_closes() {
    let f = failure("err-cycle/a");
    assert_eq!(f.file, "err-cycle/b/kustomization.yaml");
    assert_eq!(f.field, "resources[0]");
    assert!(matches!(f.reason, Failure::Cycle { ref path } if path.ends_with("err-cycle/a")));
}

#[test]
fn patch_target_not_found() {
    let f = failure("err-patch-target");
    assert_eq!((f.field.as_str(), f.line), ("patches[0]", Some(4)));
    assert_eq!(
        f.reason,
        Failure::TargetNotFound {
            id: "ConfigMap.v1.[noGrp]/does-not-exist.[noNs]".into()
        }
    );
}

#[test]
fn conflicting_generated_names() {
    let f = failure("err-conflict-generated");
    assert_eq!(f.field, "configMapGenerator[1]");
    assert_eq!(
        f.reason,
        Failure::Conflict {
            id: "ConfigMap.v1.[noGrp]/dup.[noNs]".into()
        }
    );
    let f = failure("err-duplicate-resource");
    assert_eq!(f.field, "resources[1]");
}

#[test]
fn files_outside_the_root_are_refused_unless_allowed() {
    let f = failure("err-outside-root/inner");
    assert!(matches!(f.reason, Failure::OutsideRoot { .. }));
    let build = Kustomizer::new()
        .allow_outside_root(true)
        .build(fixtures().join("err-outside-root/inner"))
        .unwrap();
    assert_eq!(build.objects().len(), 1);
}

#[test]
fn remote_resources_are_refused() {
    let f = failure("err-remote");
    assert!(
        matches!(f.reason, Failure::Remote { ref url } if url.starts_with("https://github.com/"))
    );
    assert!(f.reason.to_string().contains("refused"));
}

#[test]
fn kustomization_types_are_strict() {
    let f = failure("err-bool-prefix");
    assert_eq!(f.field, "namePrefix");
    assert_eq!(
        f.reason,
        Failure::WrongType {
            expected: "a string",
            found: "a boolean"
        }
    );
    let f = failure("err-unknown-field");
    assert_eq!((f.field.as_str(), f.line), ("namePrefx", Some(2)));
    assert_eq!(
        f.reason,
        Failure::UnknownField {
            name: "namePrefx".into()
        }
    );
}

#[test]
fn yaml_errors_point_into_the_resource_file() {
    let f = failure("err-bad-yaml");
    assert_eq!(f.file, "err-bad-yaml/cm.yaml");
    assert!(
        matches!(
            f.reason,
            Failure::Yaml {
                line: 5,
                column: 2,
                ..
            }
        ),
        "{:?}",
        f.reason
    );
}

#[test]
fn missing_directory_and_missing_kustomization() {
    let err = Kustomizer::new()
        .build(Path::new("/nonexistent/kustomize/dir"))
        .unwrap_err();
    assert!(matches!(reason_of(&err), Failure::Read { .. }), "{err}");
    let dir = tempfile::tempdir().unwrap();
    let err = Kustomizer::new().build(dir.path()).unwrap_err();
    assert!(
        matches!(reason_of(&err), Failure::NoKustomization { .. }),
        "{err}"
    );
}

#[test]
fn unsupported_fields_are_refused_not_ignored() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("kustomization.yaml"), "replacements:\n- source:\n    kind: A\n    options:\n      encoding: base64\n  targets:\n  - select: {kind: B}\n").unwrap();
    let err = Kustomizer::new().build(dir.path()).unwrap_err();
    assert!(
        matches!(reason_of(&err), Failure::Unsupported { name } if name.contains("encoding")),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("replacements[0].source.options.encoding"),
        "{err}"
    );
    std::fs::write(dir.path().join("kustomization.yaml"), "vars:\n- name: X\n").unwrap();
    let err = Kustomizer::new().build(dir.path()).unwrap_err();
    assert_eq!(
        reason_of(&err),
        &Failure::Unsupported {
            name: "vars".into()
        }
    );
}

fn reason_of(err: &Error) -> &Failure {
    match err {
        Error::Kustomize { reason, .. } => reason,
        other => panic!("unexpected error {other}"),
    }
}

#[test]
fn component_misuse_is_reported_at_the_parent_entry() {
    let f = failure("err-component-as-resource/overlay");
    assert_eq!(
        f.file,
        "err-component-as-resource/overlay/kustomization.yaml"
    );
    assert_eq!((f.field.as_str(), f.line), ("resources[0]", Some(2)));
    assert!(
        matches!(f.reason, Failure::ComponentAsResource { ref dir } if dir.ends_with("err-component-as-resource/feature"))
    );
    assert!(
        f.reason
            .to_string()
            .starts_with("expected kind != 'Component' for path '")
    );

    let f = failure("err-kustomization-as-component/overlay");
    assert_eq!((f.field.as_str(), f.line), ("components[0]", Some(4)));
    assert!(
        matches!(f.reason, Failure::NotAComponent { ref dir, ref found } if dir.ends_with("err-kustomization-as-component/base") && found == "Kustomization")
    );

    let f = failure("err-component-file");
    assert_eq!((f.field.as_str(), f.line), ("components[0]", Some(4)));
    assert!(matches!(f.reason, Failure::NotADirectory { ref path } if path.ends_with("cm.yaml")));
}

#[test]
fn component_api_version_and_generator_order() {
    let f = failure("err-component-api-version/overlay");
    assert_eq!(
        f.file,
        "err-component-api-version/feature/kustomization.yaml"
    );
    assert_eq!((f.field.as_str(), f.line), ("apiVersion", Some(1)));
    assert_eq!(
        f.reason,
        Failure::InvalidValue {
            value: "kustomize.config.k8s.io/v1beta1".into(),
            why: "apiVersion for Component should be kustomize.config.k8s.io/v1alpha1"
        }
    );
    // The parent's generators run before its components: merging into a component's
    // ConfigMap finds nothing.
    let f = failure("err-parent-merges-component-generator");
    assert_eq!(
        (f.field.as_str(), f.line),
        ("configMapGenerator[0]", Some(2))
    );
    assert_eq!(
        f.reason,
        Failure::TargetNotFound {
            id: "ConfigMap.v1.[noGrp]/settings.[noNs]".into()
        }
    );
}

#[test]
fn a_component_including_itself_is_a_cycle() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("kustomization.yaml"),
        "kind: Component\ncomponents:\n- .\n",
    )
    .unwrap();
    let err = Kustomizer::new().build(dir.path()).unwrap_err();
    assert!(matches!(reason_of(&err), Failure::Cycle { .. }), "{err}");
}

#[test]
fn replacement_sources_must_select_one_object_with_the_field() {
    let f = failure("err-replacement-source-ambiguous");
    assert_eq!((f.field.as_str(), f.line), ("replacements[0]", Some(4)));
    assert_eq!(
        f.reason,
        Failure::ReplacementSource {
            selector: "ConfigMap.[noVer].[noGrp]/[noName].[noNs]".into(),
            found: 2
        }
    );
    let f = failure("err-replacement-source-none");
    assert!(matches!(
        f.reason,
        Failure::ReplacementSource { found: 0, .. }
    ));
    let f = failure("err-replacement-missing-source-field");
    assert_eq!(
        f.reason,
        Failure::MissingField {
            path: "data.nope".into(),
            object: "ConfigMap.v1.[noGrp]/src.[noNs]".into()
        }
    );
}

#[test]
fn replacement_targets_need_the_field_or_create() {
    let f = failure("err-replacement-missing-target-field");
    assert_eq!(
        f.reason,
        Failure::MissingField {
            path: "spec.template.metadata.annotations.host".into(),
            object: "Deployment.v1.apps/web.[noNs]".into()
        }
    );
    let f = failure("err-replacement-not-an-int");
    assert_eq!(
        f.reason,
        Failure::CannotConvert {
            value: "db.example.com".into(),
            to: "an integer"
        }
    );
    let f = failure("err-replacement-no-select");
    assert_eq!(f.field, "replacements[0].targets[0]");
    assert!(matches!(f.reason, Failure::InvalidValue { .. }));
}
