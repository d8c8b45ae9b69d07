//! `fit { ensemble = N }`: bootstrap refits. Each replicate resamples the training data, refits
//! with the same method and settings (selection included), and the spread of the replicates
//! gives every `sparse` term's inclusion probability (the fraction of replicates that keep it)
//! and percentile intervals of the coefficients and shared parameters.
//!
//! Resampling: with at least [`MIN_TRAJECTORIES`] trajectories, whole trajectories are drawn
//! with replacement; otherwise each trajectory is cut into consecutive blocks of one
//! characteristic period (`2π std(x)/rms(x')` of the fastest state on the smoothed data, so a
//! block holds about one oscillation of the fastest state and its noise is independent of the
//! other blocks' beyond the dynamics) and as many blocks as the data hold are drawn with
//! replacement, each becoming a trajectory of its own (its own learned start; under a
//! `per trajectory` parameter, its own value, so per-trajectory values get no intervals). Draws
//! come from a ChaCha8 generator seeded from the run's seed. Replicates run in parallel.
//!
//! Input: a [`FitInput`] and the replicate count. Output: an [`Ensemble`].

use rand::{Rng, SeedableRng};
use rayon::prelude::*;
use std::f64::consts::PI;
use std::sync::atomic::Ordering;

use super::smoothed::Smoothed;
use super::{FitError, FitInput, Fitted};
use crate::data::{Dataset, Trajectory};

/// Trajectories from which whole trajectories are resampled: with fewer, a bootstrap over them
/// has too few distinct resamples (3 trajectories give 10) to estimate percentiles.
pub const MIN_TRAJECTORIES: usize = 10;
/// Fewest rows of a block: a block must support a fit of its own trajectory (the engines ask for
/// five rows; four times that keeps the smoother's ends from dominating a block).
const MIN_BLOCK_ROWS: usize = 20;

/// How the data were resampled.
#[derive(Clone, Debug, PartialEq)]
pub enum Resampling {
    /// Whole trajectories, with replacement.
    Trajectories,
    /// Blocks of `rows` consecutive rows (the last block of a trajectory may be shorter).
    TimeBlocks {
        /// Rows per block.
        rows: usize,
        /// Blocks in the data (each replicate draws this many).
        blocks: usize,
    },
}

impl Resampling {
    /// The scheme in words, for the report.
    pub fn words(&self) -> String {
        match self {
            Resampling::Trajectories => "whole trajectories drawn with replacement".into(),
            Resampling::TimeBlocks { rows, blocks } => {
                format!("{blocks} time blocks of {rows} rows (one characteristic period) drawn with replacement")
            }
        }
    }
}

/// What the replicates say.
#[derive(Clone, Debug, PartialEq)]
pub struct Ensemble {
    /// Replicates asked for.
    pub requested: usize,
    /// Replicates whose fit succeeded (the statistics are over these).
    pub completed: usize,
    /// The seed the resamples were drawn from.
    pub seed: u64,
    /// The resampling scheme.
    pub resampling: Resampling,
    /// Per coefficient slot: the fraction of replicates that kept the term.
    pub inclusion: Vec<f64>,
    /// Per coefficient slot: the 2.5 and 97.5 percentiles of the coefficient over the replicates
    /// (a replicate that dropped the term counts as 0).
    pub coefficients: Vec<[f64; 2]>,
    /// Per coefficient slot: the median over the replicates.
    pub median: Vec<f64>,
    /// Per parameter: the 2.5 and 97.5 percentiles (none for a per-trajectory parameter).
    pub params: Vec<Option<[f64; 2]>>,
    /// Every replicate's coefficients (one row per completed replicate), for plots.
    pub samples: Vec<Vec<f64>>,
}

/// Runs `n` bootstrap refits of `input` with `engine` (the method's fit, without an ensemble).
pub fn run(
    input: &FitInput,
    n: usize,
    engine: fn(&FitInput) -> Result<Fitted, FitError>,
) -> Result<Ensemble, FitError> {
    let resampling = scheme(input)?;
    let units = units(input.data, &resampling);
    let fits: Vec<Option<Fitted>> = (0..n)
        .into_par_iter()
        .map(|b| {
            if input.cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
                return None;
            }
            let data = resample(input.data, &units, replicate_seed(input.seed, b));
            let sub = FitInput { data: &data, progress: None, seed: replicate_seed(input.seed, b), ..*input };
            engine(&sub).ok().filter(|f| !f.interrupted)
        })
        .collect();
    let fits: Vec<Fitted> = fits.into_iter().flatten().collect();
    let per_traj: Vec<bool> = input.model.params.iter().map(|p| p.per_trajectory).collect();
    Ok(summarise(n, input.seed, resampling, &fits, &per_traj))
}

