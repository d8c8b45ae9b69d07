//! Files every stage shares: the one atomic writer, the one output-path check, the one capped
//! text reader and the one CSV reader setup.
//!
//! - [`write_atomic`] / [`write_atomic_with`]: the bytes go to a hidden temporary file beside the
//!   destination (`.NAME.mechc.PID.N.tmp`), which is synced and renamed over it only when
//!   complete, so a failure (a full disk, Ctrl-C at the wrong moment) never leaves a partial file
//!   or a damaged older one; the temporary file is removed on any error, and temporaries left by a
//!   killed process (whose PID no longer runs) are removed by the next write of the same name. A
//!   symbolic link is followed (the file it names is replaced, the link kept); a character device
//!   or a FIFO (`/dev/null`, `/dev/stdout`) is written into, never replaced; a directory, block
//!   device or socket is refused.
//! - [`check_output`]: before any work, whether a path may be written as an output (its
//!   directory exists, it is not an input, not a directory or block device).
//! - [`read_text`]: a file's text, read once with a size cap ([`max_input_bytes`]), with the OS's
//!   reason on failure (not found, a directory, not UTF-8, too large).
//! - [`csv_reader`] / [`header`]: CSV from any reader with cells trimmed and rows of any length
//!   (the loader reports ragged rows itself, with their line); the header is the first record.

use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Writes `bytes` to `path` atomically.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_atomic_with(path, |w| w.write_all(bytes))
}

/// What an existing path is, as far as writing it goes.
enum Target {
    /// A regular file (the resolved path when a link led there) or nothing yet: replace atomically.
    Replace(PathBuf),
    /// A character device or FIFO: write into it.
    Stream,
}

/// Writes to `path` atomically whatever `fill` writes into the (buffered) temporary file. An
/// error of `fill` is returned as is, and nothing is left behind.
pub fn write_atomic_with<E: From<std::io::Error>>(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> Result<(), E>,
) -> Result<(), E> {
    let target = match classify(path)? {
        Target::Stream => {
            let mut w = BufWriter::new(std::fs::OpenOptions::new().write(true).open(path)?);
            fill(&mut w)?;
            return w.into_inner().map_err(|e| e.into_error())?.flush().map_err(E::from);
        }
        Target::Replace(p) => p,
    };
    remove_stale_temps(&target);
    let tmp = temp_path(&target);
    let result = (|| {
        let mut w = BufWriter::new(File::create(&tmp)?);
        fill(&mut w)?;
        let file = w.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&tmp, &target)?;
        Ok(())
    })();
    if result.is_err() {
        // The temporary file may not exist (creating it failed); nothing else to undo.
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// How `path` is written: replaced (following a link to the file it names) or streamed into.
fn classify(path: &Path) -> std::io::Result<Target> {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            // A dangling link is replaced by the file; a missing path is created.
            return Ok(Target::Replace(path.to_path_buf()));
        }
        Err(e) => return Err(e),
    };
    if meta.is_file() {
        let real = if path.is_symlink() { path.canonicalize()? } else { path.to_path_buf() };
        return Ok(Target::Replace(real));
    }
    match special_kind(&meta) {
        None => Ok(Target::Stream),
        Some(what) => Err(std::io::Error::other(format!("it is {what}, which is never replaced"))),
    }
}

/// `None` for a character device or FIFO (written into); otherwise what the file is, in words.
fn special_kind(meta: &std::fs::Metadata) -> Option<&'static str> {
    if meta.is_dir() {
        return Some("a directory");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_char_device() || t.is_fifo() {
            return None;
        }
        if t.is_block_device() {
            return Some("a block device");
        }
        if t.is_socket() {
            return Some("a socket");
        }
    }
    Some("not a regular file")
}

/// A hidden name in the destination's directory that no other write in this process or another
/// uses at the same time: `.NAME.mechc.PID.N.tmp`.
fn temp_path(path: &Path) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let name = path.file_name().map_or_else(|| "out".into(), |s| s.to_string_lossy().into_owned());
    dir_of(path).join(format!(".{name}.mechc.{}.{n}.tmp", std::process::id()))
}

fn dir_of(path: &Path) -> &Path {
    path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."))
}

