//! Data from a model's declarations: the checked model's `data` entries ([`hir::Data`]) →
//! one [`Dataset`] over the model's states and inputs, or a coded [`Diagnostic`] pointing at the
//! `data` declaration at fault.
//!
//! - `csv`: read with [`load_csv`] (time column, column mapping, optional trajectory column),
//!   every trajectory at least `min_rows` long (the training window).
//! - `simulate`: the named or inline system is lowered ([`lower_system`]) and compiled (JIT, with
//!   the interpreter as a fallback) into the right-hand side of [`simulate_dataset`]. A state of
//!   order `m` becomes `m` first-order states (the state and its derivatives up to `m − 1`), so
//!   `init x = 1, x' = 0` is the initial first-order state. Parameter and initial-value draws,
//!   noise and trajectories follow [`SimSpec`]; `state_map` picks the model's states out of the
//!   system's (noise is added to every first-order component, then only the mapped states kept).
//!
//! Several `data` declarations give several trajectories, in declaration order; each trajectory is
//! labelled `NAME` (one trajectory) or `NAME/LABEL`.

use super::csv_load::{load_csv, CsvError, CsvSpec};
use super::dataset::{Dataset, Trajectory};
use super::dopri::{SimError, SimOptions};
use super::generate::{grid, simulate_dataset, GenerateError, SimSpec};
use super::noise::Dist;
use crate::check::hir::{self, ColumnTarget, DataSource, SimSystem, SimValue};
use crate::diag::{codes, Diagnostic};
use crate::ir::{lower_system, SystemIr, Var};
use crate::jit::{compile, Interpreter, Kernel, Layout};
use crate::source::Span;

/// Loads every `data` declaration of `model` into one dataset (states, then inputs, in model
/// order). `min_rows` is the number of rows a trajectory needs (the training window length).
pub fn load_model_data(model: &hir::Model, min_rows: usize) -> Result<Dataset, Diagnostic> {
    let mut out = Dataset {
        states: model.states.iter().map(|s| s.name.clone()).collect(),
        inputs: model.inputs.iter().map(|i| i.name.clone()).collect(),
        trajectories: Vec::new(),
    };
    if model.data.is_empty() {
        return Err(Diagnostic::new(
            codes::NO_DATA,
            "the model declares no data",
            model.span(),
            "no `data` declaration in this model",
        )
        .with_help("add `data NAME = csv \"file.csv\"` or `data NAME = simulate SYSTEM(...) { ... }`"));
    }
    for d in &model.data {
        let ds = match &d.source {
            DataSource::Csv(c) => csv_data(model, d, c, min_rows)?,
            DataSource::Simulate(s) => sim_data(model, d, s, min_rows)?,
        };
        let single = ds.trajectories.len() == 1;
        for mut tr in ds.trajectories {
            tr.label = if single { d.name.clone() } else { format!("{}/{}", d.name, tr.label) };
            out.trajectories.push(tr);
        }
    }
    Ok(out)
}

/// The data set of one simulated `data` declaration, over the model's states and inputs.
pub fn simulate_data(model: &hir::Model, data: &hir::Data) -> Result<Dataset, Diagnostic> {
    match &data.source {
        DataSource::Simulate(s) => sim_data(model, data, s, 1),
        DataSource::Csv(c) => Err(Diagnostic::new(
            codes::SIMULATION_FAILED,
            format!("data `{}` is read from a file, not simulated", data.name),
            c.span,
            "csv data",
        )),
    }
}

fn csv_data(model: &hir::Model, d: &hir::Data, c: &hir::CsvData, min_rows: usize) -> Result<Dataset, Diagnostic> {
    let mut spec = CsvSpec {
        path: c.path.clone(),
        time: c.time_column.clone(),
        states: Vec::new(),
        inputs: Vec::new(),
        trajectory: c.trajectory_column.clone(),
        min_rows,
    };
    for (target, col) in &c.columns {
        match *target {
            ColumnTarget::State(i) => spec.states.push((model.states[i].name.clone(), col.clone())),
            ColumnTarget::Input(i) => spec.inputs.push((model.inputs[i].name.clone(), col.clone())),
        }
    }
    load_csv(&spec).map_err(|e| csv_diagnostic(&e, d, c.span))
}

