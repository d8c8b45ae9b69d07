//! `mechc run FILE`: check → lower → data → fit → report. Prints the report to stdout and writes
//! the requested outputs (JSON report, emitted `.mech` model, plot), each atomically, then says
//! where. Diagnostics go to stderr; a progress bar too, when stderr is a terminal. Ctrl-C sets the
//! fit's cancel flag: training stops at its next safe point and the best model so far is still
//! reported and written. Exit codes as `check`: 0 ok, 1 user errors (including a failed fit),
//! 2 internal failure (an output that cannot be written).

pub mod outputs;
pub mod pipeline;

use super::{EXIT_INTERNAL, EXIT_OK, EXIT_USER};
use crate::check::settings::{Method, Threshold};
use crate::diag::render;
use crate::fit::{fit, FitInput, Progress};
use pipeline::{fit_diagnostic, prepare, Failure, Prepared};
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
    /// Significant digits of printed coefficients.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u8).range(1..=17))]
    pub precision: u8,
}

/// Runs `mechc run`.
pub fn run(args: &RunArgs) -> u8 {
    let prepared = match prepare(&args.file) {
        Ok(p) => p,
        Err(f) => return report_failure(f),
    };
    eprint!("{}", render::render_text(&prepared.warnings, &prepared.sources, render::use_color()));
    let settings = &prepared.model.fit;
    if args.seed.is_some() && settings.method != Method::Mnn {
        eprintln!("note: `--seed` has no effect: `method = {}` makes no random draws", settings.method.name());
    }
    let seed = args.seed.unwrap_or(settings.seed);
    let cancel = cancel_flag();
    let bar = progress_bar(args.quiet || settings.verbose);
    let on_progress = |p: &Progress| {
        if settings.verbose {
            eprintln!("round {} step {} loss {:.6e} terms {}", p.round, p.iteration, p.loss, p.active_terms);
        }
        if let Some(b) = &bar {
            b.set_length(p.iterations as u64);
            b.set_position(p.iteration as u64);
            b.set_message(format!("round {} loss {:.3e} terms {}", p.round, p.loss, p.active_terms));
        }
    };
    let input = FitInput {
        ir: &prepared.ir,
        model: &prepared.model,
        data: &prepared.data,
        seed,
        cancel: Some(cancel),
        progress: Some(&on_progress),
    };
    let start = Instant::now();
    let result = fit(&input);
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let fitted = match result {
        Ok(f) => f,
        Err(e) => {
            let d = fit_diagnostic(&e, &prepared.model);
            eprint!("{}", render::render_text(&[d], &prepared.sources, render::use_color()));
            return EXIT_USER;
        }
    };
    finish(args, &prepared, &fitted, start.elapsed().as_secs_f64())
}

/// Prints the report and writes the outputs.
fn finish(args: &RunArgs, p: &Prepared, fitted: &crate::fit::Fitted, wall: f64) -> u8 {
    let mode = match p.model.fit.threshold {
        Threshold::Level(t) => crate::report::equations::format_sig(t, 4),
        Threshold::Auto => "auto".to_string(),
    };
    let report = crate::report::build(&p.ir, &p.data, fitted, &mode, wall, args.precision as usize);
    if args.quiet {
        report.equations.iter().for_each(|e| println!("{}", e.text));
    } else {
        print!("{}", report.text(args.verbose));
    }
    let source = args.file.to_string_lossy();
    match outputs::write_all(args, p, fitted, &report, &source) {
        Ok(written) => {
            for (what, path) in written {
                eprintln!("wrote {what} to {}", path.display());
            }
            EXIT_OK
        }
        Err(msg) => {
            eprintln!("error: {msg}");
            EXIT_INTERNAL
        }
    }
}

fn report_failure(f: Failure) -> u8 {
    match f {
        Failure::User { sources, diags } => {
            eprint!("{}", render::render_text(&diags, &sources, render::use_color()));
            let errors = diags.iter().filter(|d| d.is_error()).count();
            eprintln!("{errors} error(s), {} warning(s)", diags.len() - errors);
            EXIT_USER
        }
        Failure::Unreadable(msg) => {
            eprintln!("error: {msg}");
            EXIT_USER
        }
        Failure::Internal(msg) => {
            eprintln!("internal error: {msg}");
            EXIT_INTERNAL
        }
    }
}

/// The process-wide cancel flag, set by Ctrl-C. The first Ctrl-C asks training to stop; a second
/// one exits at once (the default behaviour a user expects when the first seems ignored).
fn cancel_flag() -> &'static AtomicBool {
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

/// A progress bar on stderr when it is a terminal and output is not quiet.
fn progress_bar(quiet: bool) -> Option<indicatif::ProgressBar> {
    if quiet || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(1);
    let style = indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}")
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
    bar.set_style(style);
    Some(bar)
}
