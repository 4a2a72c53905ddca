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

use crate::model::Pair;
use std::io::{Read as _, Write};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::csv_writer;
use super::runs::seed_cell;
use crate::calendar::Calendar;
use crate::engine::seeds::run_seed;
use crate::engine::{Results, shard_range};
use crate::model::outcome::{METRICS, VARIABLES};
use crate::scenario::{MAX_HORIZON_MONTHS, is_identifier};
use crate::stats::Summary;

/// Most shards of a run (as `--shard` accepts).
pub const MAX_SHARDS: u64 = 100_000;

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
    pub ids: Pair<String>,
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

/// Largest partial file read (the statistics of a shard are a few MB;
/// this bounds what a hostile file can make merge hold).
pub const MAX_PARTIAL_BYTES: u64 = 256 << 20;

/// A partial result, or its runs file, that cannot be merged: the file and
/// what is wrong with it, by key.
#[derive(Debug, thiserror::Error)]
#[error("{}: {problem}", path.display())]
pub struct PartialError {
    /// The file.
    pub path: PathBuf,
    /// What is wrong, naming the key.
    pub problem: String,
}

fn bad(path: &Path, problem: impl Into<String>) -> PartialError {
    PartialError {
        path: path.to_path_buf(),
        problem: problem.into(),
    }
}

/// Reads the partial result `path` and checks it on its own: format and
/// version, names by the scenario rules, the shard and its run range, the
/// runs file's name and the layout and invariants of the statistics. A
/// partial comes from another machine: nothing in it is trusted.
pub fn read(path: &Path) -> Result<Partial, PartialError> {
    let mut text = String::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_PARTIAL_BYTES + 1).read_to_string(&mut text))
        .map_err(|e| bad(path, format!("cannot read it: {e}")))?;
    if text.len() as u64 > MAX_PARTIAL_BYTES {
        return Err(bad(
            path,
            format!("larger than {MAX_PARTIAL_BYTES} bytes, the most a partial result may hold"),
        ));
    }
    parse(path, &text)
}

/// Parses and checks the text of a partial result read from `path` (see
/// [`read`]).
pub fn parse(path: &Path, text: &str) -> Result<Partial, PartialError> {
    // The identity first, so an old or foreign file gets a clear message
    // rather than the first field the current layout lacks.
    #[derive(Deserialize)]
    struct Head {
        format: Option<String>,
        version: Option<u32>,
    }
    let head: Head = serde_json::from_str(text)
        .map_err(|e| bad(path, format!("is not a bilateral partial result: {e}")))?;
    if head.format.as_deref() != Some(FORMAT) {
        return Err(bad(
            path,
            format!(
                "is not a bilateral partial result: `format` is {:?}, not {FORMAT:?}",
                head.format.unwrap_or_default()
            ),
        ));
    }
    if head.version != Some(VERSION) {
        return Err(bad(
            path,
            format!(
                "`format`/`version` are {FORMAT:?}/{:?}; this bilateral merges {FORMAT} version {VERSION}",
                head.version.unwrap_or_default()
            ),
        ));
    }
    check_histogram_lengths(path, text)?;
    let partial: Partial = serde_json::from_str(text)
        .map_err(|e| bad(path, format!("is not a bilateral partial result: {e}")))?;
    partial.check(path)?;
    Ok(partial)
}

