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

use super::gn::{system_for, System};
use super::init::magnitudes;
use super::problem::{State, Unknown};
use super::run::Runner;
use super::search::Model;
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

/// A linearisation of the cost at a fitted state: the quadratic model
/// `J(q) ≈ J* + (q − q*)ᵀ S (q − q*)` of the cost with the learned trajectories refitted.
struct Anchor {
    /// The state the model was built at.
    st: State,
    /// The dense unknowns of the model.
    u: Vec<Unknown>,
    /// The model's minimiser.
    q: Vec<f64>,
    /// `S⁻¹`, row-major.
    c: Vec<f64>,
    /// The model's minimum `J*`.
    cost: f64,
}

/// The quadratic model at `st` (cost `cost`, system `sys`), corrected by the Gauss–Newton step
/// not yet taken.
fn anchor(r: &Runner, st: State, cost: f64, sys: &System) -> Result<Anchor, FitError> {
    let u = sys.unknowns.clone();
    let nq = u.len();
    let mut s = sys.s.clone();
    // A relative ridge of 1e-12 keeps a collinear library invertible.
    let top = (0..nq).map(|a| s[a * nq + a]).fold(0.0f64, f64::max).max(f64::MIN_POSITIVE);
    (0..nq).for_each(|a| s[a * nq + a] += 1e-12 * top);
    let l = dense_cholesky(&s, nq)
        .ok_or_else(|| FitError::Singular { detail: "the curvature of the library is not positive definite".into() })?;
    let c: Vec<f64> = (0..nq)
        .flat_map(|j| {
            let mut e = vec![0.0; nq];
            e[j] = 1.0;
            cholesky_solve(&l, &e, nq)
        })
        .collect();
    let step = cholesky_solve(&l, &sys.rq, nq);
    let q: Vec<f64> = u.iter().zip(&step).map(|(&x, d)| r.p.value(&st, x) + d).collect();
    let pred = sys.predicted(&step);
    Ok(Anchor { st, u, q, c, cost: cost - pred.max(0.0) })
}

/// One level of the path.
struct Level {
    /// Slots dropped so far (cumulative).
    dropped: Vec<usize>,
    /// Predicted cost.
    cost: f64,
    /// The anchor the level was predicted from.
    anchor: usize,
    /// Predicted values of the anchor's unknowns (conditional on the drops).
    q: Vec<f64>,
}

/// Drops the cheapest remaining term from anchor `a` (rank-one update of its model): returns the
/// dropped unknown's position and the predicted increase of the cost, or `None` when no
/// droppable term is left.
fn drop_cheapest(r: &Runner, a: &mut Anchor, out: &mut [bool]) -> Option<(usize, f64)> {
    let nq = a.u.len();
    let (j, dj) = (0..nq)
        .filter(|&j| !out[j] && matches!(a.u[j], Unknown::Coef(s) if !r.p.keep[s]))
        .map(|j| (j, a.q[j] * a.q[j] / a.c[j * nq + j].max(f64::MIN_POSITIVE)))
        .min_by(|x, y| x.1.total_cmp(&y.1))?;
    let (qj, cjj) = (a.q[j], a.c[j * nq + j].max(f64::MIN_POSITIVE));
    let col: Vec<f64> = (0..nq).map(|b| a.c[b * nq + j]).collect();
    for x in 0..nq {
        a.q[x] -= col[x] * qj / cjj;
        for y in 0..nq {
            a.c[x * nq + y] -= col[x] * col[y] / cjj;
        }
    }
    a.q[j] = 0.0;
    out[j] = true;
    Some((j, dj))
}

