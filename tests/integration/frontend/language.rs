//! Language details: operator precedence and associativity, the lexical traps (`x'` as one token,
//! `0..10`, `8/3`), Unicode names, nesting bounds, the HIR's shape, and the `fit` schema.

use super::check_text;
use mechc::check::hir::{self, BasisExpr, ExprKind, Summand};
use mechc::check::settings::{convert, Method, Threshold, Value, SCHEMA};
use mechc::syntax::ast::{BinOp, ExprKind as A, ItemKind};
use mechc::syntax::parse_str;

fn rhs(src: &str) -> mechc::syntax::ast::Expr {
    let (_, m, d) = parse_str("t.mech", src);
    let m = m.unwrap_or_else(|| panic!("parse failed: {d:?}"));
    m.items
        .into_iter()
        .find_map(|i| match i.kind {
            ItemKind::Equation(e) => Some(e.rhs),
            _ => None,
        })
        .expect("an equation")
}

fn checked(src: &str) -> hir::Model {
    let (sources, m, d) = check_text("t.mech", src);
    m.unwrap_or_else(|| panic!("{}", mechc::diag::render::render_text(&d, &sources, false)))
}

#[test]
fn unary_minus_binds_looser_than_power() {
    let e = rhs("state x\nx' = -x^2");
    let A::Neg(inner) = e.kind else { panic!("expected negation at the top, got {e:?}") };
    assert!(matches!(inner.kind, A::Binary(BinOp::Pow, ..)));
}

#[test]
fn power_is_right_associative() {
    let e = rhs("state x\nx' = x^2^3");
    let A::Binary(BinOp::Pow, l, r) = e.kind else { panic!() };
    assert!(matches!(l.kind, A::Name(_)));
    assert!(matches!(r.kind, A::Binary(BinOp::Pow, ..)));
}

#[test]
fn negative_exponent_and_left_associative_division() {
    let e = rhs("state x\nx' = x^-2");
    let A::Binary(BinOp::Pow, _, r) = e.kind else { panic!() };
    assert!(matches!(r.kind, A::Neg(_)));
    let e = rhs("state x\nx' = 8/4/2");
    let A::Binary(BinOp::Div, l, _) = e.kind else { panic!() };
    assert!(matches!(l.kind, A::Binary(BinOp::Div, ..)));
}

#[test]
fn constants_fold_with_real_division_and_precedence() {
    let m = checked("model m\nstate x\nconst a = 8/3\nconst b = -2^2\nconst c = 2^3^2\nx' = -a*b*c*x");
    let v: Vec<f64> = m.consts.iter().map(|c| c.value).collect();
    // 8/3 is one correctly rounded division; -2^2 and 2^3^2 are exact in f64.
    assert_eq!(v, vec![8.0 / 3.0, -4.0, 512.0]);
}

#[test]
fn derivative_is_one_token_and_range_lexes_without_fraction() {
    let e = rhs("state x\nx'' = -x' - x");
    let A::Binary(BinOp::Sub, l, _) = e.kind else { panic!() };
    let A::Neg(d) = l.kind else { panic!() };
    assert!(matches!(d.kind, A::Deriv { order: 1, .. }));
    let m = checked("model m\nstate x\ndata d = simulate {\n x' = -x\n init x = 1\n time 0..10 step 0.5\n}\nx' = -x");
    let hir::DataSource::Simulate(s) = &m.data[0].source else { panic!() };
    assert_eq!((s.t0, s.t1, s.step), (0.0, 10.0, 0.5));
}

#[test]
fn derivative_with_space_before_prime_is_an_error() {
    let (_, m, d) = parse_str("t.mech", "state x\nx ' = -x");
    assert!(m.is_none());
    assert_eq!(d[0].code.0, "E001");
}

