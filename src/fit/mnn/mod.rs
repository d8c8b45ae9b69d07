//! `method = mnn`: gradient training through the S-MNN solver layer (`crate::mnn`) on candle
//! tensors.
//!
//! The unknowns are one learned (denoised) trajectory per data trajectory, a value per data
//! point and learned column (MNN's `var`), the `sparse` coefficients (masked once dropped), the
//! parameters (kept inside their bounds) and the per-trajectory parameters. Every trajectory is
//! cut into windows (`window` rows every `stride`; [`windows`]). For a batch of windows the
//! right-hand sides are evaluated on the denoised rows by the compiled kernels, the S-MNN layer
//! solves `u^(r) = f` on each window from the window's first denoised state (orders `0..r` for
//! `x^(r) = …`; irregular grids through per-interval steps), and the loss is the noise-weighted
//! misfit of `u` to the data and to the denoised trajectory, and of the denoised trajectory to
//! the data ([`loss`], a fused candle op with a hand-written backward pass; [`graph`] builds the
//! same loss from candle's generic ops as its oracle), plus `l1` times the normalised
//! coefficients' absolute values ([`objective`]). Adam ([`adam`]) takes `epochs` passes over the
//! shuffled windows per round, its rate decaying from `lr` by a cosine ([`train`]); every unknown
//! moves in its own units: the coefficients in coordinates where the loss's curvature is the
//! identity ([`whiten`]), the parameters in tenths of their range or their size, the denoised
//! values in tenths of the noise level.
//!
//! Neural terms `mlp(...)` ([`neural`]): the networks run on candle tensors over the windows'
//! kernel rows, their outputs enter the fused loss as a third input added to the compiled
//! right-hand sides, and their weights follow `θ` in the point (and become `Fitted::weights`).
//!
//! Sparsity: with a numeric `threshold`, round 0 trains the whole library and each of the
//! `rounds` further rounds first drops the non-`keep` terms whose magnitude (normalised, or raw
//! with `threshold_scale = raw`) is below the threshold — masks are cumulative — then trains
//! again. With `threshold = auto` the collocation path chooses the support and one round trains
//! on it. `init = collocation` starts from the collocation fit, `init = random` from random
//! coefficients ([`init`]). Each round keeps its best epoch (lowest held-out loss with
//! `validation`, else lowest training loss); Ctrl-C stops at the next batch and keeps the best.
//!
//! # Measured (`mechc bench mnn`, release, 2-core machine under load; see the README)
//! The published S-MNN Lorenz recipe (`examples/lorenz_mnn.mech`, random start, ten rounds of 40
//! epochs): the seven terms, worst coefficient error 2.4% (published: 7.8%), 9.2 s wall, 4.8 s
//! CPU (published: about 23 min on a workstation GPU). One training step of 32 windows of 50
//! rows (median of 50): fused op 0.62 ms, the same loss from candle's generic ops 1.09 ms.

mod adam;
pub mod amortised;
pub mod encoder;
mod graph;
mod init;
mod loss;
mod neural;
mod objective;
mod problem;
mod train;
mod whiten;
mod windows;

pub use amortised::Amortised;
pub use encoder::EncoderWeights;
pub use objective::{Build, Objective};
pub use problem::min_rows;

use std::sync::Arc;

use crate::check::settings::{Threshold, ThresholdScale};
use crate::data::seeded;
use crate::fit::smoothed::Smoothed;
use crate::fit::{FitError, FitInput, Fitted, PathEntry};
use problem::{Mnn, Point};
use train::Trainer;

/// Trains the model by MNN.
pub fn fit(input: &FitInput) -> Result<Fitted, FitError> {
    if input.model.encoders.iter().any(|e| !e.outputs.is_empty()) {
        return amortised::fit(input);
    }
    let m = Arc::new(Mnn::new(input, smoothed(input)?)?);
    let mut rng = seeded(input.seed);
    let start = init::start(input, &m, &mut rng)?;
    check_start(input, &m, &start.point)?;
    let mut tr = Trainer::new(m.clone(), input, rng, &start.weight_unit);
    let settings = &input.model.fit;
    let (mut p, mut done) = (tr.round(start.point, 0)?.0, 0);
    let level = match settings.threshold {
        Threshold::Level(t) if start.support.is_none() => Some(t),
        _ => None,
    };
    if let Some(thr) = level {
        let raw = settings.threshold_scale == ThresholdScale::Raw;
        for round in 1..=settings.rounds {
            if tr.interrupted {
                break;
            }
            let mags = magnitudes(&m, &p, raw)?;
            for (s, &mag) in mags.iter().enumerate() {
                if p.active[s] && !m.s.keep[s] && mag < thr {
                    p.active[s] = false;
                    p.x[Point::nzv(&m) + m.s.np + s] = 0.0;
                }
            }
            p = tr.round(p, round)?.0;
            done = round;
        }
    }
    let loss = full_loss(&m, &p)?;
    let (path, threshold) = match start.support {
        Some(s) => s,
        None => {
            let terms = p.active.iter().filter(|&&a| a).count();
            let cells = (m.train.len() * m.len * m.s.nz) as f64;
            let criterion = loss * cells + terms as f64 * cells.ln();
            (
                level
                    .map(|t| vec![PathEntry { threshold: t, terms, loss, criterion, chosen: true }])
                    .unwrap_or_default(),
                level,
            )
        }
    };
    let magnitudes = magnitudes(&m, &p, false)?;
    let mut fitted = finish(input, &m, p, tr, loss, path, threshold, done);
    fitted.magnitudes = magnitudes;
    Ok(fitted)
}

