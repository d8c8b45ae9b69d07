//! Tests of the expression IR: construction-time simplification and sharing, basis families
//! (term counts, graded order, canonical products, duplicate reports), symbolic derivatives'
//! structure, and snapshots of the IR printer on hand-built models.

use mechc::check::hir::Activation;
use mechc::ir::{Arena, Basis, Func, ModelIr, Names, Node, NodeId, Var};
use mechc::source::{SourceId, Span};

fn xyz() -> (Arena, Vec<NodeId>, Names) {
    let mut a = Arena::new();
    let v = vec![a.state(0), a.state(1), a.state(2)];
    (a, v, Names::new(&["x", "y", "z"], &["mu", "k"], &["u"]))
}

/// Total degree of a monomial name like `x^2*y` (the printer's own notation).
fn degree(name: &str) -> u32 {
    if name == "1" {
        return 0;
    }
    name.split('*').map(|f| f.split_once('^').map_or(1, |(_, n)| n.parse::<u32>().unwrap())).sum()
}

#[test]
fn poly_three_vars_degree_four_has_35_terms_in_graded_order() {
    let (mut a, v, names) = xyz();
    let b = Basis::poly(&mut a, &names, &v, 4);
    assert_eq!(b.len(), 35, "C(3+4, 4) monomials");
    let degs: Vec<u32> = b.names().iter().map(|n| degree(n)).collect();
    assert!(degs.windows(2).all(|w| w[0] <= w[1]), "graded: {degs:?}");
    assert_eq!(&b.names()[..10], ["1", "x", "y", "z", "x^2", "x*y", "x*z", "y^2", "y*z", "z^2"]);
    assert_eq!(&b.names()[10..14], ["x^3", "x^2*y", "x^2*z", "x*y^2"]);
    let (dedup, dropped) = b.clone().dedup();
    assert!(dropped.is_empty());
    assert_eq!(dedup, b);
}

#[test]
fn poly_term_counts_match_binomials() {
    let (mut a, v, names) = xyz();
    for (nv, d, want) in [(1, 0, 1), (1, 5, 6), (2, 3, 10), (3, 2, 10), (3, 3, 20), (3, 6, 84)] {
        assert_eq!(Basis::poly(&mut a, &names, &v[..nv], d).len(), want, "{nv} vars degree {d}");
    }
}

#[test]
fn product_of_linear_polys_has_canonical_monomials_without_duplicates() {
    let (mut a, v, names) = xyz();
    let px = Basis::poly(&mut a, &names, &v[..1], 1);
    let py = Basis::poly(&mut a, &names, &v[1..2], 1);
    let (p, dropped) = px.product(&py, &mut a, &names).dedup();
    assert_eq!(p.names(), ["1", "y", "x", "x*y"]);
    assert!(dropped.is_empty());
    // y*x built the other way round is the same node.
    let (p2, _) = py.product(&px, &mut a, &names).dedup();
    assert_eq!(p2.terms.iter().find(|t| t.name == "x*y").unwrap().node, p.terms[3].node);
}

#[test]
fn self_product_reports_every_dropped_duplicate() {
    let (mut a, v, names) = xyz();
    let pxy = Basis::poly(&mut a, &names, &v[..2], 1);
    let prod = pxy.product(&pxy, &mut a, &names);
    assert_eq!(prod.len(), 9);
    let (p, dropped) = prod.dedup();
    assert_eq!(p.names(), ["1", "x", "y", "x^2", "x*y", "y^2"]);
    let d: Vec<(usize, &str, usize)> = dropped.iter().map(|d| (d.index, d.name.as_str(), d.duplicate_of)).collect();
    assert_eq!(d, [(3, "x", 1), (6, "y", 2), (7, "x*y", 4)]);
}

#[test]
fn concat_with_explicit_list_drops_exact_duplicates_with_their_spans() {
    let (mut a, v, names) = xyz();
    let poly = Basis::poly(&mut a, &names, &v[..2], 2);
    let yx = a.mul(v[1], v[0]);
    let sx = a.call1(Func::Sin, v[0]);
    let span = Span::new(SourceId(0), 10, 13);
    let list = Basis::explicit(&a, &names, &[(yx, Some(span)), (sx, None)]);
    let (b, dropped) = poly.concat(list).dedup();
    assert_eq!(b.names(), ["1", "x", "y", "x^2", "x*y", "y^2", "sin(x)"]);
    assert_eq!(dropped.len(), 1);
    assert_eq!((dropped[0].index, dropped[0].duplicate_of, dropped[0].span), (6, 4, Some(span)));
}