/// The backward-elimination path: each level drops the term whose removal the current
/// quadratic model says costs least, given the drops so far. The model is rebuilt at a refitted
/// level each time the number of terms has halved since the last one, so the path stays accurate
/// where few terms remain.
fn elimination_path(
    r: &mut Runner,
    full: State,
    cost: f64,
    sys: &System,
) -> Result<(Vec<Anchor>, Vec<Level>), FitError> {
    let mut anchors = vec![anchor(r, full, cost, sys)?];
    let mut levels = vec![Level { dropped: vec![], cost: anchors[0].cost, anchor: 0, q: anchors[0].q.clone() }];
    let coefs =
        |a: &Anchor, out: &[bool]| (0..a.u.len()).filter(|&j| !out[j] && matches!(a.u[j], Unknown::Coef(_))).count();
    let mut out = vec![false; anchors[0].u.len()];
    let mut since = coefs(&anchors[0], &out);
    let margin = REFIT_MARGIN_TERMS * (r.p.n_obs as f64).ln();
    let mut best = score(r, anchors[0].cost, since);
    while !r.cancelled() {
        let ai = anchors.len() - 1;
        let Some((j, dj)) = drop_cheapest(r, &mut anchors[ai], &mut out) else { break };
        let a = &anchors[ai];
        let prev = levels.last().expect("the path starts with the full level");
        let mut dropped = prev.dropped.clone();
        if let Unknown::Coef(s) = a.u[j] {
            dropped.push(s);
        }
        let cost = prev.cost + dj;
        levels.push(Level { dropped, cost, anchor: ai, q: a.q.clone() });
        let left = coefs(a, &out);
        let crit = score(r, cost, left);
        best = best.min(crit);
        // Re-linearise once the support has halved, unless the level is already predicted far
        // worse than the best one: its refit could not win, and the old model ranks the rest.
        if 2 * left <= since && left > 0 && crit <= best + margin {
            let at = levels.len() - 1;
            let (st, c) = refit(r, &anchors, &levels[at], at, LEVEL_ITERS)?;
            let sys = match r.system_at(&st) {
                Err(FitError::Cancelled) => break,
                other => other?,
            };
            let a = anchor(r, st, c, &sys)?;
            levels[at].cost = a.cost;
            levels[at].anchor = anchors.len();
            levels[at].q = a.q.clone();
            out = vec![false; a.u.len()];
            anchors.push(a);
            since = left;
        }
    }
    Ok((anchors, levels))
}

/// The state of a level (its anchor's state with the level's drops and predicted values),
/// refitted by up to `iters` Gauss–Newton iterations. Returns the state and its cost.
fn refit(r: &mut Runner, anchors: &[Anchor], level: &Level, at: usize, iters: usize) -> Result<(State, f64), FitError> {
    let a = &anchors[level.anchor];
    let mut st = a.st.clone();
    for &s in &level.dropped {
        r.p.drop_slot(&mut st, s);
    }
    let kept: Vec<(Unknown, f64)> =
        a.u.iter()
            .zip(&level.q)
            .filter(|(x, _)| !matches!(x, Unknown::Coef(s) if !st.active[*s]))
            .map(|(&x, &v)| (x, v))
            .collect();
    let u: Vec<Unknown> = kept.iter().map(|k| k.0).collect();
    let d: Vec<f64> = kept.iter().map(|&(x, v)| v - r.p.value(&st, x)).collect();
    r.p.apply(&mut st, &u, &d);
    let c0 = r.cost(&st, at)?;
    let c = r.solve(&mut st, c0, iters, at)?;
    Ok((st, c))
}

/// A selected level: its criterion, refitted state and cost, the path it was chosen from and
/// its position there.
struct Chosen {
    crit: f64,
    state: State,
    cost: f64,
    path: Vec<PathEntry>,
    at: usize,
}

/// The elimination path from `full`, then Gauss–Newton refits of the best predicted levels;
/// the best refitted level.
fn select(r: &mut Runner, full: State, full_cost: f64, sys: &System) -> Result<Chosen, FitError> {
    let mags = magnitudes(&r.p, &full)?;
    let n_active = full.active.iter().filter(|&&a| a).count();
    let (anchors, levels) = elimination_path(r, full.clone(), full_cost, sys)?;
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
        let (st, c) = refit(r, &anchors, &levels[at], at, LEVEL_ITERS)?;
        let crit = score(r, c, terms(&levels[at]));
        path[at].loss = c / r.p.n_obs as f64;
        path[at].criterion = crit;
        if chosen.as_ref().is_none_or(|b| crit < b.0) {
            chosen = Some((crit, st, c, at));
        }
    }
    let (crit, state, cost, at) = chosen.unwrap_or((score(r, full_cost, n_active), full, full_cost, 0));
    Ok(Chosen { crit, state, cost, path, at })
}

/// The support with the lowest model criterion among local searches on the full library's model
/// started from the backward path's choice, from forward selection's, and from the terms that are
/// never dropped (stepwise selection from nothing): three greedy routes that a collinear library
/// (a limit cycle, a slow variable) can mislead in different ways.
fn searched_supports(m: &Model, chosen: &[usize]) -> Vec<usize> {
    let base: Vec<usize> = (0..m.droppable.len()).filter(|&j| !m.droppable[j]).collect();
    let starts = [chosen.to_vec(), m.forward(base.clone()), base];
    starts
        .into_iter()
        .map(|s| m.search(s))
        .filter_map(|s| m.crit(&s).map(|c| (c, s)))
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .map_or_else(|| chosen.to_vec(), |(_, s)| s)
}

/// Rounds of local search at most: each must lower the refitted criterion, so this only
/// bounds the work.
const MAX_SEARCH: usize = 8;

/// The whole-library quadratic model at `st` (cost `cost`) and the unknowns it is over.
fn library_model(r: &Runner, st: &State, cost: f64) -> Result<Option<(Vec<Unknown>, Model)>, FitError> {
    let u = r.p.all_unknowns(st);
    match system_for(&r.p, st, u.clone(), 0.0, r.input.cancel) {
        Err(FitError::Cancelled) => Ok(None),
        sys => Ok(model_from(r, st, cost, u, &sys?)),
    }
}

