//! Simulation of a field system on a periodic grid by the method of lines: spectral spatial
//! derivatives and fourth-order exponential time differencing (ETDRK4, Cox–Matthews with the
//! contour-integral coefficients of Kassam–Trefethen). Each field's right side is split into
//! its linear constant-coefficient part in that field (`nu*u_xx`, `-u_xxx`, `r*u`: diagonal in
//! Fourier space, integrated exactly, which is what makes stiff problems such as
//! Kuramoto–Sivashinsky and KdV cheap) and the rest, evaluated on the grid. The step adapts per
//! output interval: an interval is integrated with `m` and `2m` sub-steps and accepted when the
//! two agree to 1e-9 of the field's scale (the more accurate one is kept); otherwise `m` doubles.
//! Noise: Gaussian, `p`% of each field's standard deviation over the trajectory, seeded.

use super::spectral::Spectral;
use super::FieldTraj;
use crate::check::hir::{PdeExpr, PdeSim, PdeSpace};
use crate::data::noise::{normal, seeded};
use crate::syntax::ast::BinOp;
use rustfft::num_complex::Complex64 as C;

/// Why a simulation failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FieldSimError {
    #[error("the simulation blew up (non-finite values) at t = {0}")]
    NonFinite(f64),
    #[error("the time step could not be resolved at t = {0} (more than {1} sub-steps per output step)")]
    Stiff(f64, usize),
}

/// Relative agreement of the two sub-step counts that accepts an interval.
const TOL: f64 = 1e-9;
/// Most sub-steps per output interval.
const MAX_SUB: usize = 4096;
/// Contour points of the coefficient integrals.
const CONTOUR: usize = 32;

/// The part of the right sides evaluated on the grid: from the values of the (field, order)
/// pairs it reads (one array each, in [`Problem::needs`] order) to one array per field.
pub type Nonlinear<'a> = dyn Fn(&[Vec<f64>]) -> Vec<Vec<f64>> + Sync + 'a;

/// A semi-linear problem `u_t = L u + N(u)` on a periodic grid.
pub struct Problem<'a> {
    pub sp: Spectral,
    /// Linear symbol of each field per Fourier mode.
    pub lin: Vec<Vec<C>>,
    /// (field, order) pairs the nonlinear part reads.
    pub needs: Vec<(usize, u32)>,
    pub nonlinear: Box<Nonlinear<'a>>,
}

/// The ETDRK4 coefficients of one step size, per field and mode.
struct Coefs {
    e: Vec<Vec<C>>,
    e2: Vec<Vec<C>>,
    q: Vec<Vec<C>>,
    f1: Vec<Vec<C>>,
    f2: Vec<Vec<C>>,
    f3: Vec<Vec<C>>,
}

