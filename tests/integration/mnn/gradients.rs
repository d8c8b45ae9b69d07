//! The closed-form backward pass against central finite differences, for every input, both
//! smoothing modes, non-unit weights and every broadcasting choice.

use mechc::mnn::{self, OdeOptions};

use super::common::{finite_differences, random_problem, random_weights, Input, Layout};

/// Compares analytic and finite-difference gradients of L = Σ w·u for all four inputs.
/// Tolerance 2e-6 of the gradient's largest entry: see `common::finite_differences` for the
/// truncation/round-off budget of the differences themselves.
fn check(seed: u64, layout: Layout, opts: OdeOptions) {
    let p = random_problem(seed, layout, opts);
    let sol = mnn::solve(&p.shape, p.inputs(), &p.opts).expect("well-posed");
    let w = random_weights(seed + 1000, sol.u.len());
    let g = sol.backward(&w).expect("backward");
    let analytic = [
        (Input::Coeffs, g.coeffs.clone().expect("coefficient gradient")),
        (Input::Rhs, g.rhs.clone()),
        (Input::Init, g.init.clone()),
        (Input::Steps, g.steps.clone().expect("step gradient")),
    ];
    for (which, ours) in analytic {
        let fd = finite_differences(&p, which, &w);
        let scale = fd.iter().fold(1e-3f64, |m, x| m.max(x.abs()));
        let err = ours.iter().zip(&fd).fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
        assert!(
            err < 2e-6 * scale,
            "seed {seed} central={} {which:?}: |analytic − fd| = {err:e}, scale {scale:e}",
            opts.central
        );
    }
}

fn weighted(central: bool) -> OdeOptions {
    OdeOptions { central, weight_equation: 1.3, weight_init: 0.7, weight_smooth: 1.1, n_steps: None }
}

#[test]
fn all_inputs_match_finite_differences_without_broadcasting() {
    for central in [false, true] {
        check(1, Layout::plain(2, 7, 2, 2, 3, 1, 2), weighted(central));
        check(2, Layout::plain(1, 6, 1, 1, 4, 2, 2), weighted(central));
        check(3, Layout::plain(2, 5, 2, 1, 2, 1, 1), OdeOptions { central, ..OdeOptions::default() });
    }
}

#[test]
fn all_inputs_match_finite_differences_with_broadcasting() {
    let mut l = Layout::plain(3, 6, 2, 2, 3, 1, 1);
    l.coeff_steps_shared = true;
    l.steps_shared = true;
    l.rhs_steps_shared = true;
    for central in [false, true] {
        check(4, l, weighted(central));
        let mut shared = l;
        shared.coeff_batch_shared = true;
        check(5, shared, weighted(central));
    }
}

/// A solve over a batch equals the solves of its elements one at a time (the batch axis is
/// parallel and independent).
#[test]
fn batch_elements_are_independent() {
    let p = random_problem(6, Layout::plain(3, 8, 2, 2, 3, 1, 2), OdeOptions::default());
    let u = p.solve();
    let per = p.shape.lhs.n * p.shape.lhs.m();
    let sh = &p.shape;
    let (cl, hl) = (sh.lhs.coeff_len() / 3, sh.lhs.steps_len() / 3);
    let (rl, il) = (sh.rhs_len() / 3, sh.init_len() / 3);
    for b in 0..3 {
        let mut q = p.clone();
        q.coeffs = p.coeffs[b * cl..(b + 1) * cl].to_vec();
        q.steps = p.steps[b * hl..(b + 1) * hl].to_vec();
        q.rhs = p.rhs[b * rl..(b + 1) * rl].to_vec();
        q.init = p.init[b * il..(b + 1) * il].to_vec();
        q.shape.batch = 1;
        q.shape.lhs.coeff_batch = 1;
        q.shape.lhs.step_batch = 1;
        // the same arithmetic in the same order: identical results
        assert_eq!(&u[b * per..(b + 1) * per], q.solve().as_slice());
    }
}
