//! Regularity tests of the US–Canada and US–China scenarios, and the
//! direction of each retaliation, escalation and truce mechanism.
//!
//! Each regularity is a share of runs of the shipped February scenario in
//! which a pattern of the 2025 record (`../shared/seed/record_us_*_2025.md`,
//! "Regularities") holds. The floors sit about four standard errors below the
//! share measured when they were set (given beside each), so a change of the
//! model that weakens a pattern fails here while noise does not.

use std::path::Path;
use std::sync::OnceLock;

use bilateral::engine::prepare_run;
use bilateral::model::outcome::{self, METRICS};
use bilateral::model::{Action, Event, Observer, State, simulate};
use bilateral::scenario::{ParamValue, ResolvedLever, Scenario};
use bilateral::stats::Paired;
use rayon::prelude::*;

/// Runs per regularity check: a share near 0.8 has a standard error of 0.013.
const RUNS: u64 = 1000;
/// Pairs per direction test.
const PAIRS: u64 = 400;

fn scenario(name: &str) -> Scenario {
    Scenario::load(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("scenarios")
            .join(name),
    )
    .unwrap()
}

/// What one run did, week by week.
#[derive(Default)]
struct Story {
    /// (week, actor, move) of every chosen move and fired rule.
    moves: Vec<(u32, usize, Action)>,
    /// Both headline tariffs after each week (index = weeks done: 0 is the
    /// start, w + 1 the end of week w).
    tariffs: Vec<[f64; 2]>,
    /// Weeks in which a truce lapsed.
    lapses: Vec<u32>,
}

impl Observer for Story {
    fn event(&mut self, week: u32, event: &Event, _state: &State) {
        match *event {
            Event::Chose { actor, action, .. } | Event::RuleFired { actor, action, .. } => {
                self.moves.push((week, actor, action))
            }
            Event::TruceLapsed => self.lapses.push(week),
            _ => {}
        }
    }
    fn week_end(&mut self, state: &State) {
        self.tariffs
            .push([state.actors[0].tariff_pct, state.actors[1].tariff_pct]);
    }
}

impl Story {
    fn first(&self, actor: usize, f: impl Fn(Action) -> bool) -> Option<u32> {
        self.moves
            .iter()
            .find(|&&(_, a, m)| a == actor && f(m))
            .map(|&(w, _, _)| w)
    }
    fn any(&self, actor: usize, f: impl Fn(Action) -> bool) -> bool {
        self.first(actor, f).is_some()
    }
}

/// The stories of the baseline's first `RUNS` runs of `name`.
fn stories(name: &str) -> Vec<Story> {
    let s = scenario(name);
    let lever = ResolvedLever::new(&s, s.lever("baseline").unwrap()).unwrap();
    (0..RUNS)
        .into_par_iter()
        .map(|run| {
            let (p, mut rngs, _, _) = prepare_run(&lever, s.seed, run);
            let mut story = Story::default();
            simulate(
                &p,
                &lever.rules,
                s.calendar.horizon_weeks,
                &mut rngs,
                &mut story,
            );
            story
        })
        .collect()
}

fn canada() -> &'static Vec<Story> {
    static S: OnceLock<Vec<Story>> = OnceLock::new();
    S.get_or_init(|| stories("us_canada_2025-02.toml"))
}

fn china() -> &'static Vec<Story> {
    static S: OnceLock<Vec<Story>> = OnceLock::new();
    S.get_or_init(|| stories("us_china_2025-02.toml"))
}

/// Share of the runs where `applies` in which `holds`; at least 100 must apply.
fn share(
    name: &str,
    runs: &[Story],
    applies: impl Fn(&Story) -> bool,
    holds: impl Fn(&Story) -> bool,
) -> f64 {
    let applicable: Vec<&Story> = runs.iter().filter(|s| applies(s)).collect();
    assert!(
        applicable.len() >= 100,
        "{name} applies in {} runs",
        applicable.len()
    );
    let n = applicable.iter().filter(|s| holds(s)).count();
    let share = n as f64 / applicable.len() as f64;
    println!("{name}: {:.1}% of {} runs", 100.0 * share, applicable.len());
    share
}

const US: usize = 0;
const OTHER: usize = 1;

fn is_counter_tariff(a: Action) -> bool {
    matches!(a, Action::Retaliate | Action::Raise | Action::Match)
}