/// The seed of replicate `b`: distinct streams from one run seed (a splitmix64 step, so nearby
/// seeds give unrelated streams).
fn replicate_seed(seed: u64, b: usize) -> u64 {
    let mut z = seed.wrapping_add((b as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Trajectories when there are enough, else blocks of one characteristic period.
fn scheme(input: &FitInput) -> Result<Resampling, FitError> {
    let data = input.data;
    if data.trajectories.len() >= MIN_TRAJECTORIES {
        return Ok(Resampling::Trajectories);
    }
    let rows = block_rows(input)?;
    let blocks = data.trajectories.iter().map(|t| t.len().div_ceil(rows)).sum();
    Ok(Resampling::TimeBlocks { rows, blocks })
}

/// One characteristic period of the fastest state, in rows (at least [`MIN_BLOCK_ROWS`]).
fn block_rows(input: &FitInput) -> Result<usize, FitError> {
    let s = Smoothed::new(input)?;
    let period = s.fastest_time(2.0 * PI);
    let step = s.median_step();
    let longest = input.data.trajectories.iter().map(Trajectory::len).max().unwrap_or(0);
    let rows = if period.is_finite() { (period / step).round() as usize } else { longest };
    Ok(rows.max(MIN_BLOCK_ROWS).min(longest.max(1)))
}

/// The resampling units: `(trajectory, first row, rows)`.
fn units(data: &Dataset, r: &Resampling) -> Vec<(usize, usize, usize)> {
    match *r {
        Resampling::Trajectories => data.trajectories.iter().enumerate().map(|(k, t)| (k, 0, t.len())).collect(),
        Resampling::TimeBlocks { rows, .. } => data
            .trajectories
            .iter()
            .enumerate()
            .flat_map(|(k, t)| {
                let n = t.len();
                // A short last block joins the one before it, so every block can be fitted.
                let starts: Vec<usize> = (0..n).step_by(rows).filter(|&s| s == 0 || n - s >= MIN_BLOCK_ROWS).collect();
                let ends: Vec<usize> = starts.iter().skip(1).copied().chain(std::iter::once(n)).collect();
                starts.into_iter().zip(ends).map(move |(s, e)| (k, s, e - s)).collect::<Vec<_>>()
            })
            .collect(),
    }
}

/// A data set of `units.len()` units drawn with replacement.
fn resample(data: &Dataset, units: &[(usize, usize, usize)], seed: u64) -> Dataset {
    let mut rng = crate::data::noise::SeededRng::seed_from_u64(seed);
    let trajectories = (0..units.len())
        .map(|j| {
            let (k, start, rows) = units[rng.random_range(0..units.len())];
            let t = &data.trajectories[k];
            let w = t.width;
            let (a, b) = (start, start + rows);
            Trajectory {
                label: format!("{}#{j}", t.label),
                times: t.times[a..b].to_vec(),
                width: w,
                values: t.values[a * w..b * w].to_vec(),
                mask: t.mask[a * w..b * w].to_vec(),
                truth: None,
            }
        })
        .collect();
    Dataset { states: data.states.clone(), inputs: data.inputs.clone(), trajectories }
}

/// Inclusion probabilities, medians and percentile intervals over the completed replicates.
fn summarise(requested: usize, seed: u64, resampling: Resampling, fits: &[Fitted], per_traj: &[bool]) -> Ensemble {
    let ncoef = fits.first().map_or(0, |f| f.coefficients.len());
    let kept = |f: &Fitted, s: usize| f.active[s] && f.coefficients[s] != 0.0;
    let column =
        |s: usize| -> Vec<f64> { fits.iter().map(|f| if kept(f, s) { f.coefficients[s] } else { 0.0 }).collect() };
    let n = fits.len().max(1) as f64;
    let np = per_traj.len();
    Ensemble {
        requested,
        completed: fits.len(),
        seed,
        resampling,
        inclusion: (0..ncoef).map(|s| fits.iter().filter(|f| kept(f, s)).count() as f64 / n).collect(),
        coefficients: (0..ncoef).map(|s| percentiles(column(s))).collect(),
        median: (0..ncoef).map(|s| quantile(&sorted(column(s)), 0.5)).collect(),
        params: (0..np)
            .map(|q| {
                (!per_traj[q] && !fits.is_empty()).then(|| percentiles(fits.iter().map(|f| f.params[q]).collect()))
            })
            .collect(),
        samples: fits
            .iter()
            .map(|f| (0..ncoef).map(|s| if kept(f, s) { f.coefficients[s] } else { 0.0 }).collect())
            .collect(),
    }
}

fn sorted(mut v: Vec<f64>) -> Vec<f64> {
    v.sort_by(f64::total_cmp);
    v
}

/// The 2.5 and 97.5 percentiles.
fn percentiles(v: Vec<f64>) -> [f64; 2] {
    let v = sorted(v);
    [quantile(&v, 0.025), quantile(&v, 0.975)]
}

/// The `p` quantile of sorted values, interpolating linearly between order statistics (NaN when
/// empty).
pub fn quantile(sorted: &[f64], p: f64) -> f64 {
    match sorted.len() {
        0 => f64::NAN,
        1 => sorted[0],
        n => {
            let x = p.clamp(0.0, 1.0) * (n - 1) as f64;
            let (i, f) = (x.floor() as usize, x - x.floor());
            let j = (i + 1).min(n - 1);
            sorted[i] + f * (sorted[j] - sorted[i])
        }
    }
}
