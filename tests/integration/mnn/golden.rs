//! The solver against the golden files produced by the reference implementations (values and
//! gradients for L = Σu, both smoothing modes), and the assembled normal-matrix blocks.

use mechc::mnn::{self, LhsShape, LhsView, OdeInputs, OdeOptions, OdeShape};
use serde_json::Value;

use super::common::{array, golden, rel_diff};

/// Solves one golden case in one mode and compares u and the four gradients. `tol` is the
/// golden README's relative tolerance: the references themselves differ from an independent
/// dense build by up to ~1e-8 relative (1e-6 for the broadcast case and P ≥ 4 step gradients),
/// because their error grows with cond(AᵀA).
fn check_case(file: &str, central: bool, tol: f64, steps_tol: f64) {
    let g = golden(file);
    let inp = &g["inputs"];
    let (c, r, iv, h) =
        (array(inp, "coefficients"), array(inp, "rhs_equation"), array(inp, "init_vars"), array(inp, "steps"));
    let n_arg = g["n_steps_argument"].as_u64().map(|x| x as usize);
    let shape = OdeShape::from_dims(&c.dims, &r.dims, &iv.dims, &h.dims, n_arg).expect("golden shape");
    let opts = OdeOptions { central, ..OdeOptions::default() };
    let inputs = OdeInputs { coeffs: &c.data, rhs: &r.data, init: &iv.data, steps: &h.data };
    let sol = mnn::solve(&shape, inputs, &opts).expect("golden problems are well-posed");
    let res = &g["results"][if central { "central_true" } else { "central_false" }];
    let u_ref = array(res, "u");
    assert_eq!(u_ref.dims, vec![shape.batch, shape.lhs.n, shape.lhs.d, shape.lhs.p]);
    let du = rel_diff(&sol.u, &u_ref.data);
    assert!(du < tol, "{file} central={central}: u differs by {du:e}");
    let grads = sol.backward(&vec![1.0; sol.u.len()]).expect("backward");
    let gr = &res["grads"];
    let checks: [(&str, &[f64], f64); 4] = [
        ("coefficients", grads.coeffs.as_deref().expect("coefficient grads"), tol),
        ("rhs_equation", &grads.rhs, tol),
        ("init_vars", &grads.init, tol),
        ("steps", grads.steps.as_deref().expect("step grads"), steps_tol),
    ];
    for (key, ours, t) in checks {
        let d = rel_diff(ours, &array(gr, key).data);
        assert!(d < t, "{file} central={central}: d{key} differs by {d:e}");
    }
}

#[test]
fn damped_oscillator() {
    for central in [false, true] {
        check_case("damped_oscillator.json", central, 1e-8, 1e-8);
    }
}

#[test]
fn first_order_p2() {
    for central in [false, true] {
        check_case("first_order_p2.json", central, 1e-8, 1e-8);
    }
}

#[test]
fn first_order_p3() {
    for central in [false, true] {
        check_case("first_order_p3.json", central, 1e-8, 1e-8);
    }
}

#[test]
fn random_batch() {
    for central in [false, true] {
        check_case("random_batch.json", central, 1e-8, 1e-8);
    }
}

#[test]
fn random_p4_two_init_steps() {
    for central in [false, true] {
        check_case("random_p4_two_init_steps.json", central, 1e-8, 1e-6);
    }
}

#[test]
fn broadcast_lorenz_style() {
    for central in [false, true] {
        check_case("broadcast_lorenz_style.json", central, 1e-6, 1e-6);
    }
}

