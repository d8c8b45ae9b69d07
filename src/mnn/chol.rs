//! Block Cholesky factorisation for the S-MNN default mode (no central rows, so M is
//! block-tridiagonal), with the block size M = D·P and the order count P fixed at compile time
//! (solver.md §2), plus the default-mode step gradient. The solve lives in `chol_solve.rs`.
//!
//! Input: a group of [`LANES`] element views ([`LhsView`], `central == false`, same shape);
//! output: `l0`, n packed lower triangles per lane (the Cholesky factors of the pivot blocks D_t,
//! reciprocal diagonal), lane-interleaved. The lanes are independent problems run in lockstep:
//! every scalar of the one-element algorithm becomes a `[f64; LANES]`, so the arithmetic
//! vectorises across the batch instead of along the short, odd-sized block rows.
//!
//! Nothing else is stored. The sub-diagonal blocks M1[t] are block-diagonal with one P×P block
//! repeated for every dim (smoothing never couples dims), so they are rebuilt from h_t in a few
//! flops whenever needed, and the multipliers U1[t] = M1[t]·D_t⁻¹ of M = (I+U)·D·(I+U)ᵀ are
//! applied on the fly. That stores m(m+1)/2 instead of m(m+1)/2 + m² values per step, and the
//! factorisation exploits the structure: W = L_t⁻¹·M1[t]ᵀ is block-lower-triangular, and
//! D_{t+1} = M0[t+1] − WᵀW.
// Lane loops (`for l in 0..L`) index several fixed-size arrays by the same lane; the explicit
// index keeps the one-element algorithm readable and is what the vectoriser works from.
#![allow(clippy::needless_range_loop)]

use super::assemble::LhsView;
use super::chol_solve::{self, solve_impl};
use super::error::SolveError;
use super::factor;
use super::kernels as k;
use super::taylor::{lanes, Smooth, Taylor, V};

/// Batch elements factorised and solved in lockstep (one group).
pub const LANES: usize = 4;

/// Calls `Some($f::<M, P, L>($args))` for the supported compile-time (block size, order count)
/// pairs (L is the lane count), `None` otherwise (the caller falls back to the run-time-sized path).
macro_rules! dispatch_mp {
    ($m:expr, $p:expr, $f:ident, $l:tt; $($arg:expr),*) => {
        match ($m, $p) {
            (1, 1) => Some($f::<1, 1, $l>($($arg),*)), (2, 1) => Some($f::<2, 1, $l>($($arg),*)),
            (3, 1) => Some($f::<3, 1, $l>($($arg),*)), (4, 1) => Some($f::<4, 1, $l>($($arg),*)),
            (2, 2) => Some($f::<2, 2, $l>($($arg),*)), (4, 2) => Some($f::<4, 2, $l>($($arg),*)),
            (6, 2) => Some($f::<6, 2, $l>($($arg),*)), (8, 2) => Some($f::<8, 2, $l>($($arg),*)),
            (10, 2) => Some($f::<10, 2, $l>($($arg),*)), (12, 2) => Some($f::<12, 2, $l>($($arg),*)),
            (3, 3) => Some($f::<3, 3, $l>($($arg),*)), (6, 3) => Some($f::<6, 3, $l>($($arg),*)),
            (9, 3) => Some($f::<9, 3, $l>($($arg),*)), (12, 3) => Some($f::<12, 3, $l>($($arg),*)),
            (4, 4) => Some($f::<4, 4, $l>($($arg),*)), (8, 4) => Some($f::<8, 4, $l>($($arg),*)),
            (12, 4) => Some($f::<12, 4, $l>($($arg),*)), (5, 5) => Some($f::<5, 5, $l>($($arg),*)),
            (10, 5) => Some($f::<10, 5, $l>($($arg),*)),
            _ => None,
        }
    };
}

/// Calls `Some($f::<P>($args))` for the orders with a compiled lane kernel, `None` otherwise.
macro_rules! dispatch_p {
    ($p:expr, $f:ident; $($arg:expr),*) => {
        match $p {
            1 => Some($f::<1>($($arg),*)), 2 => Some($f::<2>($($arg),*)), 3 => Some($f::<3>($($arg),*)),
            4 => Some($f::<4>($($arg),*)), 5 => Some($f::<5>($($arg),*)),
            _ => None,
        }
    };
}

