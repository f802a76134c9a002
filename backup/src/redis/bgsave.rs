//! The `BGSAVE` mode: ask a local server for a background save, wait for it, then stream
//! its dump file.

use std::fs::File;
use std::io::{BufReader, Read, Write};
use std::net::TcpStream;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tar::Header;

use super::RedisSource;
use super::rdb::{self, RdbCheck};
use crate::archive::ArchiveWriter;
use crate::error::{Error, Result};

/// Longest bulk reply accepted (`INFO persistence` is about 1 KiB).
const MAX_BULK: usize = 1 << 20;
/// Most elements accepted in an array reply.
const MAX_ARRAY: usize = 1024;
/// Deepest nesting of array replies accepted.
const MAX_DEPTH: u8 = 4;
/// First and longest pause between two `INFO persistence` polls.
const POLL_FIRST: Duration = Duration::from_millis(10);
const POLL_MAX: Duration = Duration::from_millis(250);
/// How many times a `BGSAVE` refused because another save runs is retried.
const MAX_ATTEMPTS: u32 = 10;
/// Slack allowed between the dump file's modification time and the server's save time.
const MTIME_SLACK_SECS: i64 = 2;

/// One reply of the Redis protocol (RESP2).
#[derive(Debug)]
enum Reply {
    Status(String),
    Error(String),
    Integer(i64),
    Bulk(Option<Vec<u8>>),
    Array(Option<Vec<Reply>>),
}

/// The fields of `INFO persistence` that tell where a background save is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Persistence {
    /// `rdb_bgsave_in_progress:1`.
    in_progress: bool,
    /// `rdb_saves` (Redis 7.0+): saves started since the server started.
    saves: Option<u64>,
    /// `rdb_last_save_time`: unix time of the last successful save.
    last_save: Option<i64>,
    /// `rdb_last_bgsave_status:ok`.
    last_ok: bool,
}

fn parse_persistence(text: &str) -> Option<Persistence> {
    let mut in_progress = None;
    let mut saves = None;
    let mut last_save = None;
    let mut last_ok = true;
    for line in text.lines() {
        let Some((key, value)) = line.trim_end_matches('\r').split_once(':') else {
            continue;
        };
        match key {
            "rdb_bgsave_in_progress" => in_progress = Some(value == "1"),
            "rdb_saves" => saves = value.parse().ok(),
            "rdb_last_save_time" => last_save = value.parse().ok(),
            "rdb_last_bgsave_status" => last_ok = value == "ok",
            _ => {}
        }
    }
    Some(Persistence {
        in_progress: in_progress?,
        saves,
        last_save,
        last_ok,
    })
}

impl RedisSource {
    /// Saves with `BGSAVE`, then streams the dump file into the archive, checked.
    pub(super) fn bgsave_into<W: Write>(
        &self,
        w: &mut ArchiveWriter<'_, W>,
        header: Header,
    ) -> Result<()> {
        let mut conn = self.open()?;
        let path = match &self.dump_path {
            Some(path) => path.clone(),
            None => self.dump_file(&mut conn)?,
        };
        let saved = self.save(&mut conn)?;
        drop(conn);

        let invalid = |message: String| Error::InvalidRdb {
            origin: path.display().to_string(),
            message,
        };
        let file = File::open(&path).map_err(|e| Error::io("read", &path, e))?;
        let meta = file.metadata().map_err(|e| Error::io("read", &path, e))?;
        if !meta.is_file() {
            return Err(invalid("not a regular file".into()));
        }
        if let (Some(last_save), Ok(modified)) = (saved.last_save, meta.modified()) {
            let modified = unix_secs(modified);
            if modified + MTIME_SLACK_SECS < last_save {
                return Err(invalid(format!(
                    "the file is older than the save the server just made (modified at unix \
                     time {modified}, saved at {last_save}): is it the server's dump file?"
                )));
            }
        }
        let size = meta.len();
        let mut head = [0u8; rdb::HEADER_LEN];
        let mut got = 0;
        while got < head.len() {
            let rest = head.get_mut(got..).unwrap_or_default();
            match file.read_at(rest, got as u64) {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(Error::io("read", &path, e)),
            }
        }
        rdb::parse_header(head.get(..got).unwrap_or_default()).map_err(invalid)?;
        let mut checked = RdbCheck::new(BufReader::with_capacity(1 << 20, file), size);
        w.add_stream(&path, header, &self.archive_path, &mut checked, size)?;
        checked.finish().map_err(invalid)
    }

