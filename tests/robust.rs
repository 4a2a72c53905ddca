//! `bilateral robust`: recomputed from the runs.csv of the same runs, and
//! its options and errors, through the binary.

mod common;

use std::collections::HashMap;
use std::path::Path;

use common::*;
use predicates::prelude::*;

const REQUIRE: &str = "trade_loss_usd_bn < 30 and mx_retaliated == 0";

fn robust(dir: &Path, extra: &[&str]) -> assert_cmd::assert::Assert {
    bilateral()
        .arg("robust")
        .arg(scenario("us_mexico_2025-09.toml"))
        .args(["--quiet", "--out"])
        .arg(dir)
        .args(extra)
        .assert()
}

/// robust.csv as (lever, criterion, statistic) -> (value, ci_low, ci_high).
type Table = HashMap<(String, String, String), [Option<f64>; 3]>;

fn read_robust(dir: &Path) -> (Vec<String>, Table) {
    let (h, rows) = read_csv(&dir.join("robust.csv"));
    let num = |s: &str| (!s.is_empty()).then(|| s.parse::<f64>().unwrap());
    let mut levers = Vec::new();
    let mut table = HashMap::new();
    for r in rows {
        if !levers.contains(&r[0]) {
            levers.push(r[0].clone());
        }
        table.insert(
            (r[0].clone(), r[1].clone(), r[2].clone()),
            [num(&r[3]), num(&r[4]), num(&r[5])],
        );
    }
    assert_eq!(
        h.join(","),
        "lever,criterion,statistic,value,ci_low,ci_high"
    );
    (levers, table)
}

fn get(t: &Table, lever: &str, criterion: &str, statistic: &str) -> f64 {
    t[&(lever.into(), criterion.into(), statistic.into())][0].unwrap()
}

/// Per run (in run order) and lever (in file order): the metric row, from runs.csv.
fn runs_by_lever(dir: &Path, metrics: &[&str]) -> (Vec<String>, Vec<Vec<Vec<f64>>>) {
    let (h, rows) = read_csv(&dir.join("runs.csv"));
    let cols: Vec<usize> = metrics.iter().map(|m| col(&h, m)).collect();
    let mut levers: Vec<String> = Vec::new();
    let mut runs: Vec<Vec<Vec<f64>>> = Vec::new();
    for r in &rows {
        let run: usize = r[0].parse().unwrap();
        if !levers.contains(&r[1]) {
            levers.push(r[1].clone());
        }
        if runs.len() <= run {
            runs.push(Vec::new());
        }
        runs[run].push(cols.iter().map(|&c| r[c].parse().unwrap()).collect());
    }
    (levers, runs)
}

