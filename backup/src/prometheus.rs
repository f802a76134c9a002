//! A Prometheus TSDB snapshot taken through the admin API of a server whose data directory is
//! local.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::path::PathBuf;
use std::time::Duration;

use crate::archive::ArchiveWriter;
use crate::error::{Error, Result};
use crate::manifest::SourceRecord;
use crate::paths;

/// Largest HTTP response read from the snapshot endpoint.
const MAX_RESPONSE: u64 = 1 << 20;

/// A Prometheus snapshot: `POST /api/v1/admin/tsdb/snapshot`, then the snapshot directory
/// `<data_dir>/snapshots/<name>` is archived and deleted.
///
/// The server must run with `--web.enable-admin-api` (otherwise it answers 500 "admin APIs
/// disabled", reported as [`Error::PrometheusAdminDisabled`]). Only `http://` URLs are
/// supported.
///
/// ```
/// let src = backup::PrometheusSource::new("http://127.0.0.1:9090", "/var/lib/prometheus");
/// assert_eq!(src.url(), "http://127.0.0.1:9090");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrometheusSource {
    url: String,
    data_dir: PathBuf,
    archive_path: String,
    skip_head: bool,
    timeout: Duration,
}

impl PrometheusSource {
    /// A source for the server at `url` whose data directory is `data_dir`, stored under
    /// `prometheus/` in the archive.
    pub fn new(url: impl Into<String>, data_dir: impl Into<PathBuf>) -> Self {
        Self {
            url: url.into().trim_end_matches('/').to_owned(),
            data_dir: data_dir.into(),
            archive_path: "prometheus".into(),
            skip_head: false,
            timeout: Duration::from_secs(120),
        }
    }

    /// The top-level directory in the archive.
    #[must_use]
    pub fn archive_path(mut self, name: impl Into<String>) -> Self {
        self.archive_path = name.into();
        self
    }

    /// Leaves out the in-memory head block (`skip_head=true`).
    #[must_use]
    pub fn skip_head(mut self, skip: bool) -> Self {
        self.skip_head = skip;
        self
    }

    /// The server URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    fn err(&self, message: impl Into<String>) -> Error {
        Error::Prometheus {
            url: self.url.clone(),
            message: message.into(),
        }
    }

    /// Asks the server for a snapshot and returns its name.
    ///
    /// # Errors
    ///
    /// [`Error::PrometheusAdminDisabled`] without the admin API, [`Error::Connect`] when the
    /// server is unreachable, [`Error::Prometheus`] for any other failure.
    pub fn snapshot(&self) -> Result<String> {
        let rest = self
            .url
            .strip_prefix("http://")
            .ok_or_else(|| self.err("only http:// URLs are supported"))?;
        let (host, prefix) = rest
            .split_once('/')
            .map_or((rest, String::new()), |(h, p)| (h, format!("/{p}")));
        let connect_err = |source| Error::Connect {
            address: host.to_owned(),
            source,
        };
        let addr = host
            .to_socket_addrs()
            .map_err(connect_err)?
            .next()
            .ok_or_else(|| self.err("host does not resolve"))?;
        let mut stream = TcpStream::connect_timeout(&addr, self.timeout).map_err(connect_err)?;
        stream
            .set_read_timeout(Some(self.timeout))
            .map_err(connect_err)?;
        let query = if self.skip_head {
            "?skip_head=true"
        } else {
            ""
        };
        let request = format!(
            "POST {prefix}/api/v1/admin/tsdb/snapshot{query} HTTP/1.1\r\nHost: {host}\r\n\
             Content-Length: 0\r\nConnection: close\r\n\r\n"
        );
        stream
            .write_all(request.as_bytes())
            .map_err(|e| self.err(format!("cannot send the request: {e}")))?;
        let mut response = Vec::new();
        stream
            .take(MAX_RESPONSE)
            .read_to_end(&mut response)
            .map_err(|e| self.err(format!("cannot read the response: {e}")))?;
        let (status, body) =
            parse_http(&response).ok_or_else(|| self.err("malformed HTTP response"))?;
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
        let message = json["error"].as_str().unwrap_or_default();
        if status == 500 && message.contains("admin APIs disabled") {
            return Err(Error::PrometheusAdminDisabled {
                url: self.url.clone(),
            });
        }
        if status != 200 {
            let text = String::from_utf8_lossy(&body);
            return Err(self.err(format!("HTTP {status}: {}", text.trim())));
        }
        let name = json["data"]["name"]
            .as_str()
            .ok_or_else(|| self.err("response has no data.name"))?;
        match paths::entry_components(name) {
            Ok(parts) if parts.len() == 1 => Ok(name.to_owned()),
            _ => Err(self.err(format!("unsafe snapshot name {name:?}"))),
        }
    }

    /// Takes a snapshot, archives it and deletes it.
    pub(crate) fn archive_into<W: Write>(
        &self,
        w: &mut ArchiveWriter<'_, W>,
    ) -> Result<SourceRecord> {
        w.claim_top(&self.archive_path)?;
        let name = self.snapshot()?;
        let dir = self.data_dir.join("snapshots").join(&name);
        let added = w.add_tree(&dir, &self.archive_path);
        let removed = std::fs::remove_dir_all(&dir).map_err(|e| Error::io("delete", &dir, e));
        added?;
        removed?;
        Ok(SourceRecord::Prometheus {
            url: self.url.clone(),
            archive_path: self.archive_path.clone(),
        })
    }
}

/// Splits an HTTP/1.1 response into status and (de-chunked) body.
fn parse_http(response: &[u8]) -> Option<(u16, Vec<u8>)> {
    let split = response.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(response.get(..split)?).ok()?;
    let body = response.get(split + 4..)?;
    let mut lines = head.split("\r\n");
    let status: u16 = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let chunked = lines.any(|l| {
        let lower = l.to_ascii_lowercase();
        lower.starts_with("transfer-encoding:") && lower.contains("chunked")
    });
    if !chunked {
        return Some((status, body.to_vec()));
    }
    let mut out = Vec::new();
    let mut rest = body;
    loop {
        let line_end = rest.windows(2).position(|w| w == b"\r\n")?;
        let size_text = std::str::from_utf8(rest.get(..line_end)?).ok()?;
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        rest = rest.get(line_end + 2..)?;
        if size == 0 {
            return Some((status, out));
        }
        out.extend_from_slice(rest.get(..size)?);
        rest = rest.get(size + 2..)?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn http_plain_and_chunked() {
        let plain = b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 2\r\n\r\n{}";
        assert_eq!(parse_http(plain), Some((500, b"{}".to_vec())));
        let chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
        assert_eq!(parse_http(chunked), Some((200, b"abcde".to_vec())));
        assert_eq!(parse_http(b"garbage"), None);
    }

    proptest! {
        #[test]
        fn http_parser_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let mut input = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
            input.extend_from_slice(&bytes);
            let _ = parse_http(&input);
            let _ = parse_http(&bytes);
        }
    }
}
