//! The Python module `bilateral._native` (cargo feature `python`), wrapped
//! by the package in `python/bilateral/`.
//!
//! Every function here calls the library functions the command-line
//! front end calls ([`commands::run`], [`commands::robust`],
//! [`commands::discover`], [`commands::sensitivity`], [`commands::trace`],
//! [`Scenario::load_with_source`], [`commands::main`]); nothing is computed
//! twice. Tables cross into Python as the bytes of the CLI's CSV files, so
//! a DataFrame holds exactly the numbers the command writes.
//!
//! No error or panic crosses the boundary unconverted: scenario problems
//! become `ScenarioError` (a `ValueError` carrying file, line, column, key
//! and suggestion), usage errors `ValueError` with the CLI's wording, file
//! errors `OSError`, a panic of the engine `RuntimeError`. The engine runs
//! with the GIL released, on a thread of its own, while the calling thread
//! checks for signals every 50 ms: Ctrl-C sets the engine's interrupt flag
//! (as the CLI's handler does), the engine stops after its current chunk,
//! and the call raises `KeyboardInterrupt`.

use std::ffi::OsString;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use pyo3::create_exception;
use pyo3::exceptions::{PyOSError, PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};

use crate::cli::{self, DiscoverArgs, RobustArgs, RunArgs, SensitivityArgs};
use crate::commands::discover::DiscoverConfig;
use crate::commands::robust::{Analysis, RobustConfig};
use crate::commands::sensitivity::SensitivityConfig;
use crate::commands::{self, UsageError, run::RunConfig};
use crate::engine::{self, EngineError, Results};
use crate::output::OutputError;
use crate::output::export::{self, Source};
use crate::output::folder::{Aborted, Contents, FolderError, Transaction};
use crate::output::manifest::Manifest;
use crate::scenario::{Scenario, ScenarioError};

create_exception!(
    _native,
    PyScenarioError,
    PyValueError,
    "A scenario file (or values given to `Scenario.with_values`) has problems. \
     `str(e)` is the message of `bilateral validate`; `e.problems` lists every \
     problem as a dict (line, column, key, message, suggestion); `e.file`, \
     `e.line`, `e.column`, `e.key`, `e.suggestion` are those of the first."
);

/// The Python exception for a scenario error, its attributes set.
fn scenario_error(py: Python<'_>, e: &ScenarioError) -> PyErr {
    let err = PyScenarioError::new_err(e.to_string().trim_end().to_string());
    let set = || -> PyResult<()> {
        let value = err.value(py);
        let problems = PyList::empty(py);
        for p in &e.problems {
            let d = PyDict::new(py);
            d.set_item("line", p.line)?;
            d.set_item("column", p.column)?;
            d.set_item("key", p.key.as_deref())?;
            d.set_item("message", &p.message)?;
            d.set_item("suggestion", p.help.as_deref())?;
            problems.append(d)?;
        }
        let first = e.problems.first();
        value.setattr("file", e.path.display().to_string())?;
        value.setattr("problems", problems)?;
        value.setattr("line", first.and_then(|p| p.line))?;
        value.setattr("column", first.and_then(|p| p.column))?;
        value.setattr("key", first.and_then(|p| p.key.as_deref()))?;
        value.setattr("message", first.map(|p| p.message.as_str()))?;
        value.setattr("suggestion", first.and_then(|p| p.help.as_deref()))?;
        Ok(())
    };
    match set() {
        Ok(()) => err,
        Err(other) => other,
    }
}

/// Converts a library error into the Python exception that fits it.
fn to_py(py: Python<'_>, e: &anyhow::Error) -> PyErr {
    if let Some(s) = e.downcast_ref::<ScenarioError>() {
        return scenario_error(py, s);
    }
    let message = format!("{e:#}");
    if e.downcast_ref::<UsageError>().is_some() {
        return PyValueError::new_err(message);
    }
    if let Some(EngineError::Interrupted) = e.downcast_ref::<EngineError>() {
        return pyo3::exceptions::PyKeyboardInterrupt::new_err(message);
    }
    if e.downcast_ref::<OutputError>().is_some()
        || e.downcast_ref::<Aborted>().is_some()
        || e.downcast_ref::<FolderError>().is_some()
        || e.downcast_ref::<std::io::Error>().is_some()
        || matches!(
            e.downcast_ref::<EngineError>(),
            Some(EngineError::Output(_))
        )
    {
        return PyOSError::new_err(message);
    }
    PyRuntimeError::new_err(message)
}

