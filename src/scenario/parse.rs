//! The TOML walker: reads a scenario file into a [`Scenario`], collecting
//! every problem with its line, column and key.

use crate::model::Pair;
use std::collections::HashMap;
use std::path::Path;

use chrono::NaiveDate;
use sha2::{Digest, Sha256};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::distribution::DISTRIBUTIONS;
use super::rules::parse_condition;
use super::sweep::{self, SweepSpec};
use super::{Distribution, Lever, ParamValue, Problem, Scenario, ScenarioError};
use crate::calendar::Calendar;
use crate::model::params::{self, ParamSpec, layout};
use crate::model::rules::{RULE_ACTIONS, Rule, variable_names};

/// Most months a scenario may report (50 years).
pub const MAX_HORIZON_MONTHS: i64 = 600;
/// Most runs per lever a scenario may ask for.
const MAX_RUNS: i64 = 1_000_000_000;

struct Cx<'a> {
    text: &'a str,
    problems: Vec<Problem>,
    /// The byte offset where each line starts: line and column of a
    /// problem by binary search, not by counting from the start of the
    /// file for every problem (100,000 unknown keys stay fast).
    line_starts: Vec<usize>,
}

impl<'a> Cx<'a> {
    fn new(text: &'a str) -> Cx<'a> {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Cx {
            text,
            problems: Vec::new(),
            line_starts,
        }
    }

    fn at(&self, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.line_starts.partition_point(|&s| s <= offset);
        let start = self.line_starts[line.max(1) - 1];
        let column = self.text[start..offset].chars().count() + 1;
        (line, column)
    }

    fn problem(
        &mut self,
        span: std::ops::Range<usize>,
        key: Option<String>,
        message: String,
        help: Option<String>,
    ) {
        // An empty span at the very start means "the file as a whole".
        if span == (0..0) {
            self.problems.push(Problem {
                line: None,
                column: None,
                key,
                message,
                help,
                snippet: None,
            });
            return;
        }
        let (line, column) = self.at(span.start);
        let start = span.start.min(self.text.len());
        let line_start = self.text[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = self.text[start..]
            .find('\n')
            .map_or(self.text.len(), |i| start + i);
        let text = self.text[line_start..line_end].trim_end_matches('\r');
        let width = self.text[start..span.end.clamp(start, line_end)]
            .chars()
            .count();
        self.problems.push(Problem {
            line: Some(line),
            column: Some(column),
            key,
            message,
            help,
            snippet: Some((text.to_string(), width)),
        });
    }

    fn unknown_key(
        &mut self,
        span: std::ops::Range<usize>,
        key: &str,
        table: &str,
        valid: &[&str],
    ) {
        let help = suggest(key, valid)
            .map(|s| format!("did you mean `{s}`?"))
            .or_else(|| {
                (valid.len() <= 12).then(|| format!("valid keys here: {}", valid.join(", ")))
            });
        let path = if table == "top level" {
            key.to_string()
        } else {
            format!("{table}.{key}")
        };
        self.problem(
            span,
            Some(path),
            format!("unknown key `{key}` in [{table}]"),
            help,
        );
    }

    /// A finite number from an integer or float value.
    fn number(&mut self, v: &Spanned<DeValue<'_>>, key: &str) -> Option<f64> {
        let x = match v.get_ref() {
            DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix())
                .ok()
                .map(|x| x as f64),
            DeValue::Float(f) => f.as_str().replace('_', "").parse::<f64>().ok(),
            other => {
                self.problem(
                    v.span(),
                    Some(key.to_string()),
                    format!("expected a number, found a {}", other.type_str()),
                    None,
                );
                return None;
            }
        };
        match x {
            Some(x) if x.is_finite() => Some(x),
            _ => {
                self.problem(
                    v.span(),
                    Some(key.to_string()),
                    "expected a finite number (nan and inf are not allowed)".to_string(),
                    None,
                );
                None
            }
        }
    }

    fn integer(&mut self, v: &Spanned<DeValue<'_>>, key: &str, min: i64, max: i64) -> Option<i64> {
        let x = match v.get_ref() {
            DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix()).ok(),
            other => {
                self.problem(
                    v.span(),
                    Some(key.to_string()),
                    format!("expected a whole number, found a {}", other.type_str()),
                    None,
                );
                return None;
            }
        };
        match x {
            Some(x) if (min..=max).contains(&x) => Some(x),
            _ => {
                self.problem(
                    v.span(),
                    Some(key.to_string()),
                    format!("must be a whole number from {min} to {max}"),
                    None,
                );
                None
            }
        }
    }

    fn string<'v>(&mut self, v: &'v Spanned<DeValue<'_>>, key: &str) -> Option<&'v str> {
        match v.get_ref() {
            DeValue::String(s) => Some(s.as_ref()),
            other => {
                self.problem(
                    v.span(),
                    Some(key.to_string()),
                    format!("expected a string, found a {}", other.type_str()),
                    None,
                );
                None
            }
        }
    }

