//! The fixed description of one MNN training: the smoothed data and compiled right-hand sides
//! ([`Smoothed`]), where each trajectory's rows sit in the flat denoised-trajectory tensor, the
//! ODE layer of each group of equations of one order (with its factorised left-hand side when
//! the time grid is uniform), the window length and the training and validation windows, the
//! noise weights, and the scale of every unknown (Adam steps are taken in these units).
//!
//! Input: a [`FitInput`] and a [`Smoothed`]. Output: [`Mnn`].

use crate::check::settings::FitSettings;
use crate::fit::smoothed::Smoothed;
use crate::fit::{FitError, FitInput};
use std::sync::Arc;

use crate::check::settings::Device;
use crate::mnn::{CpuBackend, FrozenLhs, LhsShape, OdeOptions, SolveError, SolverBackend};

use super::neural::Networks;
use super::windows;

/// The equations of one derivative order `r`, solved together as independent 1-D linear ODEs
/// `u^(r) = rhs` with `P = r + 2` stored orders (the top one is left to the smoothness rows, as
/// in S-MNN's first-order layout `c = [0, 1, 0]`) and initial values for orders `0..r`.
pub struct Group {
    /// The derivative order `r`.
    pub order: usize,
    /// The equations (indices) in this group.
    pub eqs: Vec<usize>,
    /// Per equation, the learned column of its state's order 0 (its lower derivatives follow).
    pub base: Vec<usize>,
    /// The factorised left-hand side for a uniform grid (`None`: steps vary, factorise per batch).
    pub frozen: Option<FrozenLhs>,
}

impl Group {
    /// Stored orders per dim.
    pub fn p(&self) -> usize {
        self.order + 2
    }

    /// The linear ODE's coefficients (1, 1, 1, 1, P): 1 on order `r`.
    pub fn coeffs(&self) -> Vec<f64> {
        let mut c = vec![0.0; self.p()];
        c[self.order] = 1.0;
        c
    }

    /// The left-hand-side shape for `len` time points and `batch` step batches.
    pub fn lhs_shape(&self, len: usize, step_batch: usize) -> LhsShape {
        let step_len = if step_batch == 1 { 1 } else { len - 1 };
        LhsShape {
            n: len,
            e: 1,
            d: 1,
            p: self.p(),
            s: 1,
            k: self.order,
            coeff_batch: 1,
            coeff_steps: 1,
            step_batch,
            step_len,
        }
    }
}

/// The unknowns: the flat denoised trajectories `Z` (rows × nz) followed by `θ` (model
/// parameters, coefficients, per-trajectory values) and the neural terms' weights, and the
/// active coefficients.
#[derive(Clone, Debug, PartialEq)]
pub struct Point {
    /// `Z` then `θ`.
    pub x: Vec<f64>,
    /// Active coefficient slots.
    pub active: Vec<bool>,
}

impl Point {
    /// Length of the `Z` part.
    pub fn nzv(m: &Mnn) -> usize {
        m.n_rows * m.s.nz
    }
}

/// Everything fixed during training.
pub struct Mnn {
    /// Data, smoothed start, compiled right-hand sides.
    pub s: Smoothed,
    /// Row of the flat denoised tensor where each trajectory starts.
    pub offset: Vec<usize>,
    /// Rows of the flat denoised tensor.
    pub n_rows: usize,
    /// The ODE layers, one per derivative order.
    pub groups: Vec<Group>,
    /// Row weights of the layer.
    pub opts: OdeOptions,
    /// The device the layer is solved on (`fit { device }`): every solve goes through it.
    pub backend: Arc<dyn SolverBackend>,
    /// Rows per window.
    pub len: usize,
    /// Training windows `(trajectory, start row)`.
    pub train: Vec<(usize, usize)>,
    /// Validation windows (in each trajectory's held-out end).
    pub valid: Vec<(usize, usize)>,
    /// `1/σ²` per trajectory and learned column.
    pub inv_var: Vec<Vec<f64>>,
    /// Length of the kernel parameter vector: model parameters, then coefficients.
    pub n_theta: usize,
    /// Scale of each coefficient: `rms(derivative) / rms(term)`, so that a coefficient in
    /// units of its scale is its normalised magnitude.
    pub coef_scale: Vec<f64>,
    /// Scale of each model parameter.
    pub param_scale: Vec<f64>,
    /// The model's neural terms, trained on candle tensors (their weights follow `θ` in the
    /// point).
    pub nets: Option<Networks>,
    /// `weight_decay`: the loss gains `weight_decay · Σ w²` over the networks' weights (the
    /// collocation cost adds it per data point; this loss is already per cell).
    pub weight_decay: f64,
}

impl Mnn {
    /// Sets the training up.
    pub fn new(input: &FitInput, s: Smoothed) -> Result<Mnn, FitError> {
        let settings = &input.model.fit;
        let mut offset = Vec::with_capacity(s.trajs.len());
        let mut n_rows = 0;
        for tr in &s.trajs {
            offset.push(n_rows);
            n_rows += tr.t.len();
        }
        let len = match settings.window {
            Some(w) => w,
            None => windows::auto_len(&s),
        };
        let stride = settings.stride.unwrap_or((len / 2).max(1));
        let (train, valid) = windows::split(&s, len, stride, settings.validation)?;
        let opts = ode_options(settings);
        let backend = backend(settings.device)?;
        let groups = groups(input, &s, len, &opts, backend.as_ref())?;
        let inv_var = s.trajs.iter().map(|t| t.sigma.iter().map(|v| 1.0 / (v * v)).collect()).collect();
        let coef_scale = coef_scales(&s, input)?;
        let param_scale = input.model.params.iter().map(param_scale).collect();
        let nets = Networks::new(input, &s)?;
        Ok(Mnn {
            nets,
            weight_decay: settings.weight_decay,
            n_theta: s.np + s.ncoef,
            s,
            offset,
            n_rows,
            groups,
            opts,
            backend,
            len,
            train,
            valid,
            inv_var,
            coef_scale,
            param_scale,
        })
    }

