//! Kernel evaluation of one trajectory at every grid point, and the residual rows of the
//! objective built from it.
//!
//! The objective is `J = Σ (w (z − y))² + Σ r_dyn²`: one data row per observed value, and per
//! sub-interval, learned column and row of the collocation rule ([`super::grid::Stencil`]) one
//! dynamics row `r_dyn = (Σ αₚ z_p + H Σ βₚ g_p) / (κ σ √(H h))`, where `g` is the column's
//! derivative (the next learned column, or a right-hand side).
//!
//! Input: a [`Problem`] and a [`State`]. Output: kernel values ([`Eval`]) and the cost.

use super::problem::{Deriv, Problem, State, Unknown};
use crate::fit::FitError;

/// Kernel outputs of one trajectory at every grid point.
pub struct Eval {
    /// Right-hand sides, `points × neq`.
    pub f: Vec<f64>,
    /// `∂rhs/∂column`, `points × neq × ncols` (empty without Jacobians).
    pub jc: Vec<f64>,
    /// `∂rhs/∂parameter` for the model parameters, `points × neq × np` (empty without Jacobians).
    pub jp: Vec<f64>,
    /// Basis terms, `points × nterms` (empty without Jacobians).
    pub th: Vec<f64>,
    /// `∂rhs/∂weight` for every weight (of its own equation), `points × nw` (empty without
    /// Jacobians).
    pub jw: Vec<f64>,
}

/// Evaluates the kernels on trajectory `k` (with Jacobians and basis when `jac`).
pub fn eval(p: &Problem, st: &State, k: usize, jac: bool) -> Result<Eval, FitError> {
    let x = p.rows(st, k);
    let n = p.trajs[k].grid.t.len();
    let err = |e: crate::jit::JitError| FitError::Data(format!("kernel call failed: {e}"));
    let kn = &p.kernels;
    let mut f = vec![0.0; n * p.neq];
    kn.value.eval_par(n, &x, &st.theta, &mut f).map_err(err)?;
    let (mut jc, mut jp, mut th, mut jw) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    if jac {
        jc = vec![0.0; n * kn.d_cols.n_outputs()];
        kn.d_cols.eval_par(n, &x, &st.theta, &mut jc).map_err(err)?;
        if p.np > 0 {
            jp = vec![0.0; n * kn.d_params.n_outputs()];
            kn.d_params.eval_par(n, &x, &st.theta, &mut jp).map_err(err)?;
        }
        th = vec![0.0; n * p.terms.len()];
        kn.basis.eval_par(n, &x, &st.theta, &mut th).map_err(err)?;
        if p.nw > 0 {
            jw = vec![0.0; n * p.nw];
            kn.d_weights.eval_par(n, &x, &st.theta, &mut jw).map_err(err)?;
        }
    }
    Ok(Eval { f, jc, jp, th, jw })
}

/// Derivative of learned column `c` at grid point `i`.
#[inline]
pub fn g(p: &Problem, z: &[f64], ev: &Eval, i: usize, c: usize) -> f64 {
    match p.deriv[c] {
        Deriv::Next(k) => z[i * p.nz + k],
        Deriv::Rhs(e) => ev.f[i * p.neq + e],
    }
}

/// The divisor of the dynamics rows of column `c` of trajectory `k` per unit of an interval's
/// scale: `κ σ_c`.
#[inline]
pub fn eps(p: &Problem, k: usize, c: usize) -> f64 {
    p.kappa * p.trajs[k].sigma[c]
}

