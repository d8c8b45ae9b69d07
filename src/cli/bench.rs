//! `mechc bench discovery|solver|jit`: the benchmarks, in release builds.
//!
//! - `discovery`: the Lorenz equation-discovery benchmark (`crate::bench`), mechc's fit beside
//!   PySINDy 2.1; prints the table, writes the CSVs, `results.json` and `table.txt` to `--out`.
//! - `solver`: the MNN solver benchmark (`crate::mnn::bench`), which re-runs this executable
//!   with `--child …` for each measurement; [`child_entry`] serves those runs.
//! - `jit`: the JIT benchmark (`crate::jit::bench`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Subcommand;

use super::{EXIT_INTERNAL, EXIT_OK, EXIT_USER};
use crate::bench::{self, BenchError, DiscoveryConfig};

/// Which benchmark to run.
#[derive(Subcommand, Debug)]
pub enum BenchCommand {
    /// Lorenz discovery at several noise levels and seeds, mechc beside PySINDy 2.1.
    Discovery {
        /// Noise seeds per level (seeds 1..=N).
        #[arg(long, default_value_t = 20)]
        seeds: u64,
        /// Noise levels in percent of each state's standard deviation.
        #[arg(long, value_delimiter = ',', default_value = "0,5,10")]
        levels: Vec<f64>,
        /// Output directory for the CSV files, results.json and table.txt.
        #[arg(long, default_value = "target/bench/discovery")]
        out: PathBuf,
        /// The model whose basis, equations and fit settings mechc uses.
        #[arg(long, default_value = "examples/lorenz.mech")]
        model: PathBuf,
        /// Skip the PySINDy comparison (no Python needed).
        #[arg(long)]
        no_pysindy: bool,
    },
    /// The MNN solver benchmark (forward and backward passes, peak memory).
    Solver {
        /// Problem sizes n, comma-separated (default 1000,10000,100000).
        #[arg(long)]
        sizes: Option<String>,
    },
    /// The JIT benchmark (compiled kernels against interpreters and hand-written Rust).
    Jit {
        /// Rows evaluated per run.
        #[arg(long, default_value_t = 1_000_000)]
        rows: usize,
    },
}

/// Runs a benchmark; returns the exit code.
pub fn run(which: BenchCommand) -> u8 {
    match which {
        BenchCommand::Discovery { seeds, levels, out, model, no_pysindy } => {
            let mut cfg = DiscoveryConfig::acceptance(Path::new("."), &out);
            cfg.seeds = (1..=seeds).collect();
            cfg.levels = levels;
            cfg.model = model;
            cfg.pysindy = !no_pysindy;
            discovery(&cfg)
        }
        BenchCommand::Solver { sizes } => {
            let args: Vec<String> = sizes.map(|s| vec!["--sizes".into(), s]).unwrap_or_default();
            u8::try_from(crate::mnn::bench::run(&args)).unwrap_or(EXIT_INTERNAL)
        }
        BenchCommand::Jit { rows } => match crate::jit::bench::run(rows) {
            Ok(report) => {
                println!("{report}");
                EXIT_OK
            }
            Err(e) => {
                eprintln!("error: jit benchmark failed: {e}");
                EXIT_INTERNAL
            }
        },
    }
}

/// Runs the discovery benchmark, printing progress to stderr and the table to stdout.
pub fn discovery(cfg: &DiscoveryConfig) -> u8 {
    let result = bench::run_discovery(cfg, &mut |line| eprintln!("{line}"));
    match result {
        Ok(report) => {
            let table = bench::summary::table(&report);
            print!("{table}");
            match bench::discovery::write_atomic(&cfg.out.join("table.txt"), &table) {
                Ok(()) => EXIT_OK,
                Err(e) => {
                    eprintln!("error: {e}");
                    EXIT_INTERNAL
                }
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            match e {
                BenchError::Io(_) | BenchError::Data(_) => EXIT_INTERNAL,
                _ => EXIT_USER,
            }
        }
    }
}

/// The solver benchmark's per-measurement child runs (`mechc --child …`): `Some(exit code)` when
/// this process is one, `None` otherwise. Called before the command line is parsed.
pub fn child_entry() -> Option<ExitCode> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) != Some("--child") {
        return None;
    }
    Some(ExitCode::from(u8::try_from(crate::mnn::bench::run(&args)).unwrap_or(EXIT_INTERNAL)))
}
