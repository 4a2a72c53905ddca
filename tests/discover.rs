//! `bilateral discover`: PRIM over the runs `bilateral run` makes, through
//! the binary.

mod common;

use std::path::Path;

use bilateral::analysis::prim::{PrimOptions, prim};
use common::*;
use predicates::prelude::*;

const WHEN: &str = "trade_loss_usd_bn > 140";

fn discover(dir: &Path, extra: &[&str]) -> assert_cmd::assert::Assert {
    bilateral()
        .arg("discover")
        .arg(scenario("us_mexico_2025-09.toml"))
        .args(["--quiet", "--out"])
        .arg(dir)
        .args(extra)
        .assert()
}

#[test]
fn discovery_csv_is_prim_over_the_runs_csv_of_the_same_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("run"), tmp.path().join("discover"));
    bilateral()
        .arg("run")
        .arg(scenario("us_mexico_2025-09.toml"))
        .args([
            "--quiet",
            "--runs",
            "600",
            "--lever",
            "mx_retaliates",
            "--out",
        ])
        .arg(&a)
        .assert()
        .success();
    discover(
        &b,
        &["--runs", "600", "--lever", "mx_retaliates", "--when", WHEN],
    )
    .success();
    // PRIM on runs.csv's columns of the lever (6 decimals, as written).
    let (h, rows) = read_csv(&a.join("runs.csv"));
    let rows: Vec<&Vec<String>> = rows.iter().filter(|r| r[1] == "mx_retaliates").collect();
    let params: Vec<usize> = (col(&h, "seed") + 1..col(&h, "us_tariff_pct_end"))
        .filter(|&c| rows.iter().any(|r| r[c] != rows[0][c]))
        .collect();
    let x: Vec<Vec<f64>> = params
        .iter()
        .map(|&c| rows.iter().map(|r| r[c].parse().unwrap()).collect())
        .collect();
    let loss = col(&h, "trade_loss_usd_bn");
    let y: Vec<bool> = rows
        .iter()
        .map(|r| r[loss].parse::<f64>().unwrap() > 140.0)
        .collect();
    let curve = prim(&x, &y, PrimOptions::default()).unwrap();

    let (dh, drows) = read_csv(&b.join("discovery.csv"));
    assert_eq!(
        dh.join(","),
        "box,coverage,density,mass,n,k,restricted,parameter,low,high,qp_low,qp_high,chosen"
    );
    let boxes = drows.last().unwrap()[0].parse::<usize>().unwrap() + 1;
    assert_eq!(boxes, curve.len());
    assert!(boxes > 5, "PRIM peels: {boxes} boxes");
    for r in &drows {
        let bx = &curve[r[0].parse::<usize>().unwrap()];
        assert_eq!(r[4], bx.n.to_string());
        assert_eq!(r[5], bx.k.to_string());
        assert_eq!(r[6], bx.restricted.len().to_string());
        if r[7].is_empty() {
            continue;
        }
        let j = params.iter().position(|&c| h[c] == r[7]).unwrap();
        let low: f64 = r[8].parse().unwrap();
        let high: f64 = r[9].parse().unwrap();
        assert!(
            (low - bx.limits[j].0).abs() < 2e-6,
            "{}: {low} vs {:?}",
            r[7],
            bx.limits[j]
        );
        assert!(
            (high - bx.limits[j].1).abs() < 2e-6,
            "{}: {high} vs {:?}",
            r[7],
            bx.limits[j]
        );
    }
    // The first box holds every run; the chosen one is marked once.
    assert_eq!(drows[0][1], "1");
    assert_eq!(drows[0][4], "600");
    let chosen: Vec<&str> = drows
        .iter()
        .filter(|r| r[12] == "1")
        .map(|r| r[0].as_str())
        .collect();
    assert!(!chosen.is_empty() && chosen.iter().all(|c| *c == chosen[0]));
}

