//! CSV data sources: a [`CsvSpec`] (path, time column, state/input → column mapping, optional
//! trajectory column, minimum rows) → [`Dataset`], or a [`CsvError`] naming the file, line and
//! column at fault.
//!
//! Rules: cells are trimmed; an empty cell or NaN in a state/input column is a missing value
//! (masked and counted, not an error); the time column must be present, finite and strictly
//! increasing within each trajectory (irregular steps are fine); a trajectory column splits rows
//! into trajectories in order of first appearance, keeping each trajectory's rows in file order.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::csv_error::closest_match;
pub use super::csv_error::CsvError;
use super::dataset::{Dataset, Trajectory};

/// How to read one CSV file.
#[derive(Debug, Clone, PartialEq)]
pub struct CsvSpec {
    /// The file to read.
    pub path: PathBuf,
    /// Name of the time column.
    pub time: String,
    /// `(state name, column name)` pairs, in model state order.
    pub states: Vec<(String, String)>,
    /// `(input name, column name)` pairs for exogenous inputs.
    pub inputs: Vec<(String, String)>,
    /// Column whose values label trajectories; `None`: the whole file is one trajectory.
    pub trajectory: Option<String>,
    /// Minimum rows per trajectory (the window length); fewer is a [`CsvError::TooFewRows`].
    pub min_rows: usize,
}

impl CsvSpec {
    /// A spec reading `states` from columns of the same names, time from column `time`.
    pub fn new(path: impl Into<PathBuf>, time: &str, states: &[&str]) -> Self {
        CsvSpec {
            path: path.into(),
            time: time.to_string(),
            states: states.iter().map(|s| (s.to_string(), s.to_string())).collect(),
            inputs: Vec::new(),
            trajectory: None,
            min_rows: 1,
        }
    }

    /// Reads state `state` from column `column` instead of the column of the same name.
    pub fn map(mut self, state: &str, column: &str) -> Self {
        for (s, c) in self.states.iter_mut().chain(self.inputs.iter_mut()) {
            if s == state {
                *c = column.to_string();
            }
        }
        self
    }

    /// Adds an input read from column `column`.
    pub fn input(mut self, name: &str, column: &str) -> Self {
        self.inputs.push((name.to_string(), column.to_string()));
        self
    }

    /// Splits rows into trajectories by the values of `column`.
    pub fn trajectory_column(mut self, column: &str) -> Self {
        self.trajectory = Some(column.to_string());
        self
    }

    /// Requires at least `rows` rows per trajectory.
    pub fn min_rows(mut self, rows: usize) -> Self {
        self.min_rows = rows;
        self
    }

    fn names(&self) -> Vec<String> {
        self.states.iter().chain(&self.inputs).map(|(s, _)| s.clone()).collect()
    }
}

/// Reads one CSV file into a dataset (one trajectory, or one per trajectory-column value).
pub fn load_csv(spec: &CsvSpec) -> Result<Dataset, CsvError> {
    let trajectories = read_file(spec)?;
    Ok(Dataset {
        states: spec.states.iter().map(|(s, _)| s.clone()).collect(),
        inputs: spec.inputs.iter().map(|(s, _)| s.clone()).collect(),
        trajectories,
    })
}

/// Reads several CSV files (each may hold several trajectories) into one dataset; all specs must
/// name the same states and inputs in the same order.
pub fn load_csv_files(specs: &[CsvSpec]) -> Result<Dataset, CsvError> {
    let Some(first) = specs.first() else {
        return Ok(Dataset { states: Vec::new(), inputs: Vec::new(), trajectories: Vec::new() });
    };
    let mut ds = load_csv(first)?;
    for spec in &specs[1..] {
        if spec.names() != first.names() || spec.states.len() != first.states.len() {
            let (expected, found) = (first.names(), spec.names());
            return Err(CsvError::Inconsistent { path: spec.path.clone(), expected, found });
        }
        ds.trajectories.extend(read_file(spec)?);
    }
    Ok(ds)
}

/// Column positions resolved against the header.
struct Layout {
    time: usize,
    values: Vec<(usize, String)>,
    trajectory: Option<usize>,
    header_len: usize,
}

/// Rows accumulated for one trajectory.
struct Partial {
    label: String,
    times: Vec<f64>,
    values: Vec<f64>,
}

