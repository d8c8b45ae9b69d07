//! Neural terms `mlp(...)` under `method = mnn`: each network's forward pass on candle tensors
//! over one flat weight vector laid out as the IR lays its weight block out
//! ([`crate::ir::neural`]: per layer the matrix row-major `out × in`, then the biases), so the
//! trained vector goes back into the IR unchanged ([`crate::ir::ModelIr::install_weights`]).
//!
//! The networks' input expressions are compiled once over the MNN kernel rows (with their
//! Jacobians, so candle's autograd reaches the denoised trajectories through them); the layers
//! are candle matrix products and the activations candle operations written as the IR writes
//! them (ReLU, the overflow-free softplus, the logistic sigmoid), so the trained network and the
//! installed expression agree to rounding. The right-hand side the window loss sees is the
//! compiled known part plus, per equation, the sum of its networks' outputs.
//!
//! The start: hidden layers drawn Xavier-normal from the run's seeded generator on inputs
//! standardised over the smoothed trajectories (mean and spread folded into the first layer),
//! zero hidden biases after it, and each equation's last layers by ridge least squares of the
//! finite-difference derivative minus the known part on the smoothed rows (the right-hand side is
//! linear in them). Adam moves each layer's weights in a unit derived from their effect on the
//! output ([`Networks::units`]).
//!
//! Input: the fit input and the smoothed data. Output: [`Networks`].

use std::sync::Arc;

use candle_core::{DType, Device, Tensor};

use crate::check::hir::Activation;
use crate::data::{normal, SeededRng};
use crate::fit::banded::dense_solve;
use crate::fit::smoothed::Smoothed;
use crate::fit::{FitError, FitInput};
use crate::ir::neural::{last_layer_start, layer_sizes};
use crate::jit::DiffKernels;

type R<T> = candle_core::Result<T>;

/// Ridge of the last layers' least-squares start, relative to the mean diagonal of the normal
/// matrix: enough to keep dead or duplicate hidden units from making the solve singular. A
/// larger ridge keeps the start's weights small but gives up fit that Adam must then recover in
/// steps of the noise's size ([`Networks::units`]): chosen on the UDE predator-prey data with two
/// networks of 32 × 32 (loss after 400 epochs 2.5 at 1e-6, 8.2 at 1e-3, 714 at 0.1), checked on
/// a one-layer network of the same system (the tests).
const RIDGE: f64 = 1e-6;

/// Rows sampled to measure each weight's effect on the network output for Adam's units.
const UNIT_ROWS: usize = 64;

/// One network of the model.
pub struct Net {
    /// Its equation.
    pub eq: usize,
    /// Number of inputs.
    pub n_in: usize,
    /// Hidden widths.
    pub hidden: Vec<usize>,
    /// Hidden activation.
    pub act: Activation,
    /// First weight in the model's weight block.
    pub first: usize,
}

/// Every network of the model, with their inputs compiled over the kernel rows.
pub struct Networks {
    /// The networks in weight-block order.
    pub nets: Vec<Net>,
    /// All networks' input expressions, concatenated, as one kernel with Jacobians.
    pub inputs: Arc<DiffKernels>,
    /// Length of the weight block.
    pub n_weights: usize,
    neq: usize,
}

fn jit_err(e: crate::jit::JitError) -> FitError {
    FitError::Data(format!("cannot evaluate a network's inputs: {e}"))
}

fn candle_err(e: candle_core::Error) -> FitError {
    FitError::Data(format!("network forward pass failed: {e}"))
}

/// `act(x)` on a tensor, written as [`crate::ir::neural::activate`] writes it.
fn activate(x: &Tensor, act: Activation) -> R<Tensor> {
    match act {
        Activation::Tanh => x.tanh(),
        Activation::Relu => x.relu(),
        Activation::Softplus => x.relu()? + ((x.abs()?.neg()?.exp()? + 1.0)?.log()?),
        Activation::Sigmoid => candle_nn::ops::sigmoid(x),
    }
}

impl Networks {
    /// The model's networks, or `None` without any.
    pub fn new(input: &FitInput, s: &Smoothed) -> Result<Option<Networks>, FitError> {
        let ir = input.ir;
        let mut nets = Vec::new();
        let mut nodes = Vec::new();
        for (e, n) in ir.networks() {
            nets.push(Net { eq: e, n_in: n.inputs.len(), hidden: n.hidden.clone(), act: n.activation, first: n.first });
            nodes.extend_from_slice(&n.inputs);
        }
        if nets.is_empty() {
            return Ok(None);
        }
        let mut arena = ir.arena.clone();
        let inputs = DiffKernels::compile(&mut arena, &nodes, &s.layout).map_err(jit_err)?;
        Ok(Some(Networks { nets, inputs: Arc::new(inputs), n_weights: ir.n_weights, neq: s.neq }))
    }

