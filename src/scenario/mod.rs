//! Scenario files: the TOML format, uncertainties, levers and validation.
//!
//! A scenario is read once into a [`Scenario`]: every parameter of the model
//! resolved to a fixed number or a [`Distribution`], for the baseline and for
//! each lever. Problems are collected, not stopped at, so `bilateral validate`
//! can report every one of them with its line and column.

pub mod distribution;
mod parse;
pub mod rules;
pub mod sweep;

pub use parse::{MAX_HORIZON_MONTHS, is_identifier, suggest};

use crate::model::Pair;
use std::fmt;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use crate::calendar::Calendar;
use crate::model::params;
use crate::model::rules::Rule;
pub use distribution::{Distribution, Sampler};

/// A parameter's value in a scenario or lever.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamValue {
    /// The same number in every run.
    Fixed(f64),
    /// Drawn once per run.
    Uncertain(Distribution),
}

/// A named set of parameter overrides.
#[derive(Debug, Clone)]
pub struct Lever {
    /// Name (`baseline` for the scenario as written).
    pub name: String,
    /// What the lever means.
    pub description: String,
    /// Overridden flat parameter indices and their values.
    pub overrides: Vec<(usize, ParamValue)>,
    /// Contingent rules, in file order.
    pub rules: Vec<Rule>,
}

/// A loaded, validated scenario.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// The file it was read from.
    pub path: PathBuf,
    /// SHA-256 of the file's bytes, hex.
    pub sha256: String,
    /// Scenario name.
    pub name: String,
    /// Free text.
    pub description: String,
    /// The two actor ids, first the side whose pressure the outputs follow.
    pub ids: Pair<String>,
    /// Human-readable actor names.
    pub actor_names: Pair<String>,
    /// Weeks and month ends.
    pub calendar: Calendar,
    /// Months reported.
    pub horizon_months: u32,
    /// Runs per lever.
    pub runs: u64,
    /// Master seed.
    pub seed: u64,
    /// Baseline values of every parameter, indexed as `model::params::layout`.
    pub baseline: Vec<ParamValue>,
    /// Levers, `baseline` first, then in file order.
    pub levers: Vec<Lever>,
    /// The `[sweep]` table, if the file declares one.
    pub sweep: Option<sweep::SweepSpec>,
}

/// One problem found in a scenario file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// 1-based line, if known.
    pub line: Option<usize>,
    /// 1-based column, if known.
    pub column: Option<usize>,
    /// Dotted key the problem is about, if any.
    pub key: Option<String>,
    /// What is wrong.
    pub message: String,
    /// What would be right.
    pub help: Option<String>,
    /// The source line and the width of the marked span on it, for a caret.
    pub snippet: Option<(String, usize)>,
}

/// Why a scenario could not be loaded: every problem found.
#[derive(Debug, Clone, thiserror::Error)]
pub struct ScenarioError {
    /// The file.
    pub path: PathBuf,
    /// The problems, in file order.
    pub problems: Vec<Problem>,
}

/// The largest scenario file read (16 MiB).
pub const MAX_SCENARIO_BYTES: u64 = 16 << 20;

/// The most problems listed in an error message; the rest are counted.
pub const MAX_LISTED_PROBLEMS: usize = 50;

/// The widest source line shown under a problem, in characters; a longer
/// line is shown around the marked column.
const MAX_SNIPPET_CHARS: usize = 160;

/// A window of `text` at most [`MAX_SNIPPET_CHARS`] wide around the 1-based
/// `column`, and the column within it.
fn snippet_window(text: &str, column: usize) -> (String, usize) {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= MAX_SNIPPET_CHARS {
        return (text.to_string(), column);
    }
    let start = column.saturating_sub(1).saturating_sub(40).min(chars.len());
    let end = (start + MAX_SNIPPET_CHARS).min(chars.len());
    let mut window: String = chars[start..end].iter().collect();
    let mut column = column - start;
    if start > 0 {
        window.insert(0, '…');
        column += 1;
    }
    if end < chars.len() {
        window.push('…');
    }
    (window, column)
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.problems.len();
        writeln!(
            f,
            "{} problem{} in scenario {}:",
            n,
            if n == 1 { "" } else { "s" },
            self.path.display()
        )?;
        for p in self.problems.iter().take(MAX_LISTED_PROBLEMS) {
            write!(f, "{}", self.path.display())?;
            if let (Some(l), Some(c)) = (p.line, p.column) {
                write!(f, ":{l}:{c}")?;
            }
            write!(f, ": {}", p.message)?;
            if let Some(k) = &p.key {
                write!(f, " (key `{k}`)")?;
            }
            writeln!(f)?;
            if let (Some((text, width)), Some(l), Some(c)) = (&p.snippet, p.line, p.column) {
                let (text, c) = snippet_window(text, c);
                let width = (*width).min(MAX_SNIPPET_CHARS + 1 - c.min(MAX_SNIPPET_CHARS));
                let gutter = l.to_string().len();
                writeln!(f, "{:gutter$} |", "")?;
                writeln!(f, "{l} | {text}")?;
                writeln!(
                    f,
                    "{:gutter$} | {}{}",
                    "",
                    " ".repeat(c - 1),
                    "^".repeat(width.max(1))
                )?;
            }
            if let Some(h) = &p.help {
                writeln!(f, "  help: {h}")?;
            }
        }
        if n > MAX_LISTED_PROBLEMS {
            writeln!(
                f,
                "... and {} more problems (only the first {MAX_LISTED_PROBLEMS} are listed)",
                n - MAX_LISTED_PROBLEMS
            )?;
        }
        Ok(())
    }
}

