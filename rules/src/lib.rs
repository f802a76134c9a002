//! Prometheus recording and alerting rules: parse, validate as `promtool check rules` does,
//! lint beyond it, and generate SLO burn-rate rules.
//!
//! - [`parse`] reads plain rule files and `PrometheusRule` resources (every document of a
//!   multi-document stream, anchors, aliases and merge keys) into a [`RuleFile`] model in which
//!   every group, rule and field keeps its line and column.
//! - [`Checker`] validates files the way `promtool check rules` does (per [`Dialect`]) and, unless
//!   told to stop there, runs the [`lint`] checks across all files it was given. Findings are
//!   [`Diagnostic`] values with a stable code and a file position, including positions inside
//!   PromQL expressions and templates (block scalars too).
//! - [`slo`] generates multiwindow, multi-burn-rate SLO rules.
//!
//! ```
//! use rules::{CheckOptions, Checker};
//! let src = "groups:\n  - name: g\n    rules:\n      - record: job:up:sum\n        expr: |\n          sum by (job) (\n            up{job=~\"a|b\"\n";
//! let mut checker = Checker::new(CheckOptions::default());
//! checker.add_source("a.yml", src);
//! let diags = checker.finish();
//! let d = diags.iter().find(|d| d.code == "rules/expr-syntax").ok_or("no finding")?;
//! // The unclosed `{` is on line 7, column 15 of the file.
//! assert_eq!((d.line, d.column), (7, 15));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![cfg_attr(docsrs, feature(doc_cfg))]

mod check;
mod diagnostic;
mod dialect;
mod duration;
mod error;
mod flow;
pub mod lint;
mod model;
mod names;
mod parse;
mod policy;
mod promql;
mod re2;
pub mod slo;
mod template;
mod validate;
mod yaml;

pub use check::{CheckOptions, Checker};
pub use diagnostic::{Diagnostic, Position, Severity, Summary, sort_diagnostics};
pub use dialect::{Dialect, UnknownDialect};
pub use duration::{format_duration, parse_duration};
pub use error::Error;
pub use model::{Document, Expr, Group, KeyValue, Rule, RuleFile, Source, Spanned};
pub use names::{
    is_legacy_label_name, is_legacy_metric_name, is_valid_label_name, is_valid_metric_name,
};
pub use parse::{ParseOptions, Parsed, parse};
pub use validate::codes;