/// Checks the recorded exact-solution errors: ours must reproduce the reference's max |u − exact|
/// (it is the same discrete solution, so it agrees to far better than 1e-6).
#[test]
fn damped_oscillator_error_vs_exact_matches_reference() {
    let g = golden("damped_oscillator.json");
    let exact = array(&g["exact_solution"], "u").data;
    for (central, key) in [(false, "central_false"), (true, "central_true")] {
        let inp = &g["inputs"];
        let (c, r, iv, h) =
            (array(inp, "coefficients"), array(inp, "rhs_equation"), array(inp, "init_vars"), array(inp, "steps"));
        let shape = OdeShape::from_dims(&c.dims, &r.dims, &iv.dims, &h.dims, None).unwrap();
        let opts = OdeOptions { central, ..OdeOptions::default() };
        let u = mnn::solve(&shape, OdeInputs { coeffs: &c.data, rhs: &r.data, init: &iv.data, steps: &h.data }, &opts)
            .unwrap()
            .u;
        let err = (0..exact.len()).map(|t| (u[t * 3] - exact[t]).abs()).fold(0.0, f64::max);
        let want = g["results"][key]["max_abs_err_vs_exact"]["u"].as_f64().unwrap();
        assert!((err - want).abs() < 1e-6, "central={central}: error vs exact {err} but reference {want}");
    }
}

fn blocks(v: &Value, key: &str) -> Vec<f64> {
    array(v, key).data
}

/// The assembled M0, M1, M2 and β blocks equal `smnn.compute_ata_atb`'s. These are sums of a few
/// products, so they agree to round-off: 1e-13 relative.
#[test]
fn normal_matrix_blocks() {
    let g = golden("normal_matrix_blocks.json");
    let inp = &g["inputs"];
    let (c, r, iv, h) =
        (array(inp, "coefficients"), array(inp, "rhs_equation"), array(inp, "init_vars"), array(inp, "steps"));
    let (n, e, d, p) = (c.dims[0], c.dims[1], c.dims[2], c.dims[3]);
    let lhs = LhsShape {
        n,
        e,
        d,
        p,
        s: iv.dims[0],
        k: iv.dims[2],
        coeff_batch: 1,
        coeff_steps: n,
        step_batch: 1,
        step_len: n - 1,
    };
    let m = d * p;
    for central in [false, true] {
        let opts = OdeOptions { central, ..OdeOptions::default() };
        let v = LhsView { shape: &lhs, opts: &opts, coeffs: &c.data, steps: &h.data, b: 0 };
        let want = &g["blocks"][if central { "central_true" } else { "central_false" }];
        let mut blk = vec![0.0; m * m];
        let (mut m0, mut m1, mut m2, mut beta) = (vec![], vec![], vec![], vec![]);
        let mut bt = vec![0.0; m];
        for t in 0..n {
            mnn::diag_block(&v, t, &mut blk);
            m0.extend_from_slice(&blk);
            mnn::rhs_block(&v, t, &r.data[t * e..(t + 1) * e], &iv.data, &mut bt);
            beta.extend_from_slice(&bt);
            if t + 1 < n {
                mnn::sub_block(&v, t, &mut blk);
                m1.extend_from_slice(&blk);
            }
            if central && t + 2 < n {
                mnn::sub2_block(&v, t, &mut blk);
                m2.extend_from_slice(&blk);
            }
        }
        assert!(rel_diff(&m0, &blocks(want, "block_diag_0")) < 1e-13, "M0 central={central}");
        assert!(rel_diff(&m1, &blocks(want, "block_diag_1_lower")) < 1e-13, "M1 central={central}");
        assert!(rel_diff(&beta, &blocks(want, "AtB")) < 1e-13, "beta central={central}");
        if central {
            assert!(rel_diff(&m2, &blocks(want, "block_diag_2_lower")) < 1e-13, "M2");
        }
        let shape = OdeShape { lhs, batch: 1, rhs_steps: n };
        let u = mnn::solve(&shape, OdeInputs { coeffs: &c.data, rhs: &r.data, init: &iv.data, steps: &h.data }, &opts)
            .unwrap()
            .u;
        assert!(rel_diff(&u, &blocks(want, "solution_u")) < 1e-8, "solution central={central}");
    }
}
