//! Create and restore throughput on the local store (hot paths: tar + gzip + SHA-256).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::fs;
use std::sync::Arc;

use backup::{FileSource, LocalStore, ManualClock, NoProgress, Repository, RestoreOptions};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("data");
    fs::create_dir_all(src.join("small")).unwrap();
    fs::write(src.join("big.bin"), noise(8 << 20, 1)).unwrap();
    for i in 0..500 {
        fs::write(src.join("small").join(format!("f{i:04}")), noise(2048, i)).unwrap();
    }
    let total = (8 << 20) + 500 * 2048;
    let clock = Arc::new(ManualClock::new(time::OffsetDateTime::UNIX_EPOCH));
    let repo = Repository::new(LocalStore::new(tmp.path().join("store"))).with_clock(clock.clone());

    let mut group = c.benchmark_group("local");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(total));
    group.bench_function("create", |b| {
        b.iter(|| {
            clock.advance(time::Duration::seconds(1));
            repo.create(&[FileSource::new(&src).into()], &mut NoProgress)
                .unwrap()
        })
    });
    let name = repo.list().unwrap()[0].name.clone();
    let mut n = 0;
    group.bench_function("restore", |b| {
        b.iter(|| {
            n += 1;
            let dest = tmp.path().join(format!("r{n}"));
            repo.restore(&name, &dest, RestoreOptions::new(), &mut NoProgress)
                .unwrap();
            fs::remove_dir_all(&dest).unwrap();
        })
    });
    group.bench_function("verify_deep", |b| {
        b.iter(|| assert!(repo.verify(&name, true).unwrap().is_ok()))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