/// The whole-library quadratic model from a system assembled over `u` at `st`.
fn model_from(r: &Runner, st: &State, cost: f64, u: Vec<Unknown>, sys: &System) -> Option<(Vec<Unknown>, Model)> {
    let q0: Vec<f64> = u.iter().map(|&x| r.p.value(st, x)).collect();
    let droppable: Vec<bool> = u.iter().map(|x| matches!(x, Unknown::Coef(s) if !r.p.keep[*s])).collect();
    let penalty = (r.p.n_obs as f64).ln();
    Model::new(sys.s.clone(), &sys.rq, &q0, cost, droppable, penalty).map(|m| (u, m))
}

/// The positions in `u` of the unknowns active at `st`.
fn support_of(u: &[Unknown], st: &State) -> Vec<usize> {
    (0..u.len()).filter(|&j| !matches!(u[j], Unknown::Coef(s) if !st.active[s])).collect()
}

/// `from` restricted to `support` (positions in `u`), started at the model's minimiser there and
/// refitted; a [`Chosen`] whose path is `path` with the new level appended.
fn refit_support(
    r: &mut Runner,
    from: &State,
    model: &(Vec<Unknown>, Model),
    support: &[usize],
    path: &[PathEntry],
    mags: &[f64],
) -> Result<Chosen, FitError> {
    let (u, m) = model;
    let mut st = from.clone();
    for (j, x) in u.iter().enumerate() {
        if let Unknown::Coef(s) = *x {
            if support.contains(&j) {
                st.active[s] = true;
            } else {
                r.p.drop_slot(&mut st, s);
            }
        }
    }
    if let Some(v) = m.solve(support) {
        let us: Vec<Unknown> = support.iter().map(|&j| u[j]).collect();
        let d: Vec<f64> = us.iter().zip(&v).map(|(&x, &val)| val - r.p.value(&st, x)).collect();
        r.p.apply(&mut st, &us, &d);
    }
    let round = path.len();
    let c0 = r.cost(&st, round)?;
    let cost = r.solve(&mut st, c0, LEVEL_ITERS, round)?;
    let terms = st.active.iter().filter(|&&a| a).count();
    let crit = score(r, cost, terms);
    let mut path = path.to_vec();
    let threshold = (0..r.p.ncoef).filter(|&s| !st.active[s]).map(|s| mags[s]).fold(0.0, f64::max);
    path.push(PathEntry { threshold, terms, loss: cost / r.p.n_obs as f64, criterion: crit, chosen: false });
    let at = path.len() - 1;
    Ok(Chosen { crit, state: st, cost, path, at })
}

/// `threshold = auto`: the elimination path and the best refitted level ([`select`]); the best
/// support of forward selection on the full library's model, refitted, if it differs and does
/// better (a backward path in a collinear library can lose a true term that a combination of
/// others mimics); then local search on the whole-library model around the chosen support
/// ([`Model::search`]), each result refitted and kept only while the refitted criterion falls.
pub fn auto_path(r: &mut Runner, full: State, full_cost: f64) -> Result<Selection, FitError> {
    let mags = magnitudes(&r.p, &full)?;
    // Every term is active in the full fit, so its system is over the whole library.
    let sys = match r.system_at(&full) {
        Err(FitError::Cancelled) => {
            return Ok(Selection { state: full, cost: full_cost, path: vec![], threshold: None, rounds: 0 })
        }
        other => other?,
    };
    let full_model = model_from(r, &full, full_cost, sys.unknowns.clone(), &sys);
    let mut best = select(r, full.clone(), full_cost, &sys)?;
    drop(sys);
    if let Some(fm) = &full_model {
        let chosen = support_of(&fm.0, &best.state);
        let other = searched_supports(&fm.1, &chosen);
        if other != chosen && !r.cancelled() {
            let cand = refit_support(r, &full, fm, &other, &best.path, &mags)?;
            if cand.crit < best.crit {
                best = cand;
            }
        }
    }
    for _ in 0..MAX_SEARCH {
        if r.cancelled() {
            break;
        }
        let Some(model) = library_model(r, &best.state, best.cost)? else { break };
        let start = support_of(&model.0, &best.state);
        let found = model.1.search(start.clone());
        if found == start {
            break;
        }
        let cand = refit_support(r, &best.state, &model, &found, &best.path, &mags)?;
        if cand.crit >= best.crit {
            break;
        }
        best = cand;
    }
    let Chosen { state, cost, mut path, at, .. } = best;
    path[at].chosen = true;
    let threshold = Some(path[at].threshold);
    let rounds = path.len() - 1;
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
