//! The batched week step: [`LANES`] runs of the same lever advanced week by
//! week together, their weekly choices computed for all lanes at once
//! (issue 17).
//!
//! What is batched, and why only that: the weekly choice (the utility of
//! each of the 23 moves, its feasibility, the logit weights and their
//! exponentials) is half of a run's instructions and is straight-line
//! arithmetic once feasibility is a mask, so it runs here one lane per run,
//! the moves' arithmetic on four `f64` at a time. The rest of a week (the
//! exogenous shocks, the chosen move's effects, the reactions, the slow
//! dynamics) stays the scalar code of [`super::step`], run lane by lane
//! through the same [`RunInProgress`] as the scalar [`simulate`]: those
//! parts branch on the move made, draw a varying number of random numbers
//! and loop over both actors, and batching them would mean a second copy
//! of the model's effects to keep in step with the first.
//!
//! Bit-identity: each lane is one run, with its own parameters and its own
//! random streams, advanced exactly as the scalar step advances it (the
//! same draws in the same order, so a run's story is the same in a batch
//! as alone). Every lane operation below is the scalar model's IEEE
//! operation on that lane, in the scalar's order (LLVM vectorises them
//! without reassociating or contracting), an infeasible move adds exactly
//! +0.0 to a lane's total (which leaves the bits of a positive sum as they
//! are), and the exponential is [`super::lanes`]'s, bit-identical to
//! [`super::exp::exp`]. `tests/` and the unit tests below check batched
//! against scalar runs on every shipped scenario, rules included.
//!
//! Instruction set: the whole batched run is compiled twice, once for the
//! x86-64 baseline (SSE2, two lanes per register) and once with AVX2 (four),
//! and [`simulate_lanes`] picks at run time ([`LanePath::detect`]), so a
//! plain `cargo build --release` gets the wider path on a CPU that has it.

use std::ops::{Add, BitAnd, BitOr, Div, Mul, Neg, Not, Sub};

use rand::RngExt;

use super::action::Action;
use super::choice::{
    AGREEMENT_RUNGS, LADDER_TOP, POINTS_SCALE, PRESSURE_FOR_SUBMISSION, Phase, RATE_SCALE_PCT,
    snap_back_increase, threat_rate, truce_relief, view,
};
use super::lanes::{LANES, LanePath, Lanes};
use super::params::ModelParams;
use super::rules::Rule;
use super::state::{Pair, State, other};
use super::step::{DynamicsRngs, Observer, RunInProgress, RunTotals};

/// One `f64` per lane, with the scalar operations lane by lane.
#[derive(Debug, Clone, Copy, PartialEq)]
#[repr(C, align(32))]
struct V(Lanes);

/// One yes/no per lane, as all ones or all zeros: the form a vector
/// comparison yields and a blend takes (a `bool` per lane compiled to
/// byte shuffles around every comparison and select).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(C, align(32))]
struct Mask([u64; LANES]);

/// A lane's mask word for `b`.
#[inline(always)]
const fn word(b: bool) -> u64 {
    0u64.wrapping_sub(b as u64)
}

macro_rules! lane_op {
    ($trait:ident, $method:ident, $op:tt) => {
        impl $trait for V {
            type Output = V;
            #[inline(always)]
            fn $method(self, rhs: V) -> V {
                V(std::array::from_fn(|l| self.0[l] $op rhs.0[l]))
            }
        }
        impl $trait<f64> for V {
            type Output = V;
            #[inline(always)]
            fn $method(self, rhs: f64) -> V {
                V(std::array::from_fn(|l| self.0[l] $op rhs))
            }
        }
    };
}
lane_op!(Add, add, +);
lane_op!(Sub, sub, -);
lane_op!(Mul, mul, *);
lane_op!(Div, div, /);

impl Neg for V {
    type Output = V;
    #[inline(always)]
    fn neg(self) -> V {
        V(self.0.map(|x| -x))
    }
}

/// `f64 - V` and the like, for a constant on the left.
impl Sub<V> for f64 {
    type Output = V;
    #[inline(always)]
    fn sub(self, rhs: V) -> V {
        V(rhs.0.map(|x| self - x))
    }
}