    /// The server's dump file from `CONFIG GET dir` and `CONFIG GET dbfilename`.
    fn dump_file(&self, conn: &mut BufReader<TcpStream>) -> Result<PathBuf> {
        let dir = self.config_get(conn, "dir")?;
        let name = self.config_get(conn, "dbfilename")?;
        Ok(Path::new(&dir).join(name))
    }

    fn config_get(&self, conn: &mut BufReader<TcpStream>, name: &str) -> Result<String> {
        let hint = "give the dump file's path with dump_path";
        match self.request(conn, &["CONFIG", "GET", name])? {
            Reply::Array(Some(items)) => match items.as_slice() {
                [_, Reply::Bulk(Some(value))] => String::from_utf8(value.clone())
                    .map_err(|_| self.err(format!("CONFIG GET {name}: the value is not UTF-8"))),
                _ => Err(self.err(format!("CONFIG GET {name} returned no value; {hint}"))),
            },
            Reply::Error(e) => Err(self.err(format!("CONFIG GET {name} refused: {e}; {hint}"))),
            other => Err(self.unexpected("CONFIG GET", &other)),
        }
    }

    /// Starts a background save that begins after this call and waits until it is done;
    /// returns the server's persistence state after it.
    fn save(&self, conn: &mut BufReader<TcpStream>) -> Result<Persistence> {
        let mut attempts = 0;
        loop {
            let before = self.persistence(conn)?;
            match self.request(conn, &["BGSAVE", "SCHEDULE"])? {
                Reply::Status(_) => return self.wait_for_save(conn, before),
                Reply::Error(e) if e.contains("already in progress") && attempts < MAX_ATTEMPTS => {
                    // That save may have started before writes this backup must hold:
                    // let it finish, then start ours.
                    attempts += 1;
                    self.wait_idle(conn)?;
                }
                Reply::Error(e) => return Err(self.err(format!("BGSAVE refused: {e}"))),
                other => return Err(self.unexpected("BGSAVE", &other)),
            }
        }
    }

    fn wait_idle(&self, conn: &mut BufReader<TcpStream>) -> Result<()> {
        let mut delay = POLL_FIRST;
        while self.persistence(conn)?.in_progress {
            std::thread::sleep(delay);
            delay = (delay * 2).min(POLL_MAX);
        }
        Ok(())
    }

    fn wait_for_save(
        &self,
        conn: &mut BufReader<TcpStream>,
        before: Persistence,
    ) -> Result<Persistence> {
        let started = Instant::now();
        let mut saw_running = false;
        let mut delay = POLL_FIRST;
        loop {
            let now = self.persistence(conn)?;
            saw_running |= now.in_progress;
            let finished = !now.in_progress
                && match (before.saves, now.saves) {
                    (Some(b), Some(n)) => n > b,
                    // Servers before 7.0 have no save counter.
                    _ => saw_running || now.last_save != before.last_save,
                };
            if finished {
                if now.last_ok {
                    return Ok(now);
                }
                return Err(self.err(
                    "background save failed (rdb_last_bgsave_status:err; the server log says why)",
                ));
            }
            let started_saving =
                saw_running || matches!((before.saves, now.saves), (Some(b), Some(n)) if n > b);
            if !started_saving && started.elapsed() > self.timeout {
                return Err(self.err(format!(
                    "the background save did not start within {} s",
                    self.timeout.as_secs_f64()
                )));
            }
            std::thread::sleep(delay);
            delay = (delay * 2).min(POLL_MAX);
        }
    }

