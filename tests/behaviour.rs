//! Behavioural (metamorphic) tests: directions that must hold whatever the
//! exact numbers, each over paired runs (common random numbers) with a 95%
//! confidence interval of the mean difference that must exclude zero.

use std::path::Path;
use std::sync::OnceLock;

use bilateral::engine::count_regularities as regularities;
use bilateral::engine::prepare_run;
use bilateral::model::outcome::{self, METRICS};
use bilateral::model::{NoObserver, Observer, State, choice_probabilities, simulate};
use bilateral::regularities::Regularity;
use bilateral::scenario::{ParamValue, ResolvedLever, Scenario};
use bilateral::stats::Paired;

const RUNS: u64 = 400;

fn scenario(name: &str) -> Scenario {
    Scenario::load(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("scenarios")
            .join(name),
    )
    .unwrap()
}

fn index(s: &Scenario, path: &str) -> usize {
    (0..s.baseline.len())
        .find(|&i| s.path_of(i) == path)
        .unwrap_or_else(|| panic!("no {path}"))
}

fn metric(name: &str) -> usize {
    METRICS
        .iter()
        .position(|m| outcome::expand(m.template, &["us".into(), "mx".into()]) == name)
        .unwrap()
}

/// Metric values of every run of the baseline with `set` applied.
fn runs_with(s: &Scenario, set: &[(&str, f64)]) -> Vec<Vec<f64>> {
    let mut lever = s.lever("baseline").unwrap().clone();
    for (path, x) in set {
        lever
            .overrides
            .push((index(s, path), ParamValue::Fixed(*x)));
    }
    let resolved = ResolvedLever::new(s, &lever).unwrap();
    (0..RUNS)
        .map(|run| {
            let (p, mut rngs, _, _) = prepare_run(&resolved, s.seed, run);
            let (state, totals) = simulate(
                &p,
                &resolved.rules,
                s.calendar.horizon_weeks,
                &mut rngs,
                &mut NoObserver,
            );
            let mut m = vec![0.0; METRICS.len()];
            outcome::metrics(&state, &totals, &mut m);
            m
        })
        .collect()
}

/// 95% interval of the mean paired difference (high − low) of `f`.
fn paired_ci(low: &[Vec<f64>], high: &[Vec<f64>], f: impl Fn(&[f64]) -> f64) -> (f64, f64) {
    let mut p = Paired::default();
    for (a, b) in high.iter().zip(low) {
        p.add(f(a), f(b));
    }
    p.ci95().expect("enough pairs")
}

#[test]
fn a_more_willing_extraditer_faces_a_lower_mean_tariff() {
    let s = scenario("us_mexico_2025-09.toml");
    let reluctant = runs_with(&s, &[("mx.transfer_cost", 8.0)]);
    let willing = runs_with(&s, &[("mx.transfer_cost", 2.0)]);
    let (lo, hi) = paired_ci(&reluctant, &willing, |m| m[metric("us_tariff_pct_mean")]);
    assert!(hi < 0.0, "willing - reluctant mean tariff: [{lo}, {hi}]");
    let (lo, _) = paired_ci(&reluctant, &willing, |m| m[metric("transfer_batches")]);
    assert!(lo > 0.0, "the willing side does transfer more");
}

#[test]
fn a_higher_demand_ratchet_brings_more_threats() {
    let s = scenario("us_mexico_2025-09.toml");
    let low = runs_with(&s, &[("us.demand_ratchet", 0.1)]);
    let high = runs_with(&s, &[("us.demand_ratchet", 1.0)]);
    let (lo, hi) = paired_ci(&low, &high, |m| m[metric("threats_issued")]);
    assert!(lo > 0.0, "threats, high - low ratchet: [{lo}, {hi}]");
}

#[test]
fn a_higher_retaliation_propensity_brings_retaliation_and_a_higher_maximum_tariff() {
    let s = scenario("us_mexico_2025-09.toml");
    let low = runs_with(&s, &[("mx.retaliation_bias", -1.0)]);
    let high = runs_with(&s, &[("mx.retaliation_bias", 3.0)]);
    let (lo, _) = paired_ci(&low, &high, |m| m[metric("mx_retaliated")]);
    assert!(lo > 0.0, "more retaliation");
    let (lo, hi) = paired_ci(&low, &high, |m| m[metric("max_us_tariff_pct")]);
    assert!(
        lo > 0.0,
        "the US answers: max tariff, high - low: [{lo}, {hi}]"
    );
}

