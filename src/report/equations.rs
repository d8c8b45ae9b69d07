//! The discovered equations as text: a lowered model ([`ModelIr`]) and fitted coefficients
//! (one per slot) → one [`EquationText`] per equation, printable as valid `.mech`
//! (`x' = -9.998*x + 9.997*y`).
//!
//! Rules: everything is printed by the one expression printer in its surface style
//! ([`crate::ir::Arena::surface`]), as a person writes `.mech`. The known part comes first, with
//! parameter names (their fitted values are reported separately, and emitted as constants by
//! [`super::emit`]); then the kept terms of each sparse block in basis order, zero coefficients
//! dropped, each as `± c*term` with the sign pulled out of the term (`-2*x*y`); coefficients are
//! rounded to `precision` significant digits ([`format_sig`]). An equation with nothing left on
//! its right side reads `x' = 0`.

use crate::ir::{ModelIr, NeuralSpec, NodeId, Var};
use crate::number::format_sig;
use serde::Serialize;

/// One kept term of a discovered equation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TermValue {
    /// The term as printed (`x*y`, `1`).
    pub term: String,
    /// The fitted coefficient (full precision).
    pub coefficient: f64,
    /// Its standard error, when the fit computes one.
    pub std_error: Option<f64>,
    /// Its 95% interval (`coefficient ± 1.96 · std_error`).
    pub interval: Option<[f64; 2]>,
    /// The coefficient slot (index into the model's coefficients).
    #[serde(skip)]
    pub slot: usize,
    /// Its normalised magnitude `|c|·rms(term)/rms(rhs)` on the denoised trajectories, when the
    /// fit gives one: what a numeric `threshold` compares.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub magnitude: Option<f64>,
}

/// One discovered equation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EquationText {
    /// The left side (`x'`, `x''`).
    pub lhs: String,
    /// The known part as written (`None` when it is zero).
    pub known: Option<String>,
    /// The kept terms in basis order.
    pub terms: Vec<TermValue>,
    /// The whole equation as `.mech` text.
    pub text: String,
}

/// The discovered equations, in equation order. `coefficients` has one entry per slot of
/// `ir.coefs` (0 where a term was dropped); `active` says which slots were kept.
pub fn equations(ir: &ModelIr, coefficients: &[f64], active: &[bool], precision: usize) -> Vec<EquationText> {
    equations_with(ir, coefficients, active, &[], precision)
}

/// [`equations`], with each kept term's normalised magnitude from `magnitudes` (one per slot;
/// empty for none).
pub fn equations_with(
    ir: &ModelIr,
    coefficients: &[f64],
    active: &[bool],
    magnitudes: &[f64],
    precision: usize,
) -> Vec<EquationText> {
    equations_full(ir, coefficients, active, magnitudes, precision, &|n| n.text.clone())
}

/// [`equations_with`], each neural term printed by `network` (appended after the sparse terms,
/// as ` + text`).
pub fn equations_full(
    ir: &ModelIr,
    coefficients: &[f64],
    active: &[bool],
    magnitudes: &[f64],
    precision: usize,
    network: &dyn Fn(&NeuralSpec) -> String,
) -> Vec<EquationText> {
    ir.equations
        .iter()
        .map(|e| {
            let lhs = ir.names.var_name(Var::State { index: e.state, order: e.order });
            let known_node = (ir.arena.const_value(e.known) != Some(0.0)).then_some(e.known);
            let known = known_node.map(|k| ir.arena.surface(k, &ir.names).to_string());
            let mut kept = Vec::new();
            for b in &e.sparse {
                for (&t, slot) in b.terms.iter().zip(&b.slots) {
                    let Some(s) = *slot else { continue };
                    let c = coefficients.get(s).copied().unwrap_or(0.0);
                    if active.get(s).copied().unwrap_or(true) && c != 0.0 {
                        kept.push((ir.terms[t].node, c, s));
                    }
                }
            }
            let terms = kept
                .iter()
                .map(|&(node, coefficient, slot)| TermValue {
                    term: ir.arena.surface(node, &ir.names).to_string(),
                    coefficient,
                    std_error: None,
                    interval: None,
                    slot,
                    magnitude: magnitudes.get(slot).copied(),
                })
                .collect();
            let kept: Vec<(NodeId, f64)> = kept.into_iter().map(|(n, c, _)| (n, c)).collect();
            let mut rhs = rhs_text(ir, known_node, &kept, precision);
            for n in &e.neural {
                let t = network(n);
                if rhs == "0" {
                    rhs = t;
                } else if let Some(neg) = t.strip_prefix('-') {
                    rhs = format!("{rhs} - {neg}");
                } else {
                    rhs = format!("{rhs} + {t}");
                }
            }
            let text = format!("{lhs} = {rhs}");
            EquationText { lhs, known, terms, text }
        })
        .collect()
}

/// The right side: the known part, then `± c*term` for each kept `(term, coefficient)`, the
/// coefficients rounded to `precision` significant digits; `0` when nothing is left.
pub(crate) fn rhs_text(ir: &ModelIr, known: Option<NodeId>, terms: &[(NodeId, f64)], precision: usize) -> String {
    let mut out = known.map(|k| ir.arena.surface(k, &ir.names).to_string()).unwrap_or_default();
    for &(node, c) in terms {
        let (negative, body) = ir.arena.surface_scaled(node, &ir.names, &format_sig(c.abs(), precision), c < 0.0);
        match (out.is_empty(), negative) {
            (true, true) => out.push('-'),
            (true, false) => {}
            (false, true) => out.push_str(" - "),
            (false, false) => out.push_str(" + "),
        }
        out.push_str(&body);
    }
    if out.is_empty() {
        out.push('0');
    }
    out
}
