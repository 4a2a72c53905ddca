//! Command-line options (clap derive). Turned into validated settings by the
//! subcommand modules in `commands/`.
//!
//! The options' doc comments are their `--help` text, written for a
//! terminal: `[sweep]` is a TOML table and `<stem>` a placeholder there,
//! not a rustdoc link or an HTML tag.
#![allow(rustdoc::broken_intra_doc_links, rustdoc::invalid_html_tags)]

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Monte Carlo policy scenarios for two governments.
#[derive(Debug, Parser)]
#[command(
    name = "bilateral",
    version,
    about = "Simulate thousands of futures of a two-government relationship and compare policy levers",
    after_help = "Example:\n  bilateral run scenarios/us_mexico_2025-09.toml\n  bilateral validate scenarios/*.toml\n  bilateral trace scenarios/us_mexico_2025-02.toml --run 0"
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run every lever of a scenario and write CSV outputs.
    #[command(
        after_help = "Example:\n  bilateral run scenarios/us_mexico_2025-09.toml \\\n      --runs 5000 --seed 7 --out results/\n  bilateral run scenarios/us_mexico_2025-09.toml --lever mx_retaliates"
    )]
    Run(RunArgs),
    /// Parse and check scenario files; report every problem, change nothing.
    #[command(
        after_help = "Example:\n  bilateral validate scenarios/us_mexico_2025-02.toml \\\n      scenarios/us_mexico_2025-09.toml\n  bilateral validate scenarios/*.toml"
    )]
    Validate(ValidateArgs),
    /// Run levers over a grid (or Latin hypercube) of parameter values.
    #[command(
        after_help = "Example:\n  bilateral sweep scenarios/us_mexico_2025-09.toml \\\n      --param us.demand_ratchet=0.05:0.5:10 --runs 1000\n  bilateral sweep scenarios/us_mexico_2025-09.toml \\\n      --param us.hawkishness=1:5:5 --param mx.retaliation_bias=-2:4:4 \\\n      --lever mx_retaliates\n  bilateral sweep scenarios/us_mexico_2025-09.toml \\\n      --param us.hawkishness=1:5:2 --param mx.responsiveness=5:12:2 \\\n      --samples 20"
    )]
    Sweep(SweepArgs),
    /// Score simulated distributions against observed data (coverage, PIT, CRPS).
    #[command(
        after_help = "Example:\n  bilateral score scenarios/us_mexico_2025-02.toml \\\n      --observed data/observed_us_mexico_2025.csv\n  bilateral run scenarios/us_mexico_2025-02.toml\n  bilateral score output/us_mexico_2025-02 \\\n      --observed data/observed_us_mexico_2025.csv"
    )]
    Score(ScoreArgs),
    /// Write report.html (and with --xlsx results.xlsx) for an output folder.
    #[command(after_help = "Example:\n  bilateral report output/us_mexico_2025-09 --xlsx")]
    Report(ReportArgs),
    /// Search parameters to minimise the mean CRPS against observed data.
    #[command(
        after_help = "Example:\n  bilateral calibrate scenarios/us_mexico_2025-02.toml \\\n      --observed data/observed_us_mexico_2025.csv \\\n      --param us.impose_weight=1:5 --param mx.transfer_cost=2:8 \\\n      --require R1=0.8 --budget 40"
    )]
    Calibrate(CalibrateArgs),
    /// Combine the partial results of sharded runs into the final outputs.
    #[command(
        after_help = "Example:\n  bilateral run scenarios/us_mexico_2025-09.toml --shard 1/2 --out parts/\n  bilateral run scenarios/us_mexico_2025-09.toml --shard 2/2 --out parts/\n  bilateral merge parts/partial-*-of-2.json --out results/"
    )]
    Merge(MergeArgs),
    /// Measure end-to-end speed against a floor probe (runs/s, ns per agent-week).
    #[command(
        after_help = "Example:\n  bilateral bench scenarios/us_mexico_2025-09.toml --runs 5000"
    )]
    Bench(BenchArgs),
    /// Print the week-by-week story of one run as CSV on stdout.
    #[command(
        after_help = format!(
            "Example:\n  bilateral trace scenarios/us_mexico_2025-02.toml --run 3 > run3.csv\n\n{}",
            crate::commands::trace::columns_help()
        )
    )]
    Trace(TraceArgs),
    /// Rank levers by regret, best-lever share and satisficing over the same futures.
    #[command(
        after_help = "Example:\n  bilateral robust scenarios/us_mexico_2025-09.toml \\\n      --objective trade_loss_usd_bn=min --objective mx_approval_pct_end=max\n  bilateral robust scenarios/us_mexico_2025-09.toml \\\n      --objective trade_loss_usd_bn=min \\\n      --require \"trade_loss_usd_bn < 30 and mx_retaliated == 0\""
    )]
    Robust(RobustArgs),
    /// Find the futures (boxes of uncertain parameters) in which a condition holds, by PRIM.
    #[command(
        after_help = "Example:\n  bilateral discover scenarios/us_mexico_2025-09.toml --lever mx_retaliates \\\n      --when \"trade_loss_usd_bn > 100\"\n  bilateral discover scenarios/us_mexico_2025-09.toml --lever baseline \\\n      --when \"mx_retaliated == 1\" --peel-alpha 0.1"
    )]
    Discover(DiscoverArgs),
    /// Which uncertain parameters drive each outcome: Sobol indices or Morris effects.
    #[command(
        after_help = "Example:\n  bilateral sensitivity scenarios/us_mexico_2025-09.toml --lever baseline \\\n      --samples 2048\n  bilateral sensitivity scenarios/us_mexico_2025-09.toml --method morris \\\n      --samples 100"
    )]
    Sensitivity(SensitivityArgs),
    /// Check an output folder against the SHA-256 of each file in its manifest.json.
    #[command(
        after_help = "Example:\n  bilateral verify output/us_mexico_2025-09\n\nExit code 0 when every file of the run matches, 1 when one differs or is missing."
    )]
    Verify(VerifyArgs),
}

