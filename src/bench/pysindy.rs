//! The PySINDy side of the discovery benchmark: locates the virtual environment made by
//! `benches/pysindy/setup.sh` ([`Runner::locate`]), runs `benches/pysindy/run.py` on the benchmark
//! CSV files and turns its JSON ([`parse_results`]) into scored [`FitRecord`]s.
//!
//! Each file's noise seed is passed along: the weak-form library draws its integration subdomains
//! from numpy's generator, which run.py seeds per fit, so the comparison is reproducible.
//! The Python process runs once for all files, so its start-up (importing numpy, scipy and
//! PySINDy) is not charged to any fit; run.py times each fit itself.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Deserialize;

use super::dataset::DataFile;
use super::score::{score, CoefTable, FitRecord, Truth};
use super::BenchError;

/// The Python interpreter of the benchmark's virtual environment and the script it runs.
#[derive(Clone, Debug, PartialEq)]
pub struct Runner {
    /// `.venv-bench/bin/python`.
    pub python: PathBuf,
    /// `benches/pysindy/run.py`.
    pub script: PathBuf,
}

impl Runner {
    /// Finds the environment under `root`, or says how to make it.
    pub fn locate(root: &Path) -> Result<Runner, BenchError> {
        let python = root.join(".venv-bench/bin/python");
        let script = root.join("benches/pysindy/run.py");
        if !script.is_file() {
            return Err(BenchError::PySindy(format!(
                "{} not found (run from the repository root, or pass --no-pysindy)",
                script.display()
            )));
        }
        if !python.is_file() {
            return Err(BenchError::PySindy(format!(
                "no Python environment at {}: run benches/pysindy/setup.sh first (or pass --no-pysindy)",
                root.join(".venv-bench").display()
            )));
        }
        Ok(Runner { python, script })
    }

    /// Fits every file with every PySINDy variant; returns the PySINDy version and the records.
    pub fn run(&self, files: &[DataFile], out: &Path, truth: &Truth) -> Result<(String, Vec<FitRecord>), BenchError> {
        let json_path = out.join("pysindy_raw.json");
        let output = Command::new(&self.python)
            .arg(&self.script)
            .arg("--out")
            .arg(&json_path)
            .arg("--seeds")
            .arg(files.iter().map(|f| f.seed.to_string()).collect::<Vec<_>>().join(","))
            .args(files.iter().map(|f| &f.path))
            .output()
            .map_err(|e| BenchError::PySindy(format!("cannot start {}: {e}", self.python.display())))?;
        if !output.status.success() {
            return Err(BenchError::PySindy(format!(
                "run.py failed ({}): {}",
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            )));
        }
        let text = std::fs::read_to_string(&json_path)
            .map_err(|e| BenchError::PySindy(format!("{}: {e}", json_path.display())))?;
        parse_results(&text, files, truth)
    }
}

#[derive(Deserialize)]
struct RawOutput {
    pysindy: String,
    results: Vec<RawRecord>,
}

#[derive(Deserialize)]
struct RawRecord {
    file: String,
    variant: String,
    states: Vec<String>,
    terms: Vec<String>,
    coefficients: Vec<Vec<f64>>,
    wall_s: Option<f64>,
    error: Option<String>,
}

/// Parses run.py's JSON into scored records, matching each result to its file's level and seed.
pub fn parse_results(text: &str, files: &[DataFile], truth: &Truth) -> Result<(String, Vec<FitRecord>), BenchError> {
    let raw: RawOutput =
        serde_json::from_str(text).map_err(|e| BenchError::PySindy(format!("unreadable run.py output: {e}")))?;
    let mut records = Vec::with_capacity(raw.results.len());
    for r in raw.results {
        let file = files
            .iter()
            .find(|f| f.path.as_os_str() == r.file.as_str())
            .ok_or_else(|| BenchError::PySindy(format!("result for unknown file {}", r.file)))?;
        let mut record = FitRecord {
            tool: r.variant.clone(),
            level: file.level,
            seed: file.seed,
            file: r.file.clone(),
            wall_s: r.wall_s,
            score: None,
            error: r.error.clone(),
            coefficients: None,
        };
        if r.error.is_none() {
            let table = table_of(&r)?;
            record.score = Some(score(&table, truth));
            record.coefficients = Some(table);
        }
        records.push(record);
    }
    Ok((raw.pysindy, records))
}

/// One state row per coefficient row, terms named by PySINDy's feature names.
fn table_of(r: &RawRecord) -> Result<CoefTable, BenchError> {
    let shape_ok =
        r.coefficients.len() == r.states.len() && r.coefficients.iter().all(|row| row.len() == r.terms.len());
    if !shape_ok {
        return Err(BenchError::PySindy(format!(
            "{} ({}): coefficient table does not match {} states × {} terms",
            r.file,
            r.variant,
            r.states.len(),
            r.terms.len()
        )));
    }
    let rows = r
        .states
        .iter()
        .zip(&r.coefficients)
        .map(|(s, row)| (s.clone(), r.terms.iter().cloned().zip(row.iter().copied()).collect()))
        .collect();
    Ok(CoefTable { rows })
}