macro_rules! lane_cmp {
    ($($method:ident $op:tt),*) => {$(
        #[inline(always)]
        fn $method(self, rhs: impl Into<V>) -> Mask {
            let rhs = rhs.into();
            Mask(std::array::from_fn(|l| word(self.0[l] $op rhs.0[l])))
        }
    )*};
}

impl From<f64> for V {
    #[inline(always)]
    fn from(x: f64) -> V {
        V([x; LANES])
    }
}

impl V {
    lane_cmp!(lt <, le <=, gt >, ge >=, eq ==);

    /// `f64::min` lane by lane (NaN-ignoring, as the scalar's).
    #[inline(always)]
    fn min(self, rhs: impl Into<V>) -> V {
        let rhs = rhs.into();
        V(std::array::from_fn(|l| self.0[l].min(rhs.0[l])))
    }

    /// `f64::max` lane by lane.
    #[inline(always)]
    fn max(self, rhs: impl Into<V>) -> V {
        let rhs = rhs.into();
        V(std::array::from_fn(|l| self.0[l].max(rhs.0[l])))
    }
}

impl BitAnd for Mask {
    type Output = Mask;
    #[inline(always)]
    fn bitand(self, rhs: Mask) -> Mask {
        Mask(std::array::from_fn(|l| self.0[l] & rhs.0[l]))
    }
}

impl BitOr for Mask {
    type Output = Mask;
    #[inline(always)]
    fn bitor(self, rhs: Mask) -> Mask {
        Mask(std::array::from_fn(|l| self.0[l] | rhs.0[l]))
    }
}

impl Not for Mask {
    type Output = Mask;
    #[inline(always)]
    fn not(self) -> Mask {
        Mask(self.0.map(|b| !b))
    }
}

impl Mask {
    /// `yes` where the mask is set, `no` elsewhere (bit for bit).
    #[inline(always)]
    fn select(self, yes: impl Into<V>, no: impl Into<V>) -> V {
        let (yes, no) = (yes.into(), no.into());
        V(std::array::from_fn(|l| {
            f64::from_bits((yes.0[l].to_bits() & self.0[l]) | (no.0[l].to_bits() & !self.0[l]))
        }))
    }

    /// Whether any lane is set.
    #[inline(always)]
    fn any(self) -> bool {
        self.0.iter().fold(0, |acc, &m| acc | m) != 0
    }

    /// Whether lane `l` is set.
    #[inline(always)]
    fn lane(self, l: usize) -> bool {
        self.0[l] != 0
    }
}

/// Gathers one field per lane: `lanes!(src, |x| x.field)`.
macro_rules! gather {
    ($src:expr, |$x:ident| $e:expr) => {
        V(std::array::from_fn(|l| {
            let $x = &$src[l];
            $e
        }))
    };
}

macro_rules! gather_mask {
    ($src:expr, |$x:ident| $e:expr) => {
        Mask(std::array::from_fn(|l| {
            let $x = &$src[l];
            word($e)
        }))
    };
}

/// The choosing government's parameters that its utilities read, one lane
/// per run (each lane's run has its own draws of the uncertain ones).
macro_rules! param_lanes {
    ($($field:ident),* $(,)?) => {
        /// The choosing government's parameters, one lane per run.
        struct ParamLanes {
            $($field: V,)*
        }
        impl ParamLanes {
            /// Actor `i`'s parameters in each lane's run.
            #[inline(always)]
            fn gather(params: [&ModelParams; LANES], i: usize) -> ParamLanes {
                ParamLanes {
                    $($field: V(std::array::from_fn(|l| params[l].actors[i].$field)),)*
                }
            }

            /// `second`'s lanes from `b`, the others from `a`.
            #[inline(always)]
            fn blend(second: Mask, a: &ParamLanes, b: &ParamLanes) -> ParamLanes {
                ParamLanes {
                    $($field: second.select(b.$field, a.$field),)*
                }
            }
        }
    };
}

