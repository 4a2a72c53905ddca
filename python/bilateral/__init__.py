"""bilateral from Python: load scenarios, run them in-process, get pandas DataFrames.

    import bilateral
    sc = bilateral.Scenario.load("scenarios/us_mexico_2025-09.toml")
    sc2 = sc.with_values({"us.hawkishness": 3.0,
                          "mx.retaliation_bias": {"dist": "uniform", "low": 0, "high": 2}})
    res = bilateral.run(sc2, runs=5000, seed=7, levers=["mx_retaliates"], threads=2)
    res.summary      # DataFrame of summary.csv
    res.write("output/x")

    rob = bilateral.robust(sc, runs=2000, objectives={"trade_loss_usd_bn": "min"})
    rob.robust       # DataFrame of robust.csv
    box = bilateral.discover(sc, lever="mx_retaliates", when="trade_loss_usd_bn > 100")
    sens = bilateral.sensitivity(sc, samples=256, levers=["baseline"])

Everything is computed by the same Rust code as the ``bilateral`` command
(the native module ``bilateral._native``); the DataFrames are parsed from
the bytes of the CSV files the command writes, so their numbers are the
command's numbers at the same seed.
"""

from __future__ import annotations

import io
import json
import os
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Optional, Union

from bilateral import _native
from bilateral._native import ScenarioError

if TYPE_CHECKING:  # pandas is imported when a table is first asked for
    import pandas

__version__ = _native.__version__
__all__ = [
    "Scenario",
    "Result",
    "RobustResult",
    "DiscoverResult",
    "SensitivityResult",
    "ScenarioError",
    "run",
    "robust",
    "discover",
    "sensitivity",
    "trace",
    "validate",
]

PathLike = Union[str, "os.PathLike[str]"]


def _frame(data: bytes) -> "pandas.DataFrame":
    import pandas

    # Only an empty cell is missing (the CSV files write NaN as empty); a
    # lever or rule named "NA" stays a string.
    return pandas.read_csv(io.BytesIO(data), keep_default_na=False, na_values=[""])


class Scenario:
    """A loaded, validated scenario file.

    ``Scenario.load(path)`` raises :class:`ScenarioError` with the message of
    ``bilateral validate`` when the file has problems.
    """

    __slots__ = ("_native",)

    def __init__(self, native: "_native.Scenario") -> None:
        if not isinstance(native, _native.Scenario):
            raise TypeError("use Scenario.load(path)")
        self._native = native

    @classmethod
    def load(cls, path: PathLike) -> "Scenario":
        """Reads and validates the scenario file ``path``."""
        return cls(_native.Scenario.load(os.fspath(path)))

    def with_values(self, values: Mapping[str, Any]) -> "Scenario":
        """The scenario with parameters set as if its file said so.

        Keys are parameter paths (``"us.hawkishness"``, ``"world.trust_baseline"``);
        values are numbers or distributions as dicts
        (``{"dist": "uniform", "low": 0, "high": 2}``). The new text is checked
        like a scenario file (raises :class:`ScenarioError`). A lever that sets
        one of these parameters itself keeps its own value. ``.toml`` is the
        new text; manifest.json records its SHA-256.
        """
        return Scenario(self._native.with_values(dict(values)))

    name = property(lambda self: self._native.name, doc="Scenario name.")
    description = property(lambda self: self._native.description, doc="Free text.")
    path = property(lambda self: self._native.path, doc="The file it was read from.")
    ids = property(lambda self: self._native.ids, doc="The two actor ids.")
    levers = property(lambda self: self._native.levers, doc="Lever names, baseline first.")
    runs = property(lambda self: self._native.runs, doc="Runs per lever ([run] runs).")
    seed = property(lambda self: self._native.seed, doc="Master seed ([run] seed).")
    start_date = property(lambda self: self._native.start_date, doc="YYYY-MM-DD.")
    horizon_months = property(lambda self: self._native.horizon_months, doc="Months reported.")
    sha256 = property(lambda self: self._native.sha256, doc="SHA-256 of the scenario text.")
    toml = property(lambda self: self._native.toml, doc="The scenario's TOML text.")

    @property
    def lever_descriptions(self) -> dict:
        """Lever name -> description."""
        return dict(self._native.lever_descriptions)

    def __repr__(self) -> str:
        return f"<bilateral.Scenario {self.name!r} from {self.path!r}, levers {self.levers}>"


