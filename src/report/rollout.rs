//! Rollouts of a discovered model: the lowered model ([`ModelIr`]) with fitted parameters and
//! coefficients → a compiled right-hand side ([`DiscoveredRhs`]) in first-order form, integrated
//! from each data trajectory's initial state on its time grid with [`crate::data::simulate`]
//! (→ row-major states, or the integrator's error), and its largest Lyapunov exponent.
//!
//! The initial state is the first row of the fit's denoised trajectory, which for a
//! higher-order state also holds the learned lower derivatives; without one, the data's first
//! row, with initial derivatives as one-sided finite differences of the first rows. Inputs are interpolated linearly in time from the data.

use crate::data::{largest_lyapunov, simulate, LyapunovOptions, SimError, SimOptions, Trajectory};
use crate::ir::{ModelIr, NodeId, Var};
use crate::jit::{compile, Interpreter, JitError, Kernel, Layout};

/// The discovered right-hand side in first-order form, ready to integrate.
pub struct DiscoveredRhs {
    eval: Eval,
    /// Order of each state (1 for first order).
    orders: Vec<usize>,
    /// Offset of each state's block in the first-order vector.
    offsets: Vec<usize>,
    n_inputs: usize,
    params: Vec<f64>,
}

enum Eval {
    Native(Box<Kernel>),
    Interp(Interpreter),
}

impl DiscoveredRhs {
    /// Compiles the model's right-hand sides with parameters `params` (model parameters, then
    /// one coefficient per slot). Neural terms are not part of it (they are not fitted yet).
    pub fn new(ir: &ModelIr, params: &[f64], coefficients: &[f64]) -> Result<DiscoveredRhs, JitError> {
        let mut ir = ir.clone();
        let outputs: Vec<NodeId> = ir.rhs_nodes();
        let n_states = ir.names.states.len();
        let orders: Vec<usize> = (0..n_states).map(|s| ir.state_order(s as u32) as usize).collect();
        let mut cols = Vec::new();
        let mut offsets = Vec::new();
        for (s, &m) in orders.iter().enumerate() {
            offsets.push(cols.len());
            cols.extend((0..m).map(|k| Var::State { index: s as u32, order: k as u32 }));
        }
        let n_inputs = ir.names.inputs.len();
        cols.extend((0..n_inputs).map(|j| Var::Input(j as u32)));
        cols.push(Var::Time);
        let all: Vec<f64> = params.iter().chain(coefficients).copied().collect();
        let layout = Layout::new(cols, all.len());
        // Output e is the equation of state `ir.equations[e].state`; reorder to state order.
        let by_state: Vec<NodeId> = (0..n_states)
            .map(|s| {
                ir.equations
                    .iter()
                    .position(|e| e.state as usize == s)
                    .map_or_else(|| ir.arena.constant(0.0), |e| outputs[e])
            })
            .collect();
        let eval = match compile(&ir.arena, &by_state, &layout) {
            Ok(k) => Eval::Native(Box::new(k)),
            Err(_) => Eval::Interp(Interpreter::new(&ir.arena, &by_state, &layout)?),
        };
        Ok(DiscoveredRhs { eval, orders, offsets, n_inputs, params: all })
    }

    /// Sets parameter `i` (a model parameter; coefficients follow them), e.g. a per-trajectory
    /// parameter's value for one trajectory.
    pub fn set_param(&mut self, i: usize, v: f64) {
        if let Some(p) = self.params.get_mut(i) {
            *p = v;
        }
    }

    /// The column of each state in the first-order vector (its derivatives follow it).
    pub fn offsets(&self) -> &[usize] {
        &self.offsets
    }

    /// The initial first-order state: the first row of the fit's denoised trajectory when it
    /// has the first-order layout (each state followed by its lower derivatives, as the fit
    /// learns them), else [`DiscoveredRhs::initial_state`] of `denoised` or of the data.
    pub fn start(&self, denoised: Option<&Trajectory>, tr: &Trajectory, n_states: usize) -> Vec<f64> {
        match denoised {
            Some(d) if d.width == self.dim() && !d.is_empty() => d.values[..d.width].to_vec(),
            Some(d) if d.width == n_states && d.len() == tr.len() => self.initial_state(d, n_states),
            _ => self.initial_state(tr, n_states),
        }
    }

    /// Length of the first-order state vector.
    pub fn dim(&self) -> usize {
        self.orders.iter().sum()
    }

