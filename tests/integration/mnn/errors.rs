//! Ill-posed problems are errors naming the batch element and the reason: unpinned dims
//! (structural), numerically singular pivots, bad steps and bad shapes.

use mechc::mnn::{self, LhsShape, OdeInputs, OdeOptions, OdeShape, SolveError};

fn shape(batch: usize, n: usize, e: usize, d: usize, s: usize, k: usize) -> OdeShape {
    let lhs = LhsShape { n, e, d, p: 3, s, k, coeff_batch: batch, coeff_steps: 1, step_batch: 1, step_len: 1 };
    OdeShape { lhs, batch, rhs_steps: n }
}

/// c = [0, 1, 0] with no initial values leaves u → u + const free: element 1 of the batch has
/// no initial values pinning it while element 0 has c0 ≠ 0.
#[test]
fn unpinned_dim_names_batch_element() {
    let sh = shape(2, 10, 1, 1, 0, 0);
    let coeffs = [0.3, 1.0, 0.0, 0.0, 1.0, 0.0];
    let rhs = vec![0.5; 20];
    let err =
        mnn::solve(&sh, OdeInputs { coeffs: &coeffs, rhs: &rhs, init: &[], steps: &[0.1] }, &OdeOptions::default())
            .err();
    assert_eq!(err, Some(SolveError::Unpinned { batch: 1, dim: 0 }));
    let msg = err.unwrap().to_string();
    assert!(msg.contains("batch element 1") && msg.contains("dim 0"), "{msg}");
}

/// One equation u0 + u1 = r pins each dim structurally, but u0 + a, u1 − a is still free: only
/// the relative pivot check can see it.
#[test]
fn numerically_singular_is_a_pivot_error() {
    let sh = shape(1, 12, 1, 2, 0, 0);
    let coeffs = [1.0, 0.5, 0.0, 1.0, -0.5, 0.0];
    let rhs: Vec<f64> = (0..12).map(|t| (t as f64).cos()).collect();
    let err =
        mnn::solve(&sh, OdeInputs { coeffs: &coeffs, rhs: &rhs, init: &[], steps: &[0.1] }, &OdeOptions::default())
            .err();
    match err {
        Some(SolveError::Pivot { batch: 0, step, ratio, .. }) => {
            assert!(step < 12 && (ratio.is_nan() || ratio <= mnn::PIVOT_TOL), "step {step}, ratio {ratio}")
        }
        other => panic!("expected a pivot error, got {other:?}"),
    }
}

/// With the smoothing weight 0 each step has one equation for its two unknowns, so the pivot
/// check fails at step 0, order 1, with a zero pivot.
#[test]
fn zero_rows_are_a_pivot_error_at_their_step() {
    let lhs =
        LhsShape { n: 4, e: 1, d: 1, p: 2, s: 0, k: 0, coeff_batch: 1, coeff_steps: 4, step_batch: 1, step_len: 1 };
    let sh = OdeShape { lhs, batch: 1, rhs_steps: 4 };
    let coeffs = [1.0, 1.0, 2.0, 1.0, 0.0, 0.0, 1.0, 1.0];
    let opts = OdeOptions { weight_smooth: 0.0, ..OdeOptions::default() };
    let err = mnn::solve(&sh, OdeInputs { coeffs: &coeffs, rhs: &[1.0; 4], init: &[], steps: &[0.1] }, &opts).err();
    assert!(matches!(err, Some(SolveError::Pivot { batch: 0, step: 0, dim: 0, order: 1, .. })), "{err:?}");
}

#[test]
fn bad_steps_and_shapes_are_errors() {
    let sh = shape(1, 5, 1, 1, 1, 1);
    let c = [1.0, 1.0, 0.0];
    let ok_rhs = [0.0; 5];
    let err =
        mnn::solve(&sh, OdeInputs { coeffs: &c, rhs: &ok_rhs, init: &[1.0], steps: &[-0.1] }, &OdeOptions::default())
            .err();
    assert!(matches!(err, Some(SolveError::InvalidStep { batch: 0, interval: 0, .. })), "{err:?}");
    let err = mnn::solve(
        &sh,
        OdeInputs { coeffs: &c, rhs: &ok_rhs[..4], init: &[1.0], steps: &[0.1] },
        &OdeOptions::default(),
    )
    .err();
    assert!(matches!(err, Some(SolveError::Shape(_))), "{err:?}");
    let nan = [f64::NAN, 1.0, 0.0];
    let err =
        mnn::solve(&sh, OdeInputs { coeffs: &nan, rhs: &ok_rhs, init: &[1.0], steps: &[0.1] }, &OdeOptions::default())
            .err();
    assert!(matches!(err, Some(SolveError::Pivot { .. })), "NaN input must not give a silent NaN: {err:?}");
}

/// The smoothing rows leave every dim's quadratics free (3 modes per dim for P = 3); 5 dims need
/// 15 pinning rows but 4 steps × 2 equations + 5 initial values give 13, so M is singular although
/// every dim is structurally pinned. The dense QR reference agrees that A is rank-deficient.
#[test]
fn too_few_pinning_rows_is_a_pivot_error() {
    use super::common::{random_problem, Layout};
    let p = random_problem(9, Layout::plain(1, 4, 2, 5, 3, 1, 1), OdeOptions::default());
    assert!(mnn::dense::dense_solve(&p.shape, p.inputs(), &p.opts).is_none());
    let err = mnn::solve(&p.shape, p.inputs(), &p.opts).err();
    assert!(matches!(err, Some(SolveError::Pivot { batch: 0, .. })), "{err:?}");
}

/// When every input broadcasts over the steps, n must be given rather than guessed.
#[test]
fn uninferable_step_count_is_a_shape_error() {
    let err = OdeShape::from_dims(&[1, 1, 1, 1, 3], &[1, 1, 1], &[1, 1, 1, 1], &[1, 1], None).err();
    assert!(matches!(err, Some(SolveError::Shape(ref s)) if s.contains("n_steps")), "{err:?}");
    let sh = OdeShape::from_dims(&[1, 1, 1, 1, 3], &[1, 1, 1], &[1, 1, 1, 1], &[1, 1], Some(30)).unwrap();
    assert_eq!(sh.lhs.n, 30);
}
