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
//! Input: data times and the number of sub-intervals of each data interval. Output: a [`Grid`].

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

    /// The rule's relative error per step for a signal of rate `ω`, `(ωH)^p / C`: its order `p`
    /// and constant `C` (`H²x‴/12` for the trapezoid, `H⁴x⁽⁵⁾/2880` for Simpson).
    pub fn error_model(self) -> (i32, f64) {
        match self {
            Scheme::Trapezoid => (2, 12.0),
            Scheme::HermiteSimpson => (4, 2880.0),
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
    /// `√H`: the dynamics rows are divided by `κ σ` times this, the size of a random walk's
    /// increment over `H`, so that the weight of the dynamics per unit time does not depend on
    /// how finely the data are sampled or cut.
    pub scale: f64,
}

/// How the collocation grid is built.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GridChoice {
    /// The rule.
    pub scheme: Scheme,
    /// Sub-intervals per data interval, or `None` to choose them from the data.
    pub substeps: Option<usize>,
}

/// The grid of one trajectory.
#[derive(Clone, Debug)]
pub struct Grid {
    /// Time of every grid point.
    pub t: Vec<f64>,
    /// Sub-intervals, in time order.
    pub intervals: Vec<Interval>,
    /// The grid point of each data row.
    pub data_point: Vec<usize>,
}

impl Grid {
    /// The grid for data times `times` with `k[i]` sub-intervals in data interval `i`.
    pub fn new(times: &[f64], k: &[usize], scheme: Scheme) -> Grid {
        let s = scheme.stride();
        let mut t = Vec::new();
        let mut intervals = Vec::new();
        let mut data_point = Vec::with_capacity(times.len());
        for (w, &ki) in times.windows(2).zip(k) {
            data_point.push(t.len());
            let hd = w[1] - w[0];
            let hs = hd / ki as f64;
            let per = ki * s;
            for j in 0..ki {
                intervals.push(Interval { a: t.len(), h: hs, scale: hs.sqrt() });
                for q in 0..s {
                    t.push(w[0] + hd * (j * s + q) as f64 / per as f64);
                }
            }
        }
        data_point.push(t.len());
        t.push(*times.last().expect("a trajectory has rows"));
        Grid { t, intervals, data_point }
    }

    /// Values of a data column (one per data row, with their slopes) carried to every grid point
    /// by cubic Hermite interpolation.
    pub fn interpolate(&self, y: &[f64], slope: &[f64]) -> Vec<f64> {
        let mut out = Vec::with_capacity(self.t.len());
        for i in 0..y.len() - 1 {
            let (a, b) = (self.data_point[i], self.data_point[i + 1]);
            let h = self.t[b] - self.t[a];
            for p in a..b {
                let s = (self.t[p] - self.t[a]) / h;
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
        let mut out = Vec::with_capacity(self.t.len());
        for i in 0..y.len() - 1 {
            let (a, b) = (self.data_point[i], self.data_point[i + 1]);
            for p in a..b {
                let s = (self.t[p] - self.t[a]) / (self.t[b] - self.t[a]);
                out.push((1.0 - s) * y[i] + s * y[i + 1]);
            }
        }
        out.push(*y.last().expect("a trajectory has rows"));
        out
    }
}
