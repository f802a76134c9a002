//! The S3 store (feature `s3`): multipart uploads with bounded memory and concurrency,
//! a SHA-256 computed by us on every part, and write-once conditional writes.

use std::collections::VecDeque;
use std::io::{self, Read, Write};

use aws_sdk_s3::Client;
use aws_sdk_s3::config::{Credentials, Region, RequestChecksumCalculation};
use aws_sdk_s3::error::{DisplayErrorContext, SdkError};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{
    ChecksumAlgorithm, CompletedMultipartUpload, CompletedPart, ServerSideEncryption, StorageClass,
};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use tokio::runtime::Runtime;
use tokio::task::JoinHandle;

use super::{ObjectInfo, ObjectStore, ObjectWriter, check_key};
use crate::error::{Error, Result};

/// S3's smallest part (all parts but the last).
const MIN_PART: u64 = 5 << 20;
/// The default part size.
const DEFAULT_PART: u64 = 8 << 20;
/// S3's largest part.
const MAX_PART: u64 = 5 << 30;
/// S3's most parts per upload.
const MAX_PARTS: u64 = 10_000;
/// How often a conflicting (409) conditional write is retried.
const CONFLICT_RETRIES: usize = 3;

/// How to reach an S3 bucket.
///
/// ```
/// let options = backup::S3Options::new("backups")
///     .prefix("redis/prod")
///     .endpoint("http://127.0.0.1:9000")
///     .server_side_encryption("AES256")
///     .storage_class("STANDARD_IA");
/// assert_eq!(options.url(), "s3://backups/redis/prod");
/// ```
#[derive(Clone)]
pub struct S3Options {
    bucket: String,
    prefix: String,
    endpoint: Option<String>,
    region: Option<String>,
    credentials: Option<(String, String)>,
    sse: Option<String>,
    sse_kms_key_id: Option<String>,
    storage_class: Option<String>,
    part_size: Option<u64>,
    size_hint: Option<u64>,
    concurrency: usize,
}

impl std::fmt::Debug for S3Options {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Credentials are never printed.
        f.debug_struct("S3Options")
            .field("bucket", &self.bucket)
            .field("prefix", &self.prefix)
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field(
                "credentials",
                &self.credentials.as_ref().map(|_| "<redacted>"),
            )
            .field("sse", &self.sse)
            .field("sse_kms_key_id", &self.sse_kms_key_id)
            .field("storage_class", &self.storage_class)
            .field("part_size", &self.part_size)
            .field("size_hint", &self.size_hint)
            .field("concurrency", &self.concurrency)
            .finish()
    }
}

impl S3Options {
    /// Options for `bucket`, credentials and region from the standard AWS chain
    /// (environment, profile, web identity, container and instance metadata).
    pub fn new(bucket: impl Into<String>) -> Self {
        Self {
            bucket: bucket.into(),
            prefix: String::new(),
            endpoint: None,
            region: None,
            credentials: None,
            sse: None,
            sse_kms_key_id: None,
            storage_class: None,
            part_size: None,
            size_hint: None,
            concurrency: 2,
        }
    }

