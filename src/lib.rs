//! bilateral: a Monte Carlo policy scenario simulator for two governments.
//!
//! Data flows one way: a scenario file ([`scenario`]) is resolved into model
//! parameters ([`model`]), the [`engine`] runs them in parallel from one
//! master seed, [`stats`] accumulates the outcomes, and [`output`] writes the
//! CSV files. [`cli`] and [`commands`] are the command-line front end; with
//! the cargo feature `python`, `python` is the Python module built on them.

pub mod analysis;
pub mod calendar;
pub mod cli;
pub mod commands;
pub mod docs;
pub mod engine;
pub mod model;
pub mod output;
#[cfg(feature = "python")]
mod python;
pub mod regularities;
pub mod scenario;
pub mod score;
pub mod stats;
