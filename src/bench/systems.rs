//! The systems of the broad discovery benchmark: a table of [`SystemSpec`]s (which `.mech` system,
//! its parameter values, a starting state, how long a transient to discard and how long a window
//! to probe for the characteristic period) → a [`Catalog`] of checked, lowered [`BenchSystem`]s,
//! each with its right-hand side expanded exactly into polynomials ([`super::poly`]).
//!
//! The equations live once, as `.mech` text: the standard library's systems
//! (`stdlib/systems.mech`) and the benchmark's own (`src/bench/systems.mech`, embedded). Only
//! polynomial systems with self-sustained motion (a chaotic attractor, a limit cycle or a
//! conservative periodic orbit) are in the table: a trajectory that settles to an equilibrium
//! (logistic growth, SIR, the damped oscillator) carries no information about most of its terms,
//! and systems with trigonometric or time-dependent terms (the pendulum, the forced Duffing
//! oscillator) are outside a polynomial library.

use super::poly::{expand, Poly};
use super::BenchError;
use crate::check::hir;
use crate::ir::{lower_system, SystemIr};
use crate::source::SourceMap;

/// The benchmark's own systems (the standard library's are loaded by every check).
pub const SYSTEMS_MECH: &str = include_str!("systems.mech");

/// One benchmark system: what to simulate and from where.
#[derive(Clone, Debug, PartialEq)]
pub struct SystemSpec {
    /// The `.mech` system's name (also the benchmark's name for it).
    pub name: &'static str,
    /// Parameter values, by the system's parameter names, in its declaration order.
    pub params: &'static [(&'static str, f64)],
    /// The starting state, integrated for `transient` before anything is kept.
    pub init: &'static [f64],
    /// Time discarded so that the data start on the attractor or limit cycle.
    pub transient: f64,
    /// Length of the window whose spectrum gives the characteristic period; it holds at least
    /// 50 periods, sampled at least 8 times each (a test checks both).
    pub probe: f64,
}

const fn spec(
    name: &'static str,
    params: &'static [(&'static str, f64)],
    init: &'static [f64],
    transient: f64,
    probe: f64,
) -> SystemSpec {
    SystemSpec { name, params, init, transient, probe }
}

/// Starting state of the Sprott flows (a generic point in each one's basin).
const SPROTT_INIT: &[f64] = &[0.05, 0.05, 0.05];

