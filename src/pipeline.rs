//! The library pipeline: a model's text in a [`SourceMap`] → a checked and lowered model
//! ([`check_and_lower`]) → its data and the checks made before training ([`prepare`]) → a fit
//! ([`train`]). Every failure a user can cause comes back as coded diagnostics pointing into the
//! caller's sources, so the command line, the REPL, the benchmarks and the tests render them the
//! same way, and nothing here touches the file system beyond what the model names (`use`d files,
//! CSV data).
//!
//! ```
//! use mechc::source::SourceMap;
//!
//! let text = "
//! model decay
//! state x
//! data d = simulate { x' = -0.5*x  init x = 2  time 0 .. 10 step 0.01  seed 1 }
//! basis lib = poly(x, degree = 2)
//! x' = sparse(lib)
//! ";
//! let mut sources = SourceMap::new();
//! let root = sources.add("decay.mech", text);
//! let prepared = mechc::pipeline::prepare(&mut sources, root).expect("the model checks");
//! let fitted = mechc::pipeline::train(&prepared, &mechc::pipeline::TrainOptions::default()).expect("it fits");
//! let report = mechc::report::build(&prepared.ir, &prepared.data, &fitted, "auto", 0.0, 3);
//! assert_eq!(report.equations[0].text, "x' = -0.5*x");
//! ```

mod collinear;
pub mod fields;
pub mod neural;
mod warnings;

pub use collinear::collinear_warnings;
pub use warnings::result_warnings;

use crate::check::hir;
use crate::data::{load_model_data, simulate_data, Dataset, Trajectory};
use crate::diag::{self, codes, Diagnostic};
use crate::fit::{FitError, FitInput, Fitted, Progress};
use crate::ir::{ModelIr, Var};
use crate::jit::{Interpreter, Layout};
use crate::source::{SourceId, SourceMap, Span};
use std::sync::atomic::AtomicBool;

/// A checked and lowered model.
pub struct Checked {
    /// The checked model.
    pub model: hir::Model,
    /// The lowered model.
    pub ir: ModelIr,
    /// Warnings of the check (errors stop before this point).
    pub warnings: Vec<Diagnostic>,
}

/// A model ready to train.
pub struct Prepared {
    /// The checked model.
    pub model: hir::Model,
    /// The lowered model.
    pub ir: ModelIr,
    /// The training data, from every `data` declaration (without the held-out ends when
    /// `fit { validation }` holds some out).
    pub data: Dataset,
    /// The whole trajectories when `validation` holds their ends out of training (the fit sees
    /// `data`, the report scores the model on the rest).
    pub held_out: Option<Dataset>,
    /// Warnings of the check (errors stop before this point).
    pub warnings: Vec<Diagnostic>,
}

/// Why the pipeline stopped.
#[derive(Debug)]
pub enum Failure {
    /// The model cannot run as written: diagnostics (at least one error) into the caller's sources.
    User(Vec<Diagnostic>),
    /// A stage failed inside the compiler (the message says which).
    Internal(String),
}

impl From<Diagnostic> for Failure {
    fn from(d: Diagnostic) -> Failure {
        Failure::User(vec![d])
    }
}

/// Checks the model in `root` (its `use`d files and the standard library are added to
/// `sources`) and lowers it.
pub fn check_and_lower(sources: &mut SourceMap, root: SourceId) -> Result<Checked, Failure> {
    let (model, diags) = crate::check::check(sources, root);
    let model = match model {
        Some(m) if !diag::has_errors(&diags) => m,
        _ => return Err(Failure::User(diags)),
    };
    let ir = crate::ir::lower(&model).map_err(|e| Failure::Internal(e.to_string()))?;
    let mut warnings = diags;
    lowered_warnings(&model, &ir, &mut warnings);
    Ok(Checked { model, ir, warnings })
}

/// The warnings found on the lowered model, added to the checker's: a parameter a network can
/// absorb (`W010`), `weight_decay` without a network (`W011`), a parameter that only scales
/// candidate terms (`W020`); the checker's `W004` on `seed` is withdrawn when networks draw
/// their starting weights from it.
pub fn lowered_warnings(model: &crate::check::hir::Model, ir: &ModelIr, warnings: &mut Vec<Diagnostic>) {
    neural::seed_acts(ir, warnings);
    warnings.extend(neural::warnings(model, ir));
    warnings.extend(warnings::scaling_params(model, ir));
}

