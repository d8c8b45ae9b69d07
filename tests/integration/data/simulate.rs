//! The Dormand–Prince integrator: closed-form solutions at grid points, dense output inside steps,
//! convergence with tolerance, Lorenz against independent references, FSAL bookkeeping, errors.

use mechc::data::{grid, simulate, SimError, SimOptions, Solution};

fn opts(rtol: f64, atol: f64) -> SimOptions {
    SimOptions { rtol, atol, ..SimOptions::default() }
}

/// Largest error at the grid, and the bound "steps × local tolerance": the controller keeps each
/// step's local error estimate below `atol + rtol·|x|`, and for a system that does not amplify
/// errors by more than `growth` the global error is at most `growth` times the sum of the local
/// ones. The factor 10 covers the 4th-order continuous extension, whose error is of the order of
/// the local error estimate rather than strictly below it.
fn check_against(sol: &Solution, exact: impl Fn(f64) -> Vec<f64>, o: &SimOptions, growth: f64) -> f64 {
    let steps = sol.stats.accepted as f64;
    let mut worst = 0.0_f64;
    for (i, &t) in sol.times.iter().enumerate() {
        let want = exact(t);
        for (got, want) in sol.row(i).iter().zip(&want) {
            let bound = 10.0 * growth * steps * (o.atol + o.rtol * want.abs());
            assert!((got - want).abs() <= bound, "t = {t}: {got} vs {want}, bound {bound}");
            worst = worst.max((got - want).abs());
        }
    }
    worst
}

#[test]
fn exponential_decay_matches_closed_form() {
    let o = opts(1e-9, 1e-12);
    let times = grid(0.0, 5.0, 0.1).unwrap();
    let mut f = |_t: f64, x: &[f64], dx: &mut [f64]| dx[0] = -1.5 * x[0];
    let sol = simulate(&mut f, &[2.0], &times, &o).unwrap();
    // Decay contracts errors: growth factor 1.
    check_against(&sol, |t| vec![2.0 * (-1.5 * t).exp()], &o, 1.0);
}

#[test]
fn harmonic_oscillator_matches_closed_form() {
    let o = opts(1e-10, 1e-12);
    let w = 2.0;
    let times = grid(0.0, 10.0, 0.05).unwrap();
    let mut f = |_t: f64, x: &[f64], dx: &mut [f64]| {
        dx[0] = x[1];
        dx[1] = -w * w * x[0];
    };
    let sol = simulate(&mut f, &[1.0, 0.0], &times, &o).unwrap();
    // The flow is a rotation in (x, v/w): errors are carried along without growth, up to the
    // ratio of the two scales (w = 2).
    check_against(&sol, |t| vec![(w * t).cos(), -w * (w * t).sin()], &o, w);
}

#[test]
fn logistic_matches_closed_form() {
    let o = opts(1e-10, 1e-12);
    let (r, k, x0) = (1.0, 10.0, 1.0);
    let times = grid(0.0, 12.0, 0.25).unwrap();
    let mut f = |_t: f64, x: &[f64], dx: &mut [f64]| dx[0] = r * x[0] * (1.0 - x[0] / k);
    let sol = simulate(&mut f, &[x0], &times, &o).unwrap();
    let exact = |t: f64| vec![k / (1.0 + (k / x0 - 1.0) * (-r * t).exp())];
    // For a 1-D autonomous flow a perturbation at time s grows by x'(t)/x'(s) <= max x' / x'(0)
    // = (rK/4) / (r·x0·(1 − x0/K)) = 2.5 / 0.9.
    check_against(&sol, exact, &o, 2.5 / 0.9);
}

#[test]
fn dense_output_is_accurate_inside_long_steps() {
    // Loose tolerance: steps are much longer than the output spacing, so almost every output
    // point comes from the continuous extension.
    let o = opts(1e-6, 1e-9);
    let times = grid(0.0, 4.0, 0.001).unwrap();
    let mut f = |_t: f64, x: &[f64], dx: &mut [f64]| dx[0] = -x[0];
    let sol = simulate(&mut f, &[1.0], &times, &o).unwrap();
    assert!(sol.stats.accepted * 20 < times.len(), "steps should span many output points");
    check_against(&sol, |t| vec![(-t).exp()], &o, 1.0);
}

