//! Amortised parameters: training the encoders of a model (`encoder enc = mlp(...)`,
//! `param r per trajectory from enc`) through the S-MNN layer.
//!
//! Each trajectory is one batch element, whole. Its per-trajectory parameters are the encoders'
//! outputs on its features ([`super::encoder`]); the shared parameters are trained values mapped
//! into their bounds. The right-hand sides are evaluated by the compiled kernels (candle op) on
//! the trajectory's smoothed data (the Whittaker smoother of [`Smoothed`]), the S-MNN layer
//! solves `u^(r) = f` from the smoothed initial state (one factorisation when every trajectory
//! shares one uniform grid, per-trajectory steps otherwise), and the loss is the data misfit
//! `Σ mask·(u − y)²/σ²` per observed value. candle's autograd carries the gradient through the
//! solver op (its closed-form backward) and the kernel op into the encoders' layers; Adam
//! (candle-nn) steps every variable, its rate decaying by a cosine from `lr` to `lr/100`.
//!
//! `validation` holds that fraction of the trajectories out (a seeded shuffle), scored each epoch;
//! the epoch with the lowest held-out loss (else training loss) is kept. Every trajectory needs
//! the same number of rows (the batch is solved as one tensor).

use std::sync::atomic::Ordering;
use std::sync::Arc;

use candle_core::{Device, Tensor, Var};
use candle_nn::{AdamW, Optimizer, ParamsAdamW};
use rand::seq::SliceRandom;

use super::encoder::{features, standardise, EncoderWeights, Net, OutputMap};
use super::problem::{groups, ode_options, Group};
use crate::data::{batches, seeded};
use crate::fit::smoothed::Smoothed;
use crate::fit::{EncoderFit, FitError, FitInput, Fitted, HistoryEntry, Progress};
use crate::mnn::{ode_solve_with, CpuBackend, OdeOptions, SolverBackend};

type R<T> = candle_core::Result<T>;

/// The fixed set-up and the trainable variables of one amortised training.
pub struct Amortised {
    pub s: Smoothed,
    pub nets: Vec<Net>,
    /// Per encoder, the features of every trajectory (trajectories × features).
    feats: Vec<Tensor>,
    /// Per per-trajectory parameter (in `s.per_traj` order): (encoder, output).
    source: Vec<(usize, usize)>,
    /// Raw values of the model parameters (mapped by `maps`; per-trajectory slots unused).
    pub shared: Var,
    maps: Vec<OutputMap>,
    groups: Vec<Group>,
    /// Rows per trajectory.
    pub len: usize,
    opts: OdeOptions,
    backend: Arc<dyn SolverBackend>,
    /// Kernel rows without the per-trajectory parameters, trajectory after trajectory.
    fixed: Tensor,
    /// Training and held-out trajectories.
    pub train: Vec<usize>,
    pub valid: Vec<usize>,
}

fn cerr(e: candle_core::Error) -> FitError {
    FitError::Data(format!("amortised training: {e}"))
}

