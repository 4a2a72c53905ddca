//! Lever comparison (compare.csv, decision.csv), rules and sweeps, through
//! the binary.

mod common;

use std::collections::HashMap;
use std::path::Path;

use common::*;
use predicates::prelude::*;

fn run_sep(dir: &Path, extra: &[&str]) {
    bilateral()
        .arg("run")
        .arg(scenario("us_mexico_2025-09.toml"))
        .args(["--quiet", "--out"])
        .arg(dir)
        .args(extra)
        .assert()
        .success();
}

fn mean_sd(x: &[f64]) -> (f64, f64) {
    let n = x.len() as f64;
    let m = x.iter().sum::<f64>() / n;
    (
        m,
        (x.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (n - 1.0)).sqrt(),
    )
}

/// Per lever and metric, the values of every run (in run order), from runs.csv.
fn per_run(dir: &Path) -> HashMap<(String, String), Vec<f64>> {
    let (h, rows) = read_csv(&dir.join("runs.csv"));
    let first_metric = col(&h, "us_tariff_pct_end");
    // The metrics are contiguous in runs.csv, in the order of the registry.
    let last_metric = first_metric + bilateral::model::outcome::METRICS.len() - 1;
    let mut out: HashMap<(String, String), Vec<f64>> = HashMap::new();
    for r in &rows {
        for c in first_metric..=last_metric {
            let v = if r[c].is_empty() {
                f64::NAN
            } else {
                r[c].parse().unwrap()
            };
            out.entry((r[1].clone(), h[c].clone())).or_default().push(v);
        }
    }
    out
}

#[test]
fn compare_csv_matches_an_independent_paired_computation_and_pairing_pays() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("out");
    run_sep(&dir, &["--runs", "400"]);
    let values = per_run(&dir);
    let (h, rows) = read_csv(&dir.join("compare.csv"));
    assert_eq!(
        h.join(","),
        "scenario,lever,baseline,metric,n,mean_lever,mean_baseline,mean_delta,sd_delta,ci_low,ci_high,p_lever_greater,p_lever_less"
    );
    let mut best_ratio = f64::INFINITY;
    let mut checked = 0;
    for r in &rows {
        assert_eq!(r[2], "baseline");
        let lever = &values[&(r[1].clone(), r[3].clone())];
        let base = &values[&("baseline".to_string(), r[3].clone())];
        let pairs: Vec<(f64, f64)> = lever
            .iter()
            .zip(base)
            .filter(|(a, b)| !a.is_nan() && !b.is_nan())
            .map(|(a, b)| (*a, *b))
            .collect();
        assert_eq!(r[4].parse::<usize>().unwrap(), pairs.len(), "{r:?}");
        if pairs.len() < 30 {
            continue;
        }
        let d: Vec<f64> = pairs.iter().map(|(a, b)| a - b).collect();
        let (md, sd) = mean_sd(&d);
        let n = d.len() as f64;
        // t(0.975, n-1) from statrs, independent of the crate's own quantile code.
        let t975 = {
            use statrs::distribution::{ContinuousCDF, StudentsT};
            StudentsT::new(0.0, 1.0, n - 1.0)
                .unwrap()
                .inverse_cdf(0.975)
        };
        let half = t975 * sd / n.sqrt();
        let got = |c: &str| r[col(&h, c)].parse::<f64>().unwrap();
        assert!((got("mean_delta") - md).abs() < 1e-4, "{r:?}");
        if sd > 0.0 {
            let width = got("ci_high") - got("ci_low");
            assert!(
                (width / (2.0 * half) - 1.0).abs() < 0.01,
                "{r:?}: width {width} vs {}",
                2.0 * half
            );
            // The unpaired interval from the same runs.
            let l: Vec<f64> = pairs.iter().map(|p| p.0).collect();
            let b: Vec<f64> = pairs.iter().map(|p| p.1).collect();
            let (_, sl) = mean_sd(&l);
            let (_, sb) = mean_sd(&b);
            let unpaired = 2.0 * t975 * (sl * sl / n + sb * sb / n).sqrt();
            if unpaired > 0.0 {
                best_ratio = best_ratio.min(width / unpaired);
            }
            checked += 1;
        }
        let greater = pairs.iter().filter(|(a, b)| a > b).count() as f64 / n;
        assert!((got("p_lever_greater") - greater).abs() < 1e-6);
    }
    assert!(checked > 50);
    // Common random numbers make some paired intervals far narrower.
    assert!(
        best_ratio < 0.5,
        "narrowest paired/unpaired ratio {best_ratio}"
    );
}

