//! Dense kernels on one m×m row-major block, written as tight loops over flat slices with the
//! size passed in: the block factorisation instantiates them with a compile-time `m` (see
//! `factor.rs`), so for the usual small blocks the loops are fully known to the optimiser and
//! nothing is allocated.

/// Relative pivot tolerance: a pivot below this fraction of its assembled diagonal entry means
/// the unknown is determined by nothing but round-off. Well-posed problems with cond(AᵀA) ≈ 1e12
/// (solver.md §7) keep their diagonal-relative pivots many orders of magnitude above this.
pub const PIVOT_TOL: f64 = 1e-13;

/// In-place lower Cholesky factor of a symmetric block (only the lower triangle is read), with the
/// *reciprocals* of the diagonal entries stored on the diagonal so the solves multiply instead of
/// divide. On a pivot that is not positive or falls below `PIVOT_TOL · diag0[j]`, returns
/// `(j, pivot/diag0[j])`.
#[inline(always)]
pub fn cholesky(a: &mut [f64], m: usize, diag0: &[f64]) -> Result<(), (usize, f64)> {
    for j in 0..m {
        let mut piv = a[j * m + j];
        for k in 0..j {
            piv -= a[j * m + k] * a[j * m + k];
        }
        let ratio = piv / diag0[j];
        if !(ratio > PIVOT_TOL) || !diag0[j].is_finite() {
            return Err((j, ratio));
        }
        let inv = 1.0 / piv.sqrt();
        a[j * m + j] = inv;
        for i in j + 1..m {
            let mut s = a[i * m + j];
            for k in 0..j {
                s -= a[i * m + k] * a[j * m + k];
            }
            a[i * m + j] = s * inv;
        }
    }
    Ok(())
}

/// Solves (L Lᵀ) y = v in place, L the lower factor from [`cholesky`] (reciprocal diagonal).
#[inline(always)]
pub fn chol_solve(l: &[f64], m: usize, v: &mut [f64]) {
    for i in 0..m {
        let mut s = v[i];
        for k in 0..i {
            s -= l[i * m + k] * v[k];
        }
        v[i] = s * l[i * m + i];
    }
    for i in (0..m).rev() {
        let mut s = v[i];
        for k in i + 1..m {
            s -= l[k * m + i] * v[k];
        }
        v[i] = s * l[i * m + i];
    }
}

/// C −= A Bᵀ on the lower triangle only (C symmetric).
#[inline(always)]
pub fn sub_abt_lower(c: &mut [f64], a: &[f64], b: &[f64], m: usize) {
    for i in 0..m {
        let ai = &a[i * m..i * m + m];
        for j in 0..=i {
            let bj = &b[j * m..j * m + m];
            let mut s = 0.0;
            for k in 0..m {
                s += ai[k] * bj[k];
            }
            c[i * m + j] -= s;
        }
    }
}

/// C −= A Bᵀ (full block).
#[inline(always)]
pub fn sub_abt(c: &mut [f64], a: &[f64], b: &[f64], m: usize) {
    for i in 0..m {
        let ai = &a[i * m..i * m + m];
        for j in 0..m {
            let bj = &b[j * m..j * m + m];
            let mut s = 0.0;
            for k in 0..m {
                s += ai[k] * bj[k];
            }
            c[i * m + j] -= s;
        }
    }
}

/// y −= A x.
#[inline(always)]
pub fn sub_ax(y: &mut [f64], a: &[f64], x: &[f64], m: usize) {
    for i in 0..m {
        let ai = &a[i * m..i * m + m];
        let mut s = 0.0;
        for k in 0..m {
            s += ai[k] * x[k];
        }
        y[i] -= s;
    }
}

/// y −= Aᵀ x.
#[inline(always)]
pub fn sub_atx(y: &mut [f64], a: &[f64], x: &[f64], m: usize) {
    for i in 0..m {
        let xi = x[i];
        let ai = &a[i * m..i * m + m];
        for k in 0..m {
            y[k] -= ai[k] * xi;
        }
    }
}
