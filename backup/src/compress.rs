//! Gzip compression on worker threads: the stream is cut into chunks, each compressed as
//! one gzip member (a multi-member gzip file, which `gzip -d`, `tar xz` and
//! `flate2::read::MultiGzDecoder` read as one stream), written in order. A chunk whose
//! sample does not compress (random, encrypted or already compressed data) is stored rather
//! than deflated, which costs a copy instead of a search for matches.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use flate2::Compression;
use flate2::write::{DeflateEncoder, GzEncoder};

/// Uncompressed bytes per gzip member.
const CHUNK: usize = 1 << 20;
/// Most compression threads (memory is about two chunks per thread, plus one).
const MAX_WORKERS: usize = 4;
/// Bytes compressed to judge whether a chunk compresses.
const SAMPLE: usize = 64 << 10;
/// A chunk is stored when its sample shrinks by less than this many percent.
const MIN_SAVING_PERCENT: usize = 3;

type Job = (u64, Vec<u8>);
type Done = (u64, io::Result<Vec<u8>>);

/// A writer compressing into `out` on worker threads, with bounded memory.
#[derive(Debug)]
pub(crate) struct ParallelGz<W: Write> {
    out: W,
    level: Compression,
    buffer: Vec<u8>,
    jobs: Option<SyncSender<Job>>,
    done: Receiver<Done>,
    workers: Vec<JoinHandle<()>>,
    /// Finished members waiting for earlier ones.
    ready: BTreeMap<u64, Vec<u8>>,
    next_seq: u64,
    next_write: u64,
    max_in_flight: u64,
}

/// Whether the start of `data` shrinks by less than [`MIN_SAVING_PERCENT`] at the fastest
/// level.
fn incompressible(data: &[u8]) -> bool {
    let sample = data.get(..SAMPLE).unwrap_or(data);
    if sample.len() < SAMPLE {
        return false;
    }
    let mut probe = DeflateEncoder::new(Vec::with_capacity(sample.len()), Compression::fast());
    match probe.write_all(sample).and_then(|()| probe.finish()) {
        Ok(out) => out.len() * 100 >= sample.len() * (100 - MIN_SAVING_PERCENT),
        Err(_) => false,
    }
}

/// Longest stored deflate block.
const MAX_STORED: usize = 65_535;

/// A gzip member (RFC 1952) of stored deflate blocks (RFC 1951, section 3.2.4): the data
/// as it is, five bytes of block header per 64 KiB, and the CRC-32 and length trailer.
fn stored_member(data: &[u8]) -> Vec<u8> {
    let blocks = data.len().div_ceil(MAX_STORED).max(1);
    let mut out = Vec::with_capacity(data.len() + 5 * blocks + 18);
    // Magic, deflate, no flags, no modification time, no extra flags, unknown OS.
    out.extend_from_slice(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255]);
    if data.is_empty() {
        out.extend_from_slice(&[1, 0, 0, 0xff, 0xff]);
    }
    let mut blocks = data.chunks(MAX_STORED).peekable();
    while let Some(block) = blocks.next() {
        let is_final = blocks.peek().is_none();
        out.push(u8::from(is_final));
        let len = u16::try_from(block.len()).unwrap_or(u16::MAX);
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(block);
    }
    let mut crc = flate2::Crc::new();
    crc.update(data);
    out.extend_from_slice(&crc.sum().to_le_bytes());
    // ISIZE is the length modulo 2^32.
    let isize = (data.len() as u64 & u64::from(u32::MAX)) as u32;
    out.extend_from_slice(&isize.to_le_bytes());
    out
}

/// One gzip member holding `data`.
fn member(data: &[u8], level: Compression) -> io::Result<Vec<u8>> {
    if level.level() == 0 || incompressible(data) {
        return Ok(stored_member(data));
    }
    let mut gz = GzEncoder::new(Vec::with_capacity(data.len() / 2 + 64), level);
    gz.write_all(data)?;
    gz.finish()
}

fn worker(jobs: &Mutex<Receiver<Job>>, done: &Sender<Done>, level: Compression) {
    loop {
        let job = match jobs.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => return,
        };
        let Ok((seq, data)) = job else { return };
        if done.send((seq, member(&data, level))).is_err() {
            return;
        }
    }
}

impl<W: Write> ParallelGz<W> {
    /// Compresses at `level` (0 to 9) into `out`.
    pub(crate) fn new(out: W, level: u32) -> Self {
        let level = Compression::new(level.min(9));
        let threads = std::thread::available_parallelism()
            .map_or(1, usize::from)
            .clamp(1, MAX_WORKERS);
        let (job_tx, job_rx) = mpsc::sync_channel::<Job>(threads);
        let job_rx = Arc::new(Mutex::new(job_rx));
        let (done_tx, done_rx) = mpsc::channel::<Done>();
        let mut workers = Vec::with_capacity(threads);
        for _ in 0..threads {
            let jobs = Arc::clone(&job_rx);
            let done = done_tx.clone();
            // Without a thread the work is done here, in `submit`.
            if let Ok(handle) = std::thread::Builder::new()
                .name("backup-gzip".into())
                .spawn(move || worker(&jobs, &done, level))
            {
                workers.push(handle);
            }
        }
        let max_in_flight = workers.len() as u64 + 1;
        Self {
            out,
            level,
            buffer: Vec::with_capacity(CHUNK),
            jobs: (!workers.is_empty()).then_some(job_tx),
            done: done_rx,
            workers,
            ready: BTreeMap::new(),
            next_seq: 0,
            next_write: 0,
            max_in_flight,
        }
    }

