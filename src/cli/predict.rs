//! `mechc predict MODEL.mech --init x=1,y=2 --time 0..10 --step 0.01 [--input u.csv]
//! [--param r=2.5] [-o OUT.csv]`: integrates a model with known right-hand sides (a model
//! `mechc run --emit-model` wrote, or one written by hand) from new initial conditions over a new
//! span, with inputs read from a CSV file (a `t` column and one column per input, linearly
//! interpolated), and writes the states as CSV (to stdout, or atomically to `-o`).
//!
//! Every state (and, for a higher-order state, each lower derivative: `x'=0.5`) needs an initial
//! value; a learnable parameter takes its `--param` value, else its guess (in an emitted model,
//! the mean of a per-trajectory parameter). Models with `sparse` terms are refused: their
//! coefficients are not known until a fit (`mechc run --emit-model` writes a model with them).
//! Bad arguments are user errors (exit 1) said before any integration.
//!
//! With `--weights W --data new.csv` it instead infers each new trajectory's parameters with the
//! model's trained encoders, with no refit ([`super::infer`]).

use super::{EXIT_INTERNAL, EXIT_OK, EXIT_USER};
use crate::data::write::{write_csv, write_csv_to};
use crate::data::{Dataset, Trajectory};
use crate::diag::render;
use crate::ir::Var;
use crate::pipeline::check_and_lower;
use crate::report::rollout::DiscoveredRhs;
use crate::source::SourceMap;
use std::path::{Path, PathBuf};

/// What the user asked `mechc predict` for.
#[derive(clap::Args, Debug, Clone)]
pub struct PredictArgs {
    /// The model (its equations must have no `sparse` terms).
    pub file: PathBuf,
    /// Initial values: `x=1,y=2` (and `x'=0.5` for the derivative of a second-order state).
    #[arg(long, value_name = "NAME=VALUE,...")]
    pub init: Option<String>,
    /// The time span `A..B`.
    #[arg(long, value_name = "A..B")]
    pub time: Option<String>,
    /// Output step.
    #[arg(long, value_name = "H")]
    pub step: Option<f64>,
    /// Trained encoder weights (`mechc run` of a model with an encoder writes them): with
    /// `--data`, print each new trajectory's inferred parameters instead of forecasting.
    #[arg(long, value_name = "W.safetensors", requires = "data")]
    pub weights: Option<PathBuf>,
    /// New trajectories (CSV: `t`, one column per state the encoders read, and a `trajectory`
    /// column when there are several).
    #[arg(long, value_name = "NEW.csv", requires = "weights")]
    pub data: Option<PathBuf>,
    /// With `--weights`: the inferred parameters as JSON to this file (`-`: standard output).
    #[arg(long, value_name = "OUT.json|-", requires = "weights")]
    pub json: Option<PathBuf>,
    /// Inputs over time: a CSV file with a `t` column and one column per input.
    #[arg(long, value_name = "IN.csv")]
    pub input: Option<PathBuf>,
    /// Parameter values: `r=2.5,k=1` (others take their guesses).
    #[arg(long, value_name = "NAME=VALUE,...")]
    pub param: Option<String>,
    /// Write to this file (atomically) instead of stdout.
    #[arg(short, long, value_name = "OUT.csv")]
    pub output: Option<PathBuf>,
}

/// Runs `mechc predict`.
pub fn run(args: &PredictArgs) -> u8 {
    let mut sources = SourceMap::new();
    let root = match super::load(&mut sources, &args.file) {
        Ok(id) => id,
        Err(code) => return code,
    };
    let checked = match check_and_lower(&mut sources, root) {
        Ok(c) => c,
        Err(f) => return super::failure(f, &sources),
    };
    eprint!("{}", render::render_text(&checked.warnings, &sources, render::use_color()));
    if let (Some(w), Some(d)) = (&args.weights, &args.data) {
        let infer = super::infer::InferArgs { file: &args.file, weights: w, data: d, json: args.json.as_deref() };
        return super::infer::run(&checked.model, &infer);
    }
    match predict(&checked.ir, &checked.model, args) {
        Ok(ds) => write(&ds, args.output.as_deref()),
        Err(msg) => {
            eprintln!("error: {msg}");
            EXIT_USER
        }
    }
}