#[test]
fn robust_csv_is_recomputed_from_the_runs_csv_of_the_same_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("run"), tmp.path().join("robust"));
    bilateral()
        .arg("run")
        .arg(scenario("us_mexico_2025-09.toml"))
        .args(["--quiet", "--runs", "300", "--seed", "11", "--out"])
        .arg(&a)
        .assert()
        .success();
    robust(
        &b,
        &[
            "--runs",
            "300",
            "--seed",
            "11",
            "--objective",
            "trade_loss_usd_bn=min",
            "--objective",
            "mx_approval_pct_end=max",
            "--require",
            REQUIRE,
        ],
    )
    .success();
    let (levers, table) = read_robust(&b);
    let metrics = ["trade_loss_usd_bn", "mx_approval_pct_end", "mx_retaliated"];
    let (run_levers, runs) = runs_by_lever(&a, &metrics);
    assert_eq!(levers, run_levers);
    assert_eq!(runs.len(), 300);
    let n = runs.len() as f64;
    for (k, (criterion, minimise)) in [
        ("trade_loss_usd_bn=min", true),
        ("mx_approval_pct_end=max", false),
    ]
    .into_iter()
    .enumerate()
    {
        let mut regret_sum = vec![0.0; levers.len()];
        let mut regret_max = vec![0.0f64; levers.len()];
        let mut best = vec![0.0; levers.len()];
        for run in &runs {
            let values: Vec<f64> = run.iter().map(|m| m[k]).collect();
            let top = if minimise {
                values.iter().copied().fold(f64::INFINITY, f64::min)
            } else {
                values.iter().copied().fold(f64::NEG_INFINITY, f64::max)
            };
            let tied = values.iter().filter(|&&v| v == top).count() as f64;
            for (l, &v) in values.iter().enumerate() {
                let r = if minimise { v - top } else { top - v };
                assert!(r >= 0.0);
                regret_sum[l] += r;
                regret_max[l] = regret_max[l].max(r);
                if v == top {
                    best[l] += 1.0 / tied;
                }
            }
        }
        let mut p_best_total = 0.0;
        for (l, lever) in levers.iter().enumerate() {
            // runs.csv rounds to 6 decimals; the means are fixed point (5e-7).
            let mean = get(&table, lever, criterion, "regret_mean");
            assert!(
                (mean - regret_sum[l] / n).abs() < 3e-6,
                "{lever} {criterion}: {mean}"
            );
            let max = get(&table, lever, criterion, "regret_max");
            assert!(
                (max - regret_max[l]).abs() < 3e-6,
                "{lever} {criterion}: {max}"
            );
            let p = get(&table, lever, criterion, "p_best");
            assert!((p - best[l] / n).abs() < 1e-6, "{lever} {criterion}: {p}");
            p_best_total += p;
            let mean_value = runs.iter().map(|r| r[l][k]).sum::<f64>() / n;
            assert!((get(&table, lever, criterion, "mean") - mean_value).abs() < 3e-6);
            assert_eq!(get(&table, lever, criterion, "n"), n);
        }
        assert!(
            (p_best_total - 1.0).abs() < 1e-5,
            "p_best sums to {p_best_total}"
        );
        // The minimax ranking orders the maximum regrets.
        let mut ranked: Vec<(f64, f64)> = levers
            .iter()
            .map(|l| {
                (
                    get(&table, l, criterion, "rank_minimax_regret"),
                    get(&table, l, criterion, "regret_max"),
                )
            })
            .collect();
        ranked.sort_by(|x, y| x.0.total_cmp(&y.0));
        assert!(ranked.windows(2).all(|w| w[0].1 <= w[1].1));
        assert_eq!(ranked[0].0, 1.0);
    }
    for (l, lever) in levers.iter().enumerate() {
        let ok = runs
            .iter()
            .filter(|r| r[l][0] < 30.0 && r[l][2] == 0.0)
            .count();
        assert_eq!(get(&table, lever, REQUIRE, "runs_satisfied"), ok as f64);
        let [share, lo, hi] = table[&(lever.clone(), REQUIRE.into(), "satisficing_share".into())];
        assert!((share.unwrap() - ok as f64 / n).abs() < 1e-6);
        assert!(lo.unwrap() <= share.unwrap() && share.unwrap() <= hi.unwrap());
    }
}

#[test]
fn robust_csv_is_byte_identical_for_any_thread_count() {
    let tmp = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for threads in ["1", "2"] {
        let dir = tmp.path().join(threads);
        robust(
            &dir,
            &[
                "--runs",
                "200",
                "--threads",
                threads,
                "--objective",
                "trade_loss_usd_bn=min",
                "--require",
                REQUIRE,
            ],
        )
        .success();
        files.push(std::fs::read(dir.join("robust.csv")).unwrap());
    }
    assert_eq!(files[0], files[1]);
}

#[test]
fn a_robust_table_in_the_scenario_gives_the_same_file_as_the_options() {
    let tmp = tempfile::tempdir().unwrap();
    let with_table = variant(
        tmp.path(),
        "us_mexico_2025-09.toml",
        &[(
            "[levers.mx_retaliates]",
            &format!(
                "[robust]\nobjectives = {{ trade_loss_usd_bn = \"min\", mx_approval_pct_end = \"max\" }}\nrequire = \"{REQUIRE}\"\n\n[levers.mx_retaliates]"
            ),
        )],
    );
    let from_table = tmp.path().join("table");
    bilateral()
        .arg("robust")
        .arg(&with_table)
        .args([
            "--quiet",
            "--runs",
            "100",
            "--lever",
            "mx_retaliates",
            "--out",
        ])
        .arg(&from_table)
        .assert()
        .success();
    let from_options = tmp.path().join("options");
    robust(
        &from_options,
        &[
            "--runs",
            "100",
            "--lever",
            "mx_retaliates",
            "--objective",
            "trade_loss_usd_bn=min",
            "--objective",
            "mx_approval_pct_end=max",
            "--require",
            REQUIRE,
        ],
    )
    .success();
    let a = std::fs::read(from_table.join("robust.csv")).unwrap();
    assert_eq!(a, std::fs::read(from_options.join("robust.csv")).unwrap());
    let (levers, _) = read_robust(&from_table);
    assert_eq!(levers, ["baseline", "mx_retaliates"]);
    // The table is accepted by validate.
    bilateral()
        .arg("validate")
        .arg(&with_table)
        .assert()
        .success();
}

