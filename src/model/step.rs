//! One simulated week, and a whole run.
//!
//! Order inside a week (docs/MODEL.md, "The week"):
//! 1. exogenous shocks (legal rulings, formal extraditions, noise);
//! 2. the two governments choose, the one under the nearest deadline first,
//!    each seeing what the other did earlier in the same week
//!    ([`super::choice`]; effects in [`super::moves`]);
//! 3. a same-week reaction by a side whose goods the other has just hit with
//!    a new or higher tariff or export controls (retaliate, match, raise,
//!    restrict, or hold);
//! 4. a truce at its expiry that neither side extended lapses (snap-back);
//! 5. slow dynamics ([`super::dynamics`]).

use rand_xoshiro::Xoshiro256PlusPlus;

use super::action::Action;
use super::choice::{Phase, choose, utility, view};
use super::dynamics::{Prepared, WeekShocks, draw_shocks, exogenous, slow_dynamics};
use super::moves::{apply, lapse_truce};
use super::params::ModelParams;
use super::rules::{HISTORY_WEEKS, Rule};
use super::state::{State, other};

/// The two random streams of a run's dynamics.
///
/// Choices and exogenous shocks draw from separate streams so that a lever
/// that changes a choice does not shift every later shock (common random
/// numbers stay aligned across levers as long as possible).
#[derive(Debug, Clone)]
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
    /// A truce ran out unextended: both rates snapped back.
    TruceLapsed,
}

/// Receives what happens in a run. The engine uses it for month-end
/// snapshots, `bilateral trace` for the story; both default to nothing.
pub trait Observer {
    /// Called for every event, with the state right after it.
    fn event(&mut self, _week: u32, _event: &Event, _state: &State) {}
    /// Called after each week with the state at its end (`state.week` weeks done).
    fn week_end(&mut self, _state: &State) {}
}

/// Two observers watching the same run, the first told first.
impl<A: Observer, B: Observer> Observer for (A, B) {
    fn event(&mut self, week: u32, event: &Event, state: &State) {
        self.0.event(week, event, state);
        self.1.event(week, event, state);
    }
    fn week_end(&mut self, state: &State) {
        self.0.week_end(state);
        self.1.week_end(state);
    }
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
    /// Whether actor 0's headline tariff rose above the higher of its
    /// starting tariff and its starting threat's rate.
    pub escalated: bool,
    /// Times each rule fired, in rule order.
    pub rules_fired: Vec<u32>,
}

/// Order of moves this week: a government facing the other's deadline moves
/// first (nearest deadline first), so a threatening side decides knowing
/// what the threatened side did that week; otherwise scenario order.
fn move_order(state: &State) -> [usize; 2] {
    let deadline_against = |i: usize| {
        state.actors[other(i)]
            .threat
            .map_or(u32::MAX, |t| t.deadline_week)
    };
    if deadline_against(1) < deadline_against(0) {
        [1, 0]
    } else {
        [0, 1]
    }
}

/// One logit choice of actor `i` in `phase`, applied and reported.
fn choose_and_apply<O: Observer>(
    i: usize,
    phase: Phase,
    state: &mut State,
    p: &ModelParams,
    prep: &Prepared,
    rngs: &mut DynamicsRngs,
    obs: &mut O,
) {
    let action = choose(i, state, p, phase, &mut rngs.choice);
    apply_choice(action, i, state, p, prep, rngs, obs);
}

/// Applies and reports actor `i`'s chosen `action`. A hold outside one's
/// own deadline week changes nothing and is not reported.
#[inline]
fn apply_choice<O: Observer>(
    action: Action,
    i: usize,
    state: &mut State,
    p: &ModelParams,
    prep: &Prepared,
    rngs: &mut DynamicsRngs,
    obs: &mut O,
) {
    if action == Action::Hold
        && state.actors[i]
            .threat
            .is_none_or(|t| t.deadline_week > state.week)
    {
        return;
    }
    let value = apply(action, i, state, p, prep, &mut rngs.choice, None);
    obs.event(
        state.week,
        &Event::Chose {
            actor: i,
            action,
            value,
        },
        state,
    );
}

