//! The joint nonlinear least-squares objective and its Levenberg–Marquardt minimisation.
//!
//! `J(z, q) = Σ w²(z − y)² + Σ r_dyn²` where, for each interval `[t_i, t_{i+1}]` and learned
//! column `c` with derivative `g_c` (the next column, or a right-hand side),
//! `r_dyn = (z_{i+1,c} − z_{i,c} − h_i/2 (g_c(i) + g_c(i+1))) / (κ σ_c h_i)` (trapezoid
//! collocation). The normal matrix in `z` is banded (half bandwidth `2·nz − 1`); the dense
//! unknowns `q` (active coefficients, parameters) are eliminated by a Schur complement.
//!
//! Input: a [`Problem`] and a [`State`]. Output: the cost, its gradient (for checks), and
//! improved states.

use rayon::prelude::*;

use super::problem::{Deriv, Problem, State, Unknown};
use crate::fit::banded::{cholesky_solve, dense_cholesky, dense_solve, Banded};
use crate::fit::FitError;

/// Kernel outputs of one trajectory: values (n×neq), column Jacobian (n×neq×ncols) and
/// parameter Jacobian (n×neq×P).
pub struct Eval {
    /// Right-hand side values.
    pub f: Vec<f64>,
    /// Jacobian with respect to the row columns.
    pub jc: Vec<f64>,
    /// Jacobian with respect to the kernel parameters.
    pub jp: Vec<f64>,
}

/// The normal-equation pieces of one trajectory.
struct Normal {
    azz: Banded,
    azq: Vec<f64>,
    gz: Vec<f64>,
    aqq: Vec<f64>,
    gq: Vec<f64>,
}

/// Evaluates the right-hand sides of trajectory `k` (with Jacobians when `jac`).
pub fn eval(p: &Problem, st: &State, k: usize, jac: bool) -> Result<Eval, FitError> {
    let x = p.rows(st, k);
    let n = p.trajs[k].t.len();
    let (nc, np) = (p.layout.columns.len(), p.layout.n_params);
    let err = |e: crate::jit::JitError| FitError::Data(format!("kernel call failed: {e}"));
    let mut f = vec![0.0; n * p.neq];
    p.rhs.value.eval_par(n, &x, &st.theta, &mut f).map_err(err)?;
    let (mut jc, mut jp) = (Vec::new(), Vec::new());
    if jac {
        jc = vec![0.0; n * p.neq * nc];
        jp = vec![0.0; n * p.neq * np];
        p.rhs.d_cols.eval_par(n, &x, &st.theta, &mut jc).map_err(err)?;
        p.rhs.d_params.eval_par(n, &x, &st.theta, &mut jp).map_err(err)?;
    }
    Ok(Eval { f, jc, jp })
}

/// Derivative of learned column `c` at row `i`.
#[inline]
fn g(p: &Problem, z: &[f64], ev: &Eval, i: usize, c: usize) -> f64 {
    match p.deriv[c] {
        Deriv::Next(k) => z[i * p.nz + k],
        Deriv::Rhs(e) => ev.f[i * p.neq + e],
    }
}

/// Noise scale of learned column `c` of trajectory `k` times κ (the dynamics residual divisor
/// per unit step).
fn eps(p: &Problem, k: usize, c: usize) -> f64 {
    p.kappa * p.trajs[k].sigma[c]
}

/// Cost of trajectory `k` given its evaluation.
fn traj_cost(p: &Problem, st: &State, k: usize, ev: &Eval) -> f64 {
    let tr = &p.trajs[k];
    let z = &st.z[k];
    let nz = p.nz;
    let mut j = 0.0;
    for (idx, (&w, &y)) in tr.w.iter().zip(&tr.y).enumerate() {
        if w > 0.0 {
            let r = w * (z[idx] - y);
            j += r * r;
        }
    }
    for (i, &h) in tr.h.iter().enumerate() {
        for c in 0..nz {
            let r = (z[(i + 1) * nz + c] - z[i * nz + c] - 0.5 * h * (g(p, z, ev, i, c) + g(p, z, ev, i + 1, c)))
                / (eps(p, k, c) * h);
            j += r * r;
        }
    }
    j
}

