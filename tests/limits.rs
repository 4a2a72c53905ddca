//! Limits and input checks, each with its message: a thread count beyond
//! the stated maximum, duplicate options, rule conditions too deep or too
//! long, inputs too large to hold, and the versions the manifest names.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::*;

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn threads_beyond_the_maximum_are_capped_with_a_note() {
    let tmp = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let out = bilateral()
        .arg("run")
        .arg(scenario("us_mexico_2025-09.toml"))
        .args(["--runs", "100", "--threads", "10000", "--quiet", "--out"])
        .arg(tmp.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("--threads 10000 is more than bilateral uses: running on 256 threads"),
        "{stderr}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "100 runs on --threads 10000 took {:?}",
        started.elapsed()
    );
    assert_eq!(json(&tmp.path().join("manifest.json"))["threads"], 256);
}

#[test]
fn manifest_names_the_rand_version_bilateral_links() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let cargo: toml::Table = std::fs::read_to_string(root.join("Cargo.toml"))
        .unwrap()
        .parse()
        .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    bilateral()
        .arg("run")
        .arg(scenario("us_mexico_2025-02.toml"))
        .args(["--runs", "10", "--quiet", "--out"])
        .arg(tmp.path())
        .assert()
        .success();
    let manifest = json(&tmp.path().join("manifest.json"));
    for krate in ["rand", "rand_distr", "rand_xoshiro"] {
        let dep = &cargo["dependencies"][krate];
        let requirement = dep
            .as_str()
            .or_else(|| dep.get("version").and_then(|v| v.as_str()))
            .unwrap();
        let recorded = manifest["rng_crates"][krate].as_str().unwrap();
        // A caret requirement "0.10" is met by 0.10.x only.
        assert!(
            recorded.starts_with(&format!("{requirement}.")) || recorded == requirement,
            "{krate}: manifest names {recorded}, Cargo.toml requires {requirement}"
        );
    }
}
