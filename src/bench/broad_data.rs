//! The broad suite's data: for each selected system, the settled state and characteristic
//! period ([`SystemInfo`]), then one CSV file per (density, noise level, seed) ([`BroadFile`]),
//! all written before any fit so that every tool reads the same files.
//!
//! Every density samples the same clean trajectory (the same settled start, `periods` periods
//! long, `spp` rows per period, so `periods · spp` rows). Noise is Gaussian with σ = p% of each
//! state's standard deviation over its own clean trajectory (`data::add_noise`), drawn from a
//! generator seeded by a hash of (system, density, seed): the levels of one (system, density,
//! seed) share their draws, scaled, and different systems do not share theirs.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::systems::BenchSystem;
use super::trajectory::{period, Flow};
use super::BenchError;
use crate::data::{self, Dataset, Trajectory};

/// What the report says about one system.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SystemInfo {
    /// Benchmark name.
    pub name: String,
    /// State names (CSV columns).
    pub states: Vec<String>,
    /// Parameter values by name.
    pub params: Vec<(String, f64)>,
    /// The state after the transient: the first row of every data file.
    pub start: Vec<f64>,
    /// Characteristic period.
    pub period: f64,
    /// The spectral bin of the period in the probe window (cycles in the window).
    pub probe_cycles: usize,
    /// Total degree of the right-hand side (the smallest library that can express it).
    pub degree: u32,
    /// Number of non-zero terms of the right-hand side.
    pub true_terms: usize,
}

/// One generated CSV file.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BroadFile {
    /// System name.
    pub system: String,
    /// Samples per characteristic period.
    pub spp: usize,
    /// Noise level, percent.
    pub level: f64,
    /// Noise seed.
    pub seed: u64,
    /// Rows in the file.
    pub rows: usize,
    /// Sampling step.
    pub dt: f64,
    /// Where it was written.
    pub path: PathBuf,
}

/// The file name of one data set, e.g. `chen_spp100_noise05_seed01.csv`.
pub fn file_name(system: &str, spp: usize, level: f64, seed: u64) -> String {
    format!("{system}_spp{spp}_noise{level:02}_seed{seed:02}.csv")
}

/// The noise generator's seed for (system, density, seed): FNV-1a over the three, stable across
/// runs and platforms.
pub fn noise_seed(system: &str, spp: usize, seed: u64) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in format!("{system}/{spp}/{seed}").bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Settles the system and finds its period.
pub fn system_info(system: &BenchSystem) -> Result<SystemInfo, BenchError> {
    let flow = Flow::new(system)?;
    let start = flow.settle()?;
    let probe = flow.probe(&start)?;
    let (period, probe_cycles) = period(&probe, start.len(), system.spec.probe)
        .map_err(|e| BenchError::Data(format!("{}: {e}", system.spec.name)))?;
    Ok(SystemInfo {
        name: system.spec.name.to_string(),
        states: system.states.clone(),
        params: system.spec.params.iter().map(|(n, v)| (n.to_string(), *v)).collect(),
        start,
        period,
        probe_cycles,
        degree: system.degree(),
        true_terms: system.rhs.iter().map(|p| p.terms.len()).sum(),
    })
}

/// The axes of the data: densities, levels and seeds, and how many periods each file spans.
#[derive(Clone, Debug, PartialEq)]
pub struct DataAxes {
    /// Samples per characteristic period.
    pub spp: Vec<usize>,
    /// Noise levels, percent.
    pub levels: Vec<f64>,
    /// Noise seeds.
    pub seeds: Vec<u64>,
    /// Periods per file.
    pub periods: usize,
}

/// Writes every file of one system into `dir`, densities outermost, then levels, then seeds.
pub fn write_system_files(
    system: &BenchSystem,
    info: &SystemInfo,
    axes: &DataAxes,
    dir: &Path,
) -> Result<Vec<BroadFile>, BenchError> {
    let flow = Flow::new(system)?;
    let mut files = Vec::new();
    for &spp in &axes.spp {
        let clean = flow.sample(&info.start, info.period, spp, axes.periods)?;
        for &level in &axes.levels {
            for &seed in &axes.seeds {
                let tr = noisy(&clean, level, noise_seed(&info.name, spp, seed))?;
                let ds = Dataset { states: info.states.clone(), inputs: Vec::new(), trajectories: vec![tr] };
                let path = dir.join(file_name(&info.name, spp, level, seed));
                data::write_csv(&ds, &path, "t").map_err(|e| BenchError::Io(e.to_string()))?;
                files.push(BroadFile {
                    system: info.name.clone(),
                    spp,
                    level,
                    seed,
                    rows: clean.len(),
                    dt: info.period / spp as f64,
                    path,
                });
            }
        }
    }
    Ok(files)
}

/// A copy of `clean` with `percent` % noise from the generator seeded with `rng_seed`.
pub fn noisy(clean: &Trajectory, percent: f64, rng_seed: u64) -> Result<Trajectory, BenchError> {
    let mut tr = clean.clone();
    let mut rng = data::seeded(rng_seed);
    data::add_noise(&mut tr, clean.width, percent, &mut rng).map_err(|e| BenchError::Data(e.0))?;
    Ok(tr)
}
