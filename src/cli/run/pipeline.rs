//! The stages of `mechc run` before and around training, as library functions the command and
//! the tests share: a model file → [`Prepared`] (sources, checked model, IR, data), the checks
//! made before training ([`unsupported`]: features training does not support yet; [`prefit_checks`]: terms that
//! are not finite on the data, states with no observed value), and training failures
//! ([`FitError`]) as coded diagnostics ([`fit_diagnostic`]).

use crate::check::hir;
use crate::data::{load_model_data, Dataset};
use crate::diag::{self, codes, Diagnostic};
use crate::fit::FitError;
use crate::ir::{ModelIr, Var};
use crate::jit::{Interpreter, Layout};
use crate::source::{SourceMap, Span};
use std::path::Path;

/// A model ready to train.
pub struct Prepared {
    /// The model's source files, for rendering diagnostics.
    pub sources: SourceMap,
    /// The checked model.
    pub model: hir::Model,
    /// The lowered model.
    pub ir: ModelIr,
    /// The training data, from every `data` declaration.
    pub data: Dataset,
    /// Warnings of the check (errors stop before this point).
    pub warnings: Vec<Diagnostic>,
}

/// Why the pipeline stopped before training.
pub enum Failure {
    /// User errors, with the sources to render them against.
    User {
        /// The sources the diagnostics point into.
        sources: SourceMap,
        /// The diagnostics (at least one error).
        diags: Vec<Diagnostic>,
    },
    /// An internal stage failed (the message says which).
    Internal(String),
    /// The file cannot be read.
    Unreadable(String),
}

/// Checks and lowers the model at `path` (no data).
pub fn check_and_lower(path: &Path) -> Result<(SourceMap, hir::Model, ModelIr, Vec<Diagnostic>), Failure> {
    let (sources, model, diags) = crate::check::check_file(path)
        .map_err(|e| Failure::Unreadable(format!("cannot read {}: {e}", path.display())))?;
    let model = match model {
        Some(m) if !diag::has_errors(&diags) => m,
        _ => return Err(Failure::User { sources, diags }),
    };
    let ir = crate::ir::lower(&model).map_err(|e| Failure::Internal(e.to_string()))?;
    Ok((sources, model, ir, diags))
}

/// Check → lower → data → pre-training checks.
pub fn prepare(path: &Path) -> Result<Prepared, Failure> {
    let (sources, model, ir, warnings) = check_and_lower(path)?;
    let user = |sources: SourceMap, d: Diagnostic| Failure::User { sources, diags: vec![d] };
    if let Err(d) = unsupported(&model, &ir) {
        return Err(user(sources, d));
    }
    let data = match load_model_data(&model, min_rows(&model)) {
        Ok(d) => d,
        Err(d) => return Err(user(sources, d)),
    };
    if let Err(d) = prefit_checks(&model, &ir, &data) {
        return Err(user(sources, d));
    }
    Ok(Prepared { sources, model, ir, data, warnings })
}

/// Rows a trajectory needs: one training window under `method = mnn`, two points otherwise.
pub fn min_rows(model: &hir::Model) -> usize {
    crate::fit::min_rows(&model.fit)
}

/// Where a model-level diagnostic points: the `model` line, else the first state.
fn model_span(model: &hir::Model) -> Span {
    model.name.as_ref().map_or_else(|| model.states[0].span, |n| n.span)
}

/// Features training does not support yet: neural terms.
pub fn unsupported(model: &hir::Model, ir: &ModelIr) -> Result<(), Diagnostic> {
    for e in &ir.equations {
        if let Some(n) = e.neural.first() {
            let span = n.span.or(e.span).unwrap_or_else(|| model_span(model));
            return Err(Diagnostic::new(
                codes::UNSUPPORTED,
                "training neural terms `mlp(...)` is not supported yet",
                span,
                "neural term",
            )
            .with_note("`mechc check` accepts this model; `mechc run` refuses rather than give a wrong answer"));
        }
    }
    Ok(())
}

