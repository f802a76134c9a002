//! Canary and blue/green strategies in the Argo Rollouts format: validation, an expanded plan
//! with replica counts, analysis evaluation and a deterministic simulator.
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod analysis;
mod diagnostic;
pub mod duration;
mod error;
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
