//! `mechc bench discovery|mnn|pde`, in release builds.
//!
//! - `discovery`: the equation-discovery benchmarks (`crate::bench`: the Lorenz suite, or the
//!   broad suite with `--suite broad`), mechc's fit beside PySINDy 2.1; prints the table, writes
//!   the CSVs, `results.json` and `table.txt` to `--out`.
//! - `mnn`: the MNN engine benchmark (`crate::bench::mnn`): the published recipe, the methods
//!   side by side, the random-start trade-off, one training step's cost.
//!
//! (The solver and JIT micro-benchmarks are `cargo bench` targets in `benches/`.)

use std::path::Path;

use clap::Subcommand;

use super::{EXIT_INTERNAL, EXIT_OK, EXIT_USER};
use crate::bench::{self, BenchError, DiscoveryConfig};

/// Which benchmark to run.
#[derive(Subcommand, Debug)]
pub enum BenchCommand {
    /// Equation discovery beside PySINDy 2.1: `--suite lorenz` (default) or `--suite broad`.
    Discovery(bench::args::DiscoveryArgs),
    /// The MNN engine: the published S-MNN Lorenz recipe, the three methods side by side, the
    /// random-start trade-off and one training step's cost.
    Mnn(bench::mnn::MnnArgs),
    /// Field discovery (Burgers, KdV, Kuramoto-Sivashinsky, Fisher-KPP) beside PySINDy's
    /// PDE-FIND and weak PDE library on the same files.
    Pde(bench::pde::PdeArgs),
}

/// Runs a benchmark; returns the exit code.
pub fn run(which: BenchCommand) -> u8 {
    match which {
        BenchCommand::Discovery(args) => match args.plan(Path::new(".")) {
            Ok(bench::args::Plan::Lorenz(cfg)) => discovery(&cfg),
            Ok(bench::args::Plan::Broad(cfg)) => {
                let result = bench::broad::run_broad(&cfg, &mut |line| eprintln!("{line}"));
                finish(result.map(|r| bench::broad_summary::table(&r)), &cfg.out)
            }
            Err(e) => finish(Err(e), Path::new(".")),
        },
        BenchCommand::Mnn(args) => {
            let out = args.out.clone();
            finish(bench::mnn::run(&args, &mut |line| eprintln!("{line}")), &out)
        }
        BenchCommand::Pde(args) => match args.config(Path::new(".")) {
            Ok(cfg) => {
                let result = bench::pde::run_pde(&cfg, &mut |line| eprintln!("{line}"));
                finish(result.map(|r| bench::pde::table(&r)), &cfg.out)
            }
            Err(e) => finish(Err(e), Path::new(".")),
        },
    }
}

/// Runs the discovery benchmark, printing progress to stderr and the table to stdout.
pub fn discovery(cfg: &DiscoveryConfig) -> u8 {
    let result = bench::run_discovery(cfg, &mut |line| eprintln!("{line}"));
    finish(result.map(|r| bench::summary::table(&r)), &cfg.out)
}

/// Prints a benchmark's table and writes it to `out/table.txt`, or reports its error.
fn finish(table: Result<String, BenchError>, out: &Path) -> u8 {
    match table {
        Ok(table) => {
            print!("{table}");
            match crate::files::write_atomic(&out.join("table.txt"), table.as_bytes()) {
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
