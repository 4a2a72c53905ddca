//! Sharded runs merged later give byte-identical outputs to one run.

mod common;

use std::path::Path;

use common::*;
use predicates::prelude::*;

fn run(out: &Path, extra: &[&str]) {
    bilateral()
        .arg("run")
        .arg(scenario("us_mexico_2025-09.toml"))
        .args(["--quiet", "--out"])
        .arg(out)
        .args(extra)
        .assert()
        .success();
}

#[test]
fn merged_shards_are_byte_identical_to_a_single_run() {
    let tmp = tempfile::tempdir().unwrap();
    let (full, parts, merged) = (
        tmp.path().join("full"),
        tmp.path().join("parts"),
        tmp.path().join("merged"),
    );
    // 301 runs over 4 shards: uneven blocks, chunks cut in the middle.
    run(&full, &["--runs", "301", "--threads", "2"]);
    // Shards in an arbitrary order, with different thread counts.
    for (shard, threads) in [("3/4", "1"), ("1/4", "2"), ("4/4", "2"), ("2/4", "1")] {
        run(
            &parts,
            &["--runs", "301", "--shard", shard, "--threads", threads],
        );
    }
    assert!(
        !parts.join("summary.csv").exists(),
        "a shard writes no final CSVs"
    );
    let partials: Vec<_> = (1..=4)
        .rev()
        .map(|i| parts.join(format!("partial-{i}-of-4.json")))
        .collect();
    bilateral()
        .arg("merge")
        .args(&partials)
        .arg("--out")
        .arg(&merged)
        .arg("--quiet")
        .assert()
        .success();
    for f in [
        "summary.csv",
        "timeseries.csv",
        "compare.csv",
        "decision.csv",
        "runs.csv",
    ] {
        let a = std::fs::read(full.join(f)).unwrap();
        let b = std::fs::read(merged.join(f)).unwrap();
        assert!(
            a == b,
            "{f} differs between the single run and the merged shards"
        );
    }
    let manifest = std::fs::read_to_string(merged.join("manifest.json")).unwrap();
    assert!(manifest.contains("\"merged_shards\": 4"));
}

#[test]
fn merge_refuses_missing_duplicate_or_foreign_shards() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    for shard in ["1/2", "2/2"] {
        run(&a, &["--runs", "40", "--shard", shard, "--no-runs"]);
    }
    run(
        &b,
        &["--runs", "40", "--shard", "2/2", "--no-runs", "--seed", "9"],
    );
    let p = |dir: &Path, i: u32| dir.join(format!("partial-{i}-of-2.json"));
    let out = tmp.path().join("out");
    bilateral()
        .arg("merge")
        .arg(p(&a, 1))
        .arg("--out")
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("every shard 1..2 exactly once"));
    bilateral()
        .arg("merge")
        .args([p(&a, 1), p(&a, 1), p(&a, 2)])
        .arg("--out")
        .arg(&out)
        .assert()
        .code(2);
    bilateral()
        .arg("merge")
        .args([p(&a, 1), p(&b, 2)])
        .arg("--out")
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("comes from a different run"));
    let junk = tmp.path().join("junk.json");
    std::fs::write(&junk, "{\"format\": \"something else\"}").unwrap();
    bilateral()
        .arg("merge")
        .arg(&junk)
        .arg("--out")
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "is not a bilateral partial result",
        ));
    // Without runs files, merge writes the tables and no runs.csv.
    bilateral()
        .arg("merge")
        .args([p(&a, 1), p(&a, 2)])
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    assert!(out.join("summary.csv").is_file() && !out.join("runs.csv").exists());
}

#[test]
fn a_bad_shard_spec_is_a_usage_error() {
    for bad in ["0/2", "3/2", "x/2", "1-2"] {
        bilateral()
            .arg("run")
            .arg(scenario("us_mexico_2025-02.toml"))
            .args(["--runs", "5", "--shard", bad])
            .assert()
            .code(2)
            .stderr(predicate::str::contains("is not I/N"));
    }
}