// ------------------------------------------------------------------ Canada

#[test]
fn canada_the_first_threat_is_paused() {
    // Record: Feb 3, one day before the deadline, a 30-day pause. Measured 0.63.
    let s = share(
        "CA1",
        canada(),
        |_| true,
        |s| {
            let first_impose = s.first(US, |a| a == Action::Impose).unwrap_or(u32::MAX);
            s.first(US, |a| a == Action::Extend)
                .is_some_and(|w| w < first_impose)
        },
    );
    assert!(s > 0.56, "CA1 {s}");
}

#[test]
fn canada_counter_tariffs_come_within_a_week_of_the_us_imposition() {
    // Record: Mar 4, the same day. Measured 0.996.
    let s = share(
        "CA2",
        canada(),
        |s| s.any(US, |a| a == Action::Impose),
        |s| {
            let imposed = s.first(US, |a| a == Action::Impose).unwrap();
            s.first(OTHER, |a| a == Action::Retaliate)
                .is_some_and(|w| w >= imposed && w <= imposed + 1)
        },
    );
    assert!(s > 0.98, "CA2 {s}");
}

#[test]
fn canada_the_us_escalates_after_the_counter_tariffs() {
    // Record: the Jul 31 order (25 -> 35%) cites Canada's retaliation. Measured 0.72.
    let s = share(
        "CA3",
        canada(),
        |s| s.any(OTHER, |a| a == Action::Retaliate),
        |s| {
            let w = s.first(OTHER, |a| a == Action::Retaliate).unwrap() as usize;
            let at = s.tariffs[w + 1][US];
            s.tariffs[w + 1..].iter().any(|t| t[US] > at + 1e-9)
        },
    );
    assert!(s > 0.66, "CA3 {s}");
}

#[test]
fn canada_the_counter_tariffs_are_later_narrowed_or_lifted() {
    // Record: remissions in spring, CUSMA goods exempted from Sep 1. Measured 0.52.
    let s = share(
        "CA4",
        canada(),
        |s| s.any(OTHER, |a| a == Action::Retaliate),
        |s| s.any(OTHER, |a| matches!(a, Action::Exempt | Action::Cut)),
    );
    assert!(s > 0.46, "CA4 {s}");
}

#[test]
fn canada_no_mass_transfers() {
    // Record: none in either direction. Measured 1.0.
    let s = share(
        "CA5",
        canada(),
        |_| true,
        |s| !s.any(US, |a| a == Action::Transfer) && !s.any(OTHER, |a| a == Action::Transfer),
    );
    assert!(s > 0.99, "CA5 {s}");
}

// ------------------------------------------------------------------- China

/// Weeks in which the US raised its headline tariff, with China's rate at
/// the end of that week.
fn us_steps(s: &Story) -> Vec<(u32, f64)> {
    (1..s.tariffs.len())
        .filter(|&k| s.tariffs[k][US] > s.tariffs[k - 1][US] + 1e-9)
        .map(|k| (k as u32 - 1, s.tariffs[k][OTHER]))
        .collect()
}

#[test]
fn china_answers_each_us_step_within_two_weeks() {
    // Record: every US step answered within hours to three days, until China
    // capped itself at 125% ("further increases meaningless"): a step met
    // with China at its cap needs no answer. Measured 0.99.
    let sc = scenario("us_china_2025-02.toml");
    let ParamValue::Fixed(cap) = sc.baseline[index(&sc, "cn.max_tariff_pct")] else {
        panic!("cn.max_tariff_pct is a point value in the shipped scenario")
    };
    let s = share(
        "CN1",
        china(),
        |s| !us_steps(s).is_empty(),
        |s| {
            us_steps(s).iter().all(|&(w, theirs)| {
                theirs >= cap - 1e-9
                    || s.moves.iter().any(|&(mw, a, m)| {
                        a == OTHER
                            && mw >= w
                            && mw <= w + 2
                            && (is_counter_tariff(m) || m == Action::RestrictExports)
                    })
            })
        },
    );
    assert!(s > 0.97, "CN1 {s}");
}

fn both_above_80(s: &Story) -> bool {
    s.tariffs.iter().any(|t| t[US] > 80.0) && s.tariffs.iter().any(|t| t[OTHER] > 80.0)
}

