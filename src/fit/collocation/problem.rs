//! The discovery problem in the form the Gauss–Newton solver works on: the learned-state
//! columns (a state and, for a higher-order state, its lower derivatives), where each column's
//! time derivative comes from, the compiled kernels, the coefficient slots, and the
//! per-trajectory data on their collocation grids ([`super::traj`]).
//!
//! Input: a [`FitInput`]. Output: a [`Problem`] (fixed for the whole fit) and the [`State`] type
//! of its unknowns.

use crate::ir::{NodeId, Var};
use crate::jit::{compile, model_layout, Kernel, Layout};

use super::grid::{GridChoice, Scheme};
use super::traj::{load_trajs, Traj};
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
    /// Weight `w` of a neural term (parameter `n_params + ncoef + w` of the kernel).
    Weight(usize),
}

/// The compiled kernels of a fit, over [`Problem::layout`].
pub struct Kernels {
    /// Right-hand sides, one output per equation.
    pub value: Kernel,
    /// `∂rhs/∂column`, row-major `neq × ncols` per row.
    pub d_cols: Kernel,
    /// `∂rhs/∂parameter` for the model's parameters (not the coefficients), `neq × np` per row.
    pub d_params: Kernel,
    /// The basis terms Θ, one output per [`crate::ir::ModelIr::terms`] entry: the right-hand
    /// sides are linear in the coefficients, so `∂rhs_e/∂c_s = Θ_term(s)`.
    pub basis: Kernel,
    /// `∂rhs_e/∂w` for every weight `w` of a neural term, `e` the weight's equation: one output
    /// per weight.
    pub d_weights: Kernel,
}

/// One neural term of the fit.
#[derive(Clone, Debug)]
pub struct Network {
    /// Index of its first weight.
    pub first: usize,
    /// Its hidden widths.
    pub hidden: Vec<usize>,
    /// Its input expressions.
    pub inputs: Vec<NodeId>,
}

/// The fixed description of one fit.
pub struct Problem {
    /// The compiled kernels.
    pub kernels: Kernels,
    /// The term nodes (outputs of the basis kernel).
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
    /// Weights of neural terms (kernel parameters after the coefficients).
    pub nw: usize,
    /// Equation of each weight.
    pub weight_eq: Vec<usize>,
    /// The neural terms: (first weight, weight count, input nodes, hidden widths).
    pub networks: Vec<Network>,
    /// `ρ²` of the weight-decay rows `ρ w` (`weight_decay` per observed value).
    pub decay: f64,
    /// Equation of each coefficient slot.
    pub slot_eq: Vec<usize>,
    /// Basis term of each coefficient slot.
    pub slot_term: Vec<usize>,
    /// Further (equation, term) uses of each slot (a coefficient shared across equations).
    pub slot_more: Vec<Vec<(usize, usize)>>,
    /// Time derivative source of each learned column.
    pub deriv: Vec<Deriv>,
    /// (state, derivative order) of each learned column.
    pub cols: Vec<(usize, u32)>,
    /// Model parameters that take one value per trajectory.
    pub per_traj: Vec<usize>,
    /// Model parameters held at their initial guess (no effect on the fit): not unknowns.
    pub held: Vec<bool>,
    /// Bounds of each model parameter.
    pub bounds: Vec<Option<(f64, f64)>>,
    /// Coefficient slots that are never dropped.
    pub keep: Vec<bool>,
    /// Data per trajectory, on its collocation grid.
    pub trajs: Vec<Traj>,
    /// Observed values in all (the N of the information criterion).
    pub n_obs: usize,
    /// Scale of the dynamics residual relative to the noise (`ε = κ σ √(H h)`).
    pub kappa: f64,
    /// The collocation rule.
    pub scheme: Scheme,
}

/// The unknowns of the fit at one point.
#[derive(Clone, Debug, PartialEq)]
pub struct State {
    /// Learned trajectory per data trajectory, one row of `nz` values per grid point.
    pub z: Vec<Vec<f64>>,
    /// Kernel parameters: model parameters, then coefficients (0 when inactive), then weights.
    pub theta: Vec<f64>,
    /// Per trajectory, the values of the per-trajectory parameters ([`Problem::per_traj`] order).
    pub pt: Vec<Vec<f64>>,
    /// Active coefficient slots.
    pub active: Vec<bool>,
}

