//! `mechc run` on a model with fields: field data → field fit (the `sindy` engine) → the field
//! report on stdout, and the outputs the command line names, each checked before any work and
//! written atomically: `--json` ([`crate::report::fields::to_json`]), `--emit-model` (a `.mech`
//! model that checks and simulates), `--plot` (space–time heat maps of the data, the rollout and
//! their difference), `--report` (the HTML page with the heat maps inline), `--out-dir` (defaults
//! for the first three) and `--export latex=...|sympy=...`. `numpy` and `julia` exports are
//! refused with `E083` before any work: their right sides are functions of the state at one
//! point, which a spatial derivative is not.

use super::{cancel_flag, outputs, progress_bar, show_progress, RunArgs};
use crate::cli::{EXIT_INTERRUPTED, EXIT_OK, EXIT_USER};
use crate::diag::{codes, render, Diagnostic};
use crate::fit::Progress;
use crate::pipeline::fields::{field_warnings, prepare_fields, train_fields, PreparedFields};
use crate::pipeline::Checked;
use crate::report::fields::{self as field_report, FieldReport};
use crate::report::plot::heatmap::{self, FieldPlot, FieldRow};
use crate::source::SourceMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::Instant;

/// Trajectories the heat-map figure shows when `--plot-trajectories` does not say.
const DEFAULT_SHOWN: usize = 3;

/// Runs a field model.
pub fn run(args: &RunArgs, checked: Checked, sources: &SourceMap) -> u8 {
    if let Err(code) = refuse_exports(args, &checked, sources) {
        return code;
    }
    if args.weights.is_some() {
        eprintln!("note: `--weights` has no effect: the model has no encoder");
    }
    let p = match prepare_fields(checked) {
        Ok(p) => p,
        Err(f) => return crate::cli::failure(f, sources),
    };
    if let Err(code) = validate_against_data(args, &p) {
        return code;
    }
    eprint!("{}", render::render_text(&p.warnings, sources, render::use_color()));
    if args.seed.is_some() {
        eprintln!("note: `--seed` has no effect: the field fit makes no random draws");
    }
    let start = Instant::now();
    let fit = match train(args, &p) {
        Ok(f) => f,
        Err(d) => {
            eprint!("{}", render::render_text(&[d], sources, render::use_color()));
            return EXIT_USER;
        }
    };
    let wall = start.elapsed().as_secs_f64();
    let Some(pde) = &p.model.pde else { return EXIT_USER };
    let mut report = field_report::build(&p.ir, pde, &p.data, &fit, args.precision as usize);
    report.wall_seconds = wall;
    report.threshold_mode = match p.model.fit.threshold {
        crate::check::settings::Threshold::Level(t) => crate::number::format_sig(t, 4),
        crate::check::settings::Threshold::Auto => "auto".to_string(),
    };
    let labels: Vec<String> = p.data.trajectories.iter().map(|t| t.label.clone()).collect();
    let mut warnings = crate::pipeline::result_warnings(&p.model, &p.ir, &fit.fitted, &labels);
    warnings.extend(field_warnings(&p, &fit));
    eprint!("{}", render::render_text(&warnings, sources, render::use_color()));
    report.warnings = warnings
        .iter()
        .map(|d| crate::report::summary::Warning { code: d.code.to_string(), message: d.message.clone() })
        .collect();
    finish(args, &p, &fit, &report)
}

/// `E083` for an export format that cannot express a spatial derivative, before any work.
fn refuse_exports(args: &RunArgs, checked: &Checked, sources: &SourceMap) -> Result<(), u8> {
    let Some((f, path)) = args.export.iter().find(|(f, _)| !field_report::export::supports(*f)) else {
        return Ok(());
    };
    let name = crate::report::export::Format::ALL.iter().find(|(_, g)| g == f).map_or("?", |(n, _)| n);
    let d = Diagnostic::new(
        codes::FIELD_EXPORT,
        format!("`--export {name}={}` cannot express a field model", path.display()),
        checked.model.span(),
        "a field model",
    )
    .with_help(
        "`numpy` and `julia` export a right side of the state at one point, and a spatial derivative is not \
         one; use `latex` or `sympy`",
    );
    eprint!("{}", render::render_text(&[d], sources, render::use_color()));
    Err(EXIT_USER)
}