param_lanes!(
    audience_cost,
    hawkishness,
    threat_cost,
    impose_weight,
    credibility_weight,
    econ_weight,
    extension_value,
    escalation_step_pct,
    counter_escalation_value,
    truce_breach_cost,
    matching_bias,
    relief_weight,
    cut_step_pct,
    relief_points_per_pp,
    exemption_value,
    exemption_initial_share,
    retaliation_rate_pct,
    retaliation_bias,
    approval_weight,
    rally_retaliation_pts,
    retaliation_coverage_share,
    escalation_fear,
    truce_value,
    tariff_reciprocity,
    export_control_value,
    export_control_pressure,
    strike_base_utility,
    strike_weight,
    sovereignty_stand_value,
    migration_leverage_value,
    migration_cost,
    cooperation_value,
    cooperation_step_cost,
    transfer_min_batch,
    transfer_cost,
    transfer_points_per_person,
    transfer_batch_mean,
    contingent_k,
    max_forces_k,
    deploy_cost,
    deploy_points,
    interdiction_cost,
    interdiction_points,
    cooperation_points,
    agreement_cost,
    migration_points,
    submission_approval_pts,
    reciprocity,
    responsiveness,
    rationality,
);

/// The number of moves.
const MOVES: usize = Action::ALL.len();

