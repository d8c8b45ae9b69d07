//! Training: fits a lowered model ([`crate::ir::ModelIr`]) to data ([`crate::data::Dataset`]).
//!
//! Input: the IR (terms, equations, coefficient slots, known parts), the checked model (parameter
//! guesses, bounds, per-trajectory flags, `fit` settings) and the data. Output: a [`Fitted`]
//! model — coefficients per slot with the kept support, fitted parameters, the learned (denoised)
//! trajectories, the loss history and the threshold path considered — or a [`FitError`].

mod types;

pub use types::{FitError, FitInput, Fitted, HistoryEntry, PathEntry, Progress};

/// Fits the model to the data: the stage function `mechc run` calls.
pub fn fit(input: &FitInput) -> Result<Fitted, FitError> {
    let _ = input;
    Err(FitError::Unsupported { what: "training".into(), span: None })
}