/// The message of a panic's payload.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}

/// Runs `work` with the GIL released on a thread of its own; meanwhile the
/// calling thread checks for signals. A signal handler that raises (Ctrl-C:
/// `KeyboardInterrupt`) sets the engine's interrupt flag; the work stops
/// after its current chunk and the handler's exception is returned. A panic
/// of `work` becomes `RuntimeError`.
fn interruptible<T: Send>(
    py: Python<'_>,
    work: impl FnOnce() -> anyhow::Result<T> + Send,
) -> PyResult<T> {
    let mut raised: Option<PyErr> = None;
    let outcome = py.detach(|| {
        std::thread::scope(|scope| {
            // The worker says when it is done (or, panicking, drops the
            // sender): a short run returns at once, not at the next check.
            let (done, finished) = mpsc::channel::<()>();
            let handle = scope.spawn(move || {
                let outcome = work();
                let _ = done.send(());
                outcome
            });
            while let Err(RecvTimeoutError::Timeout) =
                finished.recv_timeout(Duration::from_millis(50))
            {
                if raised.is_none()
                    && let Err(e) = Python::attach(|py| py.check_signals())
                {
                    engine::INTERRUPTED.store(true, Ordering::SeqCst);
                    raised = Some(e);
                }
            }
            handle.join()
        })
    });
    if let Some(e) = raised {
        // The flag is the engine's for the whole process: clear it for the
        // next run. The result, if the work finished anyway, is dropped.
        engine::INTERRUPTED.store(false, Ordering::SeqCst);
        return Err(e);
    }
    match outcome {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => Err(to_py(py, &e)),
        Err(payload) => Err(PyRuntimeError::new_err(format!(
            "bilateral panicked (a bug; please report it): {}",
            panic_message(&*payload)
        ))),
    }
}

/// A loaded, validated scenario and the text it was read from.
#[pyclass(frozen, name = "Scenario", module = "bilateral._native")]
struct PyScenario {
    scenario: Scenario,
    source: Vec<u8>,
}

#[pymethods]
impl PyScenario {
    /// Reads and validates a scenario file (raises `ScenarioError`).
    #[staticmethod]
    fn load(py: Python<'_>, path: PathBuf) -> PyResult<PyScenario> {
        let (scenario, source) =
            Scenario::load_with_source(&path).map_err(|e| scenario_error(py, &e))?;
        Ok(PyScenario { scenario, source })
    }

    /// The scenario with parameters set as if its file said so:
    /// `{"us.hawkishness": 3.0, "mx.retaliation_bias": {"dist": "uniform",
    /// "low": 0, "high": 2}}`. Checked like the file (raises
    /// `ScenarioError`); levers that set a parameter keep their value.
    fn with_values(&self, py: Python<'_>, values: &Bound<'_, PyDict>) -> PyResult<PyScenario> {
        let mut pairs = Vec::with_capacity(values.len());
        for (key, value) in values.iter() {
            let key: String = key
                .extract()
                .map_err(|_| PyTypeError::new_err("parameter paths must be strings"))?;
            let value = toml_value(&value)
                .map_err(|e| PyTypeError::new_err(format!("value of `{key}`: {}", e.value(py))))?;
            pairs.push((key, value));
        }
        let (source, scenario) = self
            .scenario
            .with_values(&self.source, &pairs)
            .map_err(|e| scenario_error(py, &e))?;
        Ok(PyScenario { scenario, source })
    }

    /// Scenario name.
    #[getter]
    fn name(&self) -> &str {
        &self.scenario.name
    }

    /// Free text of the scenario.
    #[getter]
    fn description(&self) -> &str {
        &self.scenario.description
    }

    /// The file it was read from.
    #[getter]
    fn path(&self) -> String {
        self.scenario.path.display().to_string()
    }

    /// The two actor ids.
    #[getter]
    fn ids(&self) -> (String, String) {
        let [a, b] = &self.scenario.ids;
        (a.clone(), b.clone())
    }

    /// Lever names, `baseline` first.
    #[getter]
    fn levers(&self) -> Vec<String> {
        self.scenario
            .levers
            .iter()
            .map(|l| l.name.clone())
            .collect()
    }