    /// Keys live under `prefix/`.
    #[must_use]
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into().trim_matches('/').to_owned();
        self
    }

    /// An S3-compatible endpoint; path-style addressing is used with it.
    #[must_use]
    pub fn endpoint(mut self, url: impl Into<String>) -> Self {
        self.endpoint = Some(url.into());
        self
    }

    /// The region (default: from the AWS chain, else `us-east-1`).
    #[must_use]
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// Static credentials instead of the AWS chain.
    #[must_use]
    pub fn static_credentials(
        mut self,
        access_key: impl Into<String>,
        secret_key: impl Into<String>,
    ) -> Self {
        self.credentials = Some((access_key.into(), secret_key.into()));
        self
    }

    /// Server-side encryption: `AES256`, `aws:kms` or `aws:kms:dsse`.
    #[must_use]
    pub fn server_side_encryption(mut self, sse: impl Into<String>) -> Self {
        self.sse = Some(sse.into());
        self
    }

    /// The KMS key for `aws:kms` encryption.
    #[must_use]
    pub fn sse_kms_key_id(mut self, key_id: impl Into<String>) -> Self {
        self.sse_kms_key_id = Some(key_id.into());
        self
    }

    /// The storage class (`STANDARD`, `STANDARD_IA`, `GLACIER_IR`, ...).
    #[must_use]
    pub fn storage_class(mut self, class: impl Into<String>) -> Self {
        self.storage_class = Some(class.into());
        self
    }

    /// The multipart part size (at least 5 MiB; default 8 MiB, or the expected size / 10,000
    /// when larger). Every 1,000 parts the part size doubles, so a stream of any size fits in
    /// 10,000 parts.
    #[must_use]
    pub fn part_size(mut self, bytes: u64) -> Self {
        self.part_size = Some(bytes.clamp(MIN_PART, MAX_PART));
        self
    }

    /// The expected size of the objects written, to choose the part size up front.
    #[must_use]
    pub fn size_hint(mut self, bytes: u64) -> Self {
        self.size_hint = Some(bytes);
        self
    }

    /// Parts uploaded at once (default 2, which keeps a 2 GiB backup well under 64 MiB of peak
    /// memory). Memory stays under (concurrency + 1) × part size.
    #[must_use]
    pub fn concurrency(mut self, parts: usize) -> Self {
        self.concurrency = parts.max(1);
        self
    }

    /// The store URL: `s3://bucket/prefix`.
    pub fn url(&self) -> String {
        if self.prefix.is_empty() {
            format!("s3://{}", self.bucket)
        } else {
            format!("s3://{}/{}", self.bucket, self.prefix)
        }
    }

    fn base_part(&self) -> u64 {
        let from_hint = self.size_hint.map_or(0, |s| s.div_ceil(MAX_PARTS));
        self.part_size
            .unwrap_or(DEFAULT_PART)
            .max(from_hint)
            .clamp(MIN_PART, MAX_PART)
    }
}

/// The size of part `number` (1-based) for a given base size: doubling every 1,000 parts.
fn part_size_for(base: u64, number: i32) -> u64 {
    let doublings = u32::try_from((number.max(1) - 1) / 1000).unwrap_or(0);
    base.saturating_mul(1u64 << doublings.min(20)).min(MAX_PART)
}

/// An S3 bucket (or a prefix in it) as an object store. Blocking: it runs its own tokio
/// runtime, so call it from synchronous code (or `spawn_blocking`), never from async code.
///
/// Uploads smaller than a part are one `PutObject`; larger ones are multipart uploads with
/// at most `concurrency` parts in flight, each sent with its SHA-256 (`x-amz-checksum-sha256`,
/// computed here, so the server verifies every part). Both use `If-None-Match: *`: an existing
/// object (412) is [`Error::ObjectExists`], a concurrent conflict (409) is retried. A failed
/// multipart upload is aborted.
#[derive(Debug)]
pub struct S3Store {
    client: Client,
    runtime: Runtime,
    options: S3Options,
}

fn base64(data: &[u8]) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk.first().copied().unwrap_or(0),
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                let index = ((n >> (18 - 6 * i)) & 63) as usize;
                out.push(char::from(TABLE.get(index).copied().unwrap_or(b'=')));
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn sha256_b64(data: &[u8]) -> String {
    base64(&Sha256::digest(data))
}

/// The HTTP status and a readable message of an SDK error.
fn describe<E: std::error::Error + 'static>(err: &SdkError<E>) -> (Option<u16>, String) {
    let status = err.raw_response().map(|r| r.status().as_u16());
    (status, DisplayErrorContext(err).to_string())
}

