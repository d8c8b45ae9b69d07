//! The broad discovery suite (`mechc bench discovery --suite broad`): a [`BroadConfig`] (which
//! systems, densities, noise levels, library degrees and seeds) → the CSV files, one generated
//! model per (system, degree), one [`BroadRecord`] per (tool, file, degree), and a
//! [`BroadReport`], written as `results.json` with its aggregates in `summary.json` (records also
//! stream to `records.jsonl` as each fit finishes, so a long run that is stopped keeps what it
//! measured).
//!
//! mechc fits each file with a generated model — the system's states, `basis lib =
//! poly(states, degree = d)`, `x' = sparse(lib)` for every state, the file as `csv` data and no
//! `fit` block, so every setting is mechc's default — through [`crate::fit::fit`]. A (system,
//! degree) pair whose right-hand side has terms above degree `d` is skipped (the library cannot
//! express it) and listed in the report. A failed or timed-out fit is a record with an error.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use super::broad_data::{system_info, write_system_files, BroadFile, DataAxes, SystemInfo};
pub use super::broad_record::{BroadRecord, BroadReport, Skipped};
use super::discovery::{coef_table, prepare, write_atomic, write_json, Prepared, MECHC};
use super::poly::truth;
use super::pysindy_broad::{self, BroadCase};
use super::score::{score, Truth};
use super::systems::{BenchSystem, Catalog};
use super::timed_fit::timed_fit;
use super::BenchError;
use crate::data::{load_csv, CsvSpec};

/// What to run.
#[derive(Clone, Debug, PartialEq)]
pub struct BroadConfig {
    /// System names (empty: every system of the suite).
    pub systems: Vec<String>,
    /// Samples per characteristic period.
    pub spp: Vec<usize>,
    /// Noise levels, percent.
    pub levels: Vec<f64>,
    /// Library degrees.
    pub degrees: Vec<u32>,
    /// Noise seeds.
    pub seeds: Vec<u64>,
    /// Characteristic periods per file.
    pub periods: usize,
    /// Output directory (CSV files, models, `records.jsonl`, `results.json`, `table.txt`).
    pub out: PathBuf,
    /// Run the PySINDy side too.
    pub pysindy: bool,
    /// The PySINDy variants to run (full names, a subset of [`pysindy_broad::VARIANTS`]).
    pub pysindy_variants: Vec<String>,
    /// The repository root holding `benches/pysindy/` and `.venv-bench/`.
    pub root: PathBuf,
    /// Wall-clock limit per mechc fit, seconds.
    pub time_limit: Option<f64>,
}

impl BroadConfig {
    /// The whole suite: every system; 20, 50, 100 and 500 samples per period; 0, 1, 5, 10 and
    /// 20 % noise; degree-2 and degree-3 libraries; seeds 1..=3; 50 periods per file.
    pub fn full(root: &Path, out: &Path) -> BroadConfig {
        BroadConfig {
            systems: Vec::new(),
            spp: vec![20, 50, 100, 500],
            levels: vec![0.0, 1.0, 5.0, 10.0, 20.0],
            degrees: vec![2, 3],
            seeds: (1..=3).collect(),
            periods: 50,
            out: out.to_path_buf(),
            pysindy: true,
            pysindy_variants: pysindy_broad::VARIANTS.iter().map(|v| v.to_string()).collect(),
            root: root.to_path_buf(),
            time_limit: None,
        }
    }

    /// Rejects impossible settings before any work.
    pub fn validate(&self) -> Result<(), BenchError> {
        let bad = |m: String| Err(BenchError::Config(m));
        if self.spp.is_empty() || self.levels.is_empty() || self.degrees.is_empty() || self.seeds.is_empty() {
            return bad("at least one density, noise level, degree and seed are needed".into());
        }
        if let Some(l) = self.levels.iter().find(|l| !(l.is_finite() && **l >= 0.0)) {
            return bad(format!("noise level {l}% must be finite and non-negative"));
        }
        if let Some(s) = self.spp.iter().find(|&&s| !(4..=100_000).contains(&s)) {
            return bad(format!("{s} samples per period: use 4 to 100000"));
        }
        if let Some(d) = self.degrees.iter().find(|&&d| !(1..=5).contains(&d)) {
            return bad(format!("library degree {d}: use 1 to 5"));
        }
        if let Some(v) = self.pysindy_variants.iter().find(|v| !pysindy_broad::VARIANTS.contains(&v.as_str())) {
            return bad(format!(
                "unknown PySINDy variant `{}`: use fd, weak or ensemble",
                v.trim_start_matches("pysindy-")
            ));
        }
        if self.pysindy && self.pysindy_variants.is_empty() {
            return bad("at least one PySINDy variant is needed (or pass --no-pysindy)".into());
        }
        if self.periods == 0 {
            return bad("at least one period per file is needed".into());
        }
        match self.time_limit {
            Some(t) if !(t.is_finite() && t > 0.0) => bad(format!("time limit {t} s must be positive")),
            _ => Ok(()),
        }
    }
}

