//! Symmetric positive definite banded matrices: storage, in-place Cholesky factorisation with a
//! pivot check, and solves with several right-hand sides. Used for the learned-trajectory block
//! of the Gauss–Newton normal equations and for the initial smoother.
//!
//! Input: the upper band of a symmetric matrix. Output: its factor `U` (`A = UᵀU`) in place, and
//! solutions of `A x = b` for row-major right-hand sides.

/// A symmetric N×N matrix with half bandwidth `b`, stored by rows of its upper band:
/// `data[j * (b + 1) + k] = A(j, j + k)`.
#[derive(Clone, Debug)]
pub struct Banded {
    /// Matrix size.
    pub n: usize,
    /// Half bandwidth.
    pub b: usize,
    /// Upper band, row by row.
    pub data: Vec<f64>,
}

impl Banded {
    /// A zero matrix.
    pub fn zeros(n: usize, b: usize) -> Banded {
        Banded { n, b, data: vec![0.0; n * (b + 1)] }
    }

    /// Adds `v` to `A(i, j)` (and so to `A(j, i)`); requires `i <= j <= i + b`.
    #[inline]
    pub fn add(&mut self, i: usize, j: usize, v: f64) {
        self.data[i * (self.b + 1) + (j - i)] += v;
    }

    /// The diagonal entry `A(i, i)`.
    #[inline]
    pub fn diag(&self, i: usize) -> f64 {
        self.data[i * (self.b + 1)]
    }

    /// Cholesky factorisation in place (`A = UᵀU`, `U` upper, same band). A pivot that is not
    /// positive, relative to the original diagonal, returns the row where it happened: the
    /// matrix is singular to working precision.
    pub fn cholesky(&mut self) -> Result<(), usize> {
        let (n, b, w) = (self.n, self.b, self.b + 1);
        let orig: Vec<f64> = (0..n).map(|j| self.data[j * w]).collect();
        for (j, o) in orig.iter().enumerate() {
            let a = self.data[j * w];
            // A pivot that lost all but ~1e-14 of its original size carries no information.
            if !(a.is_finite() && a > 1e-14 * o.abs() && a > 0.0) {
                return Err(j);
            }
            let d = a.sqrt();
            let last = (j + b).min(n - 1);
            for k in 0..=(last - j) {
                self.data[j * w + k] /= d;
            }
            for l in (j + 1)..=last {
                let ujl = self.data[j * w + (l - j)];
                if ujl == 0.0 {
                    continue;
                }
                for m in l..=last {
                    self.data[l * w + (m - l)] -= ujl * self.data[j * w + (m - j)];
                }
            }
        }
        Ok(())
    }

    /// Solves `UᵀU X = R` in place for `R` row-major N×`nr` (after [`Banded::cholesky`]).
    pub fn solve(&self, r: &mut [f64], nr: usize) {
        self.solve_lower(r, nr);
        self.solve_upper(r, nr);
    }

    /// Solves `Uᵀ Y = R` in place (forward substitution) for `R` row-major N×`nr`.
    pub fn solve_lower(&self, r: &mut [f64], nr: usize) {
        let (n, b, w) = (self.n, self.b, self.b + 1);
        for j in 0..n {
            let d = self.data[j * w];
            for c in 0..nr {
                r[j * nr + c] /= d;
            }
            let last = (j + b).min(n - 1);
            let (head, tail) = r.split_at_mut((j + 1) * nr);
            let yj = &head[j * nr..];
            for l in (j + 1)..=last {
                let u = self.data[j * w + (l - j)];
                if u == 0.0 {
                    continue;
                }
                let row = &mut tail[(l - j - 1) * nr..(l - j) * nr];
                for (t, &y) in row.iter_mut().zip(yj) {
                    *t -= u * y;
                }
            }
        }
    }

    /// Solves `U X = Y` in place (backward substitution) for `Y` row-major N×`nr`.
    pub fn solve_upper(&self, r: &mut [f64], nr: usize) {
        let (n, b, w) = (self.n, self.b, self.b + 1);
        for j in (0..n).rev() {
            let last = (j + b).min(n - 1);
            let (head, tail) = r.split_at_mut((j + 1) * nr);
            let xj = &mut head[j * nr..];
            for l in (j + 1)..=last {
                let u = self.data[j * w + (l - j)];
                if u == 0.0 {
                    continue;
                }
                let xl = &tail[(l - j - 1) * nr..(l - j) * nr];
                for (t, &x) in xj.iter_mut().zip(xl) {
                    *t -= u * x;
                }
            }
            let d = self.data[j * w];
            for v in xj.iter_mut() {
                *v /= d;
            }
        }
    }
}

/// Dense Cholesky solve of the small symmetric system `S x = r` (row-major `m`×`m`); `None`
/// when `S` is not positive definite to working precision.
pub fn dense_solve(s: &[f64], r: &[f64], m: usize) -> Option<Vec<f64>> {
    let l = dense_cholesky(s, m)?;
    Some(cholesky_solve(&l, r, m))
}

/// The lower Cholesky factor `L` (`S = LLᵀ`, row-major) of a small symmetric matrix; `None`
/// when a pivot falls below 1e-13 of its diagonal entry (rank deficiency to working precision).
pub fn dense_cholesky(s: &[f64], m: usize) -> Option<Vec<f64>> {
    let mut l = s.to_vec();
    for j in 0..m {
        let mut d = l[j * m + j];
        for k in 0..j {
            d -= l[j * m + k] * l[j * m + k];
        }
        if !(d.is_finite() && d > 1e-13 * s[j * m + j].abs()) || d <= 0.0 {
            return None;
        }
        let d = d.sqrt();
        l[j * m + j] = d;
        for i in (j + 1)..m {
            let mut v = l[i * m + j];
            for k in 0..j {
                v -= l[i * m + k] * l[j * m + k];
            }
            l[i * m + j] = v / d;
        }
    }
    Some(l)
}

/// Solves `LLᵀ x = r` with a factor from [`dense_cholesky`].
pub fn cholesky_solve(l: &[f64], r: &[f64], m: usize) -> Vec<f64> {
    let mut x = r.to_vec();
    for i in 0..m {
        for k in 0..i {
            x[i] -= l[i * m + k] * x[k];
        }
        x[i] /= l[i * m + i];
    }
    for i in (0..m).rev() {
        for k in (i + 1)..m {
            x[i] -= l[k * m + i] * x[k];
        }
        x[i] /= l[i * m + i];
    }
    x
}
