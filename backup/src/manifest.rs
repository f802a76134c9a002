//! The store format: backup names, object keys and the manifest written last.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::macros::format_description;

use crate::error::{Error, Result};

/// The manifest format this crate writes and reads.
pub const FORMAT_VERSION: u32 = 1;

const NAME_PREFIX: &str = "full_";
const ARCHIVE_SUFFIX: &str = ".tar.gz";
const MANIFEST_SUFFIX: &str = ".manifest.json";

/// The name of a backup taken at `at`: `full_YYYYMMDDhhmmss` in UTC.
///
/// ```
/// use time::macros::datetime;
/// assert_eq!(backup::backup_name(datetime!(2026-11-22 19:05:09 UTC)), "full_20261122190509");
/// ```
pub fn backup_name(at: OffsetDateTime) -> String {
    let utc = at.to_offset(time::UtcOffset::UTC);
    format!(
        "{NAME_PREFIX}{:04}{:02}{:02}{:02}{:02}{:02}",
        utc.year(),
        u8::from(utc.month()),
        utc.day(),
        utc.hour(),
        utc.minute(),
        utc.second()
    )
}

/// The time encoded in a backup name, or `None` if `name` is not `full_YYYYMMDDhhmmss`.
///
/// ```
/// use time::macros::datetime;
/// assert_eq!(backup::parse_backup_name("full_20261122190509"), Some(datetime!(2026-11-22 19:05:09 UTC)));
/// assert_eq!(backup::parse_backup_name("full_2026"), None);
/// ```
pub fn parse_backup_name(name: &str) -> Option<OffsetDateTime> {
    let digits = name.strip_prefix(NAME_PREFIX)?;
    if digits.len() != 14 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let format = format_description!("[year][month][day][hour][minute][second]");
    time::PrimitiveDateTime::parse(digits, &format)
        .ok()
        .map(|t| t.assume_utc())
}

/// The object key of a backup's archive.
pub fn archive_key(name: &str) -> String {
    format!("{name}{ARCHIVE_SUFFIX}")
}

/// The object key of a backup's manifest.
pub fn manifest_key(name: &str) -> String {
    format!("{name}{MANIFEST_SUFFIX}")
}

/// The backup name an object key belongs to, and whether the key is the manifest.
pub(crate) fn classify_key(key: &str) -> Option<(&str, bool)> {
    if let Some(name) = key.strip_suffix(MANIFEST_SUFFIX) {
        parse_backup_name(name).map(|_| (name, true))
    } else if let Some(name) = key.strip_suffix(ARCHIVE_SUFFIX) {
        parse_backup_name(name).map(|_| (name, false))
    } else {
        None
    }
}

/// The manifest of a complete backup, written after its archive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Always [`FORMAT_VERSION`].
    pub format_version: u32,
    /// `full_YYYYMMDDhhmmss`.
    pub name: String,
    /// When the backup started (RFC 3339, UTC).
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// The archive object.
    pub archive: ArchiveRecord,
    /// Every regular file in the archive, in archive order.
    pub files: Vec<FileRecord>,
    /// What was backed up.
    pub sources: Vec<SourceRecord>,
}

/// The archive object of a backup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArchiveRecord {
    /// Its object key (`<name>.tar.gz`).
    pub key: String,
    /// Its size in bytes.
    pub size: u64,
    /// Its SHA-256, lowercase hex.
    pub sha256: String,
}

/// A regular file inside the archive.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileRecord {
    /// Its path in the archive (`/`-separated, relative).
    pub path: String,
    /// Its size in bytes.
    pub size: u64,
    /// Its SHA-256, lowercase hex.
    pub sha256: String,
}

/// A source as recorded in the manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
#[non_exhaustive]
pub enum SourceRecord {
    /// A file or directory tree.
    Files {
        /// The absolute path that was read.
        path: String,
        /// The top-level name in the archive.
        archive_path: String,
        /// Include globs (empty: everything).
        include: Vec<String>,
        /// Exclude globs.
        exclude: Vec<String>,
    },
    /// A Redis RDB fetched over the replication protocol.
    Redis {
        /// The server address (`host:port`).
        address: String,
        /// The file name in the archive.
        archive_path: String,
    },
    /// A Prometheus TSDB snapshot.
    Prometheus {
        /// The server URL.
        url: String,
        /// The top-level directory in the archive.
        archive_path: String,
    },
}

