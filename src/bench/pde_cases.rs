//! The acceptance cases of `mechc bench pde` and the record of one tool's fit of one case
//! ([`PdeRecord`]). The cases: each a field system simulated on a periodic grid
//! (256 points × 101 times unless said), a candidate library, the true equation, and the
//! library's shape for PySINDy (polynomial degree in `u` times the derivatives up to an order,
//! which is what `poly(u, degree = d)*{1, u_x, ...}` spells).
//!
//! The single-soliton KdV data are a travelling wave: `u_t = -4*u_x` explains them as exactly as
//! KdV does, so no tool can recover KdV from them with a library that holds the bare `u_x`. Its
//! rows are scored against KdV all the same; mechc says so (`W016`, naming the alternative), and
//! the table shows what each tool kept.

use serde::Serialize;

use super::score::{CoefTable, Score, Truth};

/// One benchmark case.
#[derive(Clone, Debug, PartialEq)]
pub struct PdeCase {
    /// Short name (file stem).
    pub name: &'static str,
    /// What the table calls it.
    pub label: &'static str,
    /// `space ...` declaration.
    pub space: &'static str,
    /// The simulate block's right side (`burgers(nu = 0.1) { ... }`) without the noise line.
    pub simulate: &'static str,
    /// Noise, percent of the field's standard deviation.
    pub noise: f64,
    /// The candidate library (a `basis` right side).
    pub library: &'static str,
    /// Polynomial degree in `u` and highest derivative order of the library (PySINDy's shape).
    pub degree: u32,
    pub order: u32,
    /// The generating equation's terms.
    pub truth: Vec<(&'static str, f64)>,
}

impl PdeCase {
    /// The truth as a scoring table (one field, `u`).
    pub fn truth(&self) -> Truth {
        Truth { terms: self.truth.iter().map(|&(t, c)| ("u".to_string(), t.to_string(), c)).collect() }
    }

    /// A model text fitting `data` (a `data` declaration's right side) with the case's library.
    pub fn model(&self, data: &str) -> String {
        format!(
            "model {}\n{}\nfield u over x\ndata train = {data}\nbasis lib = {}\nu' = sparse(lib)\n",
            self.name, self.space, self.library
        )
    }

    /// The model that simulates the case's data.
    pub fn simulation_model(&self) -> String {
        let noise = if self.noise > 0.0 { format!("\n    noise {}%", self.noise) } else { String::new() };
        let sim = self.simulate.replacen("seed 1", &format!("seed 1{noise}"), 1);
        self.model(&sim)
    }
}

const BURGERS: &str = "simulate burgers(nu = 0.1) {
    init u = exp(-(x + 2)^2)
    points 256
    time 0 .. 10 step 0.1
    seed 1
}";

// The soliton at x = -5 and its periodic image at x = 15, so the profile joins up at the ends of
// the period (the soliton alone jumps by 3.6e-4 there: W017).
const KDV1: &str = "simulate kdv(a = 6, b = 1) {
    init u = 8/(exp(x + 5) + exp(-(x + 5)))^2 + 8/(exp(x - 15) + exp(-(x - 15)))^2
    points 256
    time 0 .. 2 step 0.02
    seed 1
}";

const KDV2: &str = "simulate kdv(a = 6, b = 1) {
    init u = 8/(exp(x + 8) + exp(-(x + 8)))^2 + 2/(exp(0.5*(x - 2)) + exp(-0.5*(x - 2)))^2
    points 256
    time 0 .. 2 step 0.02
    seed 1
}";

const KS: &str = "simulate kuramoto_sivashinsky() {
    init u = cos(x/16)*(1 + sin(x/16))
    points 256
    time 0 .. 100 step 0.4
    seed 1
}";

const FISHER: &str = "simulate fisher_kpp(d = 1, r = 1) {
    init u = exp(-(x - 20)^2/4)
    points 256
    time 0 .. 5 step 0.05
    seed 1
}";

const LIB3: &str = "poly(u, degree = 2)*{1, u_x, u_xx, u_xxx}";

/// Every acceptance case, in table order.
pub fn cases() -> Vec<PdeCase> {
    let burgers = vec![("u*u_x", -1.0), ("u_xx", 0.1)];
    let kdv = vec![("u*u_x", -6.0), ("u_xxx", -1.0)];
    let case = |name, label, space, simulate, noise, library, degree, order, truth: &Vec<(&'static str, f64)>| {
        PdeCase { name, label, space, simulate, noise, library, degree, order, truth: truth.clone() }
    };
    let p8 = "space x in -8 .. 8 periodic";
    let p10 = "space x in -10 .. 10 periodic";
    let p15 = "space x in -15 .. 15 periodic";
    vec![
        case("burgers_0", "Burgers, clean", p8, BURGERS, 0.0, LIB3, 2, 3, &burgers),
        case("burgers_1", "Burgers, 1%", p8, BURGERS, 1.0, LIB3, 2, 3, &burgers),
        case("kdv1_0", "KdV one soliton, clean", p10, KDV1, 0.0, LIB3, 2, 3, &kdv),
        case("kdv1_1", "KdV one soliton, 1%", p10, KDV1, 1.0, LIB3, 2, 3, &kdv),
        case("kdv2_0", "KdV two solitons, clean", p15, KDV2, 0.0, LIB3, 2, 3, &kdv),
        case("kdv2_1", "KdV two solitons, 1%", p15, KDV2, 1.0, LIB3, 2, 3, &kdv),
        case(
            "ks_0",
            "Kuramoto-Sivashinsky (251 times), clean",
            "space x in 0 .. 100.53096491487338 periodic",
            KS,
            0.0,
            "poly(u, degree = 2)*{1, u_x, u_xx, u_xxx, u_xxxx}",
            2,
            4,
            &vec![("u*u_x", -1.0), ("u_xx", -1.0), ("u_xxxx", -1.0)],
        ),
        case(
            "fisher_0",
            "Fisher-KPP, clean",
            "space x in 0 .. 40 periodic",
            FISHER,
            0.0,
            "poly(u, degree = 3)*{1, u_x, u_xx}",
            3,
            2,
            &vec![("u_xx", 1.0), ("u", 1.0), ("u^2", -1.0)],
        ),
        case(
            "fisher_5",
            "Fisher-KPP, 5%",
            "space x in 0 .. 40 periodic",
            FISHER,
            5.0,
            "poly(u, degree = 3)*{1, u_x, u_xx}",
            3,
            2,
            &vec![("u_xx", 1.0), ("u", 1.0), ("u^2", -1.0)],
        ),
    ]
}

/// One tool's fit of one case.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PdeRecord {
    pub case: String,
    pub label: String,
    /// `mechc`, `pysindy-pde-find` or `pysindy-weak`.
    pub tool: String,
    pub noise_percent: f64,
    pub file: String,
    pub wall_s: Option<f64>,
    pub cpu_s: Option<f64>,
    pub score: Option<Score>,
    pub error: Option<String>,
    pub coefficients: Option<CoefTable>,
    /// The warnings the fit drew (codes and messages), mechc only.
    pub warnings: Vec<String>,
}
