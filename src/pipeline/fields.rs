//! The pipeline of a model with fields: its field data (simulated or from long-form CSV, the
//! grid checked) and the field fit, failures as coded diagnostics.

use super::{fit_diagnostic, Checked, Failure};
use crate::check::hir::{self, PdeData};
use crate::data::field::{load_csv, simulate, FieldData};
use crate::diag::{codes, Diagnostic};
use crate::fit::pde::FieldFit;
use crate::fit::Progress;
use crate::ir::ModelIr;
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
