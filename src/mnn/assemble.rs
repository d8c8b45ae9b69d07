//! Assembly of the normal equations M x = β, block by block (solver.md §2): the diagonal block
//! M0[t], the sub-diagonal blocks M1[t] = M[t+1,t] and (central mode) M2[t] = M[t+2,t], and β_t.
//! Input: one factor element's coefficients and steps ([`LhsView`]); output: m×m row-major blocks
//! written into caller-provided slices, so the factorisation can assemble each block just before
//! it needs it and never stores M itself.

use super::shape::{LhsShape, OdeOptions, MAX_ORDERS};

const PP: usize = MAX_ORDERS * MAX_ORDERS;

/// One factor element's left-hand-side data: the batch's coefficient and step arrays plus the
/// element index used to resolve broadcasting.
#[derive(Clone, Copy)]
pub struct LhsView<'a> {
    /// The shape of the whole batch.
    pub shape: &'a LhsShape,
    /// Options (weights, central mode).
    pub opts: &'a OdeOptions,
    /// All coefficients (coeff_batch, coeff_steps, E, D, P).
    pub coeffs: &'a [f64],
    /// All steps (step_batch, step_len).
    pub steps: &'a [f64],
    /// Factor element index.
    pub b: usize,
}

impl LhsView<'_> {
    /// h_t of this element.
    pub fn h(&self, t: usize) -> f64 {
        self.steps[self.shape.step_index(self.b, t)]
    }

    /// The E×m coefficient matrix C_t of this element.
    pub fn c(&self, t: usize) -> &[f64] {
        let off = self.shape.coeff_offset(self.b, t);
        &self.coeffs[off..off + self.shape.e * self.shape.m()]
    }

    /// s = h_t + h_{t+1}, the span of central row t.
    fn span(&self, t: usize) -> f64 {
        self.h(t) + self.h(t + 1)
    }
}

/// The P×P smoothing contributions of one interval, for one dim: `left` goes into M0[t],
/// `right` into M0[t+1] and `off` into M1[t] (rows at t+1, columns at t). Built row by row from
/// the forward and backward Taylor rows of solver.md §1, already multiplied by w_s².
pub struct SmoothBlocks {
    /// Contribution to M0[t].
    pub left: [f64; PP],
    /// Contribution to M0[t+1].
    pub right: [f64; PP],
    /// Contribution to M1[t].
    pub off: [f64; PP],
}

/// The smoothing blocks of the last interval length seen, recomputed only when h changes (never,
/// on a uniform grid), so the factorisation does not rebuild them at every step.
pub struct SmoothCache {
    h_bits: u64,
    blocks: SmoothBlocks,
}

impl Default for SmoothCache {
    fn default() -> Self {
        SmoothCache {
            h_bits: f64::NAN.to_bits(),
            blocks: SmoothBlocks { left: [0.0; PP], right: [0.0; PP], off: [0.0; PP] },
        }
    }
}

impl SmoothCache {
    /// The blocks for interval length `h`.
    pub fn get(&mut self, h: f64, p: usize, opts: &OdeOptions) -> &SmoothBlocks {
        if h.to_bits() != self.h_bits {
            self.blocks = smooth_blocks(h, p, opts);
            self.h_bits = h.to_bits();
        }
        &self.blocks
    }
}

/// Caches for the two intervals that touch step t: `prev` (interval t−1) and `cur` (interval t).
#[derive(Default)]
pub struct StepCaches {
    /// Interval t−1 (its `right` block goes into M0[t]).
    pub prev: SmoothCache,
    /// Interval t (its `left` block goes into M0[t], its `off` block into M1[t]).
    pub cur: SmoothCache,
}

/// 1/j! for j < MAX_ORDERS.
pub(crate) fn inv_fact(j: usize) -> f64 {
    const T: [f64; MAX_ORDERS] = [1.0, 1.0, 0.5, 1.0 / 6.0, 1.0 / 24.0, 1.0 / 120.0, 1.0 / 720.0, 1.0 / 5040.0];
    T[j]
}

/// h^0 … h^{P−1} by repeated multiplication.
pub(crate) fn powers(h: f64, p: usize) -> [f64; MAX_ORDERS] {
    let mut pw = [1.0; MAX_ORDERS];
    for o in 1..p {
        pw[o] = pw[o - 1] * h;
    }
    pw
}

