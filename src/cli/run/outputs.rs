//! The files `mechc run` writes: the report, the fitted model and the training data → the JSON
//! report, the emitted `.mech` model and the plot, at the paths the command line names (resolved
//! in `--out-dir` when given), each written atomically (`-` for the JSON report or the model:
//! standard output). [`validate`] checks them all before any work; [`write_all`] returns what was
//! written where, or the first failure in words.

use super::RunArgs;
use crate::files::write_atomic;
use crate::fit::Fitted;
use crate::pipeline::Prepared;
use crate::report::plot::{render, PlotData};
use crate::report::{emit::emit_model, json::to_json, json::write_json, Report};
use std::path::{Path, PathBuf};

/// The output paths: explicit ones (relative ones inside `--out-dir`), and with `--out-dir`
/// defaults for the rest (the HTML report only when asked for).
pub fn paths(args: &RunArgs) -> [(&'static str, Option<PathBuf>); 4] {
    let place = |explicit: &Option<PathBuf>, default: Option<&str>| match (&args.out_dir, explicit) {
        (Some(dir), Some(p)) if p.is_relative() && p.as_os_str() != "-" => Some(dir.join(p)),
        (_, Some(p)) => Some(p.clone()),
        (Some(dir), None) => default.map(|d| dir.join(d)),
        (None, None) => None,
    };
    [
        ("the JSON report", place(&args.json, Some("report.json"))),
        ("the discovered model", place(&args.emit_model, Some("model.mech"))),
        ("the plot", place(&args.plot, Some("fit.svg"))),
        ("the HTML report", place(&args.report, None)),
    ]
}

/// The `--export` paths, relative ones inside `--out-dir`.
pub fn export_paths(args: &RunArgs) -> Vec<PathBuf> {
    args.export
        .iter()
        .map(|(_, path)| match &args.out_dir {
            Some(dir) if path.is_relative() => dir.join(path),
            _ => path.clone(),
        })
        .collect()
}

/// The emitted model; for a model with encoders, with a comment naming the encoders, the
/// parameters they give (written as fitted per trajectory) and where their weights are.
fn emitted(p: &Prepared, fitted: &Fitted, report: &Report, source: &str) -> String {
    let text = emit_model(&p.ir, fitted, &p.data, source);
    let Some(a) = &report.amortised else { return text };
    let (head, rest) = text.split_once('\n').unwrap_or((&text, ""));
    let weights = a.weights.as_deref().unwrap_or("(not saved)");
    let mut note = String::new();
    for e in &a.encoders {
        note.push_str(&format!("# The per-trajectory values below come from the trained encoder {e};\n"));
    }
    note.push_str(&format!(
        "# its weights: {weights} (`mechc predict {source} --weights {weights} --data NEW.csv` infers new trajectories' values).\n"
    ));
    format!("{head}\n{note}{rest}")
}

/// Checks every requested output before any work: the paths (never the model or a data file,
/// never a directory; the directory must exist, `--out-dir` is created first) and the plot's
/// format. Prints the `E056` error and returns exit 1 when one is rejected.
pub fn validate(args: &RunArgs) -> Result<(), u8> {
    use crate::diag::codes::OUTPUT_PATH;
    if let Some(dir) = &args.out_dir {
        if let Err(e) = std::fs::create_dir_all(dir) {
            let why =
                format!("cannot create the output directory `{}`: {}", dir.display(), crate::files::os_reason(&e));
            return Err(crate::cli::coded(OUTPUT_PATH, &why));
        }
    }
    let all = paths(args);
    let exports = export_paths(args);
    let named: Vec<&Path> =
        all.iter().filter_map(|(_, p)| p.as_deref()).chain(exports.iter().map(PathBuf::as_path)).collect();
    if named.iter().filter(|p| p.as_os_str() == "-").count() > 1 {
        return Err(crate::cli::coded(OUTPUT_PATH, "only one output can go to standard output (`-`)"));
    }
    if let Some(plot) = &all[2].1 {
        if plot.as_os_str() == "-" {
            return Err(crate::cli::coded(
                OUTPUT_PATH,
                "the plot cannot go to standard output; name a .svg or .png file",
            ));
        }
        if crate::report::plot::PlotFormat::from_path(plot).is_err() {
            let why =
                format!("cannot tell the plot format of `{}`: the file name must end in .svg or .png", plot.display());
            return Err(crate::cli::coded(OUTPUT_PATH, &why));
        }
    }
    if let Some(page) = &all[3].1 {
        let ext = page.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
        if page.as_os_str() != "-" && !matches!(ext.as_deref(), Some("html" | "htm")) {
            let why = format!("the HTML report `{}` must be named with .html or .htm", page.display());
            return Err(crate::cli::coded(OUTPUT_PATH, &why));
        }
    }
    crate::cli::check_outputs(&named, &[args.file.as_path()])
}

/// Checks the outputs again once the model is known: none may be one of its data files or an
/// imported file.
pub fn validate_against_data(args: &RunArgs, p: &Prepared) -> Result<(), u8> {
    let inputs: Vec<&Path> = p
        .model
        .data
        .iter()
        .filter_map(|d| match &d.source {
            crate::check::hir::DataSource::Csv(c) => Some(c.path.as_path()),
            crate::check::hir::DataSource::Simulate(_) => None,
        })
        .chain(std::iter::once(args.file.as_path()))
        .collect();
    if let Some(sel) = &args.plot_trajectories {
        let n = p.data.trajectories.len();
        if let Err(i) = sel.indices(n) {
            let plural = if n == 1 { "y" } else { "ies" };
            let why = format!("`--plot-trajectories` names trajectory {i}, but the data have {n} trajector{plural}");
            return Err(crate::cli::coded(crate::diag::codes::PLOT_SELECTION, &why));
        }
    }
    let all = paths(args);
    let exports = export_paths(args);
    let named: Vec<&Path> =
        all.iter().filter_map(|(_, p)| p.as_deref()).chain(exports.iter().map(PathBuf::as_path)).collect();
    crate::cli::check_outputs(&named, &inputs)
}

/// Writes every requested output (`-` is standard output); `source` names the model file in the
/// emitted model's header.
pub fn write_all(
    args: &RunArgs,
    p: &Prepared,
    fitted: &Fitted,
    report: &Report,
    source: &str,
) -> Result<Vec<(&'static str, PathBuf)>, String> {
    let mut written = Vec::new();
    for (i, (what, path)) in paths(args).into_iter().enumerate() {
        let Some(path) = path else { continue };
        let stdout = path.as_os_str() == "-";
        let result = match i {
            0 if stdout => to_stdout(&to_json(report).map_err(|e| e.to_string())?),
            0 => write_json(report, &path).map_err(|e| crate::files::os_reason(&e)),
            1 if stdout => to_stdout(&emitted(p, fitted, report, source)),
            1 => write_atomic(&path, emitted(p, fitted, report, source).as_bytes())
                .map_err(|e| crate::files::os_reason(&e)),
            2 => write_plot(args, p, fitted, report, &path),
            _ => {
                let text = html_page(args, p, fitted, report)?;
                if stdout {
                    to_stdout(&text)
                } else {
                    write_atomic(&path, text.as_bytes()).map_err(|e| crate::files::os_reason(&e))
                }
            }
        };
        result.map_err(|e| format!("cannot write {what} to {}: {e}", path.display()))?;
        if !stdout {
            written.push((what, path));
        }
    }
    for ((format, _), path) in args.export.iter().zip(export_paths(args)) {
        let text = crate::report::export::export(&p.ir, fitted, report, *format, source);
        write_atomic(&path, text.as_bytes())
            .map_err(|e| format!("cannot write the export to {}: {e}", path.display()))?;
        written.push(("the export", path));
    }
    Ok(written)
}

/// Writes an output to standard output (a closed pipe is not an error).
pub(super) fn to_stdout(text: &str) -> Result<(), String> {
    let text = if text.ends_with('\n') { text.to_string() } else { format!("{text}\n") };
    if crate::cli::print_out(&text) {
        Ok(())
    } else {
        Err("standard output cannot be written".into())
    }
}

/// The HTML report with the figure inline.
fn html_page(args: &RunArgs, p: &Prepared, fitted: &Fitted, report: &Report) -> Result<String, String> {
    let (svg, _) = crate::report::plot::render_svg(&figure(args, p, fitted, report)).map_err(|e| e.to_string())?;
    Ok(crate::report::html::page(report, Some(&svg)))
}

/// Writes the figure.
fn write_plot(args: &RunArgs, p: &Prepared, fitted: &Fitted, report: &Report, path: &Path) -> Result<(), String> {
    render(&figure(args, p, fitted, report), path).map(|_| ()).map_err(|e| e.to_string())
}

/// The figure's data.
fn figure(args: &RunArgs, p: &Prepared, fitted: &Fitted, report: &Report) -> PlotData {
    crate::report::figure::figure(&p.data, fitted, report, args.plot_trajectories.as_ref())
}