/// Each move's feasibility and utility, one lane per run, in
/// [`Action::ALL`]'s order: [`super::choice::utility`] for four runs of a
/// weekly choice (lanes where the move is infeasible hold any value).
///
/// Each arm below is the scalar arm with the same name, its `return None`
/// conditions turned into a mask and its arithmetic in the same order.
#[inline(always)]
fn weekly_utilities(
    actors: [usize; LANES],
    states: [&State; LANES],
    params: [&ModelParams; LANES],
    a: &ParamLanes,
) -> [(Mask, V); MOVES] {
    let views: [_; LANES] =
        std::array::from_fn(|l| view(actors[l], states[l], params[l], Phase::Weekly));
    let me: [_; LANES] = std::array::from_fn(|l| &states[l].actors[actors[l]]);
    let you: [_; LANES] = std::array::from_fn(|l| &states[l].actors[other(actors[l])]);
    let w: [_; LANES] = std::array::from_fn(|l| &params[l].world);

    let dissatisfaction = gather!(views, |v| v.dissatisfaction);
    let pressure = gather!(views, |v| v.pressure);
    let reciprocated = gather_mask!(views, |v| v.reciprocated);
    let at_deadline = gather_mask!(views, |v| v.at_deadline);
    let trade_weight = gather!(views, |v| v.trade_weight);
    let provocation = gather!(views, |v| v.provocation);

    let tariff = gather!(me, |m| m.tariff_pct);
    let cap = gather!(me, |m| m.tariff_cap_pct);
    let exempt = gather!(me, |m| m.exempt_share);
    let my_belief = gather!(me, |m| m.belief());
    let my_effective = gather!(me, |m| m.effective_tariff_pct());
    let has_threat = gather_mask!(me, |m| m.threat.is_some());
    let their_tariff = gather!(you, |o| o.tariff_pct);
    let their_exempt = gather!(you, |o| o.exempt_share);
    let their_belief = gather!(you, |o| o.belief());
    let truce = gather_mask!(states, |s| s.truce.is_some());
    let trust = gather!(states, |s| s.trust);
    let rung = gather!(states, |s| f64::from(s.cooperation_level));

    // Outside one's own deadline week (every move but hold, impose and
    // extend); in a weekly choice every move is open to a reaction's test.
    let free = !at_deadline;
    let reciprocity = a.tariff_reciprocity * provocation;
    let breach = truce.select(a.truce_breach_cost, 0.0);
    let economic_cost = |added: V| a.econ_weight * added;
    let concession_terms = |points: V| {
        let units = points / POINTS_SCALE;
        let submission = pressure
            .gt(PRESSURE_FOR_SUBMISSION)
            .select(a.approval_weight * a.submission_approval_pts * units, 0.0);
        let reciprocity = reciprocated.select(a.reciprocity * units, 0.0);
        a.responsiveness * units * pressure + reciprocity - submission
    };
    let truce_utility = |relief: V| {
        a.truce_value - economic_cost(-relief) - a.hawkishness * dissatisfaction - reciprocity
    };
    let tariff_on = !tariff.le(0.0);

    let hold = {
        let lapse = at_deadline & has_threat;
        let u = if lapse.any() {
            let extensions = gather!(me, |m| m
                .threat
                .map_or(0.0, |t| f64::from(1 + t.extensions)));
            lapse.select(-a.audience_cost / extensions, 0.0)
        } else {
            V::from(0.0)
        };
        (Mask([word(true); LANES]), u)
    };
    let threaten = {
        let rate = V(std::array::from_fn(|l| {
            threat_rate(&params[l].actors[actors[l]], me[l])
        }));
        let ok = free & !has_threat & !truce & !rate.le(tariff);
        only_if(ok, || {
            a.hawkishness * dissatisfaction + reciprocity - a.threat_cost
        })
    };
    let extend = only_if(at_deadline, || {
        let received = gather!(me, |m| m
            .threat
            .map_or(0.0, |t| m.received_total - t.received_at_issue));
        a.extension_value * ((received / POINTS_SCALE).min(1.0) + rung / LADDER_TOP)
    });
    let impose = {
        only_if(at_deadline, || {
            let rate = gather!(me, |m| m.threat.map_or(0.0, |t| t.rate_pct));
            let added = (rate.min(cap) - tariff).max(0.0);
            a.impose_weight * dissatisfaction * added / RATE_SCALE_PCT
                + a.credibility_weight * (1.0 - their_belief)
                + reciprocity
                - economic_cost(added * trade_weight)
        })
    };
    let raise = {
        let ok = free & tariff.gt(0.0) & their_tariff.gt(0.0) & tariff.lt(cap);
        let step = a.escalation_step_pct.min(cap - tariff);
        only_if(ok, || {
            a.counter_escalation_value + reciprocity - economic_cost(step * trade_weight) - breach
        })
    };
    let cut = {
        let ok = free & tariff_on & !truce;
        let relief = a.cut_step_pct.min(tariff) * (1.0 - exempt);
        only_if(ok, || {
            a.relief_weight * (1.0 - dissatisfaction)
                - a.hawkishness * dissatisfaction
                - a.audience_cost
                - reciprocity
                - economic_cost(-relief)
                + concession_terms(a.relief_points_per_pp * relief)
        })
    };
    let exempt_move = {
        let granted = gather_mask!(me, |m| m.exemption_granted);
        let ok = free & tariff_on & !granted & !truce;
        let relief = tariff * (a.exemption_initial_share - exempt).max(0.0);
        only_if(ok, || {
            a.exemption_value - reciprocity - economic_cost(-relief)
                + concession_terms(a.relief_points_per_pp * relief)
        })
    };
    let retaliate = {
        let ok = free & !tariff.gt(0.0) & !their_tariff.le(0.0) & !a.retaliation_rate_pct.le(0.0);
        let rate = a.retaliation_rate_pct.min(cap);
        only_if(ok, || {
            a.retaliation_bias + a.approval_weight * a.rally_retaliation_pts + reciprocity
                - economic_cost(rate * a.retaliation_coverage_share)
                - a.escalation_fear * my_belief
                - breach
        })
    };
    let match_move = {
        let ok = free & tariff.gt(0.0) & their_tariff.gt(tariff) & tariff.lt(cap);
        let rate = their_tariff.min(cap);
        let matched_exempt = exempt.min(their_exempt);
        let added = rate * (1.0 - matched_exempt) - my_effective;
        only_if(ok, || {
            a.matching_bias + a.counter_escalation_value + reciprocity
                - economic_cost(added)
                - breach
        })
    };
    let theirs = Mask(std::array::from_fn(|l| {
        word(
            states[l]
                .truce_proposal
                .is_some_and(|(by, _)| by != actors[l]),
        )
    }));
    // Computed only in lanes where a truce can be proposed or accepted.
    let relief_both_ways = V(std::array::from_fn(|l| {
        let s = states[l];
        if (s.truce.is_none() && s.truce_proposal.is_none()) || theirs.lane(l) {
            truce_relief(s, params[l])
        } else {
            0.0
        }
    }));
    let propose_truce = {
        let proposal_open = gather_mask!(states, |s| s.truce_proposal.is_some());
        let ok = free
            & !truce
            & !proposal_open
            & tariff_on
            & !their_tariff.le(0.0)
            & !relief_both_ways.le(0.0);
        only_if(ok, || truce_utility(relief_both_ways))
    };
    let accept_truce = (free & theirs, truce_utility(relief_both_ways));
    let extend_truce = {
        let expiring = gather_mask!(states, |s| s
            .truce
            .is_some_and(|t| t.expires_week <= s.week));
        let increase = V(std::array::from_fn(|l| {
            if expiring.lane(l) {
                snap_back_increase(states[l])
            } else {
                0.0
            }
        }));
        only_if(free & expiring, || truce_utility(increase))
    };
    let controls = gather_mask!(me, |m| m.export_controls);
    let restrict_exports = {
        let ok = free & !controls & !a.export_control_pressure.le(0.0) & !their_tariff.le(0.0);
        only_if(ok, || a.export_control_value + reciprocity - breach)
    };
    let lift_export_controls = {
        let relief = a.export_control_pressure * RATE_SCALE_PCT;
        only_if(free & controls, || {
            -a.export_control_value - reciprocity - a.audience_cost
                + concession_terms(a.relief_points_per_pp * relief)
        })
    };
    // The security concessions: concession terms + extra value - cost.
    let security = |ok: Mask, points: V, extra: V, cost: V| {
        only_if(free & ok, || concession_terms(points) + extra - cost)
    };
    let pool = gather!(me, |m| m.transfer_pool);
    let transfer = security(
        !pool.lt(a.transfer_min_batch),
        a.transfer_points_per_person * pool.min(a.transfer_batch_mean),
        V::from(0.0),
        a.transfer_cost,
    );
    let forces = gather!(me, |m| m.forces_k);
    let deploy = security(
        !((forces + a.contingent_k).gt(a.max_forces_k) | a.contingent_k.le(0.0)),
        a.deploy_points,
        V::from(0.0),
        a.deploy_cost,
    );
    let interdiction = gather!(me, |m| m.interdiction_level);
    let interdict = security(
        !(interdiction + 1.0).gt(gather!(w, |w| w.max_interdiction_level)),
        a.interdiction_points,
        V::from(0.0),
        a.interdiction_cost,
    );
    let cooperate_up = {
        // The rung below the top: the next step up is the agreement.
        let top = rung.eq(LADDER_TOP - 1.0);
        let own_proposal = Mask(std::array::from_fn(|l| {
            word(states[l].proposal.is_some_and(|(by, _)| by == actors[l]))
        }));
        let ok = !rung.ge(LADDER_TOP) & !(top & own_proposal);
        let threshold = gather!(w, |w| w.agreement_trust_threshold);
        let (cost, extra) = (
            top.select(a.agreement_cost, a.cooperation_step_cost),
            top.select(
                a.cooperation_value * AGREEMENT_RUNGS * (trust - threshold),
                a.cooperation_value * trust,
            ),
        );
        security(ok, a.cooperation_points, extra, cost)
    };
    let cooperate_down = (
        free & !rung.eq(0.0),
        -a.cooperation_value * trust - a.cooperation_step_cost,
    );
    let strike = {
        let too_soon = Mask(std::array::from_fn(|l| {
            let s = states[l];
            word(me[l].last_strike_week.is_some_and(|w_| {
                f64::from(s.week - w_) < params[l].world.strike_min_interval_weeks
            }))
        }));
        let flow = gather!(you, |o| o.flow_index);
        only_if(free & !too_soon, || {
            a.strike_base_utility + a.strike_weight * dissatisfaction * flow / 100.0
        })
    };
    let sovereignty_stand = (
        free & gather_mask!(me, |m| m.unanswered_strike_week.is_some()),
        a.sovereignty_stand_value,
    );
    let migration = gather!(me, |m| m.migration_enforcement);
    let step = gather!(w, |w| w.migration_step);
    let tighten_migration = security(
        !(migration + step).gt(1.0 + 1e-9),
        a.migration_points,
        V::from(0.0),
        a.migration_cost,
    );
    let loosen_migration = (
        free & !migration.lt(step),
        a.migration_leverage_value * pressure - a.migration_cost,
    );
    [
        hold,
        threaten,
        extend,
        impose,
        raise,
        cut,
        exempt_move,
        retaliate,
        match_move,
        propose_truce,
        accept_truce,
        extend_truce,
        restrict_exports,
        lift_export_controls,
        transfer,
        deploy,
        interdict,
        cooperate_up,
        cooperate_down,
        strike,
        sovereignty_stand,
        tighten_migration,
        loosen_migration,
    ]
}

