//! Interchangeable candidate terms (`W007`), found on the data before training.
//!
//! Each equation's candidate terms are evaluated on the fully observed data rows and scaled to
//! unit root mean square. Taken in basis order (lowest degree first), each column is regressed
//! on the columns kept so far (a rank-revealing Gram–Schmidt): when what is left of it cannot be
//! told from noise, the column is a combination of earlier ones on this data and the terms with
//! a share in that combination are interchangeable. "Cannot be told from noise" means the
//! residual's root mean square is below [`NOISE_RATIO`] times its noise level estimated from
//! fourth differences (white noise gives a ratio near 1, any smooth signal left in the residual
//! a ratio far above), or below [`EXACT`] of the column (dependent to working precision, as on
//! clean data). A conservation law such as `s + i + r = 1` makes `1`, `s`, `i` and `r` one such
//! group.
//!
//! Input: the checked and lowered model and the data. Output: one warning per group of
//! interchangeable terms (once per library, not per equation using it), naming the terms and
//! suggesting an `exclude`.

use crate::check::hir;
use crate::data::Dataset;
use crate::diag::{codes, Diagnostic};
use crate::fit::{dense_solve, noise_std};
use crate::ir::ModelIr;
use crate::jit::Interpreter;

/// A residual whose root mean square is below this multiple of its estimated noise level is
/// noise: for white noise the ratio is 1 up to the estimator's spread (a few percent on
/// thousands of rows), while a residual holding signal has a ratio of ten or more.
const NOISE_RATIO: f64 = 2.0;
/// A residual below this fraction of its (unit) column is zero to working precision.
const EXACT: f64 = 1e-8;
/// A term takes part in a dependency when its coefficient (in unit-scaled columns) is at least
/// this fraction of the largest one.
const SHARE: f64 = 0.01;
/// Further groups named in a warning's note.
const MAX_GROUPS: usize = 6;

/// Warnings for groups of interchangeable candidate terms.
pub fn collinear_warnings(model: &hir::Model, ir: &ModelIr, data: &Dataset) -> Vec<Diagnostic> {
    let mut seen: Vec<Vec<usize>> = Vec::new();
    let mut out = Vec::new();
    for e in &ir.equations {
        let terms: Vec<usize> = e
            .sparse
            .iter()
            .flat_map(|b| b.terms.iter().zip(&b.slots).filter(|(_, s)| s.is_some()).map(|(&t, _)| t))
            .collect();
        if terms.len() < 2 || seen.contains(&terms) {
            continue;
        }
        seen.push(terms.clone());
        let Some(cols) = columns(model, ir, data, &terms) else { continue };
        let groups: Vec<Vec<usize>> =
            dependent_groups(&cols, data).iter().map(|g| g.iter().map(|&j| terms[j]).collect()).collect();
        if !groups.is_empty() {
            out.push(warning(model, ir, e.span, &groups));
        }
    }
    out
}

/// The terms' columns on the fully observed rows, per trajectory (`cols[term][trajectory]`),
/// scaled to unit root mean square; `None` when a term cannot be evaluated on the data (it
/// reads a derivative) or the data has no such row.
fn columns(model: &hir::Model, ir: &ModelIr, data: &Dataset, terms: &[usize]) -> Option<Vec<Vec<Vec<f64>>>> {
    let layout = super::data_layout(model, data);
    let guesses: Vec<f64> = model.params.iter().map(|p| p.init).collect();
    let mut cols = Vec::with_capacity(terms.len());
    for &t in terms {
        let interp = Interpreter::new(&ir.arena, &[ir.terms[t].node], &layout).ok()?;
        let mut per_traj = Vec::new();
        for tr in &data.trajectories {
            let col: Option<Vec<f64>> =
                super::term_on_rows(&interp, &layout, &guesses, tr).into_iter().map(|(_, v)| v).collect();
            per_traj.push(col?);
        }
        let m: usize = per_traj.iter().map(Vec::len).sum();
        let rms = (per_traj.iter().flatten().map(|v| v * v).sum::<f64>() / m.max(1) as f64).sqrt();
        if m == 0 || !rms.is_finite() {
            return None;
        }
        if rms > 0.0 {
            per_traj.iter_mut().flatten().for_each(|v| *v /= rms);
        }
        cols.push(per_traj);
    }
    Some(cols)
}

