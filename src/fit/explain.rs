//! The symbolic explanation of a trained neural term (`mlp(...; explain = lib)`): the network is
//! evaluated on the denoised trajectories and its output regressed onto the basis `lib`, sparsely.
//!
//! Selection: least squares on the whole basis, then a backward-elimination path (each level
//! drops the term with the smallest normalised magnitude `|c|·rms(term)/rms(output)` and refits,
//! the same magnitude the `sindy` engine thresholds), and the sparsest level whose residual sum
//! of squares is at most [`RSS_FACTOR`] times that of the whole basis, or at most
//! [`UNEXPLAINED`] of the output's variance, is chosen. The network's output carries no noise
//! but a smooth approximation error, correlated along the trajectory, so an information
//! criterion with one degree of freedom per row would keep terms that only fit that error; the
//! bounds do not depend on the number of rows.
//!
//! Input: the lowered model with its trained weights installed, the fit (parameters,
//! coefficients, denoised trajectories) and the data (inputs). Output: one [`Explanation`] per
//! neural term with `explain`, or an error naming why the evaluation failed.

use super::banded::dense_solve;
use super::{FitError, Fitted};
use crate::data::Dataset;
use crate::ir::{ModelIr, NodeId};
use crate::jit::{compile, model_layout};

/// A level of the path may leave at most this factor times the residual sum of squares of the
/// whole basis: "explains the network as well as the whole basis does, to within a factor 2".
/// Chosen a priori (not tuned), and confirmed on the two examples' networks.
pub const RSS_FACTOR: f64 = 2.0;

/// A level that leaves at most this fraction of the output's variance unexplained (R² ≥ 0.999)
/// is accepted too: the whole basis can fit part of the network's own approximation error, so
/// its residual alone would be too strict a reference.
pub const UNEXPLAINED: f64 = 1e-3;

/// The sparse formula found for one neural term.
#[derive(Clone, Debug, PartialEq)]
pub struct Explanation {
    /// Equation of the network.
    pub equation: usize,
    /// Index of the network among the equation's neural terms.
    pub network: usize,
    /// The kept terms: (printed term, node, coefficient), in basis order.
    pub terms: Vec<(String, NodeId, f64)>,
    /// Coefficient of determination of the formula against the network's output.
    pub r2: f64,
    /// Rows the regression used.
    pub rows: usize,
}

/// Explains every neural term that asks for it.
pub fn explain(ir: &ModelIr, fitted: &Fitted, data: &Dataset) -> Result<Vec<Explanation>, FitError> {
    let mut out = Vec::new();
    for (e, eq) in ir.equations.iter().enumerate() {
        for (k, net) in eq.neural.iter().enumerate() {
            let Some((_, terms)) = &net.explain else { continue };
            let mut outputs = vec![net.node];
            outputs.extend(terms.iter().map(|t| t.node));
            let (y, theta) = evaluate(ir, fitted, data, &outputs)?;
            let m = terms.len();
            let (coef, r2) = select(&y, &theta, m);
            let kept = terms
                .iter()
                .zip(&coef)
                .filter(|(_, c)| **c != 0.0)
                .map(|(t, &c)| (t.name.clone(), t.node, c))
                .collect();
            out.push(Explanation { equation: e, network: k, terms: kept, r2, rows: y.len() });
        }
    }
    Ok(out)
}

/// The outputs on every row of the denoised trajectories: the first output as a vector, the
/// others row-major (`rows × (outputs − 1)`). Rows with a non-finite value are left out.
fn evaluate(
    ir: &ModelIr,
    fitted: &Fitted,
    data: &Dataset,
    outputs: &[NodeId],
) -> Result<(Vec<f64>, Vec<f64>), FitError> {
    let layout = model_layout(ir);
    let err = |e: crate::jit::JitError| FitError::Data(format!("cannot evaluate the neural term: {e}"));
    let kernel = compile(&ir.arena, outputs, &layout).map_err(err)?;
    let params: Vec<f64> = fitted.params.iter().chain(&fitted.coefficients).copied().collect();
    let ns = data.states.len();
    let ni = data.inputs.len();
    let nc = layout.columns.len();
    let m = outputs.len();
    let (mut y, mut theta) = (Vec::new(), Vec::new());
    for (z, tr) in fitted.denoised.iter().zip(&data.trajectories) {
        let n = z.times.len().min(tr.times.len());
        let mut x = Vec::with_capacity(n * nc);
        for i in 0..n {
            x.extend_from_slice(&z.values[i * z.width..(i + 1) * z.width]);
            x.extend_from_slice(&tr.values[i * tr.width + ns..i * tr.width + ns + ni]);
            x.push(z.times[i]);
        }
        if x.len() != n * nc {
            return Err(FitError::Data("the denoised trajectories do not match the model's columns".into()));
        }
        let mut v = vec![0.0; n * m];
        kernel.eval_par(n, &x, &params, &mut v).map_err(err)?;
        for row in v.chunks_exact(m).filter(|r| r.iter().all(|x| x.is_finite())) {
            y.push(row[0]);
            theta.extend_from_slice(&row[1..]);
        }
    }
    Ok((y, theta))
}

