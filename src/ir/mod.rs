//! The expression IR: a hash-consed expression DAG ([`Arena`] of [`Node`]s addressed by
//! [`NodeId`]), basis families that expand to ordered term lists ([`Basis`]), symbolic
//! differentiation ([`Arena::diff`], [`Arena::jacobian`]), a readable printer, and the
//! [`ModelIr`] container the training stage consumes.
//!
//! Input: builder calls (from the lowering of a checked model, or from tests).
//! Output: an `Arena` plus output node lists, which `crate::jit` compiles or interprets.
#![warn(missing_docs)]

mod arena;
mod basis;
pub mod confound;
mod diff;
mod hamiltonian;
mod lower;
mod model;
pub mod neural;
mod print;

pub use crate::intrinsics::Func;
pub use arena::Arena;
pub use basis::{Basis, DroppedTerm, Term};
pub use lower::{lower, lower_system, LowerError, SystemIr};
pub use model::{CoefSlot, Equation, Formula, HamiltonianIr, ModelIr, NeuralSpec, SparseBlock};
pub use print::{ExprDisplay, Names, Style};

/// Index of a node in its [`Arena`]. Children always have smaller ids than their parents, so
/// ascending id order is a topological order of the DAG.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(pub u32);

impl NodeId {
    /// The node's position in the arena.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// A leaf variable of an expression.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Var {
    /// State `index`; `order` 0 is the state itself, 1 is its first time derivative `x'` (used on
    /// the right-hand side of a higher-order equation), and so on.
    State {
        /// Which state.
        index: u32,
        /// Derivative order: 0 the state, 1 its first derivative.
        order: u32,
    },
    /// Learnable or fixed scalar parameter `index`.
    Param(u32),
    /// Exogenous input signal `index` (read from the data like a state).
    Input(u32),
    /// The independent variable `t`.
    Time,
}

/// One node of the DAG. Constants are stored as bit patterns so that nodes hash and compare
/// exactly (`0.0` and `-0.0` are different constants; all NaNs are one canonical NaN).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Node {
    /// A float64 constant, as `f64::to_bits`.
    Const(u64),
    /// A variable leaf.
    Var(Var),
    /// `-a`.
    Neg(NodeId),
    /// `a + b` (operands in canonical order).
    Add(NodeId, NodeId),
    /// `a - b`.
    Sub(NodeId, NodeId),
    /// `a * b` (operands in canonical order).
    Mul(NodeId, NodeId),
    /// `a / b`.
    Div(NodeId, NodeId),
    /// `a^n` for a nonzero integer `n`, evaluated as a fixed multiplication chain
    /// ([`crate::intrinsics::powi_chain`]).
    Powi(NodeId, i32),
    /// A one-argument intrinsic from the table in [`crate::intrinsics`].
    Call1(Func, NodeId),
    /// A two-argument intrinsic (`pow(a, b)` with a real exponent).
    Call2(Func, NodeId, NodeId),
}

impl Node {
    /// The constant's value, if this is a constant.
    pub fn as_const(&self) -> Option<f64> {
        match *self {
            Node::Const(bits) => Some(f64::from_bits(bits)),
            _ => None,
        }
    }
}
