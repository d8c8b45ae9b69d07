//! The weak form in time of the field fit, for noisy data and models linear in their
//! coefficients: with a smooth bump `ψ` on a window of `2·HALF + 1` samples around a time
//! `t_k`, `∫ψ u_t dt = −∫ψ' u dt`, so the time derivative of noisy data is never formed, and
//! every term `θ(u, u_x, ...)` is integrated against `ψ` at every grid point, which averages the
//! noise of the spatial derivatives over the window. The test function is also a bump `χ(x)` of
//! `2·HALF + 1` grid points (no integration by parts in space: `∫∫χψ θ` of the pointwise
//! terms), which averages the high-wavenumber noise of the derivatives further. Windows start
//! every `HALF` samples in time and points in space. The fields are those denoised in space
//! only (the spectral cut-off or the spatial smoother).
//!
//! `HALF = 8` samples was chosen on Burgers at 1% noise and confirmed on Fisher–KPP at 5% and
//! the two-soliton KdV at 1%.

use super::super::sindy::Gram;
use super::super::smoothed::Smoothed;
use super::FitError;
use crate::jit::JitError;

/// Half-width of a test function's window, in samples.
pub const HALF: usize = 8;

/// One trajectory on the full grid: times, points, values of every row (kernel layout, rows
/// time-major) and, per equation, its field's values (nt×nx).
pub struct Full {
    pub t: Vec<f64>,
    pub nx: usize,
    pub rows: Vec<f64>,
    pub lhs: Vec<Vec<f64>>,
    pub periodic: bool,
}

/// The time and point indices of the window centres (one regression row each).
pub fn centres(nt: usize, nx: usize, periodic: bool) -> (Vec<usize>, Vec<usize>) {
    let times = (HALF..nt.saturating_sub(HALF)).step_by(HALF).collect();
    let points = if periodic {
        (0..nx).step_by(HALF).collect()
    } else {
        (HALF..nx.saturating_sub(HALF)).step_by(HALF).collect()
    };
    (times, points)
}

/// `ψ(s) = (1 − s²)^4` and its derivative in `s`, on `|s| ≤ 1`.
fn bump(s: f64) -> (f64, f64) {
    let q = 1.0 - s * s;
    if q <= 0.0 {
        return (0.0, 0.0);
    }
    (q.powi(4), -8.0 * s * q.powi(3))
}

/// The weak-form Gram matrices over every window of every trajectory.
pub fn gram(s: &Smoothed, fulls: &[Full], strong_rows: usize) -> Result<Gram, FitError> {
    let (nc, neq, npar) = (s.ncoef, s.neq, s.layout.n_params);
    let theta = vec![0.0; npar];
    // Window rows: per equation, target and term integrals.
    let mut targets: Vec<Vec<f64>> = vec![Vec::new(); neq];
    let mut terms: Vec<Vec<Vec<f64>>> = vec![Vec::new(); neq];
    let slots: Vec<Vec<usize>> = (0..neq).map(|e| (0..nc).filter(|&c| s.slot_eq[c] == e).collect()).collect();
    for f in fulls {
        let (nt, nx) = (f.t.len(), f.nx);
        let n = nt * nx;
        let (mut f0, mut jp) = (vec![0.0; n * neq], vec![0.0; n * neq * npar]);
        s.rhs.value.eval_par(n, &f.rows, &theta, &mut f0).map_err(err)?;
        s.rhs.d_params.eval_par(n, &f.rows, &theta, &mut jp).map_err(err)?;
        for k in centres(nt, nx, f.periodic).0 {
            let w = window(&f.t, k);
            for xw in space_windows(nx, f.periodic) {
                for e in 0..neq {
                    let mut b = 0.0;
                    let mut th = vec![0.0; slots[e].len()];
                    for &(j, wx) in &xw {
                        for &(i, wi, dwi) in &w {
                            let at = (i * nx + j) * neq + e;
                            b -= wx * (dwi * f.lhs[e][i * nx + j] + wi * f0[at]);
                            for (q, &c) in slots[e].iter().enumerate() {
                                th[q] += wx * wi * jp[at * npar + s.np + c];
                            }
                        }
                    }
                    targets[e].push(b);
                    terms[e].push(th);
                }
            }
        }
    }
    if targets.iter().any(Vec::is_empty) {
        return Err(FitError::Data(format!("the weak form needs at least {} times", 2 * HALF + 1)));
    }
    let mut g = Gram { a: vec![0.0; nc * nc], g: vec![0.0; nc], r0: vec![0.0; neq] };
    for e in 0..neq {
        let wn = targets[e].len() as f64;
        let sb2 = (targets[e].iter().map(|b| b * b).sum::<f64>() / wn).max(f64::MIN_POSITIVE);
        let k = strong_rows as f64 / wn / sb2;
        for (b, th) in targets[e].iter().zip(&terms[e]) {
            g.r0[e] += k * b * b;
            for (qa, &ca) in slots[e].iter().enumerate() {
                g.g[ca] += k * th[qa] * b;
                for (qb, &cb) in slots[e].iter().enumerate() {
                    g.a[ca * nc + cb] += k * th[qa] * th[qb];
                }
            }
        }
    }
    Ok(g)
}

/// The spatial windows: (point, χ weight) around every `HALF`-th point, `χ` the same bump over
/// `2·HALF + 1` points (wrapping around on a periodic grid; only whole windows otherwise).
pub(super) fn space_windows(nx: usize, periodic: bool) -> Vec<Vec<(usize, f64)>> {
    let weights: Vec<f64> = (0..=2 * HALF).map(|q| bump((q as f64 - HALF as f64) / HALF as f64).0).collect();
    centres(0, nx, periodic)
        .1
        .into_iter()
        .map(|c| (0..=2 * HALF).map(|q| ((c + nx + q - HALF) % nx, weights[q])).collect())
        .collect()
}

/// (sample, ψ weight, ψ' weight) of the window around sample `k`: trapezoid weights, the
/// derivative in time.
pub(super) fn window(t: &[f64], k: usize) -> Vec<(usize, f64, f64)> {
    let (lo, hi) = (t[k - HALF], t[k + HALF]);
    let half = 0.5 * (hi - lo);
    let mid = 0.5 * (hi + lo);
    (k - HALF..=k + HALF)
        .map(|i| {
            let dt = 0.5 * (t[(i + 1).min(k + HALF)] - t[i.saturating_sub(1).max(k - HALF)]);
            let (p, dp) = bump((t[i] - mid) / half);
            (i, p * dt, dp / half * dt)
        })
        .collect()
}

fn err(e: JitError) -> FitError {
    FitError::Data(format!("kernel call failed: {e}"))
}