#[test]
fn error_decreases_with_tolerance() {
    let w = 1.0;
    let times = grid(0.0, 20.0, 0.1).unwrap();
    let max_err = |tol: f64| {
        let mut f = |_t: f64, x: &[f64], dx: &mut [f64]| {
            dx[0] = x[1];
            dx[1] = -w * w * x[0];
        };
        let sol = simulate(&mut f, &[1.0, 0.0], &times, &opts(tol, tol * 1e-3)).unwrap();
        times.iter().enumerate().map(|(i, t)| (sol.row(i)[0] - t.cos()).abs()).fold(0.0, f64::max)
    };
    let errs: Vec<f64> = [1e-5, 1e-7, 1e-9].iter().map(|&t| max_err(t)).collect();
    // Step sizes scale like tol^(1/5) and the propagated 5th-order error like h^5, so the global
    // error is about proportional to the tolerance: 100x tighter must give at least 10x smaller.
    assert!(errs[1] * 10.0 < errs[0] && errs[2] * 10.0 < errs[1], "errors {errs:?}");
}

fn lorenz(_t: f64, x: &[f64], dx: &mut [f64]) {
    dx[0] = 10.0 * (x[1] - x[0]);
    dx[1] = x[0] * (28.0 - x[2]) - x[1];
    dx[2] = x[0] * x[1] - 8.0 / 3.0 * x[2];
}

/// Classical RK4 with a fixed step that divides the output spacing.
fn rk4(y0: &[f64], times: &[f64], substeps: usize) -> Vec<f64> {
    let mut y = y0.to_vec();
    let mut out = y.clone();
    let n = y.len();
    let mut k = vec![vec![0.0; n]; 4];
    let mut tmp = vec![0.0; n];
    for w in times.windows(2) {
        let h = (w[1] - w[0]) / substeps as f64;
        for s in 0..substeps {
            let t = w[0] + s as f64 * h;
            lorenz(t, &y, &mut k[0]);
            for (j, c) in [(1, 0.5), (2, 0.5), (3, 1.0)] {
                for i in 0..n {
                    tmp[i] = y[i] + c * h * k[j - 1][i];
                }
                let (_, rest) = k.split_at_mut(j);
                lorenz(t + c * h, &tmp, &mut rest[0]);
            }
            for i in 0..n {
                y[i] += h / 6.0 * (k[0][i] + 2.0 * k[1][i] + 2.0 * k[2][i] + k[3][i]);
            }
        }
        out.extend_from_slice(&y);
    }
    out
}

/// Largest per-row relative error `‖a_i − b_i‖ / ‖b_i‖`.
fn max_rel(a: &[f64], b: &[f64], dim: usize) -> f64 {
    a.chunks(dim)
        .zip(b.chunks(dim))
        .map(|(p, q)| {
            let e: f64 = p.iter().zip(q).map(|(x, y)| (x - y).powi(2)).sum();
            let n: f64 = q.iter().map(|y| y * y).sum();
            (e / n).sqrt()
        })
        .fold(0.0, f64::max)
}

#[test]
fn lorenz_with_default_tolerances_matches_a_fine_reference() {
    let times = grid(0.0, 10.0, 0.01).unwrap();
    let y0 = [-8.0, 8.0, 27.0];
    let default = simulate(&mut lorenz, &y0, &times, &SimOptions::default()).unwrap();
    let fine = rk4(&y0, &times, 100);
    let coarse = rk4(&y0, &times, 50);
    // Richardson: RK4's error falls 2^4 = 16-fold when the step halves, so the fine reference's
    // own error is about |fine − coarse| / 15; it must be well below the accuracy under test.
    let ref_err = max_rel(&coarse, &fine, 3) / 15.0;
    let err = max_rel(&default.values, &fine, 3);
    eprintln!("lorenz on [0, 10]: default error {err:e}, reference error {ref_err:e}");
    assert!(ref_err < 1e-9, "reference error {ref_err:e}");
    // The defaults promise about 1e-8 relative accuracy on the grid (Lorenz amplifies local
    // errors about 1e5-fold over ten time units, so this needs rtol ≈ 5e-14).
    assert!(err < 1e-8, "default tolerances give {err:e}");
    let loose = simulate(&mut lorenz, &y0, &times, &opts(1e-10, 1e-12)).unwrap();
    assert!(max_rel(&loose.values, &fine, 3) > 10.0 * err, "tighter tolerances must pay off");
}

