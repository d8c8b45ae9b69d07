//! What a plot is drawn from: [`PlotData`] (state and input names, [`PlotTrajectory`]s, the
//! equations, a [`SelectionPoint`] path, a [`LossHistory`]) and its validation into
//! [`PlotError`]s before anything is drawn.

use super::PlotError;
use crate::data::Trajectory;

/// Everything one figure shows.
#[derive(Debug, Clone, PartialEq)]
pub struct PlotData {
    /// The figure's title (the model's name).
    pub title: String,
    /// State variable names, in column order.
    pub state_names: Vec<String>,
    /// Input names (each gets a panel of its signal).
    pub input_names: Vec<String>,
    /// The trajectories, each with its data and (optionally) the model's rollout.
    pub trajectories: Vec<PlotTrajectory>,
    /// Lines of text under the title: the fitted equations (with their intervals).
    pub equations: Vec<String>,
    /// A line saying what is shown when not everything is (e.g. which trajectories).
    pub note: Option<String>,
    /// The model-selection path; with two or more levels it replaces the loss panel.
    pub path: Vec<SelectionPoint>,
    /// The training loss; an empty history draws no loss panel.
    pub loss: LossHistory,
}

/// One level of the model-selection path.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SelectionPoint {
    /// Terms kept at this level.
    pub terms: usize,
    /// The selection criterion (lower is better).
    pub criterion: f64,
    /// Whether this level was chosen.
    pub chosen: bool,
}

/// One trajectory: observed states and the model's rollout on the same time grid.
#[derive(Debug, Clone, PartialEq)]
pub struct PlotTrajectory {
    /// A label for legends (the trajectory column's value, a file name, `sim0`, …).
    pub label: String,
    /// Time points.
    pub times: Vec<f64>,
    /// Observed states, row-major `times.len() × n_states`; NaN where missing.
    pub observed: Vec<f64>,
    /// The rollout, row-major `k × n_states` for the first `k ≤ times.len()` times (shorter when
    /// the integration stopped early); non-finite values are drawn as gaps.
    pub rollout: Option<Vec<f64>>,
    /// The fit's denoised states, row-major `times.len() × n_states`, drawn dashed.
    pub denoised: Option<Vec<f64>>,
    /// The input signals, row-major `times.len() × n_inputs` (empty without inputs).
    pub inputs: Vec<f64>,
}

impl PlotTrajectory {
    /// Takes the first `n_states` columns of a data set's trajectory (missing entries become NaN)
    /// together with an optional rollout, row-major over states.
    /// Inputs are the columns after the states.
    pub fn from_trajectory(tr: &Trajectory, n_states: usize, rollout: Option<Vec<f64>>) -> Self {
        let n = n_states.min(tr.width);
        let mut observed = Vec::with_capacity(tr.times.len() * n);
        let mut inputs = Vec::with_capacity(tr.times.len() * (tr.width - n));
        for i in 0..tr.times.len() {
            for d in 0..tr.width {
                let k = i * tr.width + d;
                let v = if tr.mask[k] { tr.values[k] } else { f64::NAN };
                if d < n {
                    observed.push(v);
                } else {
                    inputs.push(v);
                }
            }
        }
        PlotTrajectory { label: tr.label.clone(), times: tr.times.clone(), observed, rollout, denoised: None, inputs }
    }

    /// Observed value of state `d` at row `i`, when finite.
    pub(super) fn data_at(&self, i: usize, d: usize, n: usize) -> Option<f64> {
        finite(self.observed[i * n + d])
    }

    /// Rollout value of state `d` at row `i`, when present and finite.
    pub(super) fn model_at(&self, i: usize, d: usize, n: usize) -> Option<f64> {
        self.rollout.as_ref().and_then(|r| r.get(i * n + d).copied()).and_then(finite)
    }

