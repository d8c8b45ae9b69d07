//! The broad suite's records: one [`BroadRecord`] per (tool, file, library degree), the
//! (system, degree) pairs left out ([`Skipped`]), and the whole run's [`BroadReport`] (what
//! `results.json` holds). Plain data, shared by the harness, its PySINDy side and its tables.

use serde::Serialize;

use super::broad_data::{BroadFile, SystemInfo};
use super::score::{CoefTable, Score};

/// The outcome of one fit of one file with one library by one tool.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BroadRecord {
    /// `mechc` or a PySINDy variant.
    pub tool: String,
    /// System name.
    pub system: String,
    /// Library degree.
    pub degree: u32,
    /// Samples per characteristic period.
    pub spp: usize,
    /// Noise level, percent.
    pub level: f64,
    /// Noise seed.
    pub seed: u64,
    /// The CSV file.
    pub file: String,
    /// Wall time of the fit, seconds (PySINDy: one fit at the chosen threshold).
    pub wall_s: Option<f64>,
    /// CPU time of the fit, seconds (all threads).
    pub cpu_s: Option<f64>,
    /// The score, when the fit succeeded.
    pub score: Option<Score>,
    /// Why the fit failed, when it did.
    pub error: Option<String>,
    /// PySINDy: the threshold the oracle chose (the best of its grid against the truth).
    pub threshold: Option<f64>,
    /// PySINDy: wall time of the whole threshold sweep, seconds.
    pub sweep_wall_s: Option<f64>,
    /// The discovered coefficients, when the fit succeeded.
    pub coefficients: Option<CoefTable>,
}

impl BroadRecord {
    /// An empty record for `tool` on `file` with library `degree`.
    pub fn new(tool: &str, file: &BroadFile, degree: u32) -> BroadRecord {
        BroadRecord {
            tool: tool.into(),
            system: file.system.clone(),
            degree,
            spp: file.spp,
            level: file.level,
            seed: file.seed,
            file: file.path.display().to_string(),
            wall_s: None,
            cpu_s: None,
            score: None,
            error: None,
            threshold: None,
            sweep_wall_s: None,
            coefficients: None,
        }
    }
}

/// A (system, degree) pair left out, and why.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Skipped {
    /// System name.
    pub system: String,
    /// Library degree.
    pub degree: u32,
    /// Why.
    pub reason: String,
}

/// Everything the broad suite measured.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BroadReport {
    /// The systems run, with their periods and settled starts.
    pub systems: Vec<SystemInfo>,
    /// Densities, samples per period.
    pub spp: Vec<usize>,
    /// Noise levels, percent.
    pub levels: Vec<f64>,
    /// Library degrees.
    pub degrees: Vec<u32>,
    /// Seeds.
    pub seeds: Vec<u64>,
    /// Periods per file.
    pub periods: usize,
    /// The per-fit time limit of mechc, seconds.
    pub time_limit: Option<f64>,
    /// The PySINDy version that ran, if it ran.
    pub pysindy_version: Option<String>,
    /// The PySINDy threshold grid (each variant's threshold is the best of these per case).
    pub pysindy_thresholds: Vec<f64>,
    /// Pairs not run.
    pub skipped: Vec<Skipped>,
    /// One record per (tool, file, degree).
    pub records: Vec<BroadRecord>,
}
