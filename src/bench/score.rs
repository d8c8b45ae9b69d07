//! Scoring a discovered model against the truth: a [`CoefTable`] (one row of named term
//! coefficients per state equation, from mechc or from PySINDy) and a [`Truth`] table → a
//! [`Score`] (exact support, worst relative coefficient error over the true terms, terms kept).
//!
//! Term names from different tools are compared as monomials: `x*y`, `y x` and `x y` are the same
//! term, `x^2` is `x*x`, and `1` is the constant. A name that is not a monomial of plain variable
//! names is compared as written.

use serde::Serialize;

/// Discovered coefficients: for each state equation, `(term name, coefficient)` pairs. A term
/// missing from a row, or present with coefficient exactly 0, counts as dropped.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct CoefTable {
    /// One row per state, `(state name, terms)`.
    pub rows: Vec<(String, Vec<(String, f64)>)>,
}

impl CoefTable {
    /// The coefficient of `term` in the equation of `state` (0 when absent).
    pub fn get(&self, state: &str, term: &str) -> f64 {
        let key = monomial_key(term);
        self.rows
            .iter()
            .filter(|(s, _)| s == state)
            .flat_map(|(_, terms)| terms)
            .filter(|(t, _)| monomial_key(t) == key)
            .map(|(_, c)| *c)
            .sum()
    }

    /// Every kept (non-zero) `(state, term key)` pair.
    fn kept(&self) -> Vec<(String, String)> {
        let mut kept: Vec<(String, String)> = self
            .rows
            .iter()
            .flat_map(|(s, terms)| {
                terms.iter().filter(|(_, c)| *c != 0.0).map(move |(t, _)| (s.clone(), monomial_key(t)))
            })
            .collect();
        kept.sort();
        kept.dedup();
        kept
    }
}

/// The true model: `(state, term, coefficient)` triples; every other term is truly absent.
#[derive(Clone, Debug, PartialEq)]
pub struct Truth {
    /// The non-zero terms of the true equations.
    pub terms: Vec<(String, String, f64)>,
}

impl Truth {
    /// Lorenz with σ = 10, ρ = 28, β = 8/3:
    /// x' = −10x + 10y; y' = 28x − y − xz; z' = −(8/3)z + xy.
    pub fn lorenz() -> Truth {
        let t = |s: &str, term: &str, c: f64| (s.to_string(), term.to_string(), c);
        Truth {
            terms: vec![
                t("x", "x", -10.0),
                t("x", "y", 10.0),
                t("y", "x", 28.0),
                t("y", "y", -1.0),
                t("y", "x*z", -1.0),
                t("z", "z", -8.0 / 3.0),
                t("z", "x*y", 1.0),
            ],
        }
    }
}

/// How well a discovered model matches the truth.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Score {
    /// Exactly the true terms are kept: none missing, none extra.
    pub exact_support: bool,
    /// True terms that were dropped.
    pub missing: usize,
    /// Kept terms that are not in the truth.
    pub extra: usize,
    /// Largest `|c − c_true| / |c_true|` over the true terms (a dropped true term counts as 1).
    pub max_rel_error: f64,
    /// Number of kept (non-zero) terms over all equations.
    pub terms_kept: usize,
}

/// Scores `found` against `truth`. A non-finite coefficient makes the error infinite.
pub fn score(found: &CoefTable, truth: &Truth) -> Score {
    let kept = found.kept();
    let true_keys: Vec<(String, String)> = truth.terms.iter().map(|(s, t, _)| (s.clone(), monomial_key(t))).collect();
    let missing = true_keys.iter().filter(|k| !kept.contains(k)).count();
    let extra = kept.iter().filter(|k| !true_keys.contains(k)).count();
    let max_rel_error = truth
        .terms
        .iter()
        .map(|(s, t, c)| {
            let e = ((found.get(s, t) - c) / c).abs();
            if e.is_nan() {
                f64::INFINITY
            } else {
                e
            }
        })
        .fold(0.0, f64::max);
    Score { exact_support: missing == 0 && extra == 0, missing, extra, max_rel_error, terms_kept: kept.len() }
}

/// A canonical key for a monomial name: its variable factors, powers expanded, sorted and joined
/// by `*`; `1` for the constant. Names that are not monomials are returned trimmed, as written.
pub fn monomial_key(name: &str) -> String {
    let name = name.trim();
    if name == "1" {
        return "1".into();
    }
    let mut factors = Vec::new();
    for part in name.split(['*', ' ']).filter(|p| !p.is_empty()) {
        let (var, power) = match part.split_once('^') {
            Some((v, p)) => match p.parse::<usize>() {
                Ok(p) => (v, p),
                Err(_) => return name.to_string(),
            },
            None => (part, 1),
        };
        let is_ident = var.chars().next().is_some_and(|c| c.is_alphabetic() || c == '_')
            && var.chars().all(|c| c.is_alphanumeric() || c == '_');
        if !is_ident {
            return name.to_string();
        }
        factors.extend(std::iter::repeat_n(var.to_string(), power));
    }
    if factors.is_empty() {
        return name.to_string();
    }
    factors.sort();
    factors.join("*")
}

/// The outcome of one fit of one file by one tool.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FitRecord {
    /// `mechc`, `pysindy-weak`, `pysindy-weak-a0` or `pysindy-fd`.
    pub tool: String,
    /// Noise level, percent.
    pub level: f64,
    /// Noise seed.
    pub seed: u64,
    /// The CSV file fitted.
    pub file: String,
    /// Wall time of the fit, seconds (absent when the tool failed before timing).
    pub wall_s: Option<f64>,
    /// The score, when the fit succeeded.
    pub score: Option<Score>,
    /// Why the fit failed, when it did.
    pub error: Option<String>,
    /// The discovered coefficients, when the fit succeeded.
    pub coefficients: Option<CoefTable>,
}