/// Checks made on the data before training: every state has an observed value, and every
/// candidate term is finite on every fully observed row.
pub fn prefit_checks(model: &hir::Model, ir: &ModelIr, data: &Dataset) -> Result<(), Diagnostic> {
    let missing = data.missing_per_column();
    for (s, name) in data.states.iter().enumerate() {
        let rows = data.total_rows();
        if missing.get(s).copied() == Some(rows) {
            let span = model.data.first().map_or_else(|| model_span(model), |d| d.span);
            return Err(Diagnostic::new(
                codes::FIT_FAILED,
                format!("state `{name}` has no observed value in the data"),
                span,
                "no values for this state",
            )
            .with_help("map the state to a column that holds values"));
        }
    }
    finite_terms(model, ir, data)
}

fn finite_terms(model: &hir::Model, ir: &ModelIr, data: &Dataset) -> Result<(), Diagnostic> {
    let n = data.states.len();
    let mut cols: Vec<Var> = (0..n).map(|s| Var::State { index: s as u32, order: 0 }).collect();
    cols.extend((0..data.inputs.len()).map(|j| Var::Input(j as u32)));
    cols.push(Var::Time);
    let layout = Layout::new(cols, model.params.len());
    let guesses: Vec<f64> = model.params.iter().map(|p| p.init).collect();
    for (t, term) in ir.terms.iter().enumerate() {
        // Terms of derivatives (`x'`) are not in the data; training evaluates them on its own states.
        let Ok(interp) = Interpreter::new(&ir.arena, &[term.node], &layout) else { continue };
        for tr in &data.trajectories {
            let mut row = vec![0.0; layout.columns.len()];
            let mut out = [0.0];
            for r in 0..tr.len() {
                let vals = &tr.values[r * tr.width..(r + 1) * tr.width];
                if vals.iter().any(|v| v.is_nan()) {
                    continue;
                }
                row[..tr.width].copy_from_slice(vals);
                row[tr.width] = tr.times[r];
                if interp.eval(1, &row, &guesses, &mut out).is_ok() && !out[0].is_finite() {
                    let span = term_span(model, ir, t);
                    let msg = format!(
                        "term `{}` is not finite ({}) at t = {} of trajectory `{}`",
                        term.name, out[0], tr.times[r], tr.label
                    );
                    return Err(Diagnostic::new(codes::NON_FINITE_TERM, msg, span, "this term")
                        .with_help("remove the term from the basis (`exclude = {...}`), or transform the data"));
                }
            }
        }
    }
    Ok(())
}

/// The term's own span, else the span of the first equation using it.
fn term_span(model: &hir::Model, ir: &ModelIr, t: usize) -> Span {
    let term = &ir.terms[t];
    term.span
        .or_else(|| ir.span_of(term.node))
        .or_else(|| ir.equations.iter().find(|e| e.sparse.iter().any(|b| b.terms.contains(&t))).and_then(|e| e.span))
        .unwrap_or_else(|| model_span(model))
}

/// A training failure as a coded diagnostic.
pub fn fit_diagnostic(e: &FitError, model: &hir::Model) -> Diagnostic {
    let here = model_span(model);
    match e {
        FitError::Unsupported { what, span } => Diagnostic::new(
            codes::UNSUPPORTED,
            format!("{what} is not supported yet"),
            span.unwrap_or(here),
            "not supported yet",
        )
        .with_note("`mechc check` accepts this model; `mechc run` refuses rather than give a wrong answer"),
        FitError::NonFinite { span, .. } => {
            Diagnostic::new(codes::NON_FINITE_TERM, e.to_string(), span.unwrap_or(here), "not finite on the data")
                .with_help("remove the term from the basis (`exclude = {...}`), or transform the data")
        }
        FitError::Diverged { .. } => {
            Diagnostic::new(codes::FIT_FAILED, e.to_string(), here, "while training this model")
                .with_help(crate::fit::divergence_help(&model.fit))
        }
        FitError::Singular { .. } | FitError::Data(_) => {
            Diagnostic::new(codes::FIT_FAILED, e.to_string(), here, "while training this model")
        }
    }
}
