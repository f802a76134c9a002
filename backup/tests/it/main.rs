//! Integration tests of the backup crate: public API only, real servers started here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod cli;
mod common;
mod full_disk;
mod local;
mod prometheus;
mod prune;
mod redis;
#[cfg(feature = "s3")]
mod s3;
mod tree;
