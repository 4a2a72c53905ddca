//! report.html: one self-contained page (inline SVG and CSS, nothing
//! fetched) with fan charts, the lever comparison and event probabilities,
//! drawn with plotters' SVG backend from the tables of a run (in memory, as
//! serialized for the folder, or read back by `bilateral report`).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use plotters::prelude::*;

use super::export::{ExportError, Exporter, Source};
use super::folder::{Contents, FolderError};

/// A colour-blind-safe palette (Okabe–Ito), one colour per lever.
const PALETTE: [RGBColor; 8] = [
    RGBColor(0, 0, 0),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(0, 158, 115),
    RGBColor(213, 94, 0),
    RGBColor(0, 114, 178),
    RGBColor(204, 121, 167),
    RGBColor(120, 120, 120),
];

/// Rows of the CSV table `name` of the run as maps from column to cell.
fn read(files: &Contents, name: &str) -> Result<Vec<BTreeMap<String, String>>, String> {
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
    let mut out = Vec::new();
    for rec in r.records() {
        let rec = rec.map_err(|e| e.to_string())?;
        out.push(
            header
                .iter()
                .cloned()
                .zip(rec.iter().map(str::to_string))
                .collect(),
        );
    }
    Ok(out)
}

fn num(row: &BTreeMap<String, String>, col: &str) -> f64 {
    row.get(col)
        .and_then(|x| x.parse().ok())
        .unwrap_or(f64::NAN)
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Month-by-month quantiles of one variable for each lever.
type Fans = Vec<(String, Vec<[f64; 5]>)>;

fn fans(rows: &[BTreeMap<String, String>], variable: &str, levers: &[String]) -> Fans {
    levers
        .iter()
        .map(|l| {
            let series = rows
                .iter()
                .filter(|r| r["lever"] == *l && r["variable"] == variable)
                .map(|r| ["p05", "p25", "p50", "p75", "p95"].map(|c| num(r, c)))
                .collect();
            (l.clone(), series)
        })
        .collect()
}

fn draw_err<E: std::fmt::Debug>(e: E) -> String {
    format!("drawing failed: {e:?}")
}

/// Dash pattern (dash, gap) of lever `k`'s median line, so the levers stay
/// apart in grey-scale print too; the first (the baseline) is solid.
const DASHES: [(u32, u32); 8] = [
    (0, 0),
    (10, 4),
    (4, 4),
    (14, 4),
    (2, 3),
    (8, 8),
    (6, 2),
    (12, 2),
];

/// A fan chart: 90% and 50% bands and the median, one colour (and dash
/// pattern) per lever; with `steps`, medians are drawn as steps (for
/// probabilities that change at month ends).
fn fan_chart(
    title: &str,
    unit: &str,
    dates: &[String],
    fans: &Fans,
    steps: bool,
) -> Result<String, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (600, 330)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        let all = fans
            .iter()
            .flat_map(|(_, s)| s.iter().flat_map(|q| [q[0], q[4]]))
            .filter(|x| x.is_finite());
        let (lo, hi) = all.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
            (a.min(x), b.max(x))
        });
        // Start the axis at zero unless the values sit far above it
        // (approval, indices), where zero would squash the bands.
        let (lo, hi) = if !lo.is_finite() {
            (0.0, 1.0)
        } else if hi <= lo {
            (lo - 1.0, lo + 1.0)
        } else {
            let pad = (hi - lo) * 0.05;
            (if lo > 0.3 * hi { lo - pad } else { lo.min(0.0) }, hi + pad)
        };
        let months = dates.len().max(2) as f64;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(1f64..months, lo..hi)
            .map_err(draw_err)?;
        let labels = dates.to_vec();
        chart
            .configure_mesh()
            .x_desc("month end")
            .y_desc(unit)
            .x_labels(8)
            .x_label_formatter(&|x| {
                labels
                    .get((*x as usize).saturating_sub(1))
                    .cloned()
                    .unwrap_or_default()
            })
            .light_line_style(WHITE.mix(0.0))
            .draw()
            .map_err(draw_err)?;
        for (k, (lever, series)) in fans.iter().enumerate() {
            let colour = PALETTE[k % PALETTE.len()];
            for (a, b, alpha) in [(0usize, 4usize, 0.10), (1, 3, 0.22)] {
                let upper: Vec<(f64, f64)> = series
                    .iter()
                    .enumerate()
                    .map(|(m, q)| ((m + 1) as f64, q[b]))
                    .collect();
                let lower: Vec<(f64, f64)> = series
                    .iter()
                    .enumerate()
                    .rev()
                    .map(|(m, q)| ((m + 1) as f64, q[a]))
                    .collect();
                let polygon: Vec<(f64, f64)> = upper.into_iter().chain(lower).collect();
                chart
                    .draw_series(std::iter::once(Polygon::new(polygon, colour.mix(alpha))))
                    .map_err(draw_err)?;
            }
            let mut points: Vec<(f64, f64)> = Vec::new();
            for (m, q) in series.iter().enumerate() {
                let x = (m + 1) as f64;
                if steps && let Some(&(_, previous)) = points.last() {
                    points.push((x, previous));
                }
                points.push((x, q[2]));
            }
            let style = colour.stroke_width(2);
            let (dash, gap) = DASHES[k % DASHES.len()];
            if dash == 0 {
                chart
                    .draw_series(LineSeries::new(points, style))
                    .map_err(draw_err)?;
            } else {
                chart
                    .draw_series(DashedLineSeries::new(points, dash, gap, style))
                    .map_err(draw_err)?;
            }
            let _ = lever;
        }
        root.present().map_err(draw_err)?;
    }
    Ok(svg)
}

