//! Bases over vectors: `poly`/`fourier` of vectors take their components; the invariant families
//! `scalars(a, b, ...)` (all inner products `dot(a_i, a_j)`, `i <= j`, none between two constant
//! vectors), `norms(a, ...)` (`|a_i|`) and `distances(a, ...)` (`|a_i - a_j|`, `i < j`); a list of
//! vectors `{q, p}` and its products with scalar bases (`scalars(q, p) * {q, p}`) are vector bases:
//! one scalar basis per component, whose coefficients the equation shares across components.
//! Input: an AST basis expression. Output: [`BasisShape`] (AST bases) or a reported error.

use super::shape::{bin, call, dot, mk, norm, shape_error, Shaped, Shaper};
use crate::source::Span;
use crate::syntax::ast::{Arg, Args, BinOp, Call, Expr, ExprKind as A};
use std::collections::HashMap;

/// A scalar basis, or a vector basis as one scalar basis per component.
#[derive(Clone, Debug)]
pub enum BasisShape {
    Scalar(Expr),
    Vector(Vec<Expr>),
}

impl BasisShape {
    fn words(&self) -> String {
        match self {
            BasisShape::Scalar(_) => "a scalar basis".into(),
            BasisShape::Vector(v) => format!("a vec{} basis", v.len()),
        }
    }
}

/// Basis rewriting: the shaper plus the vector bases declared so far (inlined per component).
pub struct BasisShaper<'a, 'v> {
    pub sh: &'a mut Shaper<'v>,
    pub vector_bases: &'a HashMap<String, Vec<Expr>>,
    /// Names of constant vectors (no inner products between two of them).
    pub const_vectors: &'a [String],
}

impl BasisShaper<'_, '_> {
    pub fn basis(&mut self, e: &Expr) -> Option<BasisShape> {
        let span = e.span;
        Some(match &e.kind {
            A::Paren(x) => self.basis(x)?,
            A::Binary(op @ (BinOp::Add | BinOp::Mul), l, r) => {
                let (a, b) = (self.basis(l), self.basis(r));
                self.combine(*op, a?, b?, span)?
            }
            A::Name(n) => match self.vector_bases.get(&n.name) {
                Some(v) => BasisShape::Vector(v.clone()),
                None => BasisShape::Scalar(e.clone()),
            },
            A::Set(items) => self.set(items, span)?,
            A::Call(c) => match c.name.name.as_str() {
                "poly" | "fourier" => BasisShape::Scalar(self.family(c, span)?),
                "scalars" | "norms" | "distances" => BasisShape::Scalar(self.invariants(c, span)?),
                _ => BasisShape::Scalar(self.sh.scalar(e, "a basis term")?),
            },
            _ => BasisShape::Scalar(self.sh.scalar(e, "a basis term")?),
        })
    }

    fn combine(&mut self, op: BinOp, a: BasisShape, b: BasisShape, span: Span) -> Option<BasisShape> {
        use BasisShape::*;
        let pair = |x: Expr, y: Expr| bin(op, x, y, span);
        Some(match (a, b) {
            (Scalar(x), Scalar(y)) => Scalar(pair(x, y)),
            (Vector(x), Vector(y)) if op == BinOp::Add && x.len() == y.len() => {
                Vector(x.into_iter().zip(y).map(|(x, y)| pair(x, y)).collect())
            }
            (Scalar(s), Vector(v)) if op == BinOp::Mul => Vector(v.into_iter().map(|x| pair(s.clone(), x)).collect()),
            (Vector(v), Scalar(s)) if op == BinOp::Mul => Vector(v.into_iter().map(|x| pair(x, s.clone())).collect()),
            (a, b) => {
                let what = if op == BinOp::Add { "join" } else { "multiply" };
                self.sh.diags.push(
                    shape_error(span, format!("cannot {what} {} and {}", a.words(), b.words()), "shapes do not match")
                        .with_help(
                            "a vector basis is a list of vectors `{q, p}` times scalar bases; join bases of one shape",
                        ),
                );
                return None;
            }
        })
    }

    /// `{a, b}`: all scalars (a scalar basis) or all vectors of one size (a vector basis).
    fn set(&mut self, items: &[Expr], span: Span) -> Option<BasisShape> {
        let mut scalars = Vec::new();
        let mut vectors: Vec<Vec<Expr>> = Vec::new();
        for x in items {
            match self.sh.shape(x)? {
                Shaped::Scalar(s) => scalars.push(s),
                Shaped::Vector(v) if vectors.first().is_none_or(|f| f.len() == v.len()) => vectors.push(v),
                Shaped::Vector(_) => {
                    self.sh.diags.push(shape_error(
                        x.span,
                        "vectors of different sizes in one list".into(),
                        "another size",
                    ));
                    return None;
                }
            }
        }
        match (scalars.is_empty(), vectors.is_empty()) {
            (_, true) => Some(BasisShape::Scalar(mk(A::Set(scalars), span))),
            (true, false) => {
                let d = vectors[0].len();
                Some(BasisShape::Vector(
                    (0..d).map(|c| mk(A::Set(vectors.iter().map(|v| v[c].clone()).collect()), span)).collect(),
                ))
            }
            (false, false) => {
                self.sh.diags.push(
                    shape_error(span, "a list mixes scalars and vectors".into(), "mixed list")
                        .with_help("list scalar terms and vector terms in separate bases"),
                );
                None
            }
        }
    }

    /// `poly(...)`/`fourier(...)`: vector variables contribute their components.
    fn family(&mut self, c: &Call, span: Span) -> Option<Expr> {
        let mut items = Vec::new();
        for a in &c.args.items {
            if a.name.is_some() {
                let value = self.sh.scalar(&a.value, "a named argument")?;
                items.push(Arg { name: a.name.clone(), value });
                continue;
            }
            match self.sh.shape(&a.value)? {
                Shaped::Scalar(value) => items.push(Arg { name: None, value }),
                Shaped::Vector(v) => items.extend(v.into_iter().map(|value| Arg { name: None, value })),
            }
        }
        let args = Args { items, semi: c.args.semi, span: c.args.span };
        Some(mk(A::Call(Call { name: c.name.clone(), args }), span))
    }

    /// `scalars(...)`, `norms(...)`, `distances(...)` as explicit lists of scalar terms.
    fn invariants(&mut self, c: &Call, span: Span) -> Option<Expr> {
        let name = c.name.name.as_str();
        let vs = self.sh.vector_args(c, 0, &format!("{name}(a, b, ...)"))?;
        let fixed: Vec<bool> = c
            .args
            .items
            .iter()
            .map(|a| matches!(&a.value.kind, A::Name(n) if self.const_vectors.contains(&n.name)))
            .collect();
        let mut terms = Vec::new();
        for i in 0..vs.len() {
            match name {
                "scalars" => {
                    for j in i..vs.len() {
                        if !(fixed[i] && fixed[j]) {
                            terms.push(dot(&vs[i], &vs[j], span));
                        }
                    }
                }
                "norms" if !fixed[i] => terms.push(norm(&vs[i], span)),
                "distances" => {
                    for j in i + 1..vs.len() {
                        let diff: Vec<Expr> = vs[i]
                            .iter()
                            .zip(&vs[j])
                            .map(|(a, b)| bin(BinOp::Sub, a.clone(), b.clone(), span))
                            .collect();
                        terms.push(norm(&diff, span));
                    }
                }
                _ => {}
            }
        }
        let _ = call;
        Some(mk(A::Set(terms), span))
    }
}
