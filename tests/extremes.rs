//! Extreme but valid parameters: every parameter at its allowed minimum and
//! maximum (one at a time, then all together) runs and gives finite outputs.

use std::path::Path;

use bilateral::engine::prepare_run;
use bilateral::model::outcome::{self, METRICS, VARIABLES};
use bilateral::model::params::{self, layout};
use bilateral::model::{Event, Observer, State, simulate};
use bilateral::scenario::{ParamValue, ResolvedLever, Scenario};

/// Checks every month-end variable at every week.
struct Finite;

impl Observer for Finite {
    fn event(&mut self, _: u32, _: &Event, state: &State) {
        check(state);
    }
    fn week_end(&mut self, state: &State) {
        check(state);
    }
}

fn check(state: &State) {
    let mut v = vec![0.0; VARIABLES.len()];
    outcome::variables(state, &mut v);
    for (k, x) in v.iter().enumerate() {
        assert!(
            x.is_finite(),
            "{} = {x} at week {}",
            VARIABLES[k].template,
            state.week
        );
    }
}

fn run_with(s: &Scenario, set: &[(usize, f64)]) {
    let mut scenario = s.clone();
    for &(i, x) in set {
        scenario.baseline[i] = ParamValue::Fixed(x);
    }
    for lever in &scenario.levers {
        let resolved = ResolvedLever::new(&scenario, lever).unwrap();
        for run in 0..2 {
            let (p, mut rngs, _, _) = prepare_run(&resolved, scenario.seed, run);
            let (state, totals) = simulate(
                &p,
                &resolved.rules,
                scenario.calendar.horizon_weeks,
                &mut rngs,
                &mut Finite,
            );
            let mut m = vec![0.0; METRICS.len()];
            outcome::metrics(&state, &totals, &mut m);
            for (k, x) in m.iter().enumerate() {
                assert!(
                    x.is_finite() || (METRICS[k].template == "weeks_to_agreement" && x.is_nan()),
                    "{} = {x} with {:?}",
                    METRICS[k].template,
                    set.iter()
                        .map(|(i, v)| (scenario.path_of(*i), *v))
                        .collect::<Vec<_>>()
                );
            }
        }
    }
}

#[test]
fn each_parameter_at_its_bounds_gives_finite_outputs() {
    let s = Scenario::load(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/us_mexico_2025-09.toml"),
    )
    .unwrap();
    for i in 0..layout::TOTAL {
        let (_, _, spec) = params::spec_at(i);
        for x in [spec.min, spec.max] {
            run_with(&s, &[(i, x)]);
        }
    }
}

#[test]
fn all_parameters_at_their_bounds_at_once_give_finite_outputs() {
    let s = Scenario::load(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/us_mexico_2025-02.toml"),
    )
    .unwrap();
    for pick in [0, 1, 2] {
        let set: Vec<(usize, f64)> = (0..layout::TOTAL)
            .map(|i| {
                let (_, _, spec) = params::spec_at(i);
                // 0: all minima, 1: all maxima, 2: alternating.
                let high = match pick {
                    0 => false,
                    1 => true,
                    _ => i % 2 == 0,
                };
                (i, if high { spec.max } else { spec.min })
            })
            .collect();
        run_with(&s, &set);
    }
}

#[test]
fn rationality_zero_and_huge_run_to_finite_outputs() {
    let s = Scenario::load(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/us_mexico_2025-02.toml"),
    )
    .unwrap();
    let idx = |path: &str| (0..layout::TOTAL).find(|&i| s.path_of(i) == path).unwrap();
    run_with(
        &s,
        &[(idx("us.rationality"), 0.0), (idx("mx.rationality"), 0.0)],
    );
    run_with(
        &s,
        &[
            (idx("us.rationality"), 100.0),
            (idx("mx.rationality"), 100.0),
        ],
    );
}
