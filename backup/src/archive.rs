//! Writing the tar.gz archive: one streaming pass that hashes the archive and every file.

use std::collections::HashSet;
use std::fs::{self, File, Metadata};
use std::io::{self, Read, Write};
use std::path::Path;

use tar::{EntryType, Header, HeaderMode};

use crate::compress::ParallelGz;
use crate::error::{Error, Result, UnsafeReason};
use crate::hashing::{HashingReader, HashingWriter};
use crate::manifest::{FileRecord, SourceRecord};
use crate::paths;
use crate::progress::{Progress, ProgressUpdate};
use crate::source::{FileSource, Filter, Source};

/// Report progress at least this often inside large files.
const PROGRESS_EVERY: u64 = 4 << 20;

/// What one archive pass produced.
#[derive(Debug)]
pub(crate) struct ArchiveSummary {
    pub(crate) size: u64,
    pub(crate) sha256: String,
    pub(crate) files: Vec<FileRecord>,
    pub(crate) sources: Vec<SourceRecord>,
}

/// Turns an error from the output writer into the crate error it carries, if any.
pub(crate) fn unwrap_io(e: io::Error, fallback: impl FnOnce(io::Error) -> Error) -> Error {
    if e.get_ref().is_some_and(|inner| inner.is::<Error>()) {
        if let Some(inner) = e.into_inner() {
            match inner.downcast::<Error>() {
                Ok(err) => return *err,
                Err(other) => return fallback(io::Error::other(other)),
            }
        }
        return Error::Store {
            store: String::new(),
            op: "write",
            key: String::new(),
            message: "lost error".into(),
        };
    }
    fallback(e)
}

/// A source file reader that remembers its own errors (to tell them from output errors),
/// hashes what it reads and reports progress.
struct SourceReader<'p, R> {
    inner: HashingReader<R>,
    error: Option<io::Error>,
    progress: &'p mut dyn Progress,
    base: ProgressUpdate,
    reported: u64,
}

impl<R: Read> Read for SourceReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.inner.read(buf) {
            Ok(n) => {
                let done = self.inner.count();
                if done - self.reported >= PROGRESS_EVERY {
                    self.reported = done;
                    self.progress.update(ProgressUpdate {
                        bytes_done: self.base.bytes_done + done,
                        files_done: self.base.files_done,
                    });
                }
                Ok(n)
            }
            Err(e) => {
                let kind = e.kind();
                self.error = Some(e);
                Err(io::Error::new(kind, "source read failed"))
            }
        }
    }
}

pub(crate) struct ArchiveWriter<'p, W: Write> {
    builder: tar::Builder<ParallelGz<HashingWriter<W>>>,
    files: Vec<FileRecord>,
    tops: HashSet<String>,
    done: ProgressUpdate,
    progress: &'p mut dyn Progress,
    on_write_error: &'p dyn Fn(io::Error) -> Error,
    mtime: u64,
}

impl<'p, W: Write> ArchiveWriter<'p, W> {
    pub(crate) fn new(
        out: W,
        level: u32,
        mtime: u64,
        progress: &'p mut dyn Progress,
        on_write_error: &'p dyn Fn(io::Error) -> Error,
    ) -> Self {
        let gz = ParallelGz::new(HashingWriter::new(out), level);
        let mut builder = tar::Builder::new(gz);
        builder.mode(HeaderMode::Complete);
        builder.follow_symlinks(false);
        Self {
            builder,
            files: Vec::new(),
            tops: HashSet::new(),
            done: ProgressUpdate::default(),
            progress,
            on_write_error,
            mtime,
        }
    }

    /// The modification time given to stream entries (the backup's time).
    pub(crate) fn mtime(&self) -> u64 {
        self.mtime
    }

    fn write_err(&self, e: io::Error) -> Error {
        unwrap_io(e, self.on_write_error)
    }

