"""robust, discover and sensitivity from Python: the same files as the
commands with the same options, DataFrames equal to the commands' CSV
files, bad arguments as ValueError in the commands' words, Ctrl-C as
KeyboardInterrupt with nothing written."""

import json
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pandas as pd
import pytest

import bilateral
from conftest import ROOT, SEPTEMBER, run_cli
from test_equality import assert_same_folder
from test_interrupt import wait_for

SCENARIO = "scenarios/us_mexico_2025-09.toml"
REQUIRE = "trade_loss_usd_bn < 30 and mx_retaliated == 0"

# (command, CLI options, function, keyword arguments): the same settings
# twice. Options left out test that the defaults agree.
CASES = {
    "robust": (
        "robust",
        ["--objective", "trade_loss_usd_bn=min", "--objective", "mx_approval_pct_end=max",
         "--require", REQUIRE, "--runs", 300, "--seed", 7, "--threads", 2,
         "--lever", "mx_retaliates", "--lever", "formal_agreement"],
        bilateral.robust,
        dict(objectives={"trade_loss_usd_bn": "min", "mx_approval_pct_end": "max"},
             require=REQUIRE, runs=300, seed=7, threads=2,
             levers=["mx_retaliates", "formal_agreement"]),
    ),
    "robust-every-lever-two-requirements": (
        "robust",
        ["--objective", "us_tariff_pct_end=min", "--require", "mx_retaliated == 0",
         "--require", "trade_loss_usd_bn < 40", "--runs", 130, "--seed", 2, "--threads", 1],
        bilateral.robust,
        dict(objectives=["us_tariff_pct_end=min"],
             require=["mx_retaliated == 0", "trade_loss_usd_bn < 40"], runs=130, seed=2, threads=1),
    ),
    "discover": (
        "discover",
        ["--lever", "mx_retaliates", "--when", "trade_loss_usd_bn > 100", "--runs", 400,
         "--seed", 5, "--threads", 2],
        bilateral.discover,
        dict(lever="mx_retaliates", when="trade_loss_usd_bn > 100", runs=400, seed=5, threads=2),
    ),
    "discover-options": (
        "discover",
        ["--lever", "baseline", "--when", "mx_retaliated == 1", "--peel-alpha", 0.1,
         "--paste-alpha", 0.02, "--mass-min", 0.1, "--min-coverage", 0.3, "--runs", 300,
         "--threads", 1],
        bilateral.discover,
        dict(lever="baseline", when="mx_retaliated == 1", peel_alpha=0.1, paste_alpha=0.02,
             mass_min=0.1, min_coverage=0.3, runs=300, threads=1),
    ),
    "sensitivity-sobol": (
        "sensitivity",
        ["--samples", 16, "--seed", 3, "--lever", "baseline", "--threads", 2],
        bilateral.sensitivity,
        dict(samples=16, seed=3, levers="baseline", threads=2),
    ),
    "sensitivity-morris": (
        "sensitivity",
        ["--method", "morris", "--runs", 6, "--seed", 4, "--lever", "mx_retaliates", "--threads", 1],
        bilateral.sensitivity,
        dict(method="morris", runs=6, seed=4, levers=["mx_retaliates"], threads=1),
    ),
}

TABLES = {"robust": "robust", "discover": "discovery", "sensitivity": "sensitivity"}


def read_csv(path):
    return pd.read_csv(path, keep_default_na=False, na_values=[""])


@pytest.mark.parametrize("case", CASES)
def test_write_is_the_commands_files(cli, tmp_path, case):
    command, args, function, kwargs = CASES[case]
    run_cli(cli, command, SCENARIO, *args, "--quiet", "--out", tmp_path / "cli")
    res = function(SCENARIO, **kwargs)
    res.write(tmp_path / "py")
    assert_same_folder(tmp_path / "cli", tmp_path / "py")
    table = TABLES[command]
    assert res.table_name == f"{table}.csv"
    assert sorted(p.name for p in (tmp_path / "py").iterdir()) == sorted(["manifest.json", res.table_name])
    # The DataFrame is the command's CSV file; csv() its bytes.
    expected = read_csv(tmp_path / "cli" / res.table_name)
    pd.testing.assert_frame_equal(getattr(res, table), expected)
    assert res.csv() == (tmp_path / "cli" / res.table_name).read_bytes()
    # The manifest in memory is the one written, hashes and clock included.
    assert res.manifest == json.loads((tmp_path / "py" / "manifest.json").read_text())
    assert res.manifest["analysis"]["command"] == command
    assert res.settings == res.manifest["analysis"]["settings"]