    /// Weights of the neural terms (0 without).
    pub fn n_weights(&self) -> usize {
        self.nets.as_ref().map_or(0, |n| n.n_weights)
    }

    /// Per-trajectory parameters per trajectory.
    pub fn npt(&self) -> usize {
        self.s.per_traj.len()
    }

    /// Length of the full parameter vector: kernel parameters, then per-trajectory values.
    pub fn theta_len(&self) -> usize {
        self.n_theta + self.s.trajs.len() * self.npt()
    }

    /// The steps of the window starting at row `start` of trajectory `k`.
    pub fn steps(&self, k: usize, start: usize) -> &[f64] {
        &self.s.trajs[k].h[start..start + self.len - 1]
    }
}

/// A bounded parameter's scale is a tenth of its range; an unbounded one's its initial value's
/// size (1 for a parameter guessed at 0).
fn param_scale(p: &crate::check::hir::Param) -> f64 {
    match p.bounds {
        Some((lo, hi)) if (hi - lo).is_finite() => 0.1 * (hi - lo),
        _ if p.init != 0.0 => p.init.abs(),
        _ => 1.0,
    }
}

/// The S-MNN solve's options from the fit settings (the row weights; one-sided differences).
pub(super) fn ode_options(settings: &FitSettings) -> OdeOptions {
    OdeOptions {
        central: false,
        weight_equation: settings.weight_equation,
        weight_init: settings.weight_init,
        weight_smooth: settings.weight_smooth,
        n_steps: None,
    }
}

/// One group per derivative order; a factorised left-hand side when every step is the same
/// (shared with the encoder fit).
pub(super) fn groups(
    input: &FitInput,
    s: &Smoothed,
    len: usize,
    opts: &OdeOptions,
    backend: &dyn SolverBackend,
) -> Result<Vec<Group>, FitError> {
    let ir = input.ir;
    let h0 = s.trajs[0].h[0];
    let uniform = s.trajs.iter().flat_map(|t| &t.h).all(|&h| (h - h0).abs() <= 1e-9 * h0.abs());
    let mut groups: Vec<Group> = Vec::new();
    for (e, eq) in ir.equations.iter().enumerate() {
        let order = eq.order as usize;
        let base = s.eq_col[e] + 1 - order;
        match groups.iter_mut().find(|g| g.order == order) {
            Some(g) => {
                g.eqs.push(e);
                g.base.push(base);
            }
            None => groups.push(Group { order, eqs: vec![e], base: vec![base], frozen: None }),
        }
    }
    if uniform {
        for g in &mut groups {
            let shape = g.lhs_shape(len, 1);
            let f = FrozenLhs::with_backend(backend, &shape, &g.coeffs(), &[h0], opts).map_err(|e| solve_error(&e))?;
            g.frozen = Some(f);
        }
    }
    Ok(groups)
}

/// The solver backend of `device`: the device seam of the MNN engine. This build has only the
/// CPU; the checker refuses `device = cuda` (`E045`) before training.
fn backend(device: Device) -> Result<Arc<dyn SolverBackend>, FitError> {
    match device {
        Device::Cpu => Ok(Arc::new(CpuBackend)),
        Device::Cuda => {
            Err(FitError::Unsupported { what: "`device = cuda` (no CUDA backend in this build)".into(), span: None })
        }
    }
}

/// A solver failure as a fit error.
pub fn solve_error(e: &SolveError) -> FitError {
    FitError::Singular { detail: format!("the window's ODE layer cannot be solved: {e}") }
}

/// `rms(derivative_e) / rms(term_s)` on the smoothed data for every coefficient slot.
fn coef_scales(s: &Smoothed, input: &FitInput) -> Result<Vec<f64>, FitError> {
    let npar = s.layout.n_params;
    let mut theta: Vec<f64> = input.model.params.iter().map(|p| p.init).collect();
    theta.resize(s.np + s.ncoef, 0.0);
    let (mut term_ss, mut der_ss, mut rows) = (vec![0.0; s.ncoef], vec![0.0; s.neq], 0usize);
    for (k, tr) in s.trajs.iter().enumerate() {
        let n = tr.t.len();
        let pt: Vec<f64> = s.per_traj.iter().map(|&p| input.model.params[p].init).collect();
        let x = s.rows(k, &tr.z, &pt);
        let mut jp = vec![0.0; n * s.neq * npar];
        s.rhs
            .d_params
            .eval_par(n, &x, &theta, &mut jp)
            .map_err(|e| FitError::Data(format!("kernel call failed: {e}")))?;
        rows += n;
        for i in 0..n {
            for (c, v) in term_ss.iter_mut().enumerate() {
                *v += jp[(i * s.neq + s.slot_eq[c]) * npar + s.np + c].powi(2);
            }
            for (e, v) in der_ss.iter_mut().enumerate() {
                *v += tr.dz[i * s.neq + e].powi(2);
            }
        }
    }
    let rms = |ss: f64| (ss / rows as f64).sqrt();
    Ok((0..s.ncoef)
        .map(|c| {
            let (t, d) = (rms(term_ss[c]), rms(der_ss[s.slot_eq[c]]));
            if t > 0.0 && d > 0.0 && (d / t).is_finite() {
                d / t
            } else {
                1.0
            }
        })
        .collect())
}

/// Rows a trajectory needs under these settings: the window when it is given, else the
/// smallest automatic window.
pub fn min_rows(settings: &FitSettings) -> usize {
    settings.window.unwrap_or(windows::MIN_AUTO_LEN)
}
