//! The weekly choice: what a government sees, the utility of each move, the
//! feasibility of each move in the current state, and the logit draw.
//!
//! docs/MODEL.md, "The choice", gives the equations; every utility below is
//! on the logit scale of the choosing government's `rationality`.

use rand::RngExt;
use rand_xoshiro::Xoshiro256PlusPlus;

use super::action::Action;
use super::exp::exp;
use super::params::{ActorParams, ModelParams, WorldParams};
use super::state::{ActorState, State, other};

/// Tariff rate that counts as one unit of pressure or coercive value: the
/// 25% on all goods of the first 2025 threat.
pub const RATE_SCALE_PCT: f64 = 25.0;
/// Concession points that count as one unit: the 10,000-troop deployment
/// that bought the first pause (20 points), about one mass transfer.
pub const POINTS_SCALE: f64 = 20.0;
/// A signed agreement is worth as much as the four rungs below it together.
pub const AGREEMENT_RUNGS: f64 = 4.0;
/// The top of the cooperation ladder.
pub const LADDER_TOP: f64 = 4.0;
/// Pressure below which a concession is not read at home as submission.
pub const PRESSURE_FOR_SUBMISSION: f64 = 0.05;

/// Which moves are open in this decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// The weekly move.
    Weekly,
    /// A same-week answer to the other's hostile trade move (only
    /// [`Action::is_reaction`] moves are open).
    Reaction,
}

/// What one government sees when it chooses.
pub struct View {
    /// Dissatisfaction with the other side, 0 (satisfied) to 1.
    pub dissatisfaction: f64,
    /// Pressure felt from the other side's threat, tariff and export controls.
    pub pressure: f64,
    /// Whether the other side made a concession within the reciprocity window.
    pub reciprocated: bool,
    /// Whether this side's own threat is at its deadline (the move is forced).
    pub at_deadline: bool,
    /// Share of the other side's goods that this side's tariffs hit.
    pub trade_weight: f64,
    /// Provocation felt from the other's recent hostile trade moves.
    pub provocation: f64,
    /// Whether this is a same-week reaction.
    pub phase: Phase,
}

/// The deadline urgency: how much a threat weighs `weeks_left` weeks before
/// its deadline, 1 at the deadline and falling by e every `scale_weeks`.
pub fn deadline_urgency(weeks_left: f64, scale_weeks: f64) -> f64 {
    exp(-weeks_left / scale_weeks)
}

/// Pressure of a pending threat: its rate on the 25% scale, times the belief
/// that it will be carried out, times the deadline urgency.
pub fn threat_pressure(rate_pct: f64, belief: f64, urgency: f64) -> f64 {
    belief * rate_pct / RATE_SCALE_PCT * urgency
}

/// Pressure of a tariff in force: its trade-weighted rate on the 25% scale.
pub fn tariff_pressure(effective_tariff_pct: f64) -> f64 {
    effective_tariff_pct / RATE_SCALE_PCT
}

/// The reciprocity of trade moves: the extra value of answering in kind,
/// `weight` per unit of provocation felt (negative after relief).
pub fn escalation_reciprocity(weight: f64, provocation: f64) -> f64 {
    weight * provocation
}

/// The economic cost of `added_effective_pp` more trade-weighted tariff
/// between the two (negative for relief).
pub fn economic_cost(econ_weight: f64, added_effective_pp: f64) -> f64 {
    econ_weight * added_effective_pp
}

/// What actor `i` sees in `state`.
pub fn view(i: usize, state: &State, p: &ModelParams, phase: Phase) -> View {
    let me = &state.actors[i];
    let j = other(i);
    let other = &state.actors[j];
    let threat = other.threat.map_or(0.0, |t| {
        let weeks_left = f64::from(t.deadline_week.saturating_sub(state.week));
        threat_pressure(
            t.rate_pct,
            me.belief(),
            deadline_urgency(weeks_left, p.world.deadline_urgency_weeks),
        )
    });
    let controls = if other.export_controls {
        p.actors[j].export_control_pressure
    } else {
        0.0
    };
    let pressure = threat + tariff_pressure(other.effective_tariff_pct()) + controls;
    let reciprocated = other
        .last_concession_week
        .is_some_and(|w| f64::from(state.week - w) < p.world.reciprocity_window_weeks);
    View {
        dissatisfaction: me.dissatisfaction(),
        pressure,
        reciprocated,
        at_deadline: me.threat.is_some_and(|t| t.deadline_week <= state.week),
        trade_weight: 1.0 - me.exempt_share,
        provocation: me.provocation,
        phase,
    }
}

/// The new rate a threat from this side would announce. The cap bounds the
/// rate a tariff can reach; a threat may name up to `threat_above_cap_pct`
/// more (imposing it still stops at the cap), so at the cap a threat exists
/// only where that margin is positive.
pub fn threat_rate(a: &ActorParams, me: &ActorState) -> f64 {
    let rate = if me.tariff_pct <= 0.0 {
        a.first_tariff_pct
    } else {
        me.tariff_pct + a.escalation_step_pct
    };
    rate.min(me.tariff_cap_pct + a.threat_above_cap_pct)
}

/// Concession points of a security concession, or `None` if `action` is not one.
pub fn security_points(action: Action, a: &ActorParams, me: &ActorState) -> Option<f64> {
    Some(match action {
        Action::Transfer => {
            a.transfer_points_per_person * me.transfer_pool.min(a.transfer_batch_mean)
        }
        Action::Deploy => a.deploy_points,
        Action::Interdict => a.interdiction_points,
        Action::CooperateUp => a.cooperation_points,
        Action::TightenMigration => a.migration_points,
        _ => return None,
    })
}

/// Trade-weighted relief (pp) of a cut of `step_pp` points of the headline.
fn cut_relief(me: &ActorState, step_pp: f64) -> f64 {
    step_pp.min(me.tariff_pct) * (1.0 - me.exempt_share)
}

/// Trade-weighted relief (pp) of an exemption up to `share`.
fn exemption_relief(me: &ActorState, share: f64) -> f64 {
    me.tariff_pct * (share - me.exempt_share).max(0.0)
}

/// The headline and exempt share after matching the other's.
pub fn matched_rate(me: &ActorState, other: &ActorState) -> (f64, f64) {
    (
        other.tariff_pct.min(me.tariff_cap_pct),
        me.exempt_share.min(other.exempt_share),
    )
}

/// Trade-weighted relief both ways (pp) if a truce set each side to its
/// `truce_rate_pct`: what a truce is worth economically to either side.
pub fn truce_relief(state: &State, p: &ModelParams) -> f64 {
    (0..2)
        .map(|k| {
            let s = &state.actors[k];
            (s.tariff_pct - p.actors[k].truce_rate_pct).max(0.0) * (1.0 - s.exempt_share)
        })
        .sum()
}

