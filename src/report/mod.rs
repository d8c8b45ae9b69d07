//! Reporting: what `mechc run` shows and writes about a fit.
//!
//! - [`equations`]: discovered equations as `.mech` text, coefficients to a chosen precision.
//! - [`summary`]: [`Report`] — equations, parameters, metrics, rollout quality, threshold path; text.
//! - [`ensemble`]: the bootstrap refits' inclusion probabilities and percentile intervals.
//! - [`energy`]: a Hamiltonian model's fitted H and the energy drift of a long rollout.
//! - [`json`]: the report as JSON.
//! - [`html`]: the report as one self-contained HTML page.
//! - [`emit`]: the discovered model as a `.mech` file that `mechc simulate` accepts.
//! - [`rollout`]: the discovered model compiled and integrated from the data's initial states.
//! - [`metrics`]: RMSE, rollout error, valid prediction time.
//! - [`figure`]: what the fit's figure shows (trajectories chosen, equations, selection path).
//! - [`networks`]: trained neural terms, their weights and explaining formulas.
//! - [`plot`]: figures of a fit (SVG or PNG).

pub mod amortised;
pub mod emit;
mod emit_net;
pub mod energy;
pub mod ensemble;
pub mod equations;
pub mod export;
pub mod fields;
#[cfg(feature = "plot")]
pub mod figure;
pub mod heldout;
pub mod html;
pub mod json;
pub mod metrics;
pub mod networks;
#[cfg(feature = "plot")]
pub mod plot;
pub mod rollout;
pub mod summary;
pub mod values;

pub use summary::{build, Report};
