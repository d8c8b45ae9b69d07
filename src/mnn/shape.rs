//! Problem shapes and options: [`OdeShape`] (batch, steps, equations, dims, orders, initial-value
//! steps and orders, and which inputs broadcast), [`LhsShape`] (the part that fixes the normal
//! matrix) and [`OdeOptions`]. Validation turns inconsistent shapes into [`SolveError::Shape`].

use super::error::SolveError;

/// Largest number of stored orders per dim P; bounds the stack arrays of the smoothing kernels.
pub const MAX_ORDERS: usize = 8;

/// Row weights and the smoothing mode (solver.md §1). The default is the S-MNN default: no
/// central rows, all weights 1.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OdeOptions {
    /// Add the central-difference rows (original MNN row set, block-pentadiagonal normal matrix).
    pub central: bool,
    /// Weight of the equation rows (enters the normal matrix squared).
    pub weight_equation: f64,
    /// Weight of the initial-value rows.
    pub weight_init: f64,
    /// Weight of the Taylor (and central) smoothness rows.
    pub weight_smooth: f64,
    /// Number of steps n when every input broadcasts over the step axis (the candle op infers n
    /// from the inputs otherwise).
    pub n_steps: Option<usize>,
}

impl Default for OdeOptions {
    fn default() -> Self {
        OdeOptions { central: false, weight_equation: 1.0, weight_init: 1.0, weight_smooth: 1.0, n_steps: None }
    }
}

impl OdeOptions {
    /// Highest smoothed order k_max: P−2 with central rows, P−1 without.
    pub fn k_max(&self, p: usize) -> usize {
        if self.central {
            p.saturating_sub(2)
        } else {
            p - 1
        }
    }
}

/// Everything that determines the normal matrix of one batch of problems: grid length, equation
/// layout, initial-value layout and the broadcasting of coefficients and steps.
/// Coefficients are (coeff_batch, coeff_steps, e, d, p), steps are (step_batch, step_len).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LhsShape {
    /// Number of grid points n.
    pub n: usize,
    /// Equations per step E.
    pub e: usize,
    /// State dims D.
    pub d: usize,
    /// Stored orders per dim P (ODE order + 1).
    pub p: usize,
    /// Steps carrying initial values S.
    pub s: usize,
    /// Orders given at each initial step K (K ≤ P).
    pub k: usize,
    /// 1 (shared by the batch) or the batch size.
    pub coeff_batch: usize,
    /// 1 (constant over the steps) or n.
    pub coeff_steps: usize,
    /// 1 (shared by the batch) or the batch size.
    pub step_batch: usize,
    /// 1 (uniform grid) or n − 1.
    pub step_len: usize,
}

impl LhsShape {
    /// Block size m = D·P.
    pub fn m(&self) -> usize {
        self.d * self.p
    }

    /// Number of distinct normal matrices: 1 when coefficients and steps are both shared by the
    /// batch, otherwise the larger of the two batch sizes.
    pub fn factor_batch(&self) -> usize {
        self.coeff_batch.max(self.step_batch)
    }

    /// Number of coefficient values expected.
    pub fn coeff_len(&self) -> usize {
        self.coeff_batch * self.coeff_steps * self.e * self.m()
    }

    /// Number of step values expected.
    pub fn steps_len(&self) -> usize {
        self.step_batch * self.step_len
    }

    /// Offset of c[b, t, 0, 0, 0] for factor element `b` (broadcasts resolved).
    pub fn coeff_offset(&self, b: usize, t: usize) -> usize {
        let cb = if self.coeff_batch == 1 { 0 } else { b };
        let ct = if self.coeff_steps == 1 { 0 } else { t };
        (cb * self.coeff_steps + ct) * self.e * self.m()
    }

    /// Index of h_t for factor element `b` in the steps array.
    pub fn step_index(&self, b: usize, t: usize) -> usize {
        let hb = if self.step_batch == 1 { 0 } else { b };
        let ht = if self.step_len == 1 { 0 } else { t };
        hb * self.step_len + ht
    }

