//! Phone parsing speed (issue: foundation). Target: ≤ 0.1 µs per typical number.
//! Run: `cargo bench --bench phone`.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use practicetext::phone::E164;

fn parse(c: &mut Criterion) {
    let mut g = c.benchmark_group("phone_parse");
    g.throughput(Throughput::Elements(1));
    for input in [
        "(650) 253-0000",
        "+1 650 253 0000",
        "650.253.0000",
        "6502530000",
    ] {
        g.bench_function(input, |b| b.iter(|| E164::parse(black_box(input))));
    }
    g.bench_function("refused: +44 20 7946 0958", |b| {
        b.iter(|| E164::parse(black_box("+44 20 7946 0958")))
    });
    g.finish();

    let batch: Vec<String> = (0..1000)
        .map(|i| format!("({}) 253-{:04}", [650, 416, 212, 604][i % 4], i))
        .collect();
    let mut g = c.benchmark_group("phone_parse_batch");
    g.throughput(Throughput::Elements(batch.len() as u64));
    g.bench_function("1000 mixed US/CA", |b| {
        b.iter(|| {
            batch
                .iter()
                .filter(|s| E164::parse(black_box(s)).is_ok())
                .count()
        })
    });
    g.finish();
}

criterion_group!(benches, parse);
criterion_main!(benches);
