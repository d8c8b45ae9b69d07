//! The discovered equations as text: a lowered model ([`ModelIr`]) and fitted coefficients
//! (one per slot) → one [`EquationText`] per equation, printable as valid `.mech`
//! (`x' = -9.998*x + 9.997*y`).
//!
//! Rules: the known part comes first, printed as `.mech` ([`mech_expr`]) with parameter names (their fitted
//! values are reported separately, and emitted as constants by [`super::emit`]); then the kept
//! terms of each sparse block in basis order, zero coefficients dropped; coefficients are
//! rounded to `precision` significant digits ([`format_sig`](crate::number::format_sig)). An equation with nothing left on
//! its right side reads `x' = 0`.

use super::mech_expr::mech_expr;
use crate::ir::{ModelIr, Var};
use crate::number::format_sig;
use serde::Serialize;

/// One kept term of a discovered equation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TermValue {
    /// The term as printed (`x*y`, `1`).
    pub term: String,
    /// The fitted coefficient (full precision).
    pub coefficient: f64,
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
    ir.equations
        .iter()
        .map(|e| {
            let lhs = ir.names.var_name(Var::State { index: e.state, order: e.order });
            let known = (ir.arena.const_value(e.known) != Some(0.0)).then(|| mech_expr(&ir.arena, &ir.names, e.known));
            let mut terms = Vec::new();
            for b in &e.sparse {
                for (&t, slot) in b.terms.iter().zip(&b.slots) {
                    let Some(s) = *slot else { continue };
                    let c = coefficients.get(s).copied().unwrap_or(0.0);
                    if active.get(s).copied().unwrap_or(true) && c != 0.0 {
                        terms.push(TermValue {
                            term: mech_expr(&ir.arena, &ir.names, ir.terms[t].node),
                            coefficient: c,
                        });
                    }
                }
            }
            let text = format!("{lhs} = {}", rhs_text(known.as_deref(), &terms, precision));
            EquationText { lhs, known, terms, text }
        })
        .collect()
}

/// The right side: known part, then `± c*term` for each term.
pub fn rhs_text(known: Option<&str>, terms: &[TermValue], precision: usize) -> String {
    let mut out = known.map(str::to_string).unwrap_or_default();
    for tv in terms {
        let c = format_sig(tv.coefficient.abs(), precision);
        let body = match (tv.term.as_str(), c.as_str()) {
            ("1", _) => c,
            // A unit coefficient is left out: `x*y`, not `1*x*y`.
            (_, "1") => wrap(&tv.term),
            _ => format!("{c}*{}", wrap(&tv.term)),
        };
        let neg = tv.coefficient < 0.0;
        if out.is_empty() {
            out = if neg { format!("-{body}") } else { body };
        } else {
            out.push_str(if neg { " - " } else { " + " });
            out.push_str(&body);
        }
    }
    if out.is_empty() {
        out.push('0');
    }
    out
}

/// A term in parentheses when it is a sum, difference or quotient at its top level, so that
/// `c*term` means what it says.
fn wrap(term: &str) -> String {
    let mut depth = 0i32;
    let needs = term.char_indices().any(|(i, ch)| {
        match ch {
            '(' => depth += 1,
            ')' => depth -= 1,
            _ => {}
        }
        depth == 0 && i > 0 && matches!(ch, '+' | '-' | '/')
    });
    if needs {
        format!("({term})")
    } else {
        term.to_string()
    }
}
