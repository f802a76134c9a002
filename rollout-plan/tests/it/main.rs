//! Integration tests of rollout-plan's public API.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod canary_replicas;
mod analysis_status;
