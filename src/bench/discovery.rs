//! The discovery harness: a [`DiscoveryConfig`] (seeds, noise levels, output directory, model
//! file, whether to run PySINDy) → the CSV files, one [`FitRecord`] per (tool, level, seed) and a
//! [`DiscoveryReport`], which is also written as `results.json` in the output directory.
//!
//! mechc's side fits the model file (by default `examples/lorenz.mech`, its basis, equations and
//! `fit` settings as written; only its data source is replaced by each benchmark CSV) with
//! [`crate::fit::fit`], timed by wall clock around that call. A failed fit is a record with an
//! error, never an abort: the benchmark reports it and goes on.

use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Serialize;

use super::dataset::{write_datasets, DataFile, LorenzSpec};
pub use super::score::FitRecord;
use super::score::{score, CoefTable, Truth};
use super::{pysindy, BenchError};
use crate::check::hir;
use crate::data::{load_csv, CsvSpec};
use crate::fit::{fit, FitInput, Fitted};
use crate::ir::ModelIr;

/// The tool name of mechc's own fit in records and tables.
pub const MECHC: &str = "mechc";

/// What to run.
#[derive(Clone, Debug, PartialEq)]
pub struct DiscoveryConfig {
    /// Noise seeds (the acceptance benchmark: 1..=20).
    pub seeds: Vec<u64>,
    /// Noise levels in percent (the acceptance benchmark: 0, 5, 10).
    pub levels: Vec<f64>,
    /// Where the CSV files, `results.json` and `table.txt` go.
    pub out: PathBuf,
    /// The model whose basis, equations and fit settings mechc uses.
    pub model: PathBuf,
    /// Run the PySINDy side too.
    pub pysindy: bool,
    /// The repository root holding `benches/pysindy/run.py` and `.venv-bench/`.
    pub root: PathBuf,
    /// The simulated system and grid.
    pub spec: LorenzSpec,
}

impl DiscoveryConfig {
    /// The acceptance configuration (seeds 1..=20, levels 0/5/10 %, PySINDy on) rooted at `root`.
    pub fn acceptance(root: &Path, out: &Path) -> DiscoveryConfig {
        DiscoveryConfig {
            seeds: (1..=20).collect(),
            levels: vec![0.0, 5.0, 10.0],
            out: out.to_path_buf(),
            model: root.join("examples/lorenz.mech"),
            pysindy: true,
            root: root.to_path_buf(),
            spec: LorenzSpec::default(),
        }
    }
}

/// Everything the harness measured.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DiscoveryReport {
    /// Seeds used.
    pub seeds: Vec<u64>,
    /// Levels used, percent.
    pub levels: Vec<f64>,
    /// The PySINDy version that ran, if it ran.
    pub pysindy_version: Option<String>,
    /// One record per (tool, level, seed).
    pub records: Vec<FitRecord>,
}

/// A checked and lowered model, ready to fit any number of datasets.
pub struct Prepared {
    /// The checked model (fit settings).
    pub model: hir::Model,
    /// The lowered model (terms, equations, coefficient slots).
    pub ir: ModelIr,
}

/// Reads, checks and lowers a model file; errors come back rendered as text.
pub fn prepare(path: &Path) -> Result<Prepared, BenchError> {
    let mut sources = crate::source::SourceMap::new();
    let root = sources.load(path).map_err(|e| BenchError::Model(format!("cannot read {}: {e}", path.display())))?;
    match crate::pipeline::check_and_lower(&mut sources, root) {
        Ok(c) => Ok(Prepared { model: c.model, ir: c.ir }),
        Err(crate::pipeline::Failure::User(diags)) => {
            Err(BenchError::Model(crate::diag::render::render_text(&diags, &sources, false)))
        }
        Err(crate::pipeline::Failure::Internal(m)) => Err(BenchError::Model(m)),
    }
}

