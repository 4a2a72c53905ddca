//! `bilateral sensitivity`: sensitivity.csv's layout and names, thread
//! independence, what it finds on the September scenario, and its errors,
//! through the binary.

mod common;

use std::path::Path;

use common::*;
use predicates::prelude::*;

fn sensitivity(dir: &Path, extra: &[&str]) -> assert_cmd::assert::Assert {
    bilateral()
        .arg("sensitivity")
        .arg(scenario("us_mexico_2025-09.toml"))
        .args(["--quiet", "--lever", "baseline", "--out"])
        .arg(dir)
        .args(extra)
        .assert()
}

/// The uncertainty columns of a runs.csv: the dotted names.
fn runs_csv_parameters(dir: &Path) -> Vec<String> {
    let (h, _) = read_csv(&dir.join("runs.csv"));
    h.into_iter().filter(|c| c.contains('.')).collect()
}

#[test]
fn sobol_rows_name_every_uncertain_parameter_as_runs_csv_does() {
    let tmp = tempfile::tempdir().unwrap();
    let (run, sens) = (tmp.path().join("run"), tmp.path().join("sens"));
    bilateral()
        .arg("run")
        .arg(scenario("us_mexico_2025-09.toml"))
        .args(["--quiet", "--runs", "3", "--lever", "baseline", "--out"])
        .arg(&run)
        .assert()
        .success();
    sensitivity(&sens, &["--samples", "32", "--seed", "3"]).success();
    let (h, rows) = read_csv(&sens.join("sensitivity.csv"));
    assert_eq!(
        h.join(","),
        "lever,metric,parameter,index,value,ci_low,ci_high"
    );
    let mut expected = runs_csv_parameters(&run);
    assert!(expected.len() > 10);
    expected.push("noise".into());
    let metric = &rows[0][1];
    let of_metric: Vec<&Vec<String>> = rows.iter().filter(|r| &r[1] == metric).collect();
    let names: Vec<String> = of_metric.iter().step_by(2).map(|r| r[2].clone()).collect();
    assert_eq!(
        names, expected,
        "one S1 and one ST row per parameter, in runs.csv order"
    );
    for pair in of_metric.chunks(2) {
        assert_eq!((pair[0][3].as_str(), pair[1][3].as_str()), ("S1", "ST"));
    }
    for r in &rows {
        assert_eq!(r[0], "baseline");
        if r[4].is_empty() {
            continue; // a metric that does not vary
        }
        let [v, lo, hi] = [4, 5, 6].map(|c| r[c].parse::<f64>().unwrap());
        assert!(lo <= hi, "{r:?}");
        if r[3] == "ST" {
            assert!(
                v >= 0.0 && lo >= 0.0,
                "a total index is a mean square: {r:?}"
            );
        }
        assert!(v.is_finite());
    }
    // weeks_to_agreement is undefined in runs without an agreement: left
    // out, and said so in the manifest.
    assert!(!rows.iter().any(|r| r[1] == "weeks_to_agreement"));
    let manifest = std::fs::read_to_string(sens.join("manifest.json")).unwrap();
    assert!(manifest.contains("left out = baseline weeks_to_agreement"));
    assert!(manifest.contains("\"sensitivity.csv\""));
}

#[test]
fn outputs_are_byte_identical_at_one_and_two_threads() {
    let tmp = tempfile::tempdir().unwrap();
    for method in ["sobol", "morris"] {
        let (a, b) = (
            tmp.path().join(format!("{method}1")),
            tmp.path().join(format!("{method}2")),
        );
        let extra = ["--method", method, "--samples", "24", "--seed", "5"];
        sensitivity(&a, &[&extra[..], &["--threads", "1"]].concat()).success();
        sensitivity(&b, &[&extra[..], &["--threads", "2"]].concat()).success();
        let read = |d: &Path| std::fs::read(d.join("sensitivity.csv")).unwrap();
        assert_eq!(read(&a), read(&b), "{method}");
        assert!(read(&a).len() > 1000);
    }
}

#[test]
fn the_seed_decides_the_design() {
    let tmp = tempfile::tempdir().unwrap();
    let read = |d: &Path| std::fs::read(d.join("sensitivity.csv")).unwrap();
    let (a, b, c) = (
        tmp.path().join("a"),
        tmp.path().join("b"),
        tmp.path().join("c"),
    );
    sensitivity(&a, &["--samples", "16", "--seed", "1", "--threads", "2"]).success();
    sensitivity(&b, &["--runs", "16", "--seed", "1", "--threads", "1"]).success();
    sensitivity(&c, &["--samples", "16", "--seed", "2"]).success();
    assert_eq!(read(&a), read(&b), "--runs means --samples");
    assert_ne!(read(&a), read(&c));
}

