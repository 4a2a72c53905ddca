//! End-to-end tests of `bilateral run` through the binary.

mod common;

use std::fs;

use common::*;
use predicates::prelude::*;

fn run(dir: &std::path::Path, scenario: &str, extra: &[&str]) {
    bilateral()
        .arg("run")
        .arg(common::scenario(scenario))
        .arg("--out")
        .arg(dir)
        .arg("--quiet")
        .args(extra)
        .assert()
        .success();
}

#[test]
fn same_seed_gives_byte_identical_files_at_one_and_two_threads() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("t1"), tmp.path().join("t2"));
    // 700 runs: several parallel batches and a partial last chunk.
    run(
        &a,
        "us_mexico_2025-09.toml",
        &["--runs", "700", "--threads", "1"],
    );
    run(
        &b,
        "us_mexico_2025-09.toml",
        &["--runs", "700", "--threads", "2"],
    );
    for file in ["summary.csv", "timeseries.csv", "runs.csv"] {
        let x = fs::read(a.join(file)).unwrap();
        let y = fs::read(b.join(file)).unwrap();
        assert!(!x.is_empty());
        assert!(x == y, "{file} differs between 1 and 2 threads");
    }
}

#[test]
fn a_different_seed_gives_different_results() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("s1"), tmp.path().join("s2"));
    run(
        &a,
        "us_mexico_2025-02.toml",
        &["--runs", "300", "--seed", "1"],
    );
    run(
        &b,
        "us_mexico_2025-02.toml",
        &["--runs", "300", "--seed", "2"],
    );
    let x = fs::read(a.join("runs.csv")).unwrap();
    let y = fs::read(b.join("runs.csv")).unwrap();
    assert_ne!(x, y);
    let m1 = summary_value(&a, "baseline", "mx_approval_pct_end", "mean");
    let m2 = summary_value(&b, "baseline", "mx_approval_pct_end", "mean");
    assert_ne!(m1, m2);
}

#[test]
fn outputs_have_the_documented_columns_and_numbers_parse() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("out");
    run(&dir, "us_mexico_2025-09.toml", &["--runs", "128"]);
    let levers = bilateral::scenario::Scenario::load(&scenario("us_mexico_2025-09.toml"))
        .unwrap()
        .levers
        .len();
    assert!(levers >= 5);

    let (h, rows) = read_csv(&dir.join("summary.csv"));
    assert_eq!(
        h.join(","),
        "scenario,lever,metric,n,mean,sd,min,p05,p25,p50,p75,p95,max"
    );
    assert_eq!(
        rows.len(),
        bilateral::model::outcome::METRICS.len() * levers
    );
    for r in &rows {
        let n: u64 = r[3].parse().unwrap();
        if r[2] != "weeks_to_agreement" {
            assert_eq!(n, 128, "{r:?}");
        }
        for cell in &r[4..] {
            assert!(
                cell.is_empty() || cell.parse::<f64>().is_ok_and(f64::is_finite),
                "{r:?}"
            );
        }
        if n > 0 {
            let v: Vec<f64> = r[6..].iter().map(|c| c.parse().unwrap()).collect();
            assert!(
                v.windows(2).all(|w| w[0] <= w[1]),
                "min <= quantiles <= max: {r:?}"
            );
        }
    }

    let (h, rows) = read_csv(&dir.join("timeseries.csv"));
    assert_eq!(
        h.join(","),
        "scenario,lever,month,date,variable,n,mean,sd,p05,p25,p50,p75,p95"
    );
    let expected_vars = [
        "us_tariff_pct",
        "us_tariff_effective_pct",
        "mx_tariff_pct",
        "exempt_share",
        "threat_active",
        "extraditions_cum",
        "cooperation_level",
        "agreement_signed_ever",
        "mx_retaliated_ever",
        "us_strike_mx_ever",
        "mx_approval_pct",
        "trust",
        "drug_flow_index",
        "trade_index",
        "us_demand",
    ];
    for v in expected_vars {
        let n = rows
            .iter()
            .filter(|r| r[4] == v && r[1] == "baseline")
            .count();
        assert_eq!(n, 24, "{v} once per month end");
    }
    let dates: Vec<&str> = rows
        .iter()
        .filter(|r| r[4] == "trust" && r[1] == "baseline")
        .map(|r| r[3].as_str())
        .collect();
    assert_eq!(dates.first(), Some(&"2025-09"));
    assert_eq!(dates.last(), Some(&"2027-08"));

    let (h, rows) = read_csv(&dir.join("runs.csv"));
    assert_eq!(&h[..3], ["run", "lever", "seed"]);
    assert!(
        h.contains(&"us.hawkishness".to_string()),
        "uncertainty columns named by path"
    );
    assert_eq!(rows.len(), 128 * levers);
    let wta = col(&h, "weeks_to_agreement");
    let signed = col(&h, "agreement_signed");
    for r in &rows {
        // An event that did not happen is an empty cell.
        assert_eq!(r[wta].is_empty(), r[signed] == "0", "{r:?}");
        assert!(r[2].starts_with("0x"));
    }

    let manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["runs"], 128);
    assert_eq!(manifest["seed"], 20250903);
    assert_eq!(manifest["horizon_weeks"], 104);
    assert_eq!(manifest["levers"].as_array().unwrap().len(), levers);
    assert_eq!(manifest["scenario_sha256"].as_str().unwrap().len(), 64);
    assert!(
        manifest["rng_crates"]["rand_xoshiro"]
            .as_str()
            .unwrap()
            .starts_with("0.")
    );
}

