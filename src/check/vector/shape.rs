//! Shapes of expressions: a vector expression becomes one scalar expression per component
//! (`q + p` → `q_x + p_x`, ...), `|v|` and `dot(a, b)` become sums over the components, `v.x`
//! becomes the component's own name; mixing shapes is an `E048`, an unknown component an `E049`.
//! Input: an AST expression and the vector names in scope. Output: [`Shaped`] or a reported error.

use super::{Vectors, COMPONENTS};
use crate::diag::{codes, Diagnostic};
use crate::source::Span;
use crate::syntax::ast::{Args, BinOp, Call, Expr, ExprKind as A, Ident};
use crate::syntax::fmt;

/// A scalar expression, or a vector as one scalar expression per component.
#[derive(Clone, Debug)]
pub enum Shaped {
    Scalar(Expr),
    Vector(Vec<Expr>),
}

impl Shaped {
    /// `scalar` or `vec3`, for messages.
    pub fn words(&self) -> String {
        match self {
            Shaped::Scalar(_) => "a scalar".into(),
            Shaped::Vector(v) => format!("a vec{}", v.len()),
        }
    }
}

/// The name of component `c` of vector `name` (`q_x`).
pub fn component_name(name: &str, c: usize) -> String {
    format!("{name}_{}", COMPONENTS[c])
}

pub fn ident(name: String, span: Span) -> Ident {
    Ident { name, span }
}

pub fn mk(kind: A, span: Span) -> Expr {
    Expr { kind, span }
}

pub fn bin(op: BinOp, l: Expr, r: Expr, span: Span) -> Expr {
    mk(A::Binary(op, Box::new(l), Box::new(r)), span)
}

fn paren(e: Expr) -> Expr {
    let span = e.span;
    match e.kind {
        A::Name(_) | A::Num { .. } | A::Paren(_) | A::Call(_) | A::Deriv { .. } => e,
        _ => mk(A::Paren(Box::new(e)), span),
    }
}

pub fn call(name: &str, args: Vec<Expr>, span: Span) -> Expr {
    let items = args.into_iter().map(|value| crate::syntax::ast::Arg { name: None, value }).collect();
    mk(A::Call(Call { name: ident(name.into(), span), args: Args { items, semi: None, span } }), span)
}

fn num(v: f64, span: Span) -> Expr {
    mk(A::Num { value: v, text: format!("{v}") }, span)
}

/// `Σ a_i * b_i` (in parentheses); `Σ a_i^2` when `a` and `b` are the same vector.
pub fn dot(a: &[Expr], b: &[Expr], span: Span) -> Expr {
    let same = a.len() == b.len() && a.iter().zip(b).all(|(x, y)| fmt::expr(x) == fmt::expr(y));
    if same {
        return sum_squares(a, span);
    }
    paren(sum(a.iter().zip(b).map(|(x, y)| bin(BinOp::Mul, paren(x.clone()), paren(y.clone()), span)), span))
}

/// `(Σ a_i^2)`.
pub fn sum_squares(a: &[Expr], span: Span) -> Expr {
    paren(sum(squares(a, span), span))
}

/// `sqrt(Σ a_i^2)`.
pub fn norm(a: &[Expr], span: Span) -> Expr {
    call("sqrt", vec![sum(squares(a, span), span)], span)
}

/// `a_i^2` for each component.
fn squares(a: &[Expr], span: Span) -> impl Iterator<Item = Expr> + '_ {
    a.iter().map(move |x| bin(BinOp::Pow, paren(x.clone()), num(2.0, span), span))
}

/// The left-nested sum `((p_1 + p_2) + p_3) + …` of `parts`; `0` when there are none.
fn sum(parts: impl Iterator<Item = Expr>, span: Span) -> Expr {
    parts.reduce(|s, p| bin(BinOp::Add, s, p, span)).unwrap_or_else(|| num(0.0, span))
}

pub fn shape_error(span: Span, message: String, label: &str) -> Diagnostic {
    Diagnostic::new(codes::SHAPE_MISMATCH, message, span, label.to_string())
}

/// Expression rewriting with the vector names in scope; errors go to `diags`.
pub struct Shaper<'v> {
    pub vectors: &'v Vectors,
    pub diags: &'v mut Vec<Diagnostic>,
}