#[test]
fn a_higher_trade_elasticity_raises_the_trade_loss_per_tariff_point() {
    let s = scenario("us_mexico_2025-09.toml");
    // Both horizons scaled together, so the speed of adjustment (set by
    // their ratio) is the same and only the size of the response differs.
    let elastic = [
        ("us.import_elasticity_1y", -1.6),
        ("us.import_elasticity_long", -6.0),
        ("mx.import_elasticity_1y", -1.6),
        ("mx.import_elasticity_long", -6.0),
    ];
    let inelastic = [
        ("us.import_elasticity_1y", -0.4),
        ("us.import_elasticity_long", -1.5),
        ("mx.import_elasticity_1y", -0.4),
        ("mx.import_elasticity_long", -1.5),
    ];
    let low = runs_with(&s, &inelastic);
    let high = runs_with(&s, &elastic);
    let per_point =
        |m: &[f64]| m[metric("trade_loss_usd_bn")] / m[metric("us_tariff_pct_mean")].max(1e-9);
    let (lo, hi) = paired_ci(&low, &high, per_point);
    assert!(
        lo > 0.0,
        "loss per tariff point, elastic - inelastic: [{lo}, {hi}]"
    );
    // Trade does not feed back into choices, so the tariff paths are the
    // same run by run and the loss is higher in every single run.
    for (a, b) in high.iter().zip(&low) {
        assert_eq!(
            a[metric("us_tariff_pct_mean")],
            b[metric("us_tariff_pct_mean")]
        );
        assert!(a[metric("trade_loss_usd_bn")] >= b[metric("trade_loss_usd_bn")]);
    }
}

/// Records the state of every week.
#[derive(Default)]
struct States(Vec<State>);
impl Observer for States {
    fn week_end(&mut self, state: &State) {
        self.0.push(*state);
    }
}

#[test]
fn infinite_rationality_chooses_the_best_move_and_zero_rationality_chooses_uniformly() {
    let s = scenario("us_mexico_2025-02.toml");
    let resolved = ResolvedLever::new(&s, s.lever("baseline").unwrap()).unwrap();
    let (p, mut rngs, _, _) = prepare_run(&resolved, s.seed, 0);
    let mut states = States::default();
    simulate(&p, &[], s.calendar.horizon_weeks, &mut rngs, &mut states);
    let mut checked = 0;
    for state in &states.0 {
        for i in 0..2 {
            // Rationality towards infinity (beyond the scenario range of
            // 100, which the model itself does not need).
            let mut sharp = p;
            sharp.actors[i].rationality = 1e9;
            let probs = choice_probabilities(i, state, &sharp);
            let top = probs.iter().map(|x| x.1).fold(0.0, f64::max);
            // Deterministic given the state: one move has all the mass
            // (up to ties, which split it evenly).
            let ties = probs.iter().filter(|x| x.1 > 1e-9).count() as f64;
            assert!((top * ties - 1.0).abs() < 1e-9, "{probs:?}");
            let mut flat = p;
            flat.actors[i].rationality = 0.0;
            let probs = choice_probabilities(i, state, &flat);
            let n = probs.len() as f64;
            assert!(
                probs.iter().all(|x| (x.1 - 1.0 / n).abs() < 1e-12),
                "uniform over feasible moves"
            );
            checked += 1;
        }
    }
    assert!(checked > 50);
}

fn record() -> &'static Vec<Regularity> {
    static LIST: OnceLock<Vec<Regularity>> = OnceLock::new();
    LIST.get_or_init(|| {
        let s = scenario("us_mexico_2025-02.toml");
        regularities(&s, 1000, s.seed, 2).unwrap()
    })
}

fn share(id: &str) -> f64 {
    let r = record().iter().find(|r| r.id == id).unwrap();
    println!(
        "{id}: {:.1}% of {} runs: {}",
        100.0 * r.share(),
        r.applicable,
        r.description
    );
    assert!(r.applicable >= 100, "{id} applies in too few runs");
    r.share()
}