#[test]
fn fourier_terms_are_per_harmonic_then_per_variable() {
    let (mut a, v, names) = xyz();
    let f = Basis::fourier(&mut a, &names, &v[..2], 2);
    assert_eq!(f.names(), ["sin(x)", "cos(x)", "sin(y)", "cos(y)", "sin(2*x)", "cos(2*x)", "sin(2*y)", "cos(2*y)"]);
}

#[test]
fn constructors_fold_constants_with_the_runtime_functions() {
    let mut a = Arena::new();
    let (two, three) = (a.constant(2.0), a.constant(3.0));
    let five = a.add(two, three);
    assert_eq!(a.const_value(five), Some(5.0));
    let s = a.call1(Func::Sin, two);
    assert_eq!(a.const_value(s).map(f64::to_bits), Some(2.0f64.sin().to_bits()));
    let p = a.powi(three, -3);
    assert_eq!(a.const_value(p), Some(1.0 / 27.0));
    let q = a.pow(two, three);
    assert_eq!(a.const_value(q), Some(8.0));
}

#[test]
fn exact_identities_simplify_and_nan_unsafe_ones_do_not() {
    let (mut a, v, _) = xyz();
    let x = v[0];
    let (zero, one, m1) = (a.constant(0.0), a.constant(1.0), a.constant(-1.0));
    assert_eq!(a.mul(x, one), x);
    assert_eq!(a.div(x, one), x);
    assert_eq!(a.add(zero, x), x);
    assert_eq!(a.sub(x, zero), x);
    let nx = a.neg(x);
    assert_eq!(a.neg(nx), x);
    assert_eq!(a.mul(m1, x), nx);
    assert_eq!(a.powi(x, 1), x);
    // x*0 is NaN for infinite x, so it must stay a product.
    let x0 = a.mul(x, zero);
    assert!(matches!(a.node(x0), Node::Mul(..)));
    // pow with an integer constant exponent becomes an integer power.
    let three = a.constant(3.0);
    let p = a.pow(x, three);
    assert_eq!(a.node(p), Node::Powi(x, 3));
}

#[test]
fn hash_consing_shares_subexpressions_and_orders_commutative_operands() {
    let (mut a, v, _) = xyz();
    let (x, y) = (v[0], v[1]);
    let xy = a.mul(x, y);
    assert_eq!(a.mul(y, x), xy);
    let s1 = a.call1(Func::Sin, xy);
    let n = a.len();
    let yx = a.mul(y, x);
    let s2 = a.call1(Func::Sin, yx);
    assert_eq!((s1, a.len()), (s2, n), "no new node for an existing expression");
    let e = a.add(s1, x);
    assert_eq!(a.add(x, s2), e);
    assert_ne!(a.sub(x, y), a.sub(y, x));
}

#[test]
fn derivatives_are_simplified_and_exact_zero_when_independent() {
    let (mut a, v, names) = xyz();
    let (x, y) = (v[0], v[1]);
    let vx = Var::State { index: 0, order: 0 };
    let x3 = a.powi(x, 3);
    let d = a.diff(x3, vx);
    assert_eq!(a.display(d, &names).to_string(), "3*x^2");
    let d = a.diff(y, vx);
    assert_eq!(a.const_value(d), Some(0.0));
    let sx = a.call1(Func::Sin, x);
    let e = a.mul(sx, y);
    let d = a.diff(e, vx);
    assert_eq!(a.display(d, &names).to_string(), "y*cos(x)");
    let ex = a.call1(Func::Exp, x);
    let d = a.diff(ex, vx);
    assert_eq!(d, ex, "exp' reuses the exp node");
}

#[test]
fn jacobian_is_row_major_outputs_by_vars() {
    let (mut a, v, names) = xyz();
    let (x, y) = (v[0], v[1]);
    let mu = a.param(0);
    let f0 = a.mul(mu, x);
    let f1 = a.mul(x, y);
    let vars = [Var::State { index: 0, order: 0 }, Var::State { index: 1, order: 0 }, Var::Param(0)];
    let j = a.jacobian(&[f0, f1], &vars);
    let shown: Vec<String> = j.iter().map(|&n| a.display(n, &names).to_string()).collect();
    assert_eq!(shown, ["mu", "0", "x", "y", "x", "0"]);
}