    /// Lever descriptions by name.
    #[getter]
    fn lever_descriptions(&self) -> Vec<(String, String)> {
        self.scenario
            .levers
            .iter()
            .map(|l| (l.name.clone(), l.description.clone()))
            .collect()
    }

    /// Runs per lever (`[run] runs`).
    #[getter]
    fn runs(&self) -> u64 {
        self.scenario.runs
    }

    /// Master seed (`[run] seed`).
    #[getter]
    fn seed(&self) -> u64 {
        self.scenario.seed
    }

    /// Start date, YYYY-MM-DD.
    #[getter]
    fn start_date(&self) -> String {
        self.scenario.start().format("%Y-%m-%d").to_string()
    }

    /// Months reported.
    #[getter]
    fn horizon_months(&self) -> u32 {
        self.scenario.horizon_months
    }

    /// SHA-256 of the scenario text (as recorded in manifest.json).
    #[getter]
    fn sha256(&self) -> &str {
        &self.scenario.sha256
    }

    /// The scenario's TOML text (with the values set by `with_values`).
    #[getter]
    fn toml(&self) -> String {
        String::from_utf8_lossy(&self.source).into_owned()
    }
}

/// A Python value as a TOML value: numbers, strings, booleans, dicts
/// (inline tables) and lists.
fn toml_value(v: &Bound<'_, PyAny>) -> PyResult<toml_edit::Value> {
    if v.is_instance_of::<PyBool>() {
        return Ok(v.extract::<bool>()?.into());
    }
    if v.is_instance_of::<PyInt>() {
        return Ok(v.extract::<i64>()?.into());
    }
    if v.is_instance_of::<PyFloat>() {
        return Ok(v.extract::<f64>()?.into());
    }
    if v.is_instance_of::<PyString>() {
        return Ok(v.extract::<String>()?.into());
    }
    if let Ok(d) = v.cast::<PyDict>() {
        let mut table = toml_edit::InlineTable::new();
        for (key, value) in d.iter() {
            let key: String = key.extract()?;
            table.insert(&key, toml_value(&value)?);
        }
        return Ok(toml_edit::Value::InlineTable(table));
    }
    if v.is_instance_of::<PyList>() || v.is_instance_of::<PyTuple>() {
        let mut array = toml_edit::Array::new();
        for item in v.try_iter()? {
            array.push(toml_value(&item?)?);
        }
        return Ok(toml_edit::Value::Array(array));
    }
    // numpy scalars and other numbers.
    if let Ok(x) = v.extract::<f64>() {
        return Ok(x.into());
    }
    Err(PyTypeError::new_err(format!(
        "cannot use a {} as a scenario value",
        v.get_type().name()?
    )))
}

/// The statistics of a run, in memory: nothing is written until `write`.
#[pyclass(frozen, name = "RunResult", module = "bilateral._native")]
struct PyRunResult {
    scenario: Scenario,
    results: Results,
    manifest: Manifest,
    runs_csv: Option<Vec<u8>>,
}