/// `NAME=VALUE` pairs.
fn pairs(text: &str, what: &str) -> Result<Vec<(String, f64)>, String> {
    text.split(',')
        .filter(|p| !p.trim().is_empty())
        .map(|p| {
            let (n, v) = p.split_once('=').ok_or_else(|| format!("{what}: expected NAME=VALUE, got `{p}`"))?;
            let v: f64 = v.trim().parse().map_err(|_| format!("{what}: `{}` is not a number", v.trim()))?;
            if !v.is_finite() {
                return Err(format!("{what}: `{}` is not finite", n.trim()));
            }
            Ok((n.trim().to_string(), v))
        })
        .collect()
}

/// The output grid `a, a + h, ..., b`.
fn grid(time: &str, step: f64) -> Result<Vec<f64>, String> {
    let (a, b) = time.split_once("..").ok_or("--time: expected A..B")?;
    let (a, b): (f64, f64) = (
        a.trim().parse().map_err(|_| format!("--time: `{a}` is not a number"))?,
        b.trim().parse().map_err(|_| format!("--time: `{b}` is not a number"))?,
    );
    if !(a.is_finite() && b.is_finite() && b > a) {
        return Err("--time: the span must be A..B with A < B".into());
    }
    if !(step.is_finite() && step > 0.0) || (b - a) / step > 1e7 {
        return Err("--step: a positive step giving at most 10^7 points".into());
    }
    let n = ((b - a) / step + 1e-9).floor() as usize;
    let mut t: Vec<f64> = (0..=n).map(|i| a + i as f64 * step).collect();
    if b - t[n] > 1e-9 * step {
        t.push(b);
    }
    Ok(t)
}

/// Integrates the model as the arguments say.
pub fn predict(
    ir: &crate::ir::ModelIr,
    model: &crate::check::hir::Model,
    args: &PredictArgs,
) -> Result<Dataset, String> {
    if !ir.coefs.is_empty() {
        return Err("the model has `sparse` terms, whose coefficients only a fit gives: predict with the model \
                    `mechc run --emit-model` writes"
            .into());
    }
    let mut params: Vec<f64> = model.params.iter().map(|p| p.init).collect();
    for (name, v) in pairs(args.param.as_deref().unwrap_or(""), "--param")? {
        let i =
            ir.names.params.iter().position(|p| *p == name).ok_or_else(|| format!("--param: no parameter `{name}`"))?;
        params[i] = v;
    }
    let rhs = DiscoveredRhs::new(ir, &params, &[]).map_err(|e| format!("cannot compile the model: {e}"))?;
    let need = |what: &str| format!("{what} is required (or `--weights W --data NEW.csv` to infer parameters)");
    let init = pairs(args.init.as_deref().ok_or_else(|| need("--init"))?, "--init")?;
    let mut y0 = vec![f64::NAN; rhs.dim()];
    for (name, v) in &init {
        let slot = first_order_slot(ir, rhs.offsets(), name).ok_or_else(|| format!("--init: no state `{name}`"))?;
        y0[slot] = *v;
    }
    if let Some(k) = y0.iter().position(|v| v.is_nan()) {
        return Err(format!("--init: no value for `{}`", slot_name(ir, rhs.offsets(), k)));
    }
    let times = grid(args.time.as_deref().ok_or_else(|| need("--time"))?, args.step.ok_or_else(|| need("--step"))?)?;
    let n = ir.names.states.len();
    let inputs = match &args.input {
        Some(p) => read_inputs(p, &ir.names.inputs, &times)?,
        None if ir.names.inputs.is_empty() => vec![],
        None => return Err(format!("the model has inputs ({}): give them with --input", ir.names.inputs.join(", "))),
    };
    let ni = ir.names.inputs.len();
    let width = n + ni;
    let mut values = vec![f64::NAN; times.len() * width];
    for (r, row) in values.chunks_mut(width).enumerate() {
        row[n..].copy_from_slice(&inputs[r * ni..(r + 1) * ni]);
    }
    let tr = Trajectory::from_rows("prediction", times.clone(), width, values);
    let states = rhs
        .rollout(&tr, n, Some(&y0))
        .map_err(|e| format!("the integration failed: {}", crate::data::from_model::sim_words(&e)))?;
    Ok(Dataset {
        states: ir.names.states.clone(),
        inputs: vec![],
        trajectories: vec![Trajectory::from_rows("prediction", times, n, states)],
    })
}

