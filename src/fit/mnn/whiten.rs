//! The coordinates Adam moves the coefficients in. For a fixed denoised trajectory the window
//! loss is a quadratic function of the coefficients: each window's solution is linear in its
//! right-hand side, which is linear in them. Per equation `e`, with `H_e` that quadratic's
//! curvature over the active terms (from one batched solve per term and window with the term's
//! values as the right-hand side) and `S_e` the weighted sum of squares of the data's variation
//! within the windows, the coefficients are `c = L⁻ᵀ ξ` with `H_e / S_e = L Lᵀ`: the loss's
//! curvature in `ξ` is the identity, and `|ξ| ≈ 1` is a change of the coefficients that
//! explains the whole variation. Candidate libraries are strongly correlated (`1` and `z` when
//! `z` has a large mean, `x²` and `y²`, ...) and Adam's per-coordinate step does not undo
//! correlations: in the raw coordinates the loss is a long narrow valley that takes tens of
//! thousands of steps from a random start. Adam is unchanged; only the coordinates are.
//!
//! Input: the set-up [`Mnn`] and a point. Output: [`Whitener`], mapping coefficients to and from
//! `ξ` and gradients from `c` to `ξ`.

use super::loss::{kernel_rows, CONSISTENCY};
use super::problem::{solve_error, Group, Mnn, Point};
use crate::fit::banded::dense_cholesky;
use crate::fit::FitError;
use crate::mnn::{solve_with, OdeInputs, OdeShape};

/// One equation's active coefficient slots and its map `c = W ξ` (W = L⁻ᵀ, upper triangular).
struct Block {
    slots: Vec<usize>,
    w: Vec<f64>,
}

/// The maps of every equation.
pub struct Whitener {
    blocks: Vec<Block>,
}

impl Whitener {
    /// Builds the maps at `p` (its denoised trajectory and active slots).
    pub fn new(m: &Mnn, p: &Point) -> Result<Whitener, FitError> {
        let s = &m.s;
        let mut blocks: Vec<Block> = (0..s.neq)
            .map(|e| Block { slots: (0..s.ncoef).filter(|&c| s.slot_eq[c] == e && p.active[c]).collect(), w: vec![] })
            .collect();
        let (h, signal) = curvature(m, p, &blocks)?;
        for (e, b) in blocks.iter_mut().enumerate() {
            b.w = map_of(&h[e], b.slots.len(), signal[e]);
        }
        Ok(Whitener { blocks })
    }

    /// `ξ` of the coefficients `c` (all slots; inactive slots give 0).
    pub fn to_xi(&self, c: &[f64]) -> Vec<f64> {
        let mut xi = vec![0.0; c.len()];
        for b in &self.blocks {
            let k = b.slots.len();
            // Solve W ξ = c by back substitution (W upper triangular).
            for a in (0..k).rev() {
                let mut v = c[b.slots[a]];
                for j in a + 1..k {
                    v -= b.w[a * k + j] * xi[b.slots[j]];
                }
                xi[b.slots[a]] = v / b.w[a * k + a];
            }
        }
        xi
    }

    /// The coefficients `c = W ξ`, written into `c` (active slots only).
    pub fn to_c(&self, xi: &[f64], c: &mut [f64]) {
        for b in &self.blocks {
            let k = b.slots.len();
            for a in 0..k {
                c[b.slots[a]] = (a..k).map(|j| b.w[a * k + j] * xi[b.slots[j]]).sum();
            }
        }
    }

    /// `∂L/∂ξ = Wᵀ ∂L/∂c`.
    pub fn grad_xi(&self, gc: &[f64]) -> Vec<f64> {
        let mut g = vec![0.0; gc.len()];
        for b in &self.blocks {
            let k = b.slots.len();
            for j in 0..k {
                g[b.slots[j]] = (0..=j).map(|a| b.w[a * k + j] * gc[b.slots[a]]).sum();
            }
        }
        g
    }
}

/// `W = L⁻ᵀ` with `L Lᵀ = H / S` (k×k, symmetric `H`), with a ridge of 1e-10 of the largest
/// diagonal entry (collinear terms stay invertible; well-posed ones are unaffected beyond
/// round-off). A block without curvature gives the identity.
fn map_of(h: &[f64], k: usize, signal: f64) -> Vec<f64> {
    let scale = if signal > 0.0 { signal } else { 1.0 };
    let mut g: Vec<f64> = h.iter().map(|v| v / scale).collect();
    let top = (0..k).map(|a| g[a * k + a]).fold(0.0f64, f64::max);
    let identity = || {
        let mut w = vec![0.0; k * k];
        (0..k).for_each(|a| w[a * k + a] = 1.0);
        w
    };
    if !(top > 0.0 && top.is_finite()) {
        return identity();
    }
    (0..k).for_each(|a| g[a * k + a] += 1e-10 * top);
    let Some(l) = dense_cholesky(&g, k) else { return identity() };
    // W = L⁻ᵀ, upper triangular: solve Lᵀ W = I column by column.
    let mut w = vec![0.0; k * k];
    for col in 0..k {
        for a in (0..=col).rev() {
            let mut v = if a == col { 1.0 } else { 0.0 };
            for j in a + 1..=col {
                v -= l[j * k + a] * w[j * k + col];
            }
            w[a * k + col] = v / l[a * k + a];
        }
    }
    w
}

