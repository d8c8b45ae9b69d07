//! The PySINDy side of `mechc bench pde`: runs `benches/pysindy/pde.py` once on every case's CSV
//! file (a JSON list of cases in, a JSON list of fits out) and scores its fits with the same code
//! as mechc's. Each case is fitted by PDE-FIND (`PDELibrary`, finite differences) and the weak
//! PDE library (`WeakPDELibrary`), both over the same library as mechc's model (the polynomial
//! of the case's degree in `u` times the derivatives up to its order), STLSQ at one threshold
//! for every case on normalised columns. The script renames PySINDy's features into mechc's
//! notation (`uu_1` → `u*u_x`) and times each fit itself (wall and process CPU seconds), so the
//! interpreter's start-up is not charged to any fit.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde::{Deserialize, Serialize};

use super::pde_cases::{PdeCase, PdeRecord};
use super::score::{score, CoefTable};
use super::BenchError;

/// STLSQ's threshold (PySINDy's scale, on normalised columns), one for every case.
pub const THRESHOLD: f64 = 0.05;

#[derive(Serialize)]
struct CaseIn<'a> {
    name: &'a str,
    file: String,
    degree: u32,
    order: u32,
    threshold: f64,
    periodic: bool,
    seed: u64,
}

#[derive(Deserialize)]
struct RawOutput {
    pysindy: String,
    results: Vec<RawFit>,
}

#[derive(Deserialize)]
struct RawFit {
    case: String,
    variant: String,
    terms: Vec<String>,
    coefficients: Vec<f64>,
    wall_s: Option<f64>,
    cpu_s: Option<f64>,
    error: Option<String>,
}

/// Runs the script on every `(case, csv file)`; returns PySINDy's version and the records.
pub fn run(
    python: &Path,
    root: &Path,
    files: &[(PdeCase, PathBuf)],
    out: &Path,
) -> Result<(String, Vec<PdeRecord>), BenchError> {
    let script = root.join("benches/pysindy/pde.py");
    if !script.is_file() {
        return Err(BenchError::PySindy(format!("{} not found (run from the repository root)", script.display())));
    }
    if !python.is_file() {
        return Err(BenchError::PySindy(format!(
            "no Python interpreter at {} (benches/pysindy/setup.sh makes .venv-bench; or pass --python PATH)",
            python.display()
        )));
    }
    let cases: Vec<CaseIn> = files
        .iter()
        .map(|(c, f)| CaseIn {
            name: c.name,
            file: f.display().to_string(),
            degree: c.degree,
            order: c.order,
            threshold: THRESHOLD,
            periodic: c.space.contains("periodic"),
            seed: 1,
        })
        .collect();
    let cases_path = out.join("pysindy_cases.json");
    let json_path = out.join("pysindy_raw.json");
    let text = serde_json::to_string_pretty(&cases).map_err(|e| BenchError::Io(e.to_string()))?;
    super::discovery::write_atomic(&cases_path, &text)?;
    let output = Command::new(python)
        .arg(&script)
        .arg("--cases")
        .arg(&cases_path)
        .arg("--out")
        .arg(&json_path)
        .output()
        .map_err(|e| BenchError::PySindy(format!("cannot start {}: {e}", python.display())))?;
    if !output.status.success() {
        let err = String::from_utf8_lossy(&output.stderr);
        let last = err.trim().lines().last().unwrap_or("").to_string();
        return Err(BenchError::PySindy(format!("pde.py failed ({}): {last}", output.status)));
    }
    let text = std::fs::read_to_string(&json_path)
        .map_err(|e| BenchError::PySindy(format!("{}: {e}", json_path.display())))?;
    parse(&text, files)
}

/// Parses the script's JSON into scored records.
pub fn parse(text: &str, files: &[(PdeCase, PathBuf)]) -> Result<(String, Vec<PdeRecord>), BenchError> {
    let raw: RawOutput =
        serde_json::from_str(text).map_err(|e| BenchError::PySindy(format!("unreadable pde.py output: {e}")))?;
    let mut records = Vec::new();
    for f in raw.results {
        let (case, file) = files
            .iter()
            .find(|(c, _)| c.name == f.case)
            .ok_or_else(|| BenchError::PySindy(format!("result for unknown case {}", f.case)))?;
        if f.error.is_none() && f.terms.len() != f.coefficients.len() {
            return Err(BenchError::PySindy(format!(
                "{} ({}): {} terms but {} coefficients",
                f.case,
                f.variant,
                f.terms.len(),
                f.coefficients.len()
            )));
        }
        let table = CoefTable {
            rows: vec![("u".into(), f.terms.iter().cloned().zip(f.coefficients.iter().copied()).collect())],
        };
        let ok = f.error.is_none();
        records.push(PdeRecord {
            case: case.name.into(),
            label: case.label.into(),
            tool: f.variant,
            noise_percent: case.noise,
            file: file.display().to_string(),
            wall_s: f.wall_s,
            cpu_s: f.cpu_s,
            score: ok.then(|| score(&table, &case.truth())),
            error: f.error,
            coefficients: ok.then_some(table),
            warnings: Vec::new(),
        });
    }
    Ok((raw.pysindy, records))
}
