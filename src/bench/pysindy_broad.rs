//! The PySINDy side of the broad suite: runs `benches/pysindy/broad.py` (from the virtual
//! environment `benches/pysindy/setup.sh` makes) on the suite's CSV files and picks, for every
//! case and variant, the best threshold of a log grid *against the truth* — an oracle no user
//! has, standing for the per-case tuning each variant would need.
//!
//! Protocol: mechc writes `pysindy_cases.json` (the threshold grid and, per case, the file, the
//! library degree, the seed and the states); broad.py fits every case with every variant at every
//! threshold and appends one JSON line per (case, variant) to `pysindy_broad.jsonl`, each with
//! the distinct coefficient tables the sweep produced (a table repeated by several thresholds is
//! sent once, with all of them). mechc scores every table with the same code as its own fits
//! ([`super::score::score`]) and keeps the best: exact support first, then the fewest missed
//! plus extra terms, then the smallest worst relative error; ties go to the smaller threshold.
//! A case broad.py did not finish is recorded as failed with its reason, never dropped.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde::{Deserialize, Serialize};

use super::broad_data::BroadFile;
use super::broad_record::BroadRecord;
use super::score::{score, CoefTable, Score, Truth};
use super::BenchError;

/// Thresholds of the oracle sweep: 10^(−4 + k/4), k = 0..=24 (1e-4 to 100, four per decade),
/// wide enough for coefficients from 1e-3 to 55 in the suite.
pub fn thresholds() -> Vec<f64> {
    (0..=24).map(|k| 10f64.powf(-4.0 + k as f64 / 4.0)).collect()
}

/// One case for broad.py, with what mechc needs to score its answer.
#[derive(Clone, Debug)]
pub struct BroadCase {
    /// The data file.
    pub file: BroadFile,
    /// Library degree.
    pub degree: u32,
    /// The truth on that library.
    pub truth: Truth,
}

impl BroadCase {
    /// A case for `file` with a degree-`degree` library.
    pub fn new(file: &BroadFile, degree: u32, truth: &Truth) -> BroadCase {
        BroadCase { file: file.clone(), degree, truth: truth.clone() }
    }
}

#[derive(Serialize)]
struct CaseOut<'a> {
    file: String,
    degree: u32,
    seed: u64,
    system: &'a str,
}

#[derive(Serialize)]
struct CasesOut<'a> {
    thresholds: &'a [f64],
    variants: &'a [String],
    cases: Vec<CaseOut<'a>>,
}

/// One distinct result of a threshold sweep.
#[derive(Clone, Debug, Deserialize)]
pub struct Candidate {
    /// The thresholds that gave this table (ascending).
    pub thresholds: Vec<f64>,
    /// One row per state, one entry per library term.
    pub coefficients: Vec<Vec<f64>>,
    /// Wall time of the fit at the first of those thresholds, seconds.
    pub wall_s: f64,
    /// CPU time of that fit, seconds.
    pub cpu_s: Option<f64>,
}

/// broad.py's line for one (case, variant).
#[derive(Clone, Debug, Deserialize)]
pub struct RawSweep {
    /// The data file.
    pub file: String,
    /// Library degree.
    pub degree: u32,
    /// `pysindy-fd`, `pysindy-weak` or `pysindy-ensemble`.
    pub variant: String,
    /// State names (coefficient rows).
    #[serde(default)]
    pub states: Vec<String>,
    /// Library term names (coefficient columns).
    #[serde(default)]
    pub terms: Vec<String>,
    /// The distinct tables of the sweep.
    #[serde(default)]
    pub candidates: Vec<Candidate>,
    /// Wall time of the whole sweep, seconds.
    pub sweep_wall_s: Option<f64>,
    /// Why the variant failed on this case, when it did.
    pub error: Option<String>,
}

/// The PySINDy variants broad.py runs, in table order.
pub const VARIANTS: [&str; 3] = ["pysindy-fd", "pysindy-weak", "pysindy-ensemble"];

/// The interpreter of the benchmark's virtual environment and broad.py.
#[derive(Clone, Debug, PartialEq)]
pub struct Runner {
    /// `.venv-bench/bin/python`.
    pub python: PathBuf,
    /// `benches/pysindy/broad.py`.
    pub script: PathBuf,
}

impl Runner {
    /// Finds the environment under `root`, or says how to make it.
    pub fn locate(root: &Path) -> Result<Runner, BenchError> {
        let base = super::pysindy::Runner::locate(root)?;
        let script = root.join("benches/pysindy/broad.py");
        if !script.is_file() {
            return Err(BenchError::PySindy(format!("{} not found (or pass --no-pysindy)", script.display())));
        }
        Ok(Runner { python: base.python, script })
    }

