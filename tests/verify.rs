//! manifest.json records the SHA-256 of every file a command wrote;
//! `bilateral verify DIR` says which match, which are missing, which files
//! are not part of the run, and exits 1 on a mismatch.

mod common;

use std::path::Path;

use common::*;

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn run_into(out: &Path, extra: &[&str]) {
    bilateral()
        .arg("run")
        .arg(scenario("us_mexico_2025-09.toml"))
        .args(["--runs", "30", "--quiet", "--out"])
        .arg(out)
        .args(extra)
        .assert()
        .success();
}

fn verify(dir: &Path) -> (Option<i32>, String, String) {
    let out = bilateral().arg("verify").arg(dir).output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Asserts that manifest.json holds the SHA-256 of every other file it
/// lists (computed here independently) and that verify agrees.
fn assert_verified(dir: &Path) {
    let manifest = json(&dir.join("manifest.json"));
    let files: Vec<&str> = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .filter(|f| *f != "manifest.json")
        .collect();
    let hashes = manifest["sha256"].as_object().expect("sha256 recorded");
    assert_eq!(hashes.len(), files.len(), "one hash per file: {hashes:?}");
    for f in &files {
        use sha2::Digest as _;
        let expected = format!(
            "{:x}",
            sha2::Sha256::digest(std::fs::read(dir.join(f)).unwrap())
        );
        assert_eq!(hashes[*f].as_str().unwrap(), expected, "{f}");
    }
    let (code, stdout, stderr) = verify(dir);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    for f in &files {
        assert!(
            stdout.contains(&format!("ok         {f}\n")),
            "{f}: {stdout}"
        );
    }
    let matched = match files.len() {
        1 => "1 file matches".to_string(),
        n => format!("{n} files match"),
    };
    assert!(
        stdout.contains(&format!("{matched}, 0 differ, 0 missing")),
        "{stdout}"
    );
}

#[test]
fn manifest_records_the_sha256_of_every_file_of_run_report_and_sweep() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    run_into(&out, &["--xlsx"]);
    assert_verified(&out);
    bilateral().arg("report").arg(&out).assert().success();
    assert_verified(&out);
    let sweep = tmp.path().join("sweep");
    bilateral()
        .arg("sweep")
        .arg(scenario("us_mexico_2025-09.toml"))
        .args([
            "--param",
            "us.hawkishness=1:5:2",
            "--runs",
            "5",
            "--quiet",
            "--out",
        ])
        .arg(&sweep)
        .assert()
        .success();
    assert_verified(&sweep);
}

#[test]
fn manifest_records_the_sha256_of_every_merged_file() {
    let tmp = tempfile::tempdir().unwrap();
    let parts = tmp.path().join("parts");
    for shard in ["1/2", "2/2"] {
        run_into(&parts, &["--shard", shard]);
    }
    let out = tmp.path().join("merged");
    bilateral()
        .arg("merge")
        .arg(parts.join("partial-1-of-2.json"))
        .arg(parts.join("partial-2-of-2.json"))
        .arg("--quiet")
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    assert_verified(&out);
}

#[test]
fn verify_names_a_changed_and_a_missing_file_and_exits_1() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    run_into(&out, &[]);
    let mut summary = std::fs::read(out.join("summary.csv")).unwrap();
    summary[40] ^= 1;
    std::fs::write(out.join("summary.csv"), summary).unwrap();
    std::fs::remove_file(out.join("compare.csv")).unwrap();
    let (code, stdout, stderr) = verify(&out);
    assert_eq!(code, Some(1), "{stdout}{stderr}");
    assert!(
        stdout.contains("DIFFERS    summary.csv: SHA-256 "),
        "{stdout}"
    );
    assert!(stdout.contains("MISSING    compare.csv"), "{stdout}");
    assert!(stdout.contains("ok         timeseries.csv"), "{stdout}");
    assert!(stderr.contains("1 file differs, 1 missing"), "{stderr}");
}

#[test]
fn verify_lists_files_that_are_not_part_of_the_run() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    run_into(&out, &[]);
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    std::fs::write(out.join(".bilateral-x1.tmp"), "left").unwrap();
    let (code, stdout, stderr) = verify(&out);
    assert_eq!(
        code,
        Some(0),
        "extra files are not a mismatch: {stdout}{stderr}"
    );
    assert!(stdout.contains("not in run notes.txt\n"), "{stdout}");
    assert!(
        stdout.contains("not in run .bilateral-x1.tmp (a temp file"),
        "{stdout}"
    );
    assert!(stdout.contains("2 files in"), "{stdout}");
}

#[test]
fn report_does_not_bless_a_file_changed_after_the_run() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    run_into(&out, &[]);
    let mut runs = std::fs::read_to_string(out.join("runs.csv")).unwrap();
    runs.push_str("forged row\n");
    std::fs::write(out.join("runs.csv"), runs).unwrap();
    bilateral().arg("report").arg(&out).assert().success();
    let (code, stdout, _) = verify(&out);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(stdout.contains("DIFFERS    runs.csv"), "{stdout}");
    assert!(stdout.contains("ok         report.html"), "{stdout}");
}

#[test]
fn verify_does_not_follow_a_manifest_outside_its_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    run_into(&out, &[]);
    for bad in ["../secret", "/etc/passwd", "..", "a/b"] {
        let mut manifest = json(&out.join("manifest.json"));
        manifest["files"].as_array_mut().unwrap().push(bad.into());
        std::fs::write(out.join("manifest.json"), manifest.to_string()).unwrap();
        let (code, stdout, stderr) = verify(&out);
        assert_eq!(code, Some(2), "{bad}: {stdout}{stderr}");
        assert!(
            stderr.contains("is not the name of a file in the folder"),
            "{stderr}"
        );
        manifest["files"].as_array_mut().unwrap().pop();
        std::fs::write(out.join("manifest.json"), manifest.to_string()).unwrap();
    }
}

#[test]
fn verify_refuses_a_corrupt_or_missing_manifest() {
    let tmp = tempfile::tempdir().unwrap();
    let (code, _, stderr) = verify(tmp.path());
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("manifest.json"), "{stderr}");
    std::fs::write(tmp.path().join("manifest.json"), "{\"files\": [").unwrap();
    let (code, _, stderr) = verify(tmp.path());
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("not a bilateral manifest"), "{stderr}");
    std::fs::write(
        tmp.path().join("manifest.json"),
        r#"{"files": ["a.csv"], "sha256": {"a.csv": "beef"}}"#,
    )
    .unwrap();
    let (code, _, stderr) = verify(tmp.path());
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("`sha256.a.csv` is not 64 hex digits"),
        "{stderr}"
    );
}

#[test]
fn verify_of_an_older_manifest_without_hashes_checks_presence_only() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    run_into(&out, &[]);
    let mut manifest = json(&out.join("manifest.json"));
    manifest.as_object_mut().unwrap().remove("sha256");
    std::fs::write(out.join("manifest.json"), manifest.to_string()).unwrap();
    let (code, stdout, _) = verify(&out);
    assert_eq!(code, Some(0), "{stdout}");
    assert!(
        stdout.contains("unchecked  summary.csv: manifest.json records no SHA-256"),
        "{stdout}"
    );
    std::fs::remove_file(out.join("summary.csv")).unwrap();
    let (code, stdout, _) = verify(&out);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(stdout.contains("MISSING    summary.csv"), "{stdout}");
}
