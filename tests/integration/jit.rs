//! Tests of evaluation: the JIT against the interpreter (bit for bit on random expressions over
//! every intrinsic), symbolic derivatives against central finite differences, domain errors,
//! the safe wrapper's length checks, parallel evaluation, and the candle op's backward pass.

use std::sync::Arc;

use candle_core::{Device, Tensor, Var as CVar};
use mechc::ir::{Arena, Func, Names, NodeId, Var};
use mechc::jit::{self, DiffKernels, Interpreter, JitError, Layout};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Every one-argument intrinsic, read from the compiler's intrinsics table so new functions are
/// covered by the random-expression tests automatically.
pub(crate) static UNARY: std::sync::LazyLock<Vec<Func>> = std::sync::LazyLock::new(|| {
    mechc::intrinsics::INTRINSICS.iter().filter(|i| i.arity == 1).map(|i| i.func).collect()
});

fn cols() -> Vec<Var> {
    vec![Var::State { index: 0, order: 0 }, Var::State { index: 1, order: 0 }, Var::Input(0), Var::Time]
}

/// A random expression over states x, y, input u, time t and params a, b, using every operator
/// and intrinsic (including real `pow` and negative integer powers).
fn random_expr(a: &mut Arena, rng: &mut ChaCha8Rng, depth: u32) -> NodeId {
    if depth == 0 || rng.random_bool(0.2) {
        return match rng.random_range(0..7) {
            0 => a.state(0),
            1 => a.state(1),
            2 => a.input(0),
            3 => a.time(),
            4 => a.param(rng.random_range(0..2)),
            _ => a.constant([0.0, 1.0, -2.5, 0.5, 3.0][rng.random_range(0..5)]),
        };
    }
    let l = random_expr(a, rng, depth - 1);
    match rng.random_range(0..9) {
        0 => a.neg(l),
        1..=5 => {
            let r = random_expr(a, rng, depth - 1);
            match rng.random_range(0..5) {
                0 => a.add(l, r),
                1 => a.sub(l, r),
                2 => a.mul(l, r),
                3 => a.div(l, r),
                _ => a.pow(l, r),
            }
        }
        6 => a.powi(l, rng.random_range(-4..=7)),
        _ => a.call1(UNARY[rng.random_range(0..UNARY.len())], l),
    }
}

/// Rows mixing ordinary values with zeros, negatives and large magnitudes (domain edges).
fn random_rows(rng: &mut ChaCha8Rng, n: usize, nc: usize) -> Vec<f64> {
    (0..n * nc)
        .map(|_| match rng.random_range(0..10) {
            0 => 0.0,
            1 => -1.0,
            2 => rng.random_range(-1e3..1e3),
            _ => rng.random_range(-3.0..3.0),
        })
        .collect()
}

