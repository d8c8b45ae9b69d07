//! Symbolic differentiation in the arena: `∂node/∂var` as a new node of the same arena, built
//! with the simplifying constructors, and Jacobians of output lists.
//!
//! Input: an expression [`NodeId`] and a [`Var`]. Output: the derivative's [`NodeId`].
//!
//! Zeros are tracked structurally (`None` = "does not depend on the variable") rather than by
//! folding `x * 0`, which would be wrong for infinite or NaN `x`: a term that does not mention the
//! variable has derivative exactly `0`, and no `0 * ...` nodes are ever built. Intrinsic
//! derivatives follow the rules of the table in [`crate::intrinsics`].

use std::collections::HashMap;

use super::{Arena, Node, NodeId, Var};
use crate::intrinsics::{Deriv, Func};

type Memo = HashMap<NodeId, Option<NodeId>>;

impl Arena {
    /// `∂node/∂var`, simplified (a constant `0` when `node` does not depend on `var`).
    pub fn diff(&mut self, node: NodeId, var: Var) -> NodeId {
        let mut memo = Memo::new();
        match self.diff_memo(node, var, &mut memo) {
            Some(d) => d,
            None => self.constant(0.0),
        }
    }

    /// The Jacobian of `outputs` with respect to `vars`, row-major: entry `k * vars.len() + j`
    /// is `∂outputs[k]/∂vars[j]`. Shared subexpressions are differentiated once per variable.
    pub fn jacobian(&mut self, outputs: &[NodeId], vars: &[Var]) -> Vec<NodeId> {
        let mut memos: Vec<Memo> = vars.iter().map(|_| Memo::new()).collect();
        let mut out = Vec::with_capacity(outputs.len() * vars.len());
        for &o in outputs {
            for (j, &v) in vars.iter().enumerate() {
                let d = self.diff_memo(o, v, &mut memos[j]);
                out.push(d.unwrap_or_else(|| self.constant(0.0)));
            }
        }
        out
    }

    fn diff_memo(&mut self, node: NodeId, var: Var, memo: &mut Memo) -> Option<NodeId> {
        if let Some(&d) = memo.get(&node) {
            return d;
        }
        let d = self.diff_node(node, var, memo);
        memo.insert(node, d);
        d
    }

    fn diff_node(&mut self, node: NodeId, var: Var, memo: &mut Memo) -> Option<NodeId> {
        match self.node(node) {
            Node::Const(_) => None,
            Node::Var(v) => (v == var).then(|| self.constant(1.0)),
            Node::Neg(a) => self.diff_memo(a, var, memo).map(|d| self.neg(d)),
            Node::Add(a, b) => {
                let (da, db) = (self.diff_memo(a, var, memo), self.diff_memo(b, var, memo));
                self.opt_add(da, db)
            }
            Node::Sub(a, b) => {
                let (da, db) = (self.diff_memo(a, var, memo), self.diff_memo(b, var, memo));
                let neg_db = db.map(|d| self.neg(d));
                match (da, db) {
                    (Some(x), Some(y)) => Some(self.sub(x, y)),
                    _ => da.or(neg_db),
                }
            }
            Node::Mul(a, b) => {
                let (da, db) = (self.diff_memo(a, var, memo), self.diff_memo(b, var, memo));
                let l = self.opt_mul(da, b);
                let r = self.opt_mul(db, a);
                self.opt_add(l, r)
            }
            Node::Div(a, b) => self.diff_div(node, a, b, var, memo),
            Node::Powi(a, n) => {
                let da = self.diff_memo(a, var, memo)?;
                let c = self.constant(f64::from(n));
                let p = self.powi(a, n.saturating_sub(1));
                let f = self.mul(c, p);
                Some(self.mul(f, da))
            }
            Node::Call1(f, a) => {
                let da = self.diff_memo(a, var, memo)?;
                let partial = self.partials(f, &[a], node)[0];
                self.opt_mul(Some(da), partial)
            }
            Node::Call2(f, a, b) => {
                let (da, db) = (self.diff_memo(a, var, memo), self.diff_memo(b, var, memo));
                if da.is_none() && db.is_none() {
                    return None;
                }
                let partials = self.partials(f, &[a, b], node);
                let l = self.opt_mul(da, partials[0]);
                let r = self.opt_mul(db, partials[1]);
                self.opt_add(l, r)
            }
        }
    }

    /// The partial derivatives of the call `this = f(x)` (or `f(x, y)`) with respect to each
    /// argument, built from the intrinsics table's rule.
    fn partials(&mut self, f: Func, x: &[NodeId], this: NodeId) -> Vec<NodeId> {
        match f.info().deriv {
            Deriv::Func(g) => vec![self.call1(g, x[0])],
            Deriv::NegFunc(g) => {
                let d = self.call1(g, x[0]);
                vec![self.neg(d)]
            }
            Deriv::OnePlusSquare => {
                let one = self.constant(1.0);
                let sq = self.powi(this, 2);
                vec![self.add(one, sq)]
            }
            Deriv::OneMinusSquare => {
                let one = self.constant(1.0);
                let sq = self.powi(this, 2);
                vec![self.sub(one, sq)]
            }
            Deriv::Itself => vec![this],
            Deriv::Reciprocal => {
                let one = self.constant(1.0);
                vec![self.div(one, x[0])]
            }
            Deriv::HalfOverItself => {
                let half = self.constant(0.5);
                vec![self.div(half, this)]
            }
            Deriv::Zero => vec![self.constant(0.0)],
            Deriv::Power => {
                let one = self.constant(1.0);
                let ym1 = self.sub(x[1], one);
                let p = self.pow(x[0], ym1);
                let dx = self.mul(x[1], p);
                let l = self.call1(Func::Log, x[0]);
                vec![dx, self.mul(this, l)]
            }
        }
    }

    /// d(a/b) = (da - (a/b)·db) / b, reusing the quotient node.
    fn diff_div(&mut self, this: NodeId, a: NodeId, b: NodeId, var: Var, memo: &mut Memo) -> Option<NodeId> {
        let (da, db) = (self.diff_memo(a, var, memo), self.diff_memo(b, var, memo));
        let q_db = db.map(|d| self.mul(this, d));
        let num = match (da, q_db) {
            (Some(x), Some(y)) => self.sub(x, y),
            (Some(x), None) => x,
            (None, Some(y)) => self.neg(y),
            (None, None) => return None,
        };
        Some(self.div(num, b))
    }

    fn opt_add(&mut self, a: Option<NodeId>, b: Option<NodeId>) -> Option<NodeId> {
        match (a, b) {
            (Some(x), Some(y)) => Some(self.add(x, y)),
            _ => a.or(b),
        }
    }

    /// `d * f`, or structural zero when `d` is zero or `f` is the constant zero.
    fn opt_mul(&mut self, d: Option<NodeId>, f: NodeId) -> Option<NodeId> {
        let d = d?;
        if self.const_value(f) == Some(0.0) {
            return None;
        }
        Some(self.mul(f, d))
    }
}
