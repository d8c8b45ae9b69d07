//! The MNN / S-MNN linear-ODE solver (solver.md): least squares over a time grid, solved through
//! block-tridiagonal (block-pentadiagonal with central rows) normal equations in time and memory
//! linear in the number of steps, in float64, with closed-form gradients.
//!
//! * Plain slices: [`solve`] → [`Solution`] (u and reusable factors; `backward` gives
//!   [`Gradients`]); [`FrozenLhs`] factorises once and solves many right-hand sides.
//! * Candle: [`ode_solve`] and [`FrozenLhs::solve_tensor`] are custom ops with backward.
//! * Device boundary: [`SolverBackend`] / [`FactoredLhs`], implemented by [`CpuBackend`].
//! * Errors: [`SolveError`] (values, never panics or NaN).
//!
//! Layout (step-last, as S-MNN): coefficients (B|1, n|1, E, D, P), rhs (B, n|1, E), initial values
//! (B, S, D, K), steps (B|1, n−1|1); u is (B, n, D, P), flat index inside a step d·P + k.

mod assemble;
mod backend;
mod backward;
mod chol;
mod chol_solve;
mod cpu;
pub mod dense;
mod device;
mod error;
mod factor;
mod kernels;
mod op;
mod shape;
mod taylor;

pub use assemble::{diag_block, rhs_block, sub2_block, sub_block, LhsView};
pub use backend::{solve, solve_with, FrozenLhs, Solution};
pub use cpu::{CpuBackend, CpuFactors};
pub use device::{FactoredLhs, Gradients, OdeInputs, SolverBackend};
pub use error::SolveError;
pub use kernels::PIVOT_TOL;
pub use op::{ode_solve, ode_solve_with};
pub use shape::{LhsShape, OdeOptions, OdeShape, MAX_ORDERS};
