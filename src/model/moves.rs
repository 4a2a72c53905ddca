//! The effects of moves: what each action does to the state once chosen
//! (by the logit choice or by a lever's rule).
//!
//! docs/MODEL.md, "Effects of moves", lists them; the feasibility of each
//! move is in [`super::choice::utility`].

use crate::model::Pair;
use rand_distr::Distribution;
use rand_xoshiro::Xoshiro256PlusPlus;

use super::action::Action;
use super::choice::{
    POINTS_SCALE, PRESSURE_FOR_SUBMISSION, Phase, RATE_SCALE_PCT, matched_rate, security_points,
    threat_rate, view,
};
use super::dynamics::Prepared;
use super::params::ModelParams;
use super::rules::HISTORY_WEEKS;
use super::state::{ActorState, State, Threat, Truce, other};

/// The provocation a hostile trade move adds to what the other side feels:
/// the trade-weighted points it adds, on the 25% scale.
pub fn provocation_of(added_effective_pp: f64) -> f64 {
    added_effective_pp / RATE_SCALE_PCT
}

/// Books a change of `mine`'s trade-weighted tariff on `theirs` from
/// `before_pp`: a rise provokes the other side and marks this week as
/// hostile; a fall relieves it (and lowers its provocation).
fn book_tariff_change(mine: &mut ActorState, theirs: &mut ActorState, before_pp: f64, week: u32) {
    let change = mine.effective_tariff_pct() - before_pp;
    theirs.provocation += provocation_of(change);
    if change > 0.0 {
        mine.last_hostile_week = Some(week);
    }
    mine.max_tariff_pct = mine.max_tariff_pct.max(mine.tariff_pct);
}

/// A truce is agreed: both sides cut to their truce rates, lift export
/// controls, and the truce runs for the proposer's period.
fn agree_truce(state: &mut State, p: &ModelParams, proposer: usize, week: u32) -> [f64; 2] {
    let before = [
        state.actors[0].effective_tariff_pct(),
        state.actors[1].effective_tariff_pct(),
    ];
    state.truce = Some(Truce {
        expires_week: week + p.actors[proposer].truce_weeks.round().max(1.0) as u32,
        snap_back_pct: [state.actors[0].tariff_pct, state.actors[1].tariff_pct],
        snap_back_exempt: [state.actors[0].exempt_share, state.actors[1].exempt_share],
    });
    state.truce_proposal = None;
    state.truces_agreed += 1;
    state.first_truce_week = state.first_truce_week.or(Some(week));
    state.trust += p.world.trust_cooperation_gain;
    let mut relief = [0.0; 2];
    for k in 0..2 {
        let s = &mut state.actors[k];
        // Export controls are not part of the rates a truce sets: they are
        // lifted by their own move (Geneva's rates held from 14 May 2025 while
        // China's rare-earth licensing stayed in place to 3 September).
        s.tariff_pct = s.tariff_pct.min(p.actors[k].truce_rate_pct);
        s.threat = None;
        s.relief_moves += 1;
        relief[k] = (before[k] - s.effective_tariff_pct()).max(0.0);
    }
    // A negotiated deal settles the score both ways: the relief was traded,
    // not given, so it leaves neither side provoked nor owing a further
    // unilateral cut (with the relief booked as negative provocation, both
    // sides cut to zero within weeks of Geneva; the record has 30/10 held).
    for s in &mut state.actors {
        s.provocation = 0.0;
    }
    relief
}

/// The truce in force runs out: both rates snap back to their levels before it.
pub fn lapse_truce(state: &mut State) {
    let Some(t) = state.truce.take() else {
        return;
    };
    state.truce_lapses += 1;
    for k in 0..2 {
        let before = state.actors[k].effective_tariff_pct();
        let (mine, theirs) = split_mut(&mut state.actors, k);
        mine.tariff_pct = mine
            .tariff_pct
            .max(t.snap_back_pct[k].min(mine.tariff_cap_pct));
        mine.exempt_share = mine.exempt_share.min(t.snap_back_exempt[k]);
        book_tariff_change(mine, theirs, before, state.week);
    }
}

