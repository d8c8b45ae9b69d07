//! Rollout metrics on constructed examples with answers worked out by hand, and the largest
//! Lyapunov exponent of Lorenz.

use mechc::data::{largest_lyapunov, LyapunovOptions, Trajectory};
use mechc::report::metrics::{
    relative_errors, rmse_per_state, rollout_error, valid_prediction_time, Compare, DEFAULT_VPT_TOLERANCE,
};

/// Data alternating ±1 in both states (mean 0, population variance 1 each, so the VPT
/// normaliser is √2), on the grid t = 0, 0.1, …, 10.
fn alternating() -> (Vec<f64>, Vec<f64>) {
    let times: Vec<f64> = (0..=100).map(|i| i as f64 / 10.0).collect();
    let data = (0..=100)
        .flat_map(|i| {
            let s = if i % 2 == 0 { 1.0 } else { -1.0 };
            [s, -s]
        })
        .collect();
    (times, data)
}

fn cmp<'a>(times: &'a [f64], pred: &'a [f64], data: &'a [f64], mask: Option<&'a [bool]>) -> Compare<'a> {
    Compare { times, width: 2, pred, data, data_stride: 2, mask }
}

#[test]
fn valid_prediction_time_of_exponentially_growing_error() {
    let (times, data) = alternating();
    // Error 1e-3·e^t in the first state: e(t) = 1e-3·e^t / √2 exceeds 0.1 once
    // t > ln(100·√2) = 4.9517, i.e. first at the grid point t = 5.0.
    let pred: Vec<f64> =
        data.iter().enumerate().map(|(k, x)| if k % 2 == 0 { x + 1e-3 * times[k / 2].exp() } else { *x }).collect();
    let v = valid_prediction_time(&cmp(&times, &pred, &data, None), DEFAULT_VPT_TOLERANCE, Some(0.5));
    assert!(v.exceeded);
    assert_eq!(v.time, 5.0);
    assert_eq!(v.lyapunov_times, Some(2.5));
    // A looser tolerance 1.0: t > ln(1000·√2) = 7.254 → 7.3 (up to the grid's round-off).
    let v = valid_prediction_time(&cmp(&times, &pred, &data, None), 1.0, None);
    assert!((v.time - 7.3).abs() < 1e-12 && v.lyapunov_times.is_none());
}

#[test]
fn valid_prediction_time_edge_cases() {
    let (times, data) = alternating();
    let v = valid_prediction_time(&cmp(&times, &data, &data, None), 0.1, None);
    assert!(!v.exceeded);
    assert_eq!(v.time, 10.0, "a perfect rollout is valid over the whole span");
    let mut pred = data.clone();
    pred[2 * 30] = f64::NAN;
    let v = valid_prediction_time(&cmp(&times, &pred, &data, None), 0.1, None);
    assert!(v.exceeded && (v.time - 3.0).abs() < 1e-12, "a blown-up rollout is not valid: {v:?}");
}

#[test]
fn rmse_and_relative_errors() {
    let (times, data) = alternating();
    let pred: Vec<f64> = data.iter().enumerate().map(|(k, x)| x + if k % 2 == 0 { 0.3 } else { -0.02 }).collect();
    let mut mask = vec![true; data.len()];
    let mut bad = pred.clone();
    bad[10] = 1e6;
    mask[10] = false;
    let r = rmse_per_state(&cmp(&times, &bad, &data, Some(&mask)));
    assert!((r[0] - 0.3).abs() < 1e-14 && (r[1] - 0.02).abs() < 1e-14, "masked entries are ignored: {r:?}");
    // |x| = √2 at every point, error √(0.09 + 0.0004): the same relative error everywhere.
    let want = ((0.09_f64 + 0.0004) / 2.0).sqrt();
    assert!(relative_errors(&cmp(&times, &pred, &data, None)).iter().all(|e| (e - want).abs() < 1e-14));
    assert!((rollout_error(&cmp(&times, &pred, &data, None), 1.0) - want).abs() < 1e-14);
}

#[test]
fn rollout_error_counts_only_the_horizon() {
    let (times, data) = alternating();
    // Exact up to t = 2, then off by 1 in the first state.
    let pred: Vec<f64> =
        data.iter().enumerate().map(|(k, x)| if k % 2 == 0 && times[k / 2] > 2.05 { x + 1.0 } else { *x }).collect();
    let c = cmp(&times, &pred, &data, None);
    assert_eq!(rollout_error(&c, 2.0), 0.0);
    // Horizon 5: rows t = 2.1 … 5.0 (30 of 51) are off by 1, and ‖x‖² = 2 per row.
    assert!((rollout_error(&c, 5.0) - (30.0_f64 / (51.0 * 2.0)).sqrt()).abs() < 1e-14);
}

#[test]
fn trajectory_comparison_uses_only_state_columns() {
    let tr = Trajectory::from_rows("t", vec![0.0, 1.0], 3, vec![1.0, 2.0, 99.0, 3.0, f64::NAN, 99.0]);
    let pred = [1.5, 2.0, 3.0, 50.0];
    let r = rmse_per_state(&Compare::trajectory(&tr, 2, &pred));
    assert!((r[0] - (0.25_f64 / 2.0).sqrt()).abs() < 1e-15 && r[1] == 0.0, "{r:?}");
}

fn lorenz(_t: f64, x: &[f64], dx: &mut [f64]) {
    dx[0] = 10.0 * (x[1] - x[0]);
    dx[1] = x[0] * (28.0 - x[2]) - x[1];
    dx[2] = x[0] * x[1] - 8.0 / 3.0 * x[2];
}

#[test]
fn lorenz_lyapunov_exponent() {
    // Eight independent estimates (different seeds and starting points, 200 time units each):
    // their spread gives the standard error of the mean, and the mean must lie within 5 of them
    // (plus 0.005 for the reference value's own digits) of the literature value 0.9056.
    let opts = |seed| LyapunovOptions { intervals: 400, seed, ..LyapunovOptions::default() };
    let est: Vec<f64> =
        (0..8).map(|s| largest_lyapunov(&mut lorenz, &[1.0 + s as f64, 1.0, 20.0], &opts(s)).unwrap()).collect();
    let n = est.len() as f64;
    let mean = est.iter().sum::<f64>() / n;
    let sd = (est.iter().map(|e| (e - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    eprintln!("lyapunov estimates {est:?}, mean {mean}, sd {sd}");
    assert!((mean - 0.9056).abs() <= 5.0 * sd / n.sqrt() + 0.005, "mean {mean}, sd {sd}");
    assert!(sd < 0.1, "estimates should agree: sd {sd}");
    let again = largest_lyapunov(&mut lorenz, &[1.0, 1.0, 20.0], &opts(0)).unwrap();
    assert_eq!(again, est[0], "seeded estimates are reproducible");
}
