//! The regularities of the public record (../shared/seed/record_2025.md):
//! yes/no questions about one run's story, and in what share of runs each
//! one holds.
//!
//! Each regularity is one row of [`CHECKS`]: its id, what it asks, and the
//! function that judges a run's [`Story`]. The engine gathers the story of
//! each run when a plan asks for it (`Plan::judge_regularities`), so
//! `engine::count_regularities`, `calibrate --require` and a `run` share one
//! simulation loop: the same threads, chunks, Ctrl-C and order. Shares are
//! counts over runs, so they do not depend on the order runs finish in.

use crate::model::state::{PRESSED, THREATENING};
use crate::model::{Action, Event, Observer, State};

/// A move as the regularities see it: (week, actor, action, value).
type Move = (u32, usize, Action, f64);

/// What a run did, as far as the regularities need: gathered week by week
/// by the engine when a plan judges regularities.
#[derive(Debug, Default, Clone)]
pub struct Story {
    moves: Vec<Move>,
    first_tariff_week: Option<u32>,
    tariff_zero_after_imposition_week: Option<u32>,
    /// Actor 1's approval each week (index = weeks done).
    approval: Vec<f64>,
    demand_start: f64,
    demand_end: f64,
    cooperation_start: u8,
    cooperation_end: u8,
    agreement: bool,
    retaliated: bool,
    strike: bool,
    tariff_by_week: Vec<f64>,
}

impl Observer for Story {
    fn event(&mut self, week: u32, event: &Event, _state: &State) {
        if let Event::Chose {
            actor,
            action,
            value,
        } = *event
        {
            self.moves.push((week, actor, action, value));
        }
    }
    fn week_end(&mut self, state: &State) {
        let tariff = state.actors[THREATENING].tariff_pct;
        if state.week == 0 {
            self.demand_start = state.actors[THREATENING].demand;
            self.cooperation_start = state.cooperation_level;
        }
        if tariff > 0.0 && self.first_tariff_week.is_none() {
            self.first_tariff_week = Some(state.week);
        }
        if tariff <= 0.0
            && self.first_tariff_week.is_some()
            && self.tariff_zero_after_imposition_week.is_none()
        {
            self.tariff_zero_after_imposition_week = Some(state.week);
        }
        self.tariff_by_week.push(tariff);
        self.approval.push(state.actors[PRESSED].approval_pct);
        self.demand_end = state.actors[THREATENING].demand;
        self.cooperation_end = state.cooperation_level;
        self.agreement = state.agreement_signed_ever();
        self.retaliated = state.actors[PRESSED].retaliated_ever;
        self.strike = state.actors[THREATENING].struck_ever;
    }
}

impl Story {
    /// Actor 0's moves that decided a threat at its deadline.
    fn deadline_moves(&self) -> impl Iterator<Item = &Move> {
        self.moves
            .iter()
            .filter(|m| m.1 == 0 && matches!(m.2, Action::Impose | Action::Extend | Action::Hold))
    }
}

/// One regularity of the record: the question, and how a run answers it
/// (`None` where the question does not apply to the run).
#[derive(Debug, Clone, Copy)]
pub struct Check {
    /// Short id, e.g. `R1`.
    pub id: &'static str,
    /// What is checked in each run (and in which runs, where not all).
    pub description: &'static str,
    /// The verdict on one run.
    pub judge: fn(&Story) -> Option<bool>,
}

/// The regularities, in id order: the one table that names, describes and
/// judges them (the examples, `calibrate --require` and the docs read it).
pub const CHECKS: &[Check] = &[
    Check {
        id: "R1",
        description: "the first deadline is extended, after a concession by the threatened side",
        judge: first_deadline_extended_after_a_concession,
    },
    Check {
        id: "R2",
        description: "a mass transfer comes within two weeks before a deadline of a pending threat (runs with a transfer)",
        judge: transfer_just_before_a_deadline,
    },
    Check {
        id: "R3",
        description: "at most half of the deadlines reached are carried out (runs with a deadline)",
        judge: at_most_half_the_deadlines_carried_out,
    },
    Check {
        id: "R4",
        description: "an exemption follows within two weeks of the first imposition (runs with a tariff)",
        judge: exemption_soon_after_the_first_imposition,
    },
    Check {
        id: "R5",
        description: "the threatened side never retaliates",
        judge: never_retaliates,
    },
    Check {
        id: "R6",
        description: "once imposed, the tariff stays above zero for at least 12 weeks or to the horizon (runs with a tariff)",
        judge: tariff_stays_once_imposed,
    },
    Check {
        id: "R7",
        description: "the first escalated threat (above a tariff in force) is not carried out at its first deadline (runs with one)",
        judge: first_escalated_threat_not_carried_out,
    },
    Check {
        id: "R8",
        description: "cooperation ends at least one rung higher, with no formal agreement",
        judge: cooperation_rises_without_an_agreement,
    },
    Check {
        id: "R9",
        description: "no unilateral action on the threatened side's soil",
        judge: no_unilateral_strike,
    },
    Check {
        id: "R10",
        description: "approval, which starts at its post-announcement rally level, erodes: it ends 5+ points below its first-month peak and above 55",
        judge: approval_erodes_from_its_rally,
    },
    Check {
        id: "R11",
        description: "the threatening side's demand ends higher than it started",
        judge: demand_ratchets_up,
    },
];