fn same_bits(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

#[test]
fn jit_matches_interpreter_bit_for_bit_on_random_expressions() {
    let mut rng = ChaCha8Rng::seed_from_u64(42);
    let layout = Layout::new(cols(), 2);
    let mut seen_nan = false;
    let mut funcs_seen = std::collections::BTreeSet::new();
    for case in 0..200 {
        let mut a = Arena::new();
        let outs: Vec<NodeId> = (0..4).map(|_| random_expr(&mut a, &mut rng, 5)).collect();
        for n in a.nodes() {
            if let mechc::ir::Node::Call1(f, _) | mechc::ir::Node::Call2(f, _, _) = n {
                funcs_seen.insert(*f);
            }
        }
        let n = 64;
        let x = random_rows(&mut rng, n, 4);
        let p = [rng.random_range(-2.0..2.0), rng.random_range(0.1..3.0)];
        let (mut o1, mut o2) = (vec![0.0; n * 4], vec![0.0; n * 4]);
        jit::compile(&a, &outs, &layout).unwrap().eval(n, &x, &p, &mut o1).unwrap();
        Interpreter::new(&a, &outs, &layout).unwrap().eval(n, &x, &p, &mut o2).unwrap();
        for (i, (u, v)) in o1.iter().zip(&o2).enumerate() {
            assert!(same_bits(*u, *v), "case {case}, value {i}: jit {u:e} vs interp {v:e}");
        }
        seen_nan |= o1.iter().any(|v| v.is_nan());
    }
    assert!(seen_nan, "domain edges produced NaN somewhere");
    assert_eq!(funcs_seen.len(), 10, "every intrinsic exercised: {funcs_seen:?}");
}

/// Central differences with step h have error about h²|f'''|/6 + ε|f|/h; with h = 1e-5·(1+|x|)
/// both are below 1e-8 relative for the smooth points kept. Points where the difference
/// quotient is itself unstable (non-smooth `abs`/`sign`, poles, overflow) are recognised by two
/// step sizes disagreeing, and skipped.
#[test]
fn symbolic_derivatives_match_central_differences() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let layout = Layout::new(cols(), 2);
    let vars = [cols(), vec![Var::Param(0), Var::Param(1)]].concat();
    let (mut checked, mut undefined, mut unstable) = (0usize, 0usize, 0usize);
    for _ in 0..150 {
        let mut a = Arena::new();
        let f = random_expr(&mut a, &mut rng, 4);
        let jac = a.jacobian(&[f], &vars);
        let fi = Interpreter::new(&a, &[f], &layout).unwrap();
        let ji = Interpreter::new(&a, &jac, &layout).unwrap();
        for _ in 0..4 {
            let x: Vec<f64> = (0..4).map(|_| rng.random_range(-2.0..2.0)).collect();
            let p = vec![rng.random_range(-2.0..2.0), rng.random_range(0.1..2.0)];
            let mut d = vec![0.0; vars.len()];
            ji.eval(1, &x, &p, &mut d).unwrap();
            for (j, &dj) in d.iter().enumerate() {
                let eval = |h: f64| {
                    let (mut xp, mut pp) = (x.clone(), p.clone());
                    let (mut xm, mut pm) = (x.clone(), p.clone());
                    let slot = |xv: &mut Vec<f64>, pv: &mut Vec<f64>, dh: f64| {
                        if j < 4 {
                            xv[j] += dh
                        } else {
                            pv[j - 4] += dh
                        }
                    };
                    slot(&mut xp, &mut pp, h);
                    slot(&mut xm, &mut pm, -h);
                    let (mut fp, mut fm) = ([0.0], [0.0]);
                    fi.eval(1, &xp, &pp, &mut fp).unwrap();
                    fi.eval(1, &xm, &pm, &mut fm).unwrap();
                    (fp[0] - fm[0]) / (2.0 * h)
                };
                let base = if j < 4 { x[j] } else { p[j - 4] };
                let h = 1e-5 * (1.0 + base.abs());
                let (g1, g2) = (eval(h), eval(h / 2.0));
                let scale = 1.0 + g1.abs();
                if !(g1.is_finite() && g2.is_finite() && dj.is_finite()) {
                    undefined += 1;
                    continue;
                }
                if (g1 - g2).abs() > 1e-7 * scale {
                    unstable += 1;
                    continue;
                }
                checked += 1;
                assert!((dj - g2).abs() <= 1e-6 * scale, "d/d{:?}: symbolic {dj} vs fd {g2} (fd at 2h: {g1})", vars[j]);
            }
        }
    }
    // Random expressions are often undefined (log or real powers of negatives); what matters is
    // that most defined points are checked and that thousands are.
    assert!(checked > 2000 && unstable * 10 < checked, "checked {checked}, undefined {undefined}, unstable {unstable}");
}