    /// Runs every case; returns the PySINDy version and one record per (case, variant).
    pub fn run(
        &self,
        cases: &[BroadCase],
        thresholds: &[f64],
        variants: &[String],
        out: &Path,
    ) -> Result<(String, Vec<BroadRecord>), BenchError> {
        let cases_path = out.join("pysindy_cases.json");
        let lines_path = out.join("pysindy_broad.jsonl");
        let doc = CasesOut {
            thresholds,
            variants,
            cases: cases
                .iter()
                .map(|c| CaseOut {
                    file: c.file.path.display().to_string(),
                    degree: c.degree,
                    seed: c.file.seed,
                    system: &c.file.system,
                })
                .collect(),
        };
        super::discovery::write_json(&doc, &cases_path)?;
        let output = Command::new(&self.python)
            .arg(&self.script)
            .arg("--cases")
            .arg(&cases_path)
            .arg("--out")
            .arg(&lines_path)
            .output()
            .map_err(|e| BenchError::PySindy(format!("cannot start {}: {e}", self.python.display())))?;
        let failure = (!output.status.success()).then(|| {
            let err = String::from_utf8_lossy(&output.stderr);
            let tail: Vec<&str> = err.trim().lines().rev().take(3).collect();
            format!("broad.py failed ({}): {}", output.status, tail.into_iter().rev().collect::<Vec<_>>().join(" | "))
        });
        let text = std::fs::read_to_string(&lines_path).unwrap_or_default();
        let (version, sweeps) = parse_lines(&text)?;
        let version = version.ok_or_else(|| BenchError::PySindy(failure.clone().unwrap_or("no output".into())))?;
        Ok((version, records(cases, &sweeps, variants, failure.as_deref())))
    }
}

#[derive(Deserialize)]
struct Header {
    pysindy: String,
}

/// Parses broad.py's lines: a `{"pysindy": version}` header, then one sweep per line.
pub fn parse_lines(text: &str) -> Result<(Option<String>, Vec<RawSweep>), BenchError> {
    let mut version = None;
    let mut sweeps = Vec::new();
    for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let bad = |e: serde_json::Error| BenchError::PySindy(format!("line {} of broad.py's output: {e}", i + 1));
        if i == 0 {
            version = Some(serde_json::from_str::<Header>(line).map_err(bad)?.pysindy);
        } else {
            sweeps.push(serde_json::from_str::<RawSweep>(line).map_err(bad)?);
        }
    }
    Ok((version, sweeps))
}

/// One record per (case, variant): the oracle's pick, or the failure.
pub fn records(
    cases: &[BroadCase],
    sweeps: &[RawSweep],
    variants: &[String],
    failure: Option<&str>,
) -> Vec<BroadRecord> {
    let mut out = Vec::new();
    for c in cases {
        for v in variants.iter().map(String::as_str) {
            let mut r = BroadRecord::new(v, &c.file, c.degree);
            let path = c.file.path.display().to_string();
            match sweeps.iter().find(|s| s.file == path && s.degree == c.degree && s.variant == v) {
                Some(s) => fill(&mut r, s, &c.truth),
                None => r.error = Some(failure.unwrap_or("broad.py returned no result for this case").to_string()),
            }
            out.push(r);
        }
    }
    out
}

/// The oracle's choice among a sweep's tables, written into `r`.
fn fill(r: &mut BroadRecord, s: &RawSweep, truth: &Truth) {
    r.sweep_wall_s = s.sweep_wall_s;
    if let Some(e) = &s.error {
        r.error = Some(e.clone());
        return;
    }
    let mut best: Option<(Score, &Candidate, CoefTable)> = None;
    for cand in &s.candidates {
        let Some(table) = table_of(s, cand) else {
            r.error =
                Some(format!("a coefficient table does not match {} states x {} terms", s.states.len(), s.terms.len()));
            return;
        };
        let sc = score(&table, truth);
        if best.as_ref().is_none_or(|(b, _, _)| better(&sc, b)) {
            best = Some((sc, cand, table));
        }
    }
    match best {
        Some((sc, cand, table)) => {
            r.score = Some(sc);
            r.threshold = cand.thresholds.first().copied();
            r.wall_s = Some(cand.wall_s);
            r.cpu_s = cand.cpu_s;
            r.coefficients = Some(table);
        }
        None => r.error = Some("the sweep produced no coefficients".into()),
    }
}

/// Whether `a` beats `b`: exact support, then fewer wrong terms, then a smaller error.
pub fn better(a: &Score, b: &Score) -> bool {
    let key = |s: &Score| (!s.exact_support, s.missing + s.extra);
    match key(a).cmp(&key(b)) {
        std::cmp::Ordering::Less => true,
        std::cmp::Ordering::Greater => false,
        std::cmp::Ordering::Equal => a.max_rel_error < b.max_rel_error,
    }
}

fn table_of(s: &RawSweep, c: &Candidate) -> Option<CoefTable> {
    let ok = c.coefficients.len() == s.states.len() && c.coefficients.iter().all(|row| row.len() == s.terms.len());
    ok.then(|| CoefTable {
        rows: s
            .states
            .iter()
            .zip(&c.coefficients)
            .map(|(st, row)| (st.clone(), s.terms.iter().cloned().zip(row.iter().copied()).collect()))
            .collect(),
    })
}
