//! All integration tests as one test crate: every `tests/*.rs` file is a
//! module of this one (Cargo.toml sets `autotests = false` and names only
//! this file), so `cargo test` compiles and links one test binary instead of
//! one per file. Run one file's tests with `cargo test --test integration
//! FILE_STEM::` (e.g. `report::`).
//!
//! A new `tests/NAME.rs` must be added to the list below, or cargo would
//! never build it; `every_test_file_is_registered` fails until it is.
//!
//! Each module is declared with `#[path]` so that the `mod common;` inside a
//! file still finds `tests/common/mod.rs`, as it did when the file was its
//! own crate: the files stay unchanged. Each gets its own copy of the
//! small helper module, hence the `allow` below.

#![allow(clippy::duplicate_mod)]

#[path = "bad_partials.rs"]
mod bad_partials;
#[path = "bad_scenarios.rs"]
mod bad_scenarios;
#[path = "behaviour.rs"]
mod behaviour;
#[path = "bench.rs"]
mod bench;
#[path = "command_folders.rs"]
mod command_folders;
#[path = "compare_and_sweep.rs"]
mod compare_and_sweep;
#[path = "concurrent_writers.rs"]
mod concurrent_writers;
#[path = "conflicts.rs"]
mod conflicts;
#[path = "datapackage.rs"]
mod datapackage;
#[path = "discover.rs"]
mod discover;
#[path = "docs.rs"]
mod docs;
#[path = "extremes.rs"]
mod extremes;
#[path = "faults.rs"]
mod faults;
#[path = "fuzz_scenarios.rs"]
mod fuzz_scenarios;
#[path = "guarantees.rs"]
mod guarantees;
#[path = "limits.rs"]
mod limits;
#[path = "merge_untrusted.rs"]
mod merge_untrusted;
#[path = "model_properties.rs"]
mod model_properties;
#[path = "output_transaction.rs"]
mod output_transaction;
#[path = "prim_ema.rs"]
mod prim_ema;
#[path = "report.rs"]
mod report;
#[path = "robust.rs"]
mod robust;
#[path = "run_outputs.rs"]
mod run_outputs;
#[path = "scenario_errors.rs"]
mod scenario_errors;
#[path = "score_calibrate.rs"]
mod score_calibrate;
#[path = "score_inputs.rs"]
mod score_inputs;
#[path = "sensitivity.rs"]
mod sensitivity;
#[path = "shards.rs"]
mod shards;
#[path = "signals.rs"]
mod signals;
#[path = "uncertainty_draws.rs"]
mod uncertainty_draws;
#[path = "verify.rs"]
mod verify;
#[path = "xlsx.rs"]
mod xlsx;

use std::path::{Path, PathBuf};

/// The `.rs` files under `dir`, recursively.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("tests/ readable") {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// With `autotests = false` cargo builds no test file on its own: every
/// `.rs` file under tests/ must be a module registered above (or the shared
/// helpers in tests/common/), so that no test is ever silently skipped.
#[test]
fn every_test_file_is_registered() {
    let tests = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let root = std::fs::read_to_string(tests.join("integration.rs")).expect("integration.rs");
    let mut files = Vec::new();
    rust_files(&tests, &mut files);
    let mut missing = Vec::new();
    for path in &files {
        let rel = path.strip_prefix(&tests).expect("under tests/");
        if rel == Path::new("integration.rs") || rel.starts_with("common") {
            continue;
        }
        let name = rel.to_string_lossy().replace('\\', "/");
        let stem = rel.file_stem().unwrap_or_default().to_string_lossy();
        let declaration = format!("#[path = \"{name}\"]\nmod {stem};");
        if !root.contains(&declaration) {
            missing.push(declaration);
        }
    }
    assert!(
        missing.is_empty(),
        "test files cargo would skip (autotests = false); add to tests/integration.rs:\n{}",
        missing.join("\n")
    );
    assert!(
        files.len() > 10,
        "the test files were found ({})",
        files.len()
    );
}
