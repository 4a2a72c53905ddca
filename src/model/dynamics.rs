//! The slow dynamics and the exogenous shocks of a week: decays, exemption
//! uptake, approval, trust, illicit flows, trade, legal rulings, formal
//! extraditions. Each mechanism is one named function of plain numbers, so
//! its direction and form are pinned by a unit test of its own.

use rand::RngExt;
use rand_distr::{LogNormal, StandardNormal};
use rand_xoshiro::Xoshiro256PlusPlus;

use super::choice::POINTS_SCALE;
use super::exp::exp;
use super::params::{ActorParams, ModelParams};
use super::state::{ActorState, State};
use super::step::{Event, Observer};

/// Week-to-week persistence of the flow noise: shocks to trafficking last
/// about ten weeks (1 / (1 - 0.9)), like the swings in monthly seizure data.
pub const FLOW_NOISE_PERSISTENCE: f64 = 0.9;
/// Weeks per year for annual rates.
pub const WEEKS_PER_YEAR: f64 = 52.0;

/// The weekly factor of a quantity with a half-life of `weeks`.
pub fn half_life_factor(weeks: f64) -> f64 {
    0.5f64.powf(1.0 / weeks.max(1e-9))
}

/// Per-run constants derived from the parameters once, so the week step does
/// no distribution set-up or transcendental work it can avoid.
pub struct Prepared {
    pub(crate) concession_decay: [f64; 2],
    pub(crate) provocation_decay: [f64; 2],
    pub(crate) transfer_decay: [f64; 2],
    pub(crate) trade_phi: [f64; 2],
    pub(crate) trade_growth_per_week: [f64; 2],
    /// Each side's weekly count of formal extraditions, people per week.
    extraditions: [PoissonInversion; 2],
    /// Batch-size distribution of each side's mass transfers.
    pub batch: [Option<LogNormal<f64>>; 2],
    pub(crate) initial_enforcement_gap: [f64; 2],
}

/// Partial adjustment of imports per week, chosen so the log response after
/// 52 weeks is `elasticity_1y / elasticity_long` of the long-run response.
pub fn trade_adjustment_rate(elasticity_1y: f64, elasticity_long: f64) -> f64 {
    if elasticity_long < 0.0 {
        let reached = (elasticity_1y / elasticity_long).clamp(0.0, 1.0);
        1.0 - (1.0 - reached).powf(1.0 / WEEKS_PER_YEAR)
    } else {
        0.0
    }
}

impl Prepared {
    /// The constants of a run with parameters `p` starting from `s`.
    pub fn new(p: &ModelParams, s: &State) -> Self {
        let per_actor =
            |f: &dyn Fn(&ActorParams, usize) -> f64| [f(&p.actors[0], 0), f(&p.actors[1], 1)];
        let lognormal = |a: &ActorParams| {
            let mean = a.transfer_batch_mean;
            let var_ratio = (a.transfer_batch_sd / mean).powi(2);
            let sigma2 = (1.0 + var_ratio).ln();
            LogNormal::new(mean.ln() - sigma2 / 2.0, sigma2.sqrt()).ok()
        };
        Prepared {
            concession_decay: per_actor(&|a, _| half_life_factor(a.concession_half_life_weeks)),
            provocation_decay: per_actor(&|a, _| half_life_factor(a.provocation_half_life_weeks)),
            transfer_decay: per_actor(&|a, _| 1.0 - a.flow_adaptation_per_week),
            trade_phi: per_actor(&|a, _| {
                trade_adjustment_rate(a.import_elasticity_1y, a.import_elasticity_long)
            }),
            trade_growth_per_week: per_actor(&|a, _| {
                exp((1.0 + a.trade_trend_pct_per_year / 100.0).ln() / WEEKS_PER_YEAR)
            }),
            extraditions: [0, 1].map(|i| {
                PoissonInversion::new(p.actors[i].formal_extraditions_per_year / WEEKS_PER_YEAR)
            }),
            batch: [lognormal(&p.actors[0]), lognormal(&p.actors[1])],
            initial_enforcement_gap: per_actor(&|a, i| {
                enforcement(a, &s.actors[i], s) - s.actors[i].adaptation
            }),
        }
    }
}

