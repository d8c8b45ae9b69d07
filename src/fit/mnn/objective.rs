//! The training loss on candle tensors, and the same loss as a plain function of one flat vector
//! for derivative checks.
//!
//! [`loss_and_grad`] is what every training step runs: `Z` and `θ` become candle variables, the
//! window loss is the fused [`WindowLossOp`], the L1 penalty `l1 · Σ |c_s| / scale_s` is built from
//! candle operations, and candle's backward pass gives the gradient. [`Objective`] exposes it
//! (and the unfused [`graph_loss`]) over the flat vector `[Z, θ]` of a problem set up exactly as
//! training sets it up.
//!
//! Input: the set-up [`Mnn`], windows, a point. Output: the loss and its gradient.

use std::sync::Arc;

use candle_core::{Device, Tensor, Var};

use super::graph::{gather, graph_loss, kernel_params, kernel_rows};
use super::init;
use super::loss::{kernel_rows as kernel_rows_plain, window_loss, WindowLossOp};
use super::neural::Networks;
use super::problem::{Mnn, Point};
use crate::data::seeded;
use crate::fit::{FitError, FitInput};

fn candle_err(e: candle_core::Error) -> FitError {
    FitError::Data(format!("training step failed: {e}"))
}

/// How the window loss is built.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Build {
    /// The fused op with its hand-written backward pass.
    Fused,
    /// candle's generic operations and autograd ([`graph_loss`]).
    Graph,
}

/// The loss of a batch at `x = [Z, θ]` with `l1` times the normalised coefficients' absolute
/// values, and its gradient with respect to `x`, through candle.
pub fn loss_and_grad(
    m: &Arc<Mnn>,
    windows: &[(usize, usize)],
    x: &[f64],
    l1: f64,
    build: Build,
) -> Result<(f64, Vec<f64>), FitError> {
    let (nzv, tl, dev) = (Point::nzv(m), m.theta_len(), Device::Cpu);
    let z = Var::from_slice(&x[..nzv], (m.n_rows, m.s.nz), &dev).map_err(candle_err)?;
    let th = Var::from_slice(&x[nzv..nzv + tl], tl, &dev).map_err(candle_err)?;
    let w = match m.nets {
        Some(_) => Some(Var::from_slice(&x[nzv + tl..], m.n_weights(), &dev).map_err(candle_err)?),
        None => None,
    };
    let (zt, tt, wt) = (z.as_tensor(), th.as_tensor(), w.as_ref().map(|w| w.as_tensor()));
    let mut loss = match (build, &m.nets, wt) {
        (Build::Fused, Some(nets), Some(wt)) => fused_neural(m, nets, windows, zt, tt, wt),
        (Build::Fused, ..) => zt.apply_op2(tt, WindowLossOp::new(m.clone(), windows.to_vec())),
        (Build::Graph, ..) => graph_loss(m, windows, zt, tt, wt),
    }
    .map_err(candle_err)?;
    if l1 > 0.0 && m.s.ncoef > 0 {
        let inv: Vec<f64> = m.coef_scale.iter().map(|s| l1 / s).collect();
        let inv = Tensor::from_vec(inv, m.s.ncoef, &dev).map_err(candle_err)?;
        let c = th.as_tensor().narrow(0, m.s.np, m.s.ncoef).map_err(candle_err)?;
        let pen = c.abs().and_then(|a| a.mul(&inv)).and_then(|a| a.sum_all()).map_err(candle_err)?;
        loss = (loss + pen).map_err(candle_err)?;
    }
    if let (Some(w), true) = (wt, m.weight_decay > 0.0) {
        let pen = w.sqr().and_then(|s| s.sum_all()).and_then(|s| s * m.weight_decay).map_err(candle_err)?;
        loss = (loss + pen).map_err(candle_err)?;
    }
    let value = loss.to_scalar::<f64>().map_err(candle_err)?;
    if !value.is_finite() {
        return Err(FitError::Diverged { round: 0, loss: value });
    }
    let grads = loss.backward().map_err(candle_err)?;
    let get = |v: &Var| -> Result<Vec<f64>, FitError> {
        match grads.get(v.as_tensor()) {
            Some(g) => g.flatten_all().and_then(|g| g.to_vec1::<f64>()).map_err(candle_err),
            None => Ok(vec![0.0; v.as_tensor().elem_count()]),
        }
    };
    let mut g = get(&z)?;
    g.extend(get(&th)?);
    if let Some(w) = &w {
        g.extend(get(w)?);
    }
    Ok((value, g))
}

