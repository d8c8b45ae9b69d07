//! Sparsity selection over the fitted library.
//!
//! `threshold = auto`: a backward-elimination path computed from the curvature of the cost at the
//! full fit (the Schur complement `S`, with the learned trajectories refitted): each level drops
//! the remaining term whose removal the quadratic model says costs least (`c² / (S⁻¹)_jj`, the
//! squared Wald statistic given the terms already dropped), and predicts the level's cost. The
//! levels are scored by the selection criterion ([`score`]); the best predicted levels are refitted
//! by Gauss–Newton and the best refitted one is kept. `threshold = <number>` runs sequential
//! thresholding rounds on normalised magnitudes ([`super::init::magnitudes`]).
//!
//! Input: a [`Runner`] and the fully fitted [`State`]. Output: the selected state, its cost,
//! the path considered and the threshold applied.

use super::gn::system;
use super::init::magnitudes;
use super::problem::{State, Unknown};
use super::run::Runner;
use crate::fit::banded::{cholesky_solve, dense_cholesky};
use crate::fit::{FitError, PathEntry};

/// Iterations per refitted level.
const LEVEL_ITERS: usize = 12;
/// Iterations per round of fixed-threshold sequential thresholding, and of the final polish.
const ROUND_ITERS: usize = 12;
/// Levels on either side of the best predicted level that may be refitted too.
const REFIT_SPREAD: usize = 2;
/// A neighbouring level is refitted only when its predicted criterion is within this many
/// terms' worth of penalty (`ln N` each) of the best predicted one: the quadratic model is
/// accurate near the full fit, so a level predicted far worse cannot win.
const REFIT_MARGIN_TERMS: f64 = 10.0;

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

/// The selection criterion of a level: `J + k ln N` (BIC with the noise-weighted cost).
fn score(r: &Runner, cost: f64, terms: usize) -> f64 {
    cost + terms as f64 * (r.p.n_obs as f64).ln()
}

/// One level of the predicted path.
struct Level {
    /// Slots dropped so far (cumulative).
    dropped: Vec<usize>,
    /// Predicted cost.
    cost: f64,
    /// Predicted values of the unknowns (conditional on the drops).
    q: Vec<f64>,
}

/// The predicted backward-elimination path from the quadratic model `J(q) ≈ J* + Δqᵀ S Δq`.
fn predicted_path(r: &Runner, st: &State, cost: f64) -> Result<(Vec<Unknown>, Vec<Level>), FitError> {
    let sys = system(&r.p, st, 0.0)?;
    let u = sys.unknowns.clone();
    let nq = u.len();
    let mut s = sys.s.clone();
    // A relative ridge of 1e-12 keeps a collinear library invertible.
    let top = (0..nq).map(|a| s[a * nq + a]).fold(0.0f64, f64::max).max(f64::MIN_POSITIVE);
    (0..nq).for_each(|a| s[a * nq + a] += 1e-12 * top);
    let l = dense_cholesky(&s, nq).ok_or_else(|| FitError::Singular {
        detail: "the curvature of the full library is not positive definite".into(),
    })?;
    let mut c: Vec<f64> = (0..nq)
        .flat_map(|j| {
            let mut e = vec![0.0; nq];
            e[j] = 1.0;
            cholesky_solve(&l, &e, nq)
        })
        .collect();
    let mut q: Vec<f64> = u.iter().map(|&x| r.p.value(st, x)).collect();
    let mut levels = vec![Level { dropped: vec![], cost, q: q.clone() }];
    let mut out = vec![false; nq];
    let mut j_now = cost;
    loop {
        let pick = (0..nq)
            .filter(|&j| !out[j] && matches!(u[j], Unknown::Coef(s) if !r.p.keep[s]))
            .map(|j| (j, q[j] * q[j] / c[j * nq + j].max(f64::MIN_POSITIVE)))
            .min_by(|a, b| a.1.total_cmp(&b.1));
        let Some((j, dj)) = pick else { break };
        let (qj, cjj) = (q[j], c[j * nq + j].max(f64::MIN_POSITIVE));
        let col: Vec<f64> = (0..nq).map(|a| c[a * nq + j]).collect();
        for a in 0..nq {
            q[a] -= col[a] * qj / cjj;
            for b in 0..nq {
                c[a * nq + b] -= col[a] * col[b] / cjj;
            }
        }
        q[j] = 0.0;
        out[j] = true;
        j_now += dj;
        let mut dropped = levels.last().map(|l| l.dropped.clone()).unwrap_or_default();
        if let Unknown::Coef(s) = u[j] {
            dropped.push(s);
        }
        levels.push(Level { dropped, cost: j_now, q: q.clone() });
    }
    Ok((u, levels))
}

