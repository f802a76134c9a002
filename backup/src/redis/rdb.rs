//! Consistency checks of an RDB file while it streams: the `REDIS` magic, the end-of-file
//! opcode and the CRC-64 trailer.

use std::io::{self, Read};

/// Length of the magic and version (`REDIS0010`).
pub(crate) const HEADER_LEN: usize = 9;
/// The RDB opcode that ends the data, followed by the checksum.
const EOF_OPCODE: u8 = 0xFF;
/// Length of the CRC-64 trailer (RDB version 5 and later).
const CRC_LEN: u64 = 8;
/// The first RDB version with a checksum trailer.
const FIRST_CRC_VERSION: u32 = 5;

/// CRC-64 with the Jones polynomial, reflected, as Redis computes it (check value of
/// `123456789`: `0xe9c6d914c4b8d9ca`).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Crc64(u64);

const POLY_REFLECTED: u64 = 0x95ac_9329_ac4b_c9b5;

const fn crc_table() -> [[u64; 256]; 8] {
    let mut table = [[0u64; 256]; 8];
    let mut i = 0;
    while i < 256 {
        let mut crc = i as u64;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ POLY_REFLECTED
            } else {
                crc >> 1
            };
            bit += 1;
        }
        table[0][i] = crc;
        i += 1;
    }
    let mut k = 1;
    while k < 8 {
        let mut i = 0;
        while i < 256 {
            let prev = table[k - 1][i];
            table[k][i] = (prev >> 8) ^ table[0][(prev & 0xff) as usize];
            i += 1;
        }
        k += 1;
    }
    table
}

/// Slicing-by-8 tables.
static TABLE: [[u64; 256]; 8] = crc_table();

impl Crc64 {
    pub(crate) fn update(&mut self, data: &[u8]) {
        let mut crc = self.0;
        let mut chunks = data.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            let v = crc ^ u64::from_le_bytes(word);
            let b = v.to_le_bytes();
            crc = TABLE[7][usize::from(b[0])]
                ^ TABLE[6][usize::from(b[1])]
                ^ TABLE[5][usize::from(b[2])]
                ^ TABLE[4][usize::from(b[3])]
                ^ TABLE[3][usize::from(b[4])]
                ^ TABLE[2][usize::from(b[5])]
                ^ TABLE[1][usize::from(b[6])]
                ^ TABLE[0][usize::from(b[7])];
        }
        for &byte in chunks.remainder() {
            crc = TABLE[0][usize::from((crc as u8) ^ byte)] ^ (crc >> 8);
        }
        self.0 = crc;
    }

    pub(crate) fn value(self) -> u64 {
        self.0
    }
}

/// Checks the first bytes of an RDB: `REDIS` and a four-digit version, which it returns.
pub(crate) fn parse_header(head: &[u8]) -> Result<u32, String> {
    let Some(magic) = head.get(..5) else {
        return Err(format!(
            "too short for an RDB file ({} bytes, no REDIS header)",
            head.len()
        ));
    };
    if magic != b"REDIS" {
        return Err("not an RDB file (no REDIS magic)".into());
    }
    head.get(5..HEADER_LEN)
        .and_then(|v| std::str::from_utf8(v).ok())
        .filter(|v| v.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| "not an RDB file (bad version after the REDIS magic)".to_owned())
}

/// A reader that passes an RDB of known size through while computing its CRC-64 and
/// collecting the trailer; [`RdbCheck::finish`] then says whether the file is complete.
#[derive(Debug)]
pub(crate) struct RdbCheck<R> {
    inner: R,
    size: u64,
    pos: u64,
    crc: Crc64,
    head: Vec<u8>,
    /// The end-of-file opcode and the trailer (the last nine bytes).
    tail: Vec<u8>,
}

impl<R: Read> RdbCheck<R> {
    pub(crate) fn new(inner: R, size: u64) -> Self {
        Self {
            inner,
            size,
            pos: 0,
            crc: Crc64::default(),
            head: Vec::with_capacity(HEADER_LEN),
            tail: Vec::with_capacity(9),
        }
    }

    /// Checks what was read: the whole size, the header, the end-of-file opcode and the
    /// checksum (unless the server saves without one, `rdbchecksum no`, which stores zero).
    pub(crate) fn finish(self) -> Result<(), String> {
        if self.pos != self.size {
            return Err(format!(
                "incomplete: read {} of {} bytes",
                self.pos, self.size
            ));
        }
        let version = parse_header(&self.head)?;
        let trailer_len = if version >= FIRST_CRC_VERSION {
            CRC_LEN
        } else {
            0
        };
        if self.size < HEADER_LEN as u64 + 1 + trailer_len {
            return Err(format!(
                "incomplete: {} bytes is too short for an RDB file",
                self.size
            ));
        }
        let (opcode, stored) = if trailer_len > 0 {
            match self.tail.split_first() {
                Some((op, rest)) => (*op, Some(rest)),
                None => (0, None),
            }
        } else {
            (self.tail.last().copied().unwrap_or_default(), None)
        };
        if opcode != EOF_OPCODE {
            return Err("incomplete: no end-of-file marker (the file is truncated)".into());
        }
        if let Some(stored) = stored {
            let mut word = [0u8; 8];
            if stored.len() != word.len() {
                return Err("incomplete: no checksum trailer".into());
            }
            word.copy_from_slice(stored);
            let stored = u64::from_le_bytes(word);
            if stored != 0 && stored != self.crc.value() {
                return Err(format!(
                    "checksum mismatch: the file says {stored:016x}, its content hashes to {:016x}",
                    self.crc.value()
                ));
            }
        }
        Ok(())
    }
}