    /// Hands the buffered chunk to a worker (or compresses it here without workers).
    fn submit(&mut self) -> io::Result<()> {
        let data = std::mem::replace(&mut self.buffer, Vec::with_capacity(CHUNK));
        let seq = self.next_seq;
        self.next_seq += 1;
        if self.jobs.is_some() {
            while self.next_seq - self.next_write > self.max_in_flight {
                self.collect(true)?;
            }
        }
        match &self.jobs {
            Some(jobs) => {
                jobs.send((seq, data)).map_err(|_| stopped())?;
                self.collect(false)
            }
            None => {
                let packed = member(&data, self.level)?;
                self.ready.insert(seq, packed);
                self.write_ready()
            }
        }
    }

    /// Takes finished members (waiting for one if `block`) and writes those now in order.
    fn collect(&mut self, block: bool) -> io::Result<()> {
        if block {
            let (seq, member) = self.done.recv().map_err(|_| stopped())?;
            self.ready.insert(seq, member?);
        }
        while let Ok((seq, member)) = self.done.try_recv() {
            self.ready.insert(seq, member?);
        }
        self.write_ready()
    }

    fn write_ready(&mut self) -> io::Result<()> {
        while let Some(member) = self.ready.remove(&self.next_write) {
            self.out.write_all(&member)?;
            self.next_write += 1;
        }
        Ok(())
    }

    /// Compresses what is buffered, writes every member and returns the output.
    pub(crate) fn finish(mut self) -> io::Result<W> {
        if !self.buffer.is_empty() || self.next_seq == 0 {
            self.submit()?;
        }
        while self.next_write < self.next_seq {
            self.collect(true)?;
        }
        self.jobs = None;
        for handle in std::mem::take(&mut self.workers) {
            let _ = handle.join();
        }
        self.out.flush()?;
        let Self { out, .. } = self;
        Ok(out)
    }
}

fn stopped() -> io::Error {
    io::Error::other("a compression thread stopped")
}

impl<W: Write> Write for ParallelGz<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let room = CHUNK - self.buffer.len();
        let n = room.min(buf.len());
        self.buffer
            .extend_from_slice(buf.get(..n).unwrap_or_default());
        if self.buffer.len() == CHUNK {
            self.submit()?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        // Members are written when complete; a flush does not cut the stream.
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use flate2::read::MultiGzDecoder;

    use super::*;

    fn round_trip(data: &[u8], level: u32, write_size: usize) -> Vec<u8> {
        let mut gz = ParallelGz::new(Vec::new(), level);
        for part in data.chunks(write_size.max(1)) {
            gz.write_all(part).unwrap();
        }
        let packed = gz.finish().unwrap();
        let mut out = Vec::new();
        MultiGzDecoder::new(packed.as_slice())
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    #[test]
    fn members_decode_in_order_for_any_size() {
        let data: Vec<u8> = (0..(3 * CHUNK + 5) as u64)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        for len in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, data.len()] {
            let slice = &data[..len];
            assert_eq!(round_trip(slice, 1, 4096), slice, "length {len}");
        }
        assert_eq!(round_trip(&data, 0, 100_000), data);
        assert_eq!(round_trip(&data, 9, 7_777_777), data);
    }

    #[test]
    fn random_chunks_are_stored_and_text_is_deflated() {
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let noise: Vec<u8> = (0..CHUNK)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect();
        assert!(incompressible(&noise));
        let stored = member(&noise, Compression::fast()).unwrap();
        // Stored blocks: 5 bytes per 64 KiB block plus the gzip header and trailer.
        assert!(stored.len() < noise.len() + 200, "{}", stored.len());
        assert_eq!(round_trip(&noise, 1, 10_000), noise);
        let text = "the quick brown fox jumps over the lazy dog\n".repeat(CHUNK / 40);
        assert!(!incompressible(text.as_bytes()));
        assert!(member(text.as_bytes(), Compression::fast()).unwrap().len() < text.len() / 10);
        // Short data is never judged.
        assert!(!incompressible(&noise[..100]));
        // Stored members of any length decode, empty included.
        for len in [
            0,
            1,
            MAX_STORED - 1,
            MAX_STORED,
            MAX_STORED + 1,
            3 * MAX_STORED,
        ] {
            let mut out = Vec::new();
            MultiGzDecoder::new(stored_member(&noise[..len]).as_slice())
                .read_to_end(&mut out)
                .unwrap();
            assert_eq!(out, &noise[..len], "length {len}");
        }
    }

    #[test]
    fn output_errors_come_back() {
        struct Full;
        impl Write for Full {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::Error::new(io::ErrorKind::StorageFull, "full"))
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let mut gz = ParallelGz::new(Full, 1);
        let data = vec![1u8; 5 * CHUNK];
        let err = gz
            .write_all(&data)
            .and_then(|()| gz.finish().map(|_| ()))
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::StorageFull);
    }
}