impl Shaper<'_> {
    /// The shape of `e`, or `None` after reporting an error.
    pub fn shape(&mut self, e: &Expr) -> Option<Shaped> {
        let span = e.span;
        Some(match &e.kind {
            A::Name(n) => match self.vectors.dim(&n.name) {
                Some(d) => Shaped::Vector(
                    (0..d).map(|c| mk(A::Name(ident(component_name(&n.name, c), n.span)), span)).collect(),
                ),
                None => Shaped::Scalar(e.clone()),
            },
            A::Deriv { name, order } => match self.vectors.dim(&name.name) {
                Some(d) => Shaped::Vector(
                    (0..d)
                        .map(|c| {
                            let name = ident(component_name(&name.name, c), name.span);
                            mk(A::Deriv { name, order: *order }, span)
                        })
                        .collect(),
                ),
                None => Shaped::Scalar(e.clone()),
            },
            A::Member { base, component } => Shaped::Scalar(self.member(base, component, span)?),
            A::Neg(x) => match self.shape(x)? {
                Shaped::Scalar(x) => Shaped::Scalar(mk(A::Neg(Box::new(x)), span)),
                Shaped::Vector(v) => {
                    Shaped::Vector(v.into_iter().map(|x| mk(A::Neg(Box::new(paren(x))), span)).collect())
                }
            },
            A::Paren(x) => match self.shape(x)? {
                Shaped::Scalar(x) => Shaped::Scalar(mk(A::Paren(Box::new(x)), span)),
                Shaped::Vector(v) => Shaped::Vector(v.into_iter().map(paren).collect()),
            },
            A::Binary(op, l, r) => self.binary(*op, l, r, span)?,
            A::Norm(x) => match self.shape(x)? {
                Shaped::Scalar(x) => Shaped::Scalar(call("abs", vec![x], span)),
                Shaped::Vector(v) => Shaped::Scalar(norm(&v, span)),
            },
            A::Call(c) => self.call(c, span)?,
            A::Set(items) => Shaped::Scalar(mk(A::Set(self.scalars(items)?), span)),
            A::List(items) => Shaped::Scalar(mk(A::List(self.scalars(items)?), span)),
            A::Num { .. } | A::Str(_) => Shaped::Scalar(e.clone()),
        })
    }

    /// `e`, which must be a scalar.
    pub fn scalar(&mut self, e: &Expr, what: &str) -> Option<Expr> {
        match self.shape(e)? {
            Shaped::Scalar(x) => Some(x),
            v @ Shaped::Vector(_) => {
                self.diags.push(
                    shape_error(e.span, format!("{what} must be a scalar, but this is {}", v.words()), "a vector")
                        .with_help("take a norm `|v|`, an inner product `dot(a, b)` or a component `v.x`"),
                );
                None
            }
        }
    }

    fn scalars(&mut self, items: &[Expr]) -> Option<Vec<Expr>> {
        let out: Vec<Option<Expr>> = items.iter().map(|x| self.scalar(x, "a list item")).collect();
        out.into_iter().collect()
    }

    fn member(&mut self, base: &Ident, component: &Ident, span: Span) -> Option<Expr> {
        let Some(d) = self.vectors.dim(&base.name) else {
            self.diags.push(
                Diagnostic::new(
                    codes::UNKNOWN_COMPONENT,
                    format!("`{}` is not a vector, so it has no component `{}`", base.name, component.name),
                    base.span,
                    "not a vector",
                )
                .with_help("declare vector states with `state q: vec3` and vector constants with `vec3(...)`"),
            );
            return None;
        };
        match COMPONENTS[..d].iter().position(|c| *c == component.name) {
            Some(c) => Some(mk(A::Name(ident(component_name(&base.name, c), span)), span)),
            None => {
                self.diags.push(
                    Diagnostic::new(
                        codes::UNKNOWN_COMPONENT,
                        format!("a vec{d} has no component `{}`", component.name),
                        component.span,
                        "unknown component",
                    )
                    .with_help(format!(
                        "the components of `{}` are {}",
                        base.name,
                        components_words(d)
                    )),
                );
                None
            }
        }
    }

    fn binary(&mut self, op: BinOp, l: &Expr, r: &Expr, span: Span) -> Option<Shaped> {
        // `|v|^2` is `dot(v, v)`: the same value without a square root to differentiate.
        if let (BinOp::Pow, A::Norm(inner), A::Num { value, .. }) = (op, &l.kind, &r.kind) {
            if *value == 2.0 {
                if let Some(Shaped::Vector(v)) = self.shape(inner) {
                    return Some(Shaped::Scalar(sum_squares(&v, span)));
                }
            }
        }
        let (a, b) = (self.shape(l), self.shape(r));
        let (a, b) = (a?, b?);
        let mismatch = |diags: &mut Vec<Diagnostic>, msg: String, help: &str| {
            diags.push(
                shape_error(span, msg, "shapes do not match")
                    .with_label(l.span, a.words())
                    .with_label(r.span, b.words())
                    .with_help(help.to_string()),
            );
            None
        };
        match (op, &a, &b) {
            (_, Shaped::Scalar(x), Shaped::Scalar(y)) => Some(Shaped::Scalar(bin(op, x.clone(), y.clone(), span))),
            (BinOp::Add | BinOp::Sub, Shaped::Vector(x), Shaped::Vector(y)) if x.len() == y.len() => {
                Some(Shaped::Vector(x.iter().zip(y).map(|(x, y)| bin(op, x.clone(), paren(y.clone()), span)).collect()))
            }
            (BinOp::Add | BinOp::Sub, ..) => mismatch(
                self.diags,
                format!("cannot {} {} and {}", if op == BinOp::Add { "add" } else { "subtract" }, a.words(), b.words()),
                "vectors add componentwise to vectors of the same size; a scalar needs a vector beside it (`s*v`)",
            ),
            (BinOp::Mul, Shaped::Scalar(s), Shaped::Vector(v)) | (BinOp::Mul, Shaped::Vector(v), Shaped::Scalar(s)) => {
                Some(Shaped::Vector(
                    v.iter().map(|x| bin(BinOp::Mul, paren(s.clone()), paren(x.clone()), span)).collect(),
                ))
            }
            (BinOp::Div, Shaped::Vector(v), Shaped::Scalar(s)) => Some(Shaped::Vector(
                v.iter().map(|x| bin(BinOp::Div, paren(x.clone()), paren(s.clone()), span)).collect(),
            )),
            (BinOp::Mul, ..) => mismatch(
                self.diags,
                format!("cannot multiply {} by {}", a.words(), b.words()),
                "write the inner product as `dot(a, b)`",
            ),
            _ => mismatch(
                self.diags,
                format!("`{}` of {} and {}", op.symbol(), a.words(), b.words()),
                "only a vector divided by a scalar is defined; take `|v|` or `dot(a, b)` first",
            ),
        }
    }

    fn call(&mut self, c: &Call, span: Span) -> Option<Shaped> {
        let name = c.name.name.as_str();
        match name {
            "vec2" | "vec3" => {
                let d = if name == "vec2" { 2 } else { 3 };
                if c.args.items.len() != d || c.args.items.iter().any(|a| a.name.is_some()) {
                    self.diags.push(
                        Diagnostic::new(
                            codes::ARG_COUNT,
                            format!("`{name}` takes {d} components, got {}", c.args.items.len()),
                            c.args.span,
                            "wrong number of components",
                        )
                        .with_note(format!("signature: {name}({})", components_words(d))),
                    );
                    return None;
                }
                let v: Vec<Option<Expr>> = c.args.items.iter().map(|a| self.scalar(&a.value, "a component")).collect();
                Some(Shaped::Vector(v.into_iter().collect::<Option<Vec<_>>>()?))
            }
            "dot" => {
                let vs = self.vector_args(c, 2, "dot(a, b)")?;
                Some(Shaped::Scalar(dot(&vs[0], &vs[1], span)))
            }
            _ => {
                let mut items = Vec::with_capacity(c.args.items.len());
                for a in &c.args.items {
                    let value = self.scalar(&a.value, &format!("an argument of `{name}`"))?;
                    items.push(crate::syntax::ast::Arg { name: a.name.clone(), value });
                }
                let args = Args { items, semi: c.args.semi, span: c.args.span };
                Some(Shaped::Scalar(mk(A::Call(Call { name: c.name.clone(), args }), span)))
            }
        }
    }

    /// The arguments of `c`, which must be `n` vectors of one size (all vectors when `n` is 0).
    pub fn vector_args(&mut self, c: &Call, n: usize, signature: &str) -> Option<Vec<Vec<Expr>>> {
        if (n > 0 && c.args.items.len() != n) || c.args.items.is_empty() {
            self.diags.push(
                Diagnostic::new(
                    codes::ARG_COUNT,
                    format!(
                        "`{}` takes {} vectors, got {}",
                        c.name.name,
                        if n > 0 { n.to_string() } else { "one or more".into() },
                        c.args.items.len()
                    ),
                    c.args.span,
                    "wrong number of arguments",
                )
                .with_note(format!("signature: {signature}")),
            );
            return None;
        }
        let mut out: Vec<Vec<Expr>> = Vec::new();
        for a in &c.args.items {
            match self.shape(&a.value)? {
                Shaped::Vector(v) if out.first().is_none_or(|f| f.len() == v.len()) => out.push(v),
                s => {
                    self.diags.push(
                        shape_error(
                            a.value.span,
                            format!("`{}` needs vectors of one size, not {}", c.name.name, s.words()),
                            "not such a vector",
                        )
                        .with_note(format!("signature: {signature}")),
                    );
                    return None;
                }
            }
        }
        Some(out)
    }
}

fn components_words(d: usize) -> String {
    COMPONENTS[..d].iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ")
}
