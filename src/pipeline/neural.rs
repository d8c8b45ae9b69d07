//! The checks of neural terms `mlp(...)` made between lowering and training: the method must
//! train them (`E045` under `sindy`), their weights must fit the collocation engine's limit
//! when `method = collocation` is written (`E066`), a parameter a network can absorb draws `W010`, and `weight_decay` without a
//! network draws `W011`.
//!
//! Input: the checked and lowered model. Output: diagnostics.

use crate::check::hir;
use crate::check::settings::{Init, Method, Threshold, SCHEMA};
use crate::diag::{codes, Diagnostic};
use crate::ir::ModelIr;

pub use crate::fit::collocation::MAX_WEIGHTS as MAX_COLLOCATION_WEIGHTS;

/// Operations one collocation iteration may cost before a model whose `method` is not written
/// trains its networks by `mnn`. A Gauss–Newton iteration with `n` dense unknowns over `rows`
/// residual rows costs about `rows · n² + n³` (assembly and solve); the budget is that cost at
/// the collocation engine's weight limit over 2,000 rows (about 3·10⁹ operations: a few seconds
/// per iteration on one core), the size for which the limit was set.
pub const COLLOCATION_BUDGET: f64 = 2000.0 * (MAX_COLLOCATION_WEIGHTS * MAX_COLLOCATION_WEIGHTS) as f64
    + (MAX_COLLOCATION_WEIGHTS * MAX_COLLOCATION_WEIGHTS * MAX_COLLOCATION_WEIGHTS) as f64;

/// With neural terms and no `method` written: `collocation` while one of its iterations stays
/// within [`COLLOCATION_BUDGET`], else `mnn`; the reason goes into `fit.method_reason` for the
/// report, and the checker's `W004`s for settings the chosen method reads (judged against the
/// default method) are withdrawn; every setting that acts under `collocation` also acts under
/// `mnn`, so none loses its effect. `rows` counts the data's rows over all trajectories.
pub fn choose_method(model: &mut hir::Model, ir: &ModelIr, rows: usize, warnings: &mut Vec<Diagnostic>) {
    if ir.networks().next().is_none() || model.fit.is_explicit("method") {
        return;
    }
    let n = ir.n_weights + ir.names.params.len() + ir.coefs.len();
    let r = (rows * ir.equations.len()) as f64;
    let cost = r * (n * n) as f64 + (n as f64).powi(3);
    let method = if cost <= COLLOCATION_BUDGET { Method::Collocation } else { Method::Mnn };
    model.fit.method_reason = Some(format!(
        "`method` not written: {} weights; one collocation iteration costs about {:.1e} operations (rows · n² + n³, {} rows, n = {n}), {} the budget of {:.0e}",
        ir.n_weights,
        cost,
        rows * ir.equations.len(),
        if method == Method::Mnn { "over" } else { "within" },
        COLLOCATION_BUDGET
    ));
    if method == model.fit.method {
        return;
    }
    model.fit.method = method;
    warnings.retain(|d| {
        !(d.code == codes::NO_EFFECT
            && SCHEMA.iter().any(|s| s.acts_under(method) && d.message.starts_with(&format!("`{}` ", s.key))))
    });
}

/// `W019`: under `mnn`, networks over the collocation limit leave `init = collocation` and
/// `threshold = auto` without their collocation fit.
pub fn start_warning(model: &hir::Model, ir: &ModelIr) -> Option<Diagnostic> {
    let (_, first) = ir.networks().next()?;
    let fit = &model.fit;
    if fit.method != Method::Mnn || ir.n_weights <= MAX_COLLOCATION_WEIGHTS {
        return None;
    }
    let init = fit.init == Init::Collocation && fit.is_explicit("init");
    let what = match (init, fit.threshold == Threshold::Auto && !ir.coefs.is_empty()) {
        (true, true) => "`init = collocation` and `threshold = auto` have",
        (true, false) => "`init = collocation` has",
        (false, true) => "`threshold = auto` has",
        (false, false) => return None,
    };
    Some(
        Diagnostic::new(
            codes::COLLOCATION_START_SKIPPED,
            format!(
                "{what} no collocation fit to use: the networks have {} weights, over the collocation limit of {MAX_COLLOCATION_WEIGHTS}",
                ir.n_weights
            ),
            first.span.unwrap_or_else(|| model.span()),
            "these networks",
        )
        .with_note("training starts from the smoothed data and the networks' own start; sparse blocks keep their whole library")
        .with_help("write `init = random`, or a numeric `threshold`"),
    )
}

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