/// Trade-weighted increase both ways (pp) if the truce in force lapsed now.
pub fn snap_back_increase(state: &State) -> f64 {
    state.truce.map_or(0.0, |t| {
        (0..2)
            .map(|k| {
                let s = &state.actors[k];
                let after = t.snap_back_pct[k].max(s.tariff_pct) * (1.0 - t.snap_back_exempt[k]);
                (after - s.effective_tariff_pct()).max(0.0)
            })
            .sum()
    })
}

/// Value of a truce (proposing, accepting or extending it) whose economic
/// relief both ways is `relief_pp`: the taste for a truce plus the relief,
/// less the coercion forgone while dissatisfied and the provocation felt.
fn truce_utility(a: &ActorParams, v: &View, relief_pp: f64) -> f64 {
    a.truce_value
        - economic_cost(a.econ_weight, -relief_pp)
        - a.hawkishness * v.dissatisfaction
        - escalation_reciprocity(a.tariff_reciprocity, v.provocation)
}

/// The concession terms of a move worth `points`: responsiveness to the
/// pressure felt, reciprocity of the other's recent concessions, and the
/// approval cost of being seen to submit.
fn concession_terms(a: &ActorParams, v: &View, points: f64) -> f64 {
    let units = points / POINTS_SCALE;
    let submission = if v.pressure > PRESSURE_FOR_SUBMISSION {
        a.approval_weight * a.submission_approval_pts * units
    } else {
        0.0
    };
    let reciprocity = if v.reciprocated {
        a.reciprocity * units
    } else {
        0.0
    };
    a.responsiveness * units * v.pressure + reciprocity - submission
}

/// Utility of a move for actor `i`, or `None` when it is not feasible.
#[inline(always)]
pub fn utility(action: Action, i: usize, state: &State, p: &ModelParams, v: &View) -> Option<f64> {
    let a = &p.actors[i];
    let w: &WorldParams = &p.world;
    let me = &state.actors[i];
    let j = other(i);
    let other = &state.actors[j];
    let at_deadline = v.at_deadline;
    // At one's own deadline the decision is forced: impose, extend, or let it lapse.
    if at_deadline && !matches!(action, Action::Hold | Action::Impose | Action::Extend) {
        return None;
    }
    if v.phase == Phase::Reaction && !action.is_reaction() {
        return None;
    }
    let trade_weight = v.trade_weight;
    let reciprocity = escalation_reciprocity(a.tariff_reciprocity, v.provocation);
    // Breaking a truce in force with a hostile trade move costs face.
    let breach = if state.truce.is_some() && action.is_trade_hostility() {
        a.truce_breach_cost
    } else {
        0.0
    };
    let u = match action {
        Action::Hold => match me.threat {
            // Letting a threat lapse costs face; a threat extended again and
            // again has lost its audience, so the cost shrinks with each extension.
            Some(t) if at_deadline => -a.audience_cost / f64::from(1 + t.extensions),
            _ => 0.0,
        },
        Action::Threaten => {
            // A truce is a standstill: no new threats while it holds.
            if me.threat.is_some() || state.truce.is_some() || threat_rate(a, me) <= me.tariff_pct {
                return None;
            }
            a.hawkishness * v.dissatisfaction + reciprocity - a.threat_cost
        }
        Action::Impose => {
            // Coercive value scales with what imposing adds to the headline
            // (25 points = 1): an escalation from 25% to 30% bites far less
            // than the first 25%. The cap bounds what it can add.
            let t = me.threat.filter(|_| at_deadline)?;
            let added_headline = (t.rate_pct.min(me.tariff_cap_pct) - me.tariff_pct).max(0.0);
            a.impose_weight * v.dissatisfaction * added_headline / RATE_SCALE_PCT
                + a.credibility_weight * (1.0 - other.belief())
                + reciprocity
                - economic_cost(a.econ_weight, added_headline * trade_weight)
        }
        Action::Extend => {
            let t = me.threat.filter(|_| at_deadline)?;
            // A pause is worth more the more was received since the threat
            // (one visible concession of 20 points is enough) and the deeper
            // the cooperation it keeps going.
            let received = me.received_total - t.received_at_issue;
            a.extension_value
                * ((received / POINTS_SCALE).min(1.0)
                    + f64::from(state.cooperation_level) / LADDER_TOP)
        }
        Action::Raise => {
            if !(me.tariff_pct > 0.0 && other.tariff_pct > 0.0 && me.tariff_pct < me.tariff_cap_pct)
            {
                return None;
            }
            let step = a.escalation_step_pct.min(me.tariff_cap_pct - me.tariff_pct);
            a.counter_escalation_value + reciprocity
                - economic_cost(a.econ_weight, step * trade_weight)
                - breach
        }
        Action::Match => {
            if !(me.tariff_pct > 0.0
                && other.tariff_pct > me.tariff_pct
                && me.tariff_pct < me.tariff_cap_pct)
            {
                return None;
            }
            let (rate, exempt) = matched_rate(me, other);
            let added = rate * (1.0 - exempt) - me.effective_tariff_pct();
            a.matching_bias + a.counter_escalation_value + reciprocity
                - economic_cost(a.econ_weight, added)
                - breach
        }
        Action::Cut => {
            // A truce is a standstill on relief too: the agreed rates hold
            // for its term, and further cuts are kept for the next round.
            if me.tariff_pct <= 0.0 || state.truce.is_some() {
                return None;
            }
            // Cutting without a deal is read at home as backing down; it is
            // worth less right after the other's hostile moves, more after
            // its relief, and it counts as a concession to the other side.
            let relief = cut_relief(me, a.cut_step_pct);
            a.relief_weight * (1.0 - v.dissatisfaction)
                - a.hawkishness * v.dissatisfaction
                - a.audience_cost
                - reciprocity
                - economic_cost(a.econ_weight, -relief)
                + concession_terms(a, v, a.relief_points_per_pp * relief)
        }
        Action::Exempt => {
            if me.tariff_pct <= 0.0 || me.exemption_granted || state.truce.is_some() {
                return None;
            }
            let relief = exemption_relief(me, a.exemption_initial_share);
            a.exemption_value - reciprocity - economic_cost(a.econ_weight, -relief)
                + concession_terms(a, v, a.relief_points_per_pp * relief)
        }
        Action::Retaliate => {
            if me.tariff_pct > 0.0 || other.tariff_pct <= 0.0 || a.retaliation_rate_pct <= 0.0 {
                return None;
            }
            let rate = a.retaliation_rate_pct.min(me.tariff_cap_pct);
            a.retaliation_bias + a.approval_weight * a.rally_retaliation_pts + reciprocity
                - economic_cost(a.econ_weight, rate * a.retaliation_coverage_share)
                - a.escalation_fear * me.belief()
                - breach
        }
        Action::ProposeTruce => {
            let relief = truce_relief(state, p);
            if state.truce.is_some()
                || state.truce_proposal.is_some()
                || me.tariff_pct <= 0.0
                || other.tariff_pct <= 0.0
                || relief <= 0.0
            {
                return None;
            }
            truce_utility(a, v, relief)
        }
        Action::AcceptTruce => {
            if state.truce_proposal.is_none_or(|(by, _)| by == i) {
                return None;
            }
            truce_utility(a, v, truce_relief(state, p))
        }
        Action::ExtendTruce => {
            state.truce.filter(|t| t.expires_week <= state.week)?;
            truce_utility(a, v, snap_back_increase(state))
        }
        Action::RestrictExports => {
            if me.export_controls || a.export_control_pressure <= 0.0 || other.tariff_pct <= 0.0 {
                return None;
            }
            a.export_control_value + reciprocity - breach
        }
        Action::LiftExportControls => {
            if !me.export_controls {
                return None;
            }
            // Lifting is relief of the other's trade worth its pressure in
            // tariff-equivalent points; without a deal it is read at home as
            // backing down, as a cut is (without that cost controls flip on
            // and off within weeks; the record's stay in place for months).
            let relief = a.export_control_pressure * RATE_SCALE_PCT;
            -a.export_control_value - reciprocity - a.audience_cost
                + concession_terms(a, v, a.relief_points_per_pp * relief)
        }
        Action::Strike => {
            if me
                .last_strike_week
                .is_some_and(|w_| f64::from(state.week - w_) < w.strike_min_interval_weeks)
            {
                return None;
            }
            a.strike_base_utility + a.strike_weight * v.dissatisfaction * other.flow_index / 100.0
        }
        Action::SovereigntyStand => {
            me.unanswered_strike_week?;
            a.sovereignty_stand_value
        }
        Action::LoosenMigration => {
            if me.migration_enforcement < w.migration_step {
                return None;
            }
            // Loosening is a hostile policy change: it costs what tightening costs.
            a.migration_leverage_value * v.pressure - a.migration_cost
        }
        Action::CooperateDown => {
            if state.cooperation_level == 0 {
                return None;
            }
            // Dismantling a rung is as costly at home as building it, and
            // forgoes its value.
            -a.cooperation_value * state.trust - a.cooperation_step_cost
        }
        Action::Transfer
        | Action::Deploy
        | Action::Interdict
        | Action::CooperateUp
        | Action::TightenMigration => {
            let (cost, extra) = match action {
                Action::Transfer => {
                    if me.transfer_pool < a.transfer_min_batch {
                        return None;
                    }
                    (a.transfer_cost, 0.0)
                }
                Action::Deploy => {
                    if me.forces_k + a.contingent_k > a.max_forces_k || a.contingent_k <= 0.0 {
                        return None;
                    }
                    (a.deploy_cost, 0.0)
                }
                Action::Interdict => {
                    if me.interdiction_level + 1.0 > w.max_interdiction_level {
                        return None;
                    }
                    (a.interdiction_cost, 0.0)
                }
                Action::TightenMigration => {
                    if me.migration_enforcement + w.migration_step > 1.0 + 1e-9 {
                        return None;
                    }
                    (a.migration_cost, 0.0)
                }
                _ => {
                    // Cooperation ladder.
                    match state.cooperation_level {
                        4.. => return None,
                        3 => {
                            if state.proposal.is_some_and(|(by, _)| by == i) {
                                return None;
                            }
                            let value = a.cooperation_value
                                * AGREEMENT_RUNGS
                                * (state.trust - w.agreement_trust_threshold);
                            (a.agreement_cost, value)
                        }
                        _ => (a.cooperation_step_cost, a.cooperation_value * state.trust),
                    }
                }
            };
            let points = security_points(action, a, me).unwrap_or(0.0);
            concession_terms(a, v, points) + extra - cost
        }
    };
    Some(u)
}

