//! One simulated week, and a whole run.
//!
//! Order inside a week (docs/MODEL.md, "The week"):
//! 1. exogenous shocks (legal rulings, formal extraditions, noise);
//! 2. the two governments choose, the one under the nearest deadline first,
//!    each seeing what the other did earlier in the same week;
//! 3. slow dynamics (decays, exemption uptake, approval, trust, flows, trade).

use rand::RngExt;
use rand_distr::{Distribution, LogNormal, Poisson, StandardNormal};
use rand_xoshiro::Xoshiro256PlusPlus;

use super::action::Action;
use super::exp::exp;
use super::params::{ActorParams, ModelParams, WorldParams};
use super::rules::{HISTORY_WEEKS, Rule};
use super::state::{ActorState, State, Threat};

/// The two random streams of a run's dynamics.
///
/// Choices and exogenous shocks draw from separate streams so that a lever
/// that changes a choice does not shift every later shock (common random
/// numbers stay aligned across levers as long as possible).
pub struct DynamicsRngs {
    /// Stream for the logit choices and batch sizes.
    pub choice: Xoshiro256PlusPlus,
    /// Stream for exogenous shocks (rulings, extraditions, noise).
    pub shocks: Xoshiro256PlusPlus,
}

/// Something that happened in a week, reported to an [`Observer`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Event {
    /// A government chose a move; `value` is the move's size (rate, people,
    /// new rung, new deadline week …, see `bilateral trace`).
    Chose {
        /// Actor index.
        actor: usize,
        /// The move.
        action: Action,
        /// The move's size.
        value: f64,
    },
    /// A lever's rule fired and made `action` for `actor`.
    RuleFired {
        /// Actor index.
        actor: usize,
        /// Index of the rule in the lever's rules.
        rule: usize,
        /// The move.
        action: Action,
        /// The move's size.
        value: f64,
    },
    /// Ordinary formal extraditions by `actor` this week.
    FormalExtraditions {
        /// Actor index.
        actor: usize,
        /// People extradited.
        people: u32,
    },
    /// Courts struck down the legal basis of `actor`'s tariffs.
    LegalLoss {
        /// Actor index.
        actor: usize,
        /// Tariff after the ruling, %.
        tariff_pct: f64,
    },
    /// An agreement proposal expired unsigned.
    ProposalExpired {
        /// The proposer.
        actor: usize,
    },
}

/// Receives what happens in a run. The engine uses it for month-end
/// snapshots, `bilateral trace` for the story; both default to nothing.
pub trait Observer {
    /// Called for every event, with the state right after it.
    fn event(&mut self, _week: u32, _event: &Event, _state: &State) {}
    /// Called after each week with the state at its end (`state.week` weeks done).
    fn week_end(&mut self, _state: &State) {}
}

/// An observer that ignores everything.
pub struct NoObserver;
impl Observer for NoObserver {}

/// The outcome metrics of one run (see [`super::outcome`]).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RunTotals {
    /// Sum over weeks of actor 0's headline tariff.
    pub tariff_sum: f64,
    /// Weeks with actor 0's headline tariff above zero.
    pub weeks_with_tariff: u32,
    /// Highest headline tariff of actor 0, start included.
    pub max_tariff_pct: f64,
    /// Lowest approval of actor 1, start included.
    pub min_approval_pct: f64,
    /// Times each rule fired, in rule order.
    pub rules_fired: Vec<u32>,
}

/// Per-run constants derived from the parameters once, so the week step does
/// no distribution set-up or transcendental work it can avoid.
struct Prepared {
    concession_decay: [f64; 2],
    transfer_decay: [f64; 2],
    trade_phi: [f64; 2],
    trade_growth_per_week: [f64; 2],
    extraditions: [Option<Poisson<f64>>; 2],
    batch: [Option<LogNormal<f64>>; 2],
    initial_enforcement_gap: [f64; 2],
}

