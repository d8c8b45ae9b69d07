//! The discovery problem in the form the Gauss–Newton solver works on: the learned-state
//! columns (a state and, for a higher-order state, its lower derivatives), where each column's
//! time derivative comes from, the compiled right-hand sides with their Jacobians, and the
//! per-trajectory data with noise weights.
//!
//! Input: a [`FitInput`]. Output: a [`Problem`] (fixed for the whole fit) and an initial
//! [`State`] built by [`super::init`].

use crate::data::Trajectory;
use crate::ir::NodeId;
use crate::ir::Var;
use crate::jit::{compile, model_layout, DiffKernels, Kernel, Layout};

use crate::fit::smooth::{noise_std, smooth};
use crate::fit::{FitError, FitInput};

/// Where the time derivative of a learned column comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Deriv {
    /// The next learned column (`x` → `x'` for a higher-order state).
    Next(usize),
    /// The right-hand side of equation `e` (output `e` of the rhs kernel).
    Rhs(usize),
}

/// One unknown of the dense (global) part of the problem.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unknown {
    /// Coefficient slot `s` (parameter `n_params + s` of the kernel).
    Coef(usize),
    /// Shared model parameter `p`.
    Param(usize),
    /// Per-trajectory parameter `p` (index into [`Problem::per_traj`]) of trajectory `traj`.
    PerTraj { k: usize, traj: usize },
}

/// One trajectory's data, laid out on the learned columns.
#[derive(Clone, Debug)]
pub struct Traj {
    /// Time points.
    pub t: Vec<f64>,
    /// Step sizes `t[i+1] - t[i]`.
    pub h: Vec<f64>,
    /// Data on the learned columns, n×nz row-major (0 where unobserved).
    pub y: Vec<f64>,
    /// Data weights `1/σ` where observed, 0 where missing or unobserved; n×nz.
    pub w: Vec<f64>,
    /// Input columns, n×ni row-major.
    pub inputs: Vec<f64>,
    /// Noise standard deviation per learned column.
    pub sigma: Vec<f64>,
}

/// The fixed description of one fit.
pub struct Problem {
    /// Right-hand sides (one per equation) with Jacobians over [`Problem::layout`].
    pub rhs: DiffKernels,
    /// The basis terms Θ (one output per [`crate::ir::ModelIr::terms`] entry), to check them on the data.
    pub basis: Kernel,
    /// The term nodes (outputs of `basis`).
    pub terms: Vec<NodeId>,
    /// Kernel row layout: learned columns, inputs, `t`, then per-trajectory parameters.
    pub layout: Layout,
    /// Learned columns per row.
    pub nz: usize,
    /// Input columns per row.
    pub ni: usize,
    /// Equations (rhs outputs).
    pub neq: usize,
    /// Model parameters (the kernel's parameter slice starts with them).
    pub np: usize,
    /// Coefficient slots.
    pub ncoef: usize,
    /// Equation of each coefficient slot.
    pub slot_eq: Vec<usize>,
    /// Time derivative source of each learned column.
    pub deriv: Vec<Deriv>,
    /// Learned column of each equation (the column whose derivative it gives).
    pub eq_col: Vec<usize>,
    /// (state, derivative order) of each learned column.
    pub cols: Vec<(usize, u32)>,
    /// Model parameters that take one value per trajectory.
    pub per_traj: Vec<usize>,
    /// Bounds of each model parameter.
    pub bounds: Vec<Option<(f64, f64)>>,
    /// Coefficient slots that are never dropped.
    pub keep: Vec<bool>,
    /// Data per trajectory.
    pub trajs: Vec<Traj>,
    /// Observed values in all (the N of the information criterion).
    pub n_obs: usize,
    /// Scale of the dynamics residual relative to the noise (`ε = κ σ h`).
    pub kappa: f64,
}

/// The unknowns of the fit at one point.
#[derive(Clone, Debug, PartialEq)]
pub struct State {
    /// Learned trajectory per data trajectory, n×nz row-major.
    pub z: Vec<Vec<f64>>,
    /// Kernel parameters: model parameters, then coefficients (0 when inactive).
    pub theta: Vec<f64>,
    /// Per trajectory, the values of the per-trajectory parameters ([`Problem::per_traj`] order).
    pub pt: Vec<Vec<f64>>,
    /// Active coefficient slots.
    pub active: Vec<bool>,
}

