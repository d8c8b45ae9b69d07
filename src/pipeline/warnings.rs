//! Warnings about a fit's result, as coded diagnostics: a parameter that has no effect on the
//! fit (`W006`, held at its guess) and a parameter that ended on or near one of its bounds
//! (`W005`: on it, or with its 95% interval crossing it); before training, a parameter that only
//! scales candidate terms (`W020`).
//!
//! Input: the checked model (parameter spans and bounds), the lowered model and the [`Fitted`]
//! model. Output: diagnostics pointing at the parameter's declaration.

use crate::check::hir;
use crate::diag::{codes, Diagnostic};
use crate::fit::Fitted;
use crate::number::format_sig;
use crate::report::values::Z95;

/// A fitted value counts as on its bound within this fraction of the bounds' width (the fits
/// project parameters to 1e-9 of the width inside their bounds).
const ON_BOUND: f64 = 1e-6;
/// Per-trajectory values at a bound named in a message before the rest are counted.
const NAMED: usize = 5;

/// Warnings about the fitted parameters of `fitted`; `labels` names the trajectories.
/// A parameter the data cannot determine (`W010`, `W020`) draws no `W005`: its interval, not the
/// data, would cross the bound.
pub fn result_warnings(
    model: &hir::Model,
    ir: &crate::ir::ModelIr,
    fitted: &Fitted,
    labels: &[String],
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut unidentified: Vec<usize> = crate::ir::neural::absorbed_params(ir).into_iter().map(|(p, _)| p).collect();
    unidentified.extend(crate::ir::confound::scaling_params(ir).into_iter().map(|(p, _)| p));
    for (q, p) in model.params.iter().enumerate() {
        if fitted.no_effect.get(q).copied().unwrap_or(false) {
            out.push(
                Diagnostic::new(
                    codes::PARAM_NO_EFFECT,
                    format!(
                        "parameter `{}` has no effect on the fit: held at its guess {}",
                        p.name,
                        format_sig(p.init, 6)
                    ),
                    p.span,
                    "no effect on any equation",
                )
                .with_help("use it in an equation or remove it"),
            );
            continue;
        }
        let Some((lo, hi)) = p.bounds.filter(|_| !unidentified.contains(&q)) else { continue };
        let unc = fitted.uncertainty.as_ref();
        let values: Vec<(f64, f64)> = match fitted.per_trajectory.get(q).filter(|v| !v.is_empty()) {
            Some(v) => v
                .iter()
                .enumerate()
                .map(|(k, &x)| (x, unc.and_then(|u| *u.per_trajectory.get(q)?.get(k)?).unwrap_or(f64::NAN)))
                .collect(),
            None => vec![(fitted.params[q], unc.and_then(|u| *u.params.get(q)?).unwrap_or(f64::NAN))],
        };
        let hits: Vec<(usize, f64, &str)> = values
            .iter()
            .enumerate()
            .filter_map(|(k, &(v, se))| near_bound(v, se, lo, hi).map(|side| (k, v, side)))
            .collect();
        if hits.is_empty() {
            continue;
        }
        out.push(bound_warning(p, &hits, values.len(), labels));
    }
    out
}

/// `"lower"` / `"upper"` when `v` is on that bound or its 95% interval crosses it.
fn near_bound(v: f64, se: f64, lo: f64, hi: f64) -> Option<&'static str> {
    let tol = ON_BOUND * (hi - lo);
    let reach = if se.is_finite() { Z95 * se } else { 0.0 };
    if v - lo <= tol.max(reach) {
        Some("lower")
    } else if hi - v <= tol.max(reach) {
        Some("upper")
    } else {
        None
    }
}

fn bound_warning(p: &hir::Param, hits: &[(usize, f64, &str)], n: usize, labels: &[String]) -> Diagnostic {
    let (lo, hi) = p.bounds.unwrap_or((f64::NAN, f64::NAN));
    let bounds = format!("({}, {})", format_sig(lo, 6), format_sig(hi, 6));
    let message = if p.per_trajectory {
        let named: Vec<String> = hits
            .iter()
            .take(NAMED)
            .map(|&(k, v, side)| {
                format!("`{}` {} ({side})", labels.get(k).map_or("?", String::as_str), format_sig(v, 4))
            })
            .collect();
        let more = if hits.len() > NAMED { format!(" and {} more", hits.len() - NAMED) } else { String::new() };
        format!(
            "parameter `{}` ended on or near its bounds {bounds} in {} of {n} trajectories: {}{more}",
            p.name,
            hits.len(),
            named.join(", ")
        )
    } else {
        let (_, v, side) = hits[0];
        format!("parameter `{}` ended on or near its {side} bound: {} in {bounds}", p.name, format_sig(v, 6))
    };
    Diagnostic::new(codes::PARAM_AT_BOUND, message, p.span, "bounded here")
        .with_help("the bound, not the data, set this value: widen the bounds, or check the model")
}

/// `W020` for each learnable parameter that only scales candidate terms of `sparse(...)`.
pub fn scaling_params(model: &hir::Model, ir: &crate::ir::ModelIr) -> Vec<Diagnostic> {
    crate::ir::confound::scaling_params(ir)
        .into_iter()
        .filter_map(|(p, t)| {
            let param = model.params.get(p)?;
            let term = &ir.terms[t];
            Some(
                Diagnostic::new(
                    codes::SCALING_PARAM,
                    format!(
                        "parameter `{}` only scales candidate terms: their coefficients absorb it, so the data cannot determine it",
                        param.name
                    ),
                    term.span.unwrap_or(param.span),
                    format!("`{}` is a factor of this term, which has its own coefficient", param.name),
                )
                .with_note("its fitted value is reported but is not a recovered value")
                .with_help(format!("write the term without `{}` (its coefficient stands for it), or use `{}` in a known term", param.name, param.name)),
            )
        })
        .collect()
}
