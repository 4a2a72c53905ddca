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
    // One run is 60 agent-weeks: on each step's line runs/s and ns per
    // agent-week are one figure.
    let mut ns = Vec::new();
    for label in ["1 thread scalar", "1 thread batched"] {
        let runs_per_s = figure(&text, label, label);
        let ns_step = figure(&text, label, ",");
        assert!(runs_per_s > 0.0 && ns_step > 0.0, "{text}");
        let implied = 1e9 / (ns_step * 60.0);
        assert!(
            (implied / runs_per_s - 1.0).abs() < 0.02,
            "{label}: {runs_per_s} runs/s vs {ns_step} ns per agent-week"
        );
        ns.push(ns_step);
    }
    // The batched line's speed-up is the two steps' ratio.
    let speed_up = figure(&text, "1 thread batched", "), ");
    assert!(
        (speed_up - ns[0] / ns[1]).abs() <= 0.01 * speed_up + 0.02,
        "{text}"
    );
    // The ratio to the floor is the default step's, the one the two-thread
    // line names.
    let two = text.lines().find(|l| l.starts_with("2 threads")).unwrap();
    let default_ns = if two.contains("(scalar, the default)") {
        ns[0]
    } else {
        assert!(two.contains("(lanes of 4, "), "{two}");
        ns[1]
    };
    let floor = figure(&text, "floor probe", "probe");
    let ratio = figure(&text, "ratio to floor", "floor");
    assert!(
        (ratio - default_ns / floor).abs() <= 0.01 * ratio + 0.01 * default_ns / floor,
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
