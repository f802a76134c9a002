//! Canary and blue/green strategies in the Argo Rollouts format: validation, an expanded plan
//! with replica counts, analysis evaluation and a deterministic simulator, all with Argo
//! Rollouts' exact semantics, so a team can see what a Rollout will do before applying it.
//!
//! - [`parse_str`] / [`parse_file`] read multi-document YAML into the model ([`Rollout`],
//!   [`CanaryStrategy`], [`BlueGreenStrategy`], [`AnalysisTemplate`]) keeping every field's
//!   line and column; [`Rollout::from_json`] takes already-decoded objects.
//! - [`validate()`] checks what Argo's controller checks, and more, returning [`Diagnostic`]s
//!   with stable codes (the table is [`validate::CHECKS`]).
//! - [`replicas`] is Argo's replica arithmetic (maxSurge/maxUnavailable, the basic canary's
//!   pod-ratio split, traffic-routed counts), checked against Argo's own test cases.
//! - [`plan()`] expands a Rollout into its timeline: weights, converged and peak pod counts,
//!   gates, duration bounds, and why a basic canary runs more pods than replicas.
//! - [`analysis`] evaluates `successCondition`/`failureCondition` and assesses measurements,
//!   metrics and runs as Argo does; [`sim`] drives a rollout on a manual clock with scripted
//!   metric values and operator actions.
//! - [`export`] builds strategies in code and emits Argo YAML (parse → emit → parse is
//!   lossless for the model); [`flagger`] emits a Flagger `Canary` with the list of what
//!   Flagger cannot express.
//!
//! The reference CLIs are the `plan` and `simulate` examples
//! (`cargo run -p rollout-plan --example plan -- [--format text|json|mermaid|svg] ROLLOUT.yaml`).
//!
//! ```
//! use rollout_plan::{parse_str, plan, validate, validate::Options, Severity};
//!
//! let yaml = r#"
//! apiVersion: argoproj.io/v1alpha1
//! kind: Rollout
//! metadata: {name: web}
//! spec:
//!   replicas: 10
//!   strategy:
//!     canary:
//!       steps:
//!       - setWeight: 25
//!       - pause: {duration: 5m}
//!       - setWeight: 75
//!       - pause: {}
//! "#;
//! let manifest = parse_str(yaml, "web.yaml")?;
//! let findings = validate(&manifest, &Options::new());
//! assert!(findings.iter().all(|d| d.severity < Severity::Error));
//!
//! let p = plan(&manifest.rollouts[0], &manifest.templates)?;
//! // A basic canary's traffic split is its pod ratio: 25% of 10 pods runs as 3 canary + 8 stable.
//! assert_eq!((p.steps[0].canary_replicas, p.steps[0].stable_replicas), (3, 8));
//! assert_eq!(p.min_duration_seconds, 300);
//! assert_eq!(p.max_duration_seconds, None); // the last pause waits for a human
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Features
//!
//! - `prometheus`: [`prometheus::Prometheus`], the Prometheus metric provider (instant queries
//!   over plain HTTP, no extra dependencies), and a [`sim::MetricSource`] backed by it.
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod analysis;
mod chart;
mod diagnostic;
pub mod duration;
mod error;
pub mod export;
pub mod flagger;
mod model;
mod parse;
pub mod plan;
#[cfg(feature = "prometheus")]
#[cfg_attr(docsrs, doc(cfg(feature = "prometheus")))]
pub mod prometheus;
pub mod replicas;
pub mod sim;
pub mod validate;
mod yaml;

pub use diagnostic::{Diagnostic, Pos, Severity};
pub use error::Error;
pub use model::*;
pub use parse::{Manifest, parse_file, parse_str};
pub use plan::{Plan, plan};
pub use validate::validate;
