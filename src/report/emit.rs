//! The discovered model written back as `.mech`: the lowered model ([`ModelIr`]), the fitted
//! model ([`Fitted`]) and the training data → the text of a model file that `mechc check` accepts
//! and `mechc simulate` integrates.
//!
//! Shape: a `model` line, the states, one `const` per fitted parameter (so known parts keep their
//! names; a per-trajectory parameter gets its mean), a `system discovered_model()` holding the
//! discovered equations, a `data discovered_rollout` block simulating it from the first
//! training trajectory's initial state ([`DiscoveredRhs::start`]: the denoised state and learned
//! derivatives when the fit gives them) over its time span, and the discovered equations.
//! Coefficients keep [`EMIT_PRECISION`] significant digits so a simulation of the file matches
//! the fitted model to far below any noise level. Models with inputs cannot be simulated, so
//! their `data` block is left out.

use super::equations::equations;
use super::rollout::DiscoveredRhs;
use crate::data::Dataset;
use crate::fit::Fitted;
use crate::ir::ModelIr;
use crate::number::format_sig;
use std::fmt::Write;

/// Significant digits of the numbers in an emitted model.
pub const EMIT_PRECISION: usize = 12;

/// The `.mech` text of the discovered model; `source` names the file it was discovered from.
pub fn emit_model(ir: &ModelIr, fitted: &Fitted, data: &Dataset, source: &str) -> String {
    let eqs = equations(ir, &fitted.coefficients, &fitted.active, EMIT_PRECISION);
    let mut s = String::new();
    let _ = writeln!(s, "# The model discovered by `mechc run {source}`; `mechc simulate` integrates it.");
    let _ = writeln!(s, "model {}\n", ir.name);
    let _ = writeln!(s, "state {}", ir.names.states.join(", "));
    if !ir.names.inputs.is_empty() {
        let _ = writeln!(s, "input {}", ir.names.inputs.join(", "));
    }
    for (k, (name, v)) in ir.names.params.iter().zip(&fitted.params).enumerate() {
        let each = fitted.per_trajectory.get(k).filter(|v| !v.is_empty());
        match each {
            Some(vs) => {
                let list: Vec<String> = vs.iter().map(|v| number(*v)).collect();
                let _ = writeln!(s, "# per trajectory: {} (the constant is their mean)", list.join(", "));
                let _ = writeln!(s, "const {name} = {}", number(*v));
            }
            None => {
                let _ = writeln!(s, "const {name} = {}", number(*v));
            }
        }
    }
    if ir.names.inputs.is_empty() {
        if let Some(block) = data_block(ir, fitted, data, &eqs) {
            let _ = write!(s, "\n{block}");
        }
    }
    s.push('\n');
    for e in &eqs {
        let _ = writeln!(s, "{}", e.text);
    }
    s
}

/// A number as `.mech` source (a leading minus is a unary minus, valid everywhere a value is).
fn number(v: f64) -> String {
    let t = format_sig(v.abs(), EMIT_PRECISION);
    if v < 0.0 {
        format!("-{t}")
    } else {
        t
    }
}

fn data_block(ir: &ModelIr, fitted: &Fitted, data: &Dataset, eqs: &[super::equations::EquationText]) -> Option<String> {
    let tr = data.trajectories.first()?;
    let (t0, t1) = (*tr.times.first()?, *tr.times.last()?);
    if tr.len() < 2 {
        return None;
    }
    let step = (t1 - t0) / (tr.len() - 1) as f64;
    let n = ir.names.states.len();
    let rhs = DiscoveredRhs::new(ir, &fitted.params, &fitted.coefficients).ok()?;
    let y0 = rhs.start(fitted.denoised.first().filter(|d| d.len() == tr.len()), tr, n);
    let mut init = Vec::new();
    let mut k = 0;
    for s in 0..n {
        for d in 0..ir.state_order(s as u32) {
            let v = y0.get(k).copied().filter(|v| v.is_finite())?;
            init.push(format!("{}{} = {}", ir.names.states[s], "'".repeat(d as usize), number(v)));
            k += 1;
        }
    }
    // A named system rather than inline equations: a system is where equations of higher order
    // (`x'' = ... x' ...`) are checked like the model's own.
    let mut b = format!("system discovered_model() {{\n    state {}\n", ir.names.states.join(", "));
    for e in eqs {
        let _ = writeln!(b, "    {}", e.text);
    }
    b.push_str("}\n\ndata discovered_rollout = simulate discovered_model() {\n");
    let _ = writeln!(b, "    init {}", init.join(", "));
    let _ = writeln!(b, "    time {} .. {} step {}", number(t0), number(t1), number(step));
    b.push_str("}\n");
    Some(b)
}
