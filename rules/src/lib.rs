//! Prometheus recording and alerting rules: parse, validate as `promtool check rules` does,
//! lint beyond it, and generate SLO burn-rate rules.
#![cfg_attr(docsrs, feature(doc_cfg))]

mod error;

pub use error::Error;
