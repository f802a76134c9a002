//! Readers and writers that hash and count the bytes passing through.

use std::io::{self, Read, Write};

use sha2::{Digest, Sha256};

/// A reader that hashes (SHA-256) and counts what is read through it.
#[derive(Debug)]
pub(crate) struct HashingReader<R> {
    inner: R,
    hasher: Sha256,
    count: u64,
}

impl<R: Read> HashingReader<R> {
    pub(crate) fn new(inner: R) -> Self {
        Self {
            inner,
            hasher: Sha256::new(),
            count: 0,
        }
    }

    /// Bytes read so far.
    pub(crate) fn count(&self) -> u64 {
        self.count
    }

    /// Reads the rest of the stream, then returns the count and the hex digest.
    pub(crate) fn drain(mut self) -> io::Result<(u64, String)> {
        io::copy(&mut self, &mut io::sink())?;
        Ok(self.finish())
    }

    /// The count and hex digest of what was read.
    pub(crate) fn finish(self) -> (u64, String) {
        (self.count, hex::encode(self.hasher.finalize()))
    }
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let done = buf.get(..n).unwrap_or_default();
        self.hasher.update(done);
        self.count += n as u64;
        Ok(n)
    }
}

/// A writer that hashes (SHA-256) and counts what is written through it.
#[derive(Debug)]
pub(crate) struct HashingWriter<W> {
    inner: W,
    hasher: Sha256,
    count: u64,
}

impl<W: Write> HashingWriter<W> {
    pub(crate) fn new(inner: W) -> Self {
        Self {
            inner,
            hasher: Sha256::new(),
            count: 0,
        }
    }

    /// The inner writer, the count and the hex digest.
    pub(crate) fn finish(self) -> (W, u64, String) {
        (self.inner, self.count, hex::encode(self.hasher.finalize()))
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        let done = buf.get(..n).unwrap_or_default();
        self.hasher.update(done);
        self.count += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reader_and_writer_agree_with_known_digest() {
        let data = b"abc";
        let known = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        let (n, h) = HashingReader::new(&data[..]).drain().unwrap();
        assert_eq!((n, h.as_str()), (3, known));
        let mut w = HashingWriter::new(Vec::new());
        w.write_all(data).unwrap();
        let (inner, n, h) = w.finish();
        assert_eq!((inner, n, h.as_str()), (data.to_vec(), 3, known));
    }
}
