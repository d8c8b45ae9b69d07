//! The data as the `sindy` and `mnn` methods see it: each trajectory laid out on the learned
//! columns (a state, and for a higher-order state its lower derivatives, in the order of
//! [`model_layout`]), each observed state column smoothed by the Whittaker smoother with its
//! noise level estimated from the data, derivative columns and derivative targets by finite
//! differences, and the right-hand sides compiled with their Jacobians over the row layout
//! (learned columns, inputs, `t`, per-trajectory parameters).
//!
//! Input: a [`FitInput`]. Output: [`Smoothed`], fixed for the whole fit.

use std::sync::Arc;

use rayon::prelude::*;

use super::smooth::{noise_std, smooth, std_dev};
use super::{FitError, FitInput};
use crate::data::Trajectory;
use crate::ir::Var;
use crate::jit::{model_layout, DiffKernels, Layout};

/// One trajectory on the learned columns.
#[derive(Clone, Debug)]
pub struct Traj {
    /// Label of the data trajectory.
    pub label: String,
    /// Time points.
    pub t: Vec<f64>,
    /// Steps `t[i+1] − t[i]`.
    pub h: Vec<f64>,
    /// Data on the learned columns, n×nz (0 where missing or unobserved).
    pub y: Vec<f64>,
    /// 1 where `y` is observed, else 0; n×nz.
    pub mask: Vec<f64>,
    /// Smoothed learned columns, n×nz (derivative columns by finite differences).
    pub z: Vec<f64>,
    /// Finite-difference derivative of each equation's column (the equation's left side), n×neq.
    pub dz: Vec<f64>,
    /// An estimate of the truncation error of `dz` per equation: the rms gap between the
    /// five-point and three-point derivatives (an upper bound of the five-point error).
    pub dz_err: Vec<f64>,
    /// Input columns, n×ni.
    pub inputs: Vec<f64>,
    /// Noise level per learned column: estimated for state columns, scaled by the column's
    /// time scale for derivative columns.
    pub sigma: Vec<f64>,
}

/// The smoothed data and the compiled right-hand sides.
pub struct Smoothed {
    /// (state, derivative order) of each learned column.
    pub cols: Vec<(usize, u32)>,
    /// Learned column of each equation.
    pub eq_col: Vec<usize>,
    /// Model parameters that take one value per trajectory (extra row columns).
    pub per_traj: Vec<usize>,
    /// Kernel row layout: learned columns, inputs, `t`, per-trajectory parameters.
    pub layout: Layout,
    /// Right-hand sides (one output per equation) with Jacobians.
    pub rhs: Arc<DiffKernels>,
    /// Learned columns, inputs, equations, model parameters, coefficient slots.
    pub nz: usize,
    pub ni: usize,
    pub neq: usize,
    pub np: usize,
    pub ncoef: usize,
    /// Equation of each coefficient slot.
    pub slot_eq: Vec<usize>,
    /// Slots never dropped (`keep`).
    pub keep: Vec<bool>,
    /// Bounds of each model parameter.
    pub bounds: Vec<Option<(f64, f64)>>,
    /// Per trajectory.
    pub trajs: Vec<Traj>,
}

impl Smoothed {
    /// Lays the data out, smooths it and compiles the right-hand sides.
    pub fn new(input: &FitInput) -> Result<Smoothed, FitError> {
        let (cols, eq_col) = learned_columns(input)?;
        let trajs = load(input, &cols, &eq_col)?;
        Smoothed::with_trajs(input, cols, eq_col, trajs)
    }

    /// The data laid out and smoothed as [`Smoothed::new`] does, with the right-hand sides
    /// compiled WITHOUT the model's neural terms and the kernel parameters ending at the
    /// coefficient slots (no weight parameters): the MNN engine evaluates the networks itself
    /// on candle tensors and adds them.
    pub fn without_networks(input: &FitInput) -> Result<Smoothed, FitError> {
        let (cols, eq_col) = learned_columns(input)?;
        let trajs = load(input, &cols, &eq_col)?;
        Smoothed::compile(input, cols, eq_col, trajs, true)
    }