/// Runs the whole benchmark. `log` receives one line per finished fit (progress for a person).
pub fn run_discovery(cfg: &DiscoveryConfig, log: &mut dyn FnMut(&str)) -> Result<DiscoveryReport, BenchError> {
    if cfg.seeds.is_empty() || cfg.levels.is_empty() {
        return Err(BenchError::Config("at least one seed and one noise level are needed".into()));
    }
    if let Some(bad) = cfg.levels.iter().find(|l| !(l.is_finite() && **l >= 0.0)) {
        return Err(BenchError::Config(format!("noise level {bad}% must be finite and non-negative")));
    }
    // Find a missing PySINDy environment before spending minutes on mechc's fits.
    let runner = if cfg.pysindy { Some(pysindy::Runner::locate(&cfg.root)?) } else { None };
    let prepared = prepare(&cfg.model)?;
    let files = write_datasets(&cfg.spec, &cfg.levels, &cfg.seeds, &cfg.out)?;
    let truth = Truth::lorenz();
    let mut records = Vec::new();
    for f in &files {
        let r = fit_mechc(&prepared, f, &truth);
        log(&record_line(&r));
        records.push(r);
    }
    let mut version = None;
    if let Some(runner) = runner {
        let (v, py) = runner.run(&files, &cfg.out, &truth)?;
        py.iter().for_each(|r| log(&record_line(r)));
        version = Some(v);
        records.extend(py);
    }
    let report =
        DiscoveryReport { seeds: cfg.seeds.clone(), levels: cfg.levels.clone(), pysindy_version: version, records };
    write_json(&report, &cfg.out.join("results.json"))?;
    Ok(report)
}

/// Fits one file with mechc and scores it.
pub fn fit_mechc(prepared: &Prepared, file: &DataFile, truth: &Truth) -> FitRecord {
    let mut record = FitRecord {
        tool: MECHC.into(),
        level: file.level,
        seed: file.seed,
        file: file.path.display().to_string(),
        wall_s: None,
        score: None,
        error: None,
        coefficients: None,
    };
    let states: Vec<&str> = prepared.ir.names.states.iter().map(String::as_str).collect();
    let data = match load_csv(&CsvSpec::new(&file.path, "t", &states)) {
        Ok(d) => d,
        Err(e) => {
            record.error = Some(format!("cannot load data: {e}"));
            return record;
        }
    };
    let input = FitInput {
        ir: &prepared.ir,
        model: &prepared.model,
        data: &data,
        seed: prepared.model.fit.seed,
        cancel: None,
        progress: None,
    };
    let start = Instant::now();
    // A panic inside the engine is that fit's failure; the other fits' results still count.
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| fit(&input)));
    record.wall_s = Some(start.elapsed().as_secs_f64());
    match result {
        Ok(Ok(fitted)) if fitted.coefficients.len() != prepared.ir.coefs.len() => {
            record.error = Some(format!(
                "the fit returned {} coefficients for {} slots",
                fitted.coefficients.len(),
                prepared.ir.coefs.len()
            ));
        }
        Ok(Ok(fitted)) => {
            let table = coef_table(&prepared.ir, &fitted);
            record.score = Some(score(&table, truth));
            record.coefficients = Some(table);
        }
        Ok(Err(e)) => record.error = Some(e.to_string()),
        Err(_) => record.error = Some("the fit panicked (internal failure)".into()),
    }
    record
}

/// mechc's fitted coefficient slots as a table of named terms per state.
pub fn coef_table(ir: &ModelIr, fitted: &Fitted) -> CoefTable {
    let mut table = CoefTable::default();
    for (slot, c) in ir.coefs.iter().zip(&fitted.coefficients) {
        let state = &ir.names.states[ir.equations[slot.equation].state as usize];
        let term = ir.terms[slot.term].name.clone();
        match table.rows.iter_mut().find(|(s, _)| s == state) {
            Some((_, terms)) => terms.push((term, *c)),
            None => table.rows.push((state.clone(), vec![(term, *c)])),
        }
    }
    table
}

/// One progress line: tool, level, seed, and the score or the error.
pub fn record_line(r: &FitRecord) -> String {
    let head = format!("{:<15} noise {:>4}% seed {:>2}", r.tool, r.level, r.seed);
    match (&r.score, &r.error) {
        (Some(s), _) => format!(
            "{head}: {} support, {} terms, max rel error {:.3}%, {:.3} s",
            if s.exact_support { "exact" } else { "wrong" },
            s.terms_kept,
            100.0 * s.max_rel_error,
            r.wall_s.unwrap_or(f64::NAN)
        ),
        (None, Some(e)) => format!("{head}: failed: {e}"),
        (None, None) => format!("{head}: no result"),
    }
}

/// Writes `value` as pretty JSON, atomically (temporary file, then rename).
pub fn write_json<T: Serialize>(value: &T, path: &Path) -> Result<(), BenchError> {
    let text = serde_json::to_string_pretty(value).map_err(|e| BenchError::Io(e.to_string()))?;
    write_atomic(path, &text)
}

/// Writes `text` to `path` through a temporary file in the same directory.
pub fn write_atomic(path: &Path, text: &str) -> Result<(), BenchError> {
    let tmp = path.with_extension(format!("{}.tmp", std::process::id()));
    let io = |e: std::io::Error| BenchError::Io(format!("{}: {e}", path.display()));
    std::fs::write(&tmp, text).map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)
}
