//! report.html: one self-contained page (inline SVG and CSS, nothing
//! fetched, no link) drawn from the tables of a run (in memory, as
//! serialized for the folder, or read back by `bilateral report`).
//!
//! Designed for reading, as forecast publications draw fan charts: per
//! variable, the baseline's fan alone in a large panel, then one small panel
//! per lever with that lever's fan against the baseline's median, all on the
//! same scale (small multiples). Lines are labelled where they end (direct
//! labels), so there is no legend to look up. No panel holds the bands of
//! two levers: each band polygon carries `data-lever`, and the report test
//! checks it.

use crate::model::Pair;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use super::export::{ExportError, Exporter, Source};
use super::folder::{Contents, FolderError};
use crate::model::outcome::{METRICS, expand};

/// The baseline's colour (and its bands', lighter).
const BASE: &str = "#222222";
/// The colour of the lever shown in a small panel (Okabe–Ito blue).
const LEVER: &str = "#0072b2";
/// Text and axes.
const GREY: &str = "#666666";

/// One CSV file: its header in file order, and its rows by column.
struct Table {
    header: Vec<String>,
    rows: Vec<BTreeMap<String, String>>,
}

/// The CSV table `name` of the run.
fn read(files: &Contents, name: &str) -> Result<Table, String> {
    let bytes = files
        .bytes(name)
        .ok_or_else(|| format!("the run has no {name}"))?;
    let mut r = csv::Reader::from_reader(bytes);
    let header: Vec<String> = r
        .headers()
        .map_err(|e| e.to_string())?
        .iter()
        .map(str::to_string)
        .collect();
    let mut rows = Vec::new();
    for rec in r.records() {
        let rec = rec.map_err(|e| e.to_string())?;
        rows.push(
            header
                .iter()
                .cloned()
                .zip(rec.iter().map(str::to_string))
                .collect(),
        );
    }
    Ok(Table { header, rows })
}

fn num(row: &BTreeMap<String, String>, col: &str) -> f64 {
    row.get(col)
        .and_then(|x| x.parse().ok())
        .unwrap_or(f64::NAN)
}

fn cell<'a>(row: &'a BTreeMap<String, String>, col: &str) -> &'a str {
    row.get(col).map_or("", String::as_str)
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `x` with `decimals` decimals, a true minus sign, and never "-0".
fn fixed(x: f64, decimals: usize) -> String {
    if !x.is_finite() {
        return String::new();
    }
    super::fmt_fixed(x, decimals).replace('-', "\u{2212}")
}

/// Like [`fixed`], with a `+` in front of a positive number.
fn signed(x: f64, decimals: usize) -> String {
    let text = fixed(x, decimals);
    if x > 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0') {
        format!("+{text}")
    } else {
        text
    }
}

/// Decimals that show a quantity of this size to about three digits.
fn decimals_for(magnitude: f64) -> usize {
    match magnitude.abs() {
        m if m >= 100.0 => 0,
        m if m >= 10.0 => 1,
        m if m >= 1.0 => 2,
        _ => 3,
    }
}

/// "2025-09" as "Sep 2025".
fn month_label(date: &str) -> String {
    const NAMES: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    match date.split_once('-') {
        Some((y, m)) => match m.parse::<usize>() {
            Ok(m @ 1..=12) => format!("{} {y}", NAMES[m - 1]),
            _ => date.to_string(),
        },
        None => date.to_string(),
    }
}

/// Axis ticks at 1, 2 or 5 times a power of ten, covering `lo..hi` with
/// about `n` steps; returns the ticks and their decimals.
fn ticks(lo: f64, hi: f64, n: f64) -> (Vec<f64>, usize) {
    let raw = ((hi - lo) / n).max(1e-9);
    let mag = 10f64.powf(raw.log10().floor());
    let step = mag
        * match raw / mag {
            r if r < 1.5 => 1.0,
            r if r < 3.0 => 2.0,
            r if r < 7.0 => 5.0,
            _ => 10.0,
        };
    let decimals = if step >= 1.0 {
        0
    } else {
        (-step.log10().floor()) as usize
    };
    let first = (lo / step).floor() as i64;
    let last = (hi / step).ceil() as i64;
    ((first..=last).map(|k| k as f64 * step).collect(), decimals)
}

/// The value range a variable's panels share: its bands over every lever,
/// from zero unless the values sit far above it (approval, indices), then
/// widened to whole ticks.
fn value_range(values: impl Iterator<Item = f64>, percent: bool) -> (Vec<f64>, usize) {
    let (lo, hi) = values
        .filter(|x| x.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
            (a.min(x), b.max(x))
        });
    let (lo, hi) = if percent {
        (0.0, hi.clamp(10.0, 100.0))
    } else if !lo.is_finite() {
        (0.0, 1.0)
    } else if hi <= lo {
        (lo - 1.0, lo + 1.0)
    } else if lo > 0.3 * hi {
        (lo, hi)
    } else {
        (lo.min(0.0), hi)
    };
    ticks(lo, hi, 4.0)
}

/// A line's label at the right end of a panel: height, text, colour.
struct EndLabel {
    y: f64,
    text: String,
    colour: &'static str,
    bold: bool,
}

/// Moves labels apart (at least `gap` px) and back inside `top..bottom`.
fn spread(labels: &mut [EndLabel], gap: f64, top: f64, bottom: f64) {
    labels.sort_by(|a, b| a.y.total_cmp(&b.y));
    for i in 1..labels.len() {
        if labels[i].y - labels[i - 1].y < gap {
            labels[i].y = labels[i - 1].y + gap;
        }
    }
    if let Some(last) = labels.last()
        && last.y > bottom
    {
        let shift = last.y - bottom;
        for l in labels.iter_mut() {
            l.y -= shift;
        }
    }
    for l in labels.iter_mut() {
        l.y = l.y.max(top);
    }
}

/// One panel of a small-multiples row: size and the shared scales.
struct Panel<'a> {
    width: f64,
    height: f64,
    font: f64,
    dates: &'a [String],
    ticks: &'a [f64],
    decimals: usize,
    value_decimals: usize,
    /// Values are shares (0–1) drawn as percent.
    percent: bool,
    /// Month-end values drawn as steps (probabilities that change at month ends).
    steps: bool,
}

