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

/// The true Hamiltonian of `examples/spring_pendulum.mech`, as (basis position, coefficient):
/// `|p1|^2/2 + |p2|^2/4 + 10 (|q1| - 1)^2 + 6 (|q1 - q2| - 0.8)^2 - <g, q1> - 2 <g, q2>`
/// expanded over the example's basis (positions 8.. are the constant and the three
/// candidates the truth does not contain).
const PENDULUM_TRUTH: [(usize, f64); 8] =
    [(0, 0.5), (1, 0.25), (2, -20.0), (3, 10.0), (4, -9.6), (5, 6.0), (6, -1.0), (7, -2.0)];

/// Prepares a model given as text through the library pipeline.
fn prepare_text(text: &str) -> mechc::pipeline::Prepared {
    let mut sources = mechc::source::SourceMap::new();
    let root = sources.add("examples/spring_pendulum.mech", text.to_string());
    mechc::pipeline::prepare(&mut sources, root).unwrap_or_else(|_| panic!("the model prepares"))
}

fn train(p: &mechc::pipeline::Prepared) -> mechc::fit::Fitted {
    let opts = mechc::pipeline::TrainOptions { seed: Some(0), ..Default::default() };
    mechc::pipeline::train(p, &opts).unwrap_or_else(|d| panic!("{}", d.message))
}

/// H's coefficient of each basis term (`None` for a term without a slot).
fn h_coefficients(ir: &ModelIr, f: &mechc::fit::Fitted) -> Vec<Option<f64>> {
    let h = ir.hamiltonian.as_ref().unwrap();
    h.terms.iter().map(|(_, s)| s.map(|s| if f.active[s] { f.coefficients[s] } else { 0.0 })).collect()
}

/// The generated equations at the true coefficients are the equations of motion the data are
/// simulated from, written out by hand.
#[test]
fn spring_pendulum_equations_are_the_equations_of_motion() {
    let text = std::fs::read_to_string("examples/spring_pendulum.mech").unwrap();
    let (_, ir) = model(&text);
    let h = ir.hamiltonian.as_ref().unwrap();
    assert_eq!(h.terms.len(), 12);
    assert_eq!(h.terms[8].1, None, "the constant term reaches no equation");
    let mut theta = vec![0.0; ir.coefs.len()];
    for (k, c) in PENDULUM_TRUTH {
        theta[h.terms[k].1.unwrap()] = c;
    }
    let x = [0.7, -0.2, -0.9, 1.1, 0.3, -1.8, 0.4, -0.6, 0.2, -0.3, 0.8, 0.1];
    let got = rhs_at(&ir, &x, &theta);
    let (q1, q2, p1, p2) = (&x[0..3], &x[3..6], &x[6..9], &x[9..12]);
    let n1 = q1.iter().map(|v| v * v).sum::<f64>().sqrt();
    let d: Vec<f64> = q1.iter().zip(q2).map(|(a, b)| a - b).collect();
    let nd = d.iter().map(|v| v * v).sum::<f64>().sqrt();
    let g = [0.0, 0.0, -9.81];
    let mut want = vec![0.0; 12];
    for c in 0..3 {
        want[c] = p1[c];
        want[3 + c] = p2[c] / 2.0;
        want[6 + c] = -20.0 * (n1 - 1.0) * q1[c] / n1 - 12.0 * (nd - 0.8) * d[c] / nd + g[c];
        want[9 + c] = 12.0 * (nd - 0.8) * d[c] / nd + 2.0 * g[c];
    }
    for (a, b) in got.iter().zip(&want) {
        assert!((a - b).abs() <= 1e-12 * b.abs().max(1.0), "{got:?}\n{want:?}");
    }
}

