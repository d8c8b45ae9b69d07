//! Values per lane and the Taylor smoothing blocks of the S-MNN default mode (solver.md §2),
//! shared by the block Cholesky factorisation (`chol.rs`) and its solve (`chol_solve.rs`).
//! A lane is one batch element of a group run in lockstep: every scalar becomes a `[f64; L]`.
// Lane loops (`for l in 0..L`) index several fixed-size arrays by the same lane, as in `chol.rs`.
#![allow(clippy::needless_range_loop)]

use super::assemble::inv_fact;

/// `[f64; L]` from a function of the lane, as a plain loop (`std::array::from_fn` goes through a
/// closure call that is not always inlined, which costs more than the arithmetic here).
#[inline(always)]
pub(super) fn lanes<const L: usize>(mut f: impl FnMut(usize) -> f64) -> V<L> {
    let mut v = [0.0; L];
    for (l, x) in v.iter_mut().enumerate() {
        *x = f(l);
    }
    v
}

/// A value per lane.
pub(super) type V<const L: usize> = [f64; L];

/// The P×P smoothing blocks of one interval (solver.md §2, S-MNN default), times w_s²: `left`
/// goes into M0[t], `right` into M0[t+1], `off` is M1[t]'s per-dim block (rows at t+1).
pub(super) struct Smooth<const P: usize, const L: usize> {
    pub(super) left: [[V<L>; P]; P],
    pub(super) right: [[V<L>; P]; P],
    pub(super) off: [[V<L>; P]; P],
}

/// The Taylor matrix F[k][o] = 1/(o−k)! (o ≥ k) and its Gram matrix FᵀF, fixed for a given P.
pub(super) struct Taylor<const P: usize> {
    f: [[f64; P]; P],
    ftf: [[f64; P]; P],
    w: f64,
}

impl<const P: usize> Taylor<P> {
    pub(super) fn new(weight_smooth: f64) -> Self {
        let mut f = [[0.0; P]; P];
        for (kk, row) in f.iter_mut().enumerate() {
            for (o, x) in row.iter_mut().enumerate().skip(kk) {
                *x = inv_fact(o - kk);
            }
        }
        let mut ftf = [[0.0; P]; P];
        for (i, row) in ftf.iter_mut().enumerate() {
            for (j, x) in row.iter_mut().enumerate() {
                *x = (0..P).map(|kk| f[kk][i] * f[kk][j]).sum();
            }
        }
        Taylor { f, ftf, w: weight_smooth.abs() }
    }

    /// e_i = w_s·h^i, so that products e_i e_j carry w_s².
    fn powers<const L: usize>(&self, h: &V<L>) -> [V<L>; P] {
        let mut e = [[self.w; L]; P];
        for i in 1..P {
            e[i] = lanes(|l| e[i - 1][l] * h[l]);
        }
        e
    }

    /// M1[t]'s per-dim block: −(e eᵀ)∘(F + Fᵀ∘σσᵀ), σ_iσ_j = (−1)^{i+j}.
    pub(super) fn off<const L: usize>(&self, h: &V<L>) -> [[V<L>; P]; P] {
        let e = self.powers(h);
        let mut off = [[[0.0; L]; P]; P];
        for i in 0..P {
            for j in 0..P {
                let sign = if (i + j) % 2 == 0 { 1.0 } else { -1.0 };
                let c = self.f[i][j] + sign * self.f[j][i];
                off[i][j] = lanes(|l| -e[i][l] * e[j][l] * c);
            }
        }
        off
    }

    /// d/dh of (left, right, off) for one lane-free interval of length h (for ∂L/∂h_t):
    /// d(e_i e_j)/dh = w_s²(i+j)h^{i+j−1}.
    pub(super) fn dblocks(&self, h: f64) -> [[[f64; P]; P]; 3] {
        let w2 = self.w * self.w;
        let mut pw = [1.0; 16];
        for i in 1..(2 * P).min(16) {
            pw[i] = pw[i - 1] * h;
        }
        let de = |i: usize, j: usize| if i + j == 0 { 0.0 } else { w2 * (i + j) as f64 * pw[i + j - 1] };
        let mut out = [[[0.0; P]; P]; 3];
        for i in 0..P {
            for j in 0..P {
                let sign = if (i + j) % 2 == 0 { 1.0 } else { -1.0 };
                let g = de(i, j) * self.ftf[i][j];
                out[0][i][j] = g;
                out[1][i][j] = sign * g;
                out[2][i][j] = -de(i, j) * (self.f[i][j] + sign * self.f[j][i]);
            }
            out[0][i][i] += de(i, i);
            out[1][i][i] += de(i, i);
        }
        out
    }

    /// All three blocks of an interval of length h, written into `out`.
    pub(super) fn blocks_into<const L: usize>(&self, h: &V<L>, out: &mut Smooth<P, L>) {
        let e = self.powers(h);
        for i in 0..P {
            for j in 0..P {
                let sign = if (i + j) % 2 == 0 { 1.0 } else { -1.0 };
                let c = self.f[i][j] + sign * self.f[j][i];
                for l in 0..L {
                    let ee = e[i][l] * e[j][l];
                    out.left[i][j][l] = ee * self.ftf[i][j];
                    out.right[i][j][l] = sign * (ee * self.ftf[i][j]);
                    out.off[i][j][l] = -ee * c;
                }
            }
            for l in 0..L {
                let e2 = e[i][l] * e[i][l];
                out.left[i][i][l] += e2;
                out.right[i][i][l] += e2;
            }
        }
    }
}
