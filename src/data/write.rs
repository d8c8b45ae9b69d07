//! [`write_csv`]: a [`Dataset`] → a CSV file, written atomically (a temporary file in the target's
//! directory, synced, then renamed over the target), so a failed write never leaves a partial
//! file and never clobbers an existing one.
//!
//! Format: header `t,<states…>,<inputs…>`, preceded by a `trajectory` column when the dataset has
//! more than one trajectory; numbers in Rust's shortest round-trip form (reading the file back
//! gives the same `f64`s); missing values as empty cells. Infinite values are refused, as the
//! loader would refuse them.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use super::dataset::Dataset;

/// Why a dataset could not be written.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum WriteError {
    /// The file system refused (directory missing, permissions, disk full…).
    #[error("{path}: {reason}", path = .path.display())]
    Io {
        /// The target path.
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

/// Writes `ds` to `path` atomically, with the time column named `time_column`.
pub fn write_csv(ds: &Dataset, path: &Path, time_column: &str) -> Result<(), WriteError> {
    let io = |e: &dyn std::fmt::Display| WriteError::Io { path: path.to_path_buf(), reason: e.to_string() };
    let name = path.file_name().ok_or_else(|| io(&"not a file name"))?;
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let tmp = dir.join(format!(".{}.{}.tmp", name.to_string_lossy(), std::process::id()));
    let result = write_to(ds, &tmp, time_column).and_then(|()| std::fs::rename(&tmp, path).map_err(|e| io(&e)));
    if result.is_err() {
        // Best effort: the temporary file may not even exist if creating it failed.
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(|e| match e {
        WriteError::Io { reason, .. } => WriteError::Io { path: path.to_path_buf(), reason },
        other => other,
    })
}

fn write_to(ds: &Dataset, tmp: &Path, time_column: &str) -> Result<(), WriteError> {
    let io = |e: &dyn std::fmt::Display| WriteError::Io { path: tmp.to_path_buf(), reason: e.to_string() };
    let file = File::create(tmp).map_err(|e| io(&e))?;
    let mut w = csv::Writer::from_writer(BufWriter::new(file));
    let labelled = ds.trajectories.len() > 1;
    let mut header: Vec<&str> = Vec::new();
    if labelled {
        header.push("trajectory");
    }
    header.push(time_column);
    header.extend(ds.column_names());
    w.write_record(&header).map_err(|e| io(&e))?;
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
            w.write_record(&cells).map_err(|e| io(&e))?;
        }
    }
    let buf = w.into_inner().map_err(|e| io(&e.error()))?;
    let file = buf.into_inner().map_err(|e| io(&e.error()))?;
    file.sync_all().map_err(|e| io(&e))?;
    drop(file);
    Ok(())
}
