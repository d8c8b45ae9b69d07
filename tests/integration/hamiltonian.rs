//! Vector states and Hamiltonian models: the generated equations checked numerically against
//! the equations of motion written out by hand, the Kepler fit, and vector syntax expanding to
//! the same model as the componentwise one.

use crate::fit::{model, run};
use mechc::ir::{ModelIr, Var};
use mechc::jit::{Interpreter, Layout};

/// The right-hand sides of `ir` at one state `x` with parameters/coefficients `theta`.
fn rhs_at(ir: &ModelIr, x: &[f64], theta: &[f64]) -> Vec<f64> {
    let mut ir = ir.clone();
    let outputs = ir.rhs_nodes();
    let layout = Layout {
        columns: (0..x.len() as u32).map(|i| Var::State { index: i, order: 0 }).collect(),
        n_params: theta.len(),
    };
    let interp = Interpreter::new(&ir.arena, &outputs, &layout).unwrap();
    let mut out = vec![0.0; outputs.len()];
    interp.eval(1, x, theta, &mut out).unwrap();
    out
}

const KEPLER: &str = "model kepler
state q, p: vec2
param k = 1
hamiltonian H = |p|^2/2 - k/|q|
";

/// `q' = ∂H/∂p = p` and `p' = -∂H/∂q = -k q/|q|^3`, evaluated at points off the axes.
#[test]
fn kepler_equations_are_the_hamiltonian_gradient() {
    let (_, ir) = model(KEPLER);
    assert_eq!(ir.names.states, ["q_x", "q_y", "p_x", "p_y"]);
    let k = 1.7;
    for x in [[0.3, -1.2, 0.5, 0.9], [2.0, 0.7, -0.4, 0.1]] {
        let got = rhs_at(&ir, &x, &[k]);
        let r3 = (x[0] * x[0] + x[1] * x[1]).powf(1.5);
        let want = [x[2], x[3], -k * x[0] / r3, -k * x[1] / r3];
        for (g, w) in got.iter().zip(want) {
            assert!((g - w).abs() <= 1e-13 * w.abs().max(1.0), "{got:?} vs {want:?}");
        }
    }
}

/// The Kepler example's clean orbit gives k = 1.5 within 0.1%.
#[test]
fn kepler_fits_k() {
    let (_, prepared) = crate::run::prepare("examples/kepler.mech");
    let p = prepared.unwrap_or_else(|_| panic!("kepler prepares"));
    let opts = mechc::pipeline::TrainOptions { seed: Some(0), ..Default::default() };
    let f = mechc::pipeline::train(&p, &opts).unwrap_or_else(|d| panic!("{}", d.message));
    let k = f.params[0];
    assert!((k / 1.5 - 1.0).abs() < 1e-3, "k = {k}");
}

/// A vector equation means its component equations: the same right-hand sides as the model
/// written per component, and `|v|`, `dot` and `v.x` as their formulas.
#[test]
fn vector_model_equals_componentwise_model() {
    let (_, vec_ir) = model(
        "model a
state q, p: vec3
const g = vec3(0, 0, -9.81)
param m = 2
q' = p/m
p' = -(|q| - 1)*q/|q| + m*g + dot(q, p)*p + q.x*p",
    );
    let (_, sc_ir) = model(
        "model b
state q_x, q_y, q_z, p_x, p_y, p_z
param m = 2
q_x' = p_x/m
q_y' = p_y/m
q_z' = p_z/m
p_x' = -(r(q_x, q_y, q_z) - 1)*q_x/r(q_x, q_y, q_z) + (q_x*p_x + q_y*p_y + q_z*p_z)*p_x + q_x*p_x
p_y' = -(r(q_x, q_y, q_z) - 1)*q_y/r(q_x, q_y, q_z) + (q_x*p_x + q_y*p_y + q_z*p_z)*p_y + q_x*p_y
p_z' = -(r(q_x, q_y, q_z) - 1)*q_z/r(q_x, q_y, q_z) - m*9.81 + (q_x*p_x + q_y*p_y + q_z*p_z)*p_z + q_x*p_z
fn r(a, b, c) = sqrt(a^2 + b^2 + c^2)",
    );
    let x = [0.3, -0.8, 1.1, 0.2, 0.5, -0.7];
    let (a, b) = (rhs_at(&vec_ir, &x, &[2.0]), rhs_at(&sc_ir, &x, &[2.0]));
    for (u, v) in a.iter().zip(&b) {
        assert!((u - v).abs() <= 1e-12 * v.abs().max(1.0), "{a:?} vs {b:?}");
    }
}

/// Each sparse term of H gets one coefficient, shared by every equation its gradient reaches;
/// a constant term reaches none.
#[test]
fn hamiltonian_sparse_coefficients_are_shared() {
    let (_, ir) = model(
        "model h
state q, p: vec2
hamiltonian H = sparse({dot(p, p), dot(q, q), |q|, 1})",
    );
    let h = ir.hamiltonian.as_ref().unwrap();
    assert_eq!(h.terms.len(), 4);
    assert_eq!(h.terms[3].1, None, "the constant term has no effect on the equations");
    assert_eq!(ir.coefs.len(), 3);
    // dot(p, p) reaches q_x' and q_y'; dot(q, q) and |q| reach p_x' and p_y'.
    for s in 0..3 {
        assert_eq!(ir.slot_uses(s).len(), 2);
    }
    // With c = (0.5, 2, 3): q' = p, p' = -(4 q + 3 q/|q|).
    let x = [0.6, -0.8, 0.3, 0.4];
    let got = rhs_at(&ir, &x, &[0.5, 2.0, 3.0]);
    let want = [0.3, 0.4, -(4.0 * 0.6 + 3.0 * 0.6), -(4.0 * -0.8 + 3.0 * -0.8)];
    for (g, w) in got.iter().zip(want) {
        assert!((g - w).abs() < 1e-12, "{got:?} vs {want:?}");
    }
}

/// Under the collocation engine a shared-coefficient Hamiltonian fits; the sindy engine
/// refuses it rather than fitting one coefficient per equation.
#[test]
fn shared_coefficients_need_collocation() {
    let text = "model h
state q, p: vec2
hamiltonian H = sparse({dot(p, p), dot(q, q)})
fit { method = sindy }";
    let (m, ir) = model(text);
    let times = crate::fit::grid(10.0, 0.01);
    let tr = crate::fit::simulated(
        &["q_x", "q_y", "p_x", "p_y"],
        |_, x, dx| {
            dx[0] = x[2];
            dx[1] = x[3];
            dx[2] = -x[0];
            dx[3] = -x[1];
        },
        &[1.0, 0.0, 0.0, 0.5],
        &times,
        0.0,
        0,
    );
    let data = crate::fit::dataset(&["q_x", "q_y", "p_x", "p_y"], vec![tr]);
    assert!(matches!(run(&m, &ir, &data), Err(mechc::fit::FitError::Unsupported { .. })));
    let (m, ir) = model(&text.replace("fit { method = sindy }", ""));
    let f = run(&m, &ir, &data).unwrap();
    // H = |p|^2/2 + |q|^2/2.
    for c in &f.coefficients {
        assert!((c - 0.5).abs() < 1e-6, "{:?}", f.coefficients);
    }
}