/// One (system, degree) with its generated model and truth.
struct Library {
    system: String,
    degree: u32,
    prepared: Prepared,
    truth: Truth,
}

/// Runs the broad suite. `log` receives progress lines.
pub fn run_broad(cfg: &BroadConfig, log: &mut dyn FnMut(&str)) -> Result<BroadReport, BenchError> {
    cfg.validate()?;
    let catalog = Catalog::load()?;
    let systems = catalog.select(&cfg.systems)?;
    let runner = if cfg.pysindy { Some(pysindy_broad::Runner::locate(&cfg.root)?) } else { None };
    std::fs::create_dir_all(&cfg.out).map_err(|e| BenchError::Io(format!("{}: {e}", cfg.out.display())))?;
    let (infos, files) = generate(&systems, cfg, log)?;
    let (libraries, skipped) = libraries(&systems, &infos, &files, cfg)?;
    let mut records = Vec::new();
    let mut stream = Stream::open(&cfg.out.join("records.jsonl"))?;
    for f in &files {
        for lib in libraries.iter().filter(|l| l.system == f.system) {
            let r = fit_mechc(lib, f, cfg.time_limit);
            log(&record_line(&r));
            stream.push(&r)?;
            records.push(r);
        }
    }
    let thresholds = pysindy_broad::thresholds();
    let mut version = None;
    if let Some(runner) = runner {
        let cases: Vec<BroadCase> = files
            .iter()
            .flat_map(|f| {
                libraries.iter().filter(|l| l.system == f.system).map(move |l| BroadCase::new(f, l.degree, &l.truth))
            })
            .collect();
        // A PySINDy side that cannot run at all is recorded as failed fits, like any failure.
        let variants = &cfg.pysindy_variants;
        let (v, py) = match runner.run(&cases, &thresholds, variants, &cfg.out) {
            Ok((v, py)) => (Some(v), py),
            Err(e) => (None, pysindy_broad::records(&cases, &[], variants, Some(&e.to_string()))),
        };
        for r in &py {
            log(&record_line(r));
            stream.push(r)?;
        }
        version = v;
        records.extend(py);
    }
    let report = BroadReport {
        systems: infos,
        spp: cfg.spp.clone(),
        levels: cfg.levels.clone(),
        degrees: cfg.degrees.clone(),
        seeds: cfg.seeds.clone(),
        periods: cfg.periods,
        time_limit: cfg.time_limit,
        pysindy_version: version,
        pysindy_thresholds: thresholds,
        skipped,
        records,
    };
    write_json(&report, &cfg.out.join("results.json"))?;
    write_json(&super::broad_summary::summarise(&report), &cfg.out.join("summary.json"))?;
    Ok(report)
}

/// Settles every system, finds its period and writes its files.
fn generate(
    systems: &[&BenchSystem],
    cfg: &BroadConfig,
    log: &mut dyn FnMut(&str),
) -> Result<(Vec<SystemInfo>, Vec<BroadFile>), BenchError> {
    let axes =
        DataAxes { spp: cfg.spp.clone(), levels: cfg.levels.clone(), seeds: cfg.seeds.clone(), periods: cfg.periods };
    let mut infos = Vec::new();
    let mut files = Vec::new();
    for sys in systems {
        let info = system_info(sys)?;
        log(&format!(
            "{:<16} period {:.4} (from {} cycles of its probe window)",
            info.name, info.period, info.probe_cycles
        ));
        files.extend(write_system_files(sys, &info, &axes, &cfg.out)?);
        infos.push(info);
    }
    Ok((infos, files))
}