    /// The right-hand sides compiled over prepared trajectories (the field fit's rows).
    pub fn with_trajs(
        input: &FitInput,
        cols: Vec<(usize, u32)>,
        eq_col: Vec<usize>,
        trajs: Vec<Traj>,
    ) -> Result<Smoothed, FitError> {
        Smoothed::compile(input, cols, eq_col, trajs, false)
    }

    /// Compiles the right-hand sides; neural terms are refused, or left out with `no_nets`.
    fn compile(
        input: &FitInput,
        cols: Vec<(usize, u32)>,
        eq_col: Vec<usize>,
        trajs: Vec<Traj>,
        no_nets: bool,
    ) -> Result<Smoothed, FitError> {
        let ir = input.ir;
        if let Some(n) = ir.equations.iter().flat_map(|e| &e.neural).next().filter(|_| !no_nets) {
            return Err(FitError::Unsupported { what: "neural terms (`mlp`)".into(), span: n.span });
        }
        let per_traj: Vec<usize> =
            (0..input.model.params.len()).filter(|&p| input.model.params[p].per_trajectory).collect();
        let mut layout = model_layout(ir);
        layout.columns.extend(per_traj.iter().map(|&p| Var::Param(p as u32)));
        let mut ir2 = ir.clone();
        if no_nets {
            ir2.equations.iter_mut().for_each(|e| e.neural.clear());
            layout = Layout::new(layout.columns, ir.names.params.len() + ir.coefs.len());
        }
        let outputs = ir2.rhs_nodes();
        let rhs = DiffKernels::compile(&mut ir2.arena, &outputs, &layout)
            .map_err(|e| FitError::Data(format!("cannot compile the right-hand sides: {e}")))?;
        let mut keep = vec![false; ir.coefs.len()];
        for b in ir.equations.iter().flat_map(|e| &e.sparse) {
            for (s, k) in b.slots.iter().zip(&b.keep) {
                if let Some(s) = s {
                    keep[*s] = *k;
                }
            }
        }
        Ok(Smoothed {
            nz: cols.len(),
            ni: ir.names.inputs.len(),
            neq: ir.equations.len(),
            np: ir.names.params.len(),
            ncoef: ir.coefs.len(),
            slot_eq: ir.coefs.iter().map(|c| c.equation).collect(),
            keep,
            bounds: input.model.params.iter().map(|p| p.bounds).collect(),
            cols,
            eq_col,
            per_traj,
            layout,
            rhs: Arc::new(rhs),
            trajs,
        })
    }

    /// Kernel rows of trajectory `k` with learned columns `z` (n×nz) and per-trajectory
    /// parameter values `pt`.
    pub fn rows(&self, k: usize, z: &[f64], pt: &[f64]) -> Vec<f64> {
        let tr = &self.trajs[k];
        let n = tr.t.len();
        let mut x = Vec::with_capacity(n * self.layout.columns.len());
        for i in 0..n {
            x.extend_from_slice(&z[i * self.nz..(i + 1) * self.nz]);
            x.extend_from_slice(&tr.inputs[i * self.ni..(i + 1) * self.ni]);
            x.push(tr.t[i]);
            x.extend_from_slice(pt);
        }
        x
    }

    /// The denoised trajectory `z` of trajectory `k` as a [`Trajectory`] (learned columns).
    pub fn trajectory(&self, k: usize, z: Vec<f64>) -> Trajectory {
        let tr = &self.trajs[k];
        Trajectory::from_rows(tr.label.clone(), tr.t.clone(), self.nz, z)
    }