/// A run in progress: its state and everything it keeps between weeks.
///
/// A week is [`Self::open_week`], then for each actor in [`Self::move_order`]
/// [`Self::fire_rules`] and its weekly choice ([`Self::apply_weekly_choice`]
/// of what [`choose`] or the batched step drew), then [`Self::close_week`].
/// The scalar [`simulate`] and the batched step of [`super::batch`] both
/// drive a run through these, so they cannot drift apart.
pub struct RunInProgress<'a> {
    pub(super) p: &'a ModelParams,
    rules: &'a [Rule],
    /// The state after the last step.
    pub state: State,
    pub(super) prep: Prepared,
    pub(super) totals: RunTotals,
    /// Per rule: armed (its condition has been false since it last fired),
    /// and the week it last fired.
    rule_memory: Vec<(bool, Option<u32>)>,
    pub(super) trend: [f64; 2],
    escalation_base: f64,
}

impl<'a> RunInProgress<'a> {
    /// The run at its start date (reported to `obs` as the first week end).
    pub fn start<O: Observer>(p: &'a ModelParams, rules: &'a [Rule], obs: &mut O) -> Self {
        let state = State::initial(p);
        let prep = Prepared::new(p, &state);
        let totals = RunTotals {
            max_tariff_pct: state.actors[0].tariff_pct,
            min_approval_pct: state.actors[1].approval_pct,
            rules_fired: vec![0; rules.len()],
            ..RunTotals::default()
        };
        let escalation_base = state.actors[0]
            .threat
            .map_or(0.0, |t| t.rate_pct)
            .max(state.actors[0].tariff_pct);
        obs.week_end(&state);
        RunInProgress {
            p,
            rules,
            state,
            prep,
            totals,
            rule_memory: vec![(true, None); rules.len()],
            trend: [1.0; 2],
            escalation_base,
        }
    }