/// Groups of column indices, each the earlier columns a dependent column is a combination of,
/// with the dependent column last.
fn dependent_groups(cols: &[Vec<Vec<f64>>], data: &Dataset) -> Vec<Vec<usize>> {
    let flat: Vec<Vec<f64>> = cols.iter().map(|c| c.concat()).collect();
    let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
    let mut kept: Vec<usize> = Vec::new();
    let mut groups = Vec::new();
    for j in 0..flat.len() {
        let k = kept.len();
        let beta = if k == 0 {
            Some(vec![])
        } else {
            let mut g = vec![0.0; k * k];
            for (a, &ia) in kept.iter().enumerate() {
                for (b, &ib) in kept.iter().enumerate() {
                    g[a * k + b] = dot(&flat[ia], &flat[ib]);
                }
            }
            let rhs: Vec<f64> = kept.iter().map(|&i| dot(&flat[i], &flat[j])).collect();
            dense_solve(&g, &rhs, k)
        };
        let Some(beta) = beta else {
            kept.push(j);
            continue;
        };
        let mut resid = flat[j].clone();
        for (&i, &b) in kept.iter().zip(&beta) {
            resid.iter_mut().zip(&flat[i]).for_each(|(r, x)| *r -= b * x);
        }
        if k > 0 && is_noise(&resid, data) {
            let top = beta.iter().fold(0.0f64, |m, b| m.max(b.abs()));
            let mut group: Vec<usize> =
                kept.iter().zip(&beta).filter(|(_, b)| b.abs() >= SHARE * top).map(|(&i, _)| i).collect();
            group.push(j);
            groups.push(group);
        } else {
            kept.push(j);
        }
    }
    groups
}

/// Whether a residual (all trajectories' rows concatenated) is noise or zero.
fn is_noise(resid: &[f64], data: &Dataset) -> bool {
    let m = resid.len().max(1) as f64;
    let rms = (resid.iter().map(|v| v * v).sum::<f64>() / m).sqrt();
    if rms < EXACT {
        return true;
    }
    let (mut var, mut rows, mut at) = (0.0, 0usize, 0usize);
    for tr in &data.trajectories {
        let len =
            (0..tr.len()).filter(|&r| tr.values[r * tr.width..(r + 1) * tr.width].iter().all(|v| !v.is_nan())).count();
        let part = &resid[at..at + len];
        at += len;
        if len >= 5 {
            let s = noise_std(part, &vec![true; len]);
            var += s * s * len as f64;
            rows += len;
        }
    }
    rows > 0 && rms < NOISE_RATIO * (var / rows as f64).sqrt()
}

fn warning(model: &hir::Model, ir: &ModelIr, span: Option<crate::source::Span>, groups: &[Vec<usize>]) -> Diagnostic {
    let name = |t: usize| format!("`{}`", ir.arena.surface(ir.terms[t].node, &ir.names));
    let first: Vec<String> = groups[0].iter().map(|&t| name(t)).collect();
    let dependent: Vec<String> = groups
        .iter()
        .filter_map(|g| g.last())
        .map(|&t| ir.arena.surface(ir.terms[t].node, &ir.names).to_string())
        .collect();
    let basis = ir
        .equations
        .iter()
        .flat_map(|e| &e.sparse)
        .find(|b| groups[0].iter().all(|t| b.terms.contains(t)))
        .map_or_else(|| "lib".to_string(), |b| b.basis.clone());
    let mut d = Diagnostic::new(
        codes::COLLINEAR_TERMS,
        format!(
            "candidate terms {} are interchangeable on the data: the last is a combination of the others up to \
             the noise (a conservation law?)",
            first.join(", ")
        ),
        span.unwrap_or_else(|| model.span()),
        "these candidate terms cannot be told apart",
    )
    .with_help(format!(
        "exclude the dependent terms in each equation using `{basis}`: `sparse({basis}, exclude = {{{}}})`, or drop \
         a state the law determines",
        dependent.join(", ")
    ));
    if groups.len() > 1 {
        let more: Vec<String> = groups[1..]
            .iter()
            .take(MAX_GROUPS)
            .map(|g| {
                let names: Vec<String> = g.iter().map(|&t| name(t)).collect();
                names.join(" ~ ")
            })
            .collect();
        let rest = groups.len() - 1 - more.len();
        let tail = if rest > 0 { format!(" and {rest} more") } else { String::new() };
        d = d.with_note(format!("further dependencies on the data: {}{tail}", more.join("; ")));
    }
    d
}