impl PyRunResult {
    /// manifest.json's `files`: what `write` writes without extras.
    fn manifest_with_files(&self, files: &[&'static export::OutputFile]) -> Manifest {
        let tables = commands::run::run_tables(&self.scenario, &self.results);
        let mut manifest = self.manifest.clone();
        manifest.files = export::written(files, Some(&tables), |name| {
            name == export::RUNS.name && self.runs_csv.is_some()
        })
        .iter()
        .map(|f| f.name.to_string())
        .collect();
        manifest
    }
}

#[pymethods]
impl PyRunResult {
    /// The bytes of one of the run's CSV tables (`summary.csv`,
    /// `timeseries.csv`, `compare.csv`, `decision.csv`, `runs.csv`) exactly
    /// as `write` writes it; `None` for a table the run has none of
    /// (compare.csv and decision.csv with one lever, runs.csv with
    /// `keep_runs=False`).
    fn csv<'py>(&self, py: Python<'py>, name: &str) -> PyResult<Option<Bound<'py, PyBytes>>> {
        if name == export::RUNS.name {
            return Ok(self.runs_csv.as_deref().map(|b| PyBytes::new(py, b)));
        }
        let file = export::by_name(name)
            .filter(|f| f.sheet.is_some())
            .ok_or_else(|| {
                PyValueError::new_err(format!(
                    "`{name}` is not a table of a run; tables: summary.csv, timeseries.csv, compare.csv, decision.csv, runs.csv"
                ))
            })?;
        let Some(exporter) = file.exporter else {
            return Ok(None);
        };
        let tables = commands::run::run_tables(&self.scenario, &self.results);
        if !exporter.applies(Some(&tables)) {
            return Ok(None);
        }
        let contents = Contents::default();
        let bytes = exporter
            .serialize(&Source {
                tables: Some(tables),
                files: &contents,
                manifest: &self.manifest,
            })
            .map_err(|e| PyRuntimeError::new_err(e.to_string()))?;
        Ok(Some(PyBytes::new(py, &bytes)))
    }

    /// manifest.json as `write` (without extras) writes it.
    fn manifest_json(&self) -> PyResult<String> {
        manifest_json(&self.manifest_with_files(&commands::run::files(false, false)))
    }

    /// Writes the files of `bilateral run` into the folder `dir` (created
    /// if missing) as one transaction, as `bilateral run --out dir` does;
    /// `xlsx` and `report` add results.xlsx and report.html.
    #[pyo3(signature = (dir, *, xlsx = false, report = false))]
    fn write(&self, py: Python<'_>, dir: PathBuf, xlsx: bool, report: bool) -> PyResult<()> {
        let outcome = py.detach(|| -> anyhow::Result<()> {
            let mut folder = Transaction::folder(&dir)?;
            if let Some(bytes) = &self.runs_csv {
                let mut file = folder.stream(export::RUNS.name)?;
                file.write_all(bytes)
                    .map_err(|e| OutputError::at(&dir.join(export::RUNS.name), e))?;
                folder.add_streamed(file, true)?;
            }
            commands::run::export_run(
                &mut folder,
                &commands::run::files(xlsx, report),
                &self.scenario,
                &self.results,
                self.manifest.clone(),
            )?;
            folder.commit()?;
            Ok(())
        });
        outcome.map_err(|e| to_py(py, &e))
    }

    /// Runs per lever.
    #[getter]
    fn runs(&self) -> u64 {
        self.results.runs
    }

    /// Levers run, in output order.
    #[getter]
    fn levers(&self) -> Vec<String> {
        self.results.levers.iter().map(|l| l.name.clone()).collect()
    }

    /// Whether `until_ci` stopped the run before `runs`.
    #[getter]
    fn stopped_early(&self) -> bool {
        self.results.stopped_early
    }
}

/// Runs the levers of `scenario`, in memory, with the checks of
/// `bilateral run` (raises `ValueError` with its wording).
#[pyfunction]
#[pyo3(signature = (
    scenario, *, runs = None, seed = None, levers = Vec::new(), threads = None,
    baseline = "baseline".to_string(), keep_runs = true, until_ci = None
))]
#[allow(clippy::too_many_arguments)]
fn run(
    py: Python<'_>,
    scenario: &PyScenario,
    runs: Option<u64>,
    seed: Option<u64>,
    levers: Vec<String>,
    threads: Option<usize>,
    baseline: String,
    keep_runs: bool,
    until_ci: Option<String>,
) -> PyResult<PyRunResult> {
    let args = RunArgs {
        scenario: scenario.scenario.path.clone(),
        engine: cli::EngineArgs {
            runs,
            seed,
            threads,
            out: None,
            quiet: true,
        },
        levers: cli::LeverArgs { levers },
        baseline,
        no_runs: !keep_runs,
        until_ci,
        shard: None,
        max_memory: commands::DEFAULT_MAX_MEMORY_GIB,
        xlsx: false,
        report: false,
    };
    let config =
        RunConfig::for_scenario(scenario.scenario.clone(), &args).map_err(|e| to_py(py, &e))?;
    let (results, manifest, runs_csv) = interruptible(py, || {
        let plan = commands::run::plan(&config)?;
        let started = chrono::Utc::now();
        let clock = Instant::now();
        let (results, runs_csv) = commands::run::simulate_into(
            &config,
            &plan,
            config.write_runs.then(Vec::new),
            Path::new(export::RUNS.name),
            |_| {},
        )?;
        let manifest =
            commands::run::manifest(&config, &results, started, clock.elapsed().as_secs_f64());
        Ok((results, manifest, runs_csv))
    })?;
    Ok(PyRunResult {
        scenario: config.scenario,
        results,
        manifest,
        runs_csv,
    })
}