#[test]
fn decision_csv_has_one_row_per_lever_and_agrees_with_compare_csv() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("out");
    run_sep(&dir, &["--runs", "150"]);
    let (h, rows) = read_csv(&dir.join("decision.csv"));
    assert_eq!(&h[..3], ["scenario", "lever", "baseline"]);
    assert!(
        h.contains(&"us_tariff_pct_end_mean".to_string())
            && h.contains(&"trade_loss_usd_bn_delta".to_string())
    );
    let (ch, crow) = read_csv(&dir.join("compare.csv"));
    for r in &rows {
        let delta: f64 = r[col(&h, "us_tariff_pct_end_delta")].parse().unwrap();
        if r[1] == "baseline" {
            assert_eq!(delta, 0.0);
            continue;
        }
        let c = crow
            .iter()
            .find(|c| c[1] == r[1] && c[3] == "us_tariff_pct_end")
            .unwrap();
        assert_eq!(delta, c[col(&ch, "mean_delta")].parse::<f64>().unwrap());
    }
    let levers = bilateral::scenario::Scenario::load(&scenario("us_mexico_2025-09.toml"))
        .unwrap()
        .levers
        .len();
    assert_eq!(rows.len(), levers);
}

#[test]
fn another_lever_can_be_the_reference() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("out");
    run_sep(
        &dir,
        &[
            "--runs",
            "64",
            "--baseline",
            "mx_retaliates",
            "--lever",
            "formal_agreement",
        ],
    );
    let (_, rows) = read_csv(&dir.join("compare.csv"));
    let levers: std::collections::BTreeSet<&str> = rows.iter().map(|r| r[1].as_str()).collect();
    assert_eq!(
        levers.into_iter().collect::<Vec<_>>(),
        ["baseline", "formal_agreement"]
    );
    assert!(rows.iter().all(|r| r[2] == "mx_retaliates"));
}

#[test]
fn a_single_lever_run_writes_no_comparison() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("out");
    run_sep(&dir, &["--runs", "20", "--lever", "baseline"]);
    assert!(dir.join("summary.csv").is_file());
    assert!(!dir.join("compare.csv").exists());
}

#[test]
fn rule_firings_are_counted_in_runs_csv_and_shown_in_the_trace() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("out");
    run_sep(&dir, &["--runs", "30", "--lever", "cut_for_transfers"]);
    let (h, rows) = read_csv(&dir.join("runs.csv"));
    let fired = col(&h, "rule_cut_after_batch_fired");
    let total: u32 = rows
        .iter()
        .filter(|r| r[1] == "cut_for_transfers")
        .map(|r| r[fired].parse::<u32>().unwrap())
        .sum();
    assert!(total > 0, "the rule fires in some runs");
    assert!(
        rows.iter()
            .filter(|r| r[1] == "baseline")
            .all(|r| r[fired] == "0")
    );
    for r in rows.iter().filter(|r| r[1] == "cut_for_transfers").take(8) {
        let out = bilateral()
            .arg("trace")
            .arg(scenario("us_mexico_2025-09.toml"))
            .args(["--lever", "cut_for_transfers", "--run", &r[0]])
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        let in_trace = text
            .lines()
            .filter(|l| l.contains("rule cut_after_batch:"))
            .count();
        assert_eq!(in_trace.to_string(), r[fired], "run {}", r[0]);
    }
}

#[test]
fn a_rule_lever_moves_its_target_in_the_intended_direction() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("out");
    run_sep(
        &dir,
        &["--runs", "300", "--no-runs", "--lever", "plan_b_above_25"],
    );
    let base = summary_value(&dir, "baseline", "mx_retaliated", "mean");
    let rule = summary_value(&dir, "plan_b_above_25", "mx_retaliated", "mean");
    let escalated = summary_value(&dir, "baseline", "max_us_tariff_pct", "p75");
    // Plan B fires whenever the tariff goes above 25%, which happens often.
    assert!(escalated > 25.0);
    assert!(rule > base + 0.3, "{rule} vs {base}");
}