impl Amortised {
    /// Sets the training up: smoothed data, features, the split, fresh seeded networks.
    pub fn new(input: &FitInput) -> Result<Amortised, FitError> {
        let s = Smoothed::new(input)?;
        if s.ncoef > 0 {
            return Err(FitError::Unsupported { what: "`sparse` terms in a model with an encoder".into(), span: None });
        }
        let len = s.trajs[0].t.len();
        if let Some(t) = s.trajs.iter().find(|t| t.t.len() != len) {
            return Err(FitError::Data(format!(
                "trajectory `{}` has {} rows and the first has {len}: amortised training solves every trajectory whole, so all need the same number of rows",
                t.label,
                t.t.len()
            )));
        }
        let model = input.model;
        let mut rng = seeded(input.seed);
        let mut order: Vec<usize> = (0..s.trajs.len()).collect();
        order.shuffle(&mut rng);
        let n_valid = (model.fit.validation * order.len() as f64).round() as usize;
        let n_valid = n_valid.min(order.len().saturating_sub(1));
        let valid = order.split_off(order.len() - n_valid);
        let (train, valid) = (sorted(order), sorted(valid));
        let (nets, feats) = networks(input, &train, len, &mut rng)?;
        let source = s
            .per_traj
            .iter()
            .map(|&q| {
                let live = model.encoders.iter().filter(|e| !e.outputs.is_empty());
                live.enumerate()
                    .find_map(|(e, enc)| enc.outputs.iter().position(|&p| p == q).map(|j| (e, j)))
                    .ok_or_else(|| {
                        FitError::Data(format!("parameter `{}` comes from no encoder", model.params[q].name))
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let maps: Vec<OutputMap> = model.params.iter().map(OutputMap::of).collect();
        let raw: Vec<f64> = model.params.iter().zip(&maps).map(|(p, m)| m.inverse(p.init)).collect();
        let shared = Var::from_tensor(&Tensor::from_vec(raw, s.np, &Device::Cpu).map_err(cerr)?).map_err(cerr)?;
        let opts = ode_options(&model.fit);
        let backend: Arc<dyn SolverBackend> = Arc::new(CpuBackend);
        let groups = groups(input, &s, len, &opts, backend.as_ref())?;
        let fixed = fixed_rows(&s).map_err(cerr)?;
        Ok(Amortised { s, nets, feats, source, shared, maps, groups, len, opts, backend, fixed, train, valid })
    }

    /// Every trainable variable: the encoders' layers, then the shared parameters.
    pub fn vars(&self) -> Vec<Var> {
        let mut v: Vec<Var> = self.nets.iter().flat_map(Net::vars).collect();
        v.push(self.shared.clone());
        v
    }

    /// The per-trajectory parameters of trajectories `ks` (ks × per-trajectory parameters).
    pub fn per_traj(&self, ks: &[usize]) -> R<Tensor> {
        let idx = Tensor::new(ks.iter().map(|&k| k as u32).collect::<Vec<_>>().as_slice(), &Device::Cpu)?;
        let outs: Vec<Tensor> =
            self.nets.iter().zip(&self.feats).map(|(n, f)| n.forward(&f.index_select(&idx, 0)?)).collect::<R<_>>()?;
        let cols: Vec<Tensor> = self.source.iter().map(|&(e, j)| outs[e].narrow(1, j, 1)).collect::<R<_>>()?;
        Tensor::cat(&cols, 1)
    }

    /// The model parameters mapped into their bounds (per-trajectory slots zero: they act
    /// through the kernel rows).
    pub fn theta(&self) -> R<Tensor> {
        let z = self.shared.as_tensor().unsqueeze(0)?;
        let mapped = OutputMap::apply_all(&self.maps, &z)?.squeeze(0)?;
        let acting: Vec<f64> = (0..self.s.np).map(|q| if self.s.per_traj.contains(&q) { 0.0 } else { 1.0 }).collect();
        mapped * Tensor::from_vec(acting, self.s.np, &Device::Cpu)?
    }

    /// The data misfit of trajectories `ks` per observed value, in noise units.
    pub fn loss(&self, ks: &[usize]) -> R<Tensor> {
        let (n, b, dev) = (self.len, ks.len(), Device::Cpu);
        let rows: Vec<u32> = ks.iter().flat_map(|&k| (k * n..(k + 1) * n).map(|r| r as u32)).collect();
        let fixed = self.fixed.index_select(&Tensor::new(rows.as_slice(), &dev)?, 0)?;
        let mut parts = vec![fixed];
        if !self.source.is_empty() {
            let which: Vec<u32> = (0..b).flat_map(|i| std::iter::repeat_n(i as u32, n)).collect();
            parts.push(self.per_traj(ks)?.index_select(&Tensor::new(which.as_slice(), &dev)?, 0)?);
        }
        let f = self.s.rhs.apply(&Tensor::cat(&parts, 1)?, &self.theta()?)?;
        let mut loss = Tensor::zeros((), candle_core::DType::F64, &dev)?;
        let mut cells = 0.0;
        for g in &self.groups {
            let (l, c) = self.group_loss(g, ks, &f)?;
            loss = (loss + l)?;
            cells += c;
        }
        loss / cells.max(1.0)
    }

    /// One group's misfit (unnormalised) and its number of observed values.
    fn group_loss(&self, g: &Group, ks: &[usize], f: &Tensor) -> R<(Tensor, f64)> {
        let (n, b, ne, r, nz, dev) = (self.len, ks.len(), g.eqs.len(), g.order, self.s.nz, Device::Cpu);
        let rhs: Vec<Tensor> = g.eqs.iter().map(|&e| f.narrow(1, e, 1)?.reshape((b, 1, n))).collect::<R<_>>()?;
        let rhs = Tensor::cat(&rhs, 1)?.reshape((b * ne, n, 1))?;
        let (mut init, mut y, mut w, mut steps) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for &k in ks {
            let tr = &self.s.trajs[k];
            for &c in &g.base {
                init.extend((0..r).map(|q| tr.z[c + q]));
                y.extend((0..n).map(|i| tr.y[i * nz + c]));
                w.extend((0..n).map(|i| tr.mask[i * nz + c] / (tr.sigma[c] * tr.sigma[c])));
                steps.extend_from_slice(&tr.h);
            }
        }
        let cells = (0..b * ne * n).filter(|&i| w[i] > 0.0).count() as f64;
        let init = Tensor::from_vec(init, (b * ne, 1, 1, r), &dev)?;
        let u = match &g.frozen {
            Some(fr) => fr.solve_tensor(&rhs, &init)?,
            None => {
                let coeffs = Tensor::from_vec(g.coeffs(), (1, 1, 1, 1, g.p()), &dev)?;
                let steps = Tensor::from_vec(steps, (b * ne, n - 1), &dev)?;
                ode_solve_with(self.backend.clone(), &coeffs, &rhs, &init, &steps, &self.opts)?
            }
        };
        let u0 = u.narrow(3, 0, 1)?.reshape((b * ne, n))?;
        let y = Tensor::from_vec(y, (b * ne, n), &dev)?;
        let w = Tensor::from_vec(w, (b * ne, n), &dev)?;
        Ok((((u0 - y)?.sqr()? * w)?.sum_all()?, cells))
    }

    /// The mean loss over `ks` in chunks of `batch` (no training step).
    fn eval(&self, ks: &[usize], batch: usize) -> R<f64> {
        let mut total = 0.0;
        for c in ks.chunks(batch.max(1)) {
            total += self.loss(c)?.to_scalar::<f64>()? * c.len() as f64;
        }
        Ok(total / ks.len().max(1) as f64)
    }
}

/// A fresh network per used encoder and every trajectory's features for it.
fn networks(
    input: &FitInput,
    train: &[usize],
    len: usize,
    rng: &mut crate::data::SeededRng,
) -> Result<(Vec<Net>, Vec<Tensor>), FitError> {
    let model = input.model;
    let mut nets = Vec::new();
    let mut feats = Vec::new();
    for enc in model.encoders.iter().filter(|e| !e.outputs.is_empty()) {
        let cols: Vec<usize> = enc.inputs.iter().map(|&st| data_column(input, st)).collect::<Result<_, _>>()?;
        let points = len;
        let rows: Vec<Vec<f64>> = input
            .data
            .trajectories
            .iter()
            .map(|tr| features(tr, &cols, points))
            .collect::<Result<_, _>>()
            .map_err(FitError::Data)?;
        let train_rows: Vec<Vec<f64>> = train.iter().map(|&k| rows[k].clone()).collect();
        let net = Net::new(enc, model, standardise(&train_rows), points, rng).map_err(cerr)?;
        let nf = rows[0].len();
        feats.push(Tensor::from_vec(rows.concat(), (rows.len(), nf), &Device::Cpu).map_err(cerr)?);
        nets.push(net);
    }
    Ok((nets, feats))
}

fn sorted(mut v: Vec<usize>) -> Vec<usize> {
    v.sort_unstable();
    v
}

/// The data column of state `st`.
fn data_column(input: &FitInput, st: usize) -> Result<usize, FitError> {
    let name = &input.model.states[st].name;
    input
        .data
        .states
        .iter()
        .position(|s| s == name)
        .ok_or_else(|| FitError::Data(format!("the data has no column for state `{name}`")))
}

/// Kernel rows without per-trajectory parameters: smoothed columns, inputs, `t`.
fn fixed_rows(s: &Smoothed) -> R<Tensor> {
    let c = s.nz + s.ni + 1;
    let mut v = Vec::new();
    for tr in &s.trajs {
        for i in 0..tr.t.len() {
            v.extend_from_slice(&tr.z[i * s.nz..(i + 1) * s.nz]);
            v.extend_from_slice(&tr.inputs[i * s.ni..(i + 1) * s.ni]);
            v.push(tr.t[i]);
        }
    }
    let rows = v.len() / c;
    Tensor::from_vec(v, (rows, c), &Device::Cpu)
}

/// Trains the encoders and shared parameters.
pub fn fit(input: &FitInput) -> Result<Fitted, FitError> {
    let a = Amortised::new(input)?;
    let settings = &input.model.fit;
    let vars = a.vars();
    let params = ParamsAdamW { lr: settings.lr, weight_decay: 0.0, ..ParamsAdamW::default() };
    let mut opt = AdamW::new(vars.clone(), params).map_err(cerr)?;
    let mut rng = seeded(input.seed.wrapping_add(1));
    let (mut history, mut interrupted, mut seconds) = (Vec::new(), false, Vec::new());
    let mut best: Option<(f64, Vec<Tensor>, f64, Option<f64>)> = None;
    for epoch in 0..settings.epochs {
        let start = std::time::Instant::now();
        let frac = epoch as f64 / settings.epochs.max(1) as f64;
        opt.set_learning_rate(settings.lr * (0.01 + 0.99 * 0.5 * (1.0 + (std::f64::consts::PI * frac).cos())));
        let (mut sum, mut count) = (0.0, 0usize);
        for b in batches(a.train.len(), settings.batch, &mut rng) {
            if input.cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
                interrupted = true;
                break;
            }
            let ks: Vec<usize> = b.iter().map(|&i| a.train[i]).collect();
            let loss = a.loss(&ks).map_err(cerr)?;
            let v = loss.to_scalar::<f64>().map_err(cerr)?;
            if !v.is_finite() {
                return Err(FitError::Diverged { round: 0, loss: v });
            }
            opt.backward_step(&loss).map_err(cerr)?;
            sum += v * ks.len() as f64;
            count += ks.len();
        }
        if interrupted && count == 0 {
            break;
        }
        let train_loss = sum / count.max(1) as f64;
        let valid_loss = if a.valid.is_empty() { None } else { Some(a.eval(&a.valid, settings.batch).map_err(cerr)?) };
        seconds.push(start.elapsed().as_secs_f64());
        history.push(HistoryEntry { round: 0, loss: train_loss });
        if let Some(p) = input.progress {
            p(&Progress {
                round: 0,
                iteration: epoch + 1,
                iterations: settings.epochs,
                loss: train_loss,
                active_terms: 0,
            });
        }
        let score = valid_loss.unwrap_or(train_loss);
        if best.as_ref().is_none_or(|b| score < b.0) {
            let snap = vars.iter().map(|v| v.as_tensor().copy()).collect::<R<_>>().map_err(cerr)?;
            best = Some((score, snap, train_loss, valid_loss));
        }
        if interrupted {
            break;
        }
    }
    let Some((_, snap, train_loss, valid_loss)) = best else {
        return Err(FitError::Data("training was stopped before its first epoch ended".into()));
    };
    for (v, t) in vars.iter().zip(&snap) {
        v.set(t).map_err(cerr)?;
    }
    finish(input, &a, history, seconds, (train_loss, valid_loss), interrupted).map_err(cerr)
}

/// The fitted model: every trajectory's inferred parameters, the shared ones, the weights.
fn finish(
    input: &FitInput,
    a: &Amortised,
    history: Vec<HistoryEntry>,
    seconds: Vec<f64>,
    (train_loss, valid_loss): (f64, Option<f64>),
    interrupted: bool,
) -> R<Fitted> {
    let s = &a.s;
    let all: Vec<usize> = (0..s.trajs.len()).collect();
    let mut pt = Vec::new();
    for c in all.chunks(1024) {
        if !a.source.is_empty() {
            pt.extend(a.per_traj(c)?.flatten_all()?.to_vec1::<f64>()?);
        }
    }
    let mapped = OutputMap::apply_all(&a.maps, &a.shared.as_tensor().unsqueeze(0)?)?.flatten_all()?.to_vec1::<f64>()?;
    let mut params = mapped.clone();
    let mut per_trajectory = vec![Vec::new(); s.np];
    for (j, &q) in s.per_traj.iter().enumerate() {
        let v: Vec<f64> = (0..s.trajs.len()).map(|k| pt[k * s.per_traj.len() + j]).collect();
        params[q] = v.iter().sum::<f64>() / v.len() as f64;
        per_trajectory[q] = v;
    }
    let mut weights = EncoderWeights::default();
    for n in &a.nets {
        weights.push_net(n)?;
    }
    for (q, p) in input.model.params.iter().enumerate().filter(|(_, p)| !p.per_trajectory) {
        weights.tensors.push((format!("param.{}", p.name), vec![1], vec![params[q]]));
    }
    let epochs = seconds.len();
    Ok(Fitted {
        coefficients: Vec::new(),
        active: Vec::new(),
        params,
        per_trajectory,
        denoised: (0..s.trajs.len()).map(|k| s.trajectory(k, s.trajs[k].z.clone())).collect(),
        noise: s.noise(input.ir.names.states.len()),
        history,
        path: Vec::new(),
        threshold: None,
        rounds: 0,
        loss: train_loss,
        interrupted,
        magnitudes: Vec::new(),
        phases: Vec::new(),
        uncertainty: None,
        no_effect: vec![false; s.np],
        ensemble: None,
        weights: Vec::new(),
        encoders: Some(EncoderFit {
            weights,
            train: a.train.clone(),
            validation: a.valid.clone(),
            epochs,
            seconds_per_epoch: seconds.iter().sum::<f64>() / epochs.max(1) as f64,
            train_loss,
            valid_loss,
        }),
    })
}
