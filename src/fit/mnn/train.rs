//! The training loop: one Adam step per batch of shuffled windows, with the loss built on candle
//! tensors (the denoised trajectories and the parameter vector are candle variables, the window
//! loss is the [`WindowLossOp`] custom op, the L1 penalty candle's own ops, and the gradient comes
//! from candle's backward pass); epochs with progress reports, history, the held-out loss, the
//! best epoch kept, and the cancel flag honoured between steps.
//!
//! Input: the training set-up ([`Mnn`]) and a starting point. Output: the best point of each
//! round and its loss.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use super::adam::Adam;
use super::objective::{loss_and_grad, plain_loss, Build};
use super::problem::{Mnn, Point};
use super::whiten::Whitener;
use crate::data::{batches, SeededRng};
use crate::fit::{FitError, FitInput, HistoryEntry, Progress};

/// The running training.
pub struct Trainer<'a> {
    m: Arc<Mnn>,
    input: &'a FitInput<'a>,
    adam: Adam,
    rng: SeededRng,
    scale: Vec<f64>,
    /// Loss after every epoch, with its round.
    pub history: Vec<HistoryEntry>,
    /// Set once the cancel flag was seen.
    pub interrupted: bool,
}

impl<'a> Trainer<'a> {
    /// A trainer with the run's generator (already used for the starting point, if random).
    /// `weight_unit`: Adam's unit of each network weight.
    pub fn new(m: Arc<Mnn>, input: &'a FitInput<'a>, rng: SeededRng, weight_unit: &[f64]) -> Trainer<'a> {
        let mut scale = scales(&m);
        scale.extend_from_slice(weight_unit);
        let adam = Adam::new(scale.len(), input.model.fit.lr);
        Trainer { m, input, adam, rng, scale, history: Vec::new(), interrupted: false }
    }

    fn cancelled(&mut self) -> bool {
        if self.input.cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
            self.interrupted = true;
        }
        self.interrupted
    }

    /// One Adam step on a batch; returns the batch loss before the step.
    fn step(&mut self, p: &mut Point, batch: &[(usize, usize)], white: &Whitener) -> Result<f64, FitError> {
        let l1 = self.input.model.fit.l1;
        let (value, mut g) = loss_and_grad(&self.m, batch, &p.x, l1, Build::Fused)?;
        let (c0, nc) = (Point::nzv(&self.m) + self.m.s.np, self.m.s.ncoef);
        let xi = white.to_xi(&p.x[c0..c0 + nc]);
        let gxi = white.grad_xi(&g[c0..c0 + nc]);
        p.x[c0..c0 + nc].copy_from_slice(&xi);
        g[c0..c0 + nc].copy_from_slice(&gxi);
        let free = self.free(&p.active);
        self.adam.step(&mut p.x, &g, &self.scale, &free);
        let xi = p.x[c0..c0 + nc].to_vec();
        white.to_c(&xi, &mut p.x[c0..c0 + nc]);
        self.project(p);
        Ok(value)
    }

    /// Which unknowns move: every denoised value, parameter and active coefficient.
    fn free(&self, active: &[bool]) -> Vec<bool> {
        let m = &self.m;
        let c0 = Point::nzv(m) + m.s.np;
        let mut free = vec![true; self.scale.len()];
        for (s, &a) in active.iter().enumerate() {
            free[c0 + s] = a;
        }
        for &q in &m.s.per_traj {
            free[Point::nzv(m) + q] = false;
        }
        free
    }

    /// Keeps bounded parameters inside their bounds (1e-9 of the width inside).
    fn project(&self, p: &mut Point) {
        let m = &self.m;
        let t0 = Point::nzv(m);
        let clamp = |v: &mut f64, q: usize| {
            if let Some((lo, hi)) = m.s.bounds[q] {
                let e = 1e-9 * (hi - lo);
                *v = v.clamp(lo + e, hi - e);
            }
        };
        for q in 0..m.s.np {
            clamp(&mut p.x[t0 + q], q);
        }
        let npt = m.npt();
        for k in 0..m.s.trajs.len() {
            for (j, &q) in m.s.per_traj.iter().enumerate() {
                clamp(&mut p.x[t0 + m.n_theta + k * npt + j], q);
            }
        }
    }

    /// One epoch over every training window in shuffled batches; the mean batch loss.
    fn epoch(&mut self, p: &mut Point, round: usize, white: &Whitener) -> Result<Option<f64>, FitError> {
        let m = self.m.clone();
        let order = batches(m.train.len(), self.input.model.fit.batch, &mut self.rng);
        let (mut sum, mut count) = (0.0, 0usize);
        for b in order {
            if self.cancelled() {
                return Ok(None);
            }
            let windows: Vec<(usize, usize)> = b.iter().map(|&i| m.train[i]).collect();
            let l = self.step(p, &windows, white).map_err(|e| at_round(e, round))?;
            if !l.is_finite() {
                return Err(FitError::Diverged { round, loss: l });
            }
            sum += l * windows.len() as f64;
            count += windows.len();
        }
        Ok(Some(sum / count.max(1) as f64))
    }

    /// The held-out loss at `p` (windows in the trajectories' held-out ends).
    fn validation(&self, p: &Point, round: usize) -> Result<Option<f64>, FitError> {
        if self.m.valid.is_empty() {
            return Ok(None);
        }
        Ok(Some(plain_loss(&self.m, &self.m.valid, &p.x).map_err(|e| at_round(e, round))?))
    }

    /// Trains `epochs` epochs; returns the best point of the round (lowest held-out loss with
    /// validation, else lowest epoch loss) and its training loss. Stops early on cancel.
    pub fn round(&mut self, mut p: Point, round: usize) -> Result<(Point, f64), FitError> {
        let epochs = self.input.model.fit.epochs;
        let white = Whitener::new(&self.m, &p)?;
        self.adam = Adam::new(self.scale.len(), self.input.model.fit.lr);
        let mut best: Option<(f64, Point, f64)> = None;
        for epoch in 0..epochs {
            self.adam.set_lr(lr_at(self.input.model.fit.lr, epoch, epochs));
            let Some(loss) = self.epoch(&mut p, round, &white)? else { break };
            let score = self.validation(&p, round)?.unwrap_or(loss);
            self.history.push(HistoryEntry { round, loss });
            if let Some(f) = self.input.progress {
                let active = p.active.iter().filter(|&&a| a).count();
                f(&Progress { round, iteration: epoch, iterations: epochs, loss, active_terms: active });
            }
            if best.as_ref().is_none_or(|b| score < b.0) {
                best = Some((score, p.clone(), loss));
            }
        }
        Ok(best.map_or_else(|| (p, f64::NAN), |(_, bp, l)| (bp, l)))
    }
}

