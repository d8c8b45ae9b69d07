//! Basis families: ordered lists of candidate terms built in the arena — `poly`, `fourier`,
//! explicit lists, concatenation, pairwise products with canonical monomials, and exact
//! duplicate removal that reports what it dropped (the caller turns that into a warning).
//!
//! Input: an [`Arena`], variable nodes, [`Names`]. Output: a [`Basis`] of [`Term`]s.
//!
//! Term orders (stable, never hash order):
//! - `poly(v1..vn, degree = d)`: graded; degree 0 (`1`), then each degree `k = 1..d` with the
//!   monomials `v_{i1}*...*v_{ik}` for `i1 <= ... <= ik` in lexicographic order, e.g. for
//!   `x, y, z`: `1, x, y, z, x^2, x*y, x*z, y^2, y*z, z^2, x^3, ...`;
//! - `fourier(v1..vn, harmonics = K)`: for `k = 1..K`, for each variable `v`: `sin(k*v)`,
//!   `cos(k*v)` (no constant term: combine with `poly(..., degree = 0)` or `{1}` for one);
//! - `a * b`: for each term of `a` in order, for each term of `b` in order, the canonical
//!   product (factors sorted by [`Arena::canon_cmp`], equal bases' exponents added, constants
//!   multiplied in front), so `x*y` and `y*x` are the same node.

use super::{Arena, Names, Node, NodeId};
use crate::source::Span;

/// One candidate term: printable name, expression node and (if it came from text) its span.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Term {
    /// Printed form, e.g. `x*y`, `sin(2*x)`, `1`.
    pub name: String,
    /// The term's expression.
    pub node: NodeId,
    /// Where the term was written (absent for generated terms).
    pub span: Option<Span>,
}

/// An ordered list of terms.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Basis {
    /// The terms, in basis order.
    pub terms: Vec<Term>,
}

/// A term removed by [`Basis::dedup`] as an exact duplicate of an earlier one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DroppedTerm {
    /// Position of the dropped term in the list before de-duplication.
    pub index: usize,
    /// Printed form of the dropped term.
    pub name: String,
    /// Where the dropped term was written.
    pub span: Option<Span>,
    /// Position of the kept equal term in the de-duplicated list.
    pub duplicate_of: usize,
}

fn term(arena: &Arena, names: &Names, node: NodeId, span: Option<Span>) -> Term {
    Term { name: arena.surface(node, names).to_string(), node, span }
}

/// Calls `visit` with every non-decreasing index tuple of length `k` over `0..n`, in
/// lexicographic order.
fn multisets(n: usize, k: usize, visit: &mut impl FnMut(&[usize])) {
    fn rec(n: usize, k: usize, start: usize, cur: &mut Vec<usize>, visit: &mut impl FnMut(&[usize])) {
        if cur.len() == k {
            visit(cur);
            return;
        }
        for i in start..n {
            cur.push(i);
            rec(n, k, i, cur, visit);
            cur.pop();
        }
    }
    rec(n, k, 0, &mut Vec::with_capacity(k), visit);
}

/// The flattened factors of a product: constant coefficient and `(base, exponent)` pairs.
fn factors(arena: &Arena, id: NodeId, coef: &mut f64, out: &mut Vec<(NodeId, i32)>) {
    match arena.node(id) {
        Node::Mul(a, b) => {
            factors(arena, a, coef, out);
            factors(arena, b, coef, out);
        }
        Node::Const(bits) => *coef *= f64::from_bits(bits),
        Node::Powi(base, n) => out.push((base, n)),
        _ => out.push((id, 1)),
    }
}

/// The canonical product of two expressions (see the module doc).
pub fn canonical_product(arena: &mut Arena, a: NodeId, b: NodeId) -> NodeId {
    let mut coef = 1.0;
    let mut fs = Vec::new();
    factors(arena, a, &mut coef, &mut fs);
    factors(arena, b, &mut coef, &mut fs);
    fs.sort_by(|x, y| arena.canon_cmp(x.0, y.0));
    let mut merged: Vec<(NodeId, i32)> = Vec::with_capacity(fs.len());
    for (base, n) in fs {
        match merged.last_mut() {
            Some(last) if last.0 == base => last.1 += n,
            _ => merged.push((base, n)),
        }
    }
    // Build right-nested so each variable factor sorts before the rest of the product.
    let mut acc: Option<NodeId> = None;
    for &(base, n) in merged.iter().rev().filter(|f| f.1 != 0) {
        let p = arena.powi(base, n);
        acc = Some(match acc {
            None => p,
            Some(rest) => arena.mul(p, rest),
        });
    }
    let c = arena.constant(coef);
    match acc {
        None => c,
        Some(m) => arena.mul(c, m),
    }
}

