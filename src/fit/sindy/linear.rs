//! The least squares of a model linear in its coefficients (no parameters) from sufficient
//! statistics: one pass over the data builds the Gram matrices, and every refit of a support and
//! every residual sum is then a small dense computation.
//!
//! Input: the smoothed data of a [`Regression`]. Output: [`Linear`], refits and residual sums.

use rayon::prelude::*;

use super::{kernel_err, Est, Regression};
use crate::fit::{dense_solve, FitError};

/// The sufficient statistics of a model linear in its coefficients, with the residuals
/// `r = r0 − J c` scaled per equation: `A = JᵀJ` (zero between equations), `g = Jᵀr0`, and
/// `r0ᵀr0` per equation. Every refit and every residual sum is then a small dense computation.
pub(super) struct Linear {
    pub(super) a: Vec<f64>,
    pub(super) g: Vec<f64>,
    pub(super) r0: Vec<f64>,
}

impl Regression<'_> {
    /// One pass over the data at zero coefficients (`est` has them at zero).
    pub(super) fn gram(&self, est: &Est) -> Result<Linear, FitError> {
        let s = &self.s;
        let (nc, npar) = (s.ncoef, s.layout.n_params);
        let by_eq: Vec<Vec<usize>> = (0..s.neq).map(|e| (0..nc).filter(|&c| s.slot_eq[c] == e).collect()).collect();
        let parts: Vec<Linear> = (0..s.trajs.len())
            .into_par_iter()
            .map(|k| {
                let tr = &s.trajs[k];
                let n = tr.t.len();
                let x = s.rows(k, &tr.z, &est.pt[k]);
                let (mut f, mut jp) = (vec![0.0; n * s.neq], vec![0.0; n * s.neq * npar]);
                s.rhs.value.eval_par(n, &x, &est.theta, &mut f).map_err(kernel_err)?;
                s.rhs.d_params.eval_par(n, &x, &est.theta, &mut jp).map_err(kernel_err)?;
                let mut l = Linear { a: vec![0.0; nc * nc], g: vec![0.0; nc], r0: vec![0.0; s.neq] };
                for i in 0..n {
                    for (e, slots) in by_eq.iter().enumerate() {
                        let at = i * s.neq + e;
                        let sc = self.scale[e];
                        let r = (tr.dz[at] - f[at]) / sc;
                        l.r0[e] += r * r;
                        for &a in slots {
                            let ja = jp[at * npar + s.np + a] / sc;
                            l.g[a] += ja * r;
                            for &b in slots {
                                l.a[a * nc + b] += ja * jp[at * npar + s.np + b] / sc;
                            }
                        }
                    }
                }
                Ok(l)
            })
            .collect::<Result<_, FitError>>()?;
        let mut out = Linear { a: vec![0.0; nc * nc], g: vec![0.0; nc], r0: vec![0.0; s.neq] };
        for p in parts {
            out.a.iter_mut().zip(&p.a).for_each(|(x, y)| *x += y);
            out.g.iter_mut().zip(&p.g).for_each(|(x, y)| *x += y);
            out.r0.iter_mut().zip(&p.r0).for_each(|(x, y)| *x += y);
        }
        Ok(out)
    }

    /// Least squares on the active coefficients from the Gram matrices.
    pub(super) fn refit_linear(&self, lin: &Linear, mut est: Est) -> Result<Est, FitError> {
        let nc = self.s.ncoef;
        let act: Vec<usize> = (0..nc).filter(|&c| est.active[c]).collect();
        let m = act.len();
        let mut a: Vec<f64> = act.iter().flat_map(|&i| act.iter().map(move |&j| lin.a[i * nc + j])).collect();
        let g: Vec<f64> = act.iter().map(|&i| lin.g[i]).collect();
        let tr = (0..m).map(|i| a[i * m + i]).fold(0.0f64, f64::max).max(f64::MIN_POSITIVE);
        (0..m).for_each(|i| a[i * m + i] += 1e-12 * tr);
        let c = dense_solve(&a, &g, m).ok_or_else(|| FitError::Singular {
            detail: "the candidate terms are linearly dependent on the data".into(),
        })?;
        (0..nc).for_each(|i| est.theta[self.s.np + i] = 0.0);
        for (&i, v) in act.iter().zip(c) {
            est.theta[self.s.np + i] = v;
        }
        Ok(est)
    }

    /// Residual sums per equation from the Gram matrices: `r0ᵀr0 − 2cᵀg + cᵀAc`.
    pub(super) fn rss_linear(&self, lin: &Linear, est: &Est) -> Vec<f64> {
        let (nc, np) = (self.s.ncoef, self.s.np);
        let c = &est.theta[np..np + nc];
        let mut out = lin.r0.clone();
        for i in (0..nc).filter(|&i| est.active[i]) {
            let e = self.s.slot_eq[i];
            out[e] -= 2.0 * c[i] * lin.g[i];
            for j in (0..nc).filter(|&j| est.active[j]) {
                out[e] += c[i] * lin.a[i * nc + j] * c[j];
            }
        }
        out.iter().map(|v| v.max(0.0)).collect()
    }
}