    /// Denoised value of state `d` at row `i`, when present and finite.
    pub(super) fn denoised_at(&self, i: usize, d: usize, n: usize) -> Option<f64> {
        self.denoised.as_ref().and_then(|r| r.get(i * n + d).copied()).and_then(finite)
    }

    /// Input `j` of `m` at row `i`, when finite.
    pub(super) fn input_at(&self, i: usize, j: usize, m: usize) -> Option<f64> {
        self.inputs.get(i * m + j).copied().and_then(finite)
    }

    /// Number of rows the rollout covers (0 without a rollout).
    pub(super) fn model_rows(&self, n: usize) -> usize {
        self.rollout.as_ref().map_or(0, |r| r.len() / n)
    }
}

/// What one entry of the loss history stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LossUnit {
    /// One entry per epoch.
    #[default]
    Epoch,
    /// One entry per optimiser iteration.
    Iteration,
}

impl LossUnit {
    /// The loss panel's x-axis label.
    pub fn axis_label(self) -> &'static str {
        match self {
            LossUnit::Epoch => "epoch",
            LossUnit::Iteration => "iteration",
        }
    }
}

/// The training loss over epochs or iterations, with threshold rounds marked.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LossHistory {
    /// Loss values in order; non-finite or non-positive entries are skipped on the log scale.
    pub values: Vec<f64>,
    /// What one entry stands for.
    pub unit: LossUnit,
    /// Indices into `values` where a new threshold round begins (after coefficients were pruned).
    pub round_starts: Vec<usize>,
}

impl PlotData {
    /// Number of state variables.
    pub fn n_states(&self) -> usize {
        self.state_names.len()
    }

    /// Checks that the arrays fit together and something can be drawn.
    pub(super) fn validate(&self) -> Result<(), PlotError> {
        let n = self.n_states();
        if n == 0 {
            return Err(PlotError::NoStates);
        }
        if self.trajectories.is_empty() {
            return Err(PlotError::NoTrajectories);
        }
        for tr in &self.trajectories {
            validate_trajectory(tr, n, self.input_names.len())?;
        }
        if !self.trajectories.iter().any(has_finite) {
            return Err(PlotError::NoFiniteValues);
        }
        let len = self.loss.values.len();
        match self.loss.round_starts.iter().find(|&&i| i >= len) {
            Some(&index) => Err(PlotError::RoundOutOfRange { index, len }),
            None => Ok(()),
        }
    }
}

fn validate_trajectory(tr: &PlotTrajectory, n: usize, m: usize) -> Result<(), PlotError> {
    let shape = |detail: String| PlotError::Shape { label: tr.label.clone(), detail };
    if tr.times.is_empty() {
        return Err(PlotError::EmptyTrajectory { label: tr.label.clone() });
    }
    if tr.times.iter().any(|t| !t.is_finite()) {
        return Err(shape("a time point is not finite".into()));
    }
    if tr.observed.len() != tr.times.len() * n {
        return Err(shape(format!(
            "{} observed values for {} times × {} states",
            tr.observed.len(),
            tr.times.len(),
            n
        )));
    }
    if tr.denoised.as_ref().is_some_and(|z| z.len() != tr.observed.len()) {
        return Err(shape(format!("the denoised fit must have {} values", tr.observed.len())));
    }
    if tr.inputs.len() != tr.times.len() * m {
        return Err(shape(format!("{} input values for {} times × {m} inputs", tr.inputs.len(), tr.times.len())));
    }
    if let Some(r) = &tr.rollout {
        if r.len() % n != 0 || r.len() > tr.observed.len() {
            return Err(shape(format!(
                "the rollout has {} values: expected whole rows of {} states for at most {} times",
                r.len(),
                n,
                tr.times.len()
            )));
        }
    }
    Ok(())
}

fn has_finite(tr: &PlotTrajectory) -> bool {
    tr.observed.iter().any(|v| v.is_finite()) || tr.rollout.as_ref().is_some_and(|r| r.iter().any(|v| v.is_finite()))
}

fn finite(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}