    /// Writes `dy/dt` of the first-order form at `(t, y)` with input values `u`.
    pub fn eval(&self, t: f64, y: &[f64], u: &[f64], dy: &mut [f64]) {
        let mut row = Vec::with_capacity(y.len() + u.len() + 1);
        row.extend_from_slice(y);
        row.extend_from_slice(&u[..self.n_inputs.min(u.len())]);
        row.resize(y.len() + self.n_inputs, f64::NAN);
        row.push(t);
        let mut out = vec![0.0; self.orders.len()];
        let ok = match &self.eval {
            Eval::Native(k) => k.eval(1, &row, &self.params, &mut out).is_ok(),
            Eval::Interp(i) => i.eval(1, &row, &self.params, &mut out).is_ok(),
        };
        if !ok {
            out.fill(f64::NAN);
        }
        for (s, (&o, &m)) in self.offsets.iter().zip(&self.orders).enumerate() {
            for k in 0..m - 1 {
                dy[o + k] = y[o + k + 1];
            }
            dy[o + m - 1] = out[s];
        }
    }

    /// The first-order initial state of a trajectory: each state's first value, then its
    /// derivatives by one-sided differences of the first rows (see the module docs).
    pub fn initial_state(&self, tr: &Trajectory, n_states: usize) -> Vec<f64> {
        let mut y = vec![0.0; self.dim()];
        for (s, (&o, &m)) in self.offsets.iter().zip(&self.orders).enumerate().take(n_states) {
            let col: Vec<f64> = (0..tr.len().min(m + 1)).map(|r| tr.values[r * tr.width + s]).collect();
            let mut diffs = col.clone();
            // The k-th divided difference is f^(k) / k!.
            let mut factorial = 1.0;
            for k in 0..m {
                factorial *= k.max(1) as f64;
                y[o + k] = diffs.first().copied().unwrap_or(0.0) * factorial;
                diffs = diffs
                    .windows(2)
                    .enumerate()
                    .map(|(r, w)| (w[1] - w[0]) / (tr.times[r + k + 1] - tr.times[r]))
                    .collect();
            }
        }
        y
    }

    /// Integrates from the trajectory's initial state over its grid; returns the states only
    /// (row-major, `n_states` columns).
    pub fn rollout(&self, tr: &Trajectory, n_states: usize, start: Option<&[f64]>) -> Result<Vec<f64>, SimError> {
        let y0 = start.map_or_else(|| self.initial_state(tr, n_states), <[f64]>::to_vec);
        let mut u = vec![0.0; self.n_inputs];
        let mut f = |t: f64, y: &[f64], dy: &mut [f64]| {
            interpolate_inputs(tr, n_states, t, &mut u);
            self.eval(t, y, &u, dy);
        };
        let opts = SimOptions { rtol: 1e-9, atol: 1e-12, max_steps: 2_000_000, ..SimOptions::default() };
        let sol = simulate(&mut f, &y0, &tr.times, &opts)?;
        let d = self.dim();
        let mut out = Vec::with_capacity(tr.len() * n_states);
        for r in 0..sol.times.len() {
            out.extend(self.offsets.iter().take(n_states).map(|&o| sol.values[r * d + o]));
        }
        Ok(out)
    }

    /// The largest Lyapunov exponent of the discovered system from `y0` (autonomous models
    /// only: `None` with inputs). Settings are lighter than the defaults, since the report only
    /// needs to tell chaotic from regular and give a rough time scale.
    pub fn lyapunov(&self, y0: &[f64]) -> Option<f64> {
        if self.n_inputs > 0 {
            return None;
        }
        let mut f = |t: f64, y: &[f64], dy: &mut [f64]| self.eval(t, y, &[], dy);
        let opts = LyapunovOptions { transient: 10.0, interval: 0.5, intervals: 200, ..LyapunovOptions::default() };
        largest_lyapunov(&mut f, y0, &opts).ok().filter(|l| l.is_finite())
    }
}

/// Linear interpolation of the input columns at `t` (held constant outside the data's span).
fn interpolate_inputs(tr: &Trajectory, n_states: usize, t: f64, u: &mut [f64]) {
    if u.is_empty() || tr.is_empty() {
        return;
    }
    let k = tr.times.partition_point(|&x| x <= t).clamp(1, tr.len().max(2) - 1);
    let (t0, t1) = (tr.times[k - 1], tr.times.get(k).copied().unwrap_or(tr.times[k - 1]));
    let w = if t1 > t0 { ((t - t0) / (t1 - t0)).clamp(0.0, 1.0) } else { 0.0 };
    for (j, v) in u.iter_mut().enumerate() {
        let c = n_states + j;
        let a = tr.values[(k - 1) * tr.width + c];
        let b = tr.values.get(k * tr.width + c).copied().unwrap_or(a);
        *v = a + w * (b - a);
    }
}
