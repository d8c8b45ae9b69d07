//! The trained neural terms in the report: per network its equation, the term as written, its
//! activation, weight count and trained weights (for `--json`), and the sparse formula that
//! explains it (`explain = basis`) with its R²; as text, one line per network.
//!
//! Input: the lowered model with trained weights installed. Output: [`NetworkValue`]s and their
//! lines.

use crate::ir::{ModelIr, Var};
use crate::number::format_sig;
use serde::Serialize;
use std::fmt::Write;

/// A formula that explains a trained network.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FormulaValue {
    /// The formula as `.mech` text (`-0.8999*x*y`).
    pub text: String,
    /// (term, coefficient) pairs.
    pub terms: Vec<(String, f64)>,
    /// R² of the formula against the network's output on the denoised trajectories.
    pub r2: f64,
}

/// One trained neural term.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NetworkValue {
    /// The left side of its equation (`v'`).
    pub equation: String,
    /// The term as written.
    pub term: String,
    /// Activation of the hidden layers.
    pub activation: String,
    /// Hidden widths.
    pub hidden: Vec<usize>,
    /// Layer by layer: the matrix row-major (`out × in`), then the biases.
    pub weights: Vec<f64>,
    /// The explaining formula, when `explain` asked for one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub formula: Option<FormulaValue>,
}

/// Every trained neural term of `ir`.
pub fn networks(ir: &ModelIr, precision: usize) -> Vec<NetworkValue> {
    ir.networks()
        .map(|(e, n)| {
            let eq = &ir.equations[e];
            let formula = n.formula.as_ref().map(|f| FormulaValue {
                text: super::equations::rhs_text(ir, None, &f.terms, precision),
                terms: f.terms.iter().map(|&(t, c)| (ir.arena.surface(t, &ir.names).to_string(), c)).collect(),
                r2: f.r2,
            });
            NetworkValue {
                equation: ir.names.var_name(Var::State { index: eq.state, order: eq.order }),
                term: n.text.clone(),
                activation: n.activation.name().to_string(),
                hidden: n.hidden.clone(),
                weights: n.weights.clone().unwrap_or_default(),
                formula,
            }
        })
        .collect()
}

/// One line per network: `mlp(x, y; hidden = [16, 16]) in x' (337 weights, tanh) ≈ -0.9*x*y (R² 0.9993)`,
/// then how the method was chosen, if it was.
pub fn text(s: &mut String, nets: &[NetworkValue], choice: Option<&MethodChoice>) {
    for n in nets {
        let _ = write!(s, "  {} in {} ({} weights, {})", n.term, n.equation, n.weights.len(), n.activation);
        match &n.formula {
            Some(f) => {
                let _ = writeln!(s, " ≈ {} (R² {})", f.text, format_sig(f.r2, 4));
            }
            None => s.push('\n'),
        }
    }
    choice_text(s, choice);
}

/// How the method was chosen for a model with neural terms whose `method` is not written.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MethodChoice {
    /// The method that trained the model.
    pub method: String,
    /// Why (weights, the collocation iteration's estimated cost, the budget).
    pub reason: String,
}

/// The choice from the fit settings (`None` when `method` was written or nothing was chosen).
pub fn method_choice(fit: &crate::check::settings::FitSettings) -> Option<MethodChoice> {
    let reason = fit.method_reason.clone()?;
    Some(MethodChoice { method: fit.method.name().to_string(), reason })
}

/// The choice's line of the text report.
fn choice_text(s: &mut String, choice: Option<&MethodChoice>) {
    if let Some(c) = choice {
        let _ = writeln!(s, "  trained by `{}` ({})", c.method, c.reason);
    }
}
