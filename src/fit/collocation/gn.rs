//! Levenberg–Marquardt minimisation of the objective ([`super::eval`]).
//!
//! The normal matrix in the learned values `z` is banded (each residual row touches one
//! sub-interval's points); the dense unknowns `q` (active coefficients, parameters) are kept by
//! a Schur complement: with `A_zz = UᵀU` (banded Cholesky) and `W = U⁻ᵀ [A_zq | g_z]`,
//! `S = A_qq − W_qᵀW_q` and the step solves `(S + λ D) dq = −g_q + W_qᵀ w₀`, then
//! `dz = −U⁻¹ (w₀ + W_q dq)`. Damping acts on `q` first; `z` is damped too only when an undamped
//! `z` step fails. One iteration costs O(points · (bandwidth + nq) · nq).
//!
//! Input: a [`Problem`] and a [`State`]. Output: improved states, the Schur complement (for
//! Wald statistics and the selection path), and the gradient (for checks).

use rayon::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};

use super::assemble::{assemble, Normal};
use super::eval::cost;
use super::problem::{Problem, State, Unknown};
use crate::fit::banded::{dense_solve, Banded};
use crate::fit::FitError;

/// One trajectory's elimination: the factor `U` of `A_zz + μ diag(A_zz)`,
/// `W = U⁻ᵀ [A_zq | g_z]`, and its `A_qq` (upper triangle) and `g_q`.
struct Reduced {
    u: Banded,
    wq: Vec<f64>,
    aqq: Vec<f64>,
    gq: Vec<f64>,
}

/// Reduces one trajectory's normal equations in place (the assembly is consumed).
fn reduce(nm: Normal, mu: f64, nq: usize, k: usize) -> Result<Reduced, FitError> {
    let Normal { azz: mut a, azq: mut wq, aqq, gq } = nm;
    if mu > 0.0 {
        for i in 0..a.n {
            let d = a.diag(i);
            a.add(i, i, mu * d);
        }
    }
    a.cholesky().map_err(|row| FitError::Singular {
        detail: format!("learned-state block of trajectory {k} (row {row}) is not positive definite"),
    })?;
    a.solve_lower(&mut wq, nq + 1);
    Ok(Reduced { u: a, wq, aqq, gq })
}

/// Rows of `W` per block of [`gram`]: a block costs about `GRAM_BLOCK_FLOPS` multiply-adds
/// (tens of milliseconds), so the cancel flag is seen that often however large the system.
const GRAM_BLOCK_FLOPS: usize = 1 << 28;

/// `WᵀW` for `W` row-major `rows × w`, by candle's matrix product (a tuned, multithreaded
/// kernel), summed over blocks of rows with the cancel flag checked between blocks.
fn gram(wq: &[f64], w: usize, cancel: Option<&AtomicBool>) -> Result<Vec<f64>, FitError> {
    let err = |e: candle_core::Error| FitError::Data(format!("matrix product failed: {e}"));
    let rows = wq.len() / w;
    let block = (GRAM_BLOCK_FLOPS / (w * w).max(1)).max(64);
    let mut g = vec![0.0; w * w];
    for chunk in wq[..rows * w].chunks(block * w) {
        if cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
            return Err(FitError::Cancelled);
        }
        let t = candle_core::Tensor::from_slice(chunk, (chunk.len() / w, w), &candle_core::Device::Cpu).map_err(err)?;
        let part = t.t().and_then(|tt| tt.matmul(&t)).and_then(|p| p.flatten_all()).map_err(err)?;
        g.iter_mut().zip(part.to_vec1::<f64>().map_err(err)?).for_each(|(a, b)| *a += b);
    }
    Ok(g)
}

/// `S = Σ_k (A_qq − W_qᵀW_q)`, `rq = Σ_k (−g_q + W_qᵀ w₀)` and `Σ_k w₀ᵀw₀`.
fn schur(red: &[Reduced], nq: usize, cancel: Option<&AtomicBool>) -> Result<(Vec<f64>, Vec<f64>, f64), FitError> {
    let w = nq + 1;
    let mut s = vec![0.0; nq * nq];
    let mut rq = vec![0.0; nq];
    let mut w0 = 0.0;
    for rd in red {
        let g = gram(&rd.wq, w, cancel)?;
        w0 += g[nq * w + nq];
        for a in 0..nq {
            rq[a] += g[a * w + nq] - rd.gq[a];
            for b in a..nq {
                s[a * nq + b] += rd.aqq[a * nq + b] - g[a * w + b];
            }
        }
    }
    for a in 0..nq {
        for b in 0..a {
            s[a * nq + b] = s[b * nq + a];
        }
    }
    Ok((s, rq, w0))
}

