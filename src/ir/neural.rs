//! Neural terms as expressions: a fully connected network `mlp(inputs; hidden, activation)`
//! built in the arena from its input nodes and one node per weight, so the network is an
//! ordinary right-hand-side expression (differentiated, compiled, interpreted and integrated
//! like any other).
//!
//! Weight order, layer by layer from the inputs: the layer's matrix row-major (`out × in`),
//! then its biases (`out`); the last layer has one output and no activation.
//!
//! Input: the arena, input nodes, layer sizes, the activation, and a source of weight nodes
//! (parameters while training, constants once trained). Output: the network's output node.

use super::{Arena, Func, ModelIr, Node, NodeId, Var};
use crate::check::hir::Activation;
use std::collections::BTreeSet;

/// `(inputs, outputs)` of every layer of a network with `n_in` inputs and these hidden widths.
pub fn layer_sizes(n_in: usize, hidden: &[usize]) -> Vec<(usize, usize)> {
    let mut sizes = Vec::with_capacity(hidden.len() + 1);
    let mut prev = n_in;
    for &h in hidden.iter().chain(std::iter::once(&1)) {
        sizes.push((prev, h));
        prev = h;
    }
    sizes
}

/// Number of weights (matrix entries and biases) of the network.
pub fn weight_count(n_in: usize, hidden: &[usize]) -> usize {
    layer_sizes(n_in, hidden).iter().map(|&(i, o)| (i + 1) * o).sum()
}

/// Index of the first weight of the last layer (which the output is linear in).
pub fn last_layer_start(n_in: usize, hidden: &[usize]) -> usize {
    let sizes = layer_sizes(n_in, hidden);
    sizes[..sizes.len() - 1].iter().map(|&(i, o)| (i + 1) * o).sum()
}

/// `act(x)` as arena nodes. ReLU is `(x + |x|)/2`; softplus is written in its overflow-free form
/// `relu(x) + log(1 + exp(-|x|))`; sigmoid is `1/(1 + exp(-x))` (0 when `exp(-x)` overflows).
pub fn activate(a: &mut Arena, act: Activation, x: NodeId) -> NodeId {
    let half = a.constant(0.5);
    let one = a.constant(1.0);
    let relu = |a: &mut Arena| {
        let ax = a.call1(Func::Abs, x);
        let s = a.add(x, ax);
        a.mul(half, s)
    };
    match act {
        Activation::Tanh => a.call1(Func::Tanh, x),
        Activation::Relu => relu(a),
        Activation::Softplus => {
            let r = relu(a);
            let ax = a.call1(Func::Abs, x);
            let nax = a.neg(ax);
            let e = a.call1(Func::Exp, nax);
            let s = a.add(one, e);
            let l = a.call1(Func::Log, s);
            a.add(r, l)
        }
        Activation::Sigmoid => {
            let nx = a.neg(x);
            let e = a.call1(Func::Exp, nx);
            let s = a.add(one, e);
            a.div(one, s)
        }
    }
}

/// Builds the network's output node; `weight(a, i)` gives the node of weight `i`.
pub fn network(
    a: &mut Arena,
    inputs: &[NodeId],
    hidden: &[usize],
    act: Activation,
    weight: &mut dyn FnMut(&mut Arena, usize) -> NodeId,
) -> NodeId {
    let sizes = layer_sizes(inputs.len(), hidden);
    let mut values = inputs.to_vec();
    let mut w = 0;
    for (l, &(n_in, n_out)) in sizes.iter().enumerate() {
        let mut out = Vec::with_capacity(n_out);
        for j in 0..n_out {
            let mut acc: Option<NodeId> = None;
            for (k, &v) in values.iter().enumerate().take(n_in) {
                let wk = weight(a, w + j * n_in + k);
                let p = a.mul(wk, v);
                acc = Some(acc.map_or(p, |s| a.add(s, p)));
            }
            let b = weight(a, w + n_out * n_in + j);
            let pre = acc.map_or(b, |s| a.add(s, b));
            out.push(if l + 1 < sizes.len() { activate(a, act, pre) } else { pre });
        }
        w += (n_in + 1) * n_out;
        values = out;
    }
    values[0]
}

/// The top-level summands of `node` (through `+`, `-` and unary minus).
fn summands(a: &Arena, node: NodeId, out: &mut Vec<NodeId>) {
    match a.node(node) {
        Node::Add(l, r) | Node::Sub(l, r) => {
            summands(a, l, out);
            summands(a, r, out);
        }
        Node::Neg(x) => summands(a, x, out),
        _ => out.push(node),
    }
}

/// The variables (states, inputs, `t`) and the model parameters (below `n_params`) that `node`
/// depends on.
fn vars_of(a: &Arena, node: NodeId, n_params: usize) -> (BTreeSet<Var>, BTreeSet<usize>) {
    let mut vars = BTreeSet::new();
    let mut params = BTreeSet::new();
    for (i, &on) in a.reachable(&[node]).iter().enumerate() {
        match (on, a.node(NodeId(i as u32))) {
            (true, Node::Var(Var::Param(p))) if (p as usize) < n_params => {
                params.insert(p as usize);
            }
            (true, Node::Var(Var::Param(_))) | (false, _) => {}
            (true, Node::Var(v)) => {
                vars.insert(v);
            }
            _ => {}
        }
    }
    (vars, params)
}

/// Model parameters that a neural term of the same equation can absorb: a parameter in a
/// summand of the equation's known part whose variables are all inputs of one of the
/// equation's networks (`-a*w + mlp(v, w)`): the network can represent the summand, so the data
/// cannot tell the parameter from the network. Returns `(parameter, equation)` pairs.
pub fn absorbed_params(ir: &ModelIr) -> Vec<(usize, usize)> {
    let np = ir.names.params.len();
    let mut out = Vec::new();
    for (e, eq) in ir.equations.iter().enumerate() {
        if eq.neural.is_empty() {
            continue;
        }
        let nets: Vec<BTreeSet<Var>> =
            eq.neural.iter().map(|n| n.inputs.iter().flat_map(|&i| vars_of(&ir.arena, i, np).0).collect()).collect();
        let mut parts = Vec::new();
        summands(&ir.arena, eq.known, &mut parts);
        for part in parts {
            let (vars, params) = vars_of(&ir.arena, part, np);
            if nets.iter().any(|net| vars.is_subset(net)) {
                for p in params {
                    if !out.contains(&(p, e)) {
                        out.push((p, e));
                    }
                }
            }
        }
    }
    out
}