/// The generated model of every runnable (system, degree) pair, and the pairs skipped.
fn libraries(
    systems: &[&BenchSystem],
    infos: &[SystemInfo],
    files: &[BroadFile],
    cfg: &BroadConfig,
) -> Result<(Vec<Library>, Vec<Skipped>), BenchError> {
    let mut libs = Vec::new();
    let mut skipped = Vec::new();
    for (sys, info) in systems.iter().zip(infos) {
        for &degree in &cfg.degrees {
            let Some(truth) = truth(&sys.rhs, &sys.states, degree) else {
                let reason = format!("its right-hand side has degree {}", info.degree);
                skipped.push(Skipped { system: info.name.clone(), degree, reason });
                continue;
            };
            let Some(first) = files.iter().find(|f| f.system == info.name) else { continue };
            let csv = first.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let path = cfg.out.join(format!("model_{}_deg{degree}.mech", info.name));
            write_atomic(&path, &model_text(info, degree, &csv))?;
            libs.push(Library { system: info.name.clone(), degree, prepared: prepare(&path)?, truth });
        }
    }
    Ok((libs, skipped))
}

/// The generated model of `info` with a degree-`degree` library, reading `csv` (a file name in
/// the model's directory): states, basis, one `sparse(lib)` equation per state, default settings.
pub fn model_text(info: &SystemInfo, degree: u32, csv: &str) -> String {
    let states = info.states.join(", ");
    let mut text = format!(
        "# Generated by `mechc bench discovery --suite broad`: {name}, poly degree {degree}, default fit settings.\n\
         model {name}_deg{degree}\n\nstate {states}\n\ndata train = csv \"{csv}\"\n\n\
         basis lib = poly({states}, degree = {degree})\n\n",
        name = info.name
    );
    for s in &info.states {
        text.push_str(&format!("{s}' = sparse(lib)\n"));
    }
    text
}

/// Fits one file with mechc and scores it.
fn fit_mechc(lib: &Library, file: &BroadFile, time_limit: Option<f64>) -> BroadRecord {
    let mut record = BroadRecord::new(MECHC, file, lib.degree);
    let ir = &lib.prepared.ir;
    let states: Vec<&str> = ir.names.states.iter().map(String::as_str).collect();
    let data = match load_csv(&CsvSpec::new(&file.path, "t", &states)) {
        Ok(d) => d,
        Err(e) => {
            record.error = Some(format!("cannot load data: {e}"));
            return record;
        }
    };
    let outcome = timed_fit(ir, &lib.prepared.model, &data, time_limit);
    record.wall_s = Some(outcome.wall_s);
    record.cpu_s = outcome.cpu_s;
    match outcome.result {
        Ok(fitted) => {
            let table = coef_table(ir, &fitted);
            record.score = Some(score(&table, &lib.truth));
            record.coefficients = Some(table);
        }
        Err(e) => record.error = Some(e),
    }
    record
}

/// One progress line: tool, case, and the score or the error.
pub fn record_line(r: &BroadRecord) -> String {
    let head = format!(
        "{:<17} {:<16} deg {} spp {:>3} noise {:>4}% seed {:>2}",
        r.tool, r.system, r.degree, r.spp, r.level, r.seed
    );
    match (&r.score, &r.error) {
        (Some(s), _) => format!(
            "{head}: {} (missed {}, extra {}), max rel error {:.3}%, {:.3} s",
            if s.exact_support { "exact" } else { "wrong" },
            s.missing,
            s.extra,
            100.0 * s.max_rel_error,
            r.wall_s.unwrap_or(f64::NAN)
        ),
        (None, Some(e)) => format!("{head}: failed: {e}"),
        (None, None) => format!("{head}: no result"),
    }
}

/// `records.jsonl`: one JSON record per line, flushed as each fit finishes.
struct Stream {
    file: std::fs::File,
    path: PathBuf,
}

impl Stream {
    fn open(path: &Path) -> Result<Stream, BenchError> {
        let file = std::fs::File::create(path).map_err(|e| BenchError::Io(format!("{}: {e}", path.display())))?;
        Ok(Stream { file, path: path.to_path_buf() })
    }

    fn push(&mut self, r: &BroadRecord) -> Result<(), BenchError> {
        let line = serde_json::to_string(r).map_err(|e| BenchError::Io(e.to_string()))?;
        writeln!(self.file, "{line}")
            .and_then(|()| self.file.flush())
            .map_err(|e| BenchError::Io(format!("{}: {e}", self.path.display())))
    }
}
