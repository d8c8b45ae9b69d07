//! `mechc bench pde`: the field-discovery acceptance cases ([`super::pde_cases`]) → their CSV
//! files, mechc's field fit of each file, PySINDy's PDE-FIND and weak PDE library on the same
//! files ([`super::pysindy_pde`]), one [`PdeRecord`] per (case, tool), written as `results.json`
//! and printed as one table ([`table`]).
//!
//! Every case is simulated by mechc (`NAME.sim.mech`) and written in long form (`NAME.csv`);
//! mechc then fits a model that reads that file (`NAME.mech`: the case's library, no `fit`
//! block, so every setting is the default), exactly as `mechc run NAME.mech` would. Times are
//! of the fit alone (data loading excluded), wall clock and process CPU seconds, for both
//! tools; the machine's load average at the start is recorded beside them. Without a Python
//! environment the PySINDy rows are skipped, and the table says why.

use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Serialize;

use super::discovery::{coef_table, write_atomic, write_json, MECHC};
pub use super::pde_cases::PdeRecord;
use super::pde_cases::{cases, PdeCase};
use super::pysindy_pde;
use super::score::score;
use super::timed_fit::process_cpu_seconds;
use super::BenchError;
use crate::pipeline::fields::{field_warnings, prepare_fields, train_fields, PreparedFields};
use crate::source::SourceMap;

/// `mechc bench pde [OPTIONS]`.
#[derive(Clone, Debug, PartialEq, clap::Args)]
pub struct PdeArgs {
    /// Output directory (default target/bench/pde).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Only these cases (comma-separated names: burgers_0, kdv1_1, ...; default all).
    #[arg(long, value_delimiter = ',')]
    pub cases: Option<Vec<String>>,
    /// The Python interpreter with PySINDy 2.1 (default .venv-bench/bin/python, made by
    /// benches/pysindy/setup.sh).
    #[arg(long, value_name = "PATH")]
    pub python: Option<PathBuf>,
    /// Skip the PySINDy comparison (no Python needed).
    #[arg(long)]
    pub no_pysindy: bool,
}

/// What to run.
#[derive(Clone, Debug, PartialEq)]
pub struct PdeConfig {
    pub cases: Vec<PdeCase>,
    pub out: PathBuf,
    /// `None`: PySINDy is not run.
    pub python: Option<PathBuf>,
    /// The repository root holding `benches/pysindy/pde.py`.
    pub root: PathBuf,
}

impl PdeArgs {
    /// The run these options ask for, relative to the repository root `root`.
    pub fn config(&self, root: &Path) -> Result<PdeConfig, BenchError> {
        if cfg!(debug_assertions) {
            // Unoptimised numeric code runs two orders of magnitude slower: its times mean nothing.
            return Err(BenchError::Config("mechc bench pde times fits: build it with --release".into()));
        }
        let all = cases();
        let chosen = match &self.cases {
            None => all,
            Some(names) => names
                .iter()
                .map(|n| {
                    all.iter().find(|c| c.name == n.as_str()).cloned().ok_or_else(|| {
                        let known: Vec<&str> = all.iter().map(|c| c.name).collect();
                        BenchError::Config(format!("unknown case `{n}` (cases: {})", known.join(", ")))
                    })
                })
                .collect::<Result<_, _>>()?,
        };
        if self.no_pysindy && self.python.is_some() {
            return Err(BenchError::Config("--python and --no-pysindy contradict each other".into()));
        }
        let python =
            (!self.no_pysindy).then(|| self.python.clone().unwrap_or_else(|| root.join(".venv-bench/bin/python")));
        let out = self.out.clone().unwrap_or_else(|| root.join("target/bench/pde"));
        Ok(PdeConfig { cases: chosen, out, python, root: root.to_path_buf() })
    }
}

/// Everything the benchmark measured.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PdeReport {
    /// The 1-minute load average when the run started (`None` where unknown).
    pub load_average: Option<f64>,
    /// The PySINDy version that ran, or why it did not.
    pub pysindy: Result<String, String>,
    pub records: Vec<PdeRecord>,
}

