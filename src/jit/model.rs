//! Kernels for a whole lowered model: the basis Θ(x) (one output per term) and the right-hand
//! sides f(x; θ, c) (one output per equation), each with its Jacobian kernels, under one
//! [`Layout`] derived from the model; plus the run-time check that maps a non-finite value back
//! to the term or equation (and source span) that produced it.
//!
//! Input: a [`ModelIr`]. Output: [`Kernels`]; [`check_finite`] gives a [`NonFinite`] report.

use std::sync::Arc;

use super::{DiffKernels, JitError, Layout};
use crate::ir::{ModelIr, NodeId, Var};
use crate::source::Span;

/// The row layout of a model: for each state `s` whose equation has order `o`, the columns
/// `s, s', ..., s^(o-1)` (states in index order); then the inputs; then `t`. Shared parameters:
/// the model's parameters, followed by one per coefficient slot (see [`ModelIr::rhs_nodes`]), then
/// the weights of neural terms still to train ([`ModelIr::weight_param`]).
pub fn model_layout(ir: &ModelIr) -> Layout {
    let mut columns = Vec::new();
    for s in 0..ir.names.states.len() as u32 {
        columns.extend((0..ir.state_order(s)).map(|k| Var::State { index: s, order: k }));
    }
    columns.extend((0..ir.names.inputs.len() as u32).map(Var::Input));
    columns.push(Var::Time);
    Layout::new(columns, ir.names.params.len() + ir.coefs.len() + ir.n_weights)
}

/// Compiled basis and right-hand-side kernels of a model, with their Jacobians.
pub struct Kernels {
    /// The row layout of every kernel ([`model_layout`]).
    pub layout: Layout,
    /// Outputs of `basis`: the term nodes, in [`ModelIr::terms`] order.
    pub terms: Vec<NodeId>,
    /// Outputs of `rhs`: one right-hand side per equation, in equation order.
    pub rhs_nodes: Vec<NodeId>,
    /// Θ(x) and its Jacobians.
    pub basis: Arc<DiffKernels>,
    /// f(x; θ, c) and its Jacobians.
    pub rhs: Arc<DiffKernels>,
}

impl Kernels {
    /// Builds the right-hand sides and all derivatives in the model's arena, and compiles.
    pub fn compile(ir: &mut ModelIr) -> Result<Kernels, JitError> {
        let layout = model_layout(ir);
        let terms = ir.term_nodes();
        let rhs_nodes = ir.rhs_nodes();
        let basis = Arc::new(DiffKernels::compile(&mut ir.arena, &terms, &layout)?);
        let rhs = Arc::new(DiffKernels::compile(&mut ir.arena, &rhs_nodes, &layout)?);
        Ok(Kernels { layout, terms, rhs_nodes, basis, rhs })
    }
}

/// A non-finite value found in a kernel's output, located in the model.
#[derive(Clone, Debug, PartialEq)]
pub struct NonFinite {
    /// Row of the first non-finite value.
    pub row: usize,
    /// Output (column) of that value.
    pub output: usize,
    /// The value itself (NaN or ±inf).
    pub value: f64,
    /// The term's name or the expression, as printed.
    pub label: String,
    /// Source span of the term or equation, when known.
    pub span: Option<Span>,
}

/// Checks an N×K output of a kernel compiled for `outputs`; the first NaN or infinity is
/// reported with the term (or expression) that produced it and its source span.
pub fn check_finite(ir: &ModelIr, outputs: &[NodeId], values: &[f64]) -> Result<(), NonFinite> {
    let Some((row, output)) = super::find_non_finite(values, outputs.len()) else {
        return Ok(());
    };
    let (label, span) = ir.describe_output(outputs, output).unwrap_or_default();
    Err(NonFinite { row, output, value: values[row * outputs.len() + output], label, span })
}
