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

pub use error::Error;
