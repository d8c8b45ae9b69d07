//! The `mechc` command-line entry point: parses arguments with clap and hands over to
//! [`mechc::cli::run`]. A panic is an internal failure: it exits with code 2, never 101.
use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = mechc::cli::Cli::parse();
    match std::panic::catch_unwind(|| mechc::cli::run(cli)) {
        Ok(code) => code,
        Err(_) => {
            eprintln!("error: internal compiler failure (please report it with the input that caused it)");
            ExitCode::from(mechc::cli::EXIT_INTERNAL)
        }
    }
}
