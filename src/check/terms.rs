//! Counting and listing the terms of a basis without lowering it: [`count`] (saturating, cheap,
//! for the size guard) and [`expand`] (canonical term keys such as `x^2*y`, for duplicate-term
//! warnings and `keep`/`exclude` membership). Input: `hir::BasisExpr`; output: numbers and keys.

use super::hir::{BasisExpr, BinOp, Expr, ExprKind, Model};
use super::print;
use std::collections::BTreeMap;

/// A canonical term: factors (printed) with their integer powers, sorted; empty is the constant 1.
pub type Key = BTreeMap<String, u32>;

/// Prints a key as a product (`1` for the constant term).
pub fn key_text(k: &Key) -> String {
    if k.is_empty() {
        return "1".into();
    }
    let parts: Vec<String> = k.iter().map(|(f, p)| if *p == 1 { f.clone() } else { format!("{f}^{p}") }).collect();
    parts.join("*")
}

/// Number of monomials of total degree at most `d` in `n` variables: C(n + d, d), saturating.
pub fn poly_count(n: usize, d: u32) -> u128 {
    let mut c: u128 = 1;
    for i in 1..=d as u128 {
        c = c.saturating_mul(n as u128 + i) / i;
    }
    c
}

/// The most pairs of terms a product is multiplied out to count its distinct terms exactly.
pub const PRODUCT_WORK: u128 = 1 << 21;

/// How many terms a basis generates: exact, or a lower bound when counting exactly would take too
/// long (`exact` false).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Count {
    pub n: u128,
    pub exact: bool,
}

/// How many terms the basis generates. A product counts its distinct monomials (`p * p` with
/// `p = poly(x, y, z, degree = 4)` has 165 terms, not 35²) by multiplying out when that takes at
/// most [`PRODUCT_WORK`] pairs; beyond, it is at least its larger factor (multiplying every term
/// of one factor by a fixed term of the other gives distinct terms). Concatenations count every
/// copy (duplicates are warned about, then dropped).
pub fn count(m: &Model, b: &BasisExpr) -> Count {
    let exact = |n| Count { n, exact: true };
    match b {
        BasisExpr::Poly { vars, degree, .. } => exact(poly_count(vars.len(), *degree)),
        BasisExpr::Fourier { vars, harmonics, .. } => exact(2 * vars.len() as u128 * *harmonics as u128),
        BasisExpr::List(items, _) => exact(items.len() as u128),
        BasisExpr::Concat(a, b) => {
            let (a, b) = (count(m, a), count(m, b));
            Count { n: a.n.saturating_add(b.n), exact: a.exact && b.exact }
        }
        BasisExpr::Product(x, y) => {
            let (a, b) = (count(m, x), count(m, y));
            if a.n == 0 || b.n == 0 {
                return exact(0);
            }
            if a.exact && b.exact && a.n.saturating_mul(b.n) <= PRODUCT_WORK {
                return exact(expand_product(m, x, y).len() as u128);
            }
            Count { n: a.n.max(b.n), exact: false }
        }
        BasisExpr::Ref(id, _) => m.bases.get(*id).map_or(exact(0), |x| count(m, &x.expr)),
    }
}

fn expand_product(m: &Model, x: &BasisExpr, y: &BasisExpr) -> Vec<Key> {
    let (a, b) = (expand(m, x), expand(m, y));
    let mut seen = std::collections::HashSet::new();
    let mut out: Vec<Key> = Vec::new();
    for x in &a {
        for y in &b {
            let k = merge(x, y);
            if seen.insert(k.clone()) {
                out.push(k);
            }
        }
    }
    out
}

/// Whether `expand` is affordable: the count is exact and at most `limit`.
pub fn expandable(m: &Model, b: &BasisExpr, limit: u128) -> bool {
    let c = count(m, b);
    c.exact && c.n <= limit
}

/// The canonical key of one scalar term (`2*x*x` → {2:1, x:2}).
pub fn key_of(m: &Model, e: &Expr) -> Key {
    let mut k = Key::new();
    factors(m, e, &mut k);
    k
}

fn factors(m: &Model, e: &Expr, k: &mut Key) {
    match &e.kind {
        ExprKind::Binary(BinOp::Mul, l, r) => {
            factors(m, l, k);
            factors(m, r, k);
        }
        ExprKind::Num(x) if *x == 1.0 => {}
        ExprKind::Binary(BinOp::Pow, base, p) => match p.kind {
            ExprKind::Num(x) if x >= 1.0 && x.fract() == 0.0 && x <= 64.0 => {
                *k.entry(print::expr(m, base, None)).or_insert(0) += x as u32;
            }
            _ => *k.entry(print::expr(m, e, None)).or_insert(0) += 1,
        },
        _ => *k.entry(print::expr(m, e, None)).or_insert(0) += 1,
    }
}

fn merge(a: &Key, b: &Key) -> Key {
    let mut k = a.clone();
    for (f, p) in b {
        *k.entry(f.clone()).or_insert(0) += p;
    }
    k
}

/// All term keys in order. Products drop repeated monomials (that is their definition);
/// concatenations keep repeats, which is what the duplicate-term warning looks for.
pub fn expand(m: &Model, b: &BasisExpr) -> Vec<Key> {
    match b {
        BasisExpr::Poly { vars, degree, .. } => {
            let vars: Vec<String> = vars.iter().map(|v| print::expr(m, v, None)).collect();
            let mut out = vec![Key::new()];
            let mut last = vec![(Key::new(), 0usize)];
            for _ in 0..*degree {
                let mut next = Vec::new();
                for (k, from) in &last {
                    for (i, v) in vars.iter().enumerate().skip(*from) {
                        let mut k2 = k.clone();
                        *k2.entry(v.clone()).or_insert(0) += 1;
                        next.push((k2, i));
                    }
                }
                out.extend(next.iter().map(|(k, _)| k.clone()));
                last = next;
            }
            out
        }
        BasisExpr::Fourier { vars, harmonics, .. } => {
            let mut out = Vec::new();
            for v in vars {
                let v = print::expr(m, v, None);
                for h in 1..=*harmonics {
                    let arg = if h == 1 { v.clone() } else { format!("{h}*{v}") };
                    out.push(Key::from([(format!("sin({arg})"), 1)]));
                    out.push(Key::from([(format!("cos({arg})"), 1)]));
                }
            }
            out
        }
        BasisExpr::List(items, _) => items.iter().map(|e| key_of(m, e)).collect(),
        BasisExpr::Concat(a, b) => {
            let mut out = expand(m, a);
            out.extend(expand(m, b));
            out
        }
        BasisExpr::Product(a, b) => expand_product(m, a, b),
        BasisExpr::Ref(id, _) => m.bases.get(*id).map_or_else(Vec::new, |x| expand(m, &x.expr)),
    }
}
