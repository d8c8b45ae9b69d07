//! The collocation engine (`method = collocation`): fits a lowered model to data by a learned,
//! denoised trajectory and the model's coefficients and parameters, jointly, by Gauss–Newton.
//!
//! Input: the IR (terms, equations, coefficient slots, known parts), the checked model (parameter
//! guesses, bounds, per-trajectory flags, `fit` settings) and the data. Output: a [`Fitted`]
//! model — coefficients per slot with the kept support and their normalised magnitudes, fitted
//! parameters, the learned (denoised) trajectories, the loss history, the threshold path
//! considered and the time of each phase — or a [`FitError`].
//!
//! # Method
//! One learned (denoised) trajectory `z` per data trajectory and the shared coefficients and
//! parameters `q` minimise jointly
//!
//! `J(z, q) = Σ mask·(z − y)²/σ² + Σ r_dyn²`,
//!
//! where `σ` is each state's noise level estimated from the data (fourth differences, floored
//! so clean data works) and `r_dyn` ties the learned trajectory to the model's right-hand side
//! over every sub-interval of the grid (`grid.rs`): Hermite–Simpson collocation (fourth order,
//! with a learned midpoint per sub-interval) by default, or the trapezoid rule (`rule`). Each data
//! interval is cut into sub-intervals (`substeps`; `auto` from the data's own higher differences,
//! so the rule's error stays a tenth of the noise scale — `traj.rs`), whose points are unobserved
//! latent values: a short or coarse series is fitted as a trajectory, not by gradient matching.
//! The dynamics rows of a sub-interval of length `H` are divided by `κ₀ σ √(ωH)` (see `KAPPA`),
//! so the weighting does not depend on time units or sampling density.
//!
//! The minimisation is Levenberg–Marquardt with the exact Jacobian from the compiled Jacobian
//! kernels; the normal matrix in `z` is banded and is eliminated per trajectory by a banded
//! Cholesky factorisation (assembled in parallel chunks, `assemble.rs`), leaving the Schur
//! complement `S` in `q`, so one iteration costs O(n). The start is the data smoothed by a
//! Whittaker smoother and the coefficients of a least-squares collocation fit with `z` fixed.
//!
//! Sparsity (`sparsity.rs`): `threshold = auto` builds a backward-elimination path from the
//! quadratic model of the cost at the full fit (each level drops the term with the smallest
//! squared Wald statistic given the drops so far; the model is rebuilt when the support halves),
//! scores levels by `BIC = J + k ln N` (N observed values), refits the best predicted levels by
//! Gauss–Newton, then searches around the chosen support — drops, additions and swaps from the
//! backward choice, a forward selection and the empty model (`search.rs`) — keeping a change only
//! when its refit lowers the BIC. Thresholds are reported as normalised magnitudes
//! (`|c|·rms(term)/rms(rhs)`); `threshold = <number>` runs sequential thresholding rounds on them;
//! `rounds = 0` fits the whole library once. `keep` terms are never dropped.
//!
//! Parameters of known parts are dense unknowns like the coefficients; a bounded parameter
//! is projected back inside its bounds after each step. A per-trajectory parameter has one
//! unknown per trajectory. Inputs are read from the data and not learned.
//!
//! Higher-order states: for `x'' = …` the learned state holds `x` and `x'` (`x'` unobserved,
//! with no data term) with dynamics `x' = v`, `v' = rhs(x, v)`. The `x'` on the right side is
//! this learned derivative, and its initial value is free: the data fixes it through the
//! dynamics. [`Fitted::denoised`] then holds, per state, the state followed by its lower
//! derivatives.
//!
//! Neural terms (`mlp`) are expressions over their weights (`crate::ir::neural`); every weight is
//! a dense unknown like a parameter (`Unknown::Weight`, with its own Jacobian kernel), started
//! by `neural.rs` and the least-squares start, and held small by the `weight_decay` rows.
//!
//! `method = sindy` and `method = mnn` are the other engines (`super::sindy`, `super::mnn`). Measured accuracy and time are in the README
//! (`mechc bench discovery`, Lorenz and the broad suite).

mod assemble;
mod eval;
mod gn;
mod grid;
mod init;
mod neural;
mod objective;
mod problem;
mod run;
mod search;
mod sparsity;
mod stats;
mod traj;

pub use neural::MAX_WEIGHTS;
pub use objective::Objective;

use super::{FitError, FitInput, Fitted, PhaseClock};
use crate::check::settings::{Rule, Threshold};
use crate::data::Trajectory;
use grid::{GridChoice, Scheme};
use problem::{Problem, State};
use run::Runner;
use sparsity::Selection;

/// κ₀: the dynamics rows of a sub-interval of length `H` are divided by `κ₀ σ √(ωH)` (σ the
/// column's noise level, ω the data's rate `rms(x')/std(x)`): a random walk whose spread over one
/// characteristic time `1/ω` is `κ₀ σ`, the model error the fit allows. Small, because the model
/// is meant to be exact; not zero, so that a long chaotic trajectory is fitted by a well-posed
/// problem. Chosen at 0.03 on five chaotic systems (degree 2 and 3 libraries, 0–10% noise, two
/// seeds) and a 25-point predator–prey series (where 0.3 already lets the rollout drift), and
/// confirmed on the broad benchmark; against the earlier fixed scale it cut the median
/// coefficient error at 5% noise from 0.94% to 0.35% with the same supports.
const KAPPA: f64 = 0.03;

