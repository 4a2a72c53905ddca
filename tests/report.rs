//! report.html renders in a real browser: headless Chromium loads it,
//! every chart has something drawn, and a screenshot is taken. Skipped,
//! with the reason printed, where Chromium is not installed.

mod common;

use std::process::Command;

use common::*;

fn chromium() -> Option<&'static str> {
    ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|b| {
            Command::new(b)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
}

fn headless(browser: &str, profile: &std::path::Path) -> Command {
    let mut c = Command::new(browser);
    c.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
    ]);
    c.arg(format!("--user-data-dir={}", profile.display()));
    c
}

#[test]
fn the_report_renders_with_non_empty_charts() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    bilateral()
        .arg("run")
        .arg(scenario("us_mexico_2025-09.toml"))
        .args(["--runs", "200", "--quiet", "--report", "--out"])
        .arg(&out)
        .assert()
        .success();
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    // Self-contained: no script, stylesheet, image or font to fetch (the
    // only URL is the SVG namespace, which is a name, not a request).
    for fetch in [
        "<script", "<link", "<img", "src=", "href=", "url(", "@import",
    ] {
        assert!(!html.contains(fetch), "report.html contains `{fetch}`");
    }
    let Some(browser) = chromium() else {
        skip_unless_ci("the browser part: no Chromium installed (Debian package `chromium`)");
        return;
    };
    let url = format!("file://{}", out.join("report.html").display());
    let dom = headless(browser, &tmp.path().join("profile1"))
        .arg("--dump-dom")
        .arg(&url)
        .output()
        .unwrap();
    assert!(
        dom.status.success(),
        "the page loads: {}",
        String::from_utf8_lossy(&dom.stderr)
    );
    let dom = String::from_utf8_lossy(&dom.stdout);
    assert!(dom.contains("Made by bilateral"), "the whole page loaded");
    // Charts are the SVGs with labels (the legend's small line swatches have none).
    let charts: Vec<&str> = dom
        .split("<svg")
        .skip(1)
        .map(|c| c.split("</svg>").next().unwrap_or_default())
        .filter(|c| c.contains("<text"))
        .collect();
    assert!(
        charts.len() >= 7 + 3 + 6,
        "fan charts, event probabilities and forest plots: {}",
        charts.len()
    );
    for body in &charts {
        let drawn = body.matches("<polyline").count()
            + body.matches("<polygon").count()
            + body.matches("<circle").count();
        assert!(drawn > 0, "a chart with nothing drawn");
    }
    // Small multiples: no panel holds the bands of two levers (each band
    // polygon names its lever in data-lever).
    for body in &charts {
        let mut levers: Vec<&str> = body
            .split("data-lever=\"")
            .skip(1)
            .filter_map(|c| c.split('"').next())
            .collect();
        levers.dedup();
        assert!(levers.len() <= 1, "bands of {levers:?} share a panel");
    }
    assert!(
        dom.contains("data-lever=\"mx_retaliates\""),
        "lever bands drawn"
    );
    let shot = tmp.path().join("shot.png");
    let status = headless(browser, &tmp.path().join("profile2"))
        .arg("--window-size=1280,1700")
        .arg(format!("--screenshot={}", shot.display()))
        .arg(&url)
        .output()
        .unwrap();
    assert!(status.status.success());
    let png = std::fs::read(&shot).unwrap();
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 50_000,
        "a screenshot with content ({} bytes)",
        png.len()
    );
}
