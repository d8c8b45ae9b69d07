//! `mechc predict MODEL.mech --weights W --data NEW.csv [--json OUT|-]`: each new trajectory's
//! parameters from the model's trained encoders (one forward pass, no refit). The CSV holds `t`,
//! one column per state an encoder reads (named as the state) and a `trajectory` column when it
//! holds several trajectories; every trajectory is resampled as in training. Prints one line per
//! trajectory (or the JSON). Errors (a model without encoders, weights that do not fit the
//! declaration, unreadable data) are said with exit 1 before any output.

use super::{EXIT_OK, EXIT_USER};
use crate::check::hir;
use crate::data::csv_load::{load_csv, CsvSpec};
use crate::data::Dataset;
use crate::fit::mnn::encoder::features;
use crate::fit::mnn::EncoderWeights;
use candle_core::{Device, Tensor};
use std::fmt::Write;
use std::path::Path;

/// What `mechc predict --weights` was asked for.
pub struct InferArgs<'a> {
    /// The model file.
    pub file: &'a Path,
    pub weights: &'a Path,
    pub data: &'a Path,
    /// `--json OUT|-`.
    pub json: Option<&'a Path>,
}

/// Runs the inference.
pub fn run(model: &hir::Model, args: &InferArgs) -> u8 {
    let (weights, data) = (args.weights, args.data);
    if let Some(out) = args.json.filter(|p| p.as_os_str() != "-") {
        if let Err(why) = crate::files::check_output(out, &[args.file, weights, data]) {
            let msg = format!("cannot write the JSON to `{}`: {why}", out.display());
            return super::coded(crate::diag::codes::OUTPUT_PATH, &msg);
        }
    }
    let (names, labels, values) = match infer(model, weights, data) {
        Ok(r) => r,
        Err(msg) => {
            eprintln!("error: {msg}");
            return EXIT_USER;
        }
    };
    match args.json {
        Some(out) => {
            let rows: Vec<serde_json::Value> = labels
                .iter()
                .zip(&values)
                .map(|(l, v)| {
                    let params: serde_json::Map<String, serde_json::Value> =
                        names.iter().zip(v).map(|(n, x)| (n.clone(), serde_json::json!(x))).collect();
                    serde_json::json!({ "trajectory": l, "params": params })
                })
                .collect();
            let doc = serde_json::json!({ "weights": weights.display().to_string(), "trajectories": rows });
            let text = format!("{}\n", serde_json::to_string_pretty(&doc).unwrap_or_default());
            if out.as_os_str() == "-" {
                print!("{text}");
            } else if let Err(e) = crate::files::write_atomic(out, text.as_bytes()) {
                let msg = format!("cannot write `{}`: {}", out.display(), crate::files::os_reason(&e));
                return super::coded(crate::diag::codes::OUTPUT_WRITE, &msg);
            } else {
                eprintln!("wrote the inferred parameters of {} trajectories to {}", labels.len(), out.display());
            }
        }
        None => print!("{}", table(&names, &labels, &values)),
    }
    EXIT_OK
}

/// The parameters' names, the trajectories' labels and each trajectory's values.
type Inferred = (Vec<String>, Vec<String>, Vec<Vec<f64>>);

/// Reads the weights and the data, and runs every encoder on every trajectory.
pub fn infer(model: &hir::Model, weights: &Path, data: &Path) -> Result<Inferred, String> {
    let encs: Vec<&hir::Encoder> = model.encoders.iter().filter(|e| !e.outputs.is_empty()).collect();
    if encs.is_empty() {
        return Err("the model has no encoder with parameters: `--weights` holds a trained encoder".into());
    }
    let w = EncoderWeights::load(weights).map_err(|e| format!("--weights {}: {e}", weights.display()))?;
    let nets: Vec<_> = encs
        .iter()
        .map(|e| w.net(e, model))
        .collect::<Result<_, _>>()
        .map_err(|e| format!("--weights {}: {e}", weights.display()))?;
    let ds = read(model, &encs, data)?;
    let n = ds.trajectories.len();
    let mut names = Vec::new();
    let mut values = vec![Vec::new(); n];
    for (enc, net) in encs.iter().zip(&nets) {
        let cols: Vec<usize> = enc
            .inputs
            .iter()
            .map(|&s| ds.states.iter().position(|x| *x == model.states[s].name).unwrap_or(0))
            .collect();
        let rows: Vec<Vec<f64>> = ds
            .trajectories
            .iter()
            .map(|tr| features(tr, &cols, net.points))
            .collect::<Result<_, _>>()
            .map_err(|e| format!("--data {}: {e}", data.display()))?;
        let nf = rows[0].len();
        let out = Tensor::from_vec(rows.concat(), (n, nf), &Device::Cpu)
            .and_then(|x| net.forward(&x))
            .and_then(|t| t.to_vec2::<f64>())
            .map_err(|e| format!("the encoder `{}` failed: {e}", enc.name))?;
        names.extend(enc.outputs.iter().map(|&p| model.params[p].name.clone()));
        for (v, o) in values.iter_mut().zip(out) {
            v.extend(o);
        }
    }
    Ok((names, ds.trajectories.iter().map(|t| t.label.clone()).collect(), values))
}

/// The new trajectories: `t`, the encoders' states by name, `trajectory` when present.
fn read(model: &hir::Model, encs: &[&hir::Encoder], path: &Path) -> Result<Dataset, String> {
    let header = crate::files::csv_header(path).map_err(|e| format!("--data {}: {e}", path.display()))?;
    let mut states: Vec<usize> = encs.iter().flat_map(|e| e.inputs.iter().copied()).collect();
    states.sort_unstable();
    states.dedup();
    let mut spec = CsvSpec::new(path, "t", &[]);
    spec.states = states.iter().map(|&s| (model.states[s].name.clone(), model.states[s].name.clone())).collect();
    spec.trajectory = header.iter().any(|h| h == "trajectory").then(|| "trajectory".to_string());
    spec.min_rows = 2;
    let ds = load_csv(&spec).map_err(|e| format!("--data {}: {e}", path.display()))?;
    if ds.trajectories.is_empty() {
        return Err(format!("--data {}: no trajectories", path.display()));
    }
    Ok(ds)
}

/// One line per trajectory: its label, then each parameter.
fn table(names: &[String], labels: &[String], values: &[Vec<f64>]) -> String {
    let width = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0).max("trajectory".len());
    let mut s = format!("{:<width$}", "trajectory");
    for n in names {
        let _ = write!(s, "  {n:>12}");
    }
    s.push('\n');
    for (l, v) in labels.iter().zip(values) {
        let _ = write!(s, "{l:<width$}");
        for x in v {
            let _ = write!(s, "  {:>12}", crate::number::format_sig(*x, 6));
        }
        s.push('\n');
    }
    s
}