#[test]
fn unicode_names_and_byte_spans() {
    let src = "model m\nstate θ\nθ' = -θ + σ";
    let (sources, m, d) = check_text("t.mech", src);
    assert!(m.is_none());
    let span = d[0].primary_span().unwrap();
    assert_eq!(sources.slice(span), "σ");
    assert_eq!(sources.line_col(span.src, span.start as usize), (3, 11));
}

#[test]
fn nesting_just_under_the_bound_parses_in_a_test_thread() {
    let depth = mechc::syntax::MAX_NESTING - 1;
    let src = format!("model m\nstate x\nx' = {}x{}", "(".repeat(depth), ")".repeat(depth));
    checked(&src);
    let src = format!("model m\nstate x\nx' = {}x{}", "(".repeat(10_000), ")".repeat(10_000));
    let (_, m, d) = check_text("t.mech", &src);
    assert!(m.is_none() && d[0].code.0 == "E002");
}

#[test]
fn long_flat_sums_are_bounded_not_overflowing() {
    let terms = vec!["x"; 100_000].join(" + ");
    let (_, m, d) = check_text("t.mech", &format!("model m\nstate x\nx' = {terms}"));
    assert!(m.is_none() && d.iter().any(|x| x.code.0 == "E002"));
}

#[test]
fn hir_equations_split_into_summands() {
    let m = checked(
        "model m\nstate x, y\nparam a = 1\nbasis lib = poly(x, y, degree = 2)\n\
         x' = a*x - sparse(lib, keep = {x}) + mlp(x, y; hidden = [4, 2])\ny' = -y",
    );
    assert_eq!(m.equations.len(), 2);
    let s = &m.equations[0].summands;
    assert!(matches!(&s[0], Summand::Known(e) if matches!(e.kind, ExprKind::Binary(BinOp::Mul, ..))));
    assert!(matches!(&s[1], Summand::Sparse { basis: BasisExpr::Ref(0, _), keep, .. } if keep.len() == 1));
    assert!(matches!(&s[2], Summand::Mlp { inputs, hidden, .. } if inputs.len() == 2 && hidden == &vec![4, 2]));
    assert_eq!(m.states.iter().map(|s| s.order).collect::<Vec<_>>(), vec![1, 1]);
}

#[test]
fn hir_second_order_state_and_simulation() {
    let m = checked(
        "model m\nstate x\nparam c = 0.5 in (0, 1)\nparam k = 2\ndata d = simulate damped_oscillator(zeta = 0.1, omega = 3) {\n \
         init x = 1, x' = normal(0, 0.1)\n time 0 .. 1 step 0.1\n noise 2%\n seed 9\n trajectories 5\n}\nx'' = -c*x' - k*x",
    );
    assert_eq!(m.states[0].order, 2);
    assert_eq!(m.params[0].bounds, Some((0.0, 1.0)));
    let hir::DataSource::Simulate(s) = &m.data[0].source else { panic!() };
    let hir::SimSystem::Named(id) = s.system else { panic!() };
    assert_eq!(m.systems[id].name, "damped_oscillator");
    // Named arguments land in the system's parameter order (omega, zeta).
    assert_eq!(s.args, vec![hir::SimValue::Fixed(3.0), hir::SimValue::Fixed(0.1)]);
    assert_eq!(s.init[0], vec![hir::SimValue::Fixed(1.0), hir::SimValue::Normal { mean: 0.0, std: 0.1 }]);
    assert_eq!((s.noise_percent, s.seed, s.trajectories), (2.0, 9, 5));
    assert_eq!(s.state_map, vec![Some(0)]);
}

#[test]
fn hir_functions_stay_calls_with_argument_slots() {
    let m = checked("model m\nstate x\nfn f(a, b) = a*b + t\nx' = f(x, 2)");
    let f = m.fns.iter().position(|f| f.name == "f").unwrap();
    let ExprKind::Binary(BinOp::Add, l, r) = &m.fns[f].body.kind else { panic!() };
    assert!(matches!(l.kind, ExprKind::Binary(BinOp::Mul, ..)));
    assert_eq!(r.kind, ExprKind::Time);
    let hir::Summand::Known(e) = &m.equations[0].summands[0] else { panic!() };
    assert!(matches!(&e.kind, ExprKind::Call(hir::Callee::Fn(g), args) if *g == f && args.len() == 2));
}

