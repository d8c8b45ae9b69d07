//! The initial learned trajectory: a noise estimate per data column and a Whittaker smoother
//! (penalised third differences) whose strength is chosen by the discrepancy principle.
//!
//! Input: one data column with its missing-value mask. Output: the estimated noise standard
//! deviation and a smoothed column of the same length.

use super::banded::Banded;

/// Noise standard deviation of a column from its fourth differences: for white noise of
/// variance σ², `Var(Δ⁴e) = 70 σ²`; the median absolute deviation (÷0.6745) makes the
/// estimate robust to the signal's own fourth differences. Floored at `1e-4` of the column's
/// standard deviation so that clean data keeps a finite weight.
pub fn noise_std(y: &[f64], mask: &[bool]) -> f64 {
    let obs: Vec<f64> = y.iter().zip(mask).filter(|(_, &m)| m).map(|(&v, _)| v).collect();
    let sd = std_dev(&obs);
    let mut d4: Vec<f64> = obs.windows(5).map(|w| (w[0] - 4.0 * w[1] + 6.0 * w[2] - 4.0 * w[3] + w[4]).abs()).collect();
    if d4.is_empty() {
        return sd.max(f64::MIN_POSITIVE);
    }
    let mid = d4.len() / 2;
    d4.select_nth_unstable_by(mid, |a, b| a.total_cmp(b));
    let est = d4[mid] / 0.6745 / 70f64.sqrt();
    est.max(1e-4 * sd).max(f64::MIN_POSITIVE)
}

/// Standard deviation (population) of a slice; 0 when empty.
pub fn std_dev(v: &[f64]) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    let m = v.iter().sum::<f64>() / v.len() as f64;
    (v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / v.len() as f64).sqrt()
}

/// Solves `(W + λ D₃ᵀD₃) x = W y` (W = mask weights) by banded Cholesky.
fn whittaker(y: &[f64], mask: &[bool], lambda: f64) -> Option<Vec<f64>> {
    let n = y.len();
    let mut a = Banded::zeros(n, 3);
    let mut rhs = vec![0.0; n];
    for i in 0..n {
        if mask[i] {
            a.add(i, i, 1.0);
            rhs[i] = y[i];
        }
    }
    const D3: [f64; 4] = [-1.0, 3.0, -3.0, 1.0];
    for i in 0..n.saturating_sub(3) {
        for (p, dp) in D3.iter().enumerate() {
            for (q, dq) in D3.iter().enumerate().skip(p) {
                a.add(i + p, i + q, lambda * dp * dq);
            }
        }
    }
    a.cholesky().ok()?;
    a.solve(&mut rhs, 1);
    Some(rhs)
}

/// Smooths a column: the largest λ (bisection on log λ) whose mean squared misfit on the
/// observed values stays below σ² (discrepancy principle), so the smoother removes about the
/// estimated noise and no more. Falls back to the data itself (missing values interpolated
/// by a tiny λ) when nothing can be smoothed.
pub fn smooth(y: &[f64], mask: &[bool], sigma: f64) -> Vec<f64> {
    let n_obs = mask.iter().filter(|&&m| m).count().max(1) as f64;
    let y0: Vec<f64> = y.iter().zip(mask).map(|(&v, &m)| if m { v } else { 0.0 }).collect();
    let misfit = |x: &[f64]| {
        x.iter().zip(&y0).zip(mask).filter(|(_, &m)| m).map(|((a, b), _)| (a - b) * (a - b)).sum::<f64>() / n_obs
    };
    let (mut lo, mut hi) = (-8.0f64, 14.0f64);
    let mut best = whittaker(&y0, mask, 10f64.powf(lo)).unwrap_or_else(|| y0.clone());
    for _ in 0..30 {
        let mid = 0.5 * (lo + hi);
        match whittaker(&y0, mask, 10f64.powf(mid)) {
            Some(x) if misfit(&x) <= sigma * sigma => {
                best = x;
                lo = mid;
            }
            _ => hi = mid,
        }
    }
    best
}
