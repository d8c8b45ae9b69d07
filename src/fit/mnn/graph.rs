//! The window loss of [`super::loss`] built from candle's generic operations instead of the
//! fused op: row gathering (`index_select`, `cat`), the JIT kernel op for the right-hand sides,
//! the S-MNN solver op (frozen left-hand side, or `ode_solve` with per-window steps) and
//! element-wise arithmetic, differentiated by candle's autograd. It computes the same loss,
//! so it is the oracle the fused op is tested against, and the baseline its speed is measured
//! against.
//!
//! Input: the set-up [`Mnn`], a batch of windows and the two variables. Output: the loss tensor.

use candle_core::{Device, Tensor};

use super::loss::CONSISTENCY;
use super::problem::{Group, Mnn};
use crate::mnn::ode_solve_with;

type R<T> = candle_core::Result<T>;

/// The loss of the batch `windows` as a candle graph over `z` (rows × nz), `theta` and the
/// neural terms' weights `w` (when the model has networks).
pub fn graph_loss(m: &Mnn, windows: &[(usize, usize)], z: &Tensor, theta: &Tensor, w: Option<&Tensor>) -> R<Tensor> {
    let s = &m.s;
    let (len, nz) = (m.len, s.nz);
    let rows = windows.len() * len;
    let norm = (rows * nz) as f64;
    let zr = gather(m, windows, z)?;
    let x = kernel_rows(m, windows, &zr, theta)?;
    let kp = kernel_params(m, theta)?;
    let mut f = s.rhs.apply(&x, &kp)?;
    if let (Some(nets), Some(w)) = (&m.nets, w) {
        f = (f + nets.forward(&x, &kp, w)?)?;
    }
    let (y, w) = data_tensors(m, windows)?;
    let mut loss = ((&zr - &y)?.sqr()? * &w)?.sum_all()?;
    for g in &m.groups {
        loss = (loss + group_loss(m, g, windows, &zr, &f)?)?;
    }
    loss / norm
}

/// The kernel's parameter slice of `theta`. A per-trajectory parameter is read from its row
/// column; its slot in the slice does not act, so no gradient may reach it.
pub(super) fn kernel_params(m: &Mnn, theta: &Tensor) -> R<Tensor> {
    let acting: Vec<f64> = (0..m.n_theta).map(|q| if m.s.per_traj.contains(&q) { 0.0 } else { 1.0 }).collect();
    theta.narrow(0, 0, m.n_theta)? * Tensor::from_vec(acting, m.n_theta, &Device::Cpu)?
}

/// The windows' rows of `z` (windows · len × nz), in window order.
pub(super) fn gather(m: &Mnn, windows: &[(usize, usize)], z: &Tensor) -> R<Tensor> {
    let idx: Vec<u32> =
        windows.iter().flat_map(|&(k, st)| (0..m.len).map(move |i| (m.offset[k] + st + i) as u32)).collect();
    z.index_select(&Tensor::new(idx.as_slice(), &Device::Cpu)?, 0)
}

/// Kernel rows: the gathered denoised rows, inputs and `t`, per-trajectory parameters.
pub(super) fn kernel_rows(m: &Mnn, windows: &[(usize, usize)], zr: &Tensor, theta: &Tensor) -> R<Tensor> {
    let s = &m.s;
    let (len, ni, npt, dev) = (m.len, s.ni, m.npt(), Device::Cpu);
    let mut fixed = Vec::with_capacity(windows.len() * len * (ni + 1));
    for &(k, st) in windows {
        let tr = &s.trajs[k];
        for i in st..st + len {
            fixed.extend_from_slice(&tr.inputs[i * ni..(i + 1) * ni]);
            fixed.push(tr.t[i]);
        }
    }
    let fixed = Tensor::from_vec(fixed, (windows.len() * len, ni + 1), &dev)?;
    let mut parts = vec![zr.clone(), fixed];
    if npt > 0 {
        let pt = theta.narrow(0, m.n_theta, s.trajs.len() * npt)?.reshape((s.trajs.len(), npt))?;
        let which: Vec<u32> = windows.iter().flat_map(|&(k, _)| (0..len).map(move |_| k as u32)).collect();
        parts.push(pt.index_select(&Tensor::new(which.as_slice(), &dev)?, 0)?);
    }
    Tensor::cat(&parts, 1)
}

