//! The one expression printer's surface style: expressions print the way a person writes
//! `.mech` (signs in front of products, numbers and parameters first, flattened products and
//! sums, no needless parentheses), and the printed text means the same expression: random
//! expressions are printed, read back by the checker and lowering, and both are evaluated.

use crate::ir_simplify::{build, gen};
use mechc::ir::{Arena, Func, Names, NodeId, Var};
use mechc::jit::{Interpreter, Layout};
use mechc::source::SourceMap;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn names() -> Names {
    Names::new(&["x", "y", "z"], &["a", "b"], &[])
}

fn show(a: &Arena, n: NodeId) -> String {
    a.surface(n, &names()).to_string()
}

#[test]
fn products_put_signs_numbers_and_parameters_first() {
    let mut a = Arena::new();
    let (x, y, z, pa, pb) = (a.state(0), a.state(1), a.state(2), a.param(0), a.param(1));
    let neg_a = a.neg(pa);
    let n = a.mul(y, neg_a);
    assert_eq!(show(&a, n), "-a*y");
    let yz = a.mul(y, z);
    let n = a.mul(x, yz);
    assert_eq!(show(&a, n), "x*y*z");
    let x2 = a.powi(x, 2);
    let n = a.mul(z, x2);
    assert_eq!(show(&a, n), "x^2*z");
    let yb = a.mul(y, pb);
    let n = a.mul(x, yb);
    assert_eq!(show(&a, n), "b*x*y");
    let two = a.constant(-2.0);
    let ax = a.mul(pa, x);
    let n = a.mul(ax, two);
    assert_eq!(show(&a, n), "-2*a*x");
    // Lotka–Volterra's known part as the IR holds it: `y*-a + y*(x*b)`.
    let ya = a.mul(y, neg_a);
    let xb = a.mul(x, pb);
    let yxb = a.mul(y, xb);
    let n = a.add(ya, yxb);
    assert_eq!(show(&a, n), "-a*y + b*x*y");
}

#[test]
fn sums_are_flat_and_parentheses_only_where_needed() {
    let mut a = Arena::new();
    let (x, y, z, pa) = (a.state(0), a.state(1), a.state(2), a.param(0));
    let yz = a.sub(y, z);
    let n = a.sub(x, yz);
    assert_eq!(show(&a, n), "x - y + z");
    let xy = a.add(x, y);
    let n = a.mul(xy, z);
    assert_eq!(show(&a, n), "z*(x + y)");
    let yz = a.mul(y, z);
    let n = a.div(x, yz);
    assert_eq!(show(&a, n), "x/(y*z)");
    let x2 = a.powi(x, 2);
    let n = a.neg(x2);
    assert_eq!(show(&a, n), "-x^2");
    let nx = a.neg(x);
    let n = a.powi(nx, 2);
    assert_eq!(show(&a, n), "(-x)^2");
    let n = a.powi(x, -2);
    assert_eq!(show(&a, n), "x^(-2)");
    let s = a.call1(Func::Sin, xy);
    let n = a.mul(pa, s);
    assert_eq!(show(&a, n), "a*sin(x + y)");
    let three = a.constant(3.0);
    let x3 = a.powi(x, 3);
    let x33 = a.div(x3, three);
    let d = a.sub(x, x33);
    let n = a.mul(pa, d);
    assert_eq!(show(&a, n), "a*(x - x^3/3)");
}

#[test]
fn scaled_terms_take_the_coefficient_and_the_sign() {
    let mut a = Arena::new();
    let (x, y) = (a.state(0), a.state(1));
    let one = a.constant(1.0);
    let xy = a.mul(x, y);
    let nx = a.neg(x);
    let d = a.sub(x, y);
    let n = names();
    assert_eq!(a.surface_scaled(xy, &n, "2.5", true), (true, "2.5*x*y".to_string()));
    assert_eq!(a.surface_scaled(xy, &n, "1", false), (false, "x*y".to_string()));
    assert_eq!(a.surface_scaled(one, &n, "0.3", false), (false, "0.3".to_string()));
    assert_eq!(a.surface_scaled(nx, &n, "2", true), (false, "2*x".to_string()));
    assert_eq!(a.surface_scaled(d, &n, "2", false), (false, "2*(x - y)".to_string()));
}

/// Reads an expression in `x, y, z, a, b` back through the checker and the lowering.
fn read_back(text: &str) -> (mechc::ir::ModelIr, NodeId) {
    let src = format!("model m\nstate x, y, z\nparam a\nparam b\nx' = {text}\ny' = 0\nz' = 0\n");
    let mut sources = SourceMap::new();
    let root = sources.add("printed.mech", src);
    let checked = mechc::pipeline::check_and_lower(&mut sources, root)
        .unwrap_or_else(|_| panic!("the printed expression does not check: {text}"));
    let node = checked.ir.equations[0].known;
    (checked.ir, node)
}

fn eval(a: &Arena, n: NodeId, x: &[f64], p: &[f64]) -> f64 {
    let cols = (0..3).map(|i| Var::State { index: i, order: 0 }).collect();
    let interp = Interpreter::new(a, &[n], &Layout::new(cols, 2)).unwrap();
    let mut out = [0.0];
    interp.eval(1, x, p, &mut out).unwrap();
    out[0]
}

#[test]
fn printed_expressions_read_back_as_the_same_expression() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let mut compared = 0;
    for case in 0..300 {
        let recipe = gen(&mut rng, 4);
        let mut a = Arena::new();
        let node = build(&mut a, &recipe);
        let text = show(&a, node);
        let (ir, back) = read_back(&text);
        for _ in 0..4 {
            let x = [rng.random_range(-3.0..3.0), rng.random_range(-3.0..3.0), 0.0];
            let p = [rng.random_range(-2.0..2.0), rng.random_range(0.1..3.0)];
            let (want, got) = (eval(&a, node, &x, &p), eval(&ir.arena, back, &x, &p));
            if !want.is_finite() || want.abs() > 1e6 {
                continue;
            }
            // Reordering a sum or product may round differently, never by more than this.
            let ok = (got - want).abs() <= 1e-8 * (1.0 + want.abs());
            assert!(ok, "case {case}: {text} at x = {x:?}, p = {p:?}: printed {got} vs built {want}");
            compared += 1;
        }
    }
    assert!(compared > 600, "most comparisons are of ordinary numbers: {compared} of 1200");
}
