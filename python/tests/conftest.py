"""Shared fixtures: the repository root and the command to compare with.

The command is, in this order: $BILATERAL_CLI (CI sets the cargo-built
target/debug/bilateral), target/release/bilateral or target/debug/bilateral
of this checkout, or the ``bilateral`` command on PATH (the wheel's).
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SEPTEMBER = ROOT / "scenarios" / "us_mexico_2025-09.toml"


def _cli() -> str:
    given = os.environ.get("BILATERAL_CLI")
    if given:
        return given
    for profile in ("release", "debug"):
        built = ROOT / "target" / profile / "bilateral"
        if built.is_file():
            return str(built)
    found = shutil.which("bilateral")
    if found is None:
        pytest.fail("no bilateral command: set BILATERAL_CLI or run `cargo build`")
    return found


@pytest.fixture(scope="session")
def cli() -> str:
    return _cli()


@pytest.fixture(scope="session")
def wheel_command() -> str:
    """The `bilateral` command installed with the package (beside python)."""
    script = Path(sys.executable).parent / "bilateral"
    if not script.is_file():
        pytest.fail(f"the package's bilateral command is not installed at {script}")
    return str(script)


@pytest.fixture(autouse=True)
def _in_root(monkeypatch):
    # Scenario paths as given are part of manifest.json and of messages:
    # the library and the command get the same relative paths.
    monkeypatch.chdir(ROOT)


def run_cli(cli, *args, check=True):
    out = subprocess.run([cli, *map(str, args)], capture_output=True, cwd=ROOT)
    if check and out.returncode != 0:
        raise AssertionError(f"{cli} {args} failed ({out.returncode}): {out.stderr.decode()}")
    return out