#[test]
fn domain_errors_give_nan_and_inf_and_are_located() {
    let mut a = Arena::new();
    let x = a.state(0);
    let lx = a.call1(Func::Log, x);
    let one = a.constant(1.0);
    let inv = a.div(one, x);
    let sq = a.call1(Func::Sqrt, x);
    let outs = [one, lx, inv, sq];
    let layout = Layout::new(vec![Var::State { index: 0, order: 0 }], 0);
    let k = jit::compile(&a, &outs, &layout).unwrap();
    let x_rows = [2.0, 0.0, -1.0];
    let mut out = vec![0.0; 12];
    k.eval(3, &x_rows, &[], &mut out).unwrap();
    assert!(out[..4].iter().all(|v| v.is_finite()));
    assert_eq!((out[5], out[6]), (f64::NEG_INFINITY, f64::INFINITY), "log 0 and 1/0");
    assert!(out[9].is_nan() && out[11].is_nan(), "log and sqrt of -1");
    assert_eq!(jit::find_non_finite(&out, 4), Some((1, 1)));

    let names = Names::new(&["x"], &[], &[]);
    let mut m = mechc::ir::ModelIr::new("m", names.clone());
    m.arena = a;
    let span = mechc::source::Span::new(mechc::source::SourceId(0), 3, 9);
    let basis = mechc::ir::Basis::explicit(&m.arena, &names, &[(one, None), (lx, Some(span))]);
    let eq = m.add_equation(0, 1, one, None);
    m.add_sparse(eq, "lib", &basis, &[], &[]);
    let (name, sp) = m.describe_output(&outs, 1).unwrap();
    assert_eq!((name.as_str(), sp), ("log(x)", Some(span)));
}

#[test]
fn wrong_lengths_and_unbound_variables_are_errors() {
    let mut a = Arena::new();
    let (x, p) = (a.state(0), a.param(0));
    let e = a.mul(x, p);
    let layout = Layout::new(vec![Var::State { index: 0, order: 0 }], 1);
    let k = jit::compile(&a, &[e], &layout).unwrap();
    let mut out = vec![0.0; 3];
    assert!(matches!(k.eval(3, &[1.0, 2.0], &[1.0], &mut out), Err(JitError::Length { what: "row data", .. })));
    assert!(matches!(k.eval(3, &[1.0; 3], &[], &mut out), Err(JitError::Length { what: "parameters", .. })));
    assert!(matches!(k.eval(2, &[1.0; 2], &[1.0], &mut out), Err(JitError::Length { what: "output", .. })));
    k.eval(3, &[1.0, 2.0, 3.0], &[2.0], &mut out).unwrap();
    assert_eq!(out, [2.0, 4.0, 6.0]);
    let t = a.time();
    let bad = Layout::new(vec![Var::State { index: 0, order: 0 }], 0);
    assert!(matches!(jit::compile(&a, &[t], &bad), Err(JitError::Unbound(Var::Time))));
    assert!(matches!(Interpreter::new(&a, &[e], &bad), Err(JitError::Unbound(Var::Param(0)))));
}

#[test]
fn parallel_evaluation_equals_serial_bit_for_bit() {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let mut a = Arena::new();
    let names = Names::new(&["x", "y"], &[], &[]);
    let v = [a.state(0), a.state(1)];
    let basis = mechc::ir::Basis::poly(&mut a, &names, &v, 3).concat(mechc::ir::Basis::fourier(&mut a, &names, &v, 2));
    let outs = basis.nodes();
    let layout = Layout::new(vec![Var::State { index: 0, order: 0 }, Var::State { index: 1, order: 0 }], 0);
    let k = jit::compile(&a, &outs, &layout).unwrap();
    let n = 10_007; // not a multiple of the chunk size
    let x = random_rows(&mut rng, n, 2);
    let (mut o1, mut o2) = (vec![0.0; n * outs.len()], vec![0.0; n * outs.len()]);
    k.eval(n, &x, &[], &mut o1).unwrap();
    k.eval_par(n, &x, &[], &mut o2).unwrap();
    assert!(o1.iter().zip(&o2).all(|(u, v)| same_bits(*u, *v)));
}