/// Trains with the progress bar (and every progress report on stderr under `verbose`).
fn train(args: &RunArgs, p: &PreparedFields) -> Result<crate::fit::pde::FieldFit, Diagnostic> {
    let verbose = p.model.fit.verbose;
    let bar = progress_bar(args.quiet || verbose);
    let on_progress = |q: &Progress| {
        if verbose {
            eprintln!("round {} step {} loss {:.6e} terms {}", q.round, q.iteration, q.loss, q.active_terms);
        }
        show_progress(bar.as_ref(), q);
    };
    let result = train_fields(p, Some(cancel_flag()), Some(&on_progress));
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    result
}

/// Prints the report (to stderr when an output goes to standard output), writes the outputs
/// and gives the exit status.
fn finish(args: &RunArgs, p: &PreparedFields, fit: &crate::fit::pde::FieldFit, report: &FieldReport) -> u8 {
    let text = field_report::text(report, args.precision as usize, args.quiet, args.verbose);
    if outputs::paths(args).iter().any(|(_, p)| p.as_ref().is_some_and(|p| p.as_os_str() == "-")) {
        eprint!("{text}");
    } else if !crate::cli::print_out(&text) {
        return crate::cli::coded(codes::OUTPUT_WRITE, "cannot write to standard output");
    }
    match write_all(args, p, fit, report) {
        Ok(written) => {
            for (what, path) in written {
                eprintln!("wrote {what} to {}", path.display());
            }
        }
        Err(msg) => return crate::cli::coded(codes::OUTPUT_WRITE, &msg),
    }
    if fit.fitted.interrupted || cancel_flag().load(Ordering::Relaxed) {
        eprintln!("error[{}]: interrupted: the fit was stopped before it finished", codes::INTERRUPTED);
        return EXIT_INTERRUPTED;
    }
    EXIT_OK
}

/// Checks the outputs once the data are known: none may be a data file or the model, and
/// `--plot-trajectories` must name trajectories the data have (`E082`).
fn validate_against_data(args: &RunArgs, p: &PreparedFields) -> Result<(), u8> {
    let mut inputs: Vec<&Path> = vec![args.file.as_path()];
    if let Some(pde) = &p.model.pde {
        inputs.extend(pde.data.iter().filter_map(|d| match d {
            crate::check::hir::PdeData::Csv(c) => Some(c.path.as_path()),
            crate::check::hir::PdeData::Sim(_) => None,
        }));
    }
    if let Some(sel) = &args.plot_trajectories {
        let n = p.data.trajectories.len();
        if let Err(i) = sel.indices(n) {
            let plural = if n == 1 { "y" } else { "ies" };
            let why = format!("`--plot-trajectories` names trajectory {i}, but the data have {n} trajector{plural}");
            return Err(crate::cli::coded(codes::PLOT_SELECTION, &why));
        }
        let fits = rows_fit(p);
        if sel.indices(n).map_or(0, |v| v.len()) > fits {
            eprintln!(
                "note: the heat-map figure shows the first {fits} of the chosen trajectories ({} rows at most)",
                heatmap::MAX_ROWS
            );
        }
    }
    let all = outputs::paths(args);
    let exports = outputs::export_paths(args);
    let named: Vec<&Path> =
        all.iter().filter_map(|(_, p)| p.as_deref()).chain(exports.iter().map(PathBuf::as_path)).collect();
    crate::cli::check_outputs(&named, &inputs)
}

