//! The model's exponential: scalar `exp` against `exp_lanes` (issue 17),
//! per batch of four values in the logit's range [-37, 0].

use std::hint::black_box;

use bilateral::model::exp::exp;
use bilateral::model::lanes::{LANES, LanePath, exp_lanes, exp_lanes_on};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn bench(c: &mut Criterion) {
    let xs: Vec<[f64; LANES]> = (0..1024)
        .map(|j| {
            std::array::from_fn(|l| -37.0 * ((4 * j + l) as f64 * 0.754_877_666_246_692_7).fract())
        })
        .collect();
    let mut group = c.benchmark_group("exp of 4096 values");
    group.throughput(Throughput::Elements((xs.len() * LANES) as u64));
    group.bench_function("scalar exp", |b| {
        b.iter(|| {
            for x in black_box(&xs) {
                black_box(x.map(exp));
            }
        })
    });
    group.bench_function("exp_lanes (inlined)", |b| {
        b.iter(|| {
            for &x in black_box(&xs) {
                black_box(exp_lanes(x));
            }
        })
    });
    for path in LanePath::available() {
        group.bench_function(format!("exp_lanes_on {}", path.name()), |b| {
            b.iter(|| {
                for &x in black_box(&xs) {
                    black_box(exp_lanes_on(path, x));
                }
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
