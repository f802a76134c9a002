//! Integration tests of rollout-plan's public API.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod analysis_status;
mod canary_replicas;
mod export;
mod planning;
#[cfg(feature = "prometheus")]
mod prometheus;
mod robustness;
mod simulation;
mod validation;
