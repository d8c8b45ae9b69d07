//! The one expression printer: IR expressions in the language's own notation, in two styles.
//!
//! - [`Style::Surface`] prints `.mech` the way a person writes it, for everything a person reads
//!   (equations in reports, JSON terms, emitted models, term names in diagnostics): signs are
//!   pulled out of products (`-gamma*y`, not `y*-gamma`), a product lists its numbers, then its
//!   parameters, then the rest in the arena's canonical order (`x*y*z`, `x^2*z`,
//!   `delta*hare*lynx`), sums and products are flattened (`a - b + c`), and no parentheses are
//!   written that the precedence does not need. It reorders factors and terms, which is exact in
//!   real arithmetic (a reparsed expression may differ in the last bit of a rounding).
//! - [`Style::Ir`] shows the IR's own structure (`mechc check --emit ir`): every grouping of sums
//!   in parentheses, operands in the order the arena stores them.
//!
//! Input: an [`Arena`], a [`NodeId`] and the variable [`Names`]. Output: text via `Display`.
//! Parentheses follow the language's precedence ([`crate::syntax::notation`]: `^` binds tighter
//! than unary minus, which binds tighter than `*` and `/`); constants print in the shortest form
//! that reads back as the same float64.

use std::fmt;

use super::{Arena, ModelIr, Node, NodeId, Var};
use crate::number::format_exact;
use crate::syntax::notation::{ATOM, NEG, POWER, PRODUCT, SUM};

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

/// How an expression is printed (see the module documentation).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// The IR's structure.
    Ir,
    /// `.mech` as a person writes it.
    Surface,
}

/// An expression ready to print (see [`Arena::display`] and [`Arena::surface`]).
pub struct ExprDisplay<'a> {
    arena: &'a Arena,
    names: &'a Names,
    node: NodeId,
    style: Style,
}

impl Arena {
    /// The expression `node` in the IR style.
    pub fn display<'a>(&'a self, node: NodeId, names: &'a Names) -> ExprDisplay<'a> {
        ExprDisplay { arena: self, names, node, style: Style::Ir }
    }

    /// The expression `node` in the surface style.
    pub fn surface<'a>(&'a self, node: NodeId, names: &'a Names) -> ExprDisplay<'a> {
        ExprDisplay { arena: self, names, node, style: Style::Surface }
    }

    /// A term `coefficient * node` in the surface style, the coefficient given as text (its
    /// magnitude, already rounded): whether the printed term is negative (the coefficient's sign
    /// `negative` combined with the term's own), and its text without that sign. A unit
    /// coefficient is left out (`x*y`, not `1*x*y`); the constant term `1` prints as the
    /// coefficient alone; a sum is parenthesised (`2*(x - y)`).
    pub fn surface_scaled(&self, node: NodeId, names: &Names, coefficient: &str, negative: bool) -> (bool, String) {
        Surface { arena: self, names }.scaled(node, coefficient, negative)
    }
}

/// How tightly a node binds when printed in the IR style.
fn prec(arena: &Arena, id: NodeId) -> u8 {
    match arena.node(id) {
        Node::Add(..) | Node::Sub(..) => SUM,
        Node::Mul(..) | Node::Div(..) => PRODUCT,
        Node::Neg(_) => NEG,
        Node::Const(bits) if f64::from_bits(bits).is_sign_negative() => NEG,
        Node::Powi(..) => POWER,
        Node::Const(_) | Node::Var(_) | Node::Call1(..) | Node::Call2(..) => ATOM,
    }
}

