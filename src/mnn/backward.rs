//! Closed-form gradients of one element's solve (solver.md §3): given the solution x and
//! g = M⁻¹·∂L/∂x, the gradients with respect to the right-hand side, the initial values, the
//! coefficients and the steps. Each function *adds* into its output so that broadcast inputs sum
//! over the broadcast axes.

use super::assemble::{inv_fact, powers, taylor_row, LhsView};
use super::chol;
use super::shape::MAX_ORDERS;

/// ∂L/∂r[t,e] = w_e² c[t,e,:]·g_t (summed over t when the rhs broadcasts over the steps), added
/// into this element's (rhs_steps, E) slot `drhs`.
pub fn grad_rhs(v: &LhsView<'_>, g: &[f64], rhs_steps: usize, drhs: &mut [f64]) {
    let sh = v.shape;
    let m = sh.m();
    let we2 = v.opts.weight_equation * v.opts.weight_equation;
    for t in 0..sh.n {
        let (c, gt) = (v.c(t), &g[t * m..(t + 1) * m]);
        let rt = if rhs_steps == 1 { 0 } else { t };
        for e in 0..sh.e {
            drhs[rt * sh.e + e] += we2 * dot(&c[e * m..(e + 1) * m], gt);
        }
    }
}

/// ∂L/∂iv[s,d,k] = w_i² g_s[d,k], added into this element's (S, D, K) slot `dinit`.
pub fn grad_init(v: &LhsView<'_>, g: &[f64], dinit: &mut [f64]) {
    let sh = v.shape;
    let m = sh.m();
    let wi2 = v.opts.weight_init * v.opts.weight_init;
    for s in 0..sh.s {
        for dd in 0..sh.d {
            for k in 0..sh.k {
                dinit[(s * sh.d + dd) * sh.k + k] += wi2 * g[s * m + dd * sh.p + k];
            }
        }
    }
}

/// ∂L/∂c[t,e,:] = w_e² [ (r[t,e] − c·x_t) g_t − (c·g_t) x_t ], added into this element's
/// (coeff_steps, E, D, P) slot `dc`. `rhs` is this element's (rhs_steps, E) right-hand side.
pub fn grad_coeffs(v: &LhsView<'_>, x: &[f64], g: &[f64], rhs: &[f64], rhs_steps: usize, dc: &mut [f64]) {
    let sh = v.shape;
    let m = sh.m();
    let we2 = v.opts.weight_equation * v.opts.weight_equation;
    for t in 0..sh.n {
        let (c, xt, gt) = (v.c(t), &x[t * m..(t + 1) * m], &g[t * m..(t + 1) * m]);
        let r = &rhs[if rhs_steps == 1 { 0 } else { t * sh.e }..];
        let ct = if sh.coeff_steps == 1 { 0 } else { t };
        for e in 0..sh.e {
            let ce = &c[e * m..(e + 1) * m];
            let res = we2 * (r[e] - dot(ce, xt));
            let cg = we2 * dot(ce, gt);
            let out = &mut dc[(ct * sh.e + e) * m..(ct * sh.e + e + 1) * m];
            for j in 0..m {
                out[j] += res * gt[j] - cg * xt[j];
            }
        }
    }
}

/// [`grad_rhs`] and [`grad_coeffs`] in one pass over the coefficients (both need c·g_t), for an
/// element with its own coefficients: adds into `drhs` (rhs_steps, E) and `dc` (coeff_steps, E, D, P).
pub fn grad_rhs_coeffs(
    v: &LhsView<'_>,
    x: &[f64],
    g: &[f64],
    rhs: &[f64],
    rhs_steps: usize,
    drhs: &mut [f64],
    dc: &mut [f64],
) {
    match v.shape.m() {
        3 => grad_rhs_coeffs_m::<3>(v, x, g, rhs, rhs_steps, drhs, dc),
        6 => grad_rhs_coeffs_m::<6>(v, x, g, rhs, rhs_steps, drhs, dc),
        9 => grad_rhs_coeffs_m::<9>(v, x, g, rhs, rhs_steps, drhs, dc),
        12 => grad_rhs_coeffs_m::<12>(v, x, g, rhs, rhs_steps, drhs, dc),
        _ => grad_rhs_coeffs_m::<0>(v, x, g, rhs, rhs_steps, drhs, dc),
    }
}