fn span(start: usize, end: usize) -> Option<Span> {
    Some(Span::new(SourceId(0), start, end))
}

/// A Lorenz-style discovery model: three sparse equations over poly(x, y, z, degree = 2),
/// one `keep` and one `exclude`, and a known part on the last equation.
fn lorenz_ir() -> ModelIr {
    let (mut a, v, _) = xyz();
    let names = Names::new(&["x", "y", "z"], &["beta"], &[]);
    let lib = Basis::poly(&mut a, &names, &v, 2).with_span(Span::new(SourceId(0), 40, 65));
    let beta = a.param(0);
    let bz = a.mul(beta, v[2]);
    let known_z = a.neg(bz);
    let zero = a.constant(0.0);
    let mut m = ModelIr::new("lorenz", names);
    m.arena = a;
    for s in 0..3u32 {
        let known = if s == 2 { known_z } else { zero };
        let eq = m.add_equation(s, 1, known, span(70 + 20 * s as usize, 85 + 20 * s as usize));
        let mut keep = vec![false; lib.len()];
        let mut exclude = vec![false; lib.len()];
        keep[1 + s as usize] = true;
        exclude[0] = s == 0;
        m.add_sparse(eq, "lib", &lib, &keep, &exclude);
    }
    m
}

#[test]
fn lorenz_model_ir_prints_readably() {
    let m = lorenz_ir();
    assert_eq!(m.coefs.len(), 29, "30 terms minus one excluded");
    insta::assert_snapshot!("lorenz_ir", m.to_string());
}

/// A second-order oscillator with a parameter exponent, a derivative on the right side and a
/// neural closure.
#[test]
fn oscillator_model_ir_prints_readably() {
    let mut a = Arena::new();
    let names = Names::new(&["x"], &["c", "n"], &["u"]);
    let x = a.state(0);
    let xd = a.var(Var::State { index: 0, order: 1 });
    let (c, n, u, t) = (a.param(0), a.param(1), a.input(0), a.time());
    let ax = a.call1(Func::Abs, x);
    let p = a.pow(ax, n);
    let cxd = a.mul(c, xd);
    let damp = a.neg(cxd);
    let st = a.call1(Func::Sin, t);
    let forcing = a.mul(u, st);
    let lhs = a.sub(damp, p);
    let known = a.add(lhs, forcing);
    let mut m = ModelIr::new("oscillator", names);
    m.arena = a;
    let eq = m.add_equation(0, 2, known, span(5, 30));
    let text = "mlp(x, x'; hidden = [16, 16])".to_string();
    m.add_neural(eq, vec![x, xd], vec![16, 16], Activation::Tanh, None, text, span(33, 60));
    insta::assert_snapshot!("oscillator_ir", m.to_string());
}

#[test]
fn describe_output_names_the_term_and_its_span() {
    let m = lorenz_ir();
    let outs = m.term_nodes();
    let (name, sp) = m.describe_output(&outs, 5).unwrap();
    assert_eq!((name.as_str(), sp), ("x*y", Some(Span::new(SourceId(0), 40, 65))));
    assert!(m.describe_output(&outs, outs.len()).is_none());
}

#[test]
fn emit_report_lists_right_hand_sides_and_derivatives() {
    let mut m = lorenz_ir();
    insta::assert_snapshot!("lorenz_emit", m.emit());
}

#[test]
fn calls_by_name_check_names_and_arity() {
    let (mut a, v, _) = xyz();
    let two = a.constant(2.0);
    let sx = a.call("sin", &[v[0]]).unwrap();
    assert_eq!(a.node(sx), Node::Call1(Func::Sin, v[0]));
    assert_eq!(a.call("pow", &[v[0], two]).map(|p| a.node(p)), Some(Node::Powi(v[0], 2)));
    assert!(a.call("sin", &[v[0], v[1]]).is_none());
    assert!(a.call("pow", &[v[0]]).is_none());
    assert!(a.call("sinh", &[v[0]]).is_none());
}