/// The outcome of `robust`, `discover` or `sensitivity`, in memory: its
/// table and manifest; nothing is written until `write`.
#[pyclass(frozen, name = "AnalysisResult", module = "bilateral._native")]
struct PyAnalysisResult {
    analysis: Analysis,
}

#[pymethods]
impl PyAnalysisResult {
    /// The table's file name (`robust.csv`, `discovery.csv`,
    /// `sensitivity.csv`).
    #[getter]
    fn table_name(&self) -> &'static str {
        self.analysis.file.name
    }

    /// The table's bytes exactly as `write` writes them.
    fn csv<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.analysis.table)
    }

    /// manifest.json as `write` writes it (with the table's SHA-256).
    fn manifest_json(&self) -> PyResult<String> {
        manifest_json(&self.analysis.written_manifest())
    }

    /// Writes the table and manifest.json into the folder `dir` (created
    /// if missing) as one transaction, as the command's `--out dir` does.
    fn write(&self, py: Python<'_>, dir: PathBuf) -> PyResult<()> {
        py.detach(|| self.analysis.write(&dir))
            .map_err(|e| to_py(py, &e))
    }
}

/// manifest.json's bytes for `manifest`, as text.
fn manifest_json(manifest: &Manifest) -> PyResult<String> {
    let contents = Contents::default();
    let exporter = export::MANIFEST
        .exporter
        .ok_or_else(|| PyRuntimeError::new_err("manifest.json has no exporter"))?;
    let bytes = exporter
        .serialize(&Source {
            tables: None,
            files: &contents,
            manifest,
        })
        .map_err(|e| PyRuntimeError::new_err(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| PyRuntimeError::new_err(e.to_string()))
}

/// The options every simulating command shares, as the CLI's with
/// `--quiet` and no `--out`.
fn engine_args(runs: Option<u64>, seed: Option<u64>, threads: Option<usize>) -> cli::EngineArgs {
    cli::EngineArgs {
        runs,
        seed,
        threads,
        out: None,
        quiet: true,
    }
}

/// Ranks the levers of `scenario` as `bilateral robust` does, in memory,
/// with its checks (raises `ValueError` with its wording).
#[pyfunction]
#[pyo3(signature = (scenario, *, objectives, require, runs, seed, threads, levers))]
#[allow(clippy::too_many_arguments)]
fn robust(
    py: Python<'_>,
    scenario: &PyScenario,
    objectives: Vec<String>,
    require: Vec<String>,
    runs: Option<u64>,
    seed: Option<u64>,
    threads: Option<usize>,
    levers: Vec<String>,
) -> PyResult<PyAnalysisResult> {
    let args = RobustArgs {
        scenario: scenario.scenario.path.clone(),
        objectives,
        require,
        engine: engine_args(runs, seed, threads),
        levers: cli::LeverArgs { levers },
    };
    let config = RobustConfig::for_scenario(scenario.scenario.clone(), &scenario.source, &args)
        .map_err(|e| to_py(py, &e))?;
    let outcome = interruptible(py, || commands::robust::compute(&config))?;
    Ok(PyAnalysisResult {
        analysis: outcome.analysis,
    })
}

/// Finds the boxes of futures in which `when` holds for `lever`, as
/// `bilateral discover` does, in memory, with its checks.
#[pyfunction]
#[pyo3(signature = (
    scenario, *, lever, when, peel_alpha, paste_alpha, mass_min, min_coverage, runs, seed,
    threads
))]
#[allow(clippy::too_many_arguments)]
fn discover(
    py: Python<'_>,
    scenario: &PyScenario,
    lever: String,
    when: String,
    peel_alpha: f64,
    paste_alpha: f64,
    mass_min: f64,
    min_coverage: f64,
    runs: Option<u64>,
    seed: Option<u64>,
    threads: Option<usize>,
) -> PyResult<PyAnalysisResult> {
    let args = DiscoverArgs {
        scenario: scenario.scenario.path.clone(),
        lever,
        when,
        peel_alpha,
        paste_alpha,
        mass_min,
        min_coverage,
        engine: engine_args(runs, seed, threads),
    };
    let config = DiscoverConfig::for_scenario(scenario.scenario.clone(), &args)
        .map_err(|e| to_py(py, &e))?;
    let outcome = interruptible(py, || commands::discover::compute(&config))?;
    Ok(PyAnalysisResult {
        analysis: outcome.analysis,
    })
}

