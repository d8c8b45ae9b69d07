//! `mechc simulate FILE [-o out.csv|-]`: check the model and write the data of its simulated
//! `data` declarations (all of them, trajectories in declaration order) as CSV — to stdout, or
//! atomically to the file named by `-o`, with the one CSV writer ([`crate::data::write`]): columns
//! `trajectory` when there are several, `t`, then the model's states (for a model with fields,
//! long form: `t`, the space variable, then the fields, one row per time and grid point). Exit
//! codes as `check`.

use super::{EXIT_OK, EXIT_USER};
use crate::data::write::{write_csv, write_csv_to, WriteError};
use crate::data::Dataset;
use crate::diag::{codes, render};
use crate::pipeline::{check_and_lower, simulated};
use crate::source::SourceMap;
use std::path::{Path, PathBuf};

/// Runs `mechc simulate`.
pub fn run(file: &Path, out: Option<&PathBuf>) -> u8 {
    let out = out.filter(|p| p.as_os_str() != "-");
    if let Err(code) = super::check_outputs(&out.iter().map(|p| p.as_path()).collect::<Vec<_>>(), &[file]) {
        return code;
    }
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
    if checked.model.pde.is_some() {
        return fields(checked, out, &sources);
    }
    let ds = match simulated(&checked.model) {
        Ok(ds) => ds,
        Err(d) => {
            eprint!("{}", render::render_text(&[d], &sources, render::use_color()));
            return EXIT_USER;
        }
    };
    write(&ds, out)
}

/// Writes the data set as CSV (the one CSV writer: missing values as empty cells) to the file,
/// atomically, or to stdout.
fn write(ds: &Dataset, out: Option<&PathBuf>) -> u8 {
    if let Some(path) = out {
        return match write_csv(ds, path, "t") {
            Ok(()) => {
                eprintln!("wrote {} rows to {}", ds.total_rows(), path.display());
                EXIT_OK
            }
            Err(e @ WriteError::Infinite { .. }) => {
                eprintln!("error: cannot write {}: {e}", path.display());
                EXIT_USER
            }
            Err(e) => super::coded(codes::OUTPUT_WRITE, &format!("cannot write `{}`: {e}", path.display())),
        };
    }
    let mut text = Vec::new();
    if let Err(e) = write_csv_to(ds, &mut text, "t") {
        eprintln!("error: {e}");
        return EXIT_USER;
    }
    // A closed pipe (`mechc simulate m.mech | head`) is the reader's choice, not a failure.
    super::print_code(&String::from_utf8_lossy(&text))
}

/// A field model's data as long-form CSV: `trajectory` when there are several, `t`, the space
/// variable, then the fields; one row per time and grid point.
fn fields(checked: crate::pipeline::Checked, out: Option<&PathBuf>, sources: &SourceMap) -> u8 {
    let space = checked.model.pde.as_ref().map_or(String::new(), |p| p.space.name.clone());
    let p = match crate::pipeline::fields::prepare_fields(checked) {
        Ok(p) => p,
        Err(f) => return super::failure(f, sources),
    };
    let (text, rows) = crate::data::field::long_form(&p.data, &space);
    match out {
        Some(path) => match crate::files::write_atomic(path, text.as_bytes()) {
            Ok(()) => {
                eprintln!("wrote {rows} rows to {}", path.display());
                EXIT_OK
            }
            Err(e) => super::coded(codes::OUTPUT_WRITE, &format!("cannot write `{}`: {e}", path.display())),
        },
        None => super::print_code(&text),
    }
}
