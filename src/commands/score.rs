//! `bilateral score`: how well the simulated distributions cover the record.

use std::path::Path;

use anyhow::{Context, Result};

use super::UsageError;
use crate::cli::ScoreArgs;
use crate::engine::{self, Plan};
use crate::output;
use crate::scenario::Scenario;
use crate::score::{self, Observation, Scored};

/// Runs `bilateral score`.
pub fn execute(args: &ScoreArgs) -> Result<()> {
    let observed = score::read_observed(&args.observed).map_err(UsageError)?;
    let (name, out, rows, skipped, method) = if args.target.is_dir() {
        let ts = args.target.join(output::export::TIMESERIES.name);
        if !ts.exists() {
            return Err(UsageError(no_timeseries(&args.target, &args.observed)).into());
        }
        let names = score::timeseries_variables(&ts).map_err(UsageError)?;
        score::check_variables(&args.observed, &observed, &names).map_err(UsageError)?;
        let (rows, skipped) =
            score::score_timeseries(&ts, &args.lever, &observed).map_err(UsageError)?;
        let name = scenario_name_of(&ts).unwrap_or_default();
        (name, args.target.clone(), rows, skipped, "quantiles")
    } else {
        let scenario = Scenario::load(&args.target)?;
        super::check_lever(&scenario, &args.lever)?;
        score::check_variables(
            &args.observed,
            &observed,
            &score::variable_names(&scenario.ids),
        )
        .map_err(UsageError)?;
        let out = args
            .out
            .clone()
            .unwrap_or_else(|| super::run::default_out(&args.target));
        super::check_out(&out)?;
        let runs = args.runs.unwrap_or(scenario.runs);
        let seed = args.seed.unwrap_or(scenario.seed);
        let threads = super::threads(args.threads)?;
        if runs == 0 {
            return Err(UsageError("--runs must be at least 1".into()).into());
        }
        let plan = Plan::new(&scenario, std::slice::from_ref(&args.lever), runs, seed)
            .map_err(anyhow::Error::msg)?;
        let results = engine::run(&plan, threads, |_| Ok(()), |_| {})?;
        let (rows, skipped) =
            score::score_results(&results, 0, &scenario.calendar, &scenario.ids, &observed);
        (scenario.name.clone(), out, rows, skipped, "histogram")
    };
    if rows.is_empty() {
        return Err(UsageError(format!(
            "no observation in {} matches a month and variable of the simulation",
            args.observed.display()
        ))
        .into());
    }
    std::fs::create_dir_all(&out)
        .with_context(|| format!("cannot create the output folder {}", out.display()))?;
    output::write_atomic(&out.join("score.csv"), |w| {
        score::write(w, &name, &args.lever, method, &rows)
    })?;
    super::emit(&summary_text(&rows, &skipped, &out.join("score.csv")))?;
    Ok(())
}

/// Why a folder without timeseries.csv cannot be scored, and the commands
/// that make one and score it. The scenario is the one the folder's
/// manifest.json names, if any; the folder of another command (a sweep,
/// robust, discover or sensitivity) is not run into, as `bilateral run`
/// would replace its files: the run goes to its own default folder.
fn no_timeseries(dir: &Path, observed: &Path) -> String {
    let manifest = std::fs::read(dir.join(output::export::MANIFEST.name))
        .ok()
        .and_then(|bytes| serde_json::from_slice::<output::manifest::Manifest>(&bytes).ok());
    let (run, folder) = match &manifest {
        Some(m) if m.analysis.is_some() || m.sweep.is_some() => (
            format!("bilateral run {}", m.scenario_path),
            super::run::default_out(Path::new(&m.scenario_path)),
        ),
        Some(m) => (
            format!("bilateral run {} --out {}", m.scenario_path, dir.display()),
            dir.to_path_buf(),
        ),
        None => (
            format!("bilateral run SCENARIO.toml --out {}", dir.display()),
            dir.to_path_buf(),
        ),
    };
    format!(
        "{} holds no timeseries.csv to score (the output of `bilateral run`); run first: `{run}`, then `bilateral score {} --observed {}`",
        dir.display(),
        folder.display(),
        observed.display()
    )
}

fn scenario_name_of(timeseries: &Path) -> Option<String> {
    let mut r = csv::Reader::from_path(timeseries).ok()?;
    r.records().next()?.ok()?.get(0).map(str::to_string)
}

fn summary_text(rows: &[Scored], skipped: &[Observation], path: &Path) -> String {
    let t = score::totals(rows);
    let mut text = format!(
        "{} scored -> {}\ncoverage of the 50% interval {:.0}% (ideal 50%), of the 90% interval {:.0}% (ideal 90%), mean CRPS {}\n",
        output::count(t.n, "observation"),
        path.display(),
        100.0 * t.coverage_50,
        100.0 * t.coverage_90,
        output::fmt_fixed(t.mean_crps, 3)
    );
    if !skipped.is_empty() {
        text += &format!(
            "{} outside the simulated months or variables {} left out (e.g. {} {})\n",
            output::count(skipped.len(), "observation"),
            if skipped.len() == 1 { "was" } else { "were" },
            skipped[0].date,
            skipped[0].variable
        );
    }
    text
}
