//! `bilateral merge`: combines the partial results of sharded runs into the
//! outputs a single run would have written, byte for byte.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use chrono::NaiveDate;

use super::UsageError;
use crate::calendar::Calendar;
use crate::cli::MergeArgs;
use crate::engine;
use crate::output::manifest::{Manifest, RngCrates};
use crate::output::partial::{FORMAT, Partial, VERSION};
use crate::output::{self, AtomicFile};

fn read(path: &Path) -> Result<Partial> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let partial: Partial = serde_json::from_str(&text).map_err(|e| {
        UsageError(format!(
            "{} is not a bilateral partial result: {e}",
            path.display()
        ))
    })?;
    if partial.format != FORMAT || partial.version != VERSION {
        return Err(UsageError(format!(
            "{}: format {} version {} cannot be merged by this bilateral (reads {FORMAT} version {VERSION})",
            path.display(),
            partial.format,
            partial.version
        ))
        .into());
    }
    Ok(partial)
}

/// Runs `bilateral merge`.
pub fn execute(args: &MergeArgs) -> Result<()> {
    let mut parts: Vec<(PathBuf, Partial)> = args
        .partials
        .iter()
        .map(|p| Ok((p.clone(), read(p)?)))
        .collect::<Result<_>>()?;
    parts.sort_by_key(|(_, p)| p.shard);
    let first = &parts[0].1;
    for (path, p) in &parts {
        let same = p.scenario_sha256 == first.scenario_sha256
            && p.seed == first.seed
            && p.runs == first.runs
            && p.shards == first.shards
            && p.levers == first.levers
            && p.reference == first.reference;
        if !same {
            return Err(UsageError(format!(
                "{} comes from a different run than {} (scenario, seed, runs, shards or levers differ)",
                path.display(),
                parts[0].0.display()
            ))
            .into());
        }
    }
    let shards: Vec<u64> = parts.iter().map(|(_, p)| p.shard).collect();
    let expected: Vec<u64> = (1..=first.shards).collect();
    if shards != expected {
        return Err(UsageError(format!(
            "merge needs every shard 1..{} exactly once; got {:?}",
            first.shards, shards
        ))
        .into());
    }
    let mut results = first.results.clone();
    for (path, p) in &parts[1..] {
        results
            .merge(&p.results)
            .map_err(|e| UsageError(format!("{}: {e}", path.display())))?;
    }
    let start = NaiveDate::parse_from_str(&first.start_date, "%Y-%m-%d")
        .map_err(|e| UsageError(format!("bad start date in {}: {e}", parts[0].0.display())))?;
    let calendar =
        Calendar::new(start, first.horizon_months).context("bad horizon in the partial results")?;
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create the output folder {}", args.out.display()))?;
    super::run::write_tables(&args.out, &first.scenario, &first.ids, &calendar, &results)?;

    // runs.csv: the shards' rows in shard order are the rows in run order.
    let with_runs = parts.iter().all(|(_, p)| p.runs_file.is_some());
    if with_runs {
        let target = args.out.join("runs.csv");
        let mut out = AtomicFile::create(&target)?;
        for (k, (path, p)) in parts.iter().enumerate() {
            let name = p.runs_file.as_deref().unwrap_or_default();
            let source = path.parent().unwrap_or(Path::new(".")).join(name);
            let file = std::fs::File::open(&source)
                .with_context(|| format!("cannot read {}", source.display()))?;
            for (i, line) in BufReader::new(file).lines().enumerate() {
                let line = line.with_context(|| format!("cannot read {}", source.display()))?;
                // Every shard file has the header; keep the first.
                if i == 0 && k > 0 {
                    continue;
                }
                writeln!(out, "{line}").map_err(|e| output::OutputError {
                    path: target.clone(),
                    source: e,
                })?;
            }
        }
        out.commit()?;
    }
    let mut files = vec!["summary.csv".to_string(), "timeseries.csv".to_string()];
    if results.levers.len() > 1 {
        files.extend(["compare.csv".to_string(), "decision.csv".to_string()]);
    }
    if with_runs {
        files.push("runs.csv".into());
    }
    files.push("datapackage.json".into());
    files.push("manifest.json".into());
    output::write_datapackage(&args.out, &first.scenario, &first.ids)?;
    let manifest = Manifest {
        bilateral_version: env!("CARGO_PKG_VERSION"),
        scenario: first.scenario.clone(),
        scenario_path: first.scenario_path.clone(),
        scenario_sha256: first.scenario_sha256.clone(),
        seed: first.seed,
        seed_scheme: engine::seeds::SCHEME,
        runs: first.runs,
        levers: first.levers.clone(),
        threads: 0,
        start_date: first.start_date.clone(),
        horizon_months: first.horizon_months,
        horizon_weeks: calendar.horizon_weeks,
        files,
        started_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        elapsed_seconds: 0.0,
        rng_crates: RngCrates::current(),
        sweep: None,
        merged_shards: Some(first.shards),
        stop: None,
    };
    output::write_atomic(&args.out.join("manifest.json"), |w| {
        serde_json::to_writer_pretty(&mut *w, &manifest)?;
        writeln!(w)
    })?;
    if !args.quiet {
        super::emit(&format!(
            "merged {} shards ({} runs x {} levers) -> {}\n",
            first.shards,
            first.runs,
            first.levers.len(),
            args.out.display()
        ))?;
    }
    Ok(())
}
