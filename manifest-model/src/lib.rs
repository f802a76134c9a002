//! Typed deployment manifests with strict parsing and exact source positions.
//!
//! `manifest-model` loads Kubernetes objects (through k8s-openapi), custom resources, kustomize
//! overlays, docker-compose files, ECS task definitions and Prometheus/Alertmanager configuration,
//! checks them strictly and lints them, reporting every finding at its file, line and column.
//!
//! The pieces:
//!
//! - [`yaml`]: the position-keeping YAML/JSON loader every other part builds on.
//! - [`load_str`], [`load_paths`]: Kubernetes objects ([`Object`]), typed as the k8s-openapi
//!   type of every built-in kind of the enabled Kubernetes version ([`Object::typed`]), custom
//!   resources kept generic ([`GenericObject`]).
//! - [`validate`]: strict checks derived from k8s-openapi's schema (unknown fields with the
//!   closest name, wrong types, missing required fields) and [`deprecation`] of apiVersions for
//!   a target [`KubeVersion`].
//! - [`lint`]: best-practice and cross-object checks, each with a stable code and a doc.
//! - [`compose`] and [`ecs`]: docker-compose files and ECS task definitions.
//! - [`prometheus_config`] and [`alertmanager_config`]: `prometheus.yml` and `alertmanager.yml`,
//!   typed and checked as `promtool check config` and `amtool check-config` do.
//! - [`kustomize`]: kustomize builds.
//!
//! Findings are [`Diagnostic`] values (severity, code, message, file, line, column).
//!
//! ```
//! use manifest_model::lint::{check_all, LintConfig};
//! use manifest_model::KubeVersion;
//! let src = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  replica: 2\n";
//! let loaded = manifest_model::load_str(src, "web.yaml".as_ref())?;
//! let found = check_all(&loaded, KubeVersion::new(1, 35), &LintConfig::default());
//! let typo = found.iter().find(|d| d.code == "k8s/unknown-field").ok_or("no finding")?;
//! assert_eq!(typo.to_string(),
//!     "web.yaml:5:3: error[k8s/unknown-field]: unknown field `replica` in DeploymentSpec; did you mean `replicas`?");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Kubernetes version
//!
//! Like every library on k8s-openapi, this crate enables no `v1_*` feature: the final binary
//! (or `K8S_OPENAPI_ENABLED_VERSION`) picks one, and [`KubeVersion::enabled`] reports it.
//!
//! # Features
//!
//! - `ecs`: conversion of task definitions into aws-sdk-ecs input and registering them
//!   (`ecs::sdk`).
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod alertmanager_config;
mod error;
pub mod kustomize;
pub mod yaml;

pub mod compose;
pub mod deprecation;
mod diagnostic;
pub mod ecs;
mod kinds;
pub mod lint;
mod object;
pub mod prometheus_config;
pub mod validate;

pub use deprecation::KubeVersion;
pub use diagnostic::{Diagnostic, Severity, Summary, sort as sort_diagnostics};
pub use error::Error;
pub use kinds::{builtin_kinds, is_builtin_kind, is_namespaced};
pub use object::{GenericObject, Loaded, Object, load_path, load_paths, load_str, manifest_files};