def test_robust_reads_the_scenarios_robust_table(cli, tmp_path):
    text = SEPTEMBER.read_text().replace(
        "[levers.mx_retaliates]",
        f'[robust]\nobjectives = {{ trade_loss_usd_bn = "min" }}\nrequire = "{REQUIRE}"\n\n[levers.mx_retaliates]',
        1,
    )
    assert "[robust]" in text
    path = tmp_path / "with_table.toml"
    path.write_text(text)
    run_cli(cli, "robust", path, "--runs", 120, "--seed", 1, "--threads", 2, "--quiet", "--out", tmp_path / "cli")
    res = bilateral.robust(path, runs=120, seed=1, threads=2)
    res.write(tmp_path / "py")
    assert_same_folder(tmp_path / "cli", tmp_path / "py")
    assert res.settings == ["objective = trade_loss_usd_bn=min", f"require = {REQUIRE}"]


def test_with_values_reaches_the_analyses(cli, tmp_path):
    # A Scenario.with_values is the edited file for these commands too.
    sc = bilateral.Scenario.load(SCENARIO).with_values({"us.hawkishness": 3.0})
    edited = tmp_path / "edited.toml"
    edited.write_text(sc.toml)
    run_cli(cli, "sensitivity", edited, "--samples", 8, "--lever", "baseline", "--threads", 2, "--quiet", "--out", tmp_path / "cli")
    res = bilateral.sensitivity(sc, samples=8, levers=["baseline"], threads=2)
    res.write(tmp_path / "py")
    assert_same_folder(tmp_path / "cli", tmp_path / "py", identity=False)
    assert "us.hawkishness" not in set(res.sensitivity.parameter)


def cli_error(cli, command, *args):
    """The command's message for bad options (exit code 2), without
    `error: ` and clap's closing help line."""
    out = run_cli(cli, command, SCENARIO, "--quiet", "--out", "/nonexistent/never", *args, check=False)
    assert out.returncode == 2, out
    text = out.stderr.decode()
    assert text.startswith("error: ")
    return text[len("error: "):].split("\n\nFor more information")[0].rstrip("\n")


@pytest.mark.parametrize(
    "function,kwargs,command,args",
    [
        (bilateral.robust, {}, "robust", []),
        (bilateral.robust, {"objectives": ["trade_loss=min"]}, "robust", ["--objective", "trade_loss=min"]),
        (bilateral.robust, {"objectives": {"trade_loss_usd_bn": "least"}}, "robust", ["--objective", "trade_loss_usd_bn=least"]),
        (bilateral.robust, {"require": "mx_retaliated =="}, "robust", ["--require", "mx_retaliated =="]),
        (bilateral.robust, {"require": REQUIRE, "runs": 0}, "robust", ["--require", REQUIRE, "--runs", "0"]),
        (bilateral.discover, {"lever": "mx_retaliates", "when": "trade_loss_usd_bn > 1", "peel_alpha": 0.7},
         "discover", ["--lever", "mx_retaliates", "--when", "trade_loss_usd_bn > 1", "--peel-alpha", "0.7"]),
        (bilateral.discover, {"lever": "mx_retaliate", "when": "trade_loss_usd_bn > 1"},
         "discover", ["--lever", "mx_retaliate", "--when", "trade_loss_usd_bn > 1"]),
        (bilateral.discover, {"lever": "baseline", "when": "trade_los > 1"},
         "discover", ["--lever", "baseline", "--when", "trade_los > 1"]),
        (bilateral.sensitivity, {"method": "sobel"}, "sensitivity", ["--method", "sobel"]),
        (bilateral.sensitivity, {"samples": 1}, "sensitivity", ["--samples", "1"]),
        (bilateral.sensitivity, {"samples": 10, "runs": 20}, "sensitivity", ["--samples", "10", "--runs", "20"]),
        (bilateral.sensitivity, {"method": "morris", "levels": 3}, "sensitivity", ["--method", "morris", "--levels", "3"]),
        (bilateral.sensitivity, {"threads": 0}, "sensitivity", ["--threads", "0"]),
    ],
    ids=lambda v: v.__name__ if callable(v) else None,
)
def test_bad_arguments_are_value_errors_in_the_commands_words(cli, function, kwargs, command, args):
    with pytest.raises(ValueError) as info:
        function(SCENARIO, **kwargs)
    assert not isinstance(info.value, bilateral.ScenarioError)
    assert str(info.value) == cli_error(cli, command, *args)


