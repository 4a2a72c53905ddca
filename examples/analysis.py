"""An analysis of the September 2025 scenario from Python.

Loads scenarios/us_mexico_2025-09.toml, runs two levers against the
baseline over the same futures, prints how they compare, plots the fan
chart of the US tariff, and exports the tables to an Excel workbook.

    pip install .  &&  pip install matplotlib openpyxl
    python examples/analysis.py --runs 2000 --out output/analysis

Run by CI (.ci/run) with fewer runs.
"""

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no window
import matplotlib.pyplot as plt
import pandas as pd

import bilateral

ROOT = Path(__file__).resolve().parents[1]
LEVERS = ["mx_retaliates", "formal_agreement"]
HEADLINE = ["us_tariff_pct_end", "agreement_signed", "mx_retaliated", "trade_loss_usd_bn"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2000, help="runs per lever")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=ROOT / "output" / "analysis")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    sc = bilateral.Scenario.load(ROOT / "scenarios" / "us_mexico_2025-09.toml")
    print(f"{sc.name}: {sc.description}")
    for lever in LEVERS:
        print(f"  {lever}: {sc.lever_descriptions[lever]}")

    res = bilateral.run(sc, runs=args.runs, seed=args.seed, levers=LEVERS)

    # Each lever against the baseline, over the same futures (paired).
    compare = res.compare[res.compare.metric.isin(HEADLINE)]
    table = compare.pivot(index="metric", columns="lever", values="mean_delta").loc[HEADLINE]
    print(f"\nmean change against the baseline ({res.runs_per_lever} runs per lever):")
    print(table.round(3).to_string())
    ci = compare.set_index(["lever", "metric"])[["ci_low", "ci_high"]]
    print("\n95% intervals of the change:")
    print(ci.round(3).to_string())

    # Fan chart of the US tariff: median, 50% and 90% bands per lever.
    ts = res.timeseries[res.timeseries.variable == "us_tariff_pct"].copy()
    ts["date"] = pd.to_datetime(ts["date"])
    # One panel per lever, same axes: overlapping bands would hide each other.
    fig, axes = plt.subplots(1, len(res.levers), figsize=(4 * len(res.levers), 4), sharey=True)
    for ax, lever, colour in zip(axes, res.levers, ["tab:grey", "tab:red", "tab:blue"]):
        t = ts[ts.lever == lever]
        ax.fill_between(t.date, t.p05, t.p95, color=colour, alpha=0.2, linewidth=0, label="90%")
        ax.fill_between(t.date, t.p25, t.p75, color=colour, alpha=0.4, linewidth=0, label="50%")
        ax.plot(t.date, t.p50, color=colour, label="median")
        ax.plot(t.date, t["mean"], color="black", linestyle=":", linewidth=1, label="mean")
        ax.set_title(lever)
        ax.tick_params(axis="x", labelrotation=30)
    axes[0].set_ylabel("US tariff on Mexican goods (%)")
    axes[0].legend(loc="lower left", fontsize="small")
    fig.suptitle(f"{sc.name}: US tariff, {res.runs_per_lever} runs per lever")
    chart = args.out / "tariff_fan.png"
    fig.savefig(chart, dpi=120, bbox_inches="tight")
    plt.close(fig)

    # The tables to Excel with pandas (openpyxl), and the CLI's own files.
    workbook = args.out / "analysis.xlsx"
    with pd.ExcelWriter(workbook, engine="openpyxl") as xl:
        table.to_excel(xl, sheet_name="Headline")
        res.summary.to_excel(xl, sheet_name="Summary", index=False)
        res.compare.to_excel(xl, sheet_name="Compare", index=False)
        res.decision.to_excel(xl, sheet_name="Decision", index=False)
        ts.to_excel(xl, sheet_name="US tariff", index=False)
    res.write(args.out / "run")

    # What was written reads back.
    back = pd.read_excel(workbook, sheet_name="Summary")
    assert len(back) == len(res.summary), "the workbook holds the summary"
    assert chart.stat().st_size > 10_000, "the chart was drawn"
    print(f"\nwrote {chart}, {workbook} and the files of `bilateral run` in {args.out / 'run'}")


if __name__ == "__main__":
    main()