    /// Mean noise level of each state over the trajectories.
    pub fn noise(&self, n_states: usize) -> Vec<f64> {
        let mut noise = vec![0.0; n_states];
        for (c, &(s, o)) in self.cols.iter().enumerate() {
            if o == 0 {
                noise[s] = self.trajs.iter().map(|t| t.sigma[c]).sum::<f64>() / self.trajs.len() as f64;
            }
        }
        noise
    }

    /// The fastest state's characteristic time: the least `factor · std(x) / rms(x')` over the
    /// states (order 0) of every smoothed trajectory; infinite when no state moves.
    pub fn fastest_time(&self, factor: f64) -> f64 {
        let mut span = f64::INFINITY;
        for tr in &self.trajs {
            let n = tr.t.len();
            for c in (0..self.cols.len()).filter(|&c| self.cols[c].1 == 0) {
                let x: Vec<f64> = (0..n).map(|i| tr.z[i * self.nz + c]).collect();
                let d = derivative(&x, &tr.t);
                let rms = (d.iter().map(|v| v * v).sum::<f64>() / n as f64).sqrt();
                let sd = std_dev(&x);
                if rms > 0.0 && sd > 0.0 {
                    span = span.min(factor * sd / rms);
                }
            }
        }
        span
    }

    /// The median time step over every trajectory (1 when there is none).
    pub fn median_step(&self) -> f64 {
        let mut h: Vec<f64> = self.trajs.iter().flat_map(|t| t.h.iter().copied()).collect();
        h.sort_by(f64::total_cmp);
        h.get(h.len() / 2).copied().unwrap_or(1.0)
    }

    /// The first non-finite right-hand-side value on trajectory `k` at (`z`, `theta`, `pt`),
    /// as a [`FitError::NonFinite`] naming the equation.
    pub fn check_finite(&self, input: &FitInput, k: usize, f: &[f64]) -> Result<(), FitError> {
        let Some(pos) = f.iter().position(|v| !v.is_finite()) else { return Ok(()) };
        let eq = &input.ir.equations[pos % self.neq];
        let lhs = input.ir.names.var_name(Var::State { index: eq.state, order: eq.order });
        Err(FitError::NonFinite {
            term: format!("right-hand side of {lhs}"),
            span: eq.span,
            value: f[pos],
            trajectory: k,
            time: self.trajs[k].t[pos / self.neq],
        })
    }
}

/// Learned columns as (state, order), and each equation's column.
pub type Columns = (Vec<(usize, u32)>, Vec<usize>);

/// The learned columns (state, order) in [`model_layout`] order and each equation's column
/// (the highest lower derivative of its state).
pub fn learned_columns(input: &FitInput) -> Result<Columns, FitError> {
    let ir = input.ir;
    let mut cols = Vec::new();
    let mut eq_col = vec![0; ir.equations.len()];
    for s in 0..ir.names.states.len() {
        let eqs: Vec<usize> = (0..ir.equations.len()).filter(|&e| ir.equations[e].state as usize == s).collect();
        if eqs.len() != 1 {
            return Err(FitError::Unsupported {
                what: format!("state `{}` without exactly one equation", ir.names.states[s]),
                span: None,
            });
        }
        let o = ir.state_order(s as u32);
        cols.extend((0..o).map(|k| (s, k)));
        eq_col[eqs[0]] = cols.len() - 1;
    }
    if cols.is_empty() {
        return Err(FitError::Data("the model has no states to fit".into()));
    }
    Ok((cols, eq_col))
}

fn column_of(names: &[String], name: &str, what: &str) -> Result<usize, FitError> {
    names
        .iter()
        .position(|n| n == name)
        .ok_or_else(|| FitError::Data(format!("the data has no column for {what} `{name}`")))
}

/// Every data trajectory on the learned columns, smoothed.
fn load(input: &FitInput, cols: &[(usize, u32)], eq_col: &[usize]) -> Result<Vec<Traj>, FitError> {
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
    data.trajectories.par_iter().map(|tr| one(tr, cols, eq_col, &state_col, &input_col)).collect()
}

