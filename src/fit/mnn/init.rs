//! The starting point of MNN training and the support of `threshold = auto`.
//!
//! * `init = collocation`: the collocation fit's denoised trajectories, parameters and
//!   coefficients (the whole library when the threshold is a number, so that MNN's own rounds
//!   do the thresholding; the selected support under `threshold = auto`).
//! * `init = random`: the smoothed data as the denoised trajectories, parameters at their
//!   declared guesses, coefficients drawn from N(0, 1) in the orthonormal coordinates training
//!   uses ([`Whitener`]; the run's seeded generator). Under `threshold = auto` the collocation path still chooses the support.
//!
//! Input: a [`FitInput`] and the set-up [`Mnn`]. Output: a [`Start`].

use rand_distr::{Distribution, StandardNormal};

use super::problem::{Mnn, Point};
use super::whiten::Whitener;
use crate::check::settings::{Init, Method, Threshold};
use crate::data::SeededRng;
use crate::fit::{collocation, FitError, FitInput, Fitted, PathEntry};

/// Where training starts.
pub struct Start {
    /// The starting unknowns and active coefficients.
    pub point: Point,
    /// Under `threshold = auto`, the collocation path that chose the support and its threshold.
    pub support: Option<(Vec<PathEntry>, Option<f64>)>,
    /// Adam's unit of each network weight (empty without networks).
    pub weight_unit: Vec<f64>,
}

/// Whether the collocation engine may start (or choose the support of) this model: always
/// without networks; with networks only when it could train them itself
/// ([`collocation::MAX_WEIGHTS`]). Above that the start is the smoothed data and the networks'
/// own start, and `threshold = auto` trains the whole library (the pipeline warns).
pub fn collocation_helps(input: &FitInput) -> bool {
    input.ir.n_weights <= collocation::MAX_WEIGHTS
}

/// The collocation fit that starts or supports MNN training: the user's settings under
/// `method = collocation`, with `rounds = 0` (the whole library) when `full_library`.
fn collocation_fit(input: &FitInput, full_library: bool) -> Result<Fitted, FitError> {
    let mut model = input.model.clone();
    model.fit.method = Method::Collocation;
    if full_library {
        model.fit.rounds = 0;
    }
    let sub = FitInput { model: &model, ..*input };
    collocation::fit(&sub)
}

/// The starting point.
pub fn start(input: &FitInput, m: &Mnn, rng: &mut SeededRng) -> Result<Start, FitError> {
    let settings = &input.model.fit;
    let helps = collocation_helps(input);
    let auto = settings.threshold == Threshold::Auto && helps;
    let warm = settings.init == Init::Collocation && helps;
    let colloc = if warm || auto { Some(collocation_fit(input, !auto)?) } else { None };
    let mut x = smoothed_point(m, input);
    let weight_unit = start_weights(m, rng, colloc.as_ref().filter(|_| warm), &mut x)?;
    let mut active = vec![true; m.s.ncoef];
    let mut support = None;
    if let Some(f) = &colloc {
        if auto {
            active.clone_from(&f.active);
            support = Some((f.path.clone(), f.threshold));
        }
        if warm {
            warm_point(m, f, &mut x);
        }
    }
    if !warm {
        // Random coefficients in the coordinates training moves them in (see `Whitener`): each
        // independent direction gets a draw of the size that explains the data's variation.
        let c0 = Point::nzv(m) + m.s.np;
        let zero = Point { x: x.clone(), active: active.clone() };
        let white = Whitener::new(m, &zero)?;
        let xi: Vec<f64> = active.iter().map(|&a| if a { StandardNormal.sample(rng) } else { 0.0 }).collect();
        white.to_c(&xi, &mut x[c0..c0 + m.s.ncoef]);
    }
    let c0 = Point::nzv(m) + m.s.np;
    for (s, &a) in active.iter().enumerate() {
        if !a {
            x[c0 + s] = 0.0;
        }
    }
    Ok(Start { point: Point { x, active }, support, weight_unit })
}

/// The smoothed data, the parameters at their guesses, coefficients 0.
fn smoothed_point(m: &Mnn, input: &FitInput) -> Vec<f64> {
    let mut x: Vec<f64> = m.s.trajs.iter().flat_map(|t| t.z.iter().copied()).collect();
    x.extend(input.model.params.iter().map(|p| p.init));
    x.extend(std::iter::repeat_n(0.0, m.s.ncoef));
    for _ in 0..m.s.trajs.len() {
        x.extend(m.s.per_traj.iter().map(|&q| input.model.params[q].init));
    }
    x
}

/// Copies a collocation result into `x`: its denoised trajectories (when they have the learned
/// columns' layout), parameters, per-trajectory values and coefficients.
fn warm_point(m: &Mnn, f: &Fitted, x: &mut [f64]) {
    let nz = m.s.nz;
    for (k, d) in f.denoised.iter().enumerate().take(m.s.trajs.len()) {
        let n = m.s.trajs[k].t.len();
        if d.width == nz && d.len() == n && d.values.iter().all(|v| v.is_finite()) {
            x[m.offset[k] * nz..(m.offset[k] + n) * nz].copy_from_slice(&d.values);
        }
    }
    let t0 = Point::nzv(m);
    x[t0..t0 + m.s.np].copy_from_slice(&f.params[..m.s.np]);
    x[t0 + m.s.np..t0 + m.n_theta].copy_from_slice(&f.coefficients);
    let npt = m.npt();
    for k in 0..m.s.trajs.len() {
        for (j, &q) in m.s.per_traj.iter().enumerate() {
            if let Some(&v) = f.per_trajectory[q].get(k) {
                x[t0 + m.n_theta + k * npt + j] = v;
            }
        }
    }
}

/// Appends the networks' starting weights to `x` (the collocation fit's when it trained them)
/// and returns Adam's unit of each.
fn start_weights(m: &Mnn, rng: &mut SeededRng, warm: Option<&Fitted>, x: &mut Vec<f64>) -> Result<Vec<f64>, FitError> {
    let Some(nets) = &m.nets else { return Ok(Vec::new()) };
    let t0 = Point::nzv(m);
    let kp = x[t0..t0 + m.n_theta].to_vec();
    let npt = m.npt();
    let pt: Vec<Vec<f64>> =
        (0..m.s.trajs.len()).map(|k| x[t0 + m.n_theta + k * npt..t0 + m.n_theta + (k + 1) * npt].to_vec()).collect();
    // Per equation: its column's mean noise level over a window's mean duration.
    let ntr = m.s.trajs.len() as f64;
    let span: f64 = m.s.trajs.iter().map(|t| t.h.iter().sum::<f64>() / t.h.len().max(1) as f64).sum::<f64>() / ntr;
    let reach: Vec<f64> = (0..m.s.neq)
        .map(|e| {
            let sigma = m.s.trajs.iter().map(|t| t.sigma[m.s.eq_col[e]]).sum::<f64>() / ntr;
            sigma / (span * (m.len - 1) as f64)
        })
        .collect();
    let (w, unit) = nets.start(&m.s, &kp, &pt, rng, warm.map(|f| &f.weights[..]), &reach)?;
    x.extend(w);
    Ok(unit)
}
