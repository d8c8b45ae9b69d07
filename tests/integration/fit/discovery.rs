//! Discovery of sparse equations: Lorenz (clean and noisy) and Lotka–Volterra, with the
//! recovered support and coefficients checked against the truth.

use super::{coef, dataset, grid, model, run, simulated};
use mechc::fit::Fitted;
use mechc::ir::ModelIr;

pub const LORENZ: &str = "model lorenz
state x, y, z
basis lib = poly(x, y, z, degree = 2)
x' = sparse(lib)
y' = sparse(lib)
z' = sparse(lib)
";

/// The true Lorenz terms (state, term, coefficient).
pub const LORENZ_TRUTH: [(&str, &str, f64); 7] = [
    ("x", "x", -10.0),
    ("x", "y", 10.0),
    ("y", "x", 28.0),
    ("y", "y", -1.0),
    ("y", "x*z", -1.0),
    ("z", "z", -8.0 / 3.0),
    ("z", "x*y", 1.0),
];

pub fn lorenz_rhs(_t: f64, x: &[f64], d: &mut [f64]) {
    d[0] = 10.0 * (x[1] - x[0]);
    d[1] = x[0] * (28.0 - x[2]) - x[1];
    d[2] = x[0] * x[1] - 8.0 / 3.0 * x[2];
}

/// Fits Lorenz at `noise` % with noise seed `seed`.
pub fn lorenz_fit(text: &str, noise: f64, seed: u64) -> (ModelIr, Fitted) {
    let (m, ir) = model(text);
    let tr = simulated(&["x", "y", "z"], lorenz_rhs, &[-8.0, 8.0, 27.0], &grid(10.0, 0.002), noise, seed);
    let f = run(&m, &ir, &dataset(&["x", "y", "z"], vec![tr])).unwrap();
    (ir, f)
}

/// Whether exactly the true terms are active, and the largest relative coefficient error.
pub fn lorenz_score(ir: &ModelIr, f: &Fitted) -> (bool, f64) {
    let active = f.active.iter().filter(|&&a| a).count();
    let mut exact = active == LORENZ_TRUTH.len();
    let mut err = 0.0f64;
    for (s, t, c) in LORENZ_TRUTH {
        let v = coef(ir, f, s, t);
        exact &= v != 0.0;
        err = err.max(((v - c) / c).abs());
    }
    (exact, err)
}

#[test]
fn lorenz_clean_exact_support() {
    let (ir, f) = lorenz_fit(LORENZ, 0.0, 0);
    let (exact, err) = lorenz_score(&ir, &f);
    assert!(exact, "{:?}", f.coefficients);
    // Clean data: what is left is the trapezoid rule's O(h²) truncation bias, about
    // (h·ω)²/12 ≈ 1e-4–1e-3 relative at h = 0.002 for Lorenz frequencies ω ≈ 10–30; the
    // acceptance bound 0.5% is above that.
    assert!(err <= 5e-3, "max relative error {err}");
    // The chosen level is on the path and has the smallest criterion.
    let chosen: Vec<_> = f.path.iter().filter(|p| p.chosen).collect();
    assert_eq!(chosen.len(), 1);
    assert!(f.path.iter().all(|p| p.criterion >= chosen[0].criterion));
}

#[test]
fn lorenz_noisy_exact_support() {
    for seed in [1, 2] {
        let (ir, f) = lorenz_fit(LORENZ, 5.0, seed);
        let (exact, err) = lorenz_score(&ir, &f);
        assert!(exact, "seed {seed}: {:?}", f.coefficients);
        // The acceptance bound for 5% noise (the prototype's median error is 0.7%).
        assert!(err <= 2e-2, "seed {seed}: max relative error {err}");
    }
}
