//! Sparsity selection over normalised coefficient magnitudes (see [`super::init::magnitudes`]):
//! `threshold = auto` walks the threshold path and picks the level with the lowest BIC;
//! `threshold = <number>` runs sequential thresholding rounds at that level.
//!
//! Input: a [`Runner`] and the fully fitted [`State`]. Output: the selected state, its cost,
//! the path considered and the threshold applied.

use super::init::magnitudes;
use super::problem::State;
use super::run::Runner;
use super::{FitError, PathEntry};

/// Iterations per level of the threshold path: each level starts from the previous level's
/// solution, which is already close, so a few Gauss–Newton steps converge most of the way.
const LEVEL_ITERS: usize = 6;
/// Iterations per round of fixed-threshold sequential thresholding, and of the final polish.
const ROUND_ITERS: usize = 12;

/// The outcome of sparsity selection.
pub struct Selection {
    /// The selected state.
    pub state: State,
    /// Its cost.
    pub cost: f64,
    /// The levels considered.
    pub path: Vec<PathEntry>,
    /// The threshold applied.
    pub threshold: Option<f64>,
    /// Levels or rounds performed.
    pub rounds: usize,
}

/// Drops the non-kept slots whose magnitude is at most `thr`; true if anything changed.
fn drop_below(r: &Runner, st: &mut State, mags: &[f64], thr: f64) -> bool {
    let mut changed = false;
    for s in 0..r.p.ncoef {
        if st.active[s] && !r.p.keep[s] && mags[s] <= thr {
            st.active[s] = false;
            st.theta[r.p.np + s] = 0.0;
            changed = true;
        }
    }
    changed
}

fn bic(r: &Runner, cost: f64, st: &State) -> f64 {
    let k = st.active.iter().filter(|&&a| a).count() as f64;
    cost + k * (r.p.n_obs as f64).ln()
}

/// `threshold = auto`: the distinct magnitudes of the full fit are the candidate levels
/// (`0` keeps everything; each next level drops one more term). Each level is refitted from
/// the previous one and scored with `BIC = J + k ln N`. The walk stops once two levels in a row
/// have a cost alone above the best criterion so far: the cost only grows as terms are
/// dropped, so no later level can win (two, because a level refitted from a poor warm start
/// can show a cost above its converged value).
pub fn auto_path(r: &mut Runner, full: State, full_cost: f64) -> Result<Selection, FitError> {
    let mags = magnitudes(&r.p, &full)?;
    let mut levels: Vec<f64> = (0..r.p.ncoef).filter(|&s| full.active[s] && !r.p.keep[s]).map(|s| mags[s]).collect();
    levels.push(0.0);
    levels.sort_by(|a, b| a.total_cmp(b));
    levels.dedup();
    let mut path = Vec::new();
    let (mut st, mut c) = (full.clone(), full_cost);
    let mut best: Option<(f64, State, f64, usize)> = None;
    let mut over = 0;
    for (li, &thr) in levels.iter().enumerate() {
        if r.cancelled() {
            break;
        }
        if drop_below(r, &mut st, &mags, thr) {
            c = r.cost(&st, li)?;
            c = r.solve(&mut st, c, LEVEL_ITERS, li + 1)?;
        }
        let b = bic(r, c, &st);
        let terms = st.active.iter().filter(|&&a| a).count();
        path.push(PathEntry { threshold: thr, terms, loss: c / r.p.n_obs as f64, criterion: b, chosen: false });
        over = if best.as_ref().is_some_and(|(bb, ..)| c > *bb) { over + 1 } else { 0 };
        if best.as_ref().is_none_or(|(bb, ..)| b < *bb) {
            best = Some((b, st.clone(), thr, path.len() - 1));
        }
        if over >= 2 {
            break;
        }
    }
    let rounds = path.len();
    let (_, mut state, thr, at) = best.unwrap_or((0.0, full, 0.0, 0));
    path[at].chosen = true;
    let c0 = r.cost(&state, rounds)?;
    let cost = r.solve(&mut state, c0, ROUND_ITERS, rounds)?;
    Ok(Selection { state, cost, path, threshold: Some(thr), rounds })
}

/// `threshold = <number>`: up to `rounds` rounds of dropping the terms whose magnitude is
/// below the threshold and refitting; stops early when the support no longer changes.
pub fn fixed(r: &mut Runner, mut st: State, mut c: f64, thr: f64, rounds: usize) -> Result<Selection, FitError> {
    let mut done = 0;
    for round in 1..=rounds {
        if r.cancelled() {
            break;
        }
        let mags = magnitudes(&r.p, &st)?;
        if !drop_below(r, &mut st, &mags, thr) {
            break;
        }
        done = round;
        c = r.cost(&st, round)?;
        c = r.solve(&mut st, c, ROUND_ITERS, round)?;
    }
    let terms = st.active.iter().filter(|&&a| a).count();
    let path = vec![PathEntry { threshold: thr, terms, loss: c / r.p.n_obs as f64, criterion: bic(r, c, &st), chosen: true }];
    Ok(Selection { state: st, cost: c, path, threshold: Some(thr), rounds: done })
}
