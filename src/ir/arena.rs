//! The hash-consed expression arena: the only way to build IR nodes. Every constructor folds
//! constants, applies a few exact algebraic identities, orders commutative operands canonically
//! and returns the existing [`NodeId`] for a node already present, so common subexpressions are
//! shared by construction.
//!
//! Input: builder calls. Output: [`NodeId`]s into the arena.
//!
//! Simplifications and their floating-point semantics (constructors never change a NaN into a
//! number, nor a number into a NaN):
//! - operations on constants are folded with the very functions the interpreter and the JIT call,
//!   so a folded value is bit-identical to evaluating it at run time;
//! - `x * 1`, `x / 1`, `x - 0`, `-(-x)`, `x^1` are exact identities and are applied;
//! - `x + 0` and `0 - x` (to `-x`) are applied: they are exact except that a `-0.0` input yields
//!   `-0.0` instead of `+0.0` (resp. `+0.0` for `-0.0`), a difference of the sign of zero only;
//! - `x * (-1)` becomes `-x` (exact);
//! - `x^0` becomes `1` for every `x`, including NaN and infinities, as IEEE `pown` does;
//! - `x * 0` is **not** simplified (it is NaN for infinite or NaN `x`); symbolic differentiation
//!   tracks structural zeros itself instead.
//! - `pow(a, c)` with an integer-valued constant exponent `c` (|c| ≤ 64) becomes the integer
//!   power `a^c`, evaluated by multiplications; this is the language's rule for `^`.

use std::cmp::Ordering;
use std::collections::HashMap;

use super::{Node, NodeId, Var};
use crate::intrinsics::{powi_chain, Func};

/// The expression DAG. Nodes are immutable and unique (hash-consed).
#[derive(Clone, Debug, Default)]
pub struct Arena {
    nodes: Vec<Node>,
    index: HashMap<Node, NodeId>,
}

impl Arena {
    /// An empty arena.
    pub fn new() -> Arena {
        Arena::default()
    }

    /// Number of distinct nodes.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether the arena has no nodes.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// The node behind an id.
    pub fn node(&self, id: NodeId) -> Node {
        self.nodes[id.index()]
    }

    /// All nodes, in id (topological) order.
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// The constant value of a node, if it is a constant.
    pub fn const_value(&self, id: NodeId) -> Option<f64> {
        self.node(id).as_const()
    }

    fn is_const(&self, id: NodeId, value: f64) -> bool {
        self.const_value(id).is_some_and(|c| c.to_bits() == value.to_bits())
    }

    /// Interns a node without simplification (constructors call this last).
    fn intern(&mut self, node: Node) -> NodeId {
        if let Some(&id) = self.index.get(&node) {
            return id;
        }
        let id = NodeId(u32::try_from(self.nodes.len()).expect("IR arena exceeds u32 nodes"));
        self.nodes.push(node);
        self.index.insert(node, id);
        id
    }

    /// A float64 constant (all NaNs become one canonical NaN).
    pub fn constant(&mut self, value: f64) -> NodeId {
        let value = if value.is_nan() { f64::NAN } else { value };
        self.intern(Node::Const(value.to_bits()))
    }

    /// A variable leaf.
    pub fn var(&mut self, var: Var) -> NodeId {
        self.intern(Node::Var(var))
    }

    /// State `index` (order 0).
    pub fn state(&mut self, index: u32) -> NodeId {
        self.var(Var::State { index, order: 0 })
    }

    /// Parameter `index`.
    pub fn param(&mut self, index: u32) -> NodeId {
        self.var(Var::Param(index))
    }

    /// Input `index`.
    pub fn input(&mut self, index: u32) -> NodeId {
        self.var(Var::Input(index))
    }

    /// The time variable `t`.
    pub fn time(&mut self) -> NodeId {
        self.var(Var::Time)
    }

    /// A deterministic total order used for commutative operands and monomial factors:
    /// constants first (by value), then variables and integer powers of variables (by variable:
    /// states by index and order, then params, inputs, time; then by exponent), then compound
    /// nodes by id (ids depend only on construction order). Keeping `x^2` next to `x` makes
    /// monomials print in graded order: `x^2*y`, not `y*x^2`.
    pub fn canon_cmp(&self, a: NodeId, b: NodeId) -> Ordering {
        self.canon_key(a).cmp(&self.canon_key(b)).then(a.cmp(&b))
    }

    fn canon_key(&self, id: NodeId) -> (u8, Option<Var>, i64) {
        match self.node(id) {
            // total_cmp order of f64 as a signed integer key.
            Node::Const(bits) => {
                let k = bits as i64;
                (0, None, k ^ (((k >> 63) as u64) >> 1) as i64)
            }
            Node::Var(v) => (1, Some(v), 1),
            Node::Powi(base, n) => match self.node(base) {
                Node::Var(v) => (1, Some(v), i64::from(n)),
                _ => (2, None, 0),
            },
            _ => (2, None, 0),
        }
    }

    fn ordered(&self, a: NodeId, b: NodeId) -> (NodeId, NodeId) {
        if self.canon_cmp(a, b) == Ordering::Greater {
            (b, a)
        } else {
            (a, b)
        }
    }

    /// `-a`.
    pub fn neg(&mut self, a: NodeId) -> NodeId {
        match self.node(a) {
            Node::Const(_) => {
                let c = self.const_value(a).unwrap_or(f64::NAN);
                self.constant(-c)
            }
            Node::Neg(inner) => inner,
            _ => self.intern(Node::Neg(a)),
        }
    }

