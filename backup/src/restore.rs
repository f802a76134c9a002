//! Safe restore: extract into a staging directory beside the target, check every hash, then
//! move into place.

use std::collections::{HashMap, HashSet};
use std::fs::{self, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use flate2::read::MultiGzDecoder;
use tar::EntryType;

use crate::error::{Error, Result, UnsafeReason};
use crate::hashing::HashingReader;
use crate::manifest::{FileRecord, Manifest};
use crate::paths;
use crate::progress::{Progress, ProgressUpdate};

/// Mode bits restored: permissions and sticky, never set-user-id or set-group-id.
const MODE_MASK: u32 = 0o1777;

/// How to restore.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RestoreOptions {
    force: bool,
}

impl RestoreOptions {
    /// Default options: the target must be missing or empty.
    pub fn new() -> Self {
        Self::default()
    }

    /// Restores into a non-empty target, replacing its top-level entries that the backup has.
    #[must_use]
    pub fn force(mut self, force: bool) -> Self {
        self.force = force;
        self
    }
}

/// What a restore wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RestoreSummary {
    /// Regular files written.
    pub files: u64,
    /// Bytes of regular files written.
    pub bytes: u64,
    /// Directories created.
    pub directories: u64,
    /// Symbolic links created.
    pub links: u64,
}

fn unsafe_entry(path: &str, reason: UnsafeReason) -> Error {
    Error::UnsafeEntry {
        path: path.to_owned(),
        reason,
    }
}

/// Restores `archive` (the raw tar.gz stream of backup `manifest`) into `dest`.
pub(crate) fn restore(
    manifest: &Manifest,
    archive: impl Read,
    dest: &Path,
    options: RestoreOptions,
    progress: &mut dyn Progress,
) -> Result<RestoreSummary> {
    let existing = match fs::metadata(dest) {
        Ok(meta) if !meta.is_dir() => {
            return Err(Error::TargetNotDirectory {
                path: dest.to_path_buf(),
            });
        }
        Ok(meta) => {
            let empty = fs::read_dir(dest)
                .map_err(|e| Error::io("read directory", dest, e))?
                .next()
                .is_none();
            if !empty && !options.force {
                return Err(Error::TargetNotEmpty {
                    path: dest.to_path_buf(),
                });
            }
            Some((meta.permissions(), empty))
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => return Err(Error::io("read", dest, e)),
    };
    let parent = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent).map_err(|e| Error::io("create", &parent, e))?;
    let staging = tempfile::Builder::new()
        .prefix(".restore-")
        .tempdir_in(&parent)
        .map_err(|e| Error::io("create a directory in", &parent, e))?;

    // Errors name the file where it was going (the staging directory is removed on error).
    let summary = extract(manifest, archive, staging.path(), progress)
        .map_err(|e| rebase(e, staging.path(), dest))?;

    match existing {
        None | Some((_, true)) => {
            let mode = existing.map_or(fs::Permissions::from_mode(0o755), |(p, _)| p);
            fs::set_permissions(staging.path(), mode)
                .map_err(|e| Error::io("set permissions of", staging.path(), e))?;
            fs::rename(staging.path(), dest).map_err(|e| Error::io("move into", dest, e))?;
            // The staging directory is now the target; do not delete it.
            let _kept = staging.keep();
        }
        Some((_, false)) => {
            let entries = fs::read_dir(staging.path())
                .and_then(|it| it.collect::<io::Result<Vec<_>>>())
                .map_err(|e| Error::io("read directory", staging.path(), e))?;
            for entry in entries {
                let target = dest.join(entry.file_name());
                match fs::symlink_metadata(&target) {
                    Ok(m) if m.is_dir() => fs::remove_dir_all(&target),
                    Ok(_) => fs::remove_file(&target),
                    Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
                    Err(e) => Err(e),
                }
                .map_err(|e| Error::io("replace", &target, e))?;
                fs::rename(entry.path(), &target)
                    .map_err(|e| Error::io("move into", &target, e))?;
            }
        }
    }
    Ok(summary)
}