/// The objective `J` at `st`.
pub fn cost(p: &Problem, st: &State) -> Result<f64, FitError> {
    let parts: Result<Vec<f64>, FitError> =
        (0..p.trajs.len()).into_par_iter().map(|k| eval(p, st, k, false).map(|ev| traj_cost(p, st, k, &ev))).collect();
    Ok(parts?.iter().sum())
}

/// For each equation, the dense unknowns it depends on: (position in `unknowns`, kernel
/// parameter index), for trajectory `k`.
fn qmap(p: &Problem, unknowns: &[Unknown], k: usize) -> Vec<Vec<(usize, usize)>> {
    let mut m = vec![Vec::new(); p.neq];
    for (qi, u) in unknowns.iter().enumerate() {
        match *u {
            Unknown::Coef(s) => m[p.slot_eq[s]].push((qi, p.np + s)),
            Unknown::Param(pp) => (0..p.neq).for_each(|e| m[e].push((qi, pp))),
            Unknown::PerTraj { k: kk, traj } if traj == k => (0..p.neq).for_each(|e| m[e].push((qi, p.per_traj[kk]))),
            Unknown::PerTraj { .. } => {}
        }
    }
    m
}

/// Assembles `JᵀJ` and `Jᵀr` of trajectory `k`.
fn assemble(p: &Problem, st: &State, unknowns: &[Unknown], k: usize) -> Result<Normal, FitError> {
    let ev = eval(p, st, k, true)?;
    let tr = &p.trajs[k];
    let (nz, n, nq) = (p.nz, tr.t.len(), unknowns.len());
    let (nc, npar) = (p.layout.columns.len(), p.layout.n_params);
    let z = &st.z[k];
    let qm = qmap(p, unknowns, k);
    let mut nm = Normal {
        azz: Banded::zeros(n * nz, 2 * nz - 1),
        azq: vec![0.0; n * nz * nq],
        gz: vec![0.0; n * nz],
        aqq: vec![0.0; nq * nq],
        gq: vec![0.0; nq],
    };
    for (idx, &w) in tr.w.iter().enumerate() {
        if w > 0.0 {
            nm.azz.add(idx, idx, w * w);
            nm.gz[idx] += w * w * (z[idx] - tr.y[idx]);
        }
    }
    let mut v = vec![0.0; 2 * nz];
    let mut u: Vec<(usize, f64)> = Vec::new();
    for (i, &h) in tr.h.iter().enumerate() {
        for c in 0..nz {
            let e_ = eps(p, k, c) * h;
            let r =
                (z[(i + 1) * nz + c] - z[i * nz + c] - 0.5 * h * (g(p, z, &ev, i, c) + g(p, z, &ev, i + 1, c))) / e_;
            v.iter_mut().for_each(|x| *x = 0.0);
            u.clear();
            v[c] -= 1.0 / e_;
            v[nz + c] += 1.0 / e_;
            let a = -0.5 * h / e_;
            match p.deriv[c] {
                Deriv::Next(kc) => {
                    v[kc] += a;
                    v[nz + kc] += a;
                }
                Deriv::Rhs(e) => {
                    for col in 0..nz {
                        v[col] += a * ev.jc[(i * p.neq + e) * nc + col];
                        v[nz + col] += a * ev.jc[((i + 1) * p.neq + e) * nc + col];
                    }
                    for &(qi, pi) in &qm[e] {
                        let d = ev.jp[(i * p.neq + e) * npar + pi] + ev.jp[((i + 1) * p.neq + e) * npar + pi];
                        u.push((qi, a * d));
                    }
                }
            }
            accumulate(&mut nm, &v, &u, r, i * nz, nq);
        }
    }
    Ok(nm)
}

