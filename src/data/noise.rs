//! Seeded randomness for data generation: the run's generator ([`SeededRng`]), distributions for
//! drawn parameters and initial states ([`Dist`], [`normal`], [`uniform`]) and measurement noise
//! ([`add_noise`]).
//!
//! Noise definition, used everywhere (docs, reports, benchmarks): for a noise level of `p` percent,
//! state `d` of a trajectory receives independent Gaussian noise with standard deviation
//! `σ_d = p/100 × std(x_d)`, where `std` is the population standard deviation (divide by `n`) of
//! the noise-free observed values of that state over its own trajectory. Inputs are not noised.
//! Draws happen row by row, state by state, so a seed fixes the result exactly.

use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, Normal};

use super::dataset::Trajectory;

/// The one generator type used for every random draw of a run.
pub type SeededRng = rand_chacha::ChaCha8Rng;

/// A generator seeded with `seed`.
pub fn seeded(seed: u64) -> SeededRng {
    SeededRng::seed_from_u64(seed)
}

/// An invalid distribution parameter (negative or non-finite spread, empty or reversed range).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("invalid distribution: {0}")]
pub struct DistError(pub String);

/// One draw from `normal(mean, sd)`.
pub fn normal(rng: &mut SeededRng, mean: f64, sd: f64) -> Result<f64, DistError> {
    if !(mean.is_finite() && sd.is_finite() && sd >= 0.0) {
        return Err(DistError(format!("normal({mean}, {sd}) needs a finite mean and sd >= 0")));
    }
    let n = Normal::new(mean, sd).map_err(|e| DistError(e.to_string()))?;
    Ok(n.sample(rng))
}

/// One draw from `uniform(lo, hi)` on the half-open interval `[lo, hi)`.
pub fn uniform(rng: &mut SeededRng, lo: f64, hi: f64) -> Result<f64, DistError> {
    if !(lo.is_finite() && hi.is_finite() && lo < hi) {
        return Err(DistError(format!("uniform({lo}, {hi}) needs finite bounds with lo < hi")));
    }
    Ok(lo + (hi - lo) * rng.random::<f64>())
}

/// A value given either as a constant or as a distribution to draw from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Dist {
    /// Always this value (no draw is made, so the stream is not advanced).
    Fixed(f64),
    /// `normal(mean, sd)`.
    Normal {
        /// Mean.
        mean: f64,
        /// Standard deviation.
        sd: f64,
    },
    /// `uniform(lo, hi)`.
    Uniform {
        /// Lower bound (inclusive).
        lo: f64,
        /// Upper bound (exclusive).
        hi: f64,
    },
}

impl Dist {
    /// Draws one value (or returns the fixed one).
    pub fn sample(&self, rng: &mut SeededRng) -> Result<f64, DistError> {
        match *self {
            Dist::Fixed(v) => Ok(v),
            Dist::Normal { mean, sd } => normal(rng, mean, sd),
            Dist::Uniform { lo, hi } => uniform(rng, lo, hi),
        }
    }
}

/// Population standard deviation of the observed (non-NaN) values; 0 when fewer than one.
pub fn observed_std(values: &[f64]) -> f64 {
    let obs: Vec<f64> = values.iter().copied().filter(|v| !v.is_nan()).collect();
    if obs.is_empty() {
        return 0.0;
    }
    let n = obs.len() as f64;
    let mean = obs.iter().sum::<f64>() / n;
    (obs.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt()
}

/// The per-state noise standard deviations `σ_d = percent/100 × std(x_d)` for the first
/// `n_states` columns of `tr` (see the module docs for the definition).
pub fn noise_sigmas(tr: &Trajectory, n_states: usize, percent: f64) -> Vec<f64> {
    (0..n_states).map(|d| percent / 100.0 * observed_std(&tr.column(d))).collect()
}

/// Adds Gaussian noise of `percent` % of each state's own standard deviation to the first
/// `n_states` columns of `tr`, drawing row by row, state by state; missing values stay missing
/// (and consume no draw). Returns the σ used per state.
pub fn add_noise(
    tr: &mut Trajectory,
    n_states: usize,
    percent: f64,
    rng: &mut SeededRng,
) -> Result<Vec<f64>, DistError> {
    if !(percent.is_finite() && percent >= 0.0) {
        return Err(DistError(format!("noise level {percent}% must be finite and non-negative")));
    }
    let sigmas = noise_sigmas(tr, n_states, percent);
    if percent == 0.0 {
        return Ok(sigmas);
    }
    let std_normal = Normal::new(0.0, 1.0).map_err(|e| DistError(e.to_string()))?;
    for row in 0..tr.len() {
        for (d, sigma) in sigmas.iter().enumerate() {
            let k = row * tr.width + d;
            if tr.mask[k] {
                let z: f64 = std_normal.sample(rng);
                tr.values[k] += sigma * z;
            }
        }
    }
    Ok(sigmas)
}
