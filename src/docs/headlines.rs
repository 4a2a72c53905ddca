//! The simulated numbers that README.md and docs/MODEL.md quote, regenerated
//! from the commands the documents state, so that a test can hold the
//! documents to them (`tests/docs.rs`) and
//! `cargo run --release --example forecast_headlines` can print or rewrite
//! them after a model change.
//!
//! Each table is found in its document by the line that opens it (a table's
//! header row, or the line after the quick start's timing line) and runs to
//! the end of the table or code block. The quick start's first line holds a
//! wall-clock time and is never compared or rewritten.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Result, bail};
use clap::Parser as _;

use crate::cli::{Cli, Command};
use crate::commands::run::{self, RunConfig};
use crate::engine::Results;
use crate::model::outcome::{METRICS, VARIABLES, expand};
use crate::output::{decision, fmt_num};
use crate::scenario::Scenario;

/// The README's quick-start command: `bilateral run` of this scenario.
pub const QUICK_START: &str = "scenarios/us_mexico_2025-09.toml";

/// The three forecast scenarios of docs/MODEL.md section 11c, whose
/// baselines (`bilateral run SCENARIO --lever baseline`) fill its table.
pub const FORECASTS: [&str; 3] = [
    "scenarios/us_mexico_2025-09.toml",
    "scenarios/us_canada_2025-09.toml",
    "scenarios/us_china_2025-09.toml",
];

/// The calibration scenario of docs/MODEL.md section 10, and the runs its
/// regularity table counts (`cargo run --release --example regularities`).
pub const REGULARITIES: (&str, u64) = ("scenarios/us_mexico_2025-02.toml", 2000);

/// A run held in memory: what `bilateral run` with the same arguments
/// computes, without writing a file.
pub struct Run {
    /// The validated settings.
    pub config: RunConfig,
    /// The statistics.
    pub results: Results,
}

/// Runs `bilateral run ARGS...` in this process: the same configuration,
/// plan and statistics as the command, with no runs.csv, no files and
/// nothing printed. The output folder it reports is the command's default
/// (`output/<scenario file stem>`) whatever folder the scenario is in.
pub fn run(args: &[&str]) -> Result<Run> {
    let argv = ["bilateral", "run"]
        .iter()
        .chain(args)
        .chain(&["--quiet", "--no-runs"]);
    let cli = Cli::try_parse_from(argv)?;
    let Command::Run(args) = cli.command else {
        bail!("not a run command");
    };
    let config = RunConfig::from_args(&args)?;
    let plan = run::plan(&config)?;
    let (results, _) =
        run::simulate_into::<Vec<u8>>(&config, &plan, None, Path::new("runs.csv"), |_| {})?;
    Ok(Run { config, results })
}

/// The README quick start's output as `bilateral run` prints it, from its
/// second line (`mean [p05, p95] per lever:`) to the last lever.
pub fn quick_start_table(r: &Run) -> String {
    run::headline_table(&r.config, &r.results)
}

/// The quick start's first line up to the time, and from the folder on:
/// `5000 runs x 8 levers in` and `-> output/us_mexico_2025-09`.
pub fn quick_start_first_line(r: &Run) -> (String, String) {
    (
        format!(
            "{} runs x {} levers in ",
            r.results.runs,
            r.config.levers.len()
        ),
        format!(" -> {}", r.config.out.display()),
    )
}

/// `x` to three significant digits, trailing zeros dropped (0.0754, 28.5,
/// 174, 0.0004), as the README's decision table shows decision.csv.
pub fn three_digits(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return "0".into();
    }
    let decimals = (2 - x.abs().log10().floor() as i32).max(0);
    let scale = 10f64.powi(decimals);
    let rounded = (x * scale).round() / scale;
    // Rounding may carry into a new digit (0.09996 -> 0.1): one digit less.
    let decimals = (2 - rounded.abs().log10().floor() as i32).clamp(0, decimals) as usize;
    let text = format!("{rounded:.decimals$}");
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    };
    if text == "-0" { "0".into() } else { text }
}