/// A move's feasibility and, if it is feasible in some lane, its utility:
/// a move no lane can make costs its mask only.
#[inline(always)]
fn only_if(feasible: Mask, utility: impl FnOnce() -> V) -> (Mask, V) {
    if feasible.any() {
        (feasible, utility())
    } else {
        (feasible, V::from(0.0))
    }
}

/// The lane exponential of a compiled path.
trait LaneExp {
    fn exp(x: Lanes) -> Lanes;
}

/// The baseline path: [`super::lanes::exp_lanes`] (SSE2 on x86-64).
struct BaselineExp;
impl LaneExp for BaselineExp {
    #[inline(always)]
    fn exp(x: Lanes) -> Lanes {
        super::lanes::exp_lanes(x)
    }
}

/// The AVX2 path, for code compiled with AVX2 only.
#[cfg(target_arch = "x86_64")]
struct Avx2Exp;
#[cfg(target_arch = "x86_64")]
impl LaneExp for Avx2Exp {
    #[inline(always)]
    fn exp(x: Lanes) -> Lanes {
        // SAFETY: only used inside `simulate_lanes_avx2`, which runs only on
        // a CPU with AVX2.
        unsafe { super::lanes::exp_lanes_avx2(x) }
    }
}

/// The weekly choice of `actors[l]` in each lane's run: the logit draw of
/// [`super::choice::choose`] for four runs at once, each lane drawing its
/// one uniform from its own stream, so each run's choice and stream end
/// exactly as the scalar's.
#[inline(always)]
fn choose_weekly_lanes<E: LaneExp>(
    actors: [usize; LANES],
    states: [&State; LANES],
    params: [&ModelParams; LANES],
    both: &Pair<ParamLanes>,
    rngs: &mut [DynamicsRngs; LANES],
) -> [Action; LANES] {
    const NEGLIGIBLE: f64 = -37.0;
    // Usually every lane's chooser is the same government.
    let blended;
    let a = if actors.iter().all(|&i| i == actors[0]) {
        &both[actors[0]]
    } else {
        let second = Mask(std::array::from_fn(|l| word(actors[l] == 1)));
        blended = ParamLanes::blend(second, &both[0], &both[1]);
        &blended
    };
    let moves = weekly_utilities(actors, states, params, a);
    let lambda = a.rationality;
    let mut best = V::from(f64::NEG_INFINITY);
    for (feasible, u) in &moves {
        best = feasible.select(best.max(*u), best);
    }
    // In move order, as the scalar sums: an infeasible move adds +0.0.
    let mut weights = [V::from(0.0); MOVES];
    let mut total = V::from(0.0);
    for (k, (feasible, u)) in moves.iter().enumerate() {
        if !feasible.any() {
            continue;
        }
        let z = feasible.select(lambda * (*u - best), 0.0);
        let at_best = z.eq(0.0);
        let negligible = z.lt(NEGLIGIBLE);
        let e = if (!at_best & !negligible).any() {
            V(E::exp(z.0))
        } else {
            V::from(0.0)
        };
        let weight = (*feasible & !negligible).select(at_best.select(1.0, e), 0.0);
        weights[k] = weight;
        total = total + weight;
    }
    std::array::from_fn(|l| {
        let mut r = rngs[l].choice.random::<f64>() * total.0[l];
        let mut last = Action::Hold;
        for (k, (feasible, _)) in moves.iter().enumerate() {
            if !feasible.lane(l) {
                continue;
            }
            last = Action::ALL[k];
            r -= weights[k].0[l];
            if r < 0.0 {
                return last;
            }
        }
        last
    })
}

