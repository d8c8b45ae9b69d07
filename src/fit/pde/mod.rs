//! The field fit: discovers or fits `u_t = F(u, u_x, u_xx, ...)` from space-time data.
//!
//! Every field is denoised in space and time (the Whittaker smoother along the grid at each
//! time, then along time at each point, each pass's strength set by the discrepancy principle
//! from a noise level estimated from the data's own fourth differences in that direction; data
//! whose estimate is below 1e-4 of their spread count as clean and are used as they are).
//! Spatial derivatives of the denoised field are spectral on periodic grids and repeated
//! fourth-order finite differences otherwise (then `2·order` points at each boundary are left
//! out); time derivatives are five-point finite differences (the two first and last times are
//! left out). Every remaining (time, point) pair is one row of the regression of the `sindy`
//! engine: the same least squares over coefficients and parameters (known terms with
//! parameters mix with `sparse(...)`), the same STLSQ and BIC-scored elimination path.
//!
//! Input: the lowered model, the checked model and [`FieldData`]. Output: a [`FieldFit`].

mod rows;
pub mod travel;
mod weak;

use super::smoothed::{learned_columns, Smoothed, Traj};
use super::{FitError, FitInput, Fitted, Progress};
use crate::check::hir;
use crate::data::field::FieldData;
use crate::data::Dataset;
use crate::ir::ModelIr;
use std::sync::atomic::AtomicBool;

/// The result of a field fit.
pub struct FieldFit {
    pub fitted: Fitted,
    /// Denoised fields per trajectory (model field order, row-major over time and point).
    pub denoised: Vec<Vec<Vec<f64>>>,
    /// Estimated noise standard deviation per field (mean over trajectories).
    pub noise: Vec<f64>,
    /// Regression rows used.
    pub rows: usize,
    /// Whether the weak form in time was used (noisy data, no parameters).
    pub weak_form: bool,
    /// The equations whose data only translate (the fit cannot tell their equation from
    /// `u_t = −c·u_x`), with the speed and both residuals.
    pub travelling: Vec<travel::TravellingWave>,
}

/// Fits a field model.
pub fn fit(
    ir: &ModelIr,
    model: &hir::Model,
    data: &FieldData,
    cancel: Option<&AtomicBool>,
    progress: Option<&(dyn Fn(&Progress) + Sync)>,
) -> Result<FieldFit, FitError> {
    let Some(pde) = &model.pde else { return Err(FitError::Data("the model has no fields".into())) };
    supported(ir, model)?;
    let empty = Dataset { states: ir.names.states.clone(), inputs: ir.names.inputs.clone(), trajectories: Vec::new() };
    let input = FitInput { ir, model, data: &empty, seed: 0, cancel, progress };
    let (cols, eq_col) = learned_columns(&input)?;
    let derivs = rows::derivative_columns(ir, pde)?;
    let state_field = state_fields(ir, data)?;
    let max_order = derivs.iter().map(|d| d.1).max().unwrap_or(0);
    let mut trajs: Vec<Traj> = Vec::new();
    let mut denoised = Vec::new();
    let mut noise = vec![0.0; state_field.len()];
    // The weak form serves noisy data of models linear in their coefficients.
    let allow_weak = model.params.is_empty();
    let mut fulls = Vec::new();
    let preps: Vec<rows::Prepared> = data
        .trajectories
        .iter()
        .map(|tr| rows::prepare(tr, &pde.space, max_order, allow_weak))
        .collect::<Result<_, _>>()?;
    let noisy = preps.iter().any(|p| p.noisy);
    let mut first_x = Vec::new();
    for (tr, mut prep) in data.trajectories.iter().zip(preps) {
        fulls.push(rows::full(tr, &prep, &state_field, &derivs, &eq_col));
        if allow_weak && noisy {
            // The regression then counts one row per window (its centre), as the Gram
            // matrices do.
            (prep.times, prep.points) = weak::centres(tr.nt(), tr.nx(), prep.periodic);
        }
        first_x.push(prep.ux.iter().map(|d| d.first().cloned().unwrap_or_default()).collect::<Vec<_>>());
        let built = rows::build(tr, &prep, &state_field, &derivs, &eq_col);
        for (s, &f) in state_field.iter().enumerate() {
            noise[s] += prep.noise[f] / data.trajectories.len() as f64;
        }
        trajs.push(built);
        denoised.push(prep.smooth);
    }
    let rows = trajs.iter().map(|t| t.t.len()).sum();
    let s = Smoothed::with_trajs(&input, cols, eq_col.clone(), trajs)?;
    let gram = if allow_weak && noisy { Some(weak::gram(&s, &fulls, rows)?) } else { None };
    let weak_form = gram.is_some();
    let mut fitted = super::sindy::fit_with(&input, s, gram)?;
    // The row trajectories are regression rows, not time series: the denoised fields are
    // returned apart.
    fitted.denoised.clear();
    fitted.noise = noise.clone();
    let travelling = if max_order == 0 {
        Vec::new()
    } else {
        let theta: Vec<f64> = fitted.params.iter().chain(&fitted.coefficients).copied().collect();
        travelling(ir, pde, &theta, &fulls, &first_x, &eq_col, &state_field)?
    };
    Ok(FieldFit { fitted, denoised, noise, rows, weak_form, travelling })
}

/// The travelling-wave check of every equation ([`travel::check`]); `first_x[k][f]` is field
/// `f`'s first spatial derivative in trajectory `k`.
fn travelling(
    ir: &ModelIr,
    pde: &hir::Pde,
    theta: &[f64],
    fulls: &[weak::Full],
    first_x: &[Vec<Vec<f64>>],
    eq_col: &[usize],
    state_field: &[usize],
) -> Result<Vec<travel::TravellingWave>, FitError> {
    let eqs: Vec<travel::EquationData> = eq_col
        .iter()
        .enumerate()
        .map(|(e, &c)| {
            let ux = pde.derivs.iter().find(|d| d.field == state_field[c] && d.order == 1);
            travel::EquationData {
                equation: e,
                ux: first_x.iter().map(|per_field| per_field[state_field[c]].as_slice()).collect(),
                translation_slot: ux.and_then(|d| {
                    (0..ir.coefs.len())
                        .find(|&s| ir.coefs[s].equation == e && ir.terms[ir.coefs[s].term].name == d.name)
                }),
            }
        })
        .collect();
    travel::check(ir, theta, fulls, &eqs)
}

/// Refuses what the field fit does not do: per-trajectory parameters, equations of another
/// order than one in time.
fn supported(ir: &ModelIr, model: &hir::Model) -> Result<(), FitError> {
    if let Some(p) = model.params.iter().find(|p| p.per_trajectory) {
        return Err(FitError::Unsupported {
            what: format!("per-trajectory parameter `{}` in a field model", p.name),
            span: Some(p.span),
        });
    }
    if let Some(e) = ir.equations.iter().find(|e| e.order != 1) {
        return Err(FitError::Unsupported {
            what: "a field equation of order other than one in time".into(),
            span: e.span,
        });
    }
    Ok(())
}

/// The data field of every model state.
fn state_fields(ir: &ModelIr, data: &FieldData) -> Result<Vec<usize>, FitError> {
    ir.names
        .states
        .iter()
        .map(|s| {
            data.fields
                .iter()
                .position(|f| f == s)
                .ok_or_else(|| FitError::Data(format!("the data has no field `{s}`")))
        })
        .collect()
}