/// Enforcement against this side's outbound illicit flows, log points.
pub fn enforcement(a: &ActorParams, s: &ActorState, state: &State) -> f64 {
    let contingents = if a.contingent_k > 0.0 {
        s.forces_k / a.contingent_k
    } else {
        0.0
    };
    contingents * a.flow_effect_per_contingent
        + s.interdiction_level * a.flow_effect_per_interdiction
        + f64::from(state.cooperation_level) * a.flow_effect_per_cooperation
        + s.transferred_recent / POINTS_SCALE * a.flow_effect_per_20_transferred
}

/// Mean reversion: `x` moves the fraction `rate` of the way to `target`.
/// Trust, demand, approval and the traffickers' adaptation all follow it.
pub fn revert_towards(x: f64, target: f64, rate: f64) -> f64 {
    x + rate * (target - x)
}

/// Exemption uptake: importers file the paperwork, closing the fraction
/// `rate` of the gap to the share that will eventually claim it.
pub fn exemption_uptake(share: f64, max_share: f64, rate: f64) -> f64 {
    share + rate * (max_share - share).max(0.0)
}

/// The outbound illicit flow index (start = 100) with noise `noise_log` and
/// net enforcement gain `gap_log` over the start, both in log points.
pub fn flow_index(noise_log: f64, gap_log: f64) -> f64 {
    100.0 * exp(noise_log - gap_log)
}

/// Trade adjustment: the log gap of imports moves the fraction `phi` of the
/// way to the long-run response `elasticity_long × ln(1 + t)` of the
/// trade-weighted tariff `t`.
pub fn trade_gap_step(
    gap_log: f64,
    phi: f64,
    elasticity_long: f64,
    effective_tariff_pct: f64,
) -> f64 {
    let tariff_factor = (1.0 + effective_tariff_pct / 100.0).ln();
    gap_log + phi * (elasticity_long * tariff_factor - gap_log)
}

/// The random numbers of one week's exogenous shocks, per government, in
/// the order the shock stream gives them: for each government in turn a
/// ruling uniform, an extradition uniform, an approval normal and a flow
/// normal. Every number is drawn every week whatever the state, so the
/// shock stream stays aligned across levers, and drawing them all before
/// any is used changes nothing.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct WeekShocks {
    /// Uniform in [0, 1) against the weekly hazard of a legal loss.
    pub ruling: [f64; 2],
    /// Uniform in [0, 1) inverted into the week's formal extraditions.
    pub extradition: [f64; 2],
    /// Standard normal shock to approval.
    pub approval: [f64; 2],
    /// Standard normal innovation of the flow noise.
    pub flow: [f64; 2],
}

/// Draws one week's [`WeekShocks`] from the shock stream.
#[inline(always)]
pub fn draw_shocks(rng: &mut Xoshiro256PlusPlus) -> WeekShocks {
    let mut shocks = WeekShocks::default();
    for i in 0..2 {
        shocks.ruling[i] = rng.random::<f64>();
        shocks.extradition[i] = rng.random::<f64>();
        shocks.approval[i] = rng.sample(StandardNormal);
        shocks.flow[i] = rng.sample(StandardNormal);
    }
    shocks
}

/// Exogenous shocks at the start of a week, from this week's draws: legal
/// rulings, formal extraditions, approval and flow noise.
#[inline(always)]
pub fn exogenous<O: Observer>(
    state: &mut State,
    p: &ModelParams,
    prep: &Prepared,
    shocks: &WeekShocks,
    obs: &mut O,
) {
    let week = state.week;
    for i in 0..2 {
        let a = &p.actors[i];
        let s = &mut state.actors[i];
        if !s.legal_loss
            && shocks.ruling[i] < a.legal_hazard_per_week
            && f64::from(week) < a.legal_hazard_until_week
            && (s.tariff_pct > 0.0 || s.threat.is_some())
        {
            legal_loss(s, a);
            let tariff_pct = s.tariff_pct;
            obs.event(
                week,
                &Event::LegalLoss {
                    actor: i,
                    tariff_pct,
                },
                state,
            );
        }
        let people = prep.extraditions[i].draw(shocks.extradition[i]);
        let s = &mut state.actors[i];
        s.handed_over += people;
        // Clamped at once: observers see the state after every event.
        s.approval_pct =
            (s.approval_pct + a.approval_noise_sd * shocks.approval[i]).clamp(0.0, 100.0);
        s.flow_noise = FLOW_NOISE_PERSISTENCE * s.flow_noise + a.flow_noise_sd * shocks.flow[i];
        if people > 0.0 {
            obs.event(
                week,
                &Event::FormalExtraditions {
                    actor: i,
                    people: people as u32,
                },
                state,
            );
        }
    }
}

