//! Benchmarks of the simulation core: one week (with a run's set-up) and a
//! whole run of the shipped September 2025 scenario, scalar, and four whole
//! runs at once on each path of the batched step (issue 17). Per run, the
//! batched figure over four against the scalar one is the step's speed-up
//! without the engine's statistics (`bilateral bench` times those too).

use std::hint::black_box;
use std::path::Path;

use bilateral::engine::prepare_run;
use bilateral::model::batch::simulate_lanes;
use bilateral::model::lanes::{LANES, LanePath};
use bilateral::model::{NoObserver, simulate};
use bilateral::scenario::{ResolvedLever, Scenario};
use criterion::{Criterion, criterion_group, criterion_main};

fn bench(c: &mut Criterion) {
    let scenario =
        Scenario::load(Path::new("scenarios/us_mexico_2025-09.toml")).expect("scenario loads");
    let lever = ResolvedLever::new(&scenario, scenario.lever("baseline").expect("baseline"))
        .expect("resolves");
    let weeks = scenario.calendar.horizon_weeks;
    let mut run = 0u64;
    c.bench_function("prepare_run (draw uncertainties, seed streams)", |b| {
        b.iter(|| {
            run += 1;
            black_box(prepare_run(&lever, scenario.seed, run))
        })
    });
    c.bench_function("one week (with run set-up)", |b| {
        b.iter(|| {
            run += 1;
            let (p, mut rngs, _, _) = prepare_run(&lever, scenario.seed, run);
            black_box(simulate(&p, &lever.rules, 1, &mut rngs, &mut NoObserver))
        })
    });
    c.bench_function("whole run (104 weeks)", |b| {
        b.iter(|| {
            run += 1;
            let (p, mut rngs, _, _) = prepare_run(&lever, scenario.seed, run);
            black_box(simulate(
                &p,
                &lever.rules,
                weeks,
                &mut rngs,
                &mut NoObserver,
            ))
        })
    });
    for path in LanePath::available() {
        let name = format!("{LANES} whole runs batched ({})", path.name());
        c.bench_function(&name, |b| {
            b.iter(|| {
                let runs: [_; LANES] =
                    std::array::from_fn(|l| prepare_run(&lever, scenario.seed, run + l as u64));
                run += LANES as u64;
                let params = std::array::from_fn(|l| &runs[l].0);
                let mut rngs = std::array::from_fn(|l| runs[l].1.clone());
                let mut observers = [const { NoObserver }; LANES];
                black_box(simulate_lanes(
                    path,
                    params,
                    &lever.rules,
                    weeks,
                    &mut rngs,
                    &mut observers,
                ))
            })
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
