//! Benchmarks behind `mechc bench`: the equation-discovery benchmarks (ODEs, and fields with
//! `mechc bench pde`) — the Lorenz acceptance
//! suite (several noise levels and seeds) and the broad suite (dozens of polynomial systems across
//! sampling densities, noise levels, library degrees and seeds) — with mechc's fit side by side
//! with PySINDy 2.1. The solver and JIT micro-benchmarks are `cargo bench` targets (`benches/`).
//!
//! - [`args`]: the command's options → the suite to run with its configuration.
//! - [`dataset`]: the Lorenz data and its CSV files.
//! - [`score`]: a discovered coefficient table against the truth → exact support, error, size.
//! - [`discovery`]: the harness: configuration → per-fit [`discovery::FitRecord`]s.
//! - [`pysindy`]: runs `benches/pysindy/run.py` in its virtual environment, reads its JSON.
//! - [`summary`]: per-level, per-tool aggregates, the acceptance targets and the printed table.
//! - [`systems`], [`poly`]: the broad suite's systems (`systems.mech` and the standard library)
//!   and their right-hand sides expanded exactly into the truth on a polynomial library.
//! - [`trajectory`], [`broad_data`]: settled starts, characteristic periods and the CSV files.
//! - [`timed_fit`]: one mechc fit with wall and CPU time and an optional time limit.
//! - [`broad`], [`broad_record`], [`pysindy_broad`], [`broad_summary`]: the broad harness, its
//!   records, its PySINDy side with an oracle threshold, and its tables.
//! - [`pde`], [`pde_cases`], [`pysindy_pde`]: `mechc bench pde`, the field-discovery cases
//!   with mechc's field fit beside PySINDy's PDE-FIND and weak PDE library.

pub mod args;
pub mod broad;
pub mod broad_data;
pub mod broad_record;
pub mod broad_summary;
pub mod dataset;
pub mod discovery;
pub mod mnn;
pub mod pde;
pub mod pde_cases;
pub mod poly;
pub mod pysindy;
pub mod pysindy_broad;
pub mod pysindy_pde;
pub mod score;
pub mod summary;
pub mod systems;
pub mod timed_fit;
pub mod trajectory;

pub use discovery::{run_discovery, DiscoveryConfig, DiscoveryReport, FitRecord};
pub use score::{score, CoefTable, Score, Truth};

/// Why the benchmark could not run (a failed *fit* is a result, recorded in its
/// [`FitRecord`], not an error).
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum BenchError {
    /// Generating or reading the data failed.
    #[error("data: {0}")]
    Data(String),
    /// A file could not be written or read.
    #[error("i/o: {0}")]
    Io(String),
    /// The model file does not check or lower.
    #[error("model: {0}")]
    Model(String),
    /// The PySINDy side could not run (missing environment, script failure, bad output).
    #[error("pysindy: {0}")]
    PySindy(String),
    /// The command line asked for something impossible (no seeds, a bad level).
    #[error("{0}")]
    Config(String),
}