/// Week-to-week persistence of the flow noise: shocks to trafficking last
/// about ten weeks (1 / (1 - 0.9)), like the swings in monthly seizure data.
const FLOW_NOISE_PERSISTENCE: f64 = 0.9;
/// Weeks per year for annual rates.
const WEEKS_PER_YEAR: f64 = 52.0;
/// Tariff rate that counts as one unit of pressure or coercive value: the
/// 25% on all goods of the first 2025 threat.
pub const RATE_SCALE_PCT: f64 = 25.0;
/// Concession points that count as one unit: the 10,000-troop deployment
/// that bought the first pause (20 points), about one mass transfer.
pub const POINTS_SCALE: f64 = 20.0;
/// A signed agreement is worth as much as the four rungs below it together.
const AGREEMENT_RUNGS: f64 = 4.0;
/// The top of the cooperation ladder.
const LADDER_TOP: f64 = 4.0;

fn half_life_factor(weeks: f64) -> f64 {
    0.5f64.powf(1.0 / weeks.max(1e-9))
}

impl Prepared {
    fn new(p: &ModelParams, s: &State) -> Self {
        let per_actor =
            |f: &dyn Fn(&ActorParams, usize) -> f64| [f(&p.actors[0], 0), f(&p.actors[1], 1)];
        let lognormal = |a: &ActorParams| {
            let mean = a.transfer_batch_mean;
            let var_ratio = (a.transfer_batch_sd / mean).powi(2);
            let sigma2 = (1.0 + var_ratio).ln();
            LogNormal::new(mean.ln() - sigma2 / 2.0, sigma2.sqrt()).ok()
        };
        let poisson = |a: &ActorParams| {
            let weekly = a.formal_extraditions_per_year / WEEKS_PER_YEAR;
            if weekly > 0.0 {
                Poisson::new(weekly).ok()
            } else {
                None
            }
        };
        Prepared {
            concession_decay: per_actor(&|a, _| half_life_factor(a.concession_half_life_weeks)),
            transfer_decay: per_actor(&|a, _| 1.0 - a.flow_adaptation_per_week),
            // Partial adjustment chosen so the log response after 52 weeks is
            // elasticity_1y / elasticity_long of the long-run response.
            trade_phi: per_actor(&|a, _| {
                if a.import_elasticity_long < 0.0 {
                    let reached =
                        (a.import_elasticity_1y / a.import_elasticity_long).clamp(0.0, 1.0);
                    1.0 - (1.0 - reached).powf(1.0 / WEEKS_PER_YEAR)
                } else {
                    0.0
                }
            }),
            trade_growth_per_week: per_actor(&|a, _| {
                exp((1.0 + a.trade_trend_pct_per_year / 100.0).ln() / WEEKS_PER_YEAR)
            }),
            extraditions: [poisson(&p.actors[0]), poisson(&p.actors[1])],
            batch: [lognormal(&p.actors[0]), lognormal(&p.actors[1])],
            initial_enforcement_gap: per_actor(&|a, i| {
                enforcement(a, &s.actors[i], s) - s.actors[i].adaptation
            }),
        }
    }
}

