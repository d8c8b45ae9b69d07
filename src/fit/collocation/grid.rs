//! The collocation grid of one trajectory and the rule that ties its points together.
//!
//! Every data interval `[t_i, t_{i+1}]` is cut into `k` equal sub-intervals (latent points
//! between observations when `k > 1`); with the Hermite–Simpson rule each sub-interval also has a
//! midpoint. The learned trajectory has a value at every grid point; only the points that coincide
//! with data rows meet the data.
//!
//! A sub-interval's points are `a`, (`m`), `b`, with length `H`. The rule's residual rows are
//! linear in the learned values `z` and in the derivatives `g` at those points:
//! `r = Σ αₚ zₚ + H Σ βₚ gₚ` (the factor `1/ε` is applied by the caller).
//! - trapezoid (order 2): `z_b − z_a − H/2 (g_a + g_b)`;
//! - Hermite–Simpson, separated form (order 4): the Simpson row
//!   `z_b − z_a − H/6 (g_a + 4 g_m + g_b)` and the Hermite row
//!   `z_m − (z_a + z_b)/2 − H/8 (g_a − g_b)` (the midpoint lies on the cubic Hermite interpolant).
//!
//! Input: data times and the number of sub-intervals. Output: a [`Grid`].

/// The collocation rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    /// Trapezoid rule: local error `O(H³)`, one row per sub-interval.
    Trapezoid,
    /// Hermite–Simpson rule with the midpoint as an unknown: local error `O(H⁵)`, two rows.
    HermiteSimpson,
}

/// One residual row of a rule: weights of the values `z` and of the derivatives `g` (in units of
/// the sub-interval length) at the sub-interval's points.
#[derive(Clone, Copy, Debug)]
pub struct Stencil {
    /// Weights of `z` at each point of the sub-interval.
    pub alpha: [f64; 3],
    /// Weights of `H·g` at each point.
    pub beta: [f64; 3],
}

impl Scheme {
    /// Grid steps per sub-interval (1, or 2 with a midpoint).
    pub fn stride(self) -> usize {
        match self {
            Scheme::Trapezoid => 1,
            Scheme::HermiteSimpson => 2,
        }
    }

    /// The residual rows of one sub-interval.
    pub fn stencils(self) -> &'static [Stencil] {
        const TRAP: [Stencil; 1] = [Stencil { alpha: [-1.0, 1.0, 0.0], beta: [-0.5, -0.5, 0.0] }];
        const HS: [Stencil; 2] = [
            Stencil { alpha: [-1.0, 0.0, 1.0], beta: [-1.0 / 6.0, -4.0 / 6.0, -1.0 / 6.0] },
            Stencil { alpha: [-0.5, 1.0, -0.5], beta: [-1.0 / 8.0, 0.0, 1.0 / 8.0] },
        ];
        match self {
            Scheme::Trapezoid => &TRAP,
            Scheme::HermiteSimpson => &HS,
        }
    }

    /// The order of the rule's global error.
    pub fn order(self) -> i32 {
        match self {
            Scheme::Trapezoid => 2,
            Scheme::HermiteSimpson => 4,
        }
    }
}

/// One sub-interval of the grid.
#[derive(Clone, Copy, Debug)]
pub struct Interval {
    /// Its first grid point (the others follow).
    pub a: usize,
    /// Its length `H`.
    pub h: f64,
    /// `√(H·h_data)`: the dynamics rows are divided by `κ σ` times this, so that the weight of
    /// the dynamics per unit time does not depend on how finely the data interval is cut.
    pub scale: f64,
}

/// The grid of one trajectory.
#[derive(Clone, Debug)]
pub struct Grid {
    /// Time of every grid point.
    pub t: Vec<f64>,
    /// Sub-intervals, in time order.
    pub intervals: Vec<Interval>,
    /// Grid points per data interval (`k · stride`): data row `i` is grid point `i · per_data`.
    pub per_data: usize,
}

impl Grid {
    /// The grid for data times `times` with `k` sub-intervals per data interval.
    pub fn new(times: &[f64], k: usize, scheme: Scheme) -> Grid {
        let s = scheme.stride();
        let per_data = k * s;
        let mut t = Vec::with_capacity((times.len() - 1) * per_data + 1);
        let mut intervals = Vec::with_capacity((times.len() - 1) * k);
        for w in times.windows(2) {
            let hd = w[1] - w[0];
            let hs = hd / k as f64;
            for j in 0..k {
                let a = t.len();
                intervals.push(Interval { a, h: hs, scale: (hs * hd).sqrt() });
                for q in 0..s {
                    // The last point of the data interval is the next data time exactly.
                    t.push(w[0] + hd * (j * s + q) as f64 / per_data as f64);
                }
            }
        }
        t.push(*times.last().expect("a trajectory has rows"));
        Grid { t, intervals, per_data }
    }

    /// Number of grid points.
    pub fn len(&self) -> usize {
        self.t.len()
    }

    /// Whether the grid is empty (never, for a trajectory with rows).
    pub fn is_empty(&self) -> bool {
        self.t.is_empty()
    }

    /// Values of a data column (one per data row, with their slopes) carried to every grid point
    /// by cubic Hermite interpolation.
    pub fn interpolate(&self, y: &[f64], slope: &[f64]) -> Vec<f64> {
        let per = self.per_data;
        let mut out = Vec::with_capacity(self.len());
        for i in 0..y.len() - 1 {
            let (t0, t1) = (self.t[i * per], self.t[(i + 1) * per]);
            let h = t1 - t0;
            for q in 0..per {
                let s = (self.t[i * per + q] - t0) / h;
                let (h00, h10) = (2.0 * s * s * s - 3.0 * s * s + 1.0, s * s * s - 2.0 * s * s + s);
                let (h01, h11) = (-2.0 * s * s * s + 3.0 * s * s, s * s * s - s * s);
                out.push(h00 * y[i] + h10 * h * slope[i] + h01 * y[i + 1] + h11 * h * slope[i + 1]);
            }
        }
        out.push(*y.last().expect("a trajectory has rows"));
        out
    }

    /// Values of a data column carried to every grid point by linear interpolation (inputs: a
    /// measured signal is not assumed smooth).
    pub fn interpolate_linear(&self, y: &[f64]) -> Vec<f64> {
        let per = self.per_data;
        let mut out = Vec::with_capacity(self.len());
        for i in 0..y.len() - 1 {
            for q in 0..per {
                let s = q as f64 / per as f64;
                out.push((1.0 - s) * y[i] + s * y[i + 1]);
            }
        }
        out.push(*y.last().expect("a trajectory has rows"));
        out
    }
}
