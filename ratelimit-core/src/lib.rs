//! Exact rate limiters: GCRA, token bucket, leaky bucket, fixed window, sliding log and sliding
//! window counter; keyed and composite; in memory by default, on Redis across processes.
//!
//! # Features
//!
//! - `redis`: a Redis store shared by many processes.
//! - `tokio`: async waiting until a request is admitted.
#![cfg_attr(docsrs, feature(doc_cfg))]

mod error;

pub use error::Error;