/// Per equation, the window loss's curvature in its active coefficients (k×k, unnormalised, with
/// the loss's weights) and the weighted sum of squares of the data's variation from each
/// window's first value.
fn curvature(m: &Mnn, p: &Point, blocks: &[Block]) -> Result<(Vec<Vec<f64>>, Vec<f64>), FitError> {
    let s = &m.s;
    let (len, nz, neq, npar) = (m.len, s.nz, s.neq, s.layout.n_params);
    let mut h: Vec<Vec<f64>> = blocks.iter().map(|b| vec![0.0; b.slots.len() * b.slots.len()]).collect();
    let mut signal = vec![0.0; neq];
    let nzv = Point::nzv(m);
    let theta = &p.x[nzv..nzv + m.n_theta];
    let x = kernel_rows(m, &m.train, &p.x[..nzv], &p.x[nzv..nzv + m.theta_len()]);
    let rows = m.train.len() * len;
    let mut jp = vec![0.0; rows * neq * npar];
    s.rhs
        .d_params
        .eval_par(rows, &x, theta, &mut jp)
        .map_err(|e| FitError::Data(format!("kernel call failed: {e}")))?;
    for g in &m.groups {
        // Batch element per (window, equation of the group, active slot).
        let mut items: Vec<(usize, usize, usize, usize)> = Vec::new(); // (window, eq index in group, eq, slot pos)
        for wi in 0..m.train.len() {
            for (j, &e) in g.eqs.iter().enumerate() {
                items.extend((0..blocks[e].slots.len()).map(|a| (wi, j, e, a)));
            }
        }
        if items.is_empty() {
            continue;
        }
        let mut rhs = vec![0.0; items.len() * len];
        for (b, &(wi, _, e, a)) in items.iter().enumerate() {
            let slot = blocks[e].slots[a];
            for i in 0..len {
                rhs[b * len + i] = jp[((wi * len + i) * neq + e) * npar + s.np + slot];
            }
        }
        let windows: Vec<(usize, usize)> = items.iter().map(|it| m.train[it.0]).collect();
        let u = solve_items(m, g, &windows, &rhs)?;
        accumulate(m, g, &items, &u, blocks, &mut h);
    }
    for &w in &m.train {
        let tr = &s.trajs[w.0];
        let iv = &m.inv_var[w.0];
        for (e, &c) in s.eq_col.iter().enumerate() {
            let c0 = s.cols.iter().position(|&(st, o)| st == s.cols[c].0 && o == 0).unwrap_or(c);
            let y0 = tr.z[w.1 * nz + c0];
            for i in 0..len {
                let at = (w.1 + i) * nz + c0;
                signal[e] += tr.mask[at] * iv[c0] * (tr.y[at] - y0).powi(2);
            }
        }
    }
    Ok((h, signal))
}

/// Solves every item's ODE with zero initial values.
fn solve_items(m: &Mnn, g: &Group, windows: &[(usize, usize)], rhs: &[f64]) -> Result<Vec<f64>, FitError> {
    let (len, r, batch) = (m.len, g.order, windows.len());
    let init = vec![0.0; batch * r];
    let sol = match &g.frozen {
        Some(fr) => fr.solve(batch, len, rhs, &init),
        None => {
            let steps: Vec<f64> = windows.iter().flat_map(|&(k, st)| m.steps(k, st).to_vec()).collect();
            let shape = OdeShape { lhs: g.lhs_shape(len, batch), batch, rhs_steps: len };
            solve_with(
                m.backend.as_ref(),
                &shape,
                OdeInputs { coeffs: &g.coeffs(), rhs, init: &init, steps: &steps },
                &m.opts,
            )
        }
    };
    Ok(sol.map_err(|e| solve_error(&e))?.u)
}

/// Adds the items' products to the curvature blocks: for items of the same window and equation,
/// `Σ_i Σ_q weight · u_a(i, q) · u_b(i, q)` over the orders the loss compares.
fn accumulate(
    m: &Mnn,
    g: &Group,
    items: &[(usize, usize, usize, usize)],
    u: &[f64],
    blocks: &[Block],
    h: &mut [Vec<f64>],
) {
    let (len, nz, p) = (m.len, m.s.nz, g.p());
    let mut start = 0;
    while start < items.len() {
        let (wi, j, e, _) = items[start];
        let k = blocks[e].slots.len();
        let w = m.train[wi];
        let (tr, iv) = (&m.s.trajs[w.0], &m.inv_var[w.0]);
        for i in 0..len {
            for q in 0..g.order {
                let c = g.base[j] + q;
                let wt = if q == 0 { (tr.mask[(w.1 + i) * nz + c] + CONSISTENCY) * iv[c] } else { iv[c] };
                for a in 0..k {
                    let ua = u[((start + a) * len + i) * p + q];
                    for b in a..k {
                        h[e][a * k + b] += wt * ua * u[((start + b) * len + i) * p + q];
                    }
                }
            }
        }
        start += k;
    }
    for (e, b) in blocks.iter().enumerate() {
        let k = b.slots.len();
        for a in 0..k {
            for c in 0..a {
                h[e][a * k + c] = h[e][c * k + a];
            }
        }
    }
}