/// ∂L/∂h_t = −x·(∂M/∂h_t)·g for the S-MNN default mode (smoothing rows have a zero right-hand
/// side, so the least-squares identity of solver.md §3 reduces to the derivative of the P×P
/// smoothing blocks), added into this element's (step_len) slot `dh`. `None` for an order
/// without a compiled kernel (the caller uses the row-by-row form).
pub fn grad_steps(v: &LhsView<'_>, x: &[f64], g: &[f64], dh: &mut [f64]) -> Option<()> {
    dispatch_p!(v.shape.p, grad_steps_impl; v, x, g, dh)
}

/// Step s of a (n, m) array, as one P-vector per dim.
fn dims<const P: usize>(z: &[f64], m: usize, s: usize) -> &[[f64; P]] {
    z[s * m..(s + 1) * m].as_chunks::<P>().0
}

/// uᵀ·B·w for one dim's P-vectors.
#[inline(always)]
fn form<const P: usize>(b: &[[f64; P]; P], u: &[f64; P], w: &[f64; P]) -> f64 {
    let mut total = 0.0;
    for i in 0..P {
        let mut r = 0.0;
        for j in 0..P {
            r += b[i][j] * w[j];
        }
        total += u[i] * r;
    }
    total
}

fn grad_steps_impl<const P: usize>(v: &LhsView<'_>, x: &[f64], g: &[f64], dh: &mut [f64]) {
    let (sh, m) = (v.shape, v.shape.m());
    let taylor = Taylor::<P>::new(v.opts.weight_smooth);
    let (mut h_bits, mut db) = (f64::NAN.to_bits(), [[[0.0; P]; P]; 3]);
    for t in 0..sh.n.saturating_sub(1) {
        let h = v.h(t);
        if h.to_bits() != h_bits {
            (h_bits, db) = (h.to_bits(), taylor.dblocks(h));
        }
        let mut total = 0.0;
        for (((xa, xb), ga), gb) in
            dims::<P>(x, m, t).iter().zip(dims::<P>(x, m, t + 1)).zip(dims::<P>(g, m, t)).zip(dims::<P>(g, m, t + 1))
        {
            total += form(&db[0], xa, ga) + form(&db[1], xb, gb) + form(&db[2], xb, ga) + form(&db[2], gb, xa);
        }
        dh[if sh.step_len == 1 { 0 } else { t }] -= total;
    }
}

/// Whether this module handles the shape: no central rows and a compiled (m, P) pair.
pub fn supports(m: usize, p: usize, central: bool) -> bool {
    fn probe<const M: usize, const P: usize, const L: usize>() {}
    !central && dispatch_mp!(m, p, probe, 1;).is_some()
}