/// The weight-decay rows `ρ w` of neural terms in reduced normal equations: `ρ²` on the
/// weights' diagonal and `sign · ρ² w` on the right-hand side (`sign = 1` for `rq = −g`, `-1` for
/// a gradient `g`).
fn add_decay(p: &Problem, st: &State, unknowns: &[Unknown], s: &mut [f64], rq: &mut [f64], sign: f64) {
    if p.decay == 0.0 {
        return;
    }
    let nq = unknowns.len();
    for (a, u) in unknowns.iter().enumerate() {
        if let Unknown::Weight(_) = u {
            s[a * nq + a] += p.decay;
            rq[a] -= sign * p.decay * p.value(st, *u);
        }
    }
}

/// The assembled and reduced normal equations at one state.
pub struct System {
    /// The dense unknowns, in the order of `s`.
    pub unknowns: Vec<Unknown>,
    red: Vec<Reduced>,
    /// The Schur complement in the dense unknowns (the curvature of the cost with the learned
    /// trajectories refitted).
    pub s: Vec<f64>,
    /// The right-hand side of the reduced normal equations `S dq = rq` (minus the reduced
    /// gradient).
    pub rq: Vec<f64>,
    /// `Σ_k w₀ᵀw₀`: the decrease the step in the learned trajectories alone predicts.
    w0: f64,
    /// The damping of the learned-trajectory block it was reduced with.
    pub damped: f64,
}

/// Assembles and reduces the normal equations at `st` with `z` damping `mu`;
/// [`FitError::Cancelled`] when the cancel flag is set while it works.
pub fn system(p: &Problem, st: &State, mu: f64, cancel: Option<&AtomicBool>) -> Result<System, FitError> {
    system_for(p, st, p.unknowns(st), mu, cancel)
}

/// [`system`] over a given list of dense unknowns (e.g. inactive coefficients too, held at 0).
pub fn system_for(
    p: &Problem,
    st: &State,
    unknowns: Vec<Unknown>,
    mu: f64,
    cancel: Option<&AtomicBool>,
) -> Result<System, FitError> {
    let nq = unknowns.len();
    let red: Vec<Reduced> = (0..p.trajs.len())
        .into_par_iter()
        .map(|k| assemble(p, st, &unknowns, k, cancel).and_then(|nm| reduce(nm, mu, nq, k)))
        .collect::<Result<_, _>>()?;
    let (mut s, mut rq, w0) = schur(&red, nq, cancel)?;
    add_decay(p, st, &unknowns, &mut s, &mut rq, 1.0);
    Ok(System { unknowns, red, s, rq, w0, damped: mu })
}

impl System {
    /// The candidate state for q damping `lambda` (relative to the diagonal of `S`), with the
    /// decrease of the cost the Gauss–Newton model predicts for it: with the learned
    /// trajectories eliminated, `w₀ᵀw₀ + 2 dqᵀrq − dqᵀS dq` (exact for an undamped `z` block).
    pub fn trial(&self, p: &Problem, st: &State, lambda: f64) -> Result<(State, f64), FitError> {
        let nq = self.unknowns.len();
        let dq = if nq == 0 {
            vec![]
        } else {
            // The damping scales each unknown by its own curvature, floored at 1e-10 of the
            // largest so an unknown the data barely inform (a near-constant or collinear column)
            // is still damped: with a zero floor its row stays singular at any damping.
            let floor = 1e-10 * (0..nq).map(|a| self.s[a * nq + a]).fold(f64::MIN_POSITIVE, f64::max);
            let mut s = self.s.clone();
            for a in 0..nq {
                s[a * nq + a] += lambda * self.s[a * nq + a].max(floor);
            }
            dense_solve(&s, &self.rq, nq).ok_or_else(|| FitError::Singular {
                detail: "the coefficient and parameter block (Schur complement) is not positive definite".into(),
            })?
        };
        let w = nq + 1;
        let mut out = st.clone();
        for (k, rd) in self.red.iter().enumerate() {
            let mut y: Vec<f64> = rd
                .wq
                .chunks_exact(w)
                .map(|row| -row[nq] - row[..nq].iter().zip(&dq).map(|(a, b)| a * b).sum::<f64>())
                .collect();
            rd.u.solve_upper(&mut y, 1);
            out.z[k].iter_mut().zip(&y).for_each(|(z, d)| *z += d);
        }
        let pred = self.predicted(&dq);
        p.apply(&mut out, &self.unknowns, &dq);
        Ok((out, pred))
    }

    /// The decrease of the cost the Gauss–Newton model predicts for the dense step `dq`, with
    /// the learned trajectories following it undamped: `w₀ᵀw₀ + 2 dqᵀrq − dqᵀS dq`.
    pub fn predicted(&self, dq: &[f64]) -> f64 {
        let nq = dq.len();
        let quad = |a: usize| (0..nq).map(|b| self.s[a * nq + b] * dq[b]).sum::<f64>();
        self.w0 + (0..nq).map(|a| 2.0 * dq[a] * self.rq[a] - dq[a] * quad(a)).sum::<f64>()
    }
}

/// Levenberg–Marquardt state carried between calls.
#[derive(Clone, Debug)]
pub struct Lm {
    /// Current damping of the dense unknowns (relative to the diagonal of `S`).
    pub lambda: f64,
    /// Growth factor of the damping after a rejected step.
    pub nu: f64,
}

