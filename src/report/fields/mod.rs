//! The report of a field fit: the lowered model, the field data and the [`FieldFit`] → a
//! [`FieldReport`] (the discovered equations as `.mech` with standard errors, fitted parameters,
//! the selection path, the grid, the noise estimates and, per periodic trajectory, a rollout of
//! the discovered PDE from its first denoised profile scored by its relative L2 error against the
//! denoised data over every time and point), printable as text ([`text`]) and serialisable as
//! JSON.
//!
//! - [`rollout`]: the discovered PDE integrated from a profile.
//! - [`emit`]: the discovered model as a `.mech` file that `mechc simulate` integrates.
//! - [`html`]: the report as one self-contained HTML page.
//! - [`export`]: the equations for other tools (LaTeX, SymPy).

pub mod emit;
pub mod export;
pub mod html;
pub mod rollout;
mod text;

pub use text::text;

use super::equations::{equations_with, EquationText};
use super::summary::{PathPoint, UncertaintyInfo, Warning};
use super::values::{attach_errors, interval};
use crate::check::hir::Pde;
use crate::data::field::FieldData;
use crate::fit::pde::FieldFit;
use crate::ir::ModelIr;
use serde::Serialize;

/// The engine every field model is fitted with.
pub const METHOD: &str = "sindy";

/// What a field fit reports.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FieldReport {
    /// The model's name.
    pub model: String,
    /// The fitting engine (`sindy`: field models use no other).
    pub method: &'static str,
    /// `strong` (pointwise derivatives) or `weak` (noisy data: the weak form in time).
    pub form: &'static str,
    /// The discovered equations, with standard errors of the kept terms when computed.
    pub equations: Vec<EquationText>,
    /// Fitted parameters.
    pub params: Vec<FieldParam>,
    /// How the standard errors were computed (absent when none were).
    pub uncertainty: Option<UncertaintyInfo>,
    /// Candidate coefficients and how many were kept.
    pub candidates: usize,
    pub kept: usize,
    /// `auto` or the fixed threshold as written (set by the caller).
    pub threshold_mode: String,
    /// The threshold finally applied (normalised), if any.
    pub threshold: Option<f64>,
    /// The threshold path considered.
    pub path: Vec<PathPoint>,
    /// The spatial domain.
    pub grid: Grid,
    /// Estimated noise standard deviation per field (model state order), by field name.
    pub noise: Vec<(String, f64)>,
    /// Every trajectory: its grid, times and rollout error.
    pub trajectories: Vec<FieldTrajectory>,
    /// Regression rows used.
    pub rows: usize,
    /// Wall time of the fit in seconds (set by the caller).
    pub wall_seconds: f64,
    /// Training was stopped by Ctrl-C.
    pub interrupted: bool,
    /// Warnings about the result (set by the caller).
    pub warnings: Vec<Warning>,
    /// Per trajectory: relative L2 rollout error, or why there is none.
    #[serde(skip)]
    pub rollout: Vec<Result<f64, String>>,
    /// Per trajectory: the rollout (model state order, row-major over time and point).
    #[serde(skip)]
    pub rollouts: Vec<Option<Vec<Vec<f64>>>>,
}

/// A fitted parameter of a field model.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FieldParam {
    pub name: String,
    pub value: f64,
    pub std_error: Option<f64>,
    /// Its 95% interval (`value ± 1.96 · std_error`).
    pub interval: Option<[f64; 2]>,
}

/// The spatial domain of a field model.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Grid {
    /// The space variable.
    pub space: String,
    pub lo: f64,
    pub hi: f64,
    pub periodic: bool,
    /// The fields, in model order.
    pub fields: Vec<String>,
}

/// One trajectory of a field fit.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FieldTrajectory {
    pub label: String,
    /// Grid points and their spacing.
    pub points: usize,
    pub spacing: f64,
    /// Time points, first and last time.
    pub times: usize,
    pub t0: f64,
    pub t1: f64,
    /// Relative L2 error of the rollout against the denoised data over every time and point.
    pub rollout_error: Option<f64>,
    /// Why there is no rollout, when there is none.
    pub rollout_failure: Option<String>,
}

/// What the field fit's standard errors take as given: the smoothed fields as exact regressors
/// and the selected terms (field models make no bootstrap refits). The `sindy` errors count
/// correlated residuals along the rows only; the field's rows are also correlated across space.
const CONDITIONAL_ON: &str = "the denoised fields and their derivatives taken as exact regressors (smoothing \
                              error not propagated) and the selected terms (selection not accounted for); \
                              the rows' errors are correlated over space as well as time, so treat the \
                              intervals as a lower bound";

