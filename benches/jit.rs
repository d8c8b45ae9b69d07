//! `cargo bench --bench jit`: the JIT against its references, side by side in one run. Each basis
//! is evaluated on 10^6 random rows (seeded, uniform in [-2, 2]^3) by the compiled kernel (one
//! thread and across the rayon pool), a hand-written Rust loop for the same terms, the
//! instruction-list interpreter and a naive recursive tree walker; divan prints the timings in
//! one table, so the ratios are read off a single run on one machine. Two bases:
//! `poly(x, y, z, degree = 3)` (20 terms) and a mixed basis with `sin`, `cos` and `exp`
//! (12 terms). Also timed: compiling a 100-term basis, alone and with its Jacobian kernels.
//!
//! Before timing, each basis checks that the JIT and the hand-written loop compute the same
//! numbers, so the comparison is of equal work.

use divan::Bencher;
use mechc::ir::{Arena, Basis, Func, Names, NodeId, Var};
use mechc::jit::{compile, interp::eval_tree, DiffKernels, Interpreter, Layout};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn main() {
    divan::main();
}

/// Rows per evaluation.
const ROWS: usize = 1_000_000;

/// The bases, by name.
const BASES: [&str; 2] = ["poly3", "mixed"];

/// One basis ready to evaluate: its expressions, the layout of a row, the rows and the
/// hand-written loop for the same terms.
struct Case {
    arena: Arena,
    outputs: Vec<NodeId>,
    layout: Layout,
    rows: Vec<f64>,
    hand: fn(&[f64], &mut [f64]),
}

impl Case {
    fn new(basis: &str) -> Case {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let rows: Vec<f64> = (0..ROWS * 3).map(|_| rng.random_range(-2.0..2.0)).collect();
        let mut arena = Arena::new();
        let vars = [arena.state(0), arena.state(1), arena.state(2)];
        let layout = Layout::new((0..3).map(|i| Var::State { index: i, order: 0 }).collect(), 0);
        let (outputs, hand): (Vec<NodeId>, fn(&[f64], &mut [f64])) = match basis {
            "poly3" => (Basis::poly(&mut arena, &names(), &vars, 3).nodes(), hand_poly3),
            _ => (mixed_basis(&mut arena, &vars), hand_mixed),
        };
        let case = Case { arena, outputs, layout, rows, hand };
        case.check_against_hand_written();
        case
    }

    fn out(&self) -> Vec<f64> {
        vec![0.0; ROWS * self.outputs.len()]
    }

    /// The JIT and the hand-written loop agree to rounding (the loop may group a product
    /// differently), so both do the same work.
    fn check_against_hand_written(&self) {
        let kernel = compile(&self.arena, &self.outputs, &self.layout).expect("the basis compiles");
        let (mut jit, mut hand) = (self.out(), self.out());
        kernel.eval(ROWS, &self.rows, &[], &mut jit).expect("the kernel runs");
        (self.hand)(&self.rows, &mut hand);
        let worst = jit.iter().zip(&hand).map(|(a, b)| (a - b).abs() / (1.0 + b.abs())).fold(0.0, f64::max);
        assert!(worst < 1e-12, "the JIT and the hand-written loop differ by {worst}");
    }
}

fn names() -> Names {
    Names::new(&["x", "y", "z"], &[], &[])
}

#[divan::bench(args = BASES, sample_count = 20)]
fn jit(b: Bencher, basis: &str) {
    let c = Case::new(basis);
    let kernel = compile(&c.arena, &c.outputs, &c.layout).expect("the basis compiles");
    let mut out = c.out();
    b.bench_local(|| kernel.eval(ROWS, &c.rows, &[], &mut out).expect("the kernel runs"));
}

#[divan::bench(args = BASES, sample_count = 20)]
fn jit_parallel(b: Bencher, basis: &str) {
    let c = Case::new(basis);
    let kernel = compile(&c.arena, &c.outputs, &c.layout).expect("the basis compiles");
    let mut out = c.out();
    b.bench_local(|| kernel.eval_par(ROWS, &c.rows, &[], &mut out).expect("the kernel runs"));
}

#[divan::bench(args = BASES, sample_count = 20)]
fn hand_written(b: Bencher, basis: &str) {
    let c = Case::new(basis);
    let mut out = c.out();
    b.bench_local(|| {
        (c.hand)(divan::black_box(&c.rows), &mut out);
        divan::black_box(&mut out);
    });
}