/// The denoised values' step unit, in noise levels. Their start (the smoothed data, or the
/// collocation fit's trajectory) is already within about a noise level of the truth; with a
/// whole noise level per unit of `lr` they drift several noise levels towards the solution of
/// a still-wrong model before the coefficients settle (measured on Lorenz at 5% noise from a
/// random start: the denoised trajectory ended 2× farther from the data than the noise).
const Z_STEP: f64 = 0.1;

/// Learning rate of `epoch` of `epochs`: a cosine from `lr` down to `lr / 100` over the round
/// (steps as large as `lr` near the optimum would keep the coefficients oscillating at that
/// size).
fn lr_at(lr: f64, epoch: usize, epochs: usize) -> f64 {
    let f = if epochs > 1 { epoch as f64 / (epochs - 1) as f64 } else { 0.0 };
    lr * (0.01 + 0.99 * 0.5 * (1.0 + (std::f64::consts::PI * f).cos()))
}

/// The round a divergence happened in.
fn at_round(e: FitError, round: usize) -> FitError {
    match e {
        FitError::Diverged { loss, .. } => FitError::Diverged { round, loss },
        e => e,
    }
}

/// The scale of every unknown: noise levels for the denoised values, the parameter scales, and
/// 1 for the coefficients (Adam moves them in the orthonormal coordinates of [`Whitener`]).
fn scales(m: &Mnn) -> Vec<f64> {
    let mut s = Vec::with_capacity(Point::nzv(m) + m.theta_len());
    for tr in &m.s.trajs {
        for _ in 0..tr.t.len() {
            s.extend(tr.sigma.iter().map(|v| Z_STEP * v));
        }
    }
    s.extend_from_slice(&m.param_scale);
    s.extend(std::iter::repeat_n(1.0, m.s.ncoef));
    for _ in 0..m.s.trajs.len() {
        s.extend(m.s.per_traj.iter().map(|&q| m.param_scale[q]));
    }
    s
}