/// Adds one residual row (dense local z entries `v` starting at `base`, sparse q entries `u`).
#[inline]
fn accumulate(nm: &mut Normal, v: &[f64], u: &[(usize, f64)], r: f64, base: usize, nq: usize) {
    for (a, &va) in v.iter().enumerate() {
        if va == 0.0 {
            continue;
        }
        for (b, &vb) in v.iter().enumerate().skip(a) {
            if vb != 0.0 {
                nm.azz.add(base + a, base + b, va * vb);
            }
        }
        nm.gz[base + a] += va * r;
        let row = &mut nm.azq[(base + a) * nq..(base + a + 1) * nq];
        for &(qi, uq) in u {
            row[qi] += va * uq;
        }
    }
    for &(qi, ui) in u {
        nm.gq[qi] += ui * r;
        for &(qj, uj) in u {
            nm.aqq[qi * nq + qj] += ui * uj;
        }
    }
}

/// `Jᵀr` (half the gradient of the cost) at `st`: per trajectory for `z`, then for the dense
/// unknowns; exposed for derivative checks.
pub fn gradient(p: &Problem, st: &State) -> Result<(Vec<Vec<f64>>, Vec<f64>), FitError> {
    let unknowns = p.unknowns(st);
    let mut gq = vec![0.0; unknowns.len()];
    let mut gz = Vec::new();
    for k in 0..p.trajs.len() {
        let nm = assemble(p, st, &unknowns, k)?;
        gq.iter_mut().zip(&nm.gq).for_each(|(a, b)| *a += b);
        gz.push(nm.gz);
    }
    Ok((gz, gq))
}

/// One trajectory's share of the Schur complement: `(A_zz + λD)⁻¹ [A_zq, g_z]`.
fn eliminate(nm: &Normal, lambda: f64, nq: usize, k: usize) -> Result<Vec<f64>, FitError> {
    let mut a = nm.azz.clone();
    let nn = a.n;
    for i in 0..nn {
        let d = a.diag(i);
        a.add(i, i, lambda * d);
    }
    a.cholesky().map_err(|row| FitError::Singular {
        detail: format!("learned-state block of trajectory {k} (row {row}) is not positive definite"),
    })?;
    let w = nq + 1;
    let mut rhs = vec![0.0; nn * w];
    for i in 0..nn {
        rhs[i * w..i * w + nq].copy_from_slice(&nm.azq[i * nq..(i + 1) * nq]);
        rhs[i * w + nq] = nm.gz[i];
    }
    a.solve(&mut rhs, w);
    Ok(rhs)
}

/// The Schur complement `S = A_qq + λD − A_qz (A_zz + λD)⁻¹ A_zq` and its right-hand side,
/// with each trajectory's eliminated block `(A_zz + λD)⁻¹ [A_zq, g_z]`.
type Schur = (Vec<Vec<f64>>, Vec<f64>, Vec<f64>);

fn schur(normals: &[Normal], nq: usize, lambda: f64) -> Result<Schur, FitError> {
    let zs: Vec<Vec<f64>> =
        normals.par_iter().enumerate().map(|(k, nm)| eliminate(nm, lambda, nq, k)).collect::<Result<_, _>>()?;
    let w = nq + 1;
    let mut s = vec![0.0; nq * nq];
    let mut rq = vec![0.0; nq];
    for (nm, zk) in normals.iter().zip(&zs) {
        for a in 0..nq {
            rq[a] += -nm.gq[a];
            for b in 0..nq {
                s[a * nq + b] += nm.aqq[a * nq + b];
            }
        }
        for i in 0..nm.gz.len() {
            let arow = &nm.azq[i * nq..(i + 1) * nq];
            let zrow = &zk[i * w..(i + 1) * w];
            for a in 0..nq {
                if arow[a] == 0.0 {
                    continue;
                }
                rq[a] += arow[a] * zrow[nq];
                for b in 0..nq {
                    s[a * nq + b] -= arow[a] * zrow[b];
                }
            }
        }
    }
    for a in 0..nq {
        let d = normals.iter().map(|nm| nm.aqq[a * nq + a]).sum::<f64>();
        s[a * nq + a] += lambda * d;
    }
    Ok((zs, s, rq))
}

