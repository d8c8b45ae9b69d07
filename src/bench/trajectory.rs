//! A benchmark system's clean data: the right-hand side compiled by the JIT and integrated by
//! mechc's Dormand–Prince integrator at its tight default tolerances ([`Flow`]), a discarded
//! transient ([`Flow::settle`]), the characteristic period from the spectrum ([`period`]) and the
//! clean trajectory at a given density ([`Flow::sample`]).
//!
//! # The characteristic period
//! From the settled state, the system is sampled at [`PROBE_POINTS`] equally spaced times over
//! its table's probe window `T`. Each state's series (mean removed, Hann window) gives a
//! periodogram `P_k = |X_k|²`, normalised to unit sum over `k ≥ 1` so every state weighs the
//! same (a constant state is skipped). The normalised periodograms are summed, and the period is
//! `T / k*` for the bin `k*` with the largest `k · P_k`: the peak of the spectrum drawn per
//! logarithmic frequency band (power per unit of `ln f` is `f · P(f)`). On a linear axis the slow,
//! broad drift of some attractors outweighs their oscillation (Sprott's flows B, C, E, F, H, L and
//! M, Lorenz-84, Dequan Li's fast rotation), and the period would count several oscillations as
//! one; per log band, the largest peak is the oscillation, and it agrees with the mean spacing of
//! the states' local maxima. The computation is deterministic: the same table entry gives the
//! same period on every run.

use super::systems::BenchSystem;
use super::BenchError;
use crate::data::{self, SimOptions, Trajectory};
use crate::ir::Var;
use crate::jit::{compile, Interpreter, Kernel, Layout};

/// Samples of the probe window (a power of two, for the FFT).
pub const PROBE_POINTS: usize = 8192;

/// A compiled right-hand side (native when the JIT compiles it, the interpreter otherwise).
enum Rhs {
    Native(Box<Kernel>),
    Interp(Interpreter),
}

/// A system ready to integrate.
pub struct Flow<'a> {
    system: &'a BenchSystem,
    rhs: Rhs,
}

