//! Parameters the data cannot determine because they only scale sparse terms: a learnable
//! parameter written inside a candidate term as a plain factor (`{k*x*y}`, `{x/k}`, `{k^2*x}`)
//! and nowhere else multiplies the term's own coefficient, so only their product is determined.
//!
//! Input: the lowered model. Output: the parameters, each with the first term that holds it.

use super::{Arena, ModelIr, Node, NodeId, Var};

/// How a parameter enters one expression.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Use {
    /// It does not occur.
    Absent,
    /// Only as a factor of the whole product (`k`, `k^n` or `1/k` times the rest).
    Factor,
    /// Any other way (`sin(k*x)`, `x + k`).
    Other,
}

/// Joins two uses of one product's factors.
fn join(a: Use, b: Use) -> Use {
    match (a, b) {
        (Use::Other, _) | (_, Use::Other) => Use::Other,
        (Use::Factor, _) | (_, Use::Factor) => Use::Factor,
        _ => Use::Absent,
    }
}

/// How parameter `p` enters `node`.
fn param_use(a: &Arena, node: NodeId, p: u32) -> Use {
    let is_p = |id: NodeId| a.node(id) == Node::Var(Var::Param(p));
    match a.node(node) {
        _ if is_p(node) => Use::Factor,
        Node::Mul(l, r) => join(param_use(a, l, p), param_use(a, r, p)),
        Node::Div(l, r) if is_p(r) => join(param_use(a, l, p), Use::Factor),
        Node::Neg(x) => param_use(a, x, p),
        Node::Powi(x, _) if is_p(x) => Use::Factor,
        _ if a.depends_on(node, Var::Param(p)) => Use::Other,
        _ => Use::Absent,
    }
}

/// Parameters that occur in candidate terms of sparse blocks only as factors, and nowhere else
/// (not in a known part or a neural term's inputs): `(parameter, term index)` with the first
/// candidate term that holds the parameter.
pub fn scaling_params(ir: &ModelIr) -> Vec<(usize, usize)> {
    let mut elsewhere: Vec<NodeId> = Vec::new();
    let mut terms: Vec<usize> = Vec::new();
    for eq in &ir.equations {
        elsewhere.push(eq.known);
        elsewhere.extend(eq.neural.iter().flat_map(|n| n.inputs.iter().copied()));
        for block in &eq.sparse {
            terms.extend(block.terms.iter().zip(&block.slots).filter(|(_, s)| s.is_some()).map(|(&t, _)| t));
        }
    }
    if let Some(h) = &ir.hamiltonian {
        elsewhere.push(h.known);
    }
    let seen = ir.arena.reachable(&elsewhere);
    let mut out = Vec::new();
    for p in 0..ir.names.params.len() as u32 {
        let leaf = Node::Var(Var::Param(p));
        if ir.arena.nodes().iter().zip(&seen).any(|(n, &s)| s && *n == leaf) {
            continue;
        }
        let uses: Vec<(usize, Use)> = terms.iter().map(|&t| (t, param_use(&ir.arena, ir.terms[t].node, p))).collect();
        if uses.iter().all(|&(_, u)| u != Use::Other) {
            if let Some(&(t, _)) = uses.iter().find(|&&(_, u)| u == Use::Factor) {
                out.push((p as usize, t));
            }
        }
    }
    out
}