/// Books `points` of concession given by actor `i` this week.
fn book_concession(state: &mut State, p: &ModelParams, i: usize, points: f64, pressure: f64) {
    let a = &p.actors[i];
    let w = &p.world;
    let week = state.week;
    let (mine, theirs) = split_mut(&mut state.actors, i);
    mine.concessions_by_week[week as usize % HISTORY_WEEKS] += points;
    theirs.concessions_received += points;
    theirs.received_total += points;
    // "Never enough": a share of every concession is pocketed and added to the demand.
    theirs.demand += p.actors[other(i)].demand_ratchet * points;
    if pressure > PRESSURE_FOR_SUBMISSION {
        mine.approval_pct -= a.submission_approval_pts * points / POINTS_SCALE;
    }
    if theirs
        .last_concession_week
        .is_some_and(|w_| f64::from(week - w_) < w.reciprocity_window_weeks)
    {
        state.trust += w.trust_reciprocity_gain;
    }
    state.actors[i].last_concession_week = Some(week);
}

/// Applies actor `i`'s move; returns the size to report.
pub fn apply(
    action: Action,
    i: usize,
    state: &mut State,
    p: &ModelParams,
    prep: &Prepared,
    rng: &mut Xoshiro256PlusPlus,
    amount: Option<f64>,
) -> f64 {
    let a = p.actors[i];
    let w = p.world;
    let week = state.week;
    // Only a concession's approval cost needs the pressure (an exp).
    let pressure = if action.is_concession() {
        view(i, state, p, Phase::Weekly).pressure
    } else {
        0.0
    };
    // A hostile trade move breaks a truce in force.
    if action.is_trade_hostility() && state.truce.is_some() {
        state.truce = None;
        state.truce_breaks += 1;
    }
    let (mine, theirs) = split_mut(&mut state.actors, i);
    let before_pp = mine.effective_tariff_pct();
    // Relief of the other's trade from lifted export controls, in
    // tariff-equivalent points (a tariff's relief is read off the change).
    let mut controls_relief_pp = 0.0;
    let value = match action {
        Action::Hold => {
            if let Some(t) = mine.threat.filter(|t| t.deadline_week <= week) {
                // Backing down from a public threat.
                mine.threat = None;
                mine.approval_pct -= a.audience_cost_approval_pts;
                theirs.belief_not_carried += 1.0;
                t.rate_pct
            } else {
                0.0
            }
        }
        Action::Threaten => {
            let rate = amount.unwrap_or_else(|| threat_rate(&a, mine));
            mine.threat = Some(Threat {
                rate_pct: rate,
                deadline_week: week + a.threat_deadline_weeks.round() as u32,
                received_at_issue: mine.received_total,
                extensions: 0,
            });
            mine.threats_issued += 1;
            theirs.approval_pct += p.actors[other(i)].rally_threat_pts;
            state.trust -= w.trust_threat_drop;
            rate
        }
        Action::Extend => {
            // Feasible only with a threat at its deadline (see `utility`).
            let received = mine.received_total;
            let Some(t) = mine.threat.as_mut() else {
                return 0.0;
            };
            t.deadline_week = week + a.extension_weeks.round().max(1.0) as u32;
            t.received_at_issue = received;
            t.extensions += 1;
            theirs.belief_not_carried += 1.0;
            f64::from(t.deadline_week)
        }
        Action::Impose => {
            let Some(t) = mine.threat.take() else {
                return 0.0;
            };
            mine.tariff_pct = mine.tariff_pct.max(t.rate_pct.min(mine.tariff_cap_pct));
            mine.threats_carried_out += 1;
            theirs.belief_carried += 1.0;
            mine.tariff_pct
        }
        Action::Raise => {
            let step = amount.unwrap_or(a.escalation_step_pct);
            mine.tariff_pct = (mine.tariff_pct + step).min(mine.tariff_cap_pct);
            mine.tariff_pct
        }
        Action::Match => {
            let (rate, exempt) = matched_rate(mine, theirs);
            mine.tariff_pct = mine.tariff_pct.max(rate);
            mine.exempt_share = exempt;
            mine.approval_pct += a.rally_retaliation_pts;
            mine.tariff_pct
        }
        Action::Cut => {
            mine.tariff_pct = (mine.tariff_pct - amount.unwrap_or(a.cut_step_pct)).max(0.0);
            mine.tariff_pct
        }
        Action::Exempt => {
            mine.exemption_granted = true;
            mine.exempt_share = mine.exempt_share.max(a.exemption_initial_share);
            mine.exempt_share
        }
        Action::Retaliate => {
            mine.tariff_pct = amount
                .unwrap_or(a.retaliation_rate_pct)
                .min(mine.tariff_cap_pct);
            mine.exempt_share = 1.0 - a.retaliation_coverage_share;
            mine.retaliated_ever = true;
            mine.approval_pct += a.rally_retaliation_pts;
            mine.tariff_pct
        }
        Action::RestrictExports => {
            mine.export_controls = true;
            mine.last_hostile_week = Some(week);
            theirs.provocation += a.export_control_pressure;
            1.0
        }
        Action::LiftExportControls => {
            mine.export_controls = false;
            theirs.provocation -= a.export_control_pressure;
            controls_relief_pp = a.export_control_pressure * RATE_SCALE_PCT;
            0.0
        }
        Action::ProposeTruce => {
            state.truce_proposal = Some((i, week + w.proposal_expiry_weeks.round() as u32));
            1.0
        }
        Action::AcceptTruce => {
            let proposer = other(i);
            let relief = agree_truce(state, p, proposer, week);
            // Each side's cut is relief of the other's goods: a concession both ways.
            for (k, pp) in relief.iter().enumerate() {
                let points = p.actors[k].relief_points_per_pp * pp;
                if points > 0.0 {
                    book_concession(state, p, k, points, 0.0);
                }
            }
            state.trust = state.trust.clamp(0.0, 1.0);
            return state.truce.map_or(0.0, |t| f64::from(t.expires_week));
        }
        Action::ExtendTruce => {
            let Some(t) = state.truce.as_mut() else {
                return 0.0;
            };
            t.expires_week = week + a.truce_weeks.round().max(1.0) as u32;
            state.truce_extensions += 1;
            f64::from(t.expires_week)
        }
        Action::Transfer => {
            let drawn = amount.unwrap_or_else(|| {
                prep.batch[i]
                    .as_ref()
                    .map_or(a.transfer_batch_mean, |d| d.sample(rng))
            });
            let size = drawn
                .round()
                .clamp(1.0, mine.transfer_pool.floor().max(1.0));
            mine.transfer_pool = (mine.transfer_pool - size).max(0.0);
            mine.handed_over += size;
            mine.transfer_batches += 1;
            mine.transferred_recent += size;
            mine.transfers_by_week[week as usize % HISTORY_WEEKS] += size;
            size
        }
        Action::Deploy => {
            mine.forces_k += amount.unwrap_or(a.contingent_k);
            mine.forces_k
        }
        Action::Interdict => {
            mine.interdiction_level += 1.0;
            mine.interdiction_level
        }
        Action::TightenMigration => {
            mine.migration_enforcement = (mine.migration_enforcement + w.migration_step).min(1.0);
            mine.migration_enforcement
        }
        Action::LoosenMigration => {
            mine.migration_enforcement = (mine.migration_enforcement - w.migration_step).max(0.0);
            theirs.concessions_received =
                (theirs.concessions_received - a.migration_points).max(0.0);
            state.trust -= w.trust_threat_drop;
            mine.migration_enforcement
        }
        Action::CooperateUp => {
            match (state.cooperation_level, state.proposal) {
                (3, Some((by, _))) if by != i => {
                    state.cooperation_level = 4;
                    state.agreement_week = state.agreement_week.or(Some(week));
                    state.proposal = None;
                    state.trust += w.trust_cooperation_gain;
                }
                (3, _) => {
                    // A proposal is a step only once it is signed.
                    state.proposal = Some((i, week + w.proposal_expiry_weeks.round() as u32));
                }
                _ => {
                    state.cooperation_level += 1;
                    state.trust += w.trust_cooperation_gain;
                }
            }
            f64::from(state.cooperation_level)
        }
        Action::CooperateDown => {
            state.cooperation_level -= 1;
            state.trust -= w.trust_threat_drop;
            f64::from(state.cooperation_level)
        }
        Action::Strike => {
            mine.struck_ever = true;
            mine.last_strike_week = Some(week);
            theirs.unanswered_strike_week = Some(week);
            theirs.approval_pct += p.actors[other(i)].rally_strike_pts;
            state.trust -= w.trust_strike_drop;
            1.0
        }
        Action::SovereigntyStand => {
            mine.unanswered_strike_week = None;
            state.cooperation_level = state.cooperation_level.saturating_sub(1);
            state.trust -= w.trust_threat_drop;
            f64::from(state.cooperation_level)
        }
    };
    // What every trade move shares, booked once: a hostile move strains
    // trust, and a tariff step rallies the other side; the change of the
    // trade-weighted tariff provokes or relieves the other side.
    let (mine, theirs) = split_mut(&mut state.actors, i);
    if action.is_trade_hostility() {
        state.trust -= w.trust_tariff_drop;
        if action != Action::RestrictExports {
            theirs.approval_pct += p.actors[other(i)].rally_tariff_pts;
        }
    }
    if action.is_trade_relief() {
        mine.relief_moves += 1;
    }
    let relief_pp = before_pp - mine.effective_tariff_pct() + controls_relief_pp;
    book_tariff_change(mine, theirs, before_pp, week);
    // Concession points of what was actually done: the real batch size, the
    // real contingent, the real relief.
    let points = match action {
        Action::Transfer => Some(value * a.transfer_points_per_person),
        Action::Deploy if a.contingent_k > 0.0 => {
            Some(a.deploy_points * amount.unwrap_or(a.contingent_k) / a.contingent_k)
        }
        _ if action.is_trade_relief() => {
            Some(a.relief_points_per_pp * relief_pp).filter(|&x| x > 0.0)
        }
        _ => security_points(action, &a, &state.actors[i]),
    };
    if let Some(points) = points {
        book_concession(state, p, i, points, pressure);
    }
    state.trust = state.trust.clamp(0.0, 1.0);
    for s in &mut state.actors {
        s.approval_pct = s.approval_pct.clamp(0.0, 100.0);
    }
    value
}