/// The options of every command that simulates a scenario (`run`,
/// `robust`, `discover`, `sensitivity`), defined once so they read alike.
#[derive(Debug, Args)]
pub struct EngineArgs {
    /// Runs per lever (default: the scenario's `run.runs`; for
    /// `sensitivity` the same as --samples).
    #[arg(long)]
    pub runs: Option<u64>,
    /// Master seed (default: the scenario's `run.seed`).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Simulation threads (default: all cores; at most 256, and one per 64 runs); the calling thread merges alongside. Results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Output folder (default: output/<scenario file stem>/ for `run`, its
    /// subfolder robust/, discover/ or sensitivity/ for those commands).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// No progress bar and no results table.
    #[arg(long, short)]
    pub quiet: bool,
}

/// `--lever` of the commands that take several levers (`run`, `robust`,
/// `sensitivity`).
#[derive(Debug, Args)]
pub struct LeverArgs {
    /// Only this lever (repeatable) besides the baseline, which is always
    /// included (default: every lever).
    #[arg(long = "lever", value_name = "NAME")]
    pub levers: Vec<String>,
}

/// Options of `bilateral run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Scenario file (TOML).
    pub scenario: PathBuf,
    /// Runs, seed, threads, output folder.
    #[command(flatten)]
    pub engine: EngineArgs,
    /// The levers.
    #[command(flatten)]
    pub levers: LeverArgs,
    /// Lever the others are compared with in compare.csv and decision.csv.
    #[arg(long, value_name = "NAME", default_value = "baseline")]
    pub baseline: String,
    /// Do not write runs.csv (one row per run).
    #[arg(long)]
    pub no_runs: bool,
    /// Add runs (up to --runs) until the 95% confidence half-width of this
    /// metric's mean is at most HALF_WIDTH for every lever.
    #[arg(long, value_name = "METRIC=HALF_WIDTH")]
    pub until_ci: Option<String>,
    /// Run only shard I of N (a fixed block of run indices) and write a
    /// partial result for `bilateral merge` instead of the final CSVs.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    /// Also write results.xlsx (sheets Summary, Compare, Decision,
    /// Timeseries, Manifest).
    #[arg(long)]
    pub xlsx: bool,
    /// Also write report.html (fan charts, lever comparison, event
    /// probabilities; one self-contained file).
    #[arg(long)]
    pub report: bool,
    /// Refuse to start a run estimated to hold more than this many GiB of
    /// memory (statistics and runs in flight).
    #[arg(long, value_name = "GIB", default_value_t = crate::commands::DEFAULT_MAX_MEMORY_GIB)]
    pub max_memory: f64,
}