    fn identifier(&mut self, v: &Spanned<DeValue<'_>>, key: &str) -> Option<String> {
        let s = self.string(v, key)?;
        if is_identifier(s) {
            Some(s.to_string())
        } else {
            self.problem(
                v.span(),
                Some(key.to_string()),
                format!("`{s}` is not a valid identifier"),
                Some("use letters, digits, `_` and `-`, starting with a letter, at most 64 characters".to_string()),
            );
            None
        }
    }

    fn table<'t, 'i>(&mut self, v: &'t Spanned<DeValue<'i>>, key: &str) -> Option<&'t DeTable<'i>> {
        match v.get_ref() {
            DeValue::Table(t) => Some(t),
            other => {
                self.problem(
                    v.span(),
                    Some(key.to_string()),
                    format!("expected a table, found a {}", other.type_str()),
                    None,
                );
                None
            }
        }
    }

    /// A parameter value: a number or an inline distribution table.
    fn param_value(
        &mut self,
        v: &Spanned<DeValue<'_>>,
        key: &str,
        spec: &ParamSpec,
    ) -> Option<ParamValue> {
        let value = if let DeValue::Table(t) = v.get_ref() {
            ParamValue::Uncertain(self.distribution(t, v.span(), key)?)
        } else {
            ParamValue::Fixed(self.number(v, key)?)
        };
        let range = format!("[{}, {}] ({})", spec.min, spec.max, spec.unit);
        match &value {
            ParamValue::Fixed(x) if *x < spec.min || *x > spec.max => {
                self.problem(
                    v.span(),
                    Some(key.to_string()),
                    format!("{x} is out of range"),
                    Some(format!("allowed range is {range}")),
                );
                return None;
            }
            ParamValue::Uncertain(d) => {
                let (lo, hi) = d.support();
                let bounded = lo.is_finite() && hi.is_finite();
                if bounded && (lo < spec.min || hi > spec.max) {
                    self.problem(
                        v.span(),
                        Some(key.to_string()),
                        format!(
                            "the support [{lo}, {hi}] of {} leaves the allowed range",
                            d.describe()
                        ),
                        Some(format!("allowed range is {range}")),
                    );
                    return None;
                }
                // Unbounded distributions are clamped into the range; refuse
                // them when the clamp would bend more than 1% of the draws.
                let (q_lo, q_hi) = d.central_99();
                if !bounded && (q_lo < spec.min || q_hi > spec.max) {
                    self.problem(
                        v.span(),
                        Some(key.to_string()),
                        format!(
                            "more than 1% of the draws of {} fall outside the allowed range (99% of them lie in [{}, {}])",
                            d.describe(),
                            fmt_short(q_lo),
                            fmt_short(q_hi)
                        ),
                        Some(format!("allowed range is {range}; narrow the distribution or use a bounded one (uniform, triangular, beta)")),
                    );
                    return None;
                }
            }
            _ => {}
        }
        Some(value)
    }

    fn distribution(
        &mut self,
        t: &DeTable<'_>,
        span: std::ops::Range<usize>,
        key: &str,
    ) -> Option<Distribution> {
        let Some(name_v) = t.get("dist") else {
            self.problem(
                span,
                Some(key.to_string()),
                "an uncertainty needs `dist`".to_string(),
                Some(format!(
                    "e.g. {{ dist = \"uniform\", low = 0.1, high = 0.3 }}; distributions: {}",
                    dist_names().join(", ")
                )),
            );
            return None;
        };
        let name = self.string(name_v, &format!("{key}.dist"))?.to_string();
        let Some((_, keys)) = DISTRIBUTIONS.iter().find(|(n, _)| *n == name) else {
            let names = dist_names();
            self.problem(
                name_v.span(),
                Some(format!("{key}.dist")),
                format!("unknown distribution `{name}`"),
                Some(
                    suggest(&name, &names)
                        .map(|s| format!("did you mean `{s}`?"))
                        .unwrap_or_else(|| format!("distributions: {}", names.join(", "))),
                ),
            );
            return None;
        };
        let mut values: HashMap<&str, f64> = HashMap::new();
        let mut ok = true;
        for (k, v) in t.iter() {
            let k_str = k.get_ref().as_ref();
            if k_str == "dist" {
                continue;
            }
            if let Some(valid) = keys.iter().find(|x| **x == k_str) {
                match self.number(v, &format!("{key}.{k_str}")) {
                    Some(x) => {
                        values.insert(valid, x);
                    }
                    None => ok = false,
                }
            } else {
                let help = suggest(k_str, keys).map_or_else(
                    || format!("`{name}` takes {}", keys.join(", ")),
                    |s| format!("did you mean `{s}`?"),
                );
                self.problem(
                    k.span(),
                    Some(format!("{key}.{k_str}")),
                    format!("distribution `{name}` has no parameter `{k_str}`"),
                    Some(help),
                );
                ok = false;
            }
        }
        if !ok {
            return None;
        }
        match Distribution::build(&name, |k| values.get(k).copied()) {
            Ok(d) => Some(d),
            Err(msg) => {
                self.problem(span, Some(key.to_string()), msg, None);
                None
            }
        }
    }