/// Simulates `sim` on the periodic `space`; the trajectory's fields are in model order.
pub fn simulate_periodic(sim: &PdeSim, space: &PdeSpace, n_model_fields: usize) -> Result<FieldTraj, FieldSimError> {
    let n = sim.points;
    let sp = Spectral::new(n, space.hi - space.lo);
    let x = space.grid(n);
    let mut lin = Vec::new();
    let mut rest = Vec::new();
    for (f, e) in sim.system.rhs.iter().enumerate() {
        let (lin_terms, r) = split_rhs(e, f);
        lin.push((0..n).map(|j| lin_terms.iter().map(|&(o, c)| sp.symbol(j, o) * c).sum()).collect());
        rest.push(r);
    }
    let mut needs = Vec::new();
    for r in &rest {
        for (_, e) in r {
            collect_needs(e, &mut needs);
        }
    }
    let needs2 = needs.clone();
    let xs = x.clone();
    let nonlinear = move |vals: &[Vec<f64>]| -> Vec<Vec<f64>> {
        rest.iter()
            .map(|r| {
                (0..xs.len())
                    .map(|i| {
                        let at = |f: usize, o: u32| {
                            needs2.iter().position(|&p| p == (f, o)).map_or(f64::NAN, |k| vals[k][i])
                        };
                        r.iter().map(|(sg, e)| sg * e.eval(&at, xs[i])).sum()
                    })
                    .collect()
            })
            .collect()
    };
    let p = Problem { sp, lin, needs, nonlinear: Box::new(nonlinear) };
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

impl Problem<'_> {
    /// Integrates from the profiles `init` (one per field) and returns each field at `times`
    /// (row-major over time and grid point).
    pub fn integrate(&self, init: &[Vec<f64>], times: &[f64]) -> Result<Vec<Vec<f64>>, FieldSimError> {
        let n = self.sp.n;
        let mut v: Vec<Vec<C>> = init.iter().map(|u| self.sp.forward(u)).collect();
        let mut out: Vec<Vec<f64>> = init
            .iter()
            .map(|u| {
                let mut o = Vec::with_capacity(times.len() * n);
                o.extend_from_slice(u);
                o
            })
            .collect();
        let mut m = 1usize;
        for w in times.windows(2) {
            let (next, used) = self.interval(&v, w[1] - w[0], m, w[0])?;
            m = used;
            v = next;
            for (f, o) in out.iter_mut().enumerate() {
                let u = self.sp.inverse(&v[f]);
                if u.iter().any(|y| !y.is_finite()) {
                    return Err(FieldSimError::NonFinite(w[1]));
                }
                o.extend_from_slice(&u);
            }
        }
        Ok(out)
    }

    /// One output interval of length `dt` from `v`, starting with `m` sub-steps.
    fn interval(&self, v: &[Vec<C>], dt: f64, m: usize, t: f64) -> Result<(Vec<Vec<C>>, usize), FieldSimError> {
        let scale = v.iter().flat_map(|f| f.iter().map(|c| c.norm())).fold(0.0f64, f64::max).max(1e-300);
        let control = StepControl { tol: TOL * scale, shrink: 64.0, max_sub: MAX_SUB };
        let dist = |a: &Vec<Vec<C>>, b: &Vec<Vec<C>>| {
            max_nan(a.iter().zip(b).flat_map(|(a, b)| a.iter().zip(b).map(|(x, y)| (x - y).norm())))
        };
        let (_, fine, next) = control.run(m, t, |k| self.run(v, dt, k), dist)?;
        Ok((fine, next))
    }

    /// `m` ETDRK4 steps over `dt`.
    fn run(&self, v0: &[Vec<C>], dt: f64, m: usize) -> Vec<Vec<C>> {
        let h = dt / m as f64;
        let c = self.coefs(h);
        let mut v = v0.to_vec();
        for _ in 0..m {
            v = self.step(&v, &c);
        }
        v
    }

    /// One ETDRK4 step.
    fn step(&self, v: &[Vec<C>], c: &Coefs) -> Vec<Vec<C>> {
        let nv = self.nonlinear(v);
        let comb = |base: &[Vec<C>], e: &[Vec<C>], n: &[Vec<C>]| -> Vec<Vec<C>> {
            (0..v.len()).map(|f| (0..self.sp.n).map(|j| e[f][j] * base[f][j] + c.q[f][j] * n[f][j]).collect()).collect()
        };
        let a = comb(v, &c.e2, &nv);
        let na = self.nonlinear(&a);
        let b = comb(v, &c.e2, &na);
        let nb = self.nonlinear(&b);
        let n2: Vec<Vec<C>> =
            (0..v.len()).map(|f| (0..self.sp.n).map(|j| 2.0 * nb[f][j] - nv[f][j]).collect()).collect();
        let cc = comb(&a, &c.e2, &n2);
        let nc = self.nonlinear(&cc);
        (0..v.len())
            .map(|f| {
                (0..self.sp.n)
                    .map(|j| {
                        c.e[f][j] * v[f][j]
                            + nv[f][j] * c.f1[f][j]
                            + 2.0 * (na[f][j] + nb[f][j]) * c.f2[f][j]
                            + nc[f][j] * c.f3[f][j]
                    })
                    .collect()
            })
            .collect()
    }

    /// The Fourier coefficients of each field's nonlinear part at `v`.
    fn nonlinear(&self, v: &[Vec<C>]) -> Vec<Vec<C>> {
        let vals: Vec<Vec<f64>> = self.needs.iter().map(|&(f, o)| self.sp.derivative(&v[f], o)).collect();
        (self.nonlinear)(&vals).iter().map(|g| self.sp.forward(g)).collect()
    }

    /// ETDRK4 coefficients for step `h` (contour integrals around each `hL`).
    fn coefs(&self, h: f64) -> Coefs {
        let roots: Vec<C> = (0..CONTOUR)
            .map(|r| C::from_polar(1.0, std::f64::consts::PI * (r as f64 + 0.5) / CONTOUR as f64 * 2.0))
            .collect();
        let nf = self.lin.len();
        let mut c = Coefs { e: vec![], e2: vec![], q: vec![], f1: vec![], f2: vec![], f3: vec![] };
        for lin in &self.lin {
            let (mut e, mut e2, mut q, mut f1, mut f2, mut f3) = (vec![], vec![], vec![], vec![], vec![], vec![]);
            for &l in lin {
                let hl = l * h;
                e.push(hl.exp());
                e2.push((hl / 2.0).exp());
                let (mut sq, mut s1, mut s2, mut s3) =
                    (C::new(0.0, 0.0), C::new(0.0, 0.0), C::new(0.0, 0.0), C::new(0.0, 0.0));
                for &r in &roots {
                    let z = hl + r;
                    let ez = z.exp();
                    sq += ((z / 2.0).exp() - 1.0) / z;
                    s1 += (-4.0 - z + ez * (4.0 - 3.0 * z + z * z)) / z.powu(3);
                    s2 += (2.0 + z + ez * (z - 2.0)) / z.powu(3);
                    s3 += (-4.0 - 3.0 * z - z * z + ez * (4.0 - z)) / z.powu(3);
                }
                let k = h / CONTOUR as f64;
                q.push(sq * k);
                f1.push(s1 * k);
                f2.push(s2 * k);
                f3.push(s3 * k);
            }
            c.e.push(e);
            c.e2.push(e2);
            c.q.push(q);
            c.f1.push(f1);
            c.f2.push(f2);
            c.f3.push(f3);
        }
        debug_assert_eq!(c.e.len(), nf);
        c
    }
}