/// A CSV failure as a coded diagnostic on the `data` declaration.
pub fn csv_diagnostic(e: &CsvError, d: &hir::Data, span: Span) -> Diagnostic {
    let (code, label, help): (_, &str, Option<String>) = match e {
        CsvError::FileMissing { .. } | CsvError::Unreadable { .. } | CsvError::Empty { .. } => {
            (codes::MISSING_FILE, "file not readable", None)
        }
        CsvError::MissingColumn { suggestion, .. } => (
            codes::MISSING_COLUMN,
            "column not in the header",
            suggestion.as_ref().map(|s| format!("did you mean `{s}`?")),
        ),
        CsvError::NonNumeric { .. } | CsvError::Infinite { .. } | CsvError::MissingTime { .. } => (
            codes::BAD_CELL,
            "bad value in this file",
            Some("missing values may be left empty or written NaN; other cells must be finite numbers".into()),
        ),
        CsvError::NonIncreasingTime { .. } => (
            codes::TIME_ORDER,
            "time does not increase in this file",
            Some("sort the rows by time, or separate trajectories with a trajectory column".into()),
        ),
        CsvError::Ragged { .. } => (codes::RAGGED_ROWS, "row of the wrong length in this file", None),
        CsvError::TooFewRows { .. } => (
            codes::TOO_FEW_ROWS,
            "too few rows for one window",
            Some("lower `fit { window = N }` or provide longer series".into()),
        ),
        CsvError::Inconsistent { .. } => (codes::MISSING_COLUMN, "columns do not match", None),
        CsvError::TooLarge { .. } => {
            (codes::TOO_LARGE, "too much data", Some("thin the rows or split the series into shorter ones".into()))
        }
    };
    Diagnostic::new(code, format!("data `{}`: {e}", d.name), span, label).with_help_opt(help)
}

/// A compiled system right-hand side: native when the JIT can compile it.
enum Eval {
    Native(Box<Kernel>),
    Interp(Interpreter),
}

impl Eval {
    fn eval(&self, row: &[f64], params: &[f64], out: &mut [f64]) -> bool {
        match self {
            Eval::Native(k) => k.eval(1, row, params, out).is_ok(),
            Eval::Interp(i) => i.eval(1, row, params, out).is_ok(),
        }
    }
}

fn sim_data(model: &hir::Model, d: &hir::Data, s: &hir::SimData, min_rows: usize) -> Result<Dataset, Diagnostic> {
    let fail = |msg: String| {
        Diagnostic::new(codes::SIMULATION_FAILED, format!("data `{}`: {msg}", d.name), d.span, "this simulation failed")
    };
    let system = match &s.system {
        SimSystem::Named(id) => &model.systems[*id],
        SimSystem::Inline(sys) => sys.as_ref(),
    };
    let sir = lower_system(model, system).map_err(|e| fail(e.to_string()))?;
    let (layout, offsets) = first_order_layout(&sir);
    let n1 = layout.columns.len() - 1;
    let eval = match compile(&sir.arena, &sir.rhs, &layout) {
        Ok(k) => Eval::Native(Box::new(k)),
        Err(_) => Eval::Interp(Interpreter::new(&sir.arena, &sir.rhs, &layout).map_err(|e| fail(e.to_string()))?),
    };
    let times = grid(s.t0, s.t1, s.step).map_err(|e| fail(e.to_string()))?;
    if times.len() < min_rows {
        let msg = format!("data `{}`: {} time points, but a training window needs {min_rows}", d.name, times.len());
        return Err(Diagnostic::new(codes::TOO_FEW_ROWS, msg, d.span, "too few time points")
            .with_help("lower `fit { window = N }`, or lengthen the time range or shorten its step"));
    }
    let spec = SimSpec {
        states: first_order_names(&sir),
        params: sir.names.params.iter().cloned().zip(s.args.iter().map(|&v| dist(v))).collect(),
        init: init_dists(&sir, s),
        times,
        noise_percent: s.noise_percent,
        trajectories: s.trajectories as usize,
        seed: s.seed,
        // The integrator's tight defaults: clean data accurate to about 1e-8 even on chaotic
        // systems, so discovery benchmarks measure the fit, not the data's truncation error.
        options: SimOptions::default(),
    };
    let mut row = vec![0.0; n1 + 1];
    let mut out = vec![0.0; sir.rhs.len()];
    let mut rhs = |t: f64, y: &[f64], p: &[f64], dy: &mut [f64]| {
        row[..n1].copy_from_slice(y);
        row[n1] = t;
        if !eval.eval(&row, p, &mut out) {
            out.fill(f64::NAN);
        }
        for (i, &o) in offsets.iter().enumerate() {
            let m = sir.orders[i].max(1) as usize;
            for k in 0..m - 1 {
                dy[o + k] = y[o + k + 1];
            }
            dy[o + m - 1] = out[i];
        }
    };
    let ds = simulate_dataset(&spec, &mut rhs).map_err(|e| fail(generate_words(&e)))?;
    Ok(map_states(model, s, &offsets, ds))
}