impl Panel<'_> {
    const LEFT: f64 = 40.0;
    /// Room for the end labels: "90% of runs" in the large panel.
    fn right(&self) -> f64 {
        if self.width > 400.0 { 100.0 } else { 54.0 }
    }

    fn top(&self) -> f64 {
        self.font * 2.6
    }
    fn bottom(&self) -> f64 {
        self.height - self.font * 1.9
    }
    fn x(&self, month: usize) -> f64 {
        let span = (self.dates.len().max(2) - 1) as f64;
        Self::LEFT + (self.width - Self::LEFT - self.right()) * month as f64 / span
    }
    fn y(&self, v: f64) -> f64 {
        let v = if self.percent { v * 100.0 } else { v };
        let lo = self.ticks.first().copied().unwrap_or(0.0);
        let hi = self.ticks.last().copied().unwrap_or(1.0);
        let t = if hi > lo { (v - lo) / (hi - lo) } else { 0.5 };
        self.bottom() - (self.bottom() - self.top()) * t.clamp(-0.02, 1.02)
    }

    fn points(&self, values: &[f64]) -> String {
        let mut out = String::new();
        let mut previous: Option<f64> = None;
        for (m, v) in values.iter().enumerate() {
            if !v.is_finite() {
                continue;
            }
            if self.steps
                && let Some(p) = previous
            {
                let _ = write!(out, "{:.1},{:.1} ", self.x(m), self.y(p));
            }
            let _ = write!(out, "{:.1},{:.1} ", self.x(m), self.y(*v));
            previous = Some(*v);
        }
        out.trim_end().to_string()
    }

    fn band(&self, series: &[[f64; 5]], lo: usize, hi: usize) -> String {
        let mut out = String::new();
        for (m, q) in series.iter().enumerate() {
            let _ = write!(out, "{:.1},{:.1} ", self.x(m), self.y(q[hi]));
        }
        for (m, q) in series.iter().enumerate().rev() {
            let _ = write!(out, "{:.1},{:.1} ", self.x(m), self.y(q[lo]));
        }
        out.trim_end().to_string()
    }

    /// The frame: title, value grid and ticks, start and end month.
    fn open(&self, svg: &mut String, title: &str, aria: &str) {
        let (w, h, f) = (self.width, self.height, self.font);
        let _ = write!(
            svg,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" role=\"img\" aria-label=\"{}\" font-family=\"sans-serif\" font-size=\"{f}\">\
<rect width=\"{w}\" height=\"{h}\" fill=\"#fff\"/>{title}",
            escape(aria)
        );
        let right = w - self.right();
        for t in self.ticks {
            let y = self.y(if self.percent { t / 100.0 } else { *t });
            let _ = write!(
                svg,
                "<line x1=\"{l}\" y1=\"{y:.1}\" x2=\"{right}\" y2=\"{y:.1}\" stroke=\"#e4e4e4\"/>\
<text x=\"{tx}\" y=\"{ty:.1}\" text-anchor=\"end\" fill=\"{GREY}\">{}{}</text>",
                fixed(*t, self.decimals),
                if self.percent { "%" } else { "" },
                l = Self::LEFT,
                tx = Self::LEFT - 4.0,
                ty = y + f * 0.35,
            );
        }
        let base = self.bottom();
        let _ = write!(
            svg,
            "<line x1=\"{l}\" y1=\"{base:.1}\" x2=\"{right}\" y2=\"{base:.1}\" stroke=\"{GREY}\"/>",
            l = Self::LEFT
        );
        // A tick every three months, labels at the start and the end.
        for m in (0..self.dates.len()).step_by(3) {
            let x = self.x(m);
            let _ = write!(
                svg,
                "<line x1=\"{x:.1}\" y1=\"{base:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"{GREY}\"/>",
                base + 3.0
            );
        }
        if let (Some(first), Some(last)) = (self.dates.first(), self.dates.last()) {
            let ty = base + f * 1.3;
            let _ = write!(
                svg,
                "<text x=\"{:.1}\" y=\"{ty:.1}\" fill=\"{GREY}\">{}</text>\
<text x=\"{:.1}\" y=\"{ty:.1}\" text-anchor=\"end\" fill=\"{GREY}\">{}</text>",
                self.x(0) - 2.0,
                escape(&month_label(first)),
                self.x(self.dates.len().saturating_sub(1)) + 2.0,
                escape(&month_label(last)),
            );
        }
    }

    fn value(&self, v: f64) -> String {
        if self.percent {
            format!("{}%", fixed(v * 100.0, self.value_decimals))
        } else {
            fixed(v, self.value_decimals)
        }
    }

    fn close(&self, svg: &mut String, mut labels: Vec<EndLabel>) {
        let f = self.font;
        spread(&mut labels, f * 1.1, self.top() + f * 0.35, self.bottom());
        let x = self.width - self.right() + 4.0;
        for l in labels {
            let _ = write!(
                svg,
                "<text x=\"{x:.1}\" y=\"{:.1}\" fill=\"{}\"{}>{}</text>",
                l.y + f * 0.35,
                l.colour,
                if l.bold { " font-weight=\"bold\"" } else { "" },
                escape(&l.text)
            );
        }
        svg.push_str("</svg>");
    }
}

fn band_polygon(svg: &mut String, lever: &str, points: &str, colour: &str, opacity: f64) {
    let _ = write!(
        svg,
        "<polygon class=\"band\" data-lever=\"{}\" points=\"{points}\" fill=\"{colour}\" fill-opacity=\"{opacity}\" stroke=\"none\"/>",
        escape(lever)
    );
}

fn polyline(svg: &mut String, points: &str, colour: &str, width: f64) {
    let _ = write!(
        svg,
        "<polyline points=\"{points}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"{width}\" stroke-linejoin=\"round\"/>"
    );
}

/// The baseline's panel: its fan (90% and 50% bands, median), each part
/// labelled where it ends.
fn baseline_panel(p: &Panel, baseline: &str, series: &[[f64; 5]], bands: bool) -> String {
    let mut svg = String::new();
    let title = format!(
        "<text x=\"{}\" y=\"{:.1}\" font-weight=\"bold\" fill=\"{BASE}\">{}</text>",
        Panel::LEFT,
        p.font * 1.4,
        escape(baseline)
    );
    p.open(&mut svg, &title, &format!("{baseline}: median and bands"));
    let medians: Vec<f64> = series.iter().map(|q| q[2]).collect();
    let mut labels = Vec::new();
    if bands {
        band_polygon(&mut svg, baseline, &p.band(series, 0, 4), BASE, 0.12);
        band_polygon(&mut svg, baseline, &p.band(series, 1, 3), BASE, 0.22);
        if let Some(q) = series.last() {
            labels.push(EndLabel {
                y: p.y(q[4]),
                text: "90% of runs".into(),
                colour: GREY,
                bold: false,
            });
            labels.push(EndLabel {
                y: (p.y(q[3]) + p.y(q[2])) / 2.0,
                text: "50%".into(),
                colour: GREY,
                bold: false,
            });
        }
    }
    polyline(&mut svg, &p.points(&medians), BASE, 2.0);
    if let Some(v) = medians.last() {
        labels.push(EndLabel {
            y: p.y(*v),
            text: format!("{} {}", p.value(*v), if bands { "median" } else { "" })
                .trim_end()
                .to_string(),
            colour: BASE,
            bold: true,
        });
    }
    p.close(&mut svg, labels);
    svg
}

/// A lever's small panel: its fan in colour over the baseline's median in
/// black, both labelled with their end values.
fn lever_panel(
    p: &Panel,
    lever: &str,
    series: &[[f64; 5]],
    baseline: &str,
    base: &[[f64; 5]],
    bands: bool,
) -> String {
    let mut svg = String::new();
    let title = format!(
        "<text x=\"{}\" y=\"{:.1}\"><tspan font-weight=\"bold\" fill=\"{LEVER}\">{}</tspan><tspan fill=\"{GREY}\"> against </tspan><tspan fill=\"{BASE}\">{}</tspan></text>",
        Panel::LEFT,
        p.font * 1.4,
        escape(lever),
        escape(baseline)
    );
    p.open(&mut svg, &title, &format!("{lever} against {baseline}"));
    if bands {
        band_polygon(&mut svg, lever, &p.band(series, 0, 4), LEVER, 0.13);
        band_polygon(&mut svg, lever, &p.band(series, 1, 3), LEVER, 0.25);
    }
    let base_medians: Vec<f64> = base.iter().map(|q| q[2]).collect();
    let medians: Vec<f64> = series.iter().map(|q| q[2]).collect();
    polyline(&mut svg, &p.points(&base_medians), BASE, 1.3);
    polyline(&mut svg, &p.points(&medians), LEVER, 2.0);
    let mut labels = Vec::new();
    if let Some(v) = base_medians.last() {
        labels.push(EndLabel {
            y: p.y(*v),
            text: p.value(*v),
            colour: BASE,
            bold: false,
        });
    }
    if let Some(v) = medians.last() {
        labels.push(EndLabel {
            y: p.y(*v),
            text: p.value(*v),
            colour: LEVER,
            bold: true,
        });
    }
    p.close(&mut svg, labels);
    svg
}

/// Month-end series per (lever, variable): p05, p25, p50, p75, p95; for a
/// 0/1 variable the mean (a share) in every slot.
type Series = BTreeMap<(String, String), Vec<[f64; 5]>>;