    /// The parameters of this run.
    pub fn params(&self) -> &'a ModelParams {
        self.p
    }

    /// Starts a week: clears this week's history slots, then the exogenous
    /// shocks, drawn from the run's shock stream.
    #[inline(always)]
    pub fn open_week<O: Observer>(&mut self, rngs: &mut DynamicsRngs, obs: &mut O) {
        let shocks = draw_shocks(&mut rngs.shocks);
        self.open_week_with(&shocks, obs);
    }

    /// [`Self::open_week`] with this week's shocks already drawn (the
    /// batched step draws them for all its runs at once).
    #[inline(always)]
    pub fn open_week_with<O: Observer>(&mut self, shocks: &WeekShocks, obs: &mut O) {
        let slot = self.state.week as usize % HISTORY_WEEKS;
        for s in &mut self.state.actors {
            s.transfers_by_week[slot] = 0.0;
            s.concessions_by_week[slot] = 0.0;
        }
        exogenous(&mut self.state, self.p, &self.prep, shocks, obs);
    }

    /// This week's order of the weekly moves.
    #[inline(always)]
    pub fn move_order(&self) -> [usize; 2] {
        move_order(&self.state)
    }

    /// Fires actor `i`'s rules that are due, before its own choice.
    #[inline(always)]
    pub fn fire_rules<O: Observer>(&mut self, i: usize, rngs: &mut DynamicsRngs, obs: &mut O) {
        // Most levers have no rules; without this test the empty loop's
        // setup, inlined into every week of the batched step, cost 2% of a
        // run's instructions.
        if self.rules.is_empty() {
            return;
        }
        let (p, state) = (self.p, &mut self.state);
        for (k, rule) in self.rules.iter().enumerate().filter(|(_, r)| r.actor == i) {
            // A rule fires when its condition becomes true, at the first
            // week its action is possible; with `every_weeks`, again while
            // the condition holds, at most that often.
            let holds = rule.condition.holds(state);
            let (armed, last_fired) = self.rule_memory[k];
            if !holds {
                self.rule_memory[k].0 = true;
                continue;
            }
            let due = match rule.every_weeks {
                None => armed,
                Some(n) => last_fired.is_none_or(|w| state.week - w >= n),
            };
            let feasible =
                utility(rule.action, i, state, p, &view(i, state, p, Phase::Weekly)).is_some();
            if due && feasible {
                let value = apply(
                    rule.action,
                    i,
                    state,
                    p,
                    &self.prep,
                    &mut rngs.choice,
                    rule.amount,
                );
                self.rule_memory[k] = (false, Some(state.week));
                self.totals.rules_fired[k] += 1;
                let event = Event::RuleFired {
                    actor: i,
                    rule: k,
                    action: rule.action,
                    value,
                };
                obs.event(state.week, &event, state);
            }
        }
    }

    /// Applies and reports actor `i`'s weekly choice `action`.
    #[inline(always)]
    pub fn apply_weekly_choice<O: Observer>(
        &mut self,
        i: usize,
        action: Action,
        rngs: &mut DynamicsRngs,
        obs: &mut O,
    ) {
        apply_choice(action, i, &mut self.state, self.p, &self.prep, rngs, obs);
    }

    /// Ends a week: the same-week reactions, a truce lapse, the slow
    /// dynamics, and the week's part of the run totals.
    #[inline(always)]
    pub fn close_week<O: Observer>(&mut self, rngs: &mut DynamicsRngs, obs: &mut O) {
        self.react_and_lapse(rngs, obs);
        slow_dynamics(&mut self.state, self.p, &self.prep, &mut self.trend, obs);
        self.end_week(obs);
    }

    /// The same-week reactions and a truce lapse: [`Self::close_week`]
    /// before the slow dynamics.
    #[inline(always)]
    pub fn react_and_lapse<O: Observer>(&mut self, rngs: &mut DynamicsRngs, obs: &mut O) {
        let (p, prep, state) = (self.p, &self.prep, &mut self.state);
        for i in move_order(state) {
            if state.actors[other(i)].last_hostile_week == Some(state.week) {
                choose_and_apply(i, Phase::Reaction, state, p, prep, rngs, obs);
            }
        }
        if state.truce.is_some_and(|t| t.expires_week <= state.week) {
            lapse_truce(state);
            obs.event(state.week, &Event::TruceLapsed, state);
        }
    }

    /// The week done and its part of the run totals: [`Self::close_week`]
    /// after the slow dynamics.
    #[inline(always)]
    pub fn end_week<O: Observer>(&mut self, obs: &mut O) {
        let state = &mut self.state;
        state.week += 1;
        let tariff = state.actors[0].tariff_pct;
        let totals = &mut self.totals;
        totals.tariff_sum += tariff;
        totals.weeks_with_tariff += u32::from(tariff > 0.0);
        totals.max_tariff_pct = totals.max_tariff_pct.max(tariff);
        totals.escalated |= tariff > self.escalation_base;
        totals.min_approval_pct = totals.min_approval_pct.min(state.actors[1].approval_pct);
        obs.week_end(state);
    }

    /// The final state and the run totals.
    pub fn finish(self) -> (State, RunTotals) {
        (self.state, self.totals)
    }
}