/// Least squares of `y` on the columns `active` of `theta` (`rows × m`); returns the full-length
/// coefficient vector (0 off the support) and the residual sum of squares.
fn lsq(y: &[f64], theta: &[f64], m: usize, active: &[bool]) -> (Vec<f64>, f64) {
    let idx: Vec<usize> = (0..m).filter(|&j| active[j]).collect();
    let k = idx.len();
    let mut coef = vec![0.0; m];
    if k > 0 {
        let (mut a, mut b) = (vec![0.0; k * k], vec![0.0; k]);
        for (r, &yr) in theta.chunks_exact(m).zip(y) {
            for (p, &i) in idx.iter().enumerate() {
                b[p] += r[i] * yr;
                for (q, &j) in idx.iter().enumerate() {
                    a[p * k + q] += r[i] * r[j];
                }
            }
        }
        // A relative 1e-12 ridge keeps collinear bases solvable without biasing the others.
        let tr = (0..k).map(|p| a[p * k + p]).fold(f64::MIN_POSITIVE, f64::max);
        (0..k).for_each(|p| a[p * k + p] += 1e-12 * tr);
        if let Some(c) = dense_solve(&a, &b, k) {
            idx.iter().zip(c).for_each(|(&j, v)| coef[j] = v);
        }
    }
    let rss = theta
        .chunks_exact(m)
        .zip(y)
        .map(|(r, &yr)| (yr - r.iter().zip(&coef).map(|(a, b)| a * b).sum::<f64>()).powi(2))
        .sum();
    (coef, rss)
}

/// The backward-elimination path of `y` on the columns of `theta` (`rows × m`, row-major) and
/// the sparsest level within the bounds ([`RSS_FACTOR`], [`UNEXPLAINED`]); returns its
/// coefficients (0 off the support) and R².
pub fn select(y: &[f64], theta: &[f64], m: usize) -> (Vec<f64>, f64) {
    let n = y.len().max(1) as f64;
    let mean = y.iter().sum::<f64>() / n;
    let tss = y.iter().map(|v| (v - mean).powi(2)).sum::<f64>().max(f64::MIN_POSITIVE);
    let y_rms = (y.iter().map(|v| v * v).sum::<f64>() / n).sqrt().max(f64::MIN_POSITIVE);
    let col_rms: Vec<f64> =
        (0..m).map(|j| (theta.chunks_exact(m).map(|r| r[j] * r[j]).sum::<f64>() / n).sqrt()).collect();
    let mut active: Vec<bool> = col_rms.iter().map(|&r| r > 0.0).collect();
    let (full, full_rss) = lsq(y, theta, m, &active);
    let bound = (RSS_FACTOR * full_rss).max(UNEXPLAINED * tss);
    let mut best = (full.clone(), full_rss);
    let mut coef = full;
    while active.iter().filter(|&&a| a).count() > 1 {
        let drop = (0..m)
            .filter(|&j| active[j])
            .min_by(|&a, &b| {
                let ma = coef[a].abs() * col_rms[a] / y_rms;
                let mb = coef[b].abs() * col_rms[b] / y_rms;
                ma.total_cmp(&mb)
            })
            .unwrap_or(0);
        active[drop] = false;
        let (c, rss) = lsq(y, theta, m, &active);
        if rss <= bound {
            best = (c.clone(), rss);
        } else {
            break;
        }
        coef = c;
    }
    let r2 = 1.0 - best.1 / tss;
    (best.0, r2)
}
