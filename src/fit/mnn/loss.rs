//! The window loss of a batch, fused: right-hand sides on the denoised rows (compiled kernels),
//! the S-MNN solve of every window from its first denoised state, and the noise-weighted misfit,
//! with the hand-written backward pass (solver adjoint, then the compiled Jacobians). Wrapped as
//! a candle op ([`WindowLossOp`]) from the denoised trajectories `Z` (rows × learned columns) and
//! the parameter vector `θ` (model parameters, coefficients, per-trajectory values) to the loss.
//!
//! For a batch of windows `w` (trajectory `k`, rows `i`), with `σ_c` the noise level of learned
//! column `c`, `m` the data mask and `N` the number of window cells (`Σ_w len · nz`):
//!
//! `L = (1/N) Σ_w Σ_i [ Σ_s ( m (u_s − y_s)² + (u_s − Z_s)² ) / σ_s² + Σ_{s, 0<j<r_s} (u_s^(j) − Z_{s^(j)})² / σ_{s^(j)}²
//!      + Σ_c m (Z_c − y_c)² / σ_c² ]`
//!
//! where `u_s` solves `u^(r_s) = f_s(Z_i; θ)` on the window (S-MNN layer) from
//! `u^(j)(0) = Z_{start, s^(j)}`: the window's solution is compared with the data and with the
//! denoised trajectory (see [`CONSISTENCY`]), its lower derivatives with the denoised ones.

use std::sync::{Arc, Mutex};

use candle_core::{CpuStorage, CustomOp2, CustomOp3, Layout, Shape, Tensor};

use super::problem::{solve_error, Group, Mnn};
use crate::fit::FitError;
use crate::mnn::{solve_with, OdeInputs, OdeShape, Solution};

/// Loss and, when asked for, its gradients with respect to `Z` (flat, rows × nz) and `θ`.
pub struct Eval {
    /// The loss.
    pub loss: f64,
    /// ∂L/∂Z and ∂L/∂θ.
    pub grad: Option<(Vec<f64>, Vec<f64>)>,
    /// ∂L/∂f (windows' rows × equations), when asked for gradients.
    pub gf: Vec<f64>,
}

/// Weight of the window solution's misfit to the denoised trajectory, relative to a data
/// point's. Without this term the denoised values between window starts follow the data
/// (their only other pull is through the right-hand side), and the right-hand sides are then
/// evaluated on noisy values, which biases the coefficients towards zero.
pub(super) const CONSISTENCY: f64 = 10.0;

fn kernel_err(e: crate::jit::JitError) -> FitError {
    FitError::Data(format!("kernel call failed: {e}"))
}

/// The loss of the batch `windows` at `(z, theta)`, with `net` (the windows' rows × equations)
/// added to the compiled right-hand sides (the neural terms' outputs); with `grads`, also its
/// gradient.
pub fn window_loss(
    m: &Mnn,
    windows: &[(usize, usize)],
    z: &[f64],
    theta: &[f64],
    net: Option<&[f64]>,
    grads: bool,
) -> Result<Eval, FitError> {
    let s = &m.s;
    let (len, nz, neq) = (m.len, s.nz, s.neq);
    let rows = windows.len() * len;
    let norm = (rows * nz) as f64;
    let x = kernel_rows(m, windows, z, theta);
    let mut f = vec![0.0; rows * neq];
    s.rhs.value.eval_par(rows, &x, &theta[..m.n_theta], &mut f).map_err(kernel_err)?;
    if let Some(n) = net {
        f.iter_mut().zip(n).for_each(|(a, b)| *a += b);
    }
    if let Some(pos) = f.iter().position(|v| !v.is_finite()) {
        return Err(FitError::Diverged { round: 0, loss: f[pos] });
    }
    let mut gz = if grads { vec![0.0; z.len()] } else { Vec::new() };
    let mut gf = if grads { vec![0.0; rows * neq] } else { Vec::new() };
    let mut loss = data_misfit(m, windows, z, norm, grads.then_some(&mut gz[..]));
    for g in &m.groups {
        let sol = solve_group(m, g, windows, z, &f)?;
        let (l, gu) = solution_misfit(m, g, windows, z, &sol.u, norm, grads.then_some(&mut gz[..]));
        loss += l;
        if grads {
            let back = sol.backward(&gu).map_err(|e| solve_error(&e))?;
            scatter_group(m, g, windows, &back.rhs, &back.init, &mut gf, &mut gz);
        }
    }
    if !grads {
        return Ok(Eval { loss, grad: None, gf });
    }
    let gtheta = contract(m, windows, theta, &x, &gf, &mut gz)?;
    Ok(Eval { loss, grad: Some((gz, gtheta)), gf })
}