/// The data on the windows' rows and the weights `mask/σ²` (rows × nz).
fn data_tensors(m: &Mnn, windows: &[(usize, usize)]) -> R<(Tensor, Tensor)> {
    let nz = m.s.nz;
    let (mut y, mut w) = (Vec::new(), Vec::new());
    for &(k, st) in windows {
        let tr = &m.s.trajs[k];
        for i in st..st + m.len {
            y.extend_from_slice(&tr.y[i * nz..(i + 1) * nz]);
            w.extend((0..nz).map(|c| tr.mask[i * nz + c] * m.inv_var[k][c]));
        }
    }
    let shape = (windows.len() * m.len, nz);
    Ok((Tensor::from_vec(y, shape, &Device::Cpu)?, Tensor::from_vec(w, shape, &Device::Cpu)?))
}

/// The solution misfit of one group of equations (unnormalised).
fn group_loss(m: &Mnn, g: &Group, windows: &[(usize, usize)], zr: &Tensor, f: &Tensor) -> R<Tensor> {
    let (len, nz, b, ne, r, dev) = (m.len, m.s.nz, windows.len(), g.eqs.len(), g.order, Device::Cpu);
    let zw = zr.reshape((b, len, nz))?;
    let rhs: Vec<Tensor> = g.eqs.iter().map(|&e| f.narrow(1, e, 1)?.reshape((b, 1, len))).collect::<R<_>>()?;
    let rhs = Tensor::cat(&rhs, 1)?.reshape((b * ne, len, 1))?;
    let init: Vec<Tensor> =
        g.base.iter().map(|&c| zw.narrow(1, 0, 1)?.narrow(2, c, r)?.reshape((b, 1, r))).collect::<R<_>>()?;
    let init = Tensor::cat(&init, 1)?.reshape((b * ne, 1, 1, r))?;
    let u = match &g.frozen {
        Some(fr) => fr.solve_tensor(&rhs, &init)?,
        None => {
            let coeffs = Tensor::from_vec(g.coeffs(), (1, 1, 1, 1, g.p()), &dev)?;
            let steps: Vec<f64> = windows
                .iter()
                .flat_map(|&(k, st)| (0..ne).map(move |_| (k, st)))
                .flat_map(|(k, st)| m.steps(k, st).to_vec())
                .collect();
            let steps = Tensor::from_vec(steps, (b * ne, len - 1), &dev)?;
            ode_solve_with(m.backend.clone(), &coeffs, &rhs, &init, &steps, &m.opts)?
        }
    };
    let mut loss = Tensor::zeros((), candle_core::DType::F64, &dev)?;
    for q in 0..r {
        let uq = u.narrow(3, q, 1)?.reshape((b * ne, len))?;
        let zq: Vec<Tensor> = g.base.iter().map(|&c| zw.narrow(2, c + q, 1)?.reshape((b, 1, len))).collect::<R<_>>()?;
        let zq = Tensor::cat(&zq, 1)?.reshape((b * ne, len))?;
        let (iv, y, w) = targets(m, g, windows, q)?;
        let cons = if q == 0 { CONSISTENCY } else { 1.0 };
        loss = (loss + ((&uq - &zq)?.sqr()? * (iv * cons)?)?.sum_all()?)?;
        if q == 0 {
            loss = (loss + ((&uq - &y)?.sqr()? * &w)?.sum_all()?)?;
        }
    }
    Ok(loss)
}

/// For order `q` of a group, per batch element and row: `1/σ²` of the column, the data and
/// `mask/σ²` (the data terms only count for `q = 0`).
fn targets(m: &Mnn, g: &Group, windows: &[(usize, usize)], q: usize) -> R<(Tensor, Tensor, Tensor)> {
    let (len, nz) = (m.len, m.s.nz);
    let (mut iv, mut y, mut w) = (Vec::new(), Vec::new(), Vec::new());
    for &(k, st) in windows {
        let tr = &m.s.trajs[k];
        for &base in &g.base {
            let c = base + q;
            for i in st..st + len {
                iv.push(m.inv_var[k][c]);
                y.push(tr.y[i * nz + c]);
                w.push(tr.mask[i * nz + c] * m.inv_var[k][c]);
            }
        }
    }
    let shape = (windows.len() * g.eqs.len(), len);
    let t = |v: Vec<f64>| Tensor::from_vec(v, shape, &Device::Cpu);
    Ok((t(iv)?, t(y)?, t(w)?))
}
