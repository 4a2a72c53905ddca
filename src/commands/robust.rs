//! `bilateral robust`: which lever holds up across the sampled futures.
//!
//! Runs the levers exactly as `bilateral run` does (same plan, seed and run
//! indices, so run `i` here is run `i` of runs.csv) and feeds each run's
//! levers together to `analysis::regret`; nothing per run is kept.

use crate::model::Pair;
use std::path::Path;

use anyhow::Result;

use super::{UsageError, check_lever};
use crate::analysis::condition::{MetricCondition, describe_error};
use crate::analysis::regret::{Objective, QUANTILES, RobustReport, Robustness, Sense};
use crate::cli::{EngineArgs, RobustArgs};
use crate::engine::{self, Plan};
use crate::model::outcome::{METRICS, expand};
use crate::output;
use crate::output::export::{self, OutputFile};
use crate::output::fmt_num;
use crate::output::folder::{Transaction, sha256_hex};
use crate::output::manifest::{AnalysisInfo, Manifest, RunIdentity};
use crate::scenario::{Scenario, suggest};

/// The outcome metric names of a scenario, in `METRICS` order.
pub fn metric_names(ids: &Pair<String>) -> Vec<String> {
    METRICS.iter().map(|m| expand(m.template, ids)).collect()
}

/// The index of metric `name`, or an error for `option` with the closest
/// metric (or the list).
pub fn find_metric(name: &str, names: &[String], option: &str) -> Result<usize, UsageError> {
    names.iter().position(|n| n == name).ok_or_else(|| {
        let valid: Vec<&str> = names.iter().map(String::as_str).collect();
        let hint = suggest(name, &valid).map_or_else(
            || format!("metrics: {}", valid.join(", ")),
            |s| format!("did you mean `{s}`?"),
        );
        UsageError(format!("{option}: unknown metric `{name}`; {hint}"))
    })
}

/// The levers to run, as `bilateral run` picks them: scenario order, the
/// baseline always, the others only if listed (all when none is).
pub fn select_levers(scenario: &Scenario, wanted: &[String]) -> Result<Vec<String>, UsageError> {
    for name in wanted {
        check_lever(scenario, name)?;
    }
    Ok(scenario
        .levers
        .iter()
        .filter(|l| wanted.is_empty() || l.name == "baseline" || wanted.contains(&l.name))
        .map(|l| l.name.clone())
        .collect())
}

/// The settings `robust`, `discover` and `sensitivity` share.
#[derive(Debug, Clone)]
pub struct Common {
    /// Runs per lever (or base samples).
    pub runs: u64,
    /// Master seed.
    pub seed: u64,
    /// Worker threads.
    pub threads: usize,
    /// Output folder (created by the command's transaction).
    pub out: std::path::PathBuf,
}

impl Common {
    /// `--runs` (or `runs` when given: a command's own count), `--seed`,
    /// `--threads` and `--out` with the scenario's defaults; the output
    /// folder defaults to `output/<scenario file stem>/<subfolder>/`, a
    /// folder of the command's own beside `run`'s outputs.
    pub fn new(
        scenario: &Scenario,
        path: &Path,
        engine: &EngineArgs,
        runs: Option<u64>,
        subfolder: &str,
    ) -> Result<Common> {
        let runs = runs.or(engine.runs).unwrap_or(scenario.runs);
        if runs == 0 {
            return Err(UsageError("--runs must be at least 1".into()).into());
        }
        let threads = super::threads(engine.threads)?;
        let out = engine
            .out
            .clone()
            .unwrap_or_else(|| super::run::default_out(path).join(subfolder));
        super::check_out(&out)?;
        Ok(Common {
            runs,
            seed: engine.seed.unwrap_or(scenario.seed),
            threads,
            out,
        })
    }
}

/// What `robust`, `discover` or `sensitivity` computed, in memory: the
/// bytes of its table and its manifest. [`Analysis::write`] writes them as
/// the command does; the Python module hands them to Python.
#[derive(Debug, Clone)]
pub struct Analysis {
    /// The table (robust.csv, discovery.csv or sensitivity.csv).
    pub file: &'static OutputFile,
    /// Its bytes.
    pub table: Vec<u8>,
    /// The manifest (`files` and `sha256` are set when it is written).
    pub manifest: Manifest,
}

impl Analysis {
    /// Writes the table and manifest.json into `out` (see [`write_folder`]).
    pub fn write(&self, out: &Path) -> Result<()> {
        write_folder(out, self.file, self.table.clone(), self.manifest.clone())
    }