/// Options of `bilateral report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Output folder of `bilateral run`.
    pub dir: PathBuf,
    /// Also write results.xlsx.
    #[arg(long)]
    pub xlsx: bool,
}

/// Options of `bilateral verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Output folder holding a manifest.json.
    pub dir: PathBuf,
}

/// Options of `bilateral sweep`.
#[derive(Debug, Args)]
pub struct SweepArgs {
    /// Scenario file (TOML).
    pub scenario: PathBuf,
    /// A swept parameter, PATH=LOW:HIGH:STEPS (repeatable); replaces the
    /// scenario's [sweep] ranges.
    #[arg(long = "param", value_name = "PATH=LOW:HIGH:STEPS")]
    pub params: Vec<String>,
    /// Sample N points by Latin hypercube over the ranges instead of the full grid.
    #[arg(long, value_name = "N")]
    pub samples: Option<u32>,
    /// Also run this lever at every point (repeatable); the baseline is always run.
    #[arg(long = "lever", value_name = "NAME")]
    pub levers: Vec<String>,
    /// Runs per lever and point (default: the scenario's `run.runs`).
    #[arg(long)]
    pub runs: Option<u64>,
    /// Master seed (default: the scenario's `run.seed`).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Simulation threads (default: all cores; at most 256, and one per 64 runs); the calling thread merges alongside. Results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Output folder for sweep.csv and manifest.json (default:
    /// output/<scenario file stem>/sweep/, apart from `run`'s outputs).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// No progress bar and no closing line.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Options of `bilateral score`.
#[derive(Debug, Args)]
pub struct ScoreArgs {
    /// An output folder of `bilateral run` (scored from timeseries.csv's
    /// quantiles, approximately) or a scenario file (run first, scored
    /// exactly from the full distributions).
    pub target: PathBuf,
    /// Observations: CSV with date,variable,value,source.
    #[arg(long)]
    pub observed: PathBuf,
    /// Lever to score.
    #[arg(long, default_value = "baseline")]
    pub lever: String,
    /// Runs (scenario only; default: the scenario's `run.runs`).
    #[arg(long)]
    pub runs: Option<u64>,
    /// Master seed (scenario only).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Worker threads (scenario only).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Where score.csv goes (scenario only; default output/<scenario file stem>/).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// Options of `bilateral calibrate`.
#[derive(Debug, Args)]
pub struct CalibrateArgs {
    /// Scenario file(s) (TOML). Several scenarios are calibrated jointly:
    /// the summed objective over all of them is minimised.
    #[arg(required = true, num_args = 1..)]
    pub scenario: Vec<PathBuf>,
    /// Observations: CSV with date,variable,value,source; one per scenario,
    /// in the scenarios' order (repeatable).
    #[arg(long, required = true)]
    pub observed: Vec<PathBuf>,
    /// A parameter to search, PATH=LOW:HIGH (repeatable). A bare PATH is
    /// shared: one value set in every scenario (it must exist in all);
    /// STEM:PATH=LOW:HIGH searches it in the scenario whose file stem is STEM
    /// only.
    #[arg(long = "param", value_name = "[STEM:]PATH=LOW:HIGH", required = true)]
    pub params: Vec<String>,
    /// Evaluations of the objective (half screen, half Nelder-Mead).
    #[arg(long, default_value_t = 40)]
    pub budget: u32,
    /// Keep a regularity of the record (R1..R11, see docs/MODEL.md) in at
    /// least this share of runs, [STEM:]ID=SHARE (repeatable; without STEM,
    /// in the first scenario); shortfalls are penalised in the objective.
    #[arg(long = "require", value_name = "ID=SHARE")]
    pub require: Vec<String>,
    /// Runs per evaluation (the same runs every time).
    #[arg(long, default_value_t = 400)]
    pub runs: u64,
    /// Master seed (default: the scenario's `run.seed`).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Folder for calibration.csv and the calibrated copy (default output/<scenario file stem>/).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Path of the calibrated scenario (default <out>/<stem>_calibrated.toml;
    /// one scenario only: with several, each goes to its default).
    #[arg(long)]
    pub write: Option<PathBuf>,
}

/// Options of `bilateral merge`.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Partial result files (partial-I-of-N.json), every shard once.
    #[arg(required = true)]
    pub partials: Vec<PathBuf>,
    /// Output folder.
    #[arg(long)]
    pub out: PathBuf,
    /// No closing line.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Options of `bilateral bench`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Scenario file (TOML).
    pub scenario: PathBuf,
    /// Runs per lever in each timed repetition.
    #[arg(long, default_value_t = 5000)]
    pub runs: u64,
}

/// Options of `bilateral validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Scenario files.
    #[arg(required = true)]
    pub scenarios: Vec<PathBuf>,
}