    /// Reads a parameter table (`[world]`, `[us]`, …) into `out` at `offset`.
    fn param_table(
        &mut self,
        table: &DeTable<'_>,
        table_span: std::ops::Range<usize>,
        table_name: &str,
        (specs, offset): (&[ParamSpec], usize),
        out: &mut [Option<ParamValue>],
        skip: &[&str],
    ) {
        let valid: Vec<&str> = specs.iter().map(|s| s.key).collect();
        for (k, v) in table.iter() {
            let key = k.get_ref().as_ref();
            if skip.contains(&key) {
                continue;
            }
            match specs.iter().position(|s| s.key == key) {
                Some(i) => {
                    out[offset + i] = self.param_value(v, &format!("{table_name}.{key}"), &specs[i])
                }
                None => self.unknown_key(k.span(), key, table_name, &valid),
            }
        }
        // A key left out takes its default where the parameter has one (a
        // mechanism added later, off by default); the others must be given.
        for (i, spec) in specs.iter().enumerate() {
            if let (None, Some(d)) = (table.get(spec.key), spec.default) {
                out[offset + i] = Some(ParamValue::Fixed(d));
            }
        }
        let missing: Vec<&str> = specs
            .iter()
            .filter(|s| table.get(s.key).is_none() && s.default.is_none())
            .map(|s| s.key)
            .collect();
        if !missing.is_empty() {
            self.problem(
                table_span,
                None,
                format!("[{table_name}] is missing {}: {}", plural(missing.len(), "parameter"), missing.join(", ")),
                Some("every model parameter must be given; see docs/MODEL.md for meanings and ranges".to_string()),
            );
        }
    }
}