impl Partial {
    /// The checks of one partial on its own (see [`read`]).
    pub fn check(&self, path: &Path) -> Result<(), PartialError> {
        let name = |key: &str, value: &str| {
            if is_identifier(value) {
                Ok(())
            } else {
                Err(bad(
                    path,
                    format!(
                        "`{key}` is `{value}`, not a valid name (letters, digits, `_` and `-`, starting with a letter, at most 64)"
                    ),
                ))
            }
        };
        name("scenario", &self.scenario)?;
        name("ids[0]", &self.ids[0])?;
        name("ids[1]", &self.ids[1])?;
        if self.ids[0] == self.ids[1] {
            return Err(bad(path, "`ids` names the same actor twice"));
        }
        if self.levers.is_empty() {
            return Err(bad(path, "`levers` is empty"));
        }
        for (k, lever) in self.levers.iter().enumerate() {
            name(&format!("levers[{k}]"), lever)?;
            if self.levers[..k].contains(lever) {
                return Err(bad(path, format!("`levers` names `{lever}` twice")));
            }
        }
        let Some(reference) = self.levers.iter().position(|l| *l == self.reference) else {
            return Err(bad(
                path,
                format!("`reference` `{}` is not one of `levers`", self.reference),
            ));
        };
        let sha = &self.scenario_sha256;
        if sha.len() != 64 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad(path, "`scenario_sha256` is not 64 hex digits"));
        }
        let start = NaiveDate::parse_from_str(&self.start_date, "%Y-%m-%d").map_err(|e| {
            bad(
                path,
                format!("`start_date` `{}` is not YYYY-MM-DD: {e}", self.start_date),
            )
        })?;
        let horizon = i64::from(self.horizon_months);
        if !(1..=MAX_HORIZON_MONTHS).contains(&horizon) {
            return Err(bad(
                path,
                format!(
                    "`horizon_months` is {horizon}; a scenario's horizon is 1 to {MAX_HORIZON_MONTHS}"
                ),
            ));
        }
        let calendar = self.calendar().ok_or_else(|| {
            bad(
                path,
                format!("`start_date` {start} with `horizon_months` {horizon} has no calendar"),
            )
        })?;
        if self.runs == 0 {
            return Err(bad(path, "`runs` is 0"));
        }
        if self.shards == 0 || self.shards > MAX_SHARDS || !(1..=self.shards).contains(&self.shard)
        {
            return Err(bad(
                path,
                format!(
                    "`shard`/`shards` are {}/{}: need 1 <= shard <= shards <= {MAX_SHARDS}",
                    self.shard, self.shards
                ),
            ));
        }
        let range = shard_range(self.runs, self.shard, self.shards);
        if self.first_run != range.start || self.end_run != range.end {
            return Err(bad(
                path,
                format!(
                    "`first_run`..`end_run` are {}..{}, but shard {} of {} over {} runs holds runs {}..{}",
                    self.first_run,
                    self.end_run,
                    self.shard,
                    self.shards,
                    self.runs,
                    range.start,
                    range.end
                ),
            ));
        }
        if let Some(file) = &self.runs_file {
            let expected = runs_file_name(self.shard, self.shards);
            if *file != expected {
                return Err(bad(
                    path,
                    format!(
                        "`runs_file` is `{file}`; shard {} of {} has its runs in `{expected}` beside the partial",
                        self.shard, self.shards
                    ),
                ));
            }
        }
        self.results
            .check(
                &self.ids,
                &self.levers,
                reference,
                calendar.month_ends.len(),
                range.end - range.start,
            )
            .map_err(|e| bad(path, format!("`results`: {e}")))
    }

    /// The calendar of the run.
    pub fn calendar(&self) -> Option<Calendar> {
        let start = NaiveDate::parse_from_str(&self.start_date, "%Y-%m-%d").ok()?;
        Calendar::new(start, self.horizon_months)
    }

    /// Where the runs file of this partial, read from `path`, lies (beside
    /// it), if it has one.
    pub fn runs_path(&self, path: &Path) -> Option<PathBuf> {
        let dir = path.parent().filter(|p| !p.as_os_str().is_empty());
        Some(dir.unwrap_or(Path::new(".")).join(self.runs_file.as_ref()?))
    }
}

