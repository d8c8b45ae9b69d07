//! What the fit's figure shows: the data, the [`Fitted`] model and its [`Report`] → a
//! [`PlotData`] (the trajectories chosen by a [`Selection`], each with its data, rollout,
//! denoised fit and inputs; the equations with their intervals; the model-selection path; the
//! loss history).
//!
//! Many trajectories in one panel are unreadable, so by default at most [`DEFAULT_SHOWN`] are
//! drawn, spread evenly over the data, and the figure says which.

use super::plot::{LossHistory, LossUnit, PlotData, PlotTrajectory};
use super::summary::Report;
use crate::data::Dataset;
use crate::fit::Fitted;

/// Trajectories drawn when no selection is given (the palette's size: more would repeat
/// colours).
pub const DEFAULT_SHOWN: usize = 6;

/// Which trajectories the figure shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Selection {
    /// This many, spread evenly over the data.
    Count(usize),
    /// These trajectories, numbered from 1 in data order.
    Numbers(Vec<usize>),
}

impl Selection {
    /// Reads `N` or `I,J,...` (numbers from 1).
    pub fn parse(s: &str) -> Result<Selection, String> {
        let nums: Result<Vec<usize>, _> = s.split(',').map(|p| p.trim().parse::<usize>()).collect();
        let nums = nums.map_err(|_| format!("expected a count or 1-based trajectory numbers like 1,5,9, not `{s}`"))?;
        if nums.contains(&0) {
            return Err("trajectories are numbered from 1 (and a count must be at least 1)".into());
        }
        Ok(if s.contains(',') { Selection::Numbers(nums) } else { Selection::Count(nums[0]) })
    }

    /// The chosen trajectories' indices (from 0) among `n`, or the first number past `n`.
    pub fn indices(&self, n: usize) -> Result<Vec<usize>, usize> {
        match self {
            Selection::Count(c) => Ok(spread(*c, n)),
            Selection::Numbers(v) => match v.iter().find(|&&i| i > n) {
                Some(&i) => Err(i),
                None => Ok(v.iter().map(|i| i - 1).collect()),
            },
        }
    }
}

/// `c` indices spread evenly over `0..n` (all of them when `c ≥ n`), first and last included.
fn spread(c: usize, n: usize) -> Vec<usize> {
    if c >= n {
        return (0..n).collect();
    }
    if c == 1 {
        return vec![0];
    }
    let mut v: Vec<usize> = (0..c).map(|i| (i * (n - 1) + (c - 1) / 2) / (c - 1)).collect();
    v.dedup();
    v
}

/// The figure of a fit: the selected trajectories (all up to [`DEFAULT_SHOWN`] without a
/// selection), with the loss history and its rounds.
pub fn figure(data: &Dataset, fitted: &Fitted, report: &Report, selection: Option<&Selection>) -> PlotData {
    let n = data.states.len();
    let total = data.trajectories.len();
    let chosen = match selection {
        Some(s) => s.indices(total).unwrap_or_else(|_| (0..total).collect()),
        None => spread(DEFAULT_SHOWN, total),
    };
    let trajectories = chosen
        .iter()
        .map(|&k| {
            let tr = &data.trajectories[k];
            PlotTrajectory::from_trajectory(tr, n, report.rollouts.get(k).cloned().flatten())
        })
        .collect();
    let round_starts =
        fitted.history.windows(2).enumerate().filter(|(_, w)| w[1].round != w[0].round).map(|(i, _)| i + 1).collect();
    let loss = LossHistory {
        values: fitted.history.iter().map(|h| h.loss).collect(),
        unit: LossUnit::Iteration,
        round_starts,
    };
    PlotData { title: report.model.clone(), state_names: data.states.clone(), trajectories, loss }
}
