//! One data trajectory laid out for the fit: its data on the learned columns with noise weights,
//! its collocation grid (latent points between observations where the data are coarse), inputs
//! on that grid, and the smoothed starting trajectory.
//!
//! Input: a data [`Trajectory`], the learned columns and the grid choice. Output: a [`Traj`].

use super::grid::{Grid, GridChoice, Scheme};
use crate::data::Trajectory;
use crate::fit::smooth::{noise_std, smooth, std_dev};
use crate::fit::{FitError, FitInput};

/// Largest number of sub-intervals per data interval the automatic choice makes.
const MAX_SUBSTEPS: usize = 16;

/// One trajectory's data, laid out on the learned columns and its grid.
#[derive(Clone, Debug)]
pub struct Traj {
    /// Data time points.
    pub t: Vec<f64>,
    /// The collocation grid.
    pub grid: Grid,
    /// Data on the learned columns, one row per data time (0 where unobserved).
    pub y: Vec<f64>,
    /// Data weights `1/σ` where observed, 0 where missing or unobserved; same shape as `y`.
    pub w: Vec<f64>,
    /// Input columns at every grid point, row-major.
    pub inputs: Vec<f64>,
    /// Noise standard deviation per learned column (for a derivative column, the noise of its
    /// state scaled by the ratio of their sizes).
    pub sigma: Vec<f64>,
    /// The starting learned trajectory: the smoothed data on every grid point.
    pub z0: Vec<f64>,
}

impl Traj {
    /// The grid point of data row `i`.
    pub fn point(&self, i: usize) -> usize {
        self.grid.data_point[i]
    }
}

/// Position of `name` among `names`, or a data error.
fn column_of(names: &[String], name: &str, what: &str) -> Result<usize, FitError> {
    names
        .iter()
        .position(|n| n == name)
        .ok_or_else(|| FitError::Data(format!("the data has no column for {what} `{name}`")))
}

/// Lays each data trajectory out on the learned columns and its grid; returns the trajectories
/// and the scale `κ = κ₀ √ω` of the dynamics rows (`ω` the data's rate, [`rate`]).
pub fn load_trajs(
    input: &FitInput,
    cols: &[(usize, u32)],
    grid: GridChoice,
    kappa0: f64,
) -> Result<(Vec<Traj>, f64), FitError> {
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
    let cols = Columns { cols, state_col: &state_col, input_col: &input_col };
    let observed: Vec<Observed> = data.trajectories.iter().map(|tr| observe(tr, &cols)).collect::<Result<_, _>>()?;
    let times: Vec<&[f64]> = data.trajectories.iter().map(|t| t.times.as_slice()).collect();
    let omega = rate(&observed, &times);
    let omega = omega.max(f64::MIN_POSITIVE);
    let kappa = kappa0 * omega.sqrt();
    let ks: Vec<Vec<usize>> = observed
        .iter()
        .zip(&times)
        .map(|(ob, t)| match grid.substeps {
            Some(k) => vec![k.max(1); t.len() - 1],
            None => auto_substeps(ob, t, grid.scheme, kappa),
        })
        .collect();
    let trajs = data
        .trajectories
        .iter()
        .zip(observed)
        .zip(ks)
        .map(|((tr, ob), k)| lay_out(tr, ob, &cols, &k, grid.scheme))
        .collect::<Result<_, _>>()?;
    Ok((trajs, kappa))
}

/// The column maps of a fit.
struct Columns<'a> {
    cols: &'a [(usize, u32)],
    state_col: &'a [usize],
    input_col: &'a [usize],
}

/// A trajectory's observed columns: data, weights, noise and the smoothed columns.
struct Observed {
    y: Vec<f64>,
    w: Vec<f64>,
    sigma: Vec<f64>,
    smooth: Vec<Vec<f64>>,
}

/// Reads the observed columns of one trajectory, estimates their noise and smooths them.
fn observe(tr: &Trajectory, c: &Columns) -> Result<Observed, FitError> {
    let n = tr.times.len();
    if n < 5 {
        return Err(FitError::Data(format!("trajectory `{}` has {n} rows; the fit needs at least 5", tr.label)));
    }
    let nz = c.cols.len();
    let (mut y, mut w) = (vec![0.0; n * nz], vec![0.0; n * nz]);
    let mut sigma = vec![0.0; nz];
    let mut smoothed = vec![Vec::new(); nz];
    for (ci, &(s, k)) in c.cols.iter().enumerate() {
        if k != 0 {
            continue;
        }
        let (col, mask): (Vec<f64>, Vec<bool>) = (0..n)
            .map(|i| {
                let j = i * tr.width + c.state_col[s];
                (tr.values[j], tr.mask[j] && tr.values[j].is_finite())
            })
            .unzip();
        sigma[ci] = noise_std(&col, &mask);
        for i in 0..n {
            if mask[i] {
                y[i * nz + ci] = col[i];
                w[i * nz + ci] = 1.0 / sigma[ci];
            }
        }
        smoothed[ci] = smooth(&col, &mask, sigma[ci]);
    }
    Ok(Observed { y, w, sigma, smooth: smoothed })
}

