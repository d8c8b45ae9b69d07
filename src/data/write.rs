//! The one CSV writer: a [`Dataset`] → CSV, to any byte sink ([`write_csv_to`], e.g. standard
//! output) or to a file, atomically ([`write_csv`], through [`crate::files::write_atomic_with`]),
//! so a failed write never leaves a partial file and never clobbers an existing one.
//!
//! Format: header `t,<states…>,<inputs…>` (the time column's name is the caller's), preceded by
//! a `trajectory` column when the dataset has more than one trajectory; numbers in Rust's
//! shortest round-trip form (reading the file back gives the same `f64`s); missing values (NaN)
//! as empty cells, which is how the CSV loader reads a missing value. Infinite values are
//! refused, as the loader would refuse them.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::dataset::Dataset;

/// Why a dataset could not be written.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum WriteError {
    /// The file system refused (directory missing, permissions, disk full…).
    #[error("{path}: {reason}", path = .path.display())]
    Io {
        /// The target path (empty when writing to a stream).
        path: PathBuf,
        /// The operating system's words.
        reason: String,
    },
    /// A value is infinite, which no reader of the file could use.
    #[error("trajectory {trajectory}, row {row}, column `{column}`: infinite value")]
    Infinite {
        /// Trajectory label.
        trajectory: String,
        /// 0-based row.
        row: usize,
        /// Column name.
        column: String,
    },
}

impl From<std::io::Error> for WriteError {
    fn from(e: std::io::Error) -> WriteError {
        WriteError::Io { path: PathBuf::new(), reason: e.to_string() }
    }
}

impl From<csv::Error> for WriteError {
    fn from(e: csv::Error) -> WriteError {
        WriteError::Io { path: PathBuf::new(), reason: e.to_string() }
    }
}

/// Writes `ds` to `path` atomically, with the time column named `time_column`.
pub fn write_csv(ds: &Dataset, path: &Path, time_column: &str) -> Result<(), WriteError> {
    crate::files::write_atomic_with(path, |w| write_csv_to(ds, w, time_column)).map_err(|e| match e {
        WriteError::Io { reason, .. } => WriteError::Io { path: path.to_path_buf(), reason },
        other => other,
    })
}

/// Writes `ds` as CSV into `out`, with the time column named `time_column`.
pub fn write_csv_to(ds: &Dataset, out: &mut dyn Write, time_column: &str) -> Result<(), WriteError> {
    let mut w = csv::Writer::from_writer(out);
    let labelled = ds.trajectories.len() > 1;
    let mut header: Vec<&str> = Vec::new();
    if labelled {
        header.push("trajectory");
    }
    header.push(time_column);
    header.extend(ds.column_names());
    w.write_record(&header)?;
    let mut cells: Vec<String> = Vec::with_capacity(header.len());
    for tr in &ds.trajectories {
        for row in 0..tr.len() {
            cells.clear();
            if labelled {
                cells.push(tr.label.clone());
            }
            cells.push(tr.times[row].to_string());
            for (c, v) in tr.row(row).iter().enumerate() {
                if v.is_infinite() {
                    let column = ds.column_names()[c].to_string();
                    return Err(WriteError::Infinite { trajectory: tr.label.clone(), row, column });
                }
                cells.push(if v.is_nan() { String::new() } else { v.to_string() });
            }
            w.write_record(&cells)?;
        }
    }
    w.flush()?;
    Ok(())
}
