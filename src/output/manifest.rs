//! manifest.json: what produced the outputs in a folder.
//!
//! Built by [`Manifest::new`] for every command that writes a folder; its
//! `files` are set by the transaction that writes the folder (from the
//! registry, `export::FILES`), so they are always the files written.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::Write as _;

use serde::{Deserialize, Serialize};

use super::export::{ExportError, Exporter, Source};
use crate::scenario::Scenario;

/// Everything needed to reproduce a run, and when it happened.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    /// bilateral's version.
    pub bilateral_version: Cow<'static, str>,
    /// Scenario name.
    pub scenario: String,
    /// Path of the scenario file as given.
    pub scenario_path: String,
    /// SHA-256 of the scenario file.
    pub scenario_sha256: String,
    /// Master seed.
    pub seed: u64,
    /// The seed scheme in words.
    pub seed_scheme: Cow<'static, str>,
    /// Runs per lever.
    pub runs: u64,
    /// Levers run, in output order.
    pub levers: Vec<String>,
    /// Worker threads.
    pub threads: usize,
    /// Start date, YYYY-MM-DD.
    pub start_date: String,
    /// Months reported.
    pub horizon_months: u32,
    /// Weeks simulated.
    pub horizon_weeks: u32,
    /// Files written.
    pub files: Vec<String>,
    /// The SHA-256 (hex) of every file of `files` but manifest.json itself,
    /// for `bilateral verify`. Empty in manifests of bilateral before 0.1.1.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub sha256: BTreeMap<String, String>,
    /// Wall-clock start, RFC 3339 (UTC).
    pub started_at: String,
    /// Elapsed wall-clock seconds.
    pub elapsed_seconds: f64,
    /// Versions of the random-number crates.
    pub rng_crates: RngCrates,
    /// The sweep, for `bilateral sweep`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sweep: Option<SweepInfo>,
    /// Number of shards merged, for `bilateral merge` (threads is then 0:
    /// each shard ran on its own machine).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub merged_shards: Option<u64>,
    /// Why the run stopped, with `--until-ci`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop: Option<String>,
    /// What `robust`, `discover` or `sensitivity` computed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub analysis: Option<AnalysisInfo>,
}

/// The settings of an analysis (`robust`, `discover`, `sensitivity`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AnalysisInfo {
    /// The command.
    pub command: String,
    /// Its settings, one `name = value` text each.
    pub settings: Vec<String>,
}

/// What a sweep varied.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SweepInfo {
    /// `PATH=LOW:HIGH:STEPS` per swept parameter.
    pub params: Vec<String>,
    /// Grid or Latin hypercube, and the number of points.
    pub design: String,
}

/// Versions of the crates that generate and transform random numbers.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RngCrates {
    /// rand.
    pub rand: Cow<'static, str>,
    /// rand_distr.
    pub rand_distr: Cow<'static, str>,
    /// rand_xoshiro.
    pub rand_xoshiro: Cow<'static, str>,
}

impl RngCrates {
    /// The versions this binary was built with (from Cargo.lock).
    pub fn current() -> RngCrates {
        RngCrates {
            rand: Cow::Borrowed(env!("BILATERAL_RAND_VERSION")),
            rand_distr: Cow::Borrowed(env!("BILATERAL_RAND_DISTR_VERSION")),
            rand_xoshiro: Cow::Borrowed(env!("BILATERAL_RAND_XOSHIRO_VERSION")),
        }
    }
}

/// What was run: the part of the manifest every command shares.
#[derive(Debug, Clone)]
pub struct RunIdentity {
    /// Scenario name.
    pub scenario: String,
    /// Path of the scenario file as given.
    pub scenario_path: String,
    /// SHA-256 of the scenario file.
    pub scenario_sha256: String,
    /// Master seed.
    pub seed: u64,
    /// Runs per lever.
    pub runs: u64,
    /// Levers, in output order.
    pub levers: Vec<String>,
    /// Start date, YYYY-MM-DD.
    pub start_date: String,
    /// Months reported.
    pub horizon_months: u32,
    /// Weeks simulated.
    pub horizon_weeks: u32,
}

impl RunIdentity {
    /// `runs` runs of `levers` of `scenario` from `seed`.
    pub fn of(scenario: &Scenario, seed: u64, runs: u64, levers: &[String]) -> RunIdentity {
        RunIdentity {
            scenario: scenario.name.clone(),
            scenario_path: scenario.path.display().to_string(),
            scenario_sha256: scenario.sha256.clone(),
            seed,
            runs,
            levers: levers.to_vec(),
            start_date: scenario.start().format("%Y-%m-%d").to_string(),
            horizon_months: scenario.horizon_months,
            horizon_weeks: scenario.calendar.horizon_weeks,
        }
    }
}

impl Manifest {
    /// The manifest of `run` on `threads` threads, started at `started` and
    /// taking `elapsed_seconds`; `files` is filled in when the folder is
    /// written, the command-specific fields by the command.
    pub fn new(
        run: RunIdentity,
        threads: usize,
        started: chrono::DateTime<chrono::Utc>,
        elapsed_seconds: f64,
    ) -> Manifest {
        Manifest {
            bilateral_version: Cow::Borrowed(env!("CARGO_PKG_VERSION")),
            scenario: run.scenario,
            scenario_path: run.scenario_path,
            scenario_sha256: run.scenario_sha256,
            seed: run.seed,
            seed_scheme: Cow::Borrowed(crate::engine::seeds::SCHEME),
            runs: run.runs,
            levers: run.levers,
            threads,
            start_date: run.start_date,
            horizon_months: run.horizon_months,
            horizon_weeks: run.horizon_weeks,
            files: Vec::new(),
            sha256: BTreeMap::new(),
            started_at: started.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            elapsed_seconds: (elapsed_seconds * 1000.0).round() / 1000.0,
            rng_crates: RngCrates::current(),
            sweep: None,
            merged_shards: None,
            stop: None,
            analysis: None,
        }
    }
}

/// Serializes manifest.json.
pub struct ManifestJson;

impl Exporter for ManifestJson {
    fn serialize(&self, source: &Source<'_>) -> Result<Vec<u8>, ExportError> {
        let mut bytes = serde_json::to_vec_pretty(source.manifest).map_err(std::io::Error::from)?;
        writeln!(bytes)?;
        Ok(bytes)
    }
}
