//! Statistics of a collocation fit: which parameters have no effect on the fit (held at their
//! guess rather than left to make the normal equations singular), and the standard errors of
//! the fitted unknowns from the curvature at the optimum.
//!
//! Standard errors: the objective is a sum of squared residuals in units of the noise, so near
//! the optimum `J(q) ≈ J(q̂) + (q − q̂)ᵀ S (q − q̂)` with `S` the Gauss–Newton curvature `JᵀJ`
//! of the dense unknowns after the learned trajectories are profiled out (the Schur complement
//! of the converged system, [`super::gn::System`]). The covariance is `s² S⁻¹` with
//! `s² = J(q̂) / (N − n_q)`, `N` the observed values: the learned trajectory adds one unknown
//! and one collocation row per point, so the residual degrees of freedom are those of the data
//! less the dense unknowns. `s²` near 1 says the noise level was estimated right.
//!
//! Input: a [`Problem`] and a converged [`State`]. Output: per-parameter flags, an
//! [`Uncertainty`].

use super::gn::{fixed_z_quadratic, System};
use super::problem::{Problem, State, Unknown};
use crate::fit::banded::{cholesky_solve, dense_cholesky};
use crate::fit::{FitError, Uncertainty};

/// Parameters whose every residual derivative is exactly zero, at `st` and again with every
/// parameter moved by a tenth of its scale (so a parameter whose derivative only vanishes at its
/// guess, as `a` in `a^2*x` at `a = 0`, still counts as acting).
pub fn no_effect(p: &Problem, st: &State) -> Result<Vec<bool>, FitError> {
    let unknowns: Vec<Unknown> = (0..p.np)
        .filter(|q| !p.per_traj.contains(q))
        .map(Unknown::Param)
        .chain((0..p.trajs.len()).flat_map(|traj| (0..p.per_traj.len()).map(move |k| Unknown::PerTraj { k, traj })))
        .collect();
    if unknowns.is_empty() {
        return Ok(vec![false; p.np]);
    }
    let mut moved = st.clone();
    for q in 0..p.np {
        moved.theta[q] = shifted(p, q, st.theta[q]);
    }
    for (k, &q) in p.per_traj.iter().enumerate() {
        moved.pt.iter_mut().for_each(|pt| pt[k] = shifted(p, q, pt[k]));
    }
    let mut zero = vec![true; p.np];
    for at in [st, &moved] {
        let (a, _) = fixed_z_quadratic(p, at, &unknowns)?;
        let n = unknowns.len();
        for (j, u) in unknowns.iter().enumerate() {
            let q = match *u {
                Unknown::Param(q) => q,
                Unknown::PerTraj { k, .. } => p.per_traj[k],
                Unknown::Coef(_) | Unknown::Weight(_) => continue,
            };
            if a[j * n + j] != 0.0 {
                zero[q] = false;
            }
        }
    }
    Ok(zero)
}

/// `v` moved by a tenth of its scale, towards the inside of the parameter's bounds.
fn shifted(p: &Problem, q: usize, v: f64) -> f64 {
    let step = 0.1 * v.abs().max(1.0);
    match p.bounds[q] {
        Some((lo, hi)) => {
            let up = (v + step).min(hi - 1e-9 * (hi - lo));
            if up > v {
                up
            } else {
                (v - step).max(lo)
            }
        }
        None => v + step,
    }
}

/// Standard errors of the dense unknowns of `sys` (assembled undamped at the optimum `st`,
/// whose cost is `cost`); none when the curvature is singular.
pub fn uncertainty(p: &Problem, st: &State, sys: &System, cost: f64) -> Uncertainty {
    let nq = sys.unknowns.len();
    let dof = (p.n_obs as f64 - nq as f64).max(1.0);
    let s2 = cost / dof;
    let var = inverse_diagonal(&sys.s, nq).unwrap_or_else(|| vec![f64::NAN; nq]);
    let mut out = Uncertainty {
        coefficients: vec![None; p.ncoef],
        params: vec![None; p.np],
        per_trajectory: vec![Vec::new(); p.np],
        residual_variance: s2,
        dof,
        basis: "Gauss–Newton curvature of the collocation objective with the learned trajectories \
                profiled out (Schur complement), scaled by the residual variance"
            .into(),
        conditional_on: None,
    };
    for &q in &p.per_traj {
        out.per_trajectory[q] = vec![None; p.trajs.len()];
    }
    for (u, v) in sys.unknowns.iter().zip(&var) {
        let se = Some((s2 * v).sqrt()).filter(|s| s.is_finite());
        match *u {
            Unknown::Coef(s) if st.active[s] => out.coefficients[s] = se,
            Unknown::Coef(_) => {}
            Unknown::Param(q) => out.params[q] = se,
            Unknown::PerTraj { k, traj } => out.per_trajectory[p.per_traj[k]][traj] = se,
            Unknown::Weight(_) => {}
        }
    }
    out
}

/// `diag(S⁻¹)` of a symmetric positive definite `m × m` matrix, by its Cholesky factor.
fn inverse_diagonal(s: &[f64], m: usize) -> Option<Vec<f64>> {
    if m == 0 {
        return Some(vec![]);
    }
    let l = dense_cholesky(s, m)?;
    let mut e = vec![0.0; m];
    Some(
        (0..m)
            .map(|i| {
                e[i] = 1.0;
                let x = cholesky_solve(&l, &e, m);
                e[i] = 0.0;
                x[i]
            })
            .collect(),
    )
}
