//! `mechc simulate FILE [-o out.csv]`: check the model and write the data of its simulated
//! `data` declarations (all of them, trajectories in declaration order) as CSV — to stdout, or
//! atomically to the file named by `-o`. Columns: `trajectory` when there are several, `t`, then
//! the model's states. Exit codes as `check`.

use super::{EXIT_INTERNAL, EXIT_OK, EXIT_USER};
use crate::data::Dataset;
use crate::diag::render;
use crate::pipeline::{check_and_lower, simulated};
use crate::source::SourceMap;
use std::path::{Path, PathBuf};

/// Runs `mechc simulate`.
pub fn run(file: &Path, out: Option<&PathBuf>) -> u8 {
    let mut sources = SourceMap::new();
    let root = match super::load(&mut sources, file) {
        Ok(id) => id,
        Err(code) => return code,
    };
    let checked = match check_and_lower(&mut sources, root) {
        Ok(c) => c,
        Err(f) => return super::failure(f, &sources),
    };
    eprint!("{}", render::render_text(&checked.warnings, &sources, render::use_color()));
    let ds = match simulated(&checked.model) {
        Ok(ds) => ds,
        Err(d) => {
            eprint!("{}", render::render_text(&[d], &sources, render::use_color()));
            return EXIT_USER;
        }
    };
    let text = to_csv(&ds);
    match out {
        Some(path) => match crate::report::output::write_atomic(path, text.as_bytes()) {
            Ok(()) => {
                eprintln!("wrote {} rows to {}", ds.total_rows(), path.display());
                EXIT_OK
            }
            Err(e) => {
                eprintln!("error: cannot write {}: {e}", path.display());
                EXIT_INTERNAL
            }
        },
        None => {
            use std::io::Write;
            // A closed pipe (`mechc simulate m.mech | head`) is the reader's choice, not a failure.
            match std::io::stdout().lock().write_all(text.as_bytes()) {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => EXIT_INTERNAL,
                _ => EXIT_OK,
            }
        }
    }
}

/// The data set as CSV text (shortest round-trip float formatting).
pub fn to_csv(ds: &Dataset) -> String {
    let several = ds.trajectories.len() > 1;
    let mut header: Vec<&str> = Vec::new();
    if several {
        header.push("trajectory");
    }
    header.push("t");
    header.extend(ds.states.iter().map(String::as_str));
    let mut s = header.join(",");
    s.push('\n');
    let n = ds.states.len();
    for tr in &ds.trajectories {
        for r in 0..tr.len() {
            let mut cells: Vec<String> = Vec::with_capacity(n + 2);
            if several {
                cells.push(tr.label.clone());
            }
            cells.push(format!("{}", tr.times[r]));
            cells.extend((0..n).map(|c| format!("{}", tr.values[r * tr.width + c])));
            s.push_str(&cells.join(","));
            s.push('\n');
        }
    }
    s
}
