//! Training: fits a lowered model ([`crate::ir::ModelIr`]) to data ([`crate::data::Dataset`]).
//!
//! Input: the IR (terms, equations, coefficient slots, known parts), the checked model (parameter
//! guesses, bounds, per-trajectory flags, `fit` settings) and the data ([`FitInput`]). Output: a
//! [`Fitted`] model — coefficients per slot with the kept support, fitted parameters, the learned
//! (denoised) trajectories, the loss history and the selection path considered — or a
//! [`FitError`].
//!
//! Engines: [`collocation`] (a learned trajectory and the model fitted jointly by Gauss–Newton
//! on a collocation residual). Shared pieces: the boundary types, the smoother and noise
//! estimate ([`smooth`]) and the small dense and banded solvers ([`banded`]).

mod banded;
pub mod collocation;
mod smooth;
mod types;

pub use banded::{dense_solve, Banded};
pub use collocation::Objective;
pub use types::{FitError, FitInput, Fitted, HistoryEntry, PathEntry, Progress};

/// Fits the model to the data: the stage function `mechc run` calls.
pub fn fit(input: &FitInput) -> Result<Fitted, FitError> {
    collocation::fit(input)
}