fn series_of(ts: &Table, shares: &[String]) -> Series {
    let mut out: Series = BTreeMap::new();
    for r in &ts.rows {
        let var = cell(r, "variable").to_string();
        let q = if shares.contains(&var) {
            [num(r, "mean"); 5]
        } else {
            ["p05", "p25", "p50", "p75", "p95"].map(|c| num(r, c))
        };
        out.entry((cell(r, "lever").to_string(), var))
            .or_default()
            .push(q);
    }
    out
}

/// A section of small multiples for one variable.
fn multiples(
    series: &Series,
    levers: &[String],
    dates: &[String],
    variable: &str,
    percent: bool,
) -> String {
    let Some(base) = series.get(&(levers[0].clone(), variable.to_string())) else {
        return String::new();
    };
    let all = levers
        .iter()
        .filter_map(|l| series.get(&(l.clone(), variable.to_string())))
        .flat_map(|s| s.iter().flat_map(|q| [q[0], q[4]]))
        .map(|v| if percent { v * 100.0 } else { v });
    let (ticks, decimals) = value_range(all, percent);
    let top = ticks.last().copied().unwrap_or(1.0);
    let value_decimals = if percent { 0 } else { decimals_for(top).min(2) };
    let panel = |width, height, font| Panel {
        width,
        height,
        font,
        dates,
        ticks: &ticks,
        decimals,
        value_decimals,
        percent,
        steps: percent,
    };
    let (big, small) = if percent {
        (panel(610.0, 300.0, 13.0), panel(300.0, 145.0, 11.0))
    } else {
        (panel(610.0, 400.0, 13.0), panel(300.0, 195.0, 11.0))
    };
    let mut html = String::from("<div class=\"mult\">");
    html += &format!(
        "<div class=\"big\">{}</div>",
        baseline_panel(&big, &levers[0], base, !percent)
    );
    for l in &levers[1..] {
        if let Some(s) = series.get(&(l.clone(), variable.to_string())) {
            html += &format!(
                "<div>{}</div>",
                lever_panel(&small, l, s, &levers[0], base, !percent)
            );
        }
    }
    html + "</div>"
}

/// Actor names and lever descriptions from the scenario file named in
/// manifest.json, when it is still there and has the same actors.
struct ScenarioText {
    names: Pair<String>,
    description: String,
    levers: BTreeMap<String, String>,
}

fn scenario_text(manifest: &serde_json::Value, ids: &Pair<String>) -> ScenarioText {
    let mut out = ScenarioText {
        names: ids.clone(),
        description: String::new(),
        levers: BTreeMap::new(),
    };
    let Some(table) = manifest
        .get("scenario_path")
        .and_then(|p| p.as_str())
        .and_then(|p| std::fs::read_to_string(p).ok())
        .and_then(|t| t.parse::<toml::Table>().ok())
    else {
        return out;
    };
    let strings = |v: Option<&toml::Value>| -> Vec<String> {
        v.and_then(|v| v.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    let scenario = table.get("scenario");
    if strings(scenario.and_then(|s| s.get("actors"))) != ids.to_vec() {
        return out;
    }
    if let [a, b] = strings(scenario.and_then(|s| s.get("actor_names"))).as_slice() {
        out.names = [a.clone(), b.clone()];
    }
    if let Some(d) = scenario
        .and_then(|s| s.get("description"))
        .and_then(|d| d.as_str())
    {
        out.description = d.to_string();
    }
    if let Some(levers) = table.get("levers").and_then(|l| l.as_table()) {
        for (name, lever) in levers {
            if let Some(d) = lever.get("description").and_then(|d| d.as_str()) {
                out.levers.insert(name.clone(), d.to_string());
            }
        }
    }
    out
}

/// How a metric is shown: title in words, unit, the factor from stored
/// value to shown value, and whether it is a share of runs.
struct Shown {
    title: String,
    unit: &'static str,
    delta_unit: &'static str,
    share: bool,
}

/// The words for a metric, from its documentation in the model's metric
/// table (actor names in place of ids).
fn shown(metric: &str, ids: &Pair<String>, names: &Pair<String>) -> Shown {
    let doc = METRICS
        .iter()
        .find(|q| expand(q.template, ids) == metric)
        .map(|q| q.doc);
    let Some(doc) = doc else {
        return Shown {
            title: metric.replace('_', " "),
            unit: "",
            delta_unit: "",
            share: false,
        };
    };
    let text = expand(doc, names);
    let text = text.trim_end_matches('.');
    if let Some(event) = text.strip_prefix("1 if ") {
        let event = event.trim_end_matches(", else 0");
        return Shown {
            title: format!("Share of runs in which {event}"),
            unit: "%",
            delta_unit: "percentage points",
            share: true,
        };
    }
    let (title, unit, delta_unit) = if let Some(t) = text.strip_suffix(", %") {
        (t, "%", "percentage points")
    } else if let Some(t) = text.strip_suffix(", USD bn") {
        (t, "USD bn", "USD bn")
    } else if text.contains("(start = 100)") {
        (text, "index", "index points")
    } else if text.starts_with("People") {
        (text, "people", "people")
    } else if text.starts_with("Weeks") {
        (text, "weeks", "weeks")
    } else {
        (text, "", "")
    };
    Shown {
        title: title.to_string(),
        unit,
        delta_unit,
        share: false,
    }
}

/// A forest plot: each lever's mean paired difference from the baseline,
/// a dot with its 95% interval as a capped whisker, the numbers beside it.
fn forest(title: &str, unit: &str, items: &[(String, f64, f64, f64)]) -> String {
    let (width, font) = (610.0, 12.0);
    let (left, right, top, row) = (150.0, 170.0, 40.0, 24.0);
    let height = top + row * items.len() as f64 + 34.0;
    let span = items
        .iter()
        .flat_map(|i| [i.2.abs(), i.3.abs(), i.1.abs()])
        .filter(|x| x.is_finite())
        .fold(0.0, f64::max);
    let span = if span > 0.0 { span } else { 1.0 };
    let (ticks, decimals) = ticks(-span, span, 4.0);
    let lo = ticks.first().copied().unwrap_or(-1.0);
    let hi = ticks.last().copied().unwrap_or(1.0);
    let x = |v: f64| left + (width - left - right) * (v - lo) / (hi - lo);
    let value_decimals = decimals_for(span).min(3);
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"{t}\" font-family=\"sans-serif\" font-size=\"{font}\">\
<rect width=\"{width}\" height=\"{height}\" fill=\"#fff\"/>\
<text x=\"8\" y=\"16\" font-weight=\"bold\" font-size=\"13\">{t}</text>\
<text x=\"8\" y=\"32\" fill=\"{GREY}\">difference from the baseline, {u} (dot: mean over paired runs; whisker: 95% interval)</text>",
        t = escape(title),
        u = escape(unit)
    );
    let axis = top + row * items.len() as f64 + 4.0;
    for t in &ticks {
        let _ = write!(
            svg,
            "<line x1=\"{0:.1}\" y1=\"{top}\" x2=\"{0:.1}\" y2=\"{axis:.1}\" stroke=\"{1}\"{2}/>\
<text x=\"{0:.1}\" y=\"{3:.1}\" text-anchor=\"middle\" fill=\"{GREY}\">{4}</text>",
            x(*t),
            if *t == 0.0 { GREY } else { "#e4e4e4" },
            if *t == 0.0 {
                " stroke-dasharray=\"4,3\""
            } else {
                ""
            },
            axis + 15.0,
            fixed(*t, decimals)
        );
    }
    for (k, (lever, mean, ci_lo, ci_hi)) in items.iter().enumerate() {
        let y = top + row * (k as f64 + 0.5);
        let (a, b) = (x(*ci_lo), x(*ci_hi));
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>\
<circle cx=\"{:.1}\" cy=\"{y:.1}\" r=\"4\" fill=\"{LEVER}\"/>\
<polyline points=\"{a:.1},{:.1} {a:.1},{:.1} {a:.1},{y:.1} {b:.1},{y:.1} {b:.1},{:.1} {b:.1},{:.1}\" fill=\"none\" stroke=\"{BASE}\" stroke-width=\"1.5\"/>\
<text x=\"{:.1}\" y=\"{:.1}\" fill=\"{BASE}\">{} [{}, {}]</text>",
            left - 8.0,
            y + 4.0,
            escape(lever),
            x(*mean),
            y - 5.0,
            y + 5.0,
            y - 5.0,
            y + 5.0,
            width - right + 8.0,
            y + 4.0,
            signed(*mean, value_decimals),
            fixed(*ci_lo, value_decimals),
            fixed(*ci_hi, value_decimals),
        );
    }
    svg + "</svg>"
}

