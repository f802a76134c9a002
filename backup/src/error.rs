//! The crate's error type.

use std::path::PathBuf;

/// Why a restore (or a create) refused an archive entry or a source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum UnsafeReason {
    /// The path is absolute.
    AbsolutePath,
    /// The path has a `..` component.
    ParentComponent,
    /// The path is empty or is not valid UTF-8.
    InvalidName,
    /// A symbolic link's target is absolute or leads outside the tree.
    LinkOutside,
    /// An entry would be written through a symbolic link.
    ThroughLink,
    /// The entry kind (hard link, device, fifo, ...) is not supported.
    UnsupportedKind,
    /// The path appears twice in the archive.
    Duplicate,
}

impl std::fmt::Display for UnsafeReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::AbsolutePath => "absolute path",
            Self::ParentComponent => "path contains `..`",
            Self::InvalidName => "empty or non-UTF-8 name",
            Self::LinkOutside => "symbolic link leads outside the tree",
            Self::ThroughLink => "path goes through a symbolic link",
            Self::UnsupportedKind => "unsupported entry kind",
            Self::Duplicate => "duplicate entry",
        })
    }
}

/// Everything that can go wrong in this crate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A local file or directory operation failed.
    #[error("cannot {op} {path}")]
    Io {
        /// What was being done (`read`, `write`, `create`, ...).
        op: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// An include or exclude glob does not parse.
    #[error("invalid glob {pattern:?}")]
    Glob {
        /// The pattern as given.
        pattern: String,
        /// The parser's error.
        #[source]
        source: globset::Error,
    },
    /// A file changed size while it was being archived.
    #[error("{path} changed while it was read (expected {expected} bytes, read {actual})")]
    FileChanged {
        /// The file.
        path: PathBuf,
        /// The size when archiving started.
        expected: u64,
        /// The bytes actually read.
        actual: u64,
    },
    /// Two sources would be stored under the same top-level name in the archive.
    #[error("two sources are both named {name:?} in the archive")]
    SourceNameCollision {
        /// The colliding name.
        name: String,
    },
    /// A source path cannot be archived or an archive entry cannot be restored safely.
    #[error("unsafe entry {path:?}: {reason}")]
    UnsafeEntry {
        /// The path of the entry (as stored in the archive, or the source file).
        path: String,
        /// Why it was refused.
        reason: UnsafeReason,
    },
    /// An object-store operation failed.
    #[error("store {store}: cannot {op} {key:?}: {message}")]
    Store {
        /// The store (its URL).
        store: String,
        /// The operation (`list`, `get`, `put`, `delete`, ...).
        op: &'static str,
        /// The object key.
        key: String,
        /// What the store said (never credentials).
        message: String,
    },
    /// A write-once object already exists.
    #[error("store {store}: object {key:?} already exists")]
    ObjectExists {
        /// The store (its URL).
        store: String,
        /// The object key.
        key: String,
    },
    /// An object key is not usable with this store.
    #[error("invalid object key {key:?}")]
    InvalidKey {
        /// The key.
        key: String,
    },
    /// A store URL does not parse or names an unsupported scheme.
    #[error("invalid store url {url:?}: {reason}")]
    InvalidUrl {
        /// The URL as given.
        url: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// The backup already exists (two backups in the same second).
    #[error("backup {name} already exists")]
    BackupExists {
        /// The backup name.
        name: String,
    },
    /// No complete backup by that name (no manifest).
    #[error("no complete backup named {name:?}")]
    BackupNotFound {
        /// The backup name.
        name: String,
    },
    /// A manifest does not parse.
    #[error("manifest {key}:{line}:{column}: {message}")]
    Manifest {
        /// The manifest's object key.
        key: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The parser's message.
        message: String,
    },
    /// A manifest's contents are inconsistent (wrong version, name, key).
    #[error("manifest {key}: field {field}: {message}")]
    ManifestField {
        /// The manifest's object key.
        key: String,
        /// The offending field.
        field: &'static str,
        /// What is wrong.
        message: String,
    },
    /// Restore found data that does not match the manifest; nothing was kept.
    #[error(
        "backup {name}: {what} does not match the manifest (expected {expected}, got {actual})"
    )]
    Integrity {
        /// The backup name.
        name: String,
        /// The archive or the file path that differs.
        what: String,
        /// The manifest's value.
        expected: String,
        /// The value found.
        actual: String,
    },
    /// The archive is not a readable tar.gz stream.
    #[error("backup {name}: unreadable archive")]
    CorruptArchive {
        /// The backup name.
        name: String,
        /// The decoder's error.
        #[source]
        source: std::io::Error,
    },
    /// The restore target is not empty and force was not given.
    #[error("restore target {path} is not empty (use force to restore into it)")]
    TargetNotEmpty {
        /// The target directory.
        path: PathBuf,
    },
    /// The restore target exists and is not a directory.
    #[error("restore target {path} is not a directory")]
    TargetNotDirectory {
        /// The target.
        path: PathBuf,
    },
    /// A retention policy keeps nothing.
    #[error("empty retention policy: give at least one keep rule")]
    EmptyPolicy,
    /// A duration such as `2y5m7d3h` does not parse.
    #[error("invalid duration {input:?} at column {column}: {message}")]
    InvalidDuration {
        /// The text as given.
        input: String,
        /// 1-based column of the problem.
        column: usize,
        /// What is wrong.
        message: &'static str,
    },
    /// The Redis server refused or broke the replication handshake.
    #[error("redis {address}: {message}")]
    Redis {
        /// The server address.
        address: String,
        /// What went wrong.
        message: String,
    },
    /// A Redis RDB is damaged or incomplete (bad header, no end-of-file marker, wrong
    /// checksum, shorter than announced).
    #[error("invalid rdb from {origin}: {message}")]
    InvalidRdb {
        /// Where it came from (`redis <address>` or the dump file's path).
        origin: String,
        /// What is wrong.
        message: String,
    },
    /// The Prometheus server has no admin API (`--web.enable-admin-api` is not set).
    #[error("prometheus {url}: admin APIs disabled (start prometheus with --web.enable-admin-api)")]
    PrometheusAdminDisabled {
        /// The server URL.
        url: String,
    },
    /// The Prometheus snapshot request failed.
    #[error("prometheus {url}: {message}")]
    Prometheus {
        /// The server URL.
        url: String,
        /// What went wrong.
        message: String,
    },
    /// A network connection failed.
    #[error("cannot connect to {address}")]
    Connect {
        /// The address.
        address: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The store URL needs a cargo feature that is not enabled.
    #[error("{what} needs the cargo feature `{feature}`")]
    FeatureDisabled {
        /// What was asked for.
        what: &'static str,
        /// The feature.
        feature: &'static str,
    },
}