/// [`grad_rhs_coeffs`] with the block size m fixed at compile time (M = 0: run-time m).
fn grad_rhs_coeffs_m<const M: usize>(
    v: &LhsView<'_>,
    x: &[f64],
    g: &[f64],
    rhs: &[f64],
    rhs_steps: usize,
    drhs: &mut [f64],
    dc: &mut [f64],
) {
    let sh = v.shape;
    let m = if M == 0 { sh.m() } else { M };
    let we2 = v.opts.weight_equation * v.opts.weight_equation;
    for t in 0..sh.n {
        let (c, xt, gt) = (v.c(t), &x[t * m..(t + 1) * m], &g[t * m..(t + 1) * m]);
        let rt = if rhs_steps == 1 { 0 } else { t };
        let r = &rhs[rt * sh.e..(rt + 1) * sh.e];
        let ct = if sh.coeff_steps == 1 { 0 } else { t };
        let dct = &mut dc[ct * sh.e * m..(ct + 1) * sh.e * m];
        for (e, ((ce, out), re)) in c.chunks_exact(m).zip(dct.chunks_exact_mut(m)).zip(r).enumerate() {
            let cg = dot(ce, gt);
            drhs[rt * sh.e + e] += we2 * cg;
            let res = we2 * (re - dot(ce, xt));
            let cg = we2 * cg;
            for ((o, gj), xj) in out.iter_mut().zip(gt).zip(xt) {
                *o += res * gj - cg * xj;
            }
        }
    }
}

/// ∂L/∂h_t = Σ over the smoothing rows a that depend on h_t of −(a·x)(a′·g) − (a·g)(a′·x),
/// added into this element's (step_len) slot `dh`.
pub fn grad_steps(v: &LhsView<'_>, x: &[f64], g: &[f64], dh: &mut [f64]) {
    if !v.opts.central && chol::grad_steps(v, x, g, dh).is_some() {
        return;
    }
    let sh = v.shape;
    let mut rows = RowCache { h_bits: f64::NAN.to_bits(), rows: [[Row::default(); 2]; MAX_ORDERS] };
    for t in 0..sh.n.saturating_sub(1) {
        let slot = if sh.step_len == 1 { 0 } else { t };
        rows.update(v.h(t), sh.p, v.opts.k_max(sh.p));
        dh[slot] += taylor_interval_grad(v, t, x, g, &rows);
        if v.opts.central && t + 2 < sh.n {
            let gs = central_row_grad(v, t, x, g);
            dh[slot] += gs;
            dh[if sh.step_len == 1 { 0 } else { t + 1 }] += gs;
        }
    }
}

/// Derivative with respect to h of [`taylor_row`]: o·h^{o−1}/(o−k)! at step t, −k·h^{k−1} at t+1.
fn taylor_row_dh(h: f64, k: usize, p: usize) -> ([f64; MAX_ORDERS], f64) {
    let pw = powers(h, p);
    let mut a = [0.0; MAX_ORDERS];
    for o in k.max(1)..p {
        a[o] = o as f64 * pw[o - 1] * inv_fact(o - k);
    }
    let b = if k == 0 { 0.0 } else { -(k as f64) * pw[k - 1] };
    (a, b)
}

/// One Taylor row of an interval and its derivative with respect to h: `a` over the orders at
/// one step, the single entry `b` at the other.
#[derive(Clone, Copy, Default)]
struct Row {
    a: [f64; MAX_ORDERS],
    b: f64,
    da: [f64; MAX_ORDERS],
    db: f64,
}