/// The September scenario draws Mexico's approval baseline from 58 to 74:
/// at the horizon its approval follows that baseline more than anything
/// else, so it has by far the largest first-order index, and the Morris
/// screen ranks it first too.
#[test]
fn approval_at_the_horizon_is_driven_by_its_baseline() {
    let tmp = tempfile::tempdir().unwrap();
    let metric = "mx_approval_pct_end";
    let top = |dir: &Path, index: &str| {
        let (_, rows) = read_csv(&dir.join("sensitivity.csv"));
        let mut v: Vec<(f64, String, f64)> = rows
            .iter()
            .filter(|r| r[1] == metric && r[3] == index && r[2] != "noise")
            .map(|r| (r[4].parse().unwrap(), r[2].clone(), r[5].parse().unwrap()))
            .collect();
        v.sort_by(|a, b| b.0.total_cmp(&a.0));
        v
    };
    let sobol = tmp.path().join("sobol");
    sensitivity(&sobol, &["--samples", "256"]).success();
    let s1 = top(&sobol, "S1");
    assert_eq!(s1[0].1, "mx.approval_baseline_pct", "{s1:?}");
    assert!(s1[0].2 > 0.25, "its interval's lower end: {s1:?}");
    assert!(s1[1].0 < 0.5 * s1[0].0, "{s1:?}");
    let morris = tmp.path().join("morris");
    sensitivity(&morris, &["--method", "morris", "--samples", "40"]).success();
    let mu = top(&morris, "mu_star");
    assert_eq!(mu[0].1, "mx.approval_baseline_pct", "{mu:?}");
}

#[test]
fn bad_options_are_clear_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("x");
    for (extra, message) in [
        (&["--method", "fast"][..], "invalid value 'fast'"),
        (
            &["--samples", "1"][..],
            "--samples (or --runs) 1: at least 2",
        ),
        (&["--runs", "0"][..], "--samples (or --runs) 0: at least 2"),
        (&["--samples", "10", "--runs", "20"][..], "disagree"),
        (&["--method", "morris", "--levels", "3"][..], "--levels 3"),
        (
            &["--lever", "mx_retaliate"][..],
            "did you mean `mx_retaliates`?",
        ),
        (&["--threads", "0"][..], "--threads must be at least 1"),
        (
            &["--samples", "18446744073709551615"][..],
            "at most 10000000 are allowed",
        ),
        (&["--samples", "many"][..], "invalid value 'many'"),
    ] {
        sensitivity(&out, extra)
            .code(2)
            .stderr(predicate::str::contains(message))
            .stderr(predicate::str::contains("panicked").not());
    }
    assert!(
        !out.exists(),
        "no folder is left behind by a refused command"
    );
}

/// `bilateral report` on a sensitivity folder: a page with one bar chart
/// per headline metric (each parameter's S1 and ST bars), and a workbook
/// with the table as a sheet; both join the folder's manifest.
#[test]
fn the_report_and_workbook_of_a_sensitivity_folder() {
    use calamine::{Data, Reader, Xlsx, open_workbook};
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("sens");
    sensitivity(&dir, &["--samples", "32"]).success();
    bilateral()
        .arg("report")
        .arg(&dir)
        .arg("--xlsx")
        .assert()
        .success();
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(html.contains("What drives the outcomes"));
    let charts = html.matches("<svg").count();
    assert_eq!(charts, 8, "one chart per headline metric");
    // Per chart: the noise and eight parameters, each with an S1 and an ST bar.
    assert_eq!(html.matches("<rect x=").count(), charts * 9 * 2);
    assert!(html.contains(">mx.approval_baseline_pct</text>"));
    let mut wb: Xlsx<_> = open_workbook(dir.join("results.xlsx")).unwrap();
    assert_eq!(wb.sheet_names(), ["Sensitivity", "Manifest"]);
    let range = wb.worksheet_range("Sensitivity").unwrap();
    let (_, rows) = read_csv(&dir.join("sensitivity.csv"));
    assert_eq!(range.rows().count(), rows.len() + 1);
    let first = range.rows().nth(1).unwrap();
    assert_eq!(first[0], Data::String(rows[0][0].clone()));
    let manifest = std::fs::read_to_string(dir.join("manifest.json")).unwrap();
    assert!(manifest.contains("\"report.html\"") && manifest.contains("\"results.xlsx\""));
}