impl S3Store {
    /// Builds the client (credentials are resolved lazily, on the first request).
    ///
    /// # Errors
    ///
    /// [`Error::Store`] when the runtime cannot start.
    pub fn connect(options: S3Options) -> Result<Self> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| Error::Store {
                store: options.url(),
                op: "start",
                key: String::new(),
                message: e.to_string(),
            })?;
        let shared = runtime.block_on(aws_config::load_defaults(
            aws_config::BehaviorVersion::latest(),
        ));
        let mut config = aws_sdk_s3::config::Builder::from(&shared)
            // We send our own SHA-256 on every write; no extra CRC32 from the SDK.
            .request_checksum_calculation(RequestChecksumCalculation::WhenRequired);
        let region = options
            .region
            .clone()
            .or_else(|| shared.region().map(|r| r.to_string()))
            .unwrap_or_else(|| "us-east-1".into());
        config = config.region(Region::new(region));
        if let Some(endpoint) = &options.endpoint {
            config = config.endpoint_url(endpoint).force_path_style(true);
        }
        if let Some((access, secret)) = &options.credentials {
            config =
                config.credentials_provider(Credentials::new(access, secret, None, None, "static"));
        }
        let client = Client::from_conf(config.build());
        Ok(Self {
            client,
            runtime,
            options,
        })
    }

    fn full_key(&self, key: &str) -> String {
        if self.options.prefix.is_empty() {
            key.to_owned()
        } else {
            format!("{}/{key}", self.options.prefix)
        }
    }

    fn err(&self, op: &'static str, key: &str, message: String) -> Error {
        Error::Store {
            store: self.options.url(),
            op,
            key: key.to_owned(),
            message,
        }
    }

    fn sse(&self) -> Option<ServerSideEncryption> {
        self.options.sse.as_deref().map(ServerSideEncryption::from)
    }

    fn storage_class(&self) -> Option<StorageClass> {
        self.options
            .storage_class
            .as_deref()
            .map(StorageClass::from)
    }

    /// A single write-once PutObject.
    fn put_small(&self, key: &str, data: Vec<u8>) -> Result<u64> {
        let size = data.len() as u64;
        let checksum = sha256_b64(&data);
        for _ in 0..CONFLICT_RETRIES {
            let sent = self.runtime.block_on(
                self.client
                    .put_object()
                    .bucket(&self.options.bucket)
                    .key(self.full_key(key))
                    .body(ByteStream::from(data.clone()))
                    .checksum_algorithm(ChecksumAlgorithm::Sha256)
                    .checksum_sha256(&checksum)
                    .if_none_match("*")
                    .set_server_side_encryption(self.sse())
                    .set_ssekms_key_id(self.options.sse_kms_key_id.clone())
                    .set_storage_class(self.storage_class())
                    .send(),
            );
            match sent {
                Ok(_) => return Ok(size),
                Err(e) => match describe(&e) {
                    (Some(412), _) => {
                        return Err(Error::ObjectExists {
                            store: self.options.url(),
                            key: key.to_owned(),
                        });
                    }
                    (Some(409), _) => continue,
                    (_, message) => return Err(self.err("put", key, message)),
                },
            }
        }
        Err(self.err(
            "put",
            key,
            "conditional write kept conflicting (409)".into(),
        ))
    }
}

type PartResult = std::result::Result<CompletedPart, String>;

struct S3Writer<'a> {
    store: &'a S3Store,
    key: String,
    buffer: Vec<u8>,
    upload_id: Option<String>,
    next_part: i32,
    in_flight: VecDeque<JoinHandle<PartResult>>,
    done: Vec<CompletedPart>,
    written: u64,
    finished: bool,
}