/// Factorises the [`LANES`] elements `views` (one group; repeat an element to pad a short
/// group) into `l0`, n·m(m+1)/2·LANES values, lane-interleaved: entry r of step t for lane l is
/// at (t·m(m+1)/2 + r)·LANES + l. On failure the error is the one the elements give one by one,
/// in order (first failing element, its first failing check). `None` if [`supports`] is false.
pub fn factor_group(views: &[LhsView<'_>; LANES], l0: &mut [f64]) -> Option<Result<(), SolveError>> {
    dispatch_mp!(views[0].shape.m(), views[0].shape.p, factor_group_impl, LANES; views, l0, None)
}

/// The right-hand sides of one group, per lane: rhs (rhs_steps, E) and initial values (S, D, K).
pub struct RhsLanes<'a> {
    /// Each lane's rhs.
    pub rhs: [&'a [f64]; LANES],
    /// 1 (broadcast over the steps) or n.
    pub rhs_steps: usize,
    /// Each lane's initial values.
    pub init: [&'a [f64]; LANES],
}

/// [`factor_group`] fused with the solve: assembles β_t and runs the forward sweep while each
/// pivot factor is still in cache, then the backward sweep, so a forward pass reads the stored
/// factors once instead of twice. `xs[l]` receives lane l's x (n·m values).
pub fn factor_solve_group(
    views: &[LhsView<'_>; LANES],
    l0: &mut [f64],
    rhs: &RhsLanes<'_>,
    xs: &mut [&mut [f64]; LANES],
) -> Option<Result<(), SolveError>> {
    dispatch_mp!(views[0].shape.m(), views[0].shape.p, factor_group_impl, LANES; views, l0, Some((rhs, &mut *xs)))
}

/// Solves M x = β in place for one group: `xs[l]` holds lane l's β (n·m values) on entry and its
/// x on exit; `l0` comes from [`factor_group`] for the same views.
pub fn solve_group(views: &[LhsView<'_>; LANES], l0: &[f64], xs: &mut [&mut [f64]; LANES]) {
    let done =
        dispatch_mp!(views[0].shape.m(), views[0].shape.p, solve_impl, LANES; views, l0.as_chunks::<LANES>().0, xs);
    debug_assert!(done.is_some(), "solve_group called for an unsupported shape");
}

fn factor_group_impl<const M: usize, const P: usize, const L: usize>(
    views: &[LhsView<'_>; L],
    l0: &mut [f64],
    fwd: Option<(&RhsLanes<'_>, &mut [&mut [f64]; L])>,
) -> Result<(), SolveError> {
    let mut first = None;
    if views.iter().all(|v| factor::check_element(v).is_ok()) {
        let lanes = l0.as_chunks_mut::<L>().0;
        match factor_impl::<M, P, L>(views, lanes, fwd) {
            Ok(Some(xs)) => {
                chol_solve::backward_only::<M, P, L>(views, lanes, xs);
                return Ok(());
            }
            Ok(None) => return Ok(()),
            Err((_, e)) => first = Some(e),
        }
    }
    // rare error path: redo the elements one at a time, in order
    let mut scratch = vec![0.0; l0.len() / L];
    for v in views {
        factor::check_element(v)?;
        factor_impl::<M, P, 1>(&[*v], scratch.as_chunks_mut::<1>().0, None).map_err(|(_, e)| e)?;
    }
    Err(first.unwrap_or_else(|| SolveError::Shape("inconsistent lane factorisation".into())))
}

/// Adds a P×P block into every dim's diagonal sub-block (lower triangle only).
#[inline(always)]
fn add_per_dim<const M: usize, const P: usize, const L: usize>(a: &mut [[V<L>; M]; M], pp: &[[V<L>; P]; P]) {
    for d in (0..M).step_by(P) {
        for i in 0..P {
            for j in 0..=i {
                for l in 0..L {
                    a[d + i][d + j][l] += pp[i][j][l];
                }
            }
        }
    }
}

/// Row e of every lane's E×m coefficient matrix C_t, interleaved.
#[inline(always)]
fn lanes_row<const M: usize, const L: usize>(cs: &[&[f64]; L], e: usize) -> [V<L>; M] {
    let mut out = [[0.0; L]; M];
    for (l, c) in cs.iter().enumerate() {
        for (o, x) in out.iter_mut().zip(&c[e * M..(e + 1) * M]) {
            o[l] = *x;
        }
    }
    out
}

/// Adds into `a` the lower triangle of M0[t] (equations, initial values, smoothing of the intervals on both
/// sides). `left` is interval t's block (absent at the last step), `right` interval t−1's.
#[inline(always)]
fn assemble_diag<const M: usize, const P: usize, const L: usize>(
    a: &mut [[V<L>; M]; M],
    views: &[LhsView<'_>; L],
    t: usize,
    left: Option<&[[V<L>; P]; P]>,
    right: Option<&[[V<L>; P]; P]>,
) {
    let (sh, opts) = (views[0].shape, views[0].opts);
    let we2 = opts.weight_equation * opts.weight_equation;
    let mut cs: [&[f64]; L] = [&[]; L];
    for (c, v) in cs.iter_mut().zip(views) {
        *c = v.c(t);
    }
    for e in 0..sh.e {
        let ce = lanes_row::<M, L>(&cs, e);
        for i in 0..M {
            let ci = ce[i].map(|x| we2 * x);
            for j in 0..=i {
                for l in 0..L {
                    a[i][j][l] += ci[l] * ce[j][l];
                }
            }
        }
    }
    if t < sh.s {
        let wi2 = opts.weight_init * opts.weight_init;
        for d in (0..M).step_by(P) {
            for kk in 0..sh.k {
                a[d + kk][d + kk].iter_mut().for_each(|x| *x += wi2);
            }
        }
    }
    if let Some(lb) = left {
        add_per_dim(a, lb);
    }
    if let Some(rb) = right {
        add_per_dim(a, rb);
    }
}

/// In-place lower Cholesky factor (reciprocal diagonal), lane by lane the same operations as
/// [`k::cholesky`]; on a rejected pivot returns (lane, column, pivot/diag0).
#[inline(always)]
fn cholesky<const M: usize, const L: usize>(
    a: &mut [[V<L>; M]; M],
    diag0: &[V<L>; M],
) -> Result<(), (usize, usize, f64)> {
    for j in 0..M {
        let mut piv = a[j][j];
        for kk in 0..j {
            for l in 0..L {
                piv[l] -= a[j][kk][l] * a[j][kk][l];
            }
        }
        for l in 0..L {
            let ratio = piv[l] / diag0[j][l];
            if ratio.is_nan() || ratio <= k::PIVOT_TOL || !diag0[j][l].is_finite() {
                return Err((l, j, ratio));
            }
        }
        let inv = piv.map(|x| 1.0 / x.sqrt());
        a[j][j] = inv;
        for i in j + 1..M {
            let mut s = a[i][j];
            for kk in 0..j {
                for l in 0..L {
                    s[l] -= a[i][kk][l] * a[j][kk][l];
                }
            }
            a[i][j] = lanes(|l| s[l] * inv[l]);
        }
    }
    Ok(())
}

/// Row i of W = L⁻¹·M1ᵀ (and of M1ᵀ) is non-zero only in the columns of dims ≤ i's dim.
#[inline(always)]
const fn prefix<const P: usize>(i: usize) -> usize {
    (i / P + 1) * P
}

/// Schur complement update for the next step: `s` = WᵀW (lower triangle) with W = L⁻¹·M1[t]ᵀ,
/// where `a` holds L (reciprocal diagonal) and M1[t]ᵀ = blockdiag(offᵀ). `w` is scratch: only
/// its structurally non-zero entries (row i, columns below `prefix(i)`) are written and read, so
/// it needs no clearing. Each entry is accumulated in registers as a dot product, in the same
/// order as the row-by-row outer-product form.
#[inline(always)]
fn schur<const M: usize, const P: usize, const L: usize>(
    a: &[[V<L>; M]; M],
    off: &[[V<L>; P]; P],
    w: &mut [[V<L>; M]; M],
    s: &mut [[V<L>; M]; M],
) {
    for i in 0..M {
        let (di, len) = (i / P * P, prefix::<P>(i));
        for c in 0..len {
            let mut acc = if c >= di { off[c - di][i - di] } else { [0.0; L] };
            // w[kk][c] is structurally zero for kk below c's dim
            for kk in c / P * P..i {
                for l in 0..L {
                    acc[l] -= a[i][kk][l] * w[kk][c][l];
                }
            }
            w[i][c] = lanes(|l| acc[l] * a[i][i][l]);
        }
    }
    for i in 0..M {
        for j in 0..=i {
            let mut acc = [0.0; L];
            for wk in &w[i / P * P..] {
                for l in 0..L {
                    acc[l] += wk[i][l] * wk[j][l];
                }
            }
            s[i][j] = acc;
        }
    }
}

/// One step of the forward sweep: y_t = D_t⁻¹(β_t − M1[t−1]·y_{t−1}), with β_t assembled here
/// (its coefficients are in cache from the block assembly). `y` holds y_{t−1} on entry, y_t on exit.
#[inline(always)]
fn forward_step<const M: usize, const P: usize, const L: usize>(
    views: &[LhsView<'_>; L],
    t: usize,
    rhs: &RhsLanes<'_>,
    lt: &[V<L>],
    off_prev: Option<&[[V<L>; P]; P]>,
    y: &mut [V<L>; M],
) {
    let (sh, opts) = (views[0].shape, views[0].opts);
    let rt = if rhs.rhs_steps == 1 { 0 } else { t * sh.e };
    let we2 = opts.weight_equation * opts.weight_equation;
    let mut cs: [&[f64]; L] = [&[]; L];
    for (c, v) in cs.iter_mut().zip(views) {
        *c = v.c(t);
    }
    let mut xt = [[0.0; L]; M];
    for e in 0..sh.e {
        let r: V<L> = lanes(|l| we2 * rhs.rhs[l % LANES][rt + e]);
        let ce = lanes_row::<M, L>(&cs, e);
        for (x, c) in xt.iter_mut().zip(&ce) {
            for l in 0..L {
                x[l] += r[l] * c[l];
            }
        }
    }
    if t < sh.s {
        let wi2 = opts.weight_init * opts.weight_init;
        for (dd, d) in (0..M).step_by(P).enumerate() {
            for kk in 0..sh.k {
                for l in 0..L {
                    xt[d + kk][l] += wi2 * rhs.init[l % LANES][(t * sh.d + dd) * sh.k + kk];
                }
            }
        }
    }
    if let Some(off) = off_prev {
        chol_solve::sub_off_y(&mut xt, off, y);
    }
    chol_solve::chol_solve_packed(lt, &mut xt);
    *y = xt;
}

/// The block recursion over all steps; errors carry the failing lane.
/// With `fwd`, also assembles β and runs the forward sweep into its slices, and hands them back.
#[allow(clippy::type_complexity)]
fn factor_impl<'x, 'y, const M: usize, const P: usize, const L: usize>(
    views: &[LhsView<'_>; L],
    l0: &mut [V<L>],
    mut fwd: Option<(&RhsLanes<'_>, &'x mut [&'y mut [f64]; L])>,
) -> Result<Option<&'x mut [&'y mut [f64]; L]>, (usize, SolveError)> {
    let mut y_prev = [[0.0; L]; M];
    let (n, tri) = (views[0].shape.n, M * (M + 1) / 2);
    let taylor = Taylor::<P>::new(views[0].opts.weight_smooth);
    // smoothing blocks of intervals t (slot t % 2) and t − 1 (the other slot)
    let zero = || Smooth { left: [[[0.0; L]; P]; P], right: [[[0.0; L]; P]; P], off: [[[0.0; L]; P]; P] };
    let mut sms = [zero(), zero()];
    let (mut s, mut w) = ([[[0.0; L]; M]; M], [[[0.0; L]; M]; M]);
    for (t, lt) in l0.chunks_exact_mut(tri).take(n).enumerate() {
        let (cur, other) = sms.split_at_mut(1);
        let (cur, prev) = if t % 2 == 0 { (&mut cur[0], &other[0]) } else { (&mut other[0], &cur[0]) };
        if t + 1 < n {
            taylor.blocks_into(&lanes(|l| views[l].h(t)), cur);
        }
        let mut a = [[[0.0; L]; M]; M];
        assemble_diag::<M, P, L>(&mut a, views, t, (t + 1 < n).then_some(&cur.left), (t >= 1).then_some(&prev.right));
        let mut diag0 = [[0.0; L]; M];
        for (i, d) in diag0.iter_mut().enumerate() {
            *d = a[i][i];
        }
        if t >= 1 {
            for i in 0..M {
                for j in 0..=i {
                    for l in 0..L {
                        a[i][j][l] -= s[i][j][l];
                    }
                }
            }
        }
        cholesky(&mut a, &diag0).map_err(|(l, j, ratio)| {
            (l, SolveError::Pivot { batch: views[l].b, step: t, dim: j / P, order: j % P, ratio })
        })?;
        let mut o = 0;
        for (i, row) in a.iter().enumerate() {
            for x in &row[..=i] {
                lt[o] = *x;
                o += 1;
            }
        }
        if let Some((rhs, xs)) = fwd.as_mut() {
            forward_step::<M, P, L>(views, t, rhs, lt, (t >= 1).then_some(&prev.off), &mut y_prev);
            chol_solve::scatter(xs, t, &y_prev);
        }
        if t + 1 < n {
            schur::<M, P, L>(&a, &cur.off, &mut w, &mut s);
        }
    }
    Ok(fwd.map(|(_, xs)| xs))
}
