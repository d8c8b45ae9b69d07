//! The CPU backend: batched factorisation, solves and backward pass, parallel over the batch with
//! rayon. Default-mode shapes with a compiled block size go to the lane-group block Cholesky
//! (`chol.rs`: groups of LANES elements in lockstep, pivot factors only, m(m+1)/2 values per step
//! and element); the others (central mode, large blocks) to the per-element block LDLᵀ
//! (`factor.rs`: pivot factors plus first and second sub-diagonal multipliers). Either way memory
//! is O(B·n·m²) and each worker streams through its own group or element. A forward pass that
//! factorises and solves together runs the forward sweep inside the factorisation.

use std::sync::{Arc, Mutex};

use rayon::prelude::*;

use super::assemble::{self, LhsView};
use super::backward;
use super::chol::{self, LANES};
use super::device::{FactoredLhs, Gradients, OdeInputs, SolverBackend};
use super::error::SolveError;
use super::factor;
use super::shape::{check_len, LhsShape, OdeOptions, OdeShape};

/// The multi-threaded CPU implementation of [`SolverBackend`].
#[derive(Clone, Copy, Debug, Default)]
pub struct CpuBackend;

/// Factors of a batch on the CPU, with copies of the coefficients and steps (needed to assemble
/// β and for the gradients).
pub struct CpuFactors {
    shape: LhsShape,
    opts: OdeOptions,
    /// Factors made by the lane-group block Cholesky ([`chol`]): `l0` only, one block of
    /// [`group_len`] values per group of [`LANES`] elements.
    lanes: bool,
    coeffs: Vec<f64>,
    steps: Vec<f64>,
    l0: Vec<f64>,
    u1: Vec<f64>,
    u2: Vec<f64>,
}

/// Factor arrays of dropped factorisations, kept for reuse: a fresh multi-megabyte allocation is
/// mapped page by page on first touch, and those page faults cost as much as the factorisation
/// itself. Training calls repeat the same shapes, so reuse is the common case. At most
/// `POOL_BYTES` are retained.
static POOL: Mutex<Vec<Vec<f64>>> = Mutex::new(Vec::new());
const POOL_BYTES: usize = 1 << 30;

/// A buffer of `len` values, reusing a pooled one of similar capacity when there is one. Its
/// contents are unspecified (stale values from an earlier use): callers overwrite all of it.
/// Fresh buffers come zeroed from the allocator without being touched, so neither case pays for
/// a pass that writes zeros.
fn take_buffer(len: usize) -> Vec<f64> {
    let reused = POOL.lock().ok().and_then(|mut pool| {
        let i = pool.iter().position(|v| v.capacity() >= len && v.capacity() <= 2 * len + 64)?;
        Some(pool.swap_remove(i))
    });
    match reused {
        Some(mut v) => {
            v.truncate(len);
            v.resize(len, 0.0);
            v
        }
        None => vec![0.0; len],
    }
}

/// A copy of `src` in a pooled buffer, copied in parallel (the coefficients run to hundreds of
/// megabytes at n = 1e5).
fn pooled_copy(src: &[f64]) -> Vec<f64> {
    let mut v = take_buffer(src.len());
    v.par_chunks_mut(1 << 15).zip(src.par_chunks(1 << 15)).for_each(|(d, s)| d.copy_from_slice(s));
    v
}

/// The buffer with every value set to zero (the run-time-sized path leaves parts of its
/// multiplier arrays unwritten).
fn zeroed(mut v: Vec<f64>) -> Vec<f64> {
    v.fill(0.0);
    v
}

/// Returns a buffer to the pool if it fits under the cap.
fn give_buffer(v: Vec<f64>) {
    if let Ok(mut pool) = POOL.lock() {
        let held: usize = pool.iter().map(|b| b.capacity() * 8).sum();
        if held + v.capacity() * 8 <= POOL_BYTES {
            pool.push(v);
        }
    }
}

impl Drop for CpuFactors {
    fn drop(&mut self) {
        for v in [&mut self.l0, &mut self.u1, &mut self.u2, &mut self.coeffs, &mut self.steps] {
            give_buffer(std::mem::take(v));
        }
    }
}

/// Per-element lengths of the three factor arrays (at least 1, so chunking never sees 0), for
/// the run-time-sized path.
fn factor_lens(sh: &LhsShape, central: bool) -> (usize, usize, usize) {
    let mm = sh.m() * sh.m();
    let u2 = if central { sh.n.saturating_sub(2).max(1) * mm } else { 1 };
    (sh.n * factor::packed_len(sh.m()), sh.n.saturating_sub(1).max(1) * mm, u2)
}