/// Runs the benchmark; `log` gets one line per finished fit.
pub fn run_pde(cfg: &PdeConfig, log: &mut dyn FnMut(&str)) -> Result<PdeReport, BenchError> {
    std::fs::create_dir_all(&cfg.out).map_err(|e| BenchError::Io(format!("{}: {e}", cfg.out.display())))?;
    let load_average = load_average();
    let mut records = Vec::new();
    let mut files = Vec::new();
    for case in &cfg.cases {
        let csv = write_case_data(case, &cfg.out)?;
        let r = fit_mechc(case, &cfg.out, &csv);
        log(&line(&r));
        records.push(r);
        files.push((case.clone(), csv));
    }
    let pysindy = match &cfg.python {
        None => Err("skipped (--no-pysindy)".to_string()),
        Some(python) => match pysindy_pde::run(python, &cfg.root, &files, &cfg.out) {
            Ok((version, py)) => {
                py.iter().for_each(|r| log(&line(r)));
                records.extend(py);
                Ok(version)
            }
            Err(e) => {
                log(&format!("PySINDy skipped: {e}"));
                Err(format!("skipped: {e}"))
            }
        },
    };
    let report = PdeReport { load_average, pysindy, records };
    write_json(&report, &cfg.out.join("results.json"))?;
    Ok(report)
}

/// Simulates the case with mechc and writes `NAME.sim.mech` and `NAME.csv`; returns the CSV path.
fn write_case_data(case: &PdeCase, out: &Path) -> Result<PathBuf, BenchError> {
    let model = out.join(format!("{}.sim.mech", case.name));
    write_atomic(&model, &case.simulation_model())?;
    let p = load_fields(&model).map_err(|e| BenchError::Data(format!("{}: {e}", case.name)))?;
    let (text, _) = crate::data::field::long_form(&p.data, "x");
    let csv = out.join(format!("{}.csv", case.name));
    write_atomic(&csv, &text)?;
    Ok(csv)
}

/// Checks a field model file and loads (or simulates) its data; failures rendered as text.
fn load_fields(path: &Path) -> Result<PreparedFields, String> {
    let mut sources = SourceMap::new();
    let root = sources.load(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let failure = |f: crate::pipeline::Failure, sources: &SourceMap| match f {
        crate::pipeline::Failure::User(d) => crate::diag::render::render_text(&d, sources, false),
        crate::pipeline::Failure::Internal(m) => m,
    };
    let checked = crate::pipeline::check_and_lower(&mut sources, root).map_err(|f| failure(f, &sources))?;
    prepare_fields(checked).map_err(|f| failure(f, &sources))
}

/// Fits the case's CSV file with mechc (model `NAME.mech`) and scores the result.
fn fit_mechc(case: &PdeCase, out: &Path, csv: &Path) -> PdeRecord {
    let mut r = PdeRecord {
        case: case.name.into(),
        label: case.label.into(),
        tool: MECHC.into(),
        noise_percent: case.noise,
        file: csv.display().to_string(),
        wall_s: None,
        cpu_s: None,
        score: None,
        error: None,
        coefficients: None,
        warnings: Vec::new(),
    };
    let file_name = csv.file_name().map_or(String::new(), |f| f.to_string_lossy().into_owned());
    let model = out.join(format!("{}.mech", case.name));
    let text = case.model(&format!("csv \"{file_name}\" {{ time = t, x = x, u = u }}"));
    let prepared = write_atomic(&model, &text).map_err(|e| e.to_string()).and_then(|()| load_fields(&model));
    let p = match prepared {
        Ok(p) => p,
        Err(e) => {
            r.error = Some(e);
            return r;
        }
    };
    let cpu0 = process_cpu_seconds();
    let start = Instant::now();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| train_fields(&p, None, None)));
    r.wall_s = Some(start.elapsed().as_secs_f64());
    r.cpu_s = process_cpu_seconds().zip(cpu0).map(|(b, a)| b - a);
    match result {
        Ok(Ok(fit)) => {
            let table = coef_table(&p.ir, &fit.fitted);
            r.score = Some(score(&table, &case.truth()));
            r.coefficients = Some(table);
            r.warnings = field_warnings(&p, &fit).iter().map(|w| format!("{}: {}", w.code, w.message)).collect();
        }
        Ok(Err(d)) => r.error = Some(format!("{}: {}", d.code, d.message)),
        Err(_) => r.error = Some("the fit panicked (internal failure)".into()),
    }
    r
}