impl<'a> Flow<'a> {
    /// Compiles the system's right-hand side.
    pub fn new(system: &'a BenchSystem) -> Result<Flow<'a>, BenchError> {
        let ir = &system.ir;
        let cols = (0..ir.rhs.len()).map(|i| Var::State { index: i as u32, order: 0 }).chain([Var::Time]).collect();
        let layout = Layout::new(cols, system.params.len());
        let rhs = match compile(&ir.arena, &ir.rhs, &layout) {
            Ok(k) => Rhs::Native(Box::new(k)),
            Err(_) => Rhs::Interp(
                Interpreter::new(&ir.arena, &ir.rhs, &layout)
                    .map_err(|e| BenchError::Data(format!("{}: {e}", system.spec.name)))?,
            ),
        };
        Ok(Flow { system, rhs })
    }

    /// Integrates from `y0` and returns the states at `times` (row-major).
    pub fn integrate(&self, y0: &[f64], times: &[f64]) -> Result<Vec<f64>, BenchError> {
        let n = y0.len();
        let params = &self.system.params;
        let mut row = vec![0.0; n + 1];
        let mut rhs = |t: f64, y: &[f64], dy: &mut [f64]| {
            row[..n].copy_from_slice(y);
            row[n] = t;
            let ok = match &self.rhs {
                Rhs::Native(k) => k.eval(1, &row, params, dy).is_ok(),
                Rhs::Interp(i) => i.eval(1, &row, params, dy).is_ok(),
            };
            if !ok {
                dy.fill(f64::NAN);
            }
        };
        let sol = data::simulate(&mut rhs, y0, times, &SimOptions::default())
            .map_err(|e| BenchError::Data(format!("{}: {}", self.system.spec.name, data::from_model::sim_words(&e))))?;
        Ok(sol.values)
    }

    /// The state after the table's transient, from its initial state.
    pub fn settle(&self) -> Result<Vec<f64>, BenchError> {
        let spec = &self.system.spec;
        let values = self.integrate(spec.init, &[0.0, spec.transient])?;
        Ok(values[spec.init.len()..].to_vec())
    }

    /// The probe window from `start`: [`PROBE_POINTS`] rows over `[0, probe)`.
    pub fn probe(&self, start: &[f64]) -> Result<Vec<f64>, BenchError> {
        let dt = self.system.spec.probe / PROBE_POINTS as f64;
        let times: Vec<f64> = (0..PROBE_POINTS).map(|k| k as f64 * dt).collect();
        self.integrate(start, &times)
    }

    /// The clean trajectory from `start`: `periods · spp` rows at step `period / spp`, time from 0.
    pub fn sample(&self, start: &[f64], period: f64, spp: usize, periods: usize) -> Result<Trajectory, BenchError> {
        let dt = period / spp as f64;
        let times: Vec<f64> = (0..periods * spp).map(|k| k as f64 * dt).collect();
        let values = self.integrate(start, &times)?;
        Ok(Trajectory::from_rows(self.system.spec.name, times, start.len(), values))
    }
}

/// The characteristic period of a probe (row-major, `dim` states, [`PROBE_POINTS`] rows over a
/// window of length `window`), and the spectral bin it came from (module docs).
pub fn period(probe: &[f64], dim: usize, window: f64) -> Result<(f64, usize), BenchError> {
    let n = PROBE_POINTS;
    if probe.len() != n * dim || probe.iter().any(|v| !v.is_finite()) {
        return Err(BenchError::Data(format!("a probe needs {n} finite rows of {dim} states")));
    }
    let hann: Vec<f64> = (0..n).map(|j| 0.5 - 0.5 * (2.0 * std::f64::consts::PI * j as f64 / n as f64).cos()).collect();
    let mut total = vec![0.0; n / 2 + 1];
    for d in 0..dim {
        let col: Vec<f64> = (0..n).map(|j| probe[j * dim + d]).collect();
        let mean = col.iter().sum::<f64>() / n as f64;
        let mut re: Vec<f64> = col.iter().zip(&hann).map(|(v, w)| (v - mean) * w).collect();
        let mut im = vec![0.0; n];
        fft(&mut re, &mut im);
        let power: Vec<f64> = (0..=n / 2).map(|k| re[k] * re[k] + im[k] * im[k]).collect();
        let sum: f64 = power[1..].iter().sum();
        if sum > 0.0 {
            total.iter_mut().zip(&power).skip(1).for_each(|(t, p)| *t += p / sum);
        }
    }
    let (k, _) = total.iter().enumerate().skip(1).map(|(k, &p)| (k, k as f64 * p)).fold((0, 0.0), |best, (k, w)| {
        if w > best.1 {
            (k, w)
        } else {
            best
        }
    });
    if k == 0 {
        return Err(BenchError::Data("no oscillation in the probe window (every state is constant)".into()));
    }
    Ok((window / k as f64, k))
}

/// In-place radix-2 complex FFT (`re.len()` a power of two), forward, unnormalised.
pub fn fft(re: &mut [f64], im: &mut [f64]) {
    let n = re.len();
    debug_assert!(n.is_power_of_two() && im.len() == n);
    let mut j = 0;
    for i in 1..n {
        let mut bit = n >> 1;
        while j & bit != 0 {
            j ^= bit;
            bit >>= 1;
        }
        j |= bit;
        if i < j {
            re.swap(i, j);
            im.swap(i, j);
        }
    }
    let mut len = 2;
    while len <= n {
        let ang = -2.0 * std::f64::consts::PI / len as f64;
        for start in (0..n).step_by(len) {
            for k in 0..len / 2 {
                let (s, c) = (ang * k as f64).sin_cos();
                let (a, b) = (start + k, start + k + len / 2);
                let (tr, ti) = (re[b] * c - im[b] * s, re[b] * s + im[b] * c);
                re[b] = re[a] - tr;
                im[b] = im[a] - ti;
                re[a] += tr;
                im[a] += ti;
            }
        }
        len <<= 1;
    }
}
