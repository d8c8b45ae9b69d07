//! Shared helpers for the solver tests: golden-file loading, seeded random problems, and central
//! finite differences through the plain-slice API.

use mechc::mnn::{self, LhsShape, OdeInputs, OdeOptions, OdeShape};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::Value;

/// A nested JSON array flattened in row-major order, with its dims.
pub struct Array {
    pub dims: Vec<usize>,
    pub data: Vec<f64>,
}

fn flatten(v: &Value, depth: usize, dims: &mut Vec<usize>, out: &mut Vec<f64>) {
    match v {
        Value::Array(items) => {
            if dims.len() == depth {
                dims.push(items.len());
            }
            items.iter().for_each(|x| flatten(x, depth + 1, dims, out));
        }
        Value::Number(x) => out.push(x.as_f64().expect("finite number")),
        other => panic!("unexpected JSON value {other}"),
    }
}

/// Reads `key` of a JSON object as an array.
pub fn array(v: &Value, key: &str) -> Array {
    let (mut dims, mut data) = (Vec::new(), Vec::new());
    flatten(&v[key], 0, &mut dims, &mut data);
    Array { dims, data }
}

/// Loads a golden file from tests/fixtures/golden.
pub fn golden(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/golden/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).expect("golden file")).expect("valid JSON")
}

/// max |a − b| / max |b|: the norm-wise relative difference used against the references.
pub fn rel_diff(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len(), "length mismatch");
    let scale = b.iter().fold(0.0f64, |m, x| m.max(x.abs())).max(f64::MIN_POSITIVE);
    a.iter().zip(b).fold(0.0f64, |m, (x, y)| m.max((x - y).abs())) / scale
}

/// An owned problem: shape, the four inputs and options.
#[derive(Clone)]
pub struct Problem {
    pub shape: OdeShape,
    pub coeffs: Vec<f64>,
    pub rhs: Vec<f64>,
    pub init: Vec<f64>,
    pub steps: Vec<f64>,
    pub opts: OdeOptions,
}

impl Problem {
    pub fn inputs(&self) -> OdeInputs<'_> {
        OdeInputs { coeffs: &self.coeffs, rhs: &self.rhs, init: &self.init, steps: &self.steps }
    }

    pub fn solve(&self) -> Vec<f64> {
        mnn::solve(&self.shape, self.inputs(), &self.opts).expect("well-posed problem").u
    }
}

/// Broadcasting choices for a random problem.
#[derive(Clone, Copy)]
pub struct Layout {
    pub batch: usize,
    pub n: usize,
    pub e: usize,
    pub d: usize,
    pub p: usize,
    pub s: usize,
    pub k: usize,
    pub coeff_batch_shared: bool,
    pub coeff_steps_shared: bool,
    pub steps_shared: bool,
    pub rhs_steps_shared: bool,
}

impl Layout {
    pub fn plain(batch: usize, n: usize, e: usize, d: usize, p: usize, s: usize, k: usize) -> Layout {
        Layout {
            batch,
            n,
            e,
            d,
            p,
            s,
            k,
            coeff_batch_shared: false,
            coeff_steps_shared: false,
            steps_shared: false,
            rhs_steps_shared: false,
        }
    }
}

/// A seeded random well-posed problem: coefficients in [−1, 1) (order-0 ones kept away from 0 so
/// every dim is pinned), rhs and initial values in [−1, 1), steps in [0.05, 0.15).
pub fn random_problem(seed: u64, l: Layout, opts: OdeOptions) -> Problem {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let lhs = LhsShape {
        n: l.n,
        e: l.e,
        d: l.d,
        p: l.p,
        s: l.s,
        k: l.k,
        coeff_batch: if l.coeff_batch_shared { 1 } else { l.batch },
        coeff_steps: if l.coeff_steps_shared { 1 } else { l.n },
        step_batch: if l.steps_shared { 1 } else { l.batch },
        step_len: if l.steps_shared { 1 } else { l.n - 1 },
    };
    let shape = OdeShape { lhs, batch: l.batch, rhs_steps: if l.rhs_steps_shared { 1 } else { l.n } };
    let mut coeffs: Vec<f64> = (0..lhs.coeff_len()).map(|_| rng.random_range(-1.0..1.0)).collect();
    for (i, c) in coeffs.iter_mut().enumerate() {
        if i % l.p == 0 {
            *c = c.signum() * (0.5 + c.abs());
        }
    }
    let mut draw = |len: usize, lo: f64, hi: f64| -> Vec<f64> { (0..len).map(|_| rng.random_range(lo..hi)).collect() };
    let rhs = draw(shape.rhs_len(), -1.0, 1.0);
    let init = draw(shape.init_len(), -1.0, 1.0);
    let steps = draw(lhs.steps_len(), 0.05, 0.15);
    Problem { shape, coeffs, rhs, init, steps, opts }
}

/// Which input a finite difference perturbs.
#[derive(Clone, Copy, Debug)]
pub enum Input {
    Coeffs,
    Rhs,
    Init,
    Steps,
}

fn input_mut(p: &mut Problem, which: Input) -> &mut Vec<f64> {
    match which {
        Input::Coeffs => &mut p.coeffs,
        Input::Rhs => &mut p.rhs,
        Input::Init => &mut p.init,
        Input::Steps => &mut p.steps,
    }
}

/// Fourth-order central finite differences of L = Σ w·u with respect to every entry of one
/// input: (−L(x+2δ) + 8L(x+δ) − 8L(x−δ) + L(x−2δ)) / 12δ, truncation error O(δ⁴).
/// The loss itself carries a round-off error of about ε·cond(M)·|L| (cond(M) reaches ~1e7 for
/// these random P = 3–4 problems, so ~1e-9·|L|), which the quotient divides by δ. With
/// δ = 1e-3·max(|x|, 0.1) the combined error measured over the test problems stays below 3e-7
/// of the gradient's largest entry (δ = 3e-4 and 3e-3 give the same order, confirming neither
/// error dominates), hence the tests' tolerance of 2e-6; a wrong term is off by O(1).
pub fn finite_differences(p: &Problem, which: Input, w: &[f64]) -> Vec<f64> {
    let loss = |q: &Problem| q.solve().iter().zip(w).map(|(u, w)| u * w).sum::<f64>();
    let len = input_mut(&mut p.clone(), which).len();
    let rel = 1e-3;
    (0..len)
        .map(|i| {
            let mut q = p.clone();
            let x0 = input_mut(&mut q, which)[i];
            let delta = rel * x0.abs().max(0.1);
            let mut at = |k: f64| {
                input_mut(&mut q, which)[i] = x0 + k * delta;
                loss(&q)
            };
            (-at(2.0) + 8.0 * at(1.0) - 8.0 * at(-1.0) + at(-2.0)) / (12.0 * delta)
        })
        .collect()
}

/// Seeded random loss weights.
pub fn random_weights(seed: u64, len: usize) -> Vec<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..len).map(|_| rng.random_range(-1.0..1.0)).collect()
}