/// Signed summands.
pub(super) type Signed = Vec<(f64, PdeExpr)>;

/// Splits field `f`'s right side into linear terms `(order, coefficient)` in `f` and the rest.
pub(super) fn split_rhs(e: &PdeExpr, f: usize) -> (Vec<(u32, f64)>, Signed) {
    let mut summands = Vec::new();
    flatten(e, 1.0, &mut summands);
    let (mut lin, mut rest) = (Vec::new(), Vec::new());
    for (s, t) in summands {
        match linear(t, f) {
            Some((o, c)) => lin.push((o, s * c)),
            None => rest.push((s, t.clone())),
        }
    }
    (lin, rest)
}

/// The signed summands of a sum.
fn flatten<'e>(e: &'e PdeExpr, sign: f64, out: &mut Vec<(f64, &'e PdeExpr)>) {
    match e {
        PdeExpr::Binary(BinOp::Add, a, b) => {
            flatten(a, sign, out);
            flatten(b, sign, out);
        }
        PdeExpr::Binary(BinOp::Sub, a, b) => {
            flatten(a, sign, out);
            flatten(b, -sign, out);
        }
        PdeExpr::Neg(a) => flatten(a, -sign, out),
        _ => out.push((sign, e)),
    }
}

/// `c * f_{x..}` with a constant `c`: (order, c).
fn linear(e: &PdeExpr, f: usize) -> Option<(u32, f64)> {
    let konst = |e: &PdeExpr| e.is_constant().then(|| e.eval(&|_, _| f64::NAN, f64::NAN));
    match e {
        PdeExpr::Field { field, order } if *field == f => Some((*order, 1.0)),
        PdeExpr::Neg(a) => linear(a, f).map(|(o, c)| (o, -c)),
        PdeExpr::Binary(BinOp::Mul, a, b) => match (konst(a), konst(b)) {
            (Some(c), None) => linear(b, f).map(|(o, d)| (o, c * d)),
            (None, Some(c)) => linear(a, f).map(|(o, d)| (o, c * d)),
            _ => None,
        },
        PdeExpr::Binary(BinOp::Div, a, b) => konst(b).and_then(|c| linear(a, f).map(|(o, d)| (o, d / c))),
        _ => None,
    }
}