macro_rules! regularity {
    ($name:ident, $id:literal, $min:expr) => {
        #[test]
        fn $name() {
            let s = share($id);
            assert!(s > $min, "{} holds in {:.1}% of runs", $id, 100.0 * s);
        }
    };
}

// The shipped scenario was calibrated with R1 >= 85%, R3 >= 90%, R4 >= 90%,
// R5 >= 95%, R6 >= 90% and R7 >= 85% required (docs/MODEL.md, section 13).
// Measured over 2,000 runs (`cargo run --release --example regularities`):
// R1 84.5, R2 91.2, R3 92.8, R4 100, R5 99.6, R6 100, R7 90.0, R8 92.8,
// R9 100, R10 76.8, R11 100 (%). The floors sit about four standard errors
// of a 1,000-run share below (R7 applies in ~400 of them).
regularity!(
    r1_a_threat_is_paused_within_days_for_a_visible_concession,
    "R1",
    0.79
);
regularity!(
    r2_transfers_come_in_batches_shortly_before_deadlines,
    "R2",
    0.87
);
regularity!(
    r3_most_deadlines_pass_without_the_threatened_step,
    "R3",
    0.89
);
regularity!(r4_an_imposed_tariff_is_partly_rolled_back_fast, "R4", 0.99);
regularity!(r5_the_threatened_side_does_not_retaliate, "R5", 0.98);
regularity!(r6_the_tariff_stays_above_zero_for_months, "R6", 0.99);
regularity!(
    r7_escalated_threats_are_extended_rather_than_applied,
    "R7",
    0.84
);
regularity!(
    r8_cooperation_deepens_step_by_step_without_an_agreement,
    "R8",
    0.89
);
regularity!(r9_sovereignty_red_lines_hold, "R9", 0.99);
regularity!(r10_approval_erodes_after_the_rally, "R10", 0.70);
regularity!(r11_pressure_does_not_ease_with_results, "R11", 0.99);

/// The share of runs in which regularity `id` holds with `set` applied to
/// the February scenario's baseline (500 runs).
fn share_with(id: &str, set: &[(&str, f64)]) -> f64 {
    let mut s = scenario("us_mexico_2025-02.toml");
    for (path, x) in set {
        let i = index(&s, path);
        s.levers[0].overrides.push((i, ParamValue::Fixed(*x)));
    }
    let found = regularities(&s, 500, s.seed, 2).unwrap();
    found.iter().find(|r| r.id == id).unwrap().share()
}

// Each regularity that holds in (nearly) every run must be able to fail:
// under a parameter set that removes its cause it does.

#[test]
fn r4_fails_when_the_government_never_exempts() {
    let s = share_with("R4", &[("us.exemption_value", -30.0)]);
    assert!(s < 0.2, "R4 without exemptions: {s}");
}

#[test]
fn r6_fails_when_the_government_cuts_at_once() {
    let s = share_with(
        "R6",
        &[
            ("us.relief_weight", 40.0),
            ("us.audience_cost", 0.0),
            ("us.cut_step_pct", 25.0),
        ],
    );
    assert!(s < 0.5, "R6 with eager cuts: {s}");
}

#[test]
fn r9_fails_when_a_strike_is_attractive() {
    let s = share_with("R9", &[("us.strike_base_utility", 5.0)]);
    assert!(s < 0.2, "R9 with attractive strikes: {s}");
}

#[test]
fn r11_fails_without_the_demand_ratchet() {
    let s = share_with("R11", &[("us.demand_ratchet", 0.0)]);
    assert!(s < 0.2, "R11 without a ratchet: {s}");
}

#[test]
fn r5_fails_when_retaliation_is_attractive() {
    let s = share_with("R5", &[("mx.retaliation_bias", 10.0)]);
    assert!(s < 0.2, "R5 with a taste for retaliation: {s}");
}

#[test]
fn the_regularities_do_not_depend_on_the_thread_count() {
    let s = scenario("us_mexico_2025-02.toml");
    let one = regularities(&s, 300, s.seed, 1).unwrap();
    assert_eq!(one, regularities(&s, 300, s.seed, 2).unwrap());
    assert!(
        one.iter()
            .all(|r| r.applicable > 0 && r.holds <= r.applicable)
    );
}
