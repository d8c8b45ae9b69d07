//! Simulation of a field system on a bounded grid by the method of lines: fourth-order
//! five-point finite differences with two ghost points beyond each end set by the field's
//! boundary condition, and an implicit–explicit trapezoidal step (Crank–Nicolson for each
//! field's diffusion `c*u_xx`, `c > 0`, whose matrix is pentadiagonal and solved by banded
//! elimination; Heun's rule for the rest), so that the step is not limited by the diffusion's
//! stiffness (`16c/3h²`). The step adapts per output
//! interval as for the periodic simulation: `m` and `2m` sub-steps must agree to
//! [`TOL`] of the field's scale, and the accepted value is their Richardson extrapolation.
//!
//! Boundaries: `Value(c)` holds the end points at `c` (they do not evolve) and reflects the
//! field oddly about `c` beyond them; `Slope(g)` reflects it evenly, plus the slope's linear
//! part (see [`extend`]).

use super::etd::{add_noise, collect_needs, max_nan, split_rhs, FieldSimError, Signed, StepControl};
use super::FieldTraj;
use crate::check::hir::{Boundary, PdeExpr, PdeSim, PdeSpace};

/// Agreement of the two sub-step counts that accepts an interval, relative to the field's scale.
const TOL: f64 = 1e-9;
/// Most sub-steps per output interval.
const MAX_SUB: usize = 1 << 16;

/// One field system on a bounded grid.
struct Bounded {
    n: usize,
    h: f64,
    x: Vec<f64>,
    bc: Vec<Boundary>,
    /// Each field's implicit diffusion coefficient (0: none).
    diff: Vec<f64>,
    /// Each field's explicit part.
    rest: Vec<Signed>,
    /// (field, order) pairs the explicit part reads.
    needs: Vec<(usize, u32)>,
}

/// Simulates `sim` on the bounded `space`; the trajectory's fields are in model order.
pub fn simulate(sim: &PdeSim, space: &PdeSpace, n_model_fields: usize) -> Result<FieldTraj, FieldSimError> {
    let n = sim.points;
    let x = space.grid(n);
    let (mut diff, mut rest) = (Vec::new(), Vec::new());
    for (f, e) in sim.system.rhs.iter().enumerate() {
        let (lin, mut r) = split_rhs(e, f);
        let c: f64 = lin.iter().filter(|(o, _)| *o == 2).map(|(_, c)| c).sum();
        let implicit = c > 0.0;
        for (o, k) in lin {
            if o != 2 || !implicit {
                let term = PdeExpr::Field { field: f, order: o };
                r.push((
                    1.0,
                    PdeExpr::Binary(crate::syntax::ast::BinOp::Mul, Box::new(PdeExpr::Num(k)), Box::new(term)),
                ));
            }
        }
        diff.push(if implicit { c } else { 0.0 });
        rest.push(r);
    }
    let mut needs = Vec::new();
    rest.iter().flatten().for_each(|(_, e)| collect_needs(e, &mut needs));
    let p = Bounded { n, h: x[1] - x[0], x: x.clone(), bc: sim.boundary.clone(), diff, rest, needs };
    let steps = ((sim.t1 - sim.t0) / sim.step + 1e-9).floor() as usize;
    let times: Vec<f64> = (0..=steps).map(|i| sim.t0 + i as f64 * sim.step).collect();
    let mut out = p.integrate(&sim.init, &times)?;
    add_noise(&mut out, sim.noise_percent, sim.seed);
    let mut u = vec![Vec::new(); n_model_fields];
    for (f, vals) in out.into_iter().enumerate() {
        u[sim.field_map[f]] = vals;
    }
    Ok(FieldTraj { label: sim.name.clone(), t: times, x, u, truth: Some(sim.params.clone()) })
}

impl Bounded {
    /// Integrates from `init` (the ends of a `Value` field set to the boundary value) and
    /// returns each field at `times`, row-major over time and grid point.
    fn integrate(&self, init: &[Vec<f64>], times: &[f64]) -> Result<Vec<Vec<f64>>, FieldSimError> {
        let mut v: Vec<Vec<f64>> = init.to_vec();
        for (u, bc) in v.iter_mut().zip(&self.bc) {
            if let Boundary::Value(c) = *bc {
                u[0] = c;
                u[self.n - 1] = c;
            }
        }
        let mut out: Vec<Vec<f64>> = v.clone();
        let mut m = 1usize;
        for w in times.windows(2) {
            let (next, used) = self.interval(&v, w[1] - w[0], m, w[0])?;
            m = used;
            v = next;
            if v.iter().flatten().any(|y| !y.is_finite()) {
                return Err(FieldSimError::NonFinite(w[1]));
            }
            out.iter_mut().zip(&v).for_each(|(o, u)| o.extend_from_slice(u));
        }
        Ok(out)
    }