impl S3Writer<'_> {
    fn current_part_size(&self) -> u64 {
        part_size_for(self.store.options.base_part(), self.next_part)
    }

    fn start_multipart(&mut self) -> Result<String> {
        if let Some(id) = &self.upload_id {
            return Ok(id.clone());
        }
        let s = self.store;
        let created = s
            .runtime
            .block_on(
                s.client
                    .create_multipart_upload()
                    .bucket(&s.options.bucket)
                    .key(s.full_key(&self.key))
                    .checksum_algorithm(ChecksumAlgorithm::Sha256)
                    .set_server_side_encryption(s.sse())
                    .set_ssekms_key_id(s.options.sse_kms_key_id.clone())
                    .set_storage_class(s.storage_class())
                    .send(),
            )
            .map_err(|e| s.err("start multipart upload of", &self.key, describe(&e).1))?;
        let id = created
            .upload_id()
            .ok_or_else(|| {
                s.err(
                    "start multipart upload of",
                    &self.key,
                    "no upload id".into(),
                )
            })?
            .to_owned();
        self.upload_id = Some(id.clone());
        Ok(id)
    }

    /// Sends the buffered part, waiting first if `concurrency` parts are in flight.
    fn send_part(&mut self) -> Result<()> {
        let upload_id = self.start_multipart()?;
        while self.in_flight.len() >= self.store.options.concurrency {
            self.wait_one()?;
        }
        let capacity = usize::try_from(self.current_part_size()).unwrap_or(usize::MAX);
        let data = std::mem::replace(
            &mut self.buffer,
            Vec::with_capacity(capacity.min(MAX_PART as usize)),
        );
        let number = self.next_part;
        if u64::try_from(number).unwrap_or(u64::MAX) > MAX_PARTS {
            return Err(self
                .store
                .err("upload", &self.key, "more than 10,000 parts".into()));
        }
        self.next_part += 1;
        let checksum = sha256_b64(&data);
        let request = self
            .store
            .client
            .upload_part()
            .bucket(&self.store.options.bucket)
            .key(self.store.full_key(&self.key))
            .upload_id(upload_id)
            .part_number(number)
            .checksum_algorithm(ChecksumAlgorithm::Sha256)
            .checksum_sha256(checksum.clone())
            .body(ByteStream::from(data));
        self.in_flight
            .push_back(self.store.runtime.spawn(async move {
                match request.send().await {
                    Ok(out) => Ok(CompletedPart::builder()
                        .part_number(number)
                        .set_e_tag(out.e_tag().map(str::to_owned))
                        .checksum_sha256(checksum)
                        .build()),
                    Err(e) => Err(format!("part {number}: {}", describe(&e).1)),
                }
            }));
        Ok(())
    }

    fn wait_one(&mut self) -> Result<()> {
        let Some(handle) = self.in_flight.pop_front() else {
            return Ok(());
        };
        let part = self
            .store
            .runtime
            .block_on(handle)
            .map_err(|e| e.to_string())
            .and_then(|r| r)
            .map_err(|message| self.store.err("upload", &self.key, message))?;
        self.done.push(part);
        Ok(())
    }

    fn abort(&mut self) {
        for handle in self.in_flight.drain(..) {
            handle.abort();
        }
        if let Some(id) = self.upload_id.take() {
            let s = self.store;
            // Best effort: the server may be gone; stale uploads are cleaned up later.
            let _ = s.runtime.block_on(
                s.client
                    .abort_multipart_upload()
                    .bucket(&s.options.bucket)
                    .key(s.full_key(&self.key))
                    .upload_id(id)
                    .send(),
            );
        }
    }

    fn complete(&mut self) -> Result<u64> {
        if self.upload_id.is_none() {
            let data = std::mem::take(&mut self.buffer);
            return self.store.put_small(&self.key, data);
        }
        if !self.buffer.is_empty() {
            self.send_part()?;
        }
        while !self.in_flight.is_empty() {
            self.wait_one()?;
        }
        self.done.sort_by_key(|p| p.part_number());
        let s = self.store;
        let upload = CompletedMultipartUpload::builder()
            .set_parts(Some(self.done.clone()))
            .build();
        for _ in 0..CONFLICT_RETRIES {
            let sent = s.runtime.block_on(
                s.client
                    .complete_multipart_upload()
                    .bucket(&s.options.bucket)
                    .key(s.full_key(&self.key))
                    .set_upload_id(self.upload_id.clone())
                    .multipart_upload(upload.clone())
                    .if_none_match("*")
                    .send(),
            );
            match sent {
                Ok(_) => {
                    self.upload_id = None;
                    return Ok(self.written);
                }
                Err(e) => match describe(&e) {
                    (Some(412), _) => {
                        return Err(Error::ObjectExists {
                            store: s.options.url(),
                            key: self.key.clone(),
                        });
                    }
                    (Some(409), _) => continue,
                    (_, message) => return Err(s.err("complete upload of", &self.key, message)),
                },
            }
        }
        Err(s.err(
            "complete upload of",
            &self.key,
            "conditional write kept conflicting (409); run the backup again".into(),
        ))
    }
}