/// Builds the report (model name from the lowered model; the caller sets the threshold as
/// written, the wall time and the warnings).
pub fn build(ir: &ModelIr, pde: &Pde, data: &FieldData, fit: &FieldFit, precision: usize) -> FieldReport {
    let f = &fit.fitted;
    let mut equations = equations_with(ir, &f.coefficients, &f.active, &f.magnitudes, precision);
    attach_errors(&mut equations, f);
    let unc = f.uncertainty.as_ref();
    let (rollout, rollouts) = rollouts(ir, pde, data, fit);
    let trajectories = trajectories(data, &rollout);
    FieldReport {
        model: ir.name.clone(),
        method: METHOD,
        form: if fit.weak_form { "weak" } else { "strong" },
        equations,
        params: params(ir, fit),
        uncertainty: unc.map(|u| UncertaintyInfo {
            method: u.basis.clone(),
            residual_variance: u.residual_variance,
            dof: u.dof,
            confidence: 0.95,
            conditional_on: Some(CONDITIONAL_ON.into()),
        }),
        candidates: f.active.len(),
        kept: f.active.iter().zip(&f.coefficients).filter(|(a, c)| **a && **c != 0.0).count(),
        threshold_mode: "auto".into(),
        threshold: f.threshold,
        path: f
            .path
            .iter()
            .map(|p| PathPoint {
                threshold: p.threshold,
                terms: p.terms,
                loss: p.loss,
                criterion: p.criterion,
                chosen: p.chosen,
            })
            .collect(),
        grid: Grid {
            space: pde.space.name.clone(),
            lo: pde.space.lo,
            hi: pde.space.hi,
            periodic: pde.space.periodic,
            fields: pde.fields.clone(),
        },
        noise: ir.names.states.iter().cloned().zip(fit.noise.iter().copied()).collect(),
        trajectories,
        rows: fit.rows,
        wall_seconds: 0.0,
        interrupted: f.interrupted,
        warnings: Vec::new(),
        rollout,
        rollouts,
    }
}

/// The fitted parameters with their standard errors.
fn params(ir: &ModelIr, fit: &FieldFit) -> Vec<FieldParam> {
    let unc = fit.fitted.uncertainty.as_ref();
    ir.names
        .params
        .iter()
        .zip(&fit.fitted.params)
        .enumerate()
        .map(|(q, (name, &value))| {
            let std_error = unc.and_then(|u| *u.params.get(q)?).filter(|s| s.is_finite());
            FieldParam { name: name.clone(), value, std_error, interval: interval(value, std_error) }
        })
        .collect()
}

/// A rollout per model state (row-major over time and point).
type Fields = Vec<Vec<f64>>;

/// Per trajectory: the rollout's relative error (or why there is none) and the rollout itself.
fn rollouts(
    ir: &ModelIr,
    pde: &Pde,
    data: &FieldData,
    fit: &FieldFit,
) -> (Vec<Result<f64, String>>, Vec<Option<Fields>>) {
    let f = &fit.fitted;
    let theta: Vec<f64> = f.params.iter().chain(&f.coefficients).copied().collect();
    let field_of = rollout::field_of(ir, pde);
    let outs: Vec<Result<Fields, String>> = data
        .trajectories
        .iter()
        .zip(&fit.denoised)
        .map(|(tr, den)| {
            if !pde.space.periodic {
                return Err(
                    "the rollout needs a periodic space (the data do not give a bounded one's boundary conditions)"
                        .to_string(),
                );
            }
            let period = (tr.x[1] - tr.x[0]) * tr.x.len() as f64;
            rollout::rollout(ir, pde, &tr.t, tr.x.len(), period, den, &theta)
        })
        .collect();
    let errors = outs
        .iter()
        .zip(&fit.denoised)
        .map(|(r, den)| r.as_ref().map(|out| rollout::relative_error(out, den, &field_of)).map_err(Clone::clone))
        .collect();
    (errors, outs.into_iter().map(Result::ok).collect())
}

/// Every trajectory's grid, times and rollout error.
fn trajectories(data: &FieldData, rollout: &[Result<f64, String>]) -> Vec<FieldTrajectory> {
    data.trajectories
        .iter()
        .zip(rollout)
        .map(|(tr, r)| FieldTrajectory {
            label: tr.label.clone(),
            points: tr.nx(),
            spacing: if tr.nx() > 1 { tr.x[1] - tr.x[0] } else { 0.0 },
            times: tr.nt(),
            t0: tr.t.first().copied().unwrap_or(0.0),
            t1: tr.t.last().copied().unwrap_or(0.0),
            rollout_error: r.as_ref().ok().copied(),
            rollout_failure: r.as_ref().err().cloned(),
        })
        .collect()
}

/// The report as a pretty-printed JSON document (the noise as an object keyed by field).
pub fn to_json(r: &FieldReport) -> Result<String, serde_json::Error> {
    let mut v = serde_json::to_value(r)?;
    v["noise"] = serde_json::Value::Object(r.noise.iter().map(|(n, s)| (n.clone(), serde_json::json!(s))).collect());
    serde_json::to_string_pretty(&v)
}