/// For each dense unknown, the Gauss–Newton estimate of how much the cost rises when it is
/// forced to zero and everything else (trajectories included) is refitted: `q_j² / (S⁻¹)_jj`,
/// the squared Wald statistic. `None` for an unknown whose variance cannot be computed.
pub fn wald(p: &Problem, st: &State) -> Result<Vec<(Unknown, Option<f64>)>, FitError> {
    let unknowns = p.unknowns(st);
    let nq = unknowns.len();
    let normals: Vec<Normal> =
        (0..p.trajs.len()).into_par_iter().map(|k| assemble(p, st, &unknowns, k)).collect::<Result<_, _>>()?;
    // A damping of 1e-10 of the diagonal only guards against exact singularity.
    let (_, s, _) = schur(&normals, nq, 1e-10)?;
    let l = dense_cholesky(&s, nq);
    Ok(unknowns
        .iter()
        .enumerate()
        .map(|(j, &u)| {
            let value = match u {
                Unknown::Coef(sl) => st.theta[p.np + sl],
                Unknown::Param(q) => st.theta[q],
                Unknown::PerTraj { k, traj } => st.pt[traj][k],
            };
            let mut e = vec![0.0; nq];
            e[j] = 1.0;
            let var = l.as_ref().map(|l| cholesky_solve(l, &e, nq)[j]).filter(|v| *v > 0.0 && v.is_finite());
            (u, var.map(|v| value * value / v))
        })
        .collect())
}

/// The damped Gauss–Newton step for damping `lambda`: a candidate state.
fn step(p: &Problem, st: &State, unknowns: &[Unknown], normals: &[Normal], lambda: f64) -> Result<State, FitError> {
    let nq = unknowns.len();
    let (zs, s, rq) = schur(normals, nq, lambda)?;
    let w = nq + 1;
    let dq = if nq == 0 {
        vec![]
    } else {
        dense_solve(&s, &rq, nq).ok_or_else(|| FitError::Singular {
            detail: "the coefficient and parameter block (Schur complement) is not positive definite".into(),
        })?
    };
    let mut out = st.clone();
    for (k, zk) in zs.iter().enumerate() {
        for (i, zv) in out.z[k].iter_mut().enumerate() {
            let zrow = &zk[i * w..(i + 1) * w];
            let dz = -zrow[nq] - zrow[..nq].iter().zip(&dq).map(|(a, b)| a * b).sum::<f64>();
            *zv += dz;
        }
    }
    p.apply(&mut out, unknowns, &dq);
    Ok(out)
}

/// Levenberg–Marquardt state carried between calls.
#[derive(Clone, Debug)]
pub struct Lm {
    /// Current damping.
    pub lambda: f64,
}

/// Outcome of one accepted (or failed) iteration.
pub enum Outcome {
    /// Cost decreased.
    Improved,
    /// No damping gave a decrease: converged to working precision.
    Stalled,
}

/// One Levenberg–Marquardt iteration: assembles at `st` (cost `c0`), tries steps with growing
/// damping until the cost decreases. Updates `st`, returns its new cost.
pub fn iterate(p: &Problem, st: &mut State, c0: f64, lm: &mut Lm) -> Result<(f64, Outcome), FitError> {
    let unknowns = p.unknowns(st);
    let normals: Vec<Normal> =
        (0..p.trajs.len()).into_par_iter().map(|k| assemble(p, st, &unknowns, k)).collect::<Result<_, _>>()?;
    loop {
        let trial = match step(p, st, &unknowns, &normals, lm.lambda) {
            Ok(t) => Some(t),
            Err(FitError::Singular { .. }) if lm.lambda < 1e6 => None,
            Err(e) => return Err(e),
        };
        if let Some(t) = trial {
            let c = cost(p, &t)?;
            if c.is_finite() && c < c0 {
                *st = t;
                lm.lambda = (lm.lambda / 3.0).max(1e-9);
                return Ok((c, Outcome::Improved));
            }
        }
        lm.lambda *= 4.0;
        if lm.lambda > 1e8 {
            lm.lambda = 1e-3;
            return Ok((c0, Outcome::Stalled));
        }
    }
}
