//! Training windows: [`windows`] cuts each trajectory of a [`Dataset`] into windows of `len`
//! consecutive rows every `stride` rows → `Vec<`[`Window`]`>` ([`window_starts`] + [`window_at`]
//! do the same lazily); [`batches`] shuffles window indices with the run's seeded generator and
//! groups them into batches.
//!
//! A window's arrays are flat and ready to copy into tensors: `values` is row-major
//! `len × width` with **missing values replaced by 0.0**, and `mask` holds 1.0 (observed) or 0.0
//! (missing) with the same shape, so a masked loss is `Σ mask · (pred − values)²` without NaN
//! ever entering the arithmetic.

use rand::seq::SliceRandom;

use super::dataset::Dataset;
use super::noise::SeededRng;

/// `len` consecutive rows of one trajectory.
#[derive(Debug, Clone, PartialEq)]
pub struct Window {
    /// Index of the trajectory in the dataset.
    pub trajectory: usize,
    /// Row of the trajectory where the window starts.
    pub start: usize,
    /// The `len` time points.
    pub times: Vec<f64>,
    /// The `len − 1` step sizes between consecutive time points.
    pub steps: Vec<f64>,
    /// Row-major `len × width` values, 0.0 where missing.
    pub values: Vec<f64>,
    /// Row-major `len × width` mask: 1.0 observed, 0.0 missing.
    pub mask: Vec<f64>,
}

/// Why windows could not be cut.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WindowError {
    /// Window length below 2 (no step) or stride 0.
    #[error("window length {len} and stride {stride}: need length >= 2 and stride >= 1")]
    BadShape {
        /// Requested length.
        len: usize,
        /// Requested stride.
        stride: usize,
    },
    /// A trajectory is shorter than one window.
    #[error("trajectory {trajectory} has {rows} rows, fewer than the window length {len}")]
    TooShort {
        /// Index of the trajectory.
        trajectory: usize,
        /// Its rows.
        rows: usize,
        /// The window length.
        len: usize,
    },
}

/// Cuts every trajectory into windows of `len` rows starting at rows `0, stride, 2·stride, …`
/// (as many as fit; stride 1 gives every window). Windows are ordered by trajectory, then start.
pub fn windows(ds: &Dataset, len: usize, stride: usize) -> Result<Vec<Window>, WindowError> {
    let starts = window_starts(ds, len, stride)?;
    Ok(starts.into_iter().map(|(k, start)| window_at(ds, k, start, len)).collect())
}

/// The `(trajectory, start row)` of every window [`windows`] would cut, without copying any
/// data: for large datasets, shuffle these and materialise one batch at a time with [`window_at`].
pub fn window_starts(ds: &Dataset, len: usize, stride: usize) -> Result<Vec<(usize, usize)>, WindowError> {
    if len < 2 || stride == 0 {
        return Err(WindowError::BadShape { len, stride });
    }
    let mut out = Vec::new();
    for (k, tr) in ds.trajectories.iter().enumerate() {
        if tr.len() < len {
            return Err(WindowError::TooShort { trajectory: k, rows: tr.len(), len });
        }
        out.extend((0..=tr.len() - len).step_by(stride).map(|start| (k, start)));
    }
    Ok(out)
}

/// Copies out the window of `len` rows of trajectory `trajectory` starting at row `start`.
///
/// # Panics
/// If the window does not fit in the trajectory: callers take positions from [`window_starts`].
pub fn window_at(ds: &Dataset, trajectory: usize, start: usize, len: usize) -> Window {
    let tr = &ds.trajectories[trajectory];
    let w = tr.width;
    let times = tr.times[start..start + len].to_vec();
    let steps = times.windows(2).map(|p| p[1] - p[0]).collect();
    let cells = start * w..(start + len) * w;
    let mask: Vec<f64> = tr.mask[cells.clone()].iter().map(|&m| f64::from(u8::from(m))).collect();
    let values = tr.values[cells].iter().zip(&mask).map(|(&v, &m)| if m > 0.0 { v } else { 0.0 }).collect();
    Window { trajectory, start, times, steps, values, mask }
}

/// The number of windows [`windows`] makes from a trajectory of `rows` rows.
pub fn window_count(rows: usize, len: usize, stride: usize) -> usize {
    if rows < len || stride == 0 {
        0
    } else {
        (rows - len) / stride + 1
    }
}

/// Shuffles `0..n` with `rng` and splits it into batches of `batch_size` (the last may be
/// smaller). `batch_size == 0` means one batch of everything.
pub fn batches(n: usize, batch_size: usize, rng: &mut SeededRng) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(rng);
    let size = if batch_size == 0 { n.max(1) } else { batch_size };
    order.chunks(size).map(<[usize]>::to_vec).collect()
}