/// Enforcement against this side's outbound illicit flows, log points.
fn enforcement(a: &ActorParams, s: &ActorState, state: &State) -> f64 {
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

/// What one government sees when it chooses.
struct View {
    /// Dissatisfaction with the other side, 0 (satisfied) to 1.
    dissatisfaction: f64,
    /// Pressure felt from the other side's threat and tariff.
    pressure: f64,
    /// Whether the other side made a concession within the reciprocity window.
    reciprocated: bool,
    /// Whether this side's own threat is at its deadline (the move is forced).
    at_deadline: bool,
    /// Share of the other side's goods that this side's tariffs hit.
    trade_weight: f64,
}

fn view(i: usize, state: &State, p: &ModelParams) -> View {
    let me = &state.actors[i];
    let other = &state.actors[1 - i];
    let dissatisfaction = me.dissatisfaction();
    // A threat weighs by its rate (25% = 1), the belief it will be carried
    // out, and how close its deadline is; a tariff in force by its
    // trade-weighted rate on the same scale (25% on all goods = 1).
    let threat_pressure = other.threat.map_or(0.0, |t| {
        let weeks_left = f64::from(t.deadline_week.saturating_sub(state.week));
        me.belief() * t.rate_pct / RATE_SCALE_PCT
            * exp(-weeks_left / p.world.deadline_urgency_weeks)
    });
    let pressure = threat_pressure + other.effective_tariff_pct() / RATE_SCALE_PCT;
    let reciprocated = other
        .last_concession_week
        .is_some_and(|w| f64::from(state.week - w) < p.world.reciprocity_window_weeks);
    View {
        dissatisfaction,
        pressure,
        reciprocated,
        at_deadline: me.threat.is_some_and(|t| t.deadline_week <= state.week),
        trade_weight: 1.0 - me.exempt_share,
    }
}

/// Pressure below which a concession is not read at home as submission.
const PRESSURE_FOR_SUBMISSION: f64 = 0.05;

/// Concession points of a move, or `None` if it is not a concession.
fn concession_points(action: Action, a: &ActorParams, me: &ActorState) -> Option<f64> {
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

/// The new rate a threat from this side would announce.
fn threat_rate(a: &ActorParams, me: &ActorState) -> f64 {
    let rate = if me.tariff_pct <= 0.0 {
        a.first_tariff_pct
    } else {
        me.tariff_pct + a.escalation_step_pct
    };
    rate.min(me.tariff_cap_pct)
}

/// Utility of a move for actor `i`, or `None` when it is not feasible.
#[inline(always)]
fn utility(action: Action, i: usize, state: &State, p: &ModelParams, v: &View) -> Option<f64> {
    let a = &p.actors[i];
    let w: &WorldParams = &p.world;
    let me = &state.actors[i];
    let other = &state.actors[1 - i];
    let at_deadline = v.at_deadline;
    // At one's own deadline the decision is forced: impose, extend, or let it lapse.
    if at_deadline && !matches!(action, Action::Hold | Action::Impose | Action::Extend) {
        return None;
    }
    let trade_weight = v.trade_weight;
    let u = match action {
        Action::Hold => match me.threat {
            // Letting a threat lapse costs face; a threat extended again and
            // again has lost its audience, so the cost shrinks with each extension.
            Some(t) if at_deadline => -a.audience_cost / f64::from(1 + t.extensions),
            _ => 0.0,
        },
        Action::Threaten => {
            if me.threat.is_some() || threat_rate(a, me) <= me.tariff_pct {
                return None;
            }
            a.hawkishness * v.dissatisfaction - a.threat_cost
        }
        Action::Impose => {
            // Coercive value scales with what imposing adds to the headline
            // (25 points = 1): an escalation from 25% to 30% bites far less
            // than the first 25%.
            let t = me.threat.filter(|_| at_deadline)?;
            let added_headline = (t.rate_pct - me.tariff_pct).max(0.0);
            a.impose_weight * v.dissatisfaction * added_headline / RATE_SCALE_PCT
                + a.credibility_weight * (1.0 - other.belief())
                - a.econ_weight * added_headline * trade_weight
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
            a.counter_escalation_value - a.econ_weight * step * trade_weight
        }
        Action::Cut => {
            if me.tariff_pct <= 0.0 {
                return None;
            }
            // Cutting without a deal is read at home as backing down.
            let step = a.cut_step_pct.min(me.tariff_pct);
            a.relief_weight * (1.0 - v.dissatisfaction)
                - a.hawkishness * v.dissatisfaction
                - a.audience_cost
                + a.econ_weight * step * trade_weight
        }
        Action::Exempt => {
            if me.tariff_pct <= 0.0 || me.exemption_granted {
                return None;
            }
            let newly_exempt = (a.exemption_initial_share - me.exempt_share).max(0.0);
            a.exemption_value + a.econ_weight * me.tariff_pct * newly_exempt
        }
        Action::Retaliate => {
            if me.tariff_pct > 0.0 || other.tariff_pct <= 0.0 || a.retaliation_rate_pct <= 0.0 {
                return None;
            }
            a.retaliation_bias
                - a.econ_weight * a.retaliation_rate_pct
                - a.escalation_fear * me.belief()
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
            let points = concession_points(action, a, me).unwrap_or(0.0) / POINTS_SCALE;
            let submission = if v.pressure > PRESSURE_FOR_SUBMISSION {
                a.approval_weight * a.submission_approval_pts * points
            } else {
                0.0
            };
            let reciprocity = if v.reciprocated {
                a.reciprocity * points
            } else {
                0.0
            };
            a.responsiveness * points * v.pressure + reciprocity + extra - cost - submission
        }
    };
    Some(u)
}

/// The feasible moves of actor `i` and their logit probabilities.
///
/// P(a) ∝ exp(λ (U(a) − max U)); a weight below e^-37 is under half an ulp
/// of the total (at least 1, the best move's weight) and is left out
/// without changing the total.
pub fn choice_probabilities(i: usize, state: &State, p: &ModelParams) -> Vec<(Action, f64)> {
    let mut weights = [0.0; Action::ALL.len()];
    let mut actions = [Action::Hold; Action::ALL.len()];
    let (n, total) = logit_weights(i, state, p, &mut actions, &mut weights);
    (0..n).map(|k| (actions[k], weights[k] / total)).collect()
}

fn logit_weights(
    i: usize,
    state: &State,
    p: &ModelParams,
    actions: &mut [Action; Action::ALL.len()],
    weights: &mut [f64; Action::ALL.len()],
) -> (usize, f64) {
    const NEGLIGIBLE: f64 = -37.0;
    let v = view(i, state, p);
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
    const _: () = assert!(Action::ALL.len() == 17, "`consider!` lists every action");
    if v.at_deadline {
        // Only hold (lapse), extend and impose are open at one's own deadline.
        consider!(0 2 3);
    } else {
        consider!(0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16);
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
fn choose(i: usize, state: &State, p: &ModelParams, rng: &mut Xoshiro256PlusPlus) -> Action {
    let mut weights = [0.0; Action::ALL.len()];
    let mut actions = [Action::Hold; Action::ALL.len()];
    let (n, total) = logit_weights(i, state, p, &mut actions, &mut weights);
    let mut r = rng.random::<f64>() * total;
    for k in 0..n {
        r -= weights[k];
        if r < 0.0 {
            return actions[k];
        }
    }
    actions[n - 1]
}

/// Applies actor `i`'s move; returns the size to report.
fn apply(
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
        view(i, state, p).pressure
    } else {
        0.0
    };
    let (mine, theirs) = split_mut(&mut state.actors, i);
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
            let rate = amount.map_or_else(|| threat_rate(&a, mine), |x| x.min(mine.tariff_cap_pct));
            mine.threat = Some(Threat {
                rate_pct: rate,
                deadline_week: week + a.threat_deadline_weeks.round() as u32,
                received_at_issue: mine.received_total,
                extensions: 0,
            });
            mine.threats_issued += 1;
            theirs.approval_pct += p.actors[1 - i].rally_threat_pts;
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
            mine.tariff_pct = mine.tariff_pct.max(t.rate_pct);
            mine.threats_carried_out += 1;
            theirs.belief_carried += 1.0;
            theirs.approval_pct += p.actors[1 - i].rally_tariff_pts;
            state.trust -= w.trust_tariff_drop;
            mine.tariff_pct
        }
        Action::Raise => {
            let step = amount.unwrap_or(a.escalation_step_pct);
            mine.tariff_pct = (mine.tariff_pct + step).min(mine.tariff_cap_pct);
            theirs.approval_pct += p.actors[1 - i].rally_tariff_pts;
            state.trust -= w.trust_tariff_drop;
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
            mine.retaliated_ever = true;
            theirs.approval_pct += p.actors[1 - i].rally_tariff_pts;
            state.trust -= w.trust_tariff_drop;
            mine.tariff_pct
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
            theirs.approval_pct += p.actors[1 - i].rally_strike_pts;
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
    // Concession points of what was actually done: the real batch size, the
    // real contingent.
    let points = match action {
        Action::Transfer => Some(value * a.transfer_points_per_person),
        Action::Deploy if a.contingent_k > 0.0 => {
            Some(a.deploy_points * amount.unwrap_or(a.contingent_k) / a.contingent_k)
        }
        _ => concession_points(action, &a, &state.actors[i]),
    };
    if let Some(points) = points {
        let (mine, theirs) = split_mut(&mut state.actors, i);
        mine.concessions_by_week[week as usize % HISTORY_WEEKS] += points;
        theirs.concessions_received += points;
        theirs.received_total += points;
        // "Never enough": a share of every concession is pocketed and added to the demand.
        theirs.demand += p.actors[1 - i].demand_ratchet * points;
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
    state.trust = state.trust.clamp(0.0, 1.0);
    for s in &mut state.actors {
        s.approval_pct = s.approval_pct.clamp(0.0, 100.0);
    }
    value
}

fn split_mut(actors: &mut [ActorState; 2], i: usize) -> (&mut ActorState, &mut ActorState) {
    let (first, second) = actors.split_at_mut(1);
    if i == 0 {
        (&mut first[0], &mut second[0])
    } else {
        (&mut second[0], &mut first[0])
    }
}

fn exogenous<O: Observer>(
    state: &mut State,
    p: &ModelParams,
    prep: &Prepared,
    rng: &mut Xoshiro256PlusPlus,
    obs: &mut O,
) {
    let week = state.week;
    for i in 0..2 {
        let a = &p.actors[i];
        // Rulings: a draw every week keeps the shock stream aligned across levers.
        let ruling = rng.random::<f64>();
        let s = &mut state.actors[i];
        if !s.legal_loss
            && ruling < a.legal_hazard_per_week
            && f64::from(week) < a.legal_hazard_until_week
            && (s.tariff_pct > 0.0 || s.threat.is_some())
        {
            s.legal_loss = true;
            s.tariff_cap_pct = s.tariff_cap_pct.min(a.tariff_cap_after_legal_loss_pct);
            s.tariff_pct = s.tariff_pct.min(s.tariff_cap_pct);
            if let Some(t) = s.threat.as_mut() {
                t.rate_pct = t.rate_pct.min(s.tariff_cap_pct);
                if t.rate_pct <= s.tariff_pct {
                    s.threat = None;
                }
            }
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
        let people = prep.extraditions[i].as_ref().map_or(0.0, |d| d.sample(rng));
        let approval_shock: f64 = rng.sample(StandardNormal);
        let flow_shock: f64 = rng.sample(StandardNormal);
        let s = &mut state.actors[i];
        s.handed_over += people;
        // Clamped at once: observers see the state after every event.
        s.approval_pct = (s.approval_pct + a.approval_noise_sd * approval_shock).clamp(0.0, 100.0);
        s.flow_noise = FLOW_NOISE_PERSISTENCE * s.flow_noise + a.flow_noise_sd * flow_shock;
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

/// `trend` holds each side's trade trend factor, compounded one week per call.
fn slow_dynamics<O: Observer>(
    state: &mut State,
    p: &ModelParams,
    prep: &Prepared,
    trend: &mut [f64; 2],
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
    state.trust = (state.trust + w.trust_reversion_per_week * (w.trust_baseline - state.trust))
        .clamp(0.0, 1.0);
    for (i, trend) in trend.iter_mut().enumerate() {
        let a = &p.actors[i];
        let enforcement_now = enforcement(a, &state.actors[i], state);
        let s = &mut state.actors[i];
        if s.exemption_granted {
            s.exempt_share +=
                a.exemption_uptake_per_week * (a.exemption_max_share - s.exempt_share).max(0.0);
        }
        s.concessions_received *= prep.concession_decay[i];
        s.demand += a.demand_relaxation_per_week * (a.demand_anchor - s.demand);
        s.interdiction_level *= 1.0 - a.interdiction_fade_per_week;
        s.transferred_recent *= prep.transfer_decay[i];
        s.transfer_pool += a.transfer_pool_inflow_per_week;
        s.approval_pct = (s.approval_pct
            + a.approval_reversion_per_week * (a.approval_baseline_pct - s.approval_pct))
            .clamp(0.0, 100.0);
        // Traffickers adapt towards eroding a share of the enforcement effect.
        s.adaptation +=
            a.flow_adaptation_per_week * (a.flow_adaptation_share * enforcement_now - s.adaptation);
        let gap = enforcement_now - s.adaptation - prep.initial_enforcement_gap[i];
        s.flow_index = 100.0 * exp(s.flow_noise - gap);
        // Imports from the other side adjust towards the long-run response.
        let tariff_factor = (1.0 + s.effective_tariff_pct() / 100.0).ln();
        s.trade_gap_log +=
            prep.trade_phi[i] * (a.import_elasticity_long * tariff_factor - s.trade_gap_log);
        // Compounded week by week: one multiplication instead of an exp.
        *trend *= prep.trade_growth_per_week[i];
        let trend_factor = *trend;
        let tariff_effect = exp(s.trade_gap_log);
        s.trade_index = 100.0 * trend_factor * tariff_effect;
        let weekly_imports = a.imports_usd_bn_per_year / WEEKS_PER_YEAR * trend_factor;
        state.trade_loss_usd_bn += weekly_imports * (1.0 - tariff_effect);
    }
}

/// Order of moves this week: a government facing the other's deadline moves
/// first (nearest deadline first), so a threatening side decides knowing
/// what the threatened side did that week; otherwise scenario order.
fn move_order(state: &State) -> [usize; 2] {
    let deadline_against = |i: usize| {
        state.actors[1 - i]
            .threat
            .map_or(u32::MAX, |t| t.deadline_week)
    };
    if deadline_against(1) < deadline_against(0) {
        [1, 0]
    } else {
        [0, 1]
    }
}

/// Simulates one run of `weeks` weeks and returns the final state and totals.
///
/// `rules` (a lever's contingent rules) act for their government before its
/// own choice each week.
pub fn simulate<O: Observer>(
    p: &ModelParams,
    rules: &[Rule],
    weeks: u32,
    rngs: &mut DynamicsRngs,
    obs: &mut O,
) -> (State, RunTotals) {
    let mut state = State::initial(p);
    let prep = Prepared::new(p, &state);
    let mut totals = RunTotals {
        max_tariff_pct: state.actors[0].tariff_pct,
        min_approval_pct: state.actors[1].approval_pct,
        rules_fired: vec![0; rules.len()],
        ..RunTotals::default()
    };
    // Per rule: armed (its condition has been false since it last fired),
    // and the week it last fired.
    let mut rule_memory: Vec<(bool, Option<u32>)> = vec![(true, None); rules.len()];
    let mut trend = [1.0; 2];
    obs.week_end(&state);
    for _ in 0..weeks {
        let slot = state.week as usize % HISTORY_WEEKS;
        for s in &mut state.actors {
            s.transfers_by_week[slot] = 0.0;
            s.concessions_by_week[slot] = 0.0;
        }
        exogenous(&mut state, p, &prep, &mut rngs.shocks, obs);
        for i in move_order(&state) {
            for (k, rule) in rules.iter().enumerate().filter(|(_, r)| r.actor == i) {
                // A rule fires when its condition becomes true, at the first
                // week its action is possible; with `every_weeks`, again while
                // the condition holds, at most that often.
                let holds = rule.condition.holds(&state);
                let (armed, last_fired) = rule_memory[k];
                if !holds {
                    rule_memory[k].0 = true;
                    continue;
                }
                let due = match rule.every_weeks {
                    None => armed,
                    Some(n) => last_fired.is_none_or(|w| state.week - w >= n),
                };
                let feasible = utility(rule.action, i, &state, p, &view(i, &state, p)).is_some();
                if due && feasible {
                    let value = apply(
                        rule.action,
                        i,
                        &mut state,
                        p,
                        &prep,
                        &mut rngs.choice,
                        rule.amount,
                    );
                    rule_memory[k] = (false, Some(state.week));
                    totals.rules_fired[k] += 1;
                    let event = Event::RuleFired {
                        actor: i,
                        rule: k,
                        action: rule.action,
                        value,
                    };
                    obs.event(state.week, &event, &state);
                }
            }
            let action = choose(i, &state, p, &mut rngs.choice);
            if action == Action::Hold
                && state.actors[i]
                    .threat
                    .is_none_or(|t| t.deadline_week > state.week)
            {
                continue;
            }
            let value = apply(action, i, &mut state, p, &prep, &mut rngs.choice, None);
            obs.event(
                state.week,
                &Event::Chose {
                    actor: i,
                    action,
                    value,
                },
                &state,
            );
        }
        slow_dynamics(&mut state, p, &prep, &mut trend, obs);
        state.week += 1;
        let tariff = state.actors[0].tariff_pct;
        totals.tariff_sum += tariff;
        totals.weeks_with_tariff += u32::from(tariff > 0.0);
        totals.max_tariff_pct = totals.max_tariff_pct.max(tariff);
        totals.min_approval_pct = totals.min_approval_pct.min(state.actors[1].approval_pct);
        obs.week_end(&state);
    }
    (state, totals)
}
