//! The encoder network of amortised parameters (`encoder enc = mlp(u; hidden = [64, 64])`):
//! what it reads, its layers on candle tensors and how its outputs become parameter values.
//!
//! - **Features.** Every input state's series is resampled by linear interpolation (over its
//!   observed values) onto `points` equally spaced times across the trajectory's own span, so
//!   trajectories of any length and sampling give a vector of one length; the span itself
//!   (`t_end − t_start`) is the last feature. `points` is the training trajectories' row count
//!   (training needs them all of one length; new trajectories may have any). Features are standardised by the training set's mean and standard deviation.
//! - **Layers.** candle-nn `Linear` layers with the declared activation between them (none after
//!   the last); Glorot-uniform weights and zero biases drawn from the run's seeded generator.
//! - **Outputs.** One per parameter declared `from` the encoder: a bounded parameter is
//!   `lo + (hi − lo)·sigmoid(z)`, an unbounded one `init + scale·z` (scale `|init|`, or 1). The
//!   last layer's bias starts at the parameter's initial guess.
//!
//! The trained network is a list of named tensors ([`EncoderWeights`]) saved as safetensors.

use candle_core::{DType, Device, Tensor, Var};
use candle_nn::{Linear, Module};
use rand::Rng;

use crate::check::hir::{self, Activation};
use crate::data::{SeededRng, Trajectory};

type R<T> = candle_core::Result<T>;

/// How one raw output becomes a parameter value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum OutputMap {
    /// `lo + (hi − lo)·sigmoid(z)`.
    Bounded { lo: f64, hi: f64 },
    /// `centre + scale·z`.
    Affine { centre: f64, scale: f64 },
}

impl OutputMap {
    /// The map of a parameter: its bounds when finite, else around its initial guess.
    pub fn of(p: &hir::Param) -> OutputMap {
        match p.bounds {
            Some((lo, hi)) if lo.is_finite() && hi.is_finite() => OutputMap::Bounded { lo, hi },
            _ => OutputMap::Affine { centre: p.init, scale: if p.init != 0.0 { p.init.abs() } else { 1.0 } },
        }
    }

    /// The raw output that gives `value` (clamped just inside the bounds).
    pub fn inverse(self, value: f64) -> f64 {
        match self {
            OutputMap::Bounded { lo, hi } => {
                let s = ((value - lo) / (hi - lo)).clamp(1e-6, 1.0 - 1e-6);
                (s / (1.0 - s)).ln()
            }
            OutputMap::Affine { centre, scale } => (value - centre) / scale,
        }
    }

    /// Applies the maps column by column to raw outputs `z` (rows × maps).
    pub fn apply_all(maps: &[OutputMap], z: &Tensor) -> R<Tensor> {
        let n = maps.len();
        let (mut mask, mut a, mut b) = (Vec::new(), Vec::new(), Vec::new());
        for m in maps {
            match *m {
                OutputMap::Bounded { lo, hi } => {
                    mask.push(1.0);
                    a.push(lo);
                    b.push(hi - lo);
                }
                OutputMap::Affine { centre, scale } => {
                    mask.push(0.0);
                    a.push(centre);
                    b.push(scale);
                }
            }
        }
        let row = |v: Vec<f64>| Tensor::from_vec(v, (1, n), z.device());
        let (mask, a, b) = (row(mask)?, row(a)?, row(b)?);
        let sig = (z.neg()?.exp()? + 1.0)?.recip()?;
        let inner = (sig.broadcast_mul(&mask)? + z.broadcast_mul(&(1.0 - &mask)?)?)?;
        inner.broadcast_mul(&b)?.broadcast_add(&a)
    }
}

/// The feature vector of one trajectory: each input column resampled onto `points` equally
/// spaced times over the trajectory's span, then the span. `Err` names what is missing.
pub fn features(tr: &Trajectory, cols: &[usize], points: usize) -> Result<Vec<f64>, String> {
    let (t0, t1) = match (tr.times.first(), tr.times.last()) {
        (Some(&a), Some(&b)) if b > a => (a, b),
        _ => return Err(format!("trajectory `{}` has fewer than two time points", tr.label)),
    };
    let mut out = Vec::with_capacity(cols.len() * points + 1);
    for &c in cols {
        let obs: Vec<(f64, f64)> = (0..tr.len())
            .filter(|&i| tr.mask[i * tr.width + c] && tr.values[i * tr.width + c].is_finite())
            .map(|i| (tr.times[i], tr.values[i * tr.width + c]))
            .collect();
        if obs.len() < 2 {
            return Err(format!("trajectory `{}` has fewer than two observed values of a state it reads", tr.label));
        }
        let mut j = 0;
        for k in 0..points {
            let t = t0 + (t1 - t0) * k as f64 / (points - 1).max(1) as f64;
            while j + 2 < obs.len() && obs[j + 1].0 < t {
                j += 1;
            }
            let ((ta, va), (tb, vb)) = (obs[j], obs[j + 1]);
            let w = ((t - ta) / (tb - ta)).clamp(0.0, 1.0);
            out.push(va + w * (vb - va));
        }
    }
    out.push(t1 - t0);
    Ok(out)
}

