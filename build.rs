//! Records the versions of the random-number crates from Cargo.lock, so
//! manifest.json can state exactly which generators produced a run.
//!
//! Cargo.lock may hold several versions of a crate (a dev-dependency's
//! rand beside bilateral's own): the version is the one bilateral's own
//! entry depends on (`"rand 0.10.4"` when there are several, `"rand"` when
//! there is one).

use std::fs;

/// The `[[package]]` blocks of a lock file, as (name, version, dependencies).
fn packages(lock: &str) -> Vec<(String, String, Vec<String>)> {
    let mut out = Vec::new();
    for block in lock.split("[[package]]").skip(1) {
        let field = |key: &str| {
            block
                .lines()
                .find_map(|l| l.strip_prefix(&format!("{key} = \"")))
                .and_then(|rest| rest.split('"').next())
                .unwrap_or_default()
                .to_string()
        };
        let deps = block
            .split_once("dependencies = [")
            .and_then(|(_, rest)| rest.split_once(']'))
            .map(|(list, _)| {
                list.split(',')
                    .map(|d| d.trim().trim_matches('"').to_string())
                    .filter(|d| !d.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        out.push((field("name"), field("version"), deps));
    }
    out
}

fn main() {
    println!("cargo:rerun-if-changed=Cargo.lock");
    let lock = fs::read_to_string("Cargo.lock").unwrap_or_default();
    let packages = packages(&lock);
    let own = packages
        .iter()
        .find(|(name, _, _)| name == env!("CARGO_PKG_NAME"))
        .map(|(_, _, deps)| deps.clone())
        .unwrap_or_default();
    for (krate, var) in [
        ("rand", "BILATERAL_RAND_VERSION"),
        ("rand_distr", "BILATERAL_RAND_DISTR_VERSION"),
        ("rand_xoshiro", "BILATERAL_RAND_XOSHIRO_VERSION"),
    ] {
        let version = own
            .iter()
            .find_map(|d| {
                let mut parts = d.split(' ');
                (parts.next() == Some(krate)).then(|| parts.next().map(str::to_string))
            })
            .and_then(|pinned| match pinned {
                Some(v) => Some(v),
                // The only version in the lock file.
                None => packages
                    .iter()
                    .find(|(name, _, _)| name == krate)
                    .map(|(_, v, _)| v.clone()),
            })
            .unwrap_or_else(|| "unknown".into());
        println!("cargo:rustc-env={var}={version}");
    }
}