/// Forward Taylor row k for step h: entries at step t (orders o ≥ k) and the single entry −h^k at
/// step t+1. The backward row is the same with h → −h and the two steps swapped.
pub(crate) fn taylor_row(h: f64, k: usize, p: usize) -> ([f64; MAX_ORDERS], f64) {
    let pw = powers(h, p);
    let mut a = [0.0; MAX_ORDERS];
    for o in k..p {
        a[o] = pw[o] * inv_fact(o - k);
    }
    (a, -pw[k])
}

/// Computes the smoothing blocks of one interval of length `h`.
pub fn smooth_blocks(h: f64, p: usize, opts: &OdeOptions) -> SmoothBlocks {
    let w2 = opts.weight_smooth * opts.weight_smooth;
    let mut sb = SmoothBlocks { left: [0.0; PP], right: [0.0; PP], off: [0.0; PP] };
    for k in 0..=opts.k_max(p) {
        // forward row: vector `a` at step t, single entry `b` at step t+1 (index k)
        let (a, b) = taylor_row(h, k, p);
        for i in k..p {
            for j in k..p {
                sb.left[i * p + j] += w2 * a[i] * a[j];
            }
            sb.off[k * p + i] += w2 * b * a[i];
        }
        sb.right[k * p + k] += w2 * b * b;
        // backward row: vector at step t+1, single entry at step t
        let (a, b) = taylor_row(-h, k, p);
        for i in k..p {
            for j in k..p {
                sb.right[i * p + j] += w2 * a[i] * a[j];
            }
            sb.off[i * p + k] += w2 * a[i] * b;
        }
        sb.left[k * p + k] += w2 * b * b;
    }
    sb
}

/// Adds a P×P block into every dim's diagonal sub-block of an m×m block.
fn add_per_dim(blk: &mut [f64], pp: &[f64; PP], d: usize, p: usize) {
    let m = d * p;
    for dd in 0..d {
        for i in 0..p {
            let row = &mut blk[(dd * p + i) * m + dd * p..(dd * p + i) * m + dd * p + p];
            for (r, v) in row.iter_mut().zip(&pp[i * p..i * p + p]) {
                *r += v;
            }
        }
    }
}

/// Adds `v` at (d·P+i, d·P+j) for every dim d.
fn add_diag_entry(blk: &mut [f64], v: f64, i: usize, j: usize, d: usize, p: usize) {
    let m = d * p;
    for dd in 0..d {
        blk[(dd * p + i) * m + dd * p + j] += v;
    }
}

/// Writes M0[t] into `blk` (m×m, overwritten).
pub fn diag_block(v: &LhsView<'_>, t: usize, blk: &mut [f64]) {
    diag_block_cached(v, t, blk, &mut StepCaches::default())
}

/// [`diag_block`] with smoothing blocks taken from `caches`.
pub fn diag_block_cached(v: &LhsView<'_>, t: usize, blk: &mut [f64], caches: &mut StepCaches) {
    let sh = v.shape;
    let (n, d, p, m) = (sh.n, sh.d, sh.p, sh.m());
    blk.fill(0.0);
    let we2 = v.opts.weight_equation * v.opts.weight_equation;
    let c = v.c(t);
    for e in 0..sh.e {
        let ce = &c[e * m..(e + 1) * m];
        for i in 0..m {
            let ci = we2 * ce[i];
            if ci != 0.0 {
                for (x, cj) in blk[i * m..(i + 1) * m].iter_mut().zip(ce) {
                    *x += ci * cj;
                }
            }
        }
    }
    if t < sh.s {
        let wi2 = v.opts.weight_init * v.opts.weight_init;
        for k in 0..sh.k {
            add_diag_entry(blk, wi2, k, k, d, p);
        }
    }
    if t + 1 < n {
        add_per_dim(blk, &caches.cur.get(v.h(t), p, v.opts).left, d, p);
    }
    if t >= 1 {
        add_per_dim(blk, &caches.prev.get(v.h(t - 1), p, v.opts).right, d, p);
    }
    if v.opts.central {
        add_central_diag(v, t, blk);
    }
}

