//! Records the versions of the random-number crates from Cargo.lock, so
//! manifest.json can state exactly which generators produced a run.

use std::fs;

fn main() {
    println!("cargo:rerun-if-changed=Cargo.lock");
    let lock = fs::read_to_string("Cargo.lock").unwrap_or_default();
    for (krate, var) in [
        ("rand", "BILATERAL_RAND_VERSION"),
        ("rand_distr", "BILATERAL_RAND_DISTR_VERSION"),
        ("rand_xoshiro", "BILATERAL_RAND_XOSHIRO_VERSION"),
    ] {
        let needle = format!("name = \"{krate}\"\nversion = \"");
        let version = lock
            .find(&needle)
            .map(|i| &lock[i + needle.len()..])
            .and_then(|rest| rest.split('"').next())
            .unwrap_or("unknown");
        println!("cargo:rustc-env={var}={version}");
    }
}
