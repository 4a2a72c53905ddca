//! An output folder is one transaction: every command leaves a folder whose
//! files, manifest.json and datapackage.json agree; stale files of an
//! earlier run go; a failure part-way changes nothing and says so once;
//! the default folder never leaves `output/`.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::*;

/// The names of the files in `dir`, temp files included.
fn listing(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Asserts the folder holds exactly the files manifest.json lists, and the
/// data package describes exactly the CSV tables among them (but sweep.csv,
/// which has no package).
fn assert_agrees(dir: &Path) {
    let manifest = json(&dir.join("manifest.json"));
    let files: BTreeSet<String> = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap().to_string())
        .collect();
    assert_eq!(listing(dir), files, "files on disk = manifest.json's files");
    if files.contains("datapackage.json") {
        let package = json(&dir.join("datapackage.json"));
        let described: BTreeSet<String> = package["resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["path"].as_str().unwrap().to_string())
            .collect();
        let tables: BTreeSet<String> = files
            .iter()
            .filter(|f| f.ends_with(".csv"))
            .cloned()
            .collect();
        assert_eq!(described, tables, "datapackage.json = the run's tables");
        for r in package["resources"].as_array().unwrap() {
            assert_eq!(r["profile"], "tabular-data-resource");
        }
    }
}

fn run(out: &Path, extra: &[&str]) {
    bilateral()
        .arg("run")
        .arg(scenario("us_mexico_2025-09.toml"))
        .args(["--runs", "60", "--quiet", "--out"])
        .arg(out)
        .args(extra)
        .assert()
        .success();
}

#[test]
fn a_smaller_run_into_the_same_folder_leaves_no_stale_files() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    run(&out, &["--xlsx", "--report"]);
    assert!(out.join("compare.csv").is_file());
    assert_agrees(&out);
    run(&out, &["--lever", "baseline", "--no-runs"]);
    for stale in [
        "compare.csv",
        "decision.csv",
        "runs.csv",
        "results.xlsx",
        "report.html",
    ] {
        assert!(
            !out.join(stale).exists(),
            "{stale} of the first run is gone"
        );
    }
    assert_agrees(&out);
}

#[test]
fn every_command_leaves_a_folder_that_agrees_with_its_manifest() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    run(&out, &["--xlsx", "--report"]);
    assert_agrees(&out);

    let parts = tmp.path().join("parts");
    for shard in ["1/2", "2/2"] {
        run(&parts, &["--shard", shard]);
    }
    let merged = tmp.path().join("merged");
    bilateral()
        .arg("merge")
        .arg(parts.join("partial-1-of-2.json"))
        .arg(parts.join("partial-2-of-2.json"))
        .arg("--out")
        .arg(&merged)
        .arg("--quiet")
        .assert()
        .success();
    assert_agrees(&merged);

    bilateral()
        .arg("report")
        .arg(&merged)
        .arg("--xlsx")
        .assert()
        .success();
    assert_agrees(&merged);
    assert!(merged.join("report.html").is_file());

    // A sweep into the run's folder replaces the run: its files go.
    bilateral()
        .arg("sweep")
        .arg(scenario("us_mexico_2025-09.toml"))
        .args(["--param", "us.demand_ratchet=0.1:0.5:2", "--runs", "5"])
        .arg("--quiet")
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    assert_agrees(&out);
    assert_eq!(
        listing(&out),
        BTreeSet::from(["manifest.json".to_string(), "sweep.csv".to_string()])
    );

    // By default a sweep writes to output/<stem>/sweep/, its own folder: the
    // run's folder output/<stem> keeps its files and still agrees.
    let work = tmp.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    bilateral()
        .current_dir(&work)
        .arg("run")
        .arg(scenario("us_mexico_2025-09.toml"))
        .args(["--runs", "5", "--quiet"])
        .assert()
        .success();
    let stem = work.join("output/us_mexico_2025-09");
    let before = listing(&stem);
    bilateral()
        .current_dir(&work)
        .arg("sweep")
        .arg(scenario("us_mexico_2025-09.toml"))
        .args(["--param", "us.demand_ratchet=0.1:0.5:2", "--runs", "5"])
        .arg("--quiet")
        .assert()
        .success();
    let sweep = stem.join("sweep");
    assert_agrees(&sweep);
    assert!(sweep.join("sweep.csv").is_file());
    let mut after = listing(&stem);
    assert!(after.remove("sweep"), "the sweep has its own folder");
    assert_eq!(after, before, "the run's files stay");
    let manifest = json(&stem.join("manifest.json"));
    let files: BTreeSet<String> = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap().to_string())
        .collect();
    assert_eq!(after, files, "the run's folder still agrees");
}