/// The verdicts on one run, one per row of [`CHECKS`].
pub fn judge(story: &Story) -> Vec<Option<bool>> {
    CHECKS.iter().map(|c| (c.judge)(story)).collect()
}

fn first_deadline_extended_after_a_concession(s: &Story) -> Option<bool> {
    s.deadline_moves().next().map(|&(week, _, action, _)| {
        action == Action::Extend
            && s.moves
                .iter()
                .any(|m| m.1 == 1 && m.2.is_concession() && m.0 <= week)
    })
}

fn transfer_just_before_a_deadline(s: &Story) -> Option<bool> {
    let mut transfers = s
        .moves
        .iter()
        .filter(|m| m.1 == 1 && m.2 == Action::Transfer)
        .map(|m| m.0)
        .peekable();
    transfers.peek()?;
    Some(transfers.any(|t| s.deadline_moves().any(|d| d.0 >= t && d.0 - t <= 2)))
}

fn at_most_half_the_deadlines_carried_out(s: &Story) -> Option<bool> {
    let reached = s.deadline_moves().count();
    let carried = s.deadline_moves().filter(|m| m.2 == Action::Impose).count();
    (reached > 0).then_some(2 * carried <= reached)
}

fn exemption_soon_after_the_first_imposition(s: &Story) -> Option<bool> {
    s.first_tariff_week.map(|first| {
        s.moves
            .iter()
            .any(|m| m.1 == 0 && m.2 == Action::Exempt && m.0 + 1 >= first && m.0 < first + 2)
    })
}

fn never_retaliates(s: &Story) -> Option<bool> {
    Some(!s.retaliated)
}

fn tariff_stays_once_imposed(s: &Story) -> Option<bool> {
    s.first_tariff_week.map(|first| {
        let horizon = s.tariff_by_week.len() as u32 - 1;
        match s.tariff_zero_after_imposition_week {
            None => true,
            Some(zero) => zero - first >= 12 || zero > horizon,
        }
    })
}

/// The first threat issued while a tariff was in force, judged at the first
/// deadline decided after it.
fn first_escalated_threat_not_carried_out(s: &Story) -> Option<bool> {
    let &(week, ..) = s.moves.iter().find(|&&(week, actor, action, _)| {
        actor == 0
            && action == Action::Threaten
            && s.tariff_by_week
                .get(week as usize)
                .is_some_and(|&t| t > 0.0)
    })?;
    s.deadline_moves()
        .find(|m| m.0 > week)
        .map(|m| m.2 != Action::Impose)
}

fn cooperation_rises_without_an_agreement(s: &Story) -> Option<bool> {
    Some(s.cooperation_end > s.cooperation_start && !s.agreement)
}

fn no_unilateral_strike(s: &Story) -> Option<bool> {
    Some(!s.strike)
}

/// The first month is the first five week-ends (start included).
fn approval_erodes_from_its_rally(s: &Story) -> Option<bool> {
    let first_month_peak = s
        .approval
        .iter()
        .take(5)
        .copied()
        .fold(f64::NEG_INFINITY, f64::max);
    let end = s.approval.last().copied().unwrap_or(0.0);
    Some(end <= first_month_peak - 5.0 && end > 55.0)
}

fn demand_ratchets_up(s: &Story) -> Option<bool> {
    Some(s.demand_end > s.demand_start)
}

/// The ids of the regularities, `R1` to `R11`, in order.
pub fn ids() -> impl Iterator<Item = &'static str> {
    CHECKS.iter().map(|c| c.id)
}

/// One regularity and the share of runs in which it holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Regularity {
    /// Short id, e.g. `R1`.
    pub id: &'static str,
    /// What is checked in each run.
    pub description: &'static str,
    /// Runs where the question applies (e.g. runs with a tariff imposed).
    pub applicable: u64,
    /// Runs where it holds.
    pub holds: u64,
}

impl Regularity {
    /// Share of applicable runs in which it holds.
    pub fn share(&self) -> f64 {
        if self.applicable == 0 {
            0.0
        } else {
            self.holds as f64 / self.applicable as f64
        }
    }
}

/// Counts of each regularity over runs: fed verdicts run by run (in any
/// order), read as [`Regularity`] rows.
#[derive(Debug, Clone)]
pub struct Tally {
    rows: Vec<Regularity>,
}

impl Default for Tally {
    fn default() -> Self {
        Tally {
            rows: CHECKS
                .iter()
                .map(|c| Regularity {
                    id: c.id,
                    description: c.description,
                    applicable: 0,
                    holds: 0,
                })
                .collect(),
        }
    }
}

impl Tally {
    /// Counts one run's verdicts (one per row of [`CHECKS`]).
    pub fn add(&mut self, verdicts: &[Option<bool>]) {
        for (row, v) in self.rows.iter_mut().zip(verdicts) {
            row.applicable += u64::from(v.is_some());
            row.holds += u64::from(*v == Some(true));
        }
    }

    /// The counts, one row per regularity in [`CHECKS`] order.
    pub fn rows(self) -> Vec<Regularity> {
        self.rows
    }
}
