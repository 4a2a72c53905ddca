"""Same seed, same numbers: the module's files and DataFrames against the
command's CSV files."""

import hashlib
import io
import json
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

import bilateral
from conftest import SEPTEMBER, run_cli

SCENARIO = "scenarios/us_mexico_2025-09.toml"
# Fields of manifest.json that say when the run happened, not what it did.
WHEN = {"started_at", "elapsed_seconds"}


def folder(path: Path) -> dict:
    return {p.name: p.read_bytes() for p in sorted(path.iterdir())}


def assert_same_folder(cli_dir: Path, py_dir: Path, identity=True):
    a, b = folder(cli_dir), folder(py_dir)
    assert sorted(a) == sorted(b)
    for name in a:
        if name == "manifest.json":
            ma, mb = json.loads(a[name]), json.loads(b[name])
            for key in WHEN:
                ma.pop(key), mb.pop(key)
            if not identity:
                ma.pop("scenario_path"), mb.pop("scenario_path")
            # results.xlsx holds the run's wall-clock fields (its Manifest
            # sheet), so its bytes and hash differ between any two runs; its
            # cells are compared below.
            for m in (ma, mb):
                m.get("sha256", {}).pop("results.xlsx", None)
            assert ma == mb
        elif name == "results.xlsx":
            openpyxl = pytest.importorskip("openpyxl")
            wa = openpyxl.load_workbook(io.BytesIO(a[name]))
            wb = openpyxl.load_workbook(io.BytesIO(b[name]))
            assert wa.sheetnames == wb.sheetnames
            for sheet in wa.sheetnames:
                rows_a = list(wa[sheet].iter_rows(values_only=True))
                rows_b = list(wb[sheet].iter_rows(values_only=True))
                if sheet == "Manifest":
                    keep = lambda rows: [r for r in rows if r and r[0] not in WHEN]
                    rows_a, rows_b = keep(rows_a), keep(rows_b)
                assert rows_a == rows_b, sheet
        else:
            assert a[name] == b[name], f"{name} differs"


@pytest.mark.parametrize("threads", [1, 2])
def test_write_is_the_commands_files(cli, tmp_path, threads):
    args = ["--runs", 300, "--seed", 7, "--lever", "mx_retaliates", "--threads", threads]
    run_cli(cli, "run", SCENARIO, *args, "--quiet", "--out", tmp_path / "cli")
    res = bilateral.run(SCENARIO, runs=300, seed=7, levers=["mx_retaliates"], threads=threads)
    res.write(tmp_path / "py")
    assert_same_folder(tmp_path / "cli", tmp_path / "py")
    # What write() wrote is what the DataFrames hold, and the manifest too.
    for name in ["summary", "timeseries", "compare", "decision", "runs"]:
        expected = pd.read_csv(tmp_path / "cli" / f"{name}.csv", keep_default_na=False, na_values=[""])
        pd.testing.assert_frame_equal(getattr(res, name), expected)
    manifest = json.loads((tmp_path / "py" / "manifest.json").read_text())
    # The hashes are of the files as written, so only the written manifest
    # has them; they must be the files' own.
    hashes = manifest.pop("sha256")
    for name, digest in hashes.items():
        assert hashlib.sha256((tmp_path / "py" / name).read_bytes()).hexdigest() == digest, name
    in_memory = dict(res.manifest)
    in_memory.pop("sha256", None)
    assert in_memory == manifest


def test_every_lever_with_extras_and_another_reference(cli, tmp_path):
    args = ["--runs", 130, "--seed", 3, "--baseline", "formal_agreement", "--threads", 2]
    run_cli(cli, "run", SCENARIO, *args, "--quiet", "--xlsx", "--report", "--out", tmp_path / "cli")
    res = bilateral.run(SCENARIO, runs=130, seed=3, baseline="formal_agreement", threads=2)
    res.write(tmp_path / "py", xlsx=True, report=True)
    assert_same_folder(tmp_path / "cli", tmp_path / "py")
    assert res.levers == bilateral.Scenario.load(SCENARIO).levers


