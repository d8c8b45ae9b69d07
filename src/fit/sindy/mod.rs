//! `method = sindy`: classic SINDy. The data are smoothed (Whittaker smoother, strength by the
//! discrepancy principle), differentiated by finite differences, and the right-hand sides are
//! fitted to those derivatives by least squares over the active coefficients and the parameters
//! (Gauss–Newton with the compiled Jacobians, which for coefficients alone is one linear solve);
//! sparsity by sequentially thresholded least squares (STLSQ).
//!
//! * `threshold = <number>`: up to `rounds` rounds of dropping the non-`keep` terms whose
//!   magnitude (normalised `|c|·rms(term)/rms(derivative)`, or raw `|c|` with
//!   `threshold_scale = raw`) is below the threshold and refitting; stops when the support no
//!   longer changes.
//! * `threshold = auto`: a backward-elimination path, dropping the smallest normalised term at
//!   each level and refitting, scored by `BIC = Σ_e n ln(RSS_e / n) + k ln N`; the level with the
//!   lowest score is kept.
//!
//! Residuals of equation `e` are divided by `rms(derivative_e)`, so shared parameters weigh the
//! equations fairly. Input: a [`FitInput`]. Output: a [`Fitted`] (the smoothed trajectories as
//! the denoised ones).

mod linear;
mod select;
mod stats;

use rayon::prelude::*;

use super::smoothed::Smoothed;
use super::{dense_solve, FitError, FitInput, Fitted, HistoryEntry, PathEntry, Progress};
use crate::check::settings::{Threshold, ThresholdScale};
use linear::Linear;

/// Largest number of Gauss–Newton iterations per fit (a linear problem needs one).
const MAX_ITERS: usize = 50;
/// Relative cost decrease below which the Gauss–Newton iterations stop.
const REL_TOL: f64 = 1e-12;

/// One unknown of the regression.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Unknown {
    Coef(usize),
    Param(usize),
    PerTraj { k: usize, traj: usize },
}

/// The current estimate.
#[derive(Clone, Debug)]
struct Est {
    /// Kernel parameters: model parameters, then coefficients (0 when inactive).
    theta: Vec<f64>,
    /// Per trajectory, the per-trajectory parameter values.
    pt: Vec<Vec<f64>>,
    active: Vec<bool>,
}

/// The regression: smoothed data, targets and their scales.
struct Regression<'a> {
    s: Smoothed,
    input: &'a FitInput<'a>,
    /// rms of each equation's derivative target.
    scale: Vec<f64>,
    /// Residual variance per equation for the information criterion.
    var: Vec<f64>,
    /// Independent residuals per residual, per equation.
    indep: Vec<f64>,
    /// For a model without parameters (linear in its coefficients): its Gram matrices.
    linear: Option<Linear>,
    history: Vec<HistoryEntry>,
}

/// Fits by classic SINDy.
pub fn fit(input: &FitInput) -> Result<Fitted, FitError> {
    fit_smoothed(input, Smoothed::new(input)?)
}

/// Fits by classic SINDy on prepared rows (the field fit's rows of field values, spatial
/// derivatives and time derivatives).
pub fn fit_smoothed(input: &FitInput, s: Smoothed) -> Result<Fitted, FitError> {
    fit_with(input, s, None)
}

/// The sufficient statistics of a model linear in its coefficients supplied by the caller (the
/// field fit's weak form): `a = JᵀJ`, `g = Jᵀr0` and `r0ᵀr0` per equation, residuals scaled so
/// that `a`'s diagonal over the number of rows is each term's mean square relative to the
/// target's, as [`fit_smoothed`]'s own Gram matrices are.
pub struct Gram {
    pub a: Vec<f64>,
    pub g: Vec<f64>,
    pub r0: Vec<f64>,
}

