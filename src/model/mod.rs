//! The agent model of two governments: parameters, state, the action
//! vocabulary, the weekly logit choice and the dynamics.
//!
//! The model knows nothing of files, threads or CSV: it turns a
//! [`params::ModelParams`] and two random streams into a run.

pub mod action;
pub mod batch;
pub mod choice;
pub mod dynamics;
pub mod exp;
pub mod lanes;
pub mod moves;
pub mod outcome;
pub mod params;
pub mod rules;
pub mod state;
pub mod step;
pub mod ziggurat;

pub use action::Action;
pub use choice::choice_probabilities;
pub use params::ModelParams;
pub use state::{Pair, State, other};
pub use step::{DynamicsRngs, Event, NoObserver, Observer, RunTotals, simulate};