impl Cx<'_> {
    /// `[[levers.<name>.rules]]`: each with `actor`, `when`, `do`, and
    /// optionally `amount`, `every_weeks`, `name`.
    fn rules(
        &mut self,
        v: &Spanned<DeValue<'_>>,
        path: &str,
        lever: &str,
        ids: &Pair<String>,
    ) -> Vec<Rule> {
        let key = format!("{path}.rules");
        let DeValue::Array(items) = v.get_ref() else {
            self.problem(
                v.span(),
                Some(key.clone()),
                "rules must be an array of tables".into(),
                Some(format!("write each rule under [[{key}]]")),
            );
            return Vec::new();
        };
        let names = variable_names(ids);
        let mut rules = Vec::new();
        // Each rule name once in a lever: runs.csv counts each rule in a
        // column of its name.
        let mut seen: Vec<(String, usize)> = Vec::new();
        for (k, item) in items.iter().enumerate() {
            let Some(t) = self.table(item, &key) else {
                continue;
            };
            let valid = ["name", "actor", "when", "do", "amount", "every_weeks"];
            for (rk, _) in t.iter() {
                let rk_str = rk.get_ref().as_ref();
                if !valid.contains(&rk_str) {
                    self.unknown_key(rk.span(), rk_str, &key, &valid);
                }
            }
            let name = match t.get("name") {
                Some(n) => self.identifier(n, &format!("{key}.name")),
                None => Some(format!("{lever}_{}", k + 1)),
            };
            let name = name.and_then(|name| {
                let span = t.get("name").map_or(item.span(), |n| n.span());
                if let Some((_, first)) = seen.iter().find(|(n, _)| *n == name) {
                    let (line, _) = self.at(*first);
                    self.problem(
                        span,
                        Some(format!("{key}.name")),
                        format!("lever `{lever}` has two rules named `{name}` (the first on line {line})"),
                        Some("give each rule of a lever its own name".into()),
                    );
                    return None;
                }
                seen.push((name.clone(), span.start));
                Some(name)
            });
            let actor = t.get("actor").and_then(|a| {
                let id = self.string(a, &format!("{key}.actor"))?;
                let found = ids.iter().position(|x| x == id);
                if found.is_none() {
                    self.problem(
                        a.span(),
                        Some(format!("{key}.actor")),
                        format!("unknown actor `{id}`"),
                        Some(format!("actors: {}, {}", ids[0], ids[1])),
                    );
                }
                found
            });
            let condition = t.get("when").and_then(|w| {
                let text = self.string(w, &format!("{key}.when"))?;
                match parse_condition(text, &names) {
                    Ok(c) => Some(c),
                    Err(e) => {
                        // The column inside the string, past the opening quote.
                        let inside: usize =
                            text.chars().take(e.column - 1).map(char::len_utf8).sum();
                        let start = w.span().start + 1 + inside;
                        self.problem(
                            start..start,
                            Some(format!("{key}.when")),
                            format!(
                                "in condition `{}` at column {}: {}",
                                abridged(text),
                                e.column,
                                e.message
                            ),
                            e.help,
                        );
                        None
                    }
                }
            });
            let action = t.get("do").and_then(|d| {
                let text = self.string(d, &format!("{key}.do"))?;
                let found = RULE_ACTIONS
                    .iter()
                    .find(|(a, _)| a.name() == text)
                    .map(|(a, _)| *a);
                if found.is_none() {
                    let valid: Vec<&str> = RULE_ACTIONS.iter().map(|(a, _)| a.name()).collect();
                    let help = suggest(text, &valid).map_or_else(
                        || format!("actions: {}", valid.join(", ")),
                        |s| format!("did you mean `{s}`?"),
                    );
                    self.problem(
                        d.span(),
                        Some(format!("{key}.do")),
                        format!("unknown action `{text}`"),
                        Some(help),
                    );
                }
                found
            });
            let amount = t.get("amount").and_then(|a| {
                let x = self.number(a, &format!("{key}.amount"))?;
                let meaning =
                    action.and_then(|act| RULE_ACTIONS.iter().find(|(r, _)| *r == act)?.1);
                match (action, meaning) {
                    (Some(act), None) => {
                        self.problem(
                            a.span(),
                            Some(format!("{key}.amount")),
                            format!("`{}` takes no amount", act.name()),
                            None,
                        );
                        None
                    }
                    _ if x <= 0.0 => {
                        self.problem(
                            a.span(),
                            Some(format!("{key}.amount")),
                            "amount must be above 0".into(),
                            None,
                        );
                        None
                    }
                    _ => Some(x),
                }
            });
            let every_weeks = t
                .get("every_weeks")
                .and_then(|e| self.integer(e, &format!("{key}.every_weeks"), 1, 520))
                .map(|x| x as u32);
            for required in ["actor", "when", "do"] {
                if t.get(required).is_none() {
                    self.problem(
                        item.span(),
                        Some(format!("{key}.{required}")),
                        format!("a rule needs `{required}`"),
                        None,
                    );
                }
            }
            if let (Some(name), Some(actor), Some(condition), Some(action)) =
                (name, actor, condition, action)
            {
                rules.push(Rule {
                    name,
                    actor,
                    condition,
                    action,
                    amount,
                    every_weeks,
                });
            }
        }
        rules
    }
}

/// `text`, cut to its first 60 characters when longer than 80.
fn abridged(text: &str) -> String {
    if text.chars().count() <= 80 {
        return text.to_string();
    }
    let head: String = text.chars().take(60).collect();
    format!("{head}…")
}

fn fmt_short(x: f64) -> String {
    format!("{:.4}", x)
        .trim_end_matches('0')
        .trim_end_matches('.')
        .to_string()
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

fn dist_names() -> Vec<&'static str> {
    DISTRIBUTIONS.iter().map(|(n, _)| *n).collect()
}

/// Identifiers end up in CSV cells and file names: letters, digits, `_`, `-`,
/// starting with a letter, so no cell can be read as a spreadsheet formula.
pub fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && s.len() <= 64
}

/// The closest valid name, if it is close enough to be a likely typo.
pub fn suggest<'a>(given: &str, valid: &[&'a str]) -> Option<&'a str> {
    valid
        .iter()
        .map(|v| (strsim::jaro_winkler(given, v), *v))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, v)| v)
}

const TOP_LEVEL: &[&str] = &[
    "scenario", "run", "world", "initial", "levers", "sweep", "robust",
];