impl<R: Read> Read for RdbCheck<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let data = buf.get(..n).unwrap_or_default();
        // The CRC covers everything but the 8-byte trailer; the tail keeps the last 9 bytes
        // (end-of-file opcode and trailer). For files without checksum the CRC is unused.
        let crc_end = self.size.saturating_sub(CRC_LEN);
        let tail_start = self.size.saturating_sub(CRC_LEN + 1);
        let start = self.pos;
        let end = start + n as u64;
        if self.head.len() < HEADER_LEN {
            let want = (HEADER_LEN - self.head.len()).min(data.len());
            self.head
                .extend_from_slice(data.get(..want).unwrap_or_default());
        }
        if start < crc_end {
            let upto = usize::try_from(crc_end.min(end) - start).unwrap_or(n);
            self.crc.update(data.get(..upto).unwrap_or_default());
        }
        if end > tail_start {
            let from = usize::try_from(tail_start.saturating_sub(start)).unwrap_or(0);
            let to = usize::try_from(self.size.min(end) - start).unwrap_or(n);
            self.tail
                .extend_from_slice(data.get(from.min(to)..to).unwrap_or_default());
        }
        self.pos = end;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn crc(data: &[u8]) -> u64 {
        let mut c = Crc64::default();
        c.update(data);
        c.value()
    }

    #[test]
    fn crc64_matches_the_redis_check_value() {
        assert_eq!(crc(b"123456789"), 0xe9c6_d914_c4b8_d9ca);
        // Split updates give the same value as one update.
        let data: Vec<u8> = (0..1000u32).map(|i| (i * 7 % 251) as u8).collect();
        let mut split = Crc64::default();
        for part in data.chunks(13) {
            split.update(part);
        }
        assert_eq!(split.value(), crc(&data));
    }

    /// A minimal RDB: header, one opcode byte of body, EOF, checksum.
    fn rdb(body: &[u8]) -> Vec<u8> {
        let mut file = b"REDIS0010".to_vec();
        file.extend_from_slice(body);
        file.push(EOF_OPCODE);
        let sum = crc(&file);
        file.extend_from_slice(&sum.to_le_bytes());
        file
    }

    fn check(file: &[u8], size: u64, chunk: usize) -> Result<(), String> {
        struct Chunked<'a>(&'a [u8], usize);
        impl Read for Chunked<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                let n = self.0.len().min(self.1).min(buf.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let mut r = RdbCheck::new(Chunked(file, chunk), size);
        io::copy(&mut r, &mut io::sink()).unwrap();
        r.finish()
    }

    #[test]
    fn complete_files_pass_in_any_read_size() {
        let file = rdb(b"\xfa\x09redis-ver\x067.0.15");
        for chunk in [1, 3, 8, 9, 64] {
            check(&file, file.len() as u64, chunk).unwrap();
        }
        // A zero checksum means the server saves without one.
        let mut unchecked = file.clone();
        let n = unchecked.len();
        unchecked[n - 8..].fill(0);
        check(&unchecked, n as u64, 5).unwrap();
    }

    #[test]
    fn damaged_files_are_refused() {
        let file = rdb(b"\xfa\x09redis-ver\x067.0.15");
        let mut flipped = file.clone();
        flipped[12] ^= 1;
        let err = check(&flipped, file.len() as u64, 4).unwrap_err();
        assert!(err.contains("checksum mismatch"), "{err}");
        let cut = &file[..file.len() - 3];
        let err = check(cut, cut.len() as u64, 4).unwrap_err();
        assert!(err.contains("end-of-file"), "{err}");
        let err = check(&file[..20], file.len() as u64, 4).unwrap_err();
        assert!(err.contains("incomplete: read 20"), "{err}");
        let err = check(b"HELLO0010xxxxxxxxxxxxxxxx", 25, 4).unwrap_err();
        assert!(err.contains("no REDIS magic"), "{err}");
        assert!(parse_header(b"RED").unwrap_err().contains("too short"));
        assert!(parse_header(b"REDIS00x0").unwrap_err().contains("version"));
        assert_eq!(parse_header(b"REDIS0010").unwrap(), 10);
    }
}