    /// Total number of network inputs (columns of the inputs kernel).
    fn n_inputs(&self) -> usize {
        self.nets.iter().map(|n| n.n_in).sum()
    }

    /// The last hidden layer's values of network `k` (its inputs if it has no hidden layer), from
    /// the network's input columns `h`.
    fn hidden_out(&self, k: usize, mut h: Tensor, w: &Tensor) -> R<Tensor> {
        let net = &self.nets[k];
        let sizes = layer_sizes(net.n_in, &net.hidden);
        let mut at = net.first;
        for &(ni, no) in &sizes[..sizes.len() - 1] {
            let wm = w.narrow(0, at, ni * no)?.reshape((no, ni))?;
            let b = w.narrow(0, at + ni * no, no)?;
            h = activate(&h.matmul(&wm.t()?)?.broadcast_add(&b)?, net.act)?;
            at += (ni + 1) * no;
        }
        Ok(h)
    }

    /// Network `k`'s output (rows × 1) from its input columns.
    fn output(&self, k: usize, h: Tensor, w: &Tensor) -> R<Tensor> {
        let net = &self.nets[k];
        let h = self.hidden_out(k, h, w)?;
        let ni = h.dim(1)?;
        let at = net.first + last_layer_start(net.n_in, &net.hidden);
        let wl = w.narrow(0, at, ni)?.reshape((ni, 1))?;
        let b = w.narrow(0, at + ni, 1)?;
        h.matmul(&wl)?.broadcast_add(&b)
    }

    /// The networks' contribution to every equation's right-hand side (rows × equations) on
    /// kernel rows `x` (rows × columns), with kernel parameters `kp` and weights `w`.
    pub fn forward(&self, x: &Tensor, kp: &Tensor, w: &Tensor) -> R<Tensor> {
        let rows = x.dim(0)?;
        let inp = self.inputs.apply(x, kp)?;
        let mut per_eq: Vec<Option<Tensor>> = vec![None; self.neq];
        let mut col = 0;
        for (k, net) in self.nets.iter().enumerate() {
            let out = self.output(k, inp.narrow(1, col, net.n_in)?, w)?;
            col += net.n_in;
            per_eq[net.eq] = Some(match per_eq[net.eq].take() {
                Some(t) => (t + out)?,
                None => out,
            });
        }
        let cols: Vec<Tensor> = per_eq
            .into_iter()
            .map(|t| t.map_or_else(|| Tensor::zeros((rows, 1), DType::F64, x.device()), Ok))
            .collect::<R<_>>()?;
        Tensor::cat(&cols, 1)
    }

    /// [`Networks::forward`] on plain values: `x` rows × `cols` kernel rows.
    pub fn values(&self, x: &[f64], cols: usize, kp: &[f64], w: &[f64]) -> Result<Vec<f64>, FitError> {
        let dev = Device::Cpu;
        let run = || -> R<Vec<f64>> {
            let xt = Tensor::from_slice(x, (x.len() / cols.max(1), cols), &dev)?;
            let kt = Tensor::from_slice(kp, kp.len(), &dev)?;
            let wt = Tensor::from_slice(w, w.len(), &dev)?;
            self.forward(&xt, &kt, &wt)?.flatten_all()?.to_vec1::<f64>()
        };
        run().map_err(candle_err)
    }

    /// The starting weights and Adam's unit of each (see the module documentation); `kp` the
    /// kernel parameters at the start, `pt` the per-trajectory values of each trajectory, and
    /// `given` weights to start from instead of the networks' own start (a collocation fit's),
    /// `reach[e]` the change of equation `e`'s right-hand side that one unit step may make
    /// ([`Networks::units`]).
    pub fn start(
        &self,
        s: &Smoothed,
        kp: &[f64],
        pt: &[Vec<f64>],
        rng: &mut SeededRng,
        given: Option<&[f64]>,
        reach: &[f64],
    ) -> Result<(Vec<f64>, Vec<f64>), FitError> {
        let rows: Vec<Vec<f64>> = (0..s.trajs.len()).map(|k| s.rows(k, &s.trajs[k].z, &pt[k])).collect();
        let stats = self.input_stats(s, kp, &rows)?;
        let mut w = vec![0.0; self.n_weights];
        let mut col = 0;
        for net in &self.nets {
            self.draw_hidden(net, &stats[col..col + net.n_in], &mut w, rng)?;
            col += net.n_in;
        }
        self.last_layers(s, kp, &rows, &mut w)?;
        if let Some(g) = given.filter(|g| g.len() == w.len()) {
            w.copy_from_slice(g);
        }
        // The units are measured at the weights training starts from.
        let mut unit = vec![1.0; self.n_weights];
        self.units(s, kp, &rows, &w, reach, &mut unit).map_err(candle_err)?;
        Ok((w, unit))
    }