pub(super) fn parse(path: &Path, bytes: &[u8]) -> Result<Scenario, ScenarioError> {
    let fail = |problems| ScenarioError {
        path: path.to_path_buf(),
        problems,
    };
    let text = std::str::from_utf8(bytes).map_err(|e| {
        fail(vec![Problem {
            line: None,
            column: None,
            key: None,
            message: format!(
                "the file is not UTF-8 text (invalid byte at offset {})",
                e.valid_up_to()
            ),
            help: None,
            snippet: None,
        }])
    })?;
    let mut cx = Cx::new(text);
    let doc = match DeTable::parse(text) {
        Ok(doc) => doc,
        Err(e) => {
            let span = e.span().unwrap_or(0..0);
            cx.problem(
                span,
                None,
                format!("TOML syntax error: {}", e.message().trim()),
                None,
            );
            return Err(fail(cx.problems));
        }
    };
    let root = doc.get_ref();
    let header = cx.scenario_table(root);
    let (runs, seed) = cx.run_table(root);
    let Some(ids) = header.ids else {
        if !cx
            .problems
            .iter()
            .any(|p| p.key.as_deref() == Some("scenario.actors"))
        {
            cx.problem(
                0..0,
                Some("scenario.actors".into()),
                "the actor ids are needed to read the rest".into(),
                None,
            );
        }
        return Err(fail(cx.problems));
    };
    cx.unknown_top_level_tables(root, &ids);
    let values = cx.parameter_tables(root, &ids);
    let paths: Vec<String> = (0..layout::TOTAL)
        .map(|i| params::path_of(i, &ids))
        .collect();
    let levers = cx.levers(root, &ids, &paths);
    // [sweep]: read now, checked against the parameters once they are known.
    let raw_sweep = root.get("sweep").and_then(|v| cx.raw_sweep(v));

    // Cross-checks that need several values.
    // A horizon already refused is not checked against again (no second,
    // false error about a deadline beyond a horizon of one month).
    let horizon_valid = header.horizon_months.is_some();
    let horizon_months = header.horizon_months.unwrap_or(1);
    let calendar = header.start.and_then(|s| Calendar::new(s, horizon_months));
    if header.start.is_some() && calendar.is_none() {
        cx.problem(
            0..0,
            Some("scenario.horizon_months".into()),
            "the horizon runs past the supported dates".into(),
            None,
        );
    }
    if let Some(cal) = calendar.as_ref().filter(|_| horizon_valid) {
        cx.deadlines_within_the_horizon(&values, &paths, cal);
    }

    if !cx.problems.is_empty() {
        cx.problems
            .sort_by_key(|p| (p.line.unwrap_or(0), p.column.unwrap_or(0)));
        return Err(fail(cx.problems));
    }
    let (Some(name), Some(calendar), Some(runs), Some(seed)) = (header.name, calendar, runs, seed)
    else {
        return Err(fail(vec![Problem {
            line: None,
            column: None,
            key: None,
            message: "incomplete scenario".into(),
            help: None,
            snippet: None,
        }]));
    };
    let baseline: Vec<ParamValue> = values
        .into_iter()
        .map(|v| v.unwrap_or(ParamValue::Fixed(0.0)))
        .collect();
    let sha256 = format!("{:x}", Sha256::digest(bytes));
    let mut scenario = Scenario {
        path: path.to_path_buf(),
        sha256,
        name,
        description: header.description,
        actor_names: header.actor_names.unwrap_or_else(|| ids.clone()),
        ids,
        calendar,
        horizon_months,
        runs,
        seed,
        baseline,
        levers,
        sweep: None,
    };
    if let Some(raw) = raw_sweep {
        scenario.sweep = Some(cx.sweep(raw, &scenario));
    }
    if !cx.problems.is_empty() {
        return Err(fail(cx.problems));
    }
    Ok(scenario)
}

/// What `[scenario]` gives, each `None` where it is missing or refused.
#[derive(Debug, Default)]
struct Header {
    name: Option<String>,
    description: String,
    ids: Option<Pair<String>>,
    actor_names: Option<Pair<String>>,
    start: Option<NaiveDate>,
    horizon_months: Option<u32>,
}

