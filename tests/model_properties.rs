//! Properties of the model and the engine: levers, common random numbers,
//! sampled distributions, monotone responses, invariants, the record.

mod common;

use bilateral::engine::prepare_run;
use bilateral::model::{Event, Observer, State, simulate};
use bilateral::scenario::{ParamValue, ResolvedLever, Scenario};
use common::*;

fn load(name: &str) -> Scenario {
    Scenario::load(&scenario(name)).expect("shipped scenario loads")
}

#[test]
fn levers_change_exactly_the_parameters_they_override_with_common_draws() {
    let s = load("us_mexico_2025-09.toml");
    let baseline = ResolvedLever::new(&s, s.lever("baseline").unwrap()).unwrap();
    assert!(
        s.levers.len() >= 5,
        "at least four levers besides the baseline"
    );
    for lever in &s.levers[1..] {
        let resolved = ResolvedLever::new(&s, lever).unwrap();
        let overridden: Vec<usize> = lever.overrides.iter().map(|(i, _)| *i).collect();
        for run in 0..20 {
            let (_, _, base_values, seed_a) = prepare_run(&baseline, s.seed, run);
            let (_, _, lever_values, seed_b) = prepare_run(&resolved, s.seed, run);
            assert_eq!(seed_a, seed_b, "run {run} shares its seed across levers");
            for (i, (a, b)) in base_values.iter().zip(&lever_values).enumerate() {
                if overridden.contains(&i) {
                    if let Some((_, ParamValue::Fixed(x))) =
                        lever.overrides.iter().find(|(j, _)| *j == i)
                    {
                        assert_eq!(b, x, "{} sets {}", lever.name, s.path_of(i));
                    }
                } else {
                    assert_eq!(
                        a,
                        b,
                        "{} must not change {} (run {run})",
                        lever.name,
                        s.path_of(i)
                    );
                }
            }
        }
    }
}

#[test]
fn levers_move_their_target_outcomes_in_the_intended_direction() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("out");
    bilateral()
        .arg("run")
        .arg(scenario("us_mexico_2025-09.toml"))
        .args(["--runs", "400", "--quiet", "--no-runs", "--out"])
        .arg(&dir)
        .assert()
        .success();
    let mean = |lever: &str, metric: &str| summary_value(&dir, lever, metric, "mean");
    assert!(mean("baseline", "mx_retaliated") < 0.2);
    assert!(mean("mx_retaliates", "mx_retaliated") > 0.9);
    assert!(
        mean("mx_retaliates", "trade_loss_usd_bn") > 2.0 * mean("baseline", "trade_loss_usd_bn")
    );
    assert!(
        mean("formal_agreement", "agreement_signed") > mean("baseline", "agreement_signed") + 0.3
    );
    assert!(
        mean("relief_for_transfers", "us_tariff_pct_end")
            < mean("baseline", "us_tariff_pct_end") - 3.0
    );
    assert!(
        mean("us_escalates_30", "max_us_tariff_pct") > mean("baseline", "max_us_tariff_pct") + 3.0
    );
    assert!(mean("us_strikes_cartels", "us_strike_mx") > 0.9);
    assert!(mean("baseline", "us_strike_mx") < 0.2);
    // Unilateral action costs the relationship: cooperation ends lower.
    assert!(
        mean("us_strikes_cartels", "cooperation_level_end")
            < mean("baseline", "cooperation_level_end") - 0.3
    );
}

/// Share of runs in which Mexico retaliates when its taste for retaliation is `bias`.
fn retaliation_share(s: &Scenario, bias: f64, runs: u64) -> f64 {
    let mut lever = s.lever("baseline").unwrap().clone();
    let index = (0..s.baseline.len())
        .find(|&i| s.path_of(i) == "mx.retaliation_bias")
        .unwrap();
    lever.overrides.push((index, ParamValue::Fixed(bias)));
    let resolved = ResolvedLever::new(s, &lever).unwrap();
    let retaliated = (0..runs)
        .filter(|&run| {
            let (p, mut rngs, _, _) = prepare_run(&resolved, s.seed, run);
            let (state, _) = simulate(
                &p,
                &resolved.rules,
                s.calendar.horizon_weeks,
                &mut rngs,
                &mut bilateral::model::NoObserver,
            );
            state.actors[1].retaliated_ever
        })
        .count();
    retaliated as f64 / runs as f64
}

