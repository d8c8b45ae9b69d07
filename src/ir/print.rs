//! The readable IR printer: expressions in the language's own notation (`x^2*y`, `sin(2*x)`,
//! `x'`), used for term names, `mechc check --emit ir` and snapshots.
//!
//! Input: an [`Arena`], a [`NodeId`] and the variable [`Names`]. Output: text via `Display`.
//!
//! Parentheses follow the language's precedence (`^` binds tighter than unary minus, which binds
//! tighter than `*` and `/`). Sums and differences show their grouping; products do not (a
//! right-nested product prints as `x*y*z`), because monomials read better that way.

use std::fmt;

use super::{Arena, ModelIr, Node, NodeId, Var};
use crate::number::format_exact;

/// Display names of the variables an arena refers to by index.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Names {
    /// State names by index.
    pub states: Vec<String>,
    /// Parameter names by index.
    pub params: Vec<String>,
    /// Input names by index.
    pub inputs: Vec<String>,
}

impl Names {
    /// Names from string slices.
    pub fn new(states: &[&str], params: &[&str], inputs: &[&str]) -> Names {
        let own = |v: &[&str]| v.iter().map(|s| s.to_string()).collect();
        Names { states: own(states), params: own(params), inputs: own(inputs) }
    }

    /// The printed name of a variable; unnamed states and inputs print as `x3`, `u3`; parameters
    /// past the named ones are coefficient slots ([`crate::ir::ModelIr::rhs_nodes`]) and print
    /// as `c0`, `c1`, ...
    pub fn var_name(&self, v: Var) -> String {
        let pick = |list: &[String], prefix: &str, i: u32| {
            list.get(i as usize).cloned().unwrap_or_else(|| format!("{prefix}{i}"))
        };
        match v {
            Var::State { index, order } => {
                format!("{}{}", pick(&self.states, "x", index), "'".repeat(order as usize))
            }
            Var::Param(i) => match self.params.get(i as usize) {
                Some(name) => name.clone(),
                None => format!("c{}", i as usize - self.params.len()),
            },
            Var::Input(i) => pick(&self.inputs, "u", i),
            Var::Time => "t".to_string(),
        }
    }
}

/// An expression ready to print (see [`Arena::display`]).
pub struct ExprDisplay<'a> {
    arena: &'a Arena,
    names: &'a Names,
    node: NodeId,
}

impl Arena {
    /// A printable view of the expression `node`.
    pub fn display<'a>(&'a self, node: NodeId, names: &'a Names) -> ExprDisplay<'a> {
        ExprDisplay { arena: self, names, node }
    }
}

// Precedence levels: sum 1, product 2, unary minus 3, power 4, atom 5.
fn prec(arena: &Arena, id: NodeId) -> u8 {
    match arena.node(id) {
        Node::Add(..) | Node::Sub(..) => 1,
        Node::Mul(..) | Node::Div(..) => 2,
        Node::Neg(_) => 3,
        Node::Const(bits) if f64::from_bits(bits).is_sign_negative() => 3,
        Node::Powi(..) => 4,
        Node::Const(_) | Node::Var(_) | Node::Call1(..) | Node::Call2(..) => 5,
    }
}

impl ExprDisplay<'_> {
    fn sub(&self, node: NodeId) -> ExprDisplay<'_> {
        ExprDisplay { arena: self.arena, names: self.names, node }
    }

    /// Writes `node`, parenthesised when its precedence is below `min`.
    fn child(&self, f: &mut fmt::Formatter<'_>, node: NodeId, min: u8) -> fmt::Result {
        if prec(self.arena, node) < min {
            write!(f, "({})", self.sub(node))
        } else {
            write!(f, "{}", self.sub(node))
        }
    }
}

impl fmt::Display for ExprDisplay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let a = self.arena;
        match a.node(self.node) {
            Node::Const(bits) => write!(f, "{}", format_exact(f64::from_bits(bits))),
            Node::Var(v) => write!(f, "{}", self.names.var_name(v)),
            Node::Neg(x) => {
                write!(f, "-")?;
                self.child(f, x, 4)
            }
            Node::Add(x, y) => {
                self.child(f, x, 1)?;
                write!(f, " + ")?;
                self.child(f, y, 2)
            }
            Node::Sub(x, y) => {
                self.child(f, x, 1)?;
                write!(f, " - ")?;
                self.child(f, y, 2)
            }
            Node::Mul(x, y) => {
                self.child(f, x, 2)?;
                write!(f, "*")?;
                let right_min = if matches!(a.node(y), Node::Mul(..)) { 2 } else { 3 };
                self.child(f, y, right_min)
            }
            Node::Div(x, y) => {
                self.child(f, x, 2)?;
                write!(f, "/")?;
                self.child(f, y, 3)
            }
            Node::Powi(x, n) => {
                self.child(f, x, 5)?;
                if n < 0 {
                    write!(f, "^({n})")
                } else {
                    write!(f, "^{n}")
                }
            }
            Node::Call1(func, x) => write!(f, "{}({})", func.info().name, self.sub(x)),
            Node::Call2(func, x, y) => {
                write!(f, "{}({}, {})", func.info().name, self.sub(x), self.sub(y))
            }
        }
    }
}

impl ModelIr {
    /// The full IR report for `mechc check --emit ir`: the model as `Display` prints it, then
    /// each equation's complete right-hand side (coefficient slot `s` printed as `c<s>`), then
    /// its nonzero derivatives with respect to the states (and their lower derivatives) and the
    /// named parameters. Builds the right-hand sides and derivatives in the arena.
    pub fn emit(&mut self) -> String {
        use std::fmt::Write;
        let mut out = format!("{self}\nright-hand sides:\n");
        let rhs = self.rhs_nodes();
        let mut vars: Vec<Var> = Vec::new();
        for s in 0..self.names.states.len() as u32 {
            vars.extend((0..self.state_order(s)).map(|k| Var::State { index: s, order: k }));
        }
        vars.extend((0..self.names.inputs.len() as u32).map(Var::Input));
        vars.push(Var::Time);
        vars.extend((0..self.names.params.len() as u32).map(Var::Param));
        let jac = self.arena.jacobian(&rhs, &vars);
        let lhs: Vec<String> =
            self.equations.iter().map(|e| self.names.var_name(Var::State { index: e.state, order: e.order })).collect();
        for (l, &r) in lhs.iter().zip(&rhs) {
            let _ = writeln!(out, "  {l} = {}", self.arena.display(r, &self.names));
        }
        out.push_str("derivatives (zeros omitted):");
        for (i, l) in lhs.iter().enumerate() {
            for (j, &v) in vars.iter().enumerate() {
                let d = jac[i * vars.len() + j];
                if self.arena.const_value(d) != Some(0.0) {
                    let shown = self.arena.display(d, &self.names);
                    let _ = write!(out, "\n  d({l})/d{} = {shown}", self.names.var_name(v));
                }
            }
        }
        out
    }
}
