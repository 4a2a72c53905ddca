//! `bilateral run`: every lever of a scenario, CSV outputs into a folder.

use crate::model::Pair;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Result;

use super::{UsageError, check_lever};
use crate::cli::RunArgs;
use crate::engine::{self, Plan, Results};
use crate::model::outcome::{METRICS, expand};
use crate::output::export::{self, OutputFile, RunTables};
use crate::output::folder::Transaction;
use crate::output::manifest::{Manifest, RunIdentity};
use crate::output::runs::RunsWriter;
use crate::output::{self, fmt_num};
use crate::scenario::Scenario;

/// The validated settings of a run.
#[derive(Debug, Clone)]
pub struct RunConfig {
    /// The scenario.
    pub scenario: Scenario,
    /// Lever names, baseline first.
    pub levers: Vec<String>,
    /// Runs per lever.
    pub runs: u64,
    /// Master seed.
    pub seed: u64,
    /// Threads.
    pub threads: usize,
    /// Output folder.
    pub out: PathBuf,
    /// The lever the others are compared with.
    pub reference: String,
    /// Write runs.csv.
    pub write_runs: bool,
    /// Progress and table.
    pub quiet: bool,
    /// Run only shard I of N (1-based) and write a partial result.
    pub shard: Option<(u64, u64)>,
    /// Stop early once a metric's mean is precise enough.
    pub stop_rule: Option<engine::StopRule>,
    /// The most memory the run may plan to hold, GiB.
    pub max_memory_gib: f64,
}

impl RunConfig {
    /// Turns command-line options into a validated configuration.
    pub fn from_args(args: &RunArgs) -> Result<RunConfig> {
        Self::for_scenario(Scenario::load(&args.scenario)?, args)
    }

    /// The configuration of a run of `scenario`, already loaded, with the
    /// options `args` (its `scenario` path is only used for the default
    /// output folder): the checks and messages of `bilateral run`.
    pub fn for_scenario(scenario: Scenario, args: &RunArgs) -> Result<RunConfig> {
        for name in args.levers.levers.iter().chain([&args.baseline]) {
            check_lever(&scenario, name)?;
        }
        // Scenario order, baseline first, each once; the comparison
        // reference is always run.
        let levers: Vec<String> = scenario
            .levers
            .iter()
            .filter(|l| {
                args.levers.levers.is_empty()
                    || l.name == "baseline"
                    || l.name == args.baseline
                    || args.levers.levers.contains(&l.name)
            })
            .map(|l| l.name.clone())
            .collect();
        let runs = args.engine.runs.unwrap_or(scenario.runs);
        if runs == 0 {
            return Err(UsageError("--runs must be at least 1".into()).into());
        }
        let threads = super::threads(args.engine.threads)?;
        let out = args
            .engine
            .out
            .clone()
            .unwrap_or_else(|| default_out(&args.scenario));
        super::check_out(&out)?;
        let stop_rule = args
            .until_ci
            .as_deref()
            .map(|t| parse_until_ci(t, &scenario.ids))
            .transpose()?;
        if !(args.max_memory > 0.0 && args.max_memory.is_finite()) {
            return Err(UsageError("--max-memory must be a number of GiB above 0".into()).into());
        }
        if stop_rule.is_some() && args.shard.is_some() {
            // Each shard would stop on its own runs: the merge would no
            // longer be the single-machine run.
            return Err(UsageError("--until-ci cannot be combined with --shard".into()).into());
        }
        Ok(RunConfig {
            seed: args.engine.seed.unwrap_or(scenario.seed),
            scenario,
            levers,
            runs,
            threads,
            out,
            reference: args.baseline.clone(),
            write_runs: !args.no_runs,
            shard: args.shard.as_deref().map(parse_shard).transpose()?,
            stop_rule,
            quiet: args.engine.quiet,
            max_memory_gib: args.max_memory,
        })
    }
}

