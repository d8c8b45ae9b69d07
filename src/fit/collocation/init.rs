//! The starting point of the fit and the quantities thresholds are measured in: the initial
//! state (smoothed data, parameter guesses, coefficients by linear least squares of the
//! smoothed derivatives on the basis), the finiteness check of the basis and right-hand sides
//! on the data, and the normalised coefficient magnitudes.
//!
//! Input: a [`Problem`]. Output: an initial [`State`], or a [`FitError::NonFinite`] naming the
//! term; magnitudes per coefficient slot.

use super::gn::eval;
use super::problem::{gradient, initial_z, Problem, State};
use crate::fit::banded::dense_solve;
use crate::fit::{FitError, FitInput};
use crate::jit::check_finite;

/// The initial state: smoothed learned trajectories (which also fixes the noise scales of
/// derivative columns), parameter guesses, and least-squares coefficients.
pub fn initial_state(p: &mut Problem, input: &FitInput) -> Result<State, FitError> {
    let mut z = Vec::with_capacity(p.trajs.len());
    for k in 0..p.trajs.len() {
        let (zk, sig) = initial_z(p, k);
        let tr = &mut p.trajs[k];
        for (w, c) in tr.w.iter_mut().zip((0..sig.len()).cycle()) {
            if *w > 0.0 {
                *w = 1.0 / sig[c];
            }
        }
        tr.sigma = sig;
        z.push(zk);
    }
    let mut theta: Vec<f64> = input.model.params.iter().map(|q| q.init).collect();
    theta.resize(p.np + p.ncoef, 0.0);
    let pt = vec![p.per_traj.iter().map(|&q| input.model.params[q].init).collect(); p.trajs.len()];
    let mut st = State { z, theta, pt, active: vec![true; p.ncoef] };
    check_terms(p, input, &st)?;
    least_squares_coefs(p, &mut st)?;
    Ok(st)
}

/// Evaluates the basis and the right-hand sides on the initial (smoothed) data and reports the
/// first non-finite value with the term (or equation) that produced it.
fn check_terms(p: &Problem, input: &FitInput, st: &State) -> Result<(), FitError> {
    for k in 0..p.trajs.len() {
        let x = p.rows(st, k);
        let n = p.trajs[k].t.len();
        let mut th = vec![0.0; n * p.terms.len()];
        p.basis.eval_par(n, &x, &st.theta, &mut th).map_err(|e| FitError::Data(format!("kernel call failed: {e}")))?;
        if let Err(nf) = check_finite(input.ir, &p.terms, &th) {
            return Err(FitError::NonFinite {
                term: nf.label,
                span: nf.span,
                value: nf.value,
                trajectory: k,
                time: p.trajs[k].t[nf.row],
            });
        }
        let ev = eval(p, st, k, false)?;
        if let Some(pos) = ev.f.iter().position(|v| !v.is_finite()) {
            let e = pos % p.neq;
            let eq = &input.ir.equations[e];
            let lhs = input.ir.names.var_name(crate::ir::Var::State { index: eq.state, order: eq.order });
            return Err(FitError::NonFinite {
                term: format!("right-hand side of {lhs}"),
                span: eq.span,
                value: ev.f[pos],
                trajectory: k,
                time: p.trajs[k].t[pos / p.neq],
            });
        }
    }
    Ok(())
}

/// Coefficients by linear least squares: for each equation, the finite-difference derivative
/// of its learned column minus the known part, regressed on the equation's terms (the
/// errors-in-variables bias of this estimate is what the joint fit then removes).
fn least_squares_coefs(p: &Problem, st: &mut State) -> Result<(), FitError> {
    for e in 0..p.neq {
        let slots: Vec<usize> = (0..p.ncoef).filter(|&s| p.slot_eq[s] == e).collect();
        let m = slots.len();
        if m == 0 {
            continue;
        }
        let (mut a, mut b) = (vec![0.0; m * m], vec![0.0; m]);
        for k in 0..p.trajs.len() {
            let ev = eval(p, st, k, true)?;
            let c = p.eq_col[e];
            let n = p.trajs[k].t.len();
            let col: Vec<f64> = (0..n).map(|i| st.z[k][i * p.nz + c]).collect();
            let d = gradient(&col, &p.trajs[k].t);
            let npar = p.layout.n_params;
            for (i, di) in d.iter().enumerate() {
                let row: Vec<f64> = slots.iter().map(|&s| ev.jp[(i * p.neq + e) * npar + p.np + s]).collect();
                let target = di - ev.f[i * p.neq + e];
                for (x, &rx) in row.iter().enumerate() {
                    b[x] += rx * target;
                    for (y, &ry) in row.iter().enumerate() {
                        a[x * m + y] += rx * ry;
                    }
                }
            }
        }
        // A tiny ridge (relative 1e-12) keeps collinear libraries solvable without biasing
        // well-posed ones beyond round-off.
        let tr = (0..m).map(|x| a[x * m + x]).fold(0.0f64, f64::max).max(f64::MIN_POSITIVE);
        (0..m).for_each(|x| a[x * m + x] += 1e-12 * tr);
        if let Some(c) = dense_solve(&a, &b, m) {
            for (&s, v) in slots.iter().zip(c) {
                st.theta[p.np + s] = v;
            }
        }
    }
    Ok(())
}

/// Normalised magnitude of every coefficient: `|c_s| · rms(term_s) / rms(f_e)` over all rows
/// of the learned trajectories, where `f_e` is the equation's whole right-hand side (the
/// derivative it models). Inactive slots get 0.
pub fn magnitudes(p: &Problem, st: &State) -> Result<Vec<f64>, FitError> {
    let npar = p.layout.n_params;
    let mut term_ss = vec![0.0; p.ncoef];
    let mut rhs_ss = vec![0.0; p.neq];
    let mut rows = 0usize;
    for k in 0..p.trajs.len() {
        let ev = eval(p, st, k, true)?;
        let n = p.trajs[k].t.len();
        rows += n;
        for i in 0..n {
            for (e, ss) in rhs_ss.iter_mut().enumerate() {
                *ss += ev.f[i * p.neq + e].powi(2);
            }
            for (s, ss) in term_ss.iter_mut().enumerate() {
                *ss += ev.jp[(i * p.neq + p.slot_eq[s]) * npar + p.np + s].powi(2);
            }
        }
    }
    Ok((0..p.ncoef)
        .map(|s| {
            if !st.active[s] {
                return 0.0;
            }
            let ts = (term_ss[s] / rows as f64).sqrt();
            let fs = (rhs_ss[p.slot_eq[s]] / rows as f64).sqrt().max(f64::MIN_POSITIVE);
            st.theta[p.np + s].abs() * ts / fs
        })
        .collect())
}