/// The first-order slot of `x` or `x'` (a state's lower derivatives follow it).
fn first_order_slot(ir: &crate::ir::ModelIr, offsets: &[usize], name: &str) -> Option<usize> {
    let order = name.len() - name.trim_end_matches('\'').len();
    let base = name.trim_end_matches('\'');
    let s = ir.names.states.iter().position(|x| x == base)?;
    ((order as u32) < ir.state_order(s as u32).max(1)).then(|| offsets[s] + order)
}

fn slot_name(ir: &crate::ir::ModelIr, offsets: &[usize], k: usize) -> String {
    let s = offsets.iter().rposition(|&o| o <= k).unwrap_or(0);
    ir.names.var_name(Var::State { index: s as u32, order: (k - offsets[s]) as u32 })
}

/// The inputs at `times` (row-major, one column per input), linearly interpolated from the
/// CSV's `t` column (held constant outside its span).
fn read_inputs(path: &Path, names: &[String], times: &[f64]) -> Result<Vec<f64>, String> {
    let mut rdr =
        crate::files::csv_reader(path).map_err(|e| format!("--input: cannot read {}: {e}", path.display()))?;
    let header = crate::files::header(&mut rdr).map_err(|e| format!("--input {}: {e}", path.display()))?;
    let col = |n: &str| header.iter().position(|h| h == n);
    let t_col = col("t").ok_or_else(|| format!("--input {}: no `t` column", path.display()))?;
    let cols: Vec<usize> = names
        .iter()
        .map(|n| col(n).ok_or_else(|| format!("--input {}: no column for input `{n}`", path.display())))
        .collect::<Result<_, _>>()?;
    let mut rows: Vec<(f64, Vec<f64>)> = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let rec = rec.map_err(|e| format!("--input {}: {e}", path.display()))?;
        let cell = |c: usize| -> Result<f64, String> {
            let s = rec.get(c).unwrap_or("").trim();
            s.parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| format!("--input {}: row {}: `{s}` is not a finite number", path.display(), i + 2))
        };
        rows.push((cell(t_col)?, cols.iter().map(|&c| cell(c)).collect::<Result<_, _>>()?));
    }
    if rows.is_empty() || rows.windows(2).any(|w| w[1].0 <= w[0].0) {
        return Err(format!("--input {}: needs rows with increasing `t`", path.display()));
    }
    let mut out = Vec::with_capacity(times.len() * names.len());
    for &t in times {
        let j = rows.partition_point(|r| r.0 <= t);
        for c in 0..names.len() {
            out.push(match j {
                0 => rows[0].1[c],
                j if j == rows.len() => rows[j - 1].1[c],
                j => {
                    let (a, b) = (&rows[j - 1], &rows[j]);
                    a.1[c] + (b.1[c] - a.1[c]) * (t - a.0) / (b.0 - a.0)
                }
            });
        }
    }
    Ok(out)
}

fn write(ds: &Dataset, out: Option<&Path>) -> u8 {
    match out {
        Some(path) => match write_csv(ds, path, "t") {
            Ok(()) => {
                eprintln!("wrote {} rows to {}", ds.total_rows(), path.display());
                EXIT_OK
            }
            Err(e) => {
                eprintln!("error: cannot write {}: {e}", path.display());
                EXIT_INTERNAL
            }
        },
        None => {
            let mut text = Vec::new();
            if let Err(e) = write_csv_to(ds, &mut text, "t") {
                eprintln!("error: {e}");
                return EXIT_INTERNAL;
            }
            print!("{}", String::from_utf8_lossy(&text));
            EXIT_OK
        }
    }
}