/// The batched run: [`super::step::simulate`] for [`LANES`] runs at once,
/// the weekly choices batched, with one observer per lane.
#[inline(always)]
fn simulate_lanes_on<E: LaneExp, O: Observer>(
    params: [&ModelParams; LANES],
    rules: &[Rule],
    weeks: u32,
    rngs: &mut [DynamicsRngs; LANES],
    obs: &mut [O; LANES],
) -> [(State, RunTotals); LANES] {
    let both = [ParamLanes::gather(params, 0), ParamLanes::gather(params, 1)];
    let mut runs: [RunInProgress; LANES] = {
        let mut obs = obs.iter_mut();
        params.map(|p| RunInProgress::start(p, rules, obs.next().expect("one per lane")))
    };
    for _ in 0..weeks {
        for l in 0..LANES {
            runs[l].open_week(&mut rngs[l], &mut obs[l]);
        }
        let orders: [[usize; 2]; LANES] = std::array::from_fn(|l| runs[l].move_order());
        for turn in 0..2 {
            let actors = orders.map(|order| order[turn]);
            for l in 0..LANES {
                runs[l].fire_rules(actors[l], &mut rngs[l], &mut obs[l]);
            }
            let choices = {
                let states = std::array::from_fn(|l| &runs[l].state);
                choose_weekly_lanes::<E>(actors, states, params, &both, rngs)
            };
            for l in 0..LANES {
                runs[l].apply_weekly_choice(actors[l], choices[l], &mut rngs[l], &mut obs[l]);
            }
        }
        for l in 0..LANES {
            runs[l].close_week(&mut rngs[l], &mut obs[l]);
        }
    }
    runs.map(RunInProgress::finish)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn simulate_lanes_avx2<O: Observer>(
    params: [&ModelParams; LANES],
    rules: &[Rule],
    weeks: u32,
    rngs: &mut [DynamicsRngs; LANES],
    obs: &mut [O; LANES],
) -> [(State, RunTotals); LANES] {
    simulate_lanes_on::<Avx2Exp, O>(params, rules, weeks, rngs, obs)
}

fn simulate_lanes_baseline<O: Observer>(
    params: [&ModelParams; LANES],
    rules: &[Rule],
    weeks: u32,
    rngs: &mut [DynamicsRngs; LANES],
    obs: &mut [O; LANES],
) -> [(State, RunTotals); LANES] {
    simulate_lanes_on::<BaselineExp, O>(params, rules, weeks, rngs, obs)
}

/// Simulates [`LANES`] runs of one lever (`rules`) together, lane `l` with
/// parameters `params[l]`, streams `rngs[l]` and observer `obs[l]`: each
/// lane's final state, totals, streams and observed story are exactly
/// those of [`super::step::simulate`] on that lane alone.
///
/// `path` picks the compiled version ([`LanePath::detect`] for the
/// fastest; the others are for tests and benchmarks).
///
/// # Panics
/// If this CPU cannot run `path`.
pub fn simulate_lanes<O: Observer>(
    path: LanePath,
    params: [&ModelParams; LANES],
    rules: &[Rule],
    weeks: u32,
    rngs: &mut [DynamicsRngs; LANES],
    obs: &mut [O; LANES],
) -> [(State, RunTotals); LANES] {
    match path {
        #[cfg(target_arch = "x86_64")]
        LanePath::Avx2 => {
            assert!(
                std::arch::is_x86_feature_detected!("avx2"),
                "this CPU has no AVX2"
            );
            // SAFETY: the CPU has AVX2 (checked above).
            unsafe { simulate_lanes_avx2(params, rules, weeks, rngs, obs) }
        }
        _ => simulate_lanes_baseline(params, rules, weeks, rngs, obs),
    }
}
