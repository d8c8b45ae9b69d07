//! Trained neural terms in an emitted `.mech` model: each network becomes a family of functions
//! with its weights as numbers (one per hidden unit and one for the output), so the emitted file
//! needs no side file, `mechc check` reads it like any model, `mechc simulate` integrates it and
//! `mechc run` can fit the rest of a model around the trained network. A network explained by a
//! formula (`explain = basis`) is replaced by the formula instead.
//!
//! Input: the lowered model with trained weights installed. Output: function declarations, and
//! the text that stands for each network in the equations.

use crate::check::hir::Activation;
use crate::ir::neural::layer_sizes;
use crate::ir::{ModelIr, NeuralSpec};
use crate::number::format_sig;
use std::fmt::Write;

/// A number as `.mech` source with `precision` significant digits.
fn number(v: f64, precision: usize) -> String {
    let t = format_sig(v.abs(), precision);
    if v < 0.0 {
        format!("-{t}")
    } else {
        t
    }
}

/// The function name of network `k` of equation `e`.
fn base(ir: &ModelIr, e: usize, k: usize) -> String {
    let state = &ir.names.states[ir.equations[e].state as usize];
    format!("mlp_{state}_{}", k + 1)
}

/// The text standing for a network in the emitted equations: its formula, or a call of its
/// function on the network's inputs.
pub fn term(ir: &ModelIr, n: &NeuralSpec, precision: usize) -> String {
    if let Some(f) = &n.formula {
        return super::equations::rhs_text(ir, None, &f.terms, precision);
    }
    let Some((e, k)) = position(ir, n) else { return n.text.clone() };
    let args: Vec<String> = n.inputs.iter().map(|&i| ir.arena.surface(i, &ir.names).to_string()).collect();
    format!("{}({})", base(ir, e, k), args.join(", "))
}

fn position(ir: &ModelIr, n: &NeuralSpec) -> Option<(usize, usize)> {
    ir.equations.iter().enumerate().find_map(|(e, eq)| eq.neural.iter().position(|m| m == n).map(|k| (e, k)))
}

/// `w1*a1 + w2*a2 - w3*a3 + b` as `.mech` text.
fn affine(weights: &[f64], args: &[String], bias: f64, precision: usize) -> String {
    let mut s = String::new();
    for (w, a) in weights.iter().zip(args) {
        let t = number(w.abs(), precision);
        match (s.is_empty(), *w < 0.0) {
            (true, true) => s.push('-'),
            (true, false) => {}
            (false, true) => s.push_str(" - "),
            (false, false) => s.push_str(" + "),
        }
        let _ = write!(s, "{t}*{a}");
    }
    let b = number(bias.abs(), precision);
    match (s.is_empty(), bias < 0.0) {
        (true, _) => s = number(bias, precision),
        (false, true) => s = format!("{s} - {b}"),
        (false, false) => s = format!("{s} + {b}"),
    }
    s
}

/// The activation applied to `z` as `.mech` text (see [`crate::ir::neural::activate`]).
fn activation(act: Activation, z: &str) -> String {
    match act {
        Activation::Tanh => format!("tanh({z})"),
        Activation::Relu => format!("(({z}) + abs({z}))/2"),
        Activation::Softplus => format!("(({z}) + abs({z}))/2 + log(1 + exp(-abs({z})))"),
        Activation::Sigmoid => format!("1/(1 + exp(-({z})))"),
    }
}

/// The function declarations of every trained network that is not replaced by a formula.
pub fn declarations(ir: &ModelIr, precision: usize) -> String {
    let mut s = String::new();
    for (e, eq) in ir.equations.iter().enumerate() {
        for (k, n) in eq.neural.iter().enumerate() {
            let (Some(w), None) = (&n.weights, &n.formula) else { continue };
            let name = base(ir, e, k);
            let params: Vec<String> = (1..=n.inputs.len()).map(|i| format!("in{i}")).collect();
            let sig = params.join(", ");
            let _ = writeln!(
                s,
                "# the trained network `{}` of the equation for {}",
                n.text,
                ir.names.var_name(crate::ir::Var::State { index: eq.state, order: eq.order })
            );
            let _ = writeln!(s, "fn {name}_act(z) = {}", activation(n.activation, "z"));
            let sizes = layer_sizes(n.inputs.len(), &n.hidden);
            let mut prev = params.clone();
            let mut at = 0;
            for (l, &(n_in, n_out)) in sizes.iter().enumerate() {
                let last = l + 1 == sizes.len();
                let mut units = Vec::with_capacity(n_out);
                for j in 0..n_out {
                    let body =
                        affine(&w[at + j * n_in..at + (j + 1) * n_in], &prev, w[at + n_in * n_out + j], precision);
                    if last {
                        let _ = writeln!(s, "fn {name}({sig}) = {body}");
                    } else {
                        let unit = format!("{name}_{}_{}", l + 1, j + 1);
                        let _ = writeln!(s, "fn {unit}({sig}) = {name}_act({body})");
                        units.push(format!("{unit}({sig})"));
                    }
                }
                at += (n_in + 1) * n_out;
                prev = units;
            }
            s.push('\n');
        }
    }
    s
}