#[test]
fn retaliation_rises_monotonically_with_the_taste_for_it() {
    let s = load("us_mexico_2025-09.toml");
    let shares: Vec<f64> = [-2.0, 1.0, 2.5, 4.0]
        .iter()
        .map(|&b| retaliation_share(&s, b, 300))
        .collect();
    assert!(shares.windows(2).all(|w| w[0] < w[1]), "{shares:?}");
    assert!(shares[0] < 0.1 && shares[3] > 0.5, "{shares:?}");
}

/// Checks invariants of the state after every week and every event.
#[derive(Default)]
struct Invariants {
    last_handed_over: f64,
    agreement_seen: bool,
    weeks: u32,
}

impl Invariants {
    fn check(&mut self, s: &State) {
        assert!((0.0..=1.0).contains(&s.trust), "trust {}", s.trust);
        assert!(s.cooperation_level <= 4);
        for a in &s.actors {
            assert!((0.0..=100.0).contains(&a.approval_pct));
            assert!((0.0..=1.0).contains(&a.exempt_share));
            assert!(a.tariff_pct >= 0.0 && a.tariff_pct <= a.tariff_cap_pct + 1e-9);
            assert!(a.flow_index.is_finite() && a.flow_index > 0.0);
            assert!(a.trade_index.is_finite() && a.trade_index > 0.0);
            assert!(a.demand.is_finite() && a.demand >= 0.0);
            assert!(a.transfer_pool >= 0.0);
        }
        // People handed over only accumulate; an agreement once signed stays signed.
        assert!(s.actors[1].handed_over >= self.last_handed_over);
        self.last_handed_over = s.actors[1].handed_over;
        assert!(!self.agreement_seen || s.agreement_signed_ever());
        self.agreement_seen = s.agreement_signed_ever();
        assert!(s.trade_loss_usd_bn.is_finite() && s.trade_loss_usd_bn >= -1e-9);
    }
}

impl Observer for Invariants {
    fn event(&mut self, _week: u32, _event: &Event, state: &State) {
        self.check(state);
    }
    fn week_end(&mut self, state: &State) {
        self.check(state);
        self.weeks += 1;
    }
}

#[test]
fn state_stays_within_its_bounds_in_every_lever() {
    for name in ["us_mexico_2025-02.toml", "us_mexico_2025-09.toml"] {
        let s = load(name);
        for lever in &s.levers {
            let resolved = ResolvedLever::new(&s, lever).unwrap();
            for run in 0..60 {
                let (p, mut rngs, _, _) = prepare_run(&resolved, s.seed, run);
                let mut inv = Invariants::default();
                simulate(
                    &p,
                    &resolved.rules,
                    s.calendar.horizon_weeks,
                    &mut rngs,
                    &mut inv,
                );
                assert_eq!(inv.weeks, s.calendar.horizon_weeks + 1);
            }
        }
    }
}

#[test]
fn a_trace_tells_the_same_story_as_its_runs_csv_row() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("out");
    bilateral()
        .arg("run")
        .arg(scenario("us_mexico_2025-02.toml"))
        .args(["--runs", "12", "--quiet", "--out"])
        .arg(&dir)
        .assert()
        .success();
    let (h, rows) = read_csv(&dir.join("runs.csv"));
    for run in [0usize, 5, 11] {
        let out = bilateral()
            .arg("trace")
            .arg(scenario("us_mexico_2025-02.toml"))
            .args(["--run", &run.to_string()])
            .output()
            .unwrap();
        assert!(out.status.success());
        let mut r = csv::Reader::from_reader(out.stdout.as_slice());
        let th: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
        let events: Vec<Vec<String>> = r
            .records()
            .map(|x| x.unwrap().iter().map(str::to_string).collect())
            .collect();
        let count = |action: &str| {
            events
                .iter()
                .filter(|e| e[col(&th, "action")] == action)
                .count() as f64
        };
        let row = &rows[run];
        let metric = |m: &str| row[col(&h, m)].parse::<f64>().unwrap();
        assert_eq!(
            count("transfer_batch"),
            metric("transfer_batches"),
            "run {run}"
        );
        // The threat pending at the start counts as issued.
        assert_eq!(
            count("threaten_tariff") + 1.0,
            metric("threats_issued"),
            "run {run}"
        );
        assert_eq!(
            count("impose_tariff"),
            metric("threats_carried_out"),
            "run {run}"
        );
        let last = events.last().unwrap();
        assert_eq!(
            last[col(&th, "extraditions_cum")].parse::<f64>().unwrap(),
            metric("extraditions_total")
        );
    }
}
