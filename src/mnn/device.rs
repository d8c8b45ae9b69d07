//! The device boundary: [`SolverBackend`] factorises a batch of left-hand sides into a
//! [`FactoredLhs`], which solves for right-hand sides and runs the backward pass. The CPU
//! implementation is [`super::cpu::CpuBackend`]; the plain-slice API and the candle ops dispatch
//! only through these traits, so another device needs only a new implementation of them.

use std::sync::Arc;

use super::error::SolveError;
use super::shape::{LhsShape, OdeOptions, OdeShape};

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
