//! Standard errors of a `sindy` fit: least squares on the kept columns of the
//! smoothed-derivative regression. With `J` the Jacobian of the scaled residuals in the kept
//! coefficients and the parameters, the covariance is `(Σ_e w_e J_eᵀ J_e)⁻¹` with
//! `w_e = f_e / s_e²`: `s_e² = RSS_e / (n − k_e)` is equation `e`'s residual variance per degree
//! of freedom (`k_e` its kept terms) and `f_e = (1 − ρ_e)/(1 + ρ_e)` the independent residuals
//! per residual (`ρ_e` their lag-one autocorrelation: smoothing makes neighbouring residuals
//! correlated, and counting them as independent would shrink the errors by `√(1/f_e)`).
//!
//! The errors are conditional on the smoothed states as exact regressors (the smoother's error
//! and bias in the library columns are not propagated) and on the selected support (the
//! selection itself is not accounted for; `fit { ensemble = N }` is).
//!
//! Input: the final estimate and its residual sums. Output: an [`Uncertainty`].

use super::{Est, Regression, Unknown};
use crate::fit::{dense_solve, FitError, Uncertainty};

impl Regression<'_> {
    /// The standard errors of the kept coefficients and the parameters at `est`.
    pub(super) fn uncertainty(&self, est: &Est, rss: &[f64]) -> Result<Uncertainty, FitError> {
        let s = &self.s;
        let rows = (self.n_res() / s.neq) as f64;
        let indep = self.independence(est)?;
        let var: Vec<f64> = (0..s.neq)
            .map(|e| {
                let k = (0..s.ncoef).filter(|&c| est.active[c] && s.slot_eq[c] == e).count() as f64;
                rss[e] / (rows - k).max(1.0)
            })
            .collect();
        let weight: Vec<f64> = var.iter().zip(&indep).map(|(v, f)| f / v.max(f64::MIN_POSITIVE)).collect();
        let unknowns = self.unknowns(est);
        let (a, _) = self.normal(est, &unknowns, &weight)?;
        let var_q = inverse_diagonal(&a, unknowns.len());
        let mut out = Uncertainty {
            coefficients: vec![None; s.ncoef],
            params: vec![None; s.np],
            per_trajectory: vec![Vec::new(); s.np],
            residual_variance: var.iter().zip(&indep).map(|(v, f)| v / f).sum::<f64>() / s.neq as f64,
            dof: indep.iter().map(|f| f * rows).sum::<f64>(),
            basis: "least squares of the smoothed derivatives on the kept terms: the inverse Gram matrix, \
                    scaled per equation by the residual variance and the residuals' correlation"
                .into(),
            conditional_on: Some(
                "the smoothed states taken as exact regressors (smoothing error not propagated) and the \
                 selected terms (selection not accounted for; `ensemble` is)"
                    .into(),
            ),
        };
        for &q in &s.per_traj {
            out.per_trajectory[q] = vec![None; s.trajs.len()];
        }
        for (u, v) in unknowns.iter().zip(var_q) {
            let se = v.map(f64::sqrt).filter(|x| x.is_finite());
            match *u {
                Unknown::Coef(c) => out.coefficients[c] = se,
                Unknown::Param(p) => out.params[p] = se,
                Unknown::PerTraj { k, traj } => out.per_trajectory[s.per_traj[k]][traj] = se,
            }
        }
        Ok(out)
    }
}

/// `diag(A⁻¹)` of a symmetric positive definite matrix, each entry `None` when it is singular.
fn inverse_diagonal(a: &[f64], m: usize) -> Vec<Option<f64>> {
    let mut e = vec![0.0; m];
    (0..m)
        .map(|i| {
            e[i] = 1.0;
            let x = dense_solve(a, &e, m);
            e[i] = 0.0;
            x.map(|x| x[i])
        })
        .collect()
}