/// Length of one lane group's factors on the [`chol`] path.
fn group_len(sh: &LhsShape) -> usize {
    sh.n * factor::packed_len(sh.m()) * LANES
}

/// The views of lane group `g` of `count` elements; a short last group repeats its last element.
fn group_views<'a>(
    sh: &'a LhsShape,
    opts: &'a OdeOptions,
    coeffs: &'a [f64],
    steps: &'a [f64],
    g: usize,
    count: usize,
) -> [LhsView<'a>; LANES] {
    std::array::from_fn(|l| LhsView { shape: sh, opts, coeffs, steps, b: (g * LANES + l).min(count - 1) })
}

impl SolverBackend for CpuBackend {
    fn name(&self) -> &'static str {
        "cpu"
    }

    fn factorise(
        &self,
        shape: &LhsShape,
        coeffs: &[f64],
        steps: &[f64],
        opts: &OdeOptions,
    ) -> Result<Arc<dyn FactoredLhs>, SolveError> {
        let mut f = CpuFactors::new(shape, coeffs, steps, opts)?;
        f.factor_all()?;
        Ok(Arc::new(f))
    }

    fn factorise_solve(
        &self,
        shape: &OdeShape,
        inputs: OdeInputs<'_>,
        opts: &OdeOptions,
    ) -> Result<(Arc<dyn FactoredLhs>, Vec<f64>), SolveError> {
        let lhs = &shape.lhs;
        let fusable = chol::supports(lhs.m(), lhs.p, opts.central)
            && shape.batch == lhs.factor_batch()
            && shape.validate(opts).is_ok()
            && inputs.rhs.len() == shape.rhs_len()
            && inputs.init.len() == shape.init_len();
        if !fusable {
            let factors = self.factorise(lhs, inputs.coeffs, inputs.steps, opts)?;
            let u = factors.solve(shape, inputs.rhs, inputs.init)?;
            return Ok((factors, u));
        }
        let mut f = CpuFactors::new(lhs, inputs.coeffs, inputs.steps, opts)?;
        let u = f.factor_solve_all(shape, inputs.rhs, inputs.init)?;
        Ok((Arc::new(f), u))
    }
}

impl CpuFactors {
    /// Checks the inputs and allocates the factor arrays (contents unspecified until factorised).
    fn new(shape: &LhsShape, coeffs: &[f64], steps: &[f64], opts: &OdeOptions) -> Result<CpuFactors, SolveError> {
        shape.validate(opts)?;
        check_len("coefficients", coeffs.len(), shape.coeff_len())?;
        check_len("steps", steps.len(), shape.steps_len())?;
        let fb = shape.factor_batch();
        let lanes = chol::supports(shape.m(), shape.p, opts.central);
        let (n0, n1, n2) = if lanes { (group_len(shape), 0, 0) } else { factor_lens(shape, opts.central) };
        let count = if lanes { fb.div_ceil(LANES) } else { fb };
        Ok(CpuFactors {
            shape: *shape,
            opts: *opts,
            lanes,
            coeffs: pooled_copy(coeffs),
            steps: pooled_copy(steps),
            l0: take_buffer(count * n0),
            u1: zeroed(take_buffer(count * n1)),
            u2: zeroed(take_buffer(count * n2)),
        })
    }

    /// Factorises every element (in parallel over lane groups or elements); the first error in
    /// batch order wins.
    fn factor_all(&mut self) -> Result<(), SolveError> {
        let fb = self.shape.factor_batch();
        let (sh, op, cs, hs) = (&self.shape, &self.opts, &self.coeffs, &self.steps);
        let results: Vec<Result<(), SolveError>> = if self.lanes {
            self.l0
                .par_chunks_mut(group_len(sh))
                .enumerate()
                .map(|(g, l0)| {
                    let views = group_views(sh, op, cs, hs, g, fb);
                    chol::factor_group(&views, l0).unwrap_or_else(no_kernel)
                })
                .collect()
        } else {
            let (n0, n1, n2) = factor_lens(sh, op.central);
            self.l0
                .par_chunks_mut(n0)
                .zip(self.u1.par_chunks_mut(n1))
                .zip(self.u2.par_chunks_mut(n2))
                .enumerate()
                .map(|(b, ((l0, u1), u2))| {
                    let v = LhsView { shape: sh, opts: op, coeffs: cs, steps: hs, b };
                    factor::factor_element(&v, l0, u1, u2)
                })
                .collect()
        };
        results.into_iter().collect()
    }

