//! The benchmark's data: a [`LorenzSpec`] → the clean Lorenz trajectory (Dormand–Prince with the
//! integrator's tight default tolerances), noisy copies at a given level and seed
//! ([`noisy_copy`]), and the CSV files of a whole benchmark ([`write_datasets`] → [`DataFile`]s).
//!
//! Noise is Gaussian with standard deviation p% of each state's standard deviation over its own
//! clean trajectory (`data::add_noise`), drawn from `data::seeded(seed)`.

use std::path::{Path, PathBuf};

use super::BenchError;
use crate::data::{self, Dataset, SimOptions, Trajectory};

/// The Lorenz system and its sampling.
#[derive(Clone, Debug, PartialEq)]
pub struct LorenzSpec {
    /// σ.
    pub sigma: f64,
    /// ρ.
    pub rho: f64,
    /// β.
    pub beta: f64,
    /// Initial state (x, y, z).
    pub x0: [f64; 3],
    /// Start time.
    pub t0: f64,
    /// End time.
    pub t1: f64,
    /// Sampling step.
    pub dt: f64,
}

impl Default for LorenzSpec {
    /// The acceptance benchmark: σ=10, ρ=28, β=8/3, x0=(−8, 8, 27), t ∈ [0, 10], dt = 0.002.
    fn default() -> Self {
        LorenzSpec { sigma: 10.0, rho: 28.0, beta: 8.0 / 3.0, x0: [-8.0, 8.0, 27.0], t0: 0.0, t1: 10.0, dt: 0.002 }
    }
}

/// The state names of the generated data, in column order.
pub const STATES: [&str; 3] = ["x", "y", "z"];

/// Simulates the clean trajectory on the spec's grid.
pub fn lorenz_clean(spec: &LorenzSpec) -> Result<Trajectory, BenchError> {
    let times = data::grid(spec.t0, spec.t1, spec.dt).map_err(|e| BenchError::Data(e.to_string()))?;
    let (s, r, b) = (spec.sigma, spec.rho, spec.beta);
    let mut rhs = |_t: f64, u: &[f64], du: &mut [f64]| {
        du[0] = s * (u[1] - u[0]);
        du[1] = u[0] * (r - u[2]) - u[1];
        du[2] = u[0] * u[1] - b * u[2];
    };
    let sol = data::simulate(&mut rhs, &spec.x0, &times, &SimOptions::default())
        .map_err(|e| BenchError::Data(e.to_string()))?;
    Ok(Trajectory::from_rows("lorenz", sol.times, 3, sol.values))
}

/// A copy of `clean` with `percent` % noise drawn from seed `seed`.
pub fn noisy_copy(clean: &Trajectory, percent: f64, seed: u64) -> Result<Trajectory, BenchError> {
    let mut tr = clean.clone();
    let mut rng = data::seeded(seed);
    data::add_noise(&mut tr, STATES.len(), percent, &mut rng).map_err(|e| BenchError::Data(e.0))?;
    tr.label = format!("lorenz noise {percent}% seed {seed}");
    Ok(tr)
}

/// One generated CSV file of the benchmark.
#[derive(Clone, Debug, PartialEq)]
pub struct DataFile {
    /// Noise level, percent.
    pub level: f64,
    /// Noise seed.
    pub seed: u64,
    /// Where it was written.
    pub path: PathBuf,
}

/// The file name for a (level, seed) pair, e.g. `lorenz_noise05_seed01.csv`.
pub fn file_name(level: f64, seed: u64) -> String {
    format!("lorenz_noise{:02}_seed{seed:02}.csv", level)
}

/// Writes one CSV per (level, seed) into `dir` (created if needed), levels outermost.
pub fn write_datasets(
    spec: &LorenzSpec,
    levels: &[f64],
    seeds: &[u64],
    dir: &Path,
) -> Result<Vec<DataFile>, BenchError> {
    std::fs::create_dir_all(dir).map_err(|e| BenchError::Io(format!("{}: {e}", dir.display())))?;
    let clean = lorenz_clean(spec)?;
    let mut files = Vec::with_capacity(levels.len() * seeds.len());
    for &level in levels {
        for &seed in seeds {
            let tr = noisy_copy(&clean, level, seed)?;
            let ds = Dataset {
                states: STATES.iter().map(|s| s.to_string()).collect(),
                inputs: Vec::new(),
                trajectories: vec![tr],
            };
            let path = dir.join(file_name(level, seed));
            data::write_csv(&ds, &path, "t").map_err(|e| BenchError::Io(e.to_string()))?;
            files.push(DataFile { level, seed, path });
        }
    }
    Ok(files)
}