/// Checks that the checked partials `parts` (sorted by shard) are the
/// shards of one run: the same format, scenario (name and SHA-256), actors,
/// calendar, seed, runs, levers and reference; every shard 1..=N exactly
/// once, so their run ranges tile `0..runs`; runs files for all or none.
pub fn check_set(parts: &[(PathBuf, Partial)]) -> Result<(), PartialError> {
    let Some((first_path, first)) = parts.first() else {
        return Err(bad(Path::new("merge"), "no partial results given"));
    };
    for (path, p) in parts {
        let differs = [
            (
                "bilateral_version",
                p.bilateral_version == first.bilateral_version,
            ),
            ("scenario", p.scenario == first.scenario),
            (
                "scenario_sha256",
                p.scenario_sha256 == first.scenario_sha256,
            ),
            ("ids", p.ids == first.ids),
            ("start_date", p.start_date == first.start_date),
            ("horizon_months", p.horizon_months == first.horizon_months),
            ("seed", p.seed == first.seed),
            ("runs", p.runs == first.runs),
            ("shards", p.shards == first.shards),
            ("levers", p.levers == first.levers),
            ("reference", p.reference == first.reference),
            (
                "runs_file",
                p.runs_file.is_some() == first.runs_file.is_some(),
            ),
        ]
        .into_iter()
        .filter(|(_, same)| !same)
        .map(|(key, _)| format!("`{key}`"))
        .collect::<Vec<_>>();
        if !differs.is_empty() {
            return Err(bad(
                path,
                format!(
                    "comes from a different run than {}: {} differ",
                    first_path.display(),
                    differs.join(", ")
                ),
            ));
        }
    }
    for (k, (path, p)) in parts.iter().enumerate() {
        if k > 0 && parts[k - 1].1.shard == p.shard {
            return Err(bad(
                path,
                format!(
                    "`shard` {} of {} is given twice (also {})",
                    p.shard,
                    p.shards,
                    parts[k - 1].0.display()
                ),
            ));
        }
    }
    let given: Vec<u64> = parts.iter().map(|(_, p)| p.shard).collect();
    let missing: Vec<String> = (1..=first.shards)
        .filter(|s| given.binary_search(s).is_err())
        .take(10)
        .map(|s| s.to_string())
        .collect();
    if !missing.is_empty() {
        return Err(bad(
            first_path,
            format!(
                "merge needs every shard 1..{} exactly once; missing shard {}",
                first.shards,
                missing.join(", ")
            ),
        ));
    }
    Ok(())
}

/// Copies the shards' runs files, in shard order, as one runs.csv into
/// `out`, checking each as untrusted input: a regular file (not a link)
/// beside its partial, with the first shard's header, one row per run
/// and lever in run order with the partial's run indices, lever names and
/// run seeds, and only numbers in the other cells.
pub fn copy_runs(parts: &[(PathBuf, Partial)], out: impl Write) -> Result<(), PartialError> {
    let mut writer = csv_writer(out);
    let mut header: Option<csv::StringRecord> = None;
    for (path, p) in parts {
        let Some(source) = p.runs_path(path) else {
            continue;
        };
        let meta = std::fs::symlink_metadata(&source)
            .map_err(|e| bad(&source, format!("cannot read it: {e}")))?;
        if !meta.is_file() {
            return Err(bad(
                &source,
                "not a regular file (a runs file is never a link or a folder)",
            ));
        }
        let file = std::fs::File::open(&source)
            .map_err(|e| bad(&source, format!("cannot read it: {e}")))?;
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(std::io::BufReader::new(file));
        let mut records = reader.records();
        let row_error = |e: csv::Error| bad(&source, format!("not a runs file: {e}"));
        let this_header = records
            .next()
            .transpose()
            .map_err(row_error)?
            .ok_or_else(|| bad(&source, "empty: no header"))?;
        check_runs_header(&source, &this_header)?;
        match &header {
            Some(h) if *h != this_header => {
                return Err(bad(
                    &source,
                    "its header differs from the first shard's runs file",
                ));
            }
            Some(_) => {}
            None => {
                writer
                    .write_record(&this_header)
                    .map_err(|e| bad(&source, format!("cannot copy it: {e}")))?;
                header = Some(this_header);
            }
        }
        let levers = p.levers.len() as u64;
        let expected = (p.end_run - p.first_run) * levers;
        let mut count = 0u64;
        for record in records {
            let record = record.map_err(row_error)?;
            if count >= expected {
                return Err(bad(
                    &source,
                    format!(
                        "more than the {expected} rows of runs {}..{}",
                        p.first_run, p.end_run
                    ),
                ));
            }
            let run = p.first_run + count / levers;
            let lever = &p.levers[(count % levers) as usize];
            let seed = seed_cell(run_seed(p.seed, run));
            let line = count + 2;
            if record.get(0) != Some(run.to_string().as_str())
                || record.get(1) != Some(lever.as_str())
                || record.get(2) != Some(seed.as_str())
            {
                return Err(bad(
                    &source,
                    format!(
                        "line {line}: expected run {run}, lever `{lever}`, seed {seed} (runs of seed {} in run order)",
                        p.seed
                    ),
                ));
            }
            if let Some(cell) = record
                .iter()
                .skip(3)
                .find(|c| !c.is_empty() && !c.parse::<f64>().is_ok_and(f64::is_finite))
            {
                return Err(bad(
                    &source,
                    format!("line {line}: `{cell}` is not a number"),
                ));
            }
            writer
                .write_record(&record)
                .map_err(|e| bad(&source, format!("cannot copy it: {e}")))?;
            count += 1;
        }
        if count != expected {
            return Err(bad(
                &source,
                format!(
                    "{count} rows; runs {}..{} of {levers} levers need {expected}",
                    p.first_run, p.end_run
                ),
            ));
        }
    }
    writer
        .flush()
        .map_err(|e| bad(Path::new("runs.csv"), format!("cannot write it: {e}")))
}

