//! Files every stage shares: the one atomic writer and the one CSV reader setup.
//!
//! - [`write_atomic`] / [`write_atomic_with`]: the bytes go to a hidden temporary file beside the
//!   destination, which is synced and renamed over it only when complete, so a failure (or
//!   Ctrl-C at the wrong moment) never leaves a partial file or a damaged older one; the
//!   temporary file is removed on any error.
//! - [`csv_reader`] / [`csv_header`]: CSV files are read with cells trimmed and rows of any
//!   length (the loader reports ragged rows itself, with their line); the header is the first
//!   record.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Writes `bytes` to `path` atomically.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_atomic_with(path, |w| w.write_all(bytes))
}

/// Writes to `path` atomically whatever `fill` writes into the (buffered) temporary file. An
/// error of `fill` is returned as is, and nothing is left behind.
pub fn write_atomic_with<E: From<std::io::Error>>(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> Result<(), E>,
) -> Result<(), E> {
    let tmp = temp_path(path);
    let result = (|| {
        let mut w = BufWriter::new(File::create(&tmp)?);
        fill(&mut w)?;
        let file = w.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&tmp, path)?;
        Ok(())
    })();
    if result.is_err() {
        // The temporary file may not exist (creating it failed); nothing else to undo.
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// A hidden name in the destination's directory that no other write in this process or another
/// uses at the same time.
fn temp_path(path: &Path) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let name = path.file_name().map_or_else(|| "out".into(), |s| s.to_string_lossy().into_owned());
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    dir.join(format!(".{name}.{}-{n}.tmp", std::process::id()))
}

/// A CSV reader over the file: cells trimmed, rows of any length.
pub fn csv_reader(path: &Path) -> std::io::Result<csv::Reader<File>> {
    let file = File::open(path)?;
    Ok(csv::ReaderBuilder::new().trim(csv::Trim::All).flexible(true).from_reader(file))
}

/// The column names of a CSV reader's header (its first record).
pub fn header<R: std::io::Read>(reader: &mut csv::Reader<R>) -> Result<Vec<String>, csv::Error> {
    Ok(reader.headers()?.iter().map(str::to_string).collect())
}

/// The column names of a CSV file's header.
pub fn csv_header(path: &Path) -> Result<Vec<String>, csv::Error> {
    header(&mut csv_reader(path)?)
}
