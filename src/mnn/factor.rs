//! Block LDLᵀ factorisation of one element's block-tridiagonal (block-pentadiagonal in central
//! mode) normal matrix, and the solve M x = β with the stored factors (solver.md §2). This is the
//! general path (central mode, and block sizes without a lane kernel in `chol.rs`); it also owns
//! the pre-factorisation checks shared by both paths.
//!
//! Input: an [`LhsView`]; output, in caller-provided slices: `l0` (n packed lower triangles: the
//! Cholesky factor of each pivot block D_t, reciprocal diagonal), `u1` (n−1 blocks U1[t]ᵀ, where
//! U1[t] = (M[t+1,t] − …)·D_t⁻¹) and, in central mode, `u2` (n−2 blocks U2[t]ᵀ, where
//! U2[t] = M[t+2,t]·D_t⁻¹), so that M = (I+U)·D·(I+U)ᵀ.
//! Blocks of M are assembled just before use, so M is never stored: memory is the factors only.
//! Every kernel is instantiated for m ≤ 12 with a compile-time block size.

use super::assemble::{self, LhsView, StepCaches};
use super::error::SolveError;
use super::kernels as k;

/// Calls `$f::<M>($args)` with M the compile-time block size for m ≤ 12, and M = 0 (run-time
/// size) otherwise.
macro_rules! dispatch_m {
    ($m:expr, $f:ident, $($arg:expr),*) => {
        match $m {
            1 => $f::<1>($($arg),*), 2 => $f::<2>($($arg),*), 3 => $f::<3>($($arg),*),
            4 => $f::<4>($($arg),*), 5 => $f::<5>($($arg),*), 6 => $f::<6>($($arg),*),
            7 => $f::<7>($($arg),*), 8 => $f::<8>($($arg),*), 9 => $f::<9>($($arg),*),
            10 => $f::<10>($($arg),*), 11 => $f::<11>($($arg),*), 12 => $f::<12>($($arg),*),
            _ => $f::<0>($($arg),*),
        }
    };
}

/// Checks steps and structure, then factorises element `v.b` into `l0`, `u1`, `u2`.
pub fn factor_element(v: &LhsView<'_>, l0: &mut [f64], u1: &mut [f64], u2: &mut [f64]) -> Result<(), SolveError> {
    check_element(v)?;
    dispatch_m!(v.shape.m(), factor_impl, v, l0, u1, u2)
}

/// The checks made before factorising: every step finite and positive, every dim pinned.
pub fn check_element(v: &LhsView<'_>) -> Result<(), SolveError> {
    let sh = v.shape;
    for t in 0..sh.n.saturating_sub(1) {
        let h = v.h(t);
        if !(h.is_finite() && h > 0.0) {
            return Err(SolveError::InvalidStep { batch: v.b, interval: t, value: h });
        }
    }
    if let Some(dim) = assemble::unpinned_dim(v) {
        return Err(SolveError::Unpinned { batch: v.b, dim });
    }
    Ok(())
}

/// Rolling work blocks of the factorisation.
struct Work {
    w_prev: Vec<f64>,
    w_cur: Vec<f64>,
    m2_prev1: Vec<f64>,
    m2_prev2: Vec<f64>,
    m2_cur: Vec<f64>,
    diag0: Vec<f64>,
    /// D_t assembled and factorised in full m×m form before it is packed into `l0`.
    pivot: Vec<f64>,
    caches: StepCaches,
}

fn factor_impl<const M: usize>(
    v: &LhsView<'_>,
    l0: &mut [f64],
    u1: &mut [f64],
    u2: &mut [f64],
) -> Result<(), SolveError> {
    let m = if M == 0 { v.shape.m() } else { M };
    let mm = m * m;
    let z = || vec![0.0; mm];
    let mut w = Work {
        w_prev: z(),
        w_cur: z(),
        m2_prev1: z(),
        m2_prev2: z(),
        m2_cur: z(),
        diag0: vec![0.0; m],
        pivot: z(),
        caches: StepCaches::default(),
    };
    for t in 0..v.shape.n {
        factor_step(v, t, m, l0, u1, u2, &mut w)?;
    }
    Ok(())
}