impl Error {
    /// Whether the error means a write-once object or backup already exists.
    pub fn is_exists(&self) -> bool {
        matches!(self, Self::ObjectExists { .. } | Self::BackupExists { .. })
    }

    /// Whether restore refused the archive as unsafe or not matching its manifest.
    pub fn is_refused(&self) -> bool {
        matches!(
            self,
            Self::UnsafeEntry { .. } | Self::Integrity { .. } | Self::CorruptArchive { .. }
        )
    }

    pub(crate) fn io(op: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            op,
            path: path.into(),
            source,
        }
    }
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_is_send_sync_static() {
        fn assert_bounds<T: Send + Sync + 'static>() {}
        assert_bounds::<Error>();
    }

    #[test]
    fn messages_are_lowercase_and_name_the_data() {
        let e = Error::TargetNotEmpty {
            path: PathBuf::from("/tmp/x"),
        };
        assert_eq!(
            e.to_string(),
            "restore target /tmp/x is not empty (use force to restore into it)"
        );
        let e = Error::UnsafeEntry {
            path: "../etc/passwd".into(),
            reason: UnsafeReason::ParentComponent,
        };
        assert_eq!(
            e.to_string(),
            "unsafe entry \"../etc/passwd\": path contains `..`"
        );
        assert!(e.is_refused());
    }
}