    /// Checks the sizes for consistency.
    pub fn validate(&self, opts: &OdeOptions) -> Result<(), SolveError> {
        let bad = |s: String| Err(SolveError::Shape(s));
        if self.n == 0 || self.d == 0 || self.p == 0 {
            return bad(format!("n, D and P must be positive (n={}, D={}, P={})", self.n, self.d, self.p));
        }
        if self.p > MAX_ORDERS {
            return bad(format!("P = {} exceeds the supported maximum {MAX_ORDERS}", self.p));
        }
        if opts.central && self.p < 2 {
            return bad("central smoothing needs P ≥ 2".into());
        }
        if self.k > self.p || self.s > self.n {
            return bad(format!(
                "initial values need K ≤ P and S ≤ n (K={}, P={}, S={}, n={})",
                self.k, self.p, self.s, self.n
            ));
        }
        if self.coeff_steps != 1 && self.coeff_steps != self.n {
            return bad(format!("coefficient step axis is {}, expected 1 or n={}", self.coeff_steps, self.n));
        }
        let intervals = self.n - 1;
        if self.step_len != 1 && self.step_len != intervals {
            return bad(format!("steps axis is {}, expected 1 or n-1={intervals}", self.step_len));
        }
        if self.coeff_batch == 0 || self.step_batch == 0 {
            return bad("batch sizes must be positive".into());
        }
        if self.coeff_batch != 1 && self.step_batch != 1 && self.coeff_batch != self.step_batch {
            return bad(format!("coefficient batch {} and step batch {} differ", self.coeff_batch, self.step_batch));
        }
        Ok(())
    }
}

/// The full shape of a batched solve: the left-hand side plus the batch size and the step axis of
/// the right-hand side. rhs is (batch, rhs_steps, e), init values (batch, s, d, k), u (batch, n, d, p).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OdeShape {
    /// Shape of the left-hand side (coefficients and steps).
    pub lhs: LhsShape,
    /// Number of independent problems B.
    pub batch: usize,
    /// 1 (constant rhs over the steps) or n.
    pub rhs_steps: usize,
}

impl OdeShape {
    /// Number of rhs values expected.
    pub fn rhs_len(&self) -> usize {
        self.batch * self.rhs_steps * self.lhs.e
    }

    /// Number of initial values expected.
    pub fn init_len(&self) -> usize {
        self.batch * self.lhs.s * self.lhs.d * self.lhs.k
    }

    /// Number of solution values (B·n·D·P).
    pub fn u_len(&self) -> usize {
        self.batch * self.lhs.n * self.lhs.m()
    }

    /// Checks that the rhs side agrees with a left-hand side factorised for `lhs.factor_batch()`.
    pub fn validate(&self, opts: &OdeOptions) -> Result<(), SolveError> {
        self.lhs.validate(opts)?;
        let fb = self.lhs.factor_batch();
        if self.batch == 0 || (fb != 1 && fb != self.batch) {
            return Err(SolveError::Shape(format!(
                "batch {} does not match the coefficient/step batch {fb}",
                self.batch
            )));
        }
        if self.rhs_steps != 1 && self.rhs_steps != self.lhs.n {
            return Err(SolveError::Shape(format!(
                "rhs step axis is {}, expected 1 or n={}",
                self.rhs_steps, self.lhs.n
            )));
        }
        Ok(())
    }

    /// Builds a shape from the dims of the four inputs in step-last layout: coefficients
    /// (B|1, n|1, E, D, P), rhs (B, n|1, E), init values (B, S, D, K), steps (B|1, n−1|1).
    /// `n_steps` is required when every step axis is 1 (n cannot be inferred then).
    pub fn from_dims(
        coeffs: &[usize],
        rhs: &[usize],
        init: &[usize],
        steps: &[usize],
        n_steps: Option<usize>,
    ) -> Result<OdeShape, SolveError> {
        let (&[cb, cn, e, d, p], &[b, rn, re], &[ib, s, id, k], &[hb, hl]) = (coeffs, rhs, init, steps) else {
            return Err(SolveError::Shape(format!(
                "expected ranks 5, 3, 4, 2 for coefficients {coeffs:?}, rhs {rhs:?}, init {init:?}, steps {steps:?}"
            )));
        };
        let n = match n_steps {
            Some(n) => n,
            None if cn == 1 && rn == 1 && hl == 1 => {
                return Err(SolveError::Shape(
                    "every input broadcasts over the steps, so n cannot be inferred: set OdeOptions::n_steps".into(),
                ));
            }
            None => [cn, rn, if hl > 1 { hl + 1 } else { 1 }].into_iter().max().unwrap_or(1),
        };
        if re != e || id != d || ib != b {
            return Err(SolveError::Shape(format!(
                "inconsistent dims: coefficients {coeffs:?}, rhs {rhs:?}, init {init:?}"
            )));
        }
        let lhs = LhsShape { n, e, d, p, s, k, coeff_batch: cb, coeff_steps: cn, step_batch: hb, step_len: hl };
        Ok(OdeShape { lhs, batch: b, rhs_steps: rn })
    }
}

/// Checks that a slice has the length a shape declares.
pub(crate) fn check_len(what: &str, got: usize, want: usize) -> Result<(), SolveError> {
    if got == want {
        Ok(())
    } else {
        Err(SolveError::Shape(format!("{what} has {got} values, the shape needs {want}")))
    }
}
