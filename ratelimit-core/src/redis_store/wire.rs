//! The Redis store's connections: plain RESP2 requests and replies on a TCP or unix socket.
//!
//! One caller uses a connection at a time: a request is written in one `write` and its
//! replies are read straight from the socket, with no task, channel or multiplexing in
//! between (the redis crate's multiplexed connection, measured, cost 10-20% of the decisions
//! per second of one connection). Concurrent callers each take their own connection from a
//! pool of idle ones (at most [`MAX_IDLE`] kept), so they never wait for each other.
//!
//! A connection that fails (I/O error, timeout, or the caller's future dropped mid-request)
//! is dropped, never returned to the pool: the next request connects again. An idle
//! connection found dead on its first use (the server restarted) is replaced by a new one
//! and the request retried once.

use std::sync::Mutex;
use std::time::Duration;

use redis::{ConnectionAddr, ConnectionInfo, ErrorKind, RedisError, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
#[cfg(unix)]
use tokio::net::UnixStream;

/// Idle connections kept for reuse.
const MAX_IDLE: usize = 16;
/// Nesting of arrays accepted in a reply (the scripts reply with flat arrays).
const MAX_DEPTH: usize = 4;

#[derive(Debug)]
enum Stream {
    Tcp(TcpStream),
    #[cfg(unix)]
    Unix(UnixStream),
}

/// One connection and its read buffer (`buf[pos..end]` is received and not yet parsed).
#[derive(Debug)]
struct Wire {
    stream: Stream,
    buf: Vec<u8>,
    pos: usize,
    end: usize,
}

/// Why an exchange failed.
enum Failure {
    /// The connection died before any byte of a reply arrived: a retry on a new connection
    /// is safe to try.
    Dead(RedisError),
    /// Anything else.
    Other(RedisError),
}

impl Failure {
    fn into_error(self) -> RedisError {
        match self {
            Failure::Dead(e) | Failure::Other(e) => e,
        }
    }
}

/// A reply parsed from the front of a buffer.
enum Parsed {
    /// More bytes are needed.
    Incomplete,
    /// A value (or a server error line) and the bytes it took.
    Done(Result<Value, String>, usize),
}

/// The pool of connections to one server.
#[derive(Debug)]
pub(super) struct Pool {
    info: ConnectionInfo,
    timeout: Duration,
    idle: Mutex<Vec<Wire>>,
}

impl Pool {
    /// A pool for `info` (no connection is made yet).
    pub(super) fn new(info: ConnectionInfo, timeout: Duration) -> Result<Pool, RedisError> {
        match info.addr() {
            ConnectionAddr::Tcp(..) => {}
            #[cfg(unix)]
            ConnectionAddr::Unix(_) => {}
            _ => {
                return Err(RedisError::from((
                    ErrorKind::InvalidClientConfig,
                    "the redis store connects over tcp or a unix socket (no tls)",
                )));
            }
        }
        Ok(Pool {
            info,
            timeout,
            idle: Mutex::new(Vec::new()),
        })
    }

    /// Sends the packed commands `packed` and reads `replies` replies, within the timeout.
    /// A server error reply (after all replies were read) is returned as an error whose
    /// [`code`](RedisError::code) is the server's (`NOSCRIPT`, ...).
    pub(super) async fn query(
        &self,
        packed: &[u8],
        replies: usize,
    ) -> Result<Vec<Value>, RedisError> {
        let reused = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        if let Some(wire) = reused {
            match self.exchange(wire, packed, replies).await {
                Err(Failure::Dead(_)) => {}
                r => return r.map_err(Failure::into_error),
            }
        }
        let wire = self.connect().await?;
        self.exchange(wire, packed, replies)
            .await
            .map_err(Failure::into_error)
    }

    /// One request on `wire`; the connection goes back to the pool only if the exchange
    /// completed.
    async fn exchange(
        &self,
        mut wire: Wire,
        packed: &[u8],
        replies: usize,
    ) -> Result<Vec<Value>, Failure> {
        let values = tokio::time::timeout(self.timeout, wire.request(packed, replies))
            .await
            .map_err(|_| Failure::Other(timed_out()))??;
        if let Ok(mut idle) = self.idle.lock()
            && idle.len() < MAX_IDLE
        {
            idle.push(wire);
        }
        values
            .into_iter()
            .map(|v| v.map_err(|e| Failure::Other(server_error(e))))
            .collect()
    }

    /// A new connection, authenticated and on the URL's database.
    async fn connect(&self) -> Result<Wire, RedisError> {
        let connect = async {
            let stream = match self.info.addr() {
                ConnectionAddr::Tcp(host, port) => {
                    let s = TcpStream::connect((host.as_str(), *port)).await?;
                    s.set_nodelay(true)?;
                    Stream::Tcp(s)
                }
                #[cfg(unix)]
                ConnectionAddr::Unix(path) => Stream::Unix(UnixStream::connect(path).await?),
                _ => {
                    return Err(RedisError::from((
                        ErrorKind::InvalidClientConfig,
                        "unsupported address",
                    )));
                }
            };
            let mut wire = Wire {
                stream,
                buf: vec![0; 4096],
                pos: 0,
                end: 0,
            };
            let settings = self.info.redis_settings();
            let mut hello = Vec::new();
            let mut n = 0;
            if let Some(password) = settings.password() {
                let mut args: Vec<&[u8]> = vec![b"AUTH"];
                if let Some(user) = settings.username() {
                    args.push(user.as_bytes());
                }
                args.push(password.as_bytes());
                pack(&mut hello, &args);
                n += 1;
            }
            let db = settings.db().to_string();
            if settings.db() != 0 {
                pack(&mut hello, &[b"SELECT", db.as_bytes()]);
                n += 1;
            }
            if n > 0 {
                let replies = wire.request(&hello, n).await.map_err(Failure::into_error)?;
                for r in replies {
                    r.map_err(server_error)?;
                }
            }
            Ok(wire)
        };
        tokio::time::timeout(self.timeout, connect)
            .await
            .map_err(|_| timed_out())?
    }
}

impl Wire {
    /// Writes `packed` and reads `replies` replies.
    async fn request(
        &mut self,
        packed: &[u8],
        replies: usize,
    ) -> Result<Vec<Result<Value, String>>, Failure> {
        let written = match &mut self.stream {
            Stream::Tcp(s) => s.write_all(packed).await,
            #[cfg(unix)]
            Stream::Unix(s) => s.write_all(packed).await,
        };
        written.map_err(|e| Failure::Dead(e.into()))?;
        let mut out = Vec::with_capacity(replies);
        let mut received = false;
        while out.len() < replies {
            match parse(self.buf.get(self.pos..self.end).unwrap_or_default(), 0) {
                Some(Parsed::Done(v, used)) => {
                    self.pos += used;
                    out.push(v);
                    continue;
                }
                Some(Parsed::Incomplete) => {}
                None => {
                    return Err(Failure::Other(RedisError::from((
                        ErrorKind::Parse,
                        "malformed reply",
                    ))));
                }
            }
            // Compact, grow if full, then read more.
            self.buf.copy_within(self.pos..self.end, 0);
            self.end -= self.pos;
            self.pos = 0;
            if self.end == self.buf.len() {
                self.buf.resize(2 * self.end, 0);
            }
            let tail = self.buf.get_mut(self.end..).unwrap_or_default();
            let read = match &mut self.stream {
                Stream::Tcp(s) => s.read(tail).await,
                #[cfg(unix)]
                Stream::Unix(s) => s.read(tail).await,
            };
            let n = read.map_err(|e| {
                if received {
                    Failure::Other(e.into())
                } else {
                    Failure::Dead(e.into())
                }
            });
            let n = match n {
                Ok(0) => {
                    let e = RedisError::from((ErrorKind::Io, "connection closed by the server"));
                    return Err(if received {
                        Failure::Other(e)
                    } else {
                        Failure::Dead(e)
                    });
                }
                Ok(n) => n,
                Err(e) => return Err(e),
            };
            received = true;
            self.end += n;
        }
        if self.pos == self.end {
            (self.pos, self.end) = (0, 0);
        }
        Ok(out)
    }
}

/// Appends one command in RESP (an array of bulk strings).
pub(super) fn pack(out: &mut Vec<u8>, args: &[&[u8]]) {
    header(out, args.len());
    for a in args {
        bulk(out, a);
    }
}

/// Appends the header of a command of `n` arguments.
pub(super) fn header(out: &mut Vec<u8>, n: usize) {
    out.push(b'*');
    decimal(out, n as u64);
    out.extend_from_slice(b"\r\n");
}

/// Appends the length line of a bulk string of `len` bytes.
pub(super) fn bulk_len(out: &mut Vec<u8>, len: usize) {
    out.push(b'$');
    decimal(out, len as u64);
    out.extend_from_slice(b"\r\n");
}

/// Appends one argument.
pub(super) fn bulk(out: &mut Vec<u8>, arg: &[u8]) {
    bulk_len(out, arg.len());
    out.extend_from_slice(arg);
    out.extend_from_slice(b"\r\n");
}

/// Appends one integer argument.
pub(super) fn bulk_u64(out: &mut Vec<u8>, v: u64) {
    let mut digits = [0u8; 20];
    let n = digits_of(v, &mut digits);
    bulk(out, digits.get(20 - n..).unwrap_or_default());
}

/// Appends `v` in decimal (no allocation).
fn decimal(out: &mut Vec<u8>, v: u64) {
    let mut digits = [0u8; 20];
    let n = digits_of(v, &mut digits);
    out.extend_from_slice(digits.get(20 - n..).unwrap_or_default());
}

/// Writes `v`'s decimal digits at the end of `buf`; returns how many.
fn digits_of(mut v: u64, buf: &mut [u8; 20]) -> usize {
    let mut n = 0;
    for slot in buf.iter_mut().rev() {
        *slot = b'0' + (v % 10) as u8;
        v /= 10;
        n += 1;
        if v == 0 {
            break;
        }
    }
    n
}

/// The line at the front of `b` (without its CRLF) and the bytes it took with the CRLF.
fn line(b: &[u8]) -> Option<(&[u8], usize)> {
    let end = b.windows(2).position(|w| w == b"\r\n")?;
    Some((b.get(..end)?, end + 2))
}

/// Parses one RESP2 reply at the front of `b`; `None` for a malformed reply.
fn parse(b: &[u8], depth: usize) -> Option<Parsed> {
    let (&kind, rest) = match b.split_first() {
        Some(x) => x,
        None => return Some(Parsed::Incomplete),
    };
    let Some((text, used)) = line(rest) else {
        return Some(Parsed::Incomplete);
    };
    let used = used + 1;
    let int = || std::str::from_utf8(text).ok()?.parse::<i64>().ok();
    Some(match kind {
        b'+' if text == b"OK" => Parsed::Done(Ok(Value::Okay), used),
        b'+' => Parsed::Done(
            Ok(Value::SimpleString(
                String::from_utf8_lossy(text).into_owned(),
            )),
            used,
        ),
        b'-' => Parsed::Done(Err(String::from_utf8_lossy(text).into_owned()), used),
        b':' => Parsed::Done(Ok(Value::Int(int()?)), used),
        b'$' => {
            let Ok(len) = usize::try_from(int()?) else {
                return Some(Parsed::Done(Ok(Value::Nil), used));
            };
            let Some(data) = b.get(used..used.checked_add(len)?) else {
                return Some(Parsed::Incomplete);
            };
            match b.get(used + len..used + len + 2) {
                Some(b"\r\n") => Parsed::Done(Ok(Value::BulkString(data.to_vec())), used + len + 2),
                Some(_) => return None,
                None => Parsed::Incomplete,
            }
        }
        b'*' => {
            let Ok(len) = usize::try_from(int()?) else {
                return Some(Parsed::Done(Ok(Value::Nil), used));
            };
            if depth >= MAX_DEPTH {
                return None;
            }
            let mut items = Vec::with_capacity(len.min(1024));
            let mut at = used;
            let mut error = None;
            for _ in 0..len {
                match parse(b.get(at..)?, depth + 1)? {
                    Parsed::Incomplete => return Some(Parsed::Incomplete),
                    Parsed::Done(Ok(v), n) => {
                        items.push(v);
                        at += n;
                    }
                    Parsed::Done(Err(e), n) => {
                        error.get_or_insert(e);
                        at += n;
                    }
                }
            }
            match error {
                Some(e) => Parsed::Done(Err(e), at),
                None => Parsed::Done(Ok(Value::Array(items)), at),
            }
        }
        _ => return None,
    })
}

/// A server error line (`NOSCRIPT No matching script...`) as an error with that code.
fn server_error(line: String) -> RedisError {
    let (code, detail) = match line.split_once(' ') {
        Some((code, detail)) => (code.to_string(), Some(detail.to_string())),
        None => (line, None),
    };
    redis::make_extension_error(code, detail)
}

fn timed_out() -> RedisError {
    std::io::Error::new(std::io::ErrorKind::TimedOut, "redis did not answer in time").into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn done(b: &[u8]) -> (Result<Value, String>, usize) {
        match parse(b, 0) {
            Some(Parsed::Done(v, n)) => (v, n),
            Some(Parsed::Incomplete) => panic!("incomplete"),
            None => panic!("malformed"),
        }
    }

    #[test]
    fn parses_the_replies_the_store_gets() {
        let reply = b"*3\r\n:1\r\n:-5\r\n$2\r\na";
        assert!(matches!(parse(reply, 0), Some(Parsed::Incomplete)));
        let mut full = reply.to_vec();
        full.extend_from_slice(b"b\r\n:7\r\n");
        let (v, n) = done(&full);
        assert_eq!(n, full.len() - 4);
        let Ok(Value::Array(items)) = v else {
            panic!("{v:?}")
        };
        assert_eq!(items.len(), 3);
        assert_eq!(items[0], Value::Int(1));
        assert_eq!(items[1], Value::Int(-5));
        assert_eq!(items[2], Value::BulkString(b"ab".to_vec()));
        assert_eq!(done(b"+OK\r\n"), (Ok(Value::Okay), 5));
        assert_eq!(done(b"$-1\r\n"), (Ok(Value::Nil), 5));
        assert_eq!(
            done(b"-NOSCRIPT No matching script\r\n").0,
            Err("NOSCRIPT No matching script".to_string())
        );
        let e = server_error("NOSCRIPT No matching script".to_string());
        assert_eq!(e.code(), Some("NOSCRIPT"));
    }

    #[test]
    fn every_prefix_is_incomplete_and_garbage_is_malformed() {
        let reply = b"*2\r\n$3\r\nabc\r\n*1\r\n:42\r\n";
        for end in 0..reply.len() {
            assert!(
                matches!(parse(&reply[..end], 0), Some(Parsed::Incomplete)),
                "{end}"
            );
        }
        assert_eq!(done(reply).1, reply.len());
        assert!(parse(b"?x\r\n", 0).is_none());
        assert!(parse(b":x\r\n", 0).is_none());
        assert!(parse(b"$3\r\nabcd\r\n", 0).is_none());
        assert!(parse(b"*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n:1\r\n", 0).is_none());
    }

    #[test]
    fn packs_commands_as_arrays_of_bulk_strings() {
        let mut out = Vec::new();
        pack(&mut out, &[b"SELECT", b"2"]);
        header(&mut out, 3);
        bulk_u64(&mut out, 10);
        bulk_u64(&mut out, 0);
        bulk_u64(&mut out, u64::MAX);
        assert_eq!(
            out,
            b"*2\r\n$6\r\nSELECT\r\n$1\r\n2\r\n*3\r\n$2\r\n10\r\n$1\r\n0\r\n$20\r\n18446744073709551615\r\n"
        );
    }
}

#[cfg(test)]
mod proptests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Any bytes from the socket parse to a reply, "incomplete" or "malformed": no panic,
        /// and a reply never claims more bytes than it was given.
        #[test]
        fn arbitrary_bytes_never_panic(b in proptest::collection::vec(any::<u8>(), 0..64)) {
            if let Some(Parsed::Done(_, n)) = parse(&b, 0) {
                prop_assert!(n <= b.len());
            }
        }

        /// Arbitrary RESP-looking input (the reply alphabet) likewise.
        #[test]
        fn resp_like_bytes_never_panic(s in "[*:$+\\-0-9\\r\\nab]{0,40}") {
            if let Some(Parsed::Done(_, n)) = parse(s.as_bytes(), 0) {
                prop_assert!(n <= s.len());
            }
        }
    }
}
