//! `bilateral verify DIR`: checks an output folder against its
//! manifest.json — which files match the SHA-256 the run recorded, which
//! are missing, and which files in the folder are not part of the run.
//! Exit code 1 when a file is missing or differs.

use std::collections::BTreeMap;
use std::io::Read as _;
use std::path::Path;

use anyhow::Result;
use serde::Deserialize;

use super::UsageError;
use crate::cli::VerifyArgs;
use crate::output::folder::sha256_file;
use crate::output::lock::is_temp_name;

/// Largest manifest.json read.
const MAX_MANIFEST_BYTES: u64 = 16 << 20;

/// The part of manifest.json that verify reads (any other field may be
/// anything: the manifest of an older or newer bilateral is checked too).
#[derive(Debug, Deserialize)]
struct Listing {
    files: Vec<String>,
    #[serde(default)]
    sha256: BTreeMap<String, String>,
}

/// A folder failed verification.
#[derive(Debug, thiserror::Error)]
#[error("{} does not match its manifest.json: {problems}", dir)]
pub struct VerifyFailed {
    dir: String,
    problems: String,
}

/// What verify found for one file.
#[derive(Debug, PartialEq, Eq)]
enum Verdict {
    Match,
    Differs {
        found: String,
        recorded: String,
    },
    Missing,
    /// manifest.json names it but records no hash (an older bilateral).
    Unrecorded,
}

/// Runs `bilateral verify`.
pub fn execute(args: &VerifyArgs) -> Result<()> {
    let dir = &args.dir;
    let manifest_path = dir.join("manifest.json");
    let listing = read_listing(&manifest_path)?;
    let mut text = String::new();
    let mut counts = [0usize; 4];
    for name in &listing.files {
        if name == "manifest.json" {
            continue;
        }
        let verdict = check(dir, name, listing.sha256.get(name))?;
        let line = match &verdict {
            Verdict::Match => {
                counts[0] += 1;
                format!("ok         {name}\n")
            }
            Verdict::Differs { found, recorded } => {
                counts[1] += 1;
                format!("DIFFERS    {name}: SHA-256 {found}, manifest.json records {recorded}\n")
            }
            Verdict::Missing => {
                counts[2] += 1;
                format!("MISSING    {name}\n")
            }
            Verdict::Unrecorded => {
                counts[3] += 1;
                format!(
                    "unchecked  {name}: manifest.json records no SHA-256 for it (written by an older bilateral)\n"
                )
            }
        };
        text.push_str(&line);
    }
    let extra = not_listed(dir, &listing.files)?;
    for (name, note) in &extra {
        text.push_str(&format!("not in run {name}{note}\n"));
    }
    let [matched, differs, missing, unrecorded] = counts;
    text.push_str(&format!(
        "{matched} file{} match{}, {differs} differ{}, {missing} missing, {unrecorded} without a recorded SHA-256; {} file{} in {} not part of the run\n",
        plural(matched),
        if matched == 1 { "es" } else { "" },
        if differs == 1 { "s" } else { "" },
        extra.len(),
        plural(extra.len()),
        dir.display()
    ));
    super::emit(&text)?;
    if differs + missing > 0 {
        let mut problems = Vec::new();
        if differs > 0 {
            problems.push(format!(
                "{differs} file{} differ{}",
                plural(differs),
                if differs == 1 { "s" } else { "" }
            ));
        }
        if missing > 0 {
            problems.push(format!("{missing} missing"));
        }
        return Err(VerifyFailed {
            dir: dir.display().to_string(),
            problems: problems.join(", "),
        }
        .into());
    }
    Ok(())
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Reads `files` and `sha256` of manifest.json, bounded, and checks that
/// every name is a plain file name (a manifest is not trusted to point
/// outside its folder).
fn read_listing(path: &Path) -> Result<Listing> {
    let unreadable =
        |reason: String| UsageError(format!("cannot verify: {}: {reason}", path.display()));
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_MANIFEST_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| {
            unreadable(format!(
                "{e}; give the output folder of `bilateral run`, `merge`, `sweep` or `report`"
            ))
        })?;
    if bytes.len() as u64 > MAX_MANIFEST_BYTES {
        return Err(unreadable(format!(
            "larger than {MAX_MANIFEST_BYTES} bytes; not a bilateral manifest"
        ))
        .into());
    }
    let listing: Listing = serde_json::from_slice(&bytes)
        .map_err(|e| unreadable(format!("not a bilateral manifest: {e}")))?;
    for name in listing.files.iter().chain(listing.sha256.keys()) {
        if !is_plain_name(name) {
            return Err(unreadable(format!(
                "`{}` is not the name of a file in the folder",
                name.escape_debug()
            ))
            .into());
        }
    }
    for (name, hash) in &listing.sha256 {
        if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(unreadable(format!("`sha256.{name}` is not 64 hex digits")).into());
        }
        if !listing.files.contains(name) {
            return Err(unreadable(format!(
                "`sha256` names `{name}`, which `files` does not list"
            ))
            .into());
        }
    }
    Ok(listing)
}

fn is_plain_name(name: &str) -> bool {
    !name.is_empty()
        && name != "."
        && name != ".."
        && !name.contains(['/', '\\', '\0'])
        && Path::new(name).is_relative()
}

fn check(dir: &Path, name: &str, recorded: Option<&String>) -> Result<Verdict> {
    let path = dir.join(name);
    match std::fs::symlink_metadata(&path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Verdict::Missing),
        Err(e) => return Err(anyhow::anyhow!("cannot read {}: {e}", path.display())),
        Ok(meta) if !meta.is_file() => return Ok(Verdict::Missing),
        Ok(_) => {}
    }
    let Some(recorded) = recorded else {
        return Ok(Verdict::Unrecorded);
    };
    let found =
        sha256_file(&path).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
    Ok(if found.eq_ignore_ascii_case(recorded) {
        Verdict::Match
    } else {
        Verdict::Differs {
            found,
            recorded: recorded.clone(),
        }
    })
}

/// The entries of `dir` that manifest.json does not list, sorted, each
/// with a note on what it is.
fn not_listed(dir: &Path, files: &[String]) -> Result<Vec<(String, &'static str)>> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| anyhow::anyhow!("cannot read the folder {}: {e}", dir.display()))?;
    let mut extra = Vec::new();
    for entry in entries {
        let entry =
            entry.map_err(|e| anyhow::anyhow!("cannot read the folder {}: {e}", dir.display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if files.contains(&name) {
            continue;
        }
        let note = if is_temp_name(&name) {
            " (a temp file of an interrupted or running bilateral command)"
        } else if entry.file_type().is_ok_and(|t| t.is_dir()) {
            " (a folder)"
        } else {
            ""
        };
        extra.push((name, note));
    }
    extra.sort();
    Ok(extra)
}
