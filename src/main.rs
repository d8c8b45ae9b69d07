//! The `mechc` command-line entry point: parses arguments with clap and hands over to
//! [`mechc::cli::run`].
use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    mechc::cli::run(mechc::cli::Cli::parse())
}
