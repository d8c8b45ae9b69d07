//! The iteration loop shared by every phase of a fit: Levenberg–Marquardt iterations with
//! convergence, divergence and cancel checks, loss history and progress reports.
//!
//! Input: a [`Problem`], a [`State`] and the caller's hooks. Output: the improved state and
//! its cost.

use std::sync::atomic::Ordering;

use super::eval::cost;
use super::gn::{iterate, system, Lm, Outcome, System};
use super::problem::{Problem, State};
use crate::fit::{FitError, FitInput, HistoryEntry, Progress};

/// Relative cost decrease below which an iteration counts as converged: far above round-off
/// in a sum of ~10⁴ squares (~1e-12 relative) and far below any change a threshold decision
/// could notice.
pub const REL_TOL: f64 = 1e-9;
/// Absolute cost decrease below which an iteration counts as converged: the cost is a sum of
/// squares in units of the noise, so a decrease of 1e-4 moves the unknowns by about a hundredth
/// of their standard errors, and the next Gauss–Newton step by far less.
const ABS_TOL: f64 = 1e-4;

/// The running fit: hooks, history, damping.
pub struct Runner<'a> {
    /// The problem being solved.
    pub p: Problem,
    /// Cancel flag and progress callback.
    pub input: &'a FitInput<'a>,
    /// Loss after every iteration.
    pub history: Vec<HistoryEntry>,
    /// Set once the cancel flag was seen.
    pub interrupted: bool,
    lm: Lm,
    /// The undamped system at the state the last solve ended on, when that solve ended by
    /// finding nothing left to gain (it is reused instead of assembled again).
    cache: Option<(State, System)>,
}

impl<'a> Runner<'a> {
    /// A runner over a prepared problem.
    pub fn new(p: Problem, input: &'a FitInput<'a>) -> Runner<'a> {
        Runner { p, input, history: Vec::new(), interrupted: false, lm: Lm::default(), cache: None }
    }

    /// Cost of a state (checked finite).
    pub fn cost(&self, st: &State, round: usize) -> Result<f64, FitError> {
        let c = cost(&self.p, st)?;
        if !c.is_finite() {
            return Err(FitError::Diverged { round, loss: c });
        }
        Ok(c)
    }

    /// The undamped system at `st`: the cached one when it was assembled at `st`.
    /// [`FitError::Cancelled`] (remembered as interrupted) when the cancel flag stops it.
    pub fn system_at(&mut self, st: &State) -> Result<System, FitError> {
        let out = match self.cache.take() {
            Some((s, sys)) if s == *st => Ok(sys),
            _ => system(&self.p, st, 0.0, self.input.cancel),
        };
        if matches!(out, Err(FitError::Cancelled)) {
            self.interrupted = true;
        }
        out
    }

    /// Whether the cancel flag is set (and remembers it).
    pub fn cancelled(&mut self) -> bool {
        if self.input.cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
            self.interrupted = true;
        }
        self.interrupted
    }

    /// Up to `iters` iterations from `st` (cost `c`), stopping early on convergence or cancel.
    /// Returns the final cost.
    pub fn solve(&mut self, st: &mut State, c: f64, iters: usize, round: usize) -> Result<f64, FitError> {
        self.solve_to(st, c, iters, round, REL_TOL)
    }

    /// [`Runner::solve`] with its own relative tolerance on the decrease of the cost.
    pub fn solve_to(
        &mut self,
        st: &mut State,
        mut c: f64,
        iters: usize,
        round: usize,
        rel: f64,
    ) -> Result<f64, FitError> {
        for it in 0..iters {
            if self.cancelled() {
                break;
            }
            let (c1, out) = iterate(&self.p, st, c, &mut self.lm, self.input.cancel)?;
            if !c1.is_finite() {
                return Err(FitError::Diverged { round, loss: c1 });
            }
            match out {
                Outcome::Improved => {}
                Outcome::Converged(sys) => {
                    self.cache = Some((st.clone(), sys));
                    break;
                }
                Outcome::Stalled => break,
            }
            let done = (c - c1) <= rel * c + ABS_TOL;
            c = c1;
            self.history.push(HistoryEntry { round, loss: c / self.p.n_obs as f64 });
            if let Some(f) = self.input.progress {
                f(&Progress {
                    round,
                    iteration: it,
                    iterations: iters,
                    loss: c / self.p.n_obs as f64,
                    active_terms: st.active.iter().filter(|&&a| a).count(),
                });
            }
            if done {
                break;
            }
        }
        Ok(c)
    }
}