    /// Mean and spread (floored as the collocation start floors it) of every network input over
    /// the smoothed rows.
    fn input_stats(&self, s: &Smoothed, kp: &[f64], rows: &[Vec<f64>]) -> Result<Vec<(f64, f64)>, FitError> {
        let m = self.n_inputs();
        let (mut sum, mut sq, mut n) = (vec![0.0; m], vec![0.0; m], 0usize);
        for (k, x) in rows.iter().enumerate() {
            let len = s.trajs[k].t.len();
            let mut out = vec![0.0; len * m];
            self.inputs.value.eval_par(len, x, kp, &mut out).map_err(jit_err)?;
            for r in out.chunks_exact(m) {
                for j in 0..m {
                    sum[j] += r[j];
                    sq[j] += r[j] * r[j];
                }
            }
            n += len;
        }
        let n = n.max(1) as f64;
        Ok((0..m)
            .map(|j| {
                let mean = sum[j] / n;
                let var = (sq[j] / n - mean * mean).max(0.0);
                (mean, var.sqrt().max(1e-6 * mean.abs()).max(1e-12))
            })
            .collect())
    }

    /// Xavier-normal hidden layers, the first one on standardised inputs; biases after it 0.
    fn draw_hidden(&self, net: &Net, stats: &[(f64, f64)], w: &mut [f64], rng: &mut SeededRng) -> Result<(), FitError> {
        let sizes = layer_sizes(net.n_in, &net.hidden);
        let mut at = net.first;
        for (l, &(n_in, n_out)) in sizes[..sizes.len() - 1].iter().enumerate() {
            let sd = (2.0 / (n_in + n_out) as f64).sqrt();
            let norm: Vec<(f64, f64)> = if l == 0 { stats.to_vec() } else { vec![(0.0, 1.0); n_in] };
            for j in 0..n_out {
                let mut bias = 0.0;
                for (i, &(mean, spread)) in norm.iter().enumerate() {
                    let v = normal(rng, 0.0, sd).map_err(|e| FitError::Data(e.to_string()))? / spread;
                    bias -= v * mean;
                    w[at + j * n_in + i] = v;
                }
                w[at + n_in * n_out + j] = bias;
            }
            at += (n_in + 1) * n_out;
        }
        Ok(())
    }

    /// Per equation, its networks' last layers by ridge least squares of `dz − f_known` on the
    /// smoothed rows (see [`RIDGE`]).
    fn last_layers(&self, s: &Smoothed, kp: &[f64], rows: &[Vec<f64>], w: &mut [f64]) -> Result<(), FitError> {
        for e in 0..self.neq {
            let nets: Vec<usize> = (0..self.nets.len()).filter(|&k| self.nets[k].eq == e).collect();
            if nets.is_empty() {
                continue;
            }
            let (a, b, dim) = self.design(s, kp, rows, e, &nets, w)?;
            let n = b.len();
            let mut ata = vec![0.0; dim * dim];
            let mut atb = vec![0.0; dim];
            for i in 0..n {
                let r = &a[i * dim..(i + 1) * dim];
                for p in 0..dim {
                    atb[p] += r[p] * b[i];
                    for q in 0..dim {
                        ata[p * dim + q] += r[p] * r[q];
                    }
                }
            }
            let ridge = RIDGE * (0..dim).map(|p| ata[p * dim + p]).sum::<f64>() / dim as f64;
            (0..dim).for_each(|p| ata[p * dim + p] += ridge.max(f64::MIN_POSITIVE));
            let sol = dense_solve(&ata, &atb, dim).unwrap_or_else(|| vec![0.0; dim]);
            let mut p = 0;
            for &k in &nets {
                let net = &self.nets[k];
                let at = net.first + last_layer_start(net.n_in, &net.hidden);
                let fan = net.hidden.last().copied().unwrap_or(net.n_in) + 1;
                w[at..at + fan].copy_from_slice(&sol[p..p + fan]);
                p += fan;
            }
        }
        Ok(())
    }

