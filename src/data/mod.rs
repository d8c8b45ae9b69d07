//! The data layer: where trajectories come from and how they are cut up for training.
//!
//! - [`dataset`]: [`Trajectory`] / [`Dataset`] — row-major values, time vector, missing-value mask.
//! - [`field`]: [`field::FieldData`] — space-time data of fields (simulated by exponential time
//!   differencing on a spectral grid, or long-form CSV).
//! - [`dopri`]: [`simulate`] — adaptive Dormand–Prince 5(4) with dense output on a grid.
//! - [`generate`]: [`simulate_dataset`] — many seeded trajectories with drawn parameters and noise.
//! - [`noise`]: the seeded generator, `normal`/`uniform` draws and the noise definition.
//! - [`csv_load`]: [`load_csv`] — CSV files to trajectories with structured validation errors
//!   ([`csv_error`]: the error enum and closest-name suggestions).
//! - [`window`]: [`windows`] / [`batches`] — fixed-length windows and seeded shuffled batches.
//! - [`write`]: [`write_csv`], [`write_csv_to`] — the one CSV writer (atomic to a file).
//! - [`lyapunov`]: [`largest_lyapunov`] — the largest Lyapunov exponent of a system.
//! - [`from_model`]: [`load_model_data`] — a checked model's `data` declarations to a dataset.

pub mod csv_error;
pub mod csv_load;
pub mod dataset;
pub mod dopri;
pub mod field;
pub mod from_model;
pub mod generate;
pub mod lyapunov;
pub mod noise;
pub mod window;
pub mod write;

pub use csv_load::{load_csv, load_csv_files, CsvError, CsvSpec};
pub use dataset::{Dataset, Trajectory, Truth};
pub use dopri::{simulate, RhsFn, SimError, SimOptions, SimStats, Solution};
pub use from_model::{load_model_data, simulate_data};
pub use generate::{grid, simulate_dataset, GenerateError, ParamRhsFn, SimSpec};
pub use lyapunov::{largest_lyapunov, LyapunovOptions};
pub use noise::{add_noise, normal, seeded, uniform, Dist, SeededRng};
pub use window::{batches, window_at, window_starts, windows, Window, WindowError};
pub use write::{write_csv, write_csv_to, WriteError};