/// A runs file's header: `run,lever,seed`, then names (parameter paths,
/// metrics, rule columns) that no spreadsheet reads as a formula.
fn check_runs_header(path: &Path, header: &csv::StringRecord) -> Result<(), PartialError> {
    let start: Vec<&str> = header.iter().take(3).collect();
    if start != ["run", "lever", "seed"] {
        return Err(bad(path, "its header does not start with run,lever,seed"));
    }
    if let Some(cell) = header
        .iter()
        .skip(3)
        .find(|c| !c.split('.').all(is_identifier))
    {
        return Err(bad(
            path,
            format!("header column `{cell}` is not a valid name"),
        ));
    }
    Ok(())
}

/// Checks the layout of the statistics, and every histogram's length,
/// before they are read: a histogram is stored sparse, so a few bytes could
/// otherwise claim millions of bins for each of thousands of summaries.
fn check_histogram_lengths(path: &Path, text: &str) -> Result<(), PartialError> {
    use serde::de::IgnoredAny;
    #[derive(Deserialize)]
    struct Shape {
        results: ShapeResults,
    }
    #[derive(Deserialize)]
    struct ShapeResults {
        levers: Vec<ShapeLever>,
    }
    #[derive(Deserialize)]
    struct ShapeLever {
        name: String,
        metrics: Vec<ShapeSummary>,
        months: Vec<Vec<ShapeSummary>>,
    }
    #[derive(Deserialize)]
    struct ShapeSummary {
        counts: (u64, IgnoredAny),
    }
    let shape: Shape = serde_json::from_str(text)
        .map_err(|e| bad(path, format!("is not a bilateral partial result: {e}")))?;
    let bins = |resolution, upper| Summary::new(resolution, upper).bins() as u64;
    let metric_bins: Vec<u64> = METRICS
        .iter()
        .map(|m| bins(m.resolution, m.upper))
        .collect();
    let variable_bins: Vec<u64> = VARIABLES
        .iter()
        .map(|v| bins(v.resolution, v.upper))
        .collect();
    for lever in &shape.results.levers {
        let at = |problem: String| {
            bad(
                path,
                format!("`results`: lever `{}`, {problem}", lever.name),
            )
        };
        if lever.metrics.len() != METRICS.len() {
            return Err(at(format!(
                "metrics: {} metric summaries, this bilateral reports {}",
                lever.metrics.len(),
                METRICS.len()
            )));
        }
        let histograms = lever
            .metrics
            .iter()
            .zip(&metric_bins)
            .map(|(s, b)| (s, b, "metric"));
        for month in &lever.months {
            if month.len() != VARIABLES.len() {
                return Err(at(format!(
                    "months: {} variables at a month end, this bilateral reports {}",
                    month.len(),
                    VARIABLES.len()
                )));
            }
        }
        let months = lever.months.iter().flat_map(|m| {
            m.iter()
                .zip(&variable_bins)
                .map(|(s, b)| (s, b, "variable"))
        });
        for (summary, &expected, kind) in histograms.chain(months) {
            if summary.counts.0 != expected {
                return Err(at(format!(
                    "a {kind} histogram of {} bins: a different resolution or range (this bilateral bins it in {expected})",
                    summary.counts.0
                )));
            }
        }
    }
    Ok(())
}