    /// One output interval of length `dt` from `v`, starting with `m` sub-steps.
    fn interval(&self, v: &[Vec<f64>], dt: f64, m: usize, t: f64) -> Result<(Vec<Vec<f64>>, usize), FieldSimError> {
        let scale = v.iter().flatten().fold(0.0f64, |s, y| s.max(y.abs())).max(1e-300);
        let control = StepControl { tol: TOL * scale, shrink: 16.0, max_sub: MAX_SUB };
        let dist = |a: &Vec<Vec<f64>>, b: &Vec<Vec<f64>>| {
            max_nan(a.iter().flatten().zip(b.iter().flatten()).map(|(a, b)| (a - b).abs()))
        };
        let (coarse, fine, next) = control.run(m, t, |k| self.run(v, dt, k), dist)?;
        // Richardson: the step is second order, so (4·fine − coarse)/3 cancels its leading error.
        let best = fine
            .iter()
            .zip(&coarse)
            .map(|(f, c)| f.iter().zip(c).map(|(a, b)| (4.0 * a - b) / 3.0).collect())
            .collect();
        Ok((best, next))
    }

    /// `m` steps over `dt`.
    fn run(&self, v0: &[Vec<f64>], dt: f64, m: usize) -> Vec<Vec<f64>> {
        let h = dt / m as f64;
        let mut v = v0.to_vec();
        for _ in 0..m {
            v = self.step(&v, h);
        }
        v
    }

    /// One implicit–explicit trapezoidal step: `u* = A⁻¹(B u + h N(u))`, then
    /// `u' = A⁻¹(B u + h/2 (N(u) + N(u*)))` with `A = I − h/2 L`, `B = I + h/2 L`.
    fn step(&self, v: &[Vec<f64>], h: f64) -> Vec<Vec<f64>> {
        let n0 = self.explicit(v);
        let bu: Vec<Vec<f64>> = (0..v.len()).map(|f| self.apply(f, &v[f], h / 2.0)).collect();
        let pred: Vec<Vec<f64>> = (0..v.len())
            .map(|f| self.solve(f, h / 2.0, bu[f].iter().zip(&n0[f]).map(|(b, g)| b + h * g).collect()))
            .collect();
        let n1 = self.explicit(&pred);
        (0..v.len())
            .map(|f| {
                let r = bu[f].iter().zip(&n0[f]).zip(&n1[f]).map(|((b, a), c)| b + h / 2.0 * (a + c)).collect();
                self.solve(f, h / 2.0, r)
            })
            .collect()
    }

    /// `(I + s L) u` for field `f`, `L` the diffusion without its constant (ghost) part.
    fn apply(&self, f: usize, u: &[f64], s: f64) -> Vec<f64> {
        let d = s * self.diff[f];
        let lap = second(&extend(u, homogeneous(self.bc[f]), self.h), self.h);
        let mut y: Vec<f64> = u.iter().zip(&lap).map(|(a, l)| a + d * l).collect();
        if let Boundary::Value(_) = self.bc[f] {
            (y[0], y[self.n - 1]) = (u[0], u[self.n - 1]);
        }
        y
    }

    /// Solves `(I − s L) y = r` for field `f`: a pentadiagonal system (the five-point rule
    /// with reflected ghost points), eliminated without pivoting (the interior rows' symbol
    /// `1 + s·c·(30 − 32 cos θ + 2 cos 2θ)/12h²` is at least 1).
    fn solve(&self, f: usize, s: f64, mut r: Vec<f64>) -> Vec<f64> {
        let d = s * self.diff[f] / (12.0 * self.h * self.h);
        if d == 0.0 {
            return r;
        }
        let n = self.n;
        // a[i][k]: the coefficient of u[i + k − 2] in row i.
        let mut a: Vec<[f64; 5]> = (0..n).map(|_| [d, -16.0 * d, 1.0 + 30.0 * d, -16.0 * d, d]).collect();
        let sigma = match self.bc[f] {
            Boundary::Value(_) => -1.0,
            Boundary::Slope(_) => 1.0,
        };
        // Ghost points u[−k] = σ·u[k] (and mirrored at the right end) fold into the band.
        a[0][3] += sigma * -16.0 * d;
        a[0][4] += sigma * d;
        a[1][2] += sigma * d;
        a[n - 1][1] += sigma * -16.0 * d;
        a[n - 1][0] += sigma * d;
        a[n - 2][2] += sigma * d;
        if sigma < 0.0 {
            a[0] = [0.0, 0.0, 1.0, 0.0, 0.0];
            a[n - 1] = [0.0, 0.0, 1.0, 0.0, 0.0];
        }
        for i in 0..n {
            for k in 1..=2 {
                if i + k >= n {
                    break;
                }
                let w = a[i + k][2 - k] / a[i][2];
                for j in 0..=2 {
                    a[i + k][2 - k + j] -= w * a[i][2 + j];
                }
                r[i + k] -= w * r[i];
            }
        }
        for i in (0..n).rev() {
            let mut v = r[i];
            for k in 1..=2 {
                if i + k < n {
                    v -= a[i][2 + k] * r[i + k];
                }
            }
            r[i] = v / a[i][2];
        }
        r
    }