/// A Poisson draw with mean `rate` from the one uniform `u` in [0, 1), by
/// inverting the distribution function: the smallest k with F(k) > u.
///
/// Hand-written rather than `rand_distr::Poisson` for common random numbers:
/// that sampler consumes a varying number of uniforms (one per event for a
/// small mean), so a different extradition rate would shift every later
/// shock of the run and a sensitivity analysis would book the shifted noise
/// to the rate. Inversion takes exactly one uniform whatever the rate, and
/// uses the crate's portable exponential, so the draw has the same bits on
/// every platform.
pub fn poisson_by_inversion(rate: f64, u: f64) -> f64 {
    PoissonInversion::new(rate).draw(u)
}

/// [`poisson_by_inversion`] with its run constants (the probability of
/// zero, an `exp`, and the loop's bound, a `sqrt`) computed once per run
/// rather than every week.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PoissonInversion {
    rate: f64,
    probability_of_zero: f64,
    bound: f64,
}

impl PoissonInversion {
    /// The draw's constants for mean `rate`.
    pub fn new(rate: f64) -> PoissonInversion {
        PoissonInversion {
            rate,
            probability_of_zero: exp(-rate),
            // The bound ends the loop where rounding keeps the sum just
            // below 1 (u close to 1): 50 standard deviations beyond the mean.
            bound: rate + 50.0 * rate.sqrt() + 50.0,
        }
    }

    /// The count for the uniform `u` in [0, 1).
    #[inline(always)]
    pub fn draw(&self, u: f64) -> f64 {
        let rate = self.rate;
        if rate <= 0.0 {
            return 0.0;
        }
        let mut term = self.probability_of_zero;
        let mut cdf = term;
        let mut k = 0u32;
        while u >= cdf && f64::from(k) < self.bound {
            k += 1;
            term *= rate / f64::from(k);
            cdf += term;
        }
        f64::from(k)
    }
}

/// Courts strike down the legal basis of this side's tariffs: the cap falls
/// to what the remaining authorities allow, and so do the tariff and any
/// threat; a threat that no longer adds anything is void.
pub fn legal_loss(s: &mut ActorState, a: &ActorParams) {
    s.legal_loss = true;
    s.tariff_cap_pct = s.tariff_cap_pct.min(a.tariff_cap_after_legal_loss_pct);
    s.tariff_pct = s.tariff_pct.min(s.tariff_cap_pct);
    if let Some(t) = s.threat.as_mut() {
        t.rate_pct = t.rate_pct.min(s.tariff_cap_pct);
        if t.rate_pct <= s.tariff_pct {
            s.threat = None;
        }
    }
}

/// The first part of the slow dynamics: unsigned proposals expire, and
/// trust reverts towards its baseline.
#[inline(always)]
pub fn expire_proposals_and_revert_trust<O: Observer>(
    state: &mut State,
    p: &ModelParams,
    obs: &mut O,
) {
    let week = state.week;
    let w = &p.world;
    if let Some((by, expires)) = state.proposal
        && expires <= week
    {
        state.proposal = None;
        obs.event(week, &Event::ProposalExpired { actor: by }, state);
    }
    if let Some((_, expires)) = state.truce_proposal
        && expires <= week
    {
        state.truce_proposal = None;
    }
    state.trust =
        revert_towards(state.trust, w.trust_baseline, w.trust_reversion_per_week).clamp(0.0, 1.0);
}