/// The fan-chart variables: name template, title (names for `{A}`, `{B}`)
/// and unit. A variable missing from timeseries.csv is left out.
const FANS: [(&str, &str, &str); 8] = [
    ("{a}_tariff_pct", "Headline tariff, {A} on {B}", "%"),
    (
        "{a}_tariff_effective_pct",
        "Effective tariff, {A} on {B}, after exemptions",
        "%",
    ),
    (
        "trade_loss_usd_bn",
        "Trade lost against a no-tariff path, both directions, cumulative",
        "USD bn",
    ),
    (
        "trade_index",
        "Imports of {A} from {B}",
        "index, start = 100",
    ),
    (
        "extraditions_cum",
        "People handed over by {B} to {A} since the start",
        "people",
    ),
    (
        "cooperation_level",
        "Cooperation rung (0 none … 4 signed agreement)",
        "rung",
    ),
    ("{b}_approval_pct", "Approval of {B}'s government", "%"),
    (
        "drug_flow_index",
        "Illicit flow from {B} to {A}",
        "index, start = 100",
    ),
];

/// Events whose probability by month end is drawn.
const EVENTS: [(&str, &str); 3] = [
    (
        "{b}_retaliated_ever",
        "{B} has retaliated with counter-tariffs",
    ),
    (
        "agreement_signed_ever",
        "A formal agreement has been signed",
    ),
    ("{a}_strike_{b}_ever", "{A} has acted on {B}'s soil"),
];

fn words(template: &str, names: &Pair<String>) -> String {
    template.replace("{A}", &names[0]).replace("{B}", &names[1])
}

