//! Two commands writing into one output folder at the same time: the second
//! whole-folder writer is refused with a message and changes nothing;
//! shards, which write their own files, may share a folder.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("bilateral")
}

/// Starts a long `bilateral run` into `out` with `extra` options and waits
/// until it has started writing (its first temp file exists), so it holds
/// the folder's lock.
fn start_long_run(out: &Path, extra: &[&str]) -> Child {
    std::fs::create_dir_all(out).unwrap();
    let child = Command::new(bin())
        .arg("run")
        .arg(scenario("us_mexico_2025-09.toml"))
        .args(["--runs", "100000000", "--threads", "1", "--quiet", "--out"])
        .arg(out)
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while temp_files(out).is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the long run never started writing"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    child
}

/// bilateral's temp files in `dir`.
fn temp_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with(".bilateral-") && n.ends_with(".tmp"))
                .collect()
        })
        .unwrap_or_default()
}

fn stop(mut child: Child) {
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn a_second_writer_of_one_folder_is_refused_and_changes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    bilateral()
        .arg("run")
        .arg(scenario("us_mexico_2025-02.toml"))
        .args(["--runs", "20", "--quiet", "--out"])
        .arg(&out)
        .assert()
        .success();
    let manifest = std::fs::read(out.join("manifest.json")).unwrap();
    let summary = std::fs::read(out.join("summary.csv")).unwrap();
    let child = start_long_run(&out, &[]);
    let second = bilateral()
        .arg("run")
        .arg(scenario("us_mexico_2025-09.toml"))
        .args(["--runs", "20", "--quiet", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    let report = bilateral().arg("report").arg(&out).output().unwrap();
    let shard = bilateral()
        .arg("run")
        .arg(scenario("us_mexico_2025-09.toml"))
        .args(["--runs", "20", "--shard", "1/2", "--quiet", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    stop(child);
    for (what, result) in [("run", &second), ("report", &report), ("shard", &shard)] {
        let stderr = String::from_utf8_lossy(&result.stderr);
        assert_eq!(result.status.code(), Some(1), "{what}: {stderr}");
        assert!(
            stderr.contains("another bilateral command is writing into this folder"),
            "{what}: {stderr}"
        );
        assert!(stderr.contains(&*out.to_string_lossy()), "{what}: {stderr}");
    }
    assert_eq!(std::fs::read(out.join("manifest.json")).unwrap(), manifest);
    assert_eq!(std::fs::read(out.join("summary.csv")).unwrap(), summary);
    assert!(!out.join("partial-1-of-2.json").exists());
    assert!(!out.join("report.html").exists());
}

#[test]
fn shards_may_write_into_one_folder_at_the_same_time() {
    let tmp = tempfile::tempdir().unwrap();
    let parts = tmp.path().join("parts");
    let child = start_long_run(&parts, &["--shard", "1/2"]);
    let second = bilateral()
        .arg("run")
        .arg(scenario("us_mexico_2025-09.toml"))
        .args(["--runs", "20", "--shard", "2/2", "--quiet", "--out"])
        .arg(&parts)
        .output()
        .unwrap();
    // A whole-folder writer is refused while a shard writes there.
    let whole = bilateral()
        .arg("run")
        .arg(scenario("us_mexico_2025-09.toml"))
        .args(["--runs", "20", "--quiet", "--out"])
        .arg(&parts)
        .output()
        .unwrap();
    stop(child);
    assert!(
        second.status.success(),
        "{}",
        String::from_utf8_lossy(&second.stderr)
    );
    assert!(parts.join("partial-2-of-2.json").is_file());
    let stderr = String::from_utf8_lossy(&whole.stderr);
    assert_eq!(whole.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("another bilateral command is writing"),
        "{stderr}"
    );
    assert!(!parts.join("summary.csv").exists());
}

#[test]
fn the_lock_goes_with_a_killed_command() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let child = start_long_run(&out, &[]);
    stop(child);
    bilateral()
        .arg("run")
        .arg(scenario("us_mexico_2025-02.toml"))
        .args(["--runs", "20", "--quiet", "--out"])
        .arg(&out)
        .assert()
        .success();
    assert!(out.join("manifest.json").is_file());
}
