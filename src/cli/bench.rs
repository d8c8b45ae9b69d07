//! `mechc bench discovery|solver|mnn|jit`: the benchmarks, in release builds.
//!
//! - `discovery`: the equation-discovery benchmarks (`crate::bench`: the Lorenz suite, or the
//!   broad suite with `--suite broad`), mechc's fit beside PySINDy 2.1; prints the table, writes
//!   the CSVs, `results.json` and `table.txt` to `--out`.
//! - `solver`: the MNN solver benchmark (`crate::mnn::bench`), which re-runs this executable
//!   with `--child …` for each measurement; [`child_entry`] serves those runs.
//! - `mnn`: the MNN engine benchmark (`crate::bench::mnn`): the published recipe, the methods
//!   side by side, the random-start trade-off, one training step's cost.
//! - `jit`: the JIT benchmark (`crate::jit::bench`).

use std::path::Path;
use std::process::ExitCode;

use clap::Subcommand;

use super::{EXIT_INTERNAL, EXIT_OK, EXIT_USER};
use crate::bench::{self, BenchError, DiscoveryConfig};

/// Which benchmark to run.
#[derive(Subcommand, Debug)]
pub enum BenchCommand {
    /// Equation discovery beside PySINDy 2.1: `--suite lorenz` (default) or `--suite broad`.
    Discovery(bench::args::DiscoveryArgs),
    /// The MNN solver benchmark (forward and backward passes, peak memory).
    Solver {
        /// Problem sizes n, comma-separated (default 1000,10000,100000).
        #[arg(long)]
        sizes: Option<String>,
    },
    /// The MNN engine: the published S-MNN Lorenz recipe, the three methods side by side, the
    /// random-start trade-off and one training step's cost.
    Mnn(bench::mnn::MnnArgs),
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
        BenchCommand::Discovery(args) => match args.plan(Path::new(".")) {
            Ok(bench::args::Plan::Lorenz(cfg)) => discovery(&cfg),
            Ok(bench::args::Plan::Broad(cfg)) => {
                let result = bench::broad::run_broad(&cfg, &mut |line| eprintln!("{line}"));
                finish(result.map(|r| bench::broad_summary::table(&r)), &cfg.out)
            }
            Err(e) => finish(Err(e), Path::new(".")),
        },
        BenchCommand::Solver { sizes } => {
            let args: Vec<String> = sizes.map(|s| vec!["--sizes".into(), s]).unwrap_or_default();
            u8::try_from(crate::mnn::bench::run(&args)).unwrap_or(EXIT_INTERNAL)
        }
        BenchCommand::Mnn(args) => {
            let out = args.out.clone();
            finish(bench::mnn::run(&args, &mut |line| eprintln!("{line}")), &out)
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

/// The solver benchmark's per-measurement child runs (`mechc --child …`): `Some(exit code)` when
/// this process is one, `None` otherwise. Called before the command line is parsed.
pub fn child_entry() -> Option<ExitCode> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) != Some("--child") {
        return None;
    }
    Some(ExitCode::from(u8::try_from(crate::mnn::bench::run(&args)).unwrap_or(EXIT_INTERNAL)))
}