/// A forest plot: each lever's mean difference from the baseline with its
/// 95% interval.
fn forest(title: &str, items: &[(String, f64, f64, f64)]) -> Result<String, String> {
    let mut svg = String::new();
    {
        let height = 70 + 34 * items.len() as u32;
        let root = SVGBackend::with_string(&mut svg, (600, height)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        let span = items
            .iter()
            .flat_map(|i| [i.2.abs(), i.3.abs()])
            .filter(|x| x.is_finite())
            .fold(0.0, f64::max);
        let span = if span > 0.0 { span * 1.1 } else { 1.0 };
        let n = items.len().max(1) as f64;
        let names: Vec<String> = items.iter().map(|i| i.0.clone()).collect();
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 16))
            .margin(10)
            .x_label_area_size(35)
            .y_label_area_size(150)
            .build_cartesian_2d(-span..span, -0.5f64..(n - 0.5))
            .map_err(draw_err)?;
        chart
            .configure_mesh()
            .x_desc("difference from the baseline (95% interval)")
            .y_labels(items.len())
            .y_label_formatter(&|y| names.get(y.round() as usize).cloned().unwrap_or_default())
            .disable_y_mesh()
            .draw()
            .map_err(draw_err)?;
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(0.0, -0.5), (0.0, n - 0.5)],
                BLACK.mix(0.5),
            )))
            .map_err(draw_err)?;
        for (k, (_, mean, lo, hi)) in items.iter().enumerate() {
            let y = k as f64;
            let colour = PALETTE[(k + 1) % PALETTE.len()];
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(*lo, y), (*hi, y)],
                    colour.stroke_width(3),
                )))
                .map_err(draw_err)?;
            chart
                .draw_series(std::iter::once(Circle::new((*mean, y), 5, colour.filled())))
                .map_err(draw_err)?;
        }
        root.present().map_err(draw_err)?;
    }
    Ok(svg)
}