/// Writes every requested output (`-`: standard output); returns what was written where.
fn write_all(
    args: &RunArgs,
    p: &PreparedFields,
    fit: &crate::fit::pde::FieldFit,
    report: &FieldReport,
) -> Result<Vec<(&'static str, PathBuf)>, String> {
    let Some(pde) = &p.model.pde else { return Ok(Vec::new()) };
    let source = args.file.to_string_lossy();
    let mut written = Vec::new();
    for (i, (what, path)) in outputs::paths(args).into_iter().enumerate() {
        let Some(path) = path else { continue };
        let text = match i {
            0 => field_report::to_json(report).map_err(|e| e.to_string())?,
            1 => field_report::emit::emit_model(&p.ir, pde, &p.data, fit, &source),
            2 => {
                let plot = figure(args, p, report);
                heatmap::render(&plot, &path).map_err(|e| format!("cannot write {what}: {e}"))?;
                written.push((what, path));
                continue;
            }
            _ => {
                let (svg, _) = heatmap::render_svg(&figure(args, p, report)).map_err(|e| e.to_string())?;
                field_report::html::page(report, Some(&svg))
            }
        };
        let result = if path.as_os_str() == "-" {
            outputs::to_stdout(&text)
        } else {
            let text = if text.ends_with('\n') { text } else { text + "\n" };
            crate::files::write_atomic(&path, text.as_bytes()).map_err(|e| crate::files::os_reason(&e))
        };
        result.map_err(|e| format!("cannot write {what} to {}: {e}", path.display()))?;
        if path.as_os_str() != "-" {
            written.push((what, path));
        }
    }
    for ((format, _), path) in args.export.iter().zip(outputs::export_paths(args)) {
        let text = field_report::export::export(&p.ir, pde, &fit.fitted, report, *format, &source);
        crate::files::write_atomic(&path, text.as_bytes())
            .map_err(|e| format!("cannot write the export to {}: {e}", path.display()))?;
        written.push(("the export", path));
    }
    Ok(written)
}

/// Trajectories the heat-map figure has room for: a row per field of each.
fn rows_fit(p: &PreparedFields) -> usize {
    (heatmap::MAX_ROWS / p.ir.names.states.len().max(1)).max(1)
}

/// The heat-map figure: the chosen trajectories (by default up to [`DEFAULT_SHOWN`], spread
/// evenly), one row per field of each, at most [`heatmap::MAX_ROWS`] rows.
fn figure(args: &RunArgs, p: &PreparedFields, report: &FieldReport) -> FieldPlot {
    let n = p.data.trajectories.len();
    let states = &p.ir.names.states;
    let fits = rows_fit(p);
    let chosen = match &args.plot_trajectories {
        Some(sel) => sel.indices(n).unwrap_or_default(),
        None => crate::report::figure::Selection::Count(DEFAULT_SHOWN.min(fits)).indices(n).unwrap_or_default(),
    };
    let shown: Vec<usize> = chosen.iter().copied().take(fits).collect();
    let what = "data, the discovered model's rollout from the first denoised profile (one colour scale per row) \
                and rollout − data";
    let mut header = vec![if n == 1 {
        format!("The data, {}", &what[6..])
    } else {
        format!("{} of {n} trajectories: {what}", shown.len())
    }];
    header.extend(report.equations.iter().take(8).map(|e| e.text.clone()));
    let field_of = p.model.pde.as_ref().map(|pde| field_report::rollout::field_of(&p.ir, pde)).unwrap_or_default();
    let mut rows = Vec::new();
    for &k in &shown {
        let tr = &p.data.trajectories[k];
        for (s, state) in states.iter().enumerate() {
            let rollout = match (&report.rollouts[k], &report.rollout[k]) {
                (Some(r), _) => Ok(r[s].clone()),
                (None, Err(m)) => Err(m.clone()),
                (None, Ok(_)) => Err("not computed".into()),
            };
            rows.push(FieldRow {
                label: if n == 1 { state.clone() } else { format!("{state} ({})", tr.label) },
                t: tr.t.clone(),
                x: tr.x.clone(),
                data: tr.u[field_of.get(s).copied().unwrap_or(s)].clone(),
                rollout,
            });
        }
    }
    FieldPlot { title: report.model.clone(), header, space: report.grid.space.clone(), rows }
}
