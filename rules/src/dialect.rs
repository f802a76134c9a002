//! Which Prometheus version's rules to accept.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

/// The Prometheus version whose rule semantics apply.
///
/// ```
/// use rules::Dialect;
/// assert_eq!("v2".parse::<Dialect>()?, Dialect::V2);
/// assert_eq!(Dialect::default(), Dialect::V3);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Dialect {
    /// Prometheus 2.x as promtool 2.42 checks it: legacy metric and label names, 2.x PromQL
    /// functions (`holt_winters`), Go 1.19 regex syntax, no group `labels`/`query_offset`.
    V2,
    /// Prometheus 3.x (the default): UTF-8 names, newer PromQL functions and syntax.
    #[default]
    V3,
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Dialect::V2 => "v2",
            Dialect::V3 => "v3",
        })
    }
}

/// The error of parsing a [`Dialect`] name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownDialect(pub String);

impl fmt::Display for UnknownDialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown dialect {:?} (expected v2 or v3)", self.0)
    }
}

impl std::error::Error for UnknownDialect {}

impl FromStr for Dialect {
    type Err = UnknownDialect;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "v2" | "2" => Ok(Dialect::V2),
            "v3" | "3" => Ok(Dialect::V3),
            other => Err(UnknownDialect(other.to_string())),
        }
    }
}