#[test]
fn china_both_rates_go_above_80_percent() {
    // Record: 145% / 125% in April. Measured 0.74.
    let s = share("CN2", china(), |_| true, both_above_80);
    assert!(s > 0.68, "CN2 {s}");
}

#[test]
fn china_a_truce_brings_both_rates_down_within_the_year() {
    // Record: Geneva, five weeks after the peak, 145 -> 30 and 125 -> 10.
    // Among the runs with both rates above 80%. Measured 0.99.
    let s = share("CN3", china(), both_above_80, |s| {
        let peak = s.tariffs.iter().position(|t| t[US] > 80.0).unwrap() as u32;
        s.moves.iter().any(|&(w, _, m)| {
            let after = s.tariffs[w as usize + 1];
            m == Action::AcceptTruce
                && w + 1 >= peak
                && w < peak + 52
                && after[US] < 80.0
                && after[OTHER] < 80.0
        })
    });
    assert!(s > 0.96, "CN3 {s}");
}

#[test]
fn china_the_truce_is_extended_rather_than_lapsed() {
    // Record: extended hours before expiry (Aug 11-12). Among the runs whose
    // first truce reached its expiry within the horizon. Measured 0.998.
    let s = share(
        "CN4",
        china(),
        |s| {
            s.any(US, |a| a == Action::ExtendTruce)
                || s.any(OTHER, |a| a == Action::ExtendTruce)
                || !s.lapses.is_empty()
        },
        |s| {
            let extended = s
                .moves
                .iter()
                .find(|&&(_, _, m)| m == Action::ExtendTruce)
                .map(|&(w, _, _)| w);
            match (extended, s.lapses.first()) {
                (Some(e), Some(&l)) => e < l,
                (Some(_), None) => true,
                _ => false,
            }
        },
    );
    assert!(s > 0.97, "CN4 {s}");
}

// ------------------------------------------------------ mechanism directions

fn index(s: &Scenario, path: &str) -> usize {
    (0..s.baseline.len())
        .find(|&i| s.path_of(i) == path)
        .unwrap_or_else(|| panic!("no {path}"))
}

/// Per run: the metrics and the story of the baseline with `set` applied.
fn runs_with(s: &Scenario, set: &[(&str, f64)]) -> Vec<(Vec<f64>, Story)> {
    let mut lever = s.lever("baseline").unwrap().clone();
    for (path, x) in set {
        lever
            .overrides
            .push((index(s, path), ParamValue::Fixed(*x)));
    }
    let resolved = ResolvedLever::new(s, &lever).unwrap();
    (0..PAIRS)
        .into_par_iter()
        .map(|run| {
            let (p, mut rngs, _, _) = prepare_run(&resolved, s.seed, run);
            let mut story = Story::default();
            let (state, totals) = simulate(
                &p,
                &resolved.rules,
                s.calendar.horizon_weeks,
                &mut rngs,
                &mut story,
            );
            let mut m = vec![0.0; METRICS.len()];
            outcome::metrics(&state, &totals, &mut m);
            (m, story)
        })
        .collect()
}

fn metric(s: &Scenario, name: &str) -> usize {
    METRICS
        .iter()
        .position(|m| outcome::expand(m.template, &s.ids) == name)
        .unwrap_or_else(|| panic!("no metric {name}"))
}

/// 95% interval of the mean paired difference (high − low) of `f`.
fn paired_ci(
    low: &[(Vec<f64>, Story)],
    high: &[(Vec<f64>, Story)],
    f: impl Fn(&(Vec<f64>, Story)) -> f64,
) -> (f64, f64) {
    let mut p = Paired::default();
    for (a, b) in high.iter().zip(low) {
        p.add(f(a), f(b));
    }
    p.ci95().expect("enough pairs")
}

#[test]
fn more_tariff_reciprocity_brings_more_answers_in_kind() {
    let s = scenario("us_china_2025-02.toml");
    let low = runs_with(&s, &[("cn.tariff_reciprocity", 0.5)]);
    let high = runs_with(&s, &[("cn.tariff_reciprocity", 5.0)]);
    let answers = |r: &(Vec<f64>, Story)| {
        r.1.moves
            .iter()
            .filter(|&&(_, a, m)| a == OTHER && matches!(m, Action::Raise | Action::Match))
            .count() as f64
    };
    let (lo, hi) = paired_ci(&low, &high, answers);
    assert!(
        lo > 0.0,
        "Chinese raises and matches, high - low reciprocity: [{lo}, {hi}]"
    );
}

