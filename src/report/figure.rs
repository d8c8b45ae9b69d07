//! What the fit's figure shows: the data, the [`Fitted`] model and its [`Report`] → a
//! [`PlotData`] (the trajectories chosen by a [`Selection`], each with its data, rollout,
//! denoised fit and inputs; the equations with their intervals; the model-selection path; the
//! loss history).
//!
//! Many trajectories in one panel are unreadable, so by default at most [`DEFAULT_SHOWN`] are
//! drawn, spread evenly over the data, and the figure says which.

use super::plot::{LossHistory, LossUnit, PlotData, PlotTrajectory, SelectionPoint};
use super::summary::Report;
use crate::data::Dataset;
use crate::fit::Fitted;
use crate::number::format_sig;

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
            let mut p = PlotTrajectory::from_trajectory(tr, n, report.rollouts.get(k).cloned().flatten());
            // The denoised states, when the fit's columns are the states (a higher-order state
            // adds derivative columns, which this figure does not draw).
            p.denoised =
                fitted.denoised.get(k).filter(|z| z.width == n && z.len() == tr.len()).map(|z| z.values.clone());
            p
        })
        .collect();
    let note = (chosen.len() < total).then(|| {
        let nums: Vec<String> = chosen.iter().map(|k| (k + 1).to_string()).collect();
        format!("trajectories {} of {total} shown (--plot-trajectories chooses)", nums.join(", "))
    });
    let path = report
        .path
        .iter()
        .map(|p| SelectionPoint { terms: p.terms, criterion: p.criterion, chosen: p.chosen })
        .collect();
    let round_starts =
        fitted.history.windows(2).enumerate().filter(|(_, w)| w[1].round != w[0].round).map(|(i, _)| i + 1).collect();
    let loss = LossHistory {
        values: fitted.history.iter().map(|h| h.loss).collect(),
        unit: LossUnit::Iteration,
        round_starts,
    };
    PlotData {
        title: report.model.clone(),
        state_names: data.states.clone(),
        input_names: data.inputs.clone(),
        trajectories,
        equations: equation_lines(report).into_iter().chain(params_line(report)).collect(),
        note,
        path,
        loss,
    }
}

/// The fitted parameters on one line: shared ones with their 95% intervals, per-trajectory ones
/// by their mean and range (their table is in the text and HTML reports).
fn params_line(report: &Report) -> Option<String> {
    let g = |v: f64| format_sig(v, 4);
    let parts: Vec<String> = report
        .parameters
        .iter()
        .map(|p| match (p.per_trajectory.is_empty(), p.interval) {
            (true, Some([a, b])) => format!("{} = {} [{}, {}]", p.name, g(p.value), g(a), g(b)),
            (true, None) => format!("{} = {}", p.name, g(p.value)),
            (false, _) => {
                let (lo, hi) = p
                    .per_trajectory
                    .iter()
                    .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), t| (lo.min(t.value), hi.max(t.value)));
                let n = p.per_trajectory.len();
                format!("{} per trajectory: mean {} over {n}, range {} .. {}", p.name, g(p.value), g(lo), g(hi))
            }
        })
        .collect();
    (!parts.is_empty()).then(|| format!("parameters (95%): {}", parts.join("; ")))
}

/// Each equation with its kept terms' 95% intervals (three digits) and, from an ensemble, the
/// inclusion probabilities below 1.
fn equation_lines(report: &Report) -> Vec<String> {
    let g = |v: f64| format_sig(v, 3);
    report
        .equations
        .iter()
        .map(|e| {
            let mut line = e.text.clone();
            // The curvature interval, else the ensemble's percentile interval (marked as such).
            let ens = |slot: usize| report.ensemble.as_ref()?.terms.iter().find(|t| t.slot == slot).map(|t| t.interval);
            let ivs: Vec<String> = e
                .terms
                .iter()
                .filter_map(|t| match (t.interval, ens(t.slot)) {
                    (Some([a, b]), _) => Some(format!("{} [{}, {}]", t.term, g(a), g(b))),
                    (None, Some([a, b])) => Some(format!("{} [{}, {}] (ensemble)", t.term, g(a), g(b))),
                    (None, None) => None,
                })
                .collect();
            if !ivs.is_empty() {
                line.push_str(&format!("     95%: {}", ivs.join(", ")));
            }
            if let Some(ens) = &report.ensemble {
                let unsure: Vec<String> = ens
                    .terms
                    .iter()
                    .filter(|t| t.equation == e.lhs && t.kept && t.inclusion < 1.0)
                    .map(|t| format!("{} {:.2}", t.term, t.inclusion))
                    .collect();
                if !unsure.is_empty() {
                    line.push_str(&format!("; kept in fewer refits: {}", unsure.join(", ")));
                }
            }
            line
        })
        .collect()
}
