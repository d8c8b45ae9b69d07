//! The command line: clap types for what the user typed, and one file per subcommand. Each
//! subcommand returns an exit code: 0 clean (warnings allowed), 1 user errors (including usage
//! errors and outputs that cannot be written), 2 internal failure, 130 interrupted. To add a subcommand, add a variant to [`Command`] and a file with its `run`.

pub mod bench;
mod check;
pub mod explain;
mod fmt;
mod infer;
pub mod predict;
pub mod repl;
pub mod run;
pub mod simulate;

use crate::diag::{codes, render, Code};
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
    /// Run a benchmark (build with --release): `discovery`, `mnn` or `pde`.
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

/// Reads a model file into `sources` (once, size-capped); an unreadable file is a user error
/// (`E058`, with the reason), said on stderr.
fn load(sources: &mut SourceMap, file: &Path) -> Result<SourceId, u8> {
    match read_model(file) {
        Ok(text) => Ok(sources.add(file.to_string_lossy(), text)),
        Err(code) => Err(code),
    }
}

/// A model file's text, or `E058` said on stderr.
fn read_model(file: &Path) -> Result<String, u8> {
    crate::files::read_text(file)
        .map_err(|e| coded(codes::INPUT_UNREADABLE, &format!("cannot read `{}`: {e}", file.display())))
}

/// Prints a coded error about the command line (no source to point at) on stderr; returns
/// [`EXIT_USER`].
pub fn coded(code: Code, message: &str) -> u8 {
    eprintln!("error[{code}]: {message}");
    EXIT_USER
}

/// Checks every output path before any work (`E056` on stderr when one is rejected).
pub(crate) fn check_outputs(outputs: &[&Path], inputs: &[&Path]) -> Result<(), u8> {
    for (i, out) in outputs.iter().enumerate() {
        if out.as_os_str() == "-" {
            continue;
        }
        if outputs[..i].iter().any(|o| o == out || crate::files::same_file(o, out)) {
            return Err(coded(codes::OUTPUT_PATH, &format!("`{}` is named as two outputs", out.display())));
        }
        if let Err(why) = crate::files::check_output(out, inputs) {
            return Err(coded(codes::OUTPUT_PATH, &format!("cannot write `{}`: {why}", out.display())));
        }
    }
    Ok(())
}

/// Writes to stdout; a closed pipe (`mechc fmt m.mech | head`) is the reader's choice and not a
/// failure, so it ends the output quietly. Returns false only when writing failed otherwise.
pub fn print_out(text: &str) -> bool {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => true,
        Err(e) => e.kind() == std::io::ErrorKind::BrokenPipe,
    }
}

/// [`print_out`] as an exit code: 0, or `E057` (exit 1) when standard output cannot be written.
pub fn print_code(text: &str) -> u8 {
    if print_out(text) {
        EXIT_OK
    } else {
        coded(codes::OUTPUT_WRITE, "cannot write to standard output")
    }
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
/// Exit code: the compiler itself failed (an internal error).
pub const EXIT_INTERNAL: u8 = 2;
/// Exit code: training was interrupted by Ctrl-C (128 + SIGINT, as shells report it).
pub const EXIT_INTERRUPTED: u8 = 130;
