//! The crate's error type.

use std::path::PathBuf;

/// Everything that can go wrong in this crate. Findings on well-formed input are
/// [`Diagnostic`](crate::Diagnostic)s, not errors.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read.
    #[error("cannot read {path}")]
    Io {
        /// The file that could not be read.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The text is not valid YAML (or uses a YAML feature the loader refuses).
    #[error("{file}:{line}:{column}: invalid yaml: {message}")]
    Yaml {
        /// The file name given to the parser.
        file: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The parser's description.
        message: String,
    },
    /// A field has the wrong type or an impossible value.
    #[error("{file}:{line}:{column}: {field}: {message}")]
    Field {
        /// The file name given to the parser.
        file: String,
        /// 1-based line (0 when the input had no positions).
        line: usize,
        /// 1-based column (0 when the input had no positions).
        column: usize,
        /// The field's path, e.g. `spec.strategy.canary.steps[1].setWeight`.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// A successCondition or failureCondition does not parse.
    #[error("condition {condition:?} at offset {offset}: {message}")]
    Condition {
        /// The expression text.
        condition: String,
        /// Byte offset of the problem in the expression.
        offset: usize,
        /// What is wrong.
        message: String,
    },
    /// A rollout cannot be planned.
    #[error("rollout {rollout:?} cannot be planned: {message}")]
    Plan {
        /// The rollout's name.
        rollout: String,
        /// Why.
        message: String,
    },
    /// A metric provider failed.
    #[error("provider {address}: {message}")]
    Provider {
        /// The provider's address.
        address: String,
        /// What went wrong.
        message: String,
    },
    /// A built strategy is invalid.
    #[error("{field}: {message} [{code}]")]
    Invalid {
        /// The check's code.
        code: String,
        /// The offending field's path.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// Emitting YAML failed.
    #[error("cannot emit yaml: {message}")]
    Export {
        /// Why.
        message: String,
    },
    /// A scenario for the simulator is inconsistent.
    #[error("scenario: {message}")]
    Scenario {
        /// What is wrong.
        message: String,
    },
}

impl Error {
    /// True for errors about the input's syntax or shape (as opposed to I/O).
    #[must_use]
    pub fn is_input(&self) -> bool {
        !matches!(self, Error::Io { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_is_send_sync_static() {
        fn assert_bounds<T: Send + Sync + 'static>() {}
        assert_bounds::<Error>();
    }
}