/// Visits the dynamics residuals of trajectory `k`: `(interval, column, stencil, residual)`.
pub fn dyn_residuals(p: &Problem, st: &State, k: usize, ev: &Eval, mut visit: impl FnMut(usize, usize, usize, f64)) {
    let tr = &p.trajs[k];
    let z = &st.z[k];
    let stencils = p.scheme.stencils();
    let pts = p.scheme.stride() + 1;
    for (j, iv) in tr.grid.intervals.iter().enumerate() {
        for c in 0..p.nz {
            let e = eps(p, k, c) * iv.scale;
            for (si, s) in stencils.iter().enumerate() {
                let mut r = 0.0;
                for t in 0..pts {
                    let i = iv.a + t;
                    r += s.alpha[t] * z[i * p.nz + c] + iv.h * s.beta[t] * g(p, z, ev, i, c);
                }
                visit(j, c, si, r / e);
            }
        }
    }
}

/// Visits the data residuals of trajectory `k`: `(z index, weight, residual)`.
pub fn data_residuals(p: &Problem, st: &State, k: usize, mut visit: impl FnMut(usize, f64, f64)) {
    let tr = &p.trajs[k];
    let z = &st.z[k];
    for i in 0..tr.t.len() {
        let base = tr.point(i) * p.nz;
        for c in 0..p.nz {
            let w = tr.w[i * p.nz + c];
            if w > 0.0 {
                visit(base + c, w, w * (z[base + c] - tr.y[i * p.nz + c]));
            }
        }
    }
}

/// Cost of trajectory `k` given its evaluation.
pub fn traj_cost(p: &Problem, st: &State, k: usize, ev: &Eval) -> f64 {
    let mut j = 0.0;
    data_residuals(p, st, k, |_, _, r| j += r * r);
    dyn_residuals(p, st, k, ev, |_, _, _, r| j += r * r);
    j
}

/// The objective `J` at `st` (with the weight-decay rows of neural terms).
pub fn cost(p: &Problem, st: &State) -> Result<f64, FitError> {
    use rayon::prelude::*;
    let parts: Result<Vec<f64>, FitError> =
        (0..p.trajs.len()).into_par_iter().map(|k| eval(p, st, k, false).map(|ev| traj_cost(p, st, k, &ev))).collect();
    Ok(parts?.iter().sum::<f64>() + p.decay_cost(st))
}

/// Where the derivative of a right-hand side with respect to a dense unknown is read.
#[derive(Clone, Copy, Debug)]
pub enum Src {
    /// Basis term `t` (a coefficient's term).
    Term(usize),
    /// Model parameter `p` (column of `jp`).
    Param(usize),
    /// Weight `w` of a neural term (column of `jw`).
    Weight(usize),
}

/// For each equation, the dense unknowns it depends on in trajectory `k`: (position in
/// `unknowns`, where its derivative is read).
pub fn qmap(p: &Problem, unknowns: &[Unknown], k: usize) -> Vec<Vec<(usize, Src)>> {
    let mut m = vec![Vec::new(); p.neq];
    for (qi, u) in unknowns.iter().enumerate() {
        match *u {
            Unknown::Coef(s) => {
                m[p.slot_eq[s]].push((qi, Src::Term(p.slot_term[s])));
                p.slot_more[s].iter().for_each(|&(e, t)| m[e].push((qi, Src::Term(t))));
            }
            Unknown::Param(pp) => (0..p.neq).for_each(|e| m[e].push((qi, Src::Param(pp)))),
            Unknown::PerTraj { k: kk, traj } if traj == k => {
                (0..p.neq).for_each(|e| m[e].push((qi, Src::Param(p.per_traj[kk]))))
            }
            Unknown::PerTraj { .. } => {}
            Unknown::Weight(w) => m[p.weight_eq[w]].push((qi, Src::Weight(w))),
        }
    }
    m
}

/// `∂rhs_e/∂q` at grid point `i` for an unknown read from `src`.
#[inline]
pub fn dq(p: &Problem, ev: &Eval, i: usize, e: usize, src: Src) -> f64 {
    match src {
        Src::Term(t) => ev.th[i * p.terms.len() + t],
        Src::Param(q) => ev.jp[(i * p.neq + e) * p.np + q],
        Src::Weight(w) => ev.jw[i * p.nw + w],
    }
}