/// The acting side and the other, mutably.
pub fn split_mut(actors: &mut Pair<ActorState>, i: usize) -> (&mut ActorState, &mut ActorState) {
    let (first, second) = actors.split_at_mut(1);
    if i == 0 {
        (&mut first[0], &mut second[0])
    } else {
        (&mut second[0], &mut first[0])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::prepare_run;
    use crate::scenario::{ResolvedLever, Scenario};
    use rand::SeedableRng;

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

    /// The April peak: no truce, US 145 / China 125, both provoked, a US proposal.
    fn peak() -> (ModelParams, State) {
        let (p, mut s) = china_september();
        s.truce = None;
        s.actors[0].tariff_pct = 145.0;
        s.actors[1].tariff_pct = 125.0;
        s.actors[0].provocation = 2.0;
        s.actors[1].provocation = 3.0;
        s.truce_proposal = Some((0, 0));
        (p, s)
    }

    #[test]
    fn an_accepted_truce_sets_both_rates_settles_provocation_and_keeps_controls() {
        let (p, mut s) = peak();
        let prep = Prepared::new(&p, &s);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
        apply(Action::AcceptTruce, 1, &mut s, &p, &prep, &mut rng, None);
        let t = s.truce.expect("a truce in force");
        assert_eq!(s.actors[0].tariff_pct, p.actors[0].truce_rate_pct);
        assert_eq!(s.actors[1].tariff_pct, p.actors[1].truce_rate_pct);
        assert_eq!(t.snap_back_pct, [145.0, 125.0]);
        assert_eq!(t.expires_week, p.actors[0].truce_weeks.round() as u32);
        assert_eq!(s.actors[0].provocation, 0.0);
        assert_eq!(s.actors[1].provocation, 0.0);
        assert!(
            s.actors[1].export_controls,
            "controls are not part of the rates"
        );
        assert_eq!(s.truces_agreed, 1);
        assert!(s.truce_proposal.is_none());
    }

    #[test]
    fn a_lapsing_truce_snaps_both_rates_back_and_provokes_both_sides() {
        let (p, mut s) = peak();
        let prep = Prepared::new(&p, &s);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
        apply(Action::AcceptTruce, 1, &mut s, &p, &prep, &mut rng, None);
        lapse_truce(&mut s);
        assert!(s.truce.is_none());
        assert_eq!(s.truce_lapses, 1);
        assert_eq!(
            s.actors[0].tariff_pct,
            145.0_f64.min(s.actors[0].tariff_cap_pct)
        );
        assert_eq!(
            s.actors[1].tariff_pct,
            125.0_f64.min(s.actors[1].tariff_cap_pct)
        );
        assert!(
            s.actors[0].provocation > 0.0,
            "China's snap-back provokes the US"
        );
        assert!(
            s.actors[1].provocation > 0.0,
            "the US snap-back provokes China"
        );
    }

    #[test]
    fn provocation_is_the_added_effective_rate_on_the_25_percent_scale() {
        assert_eq!(provocation_of(25.0), 1.0);
        assert_eq!(provocation_of(-12.5), -0.5);
    }

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() < 1e-9, "{a} != {b}");
    }

    /// The September run without the truce, with world and actor rates made
    /// distinct so every effect shows.
    fn open_field() -> (ModelParams, State) {
        let (mut p, mut s) = china_september();
        s.truce = None;
        s.trust = 0.5;
        p.world.trust_threat_drop = 0.03;
        p.world.trust_tariff_drop = 0.02;
        p.world.trust_cooperation_gain = 0.04;
        p.world.trust_reciprocity_gain = 0.05;
        p.world.trust_strike_drop = 0.07;
        for a in &mut p.actors {
            a.rally_threat_pts = 1.5;
            a.rally_tariff_pts = 2.5;
            a.rally_retaliation_pts = 3.5;
            a.rally_strike_pts = 4.5;
            a.audience_cost_approval_pts = 1.25;
            a.submission_approval_pts = 2.0;
            a.demand_ratchet = 0.3;
            a.relief_points_per_pp = 0.5;
        }
        for a in &mut s.actors {
            a.approval_pct = 50.0;
        }
        (p, s)
    }

    fn act(action: Action, i: usize, s: &mut State, p: &ModelParams, amount: Option<f64>) -> f64 {
        let prep = Prepared::new(p, s);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
        apply(action, i, s, p, &prep, &mut rng, amount)
    }

    fn threat_at(s: &mut State, i: usize, rate: f64, deadline: u32) {
        s.actors[i].threat = Some(Threat {
            rate_pct: rate,
            deadline_week: deadline,
            received_at_issue: 0.0,
            extensions: 0,
        });
    }

    #[test]
    fn a_threat_sets_its_rate_and_deadline_rallies_the_other_side_and_strains_trust() {
        let (p, mut s) = open_field();
        s.week = 5;
        s.actors[0].received_total = 12.0;
        let rate = act(Action::Threaten, 0, &mut s, &p, None);
        let t = s.actors[0].threat.unwrap();
        close(t.rate_pct, rate);
        close(rate, threat_rate(&p.actors[0], &s.actors[0]));
        assert_eq!(
            t.deadline_week,
            5 + p.actors[0].threat_deadline_weeks.round() as u32
        );
        close(t.received_at_issue, 12.0);
        assert_eq!(s.actors[0].threats_issued, 1);
        close(s.actors[1].approval_pct, 51.5);
        close(s.actors[0].approval_pct, 50.0);
        close(s.trust, 0.47);
    }

    #[test]
    fn holding_at_a_deadline_backs_down_at_an_approval_cost_and_teaches_doubt() {
        let (p, mut s) = open_field();
        s.week = 5;
        threat_at(&mut s, 0, 50.0, 5);
        let before = s.actors[1].belief_not_carried;
        assert_eq!(act(Action::Hold, 0, &mut s, &p, None), 50.0);
        assert!(s.actors[0].threat.is_none());
        close(s.actors[0].approval_pct, 50.0 - 1.25);
        close(s.actors[1].belief_not_carried, before + 1.0);
        // Before the deadline a hold changes nothing.
        threat_at(&mut s, 0, 50.0, 6);
        assert_eq!(act(Action::Hold, 0, &mut s, &p, None), 0.0);
        assert!(s.actors[0].threat.is_some());
    }

    #[test]
    fn extending_moves_the_deadline_resets_the_count_and_teaches_doubt() {
        let (p, mut s) = open_field();
        s.week = 5;
        s.actors[0].received_total = 30.0;
        threat_at(&mut s, 0, 50.0, 5);
        let before = s.actors[1].belief_not_carried;
        act(Action::Extend, 0, &mut s, &p, None);
        let t = s.actors[0].threat.unwrap();
        assert_eq!(
            t.deadline_week,
            5 + p.actors[0].extension_weeks.round().max(1.0) as u32
        );
        close(t.received_at_issue, 30.0);
        assert_eq!(t.extensions, 1);
        close(s.actors[1].belief_not_carried, before + 1.0);
    }

    #[test]
    fn imposing_sets_the_capped_rate_teaches_belief_and_rallies_the_other_side() {
        let (p, mut s) = open_field();
        s.week = 5;
        s.actors[0].tariff_pct = 30.0;
        s.actors[0].exempt_share = 0.0;
        s.actors[0].tariff_cap_pct = 60.0;
        threat_at(&mut s, 0, 80.0, 5);
        let carried = s.actors[1].belief_carried;
        let provocation = s.actors[1].provocation;
        assert_eq!(act(Action::Impose, 0, &mut s, &p, None), 60.0);
        assert_eq!(s.actors[0].tariff_pct, 60.0);
        assert!(s.actors[0].threat.is_none());
        assert_eq!(s.actors[0].threats_carried_out, 1);
        close(s.actors[1].belief_carried, carried + 1.0);
        close(s.actors[1].approval_pct, 52.5);
        close(s.trust, 0.48);
        close(s.actors[1].provocation, provocation + 30.0 / 25.0);
        assert_eq!(s.actors[0].last_hostile_week, Some(5));
        assert_eq!(s.actors[0].max_tariff_pct, 60.0);
    }

    #[test]
    fn raise_and_cut_step_the_tariff_within_zero_and_the_cap() {
        let (p, mut s) = open_field();
        s.actors[0].tariff_pct = 30.0;
        s.actors[0].tariff_cap_pct = 200.0;
        let step = p.actors[0].escalation_step_pct;
        assert_eq!(act(Action::Raise, 0, &mut s, &p, None), 30.0 + step);
        s.actors[0].tariff_cap_pct = 31.0;
        assert_eq!(act(Action::Raise, 0, &mut s, &p, None), 31.0);
        let cut = p.actors[0].cut_step_pct;
        assert!(cut > 0.0);
        s.actors[0].exempt_share = 0.0;
        s.actors[1].demand = 40.0;
        let provocation = s.actors[1].provocation;
        assert_eq!(act(Action::Cut, 0, &mut s, &p, None), 31.0 - cut);
        // A cut relieves the other side and is a concession to it.
        close(s.actors[1].provocation, provocation - cut / 25.0);
        close(s.actors[1].concessions_received, 0.5 * cut);
        close(s.actors[1].demand, 40.0 + 0.3 * 0.5 * cut);
        assert_eq!(act(Action::Cut, 0, &mut s, &p, Some(100.0)), 0.0);
    }

    #[test]
    fn matching_and_retaliating_rally_the_own_side() {
        let (p, mut s) = open_field();
        s.actors[1].tariff_pct = 0.0;
        s.actors[1].tariff_cap_pct = 200.0;
        let rate = p.actors[1].retaliation_rate_pct;
        assert!(rate > 0.0);
        assert_eq!(act(Action::Retaliate, 1, &mut s, &p, None), rate);
        close(
            s.actors[1].exempt_share,
            1.0 - p.actors[1].retaliation_coverage_share,
        );
        assert!(s.actors[1].retaliated_ever);
        close(s.actors[1].approval_pct, 53.5);
        close(s.actors[0].approval_pct, 52.5);
        s.actors[1].tariff_pct = 10.0;
        s.actors[1].exempt_share = 0.5;
        s.actors[0].tariff_pct = 40.0;
        s.actors[0].exempt_share = 0.1;
        assert_eq!(act(Action::Match, 1, &mut s, &p, None), 40.0);
        close(s.actors[1].exempt_share, 0.1);
        close(s.actors[1].approval_pct, 53.5 + 3.5);
    }

    #[test]
    fn export_controls_provoke_when_imposed_and_relieve_when_lifted() {
        let (p, mut s) = open_field();
        s.week = 3;
        let pressure = p.actors[1].export_control_pressure;
        assert!(pressure > 0.0);
        let before = s.actors[0].provocation;
        act(Action::LiftExportControls, 1, &mut s, &p, None);
        assert!(!s.actors[1].export_controls);
        close(s.actors[0].provocation, before - pressure);
        // Lifting is a concession worth its tariff-equivalent relief.
        close(s.actors[0].concessions_received, 0.5 * pressure * 25.0);
        act(Action::RestrictExports, 1, &mut s, &p, None);
        assert!(s.actors[1].export_controls);
        close(s.actors[0].provocation, before);
        assert_eq!(s.actors[1].last_hostile_week, Some(3));
        // No tariff rally for controls.
        close(s.actors[0].approval_pct, 50.0);
    }

    #[test]
    fn a_hostile_trade_move_breaks_the_truce_in_force() {
        let (p, mut s) = china_september();
        assert!(s.truce.is_some());
        act(Action::Cut, 0, &mut s, &p, None);
        assert!(s.truce.is_some(), "relief does not break it");
        act(Action::Raise, 0, &mut s, &p, None);
        assert!(s.truce.is_none());
        assert_eq!(s.truce_breaks, 1);
    }

    #[test]
    fn a_proposed_truce_expires_and_an_extended_one_runs_another_period() {
        let (p, mut s) = china_september();
        s.week = 4;
        let expires = act(Action::ExtendTruce, 0, &mut s, &p, None);
        let weeks = p.actors[0].truce_weeks.round().max(1.0) as u32;
        assert_eq!(expires, f64::from(4 + weeks));
        assert_eq!(s.truce.unwrap().expires_week, 4 + weeks);
        assert_eq!(s.truce_extensions, 1);
        s.truce = None;
        act(Action::ProposeTruce, 1, &mut s, &p, None);
        assert_eq!(
            s.truce_proposal,
            Some((1, 4 + p.world.proposal_expiry_weeks.round() as u32))
        );
    }

    #[test]
    fn an_accepted_truce_is_a_concession_both_ways_and_builds_trust() {
        let (mut p, mut s) = peak();
        p.world.trust_cooperation_gain = 0.04;
        s.trust = 0.3;
        s.week = 2;
        s.actors[0].exempt_share = 0.0;
        s.actors[1].exempt_share = 0.0;
        let demand = [s.actors[0].demand, s.actors[1].demand];
        act(Action::AcceptTruce, 1, &mut s, &p, None);
        let relief = [
            145.0 - p.actors[0].truce_rate_pct,
            125.0 - p.actors[1].truce_rate_pct,
        ];
        // Each side receives the other's relief as concession points.
        close(
            s.actors[1].concessions_received,
            p.actors[0].relief_points_per_pp * relief[0],
        );
        close(
            s.actors[0].concessions_received,
            p.actors[1].relief_points_per_pp * relief[1],
        );
        close(
            s.actors[1].demand,
            demand[1] + p.actors[1].demand_ratchet * p.actors[0].relief_points_per_pp * relief[0],
        );
        // The second side's concession answers the first: reciprocity gain too.
        assert!(s.trust >= 0.34 - 1e-12, "{}", s.trust);
        assert_eq!(s.first_truce_week, Some(2));
        assert!(s.actors[0].threat.is_none() && s.actors[1].threat.is_none());
        assert_eq!(s.actors[0].relief_moves, 1);
    }

    #[test]
    fn a_concession_under_pressure_costs_approval_and_ratchets_the_demand() {
        let (p, mut s) = open_field();
        s.week = 10;
        // US tariff in force on China: China feels pressure.
        s.actors[0].tariff_pct = 30.0;
        s.actors[0].demand = 40.0;
        s.actors[1].interdiction_level = 0.0;
        let points = p.actors[1].interdiction_points;
        assert!(points > 0.0);
        act(Action::Interdict, 1, &mut s, &p, None);
        close(s.actors[1].interdiction_level, 1.0);
        close(s.actors[0].concessions_received, points);
        close(s.actors[0].received_total, points);
        close(s.actors[0].demand, 40.0 + 0.3 * points);
        close(s.actors[1].approval_pct, 50.0 - 2.0 * points / 20.0);
        assert_eq!(s.actors[1].last_concession_week, Some(10));
        assert_eq!(s.actors[1].concessions_by_week[10 % HISTORY_WEEKS], points);
        close(s.trust, 0.5);
        // Answered within the window: trust rises by the reciprocity gain.
        s.week = 11;
        act(Action::Interdict, 0, &mut s, &p, Some(1.0));
        close(s.trust, 0.55);
        // Without pressure no approval is lost.
        let (p, mut s) = open_field();
        s.actors[0].tariff_pct = 0.0;
        s.actors[0].threat = None;
        s.actors[0].export_controls = false;
        act(Action::Interdict, 1, &mut s, &p, None);
        close(s.actors[1].approval_pct, 50.0);
    }

    #[test]
    fn a_transfer_hands_over_a_rounded_batch_within_the_pool() {
        let (mut p, mut s) = open_field();
        p.actors[1].transfer_points_per_person = 0.5;
        s.week = 2;
        s.actors[1].transfer_pool = 10.0;
        assert_eq!(act(Action::Transfer, 1, &mut s, &p, Some(3.6)), 4.0);
        close(s.actors[1].transfer_pool, 6.0);
        close(s.actors[1].handed_over, 4.0);
        close(s.actors[1].transferred_recent, 4.0);
        assert_eq!(s.actors[1].transfer_batches, 1);
        close(s.actors[1].transfers_by_week[2 % HISTORY_WEEKS], 4.0);
        close(s.actors[0].concessions_received, 2.0);
        assert_eq!(act(Action::Transfer, 1, &mut s, &p, Some(50.0)), 6.0);
        close(s.actors[1].transfer_pool, 0.0);
    }

    #[test]
    fn the_ladder_is_climbed_signed_at_the_top_and_stepped_down() {
        let (p, mut s) = open_field();
        s.week = 3;
        s.cooperation_level = 2;
        act(Action::CooperateUp, 0, &mut s, &p, None);
        assert_eq!(s.cooperation_level, 3);
        assert!(s.trust > 0.5);
        act(Action::CooperateUp, 0, &mut s, &p, None);
        assert_eq!(s.cooperation_level, 3, "a proposal only");
        assert_eq!(
            s.proposal,
            Some((0, 3 + p.world.proposal_expiry_weeks.round() as u32))
        );
        act(Action::CooperateUp, 0, &mut s, &p, None);
        assert_eq!(s.cooperation_level, 3, "one's own proposal is not signed");
        act(Action::CooperateUp, 1, &mut s, &p, None);
        assert_eq!(s.cooperation_level, 4);
        assert_eq!(s.agreement_week, Some(3));
        assert!(s.proposal.is_none());
        let trust = s.trust;
        act(Action::CooperateDown, 1, &mut s, &p, None);
        assert_eq!(s.cooperation_level, 3);
        close(s.trust, (trust - 0.03).clamp(0.0, 1.0));
    }

    #[test]
    fn a_strike_rallies_the_target_and_a_sovereignty_stand_drops_a_rung() {
        let (p, mut s) = open_field();
        s.week = 8;
        s.cooperation_level = 2;
        act(Action::Strike, 0, &mut s, &p, None);
        assert!(s.actors[0].struck_ever);
        assert_eq!(s.actors[0].last_strike_week, Some(8));
        assert_eq!(s.actors[1].unanswered_strike_week, Some(8));
        close(s.actors[1].approval_pct, 54.5);
        close(s.trust, 0.43);
        act(Action::SovereigntyStand, 1, &mut s, &p, None);
        assert_eq!(s.actors[1].unanswered_strike_week, None);
        assert_eq!(s.cooperation_level, 1);
        close(s.trust, 0.40);
    }

    #[test]
    fn loosening_migration_withdraws_its_points_and_strains_trust() {
        let (mut p, mut s) = open_field();
        p.world.migration_step = 0.25;
        p.actors[0].migration_points = 5.0;
        s.actors[0].migration_enforcement = 0.5;
        s.actors[1].concessions_received = 12.0;
        act(Action::LoosenMigration, 0, &mut s, &p, None);
        close(s.actors[0].migration_enforcement, 0.25);
        close(s.actors[1].concessions_received, 7.0);
        close(s.trust, 0.47);
        act(Action::TightenMigration, 0, &mut s, &p, None);
        close(s.actors[0].migration_enforcement, 0.5);
    }

    #[test]
    fn a_deployment_adds_its_contingent_and_its_points_scale_with_its_size() {
        let (mut p, mut s) = open_field();
        p.actors[1].contingent_k = 10.0;
        p.actors[1].deploy_points = 20.0;
        s.actors[0].tariff_pct = 0.0;
        s.actors[0].export_controls = false;
        act(Action::Deploy, 1, &mut s, &p, Some(5.0));
        close(s.actors[1].forces_k, 5.0);
        close(s.actors[0].concessions_received, 10.0);
    }

    #[test]
    fn reciprocity_gains_trust_only_within_the_window() {
        let (p, mut s) = open_field();
        let window = p.world.reciprocity_window_weeks;
        assert!(window >= 1.0 && window.fract() == 0.0);
        let window = window as u32;
        s.actors[0].tariff_pct = 0.0;
        s.actors[0].export_controls = false;
        s.actors[1].export_controls = false;
        s.week = 20;
        act(Action::Interdict, 0, &mut s, &p, None);
        // Answered exactly `window` weeks later: outside it.
        s.week = 20 + window;
        act(Action::Interdict, 1, &mut s, &p, None);
        close(s.trust, 0.5);
        s.week = 20 + window + window - 1;
        act(Action::Interdict, 0, &mut s, &p, None);
        close(s.trust, 0.55);
    }

    #[test]
    fn relief_that_relieves_nothing_is_no_concession() {
        let (mut p, mut s) = open_field();
        // An exemption below the share already exempt relieves nothing.
        p.actors[0].exemption_initial_share = 0.05;
        s.actors[0].exempt_share = 0.5;
        act(Action::Exempt, 0, &mut s, &p, None);
        assert_eq!(s.actors[0].last_concession_week, None);
        // A truce that leaves one side's rate where it was is no concession by it.
        let (p, mut s) = peak();
        s.actors[1].tariff_pct = p.actors[1].truce_rate_pct;
        act(Action::AcceptTruce, 1, &mut s, &p, None);
        assert_eq!(s.actors[1].last_concession_week, None);
        assert_eq!(s.actors[0].last_concession_week, Some(s.week));
    }
}
