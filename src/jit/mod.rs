//! Evaluation of IR expressions over many rows: the reference interpreter, the Cranelift JIT
//! behind a safe [`Kernel`] wrapper, and candle custom ops whose backward pass runs compiled
//! Jacobian kernels. All `unsafe` code of the crate lives here.
//!
//! Input: an [`Arena`], output [`NodeId`]s and a [`Layout`] (which variable is which column of a
//! row). Output: N×K row-major values for N rows and K outputs.
//!
//! The interpreter and the JIT evaluate the same operations in the same order (integer powers
//! through the same chain, intrinsics through the same functions, no fused multiply-add, no
//! reassociation), so they agree bit for bit, NaN matching NaN.
#![warn(missing_docs)]

mod codegen;
pub mod interp;
mod kernel;
mod model;
pub mod op;

pub use interp::Interpreter;
pub use kernel::{compile, Kernel};
pub use model::{check_finite, model_layout, Kernels, NonFinite};
pub use op::{DiffKernels, KernelOp};

use crate::ir::{Arena, NodeId, Var};

/// Where each variable's value comes from: `columns[j]` is column `j` of every row; a
/// `Var::Param(i)` not listed among the columns is read from the parameter slice (one value for
/// all rows). Listing a parameter as a column makes it per-row (per-trajectory parameters).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    /// The variables of each row's columns, in order.
    pub columns: Vec<Var>,
    /// Length of the shared parameter slice.
    pub n_params: usize,
}

/// Where one variable is read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// Column of the row.
    Column(usize),
    /// Entry of the parameter slice.
    Param(usize),
}

impl Layout {
    /// A layout with these row columns and `n_params` shared parameters.
    pub fn new(columns: Vec<Var>, n_params: usize) -> Layout {
        Layout { columns, n_params }
    }

    /// Where `var` is read from, or an error if the layout does not provide it.
    pub fn source(&self, var: Var) -> Result<Source, JitError> {
        if let Some(j) = self.columns.iter().position(|&c| c == var) {
            return Ok(Source::Column(j));
        }
        match var {
            Var::Param(i) if (i as usize) < self.n_params => Ok(Source::Param(i as usize)),
            _ => Err(JitError::Unbound(var)),
        }
    }
}

/// Failures of compiling or calling an evaluator.
#[derive(Debug, thiserror::Error)]
pub enum JitError {
    #[error("the expression uses {0:?}, which the layout provides neither as a column nor as a parameter")]
    /// A variable the layout does not provide.
    Unbound(Var),
    #[error("{what} has length {got}, expected {expected}")]
    /// A slice of the wrong length was passed.
    Length {
        /// Which argument.
        what: &'static str,
        /// Its length.
        got: usize,
        /// The length the kernel needs.
        expected: usize,
    },
    #[error("output node {0:?} is not in the arena")]
    /// An output id outside the arena.
    BadNode(NodeId),
    /// A call node with the wrong number of arguments for its function.
    #[error("`{0}` called with the wrong number of arguments")]
    Arity(&'static str),
    /// Cranelift rejected the function (an internal error).
    #[error("code generation failed: {0}")]
    Codegen(String),
}

/// Checks a slice length before any evaluation touches it.
pub(crate) fn check_len(what: &'static str, got: usize, expected: usize) -> Result<(), JitError> {
    if got == expected {
        Ok(())
    } else {
        Err(JitError::Length { what, got, expected })
    }
}

/// The shape of one evaluation: `n_rows` rows of `cols` values in, `outputs` values per row out,
/// and `params` shared values. Every evaluator checks its slices against it before running.
#[derive(Clone, Copy, Debug)]
pub(crate) struct EvalShape {
    pub cols: usize,
    pub params: usize,
    pub outputs: usize,
}

impl EvalShape {
    /// Errors (naming the slice) unless `x`, `params` and `out` fit `n_rows` rows.
    pub(crate) fn check(self, n_rows: usize, x: &[f64], params: &[f64], out: &[f64]) -> Result<(), JitError> {
        check_len("row data", x.len(), n_rows * self.cols)?;
        check_len("parameters", params.len(), self.params)?;
        check_len("output", out.len(), n_rows * self.outputs)
    }
}

/// The nodes an evaluation needs, in topological (ascending id) order, and which of them are
/// row-invariant (depend only on constants and shared parameters) so they are computed once.
pub(crate) struct Schedule {
    pub nodes: Vec<NodeId>,
    pub invariant: Vec<bool>,
}

impl Schedule {
    pub fn new(arena: &Arena, outputs: &[NodeId], layout: &Layout) -> Result<Schedule, JitError> {
        if let Some(&bad) = outputs.iter().find(|o| o.index() >= arena.len()) {
            return Err(JitError::BadNode(bad));
        }
        let needed = arena.reachable(outputs);
        let mut invariant = vec![false; arena.len()];
        let mut nodes = Vec::new();
        for (i, &need) in needed.iter().enumerate() {
            if !need {
                continue;
            }
            let id = NodeId(i as u32);
            if let Some(f) = wrong_arity(arena.node(id)) {
                return Err(JitError::Arity(f.info().name));
            }
            let inv = match arena.node(id) {
                crate::ir::Node::Var(v) => matches!(layout.source(v)?, Source::Param(_)),
                _ => arena.children(id).all(|c| invariant[c.index()]),
            };
            invariant[i] = inv;
            nodes.push(id);
        }
        Ok(Schedule { nodes, invariant })
    }
}

/// The function of a call node whose argument count does not match the intrinsics table
/// (possible only through misuse of [`Arena::call1`]/[`Arena::call2`]).
fn wrong_arity(node: crate::ir::Node) -> Option<crate::intrinsics::Func> {
    match node {
        crate::ir::Node::Call1(f, _) if f.info().arity != 1 => Some(f),
        crate::ir::Node::Call2(f, _, _) if f.info().arity != 2 => Some(f),
        _ => None,
    }
}

/// The first non-finite value (NaN or ±inf) of an N×K row-major output, as `(row, column)`;
/// map the column to its term and span with [`crate::ir::ModelIr::describe_output`].
pub fn find_non_finite(out: &[f64], n_outputs: usize) -> Option<(usize, usize)> {
    let i = out.iter().position(|v| !v.is_finite())?;
    Some((i / n_outputs.max(1), i % n_outputs.max(1)))
}
