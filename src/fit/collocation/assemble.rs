//! Assembly of the Gauss–Newton normal equations of one trajectory: `JᵀJ` and `Jᵀr` split into
//! the banded block of the learned values `z`, the coupling `A_zq` with the dense unknowns `q`,
//! and the dense block `A_qq`.
//!
//! Each dynamics row touches the points of one sub-interval, so the work is cut into chunks of
//! consecutive sub-intervals assembled in parallel; a chunk owns the rows of its points except the
//! last one, whose contributions go to a small side buffer added afterwards. The coefficients of
//! one equation are contiguous unknowns, so their part of a row is a dense slice and the updates
//! of `A_qq` and `A_zq` are slice operations.
//!
//! Input: a [`Problem`], a [`State`] and the dense unknowns. Output: a [`Normal`].

use rayon::prelude::*;

use super::eval::{data_residuals, dq, eps, eval, qmap, Eval, Src};
use super::problem::{Deriv, Problem, State, Unknown};
use crate::fit::banded::Banded;
use crate::fit::FitError;
use std::sync::atomic::{AtomicBool, Ordering};

/// The normal-equation pieces of one trajectory.
pub struct Normal {
    /// `A_zz`, banded.
    pub azz: Banded,
    /// `[A_zq | g_z]`, row-major `points·nz × (nq + 1)`.
    pub azq: Vec<f64>,
    /// `A_qq` (upper triangle filled), row-major.
    pub aqq: Vec<f64>,
    /// `g_q`.
    pub gq: Vec<f64>,
}

/// The dense unknowns an equation depends on: a contiguous block of coefficients (first
/// position, basis term of each) and the others one by one.
#[derive(Clone, Debug, Default)]
struct EqUnknowns {
    start: usize,
    terms: Vec<usize>,
    others: Vec<(usize, Src)>,
}

fn eq_unknowns(p: &Problem, unknowns: &[Unknown], k: usize) -> Vec<EqUnknowns> {
    qmap(p, unknowns, k)
        .into_iter()
        .map(|mut list| {
            list.sort_by_key(|x| x.0);
            let mut out = EqUnknowns::default();
            let mut rest = list.into_iter().peekable();
            while let Some(&(qi, Src::Term(t))) = rest.peek() {
                if out.terms.is_empty() {
                    out.start = qi;
                } else if qi != out.start + out.terms.len() {
                    break;
                }
                out.terms.push(t);
                rest.next();
            }
            out.others = rest.collect();
            out
        })
        .collect()
}

/// One residual row's dense part: the contiguous block's values and the other entries.
struct QRow {
    start: usize,
    block: Vec<f64>,
    others: Vec<(usize, f64)>,
}

/// The part of the normal equations one chunk writes: its own rows, and a side buffer for the
/// rows of the first point after it.
struct Chunk<'a> {
    azz: &'a mut [f64],
    azq: &'a mut [f64],
    r0: usize,
    r1: usize,
    side_azz: Vec<f64>,
    side_azq: Vec<f64>,
    aqq: Vec<f64>,
    gq: Vec<f64>,
}