/// The rows [k][forward, backward] for the last h seen, recomputed only when h changes.
struct RowCache {
    h_bits: u64,
    rows: [[Row; 2]; MAX_ORDERS],
}

impl RowCache {
    /// Backward rows use h → −h; the chain rule puts a factor −1 on their derivative.
    fn update(&mut self, h: f64, p: usize, k_max: usize) {
        if h.to_bits() == self.h_bits {
            return;
        }
        self.h_bits = h.to_bits();
        for k in 0..=k_max {
            for (dir, hh, sign) in [(0, h, 1.0), (1, -h, -1.0)] {
                let ((a, b), (da, db)) = (taylor_row(hh, k, p), taylor_row_dh(hh, k, p));
                self.rows[k][dir] = Row { a, b, da: da.map(|x| sign * x), db: sign * db };
            }
        }
    }
}

/// The Taylor rows of interval t: forward rows (vector at t, entry at t+1) and backward rows
/// (vector at t+1, entry at t).
fn taylor_interval_grad(v: &LhsView<'_>, t: usize, x: &[f64], g: &[f64], rows: &RowCache) -> f64 {
    let sh = v.shape;
    let (p, m, w2) = (sh.p, sh.m(), v.opts.weight_smooth * v.opts.weight_smooth);
    let (x0, x1) = (&x[t * m..(t + 1) * m], &x[(t + 1) * m..(t + 2) * m]);
    let (g0, g1) = (&g[t * m..(t + 1) * m], &g[(t + 1) * m..(t + 2) * m]);
    let mut total = 0.0;
    for (k, pair) in rows.rows.iter().enumerate().take(v.opts.k_max(p) + 1) {
        for (dir, r) in pair.iter().enumerate() {
            let (xv, xe, gv, ge) = if dir == 0 { (x0, x1, g0, g1) } else { (x1, x0, g1, g0) };
            for dd in 0..sh.d {
                let o = dd * p;
                let ax = row_dot(&r.a, &xv[o..o + p], k, p) + r.b * xe[o + k];
                let ag = row_dot(&r.a, &gv[o..o + p], k, p) + r.b * ge[o + k];
                let dax = row_dot(&r.da, &xv[o..o + p], k, p) + r.db * xe[o + k];
                let dag = row_dot(&r.da, &gv[o..o + p], k, p) + r.db * ge[o + k];
                total -= w2 * (ax * dag + ag * dax);
            }
        }
    }
    total
}

/// ∂/∂s of the central rows at t (s = h_t + h_{t+1}, so the same value goes to both steps).
fn central_row_grad(v: &LhsView<'_>, t: usize, x: &[f64], g: &[f64]) -> f64 {
    let sh = v.shape;
    let (p, m, w) = (sh.p, sh.m(), v.opts.weight_smooth);
    let s = v.h(t) + v.h(t + 1);
    let pi = p as i32;
    let (c0, c1) = (s.powi(pi - 3), s.powi(pi - 2));
    let (d0, d1) = ((pi - 3) as f64 * s.powi(pi - 4), (pi - 2) as f64 * s.powi(pi - 3));
    let (q, pt) = (p - 2, p - 1);
    let mut total = 0.0;
    for dd in 0..sh.d {
        let o = dd * p;
        let val = |z: &[f64], a: f64, b: f64| {
            w * (a * z[t * m + o + q] + b * z[(t + 1) * m + o + pt] - a * z[(t + 2) * m + o + q])
        };
        total -= val(x, c0, c1) * val(g, d0, d1) + val(g, c0, c1) * val(x, d0, d1);
    }
    total
}

fn row_dot(a: &[f64; MAX_ORDERS], z: &[f64], k: usize, p: usize) -> f64 {
    (k..p).map(|o| a[o] * z[o]).sum()
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}