/// The README's decision table: decision.csv of the quick-start run as a
/// Markdown table, each lever's mean and (but for the baseline) its paired
/// difference from the baseline, of decision.csv's first seven metrics.
pub fn decision_table(r: &Run) -> String {
    let ids = &r.config.scenario.ids;
    let metrics = &decision::HEADLINE[..7];
    let mut out = String::from("| lever |");
    for t in metrics {
        let _ = write!(out, " {} |", expand(t, ids));
    }
    out.push_str("\n|---|");
    out.push_str(&"---|".repeat(metrics.len()));
    out.push('\n');
    let reference = r.results.reference;
    for (l, lever) in r.results.levers.iter().enumerate() {
        let _ = write!(out, "| {} |", lever.name);
        for t in metrics {
            let k = metric(t);
            let mean = three_digits(lever.metrics[k].mean().unwrap_or(0.0));
            if l == reference {
                let _ = write!(out, " {mean} |");
            } else {
                let delta = lever.paired[k].mean_delta().unwrap_or(0.0);
                let sign = if delta > 0.0 { "+" } else { "" };
                let _ = write!(out, " {mean} ({sign}{}) |", three_digits(delta));
            }
        }
        out.push('\n');
    }
    out
}

fn metric(template: &str) -> usize {
    METRICS
        .iter()
        .position(|m| m.template == template)
        .unwrap_or_else(|| panic!("no metric {template}"))
}

fn variable(template: &str) -> usize {
    VARIABLES
        .iter()
        .position(|v| v.template == template)
        .unwrap_or_else(|| panic!("no variable {template}"))
}

/// A share to two decimals (0 when none).
fn share(x: f64) -> String {
    if x == 0.0 {
        "0".into()
    } else {
        format!("{x:.2}")
    }
}

/// The mean of a 0/1 metric of the baseline.
fn p(r: &Run, template: &str) -> String {
    share(
        r.results.levers[0].metrics[metric(template)]
            .mean()
            .unwrap_or(0.0),
    )
}

/// The baseline's month-end `template` at `month` (1 = the first month).
fn at<'a>(r: &'a Run, template: &str, month: usize) -> &'a crate::stats::Summary {
    &r.results.levers[0].months[month - 1][variable(template)]
}

/// `median (p05-p95)` of a month-end variable.
fn band(r: &Run, template: &str, month: usize) -> String {
    let s = at(r, template, month);
    format!(
        "{} ({}-{})",
        fmt_num(s.quantile(0.5)),
        fmt_num(s.quantile(0.05)),
        fmt_num(s.quantile(0.95))
    )
}

/// The months of the headline table's columns.
const MONTHS: [usize; 3] = [6, 12, 24];

