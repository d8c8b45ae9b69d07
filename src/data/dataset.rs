//! The in-memory form of observed or simulated time series: [`Trajectory`] (one time series) and
//! [`Dataset`] (named columns shared by several trajectories).
//!
//! Layout: values are stored **row-major**, one row per time point, columns in the dataset's order
//! (states first, then inputs). A missing value (an empty CSV cell or NaN) is stored as NaN in
//! `values` *and* as `false` in `mask`, so code that reads the mask never has to test for NaN and
//! code that forgets the mask still sees a poisoned number rather than a silent zero.

/// The true parameters and initial state of a simulated trajectory, kept so a report can compare
/// what was discovered with what generated the data.
#[derive(Debug, Clone, PartialEq)]
pub struct Truth {
    /// Parameter names and values, in the system's declaration order.
    pub params: Vec<(String, f64)>,
    /// The initial state, in the dataset's state order.
    pub init: Vec<f64>,
    /// The standard deviation of the Gaussian noise added to each state (all 0 without noise).
    pub noise_sigmas: Vec<f64>,
}

/// One time series: a strictly increasing (possibly irregular) time vector and a row-major table
/// of values with a missing-value mask of the same shape.
#[derive(Debug, Clone, PartialEq)]
pub struct Trajectory {
    /// A label: the value of the trajectory column, the file name, or `sim<k>` for simulations.
    pub label: String,
    /// Time points, strictly increasing.
    pub times: Vec<f64>,
    /// Number of columns per row (states + inputs of the owning dataset).
    pub width: usize,
    /// Row-major values, `times.len() * width` long; NaN where missing.
    pub values: Vec<f64>,
    /// `true` where a value was observed, `false` where missing; same shape as `values`.
    pub mask: Vec<bool>,
    /// The generating parameters and initial state, for simulated data.
    pub truth: Option<Truth>,
}

impl Trajectory {
    /// Builds a trajectory from row-major values, deriving the mask from NaN entries.
    ///
    /// # Panics
    /// Never on user data: callers construct `values` with `times.len() * width` entries; a shape
    /// mismatch is a programming error and is caught by a debug assertion.
    pub fn from_rows(label: impl Into<String>, times: Vec<f64>, width: usize, values: Vec<f64>) -> Self {
        debug_assert_eq!(values.len(), times.len() * width, "row-major shape mismatch");
        let mask = values.iter().map(|v| !v.is_nan()).collect();
        Trajectory { label: label.into(), times, width, values, mask, truth: None }
    }

    /// Number of time points (rows).
    pub fn len(&self) -> usize {
        self.times.len()
    }

    /// Whether the trajectory has no rows.
    pub fn is_empty(&self) -> bool {
        self.times.is_empty()
    }

    /// The values of row `i` (NaN where missing).
    pub fn row(&self, i: usize) -> &[f64] {
        &self.values[i * self.width..(i + 1) * self.width]
    }

    /// The mask of row `i`.
    pub fn row_mask(&self, i: usize) -> &[bool] {
        &self.mask[i * self.width..(i + 1) * self.width]
    }

    /// Column `c` copied out as a vector (NaN where missing).
    pub fn column(&self, c: usize) -> Vec<f64> {
        (0..self.len()).map(|i| self.values[i * self.width + c]).collect()
    }

    /// The number of missing values in each column.
    pub fn missing_per_column(&self) -> Vec<usize> {
        let mut counts = vec![0; self.width];
        for (k, observed) in self.mask.iter().enumerate() {
            if !observed {
                counts[k % self.width] += 1;
            }
        }
        counts
    }

    /// The number of missing values in the whole trajectory.
    pub fn missing_count(&self) -> usize {
        self.mask.iter().filter(|m| !**m).count()
    }

    /// The `n - 1` step sizes between consecutive time points.
    pub fn steps(&self) -> Vec<f64> {
        self.times.windows(2).map(|w| w[1] - w[0]).collect()
    }
}

/// Several trajectories over the same named columns: states first, then inputs.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    /// State names, in model order; columns `0..states.len()`.
    pub states: Vec<String>,
    /// Input (exogenous signal) names; columns after the states.
    pub inputs: Vec<String>,
    /// The trajectories, in file / trajectory-column / simulation order.
    pub trajectories: Vec<Trajectory>,
}

impl Dataset {
    /// Number of columns per row: states then inputs.
    pub fn width(&self) -> usize {
        self.states.len() + self.inputs.len()
    }

    /// All column names in storage order (states, then inputs).
    pub fn column_names(&self) -> Vec<&str> {
        self.states.iter().chain(&self.inputs).map(String::as_str).collect()
    }

    /// Missing values per column, summed over all trajectories.
    pub fn missing_per_column(&self) -> Vec<usize> {
        let mut total = vec![0; self.width()];
        for tr in &self.trajectories {
            for (t, c) in total.iter_mut().zip(tr.missing_per_column()) {
                *t += c;
            }
        }
        total
    }

    /// Missing values in the whole dataset.
    pub fn missing_count(&self) -> usize {
        self.trajectories.iter().map(Trajectory::missing_count).sum()
    }

    /// Total number of rows over all trajectories.
    pub fn total_rows(&self) -> usize {
        self.trajectories.iter().map(Trajectory::len).sum()
    }
}
