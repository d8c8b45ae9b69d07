//! Block Cholesky factorisation and solve for the S-MNN default mode (no central rows, so M is
//! block-tridiagonal), with the block size M = D·P and the order count P fixed at compile time
//! (solver.md §2).
//!
//! Input: an [`LhsView`] with `central == false`; output: `l0`, n packed lower triangles (the
//! Cholesky factors of the pivot blocks D_t, reciprocal diagonal). Nothing else is stored. The
//! sub-diagonal blocks M1[t] are block-diagonal with one P×P block repeated for every dim
//! (smoothing never couples dims), so they are rebuilt from h_t in a few flops whenever needed,
//! and the multipliers U1[t] = M1[t]·D_t⁻¹ of M = (I+U)·D·(I+U)ᵀ are applied on the fly. That
//! stores m(m+1)/2 instead of m(m+1)/2 + m² values per step, and the factorisation exploits the
//! structure: W = L_t⁻¹·M1[t]ᵀ is block-lower-triangular, and D_{t+1} = M0[t+1] − WᵀW.

use super::assemble::{inv_fact, LhsView};
use super::error::SolveError;
use super::kernels as k;

/// Calls `Some($f::<M, P>($args))` for the supported compile-time (block size, order count)
/// pairs, `None` otherwise (the caller falls back to the run-time-sized path).
macro_rules! dispatch_mp {
    ($m:expr, $p:expr, $f:ident, $($arg:expr),*) => {
        match ($m, $p) {
            (1, 1) => Some($f::<1, 1>($($arg),*)), (2, 1) => Some($f::<2, 1>($($arg),*)),
            (3, 1) => Some($f::<3, 1>($($arg),*)), (4, 1) => Some($f::<4, 1>($($arg),*)),
            (2, 2) => Some($f::<2, 2>($($arg),*)), (4, 2) => Some($f::<4, 2>($($arg),*)),
            (6, 2) => Some($f::<6, 2>($($arg),*)), (8, 2) => Some($f::<8, 2>($($arg),*)),
            (10, 2) => Some($f::<10, 2>($($arg),*)), (12, 2) => Some($f::<12, 2>($($arg),*)),
            (3, 3) => Some($f::<3, 3>($($arg),*)), (6, 3) => Some($f::<6, 3>($($arg),*)),
            (9, 3) => Some($f::<9, 3>($($arg),*)), (12, 3) => Some($f::<12, 3>($($arg),*)),
            (4, 4) => Some($f::<4, 4>($($arg),*)), (8, 4) => Some($f::<8, 4>($($arg),*)),
            (12, 4) => Some($f::<12, 4>($($arg),*)), (5, 5) => Some($f::<5, 5>($($arg),*)),
            (10, 5) => Some($f::<10, 5>($($arg),*)),
            _ => None,
        }
    };
}

/// Whether this module handles the shape: no central rows and a compiled (m, P) pair.
pub fn supports(m: usize, p: usize, central: bool) -> bool {
    fn probe<const M: usize, const P: usize>() {}
    !central && dispatch_mp!(m, p, probe,).is_some()
}

/// Factorises element `v.b` into `l0` (n·m(m+1)/2 values). The caller has checked the steps and
/// the structure; `None` if [`supports`] is false.
pub fn factor_element(v: &LhsView<'_>, l0: &mut [f64]) -> Option<Result<(), SolveError>> {
    dispatch_mp!(v.shape.m(), v.shape.p, factor_impl, v, l0)
}

/// Solves M x = β in place (`x` holds β on entry) with the factors from [`factor_element`].
pub fn solve_element(v: &LhsView<'_>, l0: &[f64], x: &mut [f64]) {
    let done = dispatch_mp!(v.shape.m(), v.shape.p, solve_impl, v, l0, x);
    debug_assert!(done.is_some(), "solve_element called for an unsupported shape");
}

/// The P×P smoothing blocks of one interval (solver.md §2, S-MNN default), times w_s²: `left`
/// goes into M0[t], `right` into M0[t+1], `off` is M1[t]'s per-dim block (rows at t+1).
struct Smooth<const P: usize> {
    left: [[f64; P]; P],
    right: [[f64; P]; P],
    off: [[f64; P]; P],
}

/// The Taylor matrix F[k][o] = 1/(o−k)! (o ≥ k) and its Gram matrix FᵀF, fixed for a given P.
struct Taylor<const P: usize> {
    f: [[f64; P]; P],
    ftf: [[f64; P]; P],
    w2: f64,
}

