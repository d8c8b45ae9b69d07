//! Exact polynomial expansion of a lowered system's right-hand side: [`expand`] turns each
//! state's expression DAG (with the parameter values substituted) into a [`Poly`], a map from
//! exponent vectors to coefficients; [`truth`] lists its terms as the benchmark's [`Truth`] on a
//! `poly(states, degree = d)` library.
//!
//! Sums, differences, products, negation, positive integer powers and division by a constant are
//! expanded; anything else (a function call, a real power, `t`, a derivative on the right side)
//! is an error naming the operation. Coefficients that cancel to exactly zero are removed.

use std::collections::BTreeMap;

use super::score::Truth;
use crate::ir::{Node, NodeId, SystemIr, Var};

/// A polynomial in the system's states: exponent vector (one exponent per state) → coefficient.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Poly {
    /// The non-zero terms.
    pub terms: BTreeMap<Vec<u32>, f64>,
}

impl Poly {
    fn constant(n: usize, c: f64) -> Poly {
        let mut p = Poly::default();
        if c != 0.0 {
            p.terms.insert(vec![0; n], c);
        }
        p
    }

    fn variable(n: usize, i: usize) -> Poly {
        let mut e = vec![0; n];
        e[i] = 1;
        Poly { terms: BTreeMap::from([(e, 1.0)]) }
    }

    fn add(&self, other: &Poly, sign: f64) -> Poly {
        let mut out = self.clone();
        for (e, c) in &other.terms {
            *out.terms.entry(e.clone()).or_insert(0.0) += sign * c;
        }
        out.terms.retain(|_, c| *c != 0.0);
        out
    }

    fn mul(&self, other: &Poly) -> Poly {
        let mut out = Poly::default();
        for (ea, ca) in &self.terms {
            for (eb, cb) in &other.terms {
                let e: Vec<u32> = ea.iter().zip(eb).map(|(a, b)| a + b).collect();
                *out.terms.entry(e).or_insert(0.0) += ca * cb;
            }
        }
        out.terms.retain(|_, c| *c != 0.0);
        out
    }

    fn scale(&self, s: f64) -> Poly {
        let mut out = self.clone();
        out.terms.values_mut().for_each(|c| *c *= s);
        out.terms.retain(|_, c| *c != 0.0);
        out
    }

    /// The value of a constant polynomial (`None` when it depends on a state).
    fn as_constant(&self) -> Option<f64> {
        match self.terms.len() {
            0 => Some(0.0),
            1 => self.terms.iter().next().filter(|(e, _)| e.iter().all(|&k| k == 0)).map(|(_, c)| *c),
            _ => None,
        }
    }

    /// The largest total degree of a term (0 for the zero polynomial).
    pub fn degree(&self) -> u32 {
        self.terms.keys().map(|e| e.iter().sum()).max().unwrap_or(0)
    }

    /// The value at the point `x` (one value per state).
    pub fn eval(&self, x: &[f64]) -> f64 {
        self.terms.iter().map(|(e, c)| c * e.iter().zip(x).map(|(&k, &v)| v.powi(k as i32)).product::<f64>()).sum()
    }
}

/// The name of a monomial over `states`: `1`, `x`, `x^2*y` (factors in state order).
pub fn monomial_name(exponents: &[u32], states: &[String]) -> String {
    let factors: Vec<String> = exponents
        .iter()
        .zip(states)
        .filter(|(&k, _)| k > 0)
        .map(|(&k, s)| if k == 1 { s.clone() } else { format!("{s}^{k}") })
        .collect();
    if factors.is_empty() {
        "1".into()
    } else {
        factors.join("*")
    }
}

/// Expands every state's right-hand side with parameter values `params` substituted.
pub fn expand(ir: &SystemIr, params: &[f64]) -> Result<Vec<Poly>, String> {
    let n = ir.rhs.len();
    let reach = ir.arena.reachable(&ir.rhs);
    let mut memo: Vec<Option<Poly>> = vec![None; ir.arena.len()];
    // Children have smaller ids than their parents, so one ascending pass sees them first.
    for (i, node) in ir.arena.nodes().iter().enumerate() {
        if reach[i] {
            memo[i] = Some(expand_node(*node, &memo, n, params, ir)?);
        }
    }
    Ok(ir.rhs.iter().map(|r| memo[r.index()].clone().unwrap_or_default()).collect())
}

fn expand_node(node: Node, memo: &[Option<Poly>], n: usize, params: &[f64], ir: &SystemIr) -> Result<Poly, String> {
    let get = |id: NodeId| memo[id.index()].as_ref().ok_or_else(|| "internal: operand not expanded".to_string());
    Ok(match node {
        Node::Const(_) => Poly::constant(n, node.as_const().unwrap_or(f64::NAN)),
        Node::Var(Var::State { index, order: 0 }) if (index as usize) < n => Poly::variable(n, index as usize),
        Node::Var(Var::Param(i)) => {
            let v = params.get(i as usize).ok_or_else(|| format!("no value for parameter {i}"))?;
            Poly::constant(n, *v)
        }
        Node::Var(v) => return Err(format!("`{}` is not a polynomial variable", ir.names.var_name(v))),
        Node::Neg(a) => get(a)?.scale(-1.0),
        Node::Add(a, b) => get(a)?.add(get(b)?, 1.0),
        Node::Sub(a, b) => get(a)?.add(get(b)?, -1.0),
        Node::Mul(a, b) => get(a)?.mul(get(b)?),
        Node::Div(a, b) => match get(b)?.as_constant() {
            Some(c) if c != 0.0 => get(a)?.scale(1.0 / c),
            _ => return Err("division by a non-constant or zero".into()),
        },
        Node::Powi(a, k) if k > 0 => {
            let base = get(a)?;
            (1..k).fold(base.clone(), |acc, _| acc.mul(base))
        }
        Node::Powi(_, k) => return Err(format!("negative power {k}")),
        Node::Call1(f, _) | Node::Call2(f, _, _) => {
            return Err(format!("`{}` is not polynomial", f.info().name));
        }
    })
}

/// The true terms of `rhs` on `poly(states, degree)`, or `None` when some term's degree exceeds
/// the library's (the library cannot express the system).
pub fn truth(rhs: &[Poly], states: &[String], degree: u32) -> Option<Truth> {
    if rhs.iter().any(|p| p.degree() > degree) {
        return None;
    }
    let terms = rhs
        .iter()
        .zip(states)
        .flat_map(|(p, s)| p.terms.iter().map(move |(e, c)| (s.clone(), monomial_name(e, states), *c)))
        .collect();
    Some(Truth { terms })
}