/// Loss L = Σ W ⊙ F(X; θ); the op's gradients against central differences of L. With
/// h = 1e-6 the truncation error (h² times third derivatives of order 10 here) and round-off
/// (ε·|L|/h ≈ 1e-9) are both far below the 1e-6 relative tolerance.
#[test]
fn candle_op_backward_matches_finite_differences() -> candle_core::Result<()> {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let mut a = Arena::new();
    let (x, y, z, pa, pb) = (a.state(0), a.state(1), a.state(2), a.param(0), a.param(1));
    let axy = {
        let ax = a.mul(pa, x);
        a.mul(ax, y)
    };
    let f1 = {
        let bx = a.mul(pb, x);
        let s = a.call1(Func::Sin, bx);
        let z2 = a.powi(z, 2);
        a.add(s, z2)
    };
    let f2 = {
        let ay = a.mul(pa, y);
        let n = a.neg(ay);
        let e = a.call1(Func::Exp, n);
        a.mul(e, z)
    };
    let f3 = {
        let sq = a.mul(x, x);
        let one = a.constant(1.0);
        let d = a.add(one, sq);
        a.pow(d, pb)
    };
    let layout = Layout::new((0..3).map(|i| Var::State { index: i, order: 0 }).collect(), 2);
    let dk = Arc::new(DiffKernels::compile(&mut a, &[axy, f1, f2, f3], &layout).unwrap());
    let dev = Device::Cpu;
    let n = 6;
    let xs: Vec<f64> = (0..n * 3).map(|_| rng.random_range(-1.5..1.5)).collect();
    let ps = vec![0.7, 1.3];
    let w: Vec<f64> = (0..n * 4).map(|_| rng.random_range(-1.0..1.0)).collect();
    let wt = Tensor::from_vec(w, (n, 4), &dev)?;
    let loss = |xs: &[f64], ps: &[f64]| -> candle_core::Result<f64> {
        let xt = Tensor::from_vec(xs.to_vec(), (n, 3), &dev)?;
        let pt = Tensor::from_vec(ps.to_vec(), 2, &dev)?;
        dk.apply(&xt, &pt)?.mul(&wt)?.sum_all()?.to_scalar::<f64>()
    };
    let xv = CVar::from_vec(xs.clone(), (n, 3), &dev)?;
    let pv = CVar::from_vec(ps.clone(), 2, &dev)?;
    let l = dk.apply(xv.as_tensor(), pv.as_tensor())?.mul(&wt)?.sum_all()?;
    let grads = l.backward()?;
    let gx = grads.get(xv.as_tensor()).unwrap().flatten_all()?.to_vec1::<f64>()?;
    let gp = grads.get(pv.as_tensor()).unwrap().to_vec1::<f64>()?;
    let h = 1e-6;
    let fd = |v: &[f64], i: usize, f: &dyn Fn(&[f64]) -> candle_core::Result<f64>| -> candle_core::Result<f64> {
        let (mut up, mut dn) = (v.to_vec(), v.to_vec());
        up[i] += h;
        dn[i] -= h;
        Ok((f(&up)? - f(&dn)?) / (2.0 * h))
    };
    for (i, &op) in gx.iter().enumerate() {
        let g = fd(&xs, i, &|v| loss(v, &ps))?;
        assert!((g - op).abs() <= 1e-6 * (1.0 + g.abs()), "dL/dX[{i}]: op {op} vs fd {g}");
    }
    for (i, &op) in gp.iter().enumerate() {
        let g = fd(&ps, i, &|v| loss(&xs, v))?;
        assert!((g - op).abs() <= 1e-6 * (1.0 + g.abs()), "dL/dθ[{i}]: op {op} vs fd {g}");
    }
    Ok(())
}

/// A small discovery model: `x' = sparse(poly(x, y, 1))`, `y' = -beta*y + sparse(...)` with a
/// `log(x)` term that is undefined for x ≤ 0.
fn small_model() -> mechc::ir::ModelIr {
    use mechc::ir::{Basis, ModelIr};
    let mut a = Arena::new();
    let names = Names::new(&["x", "y"], &["beta"], &[]);
    let v = [a.state(0), a.state(1)];
    let lx = a.call1(Func::Log, v[0]);
    let span = mechc::source::Span::new(mechc::source::SourceId(0), 20, 26);
    let lib = Basis::poly(&mut a, &names, &v, 1).concat(Basis::explicit(&a, &names, &[(lx, Some(span))]));
    let beta = a.param(0);
    let by = a.mul(beta, v[1]);
    let known = a.neg(by);
    let zero = a.constant(0.0);
    let mut m = ModelIr::new("small", names);
    m.arena = a;
    let e0 = m.add_equation(0, 1, zero, None);
    m.add_sparse(e0, "lib", &lib, &[], &[]);
    let e1 = m.add_equation(1, 1, known, None);
    m.add_sparse(e1, "lib", &lib, &[], &[false, false, false, true]);
    m
}