/// The smoothed data with the right-hand sides compiled for this engine: without the neural
/// terms, which run on candle tensors ([`neural`]).
fn smoothed(input: &FitInput) -> Result<Smoothed, FitError> {
    if input.ir.networks().next().is_some() {
        Smoothed::without_networks(input)
    } else {
        Smoothed::new(input)
    }
}

/// Refuses a start whose right-hand sides are not finite on the denoised data.
fn check_start(input: &FitInput, m: &Mnn, p: &Point) -> Result<(), FitError> {
    for (k, x) in rows_per_traj(m, p).iter().enumerate() {
        let n = m.s.trajs[k].t.len();
        let mut f = vec![0.0; n * m.s.neq];
        let theta = &p.x[Point::nzv(m)..Point::nzv(m) + m.n_theta];
        m.s.rhs.value.eval_par(n, x, theta, &mut f).map_err(|e| FitError::Data(format!("kernel call failed: {e}")))?;
        m.s.check_finite(input, k, &f)?;
    }
    Ok(())
}

/// Kernel rows of every trajectory at `p`.
fn rows_per_traj(m: &Mnn, p: &Point) -> Vec<Vec<f64>> {
    let (nz, npt, t0) = (m.s.nz, m.npt(), Point::nzv(m) + m.n_theta);
    (0..m.s.trajs.len())
        .map(|k| {
            let n = m.s.trajs[k].t.len();
            let z = &p.x[m.offset[k] * nz..(m.offset[k] + n) * nz];
            m.s.rows(k, z, &p.x[t0 + k * npt..t0 + (k + 1) * npt])
        })
        .collect()
}

/// The loss over every training window at `p` (without the L1 term).
fn full_loss(m: &Mnn, p: &Point) -> Result<f64, FitError> {
    objective::plain_loss(m, &m.train, &p.x)
}

/// Magnitude of each active coefficient: raw `|c|`, or normalised `|c|·rms(term)/rms(f_e)` over
/// the denoised rows (`f_e` the equation's whole right-hand side).
fn magnitudes(m: &Mnn, p: &Point, raw: bool) -> Result<Vec<f64>, FitError> {
    let s = &m.s;
    let c0 = Point::nzv(m) + s.np;
    if raw {
        return Ok((0..s.ncoef).map(|c| if p.active[c] { p.x[c0 + c].abs() } else { 0.0 }).collect());
    }
    let npar = s.layout.n_params;
    let theta = &p.x[Point::nzv(m)..Point::nzv(m) + m.n_theta];
    let (mut term_ss, mut f_ss, mut rows) = (vec![0.0; s.ncoef], vec![0.0; s.neq], 0usize);
    for (k, x) in rows_per_traj(m, p).iter().enumerate() {
        let n = s.trajs[k].t.len();
        let mut f = vec![0.0; n * s.neq];
        let mut jp = vec![0.0; n * s.neq * npar];
        let err = |e: crate::jit::JitError| FitError::Data(format!("kernel call failed: {e}"));
        s.rhs.value.eval_par(n, x, theta, &mut f).map_err(err)?;
        s.rhs.d_params.eval_par(n, x, theta, &mut jp).map_err(err)?;
        rows += n;
        for i in 0..n {
            (0..s.neq).for_each(|e| f_ss[e] += f[i * s.neq + e].powi(2));
            for (c, v) in term_ss.iter_mut().enumerate() {
                *v += jp[(i * s.neq + s.slot_eq[c]) * npar + s.np + c].powi(2);
            }
        }
    }
    let rms = |v: f64| (v / rows as f64).sqrt();
    Ok((0..s.ncoef)
        .map(|c| {
            if !p.active[c] {
                return 0.0;
            }
            p.x[c0 + c].abs() * rms(term_ss[c]) / rms(f_ss[s.slot_eq[c]]).max(f64::MIN_POSITIVE)
        })
        .collect())
}

/// Assembles the [`Fitted`] result.
#[allow(clippy::too_many_arguments)]
fn finish(
    input: &FitInput,
    m: &Mnn,
    p: Point,
    tr: Trainer,
    loss: f64,
    path: Vec<PathEntry>,
    threshold: Option<f64>,
    rounds: usize,
) -> Fitted {
    let s = &m.s;
    let t0 = Point::nzv(m);
    let mut params = p.x[t0..t0 + s.np].to_vec();
    let mut per_trajectory = vec![Vec::new(); s.np];
    let npt = m.npt();
    for (j, &q) in s.per_traj.iter().enumerate() {
        let v: Vec<f64> = (0..s.trajs.len()).map(|k| p.x[t0 + m.n_theta + k * npt + j]).collect();
        params[q] = v.iter().sum::<f64>() / v.len() as f64;
        per_trajectory[q] = v;
    }
    let denoised = (0..s.trajs.len())
        .map(|k| {
            let n = s.trajs[k].t.len();
            s.trajectory(k, p.x[m.offset[k] * s.nz..(m.offset[k] + n) * s.nz].to_vec())
        })
        .collect();
    Fitted {
        coefficients: (0..s.ncoef).map(|c| if p.active[c] { p.x[t0 + s.np + c] } else { 0.0 }).collect(),
        active: p.active,
        params,
        per_trajectory,
        denoised,
        noise: s.noise(input.ir.names.states.len()),
        history: tr.history,
        path,
        threshold,
        rounds,
        loss,
        interrupted: tr.interrupted,
        magnitudes: Vec::new(),
        phases: Vec::new(),
        uncertainty: None,
        no_effect: vec![false; s.np],
        weights: p.x[t0 + m.theta_len()..].to_vec(),
        encoders: None,
        ensemble: None,
    }
}