    /// Factorises and solves in one pass per lane group (lane path, batch = factor batch, inputs
    /// checked by the caller); returns u.
    fn factor_solve_all(&mut self, shape: &OdeShape, rhs: &[f64], init: &[f64]) -> Result<Vec<f64>, SolveError> {
        let (fb, nm) = (self.shape.factor_batch(), self.shape.n * self.shape.m());
        let (rl, il) = (shape.rhs_steps * self.shape.e, self.shape.s * self.shape.d * self.shape.k);
        let mut x = vec![0.0; shape.u_len()];
        let (sh, op, cs, hs) = (&self.shape, &self.opts, &self.coeffs, &self.steps);
        let results: Vec<Result<(), SolveError>> = self
            .l0
            .par_chunks_mut(group_len(sh))
            .zip(x.par_chunks_mut(LANES * nm))
            .enumerate()
            .map(|(g, (l0, xg))| {
                let views = group_views(sh, op, cs, hs, g, fb);
                let lane = |l: usize| (g * LANES + l).min(fb - 1);
                let lanes = chol::RhsLanes {
                    rhs: std::array::from_fn(|l| &rhs[lane(l) * rl..(lane(l) + 1) * rl]),
                    rhs_steps: shape.rhs_steps,
                    init: std::array::from_fn(|l| &init[lane(l) * il..(lane(l) + 1) * il]),
                };
                with_lanes(xg, nm, |xs| chol::factor_solve_group(&views, l0, &lanes, xs).unwrap_or_else(no_kernel))
            })
            .collect();
        results.into_iter().collect::<Result<(), SolveError>>()?;
        Ok(x)
    }

    fn view(&self, b: usize) -> LhsView<'_> {
        let fb = if self.shape.factor_batch() == 1 { 0 } else { b };
        LhsView { shape: &self.shape, opts: &self.opts, coeffs: &self.coeffs, steps: &self.steps, b: fb }
    }

    /// Solves M x = `x` in place for the element that serves batch entry `b`.
    fn solve_in_place(&self, b: usize, x: &mut [f64]) {
        let (n0, n1, n2) = factor_lens(&self.shape, self.opts.central);
        let fb = self.view(b).b;
        factor::solve_element(
            self.shape.n,
            self.shape.m(),
            self.opts.central,
            &self.l0[fb * n0..(fb + 1) * n0],
            &self.u1[fb * n1..(fb + 1) * n1],
            &self.u2[fb * n2..(fb + 1) * n2],
            x,
        );
    }

    /// Solves M x = `x` in place for every batch entry (`x` holds β, batch·n·m values), after
    /// `prep(b, x_b)` has filled entry b (β assembly, or nothing).
    fn solve_all(&self, x: &mut [f64], prep: impl Fn(usize, &mut [f64]) + Sync) {
        let nm = self.shape.n * self.shape.m();
        if !self.lanes {
            x.par_chunks_mut(nm).enumerate().for_each(|(b, xb)| {
                prep(b, xb);
                self.solve_in_place(b, xb);
            });
            return;
        }
        let batch = x.len() / nm;
        x.par_chunks_mut(LANES * nm).enumerate().for_each(|(g, xg)| {
            for (l, xb) in xg.chunks_mut(nm).enumerate() {
                prep(g * LANES + l, xb);
            }
            self.solve_group(g, batch, xg);
        });
    }

    /// Solves lane group `g` of a batch of `batch` entries in place (`xg`: up to LANES entries).
    /// Its factors are group g's, or group 0's (all lanes one element) for a shared left-hand side.
    fn solve_group(&self, g: usize, batch: usize, xg: &mut [f64]) {
        let (nm, len) = (self.shape.n * self.shape.m(), group_len(&self.shape));
        let fb = self.shape.factor_batch();
        let fg = if fb == 1 { 0 } else { g };
        let (sh, op) = (&self.shape, &self.opts);
        let views: [LhsView<'_>; LANES] = std::array::from_fn(|l| LhsView {
            shape: sh,
            opts: op,
            coeffs: &self.coeffs,
            steps: &self.steps,
            b: (fg * LANES + l).min(fb - 1),
        });
        debug_assert!(xg.len() >= nm && g * LANES + xg.len() / nm <= batch);
        with_lanes(xg, nm, |xs| chol::solve_group(&views, &self.l0[fg * len..(fg + 1) * len], xs));
    }

    fn check_rhs(&self, shape: &OdeShape, rhs: &[f64]) -> Result<(), SolveError> {
        if shape.lhs != self.shape {
            return Err(SolveError::Shape(format!(
                "solve shape {:?} differs from the factorised {:?}",
                shape.lhs, self.shape
            )));
        }
        shape.validate(&self.opts)?;
        check_len("rhs", rhs.len(), shape.rhs_len())
    }
}