/// Renames a path inside the staging directory in an I/O error to the path in the target.
fn rebase(err: Error, staging: &Path, dest: &Path) -> Error {
    match err {
        Error::Io { op, path, source } => {
            let path = match path.strip_prefix(staging) {
                Ok(rel) if rel.as_os_str().is_empty() => dest.to_path_buf(),
                Ok(rel) => dest.join(rel),
                Err(_) => path,
            };
            Error::Io { op, path, source }
        }
        other => other,
    }
}

/// Extracts into `root` (an empty directory), checking everything against the manifest.
fn extract(
    manifest: &Manifest,
    archive: impl Read,
    root: &Path,
    progress: &mut dyn Progress,
) -> Result<RestoreSummary> {
    let corrupt = |source: io::Error| Error::CorruptArchive {
        name: manifest.name.clone(),
        source,
    };
    let expected: HashMap<&str, &FileRecord> = manifest
        .files
        .iter()
        .map(|f| (f.path.as_str(), f))
        .collect();
    let mut seen: HashSet<String> = HashSet::new();
    let mut dirs: Vec<(PathBuf, u32)> = Vec::new();
    // Directories known to be real directories we made (no entry can replace one later:
    // duplicates are refused), so each is checked once.
    let mut checked_dirs: HashSet<PathBuf> = HashSet::new();
    let mut buf = vec![0u8; 256 << 10];
    let mut summary = RestoreSummary::default();

    let mut raw = HashingReader::new(archive);
    let mut tar = tar::Archive::new(MultiGzDecoder::new(&mut raw));
    for entry in tar.entries().map_err(corrupt)? {
        let mut entry = entry.map_err(corrupt)?;
        let path_bytes = entry.path_bytes();
        let path = std::str::from_utf8(&path_bytes)
            .map_err(|_| {
                unsafe_entry(
                    &String::from_utf8_lossy(&path_bytes),
                    UnsafeReason::InvalidName,
                )
            })?
            .to_owned();
        let parts = paths::entry_components(&path).map_err(|r| unsafe_entry(&path, r))?;
        let rel = parts.join("/");
        let kind = entry.header().entry_type();
        let mode = entry.header().mode().map_err(corrupt)? & MODE_MASK;
        if !seen.insert(rel.clone()) {
            return Err(unsafe_entry(&path, UnsafeReason::Duplicate));
        }
        let target = prepare_parents(root, &parts, &path, &mut checked_dirs)?;
        match kind {
            EntryType::Regular | EntryType::Continuous => {
                let record = expected.get(rel.as_str()).ok_or_else(|| Error::Integrity {
                    name: manifest.name.clone(),
                    what: rel.clone(),
                    expected: "no such file".into(),
                    actual: "a file in the archive".into(),
                })?;
                let mtime = entry.header().mtime().map_err(corrupt)?;
                let (size, sha256) =
                    write_file(&mut entry, &target, mode, mtime, &mut buf, &corrupt)?;
                if size != record.size || sha256 != record.sha256 {
                    return Err(Error::Integrity {
                        name: manifest.name.clone(),
                        what: rel,
                        expected: format!("{} bytes, sha256 {}", record.size, record.sha256),
                        actual: format!("{size} bytes, sha256 {sha256}"),
                    });
                }
                summary.files += 1;
                summary.bytes += size;
                progress.update(ProgressUpdate {
                    bytes_done: summary.bytes,
                    files_done: summary.files,
                });
            }
            EntryType::Directory => {
                match fs::symlink_metadata(&target) {
                    Ok(m) if m.is_dir() => {}
                    Ok(_) => return Err(unsafe_entry(&path, UnsafeReason::Duplicate)),
                    Err(_) => {
                        fs::create_dir(&target).map_err(|e| Error::io("create", &target, e))?;
                        summary.directories += 1;
                    }
                }
                dirs.push((target, mode));
            }
            EntryType::Symlink => {
                let link_bytes = entry
                    .link_name_bytes()
                    .ok_or_else(|| unsafe_entry(&path, UnsafeReason::InvalidName))?;
                let link = std::str::from_utf8(&link_bytes)
                    .map_err(|_| unsafe_entry(&path, UnsafeReason::InvalidName))?;
                paths::check_link_target(&parts, link).map_err(|r| unsafe_entry(&path, r))?;
                std::os::unix::fs::symlink(link, &target).map_err(|e| {
                    if e.kind() == io::ErrorKind::AlreadyExists {
                        unsafe_entry(&path, UnsafeReason::Duplicate)
                    } else {
                        Error::io("create", &target, e)
                    }
                })?;
                summary.links += 1;
            }
            _ => return Err(unsafe_entry(&path, UnsafeReason::UnsupportedKind)),
        }
    }
    // Read the rest of the stream: the gzip trailer is checked and the archive hash covers
    // every byte.
    let mut gz = tar.into_inner();
    io::copy(&mut gz, &mut io::sink()).map_err(corrupt)?;
    drop(gz);
    let (size, sha256) = raw.drain().map_err(corrupt)?;
    if size != manifest.archive.size || sha256 != manifest.archive.sha256 {
        return Err(Error::Integrity {
            name: manifest.name.clone(),
            what: manifest.archive.key.clone(),
            expected: format!(
                "{} bytes, sha256 {}",
                manifest.archive.size, manifest.archive.sha256
            ),
            actual: format!("{size} bytes, sha256 {sha256}"),
        });
    }
    if let Some(missing) = manifest.files.iter().find(|f| !seen.contains(&f.path)) {
        return Err(Error::Integrity {
            name: manifest.name.clone(),
            what: missing.path.clone(),
            expected: "a file in the archive".into(),
            actual: "missing".into(),
        });
    }
    // Directory modes last (deepest first), so read-only directories could be filled.
    for (dir, mode) in dirs.iter().rev() {
        fs::set_permissions(dir, fs::Permissions::from_mode(*mode))
            .map_err(|e| Error::io("set permissions of", dir, e))?;
    }
    Ok(summary)
}

