//! The local directory store.

use std::fs::{self, File};
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;
use time::OffsetDateTime;

use super::{ObjectInfo, ObjectStore, ObjectWriter, check_key};
use crate::error::{Error, Result};

const TEMP_PREFIX: &str = ".tmp-";
const BUFFER: usize = 1 << 20;

/// A directory holding one file per object.
///
/// Writes go to a temporary file in the same directory, are fsynced, then linked into place
/// without replacing an existing object (and the directory is fsynced), so a crash leaves
/// either the whole object or only a temporary file that [`ObjectStore::abort_stale_uploads`]
/// removes.
///
/// ```
/// use std::io::{Read, Write};
/// use backup::{LocalStore, ObjectStore};
///
/// let dir = tempfile::tempdir()?;
/// let store = LocalStore::new(dir.path());
/// let mut w = store.put_new("greeting")?;
/// w.write_all(b"hello")?;
/// assert_eq!(w.finish()?, 5);
/// let mut text = String::new();
/// store.get("greeting")?.read_to_string(&mut text)?;
/// assert_eq!(text, "hello");
/// assert!(store.put_new("greeting")?.finish().unwrap_err().is_exists());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalStore {
    root: PathBuf,
}

impl LocalStore {
    /// A store in directory `root` (created on the first write).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// The directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn sync_dir(&self) -> Result<()> {
        File::open(&self.root)
            .and_then(|d| d.sync_all())
            .map_err(|e| Error::io("sync", &self.root, e))
    }
}

struct LocalWriter<'a> {
    store: &'a LocalStore,
    key: String,
    file: BufWriter<NamedTempFile>,
}

impl Write for LocalWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // Errors name the object, not its temporary file (removed when the write fails).
        self.file.write(buf).map_err(|e| {
            let path = self.store.root.join(&self.key);
            io::Error::other(Error::io("write", path, e))
        })
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

impl ObjectWriter for LocalWriter<'_> {
    fn finish(self: Box<Self>) -> Result<u64> {
        let LocalWriter { store, key, file } = *self;
        let target = store.root.join(&key);
        let temp = file
            .into_inner()
            .map_err(|e| Error::io("write", &target, e.into_error()))?;
        let size = temp
            .as_file()
            .sync_all()
            .and_then(|()| temp.as_file().metadata())
            .map_err(|e| Error::io("sync", &target, e))?
            .len();
        temp.persist_noclobber(&target).map_err(|e| {
            if e.error.kind() == io::ErrorKind::AlreadyExists {
                Error::ObjectExists {
                    store: store.url(),
                    key: key.clone(),
                }
            } else {
                Error::io("create", &target, e.error)
            }
        })?;
        store.sync_dir()?;
        Ok(size)
    }
}

impl ObjectStore for LocalStore {
    fn url(&self) -> String {
        self.root.display().to_string()
    }

    fn list(&self) -> Result<Vec<ObjectInfo>> {
        let read_err = |e| Error::io("read directory", &self.root, e);
        let mut out = Vec::new();
        for entry in fs::read_dir(&self.root).map_err(read_err)? {
            let entry = entry.map_err(read_err)?;
            let Ok(key) = entry.file_name().into_string() else {
                continue;
            };
            if key.starts_with('.') {
                continue;
            }
            let meta = entry
                .metadata()
                .map_err(|e| Error::io("read", entry.path(), e))?;
            if meta.is_file() {
                out.push(ObjectInfo {
                    key,
                    size: meta.len(),
                });
            }
        }
        Ok(out)
    }

    fn exists(&self, key: &str) -> Result<bool> {
        check_key(key)?;
        let path = self.root.join(key);
        match fs::symlink_metadata(&path) {
            Ok(_) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(Error::io("read", path, e)),
        }
    }

    fn get(&self, key: &str) -> Result<Box<dyn Read + Send + '_>> {
        check_key(key)?;
        let path = self.root.join(key);
        let file = File::open(&path).map_err(|e| Error::io("read", path, e))?;
        Ok(Box::new(BufReader::with_capacity(BUFFER, file)))
    }

    fn put_new(&self, key: &str) -> Result<Box<dyn ObjectWriter + '_>> {
        check_key(key)?;
        fs::create_dir_all(&self.root).map_err(|e| Error::io("create", &self.root, e))?;
        let temp = tempfile::Builder::new()
            .prefix(TEMP_PREFIX)
            .tempfile_in(&self.root)
            .map_err(|e| Error::io("create a file in", &self.root, e))?;
        Ok(Box::new(LocalWriter {
            store: self,
            key: key.to_owned(),
            file: BufWriter::with_capacity(BUFFER, temp),
        }))
    }

    fn delete(&self, key: &str) -> Result<()> {
        check_key(key)?;
        let path = self.root.join(key);
        match fs::remove_file(&path) {
            Ok(()) => self.sync_dir(),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(Error::io("delete", path, e)),
        }
    }

    fn abort_stale_uploads(&self, before: OffsetDateTime) -> Result<usize> {
        let read_err = |e| Error::io("read directory", &self.root, e);
        let mut removed = 0;
        for entry in fs::read_dir(&self.root).map_err(read_err)? {
            let entry = entry.map_err(read_err)?;
            let is_temp = entry
                .file_name()
                .to_str()
                .is_some_and(|n| n.starts_with(TEMP_PREFIX));
            if !is_temp {
                continue;
            }
            let path = entry.path();
            let modified = entry
                .metadata()
                .and_then(|m| m.modified())
                .map_err(|e| Error::io("read", &path, e))?;
            if OffsetDateTime::from(modified) < before {
                fs::remove_file(&path).map_err(|e| Error::io("delete", &path, e))?;
                removed += 1;
            }
        }
        Ok(removed)
    }
}