impl Chunk<'_> {
    /// Adds one residual row: `v` the derivatives with respect to the z values from row `base`
    /// on, `u` those with respect to the dense unknowns, `r` the residual.
    fn add(&mut self, v: &[f64], u: &QRow, r: f64, base: usize, bw: usize, nq: usize) {
        let w = nq + 1;
        for (a, &va) in v.iter().enumerate() {
            if va == 0.0 {
                continue;
            }
            let row = base + a;
            let (band, qrow) = if row < self.r1 {
                let i = row - self.r0;
                (&mut self.azz[i * bw..(i + 1) * bw], &mut self.azq[i * w..(i + 1) * w])
            } else {
                let i = row - self.r1;
                (&mut self.side_azz[i * bw..(i + 1) * bw], &mut self.side_azq[i * w..(i + 1) * w])
            };
            for (d, &vb) in band.iter_mut().zip(&v[a..]) {
                *d += va * vb;
            }
            qrow[nq] += va * r;
            for (d, &uq) in qrow[u.start..u.start + u.block.len()].iter_mut().zip(&u.block) {
                *d += va * uq;
            }
            for &(qi, uq) in &u.others {
                qrow[qi] += va * uq;
            }
        }
        self.add_qq(u, r, nq);
    }

    /// The dense part of one row: `A_qq += u uᵀ` (upper triangle) and `g_q += u r`.
    fn add_qq(&mut self, u: &QRow, r: f64, nq: usize) {
        let (s, m) = (u.start, u.block.len());
        for (i, &ui) in u.block.iter().enumerate() {
            self.gq[s + i] += ui * r;
            let row = &mut self.aqq[(s + i) * nq + s + i..(s + i) * nq + s + m];
            for (d, &uj) in row.iter_mut().zip(&u.block[i..]) {
                *d += ui * uj;
            }
        }
        for &(qi, ui) in &u.others {
            self.gq[qi] += ui * r;
            for (j, &uj) in u.block.iter().enumerate() {
                let (a, b) = if qi < s + j { (qi, s + j) } else { (s + j, qi) };
                self.aqq[a * nq + b] += ui * uj;
            }
            for &(qj, uj) in &u.others {
                if qj >= qi {
                    self.aqq[qi * nq + qj] += ui * uj;
                }
            }
        }
    }
}

/// Sub-intervals between two looks at the cancel flag while assembling.
const CANCEL_EVERY: usize = 64;

/// Assembles `JᵀJ` and `Jᵀr` of trajectory `k`; [`FitError::Cancelled`] when `cancel` is set
/// while it works (a large library makes one assembly take seconds).
pub fn assemble(
    p: &Problem,
    st: &State,
    unknowns: &[Unknown],
    k: usize,
    cancel: Option<&AtomicBool>,
) -> Result<Normal, FitError> {
    let ev = eval(p, st, k, true)?;
    let tr = &p.trajs[k];
    let (nz, nq) = (p.nz, unknowns.len());
    let w = nq + 1;
    let pts = p.scheme.stride() + 1;
    let bw = pts * nz;
    let nn = tr.grid.t.len() * nz;
    let mut nm =
        Normal { azz: Banded::zeros(nn, bw - 1), azq: vec![0.0; nn * w], aqq: vec![0.0; nq * nq], gq: vec![0.0; nq] };
    data_residuals(p, st, k, |idx, wt, r| {
        nm.azz.add(idx, idx, wt * wt);
        nm.azq[idx * w + nq] += wt * r;
    });
    let eqs = eq_unknowns(p, unknowns, k);
    let ivs = &tr.grid.intervals;
    let n_chunks = (rayon::current_num_threads() * 2).min(ivs.len() / 256).max(1);
    let bounds: Vec<usize> = (0..=n_chunks).map(|c| c * ivs.len() / n_chunks).collect();
    let row_of = |c: usize| if c == n_chunks { nn } else { ivs[bounds[c]].a * nz };
    let mut chunks = Vec::with_capacity(n_chunks);
    let (mut azz, mut azq) = (nm.azz.data.as_mut_slice(), nm.azq.as_mut_slice());
    for c in 0..n_chunks {
        let (r0, r1) = (row_of(c), row_of(c + 1));
        let (a, rest_a) = std::mem::take(&mut azz).split_at_mut((r1 - r0) * bw);
        let (q, rest_q) = std::mem::take(&mut azq).split_at_mut((r1 - r0) * w);
        (azz, azq) = (rest_a, rest_q);
        let (side_azz, side_azq) = (vec![0.0; nz * bw], vec![0.0; nz * w]);
        chunks.push(Chunk { azz: a, azq: q, r0, r1, side_azz, side_azq, aqq: vec![0.0; nq * nq], gq: vec![0.0; nq] });
    }
    let sides: Vec<Spill> = chunks
        .into_par_iter()
        .enumerate()
        .map(|(c, mut ch)| {
            let rows = Rows { p, st, k, ev: &ev, eqs: &eqs, bw, nq };
            for (i, iv) in ivs[bounds[c]..bounds[c + 1]].iter().enumerate() {
                if i % CANCEL_EVERY == 0 && cancel.is_some_and(|f| f.load(Ordering::Relaxed)) {
                    break;
                }
                rows.interval(&mut ch, iv);
            }
            (ch.r1, ch.side_azz, ch.side_azq, ch.aqq, ch.gq)
        })
        .collect();
    if cancel.is_some_and(|f| f.load(Ordering::Relaxed)) {
        return Err(FitError::Cancelled);
    }
    for (r1, sa, sq, aqq, gq) in sides {
        if r1 < nn {
            nm.azz.data[r1 * bw..(r1 + nz) * bw].iter_mut().zip(&sa).for_each(|(d, s)| *d += s);
            nm.azq[r1 * w..(r1 + nz) * w].iter_mut().zip(&sq).for_each(|(d, s)| *d += s);
        }
        nm.aqq.iter_mut().zip(&aqq).for_each(|(d, s)| *d += s);
        nm.gq.iter_mut().zip(&gq).for_each(|(d, s)| *d += s);
    }
    Ok(nm)
}