/// The tables of a scenario file, one method each, in file order.
impl Cx<'_> {
    /// `[scenario]`: name, description, actor ids and names, start and
    /// horizon.
    fn scenario_table(&mut self, root: &DeTable<'_>) -> Header {
        let mut header = Header::default();
        let Header {
            name,
            description,
            ids,
            actor_names,
            start,
            horizon_months,
        } = &mut header;
        match root.get("scenario") {
            None => self.problem(0..0, None, "missing [scenario] table".into(), None),
            Some(v) => {
                if let Some(t) = self.table(v, "scenario") {
                    let valid = [
                        "name",
                        "description",
                        "actors",
                        "actor_names",
                        "start_date",
                        "horizon_months",
                    ];
                    for (k, v) in t.iter() {
                        let key = k.get_ref().as_ref();
                        let path = format!("scenario.{key}");
                        match key {
                            "name" => *name = self.identifier(v, &path),
                            "description" => {
                                *description = self.string(v, &path).unwrap_or_default().to_string()
                            }
                            "actors" | "actor_names" => {
                                let arr = match v.get_ref() {
                                    DeValue::Array(a) if a.len() == 2 => Some(a),
                                    _ => {
                                        self.problem(
                                            v.span(),
                                            Some(path.clone()),
                                            "expected an array of two strings".into(),
                                            None,
                                        );
                                        None
                                    }
                                };
                                if let Some(a) = arr {
                                    let pair = if key == "actors" {
                                        [
                                            self.identifier(&a[0], &path),
                                            self.identifier(&a[1], &path),
                                        ]
                                    } else {
                                        [
                                            self.string(&a[0], &path).map(str::to_string),
                                            self.string(&a[1], &path).map(str::to_string),
                                        ]
                                    };
                                    if let [Some(x), Some(y)] = pair {
                                        if key == "actors" {
                                            if x == y {
                                                self.problem(
                                                    v.span(),
                                                    Some(path),
                                                    "the two actor ids must differ".into(),
                                                    None,
                                                );
                                            } else if TOP_LEVEL.contains(&x.as_str())
                                                || TOP_LEVEL.contains(&y.as_str())
                                            {
                                                self.problem(
                                                    v.span(),
                                                    Some(path),
                                                    format!(
                                                        "actor ids cannot be one of {}",
                                                        TOP_LEVEL.join(", ")
                                                    ),
                                                    None,
                                                );
                                            } else {
                                                *ids = Some([x, y]);
                                            }
                                        } else {
                                            *actor_names = Some([x, y]);
                                        }
                                    }
                                }
                            }
                            "start_date" => {
                                let s = match v.get_ref() {
                                    DeValue::String(s) => Some(s.to_string()),
                                    DeValue::Datetime(d) => Some(d.to_string()),
                                    _ => None,
                                };
                                *start = s
                                    .as_deref()
                                    .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok());
                                if start.is_none() {
                                    self.problem(
                                        v.span(),
                                        Some(path),
                                        "start_date is not a date".into(),
                                        Some("write it as YYYY-MM-DD, e.g. 2025-09-03".into()),
                                    );
                                }
                            }
                            "horizon_months" => {
                                *horizon_months = self
                                    .integer(v, &path, 1, MAX_HORIZON_MONTHS)
                                    .map(|x| x as u32)
                            }
                            _ => self.unknown_key(k.span(), key, "scenario", &valid),
                        }
                    }
                    for required in ["name", "actors", "start_date", "horizon_months"] {
                        if t.get(required).is_none() {
                            self.problem(
                                v.span(),
                                Some(format!("scenario.{required}")),
                                format!("[scenario] needs `{required}`"),
                                None,
                            );
                        }
                    }
                }
            }
        }

        header
    }

    /// `[run]`: runs per lever and the master seed.
    fn run_table(&mut self, root: &DeTable<'_>) -> (Option<u64>, Option<u64>) {
        let mut runs = None;
        let mut seed = None;
        match root.get("run") {
            None => self.problem(
                0..0,
                None,
                "missing [run] table".into(),
                Some("e.g. [run] runs = 2000, seed = 1".into()),
            ),
            Some(v) => {
                if let Some(t) = self.table(v, "run") {
                    for (k, v) in t.iter() {
                        let key = k.get_ref().as_ref();
                        match key {
                            "runs" => {
                                runs = self.integer(v, "run.runs", 1, MAX_RUNS).map(|x| x as u64)
                            }
                            "seed" => {
                                seed = self.integer(v, "run.seed", 0, i64::MAX).map(|x| x as u64)
                            }
                            _ => self.unknown_key(k.span(), key, "run", &["runs", "seed"]),
                        }
                    }
                    for required in ["runs", "seed"] {
                        if t.get(required).is_none() {
                            self.problem(
                                v.span(),
                                Some(format!("run.{required}")),
                                format!("[run] needs `{required}`"),
                                None,
                            );
                        }
                    }
                }
            }
        }

        (runs, seed)
    }

    /// Top-level tables other than the known ones and the two actors'.
    fn unknown_top_level_tables(&mut self, root: &DeTable<'_>, ids: &Pair<String>) {
        let mut valid_top: Vec<&str> = TOP_LEVEL.to_vec();
        valid_top.push(&ids[0]);
        valid_top.push(&ids[1]);
        for (k, _) in root.iter() {
            let key = k.get_ref().as_ref();
            if !valid_top.contains(&key) {
                self.unknown_key(k.span(), key, "top level", &valid_top);
            }
        }
    }

    /// The parameter tables: `[world]`, one per actor, and `[initial]`
    /// with its actor sub-tables; `None` where a value is missing.
    fn parameter_tables(
        &mut self,
        root: &DeTable<'_>,
        ids: &Pair<String>,
    ) -> Vec<Option<ParamValue>> {
        let mut values: Vec<Option<ParamValue>> = vec![None; layout::TOTAL];
        let sections: [(&str, &[ParamSpec], usize); 3] = [
            ("world", params::WORLD_SPECS, layout::WORLD),
            (&ids[0], params::ACTOR_SPECS, layout::actor(0)),
            (&ids[1], params::ACTOR_SPECS, layout::actor(1)),
        ];
        for (table_name, specs, offset) in sections {
            match root.get(table_name) {
                None => self.problem(0..0, None, format!("missing [{table_name}] table"), None),
                Some(v) => {
                    if let Some(t) = self.table(v, table_name) {
                        self.param_table(
                            t,
                            v.span(),
                            table_name,
                            (specs, offset),
                            &mut values,
                            &[],
                        );
                    }
                }
            }
        }
        match root.get("initial") {
            None => self.problem(0..0, None, "missing [initial] table".into(), None),
            Some(v) => {
                if let Some(t) = self.table(v, "initial") {
                    let skip = [ids[0].as_str(), ids[1].as_str()];
                    self.param_table(
                        t,
                        v.span(),
                        "initial",
                        (params::INITIAL_WORLD_SPECS, layout::INITIAL_WORLD),
                        &mut values,
                        &skip,
                    );
                    for (a, id) in ids.iter().enumerate() {
                        let name = format!("initial.{id}");
                        match t.get(id.as_str()) {
                            None => self.problem(
                                v.span(),
                                None,
                                format!("missing [{name}] table"),
                                None,
                            ),
                            Some(v) => {
                                if let Some(t) = self.table(v, &name) {
                                    self.param_table(
                                        t,
                                        v.span(),
                                        &name,
                                        (params::INITIAL_ACTOR_SPECS, layout::initial_actor(a)),
                                        &mut values,
                                        &[],
                                    );
                                }
                            }
                        }
                    }
                }
            }
        }

        values
    }

    /// `[levers.<name>]`: the baseline (the scenario as written) first,
    /// then each lever's overrides by parameter path, and its rules.
    fn levers(&mut self, root: &DeTable<'_>, ids: &Pair<String>, paths: &[String]) -> Vec<Lever> {
        let mut levers = vec![Lever {
            name: "baseline".into(),
            description: "The scenario as written.".into(),
            overrides: Vec::new(),
            rules: Vec::new(),
        }];
        if let Some(v) = root.get("levers")
            && let Some(t) = self.table(v, "levers")
        {
            for (k, lv) in t.iter() {
                let lever_name = k.get_ref().to_string();
                let path = format!("levers.{lever_name}");
                if !is_identifier(&lever_name) {
                    self.problem(
                        k.span(),
                        Some(path.clone()),
                        format!("`{lever_name}` is not a valid lever name"),
                        Some("use letters, digits, `_` and `-`, starting with a letter, at most 64 characters".into()),
                    );
                    continue;
                }
                if lever_name == "baseline" {
                    self.problem(
                        k.span(),
                        Some(path),
                        "`baseline` is the scenario as written; pick another lever name".into(),
                        None,
                    );
                    continue;
                }
                let Some(lt) = self.table(lv, &path) else {
                    continue;
                };
                let mut lever = Lever {
                    name: lever_name.clone(),
                    description: String::new(),
                    overrides: Vec::new(),
                    rules: Vec::new(),
                };
                let mut flat = Vec::new();
                flatten(lt, String::new(), &mut flat);
                for (key, key_span, value) in flat {
                    if key == "rules" {
                        lever.rules = self.rules(value, &path, &lever_name, ids);
                        continue;
                    }
                    if key == "description" {
                        lever.description = self
                            .string(value, &format!("{path}.description"))
                            .unwrap_or_default()
                            .to_string();
                        continue;
                    }
                    match paths.iter().position(|p| *p == key) {
                        Some(index) => {
                            let (_, _, spec) = params::spec_at(index);
                            if let Some(pv) =
                                self.param_value(value, &format!("{path}.{key}"), spec)
                            {
                                lever.overrides.push((index, pv));
                            }
                        }
                        None => {
                            let valid: Vec<&str> = paths.iter().map(String::as_str).collect();
                            let help = suggest(&key, &valid).map(|s| format!("did you mean `{s}`?")).or_else(|| {
                                Some("a lever sets parameters by path: `world.<key>`, `<actor>.<key>`, `initial.<key>` or `initial.<actor>.<key>`".into())
                            });
                            self.problem(
                                key_span,
                                Some(format!("{path}.{key}")),
                                format!("lever `{lever_name}` sets unknown parameter `{key}`"),
                                help,
                            );
                        }
                    }
                }
                if lever.overrides.is_empty()
                    && lever.rules.is_empty()
                    && !self
                        .problems
                        .iter()
                        .any(|p| p.key.as_deref().is_some_and(|k| k.starts_with(&path)))
                {
                    self.problem(
                        lv.span(),
                        Some(path),
                        format!("lever `{lever_name}` overrides nothing"),
                        None,
                    );
                }
                levers.push(lever);
            }
        }

        levers
    }

    /// A fixed threat deadline must fall within the horizon.
    fn deadlines_within_the_horizon(
        &mut self,
        values: &[Option<ParamValue>],
        paths: &[String],
        cal: &Calendar,
    ) {
        for a in 0..2 {
            let deadline_key = params::INITIAL_ACTOR_SPECS
                .iter()
                .position(|s| s.key == "threat_deadline_weeks");
            let Some(index) = deadline_key.map(|k| layout::initial_actor(a) + k) else {
                continue;
            };
            if let Some(ParamValue::Fixed(d)) = &values[index]
                && *d > f64::from(cal.horizon_weeks)
            {
                self.problems.push(Problem {
                    line: None,
                    column: None,
                    key: Some(paths[index].clone()),
                    message: format!(
                        "a deadline {d} weeks after the start is beyond the horizon of {} weeks",
                        cal.horizon_weeks
                    ),
                    help: None,
                    snippet: None,
                });
            }
        }
    }

    /// `[sweep]`, checked against the scenario's parameters and levers.
    fn sweep(&mut self, raw: RawSweep, scenario: &Scenario) -> SweepSpec {
        let mut spec = SweepSpec {
            samples: raw.samples,
            ..SweepSpec::default()
        };
        for (path, text, span) in raw.params {
            match scenario.sweep_range(&path, &text) {
                Ok(r) => spec.ranges.push(r),
                Err(msg) => self.problem(span, Some(format!("sweep.params.{path}")), msg, None),
            }
        }
        for (name, span) in raw.levers {
            if scenario.lever(&name).is_none() {
                let names: Vec<&str> = scenario.levers.iter().map(|l| l.name.as_str()).collect();
                let help = suggest(&name, &names).map(|s| format!("did you mean `{s}`?"));
                self.problem(
                    span,
                    Some("sweep.levers".into()),
                    format!("no lever named `{name}`"),
                    help,
                );
            }
            spec.levers.push(name);
        }
        if spec.ranges.is_empty() && self.problems.is_empty() {
            self.problem(
                0..0,
                Some("sweep.params".into()),
                "[sweep] sweeps no parameter".into(),
                None,
            );
        }
        if spec.point_count() > sweep::MAX_POINTS {
            self.problem(
                0..0,
                Some("sweep".into()),
                format!(
                    "the sweep has {} points; at most {} are allowed",
                    spec.point_count(),
                    sweep::MAX_POINTS
                ),
                None,
            );
        }
        spec
    }
}