/// 1% noise, 10 trajectories: exactly the true terms, each coefficient within 2%, and the
/// rollout's energy drift over ten training spans within 1% of H's size.
#[test]
fn spring_pendulum_discovers_its_hamiltonian() {
    let p = prepare_text(&std::fs::read_to_string("examples/spring_pendulum.mech").unwrap());
    let f = train(&p);
    let got = h_coefficients(&p.ir, &f);
    for (k, c) in got.iter().enumerate() {
        let truth = PENDULUM_TRUTH.iter().find(|t| t.0 == k).map(|t| t.1);
        match (truth, c) {
            (Some(t), Some(c)) => assert!((c / t - 1.0).abs() < 0.02, "term {k}: {c} vs {t}"),
            (None, Some(c)) => assert_eq!(*c, 0.0, "term {k} should be dropped"),
            (_, None) => assert_eq!(k, 8),
        }
    }
    let (drift, end) = mechc::report::energy::energy_drift(&p.ir, &p.data, &f).unwrap();
    assert!(drift <= 0.01 && end >= 29.9, "drift {drift} until {end}");
}

/// Rotating the whole clean data set about the z axis (the axis gravity fixes) leaves the
/// discovered H unchanged.
#[test]
fn spring_pendulum_h_is_invariant_under_rotation_about_z() {
    let text = std::fs::read_to_string("examples/spring_pendulum.mech").unwrap().replace("noise 1%", "noise 0%");
    let p = prepare_text(&text);
    let a = h_coefficients(&p.ir, &train(&p));
    let mut rotated = prepare_text(&text);
    let angle = 1.234_f64; // any angle: drawn once, fixed for reproducibility
    let (s, c) = angle.sin_cos();
    for tr in &mut rotated.data.trajectories {
        let w = tr.width;
        for r in 0..tr.len() {
            for v in 0..4 {
                let (x, y) = (tr.values[r * w + 3 * v], tr.values[r * w + 3 * v + 1]);
                tr.values[r * w + 3 * v] = c * x - s * y;
                tr.values[r * w + 3 * v + 1] = s * x + c * y;
            }
        }
    }
    let b = h_coefficients(&rotated.ir, &train(&rotated));
    for (k, (x, y)) in a.iter().zip(&b).enumerate() {
        let (x, y) = (x.unwrap_or(0.0), y.unwrap_or(0.0));
        assert!((x - y).abs() <= 1e-6 * x.abs().max(1.0), "term {k}: {x} vs {y}");
    }
}

/// `sparse(B * {q, p})` in a vector equation is an equivariant field: one coefficient per term
/// of the vector basis, shared by the three components; a scalar basis gives each component its
/// own coefficients.
#[test]
fn vector_basis_coefficients_are_shared_by_the_components() {
    let (_, ir) = model(
        "model v
state q, p: vec3
q' = p
p' = sparse(scalars(q, p) * {q, p})",
    );
    // scalars(q, p) has 3 terms (|q|^2, dot(q, p), |p|^2); times {q, p}: 6 vector terms.
    assert_eq!(ir.coefs.len(), 6);
    for s in 0..6 {
        assert_eq!(ir.slot_uses(s).len(), 3);
    }
    // With c = 1 on `dot(q, p) * q` only, p' = dot(q, p) q.
    let mut theta = vec![0.0; 6];
    let s = (0..6).find(|&s| ir.terms[ir.coefs[s].term].name == "q_x*(q_x*p_x + q_y*p_y + q_z*p_z)").unwrap();
    theta[s] = 1.0;
    let x = [0.3, -0.4, 0.5, 1.0, 2.0, -1.0];
    let got = rhs_at(&ir, &x, &theta);
    let d = 0.3 - 0.8 - 0.5;
    assert_eq!(&got[..3], &[1.0, 2.0, -1.0]);
    for c in 0..3 {
        assert!((got[3 + c] - d * x[c]).abs() < 1e-12, "{got:?}");
    }
    let (_, ir) = model(
        "model w
state q: vec2
q' = sparse(poly(q, degree = 1))",
    );
    assert_eq!(ir.coefs.len(), 6);
    assert!(ir.shared.is_empty());
}
