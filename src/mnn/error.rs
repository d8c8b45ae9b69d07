//! Solver errors as values: [`SolveError`] names the batch element (and the step or the unpinned
//! dim) of an ill-posed problem, and converts to and from `candle_core::Error` so that failures
//! inside the candle op keep their meaning.

use std::fmt;

/// Why a solve was refused. Every variant that concerns one problem carries its batch index.
#[derive(Clone, PartialEq)]
pub enum SolveError {
    /// The input arrays do not have the sizes the shape declares, or the shape itself is invalid.
    Shape(String),
    /// A step size is not a finite positive number.
    InvalidStep { batch: usize, interval: usize, value: f64 },
    /// Nothing pins dim `dim` of batch element `batch`: no non-zero order-0 coefficient at any
    /// step and no order-0 initial value, so u_dim + const solves the problem equally well.
    Unpinned { batch: usize, dim: usize },
    /// The block factorisation met a pivot that is not positive or is negligible relative to the
    /// assembled diagonal entry (`ratio` = pivot / diagonal): the normal matrix is singular to
    /// working precision at this step.
    Pivot { batch: usize, step: usize, dim: usize, order: usize, ratio: f64 },
}

impl fmt::Display for SolveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SolveError::Shape(s) => write!(f, "mnn solver: invalid input shape: {s}"),
            SolveError::InvalidStep { batch, interval, value } => write!(
                f,
                "mnn solver: batch element {batch}: step size h[{interval}] = {value} is not a finite positive number"
            ),
            SolveError::Unpinned { batch, dim } => write!(
                f,
                "mnn solver: batch element {batch}: dim {dim} is not pinned (no non-zero order-0 coefficient at any step and no initial value), so the least-squares problem is singular"
            ),
            SolveError::Pivot { batch, step, dim, order, ratio } => write!(
                f,
                "mnn solver: batch element {batch}: singular normal matrix at step {step} (dim {dim}, order {order}): pivot/diagonal = {ratio:e}"
            ),
        }
    }
}

// Debug prints the message: candle's `WrappedContext` error displays its inner error with `{:?}`,
// and that text is what a user sees when a solve fails inside training.
impl fmt::Debug for SolveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for SolveError {}

impl SolveError {
    /// Wraps this error in a `candle_core::Error` that can be downcast back with
    /// [`SolveError::from_candle`].
    pub fn into_candle(self) -> candle_core::Error {
        candle_core::Error::WrappedContext { wrapped: Box::new(self), context: "mnn::ode_solve".into() }
    }

    /// Finds the `SolveError` inside a candle error produced by the solver ops, looking through
    /// backtrace and context layers.
    pub fn from_candle(err: &candle_core::Error) -> Option<&SolveError> {
        use candle_core::Error as E;
        match err {
            E::WrappedContext { wrapped, .. } => wrapped.downcast_ref::<SolveError>(),
            E::WithBacktrace { inner, .. } | E::Context { inner, .. } | E::WithPath { inner, .. } => {
                SolveError::from_candle(inner)
            }
            _ => None,
        }
    }
}