def test_a_condition_that_never_holds(cli):
    when = "trade_loss_usd_bn < -1"
    with pytest.raises(ValueError, match="holds in none of the 64 runs") as info:
        bilateral.discover(SCENARIO, lever="baseline", when=when, runs=64, threads=1)
    assert str(info.value) == cli_error(cli, "discover", "--lever", "baseline", "--when", when, "--runs", "64")


def test_scenario_errors_are_scenario_errors():
    for call in (
        lambda p: bilateral.robust(p, objectives=["trade_loss_usd_bn=min"]),
        lambda p: bilateral.discover(p, lever="baseline", when="mx_retaliated == 1"),
        lambda p: bilateral.sensitivity(p),
    ):
        with pytest.raises(bilateral.ScenarioError):
            call("tests/bad_scenarios/typo_key.toml")


def test_the_gil_is_released_while_sensitivity_runs():
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
        bilateral.sensitivity(SCENARIO, samples=400, levers=["baseline"], threads=1)
        ended = time.perf_counter()
    finally:
        done.set()
        t.join()
    during = [x for x in ticks if began < x < ended]
    assert ended - began > 0.05
    assert len(during) > 10, (len(during), ended - began)


# Each call takes far longer than the test waits (hours to days).
LONG = {
    "robust": 'bilateral.robust(SCENARIO, objectives=["trade_loss_usd_bn=min"], runs=10_000_000, threads=2)',
    "discover": 'bilateral.discover(SCENARIO, lever="baseline", when="mx_retaliated == 1", runs=10_000_000, threads=2)',
    "sensitivity": 'bilateral.sensitivity(SCENARIO, samples=300_000, levers=["baseline"], threads=2)',
}

SCRIPT = """
import sys, time
import bilateral
SCENARIO = "scenarios/us_mexico_2025-09.toml"
out = sys.argv[1]
print("started", flush=True)
began = time.perf_counter()
try:
    res = {call}
    res.write(out)
    print("finished", flush=True)
except KeyboardInterrupt:
    print(f"interrupted after {{time.perf_counter() - began:.2f}}", flush=True)
    # The engine's flag was cleared: the next analysis runs.
    res = bilateral.robust(SCENARIO, objectives=["trade_loss_usd_bn=min"], runs=64, levers=["baseline"])
    print(f"next run {{res.manifest['runs']}}", flush=True)
    sys.exit(3)
"""


@pytest.mark.parametrize("command", LONG)
def test_ctrl_c_interrupts_and_writes_nothing(tmp_path, command):
    out = tmp_path / "never"
    proc = subprocess.Popen(
        [sys.executable, "-c", SCRIPT.format(call=LONG[command]), str(out)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        wait_for(proc, "started")
        time.sleep(1.5)
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=30)
        took = time.monotonic() - sent
    finally:
        proc.kill()
    assert proc.returncode == 3, (stdout, stderr)
    assert "interrupted after" in stdout and "next run 64" in stdout
    assert took < 10, f"the {command} took {took:.1f} s to stop"
    assert not out.exists()
