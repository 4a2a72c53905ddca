//! Checks a scenario against the regularities of the public record
//! (../shared/seed/record_2025.md): in what share of runs each one holds.
//!
//! Each regularity is a yes/no question about one run's story, judged from
//! the events the model reports. Shares are counts over runs, so they do not
//! depend on the order runs finish in.

use rayon::prelude::*;

use crate::engine;
use crate::model::{Action, Event, Observer, State, simulate};
use crate::scenario::{ResolvedLever, Scenario};

/// What a run did, as far as the regularities need.
#[derive(Debug, Default)]
struct Story {
    /// (week, actor, action, value, actor 0's tariff before… after) per move.
    moves: Vec<(u32, usize, Action, f64)>,
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
        let tariff = state.actors[0].tariff_pct;
        if state.week == 0 {
            self.demand_start = state.actors[0].demand;
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
        self.approval.push(state.actors[1].approval_pct);
        self.demand_end = state.actors[0].demand;
        self.cooperation_end = state.cooperation_level;
        self.agreement = state.agreement_signed_ever();
        self.retaliated = state.actors[1].retaliated_ever;
        self.strike = state.actors[0].struck_ever;
    }
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

const CHECKS: [(&str, &str); 11] = [
    (
        "R1",
        "the first deadline is extended, after a concession by the threatened side",
    ),
    (
        "R2",
        "a mass transfer comes within two weeks before a deadline of a pending threat (runs with a transfer)",
    ),
    (
        "R3",
        "at most half of the deadlines reached are carried out (runs with a deadline)",
    ),
    (
        "R4",
        "an exemption follows within two weeks of the first imposition (runs with a tariff)",
    ),
    ("R5", "the threatened side never retaliates"),
    (
        "R6",
        "once imposed, the tariff stays above zero for at least 12 weeks or to the horizon (runs with a tariff)",
    ),
    (
        "R7",
        "the first escalated threat (above a tariff in force) is not carried out at its first deadline (runs with one)",
    ),
    (
        "R8",
        "cooperation ends at least one rung higher, with no formal agreement",
    ),
    ("R9", "no unilateral action on the threatened side's soil"),
    (
        "R10",
        "approval, which starts at its post-announcement rally level, erodes: it ends 5+ points below its first-month peak and above 55",
    ),
    (
        "R11",
        "the threatening side's demand ends higher than it started",
    ),
];

/// The ids of the regularities, `R1` to `R11`, in order.
pub fn ids() -> impl Iterator<Item = &'static str> {
    CHECKS.iter().map(|c| c.0)
}

/// Judges one run; `None` where the question does not apply.
fn judge(s: &Story) -> [Option<bool>; 11] {
    let deadline_moves: Vec<&(u32, usize, Action, f64)> = s
        .moves
        .iter()
        .filter(|m| m.1 == 0 && matches!(m.2, Action::Impose | Action::Extend | Action::Hold))
        .collect();
    let r1 = deadline_moves.first().map(|&&(week, _, action, _)| {
        action == Action::Extend
            && s.moves
                .iter()
                .any(|m| m.1 == 1 && m.2.is_concession() && m.0 <= week)
    });
    // Weeks at which a threat by actor 0 had its deadline decided.
    let deadline_weeks: Vec<u32> = deadline_moves.iter().map(|m| m.0).collect();
    let transfers: Vec<u32> = s
        .moves
        .iter()
        .filter(|m| m.1 == 1 && m.2 == Action::Transfer)
        .map(|m| m.0)
        .collect();
    let r2 = (!transfers.is_empty()).then(|| {
        transfers
            .iter()
            .any(|&t| deadline_weeks.iter().any(|&d| d >= t && d - t <= 2))
    });
    let carried = deadline_moves
        .iter()
        .filter(|m| m.2 == Action::Impose)
        .count();
    let r3 = (!deadline_moves.is_empty()).then(|| 2 * carried <= deadline_moves.len());
    let r4 = s.first_tariff_week.map(|first| {
        s.moves
            .iter()
            .any(|m| m.1 == 0 && m.2 == Action::Exempt && m.0 + 1 >= first && m.0 < first + 2)
    });
    let r6 = s.first_tariff_week.map(|first| {
        let horizon = s.tariff_by_week.len() as u32 - 1;
        match s.tariff_zero_after_imposition_week {
            None => true,
            Some(zero) => zero - first >= 12 || zero > horizon,
        }
    });
    // Escalated threats: threats issued while a tariff was in force.
    let mut r7 = None;
    for &(week, actor, action, _) in &s.moves {
        if actor == 0
            && action == Action::Threaten
            && s.tariff_by_week
                .get(week as usize)
                .is_some_and(|&t| t > 0.0)
        {
            r7 = deadline_moves
                .iter()
                .find(|m| m.0 > week)
                .map(|m| m.2 != Action::Impose);
            break;
        }
    }
    let first_month_peak = s
        .approval
        .iter()
        .take(5)
        .copied()
        .fold(f64::NEG_INFINITY, f64::max);
    let end = s.approval.last().copied().unwrap_or(0.0);
    let r10 = end <= first_month_peak - 5.0 && end > 55.0;
    [
        r1,
        r2,
        r3,
        r4,
        Some(!s.retaliated),
        r6,
        r7,
        Some(s.cooperation_end > s.cooperation_start && !s.agreement),
        Some(!s.strike),
        Some(r10),
        Some(s.demand_end > s.demand_start),
    ]
}

/// Runs the baseline of `scenario` `runs` times and counts each regularity.
pub fn regularities(scenario: &Scenario, runs: u64, seed: u64) -> Result<Vec<Regularity>, String> {
    let baseline = scenario.lever("baseline").ok_or("no baseline")?;
    let lever = ResolvedLever::new(scenario, baseline)?;
    let weeks = scenario.calendar.horizon_weeks;
    let verdicts: Vec<[Option<bool>; 11]> = (0..runs)
        .into_par_iter()
        .map(|run| {
            let (params, mut rngs, _, _) = engine::prepare_run(&lever, seed, run);
            let mut story = Story::default();
            simulate(&params, &lever.rules, weeks, &mut rngs, &mut story);
            judge(&story)
        })
        .collect();
    Ok(CHECKS
        .iter()
        .enumerate()
        .map(|(k, &(id, description))| Regularity {
            id,
            description,
            applicable: verdicts.iter().filter(|v| v[k].is_some()).count() as u64,
            holds: verdicts.iter().filter(|v| v[k] == Some(true)).count() as u64,
        })
        .collect())
}
