//! The regression rows of the field fit: denoised fields, their spatial derivatives and their
//! time derivatives at every interior (time, point) pair. On periodic grids the Fourier modes
//! the data's noise buries (noisy data) or the time sampling does not resolve (clean data) are
//! cut before differentiating.

use super::super::smooth::{smooth, std_dev};
use super::super::smoothed::{derivative, raw_noise, three_point, Traj};
use super::FitError;
use crate::check::hir::{Pde, PdeSpace};
use crate::data::field::spectral::Spectral;
use crate::data::field::FieldTraj;
use crate::ir::ModelIr;

/// Noise below this fraction of a field's spread counts as clean (as for ODE data).
const CLEAN: f64 = 1e-4;

/// For each model input (a spatial derivative): (data field index, order).
pub fn derivative_columns(ir: &ModelIr, pde: &Pde) -> Result<Vec<(usize, u32)>, FitError> {
    ir.names
        .inputs
        .iter()
        .map(|name| {
            let d = pde
                .derivs
                .iter()
                .find(|d| d.name == *name)
                .ok_or_else(|| FitError::Data(format!("`{name}` is not a spatial derivative")))?;
            Ok((d.field, d.order))
        })
        .collect()
}

/// One trajectory's denoised fields and derivatives.
pub struct Prepared {
    /// Per field: denoised values (nt×nx).
    pub smooth: Vec<Vec<f64>>,
    /// Per field: time derivative (nt×nx).
    pub ut: Vec<Vec<f64>>,
    /// Per field: rms gap between five- and three-point time derivatives.
    pub ut_err: Vec<f64>,
    /// Per field and order `1..=max`: spatial derivatives (nt×nx).
    pub ux: Vec<Vec<Vec<f64>>>,
    pub noise: Vec<f64>,
    /// Whether any field's noise estimate is above the clean level.
    pub noisy: bool,
    /// Whether the grid is periodic.
    pub periodic: bool,
    /// Rows used: time indices and point indices.
    pub times: Vec<usize>,
    pub points: Vec<usize>,
}

/// Denoises and differentiates every field of `tr`.
/// With `space_only`, noisy fields are denoised in space only (for the weak form in time).
pub fn prepare(tr: &FieldTraj, space: &PdeSpace, max_order: u32, space_only: bool) -> Result<Prepared, FitError> {
    let (nt, nx) = (tr.nt(), tr.nx());
    if nt < 7 || nx < 2 * max_order as usize + 3 {
        return Err(FitError::Data(format!(
            "trajectory `{}` has {nt} times and {nx} points; the fit needs at least 7 times and {} points for derivatives of order {max_order}",
            tr.label,
            2 * max_order + 3
        )));
    }
    let mut p = Prepared {
        smooth: vec![],
        ut: vec![],
        ut_err: vec![],
        ux: vec![],
        noise: vec![],
        noisy: false,
        periodic: space.periodic,
        times: (2..nt - 2).collect(),
        points: vec![],
    };
    let spectral = space.periodic.then(|| Spectral::new(nx, (tr.x[1] - tr.x[0]) * nx as f64));
    for u in &tr.u {
        let (mut sm, noise, noisy) = denoise(u, nt, nx, spectral.as_ref(), space_only);
        p.noisy |= noisy;
        if let (false, Some(sp)) = (noisy, &spectral) {
            resolution_cut(&mut sm, &tr.t, nt, nx, sp);
        }
        let (ut, err) = time_derivative(&sm, &tr.t, nx);
        let mut ux = Vec::new();
        for o in 1..=max_order {
            let mut d = vec![0.0; nt * nx];
            for i in 0..nt {
                let row = &sm[i * nx..(i + 1) * nx];
                let v = match &spectral {
                    Some(sp) => sp.derivative(&sp.forward(row), o),
                    None => (0..o).fold(row.to_vec(), |r, _| derivative(&r, &tr.x)),
                };
                d[i * nx..(i + 1) * nx].copy_from_slice(&v);
            }
            ux.push(d);
        }
        p.smooth.push(sm);
        p.ut.push(ut);
        p.ut_err.push(err);
        p.ux.push(ux);
        p.noise.push(noise);
    }
    let edge = if space.periodic { 0 } else { 2 * max_order as usize };
    p.points = (edge..nx - edge).collect();
    Ok(p)
}