/// The slow dynamics at the end of a week. `trend` holds each side's trade
/// trend factor, compounded one week per call. (The batched step's lane
/// version, `batch::slow_dynamics_lanes`, does these operations in this order.)
#[inline(always)]
pub fn slow_dynamics<O: Observer>(
    state: &mut State,
    p: &ModelParams,
    prep: &Prepared,
    trend: &mut [f64; 2],
    obs: &mut O,
) {
    expire_proposals_and_revert_trust(state, p, obs);
    for (i, trend) in trend.iter_mut().enumerate() {
        let a = &p.actors[i];
        let enforcement_now = enforcement(a, &state.actors[i], state);
        let s = &mut state.actors[i];
        if s.exemption_granted {
            s.exempt_share = exemption_uptake(
                s.exempt_share,
                a.exemption_max_share,
                a.exemption_uptake_per_week,
            );
        }
        s.concessions_received *= prep.concession_decay[i];
        s.provocation *= prep.provocation_decay[i];
        s.demand = revert_towards(s.demand, a.demand_anchor, a.demand_relaxation_per_week);
        s.interdiction_level *= 1.0 - a.interdiction_fade_per_week;
        s.transferred_recent *= prep.transfer_decay[i];
        s.transfer_pool += a.transfer_pool_inflow_per_week;
        s.approval_pct = revert_towards(
            s.approval_pct,
            a.approval_baseline_pct,
            a.approval_reversion_per_week,
        )
        .clamp(0.0, 100.0);
        // Traffickers adapt towards eroding a share of the enforcement effect.
        s.adaptation = revert_towards(
            s.adaptation,
            a.flow_adaptation_share * enforcement_now,
            a.flow_adaptation_per_week,
        );
        let gap = enforcement_now - s.adaptation - prep.initial_enforcement_gap[i];
        s.flow_index = flow_index(s.flow_noise, gap);
        s.trade_gap_log = trade_gap_step(
            s.trade_gap_log,
            prep.trade_phi[i],
            a.import_elasticity_long,
            s.effective_tariff_pct(),
        );
        // Compounded week by week: one multiplication instead of an exp.
        *trend *= prep.trade_growth_per_week[i];
        let trend_factor = *trend;
        let tariff_effect = exp(s.trade_gap_log);
        s.trade_index = 100.0 * trend_factor * tariff_effect;
        let weekly_imports = a.imports_usd_bn_per_year / WEEKS_PER_YEAR * trend_factor;
        state.trade_loss_usd_bn += weekly_imports * (1.0 - tariff_effect);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::engine::prepare_run;
    use crate::model::state::Threat;
    use crate::model::step::NoObserver;
    use crate::scenario::{ResolvedLever, Scenario};
    use rand::SeedableRng;

    #[test]
    fn half_life_factor_halves_after_the_half_life() {
        let f = half_life_factor(10.0);
        assert!((f.powi(10) - 0.5).abs() < 1e-12);
        assert!(
            half_life_factor(20.0) > f,
            "a longer half-life decays slower"
        );
    }

    #[test]
    fn revert_towards_closes_the_given_fraction_of_the_gap() {
        assert_eq!(revert_towards(10.0, 20.0, 0.25), 12.5);
        assert_eq!(revert_towards(20.0, 10.0, 0.25), 17.5);
        assert_eq!(revert_towards(3.0, 7.0, 0.0), 3.0);
    }

    #[test]
    fn exemption_uptake_rises_towards_the_maximum_and_never_falls() {
        assert!((exemption_uptake(0.5, 0.9, 0.1) - 0.54).abs() < 1e-12);
        assert_eq!(exemption_uptake(0.95, 0.9, 0.1), 0.95);
    }

    #[test]
    fn flow_index_falls_with_enforcement_and_rises_with_noise() {
        assert!((flow_index(0.0, 0.0) - 100.0).abs() < 1e-12);
        assert!(flow_index(0.0, 0.2) < 100.0);
        assert!((flow_index(0.0, 0.2) - 100.0 * (-0.2f64).exp()).abs() < 1e-9);
        assert!(flow_index(0.1, 0.0) > 100.0);
    }

    #[test]
    fn trade_gap_moves_towards_the_long_run_response_of_the_tariff() {
        let target = -3.0 * (1.25f64).ln();
        let g = trade_gap_step(0.0, 0.1, -3.0, 25.0);
        assert!((g - 0.1 * target).abs() < 1e-12);
        assert_eq!(trade_gap_step(0.0, 0.1, -3.0, 0.0), 0.0);
        // Lifting the tariff brings imports back.
        assert!(trade_gap_step(target, 0.1, -3.0, 0.0) > target);
    }

    #[test]
    fn trade_adjustment_reaches_the_one_year_share_after_52_weeks() {
        let phi = trade_adjustment_rate(-0.8, -3.0);
        let reached = 1.0 - (1.0 - phi).powi(52);
        assert!((reached - 0.8 / 3.0).abs() < 1e-9);
        assert_eq!(trade_adjustment_rate(-0.8, 0.0), 0.0);
    }

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() < 1e-9, "{a} != {b}");
    }

    fn china_september() -> (ModelParams, State) {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("scenarios")
            .join("us_china_2025-09.toml");
        let s = Scenario::load(&path).unwrap();
        let lever = ResolvedLever::new(&s, s.lever("baseline").unwrap()).unwrap();
        let (p, _, _, _) = prepare_run(&lever, s.seed, 0);
        let state = State::initial(&p);
        (p, state)
    }

    #[test]
    fn enforcement_adds_contingents_interdiction_rungs_and_recent_transfers() {
        let (mut p, mut s) = china_september();
        let a = &mut p.actors[1];
        a.contingent_k = 4.0;
        a.flow_effect_per_contingent = 0.1;
        a.flow_effect_per_interdiction = 0.03;
        a.flow_effect_per_cooperation = 0.05;
        a.flow_effect_per_20_transferred = 0.07;
        s.cooperation_level = 2;
        let me = &mut s.actors[1];
        me.forces_k = 6.0;
        me.interdiction_level = 3.0;
        me.transferred_recent = 30.0;
        let a = p.actors[1];
        let e = enforcement(&a, &s.actors[1], &s);
        close(e, 1.5 * 0.1 + 3.0 * 0.03 + 2.0 * 0.05 + 1.5 * 0.07);
        let mut b = a;
        b.contingent_k = 0.0;
        close(
            enforcement(&b, &s.actors[1], &s),
            3.0 * 0.03 + 2.0 * 0.05 + 1.5 * 0.07,
        );
    }

    #[test]
    fn a_legal_loss_lowers_the_cap_the_tariff_and_trims_or_voids_the_threat() {
        let (mut p, s) = china_september();
        p.actors[0].tariff_cap_after_legal_loss_pct = 15.0;
        let a = p.actors[0];
        let mut us = s.actors[0];
        us.tariff_pct = 30.0;
        us.tariff_cap_pct = 100.0;
        us.threat = Some(Threat {
            rate_pct: 50.0,
            deadline_week: 4,
            received_at_issue: 0.0,
            extensions: 0,
        });
        legal_loss(&mut us, &a);
        assert!(us.legal_loss);
        assert_eq!(us.tariff_cap_pct, 15.0);
        assert_eq!(us.tariff_pct, 15.0);
        assert!(us.threat.is_none(), "a threat at the new cap adds nothing");
        let mut us = s.actors[0];
        us.tariff_pct = 5.0;
        us.tariff_cap_pct = 100.0;
        us.threat = Some(Threat {
            rate_pct: 50.0,
            deadline_week: 4,
            received_at_issue: 0.0,
            extensions: 0,
        });
        legal_loss(&mut us, &a);
        assert_eq!(us.tariff_pct, 5.0);
        assert_eq!(us.threat.unwrap().rate_pct, 15.0);
    }

    /// Runs `exogenous` once with a sure ruling (or none) at week `week`.
    fn rule(p: &ModelParams, s: &mut State, week: u32) {
        s.week = week;
        let prep = Prepared::new(p, s);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(5);
        exogenous(s, p, &prep, &draw_shocks(&mut rng), &mut NoObserver);
    }

    #[test]
    fn a_ruling_comes_only_while_due_and_while_there_is_a_tariff_or_threat() {
        let (mut p, s0) = china_september();
        p.actors[0].legal_hazard_per_week = 1.0;
        p.actors[0].legal_hazard_until_week = 10.0;
        p.actors[0].tariff_cap_after_legal_loss_pct = 15.0;
        p.actors[1].legal_hazard_per_week = 0.0;
        let mut s = s0;
        rule(&p, &mut s, 9);
        assert!(s.actors[0].legal_loss);
        assert_eq!(s.actors[0].tariff_pct, 15.0);
        assert!(!s.actors[1].legal_loss, "no hazard, no ruling");
        let mut s = s0;
        rule(&p, &mut s, 10);
        assert!(!s.actors[0].legal_loss, "after the time a ruling is due");
        let mut s = s0;
        s.actors[0].tariff_pct = 0.0;
        s.actors[0].threat = None;
        rule(&p, &mut s, 1);
        assert!(!s.actors[0].legal_loss, "nothing to strike down");
        s.actors[0].threat = Some(Threat {
            rate_pct: 50.0,
            deadline_week: 4,
            received_at_issue: 0.0,
            extensions: 0,
        });
        rule(&p, &mut s, 1);
        assert!(s.actors[0].legal_loss, "a threat alone can be struck down");
        p.actors[0].legal_hazard_per_week = 0.0;
        let mut s = s0;
        rule(&p, &mut s, 1);
        assert!(!s.actors[0].legal_loss);
    }

    #[test]
    fn exogenous_noise_persists_and_extraditions_add_to_the_handed_over() {
        let (mut p, mut s) = china_september();
        for a in &mut p.actors {
            a.legal_hazard_per_week = 0.0;
            a.approval_noise_sd = 0.0;
            a.flow_noise_sd = 0.0;
            a.formal_extraditions_per_year = 0.0;
        }
        s.actors[0].flow_noise = 0.5;
        s.actors[0].approval_pct = 40.0;
        s.actors[0].handed_over = 3.0;
        rule(&p, &mut s, 1);
        close(s.actors[0].flow_noise, 0.45);
        close(s.actors[0].approval_pct, 40.0);
        close(s.actors[0].handed_over, 3.0);
        p.actors[0].formal_extraditions_per_year = 5200.0;
        p.actors[0].approval_noise_sd = 1.0;
        let mut moved = false;
        for _ in 0..3 {
            rule(&p, &mut s, 1);
            moved |= s.actors[0].approval_pct != 40.0;
        }
        assert!(s.actors[0].handed_over > 3.0 + 100.0, "about 100 a week");
        assert!(moved, "approval is shocked");
    }

    #[test]
    fn poisson_by_inversion_has_the_poisson_distribution() {
        // On an evenly spaced grid of u the share of points that give k
        // differs from the probability of k by at most 1/N.
        const N: u32 = 200_000;
        for rate in [0.3, 1.15, 7.3, 19.2] {
            let mut counts = [0u32; 80];
            for j in 0..N {
                let u = (f64::from(j) + 0.5) / f64::from(N);
                counts[poisson_by_inversion(rate, u) as usize] += 1;
            }
            let mut factorial = 1.0;
            for (k, &c) in counts.iter().enumerate() {
                if k > 0 {
                    factorial *= k as f64;
                }
                let pmf = (-rate).exp() * rate.powi(k as i32) / factorial;
                let share = f64::from(c) / f64::from(N);
                assert!(
                    (share - pmf).abs() <= 1.0 / f64::from(N) + 1e-9,
                    "rate {rate}, k {k}: share {share} against {pmf}"
                );
            }
        }
        assert_eq!(poisson_by_inversion(0.0, 0.99), 0.0);
        assert_eq!(poisson_by_inversion(2.0, 0.0), 0.0, "u = 0 gives k = 0");
        assert!(poisson_by_inversion(2.0, 1.0 - f64::EPSILON) < 40.0);
    }

    #[test]
    fn the_shock_stream_takes_the_same_draws_whatever_the_extradition_rate() {
        // Common random numbers: a different rate must not shift later shocks.
        let (mut p, s0) = china_september();
        let mut next_draw = Vec::new();
        for rate in [0.0, 52.0, 1000.0] {
            p.actors[0].formal_extraditions_per_year = rate;
            let mut s = s0;
            let prep = Prepared::new(&p, &s);
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
            for _ in 0..20 {
                exogenous(&mut s, &p, &prep, &draw_shocks(&mut rng), &mut NoObserver);
            }
            next_draw.push((rng.random::<u64>(), s.actors[0].approval_pct));
        }
        assert_eq!(next_draw[0], next_draw[1]);
        assert_eq!(next_draw[0], next_draw[2]);
    }

    #[test]
    fn slow_dynamics_follow_section_7_week_by_week() {
        let (mut p, mut s) = china_september();
        p.world.trust_baseline = 0.45;
        p.world.trust_reversion_per_week = 0.1;
        for a in &mut p.actors {
            a.exemption_max_share = 0.9;
            a.exemption_uptake_per_week = 0.2;
            a.concession_half_life_weeks = 10.0;
            a.provocation_half_life_weeks = 5.0;
            a.demand_anchor = 40.0;
            a.demand_relaxation_per_week = 0.25;
            a.interdiction_fade_per_week = 0.1;
            a.flow_adaptation_per_week = 0.2;
            a.flow_adaptation_share = 0.5;
            a.transfer_pool_inflow_per_week = 3.0;
            a.approval_baseline_pct = 60.0;
            a.approval_reversion_per_week = 0.5;
            a.imports_usd_bn_per_year = 520.0;
            a.trade_trend_pct_per_year = 0.0;
            a.import_elasticity_1y = -1.0;
            a.import_elasticity_long = -2.0;
        }
        s.trust = 0.25;
        s.week = 6;
        s.proposal = Some((0, 6));
        s.truce_proposal = Some((1, 6));
        let prep = Prepared::new(&p, &s);
        {
            let us = &mut s.actors[0];
            us.exemption_granted = true;
            us.exempt_share = 0.5;
            us.concessions_received = 8.0;
            us.provocation = 2.0;
            us.demand = 60.0;
            us.interdiction_level = 2.0;
            us.transferred_recent = 10.0;
            us.transfer_pool = 1.0;
            us.approval_pct = 40.0;
        }
        s.actors[1].exemption_granted = false;
        s.actors[1].exempt_share = 0.0;
        let mut trend = [1.0; 2];
        let loss0 = s.trade_loss_usd_bn;
        slow_dynamics(&mut s, &p, &prep, &mut trend, &mut NoObserver);
        assert!(s.proposal.is_none(), "expired");
        assert!(s.truce_proposal.is_none(), "expired");
        close(s.trust, 0.25 + 0.1 * 0.2);
        let us = &s.actors[0];
        close(us.exempt_share, 0.5 + 0.2 * 0.4);
        assert_eq!(s.actors[1].exempt_share, 0.0, "no exemption, no uptake");
        close(us.concessions_received, 8.0 * 0.5f64.powf(0.1));
        close(us.provocation, 2.0 * 0.5f64.powf(0.2));
        close(us.demand, 60.0 - 0.25 * 20.0);
        close(us.interdiction_level, 1.8);
        close(us.transferred_recent, 8.0);
        close(us.transfer_pool, 4.0);
        close(us.approval_pct, 50.0);
        // Trade: one step of partial adjustment to the effective tariff.
        let phi = trade_adjustment_rate(-1.0, -2.0);
        let gap = trade_gap_step(0.0, phi, -2.0, us.effective_tariff_pct());
        close(us.trade_gap_log, gap);
        close(us.trade_index, 100.0 * gap.exp());
        assert!(gap < 0.0);
        let cn = &s.actors[1];
        let gap_cn = trade_gap_step(0.0, phi, -2.0, cn.effective_tariff_pct());
        let loss = 10.0 * (1.0 - gap.exp()) + 10.0 * (1.0 - gap_cn.exp());
        close(s.trade_loss_usd_bn - loss0, loss);
        close(trend[0], 1.0);
        // A proposal open beyond this week stays.
        s.proposal = Some((0, 8));
        slow_dynamics(&mut s, &p, &prep, &mut trend, &mut NoObserver);
        assert!(s.proposal.is_some());
    }

    #[test]
    fn enforcement_lowers_the_flow_and_adaptation_erodes_the_effect() {
        let (mut p, mut s) = china_september();
        for a in &mut p.actors {
            a.flow_adaptation_per_week = 0.2;
            a.flow_adaptation_share = 0.5;
            a.flow_effect_per_interdiction = 0.1;
            a.interdiction_fade_per_week = 0.0;
        }
        s.actors[1].interdiction_level = 0.0;
        s.actors[1].adaptation = 0.0;
        s.actors[1].flow_noise = 0.0;
        let prep = Prepared::new(&p, &s);
        s.actors[1].interdiction_level = 2.0;
        let mut trend = [1.0; 2];
        slow_dynamics(&mut s, &p, &prep, &mut trend, &mut NoObserver);
        // E = 0.2 now, adaptation 0.2 × 0.5 × 0.2 = 0.02.
        close(s.actors[1].adaptation, 0.02);
        close(s.actors[1].flow_index, 100.0 * (-(0.2 - 0.02f64)).exp());
        let first = s.actors[1].flow_index;
        for _ in 0..20 {
            slow_dynamics(&mut s, &p, &prep, &mut trend, &mut NoObserver);
        }
        assert!(s.actors[1].flow_index > first, "cartels adapt");
        assert!(s.actors[1].flow_index < 100.0);
    }

    #[test]
    fn trade_grows_with_its_trend() {
        let (mut p, s) = china_september();
        p.actors[0].trade_trend_pct_per_year = 10.0;
        let prep = Prepared::new(&p, &s);
        let mut s = s;
        let mut trend = [1.0; 2];
        for _ in 0..52 {
            slow_dynamics(&mut s, &p, &prep, &mut trend, &mut NoObserver);
        }
        close(trend[0], 1.1);
    }

    #[test]
    fn exogenous_shocks_scale_with_their_standard_deviations() {
        let (mut p, mut s) = china_september();
        for a in &mut p.actors {
            a.legal_hazard_per_week = 0.0;
            a.formal_extraditions_per_year = 0.0;
            a.approval_noise_sd = 2.0;
            a.flow_noise_sd = 0.5;
        }
        for a in &mut s.actors {
            a.approval_pct = 50.0;
            a.flow_noise = 0.2;
        }
        // The same draws in the same order: ruling, extraditions, approval,
        // flow; per side.
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(5);
        let mut expected = [(0.0, 0.0); 2];
        for e in &mut expected {
            let _ruling = rng.random::<f64>();
            let _extraditions = rng.random::<f64>();
            let approval: f64 = rng.sample(StandardNormal);
            let flow: f64 = rng.sample(StandardNormal);
            *e = (
                (50.0 + 2.0 * approval).clamp(0.0, 100.0),
                0.9 * 0.2 + 0.5 * flow,
            );
        }
        rule(&p, &mut s, 1);
        for (k, (approval, flow)) in expected.iter().enumerate() {
            close(s.actors[k].approval_pct, *approval);
            close(s.actors[k].flow_noise, *flow);
        }
    }

    #[test]
    fn the_trade_trend_scales_the_index_and_the_loss() {
        let (mut p, mut s) = china_september();
        for a in &mut p.actors {
            a.trade_trend_pct_per_year = 40.0;
            a.imports_usd_bn_per_year = 520.0;
            a.import_elasticity_1y = -1.0;
            a.import_elasticity_long = -2.0;
        }
        let prep = Prepared::new(&p, &s);
        let mut trend = [1.0; 2];
        let loss0 = s.trade_loss_usd_bn;
        slow_dynamics(&mut s, &p, &prep, &mut trend, &mut NoObserver);
        let g = 1.4f64.powf(1.0 / 52.0);
        close(trend[0], g);
        let mut loss = 0.0;
        for k in 0..2 {
            let effect = s.actors[k].trade_gap_log.exp();
            assert!(effect < 1.0);
            close(s.actors[k].trade_index, 100.0 * g * effect);
            loss += 10.0 * g * (1.0 - effect);
        }
        close(s.trade_loss_usd_bn - loss0, loss);
    }
}