/// Every system of the suite, in report order. Parameter values are the sources' chaotic (or
/// oscillating) settings; see the comments in `systems.mech` and `stdlib/systems.mech`.
pub const SPECS: &[SystemSpec] = &[
    spec("lorenz", &[("sigma", 10.0), ("rho", 28.0), ("beta", 8.0 / 3.0)], &[-8.0, 8.0, 27.0], 20.0, 200.0),
    spec("rossler", &[("a", 0.2), ("b", 0.2), ("c", 5.7)], &[-9.0, 0.0, 0.0], 200.0, 2000.0),
    spec(
        "lotka_volterra",
        &[("alpha", 1.1), ("beta", 0.4), ("delta", 0.1), ("gamma", 0.4)],
        &[10.0, 10.0],
        50.0,
        1000.0,
    ),
    spec("van_der_pol", &[("mu", 2.0)], &[2.0, 0.0], 50.0, 500.0),
    spec("fitzhugh_nagumo", &[("a", 0.7), ("b", 0.8), ("tau", 12.5), ("current", 0.5)], &[0.0, 0.0], 200.0, 4000.0),
    spec("chen", &[("a", 35.0), ("b", 3.0), ("c", 28.0)], &[-10.0, 0.0, 37.0], 20.0, 100.0),
    spec("lu", &[("a", 36.0), ("b", 3.0), ("c", 20.0)], &[1.0, 1.0, 1.0], 20.0, 200.0),
    spec("rucklidge", &[("kappa", 2.0), ("lambda", 6.7)], &[1.0, 0.0, 4.5], 100.0, 1000.0),
    spec("sprott_a", &[], &[0.0, 5.0, 0.0], 100.0, 2000.0),
    spec("sprott_b", &[], SPROTT_INIT, 100.0, 2000.0),
    spec("sprott_c", &[], SPROTT_INIT, 100.0, 2000.0),
    spec("sprott_d", &[], SPROTT_INIT, 100.0, 2000.0),
    spec("sprott_e", &[], SPROTT_INIT, 100.0, 2000.0),
    spec("sprott_f", &[], SPROTT_INIT, 100.0, 2000.0),
    spec("sprott_g", &[], SPROTT_INIT, 100.0, 2000.0),
    spec("sprott_h", &[], SPROTT_INIT, 100.0, 2000.0),
    spec("sprott_i", &[], SPROTT_INIT, 100.0, 2000.0),
    spec("sprott_j", &[], SPROTT_INIT, 100.0, 2000.0),
    spec("sprott_k", &[], SPROTT_INIT, 100.0, 2000.0),
    spec("sprott_l", &[], SPROTT_INIT, 100.0, 2000.0),
    spec("sprott_m", &[], SPROTT_INIT, 100.0, 2000.0),
    spec("sprott_n", &[], SPROTT_INIT, 100.0, 2000.0),
    spec("sprott_o", &[], SPROTT_INIT, 100.0, 2000.0),
    spec("sprott_p", &[], SPROTT_INIT, 100.0, 2000.0),
    spec("sprott_q", &[], SPROTT_INIT, 100.0, 2000.0),
    spec("sprott_r", &[], SPROTT_INIT, 100.0, 2000.0),
    spec("sprott_s", &[], SPROTT_INIT, 100.0, 2000.0),
    spec("jerk", &[("a", 2.017)], &[-1.0, 0.0, 0.0], 100.0, 2000.0),
    spec("genesio_tesi", &[("a", 0.44), ("b", 1.1), ("c", 1.0)], &[0.1, 0.1, 0.1], 100.0, 1000.0),
    spec("arneodo", &[("a", -5.5), ("b", 3.5), ("c", 1.0), ("d", -1.0)], &[0.2, 0.2, 0.2], 100.0, 1000.0),
    spec(
        "hindmarsh_rose",
        &[("a", 1.0), ("b", 3.0), ("c", 1.0), ("d", 5.0), ("r", 0.006), ("s", 4.0), ("xr", -1.6), ("current", 3.25)],
        &[-1.6, 0.0, 2.0],
        1000.0,
        20000.0,
    ),
    spec("shimizu_morioka", &[("a", 0.75), ("b", 0.45)], &[0.1, 0.0, 0.0], 200.0, 2000.0),
    spec("halvorsen", &[("a", 1.89)], &[-1.48, -1.51, 2.04], 100.0, 500.0),
    spec("lorenz84", &[("a", 0.25), ("b", 4.0), ("f", 8.0), ("g", 1.0)], &[0.0, 1.0, 0.0], 100.0, 1000.0),
    spec("brusselator", &[("a", 1.0), ("b", 3.0)], &[1.0, 1.0], 100.0, 1000.0),
    spec("duffing_free", &[("alpha", 1.0), ("beta", 1.0)], &[1.5, 0.0], 50.0, 500.0),
    spec("competitive_lv4", &[], &[0.3, 0.3, 0.3, 0.3], 1000.0, 5000.0),
    spec("lorenz96", &[("f", 8.0)], &[8.01, 8.0, 8.0, 8.0, 8.0], 100.0, 500.0),
    spec("rikitake", &[("mu", 2.0), ("a", 5.0)], &[1.0, 0.0, 0.0], 100.0, 1000.0),
    spec("burke_shaw", &[("s", 10.0), ("v", 4.272)], &[1.0, 0.0, 0.0], 100.0, 500.0),
    spec("chen_lee", &[("a", 5.0), ("b", -10.0), ("c", -0.38)], &[1.0, 1.0, 1.0], 100.0, 1000.0),
    spec("moore_spiegel", &[("t0", 6.0), ("r", 20.0)], &[0.1, 0.0, 0.0], 100.0, 1000.0),
    spec("selkov", &[("a", 0.08), ("b", 0.6)], &[1.0, 1.0], 100.0, 1000.0),
    spec(
        "hyper_rossler",
        &[("a", 0.25), ("b", 3.0), ("c", 0.5), ("d", 0.05)],
        &[-10.0, -6.0, 0.0, 10.0],
        100.0,
        1000.0,
    ),
    spec(
        "dequan_li",
        &[("a", 40.0), ("c", 1.833), ("d", 0.16), ("e", 0.65), ("k", 55.0), ("f", 20.0)],
        &[0.35, 0.0, -0.59],
        20.0,
        20.0,
    ),
    spec("sakarya", &[("a", 0.4), ("b", 0.3)], &[1.0, -1.0, 1.0], 100.0, 1000.0),
    spec("lorenz_stenflo", &[("a", 2.0), ("b", 0.7), ("c", 1.5), ("r", 26.0)], &[1.0, 1.0, 1.0, 1.0], 100.0, 500.0),
];

