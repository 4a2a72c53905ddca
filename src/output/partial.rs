//! Partial results of one shard (`bilateral run --shard I/N`), merged by
//! `bilateral merge`.
//!
//! Format (JSON, version 1): the identity of the run (scenario name and
//! SHA-256, seed, runs, levers, rules, reported parameters, actor ids,
//! calendar), which shard and which run indices it holds, the name of its
//! runs file, and the accumulator state (`engine::Results`): for each lever
//! and each metric and month-end variable, the count, fixed-point sums
//! (decimal strings) and sparse histogram of `stats::Summary`, and the
//! paired sums of `stats::Paired`. All of it merges exactly.

use serde::{Deserialize, Serialize};

use crate::engine::Results;

/// Identifies the format.
pub const FORMAT: &str = "bilateral-partial";
/// Current format version.
pub const VERSION: u32 = 1;

/// One shard's partial result.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Partial {
    /// Always [`FORMAT`].
    pub format: String,
    /// Format version ([`VERSION`]).
    pub version: u32,
    /// bilateral's version that wrote it.
    pub bilateral_version: String,
    /// Scenario name.
    pub scenario: String,
    /// Scenario file path, as given.
    pub scenario_path: String,
    /// SHA-256 of the scenario file.
    pub scenario_sha256: String,
    /// Actor ids.
    pub ids: [String; 2],
    /// Start date, YYYY-MM-DD.
    pub start_date: String,
    /// Months reported.
    pub horizon_months: u32,
    /// Master seed.
    pub seed: u64,
    /// Runs per lever over all shards.
    pub runs: u64,
    /// This shard, 1-based.
    pub shard: u64,
    /// Number of shards.
    pub shards: u64,
    /// First run index held.
    pub first_run: u64,
    /// One past the last run index held.
    pub end_run: u64,
    /// Levers, in output order.
    pub levers: Vec<String>,
    /// Reference lever of the comparison.
    pub reference: String,
    /// runs.csv rows of this shard (file name beside this one), if written.
    pub runs_file: Option<String>,
    /// Accumulated statistics.
    pub results: Results,
}

/// File name of shard `shard` of `shards`.
pub fn file_name(shard: u64, shards: u64) -> String {
    format!("partial-{shard}-of-{shards}.json")
}

/// File name of the runs of shard `shard` of `shards`.
pub fn runs_file_name(shard: u64, shards: u64) -> String {
    format!("runs-{shard}-of-{shards}.csv")
}
