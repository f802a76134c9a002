//! The crate's error type.

use std::path::PathBuf;

use crate::diagnostic::{Diagnostic, Position, Severity};

/// Everything that can go wrong in this crate.
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
    /// The input is not well-formed YAML.
    #[error("{file}:{line}:{column}: invalid yaml: {message}")]
    Yaml {
        /// The file, as named by the caller.
        file: String,
        /// Line, 1-based.
        line: u32,
        /// Column, 1-based.
        column: u32,
        /// What the YAML scanner or parser reported.
        message: String,
    },
    /// A duration string is not valid.
    #[error("not a valid duration string: {input:?}")]
    Duration {
        /// The rejected text.
        input: String,
    },
    /// A lint configuration value is not valid.
    #[error("invalid lint configuration: {field}: {value:?}")]
    Config {
        /// The configuration field.
        field: String,
        /// The rejected value.
        value: String,
    },
}

impl Error {
    /// Code used when this error is reported as a [`Diagnostic`].
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Error::Io { .. } => "rules/io",
            Error::Yaml { .. } => "rules/yaml-syntax",
            Error::Duration { .. } => "rules/duration",
            Error::Config { .. } => "rules/config",
        }
    }

    /// Whether the error is about unreadable input (I/O) rather than its content.
    #[must_use]
    pub fn is_io(&self) -> bool {
        matches!(self, Error::Io { .. })
    }

    /// The error as an error-level [`Diagnostic`] (YAML errors keep their position).
    #[must_use]
    pub fn to_diagnostic(&self, file: &str) -> Diagnostic {
        match self {
            Error::Yaml {
                file,
                line,
                column,
                message,
            } => Diagnostic::new(
                file.clone(),
                Position::new(*line, *column),
                Severity::Error,
                self.code(),
                format!("invalid yaml: {message}"),
            ),
            other => Diagnostic::new(
                file,
                Position::new(1, 1),
                Severity::Error,
                other.code(),
                other.to_string(),
            ),
        }
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

    #[test]
    fn yaml_error_becomes_positioned_diagnostic() {
        let e = Error::Yaml {
            file: "a.yml".into(),
            line: 3,
            column: 2,
            message: "bad".into(),
        };
        let d = e.to_diagnostic("a.yml");
        assert_eq!(
            (d.line, d.column, d.code.as_str()),
            (3, 2, "rules/yaml-syntax")
        );
    }
}
