//! `bilateral trace`: the week-by-week story of one run, as CSV on stdout.

use std::io::{self, Write};

use anyhow::Result;

use super::check_lever;
use crate::calendar::Calendar;
use crate::cli::TraceArgs;
use crate::engine;
use crate::model::outcome::{VARIABLES, Variable};
use crate::model::rules::Rule;
use crate::model::{Action, Event, Observer, State, simulate};
use crate::output::{csv_writer, fmt_num};
use crate::scenario::{ResolvedLever, Scenario};

/// The month-end variables (timeseries.csv names, rows of
/// `outcome::VARIABLES`) printed with every event, in column order: each is
/// read by the variable's own extractor, so a trace column is the number
/// timeseries.csv reports for the same state.
pub const STATE_COLUMNS: [&str; 9] = [
    "{a}_tariff_pct",
    "exempt_share",
    "threat_active",
    "{b}_tariff_pct",
    "extraditions_cum",
    "cooperation_level",
    "trust",
    "{b}_approval_pct",
    "{a}_demand",
];

/// The rows of `outcome::VARIABLES` behind [`STATE_COLUMNS`].
fn state_variables() -> [&'static Variable; STATE_COLUMNS.len()] {
    STATE_COLUMNS.map(|template| {
        VARIABLES
            .iter()
            .find(|v| v.template == template)
            .expect("every trace column is a month-end variable")
    })
}

struct Tracer<'a, W: Write> {
    out: csv::Writer<W>,
    ids: &'a [String; 2],
    calendar: &'a Calendar,
    rules: &'a [Rule],
    error: Option<io::Error>,
}

/// What a move did, in words.
fn describe_move(actor: usize, action: Action, value: f64, ids: &[String; 2]) -> String {
    let other = &ids[1 - actor];
    match action {
        Action::Hold => format!("let the {value}% threat lapse at its deadline"),
        Action::Threaten => format!("threatens {value}% on {other}'s goods"),
        Action::Extend => format!("deadline moved to week {value}"),
        Action::Impose => format!("tariff now {value}%"),
        Action::Raise => format!("tariff raised to {value}%"),
        Action::Cut => format!("tariff cut to {value}%"),
        Action::Exempt => format!("exempt share now {}", fmt_num(Some(value))),
        Action::Retaliate => format!("counter-tariff {value}% on {other}'s goods"),
        Action::Match => format!("matches {other}'s tariff: now {value}%"),
        Action::ProposeTruce => format!("proposes a truce to {other}"),
        Action::AcceptTruce => format!("truce agreed, runs to week {value}"),
        Action::ExtendTruce => format!("truce extended to week {value}"),
        Action::RestrictExports => format!("restricts strategic exports to {other}"),
        Action::LiftExportControls => format!("lifts export controls on {other}"),
        Action::Transfer => format!("{value} people handed to {other}"),
        Action::Deploy => format!("{value} thousand troops deployed"),
        Action::Interdict => format!("interdiction level {value}"),
        Action::CooperateUp if value >= 4.0 => "formal agreement signed".to_string(),
        Action::CooperateUp => {
            format!("cooperation rung {value} (at 3: agreement proposed)")
        }
        Action::CooperateDown => format!("cooperation rung {value}"),
        Action::Strike => format!("unilateral action on {other}'s soil"),
        Action::SovereigntyStand => format!("cooperation suspended to rung {value}"),
        Action::TightenMigration | Action::LoosenMigration => {
            format!("migration enforcement {}", fmt_num(Some(value)))
        }
    }
}

