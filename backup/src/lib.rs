//! Streaming, verifiable backups of files, Redis RDB and Prometheus snapshots to a local
//! directory or S3, with safe restore and retention.
//!
//! # Features
//!
//! - `s3`: an S3 store through aws-sdk-s3.
#![cfg_attr(docsrs, feature(doc_cfg))]

mod error;

pub use error::Error;
