//! The banded Cholesky solver against the dense one on random symmetric positive definite
//! banded systems, and its pivot check on a singular matrix.

use mechc::fit::{dense_solve, Banded};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

#[test]
fn banded_solve_matches_dense_solve() {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let (n, b, nr) = (40, 5, 3);
    // A symmetric band with a strictly dominant diagonal (6–7 against at most 10·0.5 = 5 off
    // it): SPD, with condition number at most (7 + 5)/(6 − 5) = 12.
    let mut dense = vec![0.0; n * n];
    let mut band = Banded::zeros(n, b);
    for i in 0..n {
        for j in i..(i + b + 1).min(n) {
            let v: f64 = if i == j { 6.0 + rng.random::<f64>() } else { rng.random::<f64>() - 0.5 };
            dense[i * n + j] = v;
            dense[j * n + i] = v;
            band.add(i, j, v);
        }
    }
    let rhs: Vec<f64> = (0..n * nr).map(|_| rng.random::<f64>() - 0.5).collect();
    let mut x = rhs.clone();
    band.cholesky().unwrap();
    band.solve(&mut x, nr);
    for c in 0..nr {
        let col: Vec<f64> = (0..n).map(|i| rhs[i * nr + c]).collect();
        let want = dense_solve(&dense, &col, n).unwrap();
        for i in 0..n {
            // Condition number ≤ 12 and |x| = O(1): both solves agree to ~1e-15·12.
            assert!((x[i * nr + c] - want[i]).abs() < 1e-12, "row {i} column {c}");
        }
    }
}

#[test]
fn banded_cholesky_reports_the_singular_row() {
    // Rows 2 and 3 are equal: [[1,1],[1,1]] block after two identity rows.
    let mut a = Banded::zeros(4, 1);
    a.add(0, 0, 1.0);
    a.add(1, 1, 1.0);
    a.add(2, 2, 1.0);
    a.add(2, 3, 1.0);
    a.add(3, 3, 1.0);
    assert_eq!(a.cholesky(), Err(3));
}