    /// Each field's explicit right side on the grid (zero at the held ends of a `Value` field),
    /// with the constant part the ghost points give the implicit diffusion.
    fn explicit(&self, v: &[Vec<f64>]) -> Vec<Vec<f64>> {
        let vals: Vec<Vec<f64>> = self.needs.iter().map(|&(f, o)| derivative(&v[f], o, self.h, self.bc[f])).collect();
        (0..v.len())
            .map(|f| {
                let zero = second(&extend(&vec![0.0; self.n], self.bc[f], self.h), self.h);
                let mut g: Vec<f64> = (0..self.n)
                    .map(|i| {
                        let at = |k: usize, o: u32| {
                            self.needs.iter().position(|&p| p == (k, o)).map_or(f64::NAN, |j| vals[j][i])
                        };
                        let e: f64 = self.rest[f].iter().map(|(sg, e)| sg * e.eval(&at, self.x[i])).sum();
                        e + self.diff[f] * zero[i]
                    })
                    .collect();
                if let Boundary::Value(_) = self.bc[f] {
                    (g[0], g[self.n - 1]) = (0.0, 0.0);
                }
                g
            })
            .collect()
    }
}

/// The same kind of condition with value zero: the homogeneous part of the ghost points.
fn homogeneous(bc: Boundary) -> Boundary {
    match bc {
        Boundary::Value(_) => Boundary::Value(0.0),
        Boundary::Slope(_) => Boundary::Slope(0.0),
    }
}

/// The grid values with two ghost points beyond each end, reflected about the boundary: odd
/// about a held value `c` (`u[−k] = 2c − u[k]`, exact when `u_xx` vanishes there, as it does
/// for diffusion with a held value), even with the slope's linear part for a `Slope(g)` field
/// (`u[−k] = u[k] − 2k·h·g`, exact when `u_xxx` vanishes there, as it does for
/// reaction–diffusion with a fixed flux).
fn extend(u: &[f64], bc: Boundary, h: f64) -> Vec<f64> {
    let n = u.len();
    let mut e = vec![0.0; n + 4];
    e[2..n + 2].copy_from_slice(u);
    for k in 1..=2 {
        let (l, r) = match bc {
            Boundary::Value(c) => (2.0 * c - u[k], 2.0 * c - u[n - 1 - k]),
            Boundary::Slope(g) => (u[k] - 2.0 * k as f64 * h * g, u[n - 1 - k] + 2.0 * k as f64 * h * g),
        };
        e[2 - k] = l;
        e[n + 1 + k] = r;
    }
    e
}

/// `u_xx` at the grid points of an extended array by the five-point fourth-order rule.
fn second(e: &[f64], h: f64) -> Vec<f64> {
    let k = 1.0 / (12.0 * h * h);
    (2..e.len() - 2).map(|i| (-e[i - 2] + 16.0 * e[i - 1] - 30.0 * e[i] + 16.0 * e[i + 1] - e[i + 2]) * k).collect()
}

/// `u_x` at the grid points of an extended array by the five-point fourth-order rule.
fn first(e: &[f64], h: f64) -> Vec<f64> {
    let k = 1.0 / (12.0 * h);
    (2..e.len() - 2).map(|i| (e[i - 2] - 8.0 * e[i - 1] + 8.0 * e[i + 1] - e[i + 2]) * k).collect()
}

/// The field's spatial derivative of order 0, 1 or 2 on the grid.
fn derivative(u: &[f64], order: u32, h: f64, bc: Boundary) -> Vec<f64> {
    match order {
        0 => u.to_vec(),
        1 => first(&extend(u, bc, h), h),
        _ => second(&extend(u, bc, h), h),
    }
}