#[test]
fn rule_errors_point_at_the_column_and_suggest_the_variable() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = variant(
        tmp.path(),
        "us_mexico_2025-09.toml",
        &[
            (
                "when = \"mx.transfers_last_8w >= 20 and us_tariff_pct > 0\"",
                "when = \"mx.transfer_last_8w >= 20 and us_tariff_pct > 0\"",
            ),
            ("do = \"retaliate\"", "do = \"retaliat\""),
        ],
    );
    let text = std::fs::read_to_string(&bad).unwrap();
    let line = text
        .lines()
        .position(|l| l.starts_with("when = \"mx.transfer_last_8w"))
        .unwrap()
        + 1;
    bilateral()
        .arg("validate")
        .arg(&bad)
        .assert()
        .code(2)
        // Column 9 of the line: just past `when = "`.
        .stderr(predicate::str::contains(format!(":{line}:9: in condition")))
        .stderr(predicate::str::contains(
            "at column 1: unknown variable `mx.transfer_last_8w`",
        ))
        .stderr(predicate::str::contains(
            "did you mean `mx.transfers_last_8w`?",
        ))
        .stderr(predicate::str::contains("did you mean `retaliate`?"));
}

#[test]
fn a_grid_sweep_writes_every_point_and_responds_to_the_swept_parameter() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    for (dir, threads) in [(&a, "1"), (&b, "2")] {
        bilateral()
            .arg("sweep")
            .arg(scenario("us_mexico_2025-09.toml"))
            .args([
                "--param",
                "mx.retaliation_bias=-2:4:3",
                "--param",
                "us.demand_ratchet=0.1:0.5:2",
            ])
            .args(["--runs", "200", "--quiet", "--threads", threads, "--out"])
            .arg(dir)
            .assert()
            .success();
    }
    assert_eq!(
        std::fs::read(a.join("sweep.csv")).unwrap(),
        std::fs::read(b.join("sweep.csv")).unwrap()
    );
    let (h, rows) = read_csv(&a.join("sweep.csv"));
    assert_eq!(
        &h[..4],
        [
            "scenario",
            "point",
            "mx.retaliation_bias",
            "us.demand_ratchet"
        ]
    );
    assert_eq!(rows.len(), 6 * bilateral::model::outcome::METRICS.len());
    let share = |bias: &str, ratchet: &str| -> f64 {
        rows.iter()
            .find(|r| r[2] == bias && r[3] == ratchet && r[5] == "mx_retaliated")
            .unwrap()[col(&h, "mean")]
        .parse()
        .unwrap()
    };
    for ratchet in ["0.1", "0.5"] {
        assert!(
            share("-2", ratchet) < share("1", ratchet) && share("1", ratchet) < share("4", ratchet)
        );
    }
    for r in &rows {
        // An interval needs two runs with the metric defined; else it is empty.
        let n: u64 = r[col(&h, "n")].parse().unwrap();
        assert_eq!(r[col(&h, "ci_low")].is_empty(), n < 2, "{r:?}");
        if n >= 2 {
            let get = |c: &str| r[col(&h, c)].parse::<f64>().unwrap();
            assert!(
                get("ci_low") <= get("mean") && get("mean") <= get("ci_high"),
                "{r:?}"
            );
        }
    }
}

#[test]
fn a_latin_hypercube_sweep_declared_in_the_scenario_file_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("with_sweep.toml");
    let mut text = std::fs::read_to_string(scenario("us_mexico_2025-09.toml")).unwrap();
    text.push_str("\n[sweep]\nsamples = 5\nlevers = [\"mx_retaliates\"]\n[sweep.params]\n\"us.hawkishness\" = \"1:5:2\"\n\"world.trust_baseline\" = \"0.2:0.6:2\"\n");
    std::fs::write(&path, text).unwrap();
    let dir = tmp.path().join("out");
    bilateral()
        .arg("sweep")
        .arg(&path)
        .args(["--runs", "40", "--quiet", "--out"])
        .arg(&dir)
        .assert()
        .success();
    let (h, rows) = read_csv(&dir.join("sweep.csv"));
    assert_eq!(rows.len(), 5 * 2 * bilateral::model::outcome::METRICS.len());
    let hawk = col(&h, "us.hawkishness");
    let mut strata: Vec<usize> = rows
        .iter()
        .filter(|r| r[col(&h, "metric")] == "threats_issued" && r[col(&h, "lever")] == "baseline")
        .map(|r| ((r[hawk].parse::<f64>().unwrap() - 1.0) / 4.0 * 5.0) as usize)
        .collect();
    strata.sort();
    assert_eq!(strata, [0, 1, 2, 3, 4], "one point per stratum");
    let manifest = std::fs::read_to_string(dir.join("manifest.json")).unwrap();
    assert!(manifest.contains("latin hypercube, 5 points"));
}

#[test]
fn a_sweep_of_an_unknown_parameter_is_a_usage_error() {
    bilateral()
        .arg("sweep")
        .arg(scenario("us_mexico_2025-09.toml"))
        .args(["--param", "us.demand_rachet=0.1:0.5:3", "--runs", "5"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "did you mean `us.demand_ratchet`?",
        ));
}
