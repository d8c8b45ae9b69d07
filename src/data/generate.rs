//! Simulated datasets: [`SimSpec`] (system size, parameter and initial-state draws, grid, noise,
//! seed) plus a parameterised right-hand side `f(t, x, p, dx)` → [`Dataset`] whose trajectories
//! keep their true parameters and initial states ([`Truth`]).
//!
//! Order of random draws (one generator seeded with `spec.seed`): first, for each trajectory in
//! turn, its parameters in declaration order, then its initial state in state order; then, for
//! each trajectory in turn, its noise (row by row, state by state). Fixed values draw nothing.
//! So the same seed gives the same parameters and initial states at any noise level.

use super::dataset::{Dataset, Trajectory, Truth};
use super::dopri::{simulate, SimError, SimOptions};
use super::noise::{add_noise, seeded, Dist, DistError};

/// Everything needed to generate a simulated dataset except the equations themselves.
#[derive(Debug, Clone, PartialEq)]
pub struct SimSpec {
    /// State names (the system's order).
    pub states: Vec<String>,
    /// Parameter names with a constant or a distribution each, in the system's order.
    pub params: Vec<(String, Dist)>,
    /// Initial value of each state, a constant or a distribution.
    pub init: Vec<Dist>,
    /// The output grid (see [`grid`]).
    pub times: Vec<f64>,
    /// Noise level in percent of each state's standard deviation over its own trajectory.
    pub noise_percent: f64,
    /// Number of trajectories to generate (each with fresh draws).
    pub trajectories: usize,
    /// Seed of the run's generator.
    pub seed: u64,
    /// Integrator tolerances.
    pub options: SimOptions,
}

/// Why a simulated dataset could not be generated.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GenerateError {
    /// The specification is inconsistent (sizes, grid, counts).
    #[error("invalid simulation: {0}")]
    BadSpec(String),
    /// A parameter or initial-state distribution is invalid.
    #[error(transparent)]
    Dist(#[from] DistError),
    /// The integrator failed on trajectory `trajectory` (0-based).
    #[error("trajectory {trajectory}: {error}")]
    Sim {
        /// Index of the failing trajectory.
        trajectory: usize,
        /// The integrator's error.
        error: SimError,
    },
}

/// A right-hand side with parameters: `rhs(t, x, p, dx)` writes `dx/dt` into `dx`.
pub type ParamRhsFn<'a> = dyn FnMut(f64, &[f64], &[f64], &mut [f64]) + 'a;

/// The grid `t0, t0 + step, …` up to `t1`: points are `t0 + k·step` (not accumulated, so no
/// drift); when `(t1 − t0)/step` is an integer up to round-off, the last point is exactly `t1`.
pub fn grid(t0: f64, t1: f64, step: f64) -> Result<Vec<f64>, SimError> {
    if !(t0.is_finite() && t1.is_finite() && step.is_finite() && step > 0.0 && t1 > t0) {
        return Err(SimError::BadGrid(format!("{t0} .. {t1} step {step} needs t0 < t1 and step > 0")));
    }
    let ratio = (t1 - t0) / step;
    // 1e-9 relative slack absorbs the round-off of the division (e.g. 10 / 0.002).
    let n = (ratio * (1.0 + 1e-9)).floor();
    if n > 1e8 {
        return Err(SimError::BadGrid(format!("{n} steps is too many")));
    }
    let n = n as usize;
    let mut times: Vec<f64> = (0..=n).map(|k| t0 + k as f64 * step).collect();
    if (ratio - n as f64).abs() <= 1e-9 * ratio.max(1.0) {
        times[n] = t1;
    }
    Ok(times)
}

/// Generates `spec.trajectories` trajectories of `x' = rhs(t, x, p)`, where `rhs(t, x, p, dx)`
/// receives the trajectory's parameter values `p` in `spec.params` order.
pub fn simulate_dataset(spec: &SimSpec, rhs: &mut ParamRhsFn<'_>) -> Result<Dataset, GenerateError> {
    check_spec(spec)?;
    let mut rng = seeded(spec.seed);
    let n = spec.states.len();
    // All parameter and initial-state draws come first, so the noise level never changes them.
    let mut draws = Vec::with_capacity(spec.trajectories);
    for _ in 0..spec.trajectories {
        let params: Vec<f64> = spec.params.iter().map(|(_, d)| d.sample(&mut rng)).collect::<Result<_, _>>()?;
        let init: Vec<f64> = spec.init.iter().map(|d| d.sample(&mut rng)).collect::<Result<_, _>>()?;
        draws.push((params, init));
    }
    let mut trajectories = Vec::with_capacity(spec.trajectories);
    for (k, (params, init)) in draws.into_iter().enumerate() {
        let mut f = |t: f64, x: &[f64], dx: &mut [f64]| rhs(t, x, &params, dx);
        let sol = simulate(&mut f, &init, &spec.times, &spec.options)
            .map_err(|error| GenerateError::Sim { trajectory: k, error })?;
        let mut tr = Trajectory::from_rows((k + 1).to_string(), sol.times, n, sol.values);
        let noise_sigmas = add_noise(&mut tr, n, spec.noise_percent, &mut rng)?;
        let named = spec.params.iter().map(|(name, _)| name.clone()).zip(params).collect();
        tr.truth = Some(Truth { params: named, init, noise_sigmas });
        trajectories.push(tr);
    }
    Ok(Dataset { states: spec.states.clone(), inputs: Vec::new(), trajectories })
}

fn check_spec(spec: &SimSpec) -> Result<(), GenerateError> {
    if spec.init.len() != spec.states.len() {
        let (i, s) = (spec.init.len(), spec.states.len());
        return Err(GenerateError::BadSpec(format!("{i} initial values for {s} states")));
    }
    if spec.trajectories == 0 {
        return Err(GenerateError::BadSpec("at least one trajectory is needed".into()));
    }
    if spec.times.len() < 2 {
        return Err(GenerateError::BadSpec("the time grid needs at least two points".into()));
    }
    Ok(())
}