impl<const P: usize> Taylor<P> {
    fn new(w2: f64) -> Self {
        let mut f = [[0.0; P]; P];
        for (k, row) in f.iter_mut().enumerate() {
            for (o, x) in row.iter_mut().enumerate().skip(k) {
                *x = inv_fact(o - k);
            }
        }
        let mut ftf = [[0.0; P]; P];
        for (i, row) in ftf.iter_mut().enumerate() {
            for (j, x) in row.iter_mut().enumerate() {
                *x = (0..P).map(|k| f[k][i] * f[k][j]).sum();
            }
        }
        Taylor { f, ftf, w2 }
    }

    /// e_i = h^i scaled by w_s (so products carry w_s²), and σ_iσ_j = (−1)^{i+j}.
    fn scaled_powers(&self, h: f64) -> [f64; P] {
        let mut e = [self.w2.sqrt(); P];
        for i in 1..P {
            e[i] = e[i - 1] * h;
        }
        e
    }

    /// M1[t]'s per-dim block: −(e eᵀ)∘(F + Fᵀ∘σσᵀ).
    fn off(&self, h: f64) -> [[f64; P]; P] {
        let e = self.scaled_powers(h);
        let mut off = [[0.0; P]; P];
        for i in 0..P {
            for j in 0..P {
                let sign = if (i + j) % 2 == 0 { 1.0 } else { -1.0 };
                off[i][j] = -e[i] * e[j] * (self.f[i][j] + sign * self.f[j][i]);
            }
        }
        off
    }

    /// All three blocks of an interval of length h.
    fn blocks(&self, h: f64) -> Smooth<P> {
        let e = self.scaled_powers(h);
        let (mut left, mut right) = ([[0.0; P]; P], [[0.0; P]; P]);
        for i in 0..P {
            for j in 0..P {
                let sign = if (i + j) % 2 == 0 { 1.0 } else { -1.0 };
                let g = e[i] * e[j] * self.ftf[i][j];
                left[i][j] = g;
                right[i][j] = sign * g;
            }
            left[i][i] += e[i] * e[i];
            right[i][i] += e[i] * e[i];
        }
        Smooth { left, right, off: self.off(h) }
    }
}

/// Adds a P×P block into every dim's diagonal sub-block (lower triangle only).
#[inline(always)]
fn add_per_dim<const M: usize, const P: usize>(a: &mut [[f64; M]; M], pp: &[[f64; P]; P]) {
    for d in 0..M / P {
        for i in 0..P {
            for j in 0..=i {
                a[d * P + i][d * P + j] += pp[i][j];
            }
        }
    }
}

/// The lower triangle of M0[t] (equations, initial values, smoothing of the intervals on both
/// sides). `left` is interval t's block (absent at the last step), `right` interval t−1's.
#[inline(always)]
fn assemble_diag<const M: usize, const P: usize>(v: &LhsView<'_>, t: usize, left: Option<&[[f64; P]; P]>, right: Option<&[[f64; P]; P]>) -> [[f64; M]; M] {
    let mut a = [[0.0; M]; M];
    let we2 = v.opts.weight_equation * v.opts.weight_equation;
    for ce in v.c(t).chunks_exact(M) {
        let ce: &[f64; M] = ce.try_into().expect("coefficient rows have m entries");
        for i in 0..M {
            let ci = we2 * ce[i];
            for j in 0..=i {
                a[i][j] += ci * ce[j];
            }
        }
    }
    if t < v.shape.s {
        let wi2 = v.opts.weight_init * v.opts.weight_init;
        for d in 0..M / P {
            for kk in 0..v.shape.k {
                a[d * P + kk][d * P + kk] += wi2;
            }
        }
    }
    if let Some(l) = left {
        add_per_dim(&mut a, l);
    }
    if let Some(r) = right {
        add_per_dim(&mut a, r);
    }
    a
}

/// Row i of W = L⁻¹·M1ᵀ (and of M1ᵀ) is non-zero only in the columns of dims ≤ i's dim.
#[inline(always)]
const fn prefix<const P: usize>(i: usize) -> usize {
    (i / P + 1) * P
}