/// What a chunk leaves for the shared sums: the first row past its own block, its spill into
/// that next block (`azz`, `azq`), and its parameter blocks (`aqq`, `gq`).
type Spill = (usize, Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>);

/// What every dynamics row of one trajectory needs.
struct Rows<'a> {
    p: &'a Problem,
    st: &'a State,
    k: usize,
    ev: &'a Eval,
    eqs: &'a [EqUnknowns],
    bw: usize,
    nq: usize,
}

impl Rows<'_> {
    /// Adds the dynamics rows of one sub-interval.
    fn interval(&self, ch: &mut Chunk, iv: &super::grid::Interval) {
        let (p, nz) = (self.p, self.p.nz);
        let pts = p.scheme.stride() + 1;
        let nc = p.layout.columns.len();
        let z = &self.st.z[self.k];
        let mut v = vec![0.0; pts * nz];
        let mut u = QRow { start: 0, block: Vec::new(), others: Vec::new() };
        for c in 0..nz {
            let e_ = eps(p, self.k, c) * iv.scale;
            for s in p.scheme.stencils() {
                v.iter_mut().for_each(|x| *x = 0.0);
                let mut r = 0.0;
                for t in 0..pts {
                    let i = iv.a + t;
                    let (a, b) = (s.alpha[t] / e_, iv.h * s.beta[t] / e_);
                    v[t * nz + c] += a;
                    r += a * z[i * nz + c];
                    match p.deriv[c] {
                        Deriv::Next(kc) => {
                            v[t * nz + kc] += b;
                            r += b * z[i * nz + kc];
                        }
                        Deriv::Rhs(e) => {
                            r += b * self.ev.f[i * p.neq + e];
                            let row = &self.ev.jc[(i * p.neq + e) * nc..(i * p.neq + e) * nc + nz];
                            v[t * nz..(t + 1) * nz].iter_mut().zip(row).for_each(|(x, j)| *x += b * j);
                        }
                    }
                }
                self.q_row(&mut u, c, s, iv, e_);
                ch.add(&v, &u, r, iv.a * nz, self.bw, self.nq);
            }
        }
    }

    /// The dense part of the row of column `c` for stencil `s` (empty for a derivative column).
    fn q_row(&self, u: &mut QRow, c: usize, s: &super::grid::Stencil, iv: &super::grid::Interval, e_: f64) {
        let p = self.p;
        u.block.clear();
        u.others.clear();
        let Deriv::Rhs(e) = p.deriv[c] else { return };
        let eq = &self.eqs[e];
        let nt = p.terms.len();
        u.start = eq.start;
        u.block.resize(eq.terms.len(), 0.0);
        for t in 0..=p.scheme.stride() {
            let b = iv.h * s.beta[t] / e_;
            if b == 0.0 {
                continue;
            }
            let th = &self.ev.th[(iv.a + t) * nt..(iv.a + t + 1) * nt];
            for (d, &term) in u.block.iter_mut().zip(&eq.terms) {
                *d += b * th[term];
            }
        }
        for &(qi, src) in &eq.others {
            let d: f64 =
                (0..=p.scheme.stride()).map(|t| iv.h * s.beta[t] / e_ * dq(p, self.ev, iv.a + t, e, src)).sum();
            u.others.push((qi, d));
        }
    }
}
