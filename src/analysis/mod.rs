//! Analyses of many runs: robustness of levers (`regret`), scenario
//! discovery (`prim`), global sensitivity (`sobol`, `morris`), and the
//! local search of calibration (`nelder_mead`).
//!
//! Pure functions and accumulators over per-run records, independent of the
//! engine and of the output files, so each can be checked on synthetic data
//! against independent computations. docs/ANALYSIS.md describes the methods.

pub mod condition;
pub mod morris;
pub mod nelder_mead;
pub mod prim;
pub mod regret;
pub mod sobol;