/// Row of the flat `Z` of row `i` of window `(k, start)`.
#[inline]
fn zrow(m: &Mnn, w: (usize, usize), i: usize) -> usize {
    m.offset[w.0] + w.1 + i
}

/// The kernel rows of every window: learned columns, inputs, `t`, per-trajectory parameters.
pub(super) fn kernel_rows(m: &Mnn, windows: &[(usize, usize)], z: &[f64], theta: &[f64]) -> Vec<f64> {
    let s = &m.s;
    let (nz, ni, npt) = (s.nz, s.ni, m.npt());
    let mut x = Vec::with_capacity(windows.len() * m.len * s.layout.columns.len());
    for &w in windows {
        let tr = &s.trajs[w.0];
        let pt = &theta[m.n_theta + w.0 * npt..m.n_theta + (w.0 + 1) * npt];
        for i in 0..m.len {
            let (r, local) = (zrow(m, w, i), w.1 + i);
            x.extend_from_slice(&z[r * nz..(r + 1) * nz]);
            x.extend_from_slice(&tr.inputs[local * ni..(local + 1) * ni]);
            x.push(tr.t[local]);
            x.extend_from_slice(pt);
        }
    }
    x
}

/// `Σ m (Z − y)²/σ²` over the windows' cells, divided by `norm`; adds its gradient to `gz`.
fn data_misfit(m: &Mnn, windows: &[(usize, usize)], z: &[f64], norm: f64, mut gz: Option<&mut [f64]>) -> f64 {
    let nz = m.s.nz;
    let mut loss = 0.0;
    for &w in windows {
        let tr = &m.s.trajs[w.0];
        let iv = &m.inv_var[w.0];
        for i in 0..m.len {
            let (r, local) = (zrow(m, w, i), w.1 + i);
            for c in 0..nz {
                if tr.mask[local * nz + c] > 0.0 {
                    let d = z[r * nz + c] - tr.y[local * nz + c];
                    loss += iv[c] * d * d;
                    if let Some(g) = gz.as_deref_mut() {
                        g[r * nz + c] += 2.0 * iv[c] * d / norm;
                    }
                }
            }
        }
    }
    loss / norm
}

/// Solves the windows' ODEs of one group: batch element `w·E + j` is equation `eqs[j]` of
/// window `w`.
fn solve_group(m: &Mnn, g: &Group, windows: &[(usize, usize)], z: &[f64], f: &[f64]) -> Result<Solution, FitError> {
    let (len, nz, neq, r) = (m.len, m.s.nz, m.s.neq, g.order);
    let ne = g.eqs.len();
    let batch = windows.len() * ne;
    let mut rhs = vec![0.0; batch * len];
    let mut init = vec![0.0; batch * r];
    for (wi, &w) in windows.iter().enumerate() {
        let r0 = zrow(m, w, 0);
        for (j, (&e, &base)) in g.eqs.iter().zip(&g.base).enumerate() {
            let b = wi * ne + j;
            for i in 0..len {
                rhs[b * len + i] = f[(wi * len + i) * neq + e];
            }
            init[b * r..(b + 1) * r].copy_from_slice(&z[r0 * nz + base..r0 * nz + base + r]);
        }
    }
    match &g.frozen {
        Some(fr) => fr.solve(batch, len, &rhs, &init).map_err(|e| solve_error(&e)),
        None => {
            let steps: Vec<f64> = windows
                .iter()
                .flat_map(|&(k, st)| (0..ne).map(move |_| (k, st)))
                .flat_map(|(k, st)| m.steps(k, st).to_vec())
                .collect();
            let shape = OdeShape { lhs: g.lhs_shape(len, batch), batch, rhs_steps: len };
            let inputs = OdeInputs { coeffs: &g.coeffs(), rhs: &rhs, init: &init, steps: &steps };
            solve_with(m.backend.as_ref(), &shape, inputs, &m.opts).map_err(|e| solve_error(&e))
        }
    }
}

