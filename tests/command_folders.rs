//! Each command's outputs have a place of their own: a sweep into the
//! default folder leaves the run's manifest.json (which `report` reads)
//! and CSV files as they were.

mod common;

use std::fs;

use common::*;

#[test]
fn a_sweep_in_the_default_folder_does_not_touch_the_runs_outputs() {
    let tmp = tempfile::tempdir().unwrap();
    fs::copy(
        scenario("us_mexico_2025-02.toml"),
        tmp.path().join("s.toml"),
    )
    .unwrap();
    bilateral()
        .current_dir(tmp.path())
        .args(["run", "s.toml", "--runs", "40", "--quiet"])
        .assert()
        .success();
    let out = tmp.path().join("output").join("s");
    let manifest = fs::read(out.join("manifest.json")).unwrap();
    let summary = fs::read(out.join("summary.csv")).unwrap();
    bilateral()
        .current_dir(tmp.path())
        .args(["sweep", "s.toml", "--param", "us.hawkishness=1:3:2"])
        .args(["--runs", "10", "--quiet"])
        .assert()
        .success();
    assert_eq!(fs::read(out.join("manifest.json")).unwrap(), manifest);
    assert_eq!(fs::read(out.join("summary.csv")).unwrap(), summary);
    assert!(!out.join("sweep.csv").exists());
    let sweep = out.join("sweep");
    assert!(sweep.join("sweep.csv").is_file());
    let text = fs::read_to_string(sweep.join("manifest.json")).unwrap();
    assert!(
        text.contains("\"sweep\""),
        "the sweep's own manifest: {text}"
    );
}