/// The grid the settings ask for.
fn grid_choice(input: &FitInput) -> GridChoice {
    let s = &input.model.fit;
    let scheme = match s.rule {
        Rule::Trapezoid => Scheme::Trapezoid,
        Rule::HermiteSimpson => Scheme::HermiteSimpson,
    };
    GridChoice { scheme, substeps: s.substeps }
}

/// Iteration cap of the fit of the whole library.
const FULL_ITERS: usize = 30;
/// Relative decrease of the cost below which the fit of the whole library stops: it only feeds
/// the selection's quadratic models, which add the Gauss–Newton step still pending, and every
/// selected level is refitted to full precision.
const FULL_REL_TOL: f64 = 1e-3;

/// Iteration cap of a fit with neural terms: a network's weights enter nonlinearly and far from
/// their start, so Levenberg–Marquardt needs many more steps than a model linear in its
/// coefficients (tens to a few hundred on the examples).
const NEURAL_ITERS: usize = 300;
/// Relative decrease of the cost per iteration below which a fit with neural terms stops: the
/// cost is a sum of squares in noise units of about the number of observed values, so 1e-5 of it
/// moves the fit by far less than the noise (a network keeps improving by tiny amounts for
/// long after its rollout has settled).
const NEURAL_REL_TOL: f64 = 1e-5;

/// Fits the model to the data with the collocation engine.
pub fn fit(input: &FitInput) -> Result<Fitted, FitError> {
    let mut clock = PhaseClock::start();
    let mut p = Problem::new(input, KAPPA, grid_choice(input))?;
    let st = init::initial_state(&p, input)?;
    p.held = stats::no_effect(&p, &st)?;
    let mut r = Runner::new(p, input);
    let mut st = st;
    let c0 = r.cost(&st, 0)?;
    clock.lap("setup");
    let settings = &input.model.fit;
    let rounds = settings.rounds;
    let threshold = match settings.threshold {
        Threshold::Level(t) => Some(t),
        Threshold::Auto => None,
    };
    let select = rounds > 0 && r.p.ncoef > 0;
    let (iters, tol) = match (r.p.nw > 0, select && threshold.is_none()) {
        (true, _) => (NEURAL_ITERS, NEURAL_REL_TOL),
        (false, true) => (FULL_ITERS, FULL_REL_TOL),
        (false, false) => (FULL_ITERS, run::REL_TOL),
    };
    let c = r.solve_to(&mut st, c0, iters, 0, tol)?;
    clock.lap("full fit");
    let sel = match (select && !r.cancelled(), threshold) {
        (false, _) => Selection { state: st, cost: c, path: vec![], threshold: None, rounds: 0 },
        (true, Some(t)) => sparsity::fixed(&mut r, st, c, t, rounds)?,
        (true, None) => sparsity::auto_path(&mut r, st, c)?,
    };
    if select {
        clock.lap("selection");
    }
    let magnitudes = init::magnitudes(&r.p, &sel.state)?;
    let mut fitted = finish(input, r, sel);
    fitted.magnitudes = magnitudes;
    fitted.phases = clock.phases();
    Ok(fitted)
}

/// Assembles the [`Fitted`] result.
fn finish(input: &FitInput, mut r: Runner, sel: Selection) -> Fitted {
    let uncertainty = r.system_at(&sel.state).ok().map(|sys| stats::uncertainty(&r.p, &sel.state, &sys, sel.cost));
    let p = &r.p;
    let st: &State = &sel.state;
    let mut params = st.theta[..p.np].to_vec();
    let mut per_trajectory = vec![Vec::new(); p.np];
    for (k, &q) in p.per_traj.iter().enumerate() {
        let v: Vec<f64> = st.pt.iter().map(|pt| pt[k]).collect();
        params[q] = v.iter().sum::<f64>() / v.len() as f64;
        per_trajectory[q] = v;
    }
    let denoised = (0..p.trajs.len())
        .map(|k| {
            let tr = &p.trajs[k];
            let z: Vec<f64> =
                (0..tr.t.len()).flat_map(|i| st.z[k][tr.point(i) * p.nz..(tr.point(i) + 1) * p.nz].to_vec()).collect();
            let mut t = Trajectory::from_rows(input.data.trajectories[k].label.clone(), tr.t.clone(), p.nz, z);
            t.truth = None;
            t
        })
        .collect();
    let mut noise = vec![0.0; input.ir.names.states.len()];
    for (c, &(s, o)) in p.cols.iter().enumerate() {
        if o == 0 {
            noise[s] = p.trajs.iter().map(|t| t.sigma[c]).sum::<f64>() / p.trajs.len() as f64;
        }
    }
    Fitted {
        coefficients: st.theta[p.np..p.np + p.ncoef]
            .iter()
            .zip(&st.active)
            .map(|(&c, &a)| if a { c } else { 0.0 })
            .collect(),
        active: st.active.clone(),
        params,
        per_trajectory,
        denoised,
        noise,
        history: r.history.clone(),
        path: sel.path,
        threshold: sel.threshold,
        rounds: sel.rounds,
        loss: sel.cost / p.n_obs as f64,
        interrupted: r.interrupted,
        magnitudes: Vec::new(),
        phases: Vec::new(),
        uncertainty,
        no_effect: p.held.clone(),
        weights: st.theta[p.np + p.ncoef..].to_vec(),
        encoders: None,
        ensemble: None,
    }
}