/// A trained or training encoder.
pub struct Net {
    pub name: String,
    pub activation: Activation,
    /// Resampled points per input.
    pub points: usize,
    /// Feature standardisation (training set).
    pub mean: Vec<f64>,
    pub std: Vec<f64>,
    /// (weight out×in, bias out) per layer.
    pub layers: Vec<(Var, Var)>,
    pub maps: Vec<OutputMap>,
}

impl Net {
    /// A fresh network for `enc` reading `n_features` features, Glorot-uniform weights from
    /// `rng`, the last bias at the parameters' initial guesses.
    pub fn new(
        enc: &hir::Encoder,
        model: &hir::Model,
        stats: (Vec<f64>, Vec<f64>),
        points: usize,
        rng: &mut SeededRng,
    ) -> R<Net> {
        let maps: Vec<OutputMap> = enc.outputs.iter().map(|&p| OutputMap::of(&model.params[p])).collect();
        let mut sizes = vec![stats.0.len()];
        sizes.extend(enc.hidden.iter().map(|&h| h as usize));
        sizes.push(maps.len());
        let mut layers = Vec::new();
        for (l, w) in sizes.windows(2).enumerate() {
            let (fan_in, fan_out) = (w[0], w[1]);
            let a = (6.0 / (fan_in + fan_out) as f64).sqrt();
            let weights: Vec<f64> = (0..fan_in * fan_out).map(|_| rng.random_range(-a..a)).collect();
            let bias: Vec<f64> = if l + 2 == sizes.len() {
                enc.outputs.iter().zip(&maps).map(|(&p, m)| m.inverse(model.params[p].init)).collect()
            } else {
                vec![0.0; fan_out]
            };
            let wt = Var::from_tensor(&Tensor::from_vec(weights, (fan_out, fan_in), &Device::Cpu)?)?;
            let bt = Var::from_tensor(&Tensor::from_vec(bias, fan_out, &Device::Cpu)?)?;
            layers.push((wt, bt));
        }
        Ok(Net {
            name: enc.name.clone(),
            activation: enc.activation,
            points,
            mean: stats.0,
            std: stats.1,
            layers,
            maps,
        })
    }

    /// The trainable variables.
    pub fn vars(&self) -> Vec<Var> {
        self.layers.iter().flat_map(|(w, b)| [w.clone(), b.clone()]).collect()
    }

    /// Parameter values (rows × outputs) of raw features (rows × features).
    pub fn forward(&self, x: &Tensor) -> R<Tensor> {
        let n = self.mean.len();
        let mean = Tensor::from_vec(self.mean.clone(), (1, n), x.device())?;
        let std = Tensor::from_vec(self.std.clone(), (1, n), x.device())?;
        let mut h = x.broadcast_sub(&mean)?.broadcast_div(&std)?;
        for (l, (w, b)) in self.layers.iter().enumerate() {
            h = Linear::new(w.as_tensor().clone(), Some(b.as_tensor().clone())).forward(&h)?;
            if l + 1 < self.layers.len() {
                h = activate(self.activation, &h)?;
            }
        }
        OutputMap::apply_all(&self.maps, &h)
    }
}

/// An activation on a tensor (built from operations candle differentiates).
pub fn activate(a: Activation, h: &Tensor) -> R<Tensor> {
    match a {
        Activation::Tanh => h.tanh(),
        Activation::Relu => h.relu(),
        // log(1 + e^h) = relu(h) + log(1 + e^-|h|), finite for any h.
        Activation::Softplus => h.relu()? + (h.abs()?.neg()?.exp()? + 1.0)?.log()?,
        Activation::Sigmoid => (h.neg()?.exp()? + 1.0)?.recip(),
    }
}

/// Feature means and standard deviations over the rows of `x` (a constant feature gets 1).
pub fn standardise(x: &[Vec<f64>]) -> (Vec<f64>, Vec<f64>) {
    let n = x.first().map_or(0, Vec::len);
    let rows = x.len().max(1) as f64;
    let mean: Vec<f64> = (0..n).map(|j| x.iter().map(|r| r[j]).sum::<f64>() / rows).collect();
    let std = (0..n)
        .map(|j| {
            let v = x.iter().map(|r| (r[j] - mean[j]).powi(2)).sum::<f64>() / rows;
            let s = v.sqrt();
            if s > 1e-12 * mean[j].abs().max(1e-300) {
                s
            } else {
                1.0
            }
        })
        .collect();
    (mean, std)
}

/// Named tensors of the trained encoders and shared parameters, as saved: for encoder `enc`,
/// `enc.layer{i}.weight` / `enc.layer{i}.bias`, `enc.feature_mean`, `enc.feature_std` and
/// `enc.points`; for a shared parameter `k`, `param.k`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EncoderWeights {
    /// (name, shape, values).
    pub tensors: Vec<(String, Vec<usize>, Vec<f64>)>,
}

