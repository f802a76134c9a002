//! Typed deployment manifests with strict parsing and exact source positions.
//!
//! `manifest-model` loads Kubernetes objects (through k8s-openapi), custom resources, kustomize
//! overlays, docker-compose files, ECS task definitions and Prometheus/Alertmanager configuration,
//! checks them strictly and lints them, reporting every finding at its file, line and column.
//!
//! # Features
//!
//! - `ecs`: typed ECS task definitions through aws-sdk-ecs.
#![cfg_attr(docsrs, feature(doc_cfg))]

mod error;
pub mod kustomize;
pub mod yaml;

pub mod compose;
pub mod deprecation;
mod diagnostic;
mod kinds;
pub mod lint;
mod object;
pub mod validate;

pub use deprecation::KubeVersion;
pub use diagnostic::{Diagnostic, Severity, Summary, sort as sort_diagnostics};
pub use error::Error;
pub use kinds::{builtin_kinds, is_builtin_kind, is_namespaced};
pub use object::{GenericObject, Loaded, Object, load_path, load_paths, load_str, manifest_files};