    /// The manifest as [`Analysis::write`] writes it: `files` and the
    /// table's SHA-256 set.
    pub fn written_manifest(&self) -> Manifest {
        let mut manifest = self.manifest.clone();
        manifest.files = export::written(&[self.file, &export::MANIFEST], None, |name| {
            name == self.file.name
        })
        .iter()
        .map(|f| f.name.to_string())
        .collect();
        manifest.sha256 = [(self.file.name.to_string(), sha256_hex(&self.table))].into();
        manifest
    }
}

/// Writes an analysis table `file` (its bytes `table`) and manifest.json
/// into `out` as one transaction: the folder then holds these two files of
/// bilateral's (and any report or workbook made from them later), nothing
/// of an earlier command.
pub fn write_folder(
    out: &Path,
    file: &'static OutputFile,
    table: Vec<u8>,
    manifest: Manifest,
) -> Result<()> {
    let mut folder = Transaction::folder(out)?;
    folder.add_bytes(file.name, table)?;
    folder.export(&[&export::MANIFEST], None, manifest)?;
    folder.commit()?;
    Ok(())
}

/// Parses `METRIC=min|max` for `option` (`--objective` or a table key).
fn parse_objective(
    metric: &str,
    sense: &str,
    names: &[String],
    option: &str,
) -> Result<(Objective, String), UsageError> {
    let metric = metric.trim();
    let k = find_metric(metric, names, option)?;
    let sense = match sense.trim() {
        "min" => Sense::Min,
        "max" => Sense::Max,
        other => {
            let hint = suggest(other, &["min", "max"])
                .map_or_else(String::new, |s| format!("; did you mean `{s}`?"));
            return Err(UsageError(format!(
                "{option}: direction `{other}` of `{metric}` must be `min` or `max`{hint}"
            )));
        }
    };
    let label = format!(
        "{metric}={}",
        if sense == Sense::Min { "min" } else { "max" }
    );
    Ok((
        Objective {
            metric: k,
            sense,
            resolution: METRICS[k].resolution,
            upper: METRICS[k].upper,
        },
        label,
    ))
}

/// What `[robust]` in the scenario file says.
#[derive(Debug, Default)]
struct Table {
    objectives: Vec<(String, String)>,
    require: Vec<String>,
}

/// Reads `[robust]` (`objectives = { METRIC = "min" | "max", … }`,
/// `require = "CONDITION"` or a list of them) from `source`, the text of
/// the scenario file `path` as loaded.
fn read_table(path: &Path, source: &[u8]) -> Result<Table, UsageError> {
    let bad = |m: String| UsageError(format!("scenario {}: {m}", path.display()));
    let text = std::str::from_utf8(source).map_err(|e| bad(format!("cannot read: {e}")))?;
    let root: toml::Table = toml::from_str(text).map_err(|e| bad(e.to_string()))?;
    let Some(robust) = root.get("robust") else {
        return Ok(Table::default());
    };
    let robust = robust
        .as_table()
        .ok_or_else(|| bad("`robust` must be a table".into()))?;
    let mut table = Table::default();
    for (key, value) in robust {
        match key.as_str() {
            "objectives" => {
                let t = value.as_table().ok_or_else(|| {
                    bad("robust.objectives must be a table of METRIC = \"min\" | \"max\"".into())
                })?;
                for (metric, sense) in t {
                    let sense = sense.as_str().ok_or_else(|| {
                        bad(format!(
                            "robust.objectives.{metric} must be \"min\" or \"max\""
                        ))
                    })?;
                    table.objectives.push((metric.clone(), sense.to_string()));
                }
            }
            "require" => match value {
                toml::Value::String(s) => table.require.push(s.clone()),
                toml::Value::Array(items) => {
                    for item in items {
                        let s = item.as_str().ok_or_else(|| {
                            bad("robust.require must be a condition or a list of them".into())
                        })?;
                        table.require.push(s.to_string());
                    }
                }
                _ => {
                    return Err(bad(
                        "robust.require must be a condition or a list of them".into()
                    ));
                }
            },
            other => {
                let hint = suggest(other, &["objectives", "require"]).map_or_else(
                    || "keys: objectives, require".to_string(),
                    |s| format!("did you mean `{s}`?"),
                );
                return Err(bad(format!("unknown key `robust.{other}`; {hint}")));
            }
        }
    }
    Ok(table)
}