/// The rhs kernel against the formula written out; the kernel adds the terms one by one in
/// slot order like the formula, so only the order of `known` differs: agreement to a few ulps
/// of the largest summand (1e-14 relative for these magnitudes).
#[test]
fn model_rhs_kernel_evaluates_known_part_plus_coefficients_times_terms() {
    let mut m = small_model();
    let k = jit::Kernels::compile(&mut m).unwrap();
    assert_eq!(k.layout.columns.len(), 3, "x, y, t");
    assert_eq!(k.layout.n_params, 1 + 7, "beta and 4 + 3 coefficients");
    let shown: Vec<String> = k.rhs_nodes.iter().map(|&n| m.arena.display(n, &m.names).to_string()).collect();
    assert_eq!(shown[0], "c0 + x*c1 + y*c2 + c3*log(x)");
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let n = 50;
    let x: Vec<f64> = (0..n * 3).map(|_| rng.random_range(0.1..2.0)).collect();
    let p: Vec<f64> = (0..8).map(|_| rng.random_range(-1.0..1.0)).collect();
    let mut out = vec![0.0; n * 2];
    k.rhs.value.eval(n, &x, &p, &mut out).unwrap();
    for r in 0..n {
        let (xv, yv) = (x[3 * r], x[3 * r + 1]);
        let f0 = p[1] + p[2] * xv + p[3] * yv + p[4] * xv.ln();
        let f1 = -(p[0] * yv) + p[5] + p[6] * xv + p[7] * yv;
        for (got, want) in [(out[2 * r], f0), (out[2 * r + 1], f1)] {
            assert!((got - want).abs() <= 1e-14 * (1.0 + want.abs()), "row {r}: {got} vs {want}");
        }
    }
    assert!(jit::check_finite(&m, &k.rhs_nodes, &out).is_ok());
}

#[test]
fn non_finite_basis_values_are_reported_with_term_and_span() {
    let mut m = small_model();
    let k = jit::Kernels::compile(&mut m).unwrap();
    let x = [1.0, 2.0, 0.0, -1.0, 2.0, 0.5];
    let mut theta = vec![0.0; 2 * k.terms.len()];
    k.basis.value.eval(2, &x, &[0.0; 8], &mut theta).unwrap();
    let err = jit::check_finite(&m, &k.terms, &theta).unwrap_err();
    assert_eq!((err.row, err.output, err.label.as_str()), (1, 3, "log(x)"));
    assert!(err.value.is_nan());
    assert_eq!(err.span, Some(mechc::source::Span::new(mechc::source::SourceId(0), 20, 26)));
}

/// A parameter listed as a column is read per row (per-trajectory parameters); zero rows is a
/// valid call that writes nothing.
#[test]
fn parameters_can_be_per_row_columns_and_zero_rows_is_fine() {
    let mut a = Arena::new();
    let (x, r) = (a.state(0), a.param(0));
    let one = a.constant(1.0);
    let omx = a.sub(one, x);
    let rx = a.mul(r, x);
    let logistic = a.mul(rx, omx);
    let layout = Layout::new(vec![Var::State { index: 0, order: 0 }, Var::Param(0)], 0);
    let k = jit::compile(&a, &[logistic], &layout).unwrap();
    let mut out = [0.0; 2];
    k.eval(2, &[0.5, 2.0, 0.25, 4.0], &[], &mut out).unwrap();
    assert_eq!(out, [0.5, 0.75]);
    k.eval(0, &[], &[], &mut []).unwrap();
    Interpreter::new(&a, &[logistic], &layout).unwrap().eval(0, &[], &[], &mut []).unwrap();
}

/// Misusing the builder (a two-argument function built as a one-argument call) is caught
/// before code generation instead of producing a call with a mismatched signature.
#[test]
fn calls_with_the_wrong_arity_are_rejected() {
    let mut a = Arena::new();
    let x = a.state(0);
    let bad = a.call1(Func::Pow, x);
    let layout = Layout::new(vec![Var::State { index: 0, order: 0 }], 0);
    assert!(matches!(jit::compile(&a, &[bad], &layout), Err(JitError::Arity("pow"))));
    assert!(matches!(Interpreter::new(&a, &[bad], &layout), Err(JitError::Arity("pow"))));
}
