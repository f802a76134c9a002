//! Canary and blue/green strategies in the Argo Rollouts format: validation, an expanded plan
//! with replica counts, analysis evaluation and a deterministic simulator.
#![cfg_attr(docsrs, feature(doc_cfg))]

mod error;

pub use error::Error;