/// The 1-minute load average from `/proc/loadavg` (Linux), else `None`.
fn load_average() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg").ok()?.split_whitespace().next()?.parse().ok()
}

/// One progress line.
fn line(r: &PdeRecord) -> String {
    let head = format!("{:<18} {:<40}", r.tool, r.label);
    match (&r.score, &r.error) {
        (Some(s), _) => format!(
            "{head} {} support, {} terms, worst error {}, {:.2} s",
            if s.exact_support { "exact" } else { "wrong" },
            s.terms_kept,
            percent(s.max_rel_error),
            r.wall_s.unwrap_or(f64::NAN)
        ),
        (None, Some(e)) => format!("{head} failed: {e}"),
        (None, None) => format!("{head} no result"),
    }
}

/// A relative error as a percentage with two significant digits (`<0.01%` below that).
pub fn percent(e: f64) -> String {
    let p = 100.0 * e;
    if !p.is_finite() {
        "-".into()
    } else if p < 0.01 {
        "<0.01%".into()
    } else if p < 10.0 {
        format!("{p:.2}%")
    } else {
        format!("{p:.0}%")
    }
}

/// The printed table: one row per case, mechc and each PySINDy variant side by side.
pub fn table(report: &PdeReport) -> String {
    use std::fmt::Write;
    let tools: Vec<&str> = {
        let mut t: Vec<&str> = vec![MECHC];
        for r in &report.records {
            if !t.contains(&r.tool.as_str()) {
                t.push(&r.tool);
            }
        }
        t
    };
    let mut s = String::new();
    let load = report.load_average.map_or("unknown".into(), |l| format!("{l:.1}"));
    let _ = writeln!(s, "mechc bench pde: exact support?, worst coefficient error, terms kept, fit wall / CPU seconds");
    let _ = writeln!(
        s,
        "(load average {load} at the start; PySINDy: {})",
        match &report.pysindy {
            Ok(v) => format!("{v}, STLSQ threshold {} on normalised columns", pysindy_pde::THRESHOLD),
            Err(e) => e.clone(),
        }
    );
    let mut header = format!("| {:<40} |", "case");
    for t in &tools {
        let _ = write!(header, " {t:<38} |");
    }
    let _ = writeln!(s, "{header}");
    let _ = writeln!(s, "|{}|", vec!["---"; tools.len() + 1].join("|"));
    let mut labels: Vec<(&str, &str)> = Vec::new();
    for r in &report.records {
        if !labels.iter().any(|(c, _)| *c == r.case) {
            labels.push((&r.case, &r.label));
        }
    }
    let mut notes = Vec::new();
    for (case, label) in labels {
        let mut row = format!("| {label:<40} |");
        for t in &tools {
            let cell = report.records.iter().find(|r| r.case == case && r.tool == *t).map_or("-".into(), cell);
            let _ = write!(row, " {cell:<38} |");
        }
        let _ = writeln!(s, "{row}");
        for r in report.records.iter().filter(|r| r.case == case) {
            if let Some(e) = &r.error {
                notes.push(format!("{label} ({}): failed: {e}", r.tool));
            } else if !r.warnings.is_empty() {
                notes.push(format!("{label} ({}): {}", r.tool, r.warnings.join("; ")));
            }
        }
    }
    for n in notes {
        let _ = writeln!(s, "  {n}");
    }
    s
}

/// One table cell: `exact, 0.01%, 2 terms, 0.41 / 0.39 s`.
fn cell(r: &PdeRecord) -> String {
    let time = match (r.wall_s, r.cpu_s) {
        (Some(w), Some(c)) => format!("{w:.2} / {c:.2} s"),
        (Some(w), None) => format!("{w:.2} s"),
        _ => String::new(),
    };
    match (&r.score, &r.error) {
        (Some(sc), _) => format!(
            "{}, {}, {} terms, {time}",
            if sc.exact_support { "exact" } else { "no" },
            percent(sc.max_rel_error),
            sc.terms_kept
        ),
        (None, Some(_)) => "failed".into(),
        (None, None) => "-".into(),
    }
}