impl Write for S3Writer<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let limit = usize::try_from(self.current_part_size()).unwrap_or(usize::MAX);
        let room = limit.saturating_sub(self.buffer.len());
        let take = room.min(buf.len());
        self.buffer
            .extend_from_slice(buf.get(..take).unwrap_or_default());
        self.written += take as u64;
        if self.buffer.len() >= limit {
            self.send_part().map_err(io::Error::other)?;
        }
        Ok(take)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl ObjectWriter for S3Writer<'_> {
    fn finish(mut self: Box<Self>) -> Result<u64> {
        self.finished = true;
        let result = self.complete();
        if result.is_err() {
            self.abort();
        }
        result
    }
}

impl Drop for S3Writer<'_> {
    fn drop(&mut self) {
        if !self.finished {
            self.abort();
        }
    }
}

/// A blocking reader over a GetObject body.
struct S3Reader<'a> {
    store: &'a S3Store,
    key: String,
    body: ByteStream,
    chunk: Vec<u8>,
    offset: usize,
}

impl Read for S3Reader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.offset >= self.chunk.len() {
            match self.store.runtime.block_on(self.body.try_next()) {
                Ok(Some(bytes)) => {
                    self.chunk = bytes.to_vec();
                    self.offset = 0;
                }
                Ok(None) => return Ok(0),
                Err(e) => {
                    return Err(io::Error::other(self.store.err(
                        "read",
                        &self.key,
                        DisplayErrorContext(&e).to_string(),
                    )));
                }
            }
        }
        let rest = self.chunk.get(self.offset..).unwrap_or_default();
        let n = rest.len().min(buf.len());
        if let (Some(dst), Some(src)) = (buf.get_mut(..n), rest.get(..n)) {
            dst.copy_from_slice(src);
        }
        self.offset += n;
        Ok(n)
    }
}

impl ObjectStore for S3Store {
    fn url(&self) -> String {
        self.options.url()
    }

