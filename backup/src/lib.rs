//! Streaming, verifiable backups of files, Redis RDB and Prometheus snapshots to a local
//! directory or S3, with safe restore and retention.
//!
//! A [`Repository`] keeps backups in an [`ObjectStore`] ([`LocalStore`] by default, an S3
//! store with the `s3` feature). A backup named `full_YYYYMMDDhhmmss` (UTC, from an injected
//! [`Clock`]) is two objects: the archive `<name>.tar.gz`, streamed in one pass that also
//! computes the SHA-256 of the archive and of every file, and the [`Manifest`]
//! `<name>.manifest.json`, written last. The archive is a standard multi-member gzip (one
//! member per MiB of tar stream, compressed on worker threads with bounded memory; a chunk
//! that does not compress is stored), which `tar xzf` and `gzip -t` read as one stream. A backup without manifest is incomplete: it is never
//! listed or restored, and [`Repository::prune`] removes it.
//!
//! Sources are [`FileSource`] trees with include/exclude globs, a [`RedisSource`] (the RDB
//! fetched over the replication protocol) and a [`PrometheusSource`] (a TSDB snapshot through
//! the admin API). Restores check every hash and refuse unsafe entries; see
//! [`Repository::restore`]. Retention follows restic's `forget` rules; see
//! [`RetentionPolicy`].
//!
//! ```
//! use backup::{FileSource, LocalStore, NoProgress, Repository, RetentionPolicy};
//!
//! let data = tempfile::tempdir()?;
//! std::fs::write(data.path().join("notes.txt"), "remember")?;
//! let store = tempfile::tempdir()?;
//! let repo = Repository::new(LocalStore::new(store.path()));
//! let source = FileSource::new(data.path()).exclude("*.tmp");
//! let manifest = repo.create(&[source.into()], &mut NoProgress)?;
//! assert_eq!(manifest.files.len(), 1);
//! let plan = repo.prune(&RetentionPolicy::new().keep_last(3), true)?;
//! assert_eq!(plan.removed().count(), 0);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Features
//!
//! - `s3`: an S3 store through aws-sdk-s3 (multipart uploads with per-part SHA-256, write-once
//!   conditional writes, any S3-compatible endpoint).
#![cfg_attr(docsrs, feature(doc_cfg))]

mod archive;
mod clock;
mod compress;
mod error;
mod hashing;
mod manifest;
mod paths;
mod progress;
mod prometheus;
mod redis;
mod repository;
mod restore;
mod retention;
mod source;
mod store;
mod verify;

pub use clock::{Clock, ManualClock, SystemClock};
pub use error::{Error, Result, UnsafeReason};
pub use manifest::{
    ArchiveRecord, FORMAT_VERSION, FileRecord, Manifest, SourceRecord, archive_key, backup_name,
    manifest_key, parse_backup_name,
};
pub use progress::{NoProgress, Progress, ProgressUpdate};
pub use prometheus::PrometheusSource;
pub use redis::RedisSource;
pub use repository::{PrunePlan, Repository};
pub use restore::{RestoreOptions, RestoreSummary};
pub use retention::{CalendarDuration, DEFAULT_INCOMPLETE_GRACE, Decision, RetentionPolicy, Rule};
pub use source::{FileSource, Source};
pub use store::{LocalStore, ObjectInfo, ObjectStore, ObjectWriter, StoreOptions, open_store};
#[cfg(feature = "s3")]
#[cfg_attr(docsrs, doc(cfg(feature = "s3")))]
pub use store::{S3Options, S3Store};
pub use verify::{Problem, VerifyReport};
