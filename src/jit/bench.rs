//! The JIT benchmark: evaluates `poly(x, y, z, degree = 3)` (20 terms) and a mixed basis with
//! `sin`/`cos`/`exp` on many rows with the JIT, the instruction-list interpreter, a naive
//! recursive tree walker and a hand-written Rust loop for the same terms, all in one run; and
//! times compiling a 100-term basis. Used by `benches/jit.rs` (and `mechc bench jit`).
//!
//! Input: a row count. Output: a [`JitBench`] report (printable).

use std::fmt;
use std::time::Instant;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{compile, interp::eval_tree, DiffKernels, Interpreter, JitError, Layout};
use crate::ir::{Arena, Basis, Func, Names, NodeId, Var};

/// Timings of one basis (seconds, best of the repetitions).
#[derive(Clone, Debug)]
pub struct CaseTiming {
    /// Which basis.
    pub name: &'static str,
    /// Number of outputs per row.
    pub terms: usize,
    /// Compiled kernel, one thread.
    pub jit: f64,
    /// Compiled kernel, rows split over the rayon pool.
    pub jit_par: f64,
    /// Instruction-list interpreter.
    pub interp: f64,
    /// Recursive tree walker.
    pub tree: f64,
    /// Hand-written Rust loop.
    pub hand: f64,
    /// Largest |JIT − hand-written| over all outputs (they may differ by rounding only where the
    /// hand-written loop groups products differently).
    pub max_diff_vs_hand: f64,
}

/// The whole benchmark report.
#[derive(Clone, Debug)]
pub struct JitBench {
    /// Rows evaluated per run.
    pub rows: usize,
    /// One entry per basis.
    pub cases: Vec<CaseTiming>,
    /// Terms in the compile-time case.
    pub compile_terms: usize,
    /// Median compile time of the 100-term basis, seconds.
    pub compile: f64,
    /// Median time to differentiate the 100-term basis with respect to its 3 columns and
    /// compile value and Jacobian kernels together, seconds.
    pub compile_with_jacobians: f64,
}

/// Repetitions of the JIT and hand-written timings.
const REPS: usize = 5;

fn best_of(reps: usize, mut f: impl FnMut()) -> f64 {
    (0..reps)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}

fn xyz(arena: &mut Arena) -> (Vec<NodeId>, Layout, Names) {
    let vars = vec![arena.state(0), arena.state(1), arena.state(2)];
    let cols = (0..3).map(|i| Var::State { index: i, order: 0 }).collect();
    (vars, Layout::new(cols, 0), Names::new(&["x", "y", "z"], &[], &[]))
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

fn time_case(
    name: &'static str,
    arena: &Arena,
    outputs: &[NodeId],
    layout: &Layout,
    x: &[f64],
    hand: fn(&[f64], &mut [f64]),
) -> Result<CaseTiming, JitError> {
    let n = x.len() / 3;
    let k = outputs.len();
    let kernel = compile(arena, outputs, layout)?;
    let interp = Interpreter::new(arena, outputs, layout)?;
    let mut out = vec![0.0; n * k];
    let mut hand_out = vec![0.0; n * k];
    let mut res = Ok(());
    // Interleaved repetitions, best of each: load from other processes hits both alike.
    let (mut jit, mut jit_par, mut hand_t) = (f64::INFINITY, f64::INFINITY, f64::INFINITY);
    for _ in 0..REPS {
        jit = jit.min(best_of(1, || res = kernel.eval(n, x, &[], &mut out)));
        std::mem::replace(&mut res, Ok(()))?;
        hand_t = hand_t.min(best_of(1, || hand(x, &mut hand_out)));
        jit_par = jit_par.min(best_of(1, || res = kernel.eval_par(n, x, &[], &mut out)));
        std::mem::replace(&mut res, Ok(()))?;
    }
    let max_diff_vs_hand = out.iter().zip(&hand_out).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
    let mut scratch = vec![0.0; n * k];
    let interp_t = best_of(1, || res = interp.eval(n, x, &[], &mut scratch));
    std::mem::replace(&mut res, Ok(()))?;
    let tree = best_of(1, || res = eval_tree(arena, outputs, layout, n, x, &[], &mut scratch));
    res?;
    Ok(CaseTiming { name, terms: k, jit, jit_par, interp: interp_t, tree, hand: hand_t, max_diff_vs_hand })
}

/// Runs the benchmark on `rows` random rows (seeded; uniform in [-2, 2]^3).
pub fn run(rows: usize) -> Result<JitBench, JitError> {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let x: Vec<f64> = (0..rows * 3).map(|_| rng.random_range(-2.0..2.0)).collect();
    let mut arena = Arena::new();
    let (vars, layout, names) = xyz(&mut arena);
    let poly = Basis::poly(&mut arena, &names, &vars, 3).nodes();
    let mixed = mixed_basis(&mut arena, &vars);
    let cases = vec![
        time_case("poly(x, y, z, degree = 3)", &arena, &poly, &layout, &x, hand_poly3)?,
        time_case("mixed sin/cos/exp", &arena, &mixed, &layout, &x, hand_mixed)?,
    ];
    let big = Basis::poly(&mut arena, &names, &vars, 6).concat(Basis::fourier(&mut arena, &names, &vars, 3));
    let big: Vec<NodeId> = big.nodes().into_iter().take(100).collect();
    let compile = median_of_5(|| compile(&arena, &big, &layout).map(drop))?;
    // A fresh arena each time, so every repetition differentiates from scratch.
    let compile_with_jacobians = median_of_5(|| {
        let mut a = arena.clone();
        DiffKernels::compile(&mut a, &big, &layout).map(drop)
    })?;
    Ok(JitBench { rows, cases, compile_terms: big.len(), compile, compile_with_jacobians })
}

fn median_of_5(mut f: impl FnMut() -> Result<(), JitError>) -> Result<f64, JitError> {
    let mut times = Vec::with_capacity(5);
    for _ in 0..5 {
        let t = Instant::now();
        f()?;
        times.push(t.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    Ok(times[2])
}

impl fmt::Display for JitBench {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "JIT benchmark: {} rows (best of {} interleaved runs for JIT and hand-written, 1 run for interpreters)",
            self.rows, REPS
        )?;
        for c in &self.cases {
            writeln!(f, "{} ({} terms):", c.name, c.terms)?;
            let ms = |s: f64| s * 1e3;
            writeln!(f, "  JIT             {:9.2} ms", ms(c.jit))?;
            writeln!(f, "  JIT, parallel   {:9.2} ms   ({} threads)", ms(c.jit_par), rayon::current_num_threads())?;
            writeln!(f, "  hand-written    {:9.2} ms   JIT speed = {:.2}x hand-written", ms(c.hand), c.hand / c.jit)?;
            writeln!(f, "  interpreter     {:9.2} ms   ({:.1}x slower than JIT)", ms(c.interp), c.interp / c.jit)?;
            writeln!(f, "  tree walker     {:9.2} ms   ({:.1}x slower than JIT)", ms(c.tree), c.tree / c.jit)?;
            writeln!(f, "  max |JIT - hand-written| = {:.3e}", c.max_diff_vs_hand)?;
        }
        write!(
            f,
            "compile {} terms: {:.2} ms; with Jacobians w.r.t. 3 columns (differentiate + 3 kernels): {:.2} ms (medians of 5)",
            self.compile_terms,
            self.compile * 1e3,
            self.compile_with_jacobians * 1e3
        )
    }
}