/// Fewest rows a trajectory needs: the noise estimate uses fourth differences.
pub const MIN_ROWS: usize = 5;

/// A state column: its index, data, mask, noise level and smoothed values.
type StateColumn = (usize, Vec<f64>, Vec<bool>, f64, Vec<f64>);

fn one(
    tr: &Trajectory,
    cols: &[(usize, u32)],
    eq_col: &[usize],
    state_col: &[usize],
    input_col: &[usize],
) -> Result<Traj, FitError> {
    let n = tr.times.len();
    if n < MIN_ROWS {
        return Err(FitError::Data(format!(
            "trajectory `{}` has {n} rows; the fit needs at least {MIN_ROWS}",
            tr.label
        )));
    }
    let nz = cols.len();
    let (mut y, mut mask, mut z) = (vec![0.0; n * nz], vec![0.0; n * nz], vec![0.0; n * nz]);
    let mut sigma = vec![0.0; nz];
    for (c, v, m, sd, sm) in state_columns(tr, cols, state_col) {
        sigma[c] = sd;
        for i in 0..n {
            if m[i] {
                y[i * nz + c] = v[i];
                mask[i * nz + c] = 1.0;
            }
            z[i * nz + c] = sm[i];
        }
    }
    // Derivative columns: finite differences of the column before, noise scaled by the time scale.
    for (c, &(_, k)) in cols.iter().enumerate() {
        if k == 0 {
            continue;
        }
        let prev: Vec<f64> = (0..n).map(|i| z[i * nz + c - 1]).collect();
        let d = derivative(&prev, &tr.times);
        let rms = (d.iter().map(|v| v * v).sum::<f64>() / n as f64).sqrt();
        sigma[c] = (sigma[c - 1] * rms / std_dev(&prev).max(f64::MIN_POSITIVE)).max(f64::MIN_POSITIVE);
        (0..n).for_each(|i| z[i * nz + c] = d[i]);
    }
    let (dz, dz_err) = targets(&z, nz, eq_col, &tr.times);
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
    let h = tr.times.windows(2).map(|p| p[1] - p[0]).collect();
    Ok(Traj { label: tr.label.clone(), t: tr.times.clone(), h, y, mask, z, dz, dz_err, inputs, sigma })
}

/// The state columns of a trajectory, in parallel: column, data, mask, noise level, smoothed.
fn state_columns(tr: &Trajectory, cols: &[(usize, u32)], state_col: &[usize]) -> Vec<StateColumn> {
    let n = tr.times.len();
    cols.par_iter()
        .enumerate()
        .filter(|(_, &(_, k))| k == 0)
        .map(|(c, &(s, _))| {
            let (v, m): (Vec<f64>, Vec<bool>) = (0..n)
                .map(|i| {
                    let j = i * tr.width + state_col[s];
                    (tr.values[j], tr.mask[j] && tr.values[j].is_finite())
                })
                .unzip();
            let (sm, sd) = (smoothed_column(&v, &m), noise_std(&v, &m));
            (c, v, m, sd, sm)
        })
        .collect()
}

/// The derivative of each equation's column (n×neq) and the rms gap between its five-point and
/// three-point estimates per equation.
fn targets(z: &[f64], nz: usize, eq_col: &[usize], t: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let (n, neq) = (t.len(), eq_col.len());
    let mut dz = vec![0.0; n * neq];
    let mut dz_err = vec![0.0; neq];
    for (e, &c) in eq_col.iter().enumerate() {
        let col: Vec<f64> = (0..n).map(|i| z[i * nz + c]).collect();
        let d = derivative(&col, t);
        d.iter().enumerate().for_each(|(i, v)| dz[i * neq + e] = *v);
        let d3 = three_point(&col, t);
        dz_err[e] = (d.iter().zip(&d3).map(|(a, b)| (a - b).powi(2)).sum::<f64>() / n as f64).sqrt();
    }
    (dz, dz_err)
}

