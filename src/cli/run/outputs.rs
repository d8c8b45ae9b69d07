//! The files `mechc run` writes: the report, the fitted model and the training data → the JSON
//! report, the emitted `.mech` model and the plot, at the paths the command line names (resolved
//! in `--out-dir` when given), each written atomically. Returns what was written where, or the
//! first failure in words.

use super::RunArgs;
use crate::files::write_atomic;
use crate::fit::Fitted;
use crate::pipeline::Prepared;
use crate::report::plot::{render, LossHistory, LossUnit, PlotData, PlotTrajectory};
use crate::report::{emit::emit_model, json::write_json, Report};
use std::path::{Path, PathBuf};

/// The output paths: explicit ones (relative ones inside `--out-dir`), and with `--out-dir`
/// defaults for the rest.
pub fn paths(args: &RunArgs) -> [(&'static str, Option<PathBuf>); 3] {
    let place = |explicit: &Option<PathBuf>, default: &str| match (&args.out_dir, explicit) {
        (Some(dir), Some(p)) if p.is_relative() => Some(dir.join(p)),
        (_, Some(p)) => Some(p.clone()),
        (Some(dir), None) => Some(dir.join(default)),
        (None, None) => None,
    };
    [
        ("the JSON report", place(&args.json, "report.json")),
        ("the discovered model", place(&args.emit_model, "model.mech")),
        ("the plot", place(&args.plot, "fit.svg")),
    ]
}

/// Writes every requested output; `source` names the model file in the emitted model's header.
pub fn write_all(
    args: &RunArgs,
    p: &Prepared,
    fitted: &Fitted,
    report: &Report,
    source: &str,
) -> Result<Vec<(&'static str, PathBuf)>, String> {
    if let Some(dir) = &args.out_dir {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let mut written = Vec::new();
    for (i, (what, path)) in paths(args).into_iter().enumerate() {
        let Some(path) = path else { continue };
        let result = match i {
            0 => write_json(report, &path).map_err(|e| e.to_string()),
            1 => write_atomic(&path, emit_model(&p.ir, fitted, &p.data, source).as_bytes()).map_err(|e| e.to_string()),
            _ => write_plot(p, fitted, report, &path),
        };
        result.map_err(|e| format!("cannot write {what} to {}: {e}", path.display()))?;
        written.push((what, path));
    }
    for (format, path) in &args.export {
        let path = match &args.out_dir {
            Some(dir) if path.is_relative() => dir.join(path),
            _ => path.clone(),
        };
        let text = crate::report::export::export(&p.ir, fitted, report, *format, source);
        write_atomic(&path, text.as_bytes())
            .map_err(|e| format!("cannot write the export to {}: {e}", path.display()))?;
        written.push(("the export", path));
    }
    Ok(written)
}

/// Data against the rollout of every trajectory, with the loss history and its rounds.
fn write_plot(p: &Prepared, fitted: &Fitted, report: &Report, path: &Path) -> Result<(), String> {
    let n = p.data.states.len();
    let trajectories = p
        .data
        .trajectories
        .iter()
        .enumerate()
        .map(|(k, tr)| PlotTrajectory::from_trajectory(tr, n, report.rollouts.get(k).cloned().flatten()))
        .collect();
    let round_starts =
        fitted.history.windows(2).enumerate().filter(|(_, w)| w[1].round != w[0].round).map(|(i, _)| i + 1).collect();
    let loss = LossHistory {
        values: fitted.history.iter().map(|h| h.loss).collect(),
        unit: LossUnit::Iteration,
        round_starts,
    };
    let data = PlotData { title: report.model.clone(), state_names: p.data.states.clone(), trajectories, loss };
    render(&data, path).map(|_| ()).map_err(|e| e.to_string())
}
