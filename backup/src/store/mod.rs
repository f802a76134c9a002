//! Object stores: where archives and manifests live.

use std::io::{Read, Write};

use time::OffsetDateTime;

use crate::error::{Error, Result};

mod local;
#[cfg(feature = "s3")]
mod s3;

pub use local::LocalStore;
#[cfg(feature = "s3")]
#[cfg_attr(docsrs, doc(cfg(feature = "s3")))]
pub use s3::{S3Options, S3Store};

/// An object in a store.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ObjectInfo {
    /// The key, relative to the store's prefix.
    pub key: String,
    /// The size in bytes.
    pub size: u64,
}

/// A flat namespace of write-once objects.
///
/// Keys are plain names without `/` (the backup layout needs nothing more). Objects are
/// written once: [`ObjectStore::put_new`] never replaces an existing object.
pub trait ObjectStore: std::fmt::Debug + Send + Sync {
    /// The store's URL, for messages.
    fn url(&self) -> String;

    /// Every object under the store's prefix, in no particular order.
    ///
    /// # Errors
    ///
    /// When the store cannot be listed.
    fn list(&self) -> Result<Vec<ObjectInfo>>;

    /// Whether an object exists.
    ///
    /// # Errors
    ///
    /// When the store cannot be asked.
    fn exists(&self, key: &str) -> Result<bool>;

    /// Reads an object as a stream.
    ///
    /// # Errors
    ///
    /// When it does not exist or cannot be read.
    fn get(&self, key: &str) -> Result<Box<dyn Read + Send + '_>>;

    /// Starts writing a new object. Nothing is visible under `key` until
    /// [`ObjectWriter::finish`] succeeds; dropping the writer aborts the upload.
    ///
    /// # Errors
    ///
    /// When the upload cannot start.
    fn put_new(&self, key: &str) -> Result<Box<dyn ObjectWriter + '_>>;

    /// Deletes an object (deleting a missing object is not an error).
    ///
    /// # Errors
    ///
    /// When the store refuses.
    fn delete(&self, key: &str) -> Result<()>;

    /// Removes leftovers of uploads started before `before` that never finished (temporary
    /// files, multipart uploads) and returns how many were removed.
    ///
    /// # Errors
    ///
    /// When the store cannot be listed or cleaned.
    fn abort_stale_uploads(&self, before: OffsetDateTime) -> Result<usize>;
}

/// An object being written.
pub trait ObjectWriter: Write + Send {
    /// Completes the object, returning its size.
    ///
    /// # Errors
    ///
    /// [`Error::ObjectExists`] if the key was taken meanwhile (nothing is replaced); any
    /// other error leaves no object behind.
    fn finish(self: Box<Self>) -> Result<u64>;
}

/// Options for opening a store from a URL.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct StoreOptions {
    /// The endpoint URL for `s3://` stores on S3-compatible servers (path-style addressing).
    pub endpoint: Option<String>,
}

impl StoreOptions {
    /// Sets the S3 endpoint URL.
    #[must_use]
    pub fn endpoint(mut self, url: impl Into<String>) -> Self {
        self.endpoint = Some(url.into());
        self
    }
}

/// Opens a store from a URL: a plain path or `file:///path` (a local directory), or
/// `s3://bucket/prefix` (feature `s3`).
///
/// ```
/// let dir = tempfile::tempdir()?;
/// let store = backup::open_store(&dir.path().display().to_string(), &Default::default())?;
/// assert!(store.list()?.is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// [`Error::InvalidUrl`] for an unknown scheme or a malformed URL,
/// [`Error::FeatureDisabled`] for `s3://` without the `s3` feature.
pub fn open_store(url: &str, options: &StoreOptions) -> Result<Box<dyn ObjectStore>> {
    if let Some(rest) = url.strip_prefix("s3://") {
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(Error::InvalidUrl {
                url: url.to_owned(),
                reason: "missing bucket name",
            });
        }
        return open_s3(url, bucket, prefix, options);
    }
    let path = if let Some(rest) = url.strip_prefix("file://") {
        if !rest.starts_with('/') {
            return Err(Error::InvalidUrl {
                url: url.to_owned(),
                reason: "file URLs need an absolute path (file:///dir)",
            });
        }
        rest
    } else if url.contains("://") {
        return Err(Error::InvalidUrl {
            url: url.to_owned(),
            reason: "unsupported scheme (use a path, file:// or s3://)",
        });
    } else {
        url
    };
    if path.is_empty() {
        return Err(Error::InvalidUrl {
            url: url.to_owned(),
            reason: "empty path",
        });
    }
    Ok(Box::new(LocalStore::new(path)))
}

#[cfg(feature = "s3")]
fn open_s3(
    _url: &str,
    bucket: &str,
    prefix: &str,
    options: &StoreOptions,
) -> Result<Box<dyn ObjectStore>> {
    let mut s3 = S3Options::new(bucket).prefix(prefix);
    if let Some(endpoint) = &options.endpoint {
        s3 = s3.endpoint(endpoint);
    }
    Ok(Box::new(S3Store::connect(s3)?))
}

#[cfg(not(feature = "s3"))]
fn open_s3(
    _url: &str,
    _bucket: &str,
    _prefix: &str,
    _options: &StoreOptions,
) -> Result<Box<dyn ObjectStore>> {
    Err(Error::FeatureDisabled {
        what: "an s3:// store",
        feature: "s3",
    })
}

/// Checks that `key` is a plain object name.
pub(crate) fn check_key(key: &str) -> Result<()> {
    if key.is_empty() || key.starts_with('.') || key.contains('/') || key.contains('\0') {
        return Err(Error::InvalidKey {
            key: key.to_owned(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert!(open_store("/tmp/x", &StoreOptions::default()).is_ok());
        assert!(open_store("file:///tmp/x", &StoreOptions::default()).is_ok());
        let err = open_store("file://tmp/x", &StoreOptions::default()).unwrap_err();
        assert!(matches!(err, Error::InvalidUrl { .. }));
        let err = open_store("ftp://x", &StoreOptions::default()).unwrap_err();
        assert!(matches!(err, Error::InvalidUrl { .. }));
        let err = open_store("s3:///x", &StoreOptions::default()).unwrap_err();
        assert!(matches!(err, Error::InvalidUrl { .. }));
    }

    #[test]
    fn keys() {
        assert!(check_key("full_1.tar.gz").is_ok());
        for bad in ["", ".tmp", "a/b"] {
            assert!(check_key(bad).is_err(), "{bad}");
        }
    }
}
