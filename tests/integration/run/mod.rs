//! Tests of `mechc run` and `mechc simulate` around the training stage: data from every example
//! model's declarations, the run-stage error fixtures (`tests/cases/run/err`), simulated CSV
//! output, reports printed from a hand-built fit, and the command line's exit codes.

mod cli;
mod data;
mod examples;
mod fixtures;
mod report;

pub use crate::frontend::mech_files;

/// Checks and lowers a model file that must be clean.
pub fn checked(path: &str) -> (mechc::source::SourceMap, mechc::check::hir::Model, mechc::ir::ModelIr) {
    match mechc::cli::run::pipeline::check_and_lower(std::path::Path::new(path)) {
        Ok((s, m, ir, _)) => (s, m, ir),
        Err(_) => panic!("{path} does not check"),
    }
}