def _scenario(scenario: Union[Scenario, PathLike]) -> Scenario:
    if isinstance(scenario, Scenario):
        return scenario
    if isinstance(scenario, (str, os.PathLike)):
        return Scenario.load(scenario)
    raise TypeError(f"expected a bilateral.Scenario or a path, got {type(scenario).__name__}")


def validate(path: PathLike) -> Scenario:
    """Checks the scenario file ``path``; raises :class:`ScenarioError`
    (carrying ``file``, ``line``, ``column``, ``key``, ``suggestion`` and
    every problem in ``problems``) or returns the scenario."""
    return Scenario.load(path)


class Result:
    """The outcome of :func:`run`, in memory: nothing is written until
    :meth:`write`. Tables are pandas DataFrames with the columns of the CSV
    files of ``bilateral run``."""

    __slots__ = ("_native", "_frames")

    def __init__(self, native: "_native.RunResult") -> None:
        self._native = native
        self._frames: dict = {}

    def csv(self, name: str) -> Optional[bytes]:
        """The bytes of the table ``name`` ("summary.csv", "timeseries.csv",
        "compare.csv", "decision.csv", "runs.csv") exactly as :meth:`write`
        writes it, or None when the run has no such table."""
        return self._native.csv(name)

    def _table(self, name: str) -> Optional["pandas.DataFrame"]:
        if name not in self._frames:
            data = self.csv(name)
            self._frames[name] = None if data is None else _frame(data)
        return self._frames[name]

    @property
    def summary(self) -> "pandas.DataFrame":
        """summary.csv: one row per lever and metric."""
        return self._table("summary.csv")

    @property
    def timeseries(self) -> "pandas.DataFrame":
        """timeseries.csv: per lever, month and variable, mean and quantiles."""
        return self._table("timeseries.csv")

    @property
    def compare(self) -> Optional["pandas.DataFrame"]:
        """compare.csv: each lever against the baseline (None with one lever)."""
        return self._table("compare.csv")

    @property
    def decision(self) -> Optional["pandas.DataFrame"]:
        """decision.csv (None with one lever)."""
        return self._table("decision.csv")

    @property
    def runs(self) -> Optional["pandas.DataFrame"]:
        """runs.csv: one row per run and lever (None with keep_runs=False)."""
        return self._table("runs.csv")

    @property
    def manifest(self) -> dict:
        """manifest.json as :meth:`write` writes it."""
        return json.loads(self._native.manifest_json())

    @property
    def levers(self) -> list:
        """Levers run, in output order."""
        return self._native.levers

    @property
    def runs_per_lever(self) -> int:
        """Runs per lever (fewer than asked when until_ci stopped early)."""
        return self._native.runs

    @property
    def stopped_early(self) -> bool:
        """Whether ``until_ci`` stopped the run before ``runs``."""
        return self._native.stopped_early

    def write(self, dir: PathLike, *, xlsx: bool = False, report: bool = False) -> None:
        """Writes the files of ``bilateral run --out dir`` (one transaction:
        all files or none; files of an earlier run that this one lacks are
        removed). ``xlsx``/``report`` add results.xlsx and report.html as
        ``--xlsx``/``--report`` do."""
        self._native.write(os.fspath(dir), xlsx=xlsx, report=report)

    def __repr__(self) -> str:
        return f"<bilateral.Result {self.runs_per_lever} runs x levers {self.levers}>"