/// Check → lower → the model's data → the checks made before training.
pub fn prepare(sources: &mut SourceMap, root: SourceId) -> Result<Prepared, Failure> {
    prepare_checked(check_and_lower(sources, root)?)
}

/// [`prepare`] after the check (a model with fields goes to [`fields::prepare_fields`]).
pub fn prepare_checked(c: Checked) -> Result<Prepared, Failure> {
    let Checked { mut model, ir, mut warnings } = c;
    if model.pde.is_some() {
        return Err(Diagnostic::new(
            codes::FIELD_UNSUPPORTED,
            "a model with fields runs through the field pipeline",
            model.span(),
            "a field model",
        )
        .with_help("run it with `mechc run`")
        .into());
    }
    runnable(&model)?;
    let data = load_model_data(&model, min_rows(&model))?;
    neural::choose_method(&mut model, &ir, data.total_rows(), &mut warnings);
    unsupported(&model, &ir)?;
    warnings.extend(neural::start_warning(&model, &ir));
    prefit_checks(&model, &ir, &data)?;
    let (data, held_out) = hold_out(&model, data)?;
    warnings.extend(collinear_warnings(&model, &ir, &data));
    Ok(Prepared { model, ir, data, held_out, warnings })
}

/// Rows a trajectory keeps for training and holds out at least under `validation`.
const MIN_TRAIN_ROWS: usize = 5;
const MIN_HELD_ROWS: usize = 2;

/// Under `fit { validation = f }` (methods other than `mnn`, which holds out windows itself):
/// the data without the last fraction `f` of each trajectory's rows, and the whole data.
fn hold_out(model: &hir::Model, data: Dataset) -> Result<(Dataset, Option<Dataset>), Diagnostic> {
    let f = model.fit.validation;
    if f <= 0.0 || model.fit.method == crate::check::settings::Method::Mnn {
        return Ok((data, None));
    }
    let mut train = data.clone();
    for tr in &mut train.trajectories {
        let n = tr.len();
        let held = (f * n as f64).round() as usize;
        let keep = n - held;
        if keep < MIN_TRAIN_ROWS || held < MIN_HELD_ROWS {
            return Err(Diagnostic::new(
                codes::TOO_FEW_ROWS,
                format!(
                    "trajectory `{}` has {n} rows: `validation = {f}` leaves {keep} for training and holds out {held} \
                     (at least {MIN_TRAIN_ROWS} and {MIN_HELD_ROWS} are needed)",
                    tr.label
                ),
                model.data.first().map_or_else(|| model.span(), |d| d.span),
                "this data",
            )
            .with_help("lower `validation`, or give longer trajectories"));
        }
        tr.times.truncate(keep);
        tr.values.truncate(keep * tr.width);
        tr.mask.truncate(keep * tr.width);
    }
    Ok((train, Some(data)))
}

/// How a fit is run: its seed, and optionally a cancel flag and a progress callback.
#[derive(Default)]
pub struct TrainOptions<'a> {
    /// Seed of every random draw of the fit; `None` takes the model's `fit { seed }`.
    pub seed: Option<u64>,
    /// Set it (from another thread, e.g. on Ctrl-C) to stop at the next safe point and keep the
    /// best model so far.
    pub cancel: Option<&'a AtomicBool>,
    /// Called after every iteration.
    pub progress: Option<&'a (dyn Fn(&Progress) + Sync)>,
}

/// Fits a prepared model; a failed fit is a coded diagnostic. A model with neural terms then
/// needs [`install`] before its report, rollouts or emitted model.
pub fn train(p: &Prepared, opts: &TrainOptions<'_>) -> Result<Fitted, Diagnostic> {
    let seed = opts.seed.unwrap_or(p.model.fit.seed);
    let input =
        FitInput { ir: &p.ir, model: &p.model, data: &p.data, seed, cancel: opts.cancel, progress: opts.progress };
    crate::fit::fit(&input).map_err(|e| fit_diagnostic(&e, &p.model))
}

