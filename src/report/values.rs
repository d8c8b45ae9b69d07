//! Everything a fit estimated, with its uncertainty: the fitted parameters (shared, and per
//! trajectory with the trajectory's label), the standard errors and 95% intervals of the kept
//! coefficients, and the full coefficient matrix (every candidate term of every equation, zeros
//! included). The lowered model ([`ModelIr`]), the data and the [`Fitted`] model → the report's
//! [`ParamValue`]s and [`CoefficientMatrix`], and their text.
//!
//! Intervals are `estimate ± 1.96 · standard error` (normal quantile: the residual degrees of
//! freedom are in the thousands for any fit with a useful amount of data).

use super::equations::EquationText;
use crate::data::Dataset;
use crate::fit::Fitted;
use crate::ir::{ModelIr, Var};
use crate::number::format_sig;
use serde::Serialize;
use std::fmt::Write;

/// The 97.5% quantile of the standard normal distribution.
pub const Z95: f64 = 1.959_963_984_540_054;

/// Trajectories beyond which per-trajectory values are printed as a compact table.
const TABLE_COLUMNS: usize = 4;

/// One value of a per-trajectory parameter.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TrajValue {
    /// The trajectory's label.
    pub trajectory: String,
    /// The fitted value.
    pub value: f64,
    /// Its standard error, when the fit computes one.
    pub std_error: Option<f64>,
}

/// One fitted parameter.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ParamValue {
    /// The parameter's name.
    pub name: String,
    /// The fitted value (for a per-trajectory parameter, the mean over trajectories).
    pub value: f64,
    /// Its standard error (shared parameters), when the fit computes one.
    pub std_error: Option<f64>,
    /// Its 95% interval.
    pub interval: Option<[f64; 2]>,
    /// Held at its initial guess: it has no effect on the fit.
    pub no_effect: bool,
    /// A neural term of its equation can absorb its term: the value is not a recovered one
    /// (no standard error is given).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub absorbed: bool,
    /// It only scales candidate terms, whose coefficients absorb it: the value is not a
    /// recovered one (no standard error is given).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub scales_terms: bool,
    /// One value per trajectory (empty for a shared parameter).
    pub per_trajectory: Vec<TrajValue>,
}

/// Every candidate coefficient: one row per equation, one column per term of the union of the
/// equations' candidate terms; 0 where a term was dropped or is not a candidate of the equation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CoefficientMatrix {
    /// The equations' left sides (rows).
    pub equations: Vec<String>,
    /// The terms (columns), as printed.
    pub terms: Vec<String>,
    /// `values[row][column]`.
    pub values: Vec<Vec<f64>>,
    /// Standard errors in the same layout (`null` where the term was not kept or none was
    /// computed).
    pub std_errors: Vec<Vec<Option<f64>>>,
    /// Whether each entry is a kept term.
    pub kept: Vec<Vec<bool>>,
}

/// A finite standard error, or none.
fn finite(v: Option<f64>) -> Option<f64> {
    v.filter(|v| v.is_finite())
}

/// `v ± 1.96 se`.
pub fn interval(v: f64, se: Option<f64>) -> Option<[f64; 2]> {
    se.map(|s| [v - Z95 * s, v + Z95 * s])
}

/// The fitted parameters with their uncertainty, in declaration order.
pub fn params(ir: &ModelIr, data: &Dataset, fitted: &Fitted) -> Vec<ParamValue> {
    let unc = fitted.uncertainty.as_ref();
    let absorbed: Vec<usize> = crate::ir::neural::absorbed_params(ir).into_iter().map(|(p, _)| p).collect();
    let scaling: Vec<usize> = crate::ir::confound::scaling_params(ir).into_iter().map(|(p, _)| p).collect();
    ir.names
        .params
        .iter()
        .enumerate()
        .map(|(q, name)| {
            let value = fitted.params.get(q).copied().unwrap_or(f64::NAN);
            let values = fitted.per_trajectory.get(q).map_or(&[][..], |v| &v[..]);
            let per_trajectory: Vec<TrajValue> = values
                .iter()
                .enumerate()
                .map(|(k, &v)| TrajValue {
                    trajectory: data.trajectories.get(k).map_or_else(|| format!("{k}"), |t| t.label.clone()),
                    value: v,
                    std_error: finite(unc.and_then(|u| *u.per_trajectory.get(q)?.get(k)?)),
                })
                .collect();
            let absorbed = absorbed.contains(&q);
            let scales_terms = scaling.contains(&q);
            let std_error = if per_trajectory.is_empty() && !absorbed && !scales_terms {
                finite(unc.and_then(|u| *u.params.get(q)?))
            } else {
                None
            };
            ParamValue {
                name: name.clone(),
                value,
                std_error,
                interval: interval(value, std_error),
                no_effect: fitted.no_effect.get(q).copied().unwrap_or(false),
                absorbed,
                scales_terms,
                per_trajectory,
            }
        })
        .collect()
}

