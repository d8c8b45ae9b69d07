//! The starting point of the fit and the quantities thresholds are measured in: the initial
//! state (smoothed data on the grid, parameter guesses, coefficients by linear least squares of
//! the collocation rows at the smoothed trajectory), the finiteness check of the basis and
//! right-hand sides on the data, and the normalised coefficient magnitudes.
//!
//! Input: a [`Problem`]. Output: an initial [`State`], or a [`FitError::NonFinite`] naming the
//! term; magnitudes per coefficient slot.

use super::eval::eval;
use super::gn::fixed_z_quadratic;
use super::problem::{Problem, State, Unknown};
use crate::fit::banded::dense_solve;
use crate::fit::{FitError, FitInput};
use crate::jit::check_finite;

/// The initial state: smoothed learned trajectories, parameter guesses, and least-squares
/// coefficients.
pub fn initial_state(p: &Problem, input: &FitInput) -> Result<State, FitError> {
    let z = p.trajs.iter().map(|t| t.z0.clone()).collect();
    let mut theta: Vec<f64> = input.model.params.iter().map(|q| q.init).collect();
    theta.resize(p.np + p.ncoef + p.nw, 0.0);
    let pt = vec![p.per_traj.iter().map(|&q| input.model.params[q].init).collect(); p.trajs.len()];
    let mut st = State { z, theta, pt, active: vec![true; p.ncoef] };
    super::neural::start_weights(p, input, &mut st)?;
    check_terms(p, input, &st)?;
    least_squares_coefs(p, &mut st)?;
    Ok(st)
}

/// Evaluates the basis and the right-hand sides on the initial (smoothed) data and reports the
/// first non-finite value with the term (or equation) that produced it.
fn check_terms(p: &Problem, input: &FitInput, st: &State) -> Result<(), FitError> {
    for k in 0..p.trajs.len() {
        let ev = eval(p, st, k, true)?;
        let t = &p.trajs[k].grid.t;
        if let Err(nf) = check_finite(input.ir, &p.terms, &ev.th) {
            return Err(FitError::NonFinite {
                term: nf.label,
                span: nf.span,
                value: nf.value,
                trajectory: k,
                time: t[nf.row],
            });
        }
        if let Some(pos) = ev.f.iter().position(|v| !v.is_finite()) {
            let e = pos % p.neq;
            let eq = &input.ir.equations[e];
            let lhs = input.ir.names.var_name(crate::ir::Var::State { index: eq.state, order: eq.order });
            return Err(FitError::NonFinite {
                term: format!("right-hand side of {lhs}"),
                span: eq.span,
                value: ev.f[pos],
                trajectory: k,
                time: t[pos / p.neq],
            });
        }
    }
    Ok(())
}

/// Coefficients, and the last layer of every neural term (the right-hand side is linear in it
/// given the layers before), by linear least squares of the collocation rows with the learned
/// trajectory held at its smoothed start (the errors-in-variables bias of this estimate is what
/// the joint fit then removes).
fn least_squares_coefs(p: &Problem, st: &mut State) -> Result<(), FitError> {
    let mut unknowns: Vec<Unknown> = (0..p.ncoef).map(Unknown::Coef).collect();
    unknowns.extend(super::neural::last_layers(p));
    if unknowns.is_empty() {
        return Ok(());
    }
    let (mut a, g) = fixed_z_quadratic(p, st, &unknowns)?;
    let m = unknowns.len();
    // A tiny ridge (relative 1e-12) keeps collinear libraries solvable without biasing
    // well-posed ones beyond round-off.
    let tr = (0..m).map(|x| a[x * m + x]).fold(0.0f64, f64::max).max(f64::MIN_POSITIVE);
    (0..m).for_each(|x| a[x * m + x] += 1e-12 * tr);
    let rhs: Vec<f64> = g.iter().map(|v| -v).collect();
    if let Some(d) = dense_solve(&a, &rhs, m) {
        p.apply(st, &unknowns, &d);
    }
    Ok(())
}

/// Normalised magnitude of every coefficient: `|c_s| · rms(term_s) / rms(f_e)` over the learned
/// trajectories at the data times, where `f_e` is the equation's whole right-hand side (the
/// derivative it models). Inactive slots get 0.
pub fn magnitudes(p: &Problem, st: &State) -> Result<Vec<f64>, FitError> {
    let nt = p.terms.len();
    let mut term_ss = vec![0.0; nt];
    let mut rhs_ss = vec![0.0; p.neq];
    let mut rows = 0usize;
    for k in 0..p.trajs.len() {
        let ev = eval(p, st, k, true)?;
        let tr = &p.trajs[k];
        rows += tr.t.len();
        for i in (0..tr.t.len()).map(|i| tr.point(i)) {
            for (e, ss) in rhs_ss.iter_mut().enumerate() {
                *ss += ev.f[i * p.neq + e].powi(2);
            }
            for (t, ss) in term_ss.iter_mut().enumerate() {
                *ss += ev.th[i * nt + t].powi(2);
            }
        }
    }
    Ok((0..p.ncoef)
        .map(|s| {
            if !st.active[s] {
                return 0.0;
            }
            let ts = (term_ss[p.slot_term[s]] / rows as f64).sqrt();
            let fs = (rhs_ss[p.slot_eq[s]] / rows as f64).sqrt().max(f64::MIN_POSITIVE);
            st.theta[p.np + s].abs() * ts / fs
        })
        .collect())
}
