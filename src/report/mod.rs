//! Reporting: what `mechc run` shows and writes about a fit.
//!
//! - [`equations`]: discovered equations as `.mech` text, coefficients to a chosen precision.
//! - [`summary`]: [`Report`] — equations, parameters, metrics, rollout quality, threshold path; text.
//! - [`energy`]: a Hamiltonian model's fitted H and the energy drift of a long rollout.
//! - [`json`]: the report as JSON.
//! - [`emit`]: the discovered model as a `.mech` file that `mechc simulate` accepts.
//! - [`rollout`]: the discovered model compiled and integrated from the data's initial states.
//! - [`metrics`]: RMSE, rollout error, valid prediction time.
//! - [`plot`]: figures of a fit (SVG or PNG).

pub mod emit;
pub mod energy;
pub mod equations;
pub mod export;
pub mod fields;
pub mod heldout;
pub mod json;
pub mod metrics;
#[cfg(feature = "plot")]
pub mod plot;
pub mod rollout;
pub mod summary;
pub mod values;

pub use summary::{build, Report};
