//! [`CsvError`]: every way a CSV data source can be rejected, as structured data (file, line as a
//! person counts lines in the file — the header is line 1 —, column, offending text) so the caller
//! can turn it into a coded diagnostic pointing at the `data` declaration. Also the closest-name
//! suggestion used for missing columns.

use std::path::PathBuf;

/// A CSV data source that cannot be used. Missing values (empty cells, NaN) are not errors.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CsvError {
    /// The file does not exist.
    #[error("{path}: file not found", path = .path.display())]
    FileMissing {
        /// The path as given.
        path: PathBuf,
    },
    /// The file exists but could not be read.
    #[error("{path}: cannot read the file: {reason}", path = .path.display())]
    Unreadable {
        /// The path as given.
        path: PathBuf,
        /// The operating system's or parser's words.
        reason: String,
    },
    /// The file has no header line.
    #[error("{path}: the file is empty (no header line)", path = .path.display())]
    Empty {
        /// The path as given.
        path: PathBuf,
    },
    /// A mapped column is not in the header.
    #[error("{path}: no column `{column}` (the columns are {list}){hint}", path = .path.display(),
        list = crate::diag::excerpt::column_list(.available),
        hint = .suggestion.as_ref().map(|s| format!("; did you mean `{s}`?")).unwrap_or_default())]
    MissingColumn {
        /// The path as given.
        path: PathBuf,
        /// The column that was asked for.
        column: String,
        /// The header's columns, in file order.
        available: Vec<String>,
        /// The closest available name, if one is close enough to be a likely typo.
        suggestion: Option<String>,
    },
    /// A cell that should be a number is not one.
    #[error("{path}:{line}: column `{column}`: `{text}` is not a number", path = .path.display(),
        text = crate::diag::excerpt::escape(.text, 24))]
    NonNumeric {
        /// The path as given.
        path: PathBuf,
        /// 1-based line in the file (the header is line 1).
        line: u64,
        /// Column name.
        column: String,
        /// The cell's text.
        text: String,
    },
    /// A cell holds an infinite value.
    #[error("{path}:{line}: column `{column}`: infinite value", path = .path.display())]
    Infinite {
        /// The path as given.
        path: PathBuf,
        /// 1-based line in the file.
        line: u64,
        /// Column name.
        column: String,
    },
    /// A time cell is empty or NaN (a state may be missing, the time may not).
    #[error("{path}:{line}: missing time value in column `{column}`", path = .path.display())]
    MissingTime {
        /// The path as given.
        path: PathBuf,
        /// 1-based line in the file.
        line: u64,
        /// The time column's name.
        column: String,
    },
    /// A time value is not larger than the previous one of the same trajectory.
    #[error("{path}:{line}: time {value} does not increase (previous {previous})", path = .path.display())]
    NonIncreasingTime {
        /// The path as given.
        path: PathBuf,
        /// 1-based line in the file.
        line: u64,
        /// The previous time of the same trajectory.
        previous: f64,
        /// This row's time.
        value: f64,
    },
    /// A row has a different number of cells than the header.
    #[error("{path}:{line}: {found} cells, but the header has {expected}", path = .path.display())]
    Ragged {
        /// The path as given.
        path: PathBuf,
        /// 1-based line in the file.
        line: u64,
        /// Cells in the header.
        expected: usize,
        /// Cells in this row.
        found: usize,
    },
    /// A trajectory has fewer rows than one window needs.
    #[error("{path}: trajectory `{trajectory}` has {rows} rows, but a window needs {needed}",
        path = .path.display())]
    TooFewRows {
        /// The path as given.
        path: PathBuf,
        /// The trajectory's label.
        trajectory: String,
        /// Rows it has.
        rows: usize,
        /// Rows needed.
        needed: usize,
    },
    /// The file holds more values than training may allocate.
    #[error("{path}:{line}: the data exceed {limit} values (rows × columns read); training stops here",
        path = .path.display())]
    TooLarge {
        /// The path as given.
        path: PathBuf,
        /// The line where the limit was passed.
        line: u64,
        /// The limit.
        limit: u64,
    },
    /// Several files map to different state or input names, so they cannot form one dataset.
    #[error("{path}: columns map to {found:?}, but the first file maps to {expected:?}", path = .path.display())]
    Inconsistent {
        /// The file that disagrees.
        path: PathBuf,
        /// State and input names of the first file.
        expected: Vec<String>,
        /// State and input names of this file.
        found: Vec<String>,
    },
}

/// The candidate closest to `name` by edit distance (ignoring case), if close enough to be a
/// plausible typo: at most a third of the name's length (rounded up) edits for names of two or
/// more characters (for a one-letter name any other letter is one edit away, which says nothing).
pub fn closest_match<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let target = name.to_lowercase();
    let len = target.chars().count();
    let limit = if len >= 2 { len.div_ceil(3) } else { 0 };
    candidates
        .into_iter()
        .map(|c| (crate::diag::suggest::edit_distance(&target, &c.to_lowercase()), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c.to_string())
}