/// Builds the regression rows: learned columns = fields, inputs = spatial derivatives.
pub fn build(tr: &FieldTraj, p: &Prepared, state_field: &[usize], derivs: &[(usize, u32)], eq_col: &[usize]) -> Traj {
    let nx = tr.nx();
    let (nz, neq, ni) = (state_field.len(), eq_col.len(), derivs.len());
    let n = p.times.len() * p.points.len();
    let mut t = Vec::with_capacity(n);
    let (mut y, mut z) = (Vec::with_capacity(n * nz), Vec::with_capacity(n * nz));
    let mut dz = Vec::with_capacity(n * neq);
    let mut inputs = Vec::with_capacity(n * ni);
    for &i in &p.times {
        for &j in &p.points {
            let at = i * nx + j;
            t.push(tr.t[i]);
            for &f in state_field {
                y.push(tr.u[f][at]);
                z.push(p.smooth[f][at]);
            }
            for &c in eq_col {
                dz.push(p.ut[state_field[c]][at]);
            }
            for &(f, o) in derivs {
                inputs.push(p.ux[f][o as usize - 1][at]);
            }
        }
    }
    let dz_err = eq_col.iter().map(|&c| p.ut_err[state_field[c]]).collect();
    let sigma = state_field.iter().map(|&f| p.noise[f]).collect();
    let h = t.windows(2).map(|w| w[1] - w[0]).collect();
    Traj { label: tr.label.clone(), t, h, mask: vec![1.0; y.len()], y, z, dz, dz_err, inputs, sigma }
}

/// Every (time, point) of a trajectory in the kernel's row layout (fields, derivative inputs,
/// `t`), rows time-major, and each equation's field values: the weak form's data.
pub fn full(
    tr: &FieldTraj,
    p: &Prepared,
    state_field: &[usize],
    derivs: &[(usize, u32)],
    eq_col: &[usize],
) -> super::weak::Full {
    let (nt, nx) = (tr.nt(), tr.nx());
    let mut rows = Vec::with_capacity(nt * nx * (state_field.len() + derivs.len() + 1));
    for i in 0..nt {
        for j in 0..nx {
            let at = i * nx + j;
            rows.extend(state_field.iter().map(|&f| p.smooth[f][at]));
            rows.extend(derivs.iter().map(|&(f, o)| p.ux[f][o as usize - 1][at]));
            rows.push(tr.t[i]);
        }
    }
    let lhs = eq_col.iter().map(|&c| p.smooth[state_field[c]].clone()).collect();
    super::weak::Full { t: tr.t.clone(), nx, rows, lhs, periodic: p.periodic }
}

/// Space-time denoising: along the grid at each time, then along time at each point, each
/// with the noise level estimated in its direction. On a periodic grid the spatial pass is a
/// spectral cut-off: white noise of variance σ² gives every Fourier mode a mean power of nσ²,
/// so the modes whose time-averaged power stays above `FLOOR` times that (counted from the
/// lowest wavenumber up to the first one below) are kept and the rest set to zero; otherwise
/// the Whittaker smoother with the discrepancy principle. Returns the field and the estimate.
fn denoise(u: &[f64], nt: usize, nx: usize, sp: Option<&Spectral>, space_only: bool) -> (Vec<f64>, f64, bool) {
    let all = vec![true; nx];
    let mut d4: Vec<f64> = Vec::new();
    for i in 0..nt {
        let row = &u[i * nx..(i + 1) * nx];
        d4.extend(row.windows(5).map(|w| (w[0] - 4.0 * w[1] + 6.0 * w[2] - 4.0 * w[3] + w[4]).abs()));
    }
    // On a periodic grid the flat top of the spectrum is the noise floor: white noise of
    // variance σ² gives every mode a mean power of nσ², while a resolved field's power falls
    // steeply there (fourth differences would count a rough but clean field as noise).
    let noise = match sp {
        Some(sp) => {
            let power = mean_power(u, nt, nx, sp);
            let mut top = power[(3 * nx / 8).max(1)..].to_vec();
            (median(&mut top) / nx as f64).sqrt()
        }
        None => median(&mut d4) / 0.6745 / 70f64.sqrt(),
    };
    let sd = std_dev(u);
    if noise <= CLEAN * sd {
        return (u.to_vec(), noise.max(CLEAN * sd), false);
    }
    let mut out = u.to_vec();
    match sp {
        Some(sp) => spectral_cut(&mut out, nt, nx, noise, sp),
        None => {
            for i in 0..nt {
                let row = smooth(&u[i * nx..(i + 1) * nx], &all, noise);
                out[i * nx..(i + 1) * nx].copy_from_slice(&row);
            }
        }
    }
    if space_only {
        return (out, noise, true);
    }
    let tmask = vec![true; nt];
    for j in 0..nx {
        let col: Vec<f64> = (0..nt).map(|i| out[i * nx + j]).collect();
        let rest = raw_noise(&col, &tmask);
        if rest > CLEAN * std_dev(&col) {
            let s = smooth(&col, &tmask, rest);
            (0..nt).for_each(|i| out[i * nx + j] = s[i]);
        }
    }
    (out, noise, true)
}

