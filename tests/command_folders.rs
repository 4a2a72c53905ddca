//! Each command's outputs have a place of their own: a sweep into the
//! default folder leaves the run's manifest.json (which `report` reads)
//! and CSV files as they were.

mod common;

use std::fs;

use calamine::{Reader, Xlsx, open_workbook};
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

#[test]
fn robust_discover_and_sensitivity_write_folders_of_their_own() {
    let tmp = tempfile::tempdir().unwrap();
    fs::copy(
        scenario("us_mexico_2025-09.toml"),
        tmp.path().join("s.toml"),
    )
    .unwrap();
    bilateral()
        .current_dir(tmp.path())
        .args(["run", "s.toml", "--runs", "40", "--quiet"])
        .assert()
        .success();
    let out = tmp.path().join("output").join("s");
    let before: Vec<(String, Vec<u8>)> = ["manifest.json", "summary.csv", "runs.csv"]
        .iter()
        .map(|f| (f.to_string(), fs::read(out.join(f)).unwrap()))
        .collect();
    for args in [
        &[
            "robust",
            "s.toml",
            "--objective",
            "trade_loss_usd_bn=min",
            "--runs",
            "40",
        ][..],
        &[
            "discover",
            "s.toml",
            "--lever",
            "baseline",
            "--when",
            "mx_approval_pct_end > 60",
            "--runs",
            "40",
        ][..],
        &[
            "sensitivity",
            "s.toml",
            "--lever",
            "baseline",
            "--samples",
            "8",
        ][..],
    ] {
        bilateral()
            .current_dir(tmp.path())
            .args(args)
            .arg("--quiet")
            .assert()
            .success();
    }
    for (name, bytes) in &before {
        assert_eq!(
            &fs::read(out.join(name)).unwrap(),
            bytes,
            "{name} of the run"
        );
    }
    for (folder, table) in [
        ("robust", "robust.csv"),
        ("discover", "discovery.csv"),
        ("sensitivity", "sensitivity.csv"),
    ] {
        assert!(!out.join(table).exists(), "{table} beside the run's files");
        let dir = out.join(folder);
        assert!(dir.join(table).is_file(), "{folder}/{table}");
        let manifest: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap();
        assert_eq!(
            manifest["files"],
            serde_json::json!([table, "manifest.json"])
        );
        assert_eq!(manifest["analysis"]["command"], folder);
    }
    // A workbook for each: the table's sheet and the manifest's.
    for (folder, sheet) in [
        ("robust", "Robust"),
        ("discover", "Discovery"),
        ("sensitivity", "Sensitivity"),
    ] {
        bilateral()
            .arg("report")
            .arg(out.join(folder))
            .arg("--xlsx")
            .assert()
            .success();
        let mut wb: Xlsx<_> = open_workbook(out.join(folder).join("results.xlsx")).unwrap();
        assert_eq!(wb.sheet_names(), [sheet, "Manifest"]);
        assert!(wb.worksheet_range(sheet).unwrap().rows().count() > 2);
    }
}
