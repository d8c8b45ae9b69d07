//! How the fit behaves around the numerics: a fixed threshold, determinism, the cancel flag,
//! progress reports, errors for unsupported or non-finite models, and the exact gradient of the
//! objective against central finite differences.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use super::{dataset, grid, model, run, simulated};
use mechc::data::Dataset;
use mechc::fit::{fit, FitError, FitInput, Objective};

const LV: &str = "model lv\nstate x, y\nbasis lib = poly(x, y, degree = 2)\nx' = sparse(lib)\ny' = sparse(lib)\n";

fn lv_data(noise: f64, t1: f64, step: f64) -> Dataset {
    let rhs = |_t: f64, x: &[f64], d: &mut [f64]| {
        d[0] = 1.1 * x[0] - 0.4 * x[0] * x[1];
        d[1] = 0.1 * x[0] * x[1] - 0.4 * x[1];
    };
    dataset(&["x", "y"], vec![simulated(&["x", "y"], rhs, &[10.0, 5.0], &grid(t1, step), noise, 2)])
}

#[test]
fn fixed_threshold_runs_rounds_at_that_level() {
    let (m, ir) = model(&format!("{LV}fit {{ threshold = 0.01, rounds = 3 }}\n"));
    let f = run(&m, &ir, &lv_data(1.0, 30.0, 0.01)).unwrap();
    assert_eq!(f.active.iter().filter(|&&a| a).count(), 4, "{:?}", f.coefficients);
    assert_eq!(f.threshold, Some(0.01));
    assert_eq!(f.path.len(), 1);
    assert!(f.path[0].chosen && f.path[0].terms == 4);
    assert!((1..=3).contains(&f.rounds));
    // Dropped slots are exactly zero.
    for (c, a) in f.coefficients.iter().zip(&f.active) {
        assert_eq!(*c == 0.0, !*a);
    }
}

#[test]
fn rounds_zero_fits_the_whole_library_once() {
    let (m, ir) = model(&format!("{LV}fit {{ rounds = 0 }}\n"));
    let f = run(&m, &ir, &lv_data(1.0, 30.0, 0.01)).unwrap();
    assert!(f.active.iter().all(|&a| a));
    assert!(f.path.is_empty() && f.threshold.is_none() && f.rounds == 0);
}

#[test]
fn same_seed_same_result_bit_for_bit() {
    let (m, ir) = model(LV);
    let data = lv_data(2.0, 30.0, 0.01);
    // Everything but the phases' wall times.
    let timeless = |mut f: mechc::fit::Fitted| {
        f.phases.clear();
        f
    };
    let a = timeless(run(&m, &ir, &data).unwrap());
    let b = timeless(run(&m, &ir, &data).unwrap());
    assert_eq!(a, b);
    let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&a.coefficients), bits(&b.coefficients));
}

#[test]
fn cancel_flag_stops_with_the_best_model_so_far() {
    let (m, ir) = model(LV);
    let data = lv_data(2.0, 30.0, 0.01);
    let cancel = AtomicBool::new(false);
    let seen = Mutex::new(Vec::new());
    let progress = |p: &mechc::fit::Progress| {
        let mut s = seen.lock().unwrap();
        s.push(p.clone());
        if s.len() == 3 {
            cancel.store(true, Ordering::Relaxed);
        }
    };
    let input = FitInput { ir: &ir, model: &m, data: &data, seed: 0, cancel: Some(&cancel), progress: Some(&progress) };
    let f = fit(&input).unwrap();
    assert!(f.interrupted);
    assert_eq!(f.history.len(), 3);
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 3);
    // Each reported loss is the history's, and the iterations of one round decrease the loss
    // (a later round refits a smaller library, which starts higher).
    for (p, h) in seen.iter().zip(&f.history) {
        assert_eq!(p.loss, h.loss);
        assert_eq!(p.round, h.round);
    }
    for w in seen.windows(2).filter(|w| w[0].round == w[1].round) {
        assert!(w[1].loss < w[0].loss, "{seen:?}");
    }
    assert!(f.coefficients.iter().all(|c| c.is_finite()));
}

/// Neural terms train under collocation only: the engines that do not train them refuse with
/// the term's span (the pipeline says so first, with `E045`).
#[test]
fn neural_terms_are_unsupported_with_their_span_outside_collocation() {
    let text = "model n\nstate v, w\nv' = v - v^3/3 + mlp(v, w; hidden = [4])\nw' = -w\nfit { method = sindy }\n";
    let (m, ir) = model(text);
    let data = {
        let rhs = |_t: f64, x: &[f64], d: &mut [f64]| {
            d[0] = x[0] - x[0].powi(3) / 3.0 - x[1];
            d[1] = -x[1];
        };
        dataset(&["v", "w"], vec![simulated(&["v", "w"], rhs, &[1.0, 1.0], &grid(5.0, 0.01), 0.0, 0)])
    };
    match run(&m, &ir, &data) {
        Err(FitError::Unsupported { what, span: Some(_) }) => assert!(what.contains("neural"), "{what}"),
        other => panic!("expected Unsupported, got {other:?}"),
    }
}

