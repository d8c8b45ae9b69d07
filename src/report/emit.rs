//! The discovered model written back as `.mech`: the lowered model ([`ModelIr`]), the fitted
//! model ([`Fitted`]) and the training data → the text of a model file that `mechc check` accepts
//! and `mechc simulate` integrates.
//!
//! Shape: a `model` line, the states, one `const` per fitted shared parameter (so known parts
//! keep their names) and a `param NAME = mean per trajectory` per per-trajectory parameter, a
//! `system discovered_model(...)` holding the discovered equations with the per-trajectory
//! parameters as its arguments, one `data` block per training trajectory simulating it from
//! that trajectory's initial state ([`DiscoveredRhs::start`]: the denoised state and learned
//! derivatives when the fit gives them) over its time span with its fitted per-trajectory
//! values (`discovered_rollout` for a single trajectory, `discovered_rollout_K` otherwise), and
//! the discovered equations. Trained neural terms are functions with their weights as numbers,
//! or their explaining formulas (`emit_net.rs`).
//! Coefficients keep [`EMIT_PRECISION`] significant digits so a simulation of the file matches
//! the fitted model to far below any noise level. A `simulate` block cannot read inputs, so a model
//! with inputs gets no `data` block and its header names `mechc predict` (which reads an input
//! file) instead.

use super::equations::equations_full;
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
    let net = |n: &crate::ir::NeuralSpec| super::emit_net::term(ir, n, EMIT_PRECISION);
    let eqs = equations_full(ir, &fitted.coefficients, &fitted.active, &[], EMIT_PRECISION, &net);
    let mut s = String::new();
    if ir.names.inputs.is_empty() {
        let _ = writeln!(s, "# The model discovered by `mechc run {source}`; `mechc simulate` integrates it.");
    } else {
        // A `simulate` block cannot read inputs: `mechc predict` integrates the model with an
        // input file.
        let _ = writeln!(
            s,
            "# The model discovered by `mechc run {source}`; `mechc predict THIS.mech --init ... --time A..B \
             --step H --input INPUTS.csv` integrates it."
        );
    }
    let _ = writeln!(s, "model {}\n", ir.name);
    let _ = writeln!(s, "state {}", ir.names.states.join(", "));
    if !ir.names.inputs.is_empty() {
        let _ = writeln!(s, "input {}", ir.names.inputs.join(", "));
    }
    for (q, (name, v)) in ir.names.params.iter().zip(&fitted.params).enumerate() {
        if per_trajectory(fitted, q) {
            let _ = writeln!(s, "param {name} = {} per trajectory", number(*v));
        } else {
            let _ = writeln!(s, "const {name} = {}", number(*v));
        }
    }
    let nets = super::emit_net::declarations(ir, EMIT_PRECISION);
    if !nets.is_empty() {
        let _ = write!(s, "\n{nets}");
    }
    if ir.names.inputs.is_empty() {
        if let Some(block) = data_blocks(ir, fitted, data, &eqs) {
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
pub(crate) fn number(v: f64) -> String {
    let t = format_sig(v.abs(), EMIT_PRECISION);
    if v < 0.0 {
        format!("-{t}")
    } else {
        t
    }
}

/// Whether parameter `q` was fitted per trajectory.
fn per_trajectory(fitted: &Fitted, q: usize) -> bool {
    fitted.per_trajectory.get(q).is_some_and(|v| !v.is_empty())
}

fn data_blocks(
    ir: &ModelIr,
    fitted: &Fitted,
    data: &Dataset,
    eqs: &[super::equations::EquationText],
) -> Option<String> {
    let args: Vec<usize> = (0..ir.names.params.len()).filter(|&q| per_trajectory(fitted, q)).collect();
    let names: Vec<&str> = args.iter().map(|&q| ir.names.params[q].as_str()).collect();
    // A named system rather than inline equations: a system is where equations of higher order
    // (`x'' = ... x' ...`) are checked like the model's own.
    let mut b = format!("system discovered_model({}) {{\n    state {}\n", names.join(", "), ir.names.states.join(", "));
    for e in eqs {
        let _ = writeln!(b, "    {}", e.text);
    }
    b.push_str("}\n");
    let single = data.trajectories.len() == 1;
    let rhs = DiscoveredRhs::new(ir, &fitted.params, &fitted.coefficients).ok()?;
    for k in 0..data.trajectories.len() {
        let values: Vec<String> =
            args.iter().map(|&q| format!("{} = {}", ir.names.params[q], number(fitted.per_trajectory[q][k]))).collect();
        let name = if single { "discovered_rollout".to_string() } else { format!("discovered_rollout_{}", k + 1) };
        let _ = write!(b, "\n{}", data_block(ir, &rhs, fitted, data, k, &name, &values.join(", "))?);
    }
    Some(b)
}

/// The `data` block re-simulating trajectory `k` with its per-trajectory values `args`.
fn data_block(
    ir: &ModelIr,
    rhs: &DiscoveredRhs,
    fitted: &Fitted,
    data: &Dataset,
    k: usize,
    name: &str,
    args: &str,
) -> Option<String> {
    let tr = data.trajectories.get(k)?;
    let (t0, t1) = (*tr.times.first()?, *tr.times.last()?);
    if tr.len() < 2 {
        return None;
    }
    let step = (t1 - t0) / (tr.len() - 1) as f64;
    let n = ir.names.states.len();
    let y0 = rhs.start(fitted.denoised.get(k).filter(|d| d.len() == tr.len()), tr, n);
    let mut init = Vec::new();
    let mut k = 0;
    for s in 0..n {
        for d in 0..ir.state_order(s as u32) {
            let v = y0.get(k).copied().filter(|v| v.is_finite())?;
            init.push(format!("{}{} = {}", ir.names.states[s], "'".repeat(d as usize), number(v)));
            k += 1;
        }
    }
    let mut b = String::new();
    if !single_label(data) {
        let _ = writeln!(b, "# trajectory `{}`", tr.label.replace(['\n', '\r'], " "));
    }
    let _ = writeln!(b, "data {name} = simulate discovered_model({args}) {{");
    let _ = writeln!(b, "    init {}", init.join(", "));
    let _ = writeln!(b, "    time {} .. {} step {}", number(t0), number(t1), number(step));
    b.push_str("}\n");
    Some(b)
}

/// Whether the data has a single trajectory (its label is then not worth a comment).
fn single_label(data: &Dataset) -> bool {
    data.trajectories.len() == 1
}