/// A `[sweep]` table before its parameters are checked.
struct RawSweep {
    params: Vec<(String, String, std::ops::Range<usize>)>,
    samples: Option<u32>,
    levers: Vec<(String, std::ops::Range<usize>)>,
}

impl Cx<'_> {
    fn raw_sweep(&mut self, v: &Spanned<DeValue<'_>>) -> Option<RawSweep> {
        let t = self.table(v, "sweep")?;
        let mut raw = RawSweep {
            params: Vec::new(),
            samples: None,
            levers: Vec::new(),
        };
        for (k, val) in t.iter() {
            let key = k.get_ref().as_ref();
            match key {
                "samples" => {
                    raw.samples = self
                        .integer(val, "sweep.samples", 2, 100_000)
                        .map(|x| x as u32)
                }
                "levers" => match val.get_ref() {
                    DeValue::Array(items) => {
                        for item in items.iter() {
                            if let Some(name) = self.string(item, "sweep.levers") {
                                raw.levers.push((name.to_string(), item.span()));
                            }
                        }
                    }
                    _ => self.problem(
                        val.span(),
                        Some("sweep.levers".into()),
                        "expected an array of lever names".into(),
                        None,
                    ),
                },
                "params" => {
                    let Some(pt) = self.table(val, "sweep.params") else {
                        continue;
                    };
                    let mut flat = Vec::new();
                    flatten(pt, String::new(), &mut flat);
                    for (path, _, pv) in flat {
                        if let Some(text) = self.string(pv, &format!("sweep.params.{path}")) {
                            raw.params.push((path, text.to_string(), pv.span()));
                        }
                    }
                }
                _ => self.unknown_key(k.span(), key, "sweep", &["params", "samples", "levers"]),
            }
        }
        Some(raw)
    }
}

/// Flattens a lever table into dotted paths; inline tables with `dist` are
/// values (uncertainties), not nesting.
fn flatten<'t, 'i>(
    t: &'t DeTable<'i>,
    prefix: String,
    out: &mut Vec<(String, std::ops::Range<usize>, &'t Spanned<DeValue<'i>>)>,
) {
    for (k, v) in t.iter() {
        let key = if prefix.is_empty() {
            k.get_ref().to_string()
        } else {
            format!("{prefix}.{}", k.get_ref())
        };
        match v.get_ref() {
            DeValue::Table(inner) if inner.get("dist").is_none() && key != "rules" => {
                flatten(inner, key, out)
            }
            _ => out.push((key, k.span(), v)),
        }
    }
}