impl Manifest {
    /// Parses a manifest read from the object `key`, checking it is consistent with its key.
    ///
    /// # Errors
    ///
    /// [`Error::Manifest`] with line and column when the JSON does not parse, and
    /// [`Error::ManifestField`] when the version, name or archive key is wrong.
    pub fn from_json(key: &str, bytes: &[u8]) -> Result<Self> {
        let manifest: Manifest = serde_json::from_slice(bytes).map_err(|e| Error::Manifest {
            key: key.to_owned(),
            line: e.line().max(1),
            column: e.column().max(1),
            message: e.to_string(),
        })?;
        let field = |field: &'static str, message: String| Error::ManifestField {
            key: key.to_owned(),
            field,
            message,
        };
        if manifest.format_version != FORMAT_VERSION {
            return Err(field(
                "format_version",
                format!(
                    "unsupported version {} (this build reads {FORMAT_VERSION})",
                    manifest.format_version
                ),
            ));
        }
        if parse_backup_name(&manifest.name).is_none() || manifest_key(&manifest.name) != key {
            return Err(field(
                "name",
                format!("{:?} does not match the key", manifest.name),
            ));
        }
        if manifest.archive.key != archive_key(&manifest.name) {
            return Err(field(
                "archive.key",
                format!("expected {:?}", archive_key(&manifest.name)),
            ));
        }
        Ok(manifest)
    }

    /// The manifest as pretty JSON.
    pub fn to_json(&self) -> Vec<u8> {
        // Serializing plain records with string keys cannot fail.
        let mut out = serde_json::to_vec_pretty(self).unwrap_or_default();
        out.push(b'\n');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::datetime;

    fn sample() -> Manifest {
        let name = backup_name(datetime!(2026-01-02 03:04:05 UTC));
        Manifest {
            format_version: 1,
            archive: ArchiveRecord {
                key: archive_key(&name),
                size: 10,
                sha256: "00".repeat(32),
            },
            name,
            created_at: datetime!(2026-01-02 03:04:05 UTC),
            files: vec![FileRecord {
                path: "a/b".into(),
                size: 0,
                sha256: "11".repeat(32),
            }],
            sources: vec![SourceRecord::Redis {
                address: "127.0.0.1:6379".into(),
                archive_path: "dump.rdb".into(),
            }],
        }
    }

    #[test]
    fn json_has_the_design_fields() {
        let m = sample();
        let v: serde_json::Value = serde_json::from_slice(&m.to_json()).unwrap();
        assert_eq!(v["format_version"], 1);
        assert_eq!(v["name"], "full_20260102030405");
        assert_eq!(v["created_at"], "2026-01-02T03:04:05Z");
        assert_eq!(v["archive"]["key"], "full_20260102030405.tar.gz");
        assert_eq!(v["files"][0]["path"], "a/b");
        assert_eq!(v["sources"][0]["kind"], "redis");
        let back = Manifest::from_json("full_20260102030405.manifest.json", &m.to_json()).unwrap();
        assert_eq!(back, m);
    }

    #[test]
    fn wrong_key_version_and_syntax_are_errors() {
        let m = sample();
        let err = Manifest::from_json("full_20990102030405.manifest.json", &m.to_json());
        assert!(matches!(
            err,
            Err(Error::ManifestField { field: "name", .. })
        ));
        let mut v2 = m.clone();
        v2.format_version = 2;
        let err = Manifest::from_json("full_20260102030405.manifest.json", &v2.to_json());
        assert!(matches!(
            err,
            Err(Error::ManifestField {
                field: "format_version",
                ..
            })
        ));
        let err = Manifest::from_json("k", b"{\n  \"format_version\": x}").unwrap_err();
        assert!(
            matches!(
                err,
                Error::Manifest {
                    line: 2,
                    column: 21,
                    ..
                }
            ),
            "{err:?}"
        );
    }

    #[test]
    fn keys_classify() {
        assert_eq!(
            classify_key("full_20260102030405.tar.gz"),
            Some(("full_20260102030405", false))
        );
        assert_eq!(
            classify_key("full_20260102030405.manifest.json"),
            Some(("full_20260102030405", true))
        );
        assert_eq!(classify_key("full_2026.tar.gz"), None);
        assert_eq!(classify_key("other"), None);
    }

    proptest! {
        #[test]
        fn manifest_parser_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = Manifest::from_json("k", &bytes);
        }

        #[test]
        fn names_round_trip(secs in 0i64..4_000_000_000) {
            let t = OffsetDateTime::from_unix_timestamp(secs).unwrap();
            prop_assert_eq!(parse_backup_name(&backup_name(t)), Some(t));
        }

        #[test]
        fn name_parser_never_panics(s in ".{0,30}") {
            let _ = parse_backup_name(&s);
            let _ = classify_key(&s);
        }
    }
}