/// [`fit_smoothed`] with the Gram matrices given (used only when the model has no parameters;
/// the rows of `s` then serve the finiteness check and the residuals' independence factor).
pub fn fit_with(input: &FitInput, s: Smoothed, gram: Option<Gram>) -> Result<Fitted, FitError> {
    let mut ss = vec![0.0; s.neq];
    let mut rows = 0usize;
    for tr in &s.trajs {
        rows += tr.t.len();
        for (i, v) in tr.dz.iter().enumerate() {
            ss[i % s.neq] += v * v;
        }
    }
    let scale = ss.iter().map(|v| (v / rows as f64).sqrt().max(f64::MIN_POSITIVE)).collect();
    let mut theta: Vec<f64> = input.model.params.iter().map(|q| q.init).collect();
    theta.resize(s.np + s.ncoef, 0.0);
    let pt = vec![s.per_traj.iter().map(|&q| input.model.params[q].init).collect(); s.trajs.len()];
    let est = Est { theta, pt, active: vec![true; s.ncoef] };
    let mut r = Regression { s, input, scale, var: Vec::new(), indep: Vec::new(), linear: None, history: Vec::new() };
    for k in 0..r.s.trajs.len() {
        let f = r.values(&est, k)?;
        r.s.check_finite(input, k, &f)?;
    }
    if r.s.np == 0 {
        r.linear = Some(match gram {
            Some(g) => Linear { a: g.a, g: g.g, r0: g.r0 },
            None => r.gram(&est)?,
        });
    }
    let settings = &input.model.fit;
    let (mut est, mut rss) = r.refit(est, 0)?;
    r.var = r.variances(&rss);
    r.indep = r.independence(&est)?;
    let (path, threshold, rounds) = if settings.rounds == 0 || r.s.ncoef == 0 {
        (vec![], None, 0)
    } else {
        match settings.threshold {
            Threshold::Level(t) => {
                let raw = settings.threshold_scale == ThresholdScale::Raw;
                let (e, c, done) = r.stlsq(est, t, raw, settings.rounds)?;
                (est, rss) = (e, c);
                let entry = r.entry(t, &est, &rss, true);
                (vec![entry], Some(t), done)
            }
            Threshold::Auto => {
                let (e, c, path, t) = r.auto_path(est, rss)?;
                (est, rss) = (e, c);
                let n = path.len() - 1;
                (path, Some(t), n)
            }
        }
    };
    let magnitudes = r.magnitudes(&est, false)?;
    let uncertainty = r.uncertainty(&est, &rss)?;
    let mut fitted = r.finish(est, &rss, path, threshold, rounds);
    fitted.magnitudes = magnitudes;
    fitted.uncertainty = Some(uncertainty);
    Ok(fitted)
}