#[test]
fn discovery_csv_is_byte_identical_for_any_thread_count() {
    let tmp = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for threads in ["1", "2"] {
        let dir = tmp.path().join(threads);
        discover(
            &dir,
            &[
                "--runs",
                "300",
                "--threads",
                threads,
                "--lever",
                "mx_retaliates",
                "--when",
                WHEN,
            ],
        )
        .success();
        files.push(std::fs::read(dir.join("discovery.csv")).unwrap());
    }
    assert_eq!(files[0], files[1]);
}

#[test]
fn bad_options_are_usage_errors_that_name_the_option() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("out");
    let base = ["--runs", "100", "--lever", "mx_retaliates"];
    let with = |extra: &[&'static str]| -> Vec<&'static str> { [&base[..], extra].concat() };
    discover(&dir, &with(&["--when", "trade_loss > 1"]))
        .code(2)
        .stderr(predicate::str::contains(
            "--when `trade_loss > 1`: column 1: unknown variable `trade_loss`; did you mean `trade_loss_usd_bn`?",
        ));
    discover(&dir, &with(&["--when", "trade_loss_usd_bn > 1000000"]))
        .code(2)
        .stderr(predicate::str::contains("holds in none of the 100 runs"));
    discover(&dir, &with(&["--when", WHEN, "--peel-alpha", "0.7"]))
        .code(2)
        .stderr(predicate::str::contains(
            "--peel-alpha 0.7 must lie strictly between 0 and 0.5",
        ));
    discover(&dir, &["--lever", "mx_retaliate", "--when", WHEN])
        .code(2)
        .stderr(predicate::str::contains("did you mean `mx_retaliates`?"));
    assert!(!dir.join("discovery.csv").exists());
}

/// `bilateral report` on a discover folder: the trade-off curve has one
/// point per box of discovery.csv at its coverage and density, the chosen
/// box is marked, and its restrictions are listed; the workbook holds the
/// table as a sheet.
#[test]
fn the_report_and_workbook_of_a_discover_folder() {
    use calamine::{Reader, Xlsx, open_workbook};
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("discover");
    discover(
        &dir,
        &[
            "--runs",
            "400",
            "--lever",
            "plan_b_above_25",
            "--when",
            "trade_loss_usd_bn > 40",
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
    assert!(html.contains("Scenario discovery: where the condition holds"));
    let (h, rows) = read_csv(&dir.join("discovery.csv"));
    let (b, chosen, param) = (col(&h, "box"), col(&h, "chosen"), col(&h, "parameter"));
    let mut boxes: Vec<&str> = rows.iter().map(|r| r[b].as_str()).collect();
    boxes.dedup();
    assert!(boxes.len() > 2, "a trajectory of boxes");
    assert_eq!(
        html.matches("<circle ").count(),
        boxes.len(),
        "a point per box"
    );
    let chosen_rows: Vec<&Vec<String>> = rows.iter().filter(|r| r[chosen] == "1").collect();
    let chosen_box = &chosen_rows[0][b];
    assert_eq!(html.matches("data-chosen=\"1\"").count(), 1);
    assert!(html.contains(&format!("data-box=\"{chosen_box}\" data-chosen=\"1\"")));
    assert!(html.contains(&format!("<h3>The chosen box {chosen_box}:")));
    let table = &html[html.find("<h3>The chosen box").unwrap()..];
    for r in chosen_rows.iter().filter(|r| !r[param].is_empty()) {
        assert!(
            table.contains(&format!("<tr><td>{}</td>", r[param])),
            "restriction on {} listed",
            r[param]
        );
    }
    assert_eq!(
        table.matches("<tr><td>").count(),
        chosen_rows.iter().filter(|r| !r[param].is_empty()).count(),
        "only the chosen box's restrictions"
    );
    let mut wb: Xlsx<_> = open_workbook(dir.join("results.xlsx")).unwrap();
    assert_eq!(wb.sheet_names(), ["Discovery", "Manifest"]);
    let range = wb.worksheet_range("Discovery").unwrap();
    assert_eq!(range.rows().count(), rows.len() + 1);
}