/// One step of the block recursion: finish D_t, factor it, then form U1[t] (and U2[t]).
/// The multipliers are stored transposed (V = Uᵀ = D⁻¹·Mᵀ), and the work blocks hold the
/// transposed sub-diagonal blocks (T = Wᵀ, Q = M2ᵀ), so every m³ kernel streams along rows.
#[inline(always)]
fn factor_step(
    v: &LhsView<'_>,
    t: usize,
    m: usize,
    l0: &mut [f64],
    u1: &mut [f64],
    u2: &mut [f64],
    w: &mut Work,
) -> Result<(), SolveError> {
    let (n, mm, central, tri) = (v.shape.n, m * m, v.opts.central, packed_len(m));
    let blk = &mut w.pivot;
    assemble::diag_block_cached(v, t, blk, &mut w.caches);
    for j in 0..m {
        w.diag0[j] = blk[j * m + j];
    }
    if t >= 1 {
        // U1 D U1ᵀ = U1·Wᵀ = Vᵀ·T with W = U1·D the (modified) sub-diagonal block
        k::sub_atb(blk, &u1[(t - 1) * mm..t * mm], &w.w_prev, m);
    }
    if central && t >= 2 {
        k::sub_atb(blk, &u2[(t - 2) * mm..(t - 1) * mm], &w.m2_prev2, m);
    }
    k::cholesky(blk, m, &w.diag0).map_err(|(j, ratio)| SolveError::Pivot {
        batch: v.b,
        step: t,
        dim: j / v.shape.p,
        order: j % v.shape.p,
        ratio,
    })?;
    k::pack_lower(blk, m, &mut l0[t * tri..(t + 1) * tri]);
    let lt = &w.pivot;
    if t + 1 < n {
        assemble::sub_block_cached(v, t, &mut w.w_cur, &mut w.caches.cur);
        k::transpose(&mut w.w_cur, m);
        if central && t >= 1 {
            // Wᵀ −= (M2[t−1]·U1[t−1]ᵀ)ᵀ = V[t−1]ᵀ·M2[t−1]ᵀ, using U2[t−1]·D_{t−1} = M2[t−1]
            k::sub_atb(&mut w.w_cur, &u1[(t - 1) * mm..t * mm], &w.m2_prev1, m);
        }
        let vt = &mut u1[t * mm..(t + 1) * mm];
        vt.copy_from_slice(&w.w_cur);
        k::chol_solve_multi(lt, m, vt);
        std::mem::swap(&mut w.w_prev, &mut w.w_cur);
    }
    if central {
        if t + 2 < n {
            assemble::sub2_block(v, t, &mut w.m2_cur);
            k::transpose(&mut w.m2_cur, m);
            let vt = &mut u2[t * mm..(t + 1) * mm];
            vt.copy_from_slice(&w.m2_cur);
            k::chol_solve_multi(lt, m, vt);
        }
        std::mem::swap(&mut w.m2_prev2, &mut w.m2_prev1);
        std::mem::swap(&mut w.m2_prev1, &mut w.m2_cur);
    }
    // interval t becomes the previous interval of step t+1
    std::mem::swap(&mut w.caches.prev, &mut w.caches.cur);
    Ok(())
}

/// Length of a packed lower triangle of an m×m block.
pub fn packed_len(m: usize) -> usize {
    m * (m + 1) / 2
}

/// Solves M x = β in place (`x` holds β on entry, n·m values) with the factors of one element.
pub fn solve_element(n: usize, m: usize, central: bool, l0: &[f64], u1: &[f64], u2: &[f64], x: &mut [f64]) {
    dispatch_m!(m, solve_impl, n, m, central, l0, u1, u2, x)
}

fn solve_impl<const M: usize>(n: usize, m: usize, central: bool, l0: &[f64], u1: &[f64], u2: &[f64], x: &mut [f64]) {
    let m = if M == 0 { m } else { M };
    let (mm, tri) = (m * m, packed_len(m));
    // forward sweep: z_t = β_t − U1[t−1] z_{t−1} − U2[t−2] z_{t−2}
    for t in 1..n {
        let (done, rest) = x.split_at_mut(t * m);
        let zt = &mut rest[..m];
        k::sub_atx(zt, &u1[(t - 1) * mm..t * mm], &done[(t - 1) * m..], m);
        if central && t >= 2 {
            k::sub_atx(zt, &u2[(t - 2) * mm..(t - 1) * mm], &done[(t - 2) * m..], m);
        }
    }
    // block-diagonal solve and backward sweep: x_t = D_t⁻¹ z_t − U1[t]ᵀ x_{t+1} − U2[t]ᵀ x_{t+2}
    for t in (0..n).rev() {
        let (head, later) = x.split_at_mut((t + 1) * m);
        let xt = &mut head[t * m..];
        k::chol_solve_packed(&l0[t * tri..(t + 1) * tri], m, xt);
        if t + 1 < n {
            k::sub_ax(xt, &u1[t * mm..(t + 1) * mm], &later[..m], m);
        }
        if central && t + 2 < n {
            k::sub_ax(xt, &u2[t * mm..(t + 1) * mm], &later[m..2 * m], m);
        }
    }
}
