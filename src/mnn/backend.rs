//! The device boundary: [`SolverBackend`] factorises a batch of left-hand sides into a
//! [`FactoredLhs`], which solves for right-hand sides and runs the backward pass. The CPU
//! implementation is [`super::cpu::CpuBackend`]; the candle ops and the plain-slice API below
//! dispatch only through these traits, so another device needs only a new implementation.
//! Plain-slice API: [`solve`] (forward, returns a [`Solution`] with `backward`) and [`FrozenLhs`]
//! (factorise once, solve many right-hand sides).

use std::sync::Arc;

use super::cpu::CpuBackend;
use super::error::SolveError;
use super::shape::{check_len, LhsShape, OdeOptions, OdeShape};

/// Gradients of a loss with respect to the solver inputs, in the inputs' (possibly broadcast)
/// shapes. `coeffs` and `steps` are `None` for a frozen left-hand side.
#[derive(Clone, Debug, PartialEq)]
pub struct Gradients {
    /// ∂L/∂coefficients, shape (coeff_batch, coeff_steps, E, D, P).
    pub coeffs: Option<Vec<f64>>,
    /// ∂L/∂rhs, shape (B, rhs_steps, E).
    pub rhs: Vec<f64>,
    /// ∂L/∂init values, shape (B, S, D, K).
    pub init: Vec<f64>,
    /// ∂L/∂steps, shape (step_batch, step_len).
    pub steps: Option<Vec<f64>>,
}

/// A device that can factorise normal matrices.
pub trait SolverBackend: Send + Sync {
    /// Short name for messages and benchmarks.
    fn name(&self) -> &'static str;
    /// Checks and factorises every element of a batch of left-hand sides.
    fn factorise(
        &self,
        shape: &LhsShape,
        coeffs: &[f64],
        steps: &[f64],
        opts: &OdeOptions,
    ) -> Result<Arc<dyn FactoredLhs>, SolveError>;
    /// Factorises and solves in one go; a backend may fuse the two (the CPU one runs the forward
    /// sweep inside the factorisation). Same results and errors as `factorise` then `solve`.
    fn factorise_solve(
        &self,
        shape: &OdeShape,
        inputs: OdeInputs<'_>,
        opts: &OdeOptions,
    ) -> Result<(Arc<dyn FactoredLhs>, Vec<f64>), SolveError> {
        let factors = self.factorise(&shape.lhs, inputs.coeffs, inputs.steps, opts)?;
        let u = factors.solve(shape, inputs.rhs, inputs.init)?;
        Ok((factors, u))
    }
}

/// The stored factors of a batch of normal matrices, M = (I+U)·D·(I+U)ᵀ per element.
pub trait FactoredLhs: Send + Sync {
    /// The left-hand-side shape these factors were made for.
    fn shape(&self) -> &LhsShape;
    /// The options these factors were made with.
    fn options(&self) -> &OdeOptions;
    /// Assembles β from `rhs` and `init` and solves; returns x = u, shape (B, n, D, P).
    fn solve(&self, shape: &OdeShape, rhs: &[f64], init: &[f64]) -> Result<Vec<f64>, SolveError>;
    /// The backward pass: solves M g = ∂L/∂u with the stored factors and applies the closed
    /// forms of solver.md §3. `lhs_grads` = false skips the coefficient and step gradients.
    fn backward(
        &self,
        shape: &OdeShape,
        rhs: &[f64],
        x: &[f64],
        grad_u: &[f64],
        lhs_grads: bool,
    ) -> Result<Gradients, SolveError>;
}

/// The four inputs of a solve, flat, in step-last layout (see [`OdeShape`]).
#[derive(Clone, Copy, Debug)]
pub struct OdeInputs<'a> {
    /// Coefficients (coeff_batch, coeff_steps, E, D, P).
    pub coeffs: &'a [f64],
    /// Right-hand side (B, rhs_steps, E).
    pub rhs: &'a [f64],
    /// Initial values (B, S, D, K).
    pub init: &'a [f64],
    /// Steps (step_batch, step_len).
    pub steps: &'a [f64],
}

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