/// Builds report.html from the run's tables `files` and its manifest.
pub fn build(files: &Contents, manifest: &serde_json::Value) -> Result<String, String> {
    let ts = read(files, "timeseries.csv")?;
    let mut levers: Vec<String> = Vec::new();
    let mut dates: Vec<String> = Vec::new();
    for r in &ts {
        if !levers.contains(&r["lever"]) {
            levers.push(r["lever"].clone());
        }
        if r["lever"] == levers[0] && !dates.contains(&r["date"]) {
            dates.push(r["date"].clone());
        }
    }
    // Actor ids from the first variable names: `{a}_tariff_pct`, then `{b}_tariff_pct`.
    let tariff_vars: Vec<String> = {
        let mut v: Vec<String> = Vec::new();
        for r in &ts {
            let name = &r["variable"];
            if name.ends_with("_tariff_pct") && !v.contains(name) {
                v.push(name.clone());
            }
        }
        v
    };
    let a = tariff_vars.first().map_or("a".to_string(), |v| {
        v.trim_end_matches("_tariff_pct").to_string()
    });
    let b = tariff_vars.get(1).map_or("b".to_string(), |v| {
        v.trim_end_matches("_tariff_pct").to_string()
    });
    let scenario = ts.first().map_or(String::new(), |r| r["scenario"].clone());

    let mut html = String::new();
    let _ = write!(
        html,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>bilateral report: {s}</title>\
<style>body{{font-family:sans-serif;max-width:1280px;margin:1em auto;padding:0 1em;color:#111}}\
h1{{font-size:1.5em}}h2{{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #999}}\
.grid{{display:flex;flex-wrap:wrap;gap:12px}}.grid svg{{max-width:100%;height:auto;border:1px solid #ddd}}\
table{{border-collapse:collapse;font-size:.9em}}td,th{{border:1px solid #bbb;padding:3px 6px;text-align:right}}\
th{{background:#eee}}td:first-child,th:first-child{{text-align:left}}.note{{color:#444;font-size:.9em}}</style></head><body>",
        s = escape(&scenario)
    );
    let _ = write!(html, "<h1>bilateral: scenario {}</h1>", escape(&scenario));
    let fact = |k: &str| {
        manifest
            .get(k)
            .map_or(String::new(), |v| escape(v.to_string().trim_matches('"')))
    };
    let _ = write!(
        html,
        "<p>Seed {} · {} runs per lever · start {} · {} months ({} weeks) · levers: {} · bilateral {} · scenario SHA-256 <code>{}</code></p>",
        fact("seed"),
        fact("runs"),
        fact("start_date"),
        fact("horizon_months"),
        fact("horizon_weeks"),
        escape(&levers.join(", ")),
        fact("bilateral_version"),
        fact("scenario_sha256"),
    );
    let _ = write!(
        html,
        "<p class=\"note\">Each chart shows, per lever, the median (line), the 50% band (darker) and the 90% band (lighter) of the simulated runs at each month end.</p>"
    );
    html += "<p><b>Levers:</b> ";
    for (k, l) in levers.iter().enumerate() {
        let RGBColor(r, g, b) = PALETTE[k % PALETTE.len()];
        let _ = write!(
            html,
            "<span style=\"white-space:nowrap;margin-right:1em\"><svg width=\"36\" height=\"8\"><line x1=\"0\" y1=\"4\" x2=\"36\" y2=\"4\" stroke=\"rgb({r},{g},{b})\" stroke-width=\"3\" stroke-dasharray=\"{}\"/></svg> {}</span>",
            match DASHES[k % DASHES.len()] {
                (0, 0) => "none".to_string(),
                (d, g) => format!("{d},{g}"),
            },
            escape(l)
        );
    }
    html += "</p>";
    html += "<h2>Over time</h2><div class=\"grid\">";
    let charts: [(String, String, &str); 7] = [
        (
            format!("{a}_tariff_pct"),
            format!("Headline tariff of {a} on {b}"),
            "%",
        ),
        (
            format!("{a}_tariff_effective_pct"),
            format!("Effective tariff of {a} on {b} (after exemptions)"),
            "%",
        ),
        (
            "extraditions_cum".into(),
            format!("People handed by {b} to {a} since the start"),
            "people",
        ),
        (
            "cooperation_level".into(),
            "Cooperation rung (0 none … 4 signed agreement)".into(),
            "rung",
        ),
        (
            format!("{b}_approval_pct"),
            format!("Approval of {b}'s government"),
            "%",
        ),
        (
            "drug_flow_index".into(),
            format!("Illicit flow from {b} to {a}"),
            "index, start = 100",
        ),
        (
            "trade_index".into(),
            format!("Imports of {a} from {b}"),
            "index, start = 100",
        ),
    ];
    for (var, title, unit) in &charts {
        let f = fans(&ts, var, &levers);
        if f.iter().all(|(_, s)| s.is_empty()) {
            continue;
        }
        html += &fan_chart(title, unit, &dates, &f, false)?;
    }
    html += "</div>";

    html += "<h2>Probability of key events by month end</h2><div class=\"grid\">";
    for (var, title) in [
        (
            format!("{b}_retaliated_ever"),
            format!("{b} has retaliated"),
        ),
        (
            "agreement_signed_ever".to_string(),
            "A formal agreement has been signed".to_string(),
        ),
        (
            format!("{a}_strike_{b}_ever"),
            format!("{a} has acted on {b}'s soil"),
        ),
    ] {
        // The mean of a 0/1 variable is the share of runs: a probability.
        let series: Fans = levers
            .iter()
            .map(|l| {
                let s = ts
                    .iter()
                    .filter(|r| r["lever"] == *l && r["variable"] == var)
                    .map(|r| {
                        let p = num(r, "mean");
                        [p, p, p, p, p]
                    })
                    .collect();
                (l.clone(), s)
            })
            .collect();
        if series.iter().all(|(_, s)| s.is_empty()) {
            continue;
        }
        html += &fan_chart(&title, "probability (share of runs)", &dates, &series, true)?;
    }
    html += "</div>";

    if let Ok(compare) = read(files, "compare.csv") {
        html += "<h2>Levers against the baseline</h2><p class=\"note\">Mean paired difference from the baseline over the same runs, with its 95% confidence interval (a dot right of the line: the lever raises the metric).</p><div class=\"grid\">";
        let mut metrics: Vec<String> = Vec::new();
        for r in &compare {
            if !metrics.contains(&r["metric"]) {
                metrics.push(r["metric"].clone());
            }
        }
        let headline = [
            format!("{a}_tariff_pct_end"),
            "extraditions_total".into(),
            "agreement_signed".into(),
            format!("{b}_retaliated"),
            format!("{b}_approval_pct_end"),
            "trade_loss_usd_bn".into(),
        ];
        for m in headline.iter().filter(|m| metrics.contains(m)) {
            let items: Vec<(String, f64, f64, f64)> = compare
                .iter()
                .filter(|r| r["metric"] == *m)
                .map(|r| {
                    (
                        r["lever"].clone(),
                        num(r, "mean_delta"),
                        num(r, "ci_low"),
                        num(r, "ci_high"),
                    )
                })
                .filter(|i| i.1.is_finite() && i.2.is_finite() && i.3.is_finite())
                .collect();
            if !items.is_empty() {
                html += &forest(m, &items)?;
            }
        }
        html += "</div>";
    }
    if let Ok(decision) = read(files, "decision.csv") {
        html += "<h2>Decision table</h2><p class=\"note\">Mean per lever (difference from the baseline in brackets).</p><table><tr><th>lever</th>";
        let cols: Vec<String> = decision
            .first()
            .map(|r| {
                r.keys()
                    .filter_map(|k| k.strip_suffix("_mean").map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        for c in &cols {
            let _ = write!(html, "<th>{}</th>", escape(c));
        }
        html += "</tr>";
        for r in &decision {
            let _ = write!(html, "<tr><td>{}</td>", escape(&r["lever"]));
            for c in &cols {
                let mean = num(r, &format!("{c}_mean"));
                let delta = num(r, &format!("{c}_delta"));
                let _ = write!(html, "<td>{} ({:+.3})</td>", fmt3(mean), delta);
            }
            html += "</tr>";
        }
        html += "</table>";
    }
    html += "<p class=\"note\">Made by bilateral from the CSV files beside this page; the model is documented in docs/MODEL.md.</p></body></html>\n";
    Ok(html)
}

fn fmt3(x: f64) -> String {
    if x.is_finite() {
        format!("{:.3}", x)
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_string()
    } else {
        String::new()
    }
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
