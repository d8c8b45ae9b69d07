//! Tests of `mechc run` and `mechc simulate` around the training stage: data from every example
//! model's declarations, the run-stage error fixtures (`tests/cases/run/err`), simulated CSV
//! output, reports printed from a hand-built fit, and the command line's exit codes.

mod cli;
mod data;
mod examples;
mod export;
mod fields;
mod fixtures;
mod html;
mod predict;
mod report;
mod trust;

pub use crate::frontend::mech_files;

use mechc::pipeline::{Failure, Prepared};
use mechc::source::SourceMap;

/// Checks and lowers a model file that must be clean.
pub fn checked(path: &str) -> (SourceMap, mechc::check::hir::Model, mechc::ir::ModelIr) {
    let mut sources = SourceMap::new();
    let root = sources.load(std::path::Path::new(path)).unwrap_or_else(|e| panic!("{path}: {e}"));
    match mechc::pipeline::check_and_lower(&mut sources, root) {
        Ok(c) => (sources, c.model, c.ir),
        Err(_) => panic!("{path} does not check"),
    }
}

/// Runs the pipeline up to training on a model file: its sources and the outcome.
pub fn prepare(path: &str) -> (SourceMap, Result<Prepared, Failure>) {
    let mut sources = SourceMap::new();
    let root = sources.load(std::path::Path::new(path)).unwrap_or_else(|e| panic!("{path}: {e}"));
    let prepared = mechc::pipeline::prepare(&mut sources, root);
    (sources, prepared)
}