/// The misfit of the solutions of one group (orders `0..r` against the data, or against the
/// denoised lower derivatives), divided by `norm`, and `∂L/∂u`; adds the gradient through the
/// denoised targets to `gz`.
fn solution_misfit(
    m: &Mnn,
    g: &Group,
    windows: &[(usize, usize)],
    z: &[f64],
    u: &[f64],
    norm: f64,
    mut gz: Option<&mut [f64]>,
) -> (f64, Vec<f64>) {
    let (len, nz, p, ne) = (m.len, m.s.nz, g.p(), g.eqs.len());
    let mut gu = if gz.is_some() { vec![0.0; u.len()] } else { Vec::new() };
    let mut loss = 0.0;
    for (wi, &w) in windows.iter().enumerate() {
        let tr = &m.s.trajs[w.0];
        let iv = &m.inv_var[w.0];
        for (j, &base) in g.base.iter().enumerate() {
            let b = wi * ne + j;
            for i in 0..len {
                let (r, local) = (zrow(m, w, i), w.1 + i);
                for q in 0..g.order {
                    let c = base + q;
                    let at = (b * len + i) * p + q;
                    if q == 0 && tr.mask[local * nz + c] > 0.0 {
                        let d = u[at] - tr.y[local * nz + c];
                        loss += iv[c] * d * d;
                        if gz.is_some() {
                            gu[at] += 2.0 * iv[c] * d / norm;
                        }
                    }
                    let d = u[at] - z[r * nz + c];
                    let w = if q == 0 { CONSISTENCY * iv[c] } else { iv[c] };
                    loss += w * d * d;
                    if let Some(gzs) = gz.as_deref_mut() {
                        gu[at] += 2.0 * w * d / norm;
                        gzs[r * nz + c] -= 2.0 * w * d / norm;
                    }
                }
            }
        }
    }
    (loss / norm, gu)
}

/// Spreads the solver's rhs and initial-value gradients of one group onto `∂L/∂f` and `∂L/∂Z`.
fn scatter_group(
    m: &Mnn,
    g: &Group,
    windows: &[(usize, usize)],
    grhs: &[f64],
    ginit: &[f64],
    gf: &mut [f64],
    gz: &mut [f64],
) {
    let (len, nz, neq, r, ne) = (m.len, m.s.nz, m.s.neq, g.order, g.eqs.len());
    for (wi, &w) in windows.iter().enumerate() {
        let r0 = zrow(m, w, 0);
        for (j, (&e, &base)) in g.eqs.iter().zip(&g.base).enumerate() {
            let b = wi * ne + j;
            for i in 0..len {
                gf[(wi * len + i) * neq + e] += grhs[b * len + i];
            }
            for q in 0..r {
                gz[r0 * nz + base + q] += ginit[b * r + q];
            }
        }
    }
}

/// Contracts `∂L/∂f` with the compiled Jacobians: adds `∂L/∂Z` to `gz`, returns `∂L/∂θ`.
fn contract(
    m: &Mnn,
    windows: &[(usize, usize)],
    theta: &[f64],
    x: &[f64],
    gf: &[f64],
    gz: &mut [f64],
) -> Result<Vec<f64>, FitError> {
    let s = &m.s;
    let (len, nz, neq) = (m.len, s.nz, s.neq);
    let (nc, npar, npt) = (s.layout.columns.len(), s.layout.n_params, m.npt());
    let rows = windows.len() * len;
    let kp = &theta[..m.n_theta];
    let mut jc = vec![0.0; rows * neq * nc];
    let mut jp = vec![0.0; rows * neq * npar];
    s.rhs.d_cols.eval_par(rows, x, kp, &mut jc).map_err(kernel_err)?;
    s.rhs.d_params.eval_par(rows, x, kp, &mut jp).map_err(kernel_err)?;
    let mut gt = vec![0.0; theta.len()];
    for (wi, &w) in windows.iter().enumerate() {
        for i in 0..len {
            let row = wi * len + i;
            let r = zrow(m, w, i);
            for e in 0..neq {
                let g = gf[row * neq + e];
                if g == 0.0 {
                    continue;
                }
                let jcr = &jc[(row * neq + e) * nc..(row * neq + e + 1) * nc];
                for c in 0..nz {
                    gz[r * nz + c] += g * jcr[c];
                }
                for q in 0..npt {
                    gt[m.n_theta + w.0 * npt + q] += g * jcr[nc - npt + q];
                }
                let jpr = &jp[(row * neq + e) * npar..(row * neq + e + 1) * npar];
                for (o, &v) in gt[..npar].iter_mut().zip(jpr) {
                    *o += g * v;
                }
            }
        }
    }
    // A per-trajectory parameter is read from its row column, not from the kernel's parameter
    // slice: its slot in the slice does not act.
    for &q in &s.per_traj {
        gt[q] = 0.0;
    }
    Ok(gt)
}

/// The candle op: `(Z, θ) → L` for a fixed batch of windows, backward through [`window_loss`]'s
/// gradients (computed in the forward pass and kept for the backward one).
///
/// As a `CustomOp3` it takes a third input, the neural terms' outputs on the windows' rows
/// (rows × equations), added to the right-hand sides; its gradient is `∂L/∂f`.
pub struct WindowLossOp {
    m: Arc<Mnn>,
    windows: Vec<(usize, usize)>,
    grads: Mutex<Option<Cached>>,
}

