//! The checks of neural terms `mlp(...)` made between lowering and training: the method must
//! train them (`E045` under `sindy`), their weights must fit the collocation engine's limit
//! when `method = collocation` is written (`E066`), a parameter a network can absorb draws `W010`, and `weight_decay` without a
//! network draws `W011`.
//!
//! Input: the checked and lowered model. Output: diagnostics.

use crate::check::hir;
use crate::check::settings::Method;
use crate::diag::{codes, Diagnostic};
use crate::ir::ModelIr;

pub use crate::fit::collocation::MAX_WEIGHTS as MAX_COLLOCATION_WEIGHTS;

/// `E045`/`E066`: networks that this method cannot train.
pub fn trainable(model: &hir::Model, ir: &ModelIr) -> Result<(), Diagnostic> {
    let Some((e, first)) = ir.networks().next() else { return Ok(()) };
    let span = first.span.or(ir.equations[e].span).unwrap_or_else(|| model.span());
    if model.fit.method == Method::Sindy {
        return Err(Diagnostic::new(
            codes::UNSUPPORTED,
            format!("neural terms `mlp(...)` do not train under `method = {}`", model.fit.method.name()),
            span,
            "neural term",
        )
        .with_help("use `method = collocation` or `method = mnn` (or leave `method` out: the size of the networks chooses), which train the network's weights with the model"));
    }
    if model.fit.method == Method::Collocation && ir.n_weights > MAX_COLLOCATION_WEIGHTS {
        let (_, big) = ir.networks().max_by_key(|(_, n)| n.count).unwrap_or((e, first));
        return Err(Diagnostic::new(
            codes::NETWORK_TOO_LARGE,
            format!(
                "the neural terms have {} weights; `method = collocation` trains at most {MAX_COLLOCATION_WEIGHTS}",
                ir.n_weights
            ),
            big.span.unwrap_or(span),
            format!("{} weights", big.count),
        )
        .with_help("use `method = mnn` (or leave `method` out), or smaller hidden layers (a layer of width h after one of width g has (g + 1)·h weights)"));
    }
    Ok(())
}

/// The checker reads the settings before the equations, so it warns (`W004`) that `seed` has no
/// effect under `collocation` without `ensemble`; with neural terms the seed draws their starting
/// weights, so that warning is withdrawn.
pub fn seed_acts(ir: &ModelIr, warnings: &mut Vec<Diagnostic>) {
    if ir.n_weights > 0 {
        warnings.retain(|d| !(d.code == codes::NO_EFFECT && d.message.starts_with("`seed` ")));
    }
}

/// `W010` for every parameter a network of its equation can absorb, `W011` for `weight_decay`
/// without a network.
pub fn warnings(model: &hir::Model, ir: &ModelIr) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (p, e) in crate::ir::neural::absorbed_params(ir) {
        let param = &model.params[p];
        let eq = &ir.equations[e];
        let lhs = ir.names.var_name(crate::ir::Var::State { index: eq.state, order: eq.order });
        let label = format!("the `mlp` of {lhs} can represent this parameter's term");
        let d = Diagnostic::new(
            codes::ABSORBED_PARAM,
            format!("parameter `{}` cannot be told apart from the neural term of the equation for {lhs}", param.name),
            eq.span.unwrap_or(param.span),
            label,
        )
        .with_note("its fitted value is reported but is not a recovered value")
        .with_help(format!(
            "fix `{}` to a known value, or remove the variables its term depends on from the network's inputs",
            param.name
        ));
        out.push(d);
    }
    if model.fit.weight_decay > 0.0 && ir.n_weights == 0 && ir.networks().next().is_none() {
        let span = model.span();
        out.push(
            Diagnostic::new(
                codes::DECAY_WITHOUT_NETWORK,
                "`weight_decay` has no effect: the model has no neural term `mlp(...)`",
                span,
                "weight decay set here",
            )
            .with_help("remove `weight_decay`"),
        );
    }
    out
}