/// `threshold = auto`: the predicted path, then Gauss–Newton refits of the best predicted levels.
pub fn auto_path(r: &mut Runner, full: State, full_cost: f64) -> Result<Selection, FitError> {
    let mags = magnitudes(&r.p, &full)?;
    let (u, levels) = predicted_path(r, &full, full_cost)?;
    let n_active = full.active.iter().filter(|&&a| a).count();
    let terms = |l: &Level| n_active - l.dropped.len();
    let predicted: Vec<f64> = levels.iter().map(|l| score(r, l.cost, terms(l))).collect();
    let best = (0..levels.len()).min_by(|&a, &b| predicted[a].total_cmp(&predicted[b])).unwrap_or(0);
    let margin = REFIT_MARGIN_TERMS * (r.p.n_obs as f64).ln();
    let near = |at: usize| predicted[at] <= predicted[best] + margin;
    let lo = (best.saturating_sub(REFIT_SPREAD)..best).find(|&at| near(at)).unwrap_or(best);
    let hi = (best..=(best + REFIT_SPREAD).min(levels.len() - 1)).rev().find(|&at| near(at)).unwrap_or(best);
    let mut path: Vec<PathEntry> = levels
        .iter()
        .zip(&predicted)
        .map(|(l, &crit)| PathEntry {
            threshold: l.dropped.iter().map(|&s| mags[s]).fold(0.0, f64::max),
            terms: terms(l),
            loss: l.cost / r.p.n_obs as f64,
            criterion: crit,
            chosen: false,
        })
        .collect();
    let mut chosen: Option<(f64, State, f64, usize)> = None;
    for at in lo..=hi {
        if r.cancelled() {
            break;
        }
        let mut st = full.clone();
        for &s in &levels[at].dropped {
            r.p.drop_slot(&mut st, s);
        }
        let keep: Vec<Unknown> =
            u.iter().copied().filter(|x| !matches!(x, Unknown::Coef(s) if !st.active[*s])).collect();
        let vals: Vec<f64> = u.iter().zip(&levels[at].q).filter(|(x, _)| keep.contains(x)).map(|(_, &v)| v).collect();
        let cur: Vec<f64> = keep.iter().map(|&x| r.p.value(&st, x)).collect();
        let d: Vec<f64> = vals.iter().zip(&cur).map(|(a, b)| a - b).collect();
        r.p.apply(&mut st, &keep, &d);
        let c0 = r.cost(&st, at)?;
        let c = r.solve(&mut st, c0, LEVEL_ITERS, at)?;
        let crit = score(r, c, terms(&levels[at]));
        path[at].loss = c / r.p.n_obs as f64;
        path[at].criterion = crit;
        if chosen.as_ref().is_none_or(|b| crit < b.0) {
            chosen = Some((crit, st, c, at));
        }
    }
    let rounds = path.len() - 1;
    let (_, state, cost, at) = match chosen {
        Some(x) => x,
        None => (0.0, full, full_cost, 0),
    };
    path[at].chosen = true;
    if std::env::var_os("MECHC_DEBUG_PATH").is_some() {
        for (i, e) in path.iter().enumerate() {
            eprintln!(
                "level {i:3} terms {:3} thr {:.3e} loss {:.6e} crit {:.6e}{}",
                e.terms,
                e.threshold,
                e.loss,
                e.criterion,
                if e.chosen { " *" } else { "" }
            );
        }
    }
    let threshold = Some(path[at].threshold);
    Ok(Selection { state, cost, path, threshold, rounds })
}

/// Drops the non-kept slots whose magnitude is at most `thr`; true if anything changed.
fn drop_below(r: &Runner, st: &mut State, mags: &[f64], thr: f64) -> bool {
    let mut changed = false;
    for (s, &m) in mags.iter().enumerate() {
        if st.active[s] && !r.p.keep[s] && m <= thr {
            r.p.drop_slot(st, s);
            changed = true;
        }
    }
    changed
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
    let path = vec![PathEntry {
        threshold: thr,
        terms,
        loss: c / r.p.n_obs as f64,
        criterion: score(r, c, terms),
        chosen: true,
    }];
    Ok(Selection { state: st, cost: c, path, threshold: Some(thr), rounds: done })
}
