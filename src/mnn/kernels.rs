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
        if ratio.is_nan() || ratio <= PIVOT_TOL || !diag0[j].is_finite() {
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

/// Copies the lower triangle of a block row by row into `out` (m(m+1)/2 values): the stored
/// pivot factors take 45 instead of 81 values for m = 9.
#[inline(always)]
pub fn pack_lower(a: &[f64], m: usize, out: &mut [f64]) {
    let mut o = 0;
    for i in 0..m {
        out[o..o + i + 1].copy_from_slice(&a[i * m..i * m + i + 1]);
        o += i + 1;
    }
}

/// Solves (L Lᵀ) y = v in place, with L from [`cholesky`] (reciprocal diagonal) packed by
/// [`pack_lower`]: row i starts at i(i+1)/2.
#[inline(always)]
pub fn chol_solve_packed(l: &[f64], m: usize, v: &mut [f64]) {
    for i in 0..m {
        let row = &l[i * (i + 1) / 2..i * (i + 1) / 2 + i + 1];
        let mut s = v[i];
        for k in 0..i {
            s -= row[k] * v[k];
        }
        v[i] = s * row[i];
    }
    for i in (0..m).rev() {
        let mut s = v[i];
        for k in i + 1..m {
            s -= l[k * (k + 1) / 2 + i] * v[k];
        }
        v[i] = s * l[i * (i + 1) / 2 + i];
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

/// C −= Aᵀ B (full block), accumulated as outer products of rows so the inner loop runs along
/// contiguous rows and vectorises.
#[inline(always)]
pub fn sub_atb(c: &mut [f64], a: &[f64], b: &[f64], m: usize) {
    for k in 0..m {
        let bk = &b[k * m..k * m + m];
        for i in 0..m {
            let aki = a[k * m + i];
            let ci = &mut c[i * m..i * m + m];
            for j in 0..m {
                ci[j] -= aki * bk[j];
            }
        }
    }
}

/// Solves (L Lᵀ) X = B in place for m right-hand sides at once (`x` holds B, one row per
/// unknown), L from [`cholesky`]; the inner loops run along rows and vectorise.
#[inline(always)]
pub fn chol_solve_multi(l: &[f64], m: usize, x: &mut [f64]) {
    for i in 0..m {
        for k in 0..i {
            let lik = l[i * m + k];
            let (done, rest) = x.split_at_mut(i * m);
            let (xk, xi) = (&done[k * m..k * m + m], &mut rest[..m]);
            for j in 0..m {
                xi[j] -= lik * xk[j];
            }
        }
        let inv = l[i * m + i];
        x[i * m..i * m + m].iter_mut().for_each(|v| *v *= inv);
    }
    for i in (0..m).rev() {
        for k in i + 1..m {
            let lki = l[k * m + i];
            let (head, later) = x.split_at_mut(k * m);
            let (xi, xk) = (&mut head[i * m..i * m + m], &later[..m]);
            for j in 0..m {
                xi[j] -= lki * xk[j];
            }
        }
        let inv = l[i * m + i];
        x[i * m..i * m + m].iter_mut().for_each(|v| *v *= inv);
    }
}

/// Transposes a square block in place.
#[inline(always)]
pub fn transpose(a: &mut [f64], m: usize) {
    for i in 0..m {
        for j in 0..i {
            a.swap(i * m + j, j * m + i);
        }
    }
}
