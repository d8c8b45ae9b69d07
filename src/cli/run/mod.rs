//! `mechc run FILE`: check → lower → data → fit → report. Prints the report to stdout and writes
//! the requested outputs (JSON report, emitted `.mech` model, plot), each atomically, then says
//! where. Diagnostics go to stderr; a progress bar too, when stderr is a terminal. Ctrl-C sets the
//! fit's cancel flag: training stops at its next safe point and the best model so far is still
//! reported and written, and the exit status is 130. Every output path is checked before any work
//! (`E056`). Exit codes: 0 ok, 1 user errors (a failed fit, an output that cannot be written:
//! `E057`), 2 internal failure, 130 interrupted.

mod fields;
pub mod outputs;

use super::{EXIT_INTERRUPTED, EXIT_OK, EXIT_USER};
use crate::check::settings::{Method, Threshold};
use crate::diag::render;
use crate::fit::Progress;
use crate::pipeline::{train, Prepared, TrainOptions};
use crate::source::SourceMap;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Instant;

/// What the user asked `mechc run` for.
#[derive(clap::Args, Debug, Clone)]
pub struct RunArgs {
    /// The model to train.
    pub file: PathBuf,
    /// Seed of every random draw of training (overrides `fit { seed }`).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Write the report as JSON to this file.
    #[arg(long, value_name = "OUT.json")]
    pub json: Option<PathBuf>,
    /// Write the discovered model as a `.mech` file.
    #[arg(long, value_name = "OUT.mech")]
    pub emit_model: Option<PathBuf>,
    /// Plot data against the discovered model's rollout (.svg or .png).
    #[arg(long, value_name = "OUT.svg|png")]
    pub plot: Option<PathBuf>,
    /// Write the report as one self-contained HTML page (equations, tables with intervals,
    /// metrics, the figure).
    #[arg(long, value_name = "OUT.html")]
    pub report: Option<PathBuf>,
    /// Trajectories the figure shows: a count (`6`: that many, spread evenly over the data) or
    /// 1-based numbers (`1,5,9`); by default all up to six, else six spread evenly.
    #[arg(long, value_name = "N|I,J,..", value_parser = parse_selection)]
    pub plot_trajectories: Option<crate::report::figure::Selection>,
    /// Directory for outputs: relative output paths are placed in it, and outputs not asked for
    /// by name are written there as report.json, model.mech and fit.svg.
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
    /// Print only the equations (no progress bar, no metrics).
    #[arg(long, short)]
    pub quiet: bool,
    /// Also print the threshold path.
    #[arg(long, short)]
    pub verbose: bool,
    /// Export the discovered model as code: `numpy=rhs.py`, `sympy=model.py`, `julia=rhs.jl` or
    /// `latex=equations.tex` (repeatable).
    #[arg(long, value_name = "FORMAT=PATH", value_parser = parse_export)]
    pub export: Vec<(crate::report::export::Format, PathBuf)>,
    /// Where to write the trained encoder weights (safetensors) of a model with an encoder
    /// (default: `<model file stem>.weights.safetensors`, in `--out-dir` when given).
    #[arg(long, value_name = "OUT.safetensors")]
    pub weights: Option<PathBuf>,
    /// Significant digits of printed coefficients.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u8).range(1..=17))]
    pub precision: u8,
}

/// `FORMAT=PATH` of `--export`.
fn parse_export(s: &str) -> Result<(crate::report::export::Format, PathBuf), String> {
    let names: Vec<&str> = crate::report::export::Format::ALL.iter().map(|(n, _)| *n).collect();
    let (format, path) =
        s.split_once('=').ok_or_else(|| format!("expected FORMAT=PATH, FORMAT one of {}", names.join(", ")))?;
    let f = crate::report::export::Format::parse(format)
        .ok_or_else(|| format!("unknown export format `{format}`: one of {}", names.join(", ")))?;
    if path.is_empty() {
        return Err("the export needs a path after `=`".into());
    }
    Ok((f, PathBuf::from(path)))
}

/// `N` or `I,J,...` of `--plot-trajectories`.
fn parse_selection(s: &str) -> Result<crate::report::figure::Selection, String> {
    crate::report::figure::Selection::parse(s)
}

