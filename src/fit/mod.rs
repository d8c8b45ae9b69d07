//! Training: fits a lowered model ([`crate::ir::ModelIr`]) to data ([`crate::data::Dataset`]).
//!
//! Input: the IR (terms, equations, coefficient slots, known parts), the checked model (parameter
//! guesses, bounds, per-trajectory flags, `fit` settings) and the data ([`FitInput`]). Output: a
//! [`Fitted`] model — coefficients per slot with the kept support, fitted parameters, the learned
//! (denoised) trajectories, the loss history and the selection path considered — or a
//! [`FitError`].
//!
//! Engines, chosen by `fit { method = ... }`: [`collocation`] (the default: a learned trajectory
//! and the model fitted jointly by Gauss–Newton on a collocation residual), [`sindy`] (classic
//! SINDy: least squares of smoothed derivatives with sequential thresholding) and [`mnn`]
//! (gradient training through the S-MNN solver layer on windows, on candle tensors). Shared
//! pieces: the boundary types, the smoother and noise estimate ([`smooth`]), the smoothed data
//! on the learned columns ([`smoothed`], for `sindy` and `mnn`) and the small dense and banded
//! solvers ([`banded`]).

mod banded;
pub mod collocation;
pub mod ensemble;
pub mod explain;
pub mod mnn;
pub mod pde;
mod sindy;
mod smooth;
mod smoothed;
mod types;

pub use banded::{dense_solve, Banded};
pub use collocation::Objective;
pub use smooth::noise_std;
pub use types::{
    EncoderFit, FitError, FitInput, Fitted, HistoryEntry, PathEntry, Phase, PhaseClock, Progress, Uncertainty,
};

use crate::check::settings::{FitSettings, Method};

/// Fits the model to the data with the method its settings choose: the stage function
/// `mechc run` calls.
pub fn fit(input: &FitInput) -> Result<Fitted, FitError> {
    if !input.ir.shared.is_empty() && input.model.fit.method != Method::Collocation {
        // The sindy and mnn engines give every coefficient slot one equation; a coefficient
        // shared by several equations (a Hamiltonian's, a vector basis's) needs collocation.
        return Err(FitError::Unsupported {
            what: "coefficients shared across equations (`hamiltonian` with `sparse`, or a vector basis) under this method; use `method = collocation`".into(),
            span: input.model.hamiltonian.as_ref().map(|h| h.span),
        });
    }
    let engine = engine(input.model.fit.method);
    let mut fitted = engine(input)?;
    let n = input.model.fit.ensemble;
    // An encoder fit's uncertainty is its held-out error: no bootstrap refits (`W013` says so).
    if n > 0 && !fitted.interrupted && fitted.encoders.is_none() {
        fitted.ensemble = Some(ensemble::run(input, n, engine)?);
        // Ctrl-C during the refits: the fit stands, the ensemble holds the refits that finished.
        fitted.interrupted = input.cancel.is_some_and(|c| c.load(std::sync::atomic::Ordering::Relaxed));
    }
    Ok(fitted)
}

/// The fit of one method, without an ensemble.
fn engine(method: Method) -> fn(&FitInput) -> Result<Fitted, FitError> {
    match method {
        Method::Collocation => collocation::fit,
        Method::Sindy => sindy::fit,
        Method::Mnn => mnn::fit,
    }
}

/// Rows every trajectory needs under these settings: one training window under `mnn`, two
/// points otherwise (the fits themselves then ask for five, with a message naming the
/// trajectory).
pub fn min_rows(settings: &FitSettings) -> usize {
    match settings.method {
        Method::Mnn => mnn::min_rows(settings),
        Method::Collocation | Method::Sindy => 2,
    }
}

/// What to try when a fit diverges, naming only settings the method reads.
pub fn divergence_help(settings: &FitSettings) -> String {
    match settings.method {
        Method::Mnn => format!("lower the learning rate: `fit {{ lr = {} }}`", settings.lr / 10.0),
        Method::Collocation | Method::Sindy => {
            "check the model's scale against the data, or drop terms that grow fast (high powers, `exp`)".into()
        }
    }
}