#[test]
fn the_report_draws_only_the_files_the_manifest_names() {
    let tmp = tempfile::tempdir().unwrap();
    let (full, small) = (tmp.path().join("full"), tmp.path().join("small"));
    run(&full, &[]);
    run(&small, &["--lever", "baseline"]);
    // A compare.csv of another run dropped into the folder is not the run's.
    std::fs::copy(full.join("compare.csv"), small.join("compare.csv")).unwrap();
    bilateral().arg("report").arg(&small).assert().success();
    let html = std::fs::read_to_string(small.join("report.html")).unwrap();
    assert!(
        !html.contains("mx_retaliates"),
        "no lever of the other run in the report"
    );
    assert_agrees(&small);
}

#[test]
fn the_report_refuses_a_corrupt_manifest() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    run(&out, &[]);
    std::fs::write(out.join("manifest.json"), "{ not json").unwrap();
    let result = bilateral().arg("report").arg(&out).output().unwrap();
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert_ne!(result.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("manifest.json"), "{stderr}");
    assert!(!out.join("report.html").exists());
}

#[test]
fn a_folder_in_the_way_changes_nothing_and_says_so_once() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    run(&out, &[]);
    let before: Vec<(String, Vec<u8>)> = listing(&out)
        .into_iter()
        .filter(|f| f != "timeseries.csv")
        .map(|f| {
            let bytes = std::fs::read(out.join(&f)).unwrap();
            (f, bytes)
        })
        .collect();
    std::fs::remove_file(out.join("timeseries.csv")).unwrap();
    std::fs::create_dir(out.join("timeseries.csv")).unwrap();
    let result = bilateral()
        .arg("run")
        .arg(scenario("us_mexico_2025-09.toml"))
        .args(["--runs", "70", "--seed", "5", "--quiet", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert_eq!(result.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("timeseries.csv"),
        "names the file: {stderr}"
    );
    assert_eq!(stderr.matches("error:").count(), 1, "{stderr}");
    assert_eq!(stderr.matches("was changed").count(), 1, "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    for (f, bytes) in &before {
        assert_eq!(&std::fs::read(out.join(f)).unwrap(), bytes, "{f} unchanged");
    }
    let mut expected: BTreeSet<String> = before.into_iter().map(|(f, _)| f).collect();
    expected.insert("timeseries.csv".into());
    assert_eq!(listing(&out), expected, "no temp file left");
}

#[test]
fn a_scenario_stem_of_dot_dot_stays_inside_output() {
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path().join("work");
    std::fs::create_dir(&work).unwrap();
    std::fs::copy(scenario("us_mexico_2025-09.toml"), work.join("...toml")).unwrap();
    bilateral()
        .current_dir(&work)
        .args(["run", "...toml", "--runs", "10", "--quiet"])
        .assert()
        .success();
    assert!(
        !work.join("summary.csv").exists(),
        "nothing in the current folder"
    );
    assert!(!tmp.path().join("summary.csv").exists());
    assert!(work.join("output/scenario/summary.csv").is_file());
}

#[cfg(unix)]
#[test]
fn an_out_that_is_a_dangling_link_is_named_as_such() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    std::os::unix::fs::symlink(tmp.path().join("missing"), &out).unwrap();
    let result = bilateral()
        .arg("run")
        .arg(scenario("us_mexico_2025-09.toml"))
        .args(["--runs", "10", "--quiet", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert_eq!(result.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("a link to a folder that does not exist"),
        "{stderr}"
    );
    assert!(!stderr.contains("File exists"), "{stderr}");
}