/// Runs `mechc run`.
pub fn run(args: &RunArgs) -> u8 {
    if let Err(code) = outputs::validate(args) {
        return code;
    }
    let mut sources = SourceMap::new();
    let root = match super::load(&mut sources, &args.file) {
        Ok(id) => id,
        Err(code) => return code,
    };
    let checked = match crate::pipeline::check_and_lower(&mut sources, root) {
        Ok(c) => c,
        Err(f) => return super::failure(f, &sources),
    };
    if checked.model.pde.is_some() {
        return fields::run(args, checked, &sources);
    }
    let mut prepared = match crate::pipeline::prepare_checked(checked) {
        Ok(p) => p,
        Err(f) => return super::failure(f, &sources),
    };
    if let Err(code) = outputs::validate_against_data(args, &prepared) {
        return code;
    }
    eprint!("{}", render::render_text(&prepared.warnings, &sources, render::use_color()));
    let weights = match weights_path(args, &prepared) {
        Ok(w) => w,
        Err(code) => return code,
    };
    let settings = &prepared.model.fit;
    // Neural terms draw their starting weights from the seed under every method that trains them.
    let draws = settings.method == Method::Mnn || settings.ensemble > 0 || prepared.ir.n_weights > 0;
    if args.seed.is_some() && !draws {
        eprintln!(
            "note: `--seed` has no effect: `method = {}` makes no random draws without `ensemble`",
            settings.method.name()
        );
    }
    let bar = progress_bar(args.quiet || settings.verbose);
    let on_progress = |p: &Progress| {
        if settings.verbose {
            eprintln!("round {} step {} loss {:.6e} terms {}", p.round, p.iteration, p.loss, p.active_terms);
        }
        show_progress(bar.as_ref(), p);
    };
    let opts = TrainOptions { seed: args.seed, cancel: Some(cancel_flag()), progress: Some(&on_progress) };
    let start = Instant::now();
    let result = train(&prepared, &opts);
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let fitted = match result {
        Ok(f) => f,
        Err(d) => {
            eprint!("{}", render::render_text(&[d], &sources, render::use_color()));
            return EXIT_USER;
        }
    };
    if let Err(d) = crate::pipeline::install(&mut prepared, &fitted) {
        eprint!("{}", render::render_text(&[d], &sources, render::use_color()));
        return EXIT_USER;
    }
    finish(args, &prepared, &fitted, start.elapsed().as_secs_f64(), &sources, weights.as_deref())
}

/// The path the encoder weights go to (`None` for a model without encoders: then `--weights`
/// only draws a note), checked before any work (`E056`).
fn weights_path(args: &RunArgs, p: &Prepared) -> Result<Option<PathBuf>, u8> {
    if !p.model.encoders.iter().any(|e| !e.outputs.is_empty()) {
        if args.weights.is_some() {
            eprintln!("note: `--weights` has no effect: the model has no encoder");
        }
        return Ok(None);
    }
    let stem = args.file.file_stem().map_or("model".into(), |s| s.to_string_lossy().into_owned());
    let path = match (&args.out_dir, &args.weights) {
        (Some(dir), Some(w)) if w.is_relative() => dir.join(w),
        (_, Some(w)) => w.clone(),
        (Some(dir), None) => dir.join(format!("{stem}.weights.safetensors")),
        (None, None) => PathBuf::from(format!("{stem}.weights.safetensors")),
    };
    let mut inputs: Vec<&std::path::Path> = vec![args.file.as_path()];
    inputs.extend(p.model.data.iter().filter_map(|d| match &d.source {
        crate::check::hir::DataSource::Csv(c) => Some(c.path.as_path()),
        crate::check::hir::DataSource::Simulate(_) => None,
    }));
    match crate::files::check_output(&path, &inputs) {
        Ok(()) => Ok(Some(path)),
        Err(why) => {
            let msg = format!("cannot write the encoder weights to `{}`: {why}", path.display());
            Err(super::coded(crate::diag::codes::OUTPUT_PATH, &msg))
        }
    }
}

