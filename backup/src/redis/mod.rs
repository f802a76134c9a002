//! A Redis RDB fetched from a running server with the replication handshake that
//! `redis-cli --rdb` uses, so it works against remote servers too, or saved with `BGSAVE`
//! and copied from the server's dump file when the server is local.

mod bgsave;
mod rdb;

use std::io::{self, BufRead, BufReader, Read, Seek, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::archive::{ArchiveWriter, stream_header};
use crate::error::{Error, Result};
use crate::manifest::SourceRecord;

/// Length of the random end marker of a diskless transfer (`$EOF:<40 bytes>`).
const EOF_MARK_LEN: usize = 40;
/// Longest status line accepted from the server.
const MAX_LINE: usize = 64 << 10;

/// A Redis server's dataset as an RDB file.
///
/// The source connects like a replica: `AUTH` (if configured), `PING`,
/// `REPLCONF rdb-only 1`, then `SYNC`. By default it does not announce the `eof` capability,
/// so the server saves to disk and sends the RDB with its length (`$<len>`), which is streamed
/// straight into the archive. With [`RedisSource::diskless`] the server streams the RDB
/// without a length (`$EOF:<mark>`), which is spooled to an unnamed temporary file first
/// because a tar header needs the size; note that Redis 7 waits
/// `repl-diskless-sync-delay` (5 s by default) before a diskless transfer.
///
/// With [`RedisSource::bgsave`] the source instead asks the server for a background save
/// (`BGSAVE SCHEDULE`), waits for it to finish (`INFO persistence`) and streams the server's
/// dump file (`CONFIG GET dir` and `dbfilename`, or [`RedisSource::dump_path`]) into the
/// archive; the file must be readable by this process, so the server must be local.
///
/// Whatever the mode, the RDB is checked as it streams: the `REDIS` header, the end-of-file
/// marker and the CRC-64 trailer; a damaged or truncated RDB fails the backup.
///
/// ```
/// let src = backup::RedisSource::new("127.0.0.1:6379").archive_path("cache.rdb");
/// assert_eq!(src.address(), "127.0.0.1:6379");
/// let local = src.dump_path("/var/lib/redis/dump.rdb");
/// assert!(local.is_bgsave());
/// ```
#[derive(Clone)]
pub struct RedisSource {
    address: String,
    archive_path: String,
    username: Option<String>,
    password: Option<String>,
    mode: Mode,
    dump_path: Option<PathBuf>,
    timeout: Duration,
}

/// How the RDB is obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// `SYNC`, the server saves to disk and sends the RDB with its length.
    Sized,
    /// `SYNC` with the `eof` capability: streamed with an end marker.
    Diskless,
    /// `BGSAVE`, then the dump file is read locally.
    Bgsave,
}