fn describe(event: &Event, ids: &[String; 2], rules: &[Rule]) -> (usize, &'static str, String) {
    match *event {
        Event::Chose {
            actor,
            action,
            value,
        } => (
            actor,
            action.name(),
            describe_move(actor, action, value, ids),
        ),
        Event::RuleFired {
            actor,
            rule,
            action,
            value,
        } => {
            let name = rules.get(rule).map_or("?", |r| r.name.as_str());
            let detail = format!("rule {name}: {}", describe_move(actor, action, value, ids));
            (actor, action.name(), detail)
        }
        Event::FormalExtraditions { actor, people } => {
            let noun = if people == 1 { "person" } else { "people" };
            (
                actor,
                "formal_extraditions",
                format!("{people} {noun} extradited to {}", ids[1 - actor]),
            )
        }
        Event::LegalLoss { actor, tariff_pct } => (
            actor,
            "legal_loss",
            format!("courts strike down the tariff's legal basis; tariff now {tariff_pct}%"),
        ),
        Event::ProposalExpired { actor } => (
            actor,
            "proposal_expired",
            "agreement proposal expired unsigned".into(),
        ),
        // A lapse concerns both sides; it is listed under the first.
        Event::TruceLapsed => (
            0,
            "truce_lapsed",
            "truce ran out unextended: both rates snap back".into(),
        ),
    }
}

impl<W: Write> Observer for Tracer<'_, W> {
    fn event(&mut self, week: u32, event: &Event, state: &State) {
        if self.error.is_some() {
            return;
        }
        let (actor, action, detail) = describe(event, self.ids, self.rules);
        let mut row = vec![
            week.to_string(),
            self.calendar
                .week_start(week)
                .format("%Y-%m-%d")
                .to_string(),
            self.ids[actor].clone(),
            action.to_string(),
            detail,
        ];
        row.extend(
            state_variables()
                .map(|v| (v.value)(state))
                .map(|x| fmt_num(Some((x * 1000.0).round() / 1000.0))),
        );
        if let Err(e) = self.out.write_record(&row) {
            self.error = Some(e.into());
        }
    }
}

/// Runs `bilateral trace`.
pub fn execute(args: &TraceArgs) -> Result<()> {
    let scenario = Scenario::load(&args.scenario)?;
    let seed = args.seed.unwrap_or(scenario.seed);
    match write(&scenario, &args.lever, seed, args.run, io::stdout().lock()) {
        // `bilateral trace … | head`: the reader has what it wanted.
        Err(e)
            if e.downcast_ref::<io::Error>()
                .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe) =>
        {
            Ok(())
        }
        other => other,
    }
}

/// Writes the trace of run `run` of `lever` of `scenario` from the master
/// seed `seed` as CSV to `out`.
pub fn write<W: Write>(
    scenario: &Scenario,
    lever: &str,
    seed: u64,
    run: u64,
    out: W,
) -> Result<()> {
    check_lever(scenario, lever)?;
    let lever = scenario
        .lever(lever)
        .ok_or_else(|| anyhow::anyhow!("no lever `{lever}`"))?;
    let lever = ResolvedLever::new(scenario, lever).map_err(anyhow::Error::msg)?;
    let (params, mut rngs, _, _) = engine::prepare_run(&lever, seed, run);
    let mut out = csv_writer(out);
    let mut header: Vec<String> = ["week", "date", "actor", "action", "detail"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    header.extend(
        STATE_COLUMNS
            .iter()
            .map(|c| crate::model::outcome::expand(c, &scenario.ids)),
    );
    let result = out.write_record(&header).map_err(io::Error::from);
    let mut tracer = Tracer {
        out,
        ids: &scenario.ids,
        calendar: &scenario.calendar,
        rules: &lever.rules,
        error: result.err(),
    };
    simulate(
        &params,
        &lever.rules,
        scenario.calendar.horizon_weeks,
        &mut rngs,
        &mut tracer,
    );
    let flushed = tracer.out.flush();
    Ok(tracer.error.map_or(flushed, Err)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_trace_column_is_a_month_end_variable() {
        let rows = state_variables();
        for (row, template) in rows.iter().zip(STATE_COLUMNS) {
            assert_eq!(row.template, template);
        }
    }
}