/// Sobol indices or Morris effects of every uncertain parameter, as
/// `bilateral sensitivity` computes them, in memory, with its checks.
#[pyfunction]
#[pyo3(signature = (scenario, *, method, samples, levels, runs, seed, threads, levers))]
#[allow(clippy::too_many_arguments)]
fn sensitivity(
    py: Python<'_>,
    scenario: &PyScenario,
    method: String,
    samples: Option<u64>,
    levels: u32,
    runs: Option<u64>,
    seed: Option<u64>,
    threads: Option<usize>,
    levers: Vec<String>,
) -> PyResult<PyAnalysisResult> {
    check_with_clap(&["sensitivity", "-", &format!("--method={method}")])?;
    let args = SensitivityArgs {
        scenario: scenario.scenario.path.clone(),
        method,
        samples,
        levels,
        engine: engine_args(runs, seed, threads),
        levers: cli::LeverArgs { levers },
    };
    let config = SensitivityConfig::for_scenario(scenario.scenario.clone(), &args)
        .map_err(|e| to_py(py, &e))?;
    let outcome = interruptible(py, || commands::sensitivity::compute(&config))?;
    Ok(PyAnalysisResult {
        analysis: outcome.analysis,
    })
}

/// Parses `bilateral ARGS` with the CLI's parser: an option it refuses
/// (`--method fast`) becomes `ValueError` with the message the command
/// prints, without its `error: ` and closing help line.
fn check_with_clap(args: &[&str]) -> PyResult<()> {
    use clap::Parser as _;
    match cli::Cli::try_parse_from(std::iter::once("bilateral").chain(args.iter().copied())) {
        Ok(_) => Ok(()),
        Err(e) => {
            let text = e.render().to_string();
            let text = text.strip_prefix("error: ").unwrap_or(&text);
            let text = text
                .split_once("\n\nFor more information")
                .map_or(text, |(head, _)| head);
            Err(PyValueError::new_err(text.trim_end().to_string()))
        }
    }
}

/// The CSV bytes of `bilateral trace`: the week-by-week story of run `run`
/// of `lever`.
#[pyfunction]
#[pyo3(signature = (scenario, run, *, lever = "baseline", seed = None))]
fn trace<'py>(
    py: Python<'py>,
    scenario: &PyScenario,
    run: u64,
    lever: &str,
    seed: Option<u64>,
) -> PyResult<Bound<'py, PyBytes>> {
    let s = &scenario.scenario;
    let mut out = Vec::new();
    commands::trace::write(s, lever, seed.unwrap_or(s.seed), run, &mut out)
        .map_err(|e| to_py(py, &e))?;
    Ok(PyBytes::new(py, &out))
}

/// The `bilateral` command with `argv` (program name first): the code the
/// cargo-built binary runs, its exit code returned. Installs the CLI's
/// Ctrl-C handler for the rest of the process, so it is the entry point of
/// the `bilateral` script, not a function for a notebook.
#[pyfunction]
fn main(py: Python<'_>, argv: Vec<OsString>) -> u8 {
    py.detach(|| {
        let code = std::panic::catch_unwind(|| commands::main(argv)).unwrap_or(101);
        // No Rust runtime flushes stdout at the end of a Python process.
        let _ = std::io::stdout().flush();
        code
    })
}

/// The module.
#[pymodule]
#[pyo3(name = "_native")]
fn native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("ScenarioError", m.py().get_type::<PyScenarioError>())?;
    m.add_class::<PyScenario>()?;
    m.add_class::<PyRunResult>()?;
    m.add_class::<PyAnalysisResult>()?;
    m.add_function(wrap_pyfunction!(run, m)?)?;
    m.add_function(wrap_pyfunction!(robust, m)?)?;
    m.add_function(wrap_pyfunction!(discover, m)?)?;
    m.add_function(wrap_pyfunction!(sensitivity, m)?)?;
    m.add_function(wrap_pyfunction!(trace, m)?)?;
    m.add_function(wrap_pyfunction!(main, m)?)?;
    Ok(())
}