/// How many entries of a folder [`missing_file`] reads for a suggestion.
const MAX_SUGGESTION_ENTRIES: usize = 10_000;

/// The message for a scenario file that does not exist, with the nearest
/// name among the files of its folder when one is close.
fn missing_file(path: &Path) -> String {
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let given = path.file_name().unwrap_or_default().to_string_lossy();
    let names: Vec<String> = std::fs::read_dir(folder)
        .map(|entries| {
            entries
                // A bounded look: a folder of millions of files costs no more.
                .take(MAX_SUGGESTION_ENTRIES)
                .filter_map(Result::ok)
                .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    match suggest(&given, &names) {
        Some(name) => format!(
            "cannot read the file: no such file; did you mean {}?",
            path.with_file_name(name).display()
        ),
        None => "cannot read the file: no such file".to_string(),
    }
}

impl Scenario {
    /// Reads and validates a scenario file.
    pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
        Self::load_with_source(path).map(|(scenario, _)| scenario)
    }

    /// Reads and validates a scenario file; also returns the file's bytes.
    pub fn load_with_source(path: &Path) -> Result<(Scenario, Vec<u8>), ScenarioError> {
        use std::io::Read as _;
        let whole = |message: String| ScenarioError {
            path: path.to_path_buf(),
            problems: vec![Problem {
                line: None,
                column: None,
                key: None,
                message,
                help: None,
                snippet: None,
            }],
        };
        let mut bytes = Vec::new();
        std::fs::File::open(path)
            .and_then(|f| f.take(MAX_SCENARIO_BYTES + 1).read_to_end(&mut bytes))
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound => whole(missing_file(path)),
                _ => whole(format!("cannot read the file: {e}")),
            })?;
        if bytes.len() as u64 > MAX_SCENARIO_BYTES {
            return Err(whole(format!(
                "the file is larger than {MAX_SCENARIO_BYTES} bytes, the most a scenario may be"
            )));
        }
        let scenario = Self::from_bytes(path, &bytes)?;
        Ok((scenario, bytes))
    }

    /// Validates a scenario held in memory (`path` is used in messages).
    pub fn from_bytes(path: &Path, bytes: &[u8]) -> Result<Scenario, ScenarioError> {
        parse::parse(path, bytes)
    }

    /// Finds a lever by name.
    pub fn lever(&self, name: &str) -> Option<&Lever> {
        self.levers.iter().find(|l| l.name == name)
    }

    /// The values of `lever`: the baseline with the lever's overrides applied.
    pub fn values_for(&self, lever: &Lever) -> Vec<ParamValue> {
        let mut values = self.baseline.clone();
        for (index, value) in &lever.overrides {
            values[*index] = value.clone();
        }
        values
    }

    /// Names of every rule of every lever, in lever and file order: the
    /// `rule_<name>_fired` columns of runs.csv.
    pub fn rule_names(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for r in self.levers.iter().flat_map(|l| &l.rules) {
            if !names.contains(&r.name) {
                names.push(r.name.clone());
            }
        }
        names
    }

    /// Flat indices that are uncertain in the baseline or in any lever, in
    /// index order: the uncertainty columns of runs.csv.
    pub fn uncertain_indices(&self) -> Vec<usize> {
        let mut out: Vec<usize> = (0..params::layout::TOTAL)
            .filter(|&i| {
                matches!(self.baseline[i], ParamValue::Uncertain(_))
                    || self.levers.iter().any(|l| {
                        l.overrides
                            .iter()
                            .any(|(j, v)| *j == i && matches!(v, ParamValue::Uncertain(_)))
                    })
            })
            .collect();
        out.dedup();
        out
    }

    /// A swept range for parameter `path` (`LOW:HIGH:STEPS`), checked against
    /// the parameter's allowed range.
    pub fn sweep_range(&self, path: &str, range: &str) -> Result<sweep::SweepRange, String> {
        let index = self.param_index(path)?;
        let (low, high, steps) = sweep::parse_range(range)?;
        let (_, _, spec) = params::spec_at(index);
        if low < spec.min || high > spec.max {
            return Err(format!(
                "{path} = {range} leaves the allowed range [{}, {}] ({})",
                spec.min, spec.max, spec.unit
            ));
        }
        Ok(sweep::SweepRange {
            path: path.to_string(),
            index,
            low,
            high,
            steps,
        })
    }

    /// The flat index of the parameter `path` (`us.hawkishness`), or why
    /// there is none, with the closest path.
    pub fn param_index(&self, path: &str) -> Result<usize, String> {
        let paths: Vec<String> = (0..self.baseline.len()).map(|i| self.path_of(i)).collect();
        paths.iter().position(|p| p == path).ok_or_else(|| {
            let valid: Vec<&str> = paths.iter().map(String::as_str).collect();
            let hint = suggest(path, &valid).map_or_else(
                || "parameters are named by path: world.<key>, <actor>.<key>, initial.<key>, initial.<actor>.<key>".to_string(),
                |s| format!("did you mean `{s}`?"),
            );
            format!("unknown parameter `{path}`; {hint}")
        })
    }

    /// The scenario file `source` (the text this scenario was loaded from)
    /// with the parameters `values` (dotted path, TOML value: a number or a
    /// distribution's inline table) set in its tables, as if the file said
    /// so, and checked like any scenario file: the new text and the
    /// scenario it gives. A lever that sets one of these parameters keeps
    /// its own value. Line comments and layout are kept, so messages about
    /// an edited value point at its line in `source`.
    pub fn with_values(
        &self,
        source: &[u8],
        values: &[(String, toml_edit::Value)],
    ) -> Result<(Vec<u8>, Scenario), ScenarioError> {
        let problem = |key: Option<&str>, message: String, help: Option<String>| ScenarioError {
            path: self.path.clone(),
            problems: vec![Problem {
                line: None,
                column: None,
                key: key.map(str::to_string),
                message,
                help,
                snippet: None,
            }],
        };
        let text = std::str::from_utf8(source)
            .map_err(|e| problem(None, format!("the file is not UTF-8: {e}"), None))?;
        let mut doc: toml_edit::DocumentMut = text
            .parse()
            .map_err(|e| problem(None, format!("the file is not valid TOML: {e}"), None))?;
        for (path, value) in values {
            if let Err(message) = self.param_index(path) {
                let (message, help) = match message.split_once("; ") {
                    Some((m, h)) => (m.to_string(), Some(h.to_string())),
                    None => (message, None),
                };
                return Err(problem(Some(path), message, help));
            }
            let parts: Vec<&str> = path.split('.').collect();
            let (tables, key) = parts.split_at(parts.len() - 1);
            let mut item = doc.as_item_mut();
            for t in tables {
                item = &mut item[*t];
            }
            let Some(table) = item.as_table_like_mut() else {
                return Err(problem(
                    Some(path),
                    format!("`{}` is not a table in the file", tables.join(".")),
                    None,
                ));
            };
            let mut value = value.clone();
            match table.get(key[0]).and_then(toml_edit::Item::as_value) {
                // The old value's spacing and line comment stay.
                Some(old) => *value.decor_mut() = old.decor().clone(),
                None => value.decor_mut().set_prefix(" "),
            }
            table.insert(key[0], toml_edit::Item::Value(value));
        }
        let bytes = doc.to_string().into_bytes();
        let scenario = Scenario::from_bytes(&self.path, &bytes)?;
        Ok((bytes, scenario))
    }

    /// Dotted path of a flat index with this scenario's actor ids.
    pub fn path_of(&self, index: usize) -> String {
        params::path_of(index, &self.ids)
    }

    /// The start date.
    pub fn start(&self) -> NaiveDate {
        self.calendar.start
    }
}