#[divan::bench(args = BASES, sample_count = 5)]
fn interpreter(b: Bencher, basis: &str) {
    let c = Case::new(basis);
    let interp = Interpreter::new(&c.arena, &c.outputs, &c.layout).expect("the basis interprets");
    let mut out = c.out();
    b.bench_local(|| interp.eval(ROWS, &c.rows, &[], &mut out).expect("the interpreter runs"));
}

#[divan::bench(args = BASES, sample_count = 3)]
fn tree_walker(b: Bencher, basis: &str) {
    let c = Case::new(basis);
    let mut out = c.out();
    b.bench_local(|| eval_tree(&c.arena, &c.outputs, &c.layout, ROWS, &c.rows, &[], &mut out).expect("it runs"));
}

/// The first 100 terms of `poly(x, y, z, degree = 6) + fourier(x, y, z, harmonics = 3)`.
fn big_basis() -> (Arena, Vec<NodeId>, Layout) {
    let mut arena = Arena::new();
    let vars = [arena.state(0), arena.state(1), arena.state(2)];
    let big = Basis::poly(&mut arena, &names(), &vars, 6).concat(Basis::fourier(&mut arena, &names(), &vars, 3));
    let outputs = big.nodes().into_iter().take(100).collect();
    (arena, outputs, Layout::new((0..3).map(|i| Var::State { index: i, order: 0 }).collect(), 0))
}

#[divan::bench(sample_count = 20)]
fn compile_100_terms(b: Bencher) {
    let (arena, outputs, layout) = big_basis();
    b.bench_local(|| compile(&arena, &outputs, &layout).expect("the basis compiles"));
}

/// Differentiating the 100 terms with respect to the 3 columns and compiling value and Jacobian
/// kernels together, from a fresh arena each time.
#[divan::bench(sample_count = 10)]
fn compile_100_terms_with_jacobians(b: Bencher) {
    let (arena, outputs, layout) = big_basis();
    b.with_inputs(|| arena.clone())
        .bench_local_values(|mut a| DiffKernels::compile(&mut a, &outputs, &layout).expect("the kernels compile"));
}

fn hand_poly3(x: &[f64], out: &mut [f64]) {
    for (o, r) in out.chunks_exact_mut(20).zip(x.chunks_exact(3)) {
        let (x, y, z) = (r[0], r[1], r[2]);
        let (xx, yy, zz) = (x * x, y * y, z * z);
        let v = [
            1.0,
            x,
            y,
            z,
            xx,
            x * y,
            x * z,
            yy,
            y * z,
            zz,
            xx * x,
            xx * y,
            xx * z,
            x * yy,
            x * (y * z),
            x * zz,
            yy * y,
            yy * z,
            y * zz,
            zz * z,
        ];
        o.copy_from_slice(&v);
    }
}

/// `1, x, y, z, x*y, y*z, sin(x), cos(y), sin(2*z), exp(x), x*exp(-y), sin(x)*cos(z)`.
fn mixed_basis(arena: &mut Arena, v: &[NodeId]) -> Vec<NodeId> {
    let (x, y, z) = (v[0], v[1], v[2]);
    let one = arena.constant(1.0);
    let two = arena.constant(2.0);
    let xy = arena.mul(x, y);
    let yz = arena.mul(y, z);
    let sx = arena.call1(Func::Sin, x);
    let cy = arena.call1(Func::Cos, y);
    let z2 = arena.mul(two, z);
    let s2z = arena.call1(Func::Sin, z2);
    let ex = arena.call1(Func::Exp, x);
    let ny = arena.neg(y);
    let eny = arena.call1(Func::Exp, ny);
    let xeny = arena.mul(x, eny);
    let cz = arena.call1(Func::Cos, z);
    let sxcz = arena.mul(sx, cz);
    vec![one, x, y, z, xy, yz, sx, cy, s2z, ex, xeny, sxcz]
}

fn hand_mixed(x: &[f64], out: &mut [f64]) {
    for (o, r) in out.chunks_exact_mut(12).zip(x.chunks_exact(3)) {
        let (x, y, z) = (r[0], r[1], r[2]);
        let sx = x.sin();
        let v = [1.0, x, y, z, x * y, y * z, sx, y.cos(), (2.0 * z).sin(), x.exp(), x * (-y).exp(), sx * z.cos()];
        o.copy_from_slice(&v);
    }
}
