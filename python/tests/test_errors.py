"""Scenario errors as exceptions carrying the command's message; bad
arguments as ValueError with the command's wording."""

from pathlib import Path

import pytest

import bilateral
from conftest import ROOT, run_cli

SCENARIO = "scenarios/us_mexico_2025-09.toml"
BAD = sorted((ROOT / "tests" / "bad_scenarios").glob("*.toml"))


def test_the_corpus_is_there():
    assert len(BAD) >= 25


@pytest.mark.parametrize("path", BAD, ids=lambda p: p.stem)
def test_every_bad_scenario_raises_the_commands_error(cli, path):
    rel = path.relative_to(ROOT).as_posix()
    expected = [l[len("# expect: "):] for l in path.read_text().splitlines() if l.startswith("# expect: ")]
    assert expected, f"{rel} lists no expected error"
    with pytest.raises(bilateral.ScenarioError) as info:
        bilateral.validate(rel)
    e = info.value
    assert isinstance(e, ValueError)
    message = str(e)
    for text in expected:
        assert text in message
    # The same text as `bilateral validate` prints, exit code 2.
    out = run_cli(cli, "validate", rel, check=False)
    assert out.returncode == 2
    assert out.stderr.decode() == message + "\n"
    # Structured: the file, and every problem with line, column, key, suggestion.
    assert e.file == rel
    assert e.problems and all(p["message"] for p in e.problems)
    first = e.problems[0]
    assert (e.line, e.column, e.key, e.suggestion, e.message) == (
        first["line"], first["column"], first["key"], first["suggestion"], first["message"]
    )
    for p in e.problems:
        rendered = f"{rel}:{p['line']}:{p['column']}: " if p["line"] else f"{rel}: "
        assert rendered + p["message"] in message
        if p["key"]:
            assert f"(key `{p['key']}`)" in message
        if p["suggestion"]:
            assert f"help: {p['suggestion']}" in message
        assert p["line"] is None or (isinstance(p["line"], int) and isinstance(p["column"], int))
    # run() of the same file raises the same error.
    with pytest.raises(bilateral.ScenarioError):
        bilateral.run(rel, runs=1)


def test_a_typo_names_line_column_key_and_suggestion():
    with pytest.raises(bilateral.ScenarioError) as info:
        bilateral.validate("tests/bad_scenarios/typo_key.toml")
    typo = [p for p in info.value.problems if p["key"] == "mx.deman_ratchet"]
    assert typo == [
        {
            "line": 130,
            "column": 1,
            "key": "mx.deman_ratchet",
            "message": "unknown key `deman_ratchet` in [mx]",
            "suggestion": "did you mean `demand_ratchet`?",
        }
    ]


def test_a_missing_file():
    with pytest.raises(bilateral.ScenarioError, match="cannot read the file") as info:
        bilateral.Scenario.load("scenarios/no_such_file.toml")
    assert info.value.file == "scenarios/no_such_file.toml" and info.value.line is None


def test_with_values_is_checked_like_the_file():
    sc = bilateral.Scenario.load(SCENARIO)
    with pytest.raises(bilateral.ScenarioError) as info:
        sc.with_values({"us.hawkishnes": 2})
    assert info.value.key == "us.hawkishnes"
    assert info.value.suggestion == "did you mean `us.hawkishness`?"
    with pytest.raises(bilateral.ScenarioError) as info:
        sc.with_values({"us.hawkishness": 200})
    e = info.value
    # The line of the value in the scenario file, as validate reports it.
    assert (e.key, e.line, e.message) == ("us.hawkishness", 45, "200 is out of range")
    assert "allowed range" in e.suggestion
    with pytest.raises(bilateral.ScenarioError, match="unknown distribution|distribution"):
        sc.with_values({"mx.retaliation_bias": {"dist": "unifrom", "low": 0, "high": 2}})
    with pytest.raises(bilateral.ScenarioError):
        sc.with_values({"mx.retaliation_bias": {"dist": "uniform", "low": 2, "high": 0}})
    with pytest.raises(TypeError):
        sc.with_values({"us.hawkishness": object()})
    # Nothing changed in the scenario itself.
    assert bilateral.Scenario.load(SCENARIO).sha256 == sc.sha256


def cli_error(cli, *args):
    out = run_cli(cli, "run", SCENARIO, "--quiet", "--out", "/nonexistent/never", *args, check=False)
    assert out.returncode == 2
    text = out.stderr.decode()
    assert text.startswith("error: ")
    return text[len("error: "):].rstrip("\n")


@pytest.mark.parametrize(
    "kwargs,args",
    [
        ({"runs": 0}, ["--runs", "0"]),
        ({"levers": ["mx_retaliate"]}, ["--lever", "mx_retaliate"]),
        ({"levers": ["zzz"]}, ["--lever", "zzz"]),
        ({"baseline": "nope"}, ["--baseline", "nope"]),
        ({"threads": 0}, ["--threads", "0"]),
        ({"until_ci": "us_tarif_pct_end=1"}, ["--until-ci", "us_tarif_pct_end=1"]),
        ({"until_ci": "us_tariff_pct_end=-1"}, ["--until-ci", "us_tariff_pct_end=-1"]),
    ],
)
def test_bad_arguments_are_value_errors_in_the_commands_words(cli, kwargs, args):
    with pytest.raises(ValueError) as info:
        bilateral.run(SCENARIO, **kwargs)
    assert not isinstance(info.value, bilateral.ScenarioError)
    assert str(info.value) == cli_error(cli, *args)


def test_unknown_lever_of_trace():
    with pytest.raises(ValueError, match="has no lever `mx_retaliate`; did you mean `mx_retaliates`"):
        bilateral.trace(SCENARIO, run=0, lever="mx_retaliate")


def test_an_unwritable_folder_is_an_os_error(tmp_path):
    res = bilateral.run(SCENARIO, runs=10, levers=["baseline"])
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(OSError):
        res.write(blocker / "out")
