//! A repository: backups in an object store, with create, list, verify, restore and prune.

use std::collections::BTreeMap;
use std::io::{self, Read, Write};
use std::path::Path;
use std::sync::Arc;

use serde::Serialize;

use crate::archive::ArchiveWriter;
use crate::clock::{Clock, SystemClock};
use crate::error::{Error, Result};
use crate::manifest::{
    ArchiveRecord, FORMAT_VERSION, Manifest, archive_key, backup_name, classify_key, manifest_key,
    parse_backup_name,
};
use crate::progress::Progress;
use crate::restore::{self, RestoreOptions, RestoreSummary};
use crate::retention::{Decision, RetentionPolicy};
use crate::source::Source;
use crate::store::ObjectStore;
use crate::verify::{self, VerifyReport};

/// Manifests larger than this are refused (about a million files).
const MAX_MANIFEST: u64 = 256 << 20;

/// Backups in one object store.
///
/// ```
/// use backup::{FileSource, LocalStore, NoProgress, Repository, RestoreOptions};
///
/// let data = tempfile::tempdir()?;
/// std::fs::write(data.path().join("a.txt"), "hello")?;
/// let store = tempfile::tempdir()?;
/// let repo = Repository::new(LocalStore::new(store.path()));
///
/// let manifest = repo.create(&[FileSource::new(data.path()).into()], &mut NoProgress)?;
/// assert_eq!(repo.list()?[0].name, manifest.name);
/// assert!(repo.verify(&manifest.name, true)?.is_ok());
///
/// let target = tempfile::tempdir()?;
/// let dest = target.path().join("restored");
/// repo.restore(&manifest.name, &dest, RestoreOptions::new(), &mut NoProgress)?;
/// let top = data.path().file_name().unwrap();
/// assert_eq!(std::fs::read_to_string(dest.join(top).join("a.txt"))?, "hello");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Repository {
    store: Box<dyn ObjectStore>,
    clock: Arc<dyn Clock>,
    level: u32,
}

/// What prune removes (or would remove, in a dry run).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PrunePlan {
    /// One decision per complete backup, newest first.
    pub decisions: Vec<Decision>,
    /// Incomplete backups (archive without manifest) older than the grace period.
    pub incomplete: Vec<String>,
    /// Whether nothing was deleted.
    pub dry_run: bool,
}

impl PrunePlan {
    /// The complete backups removed.
    pub fn removed(&self) -> impl Iterator<Item = &str> {
        self.decisions
            .iter()
            .filter(|d| !d.keep)
            .map(|d| d.name.as_str())
    }
}

impl Repository {
    /// A repository in `store`, reading time from the system clock and compressing with gzip
    /// level 1 (fast; archives of already-compressed data barely shrink at higher levels).
    pub fn new(store: impl ObjectStore + 'static) -> Self {
        Self::from_boxed(Box::new(store))
    }

    /// A repository in a boxed store (as [`crate::open_store`] returns).
    pub fn from_boxed(store: Box<dyn ObjectStore>) -> Self {
        Self {
            store,
            clock: Arc::new(SystemClock),
            level: 1,
        }
    }

    /// Uses `clock` for backup names and ages.
    #[must_use]
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Sets the gzip level (0 to 9).
    #[must_use]
    pub fn with_compression(mut self, level: u32) -> Self {
        self.level = level.min(9);
        self
    }

    /// The store.
    pub fn store(&self) -> &dyn ObjectStore {
        self.store.as_ref()
    }

