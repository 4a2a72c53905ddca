//! `bilateral bench` end to end: the work it counts and the figures it
//! prints agree with each other (their size is the benchmark's business,
//! not a test's).

mod common;

use common::*;

/// The number after `label` on the line that starts with `label`.
fn figure(text: &str, label: &str, after: &str) -> f64 {
    let line = text
        .lines()
        .find(|l| l.starts_with(label))
        .unwrap_or_else(|| panic!("no `{label}` line in\n{text}"));
    let rest = line.split_once(after).map_or(line, |(_, r)| r);
    rest.split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .find(|w| !w.is_empty())
        .and_then(|w| w.parse().ok())
        .unwrap_or_else(|| panic!("no number after `{after}` in `{line}`"))
}

#[test]
fn bench_counts_the_work_and_its_figures_agree() {
    let out = bilateral()
        .args(["bench", "--runs", "64"])
        .arg(scenario("us_mexico_2025-02.toml"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    // 64 runs x 1 lever x 30 weeks (1 Feb to 31 Aug 2025) x 2 agents.
    assert_eq!(figure(&text, "work", "="), 3840.0, "{text}");
    let runs_per_s = figure(&text, "1 thread", "thread");
    let ns = figure(&text, "1 thread", ",");
    assert!(runs_per_s > 0.0 && ns > 0.0, "{text}");
    // One run is 60 agent-weeks: runs/s and ns per agent-week are one figure.
    let implied = 1e9 / (ns * 60.0);
    assert!(
        (implied / runs_per_s - 1.0).abs() < 0.02,
        "{runs_per_s} runs/s vs {ns} ns per agent-week"
    );
    let floor = figure(&text, "floor probe", "probe");
    let ratio = figure(&text, "ratio to floor", "floor");
    assert!(
        (ratio - ns / floor).abs() <= 0.01 * ratio + 0.01 * ns / floor,
        "{text}"
    );
    assert!(text.contains("2 threads"), "{text}");
    // The batched floor probe: a positive figure, lanes of four, the path
    // it ran on named.
    let batched = figure(&text, "batched floor", "floor");
    assert!(batched > 0.0, "{text}");
    let line = text
        .lines()
        .find(|l| l.starts_with("batched floor"))
        .unwrap();
    assert!(line.contains("ns per agent-week (lanes of 4, "), "{line}");
    assert!(
        ["portable)", "sse2)", "avx2)"]
            .iter()
            .any(|p| line.ends_with(p)),
        "{line}"
    );
}
