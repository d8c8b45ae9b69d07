//! `cargo bench --bench solver`: the S-MNN solver (float64, all threads of the rayon pool).
//!
//! - `forward` and `forward_backward`: B = 16 random well-posed problems with D = E = P = 3
//!   (block size m = 9), u(0) and u'(0) given, steps in [0.01, 0.02), at n = 10^3, 10^4, 10^5
//!   steps; `forward_backward` is the solve and the closed-form backward pass of one call.
//! - `lorenz_shape` and `lorenz_shape_frozen`: the shape of a Lorenz training call, 1536
//!   independent one-dimensional ODEs with n = 50, P = 3, forward and backward; the frozen case
//!   factorises one shared left-hand side once, outside the timed call.
//!
//! After divan's timing table, the peak memory of one forward+backward call at each n (the rise of
//! the process's peak resident set over its resident set before the call, read from
//! `/proc/self/status` after resetting the peak through `/proc/self/clear_refs`; Linux only).
//! No reference figures are stored or divided by here: comparisons are made side by side.

use divan::Bencher;
use mechc::mnn::{solve, FrozenLhs, LhsShape, OdeInputs, OdeOptions, OdeShape};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn main() {
    divan::main();
    let args: Vec<String> = std::env::args().collect();
    // `cargo test --benches` runs each benchmark once in test mode; `--list` only lists.
    if !args.iter().any(|a| a == "--test" || a == "--list") {
        peak_memory();
    }
}

/// Step counts of the random problems.
const SIZES: [usize; 3] = [1_000, 10_000, 100_000];

/// B = 16 random problems with D = E = P = 3 over `n` steps, and ∂L/∂u = 1 for the backward pass.
struct Problem {
    shape: OdeShape,
    coeffs: Vec<f64>,
    rhs: Vec<f64>,
    init: Vec<f64>,
    steps: Vec<f64>,
    grad_u: Vec<f64>,
}

fn uniform(rng: &mut ChaCha8Rng, len: usize, lo: f64, hi: f64) -> Vec<f64> {
    (0..len).map(|_| rng.random_range(lo..hi)).collect()
}

impl Problem {
    fn new(n: usize) -> Problem {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let b = 16;
        let lhs = LhsShape {
            n,
            e: 3,
            d: 3,
            p: 3,
            s: 1,
            k: 2,
            coeff_batch: b,
            coeff_steps: n,
            step_batch: b,
            step_len: n - 1,
        };
        let shape = OdeShape { lhs, batch: b, rhs_steps: n };
        Problem {
            coeffs: uniform(&mut rng, lhs.coeff_len(), -1.0, 1.0),
            rhs: uniform(&mut rng, shape.rhs_len(), -1.0, 1.0),
            init: uniform(&mut rng, shape.init_len(), -1.0, 1.0),
            steps: uniform(&mut rng, lhs.steps_len(), 0.01, 0.02),
            grad_u: vec![1.0; shape.u_len()],
            shape,
        }
    }

    fn inputs(&self) -> OdeInputs<'_> {
        OdeInputs { coeffs: &self.coeffs, rhs: &self.rhs, init: &self.init, steps: &self.steps }
    }

    fn forward_backward(&self) {
        let sol = solve(&self.shape, self.inputs(), &OdeOptions::default()).expect("a well-posed problem solves");
        divan::black_box(sol.backward(&self.grad_u).expect("the backward pass runs"));
    }
}

#[divan::bench(args = SIZES, sample_count = 5, sample_size = 1)]
fn forward(b: Bencher, n: usize) {
    let p = Problem::new(n);
    b.bench_local(|| solve(&p.shape, p.inputs(), &OdeOptions::default()).expect("a well-posed problem solves"));
}

#[divan::bench(args = SIZES, sample_count = 5, sample_size = 1)]
fn forward_backward(b: Bencher, n: usize) {
    let p = Problem::new(n);
    b.bench_local(|| p.forward_backward());
}

/// 1536 independent 1-D ODEs u' = rhs(t), coefficients [0, 1, 0] and h = 0.01, u(0) given,
/// n = 50: every problem has its own left-hand side (as training has before it freezes one).
#[divan::bench(sample_count = 20)]
fn lorenz_shape(b: Bencher) {
    let (shape, coeffs, steps, rhs, init, grad_u) = lorenz_problem(1536);
    let opts = OdeOptions::default();
    b.bench_local(|| {
        let inputs = OdeInputs { coeffs: &coeffs, rhs: &rhs, init: &init, steps: &steps };
        let sol = solve(&shape, inputs, &opts).expect("the problem solves");
        divan::black_box(sol.backward(&grad_u).expect("the backward pass runs"));
    });
}

/// As [`lorenz_shape`], with one shared left-hand side factorised once outside the timed call.
#[divan::bench(sample_count = 20)]
fn lorenz_shape_frozen(b: Bencher) {
    let (shape, coeffs, steps, rhs, init, grad_u) = lorenz_problem(1);
    let frozen = FrozenLhs::new(&shape.lhs, &coeffs, &steps, &OdeOptions::default()).expect("the lhs factorises");
    b.bench_local(|| {
        let sol = frozen.solve(shape.batch, shape.lhs.n, &rhs, &init).expect("the problem solves");
        divan::black_box(sol.backward(&grad_u).expect("the backward pass runs"));
    });
}

type LorenzProblem = (OdeShape, Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>);

/// The Lorenz training shape with `lhs_batch` left-hand sides (1536, or 1 shared).
fn lorenz_problem(lhs_batch: usize) -> LorenzProblem {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let (b, n) = (1536, 50);
    let lhs = LhsShape {
        n,
        e: 1,
        d: 1,
        p: 3,
        s: 1,
        k: 1,
        coeff_batch: lhs_batch,
        coeff_steps: 1,
        step_batch: lhs_batch,
        step_len: 1,
    };
    let shape = OdeShape { lhs, batch: b, rhs_steps: n };
    let coeffs: Vec<f64> = (0..lhs_batch).flat_map(|_| [0.0, 1.0, 0.0]).collect();
    let steps = vec![0.01; lhs_batch];
    let rhs = uniform(&mut rng, shape.rhs_len(), -20.0, 20.0);
    let init = uniform(&mut rng, shape.init_len(), -20.0, 20.0);
    let grad_u = uniform(&mut rng, shape.u_len(), -1.0, 1.0);
    (shape, coeffs, steps, rhs, init, grad_u)
}

/// A field of `/proc/self/status` in KiB (`VmRSS:`, `VmHWM:`).
fn status_kib(field: &str) -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    s.lines().find(|l| l.starts_with(field))?.split_whitespace().nth(1)?.parse().ok()
}

/// The rise of the peak resident set during `f`, in bytes, when the system reports it.
fn peak_rise(f: impl FnOnce()) -> Option<f64> {
    let before = status_kib("VmRSS:")?;
    // Writing 5 resets the peak resident set to the current one (Linux 4.0 and later).
    std::fs::write("/proc/self/clear_refs", "5").ok()?;
    f();
    Some((status_kib("VmHWM:")? - before) * 1024.0)
}

fn peak_memory() {
    println!("peak memory of one forward+backward call (rise of the peak resident set):");
    for n in SIZES {
        let p = Problem::new(n);
        match peak_rise(|| p.forward_backward()) {
            Some(bytes) => println!("  n = {n:>6}: {:.3} GB", bytes / 1e9),
            None => println!("  n = {n:>6}: not measured (needs Linux /proc/self/clear_refs)"),
        }
    }
}