/// Gradients kept from the forward pass: `Z`, `θ`, and the right-hand sides.
type Cached = (Vec<f64>, Vec<f64>, Vec<f64>);

impl WindowLossOp {
    /// The op for a batch of windows.
    pub fn new(m: Arc<Mnn>, windows: Vec<(usize, usize)>) -> WindowLossOp {
        WindowLossOp { m, windows, grads: Mutex::new(None) }
    }
}

fn slice<'a>(s: &'a CpuStorage, l: &Layout) -> candle_core::Result<&'a [f64]> {
    let CpuStorage::F64(v) = s else { candle_core::bail!("window loss inputs must be f64") };
    match l.contiguous_offsets() {
        Some((a, b)) => Ok(&v[a..b]),
        None => candle_core::bail!("window loss inputs must be contiguous"),
    }
}

fn to_candle(e: FitError) -> candle_core::Error {
    candle_core::Error::Msg(e.to_string())
}

impl WindowLossOp {
    fn lock(&self) -> candle_core::Result<std::sync::MutexGuard<'_, Option<Cached>>> {
        self.grads.lock().map_err(|_| candle_core::Error::msg("window loss state poisoned"))
    }

    /// Runs the loss with gradients and keeps them for the backward pass.
    fn forward(&self, z: &[f64], theta: &[f64], net: Option<&[f64]>) -> candle_core::Result<(CpuStorage, Shape)> {
        let ev = window_loss(&self.m, &self.windows, z, theta, net, true).map_err(to_candle)?;
        *self.lock()? = ev.grad.map(|(gz, gt)| (gz, gt, ev.gf));
        Ok((CpuStorage::F64(vec![ev.loss]), Shape::from(())))
    }

    /// The kept gradients (recomputed if missing), scaled by the incoming gradient.
    fn backward(
        &self,
        z: &Tensor,
        theta: &Tensor,
        net: Option<&Tensor>,
        grad: &Tensor,
    ) -> candle_core::Result<(Tensor, Tensor, Vec<f64>)> {
        let mut cached = self.lock()?.take();
        if cached.is_none() {
            let (zv, tv) = (z.flatten_all()?.to_vec1::<f64>()?, theta.flatten_all()?.to_vec1::<f64>()?);
            let nv = net.map(|n| n.flatten_all().and_then(|n| n.to_vec1::<f64>())).transpose()?;
            let ev = window_loss(&self.m, &self.windows, &zv, &tv, nv.as_deref(), true).map_err(to_candle)?;
            cached = ev.grad.map(|(gz, gt)| (gz, gt, ev.gf));
        }
        let (gz, gt, gf) = cached.ok_or_else(|| candle_core::Error::msg("window loss gradient missing"))?;
        let scale = grad.to_scalar::<f64>()?;
        let sc = |v: Vec<f64>| v.into_iter().map(|x| x * scale).collect::<Vec<_>>();
        let gz = Tensor::from_vec(sc(gz), z.shape(), z.device())?;
        let gt = Tensor::from_vec(sc(gt), theta.shape(), theta.device())?;
        Ok((gz, gt, sc(gf)))
    }
}

impl CustomOp2 for WindowLossOp {
    fn name(&self) -> &'static str {
        "mnn-window-loss"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        self.forward(slice(s1, l1)?, slice(s2, l2)?, None)
    }

    fn bwd(
        &self,
        z: &Tensor,
        theta: &Tensor,
        _res: &Tensor,
        grad: &Tensor,
    ) -> candle_core::Result<(Option<Tensor>, Option<Tensor>)> {
        let (gz, gt, _) = self.backward(z, theta, None, grad)?;
        Ok((Some(gz), Some(gt)))
    }
}

impl CustomOp3 for WindowLossOp {
    fn name(&self) -> &'static str {
        "mnn-window-loss-neural"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
        s3: &CpuStorage,
        l3: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        self.forward(slice(s1, l1)?, slice(s2, l2)?, Some(slice(s3, l3)?))
    }

    fn bwd(
        &self,
        z: &Tensor,
        theta: &Tensor,
        net: &Tensor,
        _res: &Tensor,
        grad: &Tensor,
    ) -> candle_core::Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        let (gz, gt, gf) = self.backward(z, theta, Some(net), grad)?;
        let gn = Tensor::from_vec(gf, net.shape(), net.device())?;
        Ok((Some(gz), Some(gt), Some(gn)))
    }
}