/// Largest gap between the five- and three-point time derivatives of a Fourier mode's
/// coefficient, relative to the derivative, for which the sampling resolves the mode. For a
/// mode `e^{iωt}` sampled every `h` the gap is `(ωh)²/6` (the three-point rule's error), so
/// `1/6` is `ωh = 1`: fewer than 2π samples per period, where the five-point rule's own error
/// `(ωh)⁴/30` passes 3% and a faster mode cannot be told from an aliased one.
const RESOLVED_GAP: f64 = 1.0 / 6.0;

/// On clean periodic data, zeroes at every time the Fourier modes from the first (lowest
/// wavenumber up) whose time series the sampling does not resolve ([`RESOLVED_GAP`]). Such
/// modes — the fast dispersive ripples a non-periodic initial profile sheds under KdV, whose
/// frequencies `k³` are far above the sampling's — carry little of the field but much of its
/// high derivatives, while their five-point time derivatives are aliased noise: kept, they
/// bias every coefficient of a high derivative towards zero.
fn resolution_cut(u: &mut [f64], t: &[f64], nt: usize, nx: usize, sp: &Spectral) {
    if nt < 5 {
        return;
    }
    let rows: Vec<_> = (0..nt).map(|i| sp.forward(&u[i * nx..(i + 1) * nx])).collect();
    let half = nx / 2;
    let gap = |j: usize| {
        let (mut num, mut den) = (0.0, 0.0);
        for part in [0, 1] {
            let series: Vec<f64> = rows.iter().map(|r| if part == 0 { r[j].re } else { r[j].im }).collect();
            let (d5, d3) = (derivative(&series, t), three_point(&series, t));
            for i in 2..nt - 2 {
                num += (d5[i] - d3[i]).powi(2);
                den += d5[i] * d5[i];
            }
        }
        if den > 0.0 {
            (num / den).sqrt()
        } else {
            0.0
        }
    };
    let Some(cut) = (1..=half).find(|&j| gap(j) > RESOLVED_GAP) else { return };
    for (i, mut r) in rows.into_iter().enumerate() {
        for (j, c) in r.iter_mut().enumerate() {
            if j.min(nx - j) >= cut {
                *c = Default::default();
            }
        }
        u[i * nx..(i + 1) * nx].copy_from_slice(&sp.inverse(&r));
    }
}

/// Mean power over the noise floor a kept Fourier mode needs.
const FLOOR: f64 = 4.0;

/// Zeroes, at every time, the Fourier modes from the first whose time-averaged power is below
/// `FLOOR · n σ²` upwards.
fn spectral_cut(u: &mut [f64], nt: usize, nx: usize, sigma: f64, sp: &Spectral) {
    let rows: Vec<_> = (0..nt).map(|i| sp.forward(&u[i * nx..(i + 1) * nx])).collect();
    let half = nx / 2;
    let power = mean_power(u, nt, nx, sp);
    let floor = FLOOR * nx as f64 * sigma * sigma;
    let cut = (1..=half).find(|&j| power[j] < floor).unwrap_or(half + 1);
    for (i, mut r) in rows.into_iter().enumerate() {
        for (j, c) in r.iter_mut().enumerate() {
            let m = if j <= half { j } else { nx - j };
            if m >= cut {
                *c = Default::default();
            }
        }
        u[i * nx..(i + 1) * nx].copy_from_slice(&sp.inverse(&r));
    }
}

/// Time-averaged power of the Fourier modes `0..=n/2`.
fn mean_power(u: &[f64], nt: usize, nx: usize, sp: &Spectral) -> Vec<f64> {
    let mut p = vec![0.0; nx / 2 + 1];
    for i in 0..nt {
        let r = sp.forward(&u[i * nx..(i + 1) * nx]);
        p.iter_mut().zip(&r).for_each(|(a, c)| *a += c.norm_sqr() / nt as f64);
    }
    p
}

/// Time derivative at every point and the rms gap between the five- and three-point formulas.
fn time_derivative(u: &[f64], t: &[f64], nx: usize) -> (Vec<f64>, f64) {
    let nt = t.len();
    let mut d = vec![0.0; nt * nx];
    let mut gap = 0.0;
    for j in 0..nx {
        let col: Vec<f64> = (0..nt).map(|i| u[i * nx + j]).collect();
        let (d5, d3) = (derivative(&col, t), three_point(&col, t));
        for i in 0..nt {
            d[i * nx + j] = d5[i];
            gap += (d5[i] - d3[i]).powi(2);
        }
    }
    (d, (gap / (nt * nx) as f64).sqrt())
}

fn median(v: &mut [f64]) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    let mid = v.len() / 2;
    v.select_nth_unstable_by(mid, |a, b| a.total_cmp(b));
    v[mid]
}