/// The feasible moves of actor `i` and their logit probabilities in a weekly choice.
///
/// P(a) ∝ exp(λ (U(a) − max U)); a weight below e^-37 is under half an ulp
/// of the total (at least 1, the best move's weight) and is left out
/// without changing the total.
pub fn choice_probabilities(i: usize, state: &State, p: &ModelParams) -> Vec<(Action, f64)> {
    let mut weights = [0.0; Action::ALL.len()];
    let mut actions = [Action::Hold; Action::ALL.len()];
    let (n, total) = logit_weights(i, state, p, Phase::Weekly, &mut actions, &mut weights);
    (0..n).map(|k| (actions[k], weights[k] / total)).collect()
}

fn logit_weights(
    i: usize,
    state: &State,
    p: &ModelParams,
    phase: Phase,
    actions: &mut [Action; Action::ALL.len()],
    weights: &mut [f64; Action::ALL.len()],
) -> (usize, f64) {
    const NEGLIGIBLE: f64 = -37.0;
    let v = view(i, state, p, phase);
    let lambda = p.actors[i].rationality;
    let mut n = 0;
    let mut best = f64::NEG_INFINITY;
    // Unrolled by hand: with the action a constant, each `utility` call
    // folds to its own arm, which halves the cost of a choice.
    macro_rules! consider {
        ($($k:literal)*) => {$(
            if let Some(u) = utility(Action::ALL[$k], i, state, p, &v) {
                actions[n] = Action::ALL[$k];
                weights[n] = u;
                best = best.max(u);
                n += 1;
            }
        )*};
    }
    const _: () = assert!(Action::ALL.len() == 23, "`consider!` lists every action");
    if v.at_deadline {
        // Only hold (lapse), extend and impose are open at one's own deadline.
        consider!(0 2 3);
    } else if phase == Phase::Reaction {
        // Hold, raise, retaliate, match, restrict exports.
        consider!(0 4 7 8 12);
    } else {
        consider!(0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22);
    }
    // Shift by the best utility so exp never overflows, whatever lambda is;
    // the best move's weight is exactly exp(0) = 1.
    let mut total = 0.0;
    for u in weights.iter_mut().take(n) {
        let z = lambda * (*u - best);
        *u = if z == 0.0 {
            1.0
        } else if z < NEGLIGIBLE {
            0.0
        } else {
            exp(z)
        };
        total += *u;
    }
    (n, total)
}

