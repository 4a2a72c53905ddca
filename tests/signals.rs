//! SIGTERM (what `timeout`, Slurm's `scancel` and its time limits send) is
//! handled like Ctrl-C: no temp file is left and the earlier outputs are as
//! they were; temp files a killed command (SIGKILL) left are removed by the
//! next command that writes the folder.

mod common;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("bilateral")
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

/// The folder's files and their contents.
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

/// Starts a long run into `out` (with `extra` options) and waits until
/// its first temp file is there.
fn start_long_run(out: &Path, extra: &[&str]) -> Child {
    let child = Command::new(bin())
        .arg("run")
        .arg(scenario("us_mexico_2025-09.toml"))
        .args(["--runs", "100000000", "--threads", "1", "--quiet", "--out"])
        .arg(out)
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
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
    // Some rows streamed into the temp file.
    std::thread::sleep(Duration::from_millis(300));
    child
}

fn sigterm(child: &Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success(), "kill -TERM");
}

/// Waits for `child` (at most a minute) and returns its exit code and
/// stderr.
fn finish(mut child: Child) -> (Option<i32>, String) {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut stderr = String::new();
            child
                .stderr
                .take()
                .unwrap()
                .read_to_string(&mut stderr)
                .unwrap();
            return (status.code(), stderr);
        }
        if started.elapsed() > Duration::from_secs(60) {
            child.kill().unwrap();
            panic!("the run did not stop within a minute of SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn small_run(out: &Path) -> std::process::Output {
    bilateral()
        .arg("run")
        .arg(scenario("us_mexico_2025-02.toml"))
        .args(["--runs", "20", "--quiet", "--out"])
        .arg(out)
        .output()
        .unwrap()
}

#[test]
fn sigterm_leaves_no_temp_file_and_the_earlier_outputs() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    assert!(small_run(&out).status.success());
    let before = snapshot(&out);
    let child = start_long_run(&out, &[]);
    sigterm(&child);
    let (code, stderr) = finish(child);
    assert_eq!(code, Some(130), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    assert!(stderr.contains("no output file was written"), "{stderr}");
    assert_eq!(snapshot(&out), before, "the folder is as it was");
}

#[test]
fn sigterm_of_a_shard_leaves_no_temp_file() {
    let tmp = tempfile::tempdir().unwrap();
    let parts = tmp.path().join("parts");
    std::fs::create_dir(&parts).unwrap();
    std::fs::write(parts.join("notes.txt"), "mine").unwrap();
    let child = start_long_run(&parts, &["--shard", "1/4"]);
    sigterm(&child);
    let (code, stderr) = finish(child);
    assert_eq!(code, Some(130), "{stderr}");
    assert_eq!(
        snapshot(&parts),
        vec![("notes.txt".to_string(), b"mine".to_vec())]
    );
}

#[test]
fn sigterm_of_a_run_into_a_new_folder_removes_the_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("new");
    let child = start_long_run(&out, &[]);
    sigterm(&child);
    let (code, stderr) = finish(child);
    assert_eq!(code, Some(130), "{stderr}");
    assert!(!out.exists(), "the folder it made is gone");
}

#[test]
fn stale_temp_files_of_a_killed_run_are_removed_at_the_next_start() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).unwrap();
    // Files of other naming are never touched.
    for name in ["notes.tmp", ".bilateral-notes.txt", "bilateral-x.tmp"] {
        std::fs::write(out.join(name), "mine").unwrap();
    }
    let mut child = start_long_run(&out, &[]);
    child.kill().unwrap(); // SIGKILL: nothing can be cleaned up now
    child.wait().unwrap();
    let stale = temp_files(&out);
    assert!(!stale.is_empty(), "SIGKILL leaves the temp file");
    let next = small_run(&out);
    let stderr = String::from_utf8_lossy(&next.stderr);
    assert!(next.status.success(), "{stderr}");
    assert!(
        stderr.contains("that an interrupted bilateral command left in"),
        "{stderr}"
    );
    assert_eq!(temp_files(&out), Vec::<String>::new());
    for name in ["notes.tmp", ".bilateral-notes.txt", "bilateral-x.tmp"] {
        assert_eq!(std::fs::read_to_string(out.join(name)).unwrap(), "mine");
    }
}

#[test]
fn stale_temp_files_of_a_killed_shard_are_removed_by_the_next_shard() {
    let tmp = tempfile::tempdir().unwrap();
    let parts = tmp.path().join("parts");
    std::fs::create_dir(&parts).unwrap();
    let mut child = start_long_run(&parts, &["--shard", "1/2"]);
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(!temp_files(&parts).is_empty());
    bilateral()
        .arg("run")
        .arg(scenario("us_mexico_2025-09.toml"))
        .args(["--runs", "20", "--shard", "2/2", "--quiet", "--out"])
        .arg(&parts)
        .assert()
        .success();
    assert_eq!(temp_files(&parts), Vec::<String>::new());
    assert!(parts.join("partial-2-of-2.json").is_file());
}