/// Prints the report and writes the outputs.
fn finish(
    args: &RunArgs,
    p: &Prepared,
    fitted: &crate::fit::Fitted,
    wall: f64,
    sources: &SourceMap,
    weights: Option<&std::path::Path>,
) -> u8 {
    let mode = match p.model.fit.threshold {
        Threshold::Level(t) => crate::number::format_sig(t, 4),
        Threshold::Auto => "auto".to_string(),
    };
    let mut report = crate::report::build(&p.ir, &p.data, fitted, &mode, wall, args.precision as usize);
    if let Some(full) = &p.held_out {
        report.held_out = crate::report::heldout::score(&p.ir, fitted, &p.data, full, p.model.fit.validation);
    }
    report.amortised = crate::report::amortised::build(&p.model, &p.data, fitted);
    report.method_choice = crate::report::networks::method_choice(&p.model.fit);
    if let (Some(a), Some(w), Some(e)) = (&mut report.amortised, weights, &fitted.encoders) {
        if let Err(why) = e.weights.save(w) {
            let msg = format!("cannot write the encoder weights to `{}`: {why}", w.display());
            return super::coded(crate::diag::codes::OUTPUT_WRITE, &msg);
        }
        a.weights = Some(w.display().to_string());
    }
    let labels: Vec<String> = p.data.trajectories.iter().map(|t| t.label.clone()).collect();
    let warnings = crate::pipeline::result_warnings(&p.model, &p.ir, fitted, &labels);
    eprint!("{}", render::render_text(&warnings, sources, render::use_color()));
    report.warnings = warnings
        .iter()
        .map(|d| crate::report::summary::Warning { code: d.code.to_string(), message: d.message.clone() })
        .collect();
    let text = if args.quiet {
        let eqs: String = report.equations.iter().map(|e| format!("{}\n", e.text)).collect();
        eqs + &report.params_text()
    } else {
        report.text(args.verbose)
    };
    // With an output on standard output (`--json -`), the report goes to stderr.
    if outputs::paths(args).iter().any(|(_, p)| p.as_ref().is_some_and(|p| p.as_os_str() == "-")) {
        eprint!("{text}");
    } else if !super::print_out(&text) {
        return super::coded(crate::diag::codes::OUTPUT_WRITE, "cannot write to standard output");
    }
    let source = args.file.to_string_lossy();
    match outputs::write_all(args, p, fitted, &report, &source) {
        Ok(written) => {
            for (what, path) in written {
                eprintln!("wrote {what} to {}", path.display());
            }
        }
        Err(msg) => return super::coded(crate::diag::codes::OUTPUT_WRITE, &msg),
    }
    if fitted.interrupted {
        eprintln!("error[{}]: interrupted: the fit was stopped before it finished", crate::diag::codes::INTERRUPTED);
        return EXIT_INTERRUPTED;
    }
    EXIT_OK
}

/// The process-wide cancel flag, set by Ctrl-C. The first Ctrl-C asks training to stop; a second
/// one exits at once (the default behaviour a user expects when the first seems ignored).
pub(super) fn cancel_flag() -> &'static AtomicBool {
    static FLAG: OnceLock<Arc<AtomicBool>> = OnceLock::new();
    FLAG.get_or_init(|| {
        let flag = Arc::new(AtomicBool::new(false));
        let f = Arc::clone(&flag);
        // Failure to install (e.g. a handler already set by an embedding program) only loses the
        // graceful stop; the run itself is unaffected.
        let _ = ctrlc::set_handler(move || {
            if f.swap(true, Ordering::SeqCst) {
                std::process::exit(130);
            }
            eprintln!("\ninterrupted: stopping training, keeping the best model so far (Ctrl-C again to quit)");
        });
        flag
    })
}

/// Moves the progress bar (when there is one) to the fit's latest report.
pub(crate) fn show_progress(bar: Option<&indicatif::ProgressBar>, p: &Progress) {
    if let Some(b) = bar {
        b.set_length(p.iterations as u64);
        b.set_position(p.iteration as u64);
        b.set_message(format!("round {} loss {:.3e} terms {}", p.round, p.loss, p.active_terms));
    }
}

/// A progress bar on stderr when it is a terminal and output is not quiet.
pub(crate) fn progress_bar(quiet: bool) -> Option<indicatif::ProgressBar> {
    if quiet || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(1);
    let style = indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}")
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
    bar.set_style(style);
    Some(bar)
}