#[test]
fn misspelt_names_are_usage_errors_with_a_suggestion() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("out");
    robust(&dir, &["--objective", "trade_loss_usd=min"])
        .code(2)
        .stderr(predicate::str::contains(
            "--objective: unknown metric `trade_loss_usd`; did you mean `trade_loss_usd_bn`?",
        ));
    robust(&dir, &["--objective", "trade_loss_usd_bn=minimum"])
        .code(2)
        .stderr(predicate::str::contains("did you mean `min`?"));
    robust(&dir, &["--objective", "trade_loss_usd_bn"])
        .code(2)
        .stderr(predicate::str::contains("is not METRIC=min|max"));
    robust(&dir, &["--require", "mx_retaliate == 0"])
        .code(2)
        .stderr(predicate::str::contains(
            "--require `mx_retaliate == 0`: column 1: unknown variable `mx_retaliate`; did you mean `mx_retaliated`?",
        ));
    robust(&dir, &["--require", "trade_loss_usd_bn < "])
        .code(2)
        .stderr(predicate::str::contains("column 21"));
    robust(&dir, &[])
        .code(2)
        .stderr(predicate::str::contains("nothing to judge the levers by"));
    robust(
        &dir,
        &[
            "--objective",
            "trade_loss_usd_bn=min",
            "--lever",
            "mx_retaliate",
        ],
    )
    .code(2)
    .stderr(predicate::str::contains("did you mean `mx_retaliates`?"));
    assert!(!dir.join("robust.csv").exists());
}

/// `bilateral report` on a robust folder: per criterion a table whose rows
/// follow robust.csv's ranks (the rank-1 lever first), with the values of
/// robust.csv; and a workbook with the table as a sheet, both in the manifest.
#[test]
fn the_report_and_workbook_of_a_robust_folder() {
    use calamine::{Reader, Xlsx, open_workbook};
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("robust");
    robust(
        &dir,
        &[
            "--runs",
            "150",
            "--objective",
            "trade_loss_usd_bn=min",
            "--require",
            REQUIRE,
        ],
    )
    .success();
    bilateral()
        .arg("report")
        .arg(&dir)
        .arg("--xlsx")
        .assert()
        .success();
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(html.contains("Robustness: which lever holds up"));
    let (levers, t) = read_robust(&dir);
    for (criterion, rank) in [
        ("trade_loss_usd_bn=min", "rank_minimax_regret"),
        (REQUIRE, "rank_satisficing"),
    ] {
        let heading = format!("<h3>{}</h3>", criterion.replace('<', "&lt;"));
        let start = html.find(&heading).expect("a table per criterion");
        let section = &html[start..];
        let section = &section[..section.find("</table>").unwrap()];
        // The lever names in the order the table shows them.
        let shown: Vec<&str> = section
            .split("<tr><td>")
            .skip(1)
            .map(|row| &row[..row.find("</td>").unwrap()])
            .collect();
        assert_eq!(shown.len(), levers.len(), "{criterion}: one row per lever");
        let mut by_rank = levers.clone();
        by_rank.sort_by(|a, b| get(&t, a, criterion, rank).total_cmp(&get(&t, b, criterion, rank)));
        assert_eq!(shown, by_rank, "{criterion}: rows in rank order");
    }
    // The satisficing share of the best lever, as robust.csv has it, in percent.
    let best = levers
        .iter()
        .find(|l| get(&t, l, REQUIRE, "rank_satisficing") == 1.0)
        .unwrap();
    let share = get(&t, best, REQUIRE, "satisficing_share");
    let percent = format!("{:.1}%", 100.0 * share);
    assert!(
        html.contains(&format!("<tr><td>{best}</td><td>1</td><td>{percent}</td>")),
        "satisficing share {percent} of {best} shown with its whole rank"
    );
    let mut wb: Xlsx<_> = open_workbook(dir.join("results.xlsx")).unwrap();
    assert_eq!(wb.sheet_names(), ["Robust", "Manifest"]);
    let (_, rows) = read_csv(&dir.join("robust.csv"));
    let range = wb.worksheet_range("Robust").unwrap();
    assert_eq!(range.rows().count(), rows.len() + 1);
    let manifest = std::fs::read_to_string(dir.join("manifest.json")).unwrap();
    assert!(manifest.contains("\"report.html\"") && manifest.contains("\"results.xlsx\""));
}