/// Builds report.html from the run's tables `files` and its manifest.
pub fn build(files: &Contents, manifest: &serde_json::Value) -> Result<String, String> {
    if !files.has("timeseries.csv") {
        if let Ok(table) = read(files, SENSITIVITY_CSV) {
            return Ok(sensitivity_page(&table, manifest));
        }
        if let Ok(table) = read(files, ROBUST_CSV) {
            return Ok(analysis_page("robust", manifest, &robust_section(&table)));
        }
        if let Ok(table) = read(files, DISCOVERY_CSV) {
            return Ok(analysis_page(
                "discover",
                manifest,
                &discovery_section(&table)?,
            ));
        }
    }
    let ts = read(files, "timeseries.csv")?;
    let mut levers: Vec<String> = Vec::new();
    let mut dates: Vec<String> = Vec::new();
    let mut variables: Vec<String> = Vec::new();
    for r in &ts.rows {
        let lever = cell(r, "lever");
        if !levers.iter().any(|l| l == lever) {
            levers.push(lever.to_string());
        }
        if lever == levers[0] && !dates.iter().any(|d| d == cell(r, "date")) {
            dates.push(cell(r, "date").to_string());
        }
        if !variables.iter().any(|v| v == cell(r, "variable")) {
            variables.push(cell(r, "variable").to_string());
        }
    }
    if levers.is_empty() {
        return Err("timeseries.csv holds no rows".to_string());
    }
    // Actor ids from the variable names: `{a}_tariff_pct`, then `{b}_tariff_pct`.
    let tariff: Vec<&String> = variables
        .iter()
        .filter(|v| v.ends_with("_tariff_pct"))
        .collect();
    let id = |k: usize, default: &str| {
        tariff.get(k).map_or(default.to_string(), |v| {
            v.trim_end_matches("_tariff_pct").to_string()
        })
    };
    let ids = [id(0, "a"), id(1, "b")];
    let text = scenario_text(manifest, &ids);
    let names = &text.names;
    let scenario = ts
        .rows
        .first()
        .map_or(String::new(), |r| cell(r, "scenario").to_string());
    let events: Vec<(String, String)> = EVENTS
        .iter()
        .map(|(v, t)| (expand(v, &ids), words(t, names)))
        .collect();
    let shares: Vec<String> = events.iter().map(|(v, _)| v.clone()).collect();
    let series = series_of(&ts, &shares);

    let mut html = String::new();
    let _ = write!(
        html,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>bilateral report: {s}</title>\
<style>body{{font-family:sans-serif;max-width:1280px;margin:1em auto;padding:0 1em;color:#111}}\
h1{{font-size:1.5em}}h2{{font-size:1.25em;margin-top:1.8em;border-bottom:1px solid #999}}h3{{font-size:1.05em;margin:1.4em 0 .4em}}\
.mult{{display:grid;grid-template-columns:repeat(4,minmax(0,1fr));gap:8px;grid-auto-flow:dense}}\
.mult>div{{border:1px solid #ddd}}.mult .big{{grid-column:span 2;grid-row:span 2}}\
.mult svg,.grid svg{{display:block;width:100%;height:auto}}\
.grid{{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:12px}}.grid svg{{border:1px solid #ddd}}\
@media (max-width:900px){{.mult,.grid{{grid-template-columns:repeat(2,minmax(0,1fr))}}}}\
table{{border-collapse:collapse;font-size:.9em}}td,th{{border:1px solid #bbb;padding:3px 6px;text-align:right}}\
th{{background:#eee}}td:first-child,th:first-child{{text-align:left}}.note{{color:#444;font-size:.9em;max-width:60em}}\
dl{{display:grid;grid-template-columns:max-content auto;gap:2px 1em}}dt{{font-weight:bold}}dd{{margin:0}}</style></head><body>",
        s = escape(&scenario)
    );
    let _ = write!(html, "<h1>bilateral: scenario {}</h1>", escape(&scenario));
    if !text.description.is_empty() {
        let _ = write!(html, "<p>{}</p>", escape(&text.description));
    }
    let fact = |k: &str| {
        manifest
            .get(k)
            .map_or(String::new(), |v| escape(v.to_string().trim_matches('"')))
    };
    let _ = write!(
        html,
        "<p>{} and {} · {} runs per lever · seed {} · from {} over {} months ({} weeks) · bilateral {} · scenario SHA-256 <code>{}</code></p>",
        escape(&names[0]),
        escape(&names[1]),
        fact("runs"),
        fact("seed"),
        fact("start_date"),
        fact("horizon_months"),
        fact("horizon_weeks"),
        fact("bilateral_version"),
        fact("scenario_sha256"),
    );
    html += "<dl>";
    for l in &levers {
        let description = if l == "baseline" {
            text.levers
                .get(l)
                .cloned()
                .unwrap_or_else(|| "The scenario as written.".into())
        } else {
            text.levers.get(l).cloned().unwrap_or_default()
        };
        let _ = write!(
            html,
            "<dt>{}</dt><dd>{}</dd>",
            escape(l),
            escape(&description)
        );
    }
    html += "</dl>";

    html += "<h2>Over time</h2>";
    let _ = write!(
        html,
        "<p class=\"note\">For each variable, the large panel shows the {b} alone: its median (line) and the bands that hold the middle 50% and 90% of the simulated runs at each month end. Each small panel shows one lever in blue (median, 50% and 90% bands) against the {b}'s median in black, on the same scale; the numbers at the right are the medians at the last month.</p>",
        b = escape(&levers[0])
    );
    for (var, title, unit) in FANS {
        let var = expand(var, &ids);
        let section = multiples(&series, &levers, &dates, &var, false);
        if section.is_empty() {
            continue;
        }
        let _ = write!(
            html,
            "<h3>{} ({})</h3>{section}",
            escape(&words(title, names)),
            escape(unit)
        );
    }

    html += "<h2>Probability of key events by month end</h2><p class=\"note\">Share of runs in which the event has happened by each month end.</p>";
    for (var, title) in &events {
        let section = multiples(&series, &levers, &dates, var, true);
        if section.is_empty() {
            continue;
        }
        let _ = write!(html, "<h3>{}</h3>{section}", escape(title));
    }

    let compare = read(files, "compare.csv").ok();
    let decision = read(files, "decision.csv").ok();
    // Headline metrics: decision.csv's columns, in its order.
    let headline: Vec<String> = decision
        .as_ref()
        .map(|d| {
            d.header
                .iter()
                .filter_map(|c| c.strip_suffix("_mean").map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    if let Some(compare) = &compare {
        html += "<h2>Levers against the baseline</h2><p class=\"note\">Each lever is run on the same sampled futures as the baseline (common random numbers), so each run is compared with its pair. A dot right of the dashed line: the lever raises the metric; an interval that excludes the line: the difference is not Monte Carlo noise.</p><div class=\"grid\">";
        for m in &headline {
            let s = shown(m, &ids, names);
            let scale = if s.share { 100.0 } else { 1.0 };
            let items: Vec<(String, f64, f64, f64)> = compare
                .rows
                .iter()
                .filter(|r| cell(r, "metric") == m)
                .map(|r| {
                    (
                        cell(r, "lever").to_string(),
                        num(r, "mean_delta") * scale,
                        num(r, "ci_low") * scale,
                        num(r, "ci_high") * scale,
                    )
                })
                .filter(|i| i.1.is_finite() && i.2.is_finite() && i.3.is_finite())
                .collect();
            if !items.is_empty() {
                html += &forest(&s.title, s.delta_unit, &items);
            }
        }
        html += "</div>";
    }
    if let Some(decision) = &decision {
        html += &decision_table(decision, compare.as_ref(), &headline, &ids, names);
    }
    if let Ok(table) = read(files, SENSITIVITY_CSV) {
        html += &sensitivity_section(&table, &ids, names);
    }
    html += "<h2>About the model</h2><p class=\"note\">bilateral simulates the relationship of two governments week by week: \
each chooses among tariff threats, tariffs and exemptions, counter-tariffs, transfers of wanted people, troop deployments, \
cooperation steps, unilateral strikes and migration leverage, by a logit choice over the utilities of its options, under \
uncertain parameters drawn once per run. A lever is a named set of changes to the scenario's parameters or a rule \
(when a condition holds, a government makes a move). Every lever is run on the same random numbers as the baseline, so \
differences between levers are differences of policy, not of luck. Read the numbers as what this model implies under \
its assumptions, not as predictions with that precision: the intervals measure Monte Carlo noise, not model uncertainty.</p>";
    let _ = writeln!(
        html,
        "<p class=\"note\">Made by bilateral {} from the outputs of this run.</p></body></html>",
        fact("bilateral_version")
    );
    Ok(html)
}

/// The analysis table of `bilateral sensitivity`.
const SENSITIVITY_CSV: &str = "sensitivity.csv";
/// The analysis table of `bilateral robust`.
const ROBUST_CSV: &str = "robust.csv";
/// The analysis table of `bilateral discover`.
const DISCOVERY_CSV: &str = "discovery.csv";

/// The page of a robust or discover folder: the scenario's header, the
/// analysis settings from the manifest, and `section`.
fn analysis_page(command: &str, manifest: &serde_json::Value, section: &str) -> String {
    let fact = |k: &str| {
        manifest
            .get(k)
            .map_or(String::new(), |v| escape(v.to_string().trim_matches('"')))
    };
    let scenario = fact("scenario");
    let mut html = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>bilateral {command}: {scenario}</title>\
<style>body{{font-family:sans-serif;max-width:1280px;margin:1em auto;padding:0 1em;color:#111}}\
h1{{font-size:1.5em}}h2{{font-size:1.25em;margin-top:1.8em;border-bottom:1px solid #999}}h3{{font-size:1.05em;margin:1.4em 0 .4em}}\
table{{border-collapse:collapse;margin:.5em 0}}td,th{{border:1px solid #ccc;padding:3px 8px;text-align:right}}th:first-child,td:first-child{{text-align:left}}\
svg{{display:block;max-width:640px;width:100%;height:auto;border:1px solid #ddd}}.note{{color:#444;font-size:.9em;max-width:60em}}</style></head><body>\
<h1>bilateral {command}: scenario {scenario}</h1>"
    );
    let _ = write!(
        html,
        "<p>seed {} · from {} over {} months · bilateral {} · scenario SHA-256 <code>{}</code></p>",
        fact("seed"),
        fact("start_date"),
        fact("horizon_months"),
        fact("bilateral_version"),
        fact("scenario_sha256"),
    );
    if let Some(settings) = manifest
        .pointer("/analysis/settings")
        .and_then(|s| s.as_array())
    {
        html += "<p class=\"note\">";
        for s in settings.iter().filter_map(|s| s.as_str()) {
            let _ = write!(html, "{}<br>", escape(s));
        }
        html += "</p>";
    }
    html += section;
    let _ = writeln!(
        html,
        "<p class=\"note\">Made by bilateral {} from {}.</p></body></html>",
        fact("bilateral_version"),
        if command == "robust" {
            ROBUST_CSV
        } else {
            DISCOVERY_CSV
        }
    );
    html
}

/// The robustness section: per criterion, one row per lever with what
/// decides between them (objectives: mean, p05-p95, regret and the share of
/// futures in which the lever is best; requirements: the satisficing share
/// with its interval), ranked as robust.csv ranks them.
fn robust_section(table: &Table) -> String {
    let mut criteria: Vec<String> = Vec::new();
    let mut levers: Vec<String> = Vec::new();
    for r in &table.rows {
        let c = cell(r, "criterion");
        if !criteria.iter().any(|x| x == c) {
            criteria.push(c.to_string());
        }
        let l = cell(r, "lever");
        if !levers.iter().any(|x| x == l) {
            levers.push(l.to_string());
        }
    }
    let stat = |lever: &str, criterion: &str, name: &str| -> Option<&BTreeMap<String, String>> {
        table.rows.iter().find(|r| {
            cell(r, "lever") == lever
                && cell(r, "criterion") == criterion
                && cell(r, "statistic") == name
        })
    };
    let value = |lever: &str, criterion: &str, name: &str| {
        stat(lever, criterion, name).map_or(f64::NAN, |r| num(r, "value"))
    };
    let show = |x: f64| {
        if x.is_finite() {
            fixed(x, decimals_for(x.abs()))
        } else {
            "–".to_string()
        }
    };
    // Ranks are whole numbers and shares are read as percentages.
    let whole = |x: f64| {
        if x.is_finite() {
            fixed(x, 0)
        } else {
            "–".to_string()
        }
    };
    let percent = |x: f64| {
        if x.is_finite() {
            format!("{}%", fixed(100.0 * x, 1))
        } else {
            "–".to_string()
        }
    };
    let mut html = String::from(
        "<h2>Robustness: which lever holds up over the same futures</h2>\
<p class=\"note\">Every lever is judged on the same runs (run <i>i</i> of each lever is the same future). \
Regret is a lever's value minus the best lever's in that run (for a criterion to maximise, the best's minus the lever's), so 0 is best; \
p(best) is the share of futures in which the lever is best. The rank orders levers by minimax regret (objectives) or by the satisficing share (requirements).</p>",
    );
    for c in &criteria {
        let objective = c.ends_with("=min") || c.ends_with("=max");
        let rank = if objective {
            "rank_minimax_regret"
        } else {
            "rank_satisficing"
        };
        let mut order: Vec<&String> = levers.iter().collect();
        order.sort_by(|a, b| value(a, c, rank).total_cmp(&value(b, c, rank)));
        let _ = write!(html, "<h3>{}</h3><table>", escape(c));
        if objective {
            html += "<tr><th>lever</th><th>rank</th><th>mean</th><th>p05</th><th>p95</th><th>regret mean</th><th>regret p90</th><th>regret max</th><th>p(best)</th></tr>";
            for l in order {
                let _ = write!(
                    html,
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    escape(l),
                    whole(value(l, c, rank)),
                    show(value(l, c, "mean")),
                    show(value(l, c, "p05")),
                    show(value(l, c, "p95")),
                    show(value(l, c, "regret_mean")),
                    show(value(l, c, "regret_p90")),
                    show(value(l, c, "regret_max")),
                    percent(value(l, c, "p_best")),
                );
            }
        } else {
            html += "<tr><th>lever</th><th>rank</th><th>share of futures satisfying it</th><th>95% interval</th></tr>";
            for l in order {
                let share = stat(l, c, "satisficing_share");
                let interval = share.map_or("–".to_string(), |r| {
                    format!(
                        "{} – {}",
                        percent(num(r, "ci_low")),
                        percent(num(r, "ci_high"))
                    )
                });
                let _ = write!(
                    html,
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    escape(l),
                    whole(value(l, c, rank)),
                    percent(value(l, c, "satisficing_share")),
                    interval,
                );
            }
        }
        html += "</table>";
    }
    html
}

/// The scenario-discovery section: PRIM's coverage–density trade-off curve
/// (one point per box of the peeling trajectory, the chosen box marked) and
/// the chosen box's restrictions with their quasi-p-values.
fn discovery_section(table: &Table) -> Result<String, String> {
    // One point per box: (box, coverage, density, restricted, chosen).
    let mut boxes: Vec<(usize, f64, f64, usize, bool)> = Vec::new();
    for r in &table.rows {
        let b: usize = cell(r, "box")
            .parse()
            .map_err(|_| "discovery.csv: a box is not a number")?;
        if !boxes.iter().any(|x| x.0 == b) {
            boxes.push((
                b,
                num(r, "coverage"),
                num(r, "density"),
                cell(r, "restricted").parse().unwrap_or(0),
                cell(r, "chosen") == "1",
            ));
        }
    }
    if boxes.is_empty() {
        return Err("discovery.csv holds no box".into());
    }
    let (w, h, left, bottom, top, right) = (600.0, 380.0, 56.0, 44.0, 16.0, 16.0);
    let x = |c: f64| left + c.clamp(0.0, 1.0) * (w - left - right);
    let y = |d: f64| top + (1.0 - d.clamp(0.0, 1.0)) * (h - top - bottom);
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"PRIM trade-off curve: density against coverage of each box\">"
    );
    for t in [0.0, 0.25, 0.5, 0.75, 1.0] {
        let _ = write!(
            svg,
            "<line x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#eee\"/>\
<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" fill=\"{GREY}\" text-anchor=\"middle\">{}</text>\
<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" fill=\"{GREY}\" text-anchor=\"end\">{}</text>",
            x(t),
            y(0.0),
            x(t),
            y(1.0),
            x(t),
            h - bottom + 16.0,
            fixed(t, 2),
            left - 6.0,
            y(t) + 4.0,
            fixed(t, 2),
        );
    }
    let _ = write!(
        svg,
        "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"middle\">coverage (share of the condition's runs inside the box)</text>\
<text x=\"14\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"middle\" transform=\"rotate(-90 14 {:.1})\">density (share inside that meet it)</text>",
        (left + w - right) / 2.0,
        h - 8.0,
        (top + h - bottom) / 2.0,
        (top + h - bottom) / 2.0,
    );
    let points: String = boxes
        .iter()
        .map(|b| format!("{:.1},{:.1}", x(b.1), y(b.2)))
        .collect::<Vec<_>>()
        .join(" ");
    let _ = write!(
        svg,
        "<polyline points=\"{points}\" fill=\"none\" stroke=\"{LEVER}\" stroke-width=\"1.5\"/>"
    );
    for b in &boxes {
        let _ = write!(
            svg,
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"{}\" fill=\"{}\" data-box=\"{}\"{}/>",
            x(b.1),
            y(b.2),
            if b.4 { 6 } else { 3 },
            if b.4 { "#d55e00" } else { LEVER },
            b.0,
            if b.4 { " data-chosen=\"1\"" } else { "" }
        );
        if b.4 {
            let _ = write!(
                svg,
                "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" fill=\"#d55e00\">chosen box {} ({} restricted)</text>",
                x(b.1) + 9.0,
                y(b.2) - 8.0,
                b.0,
                b.3
            );
        }
    }
    svg += "</svg>";
    let mut html = String::from(
        "<h2>Scenario discovery: where the condition holds</h2>\
<p class=\"note\">PRIM peels the box of sampled uncertainties one slice at a time; each point is a box of the peeling trajectory, \
from the whole space (coverage 1) to the densest boxes. The chosen box trades coverage for density as discovery.csv's <code>chosen</code> column says.</p>",
    );
    html += &svg;
    if let Some(chosen) = boxes.iter().find(|b| b.4) {
        let _ = write!(
            html,
            "<h3>The chosen box {}: coverage {}, density {}</h3><table><tr><th>parameter</th><th>low</th><th>high</th><th>quasi-p (low)</th><th>quasi-p (high)</th></tr>",
            chosen.0,
            fixed(chosen.1, 3),
            fixed(chosen.2, 3)
        );
        let show = |r: &BTreeMap<String, String>, c: &str| {
            let v = cell(r, c);
            if v.is_empty() {
                "–".to_string()
            } else {
                escape(v)
            }
        };
        for r in table
            .rows
            .iter()
            .filter(|r| cell(r, "box") == chosen.0.to_string() && !cell(r, "parameter").is_empty())
        {
            let _ = write!(
                html,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(cell(r, "parameter")),
                show(r, "low"),
                show(r, "high"),
                show(r, "qp_low"),
                show(r, "qp_high"),
            );
        }
        html += "</table>";
    }
    Ok(html)
}

/// Parameters drawn per sensitivity chart (the noise row comes on top).
const SENSITIVITY_SHOWN: usize = 8;

/// A page for an output folder of `bilateral sensitivity` alone: the
/// scenario's header and the sensitivity section.
fn sensitivity_page(table: &Table, manifest: &serde_json::Value) -> String {
    // Actor ids from the metric names: `{a}_tariff_pct_end`, `{b}_approval_pct_end`.
    let id = |suffix: &str, default: &str| {
        table
            .rows
            .iter()
            .find_map(|r| cell(r, "metric").strip_suffix(suffix).map(str::to_string))
            .unwrap_or_else(|| default.to_string())
    };
    let ids = [id("_tariff_pct_end", "a"), id("_approval_pct_end", "b")];
    let text = scenario_text(manifest, &ids);
    let scenario = manifest
        .get("scenario")
        .and_then(|s| s.as_str())
        .unwrap_or_default();
    let mut html = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>bilateral sensitivity: {s}</title>\
<style>body{{font-family:sans-serif;max-width:1280px;margin:1em auto;padding:0 1em;color:#111}}\
h1{{font-size:1.5em}}h2{{font-size:1.25em;margin-top:1.8em;border-bottom:1px solid #999}}h3{{font-size:1.05em;margin:1.4em 0 .4em}}\
.grid{{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:12px}}.grid svg{{display:block;width:100%;height:auto;border:1px solid #ddd}}\
@media (max-width:900px){{.grid{{grid-template-columns:minmax(0,1fr)}}}}.note{{color:#444;font-size:.9em;max-width:60em}}</style></head><body>\
<h1>bilateral: scenario {s}</h1>",
        s = escape(scenario)
    );
    if !text.description.is_empty() {
        let _ = write!(html, "<p>{}</p>", escape(&text.description));
    }
    let fact = |k: &str| {
        manifest
            .get(k)
            .map_or(String::new(), |v| escape(v.to_string().trim_matches('"')))
    };
    let _ = write!(
        html,
        "<p>{} and {} · seed {} · from {} over {} months · bilateral {} · scenario SHA-256 <code>{}</code></p>",
        escape(&text.names[0]),
        escape(&text.names[1]),
        fact("seed"),
        fact("start_date"),
        fact("horizon_months"),
        fact("bilateral_version"),
        fact("scenario_sha256"),
    );
    if let Some(settings) = manifest
        .pointer("/analysis/settings")
        .and_then(|s| s.as_array())
    {
        html += "<p class=\"note\">";
        for s in settings.iter().filter_map(|s| s.as_str()) {
            let _ = write!(html, "{}<br>", escape(s));
        }
        html += "</p>";
    }
    html += &sensitivity_section(table, &ids, &text.names);
    let _ = writeln!(
        html,
        "<p class=\"note\">Made by bilateral {} from sensitivity.csv.</p></body></html>",
        fact("bilateral_version")
    );
    html
}

/// The sensitivity section: per lever and headline metric (those of
/// decision.csv that sensitivity.csv holds), a bar chart of the
/// parameters that matter most.
fn sensitivity_section(table: &Table, ids: &Pair<String>, names: &Pair<String>) -> String {
    let morris = table.rows.iter().any(|r| cell(r, "index") == "mu_star");
    let mut levers: Vec<&str> = Vec::new();
    for r in &table.rows {
        if !levers.contains(&cell(r, "lever")) {
            levers.push(cell(r, "lever"));
        }
    }
    let mut html = String::from("<h2>What drives the outcomes</h2>");
    html += if morris {
        "<p class=\"note\">Morris elementary effects: how much the metric changes, on average over the design's trajectories, when one uncertain parameter moves across its distribution (from its 0.5% to its 99.5% quantile) with the others held. Bar: mu*, the mean absolute effect, with its 95% bootstrap interval; sigma, the spread of the effects, says how much the effect depends on the other parameters and on the model's randomness. A screen: it ranks, it does not apportion variance.</p>"
    } else {
        "<p class=\"note\">Sobol indices: the share of the metric's variance over the sampled futures that each uncertain parameter explains on its own (S1, dark) and together with everything it interacts with (ST, light), with 95% bootstrap intervals. <em>noise</em> is the model's own randomness (choices and shocks): its ST is the share of the variance that is luck, not the parameters. Ranked by S1; ST also counts a parameter's interactions with the noise.</p>"
    };
    for lever in levers {
        if levers_heading(&table.rows, lever) {
            let _ = write!(html, "<h3>{}</h3>", escape(lever));
        }
        html += "<div class=\"grid\">";
        for template in super::decision::HEADLINE {
            let metric = expand(template, ids);
            let rows: Vec<&BTreeMap<String, String>> = table
                .rows
                .iter()
                .filter(|r| cell(r, "lever") == lever && cell(r, "metric") == metric)
                .collect();
            if rows.is_empty() {
                continue;
            }
            let value = |parameter: &str, index: &str| {
                rows.iter()
                    .find(|r| cell(r, "parameter") == parameter && cell(r, "index") == index)
                    .map(|r| (num(r, "value"), num(r, "ci_low"), num(r, "ci_high")))
                    .filter(|v| v.0.is_finite())
            };
            let (key, other) = if morris {
                ("mu_star", "sigma")
            } else {
                ("S1", "ST")
            };
            let mut parameters: Vec<(String, (f64, f64, f64))> = rows
                .iter()
                .filter(|r| cell(r, "index") == key && cell(r, "parameter") != "noise")
                .filter_map(|r| {
                    let p = cell(r, "parameter");
                    value(p, key).map(|v| (p.to_string(), v))
                })
                .collect();
            if parameters.is_empty() {
                continue;
            }
            parameters.sort_by(|a, b| b.1.0.total_cmp(&a.1.0));
            parameters.truncate(SENSITIVITY_SHOWN);
            let mut items: Vec<SensitivityItem> = Vec::new();
            if !morris && let Some(st) = value("noise", "ST") {
                items.push(SensitivityItem {
                    parameter: "noise".into(),
                    main: value("noise", "S1"),
                    second: Some(st),
                });
            }
            for (p, v) in parameters {
                let second = value(&p, other);
                items.push(SensitivityItem {
                    parameter: p,
                    main: Some(v),
                    second,
                });
            }
            let s = shown(&metric, ids, names);
            html += &sensitivity_chart(&s.title, s.unit, &items, morris);
        }
        html += "</div>";
    }
    html
}

/// Whether the table holds more than one lever (then each gets a heading).
fn levers_heading(rows: &[BTreeMap<String, String>], lever: &str) -> bool {
    rows.iter().any(|r| cell(r, "lever") != lever)
}

/// One bar of a sensitivity chart: S1 and ST, or mu* and sigma, each as
/// (value, ci_low, ci_high).
struct SensitivityItem {
    parameter: String,
    main: Option<(f64, f64, f64)>,
    second: Option<(f64, f64, f64)>,
}

/// A horizontal bar chart of the parameters of one metric: Sobol S1 (dark
/// bar) and ST (light bar) per parameter, or Morris mu* (bar) with sigma in
/// words; whiskers are the 95% intervals.
fn sensitivity_chart(title: &str, unit: &str, items: &[SensitivityItem], morris: bool) -> String {
    let (width, font) = (610.0, 12.0);
    let (left, right, top, row) = (230.0, 150.0, 40.0, 26.0);
    let height = top + row * items.len() as f64 + 34.0;
    let ends = items
        .iter()
        .flat_map(|i| {
            let second = if morris { None } else { i.second };
            [i.main, second]
        })
        .flatten()
        .flat_map(|(v, lo, hi)| [v, lo, hi])
        .filter(|x| x.is_finite());
    let (lo, hi) = ends.fold((0.0_f64, 0.0_f64), |(a, b), x| (a.min(x), b.max(x)));
    let hi = if morris { hi.max(1e-9) } else { hi.max(0.1) };
    let (ticks, decimals) = ticks(lo, hi, 4.0);
    let lo = ticks.first().copied().unwrap_or(0.0);
    let hi = ticks.last().copied().unwrap_or(1.0);
    let x = |v: f64| left + (width - left - right) * (v - lo) / (hi - lo);
    let subtitle = if morris {
        format!("mu*, mean absolute effect, {unit} (whisker: 95% interval); sigma in words")
    } else {
        "share of variance: S1 alone (dark), ST with interactions (light); whisker: 95% interval"
            .to_string()
    };
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"{t}\" font-family=\"sans-serif\" font-size=\"{font}\">\
<rect width=\"{width}\" height=\"{height}\" fill=\"#fff\"/>\
<text x=\"8\" y=\"16\" font-weight=\"bold\" font-size=\"13\">{t}</text>\
<text x=\"8\" y=\"32\" fill=\"{GREY}\">{u}</text>",
        t = escape(title),
        u = escape(&subtitle)
    );
    let axis = top + row * items.len() as f64 + 4.0;
    for t in &ticks {
        let _ = write!(
            svg,
            "<line x1=\"{0:.1}\" y1=\"{top}\" x2=\"{0:.1}\" y2=\"{axis:.1}\" stroke=\"{1}\"/>\
<text x=\"{0:.1}\" y=\"{2:.1}\" text-anchor=\"middle\" fill=\"{GREY}\">{3}</text>",
            x(*t),
            if *t == 0.0 { GREY } else { "#e4e4e4" },
            axis + 15.0,
            fixed(*t, decimals)
        );
    }
    let whisker = |svg: &mut String, (_, a, b): (f64, f64, f64), y: f64| {
        if a.is_finite() && b.is_finite() {
            let (a, b) = (x(a), x(b));
            let _ = write!(
                svg,
                "<polyline points=\"{a:.1},{:.1} {a:.1},{:.1} {a:.1},{y:.1} {b:.1},{y:.1} {b:.1},{:.1} {b:.1},{:.1}\" fill=\"none\" stroke=\"{BASE}\" stroke-width=\"1\"/>",
                y - 3.0,
                y + 3.0,
                y - 3.0,
                y + 3.0
            );
        }
    };
    let bar = |svg: &mut String, v: f64, y: f64, h: f64, colour: &str| {
        let (a, b) = (x(v.min(0.0)), x(v.max(0.0)));
        let _ = write!(
            svg,
            "<rect x=\"{a:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{h:.1}\" fill=\"{colour}\"/>",
            y - h / 2.0,
            (b - a).max(0.5)
        );
    };
    let d = |v: f64| fixed(v, 2);
    for (k, item) in items.iter().enumerate() {
        let y = top + row * (k as f64 + 0.5);
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\"{}>{}</text>",
            left - 8.0,
            y + 4.0,
            if item.parameter == "noise" {
                " font-style=\"italic\""
            } else {
                ""
            },
            escape(&item.parameter)
        );
        let words = if morris {
            let main = item
                .main
                .map_or(String::new(), |m| fixed(m.0, decimals_for(m.0).min(3)));
            let sigma = item
                .second
                .map_or(String::new(), |s| fixed(s.0, decimals_for(s.0).min(3)));
            if let Some(m) = item.main {
                bar(&mut svg, m.0, y, 12.0, LEVER);
                whisker(&mut svg, m, y);
            }
            format!("mu* {main} · sigma {sigma}")
        } else {
            if let Some(st) = item.second {
                bar(&mut svg, st.0, y + 4.0, 8.0, "#9ecae1");
                whisker(&mut svg, st, y + 4.0);
            }
            if let Some(s1) = item.main {
                bar(&mut svg, s1.0, y - 4.0, 8.0, LEVER);
                whisker(&mut svg, s1, y - 4.0);
            }
            format!(
                "S1 {} · ST {}",
                item.main.map_or("–".to_string(), |m| d(m.0)),
                item.second.map_or("–".to_string(), |m| d(m.0))
            )
        };
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" fill=\"{BASE}\">{}</text>",
            width - right + 8.0,
            y + 4.0,
            escape(&words)
        );
    }
    svg + "</svg>"
}

/// The decision table: per lever the mean of each headline metric and its
/// paired difference from the baseline with the 95% interval, in
/// decision.csv's column order, one precision per column, shares in percent.
fn decision_table(
    decision: &Table,
    compare: Option<&Table>,
    headline: &[String],
    ids: &Pair<String>,
    names: &Pair<String>,
) -> String {
    let mut html = String::from(
        "<h2>Decision table</h2><p class=\"note\">Mean over the runs of each lever; below it, the mean paired difference from the baseline with its 95% interval. Shares of runs in percent, their differences in percentage points.</p><table><tr><th>lever</th>",
    );
    let mut columns = Vec::new();
    for m in headline {
        let s = shown(m, ids, names);
        let scale = if s.share { 100.0 } else { 1.0 };
        let magnitude = decision
            .rows
            .iter()
            .map(|r| (num(r, &format!("{m}_mean")) * scale).abs())
            .filter(|x| x.is_finite())
            .fold(0.0, f64::max);
        let decimals = if s.share {
            1
        } else {
            decimals_for(magnitude).min(2)
        };
        let unit = if s.unit.is_empty() {
            String::new()
        } else {
            format!(", {}", s.unit)
        };
        let _ = write!(html, "<th>{}{}</th>", escape(&s.title), escape(&unit));
        columns.push((m.clone(), scale, decimals, s.share));
    }
    html += "</tr>";
    for r in &decision.rows {
        let lever = cell(r, "lever");
        let _ = write!(html, "<tr><td>{}</td>", escape(lever));
        for (m, scale, decimals, share) in &columns {
            let mean = num(r, &format!("{m}_mean")) * scale;
            let pct = if *share { "%" } else { "" };
            let mut text = format!("{}{pct}", fixed(mean, *decimals));
            let ci = compare.and_then(|c| {
                c.rows
                    .iter()
                    .find(|c| cell(c, "lever") == lever && cell(c, "metric") == m)
            });
            if let Some(c) = ci {
                let (d, lo, hi) = (
                    num(c, "mean_delta") * scale,
                    num(c, "ci_low") * scale,
                    num(c, "ci_high") * scale,
                );
                if d.is_finite() {
                    let _ = write!(
                        text,
                        "<br><small>{} [{}, {}]</small>",
                        signed(d, *decimals),
                        fixed(lo, *decimals),
                        fixed(hi, *decimals)
                    );
                }
            }
            let _ = write!(html, "<td>{text}</td>");
        }
        html += "</tr>";
    }
    html + "</table>"
}

/// Serializes report.html.
pub struct Report;

impl Exporter for Report {
    fn serialize(&self, source: &Source<'_>) -> Result<Vec<u8>, ExportError> {
        let manifest = serde_json::to_value(source.manifest).map_err(std::io::Error::from)?;
        Ok(build(source.files, &manifest)
            .map_err(ExportError::Render)?
            .into_bytes())
    }
}

/// Writes report.html into the output folder `dir` from the files its
/// manifest.json names, and adds it to the manifest.
pub fn write(dir: &Path) -> Result<(), FolderError> {
    super::folder::add_to_folder(dir, &super::export::REPORT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_never_show_minus_zero_and_ticks_have_no_spare_decimals() {
        assert_eq!(fixed(-0.0004, 2), "0.00");
        assert_eq!(fixed(-1.5, 1), "\u{2212}1.5");
        assert_eq!(signed(0.0, 1), "0.0");
        assert_eq!(signed(2.25, 1), "+2.2");
        let (t, d) = ticks(0.0, 47.0, 4.0);
        assert_eq!(d, 0);
        assert_eq!(t.first(), Some(&0.0));
        assert!(t.last().is_some_and(|x| *x >= 47.0));
        let labels: Vec<String> = t.iter().map(|x| fixed(*x, d)).collect();
        assert!(labels.iter().all(|l| !l.contains('.')), "{labels:?}");
        let (t, d) = ticks(-0.3, 0.3, 4.0);
        assert!(
            t.iter()
                .all(|x| fixed(*x, d) != "-0.0" && !fixed(*x, d).starts_with("-0"))
        );
    }

    #[test]
    fn month_labels_are_words() {
        assert_eq!(month_label("2025-09"), "Sep 2025");
        assert_eq!(month_label("junk"), "junk");
    }

    #[test]
    fn labels_are_spread_apart_inside_the_panel() {
        let mut labels: Vec<EndLabel> = [50.0, 51.0, 52.0]
            .into_iter()
            .map(|y| EndLabel {
                y,
                text: String::new(),
                colour: BASE,
                bold: false,
            })
            .collect();
        spread(&mut labels, 10.0, 0.0, 60.0);
        let ys: Vec<f64> = labels.iter().map(|l| l.y).collect();
        assert!(ys.windows(2).all(|w| w[1] - w[0] >= 10.0 - 1e-9), "{ys:?}");
        assert!(ys.iter().all(|y| *y <= 60.0), "{ys:?}");
    }
}
