//! What to back up: file trees, a Redis RDB, a Prometheus snapshot.

use std::path::{Path, PathBuf};

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

use crate::error::{Error, Result};
use crate::prometheus::PrometheusSource;
use crate::redis::RedisSource;

/// A source of a backup.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Source {
    /// A file or a directory tree.
    Files(FileSource),
    /// A Redis RDB fetched over the replication protocol.
    Redis(RedisSource),
    /// A Prometheus TSDB snapshot taken through the admin API.
    Prometheus(PrometheusSource),
}

impl From<FileSource> for Source {
    fn from(s: FileSource) -> Self {
        Self::Files(s)
    }
}

impl From<RedisSource> for Source {
    fn from(s: RedisSource) -> Self {
        Self::Redis(s)
    }
}

impl From<PrometheusSource> for Source {
    fn from(s: PrometheusSource) -> Self {
        Self::Prometheus(s)
    }
}

/// A file or directory tree, with optional include and exclude globs.
///
/// The tree is stored under one top-level name in the archive (by default the path's last
/// component). Globs are matched against paths relative to the tree: a pattern without `/`
/// matches a file's name at any depth (`*.tmp`), a pattern with `/` matches the whole
/// relative path (`logs/**`). Excluding a directory skips its subtree; includes, when given,
/// select files and links (directories are always walked). Symbolic links are stored as links,
/// not followed, except for the top-level path itself.
///
/// ```
/// use backup::FileSource;
/// let src = FileSource::new("/var/lib/app").include("*.db").exclude("cache/**");
/// assert_eq!(src.path(), std::path::Path::new("/var/lib/app"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSource {
    path: PathBuf,
    archive_path: Option<String>,
    include: Vec<String>,
    exclude: Vec<String>,
}

impl FileSource {
    /// A source reading `path`.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            archive_path: None,
            include: Vec::new(),
            exclude: Vec::new(),
        }
    }

    /// Stores the tree under `name` in the archive instead of the path's last component.
    #[must_use]
    pub fn archive_path(mut self, name: impl Into<String>) -> Self {
        self.archive_path = Some(name.into());
        self
    }

    /// Adds an include glob.
    #[must_use]
    pub fn include(mut self, glob: impl Into<String>) -> Self {
        self.include.push(glob.into());
        self
    }

    /// Adds an exclude glob.
    #[must_use]
    pub fn exclude(mut self, glob: impl Into<String>) -> Self {
        self.exclude.push(glob.into());
        self
    }

    /// The path read.
    pub fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn include_globs(&self) -> &[String] {
        &self.include
    }

    pub(crate) fn exclude_globs(&self) -> &[String] {
        &self.exclude
    }

    /// The top-level name in the archive.
    pub(crate) fn top_name(&self) -> Result<String> {
        if let Some(name) = &self.archive_path {
            return Ok(name.clone());
        }
        let named = match self.path.file_name() {
            Some(n) => n.to_os_string(),
            None => std::fs::canonicalize(&self.path)
                .map_err(|e| Error::io("read", &self.path, e))?
                .file_name()
                .map(|n| n.to_os_string())
                .unwrap_or_else(|| "root".into()),
        };
        named.into_string().map_err(|n| Error::UnsafeEntry {
            path: n.to_string_lossy().into_owned(),
            reason: crate::error::UnsafeReason::InvalidName,
        })
    }
}

/// Compiled include/exclude globs of a [`FileSource`].
#[derive(Debug)]
pub(crate) struct Filter {
    include_name: GlobSet,
    include_path: GlobSet,
    has_include: bool,
    exclude_name: GlobSet,
    exclude_path: GlobSet,
}

fn build_sets(patterns: &[String]) -> Result<(GlobSet, GlobSet)> {
    let mut names = GlobSetBuilder::new();
    let mut paths = GlobSetBuilder::new();
    for pattern in patterns {
        let glob = GlobBuilder::new(pattern)
            .literal_separator(true)
            .build()
            .map_err(|source| Error::Glob {
                pattern: pattern.clone(),
                source,
            })?;
        if pattern.contains('/') {
            paths.add(glob);
        } else {
            names.add(glob);
        }
    }
    let build = |b: GlobSetBuilder| {
        b.build().map_err(|source| Error::Glob {
            pattern: patterns.join(" "),
            source,
        })
    };
    Ok((build(names)?, build(paths)?))
}

impl Filter {
    pub(crate) fn new(source: &FileSource) -> Result<Self> {
        let (include_name, include_path) = build_sets(&source.include)?;
        let (exclude_name, exclude_path) = build_sets(&source.exclude)?;
        Ok(Self {
            include_name,
            include_path,
            has_include: !source.include.is_empty(),
            exclude_name,
            exclude_path,
        })
    }

    /// Whether `rel` (relative to the tree, `/`-separated) is excluded.
    pub(crate) fn excluded(&self, rel: &str) -> bool {
        let name = rel.rsplit('/').next().unwrap_or(rel);
        self.exclude_path.is_match(rel) || self.exclude_name.is_match(name)
    }

    /// Whether the non-directory `rel` is selected by the includes.
    pub(crate) fn included(&self, rel: &str) -> bool {
        let name = rel.rsplit('/').next().unwrap_or(rel);
        !self.has_include || self.include_path.is_match(rel) || self.include_name.is_match(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_names_and_paths() {
        let f = Filter::new(
            &FileSource::new("x")
                .include("*.db")
                .include("conf/*.yaml")
                .exclude("cache/**")
                .exclude("*.tmp"),
        )
        .unwrap();
        assert!(f.excluded("cache/a/b"));
        assert!(f.excluded("deep/x.tmp"));
        assert!(!f.excluded("deep/x.db"));
        assert!(f.included("deep/x.db"));
        assert!(f.included("conf/a.yaml"));
        assert!(!f.included("conf/sub/a.yaml"));
        assert!(!f.included("readme"));
    }

    #[test]
    fn bad_glob_names_the_pattern() {
        let err = Filter::new(&FileSource::new("x").exclude("a[")).unwrap_err();
        assert!(
            matches!(err, Error::Glob { ref pattern, .. } if pattern == "a["),
            "{err}"
        );
    }

    #[test]
    fn top_name_defaults_to_last_component() {
        assert_eq!(FileSource::new("/a/b").top_name().unwrap(), "b");
        assert_eq!(
            FileSource::new("/a/b")
                .archive_path("c")
                .top_name()
                .unwrap(),
            "c"
        );
    }
}