/// Schur complement update for the next step: WᵀW (lower triangle) with W = L⁻¹·M1[t]ᵀ, where
/// `l` holds L (reciprocal diagonal) and M1[t]ᵀ = blockdiag(offᵀ).
#[inline(always)]
fn schur<const M: usize, const P: usize>(l: &[[f64; M]; M], off: &[[f64; P]; P]) -> [[f64; M]; M] {
    let mut w = [[0.0; M]; M];
    for i in 0..M {
        let (di, len) = (i / P * P, prefix::<P>(i));
        let mut row = [0.0; M];
        for j in 0..P {
            row[di + j] = off[j][i - di];
        }
        for kk in 0..i {
            let lik = l[i][kk];
            let wk = &w[kk];
            for c in 0..len {
                row[c] -= lik * wk[c];
            }
        }
        for x in row.iter_mut().take(len) {
            *x *= l[i][i];
        }
        w[i] = row;
    }
    let mut s = [[0.0; M]; M];
    for (kk, wk) in w.iter().enumerate() {
        for i in 0..prefix::<P>(kk) {
            let wki = wk[i];
            for j in 0..=i {
                s[i][j] += wki * wk[j];
            }
        }
    }
    s
}

fn factor_impl<const M: usize, const P: usize>(v: &LhsView<'_>, l0: &mut [f64]) -> Result<(), SolveError> {
    let (n, tri) = (v.shape.n, M * (M + 1) / 2);
    let taylor = Taylor::<P>::new(v.opts.weight_smooth * v.opts.weight_smooth);
    let mut prev: Option<([[f64; M]; M], [[f64; P]; P])> = None;
    for (t, lt) in l0.chunks_exact_mut(tri).take(n).enumerate() {
        let sm = (t + 1 < n).then(|| taylor.blocks(v.h(t)));
        let mut a = assemble_diag::<M, P>(v, t, sm.as_ref().map(|s| &s.left), prev.as_ref().map(|p| &p.1));
        let diag0: [f64; M] = std::array::from_fn(|i| a[i][i]);
        if let Some((s, _)) = &prev {
            for i in 0..M {
                for j in 0..=i {
                    a[i][j] -= s[i][j];
                }
            }
        }
        k::cholesky(a.as_flattened_mut(), M, &diag0).map_err(|(j, ratio)| SolveError::Pivot { batch: v.b, step: t, dim: j / P, order: j % P, ratio })?;
        k::pack_lower(a.as_flattened(), M, lt);
        prev = sm.map(|s| (schur::<M, P>(&a, &s.off), s.right));
    }
    Ok(())
}

/// M1[t]'s per-dim block for h_t, recomputed only when h changes.
struct OffCache<'a, const P: usize> {
    taylor: &'a Taylor<P>,
    h_bits: u64,
    off: [[f64; P]; P],
}

impl<const P: usize> OffCache<'_, P> {
    fn get(&mut self, h: f64) -> &[[f64; P]; P] {
        if h.to_bits() != self.h_bits {
            self.h_bits = h.to_bits();
            self.off = self.taylor.off(h);
        }
        &self.off
    }
}

fn solve_impl<const M: usize, const P: usize>(v: &LhsView<'_>, l0: &[f64], x: &mut [f64]) {
    let tri = M * (M + 1) / 2;
    let taylor = Taylor::<P>::new(v.opts.weight_smooth * v.opts.weight_smooth);
    let mut cache = OffCache { taylor: &taylor, h_bits: f64::NAN.to_bits(), off: [[0.0; P]; P] };
    // forward sweep: y_t = D_t⁻¹ (β_t − M1[t−1]·y_{t−1})
    let mut prev = [0.0; M];
    for (t, (xt, lt)) in x.chunks_exact_mut(M).zip(l0.chunks_exact(tri)).enumerate() {
        let xt: &mut [f64; M] = xt.try_into().expect("m values per step");
        if t >= 1 {
            let off = cache.get(v.h(t - 1));
            for d in (0..M).step_by(P) {
                for i in 0..P {
                    xt[d + i] -= (0..P).map(|j| off[i][j] * prev[d + j]).sum::<f64>();
                }
            }
        }
        k::chol_solve_packed(lt, M, xt);
        prev = *xt;
    }
    // backward sweep: x_t = y_t − D_t⁻¹·M1[t]ᵀ·x_{t+1}
    let n = x.len() / M;
    for t in (0..n.saturating_sub(1)).rev() {
        let (head, later) = x.split_at_mut((t + 1) * M);
        let next: &[f64; M] = later[..M].try_into().expect("m values per step");
        let off = cache.get(v.h(t));
        let mut q = [0.0; M];
        for d in (0..M).step_by(P) {
            for j in 0..P {
                q[d + j] = (0..P).map(|i| off[i][j] * next[d + i]).sum();
            }
        }
        k::chol_solve_packed(&l0[t * tri..(t + 1) * tri], M, &mut q);
        for (xi, qi) in head[t * M..].iter_mut().zip(&q) {
            *xi -= qi;
        }
    }
}