    /// `a + b`.
    pub fn add(&mut self, a: NodeId, b: NodeId) -> NodeId {
        if let (Some(x), Some(y)) = (self.const_value(a), self.const_value(b)) {
            return self.constant(x + y);
        }
        if self.is_const(b, 0.0) || self.is_const(b, -0.0) {
            return a;
        }
        if self.is_const(a, 0.0) || self.is_const(a, -0.0) {
            return b;
        }
        let (a, b) = self.ordered(a, b);
        self.intern(Node::Add(a, b))
    }

    /// `a - b`.
    pub fn sub(&mut self, a: NodeId, b: NodeId) -> NodeId {
        if let (Some(x), Some(y)) = (self.const_value(a), self.const_value(b)) {
            return self.constant(x - y);
        }
        if self.is_const(b, 0.0) {
            return a;
        }
        if self.is_const(a, 0.0) {
            return self.neg(b);
        }
        self.intern(Node::Sub(a, b))
    }

    /// `a * b`.
    pub fn mul(&mut self, a: NodeId, b: NodeId) -> NodeId {
        if let (Some(x), Some(y)) = (self.const_value(a), self.const_value(b)) {
            return self.constant(x * y);
        }
        let (a, b) = self.ordered(a, b);
        // After ordering, a constant operand (if any) is `a`.
        if self.is_const(a, 1.0) {
            return b;
        }
        if self.is_const(a, -1.0) {
            return self.neg(b);
        }
        self.intern(Node::Mul(a, b))
    }

    /// `a / b`.
    pub fn div(&mut self, a: NodeId, b: NodeId) -> NodeId {
        if let (Some(x), Some(y)) = (self.const_value(a), self.const_value(b)) {
            return self.constant(x / y);
        }
        if self.is_const(b, 1.0) {
            return a;
        }
        self.intern(Node::Div(a, b))
    }

    /// `a^n` for an integer `n`, evaluated by a multiplication chain (and one division when
    /// `n < 0`).
    pub fn powi(&mut self, a: NodeId, n: i32) -> NodeId {
        if n == 0 {
            return self.constant(1.0);
        }
        if n == 1 {
            return a;
        }
        if let Some(x) = self.const_value(a) {
            return self.constant(powi_chain(x, n, |p, q| p * q, |p| 1.0 / p));
        }
        self.intern(Node::Powi(a, n))
    }

    /// A one-argument intrinsic call `f(a)` (a mismatched arity is reported by the evaluators).
    pub fn call1(&mut self, f: Func, a: NodeId) -> NodeId {
        if let Some(x) = self.const_value(a) {
            return self.constant(f.eval1(x));
        }
        self.intern(Node::Call1(f, a))
    }

    /// A two-argument intrinsic call `f(a, b)` (a mismatched arity is reported by the evaluators).
    pub fn call2(&mut self, f: Func, a: NodeId, b: NodeId) -> NodeId {
        if let (Some(x), Some(y)) = (self.const_value(a), self.const_value(b)) {
            return self.constant(f.eval2(x, y));
        }
        self.intern(Node::Call2(f, a, b))
    }

    /// `pow(a, b)` with a real exponent; an integer-valued constant exponent gives [`Arena::powi`].
    pub fn pow(&mut self, a: NodeId, b: NodeId) -> NodeId {
        if let Some(c) = self.const_value(b) {
            if c.fract() == 0.0 && c.abs() <= 64.0 {
                return self.powi(a, c as i32);
            }
        }
        self.call2(Func::Pow, a, b)
    }

    /// A call by intrinsic name with the right number of arguments, or `None` when the name is
    /// unknown or the arity is wrong (the checker reports those with spans).
    pub fn call(&mut self, name: &str, args: &[NodeId]) -> Option<NodeId> {
        let f = Func::lookup(name)?;
        match (f, args) {
            (Func::Pow, &[a, b]) => Some(self.pow(a, b)),
            (f, &[a]) if f.info().arity == 1 => Some(self.call1(f, a)),
            (f, &[a, b]) if f.info().arity == 2 => Some(self.call2(f, a, b)),
            _ => None,
        }
    }

    /// The direct children of a node.
    pub fn children(&self, id: NodeId) -> impl Iterator<Item = NodeId> {
        let (a, b) = match self.node(id) {
            Node::Const(_) | Node::Var(_) => (None, None),
            Node::Neg(a) | Node::Powi(a, _) | Node::Call1(_, a) => (Some(a), None),
            Node::Add(a, b) | Node::Sub(a, b) | Node::Mul(a, b) | Node::Div(a, b) | Node::Call2(_, a, b) => {
                (Some(a), Some(b))
            }
        };
        a.into_iter().chain(b)
    }

    /// Marks every node reachable from `roots` (indexed by node id).
    pub fn reachable(&self, roots: &[NodeId]) -> Vec<bool> {
        let mut seen = vec![false; self.len()];
        let mut stack: Vec<NodeId> = roots.to_vec();
        while let Some(id) = stack.pop() {
            if !std::mem::replace(&mut seen[id.index()], true) {
                stack.extend(self.children(id));
            }
        }
        seen
    }

    /// Whether `var` occurs in the expression `id`.
    pub fn depends_on(&self, id: NodeId, var: Var) -> bool {
        let seen = self.reachable(&[id]);
        self.nodes.iter().zip(&seen).any(|(n, &s)| s && *n == Node::Var(var))
    }
}