#[test]
fn selecting_a_lever_runs_it_with_the_baseline_and_identical_baseline_numbers() {
    let tmp = tempfile::tempdir().unwrap();
    let (all, one) = (tmp.path().join("all"), tmp.path().join("one"));
    run(&all, "us_mexico_2025-09.toml", &["--runs", "100"]);
    run(
        &one,
        "us_mexico_2025-09.toml",
        &["--runs", "100", "--lever", "mx_retaliates"],
    );
    let (_, rows) = read_csv(&one.join("summary.csv"));
    let levers: std::collections::BTreeSet<&str> = rows.iter().map(|r| r[1].as_str()).collect();
    assert_eq!(
        levers.into_iter().collect::<Vec<_>>(),
        ["baseline", "mx_retaliates"]
    );
    // Running fewer levers changes nothing about the baseline's numbers.
    let pick = |dir: &std::path::Path| {
        read_csv(&dir.join("summary.csv"))
            .1
            .into_iter()
            .filter(|r| r[1] == "baseline")
            .collect::<Vec<_>>()
    };
    assert_eq!(pick(&all), pick(&one));
}

#[test]
fn outputs_go_to_the_default_folder_and_only_bilateral_files_are_replaced() {
    let tmp = tempfile::tempdir().unwrap();
    let scen = tmp.path().join("my scenario ñ.toml");
    fs::copy(scenario("us_mexico_2025-02.toml"), &scen).unwrap();
    let out = tmp.path().join("output").join("my scenario ñ");
    fs::create_dir_all(&out).unwrap();
    fs::write(out.join("notes.txt"), "mine").unwrap();
    bilateral()
        .current_dir(tmp.path())
        .args(["run", "my scenario ñ.toml", "--runs", "50"])
        .assert()
        .success()
        .stdout(predicate::str::contains("output/my scenario ñ"));
    for f in ["summary.csv", "timeseries.csv", "runs.csv", "manifest.json"] {
        assert!(out.join(f).is_file(), "{f}");
    }
    assert_eq!(fs::read_to_string(out.join("notes.txt")).unwrap(), "mine");
    let leftovers: Vec<_> = fs::read_dir(&out)
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            name.ends_with(".tmp").then_some(name)
        })
        .collect();
    assert!(leftovers.is_empty(), "no temp files left: {leftovers:?}");
}

#[test]
fn no_runs_flag_skips_runs_csv() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("out");
    run(
        &dir,
        "us_mexico_2025-02.toml",
        &["--runs", "50", "--no-runs"],
    );
    assert!(dir.join("summary.csv").is_file());
    assert!(!dir.join("runs.csv").exists());
}

#[test]
fn an_output_folder_under_a_file_is_refused_before_running_with_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    let blocker = tmp.path().join("a_file");
    fs::write(&blocker, "x").unwrap();
    bilateral()
        .arg("run")
        .arg(scenario("us_mexico_2025-02.toml"))
        .args(["--runs", "10", "--out"])
        .arg(blocker.join("sub"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("a_file/sub"))
        .stderr(predicate::str::contains("a_file is a file, not a folder"));
    assert_eq!(fs::read(&blocker).unwrap(), b"x", "the file is untouched");
    // --out naming the file itself.
    bilateral()
        .arg("run")
        .arg(scenario("us_mexico_2025-02.toml"))
        .args(["--runs", "10", "--out"])
        .arg(&blocker)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is a file, not a folder"));
}

