//! The lane-group kernels (several batch elements factorised and solved in lockstep): batches
//! that fill some groups only partly, every compiled (block size, order) family, shared left-hand
//! sides, gradients, and errors that must name the first failing element in batch order.

use mechc::mnn::{self, dense::dense_solve, FrozenLhs, LhsShape, OdeOptions, OdeShape, SolveError};

use super::common::{random_problem, rel_diff, Layout, Problem};

/// Element `b` of an unbroadcast problem as a problem of its own (batch 1).
fn element(p: &Problem, b: usize) -> Problem {
    let (sh, lhs) = (p.shape, p.shape.lhs);
    let one = OdeShape { lhs: LhsShape { coeff_batch: 1, step_batch: 1, ..lhs }, batch: 1, rhs_steps: sh.rhs_steps };
    let cut = |v: &[f64], len: usize| v[b * len..(b + 1) * len].to_vec();
    Problem {
        shape: one,
        coeffs: cut(&p.coeffs, one.lhs.coeff_len()),
        rhs: cut(&p.rhs, one.rhs_len()),
        init: cut(&p.init, one.init_len()),
        steps: cut(&p.steps, one.lhs.steps_len()),
        opts: p.opts,
    }
}

/// Batches of 1 to 9 elements (so groups are full, partial, or both) and every order family
/// with a compiled kernel: each element's solution must equal the one it gets alone. The lanes
/// run the same operations in the same order as a lone element, so agreement is to round-off
/// only through the different grouping of independent work: 1e-13 relative is generous.
#[test]
fn grouped_elements_match_lone_elements() {
    // (batch, D, P): m = 12, 8, 10, 10, 3, 3, 9
    let cases = [(9, 4, 3), (6, 2, 4), (5, 2, 5), (7, 5, 2), (3, 3, 1), (1, 1, 3), (4, 3, 3)];
    for (i, &(batch, d, p)) in cases.iter().enumerate() {
        let pr = random_problem(300 + i as u64, Layout::plain(batch, 11, 2, d, p, 1, p.min(2)), OdeOptions::default());
        let u = pr.solve();
        let nm = pr.shape.lhs.n * d * p;
        for b in 0..batch {
            let alone = element(&pr, b).solve();
            let diff = rel_diff(&u[b * nm..(b + 1) * nm], &alone);
            assert!(diff < 1e-13, "case {i} element {b}: grouped vs alone {diff:e}");
        }
    }
}

/// The grouped solve against the dense QR reference for a batch with a partial group (m = 12,
/// P = 3; cond(AᵀA) of these random problems stays near 1e7, so 1e-8 as in `reference.rs`).
#[test]
fn grouped_batch_matches_dense_least_squares() {
    let pr = random_problem(400, Layout::plain(6, 9, 3, 4, 3, 1, 2), OdeOptions::default());
    let dense = dense_solve(&pr.shape, pr.inputs(), &pr.opts).expect("full rank");
    let d = rel_diff(&pr.solve(), &dense);
    assert!(d < 1e-8, "grouped vs dense {d:e}");
}

/// A frozen left-hand side shared by a batch of 6 right-hand sides gives each the solution of
/// the full problem built with the shared coefficients repeated (1e-13: same arithmetic).
#[test]
fn shared_factors_serve_every_lane() {
    let mut l = Layout::plain(6, 10, 2, 3, 3, 1, 2);
    l.coeff_batch_shared = true;
    l.steps_shared = true;
    let pr = random_problem(500, l, OdeOptions::default());
    let frozen = FrozenLhs::new(&pr.shape.lhs, &pr.coeffs, &pr.steps, &pr.opts).expect("well-posed");
    let u = frozen.solve(6, pr.shape.rhs_steps, &pr.rhs, &pr.init).expect("solve").u;
    let direct = pr.solve();
    let d = rel_diff(&u, &direct);
    assert!(d < 1e-13, "frozen vs direct {d:e}");
}

/// Gradients of a grouped batch equal each element's own gradients (1e-12: the backward solve
/// and closed forms use the same operations per element, grouped or not).
#[test]
fn grouped_gradients_match_lone_elements() {
    let pr = random_problem(600, Layout::plain(5, 8, 2, 3, 3, 1, 2), OdeOptions::default());
    let sol = mnn::solve(&pr.shape, pr.inputs(), &pr.opts).expect("well-posed");
    let grad_u: Vec<f64> = (0..sol.u.len()).map(|i| ((i * 7 % 13) as f64 - 6.0) / 6.0).collect();
    let g = sol.backward(&grad_u).expect("backward");
    let nm = sol.u.len() / 5;
    for b in 0..5 {
        let one = element(&pr, b);
        let s1 = mnn::solve(&one.shape, one.inputs(), &one.opts).expect("well-posed");
        let g1 = s1.backward(&grad_u[b * nm..(b + 1) * nm]).expect("backward");
        let part = |v: &[f64], len: usize| v[b * len..(b + 1) * len].to_vec();
        let (gc, gh) = (g.coeffs.as_deref().expect("coeff grads"), g.steps.as_deref().expect("step grads"));
        let pairs = [
            (part(gc, one.coeffs.len()), g1.coeffs.clone().expect("coeff grads")),
            (part(&g.rhs, one.rhs.len()), g1.rhs.clone()),
            (part(&g.init, one.init.len()), g1.init.clone()),
            (part(gh, one.steps.len()), g1.steps.clone().expect("step grads")),
        ];
        for (k, (a, e)) in pairs.iter().enumerate() {
            let d = rel_diff(a, e);
            assert!(d < 1e-12, "element {b}, input {k}: grouped vs alone {d:e}");
        }
    }
}

/// Errors in several elements of one group and of a later group: the one reported is the first
/// element's in batch order, whatever its kind, as for elements factorised one by one. A NaN
/// coefficient at step 1 makes that step's assembled diagonal non-finite (a pivot error there);
/// a negative step is caught before factorising.
#[test]
fn first_failing_element_in_batch_order_is_reported() {
    // batch 7, n = 6, E = D = 1, P = 3: 18 coefficients and 5 steps per element
    let pr = random_problem(700, Layout::plain(7, 6, 1, 1, 3, 1, 1), OdeOptions::default());
    let err = |p: &Problem| mnn::solve(&p.shape, p.inputs(), &p.opts).err();
    let nan_at = |b: usize| b * 18 + 4;
    let mut p = pr.clone();
    p.steps[2 * 5 + 3] = -0.1;
    p.coeffs[5 * 18 + 4] = f64::NAN;
    assert_eq!(err(&p), Some(SolveError::InvalidStep { batch: 2, interval: 3, value: -0.1 }));
    let mut p = pr.clone();
    p.coeffs[nan_at(1)] = f64::NAN;
    p.steps[2 * 5 + 3] = -0.1;
    assert!(matches!(err(&p), Some(SolveError::Pivot { batch: 1, step: 1, .. })), "{:?}", err(&p));
    let mut p = pr.clone();
    p.coeffs[nan_at(6)] = f64::NAN;
    assert!(matches!(err(&p), Some(SolveError::Pivot { batch: 6, step: 1, .. })), "{:?}", err(&p));
    let mut p = pr.clone();
    p.coeffs[nan_at(3)] = f64::NAN;
    p.coeffs[nan_at(6)] = f64::NAN;
    assert!(matches!(err(&p), Some(SolveError::Pivot { batch: 3, step: 1, .. })), "{:?}", err(&p));
}