impl ExprDisplay<'_> {
    fn sub(&self, node: NodeId) -> ExprDisplay<'_> {
        ExprDisplay { arena: self.arena, names: self.names, node, style: self.style }
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
        if self.style == Style::Surface {
            return f.write_str(&Surface { arena: self.arena, names: self.names }.expr(self.node));
        }
        let a = self.arena;
        match a.node(self.node) {
            Node::Const(bits) => write!(f, "{}", format_exact(f64::from_bits(bits))),
            Node::Var(v) => write!(f, "{}", self.names.var_name(v)),
            Node::Neg(x) => {
                write!(f, "-")?;
                self.child(f, x, POWER)
            }
            Node::Add(x, y) => {
                self.child(f, x, SUM)?;
                write!(f, " + ")?;
                self.child(f, y, PRODUCT)
            }
            Node::Sub(x, y) => {
                self.child(f, x, SUM)?;
                write!(f, " - ")?;
                self.child(f, y, PRODUCT)
            }
            Node::Mul(x, y) => {
                self.child(f, x, PRODUCT)?;
                write!(f, "*")?;
                let right_min = if matches!(a.node(y), Node::Mul(..)) { PRODUCT } else { NEG };
                self.child(f, y, right_min)
            }
            Node::Div(x, y) => {
                self.child(f, x, PRODUCT)?;
                write!(f, "/")?;
                self.child(f, y, NEG)
            }
            Node::Powi(x, n) => {
                self.child(f, x, ATOM)?;
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

/// A non-negative constant as `.mech`: the shortest exact form; the language has no literal for
/// NaN or infinity, so those print as the divisions that give them (`(0/0)`, `(1/0)`).
fn number(v: f64) -> String {
    if v.is_nan() {
        "(0/0)".into()
    } else if v.is_infinite() {
        "(1/0)".into()
    } else {
        format_exact(v)
    }
}

/// The surface style's printer.
struct Surface<'a> {
    arena: &'a Arena,
    names: &'a Names,
}

/// A product as the surface style prints it: its sign, the factors above the line and the
/// divisors below it.
struct Product {
    negative: bool,
    num: Vec<NodeId>,
    den: Vec<NodeId>,
}

impl Surface<'_> {
    /// A whole expression: its terms, signs written as `-` and ` - `.
    fn expr(&self, node: NodeId) -> String {
        let mut terms = Vec::new();
        self.terms(node, false, &mut terms);
        let mut out = String::new();
        for (i, &(negative, t)) in terms.iter().enumerate() {
            let p = self.product(t, negative);
            match (i, p.negative) {
                (0, true) => out.push('-'),
                (0, false) => {}
                (_, true) => out.push_str(" - "),
                (_, false) => out.push_str(" + "),
            }
            out.push_str(&self.product_text(&p, None));
        }
        out
    }

    /// The summands of a sum, difference or negation, each with its sign.
    fn terms(&self, node: NodeId, negative: bool, out: &mut Vec<(bool, NodeId)>) {
        match self.arena.node(node) {
            Node::Add(a, b) => {
                self.terms(a, negative, out);
                self.terms(b, negative, out);
            }
            Node::Sub(a, b) => {
                self.terms(a, negative, out);
                self.terms(b, !negative, out);
            }
            Node::Neg(a) => self.terms(a, !negative, out),
            _ => out.push((negative, node)),
        }
    }

    /// A summand as a product: negations and negative numbers become the sign, products and
    /// quotients are flattened into factors and divisors.
    fn product(&self, node: NodeId, negative: bool) -> Product {
        let mut p = Product { negative, num: Vec::new(), den: Vec::new() };
        self.factors(node, &mut p);
        let class = |n: NodeId| match self.arena.node(n) {
            Node::Const(_) => 0,
            Node::Var(Var::Param(_)) => 1,
            _ => 2,
        };
        p.num.sort_by(|&a, &b| class(a).cmp(&class(b)).then(self.arena.canon_cmp(a, b)));
        p
    }

    fn factors(&self, node: NodeId, p: &mut Product) {
        match self.arena.node(node) {
            Node::Mul(a, b) => {
                self.factors(a, p);
                self.factors(b, p);
            }
            Node::Div(a, b) => {
                self.factors(a, p);
                p.den.push(b);
            }
            Node::Neg(a) => {
                p.negative = !p.negative;
                self.factors(a, p);
            }
            Node::Const(bits) if f64::from_bits(bits).is_sign_negative() => {
                p.negative = !p.negative;
                p.num.push(node);
            }
            _ => p.num.push(node),
        }
    }

    /// A product's text without its sign; `lead` is a coefficient written first.
    fn product_text(&self, p: &Product, lead: Option<&str>) -> String {
        let mut parts: Vec<String> = lead.map(str::to_string).into_iter().collect();
        for &f in &p.num {
            // A unit factor beside a coefficient says nothing (`2*1` is the constant term `2`).
            if lead.is_some() && self.arena.const_value(f).map(f64::abs) == Some(1.0) {
                continue;
            }
            parts.push(self.factor(f));
        }
        let mut out = if parts.is_empty() { "1".to_string() } else { parts.join("*") };
        for &d in &p.den {
            out.push('/');
            let dp = self.product(d, false);
            if dp.num.len() == 1 && dp.den.is_empty() && !dp.negative {
                out.push_str(&self.factor(dp.num[0]));
            } else {
                out.push_str(&format!("({})", self.expr(d)));
            }
        }
        out
    }

    /// A factor of a product: powers and atoms as they are, anything looser in parentheses.
    fn factor(&self, node: NodeId) -> String {
        match self.arena.node(node) {
            Node::Const(bits) => number(f64::from_bits(bits).abs()),
            Node::Powi(x, n) if n < 0 => format!("{}^({n})", self.atom(x)),
            Node::Powi(x, n) => format!("{}^{n}", self.atom(x)),
            Node::Call2(crate::intrinsics::Func::Pow, x, y) => format!("{}^{}", self.atom(x), self.atom(y)),
            _ => self.atom(node),
        }
    }

    /// An operand that binds tightest: a name, a non-negative number or a call; anything else in
    /// parentheses.
    fn atom(&self, node: NodeId) -> String {
        match self.arena.node(node) {
            Node::Var(v) => self.names.var_name(v),
            Node::Const(bits) if !f64::from_bits(bits).is_sign_negative() => number(f64::from_bits(bits)),
            Node::Call1(f, x) => format!("{}({})", f.info().name, self.expr(x)),
            Node::Call2(crate::intrinsics::Func::Pow, ..) => format!("({})", self.expr(node)),
            Node::Call2(f, x, y) => format!("{}({}, {})", f.info().name, self.expr(x), self.expr(y)),
            _ => format!("({})", self.expr(node)),
        }
    }

    /// See [`Arena::surface_scaled`].
    fn scaled(&self, node: NodeId, coefficient: &str, negative: bool) -> (bool, String) {
        let mut terms = Vec::new();
        self.terms(node, false, &mut terms);
        if terms.len() > 1 {
            let sum = self.expr(node);
            return (negative, if coefficient == "1" { format!("({sum})") } else { format!("{coefficient}*({sum})") });
        }
        let (term_negative, t) = terms[0];
        let p = self.product(t, term_negative);
        let lead = (coefficient != "1").then_some(coefficient);
        (negative != p.negative, self.product_text(&p, lead))
    }
}