/// A data column smoothed to its noise level. A column with every value observed and a noise
/// estimate below `CLEAN` of its spread (the level [`noise_std`] treats as clean data) is
/// returned as it is: smoothing it would change it by less than that.
fn smoothed_column(v: &[f64], m: &[bool]) -> Vec<f64> {
    let sd = std_dev(v);
    let noise = raw_noise(v, m);
    if m.iter().all(|&b| b) && noise <= CLEAN * sd {
        return v.to_vec();
    }
    smooth(v, m, noise)
}

/// Noise below this fraction of a column's spread counts as clean data (the floor of
/// [`noise_std`]).
const CLEAN: f64 = 1e-4;

/// The noise level the smoother aims at: the fourth-difference estimate of [`noise_std`]
/// without its floor (`noise_std` floors it at 1e-4 of the spread so that clean data keeps
/// finite weights; smoothing clean data to that floor would distort its derivatives by far
/// more than the finite differences do).
pub fn raw_noise(y: &[f64], mask: &[bool]) -> f64 {
    let obs: Vec<f64> = y.iter().zip(mask).filter(|(_, &m)| m).map(|(&v, _)| v).collect();
    let mut d4: Vec<f64> = obs.windows(5).map(|w| (w[0] - 4.0 * w[1] + 6.0 * w[2] - 4.0 * w[3] + w[4]).abs()).collect();
    if d4.is_empty() {
        return 0.0;
    }
    let mid = d4.len() / 2;
    d4.select_nth_unstable_by(mid, |a, b| a.total_cmp(b));
    d4[mid] / 0.6745 / 70f64.sqrt()
}

/// Finite-difference derivative on a possibly irregular grid: the five-point (fourth-order)
/// formula inside where the grid is uniform, the three-point (second-order) one elsewhere, and
/// one-sided second-order differences at the ends.
pub fn derivative(x: &[f64], t: &[f64]) -> Vec<f64> {
    let mut d = three_point(x, t);
    let n = x.len();
    for i in 2..n.saturating_sub(2) {
        let h0 = t[i] - t[i - 1];
        let hs = [t[i - 1] - t[i - 2], t[i + 1] - t[i], t[i + 2] - t[i + 1]];
        if hs.iter().all(|&h| (h - h0).abs() <= 1e-9 * h0) {
            d[i] = (x[i - 2] - 8.0 * x[i - 1] + 8.0 * x[i + 1] - x[i + 2]) / (12.0 * h0);
        }
    }
    d
}

/// The three-point (second-order) derivative on a possibly irregular grid, one-sided at the ends.
pub fn three_point(x: &[f64], t: &[f64]) -> Vec<f64> {
    let n = x.len();
    if n < 3 {
        let s = if n == 2 { (x[1] - x[0]) / (t[1] - t[0]) } else { 0.0 };
        return vec![s; n];
    }
    let mut d = vec![0.0; n];
    for i in 1..n - 1 {
        let (h0, h1) = (t[i] - t[i - 1], t[i + 1] - t[i]);
        d[i] = (h0 * h0 * (x[i + 1] - x[i]) + h1 * h1 * (x[i] - x[i - 1])) / (h0 * h1 * (h0 + h1));
    }
    // Second-order one-sided difference at `a` from the points `b`, `c` on one side of it.
    let one_sided = |a: usize, b: usize, c: usize| {
        let (h1, h2) = (t[b] - t[a], t[c] - t[a]);
        let (w1, w2) = (h2 / (h1 * (h2 - h1)), -h1 / (h2 * (h2 - h1)));
        w1 * (x[b] - x[a]) + w2 * (x[c] - x[a])
    };
    d[0] = one_sided(0, 1, 2);
    d[n - 1] = one_sided(n - 1, n - 2, n - 3);
    d
}
