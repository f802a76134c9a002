//! Hot paths: parsing a Rollout stream, planning it, evaluating a condition, and simulating.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use criterion::{Criterion, black_box, criterion_group, criterion_main};
use rollout_plan::analysis::expr::{Condition, Val};
use rollout_plan::analysis::run::{ProviderValue, evaluate};
use rollout_plan::sim::{Scenario, simulate_scenario};
use rollout_plan::{parse_str, plan, validate, validate::Options};

const GUIDE: &str = include_str!("../tests/fixtures/guide-canary.yaml");

fn benches(c: &mut Criterion) {
    c.bench_function("parse guide canary", |b| {
        b.iter(|| parse_str(black_box(GUIDE), "g.yaml").unwrap())
    });
    let m = parse_str(GUIDE, "g.yaml").unwrap();
    c.bench_function("validate guide canary", |b| {
        b.iter(|| validate(black_box(&m), &Options::new()))
    });
    c.bench_function("plan guide canary", |b| {
        b.iter(|| plan(black_box(&m.rollouts[0]), &m.templates).unwrap())
    });
    let cond = Condition::parse("len(result) > 0 && result[0] >= 0.95").unwrap();
    let v = Val::List(vec![Val::Float(0.99)]);
    c.bench_function("eval compiled condition", |b| {
        b.iter(|| cond.eval_bool(black_box(&v)).unwrap())
    });
    let pv = ProviderValue::PromVector(vec![0.99]);
    c.bench_function("evaluate measurement (parse + eval)", |b| {
        b.iter(|| evaluate(black_box(&pv), "len(result) > 0 && result[0] >= 0.95", ""))
    });
    let s = Scenario::from_yaml("metrics:\n  success-rate:\n  - {at: 0s, value: 0.99}\n").unwrap();
    c.bench_function("simulate guide canary (13 min)", |b| {
        b.iter(|| {
            simulate_scenario(black_box(&m.rollouts[0]), &m.templates, &s, 3_600_000).unwrap()
        })
    });
}

criterion_group!(group, benches);
criterion_main!(group);
