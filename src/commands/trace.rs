//! `bilateral trace`: the week-by-week story of one run, as CSV on stdout.

use crate::model::Pair;
use std::io::{self, Write};

use anyhow::Result;

use super::check_lever;
use crate::calendar::Calendar;
use crate::cli::TraceArgs;
use crate::engine;
use crate::model::outcome::{VARIABLES, Variable};
use crate::model::rules::Rule;
use crate::model::{Action, Event, Observer, State, simulate};
use crate::output::{csv_writer, fmt_fixed, fmt_num};
use crate::scenario::{ResolvedLever, Scenario};

/// The columns that describe an event, with their meaning (for `--help`).
const EVENT_COLUMNS: [(&str, &str); 5] = [
    (
        "week",
        "Week of the run, from 0 (the week of the start date).",
    ),
    ("date", "First day of that week, YYYY-MM-DD."),
    (
        "actor",
        "Who acted (a truce's lapse concerns both: listed under the first).",
    ),
    (
        "action",
        "The move (as named in rules) or the event: formal_extraditions, legal_loss, proposal_expired, truce_lapsed.",
    ),
    ("detail", "The move or event in words."),
];

/// The month-end variables (timeseries.csv names, rows of
/// `outcome::VARIABLES`) printed with every event, in column order, each
/// with the fixed number of decimals it is printed to: each is read by the
/// variable's own extractor, so a trace column is the number
/// timeseries.csv reports for the same state.
pub const STATE_COLUMNS: [(&str, usize); 9] = [
    ("{a}_tariff_pct", 1),
    ("exempt_share", 3),
    ("threat_active", 0),
    ("{b}_tariff_pct", 1),
    ("extraditions_cum", 0),
    ("cooperation_level", 0),
    ("trust", 3),
    ("{b}_approval_pct", 1),
    ("{a}_demand", 1),
];

/// The rows of `outcome::VARIABLES` behind [`STATE_COLUMNS`].
fn state_variables() -> [&'static Variable; STATE_COLUMNS.len()] {
    STATE_COLUMNS.map(|(template, _)| {
        VARIABLES
            .iter()
            .find(|v| v.template == template)
            .expect("every trace column is a month-end variable")
    })
}

/// Widest line of [`columns_help`]: the help fits an 80-column terminal.
const HELP_WIDTH: usize = 78;

/// The trace's columns and what each holds, for `trace --help`: one entry
/// per column, the meaning wrapped and indented; the state columns' meaning
/// is the variable's own doc.
pub fn columns_help() -> String {
    let name = |t: &str| t.replace("{a}", "<a>").replace("{b}", "<b>");
    let width = EVENT_COLUMNS
        .iter()
        .map(|c| c.0.len())
        .chain(STATE_COLUMNS.iter().map(|c| name(c.0).len()))
        .max()
        .unwrap_or(0);
    let entry = |column: &str, doc: &str| {
        let indent = " ".repeat(width + 4);
        let mut text = format!("  {column:width$}  ");
        let mut line = text.len();
        for (i, word) in doc.split_whitespace().enumerate() {
            if i > 0 && line + 1 + word.len() > HELP_WIDTH {
                text.push('\n');
                text.push_str(&indent);
                line = indent.len();
            } else if i > 0 {
                text.push(' ');
                line += 1;
            }
            text.push_str(word);
            line += word.chars().count();
        }
        text.push('\n');
        text
    };
    let mut text = String::from("Columns, one row per event:\n");
    for (column, doc) in EVENT_COLUMNS {
        text += &entry(column, doc);
    }
    text += "The state right after the event (<a>, <b>: the scenario's actor ids):\n";
    for (variable, (template, decimals)) in state_variables().iter().zip(STATE_COLUMNS) {
        let places = match decimals {
            0 => "whole numbers".to_string(),
            1 => "1 decimal".to_string(),
            n => format!("{n} decimals"),
        };
        text += &entry(
            &name(template),
            &format!("{} Printed to {places}.", name(variable.doc)),
        );
    }
    text.trim_end().to_string()
}

struct Tracer<'a, W: Write> {
    out: csv::Writer<W>,
    ids: &'a Pair<String>,
    calendar: &'a Calendar,
    rules: &'a [Rule],
    error: Option<io::Error>,
}

/// What a move did, in words.
fn describe_move(actor: usize, action: Action, value: f64, ids: &Pair<String>) -> String {
    let other = &ids[crate::model::other(actor)];
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

fn describe(event: &Event, ids: &Pair<String>, rules: &[Rule]) -> (usize, &'static str, String) {
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
                format!(
                    "{people} {noun} extradited to {}",
                    ids[crate::model::other(actor)]
                ),
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
                .iter()
                .zip(STATE_COLUMNS)
                .map(|(v, (_, decimals))| fmt_fixed((v.value)(state), decimals)),
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
    let mut header: Vec<String> = EVENT_COLUMNS.iter().map(|c| c.0.to_string()).collect();
    header.extend(
        STATE_COLUMNS
            .iter()
            .map(|c| crate::model::outcome::expand(c.0, &scenario.ids)),
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
        for (row, (template, _)) in rows.iter().zip(STATE_COLUMNS) {
            assert_eq!(row.template, template);
        }
    }

    #[test]
    fn the_help_names_every_column_within_80_columns() {
        let help = columns_help();
        assert!(help.lines().all(|l| l.chars().count() <= 80), "{help}");
        let named: Vec<&str> = help
            .lines()
            .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
            .filter_map(|l| l.split_whitespace().next())
            .collect();
        let columns: Vec<String> = EVENT_COLUMNS
            .iter()
            .map(|c| c.0.to_string())
            .chain(
                STATE_COLUMNS
                    .iter()
                    .map(|c| c.0.replace("{a}", "<a>").replace("{b}", "<b>")),
            )
            .collect();
        assert_eq!(named, columns);
    }

    #[test]
    fn state_columns_are_printed_to_their_decimals() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("scenarios")
            .join("us_mexico_2025-09.toml");
        let scenario = Scenario::load(&path).unwrap();
        let mut bytes = Vec::new();
        write(&scenario, "baseline", scenario.seed, 3, &mut bytes).unwrap();
        let mut reader = csv::Reader::from_reader(bytes.as_slice());
        let mut rows = 0;
        for record in reader.records() {
            let record = record.unwrap();
            for (k, (_, decimals)) in STATE_COLUMNS.iter().enumerate() {
                let cell = &record[EVENT_COLUMNS.len() + k];
                let after_point = cell.split_once('.').map_or(0, |(_, d)| d.len());
                assert_eq!(after_point, *decimals, "{cell} in {record:?}");
                assert!(
                    !cell.starts_with("-0") || !cell.trim_start_matches(['-', '0', '.']).is_empty()
                );
            }
            rows += 1;
        }
        assert!(rows > 10, "{rows} events");
    }
}