#[test]
fn fsal_costs_six_evaluations_per_step() {
    let times = grid(0.0, 10.0, 0.1).unwrap();
    let mut calls = 0usize;
    let mut f = |_t: f64, x: &[f64], dx: &mut [f64]| {
        calls += 1;
        lorenz(0.0, x, dx);
    };
    let sol = simulate(&mut f, &[1.0, 1.0, 1.0], &times, &SimOptions::default()).unwrap();
    let s = sol.stats;
    // One evaluation at the start, one for the starting-step heuristic, then six per attempt
    // because the last stage of an accepted step is reused as the next step's first.
    assert_eq!(s.rhs_evals, 2 + 6 * (s.accepted + s.rejected));
    assert_eq!(calls, s.rhs_evals);
}

#[test]
fn grid_hits_end_exactly_and_samples_irregular_times() {
    let g = grid(0.0, 10.0, 0.002).unwrap();
    assert_eq!(g.len(), 5001);
    assert_eq!(*g.last().unwrap(), 10.0);
    assert_eq!(grid(0.0, 1.0, 0.3).unwrap().len(), 4);
    let times = [0.0, 0.013, 0.5, 0.51, 2.0, 3.7];
    let mut f = |_t: f64, x: &[f64], dx: &mut [f64]| dx[0] = -x[0];
    let o = opts(1e-10, 1e-13);
    let sol = simulate(&mut f, &[1.0], &times, &o).unwrap();
    check_against(&sol, |t| vec![(-t).exp()], &o, 1.0);
}

#[test]
fn failures_are_values() {
    let times = grid(0.0, 2.0, 0.1).unwrap();
    // x' = x² from 1 blows up at t = 1.
    let mut blow = |_t: f64, x: &[f64], dx: &mut [f64]| dx[0] = x[0] * x[0];
    match simulate(&mut blow, &[1.0], &times, &SimOptions::default()) {
        Err(SimError::StepUnderflow { t, .. } | SimError::NonFinite { t } | SimError::MaxSteps { t, .. }) => {
            assert!(t > 0.99 && t <= 1.0, "stopped at {t}")
        }
        other => panic!("expected a failure near t = 1, got {other:?}"),
    }
    let mut nan = |t: f64, _x: &[f64], dx: &mut [f64]| dx[0] = if t > 0.5 { f64::NAN } else { 1.0 };
    assert!(matches!(simulate(&mut nan, &[0.0], &times, &SimOptions::default()), Err(SimError::NonFinite { .. })));
    let few = SimOptions { max_steps: 3, ..SimOptions::default() };
    assert!(matches!(simulate(&mut lorenz, &[1.0, 1.0, 1.0], &times, &few), Err(SimError::MaxSteps { .. })));
    let bad = [0.0, 1.0, 1.0];
    assert!(matches!(simulate(&mut lorenz, &[1.0; 3], &bad, &SimOptions::default()), Err(SimError::BadGrid(_))));
    assert!(matches!(
        simulate(&mut lorenz, &[f64::NAN; 3], &times, &SimOptions::default()),
        Err(SimError::BadInput(_))
    ));
    assert!(grid(1.0, 0.0, 0.1).is_err());
}

#[test]
fn step_limits_are_respected() {
    let times = [0.0, 1.0];
    let mut f = |_t: f64, x: &[f64], dx: &mut [f64]| dx[0] = -x[0];
    let free = simulate(&mut f, &[1.0], &times, &opts(1e-6, 1e-9)).unwrap();
    let capped = SimOptions { max_step: Some(0.01), ..opts(1e-6, 1e-9) };
    let sol = simulate(&mut f, &[1.0], &times, &capped).unwrap();
    // Steps of at most 0.01 need at least 100 of them to cover [0, 1]; the free run needs far fewer.
    assert!(sol.stats.accepted >= 100 && free.stats.accepted < 50, "{:?} {:?}", sol.stats, free.stats);
    let start = SimOptions { initial_step: Some(-1.0), ..SimOptions::default() };
    assert!(matches!(simulate(&mut f, &[1.0], &times, &start), Err(SimError::BadInput(_))));
}