/// The (field, order) pairs an expression reads.
pub(super) fn collect_needs(e: &PdeExpr, out: &mut Vec<(usize, u32)>) {
    match e {
        PdeExpr::Field { field, order } => {
            if !out.contains(&(*field, *order)) {
                out.push((*field, *order));
            }
        }
        PdeExpr::Num(_) | PdeExpr::Space => {}
        PdeExpr::Neg(a) => collect_needs(a, out),
        PdeExpr::Binary(_, a, b) => {
            collect_needs(a, out);
            collect_needs(b, out);
        }
        PdeExpr::Call(_, args) => args.iter().for_each(|a| collect_needs(a, out)),
    }
}

/// Adds Gaussian noise of `percent`% of each field's standard deviation.
pub(super) fn add_noise(out: &mut [Vec<f64>], percent: f64, seed: u64) {
    if percent <= 0.0 {
        return;
    }
    let mut rng = seeded(seed);
    for vals in out.iter_mut() {
        let sd = crate::data::noise::observed_std(vals) * percent / 100.0;
        for v in vals.iter_mut() {
            *v += normal(&mut rng, 0.0, sd).unwrap_or(0.0);
        }
    }
}

/// The sub-step control of one output interval, shared by the periodic and bounded
/// simulations: the sub-steps double until two counts agree to `tol`; the next interval starts
/// with half the sub-steps when they agreed within `tol / shrink`.
pub(super) struct StepControl {
    /// Largest accepted difference between the two counts' results.
    pub tol: f64,
    /// How far below `tol` the agreement must be to halve the next interval's sub-steps.
    pub shrink: f64,
    /// Most sub-steps before the interval is given up as too stiff.
    pub max_sub: usize,
}

impl StepControl {
    /// From `m` sub-steps: `(coarse, fine, next)`, the results of the two agreeing counts and the
    /// next interval's starting count; `run(k)` integrates the interval in `k` sub-steps and
    /// `dist` is the largest difference of two results (NaN when either blew up: never accepted).
    pub fn run<T>(
        &self,
        mut m: usize,
        t: f64,
        run: impl Fn(usize) -> T,
        dist: impl Fn(&T, &T) -> f64,
    ) -> Result<(T, T, usize), FieldSimError> {
        let mut coarse = run(m);
        while m <= self.max_sub {
            let fine = run(2 * m);
            let diff = dist(&coarse, &fine);
            if diff.is_finite() && diff <= self.tol {
                let next = if diff <= self.tol / self.shrink && m > 1 { m / 2 } else { m };
                return Ok((coarse, fine, next));
            }
            m *= 2;
            coarse = fine;
        }
        Err(FieldSimError::Stiff(t, self.max_sub))
    }
}

/// The largest value, NaN when any is NaN (`f64::max` would drop it).
pub(super) fn max_nan(values: impl Iterator<Item = f64>) -> f64 {
    values.fold(0.0f64, |m, d| if d.is_nan() || m.is_nan() { f64::NAN } else { m.max(d) })
}
