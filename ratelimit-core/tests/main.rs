//! The crate's integration tests, in one binary (one link).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod limiters;
mod model;
#[cfg(feature = "redis")]
mod redis;
mod replay;
#[cfg(feature = "tokio")]
mod wait;
