//! Tests of the training engine: equation discovery and parameter fitting on simulated data
//! with known truth, the threshold settings, failures, determinism and the derivative code.

mod amortised;
mod banded;
mod behaviour;
mod bounded;
mod discovery;
mod ensemble;
mod fields;
mod mnn;
mod models;
mod settings;
mod sparse_series;

use mechc::check::hir;
use mechc::data::{add_noise, seeded, simulate, Dataset, SimOptions, Trajectory};
use mechc::fit::{fit, FitInput, Fitted};
use mechc::ir::{lower, ModelIr};

use crate::frontend::check_text;

/// Checks and lowers a model written in `.mech`.
pub fn model(text: &str) -> (hir::Model, ModelIr) {
    let (_, m, diags) = check_text("test.mech", text);
    let m = m.unwrap_or_else(|| panic!("model does not check: {diags:?}"));
    let ir = lower(&m).unwrap();
    (m, ir)
}

/// Simulates `rhs` from `x0` on `times` (tight tolerances: the simulation error must stay far
/// below the fit tolerances) as one trajectory of `states`, then adds `noise` % noise.
pub fn simulated(
    states: &[&str],
    rhs: impl Fn(f64, &[f64], &mut [f64]),
    x0: &[f64],
    times: &[f64],
    noise: f64,
    seed: u64,
) -> Trajectory {
    let opts = SimOptions { rtol: 1e-11, atol: 1e-11, ..SimOptions::default() };
    let mut f = |t: f64, x: &[f64], dx: &mut [f64]| rhs(t, x, dx);
    let sol = simulate(&mut f, x0, times, &opts).unwrap();
    let mut tr = Trajectory::from_rows("sim", times.to_vec(), states.len(), sol.values);
    if noise > 0.0 {
        add_noise(&mut tr, states.len(), noise, &mut seeded(seed)).unwrap();
    }
    tr
}

/// A dataset of the given trajectories over `states` (no inputs).
pub fn dataset(states: &[&str], trajectories: Vec<Trajectory>) -> Dataset {
    Dataset { states: states.iter().map(|s| s.to_string()).collect(), inputs: vec![], trajectories }
}

/// Runs the fit with seed 0, no cancel flag and no progress callback.
pub fn run(m: &hir::Model, ir: &ModelIr, data: &Dataset) -> Result<Fitted, mechc::fit::FitError> {
    fit(&FitInput { ir, model: m, data, seed: 0, cancel: None, progress: None })
}

/// A uniform grid `0, step, …, t1`.
pub fn grid(t1: f64, step: f64) -> Vec<f64> {
    let n = (t1 / step).round() as usize;
    (0..=n).map(|i| i as f64 * step).collect()
}

/// The slot of term `term` (by printed name) in the equation of `state`.
pub fn slot(ir: &ModelIr, state: &str, term: &str) -> usize {
    let s = ir.names.states.iter().position(|n| n == state).unwrap() as u32;
    ir.coefs
        .iter()
        .position(|c| ir.equations[c.equation].state == s && ir.terms[c.term].name == term)
        .unwrap_or_else(|| panic!("no slot for {term} in {state}'"))
}

/// The coefficient of term `term` (by printed name) in the equation of `state`, 0 if absent.
pub fn coef(ir: &ModelIr, f: &Fitted, state: &str, term: &str) -> f64 {
    let s = ir.names.states.iter().position(|n| n == state).unwrap() as u32;
    ir.coefs
        .iter()
        .enumerate()
        .find(|(_, c)| ir.equations[c.equation].state == s && ir.terms[c.term].name == term)
        .map(|(i, _)| f.coefficients[i])
        .unwrap_or(0.0)
}
