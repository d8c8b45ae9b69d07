//! The solve M x = β with the lane-interleaved block Cholesky factors of [`super::chol`]
//! (S-MNN default mode): a forward sweep y_t = D_t⁻¹(β_t − M1[t−1]·y_{t−1}) and a backward sweep
//! x_t = y_t − D_t⁻¹·M1[t]ᵀ·x_{t+1}, i.e. M = (I+U)·D·(I+U)ᵀ with U1[t] = M1[t]·D_t⁻¹ applied on
//! the fly (M1[t] is rebuilt from h_t). Input: the views, factors and right-hand sides of one
//! group of lanes; output: the solutions, in place.

use super::assemble::LhsView;
use super::taylor::{lanes, Taylor, V};

/// Solves (L Lᵀ) y = v in place per lane, L packed row by row (row i at i(i+1)/2) with a
/// reciprocal diagonal: the same operations as `kernels::chol_solve_packed`, lane by lane.
#[inline(always)]
pub(super) fn chol_solve_packed<const M: usize, const L: usize>(lp: &[V<L>], v: &mut [V<L>; M]) {
    let lp = &lp[..M * (M + 1) / 2];
    for i in 0..M {
        let r = i * (i + 1) / 2;
        let mut s = v[i];
        for kk in 0..i {
            for l in 0..L {
                s[l] -= lp[r + kk][l] * v[kk][l];
            }
        }
        v[i] = lanes(|l| s[l] * lp[r + i][l]);
    }
    for i in (0..M).rev() {
        let mut s = v[i];
        for kk in i + 1..M {
            let lki = lp[kk * (kk + 1) / 2 + i];
            for l in 0..L {
                s[l] -= lki[l] * v[kk][l];
            }
        }
        v[i] = lanes(|l| s[l] * lp[i * (i + 1) / 2 + i][l]);
    }
}

/// M1[t]'s per-dim block for the lanes' h_t, recomputed only when some h changes.
struct OffCache<'a, const P: usize, const L: usize> {
    taylor: &'a Taylor<P>,
    h: V<L>,
    off: [[V<L>; P]; P],
}

impl<const P: usize, const L: usize> OffCache<'_, P, L> {
    fn get(&mut self, h: V<L>) -> &[[V<L>; P]; P] {
        if h.map(f64::to_bits) != self.h.map(f64::to_bits) {
            self.h = h;
            self.off = self.taylor.off(&h);
        }
        &self.off
    }
}

/// Step t of every lane, interleaved.
#[inline(always)]
fn gather<const M: usize, const L: usize>(xs: &[&mut [f64]; L], t: usize) -> [V<L>; M] {
    let mut out = [[0.0; L]; M];
    for (l, x) in xs.iter().enumerate() {
        for (o, v) in out.iter_mut().zip(&x[t * M..(t + 1) * M]) {
            o[l] = *v;
        }
    }
    out
}

/// Writes step t of every lane back from the interleaved form.
#[inline(always)]
pub(super) fn scatter<const M: usize, const L: usize>(xs: &mut [&mut [f64]; L], t: usize, v: &[V<L>; M]) {
    for (l, x) in xs.iter_mut().enumerate() {
        for (xi, vi) in x[t * M..(t + 1) * M].iter_mut().zip(v) {
            *xi = vi[l];
        }
    }
}

/// Solves one group in place; `l0` holds n packed factors of V<L> entries.
pub(super) fn solve_impl<const M: usize, const P: usize, const L: usize>(
    views: &[LhsView<'_>; L],
    l0: &[V<L>],
    xs: &mut [&mut [f64]; L],
) {
    let (n, tri) = (views[0].shape.n, M * (M + 1) / 2);
    let taylor = Taylor::<P>::new(views[0].opts.weight_smooth);
    let mut cache = OffCache { taylor: &taylor, h: [f64::NAN; L], off: [[[0.0; L]; P]; P] };
    let h = |t: usize| -> V<L> { lanes(|l| views[l].h(t)) };
    let mut prev = [[0.0; L]; M];
    for (t, lt) in l0.chunks_exact(tri).take(n).enumerate() {
        let mut xt = gather::<M, L>(xs, t);
        if t >= 1 {
            let off = cache.get(h(t - 1));
            for d in (0..M).step_by(P) {
                for i in 0..P {
                    for j in 0..P {
                        for l in 0..L {
                            xt[d + i][l] -= off[i][j][l] * prev[d + j][l];
                        }
                    }
                }
            }
        }
        chol_solve_packed(lt, &mut xt);
        scatter(xs, t, &xt);
        prev = xt;
    }
    backward_sweep::<M, P, L>(views, l0, xs, &mut cache);
}

/// M1[t]·y added with a minus sign into `xt` (per dim, M1[t] = blockdiag(off)).
#[inline(always)]
pub(super) fn sub_off_y<const M: usize, const P: usize, const L: usize>(
    xt: &mut [V<L>; M],
    off: &[[V<L>; P]; P],
    y: &[V<L>; M],
) {
    for d in (0..M).step_by(P) {
        for i in 0..P {
            for j in 0..P {
                for l in 0..L {
                    xt[d + i][l] -= off[i][j][l] * y[d + j][l];
                }
            }
        }
    }
}

/// The backward sweep alone: `xs` holds y (the forward sweep's result) on entry, x on exit.
pub(super) fn backward_only<const M: usize, const P: usize, const L: usize>(
    views: &[LhsView<'_>; L],
    l0: &[V<L>],
    xs: &mut [&mut [f64]; L],
) {
    let taylor = Taylor::<P>::new(views[0].opts.weight_smooth);
    let mut cache = OffCache { taylor: &taylor, h: [f64::NAN; L], off: [[[0.0; L]; P]; P] };
    backward_sweep::<M, P, L>(views, l0, xs, &mut cache);
}

fn backward_sweep<const M: usize, const P: usize, const L: usize>(
    views: &[LhsView<'_>; L],
    l0: &[V<L>],
    xs: &mut [&mut [f64]; L],
    cache: &mut OffCache<'_, P, L>,
) {
    let (n, tri) = (views[0].shape.n, M * (M + 1) / 2);
    let h = |t: usize| -> V<L> { lanes(|l| views[l].h(t)) };
    let mut prev = gather::<M, L>(xs, n - 1);
    for t in (0..n.saturating_sub(1)).rev() {
        let off = cache.get(h(t));
        let mut q = [[0.0; L]; M];
        for d in (0..M).step_by(P) {
            for j in 0..P {
                for i in 0..P {
                    for l in 0..L {
                        q[d + j][l] += off[i][j][l] * prev[d + i][l];
                    }
                }
            }
        }
        chol_solve_packed(&l0[t * tri..(t + 1) * tri], &mut q);
        let mut xt = gather::<M, L>(xs, t);
        for (x, qi) in xt.iter_mut().zip(&q) {
            for l in 0..L {
                x[l] -= qi[l];
            }
        }
        scatter(xs, t, &xt);
        prev = xt;
    }
}
