//! Lowering of `hamiltonian H = known + Σ sparse(...)`: for every canonical pair `(q, p)` the
//! equations `q' = ∂H/∂p` and `p' = -∂H/∂q`, built by the arena's symbolic differentiation.
//! The known part differentiates into each equation's known part; every sparse term `θ_k` of H
//! gets one coefficient slot shared by all the equations its derivative reaches (the term
//! `±∂θ_k/∂v` in each), so the fit estimates H's coefficients, not one per equation. A term
//! whose gradient is zero (a constant) reaches no equation and gets no slot.
//!
//! Input: H lowered to nodes and terms ([`LoweredH`], by the lowering). Output: equations and
//! slots in the [`ModelIr`], plus [`HamiltonianIr`] for printing H and measuring its drift.

use super::{HamiltonianIr, ModelIr, NodeId, Term, Var};
use crate::source::Span;

/// A lowered Hamiltonian before its equations exist: the known part, every sparse term with
/// its `keep` and `exclude` flags, the blocks' labels and the canonical pairs.
pub(super) struct LoweredH {
    pub name: String,
    pub span: Span,
    pub known: NodeId,
    pub theta: Vec<(Term, bool, bool)>,
    pub labels: Vec<String>,
    pub pairs: Vec<(usize, usize)>,
}

/// Generates the equations of `h` into `ir`.
pub(super) fn generate(ir: &mut ModelIr, h: LoweredH) {
    let LoweredH { name, span, known, theta, labels, pairs } = h;
    let label = if labels.is_empty() { "H".to_string() } else { labels.join("+") };
    let mut targets: Vec<(usize, Var, bool)> = Vec::new();
    for &(q, p) in &pairs {
        targets.push((q, Var::State { index: p as u32, order: 0 }, false));
        targets.push((p, Var::State { index: q as u32, order: 0 }, true));
    }
    targets.sort_by_key(|t| t.0);
    let mut slots: Vec<Option<usize>> = vec![None; theta.len()];
    let keep: Vec<bool> = theta.iter().map(|t| t.1).collect();
    for (state, var, negate) in targets {
        let dk = derivative(ir, known, var, negate);
        let eq = ir.add_equation(state as u32, 1, dk, Some(span));
        let terms: Vec<Option<Term>> = theta
            .iter()
            .map(|(t, _, excluded)| {
                if *excluded {
                    return None;
                }
                let d = derivative(ir, t.node, var, negate);
                (ir.arena.const_value(d) != Some(0.0)).then(|| Term {
                    name: ir.arena.surface(d, &ir.names).to_string(),
                    node: d,
                    span: t.span,
                })
            })
            .collect();
        if terms.iter().any(Option::is_some) {
            ir.add_shared_sparse(eq, &label, &terms, &keep, &mut slots);
        }
    }
    let terms = theta.into_iter().zip(slots).map(|((t, _, _), s)| (t, s)).collect();
    ir.hamiltonian = Some(HamiltonianIr { name, known, terms });
}

/// `∂node/∂var`, negated when `negate`.
fn derivative(ir: &mut ModelIr, node: NodeId, var: Var, negate: bool) -> NodeId {
    let d = ir.arena.diff(node, var);
    if negate && ir.arena.const_value(d) != Some(0.0) {
        ir.arena.neg(d)
    } else {
        d
    }
}
