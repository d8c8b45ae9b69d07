//! The command line: clap types for what the user typed, and one file per subcommand. Each
//! subcommand returns an exit code: 0 clean (warnings allowed), 1 user errors, 2 internal
//! failure. To add a subcommand, add a variant to [`Command`] and a file with its `run`.

pub mod bench;
mod check;
pub mod explain;
mod fmt;
pub mod predict;
pub mod repl;
pub mod run;
pub mod simulate;

use crate::diag::render;
use crate::pipeline::Failure;
use crate::source::{SourceId, SourceMap};
use clap::{Parser, Subcommand, ValueEnum};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// mechc: compile `.mech` models and discover governing equations from time series.
#[derive(Parser, Debug)]
#[command(name = "mechc", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// How diagnostics are printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Human-readable reports with source excerpts (colour on a terminal unless NO_COLOR is set).
    Text,
    /// A JSON array of diagnostics (code, severity, message, file, byte range, line/column, help).
    Json,
}

/// A stage to print after checking, for debugging.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Emit {
    /// The syntax tree, as parsed.
    Ast,
    /// The checked model, names resolved.
    Hir,
    /// The expression IR: basis terms, right-hand sides and their derivatives.
    Ir,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check models and print diagnostics; exit 0 when clean (warnings allowed), 1 on errors.
    Check {
        /// The .mech files to check.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Diagnostic output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Also print a stage's result to stdout.
        #[arg(long, value_enum)]
        emit: Option<Emit>,
    },
    /// Print a model in canonical form (comments kept).
    Fmt {
        /// The .mech file to format.
        file: PathBuf,
        /// Rewrite the file in place instead of printing to stdout.
        #[arg(long)]
        write: bool,
        /// Exit 1 if the file is not already formatted (print nothing).
        #[arg(long, conflicts_with = "write")]
        check: bool,
    },
    /// Explain a diagnostic code (e.g. E012), or list `codes` or the `fit` settings.
    Explain {
        /// A code such as E012, or `codes`, or `fit`.
        what: String,
    },
    /// Train a model on its data and print the discovered equations and how good they are.
    Run(run::RunArgs),
    /// Write the model's simulated data as CSV (stdout unless -o is given).
    Simulate {
        /// The .mech file whose `simulate` data to generate.
        file: PathBuf,
        /// Write to this file (atomically) instead of stdout.
        #[arg(short, long, value_name = "OUT.csv")]
        output: Option<PathBuf>,
    },
    /// Integrate a model with known right-hand sides (e.g. from `mechc run --emit-model`) from
    /// new initial conditions, over a new span, with inputs from a CSV file.
    Predict(predict::PredictArgs),
    /// Edit and train a model interactively (reads stdin when it is not a terminal).
    Repl {
        /// A model to load first.
        file: Option<PathBuf>,
        /// History file (default: $XDG_STATE_HOME/mechc/history or ~/.mechc_history).
        #[arg(long, value_name = "FILE")]
        history: Option<PathBuf>,
    },
    /// Run a benchmark (build with --release): `discovery` or `mnn`.
    Bench {
        #[command(subcommand)]
        which: bench::BenchCommand,
    },
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> ExitCode {
    let code = match cli.command {
        Command::Check { files, format, emit } => check::run(&files, format, emit),
        Command::Fmt { file, write, check } => fmt::run(&file, write, check),
        Command::Explain { what } => explain::run(&what),
        Command::Run(args) => run::run(&args),
        Command::Simulate { file, output } => simulate::run(&file, output.as_ref()),
        Command::Predict(args) => predict::run(&args),
        Command::Bench { which } => bench::run(which),
        Command::Repl { file, history } => repl::run(file.as_deref(), history),
    };
    ExitCode::from(code)
}

/// Reads a model file into `sources`; an unreadable file is a user error, said on stderr.
fn load(sources: &mut SourceMap, file: &Path) -> Result<SourceId, u8> {
    sources.load(file).map_err(|e| {
        eprintln!("error: cannot read {}: {e}", file.display());
        EXIT_USER
    })
}

/// Prints why the pipeline stopped; returns the exit code.
fn failure(f: Failure, sources: &SourceMap) -> u8 {
    match f {
        Failure::User(diags) => {
            eprint!("{}", render::render_text(&diags, sources, render::use_color()));
            let errors = diags.iter().filter(|d| d.is_error()).count();
            eprintln!("{errors} error(s), {} warning(s)", diags.len() - errors);
            EXIT_USER
        }
        Failure::Internal(msg) => {
            eprintln!("internal error: {msg}");
            EXIT_INTERNAL
        }
    }
}

/// Exit code: success (warnings allowed).
pub const EXIT_OK: u8 = 0;
/// Exit code: the input has errors.
pub const EXIT_USER: u8 = 1;
/// Exit code: the compiler itself failed (I/O on output, internal error).
pub const EXIT_INTERNAL: u8 = 2;
