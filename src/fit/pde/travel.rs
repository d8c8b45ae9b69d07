//! Is the data a travelling wave? A field that only translates, `u(x, t) = U(x − c·t)`, obeys
//! `u_t = −c·u_x` exactly, and every equation that has `U` as a travelling solution at speed `c`
//! (a lone KdV soliton: KdV, and plain advection) fits it as well: such data cannot tell those
//! equations apart, whatever the library and the selection.
//!
//! The check works in the weak form's windows (the test functions `χ(x)ψ(t)` of [`super::weak`],
//! so noisy data need no time derivative): per window `b = ∫∫χψ u_t = −∫∫χψ' u`,
//! `a = ∫∫χψ u_x` and `m = ∫∫χψ F(u, …)` with `F` the fitted right side. The speed is the
//! least-squares `c = −Σab / Σa²`; the translation's relative residual is
//! `‖b + c·a‖ / ‖b‖`, the fitted model's `‖b − m‖ / ‖b‖`. The data count as a travelling wave
//! when the translation leaves at most [`MOST`] of `u_t` unexplained and either at most
//! [`CLEAR`] or at most [`RATIO`] times what the fitted model leaves: then the translation
//! explains the data about as well as the model found.
//!
//! The alternative without the translation: over the same windows, the sparsest subset of the
//! equation's candidate terms other than the bare `u_x` (at most [`MAX_ALT`] terms; among
//! subsets of one size, the one with the smallest residual) whose least-squares fit leaves at
//! most [`MOST`] unexplained, the bound the translation itself meets — the model the data cannot
//! tell from the translation (KdV for a lone soliton). (On noisy data the alternative's higher
//! derivatives carry more noise than `u_x`, so its residual is compared with the bound, not with
//! the translation's.)

use super::weak::{centres, space_windows, window, Full};
use super::FitError;
use crate::ir::ModelIr;
use crate::jit::{compile, model_layout};

/// Largest relative residual of a translation that can count as one (it explains 99% of the
/// windowed `u_t`'s variance).
pub const MOST: f64 = 0.1;
/// A translation this close (99.99% of the variance) counts as one whatever the model's
/// residual (at clean data both residuals are rounding and truncation error).
pub const CLEAR: f64 = 0.01;
/// A translation within this factor of the fitted model's residual explains the data about as
/// well (the same factor the explanation of networks uses for "as well as the whole basis").
pub const RATIO: f64 = 2.0;

/// Most terms the alternative to a translation may have.
pub const MAX_ALT: usize = 3;

/// A field equation whose data only translate.
#[derive(Clone, Debug, PartialEq)]
pub struct TravellingWave {
    /// The equation (index into `ModelIr::equations`).
    pub equation: usize,
    /// The fitted speed `c` of `u_t = −c·u_x`.
    pub speed: f64,
    /// Relative windowed residual of the translation.
    pub residual: f64,
    /// Relative windowed residual of the fitted model.
    pub model_residual: f64,
    /// The bare `u_x` term's coefficient slot, when the library has one.
    pub translation_slot: Option<usize>,
    /// The sparsest model without the bare `u_x` that explains the windows as well: (slot,
    /// coefficient) pairs, with its relative residual; `None` when none of at most
    /// [`MAX_ALT`] terms does.
    pub alternative: Option<(Vec<(usize, f64)>, f64)>,
}

/// One equation's data: every trajectory's full grid and its field's `u_x` (nt×nx each), and
/// the slot of its bare `u_x` term, if any.
pub struct EquationData<'a> {
    pub equation: usize,
    pub ux: Vec<&'a [f64]>,
    pub translation_slot: Option<usize>,
}

/// The equations whose data are travelling waves; `theta` = parameters then coefficients.
pub fn check(
    ir: &ModelIr,
    theta: &[f64],
    fulls: &[Full],
    eqs: &[EquationData],
) -> Result<Vec<TravellingWave>, FitError> {
    let mut ir2 = ir.clone();
    let mut outputs = ir2.rhs_nodes();
    let neq = outputs.len();
    // After the right sides, every coefficient slot's term.
    outputs.extend(ir.coefs.iter().map(|c| ir.terms[c.term].node));
    let width = outputs.len();
    let layout = model_layout(&ir2);
    let kernel = compile(&ir2.arena, &outputs, &layout).map_err(|e| FitError::Data(e.to_string()))?;
    let mut sums: Vec<Sums> = eqs
        .iter()
        .map(|ed| {
            let slots = (0..ir.coefs.len())
                .filter(|&s| ir.coefs[s].equation == ed.equation && Some(s) != ed.translation_slot)
                .collect();
            Sums::new(slots)
        })
        .collect();
    for (k, f) in fulls.iter().enumerate() {
        let n = f.t.len() * f.nx;
        let mut vals = vec![0.0; n * width];
        kernel.eval_par(n, &f.rows, theta, &mut vals).map_err(|e| FitError::Data(e.to_string()))?;
        for (q, ed) in eqs.iter().enumerate() {
            sums[q].add(f, &f.lhs[ed.equation], ed.ux[k], &vals, width, ed.equation, neq);
        }
    }
    Ok(eqs.iter().zip(&sums).filter_map(|(ed, s)| s.verdict(ed)).collect())
}

/// Window sums of one equation.
struct Sums {
    bb: f64,
    aa: f64,
    ab: f64,
    /// `Σ(b − m)²`.
    rm: f64,
    /// The candidate slots of the alternative, their windowed Gram matrix and right side.
    slots: Vec<usize>,
    gram: Vec<f64>,
    gb: Vec<f64>,
}

