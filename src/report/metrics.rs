//! Fit and rollout metrics over row-major series: per-state RMSE ([`rmse_per_state`]), relative
//! rollout error ([`relative_errors`], [`rollout_error`]) and valid prediction time
//! ([`valid_prediction_time`] → [`ValidTime`]), in time units and in Lyapunov times.
//!
//! All functions take a [`Compare`]: a prediction (`n × width`, row-major) against data whose rows
//! may be wider (states first, then inputs: `data_stride` columns), with the data's optional
//! missing-value mask. Missing entries are left out of every sum.
//!
//! Valid prediction time, the definition used in reports: with the normalised error
//! `e(t) = ‖x̂(t) − x(t)‖ / sqrt(mean over the trajectory of ‖x − mean(x)‖²)` (the denominator is
//! the data's root-mean-square distance from its own mean, summed over states), VPT is
//! `t_k − t_0` for the first grid point `t_k` where `e(t_k)` exceeds the tolerance (default
//! [`DEFAULT_VPT_TOLERANCE`] = 0.1), or the whole span when it never does. A non-finite prediction
//! counts as exceeding. Multiplied by the largest Lyapunov exponent λ it is in Lyapunov times.

pub use crate::data::lyapunov::{largest_lyapunov, LyapunovOptions};

/// The tolerance of [`valid_prediction_time`] used unless a report asks for another.
pub const DEFAULT_VPT_TOLERANCE: f64 = 0.1;

/// A prediction and the data it is compared with, on the same time grid.
#[derive(Debug, Clone, Copy)]
pub struct Compare<'a> {
    /// The common time grid.
    pub times: &'a [f64],
    /// Columns compared (the states).
    pub width: usize,
    /// Predicted values, row-major `times.len() × width`.
    pub pred: &'a [f64],
    /// Data values, row-major `times.len() × data_stride`; the first `width` columns are compared.
    pub data: &'a [f64],
    /// Row length of `data` (and `mask`), at least `width`.
    pub data_stride: usize,
    /// `true` where a data value was observed; `None`: all observed (NaN still counts as missing).
    pub mask: Option<&'a [bool]>,
}

impl<'a> Compare<'a> {
    /// Compares `pred` (states only) with the state columns of a trajectory.
    pub fn trajectory(tr: &'a crate::data::Trajectory, n_states: usize, pred: &'a [f64]) -> Self {
        Compare {
            times: &tr.times,
            width: n_states,
            pred,
            data: &tr.values,
            data_stride: tr.width,
            mask: Some(&tr.mask),
        }
    }

    fn rows(&self) -> usize {
        self.times.len()
    }

    /// `(predicted, observed)` at row `i`, column `d`, or `None` when the datum is missing.
    fn pair(&self, i: usize, d: usize) -> Option<(f64, f64)> {
        let k = i * self.data_stride + d;
        let observed = self.mask.is_none_or(|m| m[k]) && !self.data[k].is_nan();
        observed.then(|| (self.pred[i * self.width + d], self.data[k]))
    }

    /// `‖x̂_i − x_i‖²` over observed components (NaN/∞ when the prediction is not finite).
    fn row_error_sq(&self, i: usize) -> f64 {
        (0..self.width).filter_map(|d| self.pair(i, d)).map(|(p, x)| (p - x).powi(2)).sum()
    }

    fn row_norm_sq(&self, i: usize) -> f64 {
        (0..self.width).filter_map(|d| self.pair(i, d)).map(|(_, x)| x * x).sum()
    }
}

/// Root-mean-square error of each state over its observed entries (NaN for a state with none).
pub fn rmse_per_state(c: &Compare<'_>) -> Vec<f64> {
    (0..c.width)
        .map(|d| {
            let errs: Vec<f64> = (0..c.rows()).filter_map(|i| c.pair(i, d)).map(|(p, x)| (p - x).powi(2)).collect();
            (errs.iter().sum::<f64>() / errs.len() as f64).sqrt()
        })
        .collect()
}

/// Relative L2 error at every grid point: `‖x̂(t_i) − x(t_i)‖ / ‖x(t_i)‖`.
pub fn relative_errors(c: &Compare<'_>) -> Vec<f64> {
    (0..c.rows()).map(|i| (c.row_error_sq(i) / c.row_norm_sq(i)).sqrt()).collect()
}

/// Relative L2 error of a rollout over the horizon `[t_0, t_0 + horizon]`:
/// `sqrt(Σ_i ‖x̂_i − x_i‖² / Σ_i ‖x_i‖²)` over the grid points in the horizon.
pub fn rollout_error(c: &Compare<'_>, horizon: f64) -> f64 {
    let Some(&t0) = c.times.first() else {
        return f64::NAN;
    };
    let rows = c.times.iter().take_while(|&&t| t - t0 <= horizon).count();
    let err: f64 = (0..rows).map(|i| c.row_error_sq(i)).sum();
    let norm: f64 = (0..rows).map(|i| c.row_norm_sq(i)).sum();
    (err / norm).sqrt()
}

/// How long a rollout stays close to the data (see the module docs for the definition).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ValidTime {
    /// Valid prediction time in time units, measured from the first grid point.
    pub time: f64,
    /// The same in Lyapunov times (`time · λ`), when λ was given.
    pub lyapunov_times: Option<f64>,
    /// Whether the tolerance was exceeded within the data (otherwise `time` is the whole span).
    pub exceeded: bool,
    /// The tolerance used.
    pub tolerance: f64,
}

/// The normalised error `e(t_i)` of every grid point (see the module docs).
pub fn normalised_errors(c: &Compare<'_>) -> Vec<f64> {
    let scale = spread(c);
    (0..c.rows()).map(|i| c.row_error_sq(i).sqrt() / scale).collect()
}

/// `sqrt(mean_i ‖x_i − mean(x)‖²)`, i.e. the square root of the summed per-state variances.
fn spread(c: &Compare<'_>) -> f64 {
    let mut total = 0.0;
    for d in 0..c.width {
        let xs: Vec<f64> = (0..c.rows()).filter_map(|i| c.pair(i, d)).map(|(_, x)| x).collect();
        if xs.is_empty() {
            continue;
        }
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        total += xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / xs.len() as f64;
    }
    total.sqrt()
}

/// Valid prediction time at `tolerance`, also in Lyapunov times when `lyapunov` (λ) is given.
pub fn valid_prediction_time(c: &Compare<'_>, tolerance: f64, lyapunov: Option<f64>) -> ValidTime {
    let t0 = c.times.first().copied().unwrap_or(0.0);
    let errors = normalised_errors(c);
    // A NaN error (a blown-up rollout) counts as exceeding.
    let first_bad = errors.iter().position(|e| e.is_nan() || *e > tolerance);
    let end = match first_bad {
        Some(k) => c.times[k],
        None => c.times.last().copied().unwrap_or(t0),
    };
    let time = end - t0;
    ValidTime { time, lyapunov_times: lyapunov.map(|l| time * l), exceeded: first_bad.is_some(), tolerance }
}
