//! A dense reference solver for cross-checks on small problems: it writes out every row of the
//! least-squares system of solver.md §1 (equation, initial-value, forward/backward Taylor and
//! central rows) as a dense matrix A and solves min ‖A x − b‖ by Householder QR, without ever
//! forming AᵀA. Input: an [`OdeShape`] and [`OdeInputs`]; output: u, shape (B, n, D, P).
//! Cost O(rows·(n·m)²) per element: for tests only.

use super::assemble::{taylor_row, LhsView};
use super::device::OdeInputs;
use super::shape::{OdeOptions, OdeShape};

/// Solves every batch element densely; `None` when an element's A is rank-deficient to working
/// precision.
pub fn dense_solve(shape: &OdeShape, inputs: OdeInputs<'_>, opts: &OdeOptions) -> Option<Vec<f64>> {
    let (n, m) = (shape.lhs.n, shape.lhs.m());
    let mut u = Vec::with_capacity(shape.u_len());
    for b in 0..shape.batch {
        let fb = if shape.lhs.factor_batch() == 1 { 0 } else { b };
        let v = LhsView { shape: &shape.lhs, opts, coeffs: inputs.coeffs, steps: inputs.steps, b: fb };
        let (a, rhs) = dense_rows(&v, shape, inputs, b);
        u.extend(least_squares(a, rhs, n * m)?);
    }
    Some(u)
}

/// The rows (each a dense vector of n·m entries) and right-hand side of element b.
fn dense_rows(v: &LhsView<'_>, shape: &OdeShape, inputs: OdeInputs<'_>, b: usize) -> (Vec<Vec<f64>>, Vec<f64>) {
    let sh = &shape.lhs;
    let (n, m, p, e) = (sh.n, sh.m(), sh.p, sh.e);
    let (we, wi, ws) = (v.opts.weight_equation, v.opts.weight_init, v.opts.weight_smooth);
    let (mut rows, mut rhs) = (Vec::new(), Vec::new());
    let mut push = |entries: &[(usize, f64)], r: f64, w: f64| {
        let mut row = vec![0.0; n * m];
        for &(j, val) in entries {
            row[j] += w * val;
        }
        rows.push(row);
        rhs.push(w * r);
    };
    for t in 0..n {
        let rt = if shape.rhs_steps == 1 { 0 } else { t };
        for q in 0..e {
            let c = &v.c(t)[q * m..(q + 1) * m];
            let entries: Vec<_> = (0..m).map(|j| (t * m + j, c[j])).collect();
            push(&entries, inputs.rhs[(b * shape.rhs_steps + rt) * e + q], we);
        }
    }
    for s in 0..sh.s {
        for d in 0..sh.d {
            for k in 0..sh.k {
                push(&[(s * m + d * p + k, 1.0)], inputs.init[((b * sh.s + s) * sh.d + d) * sh.k + k], wi);
            }
        }
    }
    for t in 0..n.saturating_sub(1) {
        for d in 0..sh.d {
            for k in 0..=v.opts.k_max(p) {
                for (hh, from, to) in [(v.h(t), t, t + 1), (-v.h(t), t + 1, t)] {
                    let (a, bk) = taylor_row(hh, k, p);
                    let mut entries: Vec<_> = (k..p).map(|o| (from * m + d * p + o, a[o])).collect();
                    entries.push((to * m + d * p + k, bk));
                    push(&entries, 0.0, ws);
                }
            }
        }
    }
    if v.opts.central {
        for t in 0..n.saturating_sub(2) {
            let s = v.h(t) + v.h(t + 1);
            let (lo, hi) = (s.powi(p as i32 - 3), s.powi(p as i32 - 2));
            for d in 0..sh.d {
                let (q, pt) = (d * p + p - 2, d * p + p - 1);
                push(&[(t * m + q, lo), ((t + 1) * m + pt, hi), ((t + 2) * m + q, -lo)], 0.0, ws);
            }
        }
    }
    (rows, rhs)
}

/// min ‖A x − b‖ by Householder QR (A given as rows, `cols` unknowns).
fn least_squares(rows: Vec<Vec<f64>>, mut b: Vec<f64>, cols: usize) -> Option<Vec<f64>> {
    let nr = rows.len();
    if nr < cols {
        return None;
    }
    // column-major copy so each Householder step touches contiguous memory
    let mut a: Vec<Vec<f64>> = (0..cols).map(|j| rows.iter().map(|r| r[j]).collect()).collect();
    let scale = a.iter().flatten().fold(0.0f64, |acc, x| acc.max(x.abs()));
    for j in 0..cols {
        let norm = a[j][j..].iter().map(|x| x * x).sum::<f64>().sqrt();
        if norm <= 1e-14 * scale {
            return None;
        }
        let alpha = if a[j][j] > 0.0 { -norm } else { norm };
        let mut vh: Vec<f64> = a[j][j..].to_vec();
        vh[0] -= alpha;
        let vnorm2: f64 = vh.iter().map(|x| x * x).sum();
        let reflect = |col: &mut [f64]| {
            let f = 2.0 * vh.iter().zip(col.iter()).map(|(x, y)| x * y).sum::<f64>() / vnorm2;
            col.iter_mut().zip(&vh).for_each(|(c, x)| *c -= f * x);
        };
        for col in a.iter_mut().skip(j) {
            reflect(&mut col[j..]);
        }
        reflect(&mut b[j..]);
    }
    let mut x = vec![0.0; cols];
    for i in (0..cols).rev() {
        let s: f64 = (i + 1..cols).map(|j| a[j][i] * x[j]).sum();
        x[i] = (b[i] - s) / a[i][i];
    }
    let _ = nr;
    Some(x)
}