/// Parses the requirements (all must hold) for `option`.
fn parse_require(
    texts: &[String],
    names: &[String],
    option: &str,
) -> Result<Option<(MetricCondition, String)>, UsageError> {
    let mut out: Option<MetricCondition> = None;
    for text in texts {
        let c = MetricCondition::parse(text, names)
            .map_err(|e| UsageError(format!("{option} `{text}`: {}", describe_error(&e))))?;
        out = Some(match out {
            None => c,
            Some(prev) => prev.and(c),
        });
    }
    let joined = match texts {
        [one] => one.trim().to_string(),
        _ => texts
            .iter()
            .map(|t| format!("({})", t.trim()))
            .collect::<Vec<_>>()
            .join(" and "),
    };
    Ok(out.map(|c| (c, joined)))
}

/// The validated settings of `bilateral robust`.
#[derive(Debug, Clone)]
pub struct RobustConfig {
    /// The scenario.
    pub scenario: Scenario,
    /// Levers compared, in scenario order.
    pub levers: Vec<String>,
    /// The objectives.
    pub objectives: Vec<Objective>,
    /// Each objective as `METRIC=min|max` (robust.csv's criterion).
    pub labels: Vec<String>,
    /// The satisficing requirement, if any, and its text.
    pub require: Option<(MetricCondition, String)>,
    /// Runs, seed, threads, output folder.
    pub common: Common,
    /// No progress bar and no table.
    pub quiet: bool,
}

impl RobustConfig {
    /// Loads the scenario of `args` and checks the options.
    pub fn from_args(args: &RobustArgs) -> Result<RobustConfig> {
        let (scenario, source) = Scenario::load_with_source(&args.scenario)?;
        Self::for_scenario(scenario, &source, args)
    }

    /// The settings for `scenario`, already loaded from the text `source`
    /// (its `[robust]` table is read from there), with the options `args`
    /// (its `scenario` path is only used for the default output folder):
    /// the checks and messages of `bilateral robust`.
    pub fn for_scenario(
        scenario: Scenario,
        source: &[u8],
        args: &RobustArgs,
    ) -> Result<RobustConfig> {
        let levers = select_levers(&scenario, &args.levers.levers)?;
        let names = metric_names(&scenario.ids);
        let table = read_table(&scenario.path, source)?;

        let mut objectives = Vec::new();
        let mut labels: Vec<String> = Vec::new();
        if args.objectives.is_empty() {
            for (metric, sense) in &table.objectives {
                let (o, label) = parse_objective(
                    metric,
                    sense,
                    &names,
                    &format!("robust.objectives.{metric}"),
                )?;
                objectives.push(o);
                labels.push(label);
            }
        } else {
            for text in &args.objectives {
                let (metric, sense) = text.split_once('=').ok_or_else(|| {
                    UsageError(format!(
                        "--objective `{text}` is not METRIC=min|max (e.g. trade_loss_usd_bn=min)"
                    ))
                })?;
                let (o, label) = parse_objective(metric, sense, &names, "--objective")?;
                objectives.push(o);
                labels.push(label);
            }
        }
        for (i, o) in objectives.iter().enumerate() {
            if objectives[..i].iter().any(|p| p.metric == o.metric) {
                return Err(
                    UsageError(format!("objective `{}` is given twice", names[o.metric])).into(),
                );
            }
        }
        let require = if args.require.is_empty() {
            parse_require(&table.require, &names, "robust.require")?
        } else {
            parse_require(&args.require, &names, "--require")?
        };
        if objectives.is_empty() && require.is_none() {
            return Err(UsageError(
                "nothing to judge the levers by: give --objective METRIC=min|max and/or --require \"CONDITION\" (or a [robust] table in the scenario)".into(),
            )
            .into());
        }
        let common = Common::new(&scenario, &args.scenario, &args.engine, None, "robust")?;
        Ok(RobustConfig {
            scenario,
            levers,
            objectives,
            labels,
            require,
            common,
            quiet: args.engine.quiet,
        })
    }
}

/// What `bilateral robust` computed.
#[derive(Debug, Clone)]
pub struct RobustOutcome {
    /// The statistics.
    pub report: RobustReport,
    /// robust.csv and the manifest.
    pub analysis: Analysis,
    /// Seconds the runs took.
    pub elapsed: f64,
}