/// Parses `METRIC=HALF_WIDTH`.
fn parse_until_ci(text: &str, ids: &Pair<String>) -> Result<engine::StopRule, UsageError> {
    let (metric, width) = text.split_once('=').ok_or_else(|| {
        UsageError(format!(
            "--until-ci `{text}` is not METRIC=HALF_WIDTH (e.g. us_tariff_pct_end=0.5)"
        ))
    })?;
    let names: Vec<String> = METRICS.iter().map(|m| expand(m.template, ids)).collect();
    let Some(index) = names.iter().position(|n| n == metric.trim()) else {
        let valid: Vec<&str> = names.iter().map(String::as_str).collect();
        let hint = crate::scenario::suggest(metric.trim(), &valid).map_or_else(
            || format!("metrics: {}", valid.join(", ")),
            |s| format!("did you mean `{s}`?"),
        );
        return Err(UsageError(format!(
            "--until-ci: unknown metric `{}`; {hint}",
            metric.trim()
        )));
    };
    let half_width: f64 = width
        .trim()
        .parse()
        .ok()
        .filter(|w: &f64| w.is_finite() && *w > 0.0)
        .ok_or_else(|| {
            UsageError(format!(
                "--until-ci: half-width `{width}` must be a number above 0"
            ))
        })?;
    Ok(engine::StopRule {
        metric: index,
        half_width,
    })
}

/// Parses `I/N` with 1 <= I <= N.
fn parse_shard(text: &str) -> Result<(u64, u64), UsageError> {
    let bad = || {
        UsageError(format!(
            "--shard `{text}` is not I/N with 1 <= I <= N <= 100000 (e.g. 2/8)"
        ))
    };
    let (i, n) = text.split_once('/').ok_or_else(bad)?;
    let (i, n): (u64, u64) = (
        i.trim().parse().map_err(|_| bad())?,
        n.trim().parse().map_err(|_| bad())?,
    );
    if i == 0 || i > n || n > 100_000 {
        return Err(bad());
    }
    Ok((i, n))
}

/// `output/<scenario file stem>/`. A stem that names no folder of its own
/// (`...toml` has the stem `..`) becomes `scenario`, so the default never
/// points outside `output/`.
pub fn default_out(scenario: &Path) -> PathBuf {
    let stem = scenario
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .filter(|s| !matches!(s.as_str(), "" | "." | ".."))
        .unwrap_or_else(|| "scenario".into());
    Path::new("output").join(stem)
}

/// The files `bilateral run` writes besides the streamed runs.csv, in
/// registry order; those that do not apply (compare.csv with one lever) are
/// left out by the transaction.
fn run_files(args: &RunArgs) -> Vec<&'static OutputFile> {
    files(args.xlsx, args.report)
}

/// The files of `bilateral run` (besides runs.csv), with results.xlsx
/// (`--xlsx`) and report.html (`--report`) when asked for.
pub fn files(xlsx: bool, report: bool) -> Vec<&'static OutputFile> {
    let mut files = export::RUN_FILES.to_vec();
    if xlsx {
        files.push(&export::WORKBOOK);
    }
    if report {
        files.push(&export::REPORT);
    }
    files
}

/// Runs `bilateral run`.
pub fn execute(args: &RunArgs) -> Result<()> {
    let config = RunConfig::from_args(args)?;
    check_memory(&config)?;
    if let Some(shard) = config.shard {
        return run_shard(&config, shard);
    }
    let started = chrono::Utc::now();
    let clock = Instant::now();
    let mut folder = Transaction::folder(&config.out)?;
    let results = simulate(&config, &mut folder)?;
    let elapsed = clock.elapsed().as_secs_f64();
    let manifest = manifest(&config, &results, started, elapsed);
    export_run(
        &mut folder,
        &run_files(args),
        &config.scenario,
        &results,
        manifest,
    )?;
    folder.commit()?;
    let stop = stop_note(&config, &results);
    if !config.quiet {
        print_table(&config, &results, elapsed, &stop)?;
    }
    Ok(())
}

/// The manifest of a finished run of `config` that started at `started`
/// and took `elapsed` seconds (its `files` are set when it is written).
pub fn manifest(
    config: &RunConfig,
    results: &Results,
    started: chrono::DateTime<chrono::Utc>,
    elapsed: f64,
) -> Manifest {
    let s = &config.scenario;
    let mut manifest = Manifest::new(
        RunIdentity::of(s, config.seed, results.runs, &config.levers),
        config.threads,
        started,
        elapsed,
    );
    manifest.stop = stop_text(config, results);
    manifest
}

/// With `--until-ci`: why the run stopped, the target reached early or
/// all `--runs` run without reaching it (manifest.json's `stop`).
fn stop_text(config: &RunConfig, results: &Results) -> Option<String> {
    let rule = config.stop_rule?;
    let metric = expand(METRICS[rule.metric].template, &config.scenario.ids);
    Some(if results.stopped_early {
        format!(
            "stopped after {}: the 95% half-width of {metric}'s mean is at most {} for every lever",
            output::count(results.runs, "run"),
            rule.half_width
        )
    } else {
        format!(
            "ran all {} (--runs) before the 95% half-width of {metric}'s mean reached {} for every lever",
            output::count(results.runs, "run"),
            rule.half_width
        )
    })
}