def run(
    scenario: Union[Scenario, PathLike],
    *,
    runs: Optional[int] = None,
    seed: Optional[int] = None,
    levers: Iterable[str] = (),
    threads: Optional[int] = None,
    baseline: str = "baseline",
    keep_runs: bool = True,
    until_ci: Optional[str] = None,
) -> Result:
    """Runs the levers of ``scenario`` in this process, as ``bilateral run``.

    ``runs``/``seed`` default to the scenario's ``[run]`` table; ``levers``
    are run besides the baseline (all levers when empty); ``threads``
    defaults to every core and does not change the numbers; ``baseline`` is
    the lever the others are compared with; ``keep_runs=False`` drops
    runs.csv (``--no-runs``); ``until_ci="METRIC=HALF_WIDTH"`` as
    ``--until-ci``. Bad arguments raise ValueError with the command's
    wording. The GIL is released while the engine runs; Ctrl-C stops it
    within a chunk of runs and raises KeyboardInterrupt.
    """
    if isinstance(levers, str):
        levers = [levers]
    native = _native.run(
        _scenario(scenario)._native,
        runs=runs,
        seed=seed,
        levers=list(levers),
        threads=threads,
        baseline=baseline,
        keep_runs=keep_runs,
        until_ci=until_ci,
    )
    return Result(native)


class _AnalysisResult:
    """The outcome of :func:`robust`, :func:`discover` or :func:`sensitivity`,
    in memory: one table and the manifest; nothing is written until
    :meth:`write`."""

    __slots__ = ("_native", "_frame")

    def __init__(self, native: "_native.AnalysisResult") -> None:
        self._native = native
        self._frame: Optional["pandas.DataFrame"] = None

    @property
    def table_name(self) -> str:
        """The table's file name (robust.csv, discovery.csv, sensitivity.csv)."""
        return self._native.table_name

    def csv(self) -> bytes:
        """The table's bytes exactly as :meth:`write` writes them."""
        return self._native.csv()

    def _table(self) -> "pandas.DataFrame":
        if self._frame is None:
            self._frame = _frame(self.csv())
        return self._frame

    @property
    def manifest(self) -> dict:
        """manifest.json as :meth:`write` writes it (with the table's SHA-256)."""
        return json.loads(self._native.manifest_json())

    @property
    def levers(self) -> list:
        """Levers run, in output order."""
        return self.manifest["levers"]

    @property
    def settings(self) -> list:
        """The command's settings as manifest.json records them
        (``analysis.settings``)."""
        return self.manifest["analysis"]["settings"]

    def write(self, dir: PathLike) -> None:
        """Writes the table and manifest.json into ``dir`` as the command's
        ``--out dir`` does (one transaction: both files or none; files of an
        earlier command in the folder are removed)."""
        self._native.write(os.fspath(dir))

    def __repr__(self) -> str:
        return f"<bilateral.{type(self).__name__} {self.table_name}, levers {self.levers}>"


class RobustResult(_AnalysisResult):
    """The outcome of :func:`robust`."""

    __slots__ = ()

    @property
    def robust(self) -> "pandas.DataFrame":
        """robust.csv: per lever, criterion and statistic, value and interval."""
        return self._table()


class DiscoverResult(_AnalysisResult):
    """The outcome of :func:`discover`."""

    __slots__ = ()

    @property
    def discovery(self) -> "pandas.DataFrame":
        """discovery.csv: PRIM's trade-off curve, one row per box and
        restricted parameter (``chosen`` is 1 on the chosen box's rows)."""
        return self._table()


class SensitivityResult(_AnalysisResult):
    """The outcome of :func:`sensitivity`."""

    __slots__ = ()

    @property
    def sensitivity(self) -> "pandas.DataFrame":
        """sensitivity.csv: per lever, metric, parameter and index, the
        estimate and its bootstrap interval."""
        return self._table()


def _texts(value: Union[str, Iterable[str]]) -> list:
    """A repeatable option: one text or several."""
    return [value] if isinstance(value, str) else list(value)


