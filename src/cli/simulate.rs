//! `mechc simulate FILE [-o out.csv]`: check the model and write the data of its simulated
//! `data` declarations (all of them, trajectories in declaration order) as CSV — to stdout, or
//! atomically to the file named by `-o`. Columns: `trajectory` when there are several, `t`, then
//! the model's states. Exit codes as `check`.

use super::{EXIT_INTERNAL, EXIT_OK, EXIT_USER};
use crate::check::hir::DataSource;
use crate::data::{simulate_data, Dataset};
use crate::diag::{codes, render, Diagnostic};
use std::path::{Path, PathBuf};

/// Runs `mechc simulate`.
pub fn run(file: &Path, out: Option<&PathBuf>) -> u8 {
    let (sources, model, _ir, warnings) = match super::run::pipeline::check_and_lower(file) {
        Ok(x) => x,
        Err(super::run::pipeline::Failure::User { sources, diags }) => {
            eprint!("{}", render::render_text(&diags, &sources, render::use_color()));
            return EXIT_USER;
        }
        Err(super::run::pipeline::Failure::Unreadable(m)) => {
            eprintln!("error: {m}");
            return EXIT_USER;
        }
        Err(super::run::pipeline::Failure::Internal(m)) => {
            eprintln!("internal error: {m}");
            return EXIT_INTERNAL;
        }
    };
    eprint!("{}", render::render_text(&warnings, &sources, render::use_color()));
    let ds = match simulated(&model) {
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

/// Every simulated data declaration of the model, as one data set.
pub fn simulated(model: &crate::check::hir::Model) -> Result<Dataset, Diagnostic> {
    let sims: Vec<_> = model.data.iter().filter(|d| matches!(d.source, DataSource::Simulate(_))).collect();
    let Some(first) = sims.first() else {
        let span = model.name.as_ref().map_or(model.states[0].span, |n| n.span);
        return Err(Diagnostic::new(
            codes::NO_DATA,
            "the model declares no simulated data",
            span,
            "nothing to simulate",
        )
        .with_help("add `data NAME = simulate SYSTEM(...) { init ..., time a .. b step h }`"));
    };
    let mut out = simulate_data(model, first)?;
    let single = sims.len() == 1 && out.trajectories.len() == 1;
    label(&mut out, &first.name, single);
    for d in &sims[1..] {
        let mut more = simulate_data(model, d)?;
        label(&mut more, &d.name, false);
        out.trajectories.extend(more.trajectories);
    }
    Ok(out)
}

fn label(ds: &mut Dataset, name: &str, single: bool) {
    let many = ds.trajectories.len() > 1;
    for tr in &mut ds.trajectories {
        tr.label = if single || !many { name.to_string() } else { format!("{name}/{}", tr.label) };
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