/// Removes `.NAME.mechc.PID.N.tmp` files beside `path` whose process no longer runs (left by a
/// write that was killed). Only where `/proc` tells which processes run; errors are ignored.
fn remove_stale_temps(path: &Path) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Some(name) = path.file_name().map(|s| s.to_string_lossy().into_owned()) else { return };
    let prefix = format!(".{name}.mechc.");
    let Ok(entries) = std::fs::read_dir(dir_of(path)) else { return };
    for entry in entries.flatten() {
        let file = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = stale_pid(&file, &prefix) else { continue };
        if pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// The PID in a temporary file name `PREFIXPID.N.tmp`.
fn stale_pid(file: &str, prefix: &str) -> Option<u32> {
    let rest = file.strip_prefix(prefix)?.strip_suffix(".tmp")?;
    let (pid, n) = rest.split_once('.')?;
    n.parse::<u64>().ok()?;
    pid.parse().ok()
}

/// Whether two paths name the same existing file (same device and inode on Unix).
pub fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let (Ok(x), Ok(y)) = (std::fs::metadata(a), std::fs::metadata(b)) {
            return x.dev() == y.dev() && x.ino() == y.ino();
        }
        false
    }
    #[cfg(not(unix))]
    {
        matches!((a.canonicalize(), b.canonicalize()), (Ok(x), Ok(y)) if x == y)
    }
}

/// Whether `path` may be written as an output, before any work: not one of `inputs`, its
/// directory exists, and it is not a directory, block device or socket. `Err` says why not.
pub fn check_output(path: &Path, inputs: &[&Path]) -> Result<(), String> {
    if path.as_os_str().is_empty() {
        return Err("the path is empty".into());
    }
    if let Some(input) = inputs.iter().find(|i| same_file(path, i)) {
        return Err(format!("it is the input `{}`, which an output never replaces", input.display()));
    }
    match std::fs::metadata(path) {
        Ok(meta) if !meta.is_file() => match special_kind(&meta) {
            None => Ok(()),
            Some(what) => Err(format!("it is {what}, which is never replaced")),
        },
        Ok(_) => Ok(()),
        Err(_) => {
            let dir = dir_of(path);
            match std::fs::metadata(dir) {
                Ok(m) if m.is_dir() => Ok(()),
                Ok(_) => Err(format!("`{}` is not a directory", dir.display())),
                Err(e) => Err(format!("its directory `{}` cannot be used: {}", dir.display(), os_reason(&e))),
            }
        }
    }
}

/// The size cap of a text input (a model or an imported file): 64 MiB, or the number of bytes in
/// the environment variable `MECHC_MAX_INPUT_BYTES`.
pub fn max_input_bytes() -> u64 {
    std::env::var("MECHC_MAX_INPUT_BYTES").ok().and_then(|v| v.trim().parse().ok()).unwrap_or(64 << 20)
}

/// Why a text input could not be read, in words (the OS reason, or the cap, or the encoding).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadError(pub String);

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Reads a UTF-8 text file of at most [`max_input_bytes`] bytes, in one pass (so a FIFO or a
/// device works, and `/dev/zero` stops at the cap).
pub fn read_text(path: &Path) -> Result<String, ReadError> {
    let cap = max_input_bytes();
    let file = File::open(path).map_err(|e| ReadError(os_reason(&e)))?;
    if file.metadata().is_ok_and(|m| m.is_dir()) {
        return Err(ReadError("it is a directory".into()));
    }
    let mut bytes = Vec::new();
    file.take(cap + 1).read_to_end(&mut bytes).map_err(|e| ReadError(os_reason(&e)))?;
    if bytes.len() as u64 > cap {
        return Err(ReadError(format!(
            "it is larger than {cap} bytes (the limit; set MECHC_MAX_INPUT_BYTES to raise it)"
        )));
    }
    String::from_utf8(bytes).map_err(|e| {
        ReadError(format!("it is not UTF-8 text (invalid byte at offset {})", e.utf8_error().valid_up_to()))
    })
}

/// An I/O error in words, without Rust's "(os error N)" suffix.
pub fn os_reason(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// A CSV reader over any byte source: cells trimmed, rows of any length.
pub fn csv_from<R: Read>(reader: R) -> csv::Reader<R> {
    csv::ReaderBuilder::new().trim(csv::Trim::All).flexible(true).from_reader(reader)
}

/// A CSV reader over the file: cells trimmed, rows of any length.
pub fn csv_reader(path: &Path) -> std::io::Result<csv::Reader<File>> {
    Ok(csv_from(File::open(path)?))
}

/// The column names of a CSV reader's header (its first record).
pub fn header<R: std::io::Read>(reader: &mut csv::Reader<R>) -> Result<Vec<String>, csv::Error> {
    Ok(reader.headers()?.iter().map(str::to_string).collect())
}

/// The column names of a CSV file's header.
pub fn csv_header(path: &Path) -> Result<Vec<String>, csv::Error> {
    header(&mut csv_reader(path)?)
}