    /// Claims a top-level archive name for a source.
    pub(crate) fn claim_top(&mut self, name: &str) -> Result<()> {
        let parts = paths::entry_components(name).map_err(|reason| Error::UnsafeEntry {
            path: name.to_owned(),
            reason,
        })?;
        if parts.len() != 1 {
            return Err(Error::UnsafeEntry {
                path: name.to_owned(),
                reason: UnsafeReason::InvalidName,
            });
        }
        if !self.tops.insert(name.to_owned()) {
            return Err(Error::SourceNameCollision {
                name: name.to_owned(),
            });
        }
        Ok(())
    }

    /// Adds every source, then finishes the stream.
    pub(crate) fn write_all(mut self, sources: &[Source]) -> Result<(W, ArchiveSummary)> {
        let mut records = Vec::new();
        for source in sources {
            records.push(match source {
                Source::Files(files) => self.add_file_source(files)?,
                Source::Redis(redis) => redis.archive_into(&mut self)?,
                Source::Prometheus(prom) => prom.archive_into(&mut self)?,
            });
        }
        self.finish(records)
    }

    fn finish(self, sources: Vec<SourceRecord>) -> Result<(W, ArchiveSummary)> {
        let on_err = self.on_write_error;
        let gz = self
            .builder
            .into_inner()
            .map_err(|e| unwrap_io(e, on_err))?;
        let hashing = gz.finish().map_err(|e| unwrap_io(e, on_err))?;
        let (out, size, sha256) = hashing.finish();
        Ok((
            out,
            ArchiveSummary {
                size,
                sha256,
                files: self.files,
                sources,
            },
        ))
    }

    fn add_file_source(&mut self, source: &FileSource) -> Result<SourceRecord> {
        let top = source.top_name()?;
        self.claim_top(&top)?;
        let filter = Filter::new(source)?;
        let path = source.path();
        let meta = fs::metadata(path).map_err(|e| Error::io("read", path, e))?;
        let absolute = fs::canonicalize(path).map_err(|e| Error::io("read", path, e))?;
        if meta.is_dir() {
            self.add_dir(&meta, &top)?;
            self.walk(path, "", &top, &filter)?;
        } else if meta.is_file() {
            self.add_regular(path, &meta, &top)?;
        } else {
            return Err(Error::UnsafeEntry {
                path: path.display().to_string(),
                reason: UnsafeReason::UnsupportedKind,
            });
        }
        Ok(SourceRecord::Files {
            path: absolute.display().to_string(),
            archive_path: top,
            include: source.include_globs().to_vec(),
            exclude: source.exclude_globs().to_vec(),
        })
    }