/// Row columns of the first-order form (each state, then its derivatives) and `t` last; the
/// offset of each system state's block.
fn first_order_layout(sir: &SystemIr) -> (Layout, Vec<usize>) {
    let mut cols = Vec::new();
    let mut offsets = Vec::new();
    for (i, &m) in sir.orders.iter().enumerate() {
        offsets.push(cols.len());
        for k in 0..m.max(1) {
            cols.push(Var::State { index: i as u32, order: k });
        }
    }
    cols.push(Var::Time);
    (Layout::new(cols, sir.names.params.len()), offsets)
}

fn first_order_names(sir: &SystemIr) -> Vec<String> {
    let mut names = Vec::new();
    for (i, &m) in sir.orders.iter().enumerate() {
        for k in 0..m.max(1) {
            names.push(format!("{}{}", sir.names.states[i], "'".repeat(k as usize)));
        }
    }
    names
}

fn init_dists(sir: &SystemIr, s: &hir::SimData) -> Vec<Dist> {
    let mut out = Vec::new();
    for (i, &m) in sir.orders.iter().enumerate() {
        for k in 0..m.max(1) as usize {
            let v = s.init.get(i).and_then(|v| v.get(k)).copied().unwrap_or(SimValue::Fixed(0.0));
            out.push(dist(v));
        }
    }
    out
}

fn dist(v: SimValue) -> Dist {
    match v {
        SimValue::Fixed(x) => Dist::Fixed(x),
        SimValue::Normal { mean, std } => Dist::Normal { mean, sd: std },
        SimValue::Uniform { low, high } => Dist::Uniform { lo: low, hi: high },
    }
}

fn generate_words(e: &GenerateError) -> String {
    match e {
        GenerateError::Sim { trajectory, error } => {
            format!("the integration of trajectory {} failed: {}", trajectory + 1, sim_words(error))
        }
        other => other.to_string(),
    }
}

/// The integrator's failure in words, times to 3 significant digits (the exact digits of a
/// failure point mean nothing to a reader).
pub fn sim_words(e: &SimError) -> String {
    let t3 = |t: f64| crate::number::format_sig(t, 3);
    match e {
        SimError::NonFinite { t } => format!("the solution stops being finite after t = {}", t3(*t)),
        SimError::StepUnderflow { t, .. } => format!(
            "the step size shrinks to nothing near t = {} (a singularity, such as a blow-up, or a very stiff system)",
            t3(*t)
        ),
        SimError::MaxSteps { t, steps } => format!("gave up at t = {} after {steps} steps", t3(*t)),
        other => other.to_string(),
    }
}

/// Keeps the system states that `state_map` sends to model states, in model order; model inputs
/// (never simulated: the checker rejects them) would be missing values.
fn map_states(model: &hir::Model, s: &hir::SimData, offsets: &[usize], ds: Dataset) -> Dataset {
    let n = model.states.len();
    let width = n + model.inputs.len();
    let src: Vec<Option<usize>> =
        (0..n).map(|m| s.state_map.iter().position(|&t| t == Some(m)).and_then(|i| offsets.get(i).copied())).collect();
    let w1 = ds.width();
    let trajectories = ds
        .trajectories
        .into_iter()
        .map(|tr| {
            let mut values = Vec::with_capacity(tr.len() * width);
            for r in 0..tr.len() {
                let row = &tr.values[r * w1..(r + 1) * w1];
                values.extend((0..width).map(|c| src.get(c).copied().flatten().map_or(f64::NAN, |j| row[j])));
            }
            let mut out = Trajectory::from_rows(tr.label, tr.times, width, values);
            out.truth = tr.truth.map(|mut t| {
                t.init = src.iter().map(|j| j.map_or(f64::NAN, |j| t.init[j])).collect();
                t.noise_sigmas = src.iter().map(|j| j.map_or(0.0, |j| t.noise_sigmas[j])).collect();
                t
            });
            out
        })
        .collect();
    Dataset {
        states: model.states.iter().map(|s| s.name.clone()).collect(),
        inputs: model.inputs.iter().map(|i| i.name.clone()).collect(),
        trajectories,
    }
}