/// Target size of the rule's discretisation error in a dynamics row, as a fraction of the
/// row's noise scale: small enough that the error of the rule does not pass for a missing term.
const DISCRETISATION_FRACTION: f64 = 0.1;

/// The rate of the dynamics, `ω = rms(x')/std(x)`, largest over the observed columns of all
/// trajectories (from the smoothed data).
fn rate(obs: &[Observed], times: &[&[f64]]) -> f64 {
    let mut omega = 0.0f64;
    for (ob, t) in obs.iter().zip(times) {
        for x in ob.smooth.iter().filter(|x| !x.is_empty()) {
            let sd = std_dev(x);
            if sd > 0.0 {
                let d = gradient(x, t);
                omega = omega.max((d.iter().map(|v| v * v).sum::<f64>() / d.len() as f64).sqrt() / sd);
            }
        }
    }
    omega
}

/// Sub-intervals of each data interval: enough that the rule's local error stays below
/// [`DISCRETISATION_FRACTION`] of the dynamics row's noise scale `ε = κσ√(Hh)`. The rule of order
/// `p` errs by `H^(p+1) |x^(p+1)| / C` per sub-interval ([`Scheme::error_model`]), estimated from
/// the (p+1)-th differences of the smoothed data around the interval, so `k` sub-intervals of a
/// data interval `h` need `k^(p+1/2) ≥ |Δ^(p+1) x| / (C f κ σ h)`; at most [`MAX_SUBSTEPS`].
fn auto_substeps(ob: &Observed, t: &[f64], scheme: Scheme, kappa: f64) -> Vec<usize> {
    let (p, cst) = scheme.error_model();
    let m = p as usize + 1;
    let n = t.len();
    let binom: Vec<f64> =
        (0..=m).map(|j| binomial(m, j) * if (m - j).is_multiple_of(2) { 1.0 } else { -1.0 }).collect();
    (0..n - 1)
        .map(|i| {
            if n < m + 1 {
                return 1;
            }
            let j0 = i.saturating_sub(m / 2).min(n - m - 1);
            let h = t[i + 1] - t[i];
            let need = ob
                .smooth
                .iter()
                .zip(&ob.sigma)
                .filter(|(x, _)| !x.is_empty())
                .map(|(x, &s)| {
                    let d: f64 = (0..=m).map(|j| binom[j] * x[j0 + j]).sum();
                    d.abs() / (cst * DISCRETISATION_FRACTION * kappa * s * h.sqrt())
                })
                .fold(0.0f64, f64::max);
            (need.powf(1.0 / (p as f64 + 0.5)).ceil() as usize).clamp(1, MAX_SUBSTEPS)
        })
        .collect()
}

/// The binomial coefficient `C(n, k)` as a float.
fn binomial(n: usize, k: usize) -> f64 {
    (0..k).fold(1.0, |acc, j| acc * (n - j) as f64 / (j + 1) as f64)
}

/// Puts one trajectory on its grid with `k[i]` sub-intervals in data interval `i`.
fn lay_out(tr: &Trajectory, ob: Observed, c: &Columns, k: &[usize], scheme: Scheme) -> Result<Traj, FitError> {
    let n = tr.times.len();
    let nz = c.cols.len();
    let grid = Grid::new(&tr.times, k, scheme);
    let np = grid.t.len();
    let mut sigma = ob.sigma.clone();
    let mut z0 = vec![0.0; np * nz];
    let mut prev: Vec<f64> = Vec::new();
    for ci in 0..nz {
        // A derivative column starts as the derivative of the column before it.
        let col = if c.cols[ci].1 == 0 {
            ob.smooth[ci].clone()
        } else {
            let d = gradient(&prev, &tr.times);
            let sd = std_dev(&prev).max(f64::MIN_POSITIVE);
            let rms = (d.iter().map(|v| v * v).sum::<f64>() / n as f64).sqrt();
            sigma[ci] = (sigma[ci - 1] * rms / sd).max(f64::MIN_POSITIVE);
            d
        };
        let on_grid = grid.interpolate(&col, &gradient(&col, &tr.times));
        for (p, v) in on_grid.iter().enumerate() {
            z0[p * nz + ci] = *v;
        }
        prev = col;
    }
    let mut w = ob.w;
    for (wv, ci) in w.iter_mut().zip((0..nz).cycle()) {
        if *wv > 0.0 {
            *wv = 1.0 / sigma[ci];
        }
    }
    let mut inputs = vec![0.0; np * c.input_col.len()];
    for (j, &col) in c.input_col.iter().enumerate() {
        let v: Vec<f64> = (0..n).map(|i| tr.values[i * tr.width + col]).collect();
        if let Some(i) = v.iter().position(|x| !x.is_finite()) {
            return Err(FitError::Data(format!(
                "input column {col} of trajectory `{}` is missing at t = {}",
                tr.label, tr.times[i]
            )));
        }
        for (p, x) in grid.interpolate_linear(&v).into_iter().enumerate() {
            inputs[p * c.input_col.len() + j] = x;
        }
    }
    Ok(Traj { t: tr.times.clone(), grid, y: ob.y, w, inputs, sigma, z0 })
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
