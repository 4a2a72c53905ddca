"""Ctrl-C: a long bilateral.run stops, raises KeyboardInterrupt, writes
nothing; the package's `bilateral` command behaves as the binary."""

import os
import signal
import subprocess
import sys
import textwrap
import time

from conftest import ROOT

SCRIPT = textwrap.dedent(
    """
    import sys, time
    import bilateral
    out = sys.argv[1]
    print("started", flush=True)
    began = time.perf_counter()
    try:
        res = bilateral.run("scenarios/us_mexico_2025-09.toml", runs=10_000_000, threads=2)
        res.write(out)
        print("finished", flush=True)
    except KeyboardInterrupt:
        print(f"interrupted after {time.perf_counter() - began:.2f}", flush=True)
        # The engine's flag was cleared: the next run runs.
        res = bilateral.run("scenarios/us_mexico_2025-09.toml", runs=64, levers=["baseline"])
        print(f"next run {res.runs_per_lever}", flush=True)
        sys.exit(3)
    """
)


def wait_for(proc, word, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if word in line:
            return line
    raise AssertionError(f"no `{word}` from the subprocess")


def test_ctrl_c_interrupts_a_long_run_and_writes_nothing(tmp_path):
    out = tmp_path / "never"
    proc = subprocess.Popen(
        [sys.executable, "-c", SCRIPT, str(out)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        wait_for(proc, "started")
        time.sleep(1.5)  # well inside the run (10 million runs take hours)
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=30)
        took = time.monotonic() - sent
    finally:
        proc.kill()
    assert proc.returncode == 3, (stdout, stderr)
    assert "interrupted after" in stdout and "next run 64" in stdout
    assert took < 10, f"the run took {took:.1f} s to stop"
    assert not out.exists()


def test_the_command_stops_on_ctrl_c_like_the_binary(wheel_command, tmp_path):
    out = tmp_path / "never"
    proc = subprocess.Popen(
        [wheel_command, "run", "scenarios/us_mexico_2025-09.toml", "--runs", "10000000", "--quiet", "--out", str(out)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        time.sleep(3)
        assert proc.poll() is None, proc.communicate()
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 130, stderr
    assert "interrupted: no output file was written or changed" in stderr
    # The folder made for the run is removed again; no temp file is left.
    assert not out.exists() or not os.listdir(out)
