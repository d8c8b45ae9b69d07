//! Tests of the front end: fixtures with expected codes and rendered-diagnostic snapshots,
//! formatter round trips, language details (precedence, lexing, HIR shape), the `fit` schema,
//! the CLI, and a seeded mutation test of the parser and checker.

mod cli;
mod fixtures;
mod format;
mod language;
mod mutate;

use mechc::diag::Diagnostic;
use mechc::source::SourceMap;
use std::path::{Path, PathBuf};

/// Parses and checks `text` as if it were the file at `path` (relative to the package root).
pub fn check_text(path: &str, text: &str) -> (SourceMap, Option<mechc::check::hir::Model>, Vec<Diagnostic>) {
    let mut sources = SourceMap::new();
    let id = sources.add(path, text);
    let (m, d) = mechc::check::check(&mut sources, id);
    (sources, m, d)
}

/// The `.mech` files directly inside `dir`, sorted.
pub fn mech_files(dir: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {dir}: {e}"))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "mech"))
        .collect();
    v.sort();
    v
}

/// The path as a string with forward slashes (stable snapshot names on every platform).
pub fn rel(p: &Path) -> String {
    p.to_string_lossy().replace('\\', "/")
}