    fn walk(&mut self, dir: &Path, rel: &str, top: &str, filter: &Filter) -> Result<()> {
        let mut entries = fs::read_dir(dir)
            .and_then(|it| it.collect::<io::Result<Vec<_>>>())
            .map_err(|e| Error::io("read directory", dir, e))?;
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let path = entry.path();
            let name = entry
                .file_name()
                .into_string()
                .map_err(|n| Error::UnsafeEntry {
                    path: dir.join(n).display().to_string(),
                    reason: UnsafeReason::InvalidName,
                })?;
            let child = if rel.is_empty() {
                name
            } else {
                format!("{rel}/{name}")
            };
            if filter.excluded(&child) {
                continue;
            }
            let meta = fs::symlink_metadata(&path).map_err(|e| Error::io("read", &path, e))?;
            let archive_path = format!("{top}/{child}");
            let kind = meta.file_type();
            if kind.is_dir() {
                self.add_dir(&meta, &archive_path)?;
                self.walk(&path, &child, top, filter)?;
            } else if !filter.included(&child) {
                continue;
            } else if kind.is_file() {
                self.add_regular(&path, &meta, &archive_path)?;
            } else if kind.is_symlink() {
                self.add_link(&path, &meta, &archive_path)?;
            } else {
                return Err(Error::UnsafeEntry {
                    path: path.display().to_string(),
                    reason: UnsafeReason::UnsupportedKind,
                });
            }
        }
        Ok(())
    }

    fn add_dir(&mut self, meta: &Metadata, archive_path: &str) -> Result<()> {
        let mut header = Header::new_gnu();
        header.set_metadata_in_mode(meta, HeaderMode::Complete);
        header.set_entry_type(EntryType::Directory);
        header.set_size(0);
        self.builder
            .append_data(&mut header, format!("{archive_path}/"), io::empty())
            .map_err(|e| self.write_err(e))
    }

    fn add_link(&mut self, path: &Path, meta: &Metadata, archive_path: &str) -> Result<()> {
        let target = fs::read_link(path).map_err(|e| Error::io("read link", path, e))?;
        let target_str = target.to_str().ok_or_else(|| Error::UnsafeEntry {
            path: path.display().to_string(),
            reason: UnsafeReason::InvalidName,
        })?;
        let parts = paths::entry_components(archive_path).map_err(|reason| Error::UnsafeEntry {
            path: path.display().to_string(),
            reason,
        })?;
        paths::check_link_target(&parts, target_str).map_err(|reason| Error::UnsafeEntry {
            path: path.display().to_string(),
            reason,
        })?;
        let mut header = Header::new_gnu();
        header.set_metadata_in_mode(meta, HeaderMode::Complete);
        header.set_entry_type(EntryType::Symlink);
        header.set_size(0);
        self.builder
            .append_link(&mut header, archive_path, target_str)
            .map_err(|e| self.write_err(e))
    }

    fn add_regular(&mut self, path: &Path, meta: &Metadata, archive_path: &str) -> Result<()> {
        let file = File::open(path).map_err(|e| Error::io("read", path, e))?;
        let mut header = Header::new_gnu();
        header.set_metadata_in_mode(meta, HeaderMode::Complete);
        self.add_stream(path, header, archive_path, file, meta.len())
    }

    /// Adds a regular file of `size` bytes read from `data`; `origin` names it in errors.
    pub(crate) fn add_stream(
        &mut self,
        origin: &Path,
        mut header: Header,
        archive_path: &str,
        data: impl Read,
        size: u64,
    ) -> Result<()> {
        header.set_entry_type(EntryType::Regular);
        header.set_size(size);
        let base = self.done;
        let mut reader = SourceReader {
            inner: HashingReader::new(data.take(size)),
            error: None,
            progress: &mut *self.progress,
            base,
            reported: 0,
        };
        let appended = self
            .builder
            .append_data(&mut header, archive_path, &mut reader);
        if let Err(e) = appended {
            return Err(match reader.error.take() {
                Some(source) => Error::io("read", origin, source),
                None => unwrap_io(e, self.on_write_error),
            });
        }
        let (actual, sha256) = reader.inner.finish();
        if actual != size {
            return Err(Error::FileChanged {
                path: origin.to_path_buf(),
                expected: size,
                actual,
            });
        }
        self.files.push(FileRecord {
            path: archive_path.to_owned(),
            size,
            sha256,
        });
        self.done.bytes_done += size;
        self.done.files_done += 1;
        self.progress.update(self.done);
        Ok(())
    }

    /// Adds a directory tree (for snapshot sources) under `archive_path`.
    pub(crate) fn add_tree(&mut self, dir: &Path, archive_path: &str) -> Result<()> {
        let meta = fs::metadata(dir).map_err(|e| Error::io("read", dir, e))?;
        self.add_dir(&meta, archive_path)?;
        let filter = Filter::new(&FileSource::new(dir))?;
        self.walk(dir, "", archive_path, &filter)
    }
}

/// A header for a stream source (mode 0600, the given modification time).
pub(crate) fn stream_header(mtime: u64) -> Header {
    let mut header = Header::new_gnu();
    header.set_mode(0o600);
    header.set_mtime(mtime);
    header
}