/// Central-row contributions to M0[t]: row t (x_t term), row t−1 (x_{t+1} term), row t−2
/// (x_{t+2} term); row j exists for j + 2 < n.
fn add_central_diag(v: &LhsView<'_>, t: usize, blk: &mut [f64]) {
    let (n, d, p) = (v.shape.n, v.shape.d, v.shape.p);
    let w2 = v.opts.weight_smooth * v.opts.weight_smooth;
    let (q, pt, pi) = (p - 2, p - 1, p as i32);
    if t + 2 < n {
        add_diag_entry(blk, w2 * v.span(t).powi(2 * pi - 6), q, q, d, p);
    }
    if t >= 1 && t + 1 < n {
        add_diag_entry(blk, w2 * v.span(t - 1).powi(2 * pi - 4), pt, pt, d, p);
    }
    if t >= 2 {
        add_diag_entry(blk, w2 * v.span(t - 2).powi(2 * pi - 6), q, q, d, p);
    }
}

/// Writes M1[t] = M[t+1, t] into `blk` (requires t + 1 < n).
pub fn sub_block(v: &LhsView<'_>, t: usize, blk: &mut [f64]) {
    sub_block_cached(v, t, blk, &mut SmoothCache::default())
}

/// [`sub_block`] with the smoothing blocks of interval t taken from `cache`.
pub fn sub_block_cached(v: &LhsView<'_>, t: usize, blk: &mut [f64], cache: &mut SmoothCache) {
    let (n, d, p) = (v.shape.n, v.shape.d, v.shape.p);
    blk.fill(0.0);
    add_per_dim(blk, &cache.get(v.h(t), p, v.opts).off, d, p);
    if v.opts.central {
        let w2 = v.opts.weight_smooth * v.opts.weight_smooth;
        let (q, pt, pi) = (p - 2, p - 1, p as i32);
        if t + 2 < n {
            add_diag_entry(blk, w2 * v.span(t).powi(2 * pi - 5), pt, q, d, p);
        }
        if t >= 1 {
            add_diag_entry(blk, -w2 * v.span(t - 1).powi(2 * pi - 5), q, pt, d, p);
        }
    }
}

/// Writes M2[t] = M[t+2, t] into `blk` (central mode, requires t + 2 < n).
pub fn sub2_block(v: &LhsView<'_>, t: usize, blk: &mut [f64]) {
    let (d, p) = (v.shape.d, v.shape.p);
    blk.fill(0.0);
    let w2 = v.opts.weight_smooth * v.opts.weight_smooth;
    add_diag_entry(blk, -w2 * v.span(t).powi(2 * p as i32 - 6), p - 2, p - 2, d, p);
}

/// Writes β_t = w_e² C_tᵀ r_t + w_i² (initial values at t < S) into `out` (length m).
/// `rhs_t` is r_t (length E), `init` is this element's (S, D, K) initial values.
pub fn rhs_block(v: &LhsView<'_>, t: usize, rhs_t: &[f64], init: &[f64], out: &mut [f64]) {
    let sh = v.shape;
    let m = sh.m();
    out.fill(0.0);
    let we2 = v.opts.weight_equation * v.opts.weight_equation;
    let c = v.c(t);
    for (e, r) in rhs_t.iter().enumerate() {
        let w = we2 * r;
        for (o, ce) in out.iter_mut().zip(&c[e * m..(e + 1) * m]) {
            *o += w * ce;
        }
    }
    if t < sh.s {
        let wi2 = v.opts.weight_init * v.opts.weight_init;
        for dd in 0..sh.d {
            for k in 0..sh.k {
                out[dd * sh.p + k] += wi2 * init[(t * sh.d + dd) * sh.k + k];
            }
        }
    }
}

/// The structural check: the first dim that neither a non-zero order-0 coefficient (at any step,
/// any equation) nor an order-0 initial value pins, if any.
pub fn unpinned_dim(v: &LhsView<'_>) -> Option<usize> {
    let sh = v.shape;
    let init_pins = sh.s > 0 && sh.k > 0 && v.opts.weight_init != 0.0;
    if init_pins {
        return None;
    }
    let m = sh.m();
    let steps = if sh.coeff_steps == 1 { 1 } else { sh.n };
    let eq_on = v.opts.weight_equation != 0.0;
    (0..sh.d).find(|&dd| {
        !(eq_on
            && (0..steps).any(|t| {
                let c = v.c(t);
                (0..sh.e).any(|e| c[e * m + dd * sh.p] != 0.0)
            }))
    })
}