/// Fills the standard errors and intervals of the kept terms of `eqs`.
pub fn attach_errors(eqs: &mut [EquationText], fitted: &Fitted) {
    let Some(u) = &fitted.uncertainty else { return };
    for t in eqs.iter_mut().flat_map(|e| e.terms.iter_mut()) {
        t.std_error = finite(u.coefficients.get(t.slot).copied().flatten());
        t.interval = interval(t.coefficient, t.std_error);
    }
}

/// The full coefficient matrix.
pub fn matrix(ir: &ModelIr, fitted: &Fitted) -> CoefficientMatrix {
    let mut terms: Vec<String> = Vec::new();
    let col = |terms: &mut Vec<String>, name: String| match terms.iter().position(|t| *t == name) {
        Some(i) => i,
        None => {
            terms.push(name);
            terms.len() - 1
        }
    };
    let mut cells = Vec::new();
    for (s, c) in ir.coefs.iter().enumerate() {
        let name = ir.arena.surface(ir.terms[c.term].node, &ir.names).to_string();
        cells.push((c.equation, col(&mut terms, name), s));
    }
    let ne = ir.equations.len();
    let nt = terms.len();
    let mut m = CoefficientMatrix {
        equations: ir
            .equations
            .iter()
            .map(|e| ir.names.var_name(Var::State { index: e.state, order: e.order }))
            .collect(),
        terms,
        values: vec![vec![0.0; nt]; ne],
        std_errors: vec![vec![None; nt]; ne],
        kept: vec![vec![false; nt]; ne],
    };
    for (e, j, s) in cells {
        let c = fitted.coefficients.get(s).copied().unwrap_or(0.0);
        let kept = fitted.active.get(s).copied().unwrap_or(false) && c != 0.0;
        m.values[e][j] = c;
        m.kept[e][j] = kept;
        if kept {
            m.std_errors[e][j] = finite(fitted.uncertainty.as_ref().and_then(|u| *u.coefficients.get(s)?));
        }
    }
    m
}

/// `value ± se` with the value to `precision` significant digits and the error to two.
pub fn pm(value: f64, se: Option<f64>, precision: usize) -> String {
    match se {
        Some(s) => format!("{} ± {}", format_sig(value, precision), format_sig(s, 2)),
        None => format_sig(value, precision),
    }
}

/// The coefficients' uncertainty lines (one per equation with kept terms).
pub fn coefficient_text(s: &mut String, eqs: &[EquationText], precision: usize) {
    for e in eqs {
        let parts: Vec<String> = e
            .terms
            .iter()
            .filter(|t| t.std_error.is_some())
            .map(|t| format!("{} {}", t.term, pm(t.coefficient, t.std_error, precision)))
            .collect();
        if !parts.is_empty() {
            let _ = writeln!(s, "    {}: {}", e.lhs, parts.join(", "));
        }
    }
}

/// The parameters' lines: shared ones on one line, each per-trajectory one as a table.
pub fn params_text(s: &mut String, params: &[ParamValue], precision: usize) {
    let shared: Vec<String> = params
        .iter()
        .filter(|p| p.per_trajectory.is_empty())
        .map(|p| {
            let held = if p.no_effect {
                " (no effect on the fit: held at its guess)"
            } else if p.absorbed {
                " (not identifiable: a neural term of its equation can absorb it; not a recovered value)"
            } else if p.scales_terms {
                " (not identifiable: it only scales candidate terms, whose coefficients absorb it; not a recovered value)"
            } else {
                ""
            };
            format!("{} = {}{held}", p.name, pm(p.value, p.std_error, precision))
        })
        .collect();
    if !shared.is_empty() {
        let _ = writeln!(s, "  params: {}", shared.join(", "));
    }
    for p in params.iter().filter(|p| !p.per_trajectory.is_empty()) {
        let vals: Vec<f64> = p.per_trajectory.iter().map(|t| t.value).collect();
        let (lo, hi) = vals.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
        let _ = writeln!(
            s,
            "  {} per trajectory ({} values, mean {}, range {} .. {}){}:",
            p.name,
            vals.len(),
            format_sig(p.value, precision),
            format_sig(lo, precision),
            format_sig(hi, precision),
            if p.no_effect { " (no effect on the fit: held at its guess)" } else { "" }
        );
        let cells: Vec<String> = p
            .per_trajectory
            .iter()
            .map(|t| format!("{} {}", t.trajectory, pm(t.value, t.std_error, precision)))
            .collect();
        let width = cells.iter().map(|c| c.chars().count()).max().unwrap_or(0);
        for row in cells.chunks(TABLE_COLUMNS) {
            let line: Vec<String> = row.iter().map(|c| format!("{c:<width$}")).collect();
            let _ = writeln!(s, "    {}", line.join("   ").trim_end());
        }
    }
}
