//! Hamiltonian models in the report: the fitted `H` as text, and the energy drift of a rollout
//! of the fitted equations over ten times the first trajectory's span.
//!
//! The drift is `max_t |H(t) − H(t0)|` over the rollout divided by the mean over the rollout
//! of `|known part| + Σ_k |c_k θ_k|`, the size of H's terms: H's additive constant is not
//! identifiable from the dynamics, so dividing by `|H(t0)|` would measure nothing.
//!
//! Input: the IR (with [`crate::ir::HamiltonianIr`]), the fit, the data. Output: text, numbers.

use super::equations::rhs_text;
use super::rollout::DiscoveredRhs;
use crate::data::{Dataset, Trajectory};
use crate::fit::Fitted;
use crate::ir::{ModelIr, NodeId, Var};
use crate::jit::{Interpreter, Layout};

/// How many times the training span the drift rollout runs.
pub const DRIFT_SPANS: f64 = 10.0;

/// The fitted Hamiltonian, `H = known ± c*term ...`, coefficients to `precision` digits.
pub fn hamiltonian_text(ir: &ModelIr, fitted: &Fitted, precision: usize) -> Option<String> {
    let h = ir.hamiltonian.as_ref()?;
    let known = (ir.arena.const_value(h.known) != Some(0.0)).then_some(h.known);
    let terms: Vec<(NodeId, f64)> = h
        .terms
        .iter()
        .filter_map(|(t, s)| {
            let s = (*s)?;
            let c = fitted.coefficients.get(s).copied().unwrap_or(0.0);
            (fitted.active.get(s).copied().unwrap_or(true) && c != 0.0).then_some((t.node, c))
        })
        .collect();
    Some(format!("{} = {}", h.name, rhs_text(ir, known, &terms, precision)))
}

/// The energy drift of the fitted model's rollout from the first trajectory's (denoised)
/// initial state over [`DRIFT_SPANS`] times its span: (drift, end time). `None` without a
/// Hamiltonian or when the rollout fails.
pub fn energy_drift(ir: &ModelIr, data: &Dataset, fitted: &Fitted) -> Option<(f64, f64)> {
    let h = ir.hamiltonian.as_ref()?;
    let tr = data.trajectories.first().filter(|t| t.len() >= 2)?;
    let n = data.states.len();
    let rhs = DiscoveredRhs::new(ir, &fitted.params, &fitted.coefficients).ok()?;
    let y0 = rhs.start(fitted.denoised.first().filter(|d| d.len() == tr.len()), tr, n);
    let (t0, t1) = (tr.times[0], tr.times[tr.len() - 1]);
    let rows = (tr.len() - 1) * DRIFT_SPANS as usize + 1;
    let dt = (t1 - t0) / (tr.len() - 1) as f64;
    let times: Vec<f64> = (0..rows).map(|i| t0 + i as f64 * dt).collect();
    let grid = Trajectory::from_rows("drift", times.clone(), n, vec![0.0; rows * n]);
    let states = rhs.rollout(&grid, n, Some(&y0)).ok()?;
    // Outputs: the known part, then every term with a slot.
    let mut outputs = vec![h.known];
    let mut coefs = Vec::new();
    for (t, s) in &h.terms {
        if let Some(s) = s {
            outputs.push(t.node);
            coefs.push(if fitted.active.get(*s).copied().unwrap_or(true) { fitted.coefficients[*s] } else { 0.0 });
        }
    }
    let all: Vec<f64> = fitted.params.iter().chain(&fitted.coefficients).copied().collect();
    let layout = Layout::new((0..n as u32).map(|i| Var::State { index: i, order: 0 }).collect(), all.len());
    let interp = Interpreter::new(&ir.arena, &outputs, &layout).ok()?;
    let mut vals = vec![0.0; rows * outputs.len()];
    interp.eval(rows, &states, &all, &mut vals).ok()?;
    let m = outputs.len();
    let (mut h0, mut worst, mut scale) = (f64::NAN, 0.0f64, 0.0);
    for r in 0..rows {
        let row = &vals[r * m..(r + 1) * m];
        let parts = std::iter::once(row[0]).chain(row[1..].iter().zip(&coefs).map(|(v, c)| v * c));
        let (hv, size) = parts.fold((0.0, 0.0), |(h, s), x| (h + x, s + x.abs()));
        if r == 0 {
            h0 = hv;
        }
        worst = worst.max((hv - h0).abs());
        scale += size / rows as f64;
    }
    let drift = worst / scale;
    drift.is_finite().then_some((drift, times[rows - 1]))
}
