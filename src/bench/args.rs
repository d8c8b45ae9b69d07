//! The options of `mechc bench discovery` ([`DiscoveryArgs`], parsed by clap) → a [`Plan`]: the
//! Lorenz acceptance suite (the default) or the broad suite, with each suite's defaults filled in.
//! An option that does not apply to the chosen suite is an error, not silently ignored.

use std::path::{Path, PathBuf};

use super::broad::BroadConfig;
use super::discovery::DiscoveryConfig;
use super::BenchError;

/// Which discovery suite.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Suite {
    /// Lorenz at 0/5/10 % noise, 20 seeds, beside PySINDy (the acceptance benchmark).
    Lorenz,
    /// Dozens of polynomial systems across densities, noise levels, libraries and seeds.
    Broad,
}

/// `mechc bench discovery [OPTIONS]`.
#[derive(Clone, Debug, PartialEq, clap::Args)]
pub struct DiscoveryArgs {
    /// The suite to run.
    #[arg(long, value_enum, default_value_t = Suite::Lorenz)]
    pub suite: Suite,
    /// Noise seeds per case (seeds 1..=N; default 20 for lorenz, 3 for broad).
    #[arg(long)]
    pub seeds: Option<u64>,
    /// Noise levels in percent of each state's standard deviation (default 0,5,10 for lorenz,
    /// 0,1,5,10,20 for broad).
    #[arg(long, value_delimiter = ',')]
    pub levels: Option<Vec<f64>>,
    /// Output directory (default target/bench/discovery, or target/bench/discovery-broad).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Lorenz suite: the model whose basis, equations and fit settings mechc uses.
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Broad suite: only these systems (comma-separated names; default all).
    #[arg(long, value_delimiter = ',')]
    pub systems: Option<Vec<String>>,
    /// Broad suite: samples per characteristic period (default 20,50,100,500).
    #[arg(long, value_delimiter = ',')]
    pub spp: Option<Vec<usize>>,
    /// Broad suite: polynomial library degrees (default 2,3).
    #[arg(long, value_delimiter = ',')]
    pub degrees: Option<Vec<u32>>,
    /// Broad suite: stop a mechc fit after this many seconds (recorded as failed: timed out).
    #[arg(long, value_name = "SECONDS")]
    pub time_limit: Option<f64>,
    /// Skip the PySINDy comparison (no Python needed).
    #[arg(long)]
    pub no_pysindy: bool,
    /// Broad suite: the PySINDy variants to run (fd, weak, ensemble; default all three). The
    /// ensemble's threshold sweep (20 bagged models per threshold) takes most of the time.
    #[arg(long, value_delimiter = ',', value_name = "VARIANT")]
    pub pysindy_variants: Option<Vec<String>>,
}

/// A configured run.
#[derive(Clone, Debug, PartialEq)]
pub enum Plan {
    /// The Lorenz suite.
    Lorenz(DiscoveryConfig),
    /// The broad suite.
    Broad(BroadConfig),
}

impl DiscoveryArgs {
    /// The run these options ask for, relative to the repository root `root`.
    pub fn plan(&self, root: &Path) -> Result<Plan, BenchError> {
        let only = |flag: &str, given: bool, suite: &str| {
            if given {
                Err(BenchError::Config(format!("{flag} applies to --suite {suite} only")))
            } else {
                Ok(())
            }
        };
        let seeds = |n: u64| (1..=n).collect::<Vec<u64>>();
        match self.suite {
            Suite::Lorenz => {
                only("--systems", self.systems.is_some(), "broad")?;
                only("--spp", self.spp.is_some(), "broad")?;
                only("--degrees", self.degrees.is_some(), "broad")?;
                only("--time-limit", self.time_limit.is_some(), "broad")?;
                let out = self.out.clone().unwrap_or_else(|| root.join("target/bench/discovery"));
                let mut cfg = DiscoveryConfig::acceptance(root, &out);
                if let Some(n) = self.seeds {
                    cfg.seeds = seeds(n);
                }
                if let Some(l) = &self.levels {
                    cfg.levels = l.clone();
                }
                if let Some(m) = &self.model {
                    cfg.model = m.clone();
                }
                cfg.pysindy = !self.no_pysindy;
                only("--pysindy-variants", self.pysindy_variants.is_some(), "broad")?;
                Ok(Plan::Lorenz(cfg))
            }
            Suite::Broad => {
                only("--model", self.model.is_some(), "lorenz")?;
                let out = self.out.clone().unwrap_or_else(|| root.join("target/bench/discovery-broad"));
                let mut cfg = BroadConfig::full(root, &out);
                cfg.systems = self.systems.clone().unwrap_or_default();
                cfg.spp = self.spp.clone().unwrap_or(cfg.spp);
                cfg.levels = self.levels.clone().unwrap_or(cfg.levels);
                cfg.degrees = self.degrees.clone().unwrap_or(cfg.degrees);
                cfg.seeds = self.seeds.map_or(cfg.seeds, seeds);
                cfg.time_limit = self.time_limit;
                cfg.pysindy = !self.no_pysindy;
                if let Some(v) = &self.pysindy_variants {
                    cfg.pysindy_variants = v.iter().map(|v| format!("pysindy-{v}")).collect();
                }
                cfg.validate()?;
                Ok(Plan::Broad(cfg))
            }
        }
    }
}