/// Simulates one run of `weeks` weeks and returns the final state and totals.
///
/// `rules` (a lever's contingent rules) act for their government before its
/// own choice each week. This scalar step is the reference the batched step
/// ([`super::batch::simulate_lanes`]) is tested against.
pub fn simulate<O: Observer>(
    p: &ModelParams,
    rules: &[Rule],
    weeks: u32,
    rngs: &mut DynamicsRngs,
    obs: &mut O,
) -> (State, RunTotals) {
    let mut run = RunInProgress::start(p, rules, obs);
    for _ in 0..weeks {
        run.open_week(rngs, obs);
        for i in run.move_order() {
            run.fire_rules(i, rngs, obs);
            let action = choose(i, &run.state, p, Phase::Weekly, &mut rngs.choice);
            run.apply_weekly_choice(i, action, rngs, obs);
        }
        run.close_week(rngs, obs);
    }
    run.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::prepare_run;
    use crate::model::rules::{Cmp, Condition, Operand, Var};
    use crate::scenario::{ResolvedLever, Scenario};

    /// The September US–Mexico baseline, run `run`: its parameters and streams.
    fn mexico_september(run: u64) -> (ModelParams, DynamicsRngs, u32) {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("scenarios")
            .join("us_mexico_2025-09.toml");
        let s = Scenario::load(&path).unwrap();
        let lever = ResolvedLever::new(&s, s.lever("baseline").unwrap()).unwrap();
        let (p, rngs, _, _) = prepare_run(&lever, s.seed, run);
        (p, rngs, s.calendar.horizon_weeks)
    }

    /// Every week-end state and every event of a run.
    #[derive(Default)]
    struct Log {
        week_ends: Vec<State>,
        events: Vec<(u32, Event)>,
    }

    impl Observer for Log {
        fn event(&mut self, week: u32, event: &Event, _state: &State) {
            self.events.push((week, *event));
        }
        fn week_end(&mut self, state: &State) {
            self.week_ends.push(*state);
        }
    }

    #[test]
    fn the_run_totals_are_what_the_weeks_add_up_to() {
        for run in 0..5 {
            let (p, mut rngs, weeks) = mexico_september(run);
            let mut log = Log::default();
            let (end, totals) = simulate(&p, &[], weeks, &mut rngs, &mut log);
            assert_eq!(
                log.week_ends.len(),
                weeks as usize + 1,
                "the start and each week"
            );
            assert_eq!(log.week_ends.last().unwrap().week, end.week);
            let tariffs: Vec<f64> = log
                .week_ends
                .iter()
                .map(|s| s.actors[0].tariff_pct)
                .collect();
            let sum: f64 = tariffs[1..].iter().sum();
            assert!((totals.tariff_sum - sum).abs() < 1e-9, "run {run}");
            assert_eq!(
                totals.weeks_with_tariff as usize,
                tariffs[1..].iter().filter(|&&t| t > 0.0).count()
            );
            assert_eq!(
                totals.max_tariff_pct,
                tariffs.iter().copied().fold(f64::MIN, f64::max)
            );
            let lowest = log
                .week_ends
                .iter()
                .map(|s| s.actors[1].approval_pct)
                .fold(f64::MAX, f64::min);
            assert_eq!(totals.min_approval_pct, lowest);
        }
    }

    #[test]
    fn both_governments_make_their_own_moves() {
        // A choice of Hold outside a deadline week is silent, so count the
        // moves that did something: each side must make some in five runs.
        let mut moves = [0usize; 2];
        for run in 0..5 {
            let (p, mut rngs, weeks) = mexico_september(run);
            let mut log = Log::default();
            simulate(&p, &[], weeks, &mut rngs, &mut log);
            for (_, e) in &log.events {
                if let Event::Chose { actor, action, .. } = e
                    && *action != Action::Hold
                {
                    moves[*actor] += 1;
                }
            }
        }
        assert!(moves[0] > 0 && moves[1] > 0, "moves per side: {moves:?}");
    }

    #[test]
    fn a_rule_acts_for_its_own_government_only() {
        // From week 10, the pressed side transfers whenever it can.
        let rule = Rule {
            name: "transfer".into(),
            actor: 1,
            condition: Condition::Compare(Operand::Var(Var::Week), Cmp::Ge, Operand::Num(10.0)),
            action: Action::Transfer,
            amount: Some(15.0),
            every_weeks: Some(1),
        };
        let (p, mut rngs, weeks) = mexico_september(0);
        let mut log = Log::default();
        let (_, totals) = simulate(&p, std::slice::from_ref(&rule), weeks, &mut rngs, &mut log);
        let fired: Vec<(u32, usize)> = log
            .events
            .iter()
            .filter_map(|(w, e)| match e {
                Event::RuleFired { actor, .. } => Some((*w, *actor)),
                _ => None,
            })
            .collect();
        assert!(!fired.is_empty(), "the rule fires");
        assert_eq!(fired.len() as u32, totals.rules_fired[0]);
        assert!(fired.iter().all(|&(w, a)| a == 1 && w >= 10), "{fired:?}");
    }
}
