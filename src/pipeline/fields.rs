//! The pipeline of a model with fields: its field data (simulated or from long-form CSV, the
//! grid checked), the field fit, failures as coded diagnostics, and the warnings about the
//! result (`W016`: the data are a travelling wave).

use super::{fit_diagnostic, Checked, Failure};
use crate::check::hir::{self, PdeData};
use crate::data::field::{load_csv, simulate, FieldData};
use crate::diag::{codes, Diagnostic};
use crate::fit::pde::travel::{TravellingWave, MAX_ALT};
use crate::fit::pde::FieldFit;
use crate::fit::Progress;
use crate::ir::ModelIr;
use crate::number::format_sig;
use crate::report::equations::equations_with;
use std::sync::atomic::AtomicBool;

/// A field model ready to fit.
pub struct PreparedFields {
    pub model: hir::Model,
    pub ir: ModelIr,
    pub data: FieldData,
    pub warnings: Vec<Diagnostic>,
}

/// The field model's data and the checks made before fitting.
pub fn prepare_fields(c: Checked) -> Result<PreparedFields, Failure> {
    let Checked { model, ir, warnings } = c;
    let Some(pde) = &model.pde else { return Err(Failure::Internal("not a field model".into())) };
    unsupported(&model)?;
    let mut data = FieldData { fields: pde.fields.clone(), trajectories: Vec::new() };
    for d in &pde.data {
        match d {
            PdeData::Sim(s) => {
                let tr = simulate(s, &pde.space, pde.fields.len()).map_err(|e| {
                    Diagnostic::new(
                        codes::BAD_FIELD_DATA,
                        format!("simulation `{}` failed: {e}", s.name),
                        s.span,
                        "while simulating this",
                    )
                })?;
                data.trajectories.push(tr);
            }
            PdeData::Csv(c) => {
                let code = |e: &crate::data::field::FieldCsvError| match e {
                    crate::data::field::FieldCsvError::Grid(_) => codes::FIELD_GRID,
                    _ => codes::BAD_FIELD_DATA,
                };
                let loaded = load_csv(c, &pde.space, &pde.fields)
                    .map_err(|e| Diagnostic::new(code(&e), e.to_string(), c.span, "while reading this"))?;
                data.trajectories.extend(loaded.trajectories);
            }
        }
    }
    if data.trajectories.is_empty() {
        return Err(Diagnostic::new(codes::NO_DATA, "the model declares no data", model.span(), "nothing to fit")
            .with_help("add `data d = simulate SYSTEM(...) { init u = ..., points 256, time 0 .. 10 step 0.1 }` or a long-form CSV")
            .into());
    }
    let max = pde.derivs.iter().map(|d| d.order).max().unwrap_or(0) as usize;
    for tr in &data.trajectories {
        if tr.nx() < 2 * max + 3 {
            return Err(Diagnostic::new(
                codes::DERIV_ORDER,
                format!(
                    "trajectory `{}` has {} grid points; derivatives of order {max} need at least {}",
                    tr.label,
                    tr.nx(),
                    2 * max + 3
                ),
                pde.space.span,
                "grid too coarse",
            )
            .into());
        }
    }
    Ok(PreparedFields { model, ir, data, warnings })
}

/// Settings and model features the field fit does not have.
fn unsupported(model: &hir::Model) -> Result<(), Diagnostic> {
    use crate::check::settings::Method;
    let f = &model.fit;
    let what = if f.explicit.contains(&"method") && f.method != Method::Sindy {
        Some(if f.method == Method::Mnn { "`method = mnn`" } else { "`method = collocation`" })
    } else if f.validation > 0.0 {
        Some("`validation`")
    } else {
        None
    };
    match what {
        Some(w) => Err(Diagnostic::new(
            codes::FIELD_UNSUPPORTED,
            format!("{w} is not available for fields"),
            model.span(),
            "a field model",
        )
        .with_help("field models are fitted by least squares on denoised space-time derivatives (the `sindy` engine)")),
        None => Ok(()),
    }
}

/// Fits the field model.
pub fn train_fields(
    p: &PreparedFields,
    cancel: Option<&AtomicBool>,
    progress: Option<&(dyn Fn(&Progress) + Sync)>,
) -> Result<FieldFit, Diagnostic> {
    crate::fit::pde::fit(&p.ir, &p.model, &p.data, cancel, progress).map_err(|e| fit_diagnostic(&e, &p.model))
}

/// The warnings a finished field fit draws: `W016` for every equation whose data only
/// translate, naming the model the data cannot tell from the one found — `u' = -c*u_x`, or, when
/// the fit kept that translation itself, the sparsest model without the bare `u_x`.
pub fn field_warnings(p: &PreparedFields, fit: &FieldFit) -> Vec<Diagnostic> {
    fit.travelling.iter().map(|tw| travelling_wave(p, fit, tw)).collect()
}

/// The `W016` of one equation.
fn travelling_wave(p: &PreparedFields, fit: &FieldFit, tw: &TravellingWave) -> Diagnostic {
    let (ir, f) = (&p.ir, &fit.fitted);
    let eq = &ir.equations[tw.equation];
    let state = &ir.names.states[eq.state as usize];
    let space = p.model.pde.as_ref().map_or("x", |pde| pde.space.name.as_str());
    let ux = format!("{state}_{space}");
    let eqs = equations_with(ir, &f.coefficients, &f.active, &f.magnitudes, 4);
    let found = &eqs[tw.equation];
    let kept: Vec<usize> =
        (0..ir.coefs.len()).filter(|&s| f.active[s] && ir.coefs[s].equation == tw.equation).collect();
    let only_translation = found.known.is_none() && kept.len() == 1 && tw.translation_slot == Some(kept[0]);
    let speed = format_sig(tw.speed, 4);
    let message = if only_translation {
        let alt = match &tw.alternative {
            Some((terms, _)) => {
                let (mut coef, mut active) = (vec![0.0; ir.coefs.len()], vec![false; ir.coefs.len()]);
                for &(s, c) in terms {
                    (coef[s], active[s]) = (c, true);
                }
                let text = &equations_with(ir, &coef, &active, &vec![0.0; coef.len()], 4)[tw.equation].text;
                format!("`{text}`, the sparsest model without `{ux}`, explains them as well")
            }
            None => format!("no model of at most {MAX_ALT} other terms explains them as well"),
        };
        format!(
            "the data of `{state}` are a travelling wave at speed {speed}: the sparsest model `{}` is that translation, and {alt}",
            found.text
        )
    } else {
        format!(
            "the data of `{state}` are a travelling wave at speed {speed}: `{state}' = {}*{ux}` explains them as well as `{}`",
            format_sig(-tw.speed, 4),
            found.text
        )
    };
    Diagnostic::new(codes::TRAVELLING_WAVE, message, eq.span.unwrap_or(p.model.span()), "these data cannot tell the two apart")
        .with_note(format!(
            "relative residual of the windowed time derivative: {} for the translation, {} for the model found",
            format_sig(tw.residual, 2),
            format_sig(tw.model_residual, 2)
        ))
        .with_help("fit data that separate them: waves of different speeds or shapes (two solitons of different heights), or several initial profiles as trajectories")
}