    /// Adam's unit of every weight: one for each layer of a network, such that a step of one
    /// unit along the layer's gradient direction changes the network's output by `reach_e / L`
    /// on an average row (`L` layers): the unit is `reach_e / (L · ‖∂out/∂w_layer‖)`, the norm
    /// averaged over sampled rows. `reach_e` is the equation's noise level over a window's
    /// duration: a right-hand side off by that much moves the window's solution by about one
    /// noise level, which raises the loss (in noise units per cell) by about one, so a unit is
    /// what the coefficients' whitened coordinates are. Without it a network's many weights,
    /// all stepped at once by Adam, move the output by far more than any single unknown moves
    /// (measured: one step took the predator-prey loss from 8 to 4e8).
    fn units(&self, s: &Smoothed, kp: &[f64], rows: &[Vec<f64>], w: &[f64], reach: &[f64], unit: &mut [f64]) -> R<()> {
        let dev = Device::Cpu;
        let ncols = s.layout.columns.len();
        let all: Vec<f64> = rows.concat();
        let n = all.len() / ncols.max(1);
        let picks: Vec<usize> = (0..UNIT_ROWS.min(n)).map(|i| i * n / UNIT_ROWS.min(n)).collect();
        let kt = Tensor::from_slice(kp, kp.len(), &dev)?;
        let mut effect = vec![0.0; w.len()];
        for &r in &picks {
            let xt = Tensor::from_slice(&all[r * ncols..(r + 1) * ncols], (1, ncols), &dev)?;
            let wv = candle_core::Var::from_slice(w, w.len(), &dev)?;
            let out = self.forward(&xt, &kt, wv.as_tensor())?.sum_all()?;
            if let Some(g) = out.backward()?.get(wv.as_tensor()) {
                let g = g.to_vec1::<f64>()?;
                effect.iter_mut().zip(&g).for_each(|(e, v)| *e += v * v / picks.len() as f64);
            }
        }
        for net in &self.nets {
            let sizes = layer_sizes(net.n_in, &net.hidden);
            let mut at = net.first;
            for &(ni, no) in &sizes {
                let count = (ni + 1) * no;
                let total = effect[at..at + count].iter().sum::<f64>().sqrt();
                let u = reach[net.eq] / sizes.len() as f64 / total.max(f64::MIN_POSITIVE);
                unit[at..at + count].iter_mut().for_each(|v| *v = if u.is_finite() { u } else { 1.0 });
                at += count;
            }
        }
        Ok(())
    }

    /// The least-squares design of equation `e`'s last layers: per row the last hidden values of
    /// each of its networks and a 1, and the target `dz_e − f_known_e`.
    #[allow(clippy::type_complexity)]
    fn design(
        &self,
        s: &Smoothed,
        kp: &[f64],
        rows: &[Vec<f64>],
        e: usize,
        nets: &[usize],
        w: &[f64],
    ) -> Result<(Vec<f64>, Vec<f64>, usize), FitError> {
        let dev = Device::Cpu;
        let ncols = s.layout.columns.len();
        let wt = Tensor::from_slice(w, w.len(), &dev).map_err(candle_err)?;
        let kt = Tensor::from_slice(kp, kp.len(), &dev).map_err(candle_err)?;
        let mut feats: Vec<Vec<f64>> = Vec::new();
        let mut target = Vec::new();
        let mut dim = 0;
        for (k, x) in rows.iter().enumerate() {
            let len = s.trajs[k].t.len();
            let mut f = vec![0.0; len * s.neq];
            s.rhs.value.eval_par(len, x, kp, &mut f).map_err(jit_err)?;
            target.extend((0..len).map(|i| s.trajs[k].dz[i * s.neq + e] - f[i * s.neq + e]));
            let xt = Tensor::from_slice(x, (len, ncols), &dev).map_err(candle_err)?;
            let inp = self.inputs.apply(&xt, &kt).map_err(candle_err)?;
            let mut parts = Vec::new();
            let mut col = 0;
            for (j, net) in self.nets.iter().enumerate() {
                if nets.contains(&j) {
                    let h =
                        inp.narrow(1, col, net.n_in).and_then(|h| self.hidden_out(j, h, &wt)).map_err(candle_err)?;
                    parts.push(h);
                    parts.push(Tensor::ones((len, 1), DType::F64, &dev).map_err(candle_err)?);
                }
                col += net.n_in;
            }
            let block = Tensor::cat(&parts, 1).map_err(candle_err)?;
            dim = block.dim(1).map_err(candle_err)?;
            feats.push(block.flatten_all().and_then(|t| t.to_vec1::<f64>()).map_err(candle_err)?);
        }
        Ok((feats.concat(), target, dim))
    }
}