/// Parameter values of one lever, with samplers built once.
#[derive(Debug, Clone)]
pub struct ResolvedLever {
    /// Lever name.
    pub name: String,
    /// Fixed values (uncertain entries hold their mean until drawn).
    pub fixed: Vec<f64>,
    /// Uncertain entries: flat index and sampler.
    pub uncertain: Vec<(usize, Sampler)>,
    /// The lever's contingent rules.
    pub rules: Vec<Rule>,
}

impl ResolvedLever {
    /// Resolves `lever` of `scenario`.
    pub fn new(scenario: &Scenario, lever: &Lever) -> Result<ResolvedLever, String> {
        let values = scenario.values_for(lever);
        let mut fixed = Vec::with_capacity(values.len());
        let mut uncertain = Vec::new();
        for (i, v) in values.iter().enumerate() {
            match v {
                ParamValue::Fixed(x) => fixed.push(*x),
                ParamValue::Uncertain(d) => {
                    fixed.push(d.mean());
                    uncertain.push((i, d.sampler()?));
                }
            }
        }
        Ok(ResolvedLever {
            name: lever.name.clone(),
            fixed,
            uncertain,
            rules: lever.rules.clone(),
        })
    }

    /// Draws the uncertain values for one run into `values` (which must be a
    /// copy of `fixed`), using `rng_for(index)` for each parameter, and clamps
    /// every draw into the parameter's allowed range.
    pub fn draw<R: rand::Rng>(&self, values: &mut [f64], mut rng_for: impl FnMut(usize) -> R) {
        for (index, sampler) in &self.uncertain {
            let (_, _, spec) = params::spec_at(*index);
            let mut rng = rng_for(*index);
            values[*index] = sampler.sample(&mut rng).clamp(spec.min, spec.max);
        }
    }
}

/// The scenario files shipped in `scenarios/`, sorted (for the unit tests
/// that run every one of them).
#[cfg(test)]
pub(crate) fn shipped_scenario_paths() -> Vec<std::path::PathBuf> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 6, "the six shipped scenarios");
    paths
}
