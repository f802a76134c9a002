//! Benchmarks of parsing, validation and lint on generated rule files.
#![allow(missing_docs, clippy::unwrap_used)]

use criterion::{Criterion, criterion_group, criterion_main};
use rules::{CheckOptions, Checker};

#[path = "support/corpus.rs"]
mod corpus;

fn bench(c: &mut Criterion) {
    let src = corpus::generate(500, 42);
    c.bench_function("parse 500 rules", |b| {
        b.iter(|| rules::parse("b.yml", &src, &rules::ParseOptions::default()).unwrap())
    });
    for (name, validate_only) in [
        ("validate 500 rules", true),
        ("validate+lint 500 rules", false),
    ] {
        c.bench_function(name, |b| {
            b.iter(|| {
                let mut ch = Checker::new(CheckOptions {
                    validate_only,
                    ..CheckOptions::default()
                });
                ch.add_source("b.yml", &src);
                ch.finish()
            })
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