impl Problem {
    /// Validates the model and data and compiles the kernels.
    pub fn new(input: &FitInput, kappa: f64) -> Result<Problem, FitError> {
        let ir = input.ir;
        for e in &ir.equations {
            if let Some(n) = e.neural.first() {
                return Err(FitError::Unsupported { what: "neural terms (`mlp`)".into(), span: n.span });
            }
        }
        let (cols, deriv, eq_col) = learned_columns(input)?;
        if cols.is_empty() {
            return Err(FitError::Data("the model has no states to fit".into()));
        }
        let per_traj: Vec<usize> =
            (0..input.model.params.len()).filter(|&p| input.model.params[p].per_trajectory).collect();
        let mut layout = model_layout(ir);
        layout.columns.extend(per_traj.iter().map(|&p| Var::Param(p as u32)));
        let mut ir2 = ir.clone();
        let outputs = ir2.rhs_nodes();
        let rhs = DiffKernels::compile(&mut ir2.arena, &outputs, &layout)
            .map_err(|e| FitError::Data(format!("cannot compile the right-hand sides: {e}")))?;
        let terms = ir2.term_nodes();
        let basis = compile(&ir2.arena, &terms, &layout)
            .map_err(|e| FitError::Data(format!("cannot compile the basis: {e}")))?;
        let trajs = load_trajs(input, &cols)?;
        let n_obs = trajs.iter().map(|t| t.w.iter().filter(|&&w| w > 0.0).count()).sum();
        if n_obs == 0 {
            return Err(FitError::Data("the data has no observed values of the states".into()));
        }
        let keep = slot_keep(input);
        Ok(Problem {
            rhs,
            basis,
            terms,
            nz: cols.len(),
            ni: ir.names.inputs.len(),
            neq: ir.equations.len(),
            np: ir.names.params.len(),
            ncoef: ir.coefs.len(),
            slot_eq: ir.coefs.iter().map(|c| c.equation).collect(),
            deriv,
            eq_col,
            cols,
            per_traj,
            bounds: input.model.params.iter().map(|p| p.bounds).collect(),
            keep,
            layout,
            trajs,
            n_obs,
            kappa,
        })
    }

    /// Kernel rows of trajectory `k` at state `st`: learned columns, inputs, `t`, per-trajectory
    /// parameters.
    pub fn rows(&self, st: &State, k: usize) -> Vec<f64> {
        let tr = &self.trajs[k];
        let nc = self.layout.columns.len();
        let n = tr.t.len();
        let mut x = Vec::with_capacity(n * nc);
        for i in 0..n {
            x.extend_from_slice(&st.z[k][i * self.nz..(i + 1) * self.nz]);
            x.extend_from_slice(&tr.inputs[i * self.ni..(i + 1) * self.ni]);
            x.push(tr.t[i]);
            x.extend_from_slice(&st.pt[k]);
        }
        x
    }

    /// The unknowns of the dense part at `st`: active coefficients, shared parameters, then
    /// per-trajectory parameters.
    pub fn unknowns(&self, st: &State) -> Vec<Unknown> {
        let mut u: Vec<Unknown> = (0..self.ncoef).filter(|&s| st.active[s]).map(Unknown::Coef).collect();
        u.extend((0..self.np).filter(|p| !self.per_traj.contains(p)).map(Unknown::Param));
        for traj in 0..self.trajs.len() {
            u.extend((0..self.per_traj.len()).map(|k| Unknown::PerTraj { k, traj }));
        }
        u
    }

    /// Applies a step `dq` to the dense unknowns, projecting bounded parameters back inside
    /// their bounds (a step that would leave `(lo, hi)` stops 1e-9 of the width inside).
    pub fn apply(&self, st: &mut State, unknowns: &[Unknown], dq: &[f64]) {
        for (u, d) in unknowns.iter().zip(dq) {
            let (slot, p) = match *u {
                Unknown::Coef(s) => (&mut st.theta[self.np + s], None),
                Unknown::Param(p) => (&mut st.theta[p], Some(p)),
                Unknown::PerTraj { k, traj } => (&mut st.pt[traj][k], Some(self.per_traj[k])),
            };
            *slot += d;
            if let Some((lo, hi)) = p.and_then(|p| self.bounds[p]) {
                let m = 1e-9 * (hi - lo);
                *slot = slot.clamp(lo + m, hi - m);
            }
        }
    }
}