/// docs/MODEL.md section 11c: the baseline of each forecast scenario
/// (`mexico`, `canada`, `china`, runs of [`FORECASTS`] with `--lever
/// baseline`): both sides' headline tariffs at 6, 12 and 24 months
/// (median with the 5-95% range), the share of runs in which the US
/// escalates, and each pair's own events.
pub fn forecast_table(mexico: &Run, canada: &Run, china: &Run) -> String {
    let mut out = String::from(
        "| | 6 months | 12 months | 24 months | P(US escalates) | other |\n|---|---|---|---|---|---|\n",
    );
    let mut row = |label: &str, r: &Run, side: &str, escalates: bool, other: String| {
        let _ = write!(out, "| {label} |");
        for m in MONTHS {
            let _ = write!(out, " {} |", band(r, side, m));
        }
        let esc = if escalates {
            format!(" {} |", p(r, "{a}_escalated"))
        } else {
            " |".into()
        };
        let _ = writeln!(out, "{esc} {other} |");
    };
    row(
        "US on Mexico",
        mexico,
        "{a}_tariff_pct",
        true,
        format!(
            "P(Mexico retaliates) {}, P(agreement) {}",
            p(mexico, "{b}_retaliated"),
            p(mexico, "agreement_signed")
        ),
    );
    row(
        "Mexico on US",
        mexico,
        "{b}_tariff_pct",
        false,
        format!(
            "mean at 24 months {:.1}",
            at(mexico, "{b}_tariff_pct", 24).mean().unwrap_or(0.0)
        ),
    );
    row(
        "US on Canada",
        canada,
        "{a}_tariff_pct",
        true,
        format!(
            "P(new Canadian retaliation) {} (its counter-tariffs stand)",
            p(canada, "{b}_retaliated")
        ),
    );
    row(
        "Canada on US",
        canada,
        "{b}_tariff_pct",
        false,
        format!(
            "P(Canada narrows or lifts further) {}",
            p(canada, "{b}_tariff_relief")
        ),
    );
    let truce: Vec<String> = MONTHS
        .iter()
        .map(|&m| share(at(china, "truce_active", m).mean().unwrap_or(0.0)))
        .collect();
    row(
        "US on China",
        china,
        "{a}_tariff_pct",
        true,
        format!(
            "truce in force {}; P(lapse) {}",
            truce.join(" / "),
            p(china, "truce_lapsed")
        ),
    );
    row(
        "China on US",
        china,
        "{b}_tariff_pct",
        false,
        format!(
            "P(new truce after a lapse) {}; controls on at 24 months {}",
            p(china, "truce_agreed"),
            p(china, "{b}_export_controls_end")
        ),
    );
    out
}

/// The share column of docs/MODEL.md section 10: `(id, share)` per
/// regularity over [`REGULARITIES`]' runs at the scenario's seed (the
/// scenario under the crate root `root`), as
/// `85.0%`, or `100%` when it holds in every run.
pub fn regularity_shares(root: &Path) -> Result<Vec<(&'static str, String)>> {
    let (path, runs) = REGULARITIES;
    let scenario = Scenario::load(&root.join(path))?;
    // The counts do not depend on the thread count: use every core.
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let list = crate::engine::count_regularities(&scenario, runs, scenario.seed, threads)?;
    Ok(list
        .iter()
        .map(|r| {
            let s = 100.0 * r.share();
            let text = if r.holds == r.applicable {
                "100%".to_string()
            } else {
                format!("{s:.1}%")
            };
            (r.id, text)
        })
        .collect())
}

/// The section of docs/MODEL.md that holds the regularity table.
pub const REGULARITY_SECTION: &str = "## 10. Calibration against the 2025 record";

/// The rows `| R1 | ... | share |` of the regularity table in `doc`: the id,
/// the share cell as written and the byte range of that cell.
pub fn quoted_shares(doc: &str) -> Vec<(String, String, std::ops::Range<usize>)> {
    let Some(start) = doc.find(REGULARITY_SECTION) else {
        return Vec::new();
    };
    let end = doc[start + 3..]
        .find("\n## ")
        .map_or(doc.len(), |i| start + 3 + i);
    let mut rows = Vec::new();
    let mut offset = start;
    for line in doc[start..end].split_inclusive('\n') {
        let body = line.trim_end();
        if let Some(rest) = body.strip_prefix("| R") {
            let id = format!("R{}", rest.split(' ').next().unwrap_or(""));
            let inner = body.trim_end_matches('|').trim_end();
            let cell_start = inner.rfind('|').map_or(0, |i| i + 1);
            let cell = inner[cell_start..].trim();
            let at = offset + cell_start + inner[cell_start..].find(cell).unwrap_or(0);
            rows.push((id, cell.to_string(), at..at + cell.len()));
        }
        offset += line.len();
    }
    rows
}

/// `doc` with the regularity table's share cells set to `shares`.
pub fn with_shares(doc: &str, shares: &[(&str, String)]) -> String {
    let mut out = doc.to_string();
    // From the last row back, so the earlier ranges stay valid.
    for (id, _, range) in quoted_shares(doc).into_iter().rev() {
        if let Some((_, share)) = shares.iter().find(|(i, _)| *i == id) {
            out.replace_range(range, share);
        }
    }
    out
}