/// Samples from the logit (quantal response) rule over the feasible moves.
pub fn choose(
    i: usize,
    state: &State,
    p: &ModelParams,
    phase: Phase,
    rng: &mut Xoshiro256PlusPlus,
) -> Action {
    let mut weights = [0.0; Action::ALL.len()];
    let mut actions = [Action::Hold; Action::ALL.len()];
    let (n, total) = logit_weights(i, state, p, phase, &mut actions, &mut weights);
    let mut r = rng.random::<f64>() * total;
    for k in 0..n {
        r -= weights[k];
        if r < 0.0 {
            return actions[k];
        }
    }
    actions[n - 1]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::prepare_run;
    use crate::scenario::{ResolvedLever, Scenario};

    /// Run 0 of the shipped China forecast: a truce in force, US 30 / China 10,
    /// China's export controls on.
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

    fn u(action: Action, i: usize, state: &State, p: &ModelParams) -> Option<f64> {
        let v = view(i, state, p, Phase::Weekly);
        utility(action, i, state, p, &v)
    }

    #[test]
    fn deadline_urgency_is_one_at_the_deadline_and_falls_by_e_per_scale() {
        assert_eq!(deadline_urgency(0.0, 2.0), 1.0);
        assert!((deadline_urgency(2.0, 2.0) - (-1.0f64).exp()).abs() < 1e-12);
        assert!(deadline_urgency(1.0, 2.0) > deadline_urgency(3.0, 2.0));
        assert!(
            deadline_urgency(2.0, 4.0) > deadline_urgency(2.0, 1.0),
            "a longer scale keeps far deadlines urgent"
        );
    }

    #[test]
    fn threat_pressure_is_rate_times_belief_times_urgency() {
        assert!((threat_pressure(25.0, 1.0, 1.0) - 1.0).abs() < 1e-12);
        assert!((threat_pressure(50.0, 0.5, 0.5) - 0.5).abs() < 1e-12);
        assert!((tariff_pressure(12.5) - 0.5).abs() < 1e-12);
    }

    #[test]
    fn reciprocity_and_economic_cost_are_linear_in_their_causes() {
        assert_eq!(escalation_reciprocity(3.0, 2.0), 6.0);
        assert_eq!(
            escalation_reciprocity(3.0, -1.0),
            -3.0,
            "relief lowers the value of answering in kind"
        );
        assert_eq!(economic_cost(0.1, 20.0), 2.0);
        assert_eq!(economic_cost(0.1, -20.0), -2.0, "relief is a gain");
    }

    #[test]
    fn a_truce_in_force_is_a_standstill_on_cuts_and_exemptions() {
        let (p, mut state) = china_september();
        assert!(state.truce.is_some());
        assert_eq!(u(Action::Cut, 0, &state, &p), None);
        assert_eq!(u(Action::Cut, 1, &state, &p), None);
        assert_eq!(u(Action::Exempt, 1, &state, &p), None);
        state.truce = None;
        assert!(u(Action::Cut, 0, &state, &p).is_some());
        assert!(u(Action::Cut, 1, &state, &p).is_some());
        assert!(u(Action::Exempt, 1, &state, &p).is_some());
    }

    #[test]
    fn breaking_a_truce_costs_the_breach_cost() {
        let (p, mut state) = china_september();
        let during = u(Action::Raise, 0, &state, &p).unwrap();
        state.truce = None;
        let after = u(Action::Raise, 0, &state, &p).unwrap();
        assert!((after - during - p.actors[0].truce_breach_cost).abs() < 1e-12);
        assert!(p.actors[0].truce_breach_cost > 0.0);
    }

    #[test]
    fn lifting_export_controls_costs_face_as_a_cut_does() {
        let (mut p, state) = china_september();
        assert!(state.actors[1].export_controls);
        p.actors[1].audience_cost = 0.0;
        let free = u(Action::LiftExportControls, 1, &state, &p).unwrap();
        p.actors[1].audience_cost = 2.5;
        let costly = u(Action::LiftExportControls, 1, &state, &p).unwrap();
        assert!((free - costly - 2.5).abs() < 1e-12);
    }

    #[test]
    fn extending_a_truce_is_open_only_at_its_expiry() {
        let (p, mut state) = china_september();
        assert_eq!(u(Action::ExtendTruce, 0, &state, &p), None);
        state.week = state.truce.unwrap().expires_week;
        assert!(u(Action::ExtendTruce, 0, &state, &p).is_some());
        assert!(u(Action::ExtendTruce, 1, &state, &p).is_some());
    }

    // --- Closed forms of docs/MODEL.md section 5, with every weight set to
    // a distinct non-zero value so that each term (and its sign) shows.

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() < 1e-9, "{a} != {b}");
    }

    /// A view with every field chosen by the test.
    fn seen(dissatisfaction: f64, pressure: f64, reciprocated: bool, provocation: f64) -> View {
        View {
            dissatisfaction,
            pressure,
            reciprocated,
            at_deadline: false,
            trade_weight: 0.8,
            provocation,
            phase: Phase::Weekly,
        }
    }

    /// China's September run without the truce, actor weights made distinct.
    fn open_field() -> (ModelParams, State) {
        let (mut p, mut s) = china_september();
        s.truce = None;
        for a in &mut p.actors {
            a.hawkishness = 1.3;
            a.threat_cost = 0.7;
            a.tariff_reciprocity = 0.45;
            a.impose_weight = 2.1;
            a.credibility_weight = 0.9;
            a.econ_weight = 0.035;
            a.extension_value = 1.7;
            a.audience_cost = 1.1;
            a.counter_escalation_value = 0.6;
            a.matching_bias = 0.25;
            a.relief_weight = 1.9;
            a.exemption_value = 0.55;
            a.retaliation_bias = -0.3;
            a.approval_weight = 0.15;
            a.rally_retaliation_pts = 2.0;
            a.escalation_fear = 0.8;
            a.truce_value = 1.45;
            a.truce_breach_cost = 0.65;
            a.responsiveness = 3.1;
            a.reciprocity = 0.75;
            a.submission_approval_pts = 1.6;
            a.relief_points_per_pp = 0.4;
            a.export_control_value = 0.85;
            a.strike_base_utility = -4.0;
            a.strike_weight = 2.4;
            a.migration_leverage_value = 1.2;
            a.migration_cost = 0.35;
            a.cooperation_value = 1.8;
            a.cooperation_step_cost = 0.45;
            a.agreement_cost = 0.95;
        }
        (p, s)
    }

    /// The concession formula of section 5, written out.
    fn concession(a: &ActorParams, v: &View, points: f64) -> f64 {
        let units = points / POINTS_SCALE;
        let submission = if v.pressure > 0.05 {
            a.approval_weight * a.submission_approval_pts * units
        } else {
            0.0
        };
        let reciprocity = if v.reciprocated {
            a.reciprocity * units
        } else {
            0.0
        };
        a.responsiveness * units * v.pressure + reciprocity - submission
    }

    #[test]
    fn threaten_is_hawkishness_times_dissatisfaction_plus_reciprocity_less_its_cost() {
        let (p, mut s) = open_field();
        let v = seen(0.6, 0.3, false, 2.0);
        let a = &p.actors[0];
        let got = utility(Action::Threaten, 0, &s, &p, &v).unwrap();
        close(got, 1.3 * 0.6 + 0.45 * 2.0 - 0.7);
        // Closed while a truce holds or a threat is pending.
        s.truce = china_september().1.truce;
        assert_eq!(utility(Action::Threaten, 0, &s, &p, &v), None);
        s.truce = None;
        s.actors[0].threat = Some(super::super::state::Threat {
            rate_pct: 50.0,
            deadline_week: 4,
            received_at_issue: 0.0,
            extensions: 0,
        });
        assert_eq!(utility(Action::Threaten, 0, &s, &p, &v), None);
        s.actors[0].threat = None;
        // A threat must name a rate above the tariff in force.
        let mut q = p;
        s.actors[0].tariff_pct = s.actors[0].tariff_cap_pct;
        q.actors[0].threat_above_cap_pct = 0.0;
        assert_eq!(utility(Action::Threaten, 0, &s, &q, &v), None);
        q.actors[0].threat_above_cap_pct = 5.0;
        assert!(utility(Action::Threaten, 0, &s, &q, &v).is_some());
        assert!(a.threat_cost > 0.0);
    }

    #[test]
    fn a_threat_names_the_first_rate_or_one_step_up_within_its_margin_over_the_cap() {
        let (p, mut s) = open_field();
        let a = p.actors[0];
        let me = &mut s.actors[0];
        me.tariff_cap_pct = 200.0;
        me.tariff_pct = 0.0;
        close(
            threat_rate(&a, me),
            a.first_tariff_pct.min(200.0 + a.threat_above_cap_pct),
        );
        me.tariff_pct = 30.0;
        close(threat_rate(&a, me), 30.0 + a.escalation_step_pct);
        me.tariff_cap_pct = 32.0;
        let mut b = a;
        b.escalation_step_pct = 10.0;
        b.threat_above_cap_pct = 3.0;
        close(threat_rate(&b, me), 35.0);
    }

    fn at_deadline(s: &mut State, i: usize, rate: f64, extensions: u32, received_at_issue: f64) {
        s.actors[i].threat = Some(super::super::state::Threat {
            rate_pct: rate,
            deadline_week: s.week,
            received_at_issue,
            extensions,
        });
    }

    #[test]
    fn at_a_deadline_only_hold_impose_and_extend_are_open() {
        let (p, mut s) = open_field();
        at_deadline(&mut s, 0, 50.0, 0, 0.0);
        let v = view(0, &s, &p, Phase::Weekly);
        assert!(v.at_deadline);
        for action in Action::ALL {
            let open = utility(action, 0, &s, &p, &v).is_some();
            let expected = matches!(action, Action::Hold | Action::Impose | Action::Extend);
            assert_eq!(open, expected, "{action:?}");
        }
        // Impose and extend need the deadline.
        let v = seen(0.5, 0.0, false, 0.0);
        assert_eq!(utility(Action::Impose, 0, &s, &p, &v), None);
        assert_eq!(utility(Action::Extend, 0, &s, &p, &v), None);
    }

    #[test]
    fn holding_at_a_deadline_costs_the_audience_cost_shrinking_with_extensions() {
        let (p, mut s) = open_field();
        at_deadline(&mut s, 0, 50.0, 3, 0.0);
        let mut v = view(0, &s, &p, Phase::Weekly);
        close(utility(Action::Hold, 0, &s, &p, &v).unwrap(), -1.1 / 4.0);
        v.at_deadline = false;
        assert_eq!(utility(Action::Hold, 0, &s, &p, &v), Some(0.0));
    }

    #[test]
    fn impose_weighs_the_added_headline_the_other_side_s_doubt_and_the_cost() {
        let (p, mut s) = open_field();
        s.actors[0].tariff_pct = 30.0;
        s.actors[0].tariff_cap_pct = 200.0;
        s.actors[0].exempt_share = 0.2;
        at_deadline(&mut s, 0, 80.0, 0, 0.0);
        let mut v = seen(0.7, 0.0, false, 1.5);
        v.at_deadline = true;
        v.trade_weight = 0.8;
        let other_belief = s.actors[1].belief();
        assert!(other_belief < 1.0);
        let added = 50.0;
        let expected = 2.1 * 0.7 * added / 25.0 + 0.9 * (1.0 - other_belief) + 0.45 * 1.5
            - 0.035 * added * 0.8;
        close(utility(Action::Impose, 0, &s, &p, &v).unwrap(), expected);
        // The cap bounds what imposing adds.
        s.actors[0].tariff_cap_pct = 40.0;
        let expected =
            2.1 * 0.7 * 10.0 / 25.0 + 0.9 * (1.0 - other_belief) + 0.45 * 1.5 - 0.035 * 10.0 * 0.8;
        close(utility(Action::Impose, 0, &s, &p, &v).unwrap(), expected);
    }

    #[test]
    fn extending_is_worth_the_concessions_received_since_the_threat_and_the_rung() {
        let (p, mut s) = open_field();
        s.actors[0].received_total = 25.0;
        s.cooperation_level = 1;
        at_deadline(&mut s, 0, 50.0, 0, 15.0);
        let mut v = seen(0.5, 0.0, false, 0.0);
        v.at_deadline = true;
        close(
            utility(Action::Extend, 0, &s, &p, &v).unwrap(),
            1.7 * (10.0 / 20.0 + 1.0 / 4.0),
        );
        // One 20-point concession is enough: more adds nothing.
        at_deadline(&mut s, 0, 50.0, 0, -100.0);
        close(
            utility(Action::Extend, 0, &s, &p, &v).unwrap(),
            1.7 * (1.0 + 1.0 / 4.0),
        );
    }

    #[test]
    fn raise_answers_a_counter_tariff_below_the_cap() {
        let (p, mut s) = open_field();
        s.actors[0].tariff_pct = 30.0;
        s.actors[0].tariff_cap_pct = 200.0;
        s.actors[1].tariff_pct = 10.0;
        let v = seen(0.5, 0.0, false, 2.0);
        let step = p.actors[0].escalation_step_pct;
        assert!(step > 0.0);
        let expected = 0.6 + 0.45 * 2.0 - 0.035 * step * 0.8;
        close(utility(Action::Raise, 0, &s, &p, &v).unwrap(), expected);
        // The cap bounds the step.
        s.actors[0].tariff_cap_pct = 31.0;
        let expected = 0.6 + 0.45 * 2.0 - 0.035 * 1.0 * 0.8;
        close(utility(Action::Raise, 0, &s, &p, &v).unwrap(), expected);
        s.actors[0].tariff_cap_pct = 30.0;
        assert_eq!(utility(Action::Raise, 0, &s, &p, &v), None, "at the cap");
        s.actors[0].tariff_cap_pct = 200.0;
        s.actors[1].tariff_pct = 0.0;
        assert_eq!(
            utility(Action::Raise, 0, &s, &p, &v),
            None,
            "no counter-tariff"
        );
        s.actors[1].tariff_pct = 10.0;
        s.actors[0].tariff_pct = 0.0;
        assert_eq!(utility(Action::Raise, 0, &s, &p, &v), None, "no own tariff");
    }

    #[test]
    fn match_is_open_below_the_other_s_rate_and_costs_the_added_rate() {
        let (p, mut s) = open_field();
        s.actors[1].tariff_pct = 20.0;
        s.actors[1].tariff_cap_pct = 200.0;
        s.actors[1].exempt_share = 0.1;
        s.actors[0].tariff_pct = 50.0;
        s.actors[0].exempt_share = 0.3;
        let v = seen(0.5, 0.0, false, 1.0);
        let added = 50.0 * (1.0 - 0.1) - 20.0 * 0.9;
        let expected = 0.25 + 0.6 + 0.45 - 0.035 * added;
        close(utility(Action::Match, 1, &s, &p, &v).unwrap(), expected);
        assert_eq!(matched_rate(&s.actors[1], &s.actors[0]), (50.0, 0.1));
        s.actors[0].tariff_pct = 20.0;
        assert_eq!(
            utility(Action::Match, 1, &s, &p, &v),
            None,
            "nothing to match"
        );
        s.actors[0].tariff_pct = 50.0;
        s.actors[1].tariff_cap_pct = 20.0;
        assert_eq!(utility(Action::Match, 1, &s, &p, &v), None, "at the cap");
        s.actors[1].tariff_cap_pct = 200.0;
        s.actors[1].tariff_pct = 0.0;
        assert_eq!(
            utility(Action::Match, 1, &s, &p, &v),
            None,
            "retaliation first"
        );
    }

    #[test]
    fn cut_is_relief_satisfaction_and_concession_less_hawkishness_and_face() {
        let (p, mut s) = open_field();
        s.actors[0].tariff_pct = 30.0;
        s.actors[0].exempt_share = 0.2;
        let a = &p.actors[0];
        let step = a.cut_step_pct;
        assert!(step > 0.0 && step < 30.0);
        for v in [seen(0.4, 0.6, true, 1.5), seen(0.4, 0.01, false, -1.0)] {
            let relief = step * 0.8;
            let expected = 1.9 * 0.6 - 1.3 * 0.4 - 1.1 - 0.45 * v.provocation
                + 0.035 * relief
                + concession(a, &v, 0.4 * relief);
            close(utility(Action::Cut, 0, &s, &p, &v).unwrap(), expected);
        }
        // A cut larger than the tariff relieves only the tariff.
        s.actors[0].tariff_pct = 1.0;
        let v = seen(0.4, 0.6, true, 1.5);
        let relief = 0.8;
        let expected = 1.9 * 0.6 - 1.3 * 0.4 - 1.1 - 0.45 * 1.5
            + 0.035 * relief
            + concession(a, &v, 0.4 * relief);
        close(utility(Action::Cut, 0, &s, &p, &v).unwrap(), expected);
        s.actors[0].tariff_pct = 0.0;
        assert_eq!(utility(Action::Cut, 0, &s, &p, &v), None);
    }

    #[test]
    fn exempting_is_its_value_plus_the_relief_of_the_newly_exempt_share() {
        let (mut p, mut s) = open_field();
        p.actors[1].exemption_initial_share = 0.5;
        s.actors[1].tariff_pct = 40.0;
        s.actors[1].exempt_share = 0.1;
        s.actors[1].exemption_granted = false;
        let a = &p.actors[1];
        let share = a.exemption_initial_share;
        assert!(share > 0.1, "{share}");
        let v = seen(0.4, 0.6, true, 1.5);
        let relief = 40.0 * (share - 0.1);
        let expected = 0.55 - 0.45 * 1.5 + 0.035 * relief + concession(a, &v, 0.4 * relief);
        close(utility(Action::Exempt, 1, &s, &p, &v).unwrap(), expected);
        // No relief once the exempt share is above the initial one.
        s.actors[1].exempt_share = 0.99;
        let expected = 0.55 - 0.45 * 1.5;
        close(utility(Action::Exempt, 1, &s, &p, &v).unwrap(), expected);
        s.actors[1].exemption_granted = true;
        assert_eq!(utility(Action::Exempt, 1, &s, &p, &v), None, "granted once");
        s.actors[1].exemption_granted = false;
        s.actors[1].tariff_pct = 0.0;
        assert_eq!(
            utility(Action::Exempt, 1, &s, &p, &v),
            None,
            "nothing to exempt"
        );
    }

    #[test]
    fn the_concession_formula_pays_submission_only_above_the_pressure_threshold() {
        let (p, _) = open_field();
        let a = &p.actors[0];
        let high = seen(0.0, 0.5, false, 0.0);
        close(
            concession_terms(a, &high, 40.0),
            3.1 * 2.0 * 0.5 - 0.15 * 1.6 * 2.0,
        );
        let low = seen(0.0, PRESSURE_FOR_SUBMISSION, true, 0.0);
        close(
            concession_terms(a, &low, 40.0),
            3.1 * 2.0 * PRESSURE_FOR_SUBMISSION + 0.75 * 2.0,
        );
    }

    #[test]
    fn retaliation_is_its_bias_and_rally_less_its_cost_and_the_fear_of_escalation() {
        let (p, mut s) = open_field();
        s.actors[1].tariff_pct = 0.0;
        s.actors[1].tariff_cap_pct = 200.0;
        s.actors[0].tariff_pct = 30.0;
        let a = &p.actors[1];
        assert!(a.retaliation_rate_pct > 0.0);
        let v = seen(0.5, 0.0, false, 2.0);
        let cost = 0.035 * a.retaliation_rate_pct * a.retaliation_coverage_share;
        let expected = -0.3 + 0.15 * 2.0 + 0.45 * 2.0 - cost - 0.8 * s.actors[1].belief();
        close(utility(Action::Retaliate, 1, &s, &p, &v).unwrap(), expected);
        // The cap bounds the counter-tariff.
        s.actors[1].tariff_cap_pct = 1.0;
        let cost = 0.035 * a.retaliation_coverage_share;
        let expected = -0.3 + 0.15 * 2.0 + 0.45 * 2.0 - cost - 0.8 * s.actors[1].belief();
        close(utility(Action::Retaliate, 1, &s, &p, &v).unwrap(), expected);
        s.actors[1].tariff_pct = 5.0;
        assert_eq!(
            utility(Action::Retaliate, 1, &s, &p, &v),
            None,
            "already a tariff"
        );
        s.actors[1].tariff_pct = 0.0;
        s.actors[0].tariff_pct = 0.0;
        assert_eq!(
            utility(Action::Retaliate, 1, &s, &p, &v),
            None,
            "nothing to answer"
        );
        s.actors[0].tariff_pct = 30.0;
        let mut q = p;
        q.actors[1].retaliation_rate_pct = 0.0;
        assert_eq!(
            utility(Action::Retaliate, 1, &s, &q, &v),
            None,
            "no counter-tariff"
        );
    }

    #[test]
    fn a_truce_is_worth_its_value_and_relief_less_dissatisfaction_and_provocation() {
        let (p, mut s) = open_field();
        s.actors[0].tariff_pct = 145.0;
        s.actors[0].exempt_share = 0.2;
        s.actors[1].tariff_pct = 125.0;
        s.actors[1].exempt_share = 0.0;
        let relief =
            (145.0 - p.actors[0].truce_rate_pct) * 0.8 + (125.0 - p.actors[1].truce_rate_pct);
        close(truce_relief(&s, &p), relief);
        let v = seen(0.4, 0.0, false, 1.5);
        let expected = 1.45 + 0.035 * relief - 1.3 * 0.4 - 0.45 * 1.5;
        close(
            utility(Action::ProposeTruce, 0, &s, &p, &v).unwrap(),
            expected,
        );
        // Accepting needs the other's proposal and is worth the same.
        assert_eq!(utility(Action::AcceptTruce, 1, &s, &p, &v), None);
        s.truce_proposal = Some((0, 4));
        close(
            utility(Action::AcceptTruce, 1, &s, &p, &v).unwrap(),
            expected,
        );
        assert_eq!(
            utility(Action::AcceptTruce, 0, &s, &p, &v),
            None,
            "own proposal"
        );
        assert_eq!(
            utility(Action::ProposeTruce, 1, &s, &p, &v),
            None,
            "one open"
        );
        s.truce_proposal = None;
        // A truce needs a tariff on both sides above the truce rates.
        s.actors[1].tariff_pct = 0.0;
        assert_eq!(utility(Action::ProposeTruce, 0, &s, &p, &v), None);
        s.actors[1].tariff_pct = 125.0;
        s.actors[0].tariff_pct = 0.0;
        assert_eq!(utility(Action::ProposeTruce, 0, &s, &p, &v), None);
        s.actors[0].tariff_pct = p.actors[0].truce_rate_pct.min(5.0);
        s.actors[1].tariff_pct = p.actors[1].truce_rate_pct.min(5.0);
        assert!(s.actors[0].tariff_pct > 0.0 && s.actors[1].tariff_pct > 0.0);
        assert_eq!(truce_relief(&s, &p), 0.0);
        assert_eq!(
            utility(Action::ProposeTruce, 0, &s, &p, &v),
            None,
            "no relief"
        );
    }

    #[test]
    fn extending_a_truce_is_worth_the_snap_back_it_avoids() {
        let (p, mut s) = china_september();
        let t = s.truce.unwrap();
        s.week = t.expires_week;
        let expected: f64 = (0..2)
            .map(|k| {
                let a = &s.actors[k];
                (t.snap_back_pct[k].max(a.tariff_pct) * (1.0 - t.snap_back_exempt[k])
                    - a.effective_tariff_pct())
                .max(0.0)
            })
            .sum();
        assert!(expected > 0.0);
        close(snap_back_increase(&s), expected);
        let v = seen(0.3, 0.0, false, 0.5);
        let a = &p.actors[0];
        let u = a.truce_value + a.econ_weight * expected
            - a.hawkishness * 0.3
            - a.tariff_reciprocity * 0.5;
        close(utility(Action::ExtendTruce, 0, &s, &p, &v).unwrap(), u);
        s.truce = None;
        assert_eq!(snap_back_increase(&s), 0.0);
        let _ = &mut s;
    }

    #[test]
    fn export_controls_are_restricted_against_a_tariff_and_lifted_at_a_cost() {
        let (p, mut s) = open_field();
        let v = seen(0.5, 0.6, false, 2.0);
        // China's controls are on: restricting is closed, lifting open.
        assert_eq!(utility(Action::RestrictExports, 1, &s, &p, &v), None);
        let a = &p.actors[1];
        let relief = a.export_control_pressure * RATE_SCALE_PCT;
        let expected = -0.85 - 0.45 * 2.0 - 1.1 + concession(a, &v, 0.4 * relief);
        close(
            utility(Action::LiftExportControls, 1, &s, &p, &v).unwrap(),
            expected,
        );
        s.actors[1].export_controls = false;
        assert_eq!(utility(Action::LiftExportControls, 1, &s, &p, &v), None);
        close(
            utility(Action::RestrictExports, 1, &s, &p, &v).unwrap(),
            0.85 + 0.45 * 2.0,
        );
        s.actors[0].tariff_pct = 0.0;
        assert_eq!(
            utility(Action::RestrictExports, 1, &s, &p, &v),
            None,
            "no tariff"
        );
        s.actors[0].tariff_pct = 30.0;
        let mut q = p;
        q.actors[1].export_control_pressure = 0.0;
        assert_eq!(
            utility(Action::RestrictExports, 1, &s, &q, &v),
            None,
            "no lever"
        );
    }

    #[test]
    fn strikes_respect_their_interval_and_scale_with_the_flow() {
        let (p, mut s) = open_field();
        s.actors[1].flow_index = 80.0;
        s.week = 60;
        let v = seen(0.5, 0.0, false, 0.0);
        close(
            utility(Action::Strike, 0, &s, &p, &v).unwrap(),
            -4.0 + 2.4 * 0.5 * 80.0 / 100.0,
        );
        let gap = p.world.strike_min_interval_weeks;
        assert!(gap >= 1.0);
        assert!(gap <= 60.0);
        s.actors[0].last_strike_week = Some(60 - (gap.ceil() as u32 - 1));
        assert_eq!(utility(Action::Strike, 0, &s, &p, &v), None);
        s.actors[0].last_strike_week = Some(60 - gap.ceil() as u32);
        assert!(utility(Action::Strike, 0, &s, &p, &v).is_some());
        assert_eq!(utility(Action::SovereigntyStand, 1, &s, &p, &v), None);
        s.actors[1].unanswered_strike_week = Some(59);
        assert_eq!(
            utility(Action::SovereigntyStand, 1, &s, &p, &v),
            Some(p.actors[1].sovereignty_stand_value)
        );
    }

    #[test]
    fn loosening_migration_pays_under_pressure_and_costs_what_tightening_costs() {
        let (p, mut s) = open_field();
        let step = p.world.migration_step;
        s.actors[0].migration_enforcement = step;
        let v = seen(0.5, 0.7, false, 0.0);
        close(
            utility(Action::LoosenMigration, 0, &s, &p, &v).unwrap(),
            1.2 * 0.7 - 0.35,
        );
        s.actors[0].migration_enforcement = step * 0.5;
        assert_eq!(utility(Action::LoosenMigration, 0, &s, &p, &v), None);
        s.actors[0].migration_enforcement = 1.0 - step;
        assert!(utility(Action::TightenMigration, 0, &s, &p, &v).is_some());
        s.actors[0].migration_enforcement = 1.0 - step * 0.5;
        assert_eq!(utility(Action::TightenMigration, 0, &s, &p, &v), None);
    }

    #[test]
    fn the_cooperation_ladder_values_trust_and_the_agreement_its_margin_of_trust() {
        let (p, mut s) = open_field();
        let v = seen(0.5, 0.6, true, 0.0);
        let a = &p.actors[0];
        s.trust = 0.7;
        s.cooperation_level = 0;
        assert_eq!(utility(Action::CooperateDown, 0, &s, &p, &v), None);
        let c = concession(a, &v, a.cooperation_points);
        close(
            utility(Action::CooperateUp, 0, &s, &p, &v).unwrap(),
            c + 1.8 * 0.7 - 0.45,
        );
        s.cooperation_level = 2;
        close(
            utility(Action::CooperateDown, 0, &s, &p, &v).unwrap(),
            -1.8 * 0.7 - 0.45,
        );
        s.cooperation_level = 3;
        let margin = 0.7 - p.world.agreement_trust_threshold;
        close(
            utility(Action::CooperateUp, 0, &s, &p, &v).unwrap(),
            c + 1.8 * 4.0 * margin - 0.95,
        );
        s.proposal = Some((0, 9));
        assert_eq!(
            utility(Action::CooperateUp, 0, &s, &p, &v),
            None,
            "own proposal"
        );
        assert!(
            utility(Action::CooperateUp, 1, &s, &p, &v).is_some(),
            "to sign"
        );
        s.cooperation_level = 4;
        assert_eq!(utility(Action::CooperateUp, 1, &s, &p, &v), None, "the top");
    }

    #[test]
    fn security_concessions_are_open_within_their_capacities() {
        let (mut p, mut s) = open_field();
        let v = seen(0.5, 0.6, false, 0.0);
        p.actors[0].transfer_min_batch = 5.0;
        p.actors[0].transfer_batch_mean = 8.0;
        p.actors[0].transfer_points_per_person = 0.5;
        p.actors[0].transfer_cost = 0.3;
        s.actors[0].transfer_pool = 4.0;
        assert_eq!(utility(Action::Transfer, 0, &s, &p, &v), None);
        s.actors[0].transfer_pool = 6.0;
        // The points of a batch are at most the pool.
        close(
            utility(Action::Transfer, 0, &s, &p, &v).unwrap(),
            concession(&p.actors[0], &v, 0.5 * 6.0) - 0.3,
        );
        s.actors[0].transfer_pool = 20.0;
        close(
            utility(Action::Transfer, 0, &s, &p, &v).unwrap(),
            concession(&p.actors[0], &v, 0.5 * 8.0) - 0.3,
        );
        p.actors[0].contingent_k = 2.0;
        p.actors[0].max_forces_k = 10.0;
        p.actors[0].deploy_points = 20.0;
        p.actors[0].deploy_cost = 0.6;
        s.actors[0].forces_k = 8.0;
        close(
            utility(Action::Deploy, 0, &s, &p, &v).unwrap(),
            concession(&p.actors[0], &v, 20.0) - 0.6,
        );
        s.actors[0].forces_k = 8.5;
        assert_eq!(utility(Action::Deploy, 0, &s, &p, &v), None);
        s.actors[0].forces_k = 0.0;
        p.actors[0].contingent_k = 0.0;
        assert_eq!(utility(Action::Deploy, 0, &s, &p, &v), None);
        let max = p.world.max_interdiction_level;
        p.actors[0].interdiction_points = 10.0;
        p.actors[0].interdiction_cost = 0.2;
        s.actors[0].interdiction_level = max - 1.0;
        close(
            utility(Action::Interdict, 0, &s, &p, &v).unwrap(),
            concession(&p.actors[0], &v, 10.0) - 0.2,
        );
        s.actors[0].interdiction_level = max - 0.5;
        assert_eq!(utility(Action::Interdict, 0, &s, &p, &v), None);
    }

    #[test]
    fn the_pressure_seen_adds_the_threat_the_tariff_and_the_export_controls() {
        let (p, mut s) = china_september();
        s.week = 10;
        s.actors[1].threat = Some(super::super::state::Threat {
            rate_pct: 50.0,
            deadline_week: 14,
            received_at_issue: 0.0,
            extensions: 0,
        });
        s.actors[1].last_concession_week = Some(9);
        let v = view(0, &s, &p, Phase::Weekly);
        let urgency = deadline_urgency(4.0, p.world.deadline_urgency_weeks);
        let expected = threat_pressure(50.0, s.actors[0].belief(), urgency)
            + tariff_pressure(s.actors[1].effective_tariff_pct())
            + p.actors[1].export_control_pressure;
        close(v.pressure, expected);
        assert!(v.reciprocated);
        assert!(!v.at_deadline);
        close(v.trade_weight, 1.0 - s.actors[0].exempt_share);
        close(v.dissatisfaction, s.actors[0].dissatisfaction());
        s.actors[1].last_concession_week = Some(0);
        let window = p.world.reciprocity_window_weeks;
        assert!(window <= 10.0);
        assert!(!view(0, &s, &p, Phase::Weekly).reciprocated);
        // The side whose controls these are feels none of their pressure.
        let v1 = view(1, &s, &p, Phase::Weekly);
        close(
            v1.pressure,
            tariff_pressure(s.actors[0].effective_tariff_pct()),
        );
    }

    #[test]
    fn logit_probabilities_sum_to_one_and_follow_the_utility_differences() {
        let (p, s) = china_september();
        let probs = choice_probabilities(0, &s, &p);
        let total: f64 = probs.iter().map(|(_, q)| q).sum();
        close(total, 1.0);
        let v = view(0, &s, &p, Phase::Weekly);
        let lambda = p.actors[0].rationality;
        let (a0, q0) = probs[0];
        let u0 = utility(a0, 0, &s, &p, &v).unwrap();
        for &(a, q) in &probs[1..] {
            let ua = utility(a, 0, &s, &p, &v).unwrap();
            if q > 1e-12 && q0 > 1e-12 {
                assert!(((q / q0).ln() - lambda * (ua - u0)).abs() < 1e-6, "{a:?}");
            }
        }
        // Every feasible move is listed.
        let feasible = Action::ALL
            .iter()
            .filter(|&&a| utility(a, 0, &s, &p, &v).is_some())
            .count();
        assert_eq!(probs.len(), feasible);
    }

    #[test]
    fn the_logit_draw_follows_the_probabilities() {
        use rand::SeedableRng;
        let (p, s) = china_september();
        let probs = choice_probabilities(1, &s, &p);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
        let n = 20_000;
        let mut counts = vec![0usize; probs.len()];
        for _ in 0..n {
            let a = choose(1, &s, &p, Phase::Weekly, &mut rng);
            let k = probs.iter().position(|&(b, _)| b == a).unwrap();
            counts[k] += 1;
        }
        for (k, &(a, q)) in probs.iter().enumerate() {
            let share = counts[k] as f64 / n as f64;
            let sd = (q * (1.0 - q) / n as f64).sqrt();
            assert!((share - q).abs() < 5.0 * sd + 1e-3, "{a:?}: {share} vs {q}");
        }
        // A reaction draws only reaction moves.
        for _ in 0..200 {
            assert!(choose(1, &s, &p, Phase::Reaction, &mut rng).is_reaction());
        }
    }
}