/// A checked, lowered benchmark system with its exact polynomial right-hand side.
#[derive(Clone, Debug)]
pub struct BenchSystem {
    /// Where it came from.
    pub spec: SystemSpec,
    /// State names, in the system's order (the CSV columns).
    pub states: Vec<String>,
    /// Parameter values in the system's parameter order.
    pub params: Vec<f64>,
    /// The lowered system (parameters as `Var::Param`).
    pub ir: SystemIr,
    /// One polynomial per state: the right-hand side with the parameter values substituted.
    pub rhs: Vec<Poly>,
}

impl BenchSystem {
    /// The largest total degree of the right-hand side.
    pub fn degree(&self) -> u32 {
        self.rhs.iter().map(Poly::degree).max().unwrap_or(0)
    }
}

/// Every benchmark system, checked and lowered.
#[derive(Clone, Debug)]
pub struct Catalog {
    /// In [`SPECS`] order.
    pub systems: Vec<BenchSystem>,
}

impl Catalog {
    /// Checks `systems.mech` (with the standard library) and builds every entry of [`SPECS`].
    pub fn load() -> Result<Catalog, BenchError> {
        let mut sources = SourceMap::new();
        let id = sources.add("<bench>/systems.mech", SYSTEMS_MECH);
        let (model, diags) = crate::check::check(&mut sources, id);
        let model =
            model.ok_or_else(|| BenchError::Model(crate::diag::render::render_text(&diags, &sources, false)))?;
        let systems = SPECS.iter().map(|s| build(&model, s)).collect::<Result<Vec<_>, _>>()?;
        Ok(Catalog { systems })
    }

    /// The systems named in `names` (all when empty), in catalog order; an unknown name is a
    /// configuration error listing the known ones.
    pub fn select(&self, names: &[String]) -> Result<Vec<&BenchSystem>, BenchError> {
        if let Some(bad) = names.iter().find(|n| !self.systems.iter().any(|s| s.spec.name == n.as_str())) {
            let known: Vec<&str> = self.systems.iter().map(|s| s.spec.name).collect();
            return Err(BenchError::Config(format!("unknown system `{bad}`; the suite has: {}", known.join(", "))));
        }
        Ok(self.systems.iter().filter(|s| names.is_empty() || names.iter().any(|n| n == s.spec.name)).collect())
    }
}

/// Lowers one table entry's system and expands its right-hand side.
fn build(model: &hir::Model, spec: &SystemSpec) -> Result<BenchSystem, BenchError> {
    let fail = |msg: String| BenchError::Model(format!("benchmark system `{}`: {msg}", spec.name));
    let system =
        model.systems.iter().find(|s| s.name == spec.name).ok_or_else(|| fail("no such `.mech` system".into()))?;
    let names: Vec<&str> = system.params.iter().map(|p| p.name.as_str()).collect();
    let given: Vec<&str> = spec.params.iter().map(|p| p.0).collect();
    if names != given {
        return Err(fail(format!("parameters {given:?} given for a system declaring {names:?}")));
    }
    let ir = lower_system(model, system).map_err(|e| fail(e.to_string()))?;
    if let Some(i) = ir.orders.iter().position(|&o| o != 1) {
        return Err(fail(format!("state `{}` is not first order", ir.names.states[i])));
    }
    if spec.init.len() != ir.rhs.len() {
        return Err(fail(format!("{} initial values for {} states", spec.init.len(), ir.rhs.len())));
    }
    let params: Vec<f64> = spec.params.iter().map(|p| p.1).collect();
    let rhs = expand(&ir, &params).map_err(fail)?;
    Ok(BenchSystem { spec: spec.clone(), states: ir.names.states.clone(), params, ir, rhs })
}
