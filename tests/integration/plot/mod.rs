//! Tests of `report::plot`: SVG structure (panels, series, labels), PNG validity, errors and
//! atomic writing. Fixtures are closed-form trajectories with seeded noise; a small SVG scanner
//! reads back what was drawn.

mod errors;
mod heatmap;
mod png;
mod svg;

use mechc::report::plot::{LossHistory, LossUnit, PlotData, PlotTrajectory};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};

/// A damped rotation (the third state decays on its own; further states repeat these shifted
/// by one per repetition): closed-form values at `times`, row-major.
fn truth(times: &[f64], n_states: usize, phase: f64) -> Vec<f64> {
    let mut out = Vec::with_capacity(times.len() * n_states);
    for &t in times {
        let r = (-0.1 * t).exp();
        let row = [r * (t + phase).cos(), -r * (t + phase).sin(), (-0.3 * t).exp() * 2.0];
        out.extend((0..n_states).map(|d| row[d % 3] + (d / 3) as f64));
    }
    out
}

/// One trajectory on `n_times` uniform times in [0, 10]: noisy observations (seeded) and the
/// noise-free values as the rollout.
fn trajectory(label: &str, n_times: usize, n_states: usize, seed: u64) -> PlotTrajectory {
    let times: Vec<f64> = (0..n_times).map(|i| 10.0 * i as f64 / (n_times - 1) as f64).collect();
    let clean = truth(&times, n_states, seed as f64 * 0.7);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let noise = Normal::new(0.0, 0.03).expect("a positive standard deviation");
    let observed = clean.iter().map(|v| v + noise.sample(&mut rng)).collect();
    PlotTrajectory { label: label.into(), times, observed, rollout: Some(clean), denoised: None, inputs: vec![] }
}

/// A loss history decaying over three threshold rounds of 40 epochs.
fn loss() -> LossHistory {
    let values = (0..120).map(|i| 0.5 * (-0.05 * (i % 40) as f64).exp() * 0.3f64.powi(i / 40)).collect();
    LossHistory { values, unit: LossUnit::Epoch, round_starts: vec![40, 80] }
}

/// A model with `n_states` states (`x`, `y`, `z`, `w`, …) and the given trajectories.
fn plot_data(n_states: usize, trajectories: Vec<PlotTrajectory>) -> PlotData {
    let names = ["x", "y", "z", "w", "v", "u"];
    PlotData {
        title: "damped oscillator".into(),
        state_names: names[..n_states].iter().map(|s| s.to_string()).collect(),
        input_names: vec![],
        trajectories,
        equations: vec![],
        note: None,
        path: vec![],
        loss: loss(),
    }
}

/// A fresh directory under the system's temporary directory for one test's files.
fn out_dir(test: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("mechc-plot-tests-{}", std::process::id())).join(test);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temporary directory is writable");
    dir
}

/// Number of runs of consecutive finite values (what a gap-splitting line draws as polylines).
fn finite_runs(values: impl IntoIterator<Item = f64>) -> usize {
    let mut runs = 0;
    let mut inside = false;
    for v in values {
        if v.is_finite() && !inside {
            runs += 1;
        }
        inside = v.is_finite();
    }
    runs
}

/// Column `d` of a row-major array with `n` columns.
fn column(values: &[f64], n: usize, d: usize) -> Vec<f64> {
    values.chunks(n).map(|row| row[d]).collect()
}

#[test]
fn data_set_trajectories_keep_states_and_drop_masked_values() {
    use mechc::data::Trajectory;
    // Two states and one input column; one state value is marked missing by the mask only.
    let values = vec![1.0, 2.0, 9.0, 3.0, 4.0, 9.0, 5.0, f64::NAN, 9.0];
    let mut tr = Trajectory::from_rows("csv", vec![0.0, 0.5, 1.0], 3, values);
    tr.mask[3] = false;
    let p = PlotTrajectory::from_trajectory(&tr, 2, None);
    assert_eq!(p.label, "csv");
    assert_eq!(p.times, tr.times);
    let shown: Vec<Option<f64>> = p.observed.iter().map(|v| v.is_finite().then_some(*v)).collect();
    assert_eq!(shown, [Some(1.0), Some(2.0), None, Some(4.0), Some(5.0), None]);
}