impl Default for Lm {
    fn default() -> Lm {
        Lm { lambda: 1e-6, nu: 2.0 }
    }
}

/// Outcome of one iteration.
pub enum Outcome {
    /// Cost decreased.
    Improved,
    /// The Gauss–Newton model predicts a decrease below [`PRED_TOL`]: converged. Carries the
    /// system assembled at the (unchanged) state.
    Converged(System),
    /// No damping gave a decrease: converged to working precision.
    Stalled,
}

/// A predicted decrease of the cost below `PRED_TOL + 1e-12 J` is convergence: the cost is a
/// sum of squared residuals in units of the noise, so such a step moves every unknown by far
/// less than a thousandth of its standard error.
pub const PRED_TOL: f64 = 1e-6;

/// One Levenberg–Marquardt iteration from `st` (cost `c0`): tries steps with growing damping
/// until the cost decreases (damping adapted to the ratio of actual to predicted decrease).
/// Updates `st`, returns its new cost.
pub fn iterate(
    p: &Problem,
    st: &mut State,
    c0: f64,
    lm: &mut Lm,
    cancel: Option<&AtomicBool>,
) -> Result<(f64, Outcome), FitError> {
    // Ctrl-C is honoured between trials and inside the assembly of a large system: the state
    // stays as it was.
    let mut sys = match system(p, st, 0.0, cancel) {
        Err(FitError::Cancelled) => return Ok((c0, Outcome::Stalled)),
        other => other?,
    };
    loop {
        if cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
            return Ok((c0, Outcome::Stalled));
        }
        match sys.trial(p, st, lm.lambda) {
            Ok((t, pred)) => {
                if pred <= PRED_TOL + 1e-12 * c0 && sys.damped == 0.0 {
                    return Ok((c0, Outcome::Converged(sys)));
                }
                let c = cost(p, &t)?;
                if c.is_finite() && c < c0 {
                    let rho = (c0 - c) / pred;
                    lm.lambda = (lm.lambda * (1.0 - (2.0 * rho - 1.0).powi(3)).max(1.0 / 3.0)).max(1e-12);
                    lm.nu = 2.0;
                    *st = t;
                    return Ok((c, Outcome::Improved));
                }
            }
            Err(FitError::Singular { .. }) if lm.lambda < 1e6 => {}
            Err(e) => return Err(e),
        }
        lm.lambda *= lm.nu;
        lm.nu *= 2.0;
        if lm.lambda > 1e8 {
            *lm = Lm::default();
            return Ok((c0, Outcome::Stalled));
        }
        // A rejected step: damp the learned trajectories as well.
        sys = match system(p, st, lm.lambda, cancel) {
            Err(FitError::Cancelled) => return Ok((c0, Outcome::Stalled)),
            other => other?,
        };
    }
}

/// `Jᵀr` (half the gradient of the cost) at `st`: per trajectory for `z`, then for the dense
/// unknowns; exposed for derivative checks.
pub fn gradient(p: &Problem, st: &State) -> Result<(Vec<Vec<f64>>, Vec<f64>), FitError> {
    let unknowns = p.unknowns(st);
    let nq = unknowns.len();
    let mut gq = vec![0.0; nq];
    let mut gz = Vec::new();
    for k in 0..p.trajs.len() {
        let nm = assemble(p, st, &unknowns, k, None)?;
        gq.iter_mut().zip(&nm.gq).for_each(|(a, b)| *a += b);
        gz.push(nm.azq.chunks_exact(nq + 1).map(|r| r[nq]).collect());
    }
    for (a, u) in unknowns.iter().enumerate() {
        if let Unknown::Weight(_) = u {
            gq[a] += p.decay * p.value(st, *u);
        }
    }
    Ok((gz, gq))
}

/// The cost as a quadratic in the dense unknowns `q` with the learned trajectories held fixed:
/// `J(q₀ + Δ) ≈ J(q₀) + 2 gᵀΔ + ΔᵀAΔ` (exact in the coefficients, which enter linearly).
/// Returns `(A, g)`, `A` row-major.
pub fn fixed_z_quadratic(p: &Problem, st: &State, unknowns: &[Unknown]) -> Result<(Vec<f64>, Vec<f64>), FitError> {
    let nq = unknowns.len();
    let (mut a, mut g) = (vec![0.0; nq * nq], vec![0.0; nq]);
    for k in 0..p.trajs.len() {
        let nm = assemble(p, st, unknowns, k, None)?;
        a.iter_mut().zip(&nm.aqq).for_each(|(x, y)| *x += y);
        g.iter_mut().zip(&nm.gq).for_each(|(x, y)| *x += y);
    }
    for i in 0..nq {
        for j in 0..i {
            a[i * nq + j] = a[j * nq + i];
        }
    }
    add_decay(p, st, unknowns, &mut a, &mut g, -1.0);
    Ok((a, g))
}