impl FactoredLhs for CpuFactors {
    fn shape(&self) -> &LhsShape {
        &self.shape
    }

    fn options(&self) -> &OdeOptions {
        &self.opts
    }

    fn solve(&self, shape: &OdeShape, rhs: &[f64], init: &[f64]) -> Result<Vec<f64>, SolveError> {
        self.check_rhs(shape, rhs)?;
        check_len("init values", init.len(), shape.init_len())?;
        let (n, m, e) = (self.shape.n, self.shape.m(), self.shape.e);
        let (rl, il) = (shape.rhs_steps * e, self.shape.s * self.shape.d * self.shape.k);
        let mut x = vec![0.0; shape.u_len()];
        self.solve_all(&mut x, |b, xb| {
            let v = self.view(b);
            let (rb, ib) = (&rhs[b * rl..(b + 1) * rl], &init[b * il..(b + 1) * il]);
            for t in 0..n {
                let rt = if shape.rhs_steps == 1 { 0 } else { t * e };
                assemble::rhs_block(&v, t, &rb[rt..rt + e], ib, &mut xb[t * m..(t + 1) * m]);
            }
        });
        Ok(x)
    }

    fn backward(
        &self,
        shape: &OdeShape,
        rhs: &[f64],
        x: &[f64],
        grad_u: &[f64],
        lhs_grads: bool,
    ) -> Result<Gradients, SolveError> {
        self.check_rhs(shape, rhs)?;
        check_len("u", x.len(), shape.u_len())?;
        check_len("grad_u", grad_u.len(), shape.u_len())?;
        let (nm, sh, bsz) = (self.shape.n * self.shape.m(), &self.shape, shape.batch);
        // each worker copies its own entries of ∂L/∂u just before solving them (in parallel, and
        // still in cache for the forward sweep)
        let mut g = vec![0.0; grad_u.len()];
        self.solve_all(&mut g, |b, gb| gb.copy_from_slice(&grad_u[b * nm..(b + 1) * nm]));
        let (rl, il) = (shape.rhs_steps * sh.e, sh.s * sh.d * sh.k);
        let dinit =
            accumulate(bsz, bsz, il, |b, out| backward::grad_init(&self.view(b), &g[b * nm..(b + 1) * nm], out));
        if !lhs_grads {
            let grad_rhs = |b: usize, out: &mut [f64]| {
                backward::grad_rhs(&self.view(b), &g[b * nm..(b + 1) * nm], shape.rhs_steps, out)
            };
            return Ok(Gradients { coeffs: None, rhs: accumulate(bsz, bsz, rl, grad_rhs), init: dinit, steps: None });
        }
        Ok(self.lhs_backward(shape, rhs, x, &g, dinit))
    }
}