/// Learned columns as (state, order), the derivative source of each, and each equation's column.
type Columns = (Vec<(usize, u32)>, Vec<Deriv>, Vec<usize>);

/// The learned columns: for each state of order `o`, `s, s', …, s^(o-1)`, in the order of
/// [`model_layout`]; with the source of each column's derivative.
fn learned_columns(input: &FitInput) -> Result<Columns, FitError> {
    let ir = input.ir;
    let mut cols = Vec::new();
    let mut deriv = Vec::new();
    let mut eq_col = vec![0; ir.equations.len()];
    for s in 0..ir.names.states.len() {
        let o = ir.state_order(s as u32);
        let eqs: Vec<usize> = (0..ir.equations.len()).filter(|&e| ir.equations[e].state as usize == s).collect();
        if eqs.len() != 1 {
            return Err(FitError::Unsupported {
                what: format!("state `{}` without exactly one equation", ir.names.states[s]),
                span: None,
            });
        }
        for k in 0..o {
            let c = cols.len();
            cols.push((s, k));
            if k + 1 < o {
                deriv.push(Deriv::Next(c + 1));
            } else {
                deriv.push(Deriv::Rhs(eqs[0]));
                eq_col[eqs[0]] = c;
            }
        }
    }
    Ok((cols, deriv, eq_col))
}

/// Keep flags per coefficient slot.
fn slot_keep(input: &FitInput) -> Vec<bool> {
    let mut keep = vec![false; input.ir.coefs.len()];
    for e in &input.ir.equations {
        for b in &e.sparse {
            for (s, k) in b.slots.iter().zip(&b.keep) {
                if let Some(s) = s {
                    keep[*s] = *k;
                }
            }
        }
    }
    keep
}

/// Position of `name` among `names`, or a data error.
fn column_of(names: &[String], name: &str, what: &str) -> Result<usize, FitError> {
    names
        .iter()
        .position(|n| n == name)
        .ok_or_else(|| FitError::Data(format!("the data has no column for {what} `{name}`")))
}

/// Lays each data trajectory out on the learned columns, with noise estimates and weights.
fn load_trajs(input: &FitInput, cols: &[(usize, u32)]) -> Result<Vec<Traj>, FitError> {
    let (ir, data) = (input.ir, input.data);
    let state_col: Vec<usize> =
        ir.names.states.iter().map(|s| column_of(&data.states, s, "state")).collect::<Result<_, _>>()?;
    let input_col: Vec<usize> = ir
        .names
        .inputs
        .iter()
        .map(|s| column_of(&data.inputs, s, "input").map(|j| data.states.len() + j))
        .collect::<Result<_, _>>()?;
    if data.trajectories.is_empty() {
        return Err(FitError::Data("the data has no trajectories".into()));
    }
    data.trajectories.iter().map(|tr| one_traj(tr, cols, &state_col, &input_col)).collect()
}

/// One trajectory on the learned columns.
fn one_traj(
    tr: &Trajectory,
    cols: &[(usize, u32)],
    state_col: &[usize],
    input_col: &[usize],
) -> Result<Traj, FitError> {
    let n = tr.times.len();
    if n < 5 {
        return Err(FitError::Data(format!("trajectory `{}` has {n} rows; the fit needs at least 5", tr.label)));
    }
    let nz = cols.len();
    let mut y = vec![0.0; n * nz];
    let mut w = vec![0.0; n * nz];
    let mut sigma = vec![0.0; nz];
    for (c, &(s, k)) in cols.iter().enumerate() {
        if k != 0 {
            continue;
        }
        let (col, mask): (Vec<f64>, Vec<bool>) = (0..n)
            .map(|i| {
                let j = i * tr.width + state_col[s];
                (tr.values[j], tr.mask[j] && tr.values[j].is_finite())
            })
            .unzip();
        sigma[c] = noise_std(&col, &mask);
        for i in 0..n {
            if mask[i] {
                y[i * nz + c] = col[i];
                w[i * nz + c] = 1.0 / sigma[c];
            }
        }
    }
    let mut inputs = Vec::with_capacity(n * input_col.len());
    for i in 0..n {
        for &j in input_col {
            let v = tr.values[i * tr.width + j];
            if !v.is_finite() {
                return Err(FitError::Data(format!(
                    "input column {j} of trajectory `{}` is missing at t = {}",
                    tr.label, tr.times[i]
                )));
            }
            inputs.push(v);
        }
    }
    let h: Vec<f64> = tr.times.windows(2).map(|p| p[1] - p[0]).collect();
    Ok(Traj { t: tr.times.clone(), h, y, w, inputs, sigma })
}