impl Sums {
    fn new(slots: Vec<usize>) -> Sums {
        let n = slots.len();
        Sums { bb: 0.0, aa: 0.0, ab: 0.0, rm: 0.0, slots, gram: vec![0.0; n * n], gb: vec![0.0; n] }
    }

    /// Adds every window of one trajectory; `vals` holds per row the right sides (`neq`) and
    /// then every slot's term (`width` values a row).
    #[allow(clippy::too_many_arguments)]
    fn add(&mut self, f: &Full, u: &[f64], ux: &[f64], vals: &[f64], width: usize, e: usize, neq: usize) {
        let nx = f.nx;
        let ns = self.slots.len();
        let mut th = vec![0.0; ns];
        for k in centres(f.t.len(), nx, f.periodic).0 {
            let w = window(&f.t, k);
            for xw in space_windows(nx, f.periodic) {
                let (mut a, mut b, mut m) = (0.0, 0.0, 0.0);
                th.iter_mut().for_each(|v| *v = 0.0);
                for &(j, wx) in &xw {
                    for &(i, wi, dwi) in &w {
                        let at = i * nx + j;
                        let row = &vals[at * width..(at + 1) * width];
                        b -= wx * dwi * u[at];
                        a += wx * wi * ux[at];
                        m += wx * wi * row[e];
                        for (q, &s) in self.slots.iter().enumerate() {
                            th[q] += wx * wi * row[neq + s];
                        }
                    }
                }
                self.bb += b * b;
                self.aa += a * a;
                self.ab += a * b;
                self.rm += (b - m) * (b - m);
                for q in 0..ns {
                    self.gb[q] += th[q] * b;
                    for r in 0..ns {
                        self.gram[q * ns + r] += th[q] * th[r];
                    }
                }
            }
        }
    }

    fn verdict(&self, ed: &EquationData) -> Option<TravellingWave> {
        if !(self.bb > 0.0 && self.aa > 0.0) {
            return None;
        }
        let speed = -self.ab / self.aa;
        let residual = ((self.bb - self.ab * self.ab / self.aa).max(0.0) / self.bb).sqrt();
        let model_residual = (self.rm / self.bb).sqrt();
        let travelling = residual <= MOST && (residual <= CLEAR || residual <= RATIO * model_residual);
        travelling.then(|| TravellingWave {
            equation: ed.equation,
            speed,
            residual,
            model_residual,
            translation_slot: ed.translation_slot,
            alternative: self.alternative(MOST),
        })
    }

    /// The sparsest subset (then the smallest residual) whose relative residual is at most
    /// `bound`: its (slot, coefficient) pairs and residual.
    fn alternative(&self, bound: f64) -> Option<(Vec<(usize, f64)>, f64)> {
        let n = self.slots.len();
        for size in 1..=MAX_ALT.min(n) {
            let mut best: Option<(Vec<(usize, f64)>, f64)> = None;
            for subset in subsets(n, size) {
                let Some((coef, rss)) = self.solve(&subset) else { continue };
                let rel = (rss.max(0.0) / self.bb).sqrt();
                if rel <= bound && best.as_ref().is_none_or(|b| rel < b.1) {
                    best = Some((subset.iter().zip(coef).map(|(&q, c)| (self.slots[q], c)).collect(), rel));
                }
            }
            if best.is_some() {
                return best;
            }
        }
        None
    }

    /// Least squares over the windows on the candidate indices `sub`: coefficients and the
    /// residual sum of squares (`None` when singular).
    fn solve(&self, sub: &[usize]) -> Option<(Vec<f64>, f64)> {
        let (n, k) = (self.slots.len(), sub.len());
        let mut a: Vec<f64> =
            sub.iter().flat_map(|&p| sub.iter().map(move |&q| (p, q))).map(|(p, q)| self.gram[p * n + q]).collect();
        let mut x: Vec<f64> = sub.iter().map(|&p| self.gb[p]).collect();
        let g = x.clone();
        // Gaussian elimination with partial pivoting on the k×k system.
        let scale = sub.iter().map(|&p| self.gram[p * n + p]).fold(0.0, f64::max);
        for c in 0..k {
            let piv = (c..k).max_by(|&i, &j| a[i * k + c].abs().total_cmp(&a[j * k + c].abs()))?;
            let p = a[piv * k + c].abs();
            if p.is_nan() || p <= 1e-12 * scale {
                return None;
            }
            for j in 0..k {
                a.swap(c * k + j, piv * k + j);
            }
            x.swap(c, piv);
            for r in c + 1..k {
                let f = a[r * k + c] / a[c * k + c];
                for j in c..k {
                    a[r * k + j] -= f * a[c * k + j];
                }
                x[r] -= f * x[c];
            }
        }
        for c in (0..k).rev() {
            let s: f64 = (c + 1..k).map(|j| a[c * k + j] * x[j]).sum();
            x[c] = (x[c] - s) / a[c * k + c];
        }
        let rss = self.bb - g.iter().zip(&x).map(|(g, x)| g * x).sum::<f64>();
        Some((x, rss))
    }
}

/// Every increasing `size`-subset of `0..n`.
fn subsets(n: usize, size: usize) -> Vec<Vec<usize>> {
    let mut out = Vec::new();
    let mut cur = Vec::with_capacity(size);
    fn rec(start: usize, n: usize, size: usize, cur: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
        if cur.len() == size {
            out.push(cur.clone());
            return;
        }
        for i in start..n {
            cur.push(i);
            rec(i + 1, n, size, cur, out);
            cur.pop();
        }
    }
    rec(0, n, size, &mut cur, &mut out);
    out
}
