//! Tests of the lowering (checked model → IR): IR print snapshots of every example and of the
//! `tests/cases/lower` fixtures, and the meaning of lowered expressions checked numerically
//! against the formulas written out by hand (function inlining, constant folding, masks).

use crate::frontend::{check_text, mech_files, rel};
use mechc::ir::{lower, ModelIr};
use mechc::jit::{Interpreter, Layout};

fn lower_file(path: &std::path::Path) -> ModelIr {
    let text = std::fs::read_to_string(path).unwrap();
    let (_, model, diags) = check_text(&rel(path), &text);
    let model = model.unwrap_or_else(|| panic!("{} does not check: {diags:?}", path.display()));
    lower(&model).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn ir_print_of_every_example_and_lowering_fixture() {
    let mut files = mech_files("examples");
    files.extend(mech_files("tests/cases/lower"));
    assert!(files.len() >= 10, "expected the examples and lowering fixtures");
    for f in files {
        let mut ir = lower_file(&f);
        let name = format!("ir_{}", rel(&f).replace('/', "_").trim_end_matches(".mech"));
        insta::assert_snapshot!(name, ir.emit());
    }
}

/// Evaluates the right-hand sides of a lowered model at one point with the interpreter.
fn eval_rhs(ir: &mut ModelIr, states: &[f64], params: &[f64]) -> Vec<f64> {
    let outputs = ir.rhs_nodes();
    let layout = Layout {
        columns: (0..states.len() as u32).map(|i| mechc::ir::Var::State { index: i, order: 0 }).collect(),
        n_params: params.len(),
    };
    let interp = Interpreter::new(&ir.arena, &outputs, &layout).unwrap();
    let mut out = vec![0.0; outputs.len()];
    interp.eval(1, states, params, &mut out).unwrap();
    out
}

#[test]
fn functions_are_inlined_and_constants_folded() {
    let mut ir = lower_file(std::path::Path::new("tests/cases/lower/inline_functions.mech"));
    assert!(ir.terms.is_empty());
    let (p, m, beta) = (0.7, 1.3, 2.5);
    let got = eval_rhs(&mut ir, &[p, m], &[beta]);
    // hill(m, 2, 0.5) - 0.3 p  and  beta * hill_repress(p, 2, 0.5) - m, written out.
    let want = [m * m / (0.25 + m * m) - 0.3 * p, beta * (0.25 / (0.25 + p * p)) - m];
    for (g, w) in got.iter().zip(want) {
        // The IR may order the same operations differently (canonical operand order), so allow
        // a few ulps of the result's magnitude.
        assert!((g - w).abs() <= 4.0 * f64::EPSILON * w.abs().max(1.0), "{g} vs {w}");
    }
}

#[test]
fn keep_and_exclude_become_masks_over_deduplicated_terms() {
    let ir = lower_file(std::path::Path::new("tests/cases/lower/basis_algebra.mech"));
    let names: Vec<&str> = ir.terms.iter().map(|t| t.name.as_str()).collect();
    // poly(x,1)*poly(y,1) = 1, y, x, x*y (no duplicate x); `y*x` repeats x*y and is dropped.
    assert_eq!(names, ["1", "y", "x", "x*y", "sin(x)", "sin(y)", "cos(y)", "sin(2*y)", "cos(2*y)"]);
    let block = &ir.equations[0].sparse[0];
    let term_name = |i: usize| ir.terms[block.terms[i]].name.as_str();
    let kept: Vec<&str> = (0..block.terms.len()).filter(|&i| block.keep[i]).map(term_name).collect();
    let excluded: Vec<&str> = (0..block.terms.len()).filter(|&i| block.exclude[i]).map(term_name).collect();
    assert_eq!(kept, ["x"]);
    assert_eq!(excluded, ["1"]);
    // Excluded terms get no coefficient: 9 - 1 for x', 4 for y'.
    assert_eq!(ir.coefs.len(), 8 + 4);
    assert!(block.slots[0].is_none());
}

#[test]
fn lowered_lorenz_basis_has_graded_order_and_one_slot_per_term() {
    let ir = lower_file(std::path::Path::new("examples/lorenz.mech"));
    let names: Vec<&str> = ir.terms.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["1", "x", "y", "z", "x^2", "x*y", "x*z", "y^2", "y*z", "z^2"]);
    assert_eq!(ir.coefs.len(), 30);
    // Terms are shared: every equation's block points at the same ten terms.
    for e in &ir.equations {
        assert_eq!(e.sparse[0].terms, (0..10).collect::<Vec<_>>());
    }
    // Every generated term links back to the `poly(...)` call that produced it.
    assert!(ir.terms.iter().all(|t| t.span.is_some()));
}

#[test]
fn known_systems_lower_with_their_parameters() {
    let text = std::fs::read_to_string("examples/lorenz.mech").unwrap();
    let (_, model, _) = check_text("examples/lorenz.mech", &text);
    let model = model.unwrap();
    let sys = model.systems.iter().find(|s| s.name == "lorenz").unwrap();
    let ir = mechc::ir::lower_system(&model, sys).unwrap();
    assert_eq!(ir.names.params, ["sigma", "rho", "beta"]);
    let layout =
        Layout { columns: (0..3).map(|i| mechc::ir::Var::State { index: i, order: 0 }).collect(), n_params: 3 };
    let interp = Interpreter::new(&ir.arena, &ir.rhs, &layout).unwrap();
    let (x, y, z) = (1.5, -2.0, 20.0);
    let (s, r, b) = (10.0, 28.0, 8.0 / 3.0);
    let mut out = [0.0; 3];
    interp.eval(1, &[x, y, z], &[s, r, b], &mut out).unwrap();
    let want = [s * (y - x), x * (r - z) - y, x * y - b * z];
    for (g, w) in out.iter().zip(want) {
        assert!((g - w).abs() <= 8.0 * f64::EPSILON * w.abs().max(1.0), "{g} vs {w}");
    }
}

/// A parameter that occurs only as a factor of candidate terms (`k*x*y`, `x/k`, `k^2*y`) is
/// found; one inside a nonlinear term (`sin(a*x)`) or also in a known term (`b`) is not.
#[test]
fn parameters_that_only_scale_candidate_terms_are_found() {
    let text = "model m\nstate x, y\nparam k\nparam q\nparam r\nparam a\nparam b\ndata d = simulate { x' = -x\n y' = -y\n init x = 1, y = 1\n time 0 .. 1 step 0.1 }\n\
        basis lib = {1, k*x*y, x/q, r^2*y, sin(a*x), b*x}\nx' = sparse(lib)\ny' = -b*y + sparse(lib)\n";
    let (_, model, diags) = check_text("scaling.mech", text);
    let ir = lower(&model.unwrap_or_else(|| panic!("{diags:?}"))).unwrap();
    let found: Vec<(String, String)> = mechc::ir::confound::scaling_params(&ir)
        .into_iter()
        .map(|(p, t)| (ir.names.params[p].clone(), ir.terms[t].name.clone()))
        .collect();
    let names: Vec<&str> = found.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(names, ["k", "q", "r"], "{found:?}");
    assert!(found[0].1.contains('x') && found[0].1.contains('y'), "{found:?}");
}
