//! The plain-slice API over the default (CPU) backend: [`solve`] (forward, returns a
//! [`Solution`] with `backward`), [`solve_with`] for another backend, and [`FrozenLhs`]
//! (factorise once, solve many right-hand sides). The candle ops build on it.

use std::sync::Arc;

use super::cpu::CpuBackend;
use super::device::{FactoredLhs, Gradients, OdeInputs, SolverBackend};
use super::error::SolveError;
use super::shape::{check_len, LhsShape, OdeOptions, OdeShape};

/// The result of a forward solve: u and what the backward pass and re-solves need.
pub struct Solution {
    /// u, shape (B, n, D, P): u_d^(k) at every step.
    pub u: Vec<f64>,
    /// The stored factors (shareable: a frozen left-hand side can serve many solves).
    pub factors: Arc<dyn FactoredLhs>,
    shape: OdeShape,
    rhs: Vec<f64>,
    frozen: bool,
}

impl Solution {
    /// The shape of this solve.
    pub fn shape(&self) -> &OdeShape {
        &self.shape
    }

    /// Gradients for a loss with ∂L/∂u = `grad_u` (shape of u). For a frozen left-hand side only
    /// the rhs and init gradients are computed.
    pub fn backward(&self, grad_u: &[f64]) -> Result<Gradients, SolveError> {
        check_len("grad_u", grad_u.len(), self.shape.u_len())?;
        self.factors.backward(&self.shape, &self.rhs, &self.u, grad_u, !self.frozen)
    }
}

/// Forward solve on the CPU backend.
pub fn solve(shape: &OdeShape, inputs: OdeInputs<'_>, opts: &OdeOptions) -> Result<Solution, SolveError> {
    solve_with(&CpuBackend, shape, inputs, opts)
}

/// Forward solve on a given backend.
pub fn solve_with(
    backend: &dyn SolverBackend,
    shape: &OdeShape,
    inputs: OdeInputs<'_>,
    opts: &OdeOptions,
) -> Result<Solution, SolveError> {
    shape.validate(opts)?;
    let (factors, u) = backend.factorise_solve(shape, inputs, opts)?;
    Ok(Solution { u, factors, shape: *shape, rhs: inputs.rhs.to_vec(), frozen: false })
}

/// A left-hand side factorised once and reused for many right-hand sides and initial values
/// (coefficients and steps constant, as in equation discovery). Cheap to clone.
#[derive(Clone)]
pub struct FrozenLhs {
    factors: Arc<dyn FactoredLhs>,
}

impl FrozenLhs {
    /// Factorises on the CPU backend. `shape.s`/`shape.k` fix the initial-value layout.
    pub fn new(shape: &LhsShape, coeffs: &[f64], steps: &[f64], opts: &OdeOptions) -> Result<FrozenLhs, SolveError> {
        FrozenLhs::with_backend(&CpuBackend, shape, coeffs, steps, opts)
    }

    /// Factorises on a given backend.
    pub fn with_backend(
        backend: &dyn SolverBackend,
        shape: &LhsShape,
        coeffs: &[f64],
        steps: &[f64],
        opts: &OdeOptions,
    ) -> Result<FrozenLhs, SolveError> {
        shape.validate(opts)?;
        Ok(FrozenLhs { factors: backend.factorise(shape, coeffs, steps, opts)? })
    }

    /// The factors.
    pub fn factors(&self) -> &Arc<dyn FactoredLhs> {
        &self.factors
    }

    /// The left-hand-side shape.
    pub fn shape(&self) -> &LhsShape {
        self.factors.shape()
    }

    /// The full shape of a solve of `batch` problems with `rhs_steps` (1 or n) rhs rows.
    pub fn ode_shape(&self, batch: usize, rhs_steps: usize) -> OdeShape {
        OdeShape { lhs: *self.shape(), batch, rhs_steps }
    }

    /// Solves for new right-hand sides and initial values with the stored factors.
    pub fn solve(&self, batch: usize, rhs_steps: usize, rhs: &[f64], init: &[f64]) -> Result<Solution, SolveError> {
        let shape = self.ode_shape(batch, rhs_steps);
        shape.validate(self.factors.options())?;
        let u = self.factors.solve(&shape, rhs, init)?;
        Ok(Solution { u, factors: self.factors.clone(), shape, rhs: rhs.to_vec(), frozen: true })
    }
}