/// Initial learned trajectory of one trajectory: each observed column smoothed, each derivative
/// column the finite-difference derivative of the column before it; returns also the noise
/// scale of derivative columns (`σ_x · rms(x')/std(x)`, so that their dynamics rows weigh like
/// those of the state itself).
pub fn initial_z(p: &Problem, k: usize) -> (Vec<f64>, Vec<f64>) {
    let tr = &p.trajs[k];
    let (n, nz) = (tr.t.len(), p.nz);
    let mut z = vec![0.0; n * nz];
    let mut sigma = tr.sigma.clone();
    for c in 0..nz {
        let col: Vec<f64> = if p.cols[c].1 == 0 {
            let y: Vec<f64> = (0..n).map(|i| tr.y[i * nz + c]).collect();
            let m: Vec<bool> = (0..n).map(|i| tr.w[i * nz + c] > 0.0).collect();
            let x = smooth(&y, &m, tr.sigma[c]);
            sigma[c] = sigma[c].max(truncation_floor(&x, &tr.h));
            x
        } else {
            let prev: Vec<f64> = (0..n).map(|i| z[i * nz + c - 1]).collect();
            let d = gradient(&prev, &tr.t);
            let sd = crate::fit::smooth::std_dev(&prev).max(f64::MIN_POSITIVE);
            let rms = (d.iter().map(|v| v * v).sum::<f64>() / n as f64).sqrt();
            sigma[c] = (sigma[c - 1] * rms / sd).max(f64::MIN_POSITIVE);
            d
        };
        for i in 0..n {
            z[i * nz + c] = col[i];
        }
    }
    (z, sigma)
}

/// Second-order finite-difference derivative on a possibly irregular grid (one-sided at the
/// ends).
pub fn gradient(x: &[f64], t: &[f64]) -> Vec<f64> {
    let n = x.len();
    let mut d = vec![0.0; n];
    for i in 1..n - 1 {
        let (h0, h1) = (t[i] - t[i - 1], t[i + 1] - t[i]);
        d[i] = (h0 * h0 * (x[i + 1] - x[i]) + h1 * h1 * (x[i] - x[i - 1])) / (h0 * h1 * (h0 + h1));
    }
    d[0] = (x[1] - x[0]) / (t[1] - t[0]);
    d[n - 1] = (x[n - 1] - x[n - 2]) / (t[n - 1] - t[n - 2]);
    d
}

/// The size of the trapezoid rule's local error in the units of the noise level: the
/// collocation residual of a step is `h³ x'''/12` even for the exact trajectory, so a noise
/// level below `h² rms(x''')/12` would make the fit chase discretisation error (on clean data,
/// by spurious terms). Estimated from third differences of the smoothed column.
pub fn truncation_floor(x: &[f64], h: &[f64]) -> f64 {
    let n = x.len();
    if n < 4 {
        return 0.0;
    }
    let ss: f64 = (0..n - 3)
        .map(|i| {
            let hm = (h[i] + h[i + 1] + h[i + 2]) / 3.0;
            let d3 = (x[i + 3] - 3.0 * x[i + 2] + 3.0 * x[i + 1] - x[i]) / hm.powi(3);
            (hm * hm * d3 / 12.0).powi(2)
        })
        .sum();
    TRUNCATION_SAFETY * (ss / (n - 3) as f64).sqrt()
}

/// Multiple of the truncation error used as a noise floor.
const TRUNCATION_SAFETY: f64 = 3.0;
