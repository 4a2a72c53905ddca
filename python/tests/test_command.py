"""The package's `bilateral` command against the cargo-built binary."""

import json

import pytest

from conftest import ROOT, run_cli
from test_equality import assert_same_folder

SCENARIO = "scenarios/us_mexico_2025-09.toml"


def test_version_and_help(cli, wheel_command):
    for args in (["--version"], ["--help"], ["run", "--help"]):
        a, b = run_cli(cli, *args), run_cli(wheel_command, *args)
        assert (a.returncode, a.stdout, a.stderr) == (b.returncode, b.stdout, b.stderr)


@pytest.mark.parametrize(
    "args",
    [
        ["validate", "scenarios/us_mexico_2025-02.toml", SCENARIO],
        ["validate", "tests/bad_scenarios/typo_key.toml"],
        ["run", SCENARIO, "--runs", "0"],
        ["run"],
        ["trace", SCENARIO, "--run", "2"],
        ["frobnicate"],
    ],
)
def test_same_output_and_exit_code(cli, wheel_command, args):
    a, b = run_cli(cli, *args, check=False), run_cli(wheel_command, *args, check=False)
    assert (a.returncode, a.stdout, a.stderr) == (b.returncode, b.stdout, b.stderr)


def test_same_files(cli, wheel_command, tmp_path):
    args = ["run", SCENARIO, "--runs", "150", "--seed", "9", "--threads", "2", "--quiet"]
    run_cli(cli, *args, "--out", tmp_path / "binary")
    run_cli(wheel_command, *args, "--out", tmp_path / "wheel")
    assert_same_folder(tmp_path / "binary", tmp_path / "wheel")


def test_a_closed_pipe_is_not_an_error(wheel_command):
    import subprocess

    out = subprocess.run(
        f"'{wheel_command}' trace {SCENARIO} --run 1 | head -1",
        shell=True, capture_output=True, cwd=ROOT, text=True,
    )
    assert out.stdout.startswith("week,date,actor") and out.stderr == ""