fn read_file(spec: &CsvSpec) -> Result<Vec<Trajectory>, CsvError> {
    let path = &spec.path;
    let mut reader = open(path)?;
    let layout = resolve(spec, &mut reader)?;
    let width = layout.values.len();
    let mut parts: Vec<Partial> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut record = csv::StringRecord::new();
    let limit = crate::check::budget::MAX_DATA_VALUES as u64;
    let mut values_read: u64 = 0;
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(unreadable(path, &e)),
        }
        let line = record.position().map_or(0, |p| p.line());
        values_read += width as u64 + 1;
        if values_read > limit {
            return Err(CsvError::TooLarge { path: path.clone(), line, limit });
        }
        if record.len() != layout.header_len {
            let (expected, found) = (layout.header_len, record.len());
            return Err(CsvError::Ragged { path: path.clone(), line, expected, found });
        }
        let label = match layout.trajectory {
            Some(c) => record[c].to_string(),
            None => file_label(path),
        };
        let slot = *index.entry(label.clone()).or_insert_with(|| {
            parts.push(Partial { label, times: Vec::new(), values: Vec::new() });
            parts.len() - 1
        });
        let t = parse_time(path, line, &spec.time, &record[layout.time])?;
        let part = &mut parts[slot];
        if let Some(&previous) = part.times.last() {
            if t <= previous {
                return Err(CsvError::NonIncreasingTime { path: path.clone(), line, previous, value: t });
            }
        }
        part.times.push(t);
        for (c, name) in &layout.values {
            part.values.push(parse_value(path, line, name, &record[*c])?);
        }
    }
    finish(spec, parts, width)
}

fn finish(spec: &CsvSpec, parts: Vec<Partial>, width: usize) -> Result<Vec<Trajectory>, CsvError> {
    if parts.is_empty() && spec.min_rows > 0 {
        let (trajectory, needed) = (file_label(&spec.path), spec.min_rows);
        return Err(CsvError::TooFewRows { path: spec.path.clone(), trajectory, rows: 0, needed });
    }
    parts
        .into_iter()
        .map(|p| {
            if p.times.len() < spec.min_rows {
                let (rows, needed) = (p.times.len(), spec.min_rows);
                return Err(CsvError::TooFewRows { path: spec.path.clone(), trajectory: p.label, rows, needed });
            }
            Ok(Trajectory::from_rows(p.label, p.times, width, p.values))
        })
        .collect()
}

fn open(path: &Path) -> Result<csv::Reader<std::fs::File>, CsvError> {
    // Flexible: ragged rows are reported by us with the line and both counts.
    crate::files::csv_reader(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => CsvError::FileMissing { path: path.to_path_buf() },
        _ => CsvError::Unreadable { path: path.to_path_buf(), reason: e.to_string() },
    })
}

fn resolve(spec: &CsvSpec, reader: &mut csv::Reader<std::fs::File>) -> Result<Layout, CsvError> {
    let columns = crate::files::header(reader).map_err(|e| unreadable(&spec.path, &e))?;
    if columns.is_empty() || (columns.len() == 1 && columns[0].is_empty()) {
        return Err(CsvError::Empty { path: spec.path.clone() });
    }
    let find = |name: &str| -> Result<usize, CsvError> {
        columns.iter().position(|c| c == name).ok_or_else(|| CsvError::MissingColumn {
            path: spec.path.clone(),
            column: name.to_string(),
            available: columns.clone(),
            suggestion: closest_match(
                name,
                columns.iter().map(String::as_str).filter(|c| crate::diag::excerpt::is_column_name(c)),
            ),
        })
    };
    let time = find(&spec.time)?;
    let mut values = Vec::new();
    for (_, col) in spec.states.iter().chain(&spec.inputs) {
        values.push((find(col)?, col.clone()));
    }
    let trajectory = spec.trajectory.as_deref().map(find).transpose()?;
    Ok(Layout { time, values, trajectory, header_len: columns.len() })
}

fn unreadable(path: &Path, e: &csv::Error) -> CsvError {
    CsvError::Unreadable { path: path.to_path_buf(), reason: e.to_string() }
}

fn file_label(path: &Path) -> String {
    path.file_stem().map_or_else(|| path.display().to_string(), |s| s.to_string_lossy().into_owned())
}

/// A state or input cell: NaN stands for missing (empty or written as NaN).
fn parse_value(path: &Path, line: u64, column: &str, text: &str) -> Result<f64, CsvError> {
    if text.is_empty() {
        return Ok(f64::NAN);
    }
    let v: f64 = text.parse().map_err(|_| CsvError::NonNumeric {
        path: path.to_path_buf(),
        line,
        column: column.to_string(),
        text: text.to_string(),
    })?;
    if v.is_infinite() {
        return Err(CsvError::Infinite { path: path.to_path_buf(), line, column: column.to_string() });
    }
    Ok(v)
}

fn parse_time(path: &Path, line: u64, column: &str, text: &str) -> Result<f64, CsvError> {
    let t = parse_value(path, line, column, text)?;
    if t.is_nan() {
        return Err(CsvError::MissingTime { path: path.to_path_buf(), line, column: column.to_string() });
    }
    Ok(t)
}