#[test]
fn the_run_prints_where_outputs_went_and_a_headline_table() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("out");
    bilateral()
        .arg("run")
        .arg(scenario("us_mexico_2025-09.toml"))
        .args(["--runs", "64", "--out"])
        .arg(&dir)
        .assert()
        .success()
        .stdout(predicate::str::contains(dir.display().to_string()))
        .stdout(predicate::str::contains("us_tariff_pct_end"))
        .stdout(predicate::str::contains("us_strikes_cartels"));
}

#[test]
fn until_ci_says_on_the_terminal_when_it_ran_out_of_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    // A half-width of 0.001 percentage points is out of reach in 64 runs.
    bilateral()
        .arg("run")
        .arg(scenario("us_mexico_2025-02.toml"))
        .args([
            "--runs",
            "64",
            "--until-ci",
            "mx_approval_pct_end=0.001",
            "--quiet",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success()
        .stdout("")
        .stderr(predicate::str::contains(
            "note: ran all 64 runs (--runs) before the 95% half-width",
        ))
        .stderr(predicate::str::contains("raise --runs"));
    // Reached: the results table says where it stopped, no note.
    bilateral()
        .arg("run")
        .arg(scenario("us_mexico_2025-02.toml"))
        .args([
            "--runs",
            "20000",
            "--until-ci",
            "mx_approval_pct_end=0.5",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success()
        .stdout(predicate::str::contains("stopped after"))
        .stderr(predicate::str::contains("note:").not());
}

#[test]
fn counts_of_one_are_singular() {
    let tmp = tempfile::tempdir().unwrap();
    bilateral()
        .arg("run")
        .arg(scenario("us_mexico_2025-02.toml"))
        .args(["--runs", "1", "--lever", "baseline", "--out"])
        .arg(tmp.path().join("out"))
        .assert()
        .success()
        .stdout(predicate::str::starts_with("1 run x 1 lever in "));
}

#[test]
fn a_missing_scenario_suggests_the_nearest_name() {
    let wrong = scenario("us_mexico_2025-9.toml");
    bilateral()
        .arg("run")
        .arg(&wrong)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no such file"))
        .stderr(predicate::str::contains("did you mean"))
        .stderr(predicate::str::contains("us_mexico_2025-09.toml"));
}

#[test]
fn scoring_a_folder_without_timeseries_says_to_run_first() {
    let tmp = tempfile::tempdir().unwrap();
    let empty = tmp.path().join("empty");
    fs::create_dir(&empty).unwrap();
    bilateral()
        .arg("score")
        .arg(&empty)
        .arg("--observed")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/data/observed_us_mexico_2025.csv"
        ))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("holds no timeseries.csv"))
        .stderr(predicate::str::contains("run first: `bilateral run"));
}

#[test]
fn the_progress_bar_counts_and_rates_runs_as_the_final_line_does() {
    // A terminal for stderr, where the bar is drawn (`script`, util-linux).
    let tmp = tempfile::tempdir().unwrap();
    let command = format!(
        "{} run {} --runs 3000 --threads 1 --out {}",
        assert_cmd::cargo::cargo_bin("bilateral").display(),
        scenario("us_mexico_2025-09.toml").display(),
        tmp.path().join("out").display()
    );
    let out = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .output()
        .expect("script (util-linux) runs");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout).replace('\r', "\n");
    let bars: Vec<&str> = text.lines().filter(|l| l.contains("/24000 runs")).collect();
    assert!(!bars.is_empty(), "a bar of 3000 runs x 8 levers: {text}");
    let number_before = |line: &str, unit: &str| -> f64 {
        let head = &line[..line.find(unit).unwrap()];
        let word = head.split([' ', '(']).rfind(|w| !w.is_empty()).unwrap();
        word.parse()
            .unwrap_or_else(|_| panic!("`{word}` before {unit} is a whole number"))
    };
    let bar_rate = number_before(bars.last().unwrap(), " runs/s");
    let last = text
        .lines()
        .find(|l| l.contains("runs x 8 levers in"))
        .unwrap();
    let final_rate = number_before(last, " runs/s");
    // The final line's time includes writing the files, the bar's not.
    assert!(
        final_rate <= bar_rate * 1.5 && final_rate >= bar_rate / 2.0,
        "bar {bar_rate} runs/s, final line {final_rate} runs/s"
    );
}