impl Problem {
    /// Validates the model and data, compiles the kernels and lays the data on their grids.
    pub fn new(input: &FitInput, kappa: f64, grid: GridChoice) -> Result<Problem, FitError> {
        let ir = input.ir;
        let (cols, deriv) = learned_columns(input)?;
        if cols.is_empty() {
            return Err(FitError::Data("the model has no states to fit".into()));
        }
        let np = ir.names.params.len();
        let per_traj: Vec<usize> = (0..np).filter(|&p| input.model.params[p].per_trajectory).collect();
        let mut layout = model_layout(ir);
        layout.columns.extend(per_traj.iter().map(|&p| Var::Param(p as u32)));
        let (kernels, terms) = compile_kernels(input, &layout)?;
        let (trajs, kappa) = load_trajs(input, &cols, grid, kappa)?;
        let n_obs = trajs.iter().map(|t| t.w.iter().filter(|&&w| w > 0.0).count()).sum();
        if n_obs == 0 {
            return Err(FitError::Data("the data has no observed values of the states".into()));
        }
        let mut weight_eq = vec![0; ir.n_weights];
        let mut networks = Vec::new();
        for (e, n) in ir.networks() {
            weight_eq[n.first..n.first + n.count].iter_mut().for_each(|x| *x = e);
            networks.push(Network { first: n.first, hidden: n.hidden.clone(), inputs: n.inputs.clone() });
        }
        Ok(Problem {
            kernels,
            terms,
            nz: cols.len(),
            ni: ir.names.inputs.len(),
            neq: ir.equations.len(),
            np,
            ncoef: ir.coefs.len(),
            nw: ir.n_weights,
            weight_eq,
            networks,
            decay: input.model.fit.weight_decay * n_obs as f64,
            slot_eq: ir.coefs.iter().map(|c| c.equation).collect(),
            slot_term: ir.coefs.iter().map(|c| c.term).collect(),
            slot_more: (0..ir.coefs.len())
                .map(|s| ir.slot_uses(s).into_iter().skip(1).map(|u| (u.equation, u.term)).collect())
                .collect(),
            deriv,
            cols,
            per_traj,
            held: vec![false; np],
            bounds: input.model.params.iter().map(|p| p.bounds).collect(),
            keep: slot_keep(input),
            layout,
            trajs,
            n_obs,
            kappa,
            scheme: grid.scheme,
        })
    }

    /// Kernel rows of trajectory `k` at state `st`, one per grid point: learned columns, inputs,
    /// `t`, per-trajectory parameters.
    pub fn rows(&self, st: &State, k: usize) -> Vec<f64> {
        let tr = &self.trajs[k];
        let nc = self.layout.columns.len();
        let n = tr.grid.t.len();
        let mut x = Vec::with_capacity(n * nc);
        for i in 0..n {
            x.extend_from_slice(&st.z[k][i * self.nz..(i + 1) * self.nz]);
            x.extend_from_slice(&tr.inputs[i * self.ni..(i + 1) * self.ni]);
            x.push(tr.grid.t[i]);
            x.extend_from_slice(&st.pt[k]);
        }
        x
    }

    /// The unknowns of the dense part at `st`: active coefficients, shared parameters, then
    /// per-trajectory parameters.
    pub fn unknowns(&self, st: &State) -> Vec<Unknown> {
        let mut u: Vec<Unknown> = (0..self.ncoef).filter(|&s| st.active[s]).map(Unknown::Coef).collect();
        u.extend((0..self.np).filter(|p| !self.per_traj.contains(p) && !self.held[*p]).map(Unknown::Param));
        for traj in 0..self.trajs.len() {
            u.extend(
                (0..self.per_traj.len())
                    .filter(|&k| !self.held[self.per_traj[k]])
                    .map(|k| Unknown::PerTraj { k, traj }),
            );
        }
        u.extend((0..self.nw).map(Unknown::Weight));
        u
    }

    /// Every coefficient slot (active or not) followed by the parameters: the unknowns of a
    /// model in which dropped terms may come back.
    pub fn all_unknowns(&self, st: &State) -> Vec<Unknown> {
        let mut u: Vec<Unknown> = (0..self.ncoef).map(Unknown::Coef).collect();
        u.extend(self.unknowns(st).into_iter().filter(|x| !matches!(x, Unknown::Coef(_))));
        u
    }

