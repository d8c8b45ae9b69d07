//! The `mechc` command-line entry point: parses arguments with clap and hands over to
//! [`mechc::cli::run`]. A usage error exits 1 (`E059`; help and version requests exit 0); a
//! panic is an internal failure: it exits with code 2, never 101.
use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match mechc::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(&e),
    };
    // A generous stack for the recursive passes (the checker bounds every depth they see).
    let worker = std::thread::Builder::new()
        .stack_size(STACK_BYTES)
        .spawn(move || std::panic::catch_unwind(|| mechc::cli::run(cli)).ok());
    match worker.ok().and_then(|h| h.join().ok()).flatten() {
        Some(code) => code,
        None => {
            eprintln!("error: internal compiler failure (please report it with the input that caused it)");
            ExitCode::from(mechc::cli::EXIT_INTERNAL)
        }
    }
}

/// The stack of the thread that runs the command.
const STACK_BYTES: usize = 256 << 20;

/// Prints clap's message; help and version go to stdout with exit 0, anything else is a usage
/// error (exit 1, code `E059`).
fn usage_error(e: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    let text = e.render().to_string();
    if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        mechc::cli::print_out(&text);
        return ExitCode::from(mechc::cli::EXIT_OK);
    }
    let text = text.strip_prefix("error: ").unwrap_or(&text);
    eprint!("error[{}]: {text}", mechc::diag::codes::USAGE);
    ExitCode::from(mechc::cli::EXIT_USER)
}