impl CpuFactors {
    /// The rhs, coefficient and step gradients, given the adjoint solution `g` (∂L/∂u solved
    /// through the factorisation) and the initial-value gradient already computed.
    fn lhs_backward(&self, shape: &OdeShape, rhs: &[f64], x: &[f64], g: &[f64], dinit: Vec<f64>) -> Gradients {
        let (nm, sh, bsz) = (self.shape.n * self.shape.m(), &self.shape, shape.batch);
        let rl = shape.rhs_steps * sh.e;
        let grad_rhs = |b: usize, out: &mut [f64]| {
            backward::grad_rhs(&self.view(b), &g[b * nm..(b + 1) * nm], shape.rhs_steps, out)
        };
        let per_coeff = sh.coeff_steps * sh.e * sh.m();
        // (chunked zips need non-empty per-element outputs)
        let chunkable = rl > 0 && per_coeff > 0;
        if chunkable && sh.step_len > 0 && sh.coeff_batch == bsz && sh.step_batch == bsz {
            // one pass per element for the rhs, coefficient and step gradients, while its u and g
            // are in cache
            let (mut drhs, mut dc, mut dh) =
                (vec![0.0; bsz * rl], vec![0.0; bsz * per_coeff], vec![0.0; bsz * sh.step_len]);
            drhs.par_chunks_mut(rl)
                .zip(dc.par_chunks_mut(per_coeff))
                .zip(dh.par_chunks_mut(sh.step_len))
                .enumerate()
                .for_each(|(b, ((dr, dcb), dhb))| {
                    let (v, xb, gb) = (self.view(b), &x[b * nm..(b + 1) * nm], &g[b * nm..(b + 1) * nm]);
                    backward::grad_rhs_coeffs(&v, xb, gb, &rhs[b * rl..(b + 1) * rl], shape.rhs_steps, dr, dcb);
                    backward::grad_steps(&v, xb, gb, dhb);
                });
            return Gradients { coeffs: Some(dc), rhs: drhs, init: dinit, steps: Some(dh) };
        }
        let (drhs, dc) = if chunkable && sh.coeff_batch == bsz {
            // one pass over the coefficients for both gradients
            let (mut drhs, mut dc) = (vec![0.0; bsz * rl], vec![0.0; bsz * per_coeff]);
            drhs.par_chunks_mut(rl).zip(dc.par_chunks_mut(per_coeff)).enumerate().for_each(|(b, (dr, dcb))| {
                let (xb, gb) = (&x[b * nm..(b + 1) * nm], &g[b * nm..(b + 1) * nm]);
                backward::grad_rhs_coeffs(&self.view(b), xb, gb, &rhs[b * rl..(b + 1) * rl], shape.rhs_steps, dr, dcb)
            });
            (drhs, dc)
        } else {
            let dc = accumulate(bsz, sh.coeff_batch, per_coeff, |b, out| {
                let (xb, gb) = (&x[b * nm..(b + 1) * nm], &g[b * nm..(b + 1) * nm]);
                backward::grad_coeffs(&self.view(b), xb, gb, &rhs[b * rl..(b + 1) * rl], shape.rhs_steps, out)
            });
            (accumulate(bsz, bsz, rl, grad_rhs), dc)
        };
        let dh = accumulate(bsz, sh.step_batch, sh.step_len, |b, out| {
            backward::grad_steps(&self.view(b), &x[b * nm..(b + 1) * nm], &g[b * nm..(b + 1) * nm], out)
        });
        Gradients { coeffs: Some(dc), rhs: drhs, init: dinit, steps: Some(dh) }
    }
}

/// Calls `f` with one `&mut` slice of `nm` values per lane: the entries of `xg` (up to LANES),
/// then scratch slices for the lanes a short last group lacks.
fn with_lanes<R>(xg: &mut [f64], nm: usize, f: impl FnOnce(&mut [&mut [f64]; LANES]) -> R) -> R {
    let real = xg.len() / nm.max(1);
    let mut pad = vec![0.0; LANES.saturating_sub(real) * nm];
    let mut refs: Vec<&mut [f64]> = xg.chunks_mut(nm.max(1)).chain(pad.chunks_mut(nm.max(1))).collect();
    let xs: &mut [&mut [f64]; LANES] = refs.as_mut_slice().try_into().expect("LANES slices by construction");
    f(xs)
}

/// The error for a shape that passed [`chol::supports`] but found no kernel (cannot happen).
fn no_kernel() -> Result<(), SolveError> {
    Err(SolveError::Shape("no lane kernel for this block size".into()))
}

/// Runs `f(b, slot)` for every batch entry, where `slot` is entry b's own output (out_batch =
/// batch) or one shared output summed over the batch (out_batch = 1). `f` must add into `slot`.
fn accumulate(batch: usize, out_batch: usize, len: usize, f: impl Fn(usize, &mut [f64]) + Sync) -> Vec<f64> {
    if out_batch == batch {
        let mut out = vec![0.0; batch * len];
        out.par_chunks_mut(len.max(1)).enumerate().for_each(|(b, o)| f(b, o));
        out
    } else {
        (0..batch)
            .into_par_iter()
            .fold(
                || vec![0.0; len],
                |mut acc, b| {
                    f(b, &mut acc);
                    acc
                },
            )
            .reduce(
                || vec![0.0; len],
                |mut a, b| {
                    a.iter_mut().zip(&b).for_each(|(x, y)| *x += y);
                    a
                },
            )
    }
}
