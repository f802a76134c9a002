//! Metric and label name rules for each dialect.

use crate::dialect::Dialect;

/// Whether `name` is a legacy (Prometheus 2) metric name: `[a-zA-Z_:][a-zA-Z0-9_:]*`.
#[must_use]
pub fn is_legacy_metric_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

/// Whether `name` is a legacy (Prometheus 2) label name: `[a-zA-Z_][a-zA-Z0-9_]*`.
#[must_use]
pub fn is_legacy_label_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Whether `name` is a valid metric name in `dialect` (v3: any non-empty UTF-8 string).
///
/// ```
/// use rules::{is_valid_metric_name, Dialect};
/// assert!(is_valid_metric_name("job:up:sum", Dialect::V2));
/// assert!(!is_valid_metric_name("my.metric", Dialect::V2));
/// assert!(is_valid_metric_name("my.metric", Dialect::V3));
/// ```
#[must_use]
pub fn is_valid_metric_name(name: &str, dialect: Dialect) -> bool {
    match dialect {
        Dialect::V2 => is_legacy_metric_name(name),
        Dialect::V3 => !name.is_empty(),
    }
}

/// Whether `name` is a valid label name in `dialect` (v3: any non-empty UTF-8 string).
#[must_use]
pub fn is_valid_label_name(name: &str, dialect: Dialect) -> bool {
    match dialect {
        Dialect::V2 => is_legacy_label_name(name),
        Dialect::V3 => !name.is_empty(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_names() {
        assert!(is_legacy_metric_name("a:b_c9"));
        assert!(!is_legacy_metric_name("9a"));
        assert!(!is_legacy_metric_name(""));
        assert!(is_legacy_label_name("_a1"));
        assert!(!is_legacy_label_name("a:b"));
        assert!(!is_legacy_label_name("ins-tance"));
        assert!(is_valid_label_name("ins-tance", Dialect::V3));
        assert!(!is_valid_label_name("", Dialect::V3));
    }
}