def robust(
    scenario: Union[Scenario, PathLike],
    *,
    objectives: Union[Mapping[str, str], Iterable[str]] = (),
    require: Union[str, Iterable[str]] = (),
    runs: Optional[int] = None,
    seed: Optional[int] = None,
    threads: Optional[int] = None,
    levers: Iterable[str] = (),
) -> RobustResult:
    """Ranks the levers of ``scenario`` over the same futures, in this
    process, as ``bilateral robust``.

    ``objectives`` are ``"METRIC=min|max"`` texts (``--objective``) or a dict
    ``{METRIC: "min" | "max"}``; ``require`` is a condition or a list of them
    that must all hold (``--require``); both replace the scenario's
    ``[robust]`` table, which is used when neither is given. ``runs``,
    ``seed``, ``threads`` and ``levers`` as for :func:`run`. Bad arguments
    raise ValueError with the command's wording; Ctrl-C raises
    KeyboardInterrupt.
    """
    if isinstance(objectives, Mapping):
        objectives = [f"{metric}={sense}" for metric, sense in objectives.items()]
    native = _native.robust(
        _scenario(scenario)._native,
        objectives=_texts(objectives),
        require=_texts(require),
        runs=runs,
        seed=seed,
        threads=threads,
        levers=_texts(levers),
    )
    return RobustResult(native)


def discover(
    scenario: Union[Scenario, PathLike],
    *,
    lever: str,
    when: str,
    peel_alpha: float = 0.05,
    paste_alpha: float = 0.05,
    mass_min: float = 0.05,
    min_coverage: float = 0.5,
    runs: Optional[int] = None,
    seed: Optional[int] = None,
    threads: Optional[int] = None,
) -> DiscoverResult:
    """Finds the futures (boxes of uncertain parameters) in which the
    condition ``when`` holds for ``lever``, by PRIM, in this process, as
    ``bilateral discover``.

    ``peel_alpha``, ``paste_alpha``, ``mass_min`` and ``min_coverage`` are
    the command's options of the same names (and defaults); ``runs``,
    ``seed`` and ``threads`` as for :func:`run`.
    """
    native = _native.discover(
        _scenario(scenario)._native,
        lever=lever,
        when=when,
        peel_alpha=peel_alpha,
        paste_alpha=paste_alpha,
        mass_min=mass_min,
        min_coverage=min_coverage,
        runs=runs,
        seed=seed,
        threads=threads,
    )
    return DiscoverResult(native)


def sensitivity(
    scenario: Union[Scenario, PathLike],
    *,
    method: str = "sobol",
    samples: Optional[int] = None,
    levels: int = 4,
    runs: Optional[int] = None,
    seed: Optional[int] = None,
    threads: Optional[int] = None,
    levers: Iterable[str] = (),
) -> SensitivityResult:
    """Which uncertain parameters drive each outcome, in this process, as
    ``bilateral sensitivity``.

    ``method`` is ``"sobol"`` (first-order and total indices; ``samples``
    base samples, default 1024, N (d + 3) runs per lever) or ``"morris"``
    (elementary effects; ``samples`` trajectories, default 100, on a grid of
    ``levels`` levels). ``runs`` means the same as ``samples``. ``seed``,
    ``threads`` and ``levers`` as for :func:`run`.
    """
    native = _native.sensitivity(
        _scenario(scenario)._native,
        method=method,
        samples=samples,
        levels=levels,
        runs=runs,
        seed=seed,
        threads=threads,
        levers=_texts(levers),
    )
    return SensitivityResult(native)


def trace(
    scenario: Union[Scenario, PathLike],
    run: int,
    *,
    lever: str = "baseline",
    seed: Optional[int] = None,
) -> "pandas.DataFrame":
    """The week-by-week story of run ``run`` of ``lever``, as ``bilateral
    trace`` prints it (one row per event, with the key state)."""
    return _frame(_native.trace(_scenario(scenario)._native, run, lever=lever, seed=seed))