/// Makes sure every parent of the entry is a real directory inside `root` (creating missing
/// ones) and returns the entry's path.
fn prepare_parents(
    root: &Path,
    parts: &[&str],
    path: &str,
    checked: &mut HashSet<PathBuf>,
) -> Result<PathBuf> {
    let mut current = root.to_path_buf();
    let (last, parents) = parts
        .split_last()
        .ok_or_else(|| unsafe_entry(path, UnsafeReason::InvalidName))?;
    for part in parents {
        current.push(part);
        if checked.contains(&current) {
            continue;
        }
        match fs::symlink_metadata(&current) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => return Err(unsafe_entry(path, UnsafeReason::ThroughLink)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                fs::create_dir(&current).map_err(|e| Error::io("create", &current, e))?;
            }
            Err(e) => return Err(Error::io("read", &current, e)),
        }
        checked.insert(current.clone());
    }
    current.push(last);
    Ok(current)
}

/// Writes one file, hashing what it reads; read errors are archive errors, write errors name
/// the file.
fn write_file(
    data: &mut impl Read,
    target: &Path,
    mode: u32,
    mtime: u64,
    buf: &mut [u8],
    corrupt: &dyn Fn(io::Error) -> Error,
) -> Result<(u64, String)> {
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(target)
        .map_err(|e| Error::io("create", target, e))?;
    let mut reader = HashingReader::new(data);
    loop {
        let n = reader.read(buf).map_err(corrupt)?;
        if n == 0 {
            break;
        }
        file.write_all(buf.get(..n).unwrap_or_default())
            .map_err(|e| Error::io("write", target, e))?;
    }
    file.set_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(mtime))
        .map_err(|e| Error::io("set the time of", target, e))?;
    file.set_permissions(fs::Permissions::from_mode(mode))
        .map_err(|e| Error::io("set permissions of", target, e))?;
    Ok(reader.finish())
}