#[test]
fn non_finite_term_on_the_data_is_named() {
    let (m, ir) = model("model l\nstate x\nbasis lib = {x, log(x)}\nx' = sparse(lib)\n");
    // x(t) = -cos(t) + 0.5 crosses zero: log(x) is NaN wherever x < 0.
    let rhs = |t: f64, _x: &[f64], d: &mut [f64]| d[0] = t.sin();
    let data = dataset(&["x"], vec![simulated(&["x"], rhs, &[-0.5], &grid(6.0, 0.01), 0.0, 0)]);
    match run(&m, &ir, &data) {
        Err(FitError::NonFinite { term, span, trajectory: 0, .. }) => {
            assert_eq!(term, "log(x)");
            assert!(span.is_some());
        }
        other => panic!("expected NonFinite, got {other:?}"),
    }
}

#[test]
fn missing_state_column_is_a_data_error() {
    let (m, ir) = model(LV);
    let mut data = lv_data(0.0, 5.0, 0.01);
    data.states[1] = "q".into();
    assert!(matches!(run(&m, &ir, &data), Err(FitError::Data(_))));
}

#[test]
fn objective_gradient_matches_central_differences() {
    // A hybrid second-order model with a parameter, a per-trajectory parameter and sparse
    // terms, on two short noisy trajectories: every kind of unknown and residual.
    let (m, ir) = model(
        "model g\nstate x\nparam c = 0.3 in (0, 5)\nparam s = 1 per trajectory\nbasis lib = poly(x, x', degree = 2)\nx'' = -c*x' - s*x + sparse(lib)\n",
    );
    let rhs = |_t: f64, x: &[f64], d: &mut [f64]| {
        d[0] = x[1];
        d[1] = -0.3 * x[1] - 2.0 * x[0];
    };
    let full = |seed| {
        let tr = simulated(&["x", "v"], rhs, &[1.0, 0.0], &grid(0.4, 0.02), 0.0, 0);
        let xs: Vec<f64> = (0..tr.len()).map(|i| tr.values[2 * i]).collect();
        let mut t = mechc::data::Trajectory::from_rows("g", tr.times.clone(), 1, xs);
        mechc::data::add_noise(&mut t, 1, 5.0, &mut mechc::data::seeded(seed)).unwrap();
        t
    };
    let data = dataset(&["x"], vec![full(1), full(2)]);
    let input = FitInput { ir: &ir, model: &m, data: &data, seed: 0, cancel: None, progress: None };
    let obj = Objective::new(&input).unwrap();
    let x0 = obj.point();
    let g = obj.gradient(&x0).unwrap();
    assert_eq!(g.len(), x0.len());
    for i in 0..x0.len() {
        // Central differences have error O(h²·J''') plus round-off O(ε·J/h); with h scaled to
        // the coordinate (1e-5 relative), both stay below 1e-6 of the gradient's scale.
        let h = 1e-5 * x0[i].abs().max(1e-2);
        let (mut a, mut b) = (x0.clone(), x0.clone());
        a[i] += h;
        b[i] -= h;
        let fd = (obj.cost(&a).unwrap() - obj.cost(&b).unwrap()) / (2.0 * h);
        let scale = g.iter().map(|v| v.abs()).fold(0.0, f64::max);
        assert!((fd - g[i]).abs() <= 1e-6 * scale + 1e-6 * fd.abs(), "component {i}: {fd} vs {}", g[i]);
    }
}

/// Each kept term's normalised magnitude is `|c|·rms(term)/rms(rhs)` over the denoised
/// trajectory: recomputed here from the fitted coefficients and the denoised values, for the
/// collocation engine to rounding. `sindy` divides by the rms of the smoothed derivative
/// instead of the fitted right-hand side, which matches it to the noise level (1% here).
#[test]
fn magnitudes_are_normalised_over_the_denoised_trajectory() {
    for (method, tol) in [("collocation", 1e-9), ("sindy", 0.02)] {
        let (m, ir) = model(&format!("{LV}fit {{ method = {method} }}\n"));
        let f = run(&m, &ir, &lv_data(1.0, 30.0, 0.01)).unwrap();
        let d = &f.denoised[0];
        let (x, y): (Vec<f64>, Vec<f64>) = (0..d.len()).map(|i| (d.values[2 * i], d.values[2 * i + 1])).unzip();
        let c = |state: &str, term: &str| super::coef(&ir, &f, state, term);
        let rms = |v: &[f64]| (v.iter().map(|a| a * a).sum::<f64>() / v.len() as f64).sqrt();
        let xy: Vec<f64> = x.iter().zip(&y).map(|(a, b)| a * b).collect();
        let fx: Vec<f64> = (0..x.len()).map(|i| c("x", "x") * x[i] + c("x", "x*y") * xy[i]).collect();
        let fy: Vec<f64> = (0..x.len()).map(|i| c("y", "y") * y[i] + c("y", "x*y") * xy[i]).collect();
        let want = [
            ("x", "x", c("x", "x").abs() * rms(&x) / rms(&fx)),
            ("x", "x*y", c("x", "x*y").abs() * rms(&xy) / rms(&fx)),
            ("y", "y", c("y", "y").abs() * rms(&y) / rms(&fy)),
            ("y", "x*y", c("y", "x*y").abs() * rms(&xy) / rms(&fy)),
        ];
        assert_eq!(f.active.iter().filter(|&&a| a).count(), 4, "{method}: {:?}", f.coefficients);
        for (state, term, w) in want {
            let s = super::slot(&ir, state, term);
            let got = f.magnitudes[s];
            assert!((got - w).abs() < tol * w, "{method} {state}' {term}: {got} vs {w}");
        }
    }
}
