//! Verify: re-read a stored archive and compare it with its manifest.

use std::collections::HashMap;
use std::fmt;
use std::io::{self, Read};

use flate2::read::MultiGzDecoder;
use serde::Serialize;
use tar::EntryType;

use crate::error::{Error, Result};
use crate::hashing::HashingReader;
use crate::manifest::Manifest;

/// One difference between a stored backup and its manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Problem {
    /// The archive or a file has other contents than the manifest says.
    Mismatch {
        /// The archive key or the file path.
        what: String,
        /// Size and SHA-256 in the manifest.
        expected: String,
        /// Size and SHA-256 found.
        actual: String,
    },
    /// A file in the manifest is not in the archive.
    Missing {
        /// The file path.
        path: String,
    },
    /// A regular file in the archive is not in the manifest.
    Unexpected {
        /// The file path.
        path: String,
    },
    /// The archive cannot be decompressed or parsed.
    Unreadable {
        /// The decoder's message.
        message: String,
    },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Mismatch {
                what,
                expected,
                actual,
            } => write!(f, "{what}: expected {expected}, found {actual}"),
            Self::Missing { path } => write!(f, "{path}: in the manifest, not in the archive"),
            Self::Unexpected { path } => write!(f, "{path}: in the archive, not in the manifest"),
            Self::Unreadable { message } => write!(f, "archive unreadable: {message}"),
        }
    }
}

/// The outcome of verifying one backup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    /// The backup name.
    pub name: String,
    /// Whether every file was checked too.
    pub deep: bool,
    /// Files checked (deep only).
    pub files_checked: u64,
    /// What differs; empty when the backup is intact.
    pub problems: Vec<Problem>,
}

impl VerifyReport {
    /// Whether the backup matches its manifest.
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }
}

impl fmt::Display for VerifyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_ok() {
            write!(f, "{}: ok", self.name)?;
            if self.deep {
                write!(f, " ({} files checked)", self.files_checked)?;
            }
            return Ok(());
        }
        write!(f, "{}: {} problem(s)", self.name, self.problems.len())?;
        for p in &self.problems {
            write!(f, "\n  {p}")?;
        }
        Ok(())
    }
}

fn described(size: u64, sha256: &str) -> String {
    format!("{size} bytes, sha256 {sha256}")
}

/// Verifies `archive` (the raw stream) against `manifest`. Read errors from the store
/// (`store_error` turns them into crate errors) are errors; differences are problems.
pub(crate) fn verify(
    manifest: &Manifest,
    archive: impl Read,
    deep: bool,
    store_error: &dyn Fn(io::Error) -> Error,
) -> Result<VerifyReport> {
    let mut problems = Vec::new();
    let mut files_checked = 0;
    let mut raw = HashingReader::new(archive);
    if deep {
        let mut expected: HashMap<&str, (u64, &str)> = manifest
            .files
            .iter()
            .map(|f| (f.path.as_str(), (f.size, f.sha256.as_str())))
            .collect();
        let outcome = check_entries(&mut raw, &mut expected, &mut problems, &mut files_checked);
        if let Err(e) = outcome {
            problems.push(Problem::Unreadable {
                message: e.to_string(),
            });
        }
        let mut missing: Vec<&str> = expected.into_keys().collect();
        missing.sort_unstable();
        problems.extend(
            missing
                .into_iter()
                .map(|p| Problem::Missing { path: p.to_owned() }),
        );
    }
    let (size, sha256) = raw.drain().map_err(store_error)?;
    if size != manifest.archive.size || sha256 != manifest.archive.sha256 {
        problems.insert(
            0,
            Problem::Mismatch {
                what: manifest.archive.key.clone(),
                expected: described(manifest.archive.size, &manifest.archive.sha256),
                actual: described(size, &sha256),
            },
        );
    }
    Ok(VerifyReport {
        name: manifest.name.clone(),
        deep,
        files_checked,
        problems,
    })
}

fn check_entries<R: Read>(
    raw: &mut HashingReader<R>,
    expected: &mut HashMap<&str, (u64, &str)>,
    problems: &mut Vec<Problem>,
    files_checked: &mut u64,
) -> io::Result<()> {
    let mut tar = tar::Archive::new(MultiGzDecoder::new(raw));
    for entry in tar.entries()? {
        let entry = entry?;
        if !matches!(
            entry.header().entry_type(),
            EntryType::Regular | EntryType::Continuous
        ) {
            continue;
        }
        let path = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let mut hashed = HashingReader::new(entry);
        io::copy(&mut hashed, &mut io::sink())?;
        let (size, sha256) = hashed.finish();
        *files_checked += 1;
        match expected.remove(path.as_str()) {
            None => problems.push(Problem::Unexpected { path }),
            Some((want_size, want_sha)) if want_size != size || want_sha != sha256 => {
                problems.push(Problem::Mismatch {
                    what: path,
                    expected: described(want_size, want_sha),
                    actual: described(size, &sha256),
                });
            }
            Some(_) => {}
        }
    }
    io::copy(&mut tar.into_inner(), &mut io::sink())?;
    Ok(())
}