impl std::fmt::Debug for RedisSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The password is never printed.
        f.debug_struct("RedisSource")
            .field("address", &self.address)
            .field("archive_path", &self.archive_path)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("mode", &self.mode)
            .field("dump_path", &self.dump_path)
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl RedisSource {
    /// A source for the server at `address` (`host:port`), stored as `dump.rdb`.
    pub fn new(address: impl Into<String>) -> Self {
        Self {
            address: address.into(),
            archive_path: "dump.rdb".into(),
            username: None,
            password: None,
            mode: Mode::Sized,
            dump_path: None,
            timeout: Duration::from_secs(60),
        }
    }

    /// The file name in the archive.
    #[must_use]
    pub fn archive_path(mut self, name: impl Into<String>) -> Self {
        self.archive_path = name.into();
        self
    }

    /// Authenticates with `AUTH password` (or `AUTH username password` when a user is given).
    #[must_use]
    pub fn auth(mut self, username: Option<String>, password: impl Into<String>) -> Self {
        self.username = username;
        self.password = Some(password.into());
        self
    }

    /// Asks for a diskless transfer (announces the `eof` capability); `false` goes back to
    /// the default transfer with a length.
    #[must_use]
    pub fn diskless(mut self, diskless: bool) -> Self {
        self.mode = if diskless {
            Mode::Diskless
        } else {
            Mode::Sized
        };
        self
    }

    /// Takes the RDB with `BGSAVE` and copies the server's dump file instead of using the
    /// replication protocol (the file must be readable here: a local server). A save
    /// already running when the backup starts is waited for, then a new one is started, so
    /// the RDB holds every write made before the backup began. `false` goes back to the
    /// default transfer.
    #[must_use]
    pub fn bgsave(mut self, bgsave: bool) -> Self {
        self.mode = if bgsave { Mode::Bgsave } else { Mode::Sized };
        self
    }

    /// The server's dump file as this process sees it (implies [`RedisSource::bgsave`]).
    /// Without it the path is asked from the server with `CONFIG GET dir` and
    /// `CONFIG GET dbfilename`; give it when `CONFIG` is renamed or disabled, or when the
    /// server sees its directory under another path (a container's volume).
    #[must_use]
    pub fn dump_path(mut self, path: impl Into<PathBuf>) -> Self {
        self.mode = Mode::Bgsave;
        self.dump_path = Some(path.into());
        self
    }

    /// Whether the source saves with `BGSAVE` and copies the dump file.
    pub fn is_bgsave(&self) -> bool {
        self.mode == Mode::Bgsave
    }

    /// The longest the server may stay silent (default 60 s; it sends keep-alives while it
    /// prepares the RDB). In `BGSAVE` mode, the longest wait for a scheduled save to start
    /// (a save in progress is waited for as long as it runs).
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The server address.
    pub fn address(&self) -> &str {
        &self.address
    }

    fn err(&self, message: impl Into<String>) -> Error {
        Error::Redis {
            address: self.address.clone(),
            message: message.into(),
        }
    }

    fn connect(&self) -> Result<BufReader<TcpStream>> {
        let connect_err = |source| Error::Connect {
            address: self.address.clone(),
            source,
        };
        let addrs: Vec<_> = self
            .address
            .to_socket_addrs()
            .map_err(connect_err)?
            .collect();
        let mut last = io::Error::new(io::ErrorKind::NotFound, "no address");
        for addr in addrs {
            match TcpStream::connect_timeout(&addr, self.timeout) {
                Ok(stream) => {
                    stream
                        .set_read_timeout(Some(self.timeout))
                        .map_err(connect_err)?;
                    stream
                        .set_write_timeout(Some(self.timeout))
                        .map_err(connect_err)?;
                    return Ok(BufReader::with_capacity(1 << 20, stream));
                }
                Err(e) => last = e,
            }
        }
        Err(connect_err(last))
    }

    fn command(&self, conn: &mut BufReader<TcpStream>, args: &[&str]) -> Result<String> {
        self.send(conn, args)?;
        self.read_line(conn)
    }

    fn send(&self, conn: &mut BufReader<TcpStream>, args: &[&str]) -> Result<()> {
        let mut out = format!("*{}\r\n", args.len()).into_bytes();
        for arg in args {
            out.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
            out.extend_from_slice(arg.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        conn.get_mut()
            .write_all(&out)
            .map_err(|e| self.err(format!("cannot send {}: {e}", args.first().unwrap_or(&""))))
    }

    /// Reads one reply line, skipping the bare newlines the server sends as keep-alives.
    fn read_line(&self, conn: &mut BufReader<TcpStream>) -> Result<String> {
        let mut line = Vec::new();
        loop {
            line.clear();
            let n = conn
                .by_ref()
                .take(MAX_LINE as u64)
                .read_until(b'\n', &mut line)
                .map_err(|e| self.err(format!("read failed: {e}")))?;
            if n == 0 {
                return Err(self.err("connection closed by the server"));
            }
            if line != b"\n" {
                break;
            }
        }
        if !line.ends_with(b"\n") {
            return Err(self.err("reply line too long"));
        }
        let text = String::from_utf8_lossy(&line);
        Ok(text.trim_end_matches(['\r', '\n']).to_owned())
    }

    /// Connects, authenticates and checks the server answers `PING`.
    fn open(&self) -> Result<BufReader<TcpStream>> {
        let mut conn = self.connect()?;
        if let Some(password) = &self.password {
            let mut args = vec!["AUTH"];
            if let Some(user) = &self.username {
                args.push(user);
            }
            args.push(password);
            let reply = self.command(&mut conn, &args)?;
            if !reply.starts_with('+') {
                return Err(self.err(format!(
                    "authentication failed: {}",
                    reply.trim_start_matches('-')
                )));
            }
        }
        let reply = self.command(&mut conn, &["PING"])?;
        if !reply.starts_with('+') {
            return Err(self.err(format!("PING refused: {}", reply.trim_start_matches('-'))));
        }
        Ok(conn)
    }

    /// Runs the handshake and returns the connection positioned at the RDB payload, with the
    /// payload's length (or the diskless end marker).
    fn start_sync(&self) -> Result<(BufReader<TcpStream>, Payload)> {
        let mut conn = self.open()?;
        // Older servers do not know rdb-only; they then keep streaming after the RDB, which
        // is harmless because the connection is closed once the RDB is read.
        let _ = self.command(&mut conn, &["REPLCONF", "rdb-only", "1"])?;
        if self.mode == Mode::Diskless {
            let reply = self.command(&mut conn, &["REPLCONF", "capa", "eof"])?;
            if !reply.starts_with('+') {
                return Err(self.err(format!(
                    "REPLCONF refused: {}",
                    reply.trim_start_matches('-')
                )));
            }
        }
        let reply = self.command(&mut conn, &["SYNC"])?;
        let payload = if let Some(mark) = reply.strip_prefix("$EOF:") {
            if mark.len() != EOF_MARK_LEN {
                return Err(self.err(format!("bad diskless marker in {reply:?}")));
            }
            Payload::Marked(mark.as_bytes().to_vec())
        } else if let Some(len) = reply.strip_prefix('$') {
            Payload::Sized(
                len.parse()
                    .map_err(|_| self.err(format!("bad SYNC reply {reply:?}")))?,
            )
        } else {
            return Err(self.err(format!("SYNC refused: {}", reply.trim_start_matches('-'))));
        };
        Ok((conn, payload))
    }

    /// Streams the RDB into the archive.
    pub(crate) fn archive_into<W: Write>(
        &self,
        w: &mut ArchiveWriter<'_, W>,
    ) -> Result<SourceRecord> {
        w.claim_top(&self.archive_path)?;
        let header = stream_header(w.mtime());
        if self.mode == Mode::Bgsave {
            self.bgsave_into(w, header)?;
        } else {
            let (mut conn, payload) = self.start_sync()?;
            let origin = Path::new(&self.address);
            match payload {
                Payload::Sized(len) => {
                    self.check_magic(&mut conn)?;
                    let mut checked = rdb::RdbCheck::new(&mut conn, len);
                    w.add_stream(origin, header, &self.archive_path, &mut checked, len)?;
                    self.check_rdb(checked)?;
                }
                Payload::Marked(mark) => {
                    let mut spool = tempfile::tempfile()
                        .map_err(|e| Error::io("create", std::env::temp_dir(), e))?;
                    let len = self.read_marked(&mut conn, &mark, &mut spool)?;
                    spool
                        .rewind()
                        .map_err(|e| Error::io("read", std::env::temp_dir(), e))?;
                    let mut spooled = BufReader::new(spool);
                    self.check_magic(&mut spooled)?;
                    let mut checked = rdb::RdbCheck::new(spooled, len);
                    w.add_stream(origin, header, &self.archive_path, &mut checked, len)?;
                    self.check_rdb(checked)?;
                }
            }
        }
        Ok(SourceRecord::Redis {
            address: self.address.clone(),
            archive_path: self.archive_path.clone(),
        })
    }

    fn check_rdb<R: Read>(&self, checked: rdb::RdbCheck<R>) -> Result<()> {
        checked.finish().map_err(|message| Error::InvalidRdb {
            origin: format!("redis {}", self.address),
            message,
        })
    }

    fn check_magic(&self, r: &mut impl BufRead) -> Result<()> {
        let head = r
            .fill_buf()
            .map_err(|e| self.err(format!("read failed: {e}")))?;
        if head.len() >= 5 && !head.starts_with(b"REDIS") {
            return Err(Error::InvalidRdb {
                origin: format!("redis {}", self.address),
                message: "not an RDB file (no REDIS magic)".into(),
            });
        }
        Ok(())
    }

    /// Copies a diskless payload up to its end marker into `out`, returning its length.
    fn read_marked(&self, conn: &mut impl Read, mark: &[u8], out: &mut impl Write) -> Result<u64> {
        let mut pending: Vec<u8> = Vec::with_capacity(2 * EOF_MARK_LEN);
        let mut buf = vec![0u8; 256 << 10];
        let mut written = 0u64;
        let write_err = |e| Error::io("write", std::env::temp_dir(), e);
        loop {
            let n = conn
                .read(&mut buf)
                .map_err(|e| self.err(format!("read failed: {e}")))?;
            if n == 0 {
                return Err(self.err("connection closed before the end of the RDB"));
            }
            pending.extend_from_slice(buf.get(..n).unwrap_or_default());
            if let Some(at) = pending.windows(mark.len()).position(|w| w == mark) {
                let body = pending.get(..at).unwrap_or_default();
                out.write_all(body).map_err(write_err)?;
                return Ok(written + body.len() as u64);
            }
            let keep_from = pending.len().saturating_sub(mark.len());
            let body = pending.get(..keep_from).unwrap_or_default();
            out.write_all(body).map_err(write_err)?;
            written += body.len() as u64;
            pending.drain(..keep_from);
        }
    }
}

#[derive(Debug)]
enum Payload {
    Sized(u64),
    Marked(Vec<u8>),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marked_payload_stops_at_the_mark_across_reads() {
        let mark = b"0123456789012345678901234567890123456789";
        let mut data = b"REDIS0010-payload-".to_vec();
        data.extend_from_slice(mark);
        data.extend_from_slice(b"*1\r\n$4\r\nPING\r\n");
        // A reader that returns 3 bytes at a time, so the mark spans reads.
        struct Slow<'a>(&'a [u8]);
        impl Read for Slow<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                let n = self.0.len().min(3).min(buf.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let src = RedisSource::new("x:1");
        let mut out = Vec::new();
        let n = src.read_marked(&mut Slow(&data), mark, &mut out).unwrap();
        assert_eq!(out, b"REDIS0010-payload-");
        assert_eq!(n, 18);
        let err = src
            .read_marked(&mut Slow(b"REDIS"), mark, &mut Vec::new())
            .unwrap_err();
        assert!(err.to_string().contains("connection closed"), "{err}");
    }

    #[test]
    fn debug_hides_the_password() {
        let src = RedisSource::new("x:1").auth(None, "hunter2");
        assert!(!format!("{src:?}").contains("hunter2"));
    }
}
