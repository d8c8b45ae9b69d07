//! The examples end to end, in process: check → lower → data → fit → report, with the examples'
//! fixed seeds. Each test asserts the recovered terms and coefficients against the system that
//! generated the data, and snapshots the printed equations at 3 significant digits (coarse
//! enough not to flip on round-off).
//!
//! Tolerances: the issue's acceptance bounds for Lorenz at 5% noise (2% relative); for the
//! low-noise examples (≤ 2%), 1% relative: with n ≥ 1,500 samples the noise contributes about
//! p/√n ≈ 0.05% to a coefficient, and the rest of the budget covers the trapezoid collocation's
//! O(h²) bias on these grids.

use mechc::fit::Fitted;
use mechc::ir::ModelIr;
use mechc::pipeline::{train, TrainOptions};
use mechc::report::summary::build;

struct Run {
    ir: ModelIr,
    data: mechc::data::Dataset,
    fitted: Fitted,
    equations: Vec<String>,
}

fn run_example(path: &str) -> Run {
    let p = super::prepare(path).1.unwrap_or_else(|_| panic!("{path} prepares"));
    let fitted = train(&p, &TrainOptions { seed: Some(0), ..TrainOptions::default() })
        .unwrap_or_else(|d| panic!("{path}: {}", d.message));
    let report = build(&p.ir, &p.data, &fitted, "auto", 0.0, 3);
    let equations = report.equations.iter().map(|e| e.text.clone()).collect();
    Run { ir: p.ir, data: p.data, fitted, equations }
}

/// The kept terms of equation `eq` with their coefficients, in basis order.
fn kept(r: &Run, eq: usize) -> Vec<(String, f64)> {
    r.ir.coefs
        .iter()
        .enumerate()
        .filter(|(s, c)| c.equation == eq && r.fitted.active[*s])
        .map(|(s, c)| (r.ir.terms[c.term].name.clone(), r.fitted.coefficients[s]))
        .collect()
}

/// Asserts that equation `eq` keeps exactly `truth`'s terms, each within `tol` relative.
fn assert_terms(r: &Run, eq: usize, truth: &[(&str, f64)], tol: f64) {
    let got = kept(r, eq);
    let names: Vec<&str> = got.iter().map(|(n, _)| n.as_str()).collect();
    let want: Vec<&str> = truth.iter().map(|(n, _)| *n).collect();
    assert_eq!(names, want, "support of equation {eq}");
    for ((name, c), (_, t)) in got.iter().zip(truth) {
        assert!(((c - t) / t).abs() <= tol, "{name}: {c} vs {t}");
    }
}

fn param(r: &Run, i: usize) -> f64 {
    r.fitted.params[i]
}

#[test]
fn lorenz_discovers_the_seven_terms() {
    let r = run_example("examples/lorenz.mech");
    assert_terms(&r, 0, &[("x", -10.0), ("y", 10.0)], 0.02);
    assert_terms(&r, 1, &[("x", 28.0), ("y", -1.0), ("x*z", -1.0)], 0.02);
    assert_terms(&r, 2, &[("z", -8.0 / 3.0), ("x*y", 1.0)], 0.02);
    insta::assert_snapshot!("example_lorenz", r.equations.join("\n"));
}

#[test]
fn damped_oscillator_second_order_discovery() {
    let r = run_example("examples/damped_oscillator.mech");
    // omega = 2, zeta = 0.1: x'' = -omega^2 x - 2 zeta omega x'.
    assert_terms(&r, 0, &[("x", -4.0), ("x'", -0.4)], 0.01);
    insta::assert_snapshot!("example_damped_oscillator", r.equations.join("\n"));
}

#[test]
fn forced_pendulum_discovers_sine_and_forcing() {
    let r = run_example("examples/forced_pendulum.mech");
    assert_terms(&r, 0, &[("ω", 1.0)], 0.01);
    assert_terms(&r, 1, &[("ω", -0.2), ("sin(θ)", -9.81 / 2.0), ("cos(1.3*t)", 0.5)], 0.01);
    insta::assert_snapshot!("example_forced_pendulum", r.equations.join("\n"));
}

#[test]
fn lotka_volterra_from_csv_keeps_the_interaction_terms() {
    // Field-like data with no known generator: assert the structure (growth, predation,
    // conversion, death) and the signs.
    let r = run_example("examples/lotka_volterra.mech");
    let x = kept(&r, 0);
    let y = kept(&r, 1);
    assert_eq!(x.iter().map(|t| t.0.as_str()).collect::<Vec<_>>(), ["x", "x*y"]);
    assert_eq!(y.iter().map(|t| t.0.as_str()).collect::<Vec<_>>(), ["y", "x*y"]);
    assert!(x[0].1 > 0.0 && x[1].1 < 0.0 && y[0].1 < 0.0 && y[1].1 > 0.0, "{x:?} {y:?}");
    insta::assert_snapshot!("example_lotka_volterra", r.equations.join("\n"));
}

#[test]
fn hybrid_fits_known_parameters_and_discovers_the_interactions() {
    let r = run_example("examples/hybrid.mech");
    assert!((param(&r, 0) - 1.1).abs() / 1.1 <= 0.01, "alpha {}", param(&r, 0));
    assert!((param(&r, 1) - 0.4).abs() / 0.4 <= 0.01, "gamma {}", param(&r, 1));
    assert_terms(&r, 0, &[("x*y", -0.4)], 0.01);
    assert_terms(&r, 1, &[("x*y", 0.1)], 0.01);
    insta::assert_snapshot!("example_hybrid", r.equations.join("\n"));
}

#[test]
fn van_der_pol_fits_mu() {
    let r = run_example("examples/van_der_pol.mech");
    assert!((param(&r, 0) - 2.0).abs() / 2.0 <= 0.01, "mu {}", param(&r, 0));
}

#[test]
fn logistic_fits_one_rate_per_trajectory() {
    let r = run_example("examples/logistic.mech");
    assert!((param(&r, 1) - 1.0).abs() <= 0.01, "k {}", param(&r, 1));
    let rates = &r.fitted.per_trajectory[0];
    assert_eq!(rates.len(), r.data.trajectories.len());
    let mut errors: Vec<f64> = rates
        .iter()
        .zip(&r.data.trajectories)
        .map(|(got, tr)| {
            let truth = tr.truth.as_ref().unwrap().params.iter().find(|p| p.0 == "r").unwrap().1;
            ((got - truth) / truth).abs()
        })
        .collect();
    errors.sort_by(f64::total_cmp);
    // Each trajectory has 501 samples at 2% noise; its own rate is estimated to about a percent.
    assert!(errors[errors.len() / 2] <= 0.02, "median relative error {}", errors[errors.len() / 2]);
}