impl Basis {
    /// Number of terms.
    pub fn len(&self) -> usize {
        self.terms.len()
    }

    /// Whether the basis has no terms.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// The terms' nodes, in order (the outputs of a basis kernel).
    pub fn nodes(&self) -> Vec<NodeId> {
        self.terms.iter().map(|t| t.node).collect()
    }

    /// The terms' names, in order.
    pub fn names(&self) -> Vec<&str> {
        self.terms.iter().map(|t| t.name.as_str()).collect()
    }

    /// All monomials of `vars` up to total degree `degree`, constant included, in graded order.
    pub fn poly(arena: &mut Arena, names: &Names, vars: &[NodeId], degree: u32) -> Basis {
        let mut nodes = Vec::new();
        for k in 0..=degree as usize {
            multisets(vars.len(), k, &mut |idx| nodes.push(idx.to_vec()));
        }
        let terms = nodes
            .into_iter()
            .map(|idx| {
                let one = arena.constant(1.0);
                let node = idx.iter().fold(one, |acc, &i| canonical_product(arena, acc, vars[i]));
                term(arena, names, node, None)
            })
            .collect();
        Basis { terms }
    }

    /// `sin(k*v), cos(k*v)` for `k = 1..=harmonics`, for each variable (order in the module doc).
    pub fn fourier(arena: &mut Arena, names: &Names, vars: &[NodeId], harmonics: u32) -> Basis {
        let mut terms = Vec::new();
        for k in 1..=harmonics {
            for &v in vars {
                let kc = arena.constant(f64::from(k));
                let arg = arena.mul(kc, v);
                for f in [super::Func::Sin, super::Func::Cos] {
                    let node = arena.call1(f, arg);
                    terms.push(term(arena, names, node, None));
                }
            }
        }
        Basis { terms }
    }

    /// An explicit list of expressions (`{sin(x), x*y}`), each with its source span.
    pub fn explicit(arena: &Arena, names: &Names, items: &[(NodeId, Option<Span>)]) -> Basis {
        Basis { terms: items.iter().map(|&(n, s)| term(arena, names, n, s)).collect() }
    }

    /// `self` followed by `other` (duplicates kept; see [`Basis::dedup`]).
    pub fn concat(mut self, other: Basis) -> Basis {
        self.terms.extend(other.terms);
        self
    }

    /// All pairwise canonical products, `self`-major (duplicates kept; see [`Basis::dedup`]).
    /// A product's span covers both factors' spans when they share a source.
    pub fn product(&self, other: &Basis, arena: &mut Arena, names: &Names) -> Basis {
        let mut terms = Vec::with_capacity(self.len() * other.len());
        for a in &self.terms {
            for b in &other.terms {
                let node = canonical_product(arena, a.node, b.node);
                let span = match (a.span, b.span) {
                    (Some(x), Some(y)) => Some(x.to(y)),
                    (x, y) => x.or(y),
                };
                terms.push(term(arena, names, node, span));
            }
        }
        Basis { terms }
    }

    /// Sets `span` on every term that has none (e.g. all terms of a `poly(...)` call).
    pub fn with_span(mut self, span: Span) -> Basis {
        for t in &mut self.terms {
            t.span.get_or_insert(span);
        }
        self
    }

    /// Removes exact duplicates (same node), keeping first occurrences in order, and reports
    /// every removed term.
    pub fn dedup(self) -> (Basis, Vec<DroppedTerm>) {
        let mut first: std::collections::HashMap<NodeId, usize> = Default::default();
        let mut kept = Vec::with_capacity(self.terms.len());
        let mut dropped = Vec::new();
        for (index, t) in self.terms.into_iter().enumerate() {
            if let Some(&k) = first.get(&t.node) {
                dropped.push(DroppedTerm { index, name: t.name, span: t.span, duplicate_of: k });
            } else {
                first.insert(t.node, kept.len());
                kept.push(t);
            }
        }
        (Basis { terms: kept }, dropped)
    }
}
