//! Tests of the data layer (`mechc::data`) and the rollout metrics (`mechc::report::metrics`):
//! the integrator against closed forms, noise statistics, CSV loading and its errors, windows,
//! atomic writing, valid prediction time and the Lyapunov estimate.

mod csv;
mod metrics;
mod noise;
mod simulate;
mod windows;
mod write;