    fn store_err(&self, op: &'static str, key: &str) -> impl Fn(io::Error) -> Error + '_ {
        let key = key.to_owned();
        move |e| Error::Store {
            store: self.store.url(),
            op,
            key: key.clone(),
            message: e.to_string(),
        }
    }

    /// Backs up `sources` into a new backup named after the clock's time: the archive is
    /// streamed to the store, then the manifest is written.
    ///
    /// # Errors
    ///
    /// [`Error::BackupExists`] if a backup of the same second exists; source, archive and
    /// store errors (a full local store is an [`Error::Io`] naming the object's path). On
    /// error no manifest is written, so nothing becomes visible, and the archive already
    /// stored when the manifest cannot be written is deleted.
    pub fn create(&self, sources: &[Source], progress: &mut dyn Progress) -> Result<Manifest> {
        let now = self.clock.now().to_offset(time::UtcOffset::UTC);
        let now = now.replace_nanosecond(0).unwrap_or(now);
        let name = backup_name(now);
        let archive = archive_key(&name);
        let manifest_k = manifest_key(&name);
        if self.store.exists(&archive)? || self.store.exists(&manifest_k)? {
            return Err(Error::BackupExists { name });
        }
        let exists_as_backup = |e: Error| match e {
            Error::ObjectExists { .. } => Error::BackupExists { name: name.clone() },
            other => other,
        };
        let writer = self.store.put_new(&archive)?;
        let on_err = self.store_err("write", &archive);
        let mtime = u64::try_from(now.unix_timestamp()).unwrap_or(0);
        let (writer, summary) =
            ArchiveWriter::new(writer, self.level, mtime, progress, &on_err).write_all(sources)?;
        let stored = writer.finish().map_err(exists_as_backup)?;
        if stored != summary.size {
            return Err(Error::Store {
                store: self.store.url(),
                op: "write",
                key: archive,
                message: format!("stored {stored} bytes, wrote {}", summary.size),
            });
        }
        let manifest = Manifest {
            format_version: FORMAT_VERSION,
            name: name.clone(),
            created_at: now,
            archive: ArchiveRecord {
                key: archive,
                size: summary.size,
                sha256: summary.sha256,
            },
            files: summary.files,
            sources: summary.sources,
        };
        let written = self.store.put_new(&manifest_k).and_then(|mut writer| {
            writer
                .write_all(&manifest.to_json())
                .map_err(|e| crate::archive::unwrap_io(e, self.store_err("write", &manifest_k)))?;
            writer.finish().map_err(exists_as_backup)
        });
        if let Err(e) = written {
            // Without its manifest the archive is an incomplete backup: remove it now rather
            // than leave it to prune (best effort: the manifest error is the one reported).
            if !e.is_exists() {
                let _ = self.store.delete(&manifest.archive.key);
            }
            return Err(e);
        }
        Ok(manifest)
    }

    /// The manifest of backup `name`.
    ///
    /// # Errors
    ///
    /// [`Error::BackupNotFound`] when it has no manifest, [`Error::Manifest`] when it does not
    /// parse.
    pub fn manifest(&self, name: &str) -> Result<Manifest> {
        if parse_backup_name(name).is_none() {
            return Err(Error::BackupNotFound {
                name: name.to_owned(),
            });
        }
        let key = manifest_key(name);
        if !self.store.exists(&key)? {
            return Err(Error::BackupNotFound {
                name: name.to_owned(),
            });
        }
        let mut bytes = Vec::new();
        self.store
            .get(&key)?
            .take(MAX_MANIFEST)
            .read_to_end(&mut bytes)
            .map_err(|e| crate::archive::unwrap_io(e, self.store_err("read", &key)))?;
        Manifest::from_json(&key, &bytes)
    }

    /// Every complete backup, newest first. Backups without manifest are not listed.
    ///
    /// # Errors
    ///
    /// Store errors and manifests that do not parse.
    pub fn list(&self) -> Result<Vec<Manifest>> {
        let (complete, _) = self.scan()?;
        let mut out = complete
            .iter()
            .map(|name| self.manifest(name))
            .collect::<Result<Vec<_>>>()?;
        out.sort_by(|a, b| {
            b.created_at
                .cmp(&a.created_at)
                .then_with(|| b.name.cmp(&a.name))
        });
        Ok(out)
    }

    /// Names of complete backups and of incomplete ones (archive without manifest).
    fn scan(&self) -> Result<(Vec<String>, Vec<String>)> {
        let mut names: BTreeMap<String, bool> = BTreeMap::new();
        for object in self.store.list()? {
            if let Some((name, is_manifest)) = classify_key(&object.key) {
                let entry = names.entry(name.to_owned()).or_insert(false);
                *entry |= is_manifest;
            }
        }
        let (complete, incomplete): (Vec<_>, Vec<_>) = names.into_iter().partition(|(_, m)| *m);
        Ok((
            complete.into_iter().map(|(n, _)| n).collect(),
            incomplete.into_iter().map(|(n, _)| n).collect(),
        ))
    }

    /// Re-reads backup `name` and compares the archive (and with `deep`, every file) with its
    /// manifest.
    ///
    /// # Errors
    ///
    /// [`Error::BackupNotFound`] and store errors; differences are reported in the
    /// [`VerifyReport`], not as errors.
    pub fn verify(&self, name: &str, deep: bool) -> Result<VerifyReport> {
        let manifest = self.manifest(name)?;
        let archive = self.store.get(&manifest.archive.key)?;
        let on_err = self.store_err("read", &manifest.archive.key);
        verify::verify(&manifest, archive, deep, &|e| {
            crate::archive::unwrap_io(e, &on_err)
        })
    }

    /// Restores backup `name` into `dest`, which must be missing or empty unless forced.
    ///
    /// The archive is extracted into a temporary directory beside `dest`, each file and the
    /// archive are checked against the manifest, and only then is the result moved into
    /// place. Entries with absolute paths, `..`, links leading outside, or written through
    /// links are refused. On any error nothing is left behind.
    ///
    /// # Errors
    ///
    /// [`Error::TargetNotEmpty`], [`Error::UnsafeEntry`], [`Error::Integrity`],
    /// [`Error::CorruptArchive`], I/O errors naming the path.
    pub fn restore(
        &self,
        name: &str,
        dest: &Path,
        options: RestoreOptions,
        progress: &mut dyn Progress,
    ) -> Result<RestoreSummary> {
        let manifest = self.manifest(name)?;
        let archive = self.store.get(&manifest.archive.key)?;
        restore::restore(&manifest, archive, dest, options, progress)
    }

    /// Applies a retention policy: removes the complete backups no rule keeps (manifest
    /// first, so a half-deleted backup is merely incomplete) and incomplete backups older than
    /// the policy's grace period. With `dry_run` nothing is deleted.
    ///
    /// # Errors
    ///
    /// [`Error::EmptyPolicy`] for a policy without rules; store errors.
    pub fn prune(&self, policy: &RetentionPolicy, dry_run: bool) -> Result<PrunePlan> {
        if policy.is_empty() {
            return Err(Error::EmptyPolicy);
        }
        let backups: Vec<(String, time::OffsetDateTime)> = self
            .list()?
            .into_iter()
            .map(|m| (m.name, m.created_at))
            .collect();
        let decisions = policy.decide(&backups)?;
        let cutoff = self.clock.now() - policy.grace();
        let (_, incomplete) = self.scan()?;
        let incomplete: Vec<String> = incomplete
            .into_iter()
            .filter(|n| parse_backup_name(n).is_some_and(|t| t < cutoff))
            .collect();
        if !dry_run {
            for decision in decisions.iter().filter(|d| !d.keep) {
                self.store.delete(&manifest_key(&decision.name))?;
                self.store.delete(&archive_key(&decision.name))?;
            }
            for name in &incomplete {
                self.store.delete(&archive_key(name))?;
            }
        }
        Ok(PrunePlan {
            decisions,
            incomplete,
            dry_run,
        })
    }

    /// Removes leftovers of uploads started more than `age` ago that never finished.
    ///
    /// # Errors
    ///
    /// Store errors.
    pub fn abort_stale_uploads(&self, age: time::Duration) -> Result<usize> {
        self.store.abort_stale_uploads(self.clock.now() - age)
    }

    /// Copies the complete backups that `target` lacks (or holds with another archive
    /// checksum is an error) from this repository, archive first, manifest last, and returns
    /// their names.
    ///
    /// # Errors
    ///
    /// Store errors; [`Error::Integrity`] when the copied archive does not match its manifest
    /// or `target` holds a different backup under the same name.
    pub fn sync_to(&self, target: &Repository) -> Result<Vec<String>> {
        let mut copied = Vec::new();
        for manifest in self.list()? {
            match target.manifest(&manifest.name) {
                Ok(theirs) if theirs.archive.sha256 == manifest.archive.sha256 => continue,
                Ok(theirs) => {
                    return Err(Error::Integrity {
                        name: manifest.name.clone(),
                        what: format!("{} in {}", manifest.archive.key, target.store.url()),
                        expected: manifest.archive.sha256.clone(),
                        actual: theirs.archive.sha256,
                    });
                }
                Err(Error::BackupNotFound { .. }) => {}
                Err(e) => return Err(e),
            }
            let key = &manifest.archive.key;
            if !target.store.exists(key)? {
                let mut reader = crate::hashing::HashingReader::new(self.store.get(key)?);
                let mut writer = target.store.put_new(key)?;
                io::copy(&mut reader, &mut writer)
                    .map_err(|e| crate::archive::unwrap_io(e, self.store_err("copy", key)))?;
                let (size, sha256) = reader.finish();
                if size != manifest.archive.size || sha256 != manifest.archive.sha256 {
                    return Err(Error::Integrity {
                        name: manifest.name.clone(),
                        what: key.clone(),
                        expected: manifest.archive.sha256.clone(),
                        actual: sha256,
                    });
                }
                writer.finish()?;
            }
            let mut writer = target.store.put_new(&manifest_key(&manifest.name))?;
            writer
                .write_all(&manifest.to_json())
                .map_err(|e| crate::archive::unwrap_io(e, target.store_err("write", key)))?;
            writer.finish()?;
            copied.push(manifest.name);
        }
        Ok(copied)
    }
}