#[test]
fn emit_hir_snapshot() {
    let text = std::fs::read_to_string("examples/hybrid.mech").unwrap();
    let m = checked(&text);
    insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!("hir_hybrid", mechc::check::print::model(&m));
    });
}

#[test]
fn fit_schema_defaults_are_valid_and_keys_unique() {
    for (i, s) in SCHEMA.iter().enumerate() {
        assert!(SCHEMA[..i].iter().all(|o| o.key != s.key), "duplicate key {}", s.key);
        let converted = match &s.default {
            Value::Word(w) => convert(&s.kind, None, Some(w)),
            Value::Auto => convert(&s.kind, None, Some("auto")),
            Value::Bool(b) => convert(&s.kind, None, Some(if *b { "true" } else { "false" })),
            Value::Int(n) => convert(&s.kind, Some(*n as f64), None),
            Value::Float(x) => convert(&s.kind, Some(*x), None),
        };
        assert_eq!(converted.as_ref(), Ok(&s.default), "default of {} is outside its own range", s.key);
        assert!(!s.doc.is_empty());
    }
}

#[test]
fn fit_values_are_typed_with_defaults_filled() {
    let m = checked(
        "model m\nstate x\nx' = -x\nfit { epochs = 12, threshold = auto, lr = 1e-3, method = mnn, stride = 7 }",
    );
    assert_eq!(m.fit.epochs, 12);
    assert_eq!(m.fit.threshold, Threshold::Auto);
    assert_eq!(m.fit.lr, 1e-3);
    assert_eq!(m.fit.method, Method::Mnn);
    assert_eq!(m.fit.window, None);
    assert_eq!(m.fit.stride, Some(7));
    assert_eq!(m.fit.rounds, 4);
    assert!(m.fit.is_explicit("epochs") && !m.fit.is_explicit("window"));
    // Every value reads back as written or as its default.
    let values = m.fit.values();
    assert_eq!(values.len(), SCHEMA.len());
    for ((key, v), spec) in values.iter().zip(SCHEMA) {
        assert_eq!(*key, spec.key);
        if !m.fit.is_explicit(key) {
            assert_eq!(v, &spec.default, "{key}");
        }
    }
}

#[test]
fn json_diagnostics_have_positions() {
    let (sources, _, d) = check_text("t.mech", "model m\nstate x\nx' = -x + xx");
    let v: serde_json::Value = serde_json::from_str(&mechc::diag::render::render_json(&d, &sources)).unwrap();
    let first = &v[0];
    assert_eq!(first["code"], "E010");
    assert_eq!(first["severity"], "error");
    assert_eq!(first["file"], "t.mech");
    assert_eq!(first["range"], serde_json::json!([26, 28]));
    assert_eq!(first["start"], serde_json::json!([3, 11]));
    assert_eq!(first["help"], "did you mean `x`?");
}

#[test]
fn emit_ast_snapshot() {
    let (_, m, d) = parse_str(
        "t.mech",
        "model m  # c\nstate x\nparam k = 2 in (0, 5)\nx' = -k*x^2 + sparse({x}, keep = {x}) + mlp(x; hidden = [4])\n",
    );
    let m = m.unwrap_or_else(|| panic!("{d:?}"));
    insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!("ast_small", mechc::syntax::dump::dump(&m));
    });
}

#[test]
fn parameter_initial_values() {
    let m = checked("model m\nstate x\nparam a\nparam b in (2, 4)\nparam c = 0.5\nx' = -a*b*c*x");
    let v: Vec<f64> = m.params.iter().map(|p| p.init).collect();
    assert_eq!(v, vec![1.0, 3.0, 0.5]);
}