    fn list(&self) -> Result<Vec<ObjectInfo>> {
        let prefix = if self.options.prefix.is_empty() {
            String::new()
        } else {
            format!("{}/", self.options.prefix)
        };
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let page = self
                .runtime
                .block_on(
                    self.client
                        .list_objects_v2()
                        .bucket(&self.options.bucket)
                        .prefix(&prefix)
                        .set_continuation_token(token.take())
                        .send(),
                )
                .map_err(|e| self.err("list", &prefix, describe(&e).1))?;
            for object in page.contents() {
                let Some(key) = object.key().and_then(|k| k.strip_prefix(&prefix)) else {
                    continue;
                };
                if key.contains('/') || key.is_empty() {
                    continue;
                }
                out.push(ObjectInfo {
                    key: key.to_owned(),
                    size: u64::try_from(object.size().unwrap_or(0)).unwrap_or(0),
                });
            }
            match page.next_continuation_token() {
                Some(next) if page.is_truncated() == Some(true) => token = Some(next.to_owned()),
                _ => break,
            }
        }
        Ok(out)
    }

    fn exists(&self, key: &str) -> Result<bool> {
        check_key(key)?;
        let head = self.runtime.block_on(
            self.client
                .head_object()
                .bucket(&self.options.bucket)
                .key(self.full_key(key))
                .send(),
        );
        match head {
            Ok(_) => Ok(true),
            Err(e) => match describe(&e) {
                (Some(404), _) => Ok(false),
                (_, message) => Err(self.err("head", key, message)),
            },
        }
    }

    fn get(&self, key: &str) -> Result<Box<dyn Read + Send + '_>> {
        check_key(key)?;
        let out = self
            .runtime
            .block_on(
                self.client
                    .get_object()
                    .bucket(&self.options.bucket)
                    .key(self.full_key(key))
                    .send(),
            )
            .map_err(|e| self.err("get", key, describe(&e).1))?;
        Ok(Box::new(S3Reader {
            store: self,
            key: key.to_owned(),
            body: out.body,
            chunk: Vec::new(),
            offset: 0,
        }))
    }

    fn put_new(&self, key: &str) -> Result<Box<dyn ObjectWriter + '_>> {
        check_key(key)?;
        Ok(Box::new(S3Writer {
            store: self,
            key: key.to_owned(),
            buffer: Vec::new(),
            upload_id: None,
            next_part: 1,
            in_flight: VecDeque::new(),
            done: Vec::new(),
            written: 0,
            finished: false,
        }))
    }

    fn delete(&self, key: &str) -> Result<()> {
        check_key(key)?;
        self.runtime
            .block_on(
                self.client
                    .delete_object()
                    .bucket(&self.options.bucket)
                    .key(self.full_key(key))
                    .send(),
            )
            .map_err(|e| self.err("delete", key, describe(&e).1))?;
        Ok(())
    }

    fn abort_stale_uploads(&self, before: OffsetDateTime) -> Result<usize> {
        let prefix = if self.options.prefix.is_empty() {
            String::new()
        } else {
            format!("{}/", self.options.prefix)
        };
        let mut removed = 0;
        let mut key_marker: Option<String> = None;
        let mut id_marker: Option<String> = None;
        loop {
            let page = self
                .runtime
                .block_on(
                    self.client
                        .list_multipart_uploads()
                        .bucket(&self.options.bucket)
                        .prefix(&prefix)
                        .set_key_marker(key_marker.take())
                        .set_upload_id_marker(id_marker.take())
                        .send(),
                )
                .map_err(|e| self.err("list multipart uploads under", &prefix, describe(&e).1))?;
            for upload in page.uploads() {
                let started = upload.initiated().map(|t| t.secs());
                let (Some(key), Some(id), Some(started)) =
                    (upload.key(), upload.upload_id(), started)
                else {
                    continue;
                };
                if started >= before.unix_timestamp() {
                    continue;
                }
                self.runtime
                    .block_on(
                        self.client
                            .abort_multipart_upload()
                            .bucket(&self.options.bucket)
                            .key(key)
                            .upload_id(id)
                            .send(),
                    )
                    .map_err(|e| self.err("abort upload of", key, describe(&e).1))?;
                removed += 1;
            }
            if page.is_truncated() == Some(true) {
                key_marker = page.next_key_marker().map(str::to_owned);
                id_marker = page.next_upload_id_marker().map(str::to_owned);
                if key_marker.is_none() {
                    break;
                }
            } else {
                break;
            }
        }
        Ok(removed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn part_sizes() {
        let o = S3Options::new("b");
        assert_eq!(o.base_part(), 8 << 20);
        // 1 TiB expected: size/10,000 is larger than 8 MiB.
        let o = S3Options::new("b").size_hint(1 << 40);
        assert_eq!(o.base_part(), (1u64 << 40).div_ceil(10_000));
        assert_eq!(S3Options::new("b").part_size(1).base_part(), 5 << 20);
        assert_eq!(part_size_for(8 << 20, 1), 8 << 20);
        assert_eq!(part_size_for(8 << 20, 1000), 8 << 20);
        assert_eq!(part_size_for(8 << 20, 1001), 16 << 20);
        // 10,000 doubling parts of 8 MiB hold about 8 TiB from a stream of unknown size.
        let total: u64 = (1..=10_000).map(|n| part_size_for(8 << 20, n)).sum();
        assert!(total > 5 << 40);
    }

    #[test]
    fn debug_hides_credentials() {
        let o = S3Options::new("b").static_credentials("AKIA", "secret");
        assert!(!format!("{o:?}").contains("secret"));
    }
}