impl Regression<'_> {
    /// Right-hand-side values of trajectory `k` (n×neq).
    pub(super) fn values(&self, est: &Est, k: usize) -> Result<Vec<f64>, FitError> {
        let tr = &self.s.trajs[k];
        let x = self.s.rows(k, &tr.z, &est.pt[k]);
        let mut f = vec![0.0; tr.t.len() * self.s.neq];
        self.s.rhs.value.eval_par(tr.t.len(), &x, &est.theta, &mut f).map_err(kernel_err)?;
        Ok(f)
    }

    /// The unknowns at `est`: active coefficients, shared parameters, per-trajectory parameters.
    fn unknowns(&self, est: &Est) -> Vec<Unknown> {
        let s = &self.s;
        let mut u: Vec<Unknown> = (0..s.ncoef).filter(|&c| est.active[c]).map(Unknown::Coef).collect();
        u.extend((0..s.np).filter(|p| !s.per_traj.contains(p)).map(Unknown::Param));
        for traj in 0..s.trajs.len() {
            u.extend((0..s.per_traj.len()).map(|k| Unknown::PerTraj { k, traj }));
        }
        u
    }

    /// Residual sum of squares per equation (scaled residuals).
    pub(super) fn rss(&self, est: &Est) -> Result<Vec<f64>, FitError> {
        if let Some(lin) = &self.linear {
            return Ok(self.rss_linear(lin, est));
        }
        let parts: Vec<Vec<f64>> = (0..self.s.trajs.len())
            .into_par_iter()
            .map(|k| {
                let f = self.values(est, k)?;
                let mut out = vec![0.0; self.s.neq];
                for (i, (fv, dv)) in f.iter().zip(&self.s.trajs[k].dz).enumerate() {
                    let e = i % self.s.neq;
                    out[e] += ((dv - fv) / self.scale[e]).powi(2);
                }
                Ok(out)
            })
            .collect::<Result<_, FitError>>()?;
        Ok((0..self.s.neq).map(|e| parts.iter().map(|p| p[e]).sum()).collect())
    }

    /// Normal equations `JᵀWJ`, `JᵀWr` of the scaled residuals `r = (dz − f)/scale`, equation
    /// `e`'s rows weighted by `weight[e]`.
    fn normal(&self, est: &Est, unknowns: &[Unknown], weight: &[f64]) -> Result<(Vec<f64>, Vec<f64>), FitError> {
        let s = &self.s;
        let nq = unknowns.len();
        let (nc, npar) = (s.layout.columns.len(), s.layout.n_params);
        let base = nc - s.per_traj.len();
        let parts: Vec<(Vec<f64>, Vec<f64>)> = (0..s.trajs.len())
            .into_par_iter()
            .map(|k| {
                let tr = &s.trajs[k];
                let n = tr.t.len();
                let x = s.rows(k, &tr.z, &est.pt[k]);
                let mut f = vec![0.0; n * s.neq];
                let mut jp = vec![0.0; n * s.neq * npar];
                s.rhs.value.eval_par(n, &x, &est.theta, &mut f).map_err(kernel_err)?;
                s.rhs.d_params.eval_par(n, &x, &est.theta, &mut jp).map_err(kernel_err)?;
                let mut jc = Vec::new();
                if !s.per_traj.is_empty() {
                    jc = vec![0.0; n * s.neq * nc];
                    s.rhs.d_cols.eval_par(n, &x, &est.theta, &mut jc).map_err(kernel_err)?;
                }
                let qmap = self.qmap(unknowns, k, base);
                let (mut a, mut g) = (vec![0.0; nq * nq], vec![0.0; nq]);
                let mut row: Vec<(usize, f64)> = Vec::new();
                for i in 0..n {
                    for (e, map) in qmap.iter().enumerate() {
                        let at = i * s.neq + e;
                        let w = weight[e].sqrt();
                        let r = w * (tr.dz[at] - f[at]) / self.scale[e];
                        row.clear();
                        row.extend(map.iter().map(|&(qi, src)| {
                            let j = match src {
                                Src::Param(p) => jp[at * npar + p],
                                Src::Col(c) => jc[at * nc + c],
                            };
                            (qi, w * j / self.scale[e])
                        }));
                        for &(qi, ji) in &row {
                            g[qi] += ji * r;
                            for &(qj, jj) in &row {
                                a[qi * nq + qj] += ji * jj;
                            }
                        }
                    }
                }
                Ok((a, g))
            })
            .collect::<Result<_, FitError>>()?;
        let mut a = vec![0.0; nq * nq];
        let mut g = vec![0.0; nq];
        for (pa, pg) in &parts {
            a.iter_mut().zip(pa).for_each(|(x, y)| *x += y);
            g.iter_mut().zip(pg).for_each(|(x, y)| *x += y);
        }
        Ok((a, g))
    }

    /// For each equation, the unknowns it depends on in trajectory `k` and where their
    /// Jacobian entries are read.
    fn qmap(&self, unknowns: &[Unknown], k: usize, base: usize) -> Vec<Vec<(usize, Src)>> {
        let s = &self.s;
        let mut m = vec![Vec::new(); s.neq];
        for (qi, u) in unknowns.iter().enumerate() {
            match *u {
                Unknown::Coef(c) => m[s.slot_eq[c]].push((qi, Src::Param(s.np + c))),
                Unknown::Param(p) => m.iter_mut().for_each(|v| v.push((qi, Src::Param(p)))),
                Unknown::PerTraj { k: j, traj } if traj == k => {
                    m.iter_mut().for_each(|v| v.push((qi, Src::Col(base + j))))
                }
                Unknown::PerTraj { .. } => {}
            }
        }
        m
    }

    /// Least squares over the active coefficients and the parameters, from `est`: Gauss–Newton
    /// with Levenberg–Marquardt damping (exact in one step when the model is linear in them).
    pub(super) fn refit(&mut self, mut est: Est, round: usize) -> Result<(Est, Vec<f64>), FitError> {
        if let Some(lin) = &self.linear {
            let est = self.refit_linear(lin, est)?;
            let rss = self.rss_linear(lin, &est);
            self.report(round, 0, &rss, &est);
            return Ok((est, rss));
        }
        let unknowns = self.unknowns(&est);
        let mut rss = self.rss(&est)?;
        let mut lambda = 0.0;
        for it in 0..MAX_ITERS {
            let c0: f64 = rss.iter().sum();
            let (a, g) = self.normal(&est, &unknowns, &vec![1.0; self.s.neq])?;
            let nq = unknowns.len();
            let mut improved = false;
            while lambda <= 1e8 {
                let mut ad = a.clone();
                let tr = (0..nq).map(|i| a[i * nq + i]).fold(0.0f64, f64::max).max(f64::MIN_POSITIVE);
                // A ridge of 1e-12 of the largest diagonal keeps collinear libraries solvable
                // without biasing well-posed ones beyond round-off.
                (0..nq).for_each(|i| ad[i * nq + i] += lambda * a[i * nq + i] + 1e-12 * tr);
                let Some(dq) = dense_solve(&ad, &g, nq) else {
                    lambda = (lambda * 4.0).max(1e-6);
                    continue;
                };
                let trial = self.apply(&est, &unknowns, &dq);
                let r1 = self.rss(&trial)?;
                let c1: f64 = r1.iter().sum();
                if c1.is_finite() && c1 <= c0 {
                    (est, rss, improved) = (trial, r1, true);
                    lambda /= 3.0;
                    break;
                }
                lambda = (lambda * 4.0).max(1e-6);
            }
            let c1: f64 = rss.iter().sum();
            self.report(round, it, &rss, &est);
            if !c1.is_finite() {
                return Err(FitError::Diverged { round, loss: c1 });
            }
            if !improved || c0 - c1 <= REL_TOL * c0 {
                break;
            }
        }
        Ok((est, rss))
    }

    /// Records the loss and reports progress.
    pub(super) fn report(&mut self, round: usize, iteration: usize, rss: &[f64], est: &Est) {
        let loss = rss.iter().sum::<f64>() / self.n_res() as f64;
        self.history.push(HistoryEntry { round, loss });
        if let Some(f) = self.input.progress {
            let active = est.active.iter().filter(|&&a| a).count();
            f(&Progress { round, iteration, iterations: MAX_ITERS, loss, active_terms: active });
        }
    }

    /// `est` moved by `dq`, bounded parameters kept inside their bounds.
    fn apply(&self, est: &Est, unknowns: &[Unknown], dq: &[f64]) -> Est {
        let s = &self.s;
        let mut out = est.clone();
        for (u, d) in unknowns.iter().zip(dq) {
            let (slot, p) = match *u {
                Unknown::Coef(c) => (&mut out.theta[s.np + c], None),
                Unknown::Param(p) => (&mut out.theta[p], Some(p)),
                Unknown::PerTraj { k, traj } => (&mut out.pt[traj][k], Some(s.per_traj[k])),
            };
            *slot += d;
            if let Some((lo, hi)) = p.and_then(|p| s.bounds[p]) {
                let m = 1e-9 * (hi - lo);
                *slot = slot.clamp(lo + m, hi - m);
            }
        }
        out
    }

    /// Residual rows in all.
    pub(super) fn n_res(&self) -> usize {
        self.s.trajs.iter().map(|t| t.t.len()).sum::<usize>() * self.s.neq
    }

    fn finish(self, est: Est, rss: &[f64], path: Vec<PathEntry>, threshold: Option<f64>, rounds: usize) -> Fitted {
        let s = &self.s;
        let mut params = est.theta[..s.np].to_vec();
        let mut per_trajectory = vec![Vec::new(); s.np];
        for (k, &q) in s.per_traj.iter().enumerate() {
            let v: Vec<f64> = est.pt.iter().map(|pt| pt[k]).collect();
            params[q] = v.iter().sum::<f64>() / v.len() as f64;
            per_trajectory[q] = v;
        }
        Fitted {
            coefficients: (0..s.ncoef).map(|c| if est.active[c] { est.theta[s.np + c] } else { 0.0 }).collect(),
            active: est.active.clone(),
            params,
            per_trajectory,
            denoised: (0..s.trajs.len()).map(|k| s.trajectory(k, s.trajs[k].z.clone())).collect(),
            noise: s.noise(self.input.ir.names.states.len()),
            history: self.history.clone(),
            path,
            threshold,
            rounds,
            loss: rss.iter().sum::<f64>() / self.n_res() as f64,
            interrupted: self.cancelled(),
            magnitudes: Vec::new(),
            phases: Vec::new(),
            uncertainty: None,
            no_effect: vec![false; s.np],
            weights: Vec::new(),
            encoders: None,
            ensemble: None,
        }
    }
}

/// Where a Jacobian entry is read: the parameter Jacobian or the column Jacobian.
#[derive(Clone, Copy, Debug)]
enum Src {
    Param(usize),
    Col(usize),
}

fn kernel_err(e: crate::jit::JitError) -> FitError {
    FitError::Data(format!("kernel call failed: {e}"))
}