impl EncoderWeights {
    /// Adds a network's tensors.
    pub fn push_net(&mut self, net: &Net) -> R<()> {
        for (i, (w, b)) in net.layers.iter().enumerate() {
            for (what, v) in [("weight", w), ("bias", b)] {
                let t = v.as_tensor();
                self.tensors.push((
                    format!("{}.layer{i}.{what}", net.name),
                    t.dims().to_vec(),
                    t.flatten_all()?.to_vec1()?,
                ));
            }
        }
        self.tensors.push((format!("{}.feature_mean", net.name), vec![net.mean.len()], net.mean.clone()));
        self.tensors.push((format!("{}.feature_std", net.name), vec![net.std.len()], net.std.clone()));
        self.tensors.push((format!("{}.points", net.name), vec![1], vec![net.points as f64]));
        Ok(())
    }

    /// Writes the tensors as a safetensors file, atomically (a temporary file renamed).
    pub fn save(&self, path: &std::path::Path) -> Result<(), String> {
        let mut map = std::collections::HashMap::new();
        for (name, shape, v) in &self.tensors {
            let t = Tensor::from_vec(v.clone(), shape.as_slice(), &Device::Cpu).map_err(|e| e.to_string())?;
            map.insert(name.clone(), t);
        }
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(format!(".tmp-{}", std::process::id()));
        let tmp = std::path::PathBuf::from(tmp);
        let done = candle_core::safetensors::save(&map, &tmp)
            .map_err(|e| e.to_string())
            .and_then(|_| std::fs::rename(&tmp, path).map_err(|e| crate::files::os_reason(&e)));
        if done.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        done
    }

    /// Reads a safetensors file (f64 tensors).
    pub fn load(path: &std::path::Path) -> Result<EncoderWeights, String> {
        let bytes = std::fs::read(path).map_err(|e| crate::files::os_reason(&e))?;
        let map = candle_core::safetensors::load_buffer(&bytes, &Device::Cpu)
            .map_err(|e| format!("not a safetensors file: {e}"))?;
        let mut tensors = Vec::new();
        for (name, t) in map {
            let t = t.to_dtype(DType::F64).map_err(|e| e.to_string())?;
            let v = t.flatten_all().and_then(|f| f.to_vec1::<f64>()).map_err(|e| e.to_string())?;
            tensors.push((name, t.dims().to_vec(), v));
        }
        tensors.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(EncoderWeights { tensors })
    }

    /// The tensor called `name`.
    pub fn get(&self, name: &str) -> Option<(&[usize], &[f64])> {
        self.tensors.iter().find(|t| t.0 == name).map(|t| (t.1.as_slice(), t.2.as_slice()))
    }

    /// Rebuilds the network of `enc` from the saved tensors, checking every shape against the
    /// declaration; `Err` says what does not match.
    pub fn net(&self, enc: &hir::Encoder, model: &hir::Model) -> Result<Net, String> {
        let name = &enc.name;
        let missing = |what: &str| format!("the weights have no `{name}.{what}` (trained for another model?)");
        let (_, pts) = self.get(&format!("{name}.points")).ok_or_else(|| missing("points"))?;
        let points = pts.first().copied().unwrap_or(0.0);
        if !(points >= 2.0 && points.fract() == 0.0 && points <= 1e7) {
            return Err(format!("`{name}.points` is {points}, not a point count"));
        }
        let (_, mean) = self.get(&format!("{name}.feature_mean")).ok_or_else(|| missing("feature_mean"))?;
        let (_, std) = self.get(&format!("{name}.feature_std")).ok_or_else(|| missing("feature_std"))?;
        let n_feat = enc.inputs.len() * points as usize + 1;
        if mean.len() != n_feat || std.len() != n_feat || std.iter().any(|&s| !(s > 0.0 && s.is_finite())) {
            return Err(format!("the feature statistics of `{name}` do not fit its {} inputs", enc.inputs.len()));
        }
        let mut sizes = vec![n_feat];
        sizes.extend(enc.hidden.iter().map(|&h| h as usize));
        sizes.push(enc.outputs.len());
        let mut layers = Vec::new();
        for (i, w) in sizes.windows(2).enumerate() {
            let get = |what: &str, shape: Vec<usize>| -> Result<Var, String> {
                let key = format!("layer{i}.{what}");
                let (s, v) = self.get(&format!("{name}.{key}")).ok_or_else(|| missing(&key))?;
                if s != shape.as_slice() {
                    return Err(format!("`{name}.{key}` has shape {s:?}; the declaration needs {shape:?}"));
                }
                let t = Tensor::from_vec(v.to_vec(), shape, &Device::Cpu).map_err(|e| e.to_string())?;
                Var::from_tensor(&t).map_err(|e| e.to_string())
            };
            layers.push((get("weight", vec![w[1], w[0]])?, get("bias", vec![w[1]])?));
        }
        let extra = format!("{name}.layer{}.weight", sizes.len() - 1);
        if self.get(&extra).is_some() {
            return Err(format!("the weights of `{name}` have more layers than its declaration"));
        }
        Ok(Net {
            name: name.clone(),
            activation: enc.activation,
            points: points as usize,
            mean: mean.to_vec(),
            std: std.to_vec(),
            layers,
            maps: enc.outputs.iter().map(|&p| OutputMap::of(&model.params[p])).collect(),
        })
    }
}