#[test]
fn a_higher_matching_bias_brings_more_matching() {
    let s = scenario("us_china_2025-02.toml");
    let low = runs_with(&s, &[("cn.matching_bias", -3.0)]);
    let high = runs_with(&s, &[("cn.matching_bias", 3.0)]);
    let matches = |r: &(Vec<f64>, Story)| {
        r.1.moves
            .iter()
            .filter(|&&(_, a, m)| a == OTHER && m == Action::Match)
            .count() as f64
    };
    let (lo, hi) = paired_ci(&low, &high, matches);
    assert!(lo > 0.0, "Chinese matches, high - low bias: [{lo}, {hi}]");
}

#[test]
fn a_longer_truce_brings_lower_mean_tariffs() {
    // From the September state: the truce in force, extended or lapsing at
    // each expiry; a longer term means fewer expiries at which it can lapse.
    let s = scenario("us_china_2025-09.toml");
    let short = runs_with(&s, &[("us.truce_weeks", 4.0), ("cn.truce_weeks", 4.0)]);
    let long = runs_with(&s, &[("us.truce_weeks", 52.0), ("cn.truce_weeks", 52.0)]);
    let mean = metric(&s, "us_tariff_pct_mean");
    let (lo, hi) = paired_ci(&short, &long, |r| r.0[mean]);
    assert!(hi < 0.0, "mean US tariff, long - short truce: [{lo}, {hi}]");
    let lapsed = metric(&s, "truce_lapsed");
    let (lo, hi) = paired_ci(&short, &long, |r| r.0[lapsed]);
    assert!(hi < 0.0, "lapses, long - short truce: [{lo}, {hi}]");
}

#[test]
fn a_higher_retaliation_rally_brings_more_retaliation() {
    let s = scenario("us_canada_2025-02.toml");
    // Without a rally and with a neutral taste, retaliating is a close call;
    // the rally (approval points, weighted by approval_weight) tips it.
    let low = runs_with(
        &s,
        &[
            ("ca.rally_retaliation_pts", 0.0),
            ("ca.retaliation_bias", -2.0),
        ],
    );
    let high = runs_with(
        &s,
        &[
            ("ca.rally_retaliation_pts", 15.0),
            ("ca.retaliation_bias", -2.0),
        ],
    );
    let retaliated = metric(&s, "ca_retaliated");
    let (lo, hi) = paired_ci(&low, &high, |r| r.0[retaliated]);
    assert!(lo > 0.0, "retaliation, high - low rally: [{lo}, {hi}]");
}

#[test]
fn a_higher_truce_breach_cost_brings_fewer_breaches() {
    let s = scenario("us_china_2025-09.toml");
    let low = runs_with(
        &s,
        &[("us.truce_breach_cost", 0.0), ("cn.truce_breach_cost", 0.0)],
    );
    let high = runs_with(
        &s,
        &[
            ("us.truce_breach_cost", 10.0),
            ("cn.truce_breach_cost", 10.0),
        ],
    );
    let hostile_in_truce = |r: &(Vec<f64>, Story)| {
        r.1.moves
            .iter()
            .filter(|&&(w, _, m)| {
                m.is_trade_hostility() && r.1.lapses.first().is_none_or(|&l| w < l)
            })
            .count() as f64
    };
    let (lo, hi) = paired_ci(&low, &high, hostile_in_truce);
    assert!(
        hi < 0.0,
        "hostile moves before the first lapse, high - low cost: [{lo}, {hi}]"
    );
}

#[test]
fn export_controls_provoke_the_other_side() {
    // The pressure of export controls is felt as provocation: more pressure,
    // more US raises while they stand.
    let s = scenario("us_china_2025-02.toml");
    let low = runs_with(&s, &[("cn.export_control_pressure", 0.0001)]);
    let high = runs_with(&s, &[("cn.export_control_pressure", 2.0)]);
    let raises = |r: &(Vec<f64>, Story)| {
        r.1.moves
            .iter()
            .filter(|&&(_, a, m)| a == US && matches!(m, Action::Raise | Action::Match))
            .count() as f64
    };
    let (lo, hi) = paired_ci(&low, &high, raises);
    assert!(lo > 0.0, "US raises, high - low pressure: [{lo}, {hi}]");
}
