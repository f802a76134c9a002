//! The crate's error type.

use std::path::PathBuf;

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
    /// The input is not well-formed YAML (or JSON).
    #[error("{}:{line}:{column}: yaml syntax error: {message}", file.display())]
    Syntax {
        /// The file (or label) the input came from.
        file: PathBuf,
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
        /// The parser's description of the problem.
        message: String,
    },
    /// The input is well-formed but exceeds a safety limit (nesting depth or alias expansion).
    #[error("{}:{line}:{column}: {limit} exceeded", file.display())]
    Limit {
        /// The file (or label) the input came from.
        file: PathBuf,
        /// 1-based line where the limit was hit.
        line: usize,
        /// 1-based column where the limit was hit.
        column: usize,
        /// Which limit: `nesting depth` or `alias expansion`.
        limit: &'static str,
    },
    /// An ECS conversion or API call failed (feature `ecs`).
    #[error("ecs {operation}: {message}")]
    Ecs {
        /// The operation: `convert` or the API action, e.g. `RegisterTaskDefinition`.
        operation: &'static str,
        /// What went wrong.
        message: String,
    },
    /// A mapping key is not a scalar (YAML complex keys are not supported in manifests).
    #[error("{}:{line}:{column}: mapping keys must be scalars", file.display())]
    ComplexKey {
        /// The file (or label) the input came from.
        file: PathBuf,
        /// 1-based line of the key.
        line: usize,
        /// 1-based column of the key.
        column: usize,
    },
    /// A kustomize build failed: `file` is the kustomization (or resource) file, `line` and
    /// `column` (1-based) locate `field` in it when known, `reason` is the data.
    #[error("{}: {reason}", crate::kustomize::locate(file, *line, *column, field))]
    Kustomize {
        /// The kustomization or resource file the failure belongs to.
        file: PathBuf,
        /// 1-based line of the field in `file`, when known.
        line: Option<usize>,
        /// 1-based column of the field in `file`, when known.
        column: Option<usize>,
        /// The kustomization field being processed, e.g. `resources` or `patches[1]`.
        field: String,
        /// What went wrong (boxed: keeps the crate's error small).
        reason: Box<crate::kustomize::Failure>,
    },
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
