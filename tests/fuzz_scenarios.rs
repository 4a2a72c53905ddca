//! Property-based fuzzing of the scenario reader and a short run: arbitrary
//! text and mutated versions of real scenario files (the seed corpus:
//! scenarios/ and tests/bad_scenarios/) must give a scenario or a clean
//! error, never a panic, and a scenario that loads must run to finite
//! outputs.

use std::path::{Path, PathBuf};

use bilateral::engine::{self, Plan};
use bilateral::scenario::Scenario;
use proptest::prelude::*;

/// Cases per property in CI; raise with PROPTEST_CASES for a longer hunt.
const CASES: u32 = 1500;

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(CASES)
}

fn corpus() -> Vec<(PathBuf, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["scenarios", "tests/bad_scenarios"] {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(root.join(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        paths.sort();
        for p in paths {
            let text = std::fs::read_to_string(&p).unwrap();
            files.push((p, text));
        }
    }
    files
}

/// Values a hand-edited file might hold where a number is expected.
const TOKENS: &[&str] = &[
    "0",
    "-1",
    "1e308",
    "-1e308",
    "nan",
    "-nan",
    "inf",
    "-inf",
    "1.5",
    "2",
    "100000",
    "0.000001",
    "520",
    "\"x\"",
    "\"\"",
    "[1, 2]",
    "[]",
    "{}",
    "true",
    "1979-05-27",
    "\"2025-02-30\"",
    "{ dist = \"normal\", mean = 0, sd = 1 }",
    "{ dist = \"uniform\", low = 0, high = 1 }",
    "{ dist = \"beta\", alpha = 0.5, beta = 0.5 }",
    "{ dist = \"lognormal\", median = 1, sigma = 5 }",
    "{ dist = \"triangular\", low = 1, mode = 0, high = 2 }",
    "{ dist = \"uniform\" }",
    "\"mx.transfers_last_8w >= 20 and\"",
    "\"us_tariff_pct > 0 or (trust < 1\"",
];

#[derive(Debug, Clone)]
enum Mutation {
    /// Replace the value of line `n` (after `=`) by a token.
    Value(usize, usize),
    /// Delete line `n`.
    Delete(usize),
    /// Duplicate line `n`.
    Duplicate(usize),
    /// Insert arbitrary text before line `n`.
    Insert(usize, String),
    /// Cut the file at a fraction of its length.
    Truncate(f64),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        6 => (any::<usize>(), 0..TOKENS.len()).prop_map(|(n, t)| Mutation::Value(n, t)),
        2 => any::<usize>().prop_map(Mutation::Delete),
        1 => any::<usize>().prop_map(Mutation::Duplicate),
        1 => (any::<usize>(), "[ -~\n]{0,40}").prop_map(|(n, s)| Mutation::Insert(n, s)),
        1 => (0.0..1.0f64).prop_map(Mutation::Truncate),
    ]
}

fn mutate(text: &str, mutations: &[Mutation]) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    for m in mutations {
        if lines.is_empty() {
            break;
        }
        match m {
            Mutation::Value(n, t) => {
                let i = n % lines.len();
                if let Some((key, _)) = lines[i].split_once('=') {
                    lines[i] = format!("{key}= {}", TOKENS[*t]);
                }
            }
            Mutation::Delete(n) => {
                let i = n % lines.len();
                lines.remove(i);
            }
            Mutation::Duplicate(n) => {
                let i = n % lines.len();
                let l = lines[i].clone();
                lines.insert(i, l);
            }
            Mutation::Insert(n, s) => {
                let i = n % lines.len();
                lines.insert(i, s.clone());
            }
            Mutation::Truncate(f) => {
                let keep = ((lines.len() as f64) * f) as usize;
                lines.truncate(keep);
            }
        }
    }
    lines.join("\n")
}

/// Loads `bytes` and, if it is a scenario, runs a few runs of every lever
/// and checks that every output number is finite.
fn load_and_run(path: &Path, bytes: &[u8]) -> Result<(), TestCaseError> {
    let Ok(scenario) = Scenario::from_bytes(path, bytes) else {
        return Ok(());
    };
    let names: Vec<String> = scenario.levers.iter().map(|l| l.name.clone()).collect();
    let plan = Plan::new(&scenario, &names, 3, scenario.seed)
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    let mut bad = None;
    let results = engine::run(
        &plan,
        1,
        |r| {
            for (k, x) in r.metrics.iter().enumerate() {
                if !(x.is_finite()
                    || (bilateral::model::outcome::METRICS[k].template == "weeks_to_agreement"
                        && x.is_nan()))
                {
                    bad = Some(format!(
                        "metric {k} = {x} in run {} lever {}",
                        r.run, r.lever
                    ));
                }
            }
            Ok(())
        },
        |_| {},
    )
    .map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert!(bad.is_none(), "{:?}", bad);
    for lever in &results.levers {
        for s in lever.metrics.iter().chain(lever.months.iter().flatten()) {
            for v in [
                s.mean(),
                s.sd(),
                s.quantile(0.05),
                s.quantile(0.5),
                s.quantile(0.95),
            ]
            .into_iter()
            .flatten()
            {
                prop_assert!(
                    v.is_finite(),
                    "non-finite statistic in lever {}",
                    lever.name
                );
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn mutated_scenarios_load_cleanly_or_fail_cleanly(
        file in any::<prop::sample::Index>(),
        mutations in prop::collection::vec(mutation(), 1..4),
    ) {
        let corpus = corpus();
        let (path, text) = &corpus[file.index(corpus.len())];
        let mutated = mutate(text, &mutations);
        load_and_run(path, mutated.as_bytes())?;
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        load_and_run(Path::new("fuzz.toml"), &bytes)?;
    }

    #[test]
    fn arbitrary_toml_like_text_never_panics(text in "([a-z_.\\[\\]\"={}0-9 ,-]{0,30}\n){0,12}") {
        load_and_run(Path::new("fuzz.toml"), text.as_bytes())?;
    }
}

#[test]
fn the_mutations_reach_the_simulation() {
    // Without this, a fuzzer that only ever produced parse errors would pass:
    // most single-value mutations of a valid file must still load and run.
    let corpus = corpus();
    let (path, text) = corpus
        .iter()
        .find(|(p, _)| p.ends_with("us_mexico_2025-09.toml"))
        .unwrap();
    let mut loaded = 0;
    for n in 0..200 {
        let mutated = mutate(text, &[Mutation::Value(n * 7, 9)]);
        if Scenario::from_bytes(path, mutated.as_bytes()).is_ok() {
            loaded += 1;
            load_and_run(path, mutated.as_bytes()).unwrap();
        }
    }
    assert!(loaded > 50, "only {loaded} of 200 mutated files loaded");
}
