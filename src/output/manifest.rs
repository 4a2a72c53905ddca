//! manifest.json: what produced the outputs in a folder.

use serde::Serialize;

/// Everything needed to reproduce a run, and when it happened.
#[derive(Debug, Clone, Serialize)]
pub struct Manifest {
    /// bilateral's version.
    pub bilateral_version: &'static str,
    /// Scenario name.
    pub scenario: String,
    /// Path of the scenario file as given.
    pub scenario_path: String,
    /// SHA-256 of the scenario file.
    pub scenario_sha256: String,
    /// Master seed.
    pub seed: u64,
    /// The seed scheme in words.
    pub seed_scheme: &'static str,
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
}

/// What a sweep varied.
#[derive(Debug, Clone, Serialize)]
pub struct SweepInfo {
    /// `PATH=LOW:HIGH:STEPS` per swept parameter.
    pub params: Vec<String>,
    /// Grid or Latin hypercube, and the number of points.
    pub design: String,
}

/// Versions of the crates that generate and transform random numbers.
#[derive(Debug, Clone, Serialize)]
pub struct RngCrates {
    /// rand.
    pub rand: &'static str,
    /// rand_distr.
    pub rand_distr: &'static str,
    /// rand_xoshiro.
    pub rand_xoshiro: &'static str,
}

impl RngCrates {
    /// The versions this binary was built with (from Cargo.lock).
    pub fn current() -> RngCrates {
        RngCrates {
            rand: env!("BILATERAL_RAND_VERSION"),
            rand_distr: env!("BILATERAL_RAND_DISTR_VERSION"),
            rand_xoshiro: env!("BILATERAL_RAND_XOSHIRO_VERSION"),
        }
    }
}
