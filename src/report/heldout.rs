//! The fitted model scored on data it did not see: with `fit { validation = f }` the end of each
//! trajectory is held out of training (`crate::pipeline` splits the data), and here the
//! discovered model is integrated from the fit's last learned state of each training part over
//! the held-out times and compared with the raw held-out data.
//!
//! Metrics, over all trajectories: the normalised root-mean-square error
//! `sqrt(mean ‖x̂ − x‖²) / spread` (spread as in [`super::metrics`]: the held-out data's
//! root-mean-square distance from its mean), beside its noise floor `sqrt(Σ σ_d²) / spread` (what
//! an exact model scores against noisy data, σ_d the fit's noise estimates); and the mean valid
//! prediction time at a tolerance of 0.1 raised to three times the noise floor, because raw data
//! carry the noise: the normalised noise of one row exceeds three times its root mean square
//! with a probability below 1e-5 for up to three states, so the noise alone does not end the
//! valid time.

use super::metrics::{normalised_errors, valid_prediction_time, Compare, DEFAULT_VPT_TOLERANCE};
use super::rollout::DiscoveredRhs;
use crate::data::{Dataset, Trajectory};
use crate::fit::Fitted;
use crate::ir::ModelIr;
use serde::Serialize;

/// Multiple of the noise floor the valid time's tolerance is raised to on raw data.
const FLOOR_MULTIPLE: f64 = 3.0;

/// The held-out score.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HeldOut {
    /// What the score is measured against, in words.
    pub against: String,
    /// Fraction of each trajectory held out.
    pub fraction: f64,
    /// Held-out rows over all trajectories.
    pub rows: usize,
    /// Normalised RMS error of the rollout against the raw held-out data.
    pub error: f64,
    /// The error an exact model would have (the noise alone).
    pub noise_floor: f64,
    /// Mean valid prediction time over trajectories (time units from the end of training).
    pub valid_time: f64,
    /// Mean length of the held-out spans.
    pub span: f64,
    /// The valid time's tolerance.
    pub tolerance: f64,
    /// Trajectories whose rollout failed (they count as valid for no time).
    pub failed: usize,
}

/// Scores the fit on the held-out ends: `train` is the data the fit saw, `full` the whole
/// trajectories (the same trajectories, longer). `None` when nothing is held out.
pub fn score(ir: &ModelIr, fitted: &Fitted, train: &Dataset, full: &Dataset, fraction: f64) -> Option<HeldOut> {
    let n = train.states.len();
    let mut rhs = DiscoveredRhs::new(ir, &fitted.params, &fitted.coefficients).ok()?;
    let floor_sq: f64 = fitted.noise.iter().take(n).map(|s| s * s).sum();
    let (mut err_sq, mut spread_sq, mut rows, mut vt, mut span, mut failed, mut count) = (0.0, 0.0, 0, 0.0, 0.0, 0, 0);
    let mut tolerance = DEFAULT_VPT_TOLERANCE;
    for (k, (tr, whole)) in train.trajectories.iter().zip(&full.trajectories).enumerate() {
        let split = tr.len();
        if whole.len() <= split || split == 0 {
            continue;
        }
        let tail = tail(whole, split - 1);
        for (p, values) in fitted.per_trajectory.iter().enumerate() {
            if let Some(&v) = values.get(k) {
                rhs.set_param(p, v);
            }
        }
        let y0 = match fitted.denoised.get(k) {
            Some(d) if d.width == rhs.dim() && d.len() == split => d.values[(split - 1) * d.width..].to_vec(),
            _ => rhs.initial_state(&tail, n),
        };
        count += 1;
        span += tail.times[tail.len() - 1] - tail.times[0];
        rows += tail.len() - 1;
        let Ok(pred) = rhs.rollout(&tail, n, Some(&y0)) else {
            failed += 1;
            continue;
        };
        // Row 0 is the last training point: the start, not a prediction.
        let c = Compare::trajectory(&tail, n, &pred);
        let s = spread(&tail, n);
        let tol = DEFAULT_VPT_TOLERANCE.max(FLOOR_MULTIPLE * floor_sq.sqrt() / s);
        tolerance = tolerance.max(tol);
        let e = normalised_errors(&c);
        err_sq += e[1..].iter().map(|x| (x * s).powi(2)).sum::<f64>();
        spread_sq += s * s * (tail.len() - 1) as f64;
        vt += valid_prediction_time(&c, tol, None).time;
    }
    if count == 0 {
        return None;
    }
    let mean_spread = (spread_sq / rows.max(1) as f64).sqrt();
    Some(HeldOut {
        against: format!("the raw data of the last {}% of each trajectory, held out of training", fmt_pct(fraction)),
        fraction,
        rows,
        error: (err_sq / rows.max(1) as f64).sqrt() / mean_spread,
        noise_floor: floor_sq.sqrt() / mean_spread,
        valid_time: vt / count as f64,
        span: span / count as f64,
        tolerance,
        failed,
    })
}

fn fmt_pct(f: f64) -> String {
    crate::number::format_sig(100.0 * f, 3)
}

/// The rows of `tr` from `from` on.
fn tail(tr: &Trajectory, from: usize) -> Trajectory {
    let mut t = Trajectory::from_rows(
        tr.label.clone(),
        tr.times[from..].to_vec(),
        tr.width,
        tr.values[from * tr.width..].to_vec(),
    );
    t.mask = tr.mask[from * tr.width..].to_vec();
    t
}

/// The data's root-mean-square distance from its mean, over the state columns.
fn spread(tr: &Trajectory, n: usize) -> f64 {
    let mut total = 0.0;
    for d in 0..n {
        let xs: Vec<f64> = (0..tr.len()).map(|r| tr.values[r * tr.width + d]).filter(|v| !v.is_nan()).collect();
        if xs.is_empty() {
            continue;
        }
        let m = xs.iter().sum::<f64>() / xs.len() as f64;
        total += xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / xs.len() as f64;
    }
    total.sqrt()
}