/// Tells the terminal that `--until-ci` ran out of runs before its target
/// (on stderr, also with --quiet: the results are less precise than
/// asked), and returns the line of the results table that says why the
/// run stopped early ("" without `--until-ci` or when it did not).
fn stop_note(config: &RunConfig, results: &Results) -> String {
    match stop_text(config, results) {
        Some(text) if results.stopped_early => format!("{text}\n"),
        Some(text) => {
            eprintln!("note: {text}; raise --runs (or the half-width) to reach it");
            String::new()
        }
        None => String::new(),
    }
}

/// Refuses, before any file is touched, a run estimated to hold more memory
/// than `--max-memory`.
fn check_memory(config: &RunConfig) -> Result<()> {
    let s = &config.scenario;
    let mut plan =
        Plan::new(s, &config.levers, config.runs, config.seed).map_err(anyhow::Error::msg)?;
    if let Some((i, n)) = config.shard {
        plan.range = engine::shard_range(config.runs, i, n);
    }
    super::check_memory(&plan, config.threads, config.max_memory_gib)?;
    Ok(())
}

/// Serializes and stages the registry files `files` of a run (runs.csv,
/// when written, must be staged already); the caller commits `folder`.
pub fn export_run(
    folder: &mut Transaction,
    files: &[&'static OutputFile],
    scenario: &Scenario,
    results: &Results,
    manifest: Manifest,
) -> Result<(), output::OutputError> {
    folder.export(files, Some(run_tables(scenario, results)), manifest)
}

/// What the exporters of a run's tables read.
pub fn run_tables<'a>(scenario: &'a Scenario, results: &'a Results) -> RunTables<'a> {
    RunTables {
        scenario: &scenario.name,
        ids: &scenario.ids,
        calendar: &scenario.calendar,
        results,
    }
}

/// The engine's plan for `config`.
pub fn plan(config: &RunConfig) -> Result<Plan> {
    let s = &config.scenario;
    let mut plan =
        Plan::new(s, &config.levers, config.runs, config.seed).map_err(anyhow::Error::msg)?;
    if let Some((i, n)) = config.shard {
        plan.range = engine::shard_range(config.runs, i, n);
    }
    plan.stop_rule = config.stop_rule;
    plan.reference = config
        .levers
        .iter()
        .position(|l| *l == config.reference)
        .unwrap_or(0);
    Ok(plan)
}

/// Runs the configuration, streaming runs.csv (or a shard's runs file)
/// into `folder` unless switched off.
fn simulate(config: &RunConfig, folder: &mut Transaction) -> Result<Results> {
    let plan = plan(config)?;
    let runs_name = match config.shard {
        Some((i, n)) => output::partial::runs_file_name(i, n),
        None => export::RUNS.name.to_string(),
    };
    let runs_path = folder.dir().join(&runs_name);
    let file = if config.write_runs {
        Some(folder.stream(&runs_name)?)
    } else {
        None
    };
    let first = plan.range.start;
    // The bar counts one lever's run as a run, as the final line's runs/s
    // does, so the two rates agree.
    let levers = config.levers.len() as u64;
    let bar = super::progress(config.quiet, (plan.range.end - first) * levers);
    let (results, file) = simulate_into(config, &plan, file, &runs_path, |done| {
        bar.set_position((done - first) * levers);
    })?;
    bar.finish_and_clear();
    if let Some(file) = file {
        folder.add_streamed(file, config.shard.is_none())?;
    }
    Ok(results)
}

/// Runs `plan` (of `config`), writing runs.csv to `runs` when given (a
/// file of an output folder, or memory); `runs_path` names it in errors.
/// `on_progress` sees the index after the last run done. Returns the
/// statistics and the flushed writer.
pub fn simulate_into<W: std::io::Write + Send>(
    config: &RunConfig,
    plan: &Plan,
    runs: Option<W>,
    runs_path: &Path,
    on_progress: impl FnMut(u64),
) -> Result<(Results, Option<W>)> {
    let s = &config.scenario;
    let mut runs_writer = match runs {
        Some(w) => {
            let reported: Vec<String> = plan.reported.iter().map(|&i| s.path_of(i)).collect();
            Some(RunsWriter::new(
                w,
                &s.ids,
                config.levers.clone(),
                &reported,
                &plan.rule_names,
            )?)
        }
        None => None,
    };
    let results = engine::run(
        plan,
        config.threads,
        |record| match runs_writer.as_mut() {
            Some(w) => w.write(record).map_err(|e| {
                // Name the file the user knows, not the temp file behind it.
                let cause = e.raw_os_error().map_or_else(
                    || e.to_string(),
                    |c| std::io::Error::from_raw_os_error(c).to_string(),
                );
                std::io::Error::new(e.kind(), format!("{}: {cause}", runs_path.display()))
            }),
            None => Ok(()),
        },
        on_progress,
    )?;
    let runs = runs_writer
        .map(|w| {
            w.finish()
                .map_err(|e| output::OutputError::at(runs_path, e))
        })
        .transpose()?;
    Ok((results, runs))
}

/// Runs one shard and writes its partial result and runs file, together.
fn run_shard(config: &RunConfig, (shard, shards): (u64, u64)) -> Result<()> {
    let mut folder = Transaction::files(&config.out)?;
    let results = simulate(config, &mut folder)?;
    let s = &config.scenario;
    let range = engine::shard_range(config.runs, shard, shards);
    let partial = output::partial::Partial {
        format: output::partial::FORMAT.into(),
        version: output::partial::VERSION,
        bilateral_version: env!("CARGO_PKG_VERSION").into(),
        scenario: s.name.clone(),
        scenario_path: s.path.display().to_string(),
        scenario_sha256: s.sha256.clone(),
        ids: s.ids.clone(),
        start_date: s.start().format("%Y-%m-%d").to_string(),
        horizon_months: s.horizon_months,
        seed: config.seed,
        runs: config.runs,
        shard,
        shards,
        first_run: range.start,
        end_run: range.end,
        levers: config.levers.clone(),
        reference: config.reference.clone(),
        runs_file: config
            .write_runs
            .then(|| output::partial::runs_file_name(shard, shards)),
        results,
    };
    let name = output::partial::file_name(shard, shards);
    let path = folder.dir().join(&name);
    let mut bytes = serde_json::to_vec(&partial)?;
    bytes.push(b'\n');
    folder.add_bytes(&name, bytes)?;
    folder.commit()?;
    if !config.quiet {
        super::emit(&format!(
            "shard {shard}/{shards}: runs {}..{} -> {}\n",
            range.start,
            range.end,
            path.display()
        ))?;
    }
    Ok(())
}

/// Headline metrics shown after a run.
const HEADLINE: [&str; 6] = [
    "{a}_tariff_pct_end",
    "extraditions_total",
    "agreement_signed",
    "{b}_retaliated",
    "{b}_approval_pct_end",
    "trade_loss_usd_bn",
];

/// Prints the results table; `stop` is [`stop_note`]'s line.
fn print_table(
    config: &RunConfig,
    results: &Results,
    elapsed: f64,
    stop: &str,
) -> std::io::Result<()> {
    let runs_total = results.runs * config.levers.len() as u64;
    let text = format!(
        "{} x {} in {:.1} s ({:.0} runs/s) -> {}\n{stop}{}",
        output::count(results.runs, "run"),
        output::count(config.levers.len(), "lever"),
        elapsed,
        runs_total as f64 / elapsed.max(1e-9),
        config.out.display(),
        headline_table(config, results)
    );
    super::emit(&text)
}

/// The table `bilateral run` prints below its first line (which gives the
/// runs, the time and the folder): the mean and 5th and 95th percentiles of
/// the headline metrics per lever, as the README's quick start shows it.
pub fn headline_table(config: &RunConfig, results: &Results) -> String {
    use std::fmt::Write as _;
    let ids = &config.scenario.ids;
    let mut text = String::from("mean [p05, p95] per lever:\n");
    let width = config
        .levers
        .iter()
        .map(String::len)
        .max()
        .unwrap_or(8)
        .max(8);
    let _ = write!(text, "{:width$}", "lever");
    for t in HEADLINE {
        let _ = write!(text, "  {:>22}", expand(t, ids));
    }
    text.push('\n');
    for lever in &results.levers {
        let _ = write!(text, "{:width$}", lever.name);
        for t in HEADLINE {
            let k = METRICS.iter().position(|m| m.template == t).unwrap_or(0);
            let s = &lever.metrics[k];
            let cell = format!(
                "{} [{}, {}]",
                fmt_num(s.mean().map(|x| (x * 100.0).round() / 100.0)),
                fmt_num(s.quantile(0.05)),
                fmt_num(s.quantile(0.95))
            );
            let _ = write!(text, "  {cell:>22}");
        }
        text.push('\n');
    }
    text
}