/// The fused window loss with the networks' outputs as its third input: the networks run on
/// candle tensors over the windows' kernel rows (gathered from `z`), so candle's backward pass
/// carries the op's `∂L/∂f` into the weights, `z` and `θ`.
fn fused_neural(
    m: &Arc<Mnn>,
    nets: &Networks,
    windows: &[(usize, usize)],
    z: &Tensor,
    theta: &Tensor,
    w: &Tensor,
) -> candle_core::Result<Tensor> {
    let zr = gather(m, windows, z)?;
    let x = kernel_rows(m, windows, &zr, theta)?;
    let out = nets.forward(&x, &kernel_params(m, theta)?, w)?;
    z.apply_op3(theta, &out, WindowLossOp::new(m.clone(), windows.to_vec()))
}

/// The loss of `windows` at `x = [Z, θ, weights]` without gradients (the networks' outputs
/// computed on plain values).
pub fn plain_loss(m: &Mnn, windows: &[(usize, usize)], x: &[f64]) -> Result<f64, FitError> {
    let (nzv, tl) = (Point::nzv(m), m.theta_len());
    let (z, theta) = (&x[..nzv], &x[nzv..nzv + tl]);
    let net = match &m.nets {
        Some(nets) => {
            let rows = kernel_rows_plain(m, windows, z, theta);
            let mut kp = theta[..m.n_theta].to_vec();
            m.s.per_traj.iter().for_each(|&q| kp[q] = 0.0);
            Some(nets.values(&rows, m.s.layout.columns.len(), &kp, &x[nzv + tl..])?)
        }
        None => None,
    };
    Ok(window_loss(m, windows, z, theta, net.as_deref(), false)?.loss)
}

/// The MNN training loss over every training window as a function of `x = [Z, θ]`
/// (`Z` row-major rows × learned columns over all trajectories; `θ` the model parameters, the
/// coefficients and the per-trajectory values), set up as [`super::fit`] sets it up.
pub struct Objective {
    m: Arc<Mnn>,
    start: Vec<f64>,
    l1: f64,
}

impl Objective {
    /// Sets the problem up and draws the starting point.
    pub fn new(input: &FitInput) -> Result<Objective, FitError> {
        let m = Arc::new(Mnn::new(input, super::smoothed(input)?)?);
        let start = init::start(input, &m, &mut seeded(input.seed))?;
        Ok(Objective { m, start: start.point.x, l1: input.model.fit.l1 })
    }

    /// The starting point.
    pub fn point(&self) -> Vec<f64> {
        self.start.clone()
    }

    /// Entries of the `Z` part of `x`.
    pub fn z_len(&self) -> usize {
        Point::nzv(&self.m)
    }

    /// Model parameters and coefficient slots at the start of `θ`.
    pub fn params_and_coefs(&self) -> (usize, usize) {
        (self.m.s.np, self.m.s.ncoef)
    }

    /// Rows per training window.
    pub fn window(&self) -> usize {
        self.m.len
    }

    /// The number of training and validation windows.
    pub fn windows(&self) -> (usize, usize) {
        (self.m.train.len(), self.m.valid.len())
    }

    /// The loss at `x`.
    pub fn loss(&self, x: &[f64]) -> Result<f64, FitError> {
        Ok(loss_and_grad(&self.m, &self.m.train, x, self.l1, Build::Fused)?.0)
    }

    /// The loss of the first `batch` training windows (one training step's batch) and its
    /// gradient at `x`, built as `build` says.
    pub fn loss_and_grad_batch(&self, x: &[f64], batch: usize, build: Build) -> Result<(f64, Vec<f64>), FitError> {
        let b = batch.min(self.m.train.len());
        loss_and_grad(&self.m, &self.m.train[..b], x, self.l1, build)
    }

    /// The loss and its gradient at `x`, built as `build` says.
    pub fn loss_and_grad(&self, x: &[f64], build: Build) -> Result<(f64, Vec<f64>), FitError> {
        loss_and_grad(&self.m, &self.m.train, x, self.l1, build)
    }
}