def test_one_lever_no_runs_and_the_scenarios_defaults(cli, tmp_path):
    # The scenario's own seed; runs given to keep it short.
    run_cli(cli, "run", SCENARIO, "--runs", 70, "--lever", "baseline", "--no-runs", "--quiet", "--out", tmp_path / "cli")
    res = bilateral.run(SCENARIO, runs=70, levers=["baseline"], keep_runs=False)
    assert res.compare is None and res.decision is None and res.runs is None
    res.write(tmp_path / "py")
    assert_same_folder(tmp_path / "cli", tmp_path / "py")


def test_until_ci(cli, tmp_path):
    rule = "us_tariff_pct_end=1.5"
    run_cli(cli, "run", SCENARIO, "--runs", 3000, "--seed", 5, "--until-ci", rule, "--lever", "mx_retaliates", "--quiet", "--out", tmp_path / "cli")
    res = bilateral.run(SCENARIO, runs=3000, seed=5, until_ci=rule, levers=["mx_retaliates"])
    assert res.stopped_early and res.runs_per_lever < 3000
    res.write(tmp_path / "py")
    assert_same_folder(tmp_path / "cli", tmp_path / "py")


def test_with_values_is_the_edited_file(cli, tmp_path):
    sc = bilateral.Scenario.load(SCENARIO)
    sc2 = sc.with_values(
        {"us.hawkishness": 3.0, "mx.retaliation_bias": {"dist": "uniform", "low": 0, "high": 2}}
    )
    assert sc2.sha256 != sc.sha256
    assert "hawkishness = 3.0" in sc2.toml
    assert 'retaliation_bias = { dist = "uniform", low = 0, high = 2 }' in sc2.toml
    # Only the two values changed; comments and layout are kept.
    changed = [(a, b) for a, b in zip(sc.toml.splitlines(), sc2.toml.splitlines()) if a != b]
    assert len(changed) == 2 and len(sc.toml.splitlines()) == len(sc2.toml.splitlines())
    edited = tmp_path / "edited.toml"
    edited.write_text(sc2.toml)
    run_cli(cli, "run", edited, "--runs", 200, "--seed", 7, "--lever", "mx_retaliates", "--quiet", "--out", tmp_path / "cli")
    res = bilateral.run(sc2, runs=200, seed=7, levers=["mx_retaliates"], threads=2)
    res.write(tmp_path / "py")
    assert_same_folder(tmp_path / "cli", tmp_path / "py", identity=False)
    assert res.manifest["scenario_sha256"] == sc2.sha256
    # The values take effect: different numbers from the file as written.
    plain = bilateral.run(sc, runs=200, seed=7, levers=["mx_retaliates"])
    assert not plain.summary.equals(res.summary)
    # A fixed value is the same in every run.
    assert "us.hawkishness" not in res.runs or res.runs["us.hawkishness"].eq(3.0).all()
    bias = res.runs.set_index("lever")["mx.retaliation_bias"]
    assert bias["baseline"].between(0, 2).all() and bias["baseline"].nunique() > 100
    # A lever that sets the parameter itself keeps its value (8 here), as
    # it would in the edited file.
    assert bias["mx_retaliates"].eq(8).all()


def test_trace_is_the_commands_trace(cli):
    out = run_cli(cli, "trace", SCENARIO, "--run", 3, "--lever", "us_escalates_30", "--seed", 11)
    sc = bilateral.Scenario.load(SCENARIO)
    assert bilateral._native.trace(sc._native, 3, lever="us_escalates_30", seed=11) == out.stdout
    frame = bilateral.trace(sc, run=3, lever="us_escalates_30", seed=11)
    pd.testing.assert_frame_equal(frame, pd.read_csv(io.BytesIO(out.stdout), keep_default_na=False, na_values=[""]))
    assert list(frame.columns[:5]) == ["week", "date", "actor", "action", "detail"]


def test_the_gil_is_released_while_the_engine_runs():
    ticks = []
    done = threading.Event()

    def tick():
        while not done.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.001)

    t = threading.Thread(target=tick)
    t.start()
    try:
        began = time.perf_counter()
        bilateral.run(SCENARIO, runs=5000, seed=1, levers=["mx_retaliates"], threads=1, keep_runs=False)
        ended = time.perf_counter()
    finally:
        done.set()
        t.join()
    during = [x for x in ticks if began < x < ended]
    # With the GIL held the other thread could not tick at all during the run.
    assert ended - began > 0.05
    assert len(during) > 10, (len(during), ended - began)