/// Installs the trained weights of neural terms in the prepared model's IR
/// ([`ModelIr::install_weights`]): the networks become known expressions, so the report,
/// rollouts, plots and the emitted model see the trained model; then explains each network that
/// asks for it (`explain = basis`, [`crate::fit::explain`]). Nothing to do without networks.
pub fn install(p: &mut Prepared, fitted: &Fitted) -> Result<(), Diagnostic> {
    if fitted.weights.is_empty() {
        return Ok(());
    }
    p.ir.install_weights(&fitted.weights);
    let found = crate::fit::explain::explain(&p.ir, fitted, &p.data).map_err(|e| fit_diagnostic(&e, &p.model))?;
    for x in found {
        let terms = x.terms.iter().map(|&(_, node, c)| (node, c)).collect();
        p.ir.equations[x.equation].neural[x.network].formula = Some(crate::ir::Formula { terms, r2: x.r2 });
    }
    Ok(())
}

/// Rows a trajectory needs: one training window under `method = mnn`, two points otherwise.
pub fn min_rows(model: &hir::Model) -> usize {
    crate::fit::min_rows(&model.fit)
}

/// A file without states (a library for `use`) has nothing to run or simulate.
pub fn runnable(model: &hir::Model) -> Result<(), Diagnostic> {
    if !model.states.is_empty() {
        return Ok(());
    }
    Err(Diagnostic::new(codes::NO_STATES, "nothing to run: the file declares no states", model.span(), "no states")
        .with_help("a model declares `model NAME`, its states, their equations and data; a file without them is a library to `use`"))
}

/// Every simulated `data` declaration of the model, as one data set (trajectories in
/// declaration order, labelled by declaration when there are several).
pub fn simulated(model: &hir::Model) -> Result<Dataset, Diagnostic> {
    runnable(model)?;
    let sims: Vec<_> = model.data.iter().filter(|d| matches!(d.source, hir::DataSource::Simulate(_))).collect();
    let Some(first) = sims.first() else {
        return Err(Diagnostic::new(
            codes::NO_DATA,
            "the model declares no simulated data",
            model.span(),
            "nothing to simulate",
        )
        .with_help("add `data NAME = simulate SYSTEM(...) { init ..., time a .. b step h }`"));
    };
    let mut out = simulate_data(model, first)?;
    let single = sims.len() == 1 && out.trajectories.len() == 1;
    label(&mut out, &first.name, single);
    for d in &sims[1..] {
        let mut more = simulate_data(model, d)?;
        label(&mut more, &d.name, false);
        out.trajectories.extend(more.trajectories);
    }
    Ok(out)
}

fn label(ds: &mut Dataset, name: &str, single: bool) {
    let many = ds.trajectories.len() > 1;
    for tr in &mut ds.trajectories {
        tr.label = if single || !many { name.to_string() } else { format!("{name}/{}", tr.label) };
    }
}

/// Features training does not support: neural terms under a method that does not train them,
/// or with more weights than the collocation engine takes.
pub fn unsupported(model: &hir::Model, ir: &ModelIr) -> Result<(), Diagnostic> {
    neural::trainable(model, ir)
}

/// Checks made on the data before training: every state has an observed value, and every
/// candidate term is finite on every fully observed row.
pub fn prefit_checks(model: &hir::Model, ir: &ModelIr, data: &Dataset) -> Result<(), Diagnostic> {
    let missing = data.missing_per_column();
    for (s, name) in data.states.iter().enumerate() {
        let rows = data.total_rows();
        if missing.get(s).copied() == Some(rows) {
            let span = model.data.first().map_or_else(|| model.span(), |d| d.span);
            return Err(Diagnostic::new(
                codes::FIT_FAILED,
                format!("state `{name}` has no observed value in the data"),
                span,
                "no values for this state",
            )
            .with_help("map the state to a column that holds values"));
        }
    }
    data_scale(model, data)?;
    finite_terms(model, ir, data)
}

/// The row layout of the data for evaluating terms before training: the states, the inputs,
/// `t`, then the model's parameters.
fn data_layout(model: &hir::Model, data: &Dataset) -> Layout {
    let n = data.states.len();
    let mut cols: Vec<Var> = (0..n).map(|s| Var::State { index: s as u32, order: 0 }).collect();
    cols.extend((0..data.inputs.len()).map(|j| Var::Input(j as u32)));
    cols.push(Var::Time);
    Layout::new(cols, model.params.len())
}