    fn persistence(&self, conn: &mut BufReader<TcpStream>) -> Result<Persistence> {
        match self.request(conn, &["INFO", "persistence"])? {
            Reply::Bulk(Some(text)) => parse_persistence(&String::from_utf8_lossy(&text))
                .ok_or_else(|| self.err("INFO persistence has no rdb_bgsave_in_progress field")),
            Reply::Error(e) => Err(self.err(format!("INFO persistence refused: {e}"))),
            other => Err(self.unexpected("INFO", &other)),
        }
    }

    fn unexpected(&self, command: &str, reply: &Reply) -> Error {
        let kind = match reply {
            Reply::Status(s) => format!("status {s:?}"),
            Reply::Error(e) => format!("error {e:?}"),
            Reply::Integer(i) => format!("integer {i}"),
            Reply::Bulk(_) => "a string".to_owned(),
            Reply::Array(_) => "an array".to_owned(),
        };
        self.err(format!("unexpected reply to {command}: {kind}"))
    }

    fn request(&self, conn: &mut BufReader<TcpStream>, args: &[&str]) -> Result<Reply> {
        self.send(conn, args)?;
        self.read_reply(conn, 0)
    }

    fn read_reply(&self, conn: &mut BufReader<TcpStream>, depth: u8) -> Result<Reply> {
        let line = self.read_line(conn)?;
        let mut chars = line.chars();
        let kind = chars.next();
        let rest = chars.as_str();
        let length = |what: &str| -> Result<i64> {
            rest.parse()
                .map_err(|_| self.err(format!("bad {what} length in reply {line:?}")))
        };
        match kind {
            Some('+') => Ok(Reply::Status(rest.to_owned())),
            Some('-') => Ok(Reply::Error(rest.to_owned())),
            Some(':') => Ok(Reply::Integer(length("integer")?)),
            Some('$') => {
                let Ok(len) = usize::try_from(length("bulk")?) else {
                    return Ok(Reply::Bulk(None));
                };
                if len > MAX_BULK {
                    return Err(self.err(format!("reply of {len} bytes is too long")));
                }
                let mut data = vec![0u8; len + 2];
                conn.read_exact(&mut data)
                    .map_err(|e| self.err(format!("read failed: {e}")))?;
                if !data.ends_with(b"\r\n") {
                    return Err(self.err("bulk reply not ended by CRLF"));
                }
                data.truncate(len);
                Ok(Reply::Bulk(Some(data)))
            }
            Some('*') => {
                let Ok(len) = usize::try_from(length("array")?) else {
                    return Ok(Reply::Array(None));
                };
                if len > MAX_ARRAY || depth >= MAX_DEPTH {
                    return Err(self.err("array reply too large or too deep"));
                }
                let items = (0..len)
                    .map(|_| self.read_reply(conn, depth + 1))
                    .collect::<Result<Vec<_>>>()?;
                Ok(Reply::Array(Some(items)))
            }
            _ => Err(self.err(format!("unexpected reply line {line:?}"))),
        }
    }
}

fn unix_secs(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn persistence_fields_parse() {
        let text = "# Persistence\r\nloading:0\r\nrdb_bgsave_in_progress:1\r\n\
                    rdb_last_save_time:1795382973\r\nrdb_last_bgsave_status:err\r\nrdb_saves:2\r\n";
        assert_eq!(
            parse_persistence(text),
            Some(Persistence {
                in_progress: true,
                saves: Some(2),
                last_save: Some(1_795_382_973),
                last_ok: false,
            })
        );
        let old = "rdb_bgsave_in_progress:0\nrdb_last_bgsave_status:ok\n";
        let p = parse_persistence(old).unwrap();
        assert!(!p.in_progress && p.last_ok && p.saves.is_none());
        assert_eq!(parse_persistence("loading:0\r\n"), None);
    }
}