/// Runs the levers of `config` and ranks them; nothing is written.
pub fn compute(config: &RobustConfig) -> Result<RobustOutcome> {
    let RobustConfig {
        scenario,
        levers,
        objectives,
        labels,
        require,
        common,
        quiet,
    } = config;
    let &Common {
        runs,
        seed,
        threads,
        ..
    } = common;
    let plan = Plan::new(scenario, levers, runs, seed).map_err(anyhow::Error::msg)?;
    super::check_memory(&plan, threads, super::DEFAULT_MAX_MEMORY_GIB)?;
    let n_levers = levers.len();
    let (condition, require_text) = match require {
        Some((c, t)) => (Some(c.clone()), Some(t.as_str())),
        None => (None, None),
    };
    let mut robustness = Robustness::new(objectives.clone(), n_levers, condition);
    let mut pending: Vec<Vec<f64>> = Vec::with_capacity(n_levers);
    let bar = super::progress(*quiet, runs);
    let started = chrono::Utc::now();
    let clock = std::time::Instant::now();
    // Records come in run order, every lever of run i together: one run
    // is held at a time.
    engine::run(
        &plan,
        threads,
        |record| {
            pending.push(record.metrics.clone());
            if pending.len() == n_levers {
                let rows: Vec<&[f64]> = pending.iter().map(Vec::as_slice).collect();
                robustness.add_run(&rows);
                pending.clear();
            }
            Ok(())
        },
        |done| bar.set_position(done),
    )?;
    bar.finish_and_clear();
    let elapsed = clock.elapsed().as_secs_f64();
    let report = robustness.report();
    let path = common.out.join(export::ROBUST.name);
    let mut table = Vec::new();
    output::robust::write(&mut table, &report, levers, labels, require_text)
        .map_err(|e| output::OutputError::at(&path, e))?;
    let mut manifest = Manifest::new(
        RunIdentity::of(scenario, seed, report.runs, levers),
        threads,
        started,
        elapsed,
    );
    let mut settings: Vec<String> = labels.iter().map(|l| format!("objective = {l}")).collect();
    settings.extend(require_text.iter().map(|r| format!("require = {r}")));
    manifest.analysis = Some(AnalysisInfo {
        command: "robust".into(),
        settings,
    });
    Ok(RobustOutcome {
        report,
        analysis: Analysis {
            file: &export::ROBUST,
            table,
            manifest,
        },
        elapsed,
    })
}

/// Runs `bilateral robust`.
pub fn execute(args: &RobustArgs) -> Result<()> {
    let config = RobustConfig::from_args(args)?;
    let outcome = compute(&config)?;
    outcome.analysis.write(&config.common.out)?;
    if !config.quiet {
        print_table(
            &outcome.report,
            &config.levers,
            &config.labels,
            config.require.as_ref().map(|(_, t)| t.as_str()),
            outcome.elapsed,
            &config.common.out.join(export::ROBUST.name),
        )?;
    }
    Ok(())
}

fn print_table(
    report: &RobustReport,
    levers: &[String],
    labels: &[String],
    require: Option<&str>,
    elapsed: f64,
    path: &Path,
) -> std::io::Result<()> {
    use std::fmt::Write as _;
    let round = |x: Option<f64>| fmt_num(x.map(|x| (x * 1000.0).round() / 1000.0));
    let width = levers.iter().map(String::len).max().unwrap_or(5).max(5);
    let mut text = format!(
        "{} x {} in {:.1} s -> {}\n",
        output::count(report.runs, "run"),
        output::count(levers.len(), "lever"),
        elapsed,
        path.display()
    );
    let median = QUANTILES.iter().position(|&q| q == 0.5);
    for (o, label) in labels.iter().enumerate() {
        let _ = writeln!(
            text,
            "\n{label}\n{:width$}  {:>10}  {:>10}  {:>11}  {:>10}  {:>10}  {:>7}  {:>4}",
            "lever", "mean", "median", "regret_mean", "regret_p90", "regret_max", "p_best", "rank"
        );
        for (l, lever) in levers.iter().enumerate() {
            let s = &report.objectives[o][l];
            let _ = writeln!(
                text,
                "{lever:width$}  {:>10}  {:>10}  {:>11}  {:>10}  {:>10}  {:>7}  {:>4}",
                round(s.values.mean()),
                round(median.and_then(|_| s.values.quantile(0.5))),
                round(s.regret.mean()),
                round(s.regret.quantile(0.9)),
                round(s.regret.max()),
                round(s.p_best),
                s.rank_minimax_regret
            );
        }
    }
    if let (Some(rows), Some(require)) = (&report.satisficing, require) {
        let _ = writeln!(
            text,
            "\nsatisficing: {require}\n{:width$}  {:>7}  {:>17}  {:>4}",
            "lever", "share", "95% interval", "rank"
        );
        for (lever, s) in levers.iter().zip(rows) {
            let ci = s.ci.map_or_else(String::new, |(a, b)| {
                format!("[{}, {}]", round(Some(a)), round(Some(b)))
            });
            let _ = writeln!(
                text,
                "{lever:width$}  {:>7}  {ci:>17}  {:>4}",
                round(s.share),
                s.rank
            );
        }
    }
    super::emit(&text)
}
