//! Files and processes: a full disk, a killed run and a closed pipe lose
//! nothing and end cleanly.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::*;

fn bin() -> std::path::PathBuf {
    assert_cmd::cargo::cargo_bin("bilateral")
}

#[test]
fn a_full_disk_fails_with_the_path_and_keeps_earlier_results() {
    let tmp = tempfile::tempdir().unwrap();
    let mount = tmp.path().join("tiny");
    std::fs::create_dir(&mount).unwrap();
    // A 256 KiB file system: enough for summary.csv, not for runs.csv.
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=256k", "tmpfs"])
        .arg(&mount)
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        skip_unless_ci(
            "cannot mount a small tmpfs here (needs root); the full-disk path is untested on this machine",
        );
        return;
    }
    let out = mount.join("out");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("summary.csv"), "earlier results\n").unwrap();
    let result = bilateral()
        .arg("run")
        .arg(scenario("us_mexico_2025-09.toml"))
        .args(["--runs", "3000", "--quiet", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&result.stderr).into_owned();
    let earlier = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    let leftovers: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    let _ = Command::new("umount").arg(&mount).status();
    assert_eq!(result.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("runs.csv"), "names the file: {stderr}");
    assert!(stderr.contains("No space left on device"), "{stderr}");
    assert_eq!(earlier, "earlier results\n", "earlier results intact");
    assert_eq!(leftovers.len(), 1, "no partial files left: {leftovers:?}");
}

#[test]
fn a_killed_run_leaves_the_earlier_outputs_intact() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    bilateral()
        .arg("run")
        .arg(scenario("us_mexico_2025-02.toml"))
        .args(["--runs", "200", "--quiet", "--out"])
        .arg(&out)
        .assert()
        .success();
    let before: Vec<(std::ffi::OsString, Vec<u8>)> = {
        let mut v: Vec<_> = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                (e.file_name(), std::fs::read(e.path()).unwrap())
            })
            .collect();
        v.sort();
        v
    };
    let mut child = Command::new(bin())
        .arg("run")
        .arg(scenario("us_mexico_2025-09.toml"))
        .args(["--runs", "100000000", "--quiet", "--out"])
        .arg(&out)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(700));
    child.kill().unwrap();
    child.wait().unwrap();
    for (name, bytes) in &before {
        assert_eq!(
            &std::fs::read(out.join(name)).unwrap(),
            bytes,
            "{name:?} unchanged"
        );
    }
    // Only hidden temp files may remain from the killed run, never a new
    // file under a final name.
    for e in std::fs::read_dir(&out).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        assert!(
            before.iter().any(|(n, _)| n.to_string_lossy() == name)
                || name.starts_with(".bilateral-"),
            "{name}"
        );
    }
}

#[test]
fn a_trace_piped_into_head_ends_quietly_with_exit_0() {
    let mut child = Command::new(bin())
        .arg("trace")
        .arg(scenario("us_mexico_2025-09.toml"))
        .args(["--run", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    // The reader is dropped here: the pipe closes, as with `| head -1`.
    let out = child.wait_with_output().unwrap();
    assert!(first.starts_with("week,date,actor,action,detail"));
    assert_eq!(out.status.code(), Some(0));
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Starts `bilateral run` of the September scenario with far more runs than
/// a test waits for, into `out`, its stderr captured.
fn start_a_run_of_hours(out: &std::path::Path) -> std::process::Child {
    Command::new(bin())
        .arg("run")
        .arg(scenario("us_mexico_2025-09.toml"))
        .args(["--runs", "100000000", "--quiet", "--out"])
        .arg(out)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Sends `child` SIGINT, as Ctrl-C in a terminal does.
fn press_ctrl_c(child: &std::process::Child) {
    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
}

#[test]
fn ctrl_c_stops_with_exit_130_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("summary.csv"), "earlier\n").unwrap();
    let child = start_a_run_of_hours(&out);
    std::thread::sleep(Duration::from_millis(800));
    press_ctrl_c(&child);
    let started = std::time::Instant::now();
    let result = child.wait_with_output().unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "stops within a second or two"
    );
    assert_eq!(result.status.code(), Some(130));
    assert!(String::from_utf8_lossy(&result.stderr).contains("no output file was written"));
    assert_eq!(
        std::fs::read_to_string(out.join("summary.csv")).unwrap(),
        "earlier\n"
    );
    let names: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "no other file: {names:?}");
}

#[test]
fn ctrl_c_leaves_no_new_output_folder_behind() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("new").join("deeper");
    let child = start_a_run_of_hours(&out);
    // The folders exist while the run holds them.
    let started = std::time::Instant::now();
    while !out.is_dir() && started.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(out.is_dir(), "the run made its folder");
    std::thread::sleep(Duration::from_millis(300));
    press_ctrl_c(&child);
    let result = child.wait_with_output().unwrap();
    assert_eq!(result.status.code(), Some(130));
    let left: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "the folders it made are gone: {left:?}");
}

#[test]
fn until_ci_stops_at_the_same_run_count_for_any_thread_count() {
    let tmp = tempfile::tempdir().unwrap();
    let mut stops = Vec::new();
    for threads in ["1", "2"] {
        let out = tmp.path().join(threads);
        bilateral()
            .arg("run")
            .arg(scenario("us_mexico_2025-02.toml"))
            .args([
                "--runs",
                "20000",
                "--until-ci",
                "mx_approval_pct_end=0.3",
                "--quiet",
                "--threads",
                threads,
                "--out",
            ])
            .arg(&out)
            .assert()
            .success();
        let m: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap())
                .unwrap();
        let runs = m["runs"].as_u64().unwrap();
        assert!(
            runs < 20000 && runs.is_multiple_of(64),
            "stops early at a chunk boundary: {runs}"
        );
        assert!(m["stop"].as_str().unwrap().starts_with("stopped after"));
        let half = (summary_value(&out, "baseline", "mx_approval_pct_end", "sd") * 1.96)
            / (runs as f64).sqrt();
        assert!(half <= 0.3 + 1e-3, "half-width {half}");
        stops.push((runs, std::fs::read(out.join("summary.csv")).unwrap()));
    }
    assert_eq!(stops[0], stops[1]);
}