/// A term's value on every row of `tr` with no missing value, at the parameters' guesses
/// `guesses`: `(row, value)`, the value `None` where the evaluation fails.
fn term_on_rows(interp: &Interpreter, layout: &Layout, guesses: &[f64], tr: &Trajectory) -> Vec<(usize, Option<f64>)> {
    let mut row = vec![0.0; layout.columns.len()];
    let mut out = [0.0];
    (0..tr.len())
        .filter_map(|r| {
            let vals = &tr.values[r * tr.width..(r + 1) * tr.width];
            if vals.iter().any(|v| v.is_nan()) {
                return None;
            }
            row[..tr.width].copy_from_slice(vals);
            row[tr.width] = tr.times[r];
            Some((r, interp.eval(1, &row, guesses, &mut out).ok().map(|()| out[0])))
        })
        .collect()
}

fn finite_terms(model: &hir::Model, ir: &ModelIr, data: &Dataset) -> Result<(), Diagnostic> {
    let layout = data_layout(model, data);
    let guesses: Vec<f64> = model.params.iter().map(|p| p.init).collect();
    for (t, term) in ir.terms.iter().enumerate() {
        let mut zero_rows = 0;
        // Terms of derivatives (`x'`) are not in the data; training evaluates them on its own states.
        let Ok(interp) = Interpreter::new(&ir.arena, &[term.node], &layout) else { continue };
        for tr in &data.trajectories {
            let mut nonzero = false;
            for (r, v) in term_on_rows(&interp, &layout, &guesses, tr) {
                let Some(v) = v else { continue };
                if !v.is_finite() {
                    let span = term_span(model, ir, t);
                    let msg = format!(
                        "term `{}` is not finite ({v}) at t = {} of trajectory `{}`",
                        term.name, tr.times[r], tr.label
                    );
                    return Err(Diagnostic::new(codes::NON_FINITE_TERM, msg, span, "this term")
                        .with_help("remove the term from the basis (`exclude = {...}`), or transform the data"));
                }
                nonzero |= v != 0.0;
            }
            if !nonzero && !tr.is_empty() {
                zero_rows += 1;
            }
        }
        if zero_rows == data.trajectories.len() && zero_rows > 0 && !term.name.is_empty() {
            let msg = format!("term `{}` is zero on all the data: its coefficient cannot be determined", term.name);
            return Err(Diagnostic::new(codes::DEGENERATE, msg, term_span(model, ir, t), "identically zero")
                .with_help("remove the term from the basis (`exclude = {...}`)"));
        }
    }
    Ok(())
}

/// `E062` for data that cannot determine anything: every observed value of every state zero,
/// or values so large that their squares overflow.
fn data_scale(model: &hir::Model, data: &Dataset) -> Result<(), Diagnostic> {
    let span = model.data.first().map_or_else(|| model.span(), |d| d.span);
    let n = data.states.len();
    let observed = || {
        data.trajectories
            .iter()
            .flat_map(|t| t.values.chunks(t.width.max(1)).flat_map(|r| r[..n.min(r.len())].iter()))
            .filter(|v| v.is_finite())
    };
    let largest = observed().fold(0.0f64, |m, v| m.max(v.abs()));
    if largest > 1e150 {
        let msg = format!("the data reach {largest:e}: squares of such values overflow float64");
        return Err(Diagnostic::new(codes::DEGENERATE, msg, span, "values too large")
            .with_help("rescale the data (divide by a unit of their size)"));
    }
    if largest == 0.0 && observed().next().is_some() {
        return Err(Diagnostic::new(
            codes::DEGENERATE,
            "the data are all zero: there is no dynamics to fit",
            span,
            "all zero",
        )
        .with_help("check the data file or the simulation's initial values"));
    }
    Ok(())
}

/// The term's own span, else the span of the first equation using it.
fn term_span(model: &hir::Model, ir: &ModelIr, t: usize) -> Span {
    let term = &ir.terms[t];
    term.span
        .or_else(|| ir.span_of(term.node))
        .or_else(|| ir.equations.iter().find(|e| e.sparse.iter().any(|b| b.terms.contains(&t))).and_then(|e| e.span))
        .unwrap_or_else(|| model.span())
}

/// A training failure as a coded diagnostic.
pub fn fit_diagnostic(e: &FitError, model: &hir::Model) -> Diagnostic {
    let here = model.span();
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
        FitError::Singular { .. } | FitError::Data(_) | FitError::Cancelled => {
            Diagnostic::new(codes::FIT_FAILED, e.to_string(), here, "while training this model")
        }
    }
}