/// The block of `doc` that starts at the line beginning with `opening` and
/// runs while lines begin with `|` (a table), or to the line before the
/// closing fence (a code block, when `opening` does not start with `|`).
/// Returns its byte range.
pub fn find_block(doc: &str, opening: &str) -> Option<std::ops::Range<usize>> {
    let start = doc
        .match_indices(opening)
        .map(|(i, _)| i)
        .find(|&i| i == 0 || doc.as_bytes()[i - 1] == b'\n')?;
    let table = opening.starts_with('|');
    let mut end = start;
    for line in doc[start..].split_inclusive('\n') {
        let done = if table {
            !line.starts_with('|')
        } else {
            line.starts_with("```")
        };
        if done {
            break;
        }
        end += line.len();
    }
    Some(start..end)
}

/// Where the generated tables sit in their documents: the document, the
/// line that opens the block, and what the block should hold.
pub struct Block {
    /// `README.md` or `docs/MODEL.md`.
    pub doc: &'static str,
    /// What the block is, for messages.
    pub what: &'static str,
    /// The line that opens it.
    pub opening: &'static str,
    /// Its text, from the opening line to its last line, newline included.
    pub text: String,
}

/// `relative` under `root`, as an argument.
pub fn path(root: &Path, relative: &str) -> String {
    root.join(relative).to_string_lossy().into_owned()
}

/// The generated blocks (scenarios under the crate root `root`): the README's quick-start table and decision table,
/// and docs/MODEL.md's forecast headline table (section 11c). Runs the
/// quick-start command and the Canada and China forecast baselines (50,000
/// runs of 104 weeks); the Mexico baseline is the quick start's, the same
/// runs as `--lever baseline` gives (common random numbers: run i of a
/// lever does not depend on the other levers run).
pub fn blocks(root: &Path) -> Result<Vec<Block>> {
    let quick = run(&[&path(root, QUICK_START)])?;
    let canada = run(&[&path(root, FORECASTS[1]), "--lever", "baseline"])?;
    let china = run(&[&path(root, FORECASTS[2]), "--lever", "baseline"])?;
    Ok(vec![
        Block {
            doc: "README.md",
            what: "the quick-start table (`bilateral run scenarios/us_mexico_2025-09.toml`)",
            opening: "mean [p05, p95] per lever:",
            text: quick_start_table(&quick),
        },
        Block {
            doc: "README.md",
            what: "the decision table (decision.csv of the quick-start run)",
            opening: "| lever | ",
            text: decision_table(&quick),
        },
        Block {
            doc: "docs/MODEL.md",
            what: "the forecast headline table (section 11c)",
            opening: "| | 6 months | 12 months | 24 months |",
            text: forecast_table(&quick, &canada, &china),
        },
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_significant_digits_as_the_readme_writes_them() {
        for (x, text) in [
            (0.0754, "0.0754"),
            (28.453, "28.5"),
            (174.09, "174"),
            (0.0004, "0.0004"),
            (1.0, "1"),
            (101.28, "101"),
            (-0.06476, "-0.0648"),
            (23.0, "23"),
            (-0.25, "-0.25"),
            (0.099_96, "0.1"),
            (999.7, "1000"),
            (-0.000_01, "-0.00001"),
            (0.0, "0"),
        ] {
            assert_eq!(three_digits(x), text, "{x}");
        }
    }

    #[test]
    fn a_block_runs_to_the_end_of_its_table_or_code_block() {
        let doc = "a\n| h |\n|---|\n| 1 |\n\nb\n```\nfirst\nmean x:\nrow\n```\n";
        assert_eq!(
            &doc[find_block(doc, "| h |").unwrap()],
            "| h |\n|---|\n| 1 |\n"
        );
        assert_eq!(&doc[find_block(doc, "mean x:").unwrap()], "mean x:\nrow\n");
        assert!(find_block(doc, "| h |x").is_none());
        // Only at the start of a line.
        assert!(find_block(doc, "h |").is_none());
    }
}
