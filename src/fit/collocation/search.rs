//! Local search over supports on a quadratic model of the whole library.
//!
//! At a fitted state the cost, with the learned trajectories refitted, is modelled as
//! `J(q) ≈ J₀ − 2 rᵀΔ + ΔᵀSΔ` over every coefficient (dropped ones at 0) and parameter
//! (`S` the Schur complement, `r` minus the reduced gradient). For a support `A` (the coefficients
//! allowed to be non-zero, parameters always in) the model's best cost is
//! `J_A = K − b_Aᵀ S_AA⁻¹ b_A` with `b = S q*`, `q*` the model's unconstrained minimiser and
//! `K = J* + q*ᵀ S q*`. Moves — drop a term, add one back, or swap one for another — are taken
//! while one lowers the model criterion `J_A + |A| ln N`: a backward path in a collinear library
//! can lose a true term that a combination of others mimics, and a swap or re-entry finds it.
//!
//! Input: the model (from [`super::gn::system_for`]) and a support. Output: the best support the
//! moves reach, with its model cost.

use crate::fit::banded::{cholesky_solve, dense_cholesky};

/// The quadratic model of the whole library at one state.
pub struct Model {
    /// Unknowns in the model: `coef[j]` is true for a coefficient that may be dropped.
    pub droppable: Vec<bool>,
    /// `S`, row-major.
    pub s: Vec<f64>,
    /// `b = S q*`.
    pub b: Vec<f64>,
    /// `K = J* + q*ᵀ S q*`.
    pub k: f64,
    /// The penalty per term.
    pub penalty: f64,
}

impl Model {
    /// The model from `S`, `r` (so that the step is `S⁻¹ r`), the current values and cost.
    pub fn new(s: Vec<f64>, r: &[f64], q0: &[f64], cost: f64, droppable: Vec<bool>, penalty: f64) -> Option<Model> {
        let n = q0.len();
        let mut sr = s.clone();
        let top = (0..n).map(|a| sr[a * n + a]).fold(0.0f64, f64::max).max(f64::MIN_POSITIVE);
        (0..n).for_each(|a| sr[a * n + a] += 1e-12 * top);
        let l = dense_cholesky(&sr, n)?;
        let step = cholesky_solve(&l, r, n);
        let q: Vec<f64> = q0.iter().zip(&step).map(|(a, d)| a + d).collect();
        let j_star = cost - r.iter().zip(&step).map(|(a, d)| a * d).sum::<f64>();
        let b: Vec<f64> = (0..n).map(|i| (0..n).map(|j| sr[i * n + j] * q[j]).sum()).collect();
        let k = j_star + q.iter().zip(&b).map(|(a, d)| a * d).sum::<f64>();
        Some(Model { droppable, s: sr, b, k, penalty })
    }

    /// The model's best cost on support `a` (indices of unknowns); `None` when `S_AA` is singular.
    pub fn cost(&self, a: &[usize]) -> Option<f64> {
        let n = self.b.len();
        let m = a.len();
        let saa: Vec<f64> = a.iter().flat_map(|&i| a.iter().map(move |&j| self.s[i * n + j])).collect();
        let ba: Vec<f64> = a.iter().map(|&i| self.b[i]).collect();
        let l = dense_cholesky(&saa, m)?;
        let x = cholesky_solve(&l, &ba, m);
        Some(self.k - ba.iter().zip(&x).map(|(p, q)| p * q).sum::<f64>())
    }

    /// The model criterion of support `a`.
    pub fn crit(&self, a: &[usize]) -> Option<f64> {
        let terms = a.iter().filter(|&&i| self.droppable[i]).count();
        self.cost(a).map(|c| c + terms as f64 * self.penalty)
    }

    /// The unconstrained minimiser of the model on support `a`, in the order of `a`.
    pub fn solve(&self, a: &[usize]) -> Option<Vec<f64>> {
        let n = self.b.len();
        let saa: Vec<f64> = a.iter().flat_map(|&i| a.iter().map(move |&j| self.s[i * n + j])).collect();
        let ba: Vec<f64> = a.iter().map(|&i| self.b[i]).collect();
        let l = dense_cholesky(&saa, a.len())?;
        Some(cholesky_solve(&l, &ba, a.len()))
    }

    /// Forward selection from `base` (the unknowns that are never dropped): adds, one at a time,
    /// the droppable unknown that lowers the model cost most, and returns the support with the
    /// lowest model criterion seen. Stops once the criterion has risen for [`FORWARD_PATIENCE`]
    /// additions in a row past its minimum.
    pub fn forward(&self, base: Vec<usize>) -> Vec<usize> {
        let n = self.b.len();
        let mut cur = base;
        cur.sort_unstable();
        let mut best = (self.crit(&cur).unwrap_or(f64::INFINITY), cur.clone());
        let mut worse = 0;
        while worse < FORWARD_PATIENCE {
            let pick = (0..n)
                .filter(|i| self.droppable[*i] && !cur.contains(i))
                .filter_map(|i| {
                    let c = with(&cur, None, i);
                    self.cost(&c).map(|v| (v, c))
                })
                .min_by(|x, y| x.0.total_cmp(&y.0));
            let Some((_, next)) = pick else { break };
            cur = next;
            let crit = self.crit(&cur).unwrap_or(f64::INFINITY);
            if crit < best.0 {
                best = (crit, cur.clone());
                worse = 0;
            } else {
                worse += 1;
            }
        }
        best.1
    }

    /// Best-improvement local search from support `start` (sorted): drops, additions and swaps
    /// of droppable unknowns while the criterion falls. Returns the support reached.
    pub fn search(&self, start: Vec<usize>) -> Vec<usize> {
        let n = self.b.len();
        let mut cur = start;
        let Some(mut best) = self.crit(&cur) else { return cur };
        // Each accepted move lowers the criterion; the bound only caps the work.
        for _ in 0..4 * n {
            let inside: Vec<usize> = cur.iter().copied().filter(|&i| self.droppable[i]).collect();
            let outside: Vec<usize> = (0..n).filter(|i| self.droppable[*i] && !cur.contains(i)).collect();
            let mut cands: Vec<Vec<usize>> = Vec::new();
            for &i in &inside {
                cands.push(cur.iter().copied().filter(|&x| x != i).collect());
                for &o in &outside {
                    cands.push(with(&cur, Some(i), o));
                }
            }
            for &o in &outside {
                cands.push(with(&cur, None, o));
            }
            let pick =
                cands.into_iter().filter_map(|c| self.crit(&c).map(|v| (v, c))).min_by(|x, y| x.0.total_cmp(&y.0));
            match pick {
                Some((v, c)) if v < best - 1e-9 * best.abs().max(1.0) => {
                    best = v;
                    cur = c;
                }
                _ => break,
            }
        }
        cur
    }
}

/// Additions past the best criterion after which forward selection stops: a true term masked by
/// a collinear one can make one or two additions look useless before the next pays off.
const FORWARD_PATIENCE: usize = 3;

/// `cur` without `out` (if any) and with `add`, sorted.
fn with(cur: &[usize], out: Option<usize>, add: usize) -> Vec<usize> {
    let mut v: Vec<usize> = cur.iter().copied().filter(|&x| Some(x) != out).collect();
    v.push(add);
    v.sort_unstable();
    v
}