    /// The value of a dense unknown at `st`.
    pub fn value(&self, st: &State, u: Unknown) -> f64 {
        match u {
            Unknown::Coef(s) => st.theta[self.np + s],
            Unknown::Param(q) => st.theta[q],
            Unknown::PerTraj { k, traj } => st.pt[traj][k],
            Unknown::Weight(w) => st.theta[self.np + self.ncoef + w],
        }
    }

    /// Sets a dense unknown of `st` (no bounds applied).
    pub fn set(&self, st: &mut State, u: Unknown, v: f64) {
        match u {
            Unknown::Coef(s) => st.theta[self.np + s] = v,
            Unknown::Param(q) => st.theta[q] = v,
            Unknown::PerTraj { k, traj } => st.pt[traj][k] = v,
            Unknown::Weight(w) => st.theta[self.np + self.ncoef + w] = v,
        }
    }

    /// The weight-decay term of the cost, `ρ² Σ w²`.
    pub fn decay_cost(&self, st: &State) -> f64 {
        self.decay * st.theta[self.np + self.ncoef..].iter().map(|w| w * w).sum::<f64>()
    }

    /// Applies a step `dq` to the dense unknowns, projecting bounded parameters back inside
    /// their bounds (a step that would leave `(lo, hi)` stops 1e-9 of the width inside).
    pub fn apply(&self, st: &mut State, unknowns: &[Unknown], dq: &[f64]) {
        for (u, d) in unknowns.iter().zip(dq) {
            let (slot, p) = match *u {
                Unknown::Coef(s) => (&mut st.theta[self.np + s], None),
                Unknown::Param(p) => (&mut st.theta[p], Some(p)),
                Unknown::PerTraj { k, traj } => (&mut st.pt[traj][k], Some(self.per_traj[k])),
                Unknown::Weight(w) => (&mut st.theta[self.np + self.ncoef + w], None),
            };
            *slot += d;
            if let Some((lo, hi)) = p.and_then(|p| self.bounds[p]) {
                let m = 1e-9 * (hi - lo);
                *slot = slot.clamp(lo + m, hi - m);
            }
        }
    }

    /// Sets coefficient slot `s` inactive (and zero).
    pub fn drop_slot(&self, st: &mut State, s: usize) {
        st.active[s] = false;
        st.theta[self.np + s] = 0.0;
    }
}

/// Compiles the right-hand sides with their Jacobians and the basis.
fn compile_kernels(input: &FitInput, layout: &Layout) -> Result<(Kernels, Vec<NodeId>), FitError> {
    let err = |what: &str, e: crate::jit::JitError| FitError::Data(format!("cannot compile the {what}: {e}"));
    let mut ir = input.ir.clone();
    let outputs = ir.rhs_nodes();
    let params: Vec<Var> = (0..ir.names.params.len() as u32).map(Var::Param).collect();
    let jc = ir.arena.jacobian(&outputs, &layout.columns);
    let jp = ir.arena.jacobian(&outputs, &params);
    let terms = ir.term_nodes();
    let mut dw = Vec::with_capacity(ir.n_weights);
    let nets: Vec<(usize, usize, usize)> = ir.networks().map(|(e, n)| (e, n.first, n.count)).collect();
    for (e, first, count) in nets {
        for w in first..first + count {
            let v = Var::Param(ir.weight_param(w));
            dw.push(ir.arena.diff(outputs[e], v));
        }
    }
    let kernels = Kernels {
        d_weights: compile(&ir.arena, &dw, layout).map_err(|e| err("neural terms' Jacobian", e))?,
        value: compile(&ir.arena, &outputs, layout).map_err(|e| err("right-hand sides", e))?,
        d_cols: compile(&ir.arena, &jc, layout).map_err(|e| err("right-hand sides' Jacobian", e))?,
        d_params: compile(&ir.arena, &jp, layout).map_err(|e| err("right-hand sides' Jacobian", e))?,
        basis: compile(&ir.arena, &terms, layout).map_err(|e| err("basis", e))?,
    };
    Ok((kernels, terms))
}

/// Learned columns as (state, order) and the derivative source of each.
type Columns = (Vec<(usize, u32)>, Vec<Deriv>);

/// The learned columns: for each state of order `o`, `s, s', …, s^(o-1)`, in the order of
/// [`model_layout`]; with the source of each column's derivative.
fn learned_columns(input: &FitInput) -> Result<Columns, FitError> {
    let ir = input.ir;
    let mut cols = Vec::new();
    let mut deriv = Vec::new();
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
            }
        }
    }
    Ok((cols, deriv))
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