/// Options of `bilateral trace`.
#[derive(Debug, Args)]
pub struct TraceArgs {
    /// Scenario file (TOML).
    pub scenario: PathBuf,
    /// Run index (0-based, as in runs.csv).
    #[arg(long)]
    pub run: u64,
    /// Lever to trace.
    #[arg(long, default_value = "baseline")]
    pub lever: String,
    /// Master seed (default: the scenario's `run.seed`).
    #[arg(long)]
    pub seed: Option<u64>,
}

/// Options of `bilateral robust`.
#[derive(Debug, Args)]
pub struct RobustArgs {
    /// Scenario file (TOML).
    pub scenario: PathBuf,
    /// An objective, METRIC=min or METRIC=max (repeatable); replaces the
    /// scenario's [robust] objectives.
    #[arg(long = "objective", value_name = "METRIC=min|max")]
    pub objectives: Vec<String>,
    /// A satisficing requirement over outcome metrics in the rule condition
    /// language, e.g. "trade_loss_usd_bn < 30 and mx_retaliated == 0"
    /// (repeatable: all must hold); replaces the scenario's [robust] require.
    #[arg(long = "require", value_name = "CONDITION")]
    pub require: Vec<String>,
    /// Runs, seed, threads, output folder.
    #[command(flatten)]
    pub engine: EngineArgs,
    /// The levers compared.
    #[command(flatten)]
    pub levers: LeverArgs,
}

/// Options of `bilateral discover`.
#[derive(Debug, Args)]
pub struct DiscoverArgs {
    /// Scenario file (TOML).
    pub scenario: PathBuf,
    /// The lever whose runs are labelled.
    #[arg(long, value_name = "NAME")]
    pub lever: String,
    /// The runs of interest: a condition over the lever's outcome metrics in
    /// the rule condition language, e.g. "trade_loss_usd_bn > 100".
    #[arg(long, value_name = "CONDITION")]
    pub when: String,
    /// Share of the box's runs peeled off per step, in (0, 0.5).
    #[arg(long, default_value_t = 0.05)]
    pub peel_alpha: f64,
    /// Share of the runs beyond a limit pasted back per step, in (0, 0.5).
    #[arg(long, default_value_t = 0.05)]
    pub paste_alpha: f64,
    /// Smallest share of the runs a box may hold, in (0, 1).
    #[arg(long, default_value_t = 0.05)]
    pub mass_min: f64,
    /// The chosen box: the densest with at least this coverage, in [0, 1].
    #[arg(long, default_value_t = 0.5)]
    pub min_coverage: f64,
    /// Runs, seed, threads, output folder.
    #[command(flatten)]
    pub engine: EngineArgs,
}

/// Options of `bilateral sensitivity`.
#[derive(Debug, Args)]
pub struct SensitivityArgs {
    /// Scenario file (TOML).
    pub scenario: PathBuf,
    /// `sobol` (first-order and total indices) or `morris` (elementary
    /// effects, the cheap screen).
    #[arg(long, default_value = "sobol", value_parser = ["sobol", "morris"])]
    pub method: String,
    /// Base samples N for Sobol (N (d + 3) runs per lever for d uncertain
    /// parameters; default 1024), trajectories r for Morris (r (d + 1)
    /// runs; default 100). --runs means the same.
    #[arg(long, value_name = "N")]
    pub samples: Option<u64>,
    /// Grid levels of the Morris design (even, at least 2).
    #[arg(long, default_value_t = 4)]
    pub levels: u32,
    /// Runs (as --samples), seed, threads, output folder.
    #[command(flatten)]
    pub engine: EngineArgs,
    /// The levers analysed.
    #[command(flatten)]
    pub levers: LeverArgs,
}
