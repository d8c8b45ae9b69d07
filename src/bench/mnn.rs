//! `mechc bench mnn`: the MNN engine measured.
//!
//! 1. The published S-MNN Lorenz recipe (`examples/lorenz_mnn.mech`: clean Lorenz from
//!    (1, 1, 1), dt 0.01, t ∈ [0, 100], 50-step windows, degree-2 library, threshold 0.1 on raw
//!    coefficients, ten rounds, random start): mechc's equations, error and time beside the
//!    published result (S-MNN `lorenz.ipynb`, final round; about 2 min 20 s per 400-epoch round
//!    on an RTX A6000, ten rounds).
//! 2. The three methods on the discovery benchmark's Lorenz data (`examples/lorenz.mech`'s model,
//!    x0 = (−8, 8, 27), t ∈ [0, 10], dt 0.002) at 0% and 5% noise: `collocation`, `sindy`,
//!    `mnn` from the collocation fit and `mnn` from a random start.
//! 3. `init = random` over seeds, noise levels and epoch budgets (the accuracy/epochs trade-off).
//! 4. One training step (a batch of 32 windows of the recipe), fused window-loss op against the
//!    same loss built from candle's generic operations.
//!
//! Times are wall and process CPU seconds of the fit call (`timed_fit`).

use std::path::{Path, PathBuf};
use std::time::Instant;

use super::dataset::{lorenz_clean, noisy_copy, LorenzSpec, STATES};
use super::discovery::{coef_table, write_atomic};
use super::timed_fit::{timed_fit, FitOutcome};
use super::{score, BenchError, Score, Truth};
use crate::check::hir;
use crate::check::settings::{Init, Method, Threshold};
use crate::data::Dataset;
use crate::fit::mnn::{Build, Objective};
use crate::fit::FitInput;
use crate::ir::ModelIr;

/// The published S-MNN result (solver.md §6): final-round equations and time.
const PUBLISHED: &str = "S-MNN (published, RTX A6000, 10 rounds x 400 epochs, about 23 min):\n  \
    x' = -9.98988*x + 9.99005*y\n  y' = 27.70795*x - 0.92166*y - 0.99233*x*z\n  \
    z' = -2.66423*z + 0.99933*x*y\n  max coefficient error 7.8%";
/// Its time in seconds (ten rounds of about 2 min 20 s).
const PUBLISHED_S: f64 = 10.0 * 140.0;

/// `mechc bench mnn [OPTIONS]`.
#[derive(Clone, Debug, PartialEq, clap::Args)]
pub struct MnnArgs {
    /// Seeds of the random-start trade-off (seeds 1..=N; 0 skips it).
    #[arg(long, default_value_t = 10)]
    pub seeds: u64,
    /// Epoch budgets per round of the random-start trade-off.
    #[arg(long, value_delimiter = ',', default_value = "50,100,200")]
    pub epochs: Vec<usize>,
    /// Noise levels (percent) of the method table and the trade-off.
    #[arg(long, value_delimiter = ',', default_value = "0,5")]
    pub levels: Vec<f64>,
    /// The published recipe's model.
    #[arg(long, default_value = "examples/lorenz_mnn.mech")]
    pub recipe: PathBuf,
    /// The discovery example whose library and equations the method table uses.
    #[arg(long, default_value = "examples/lorenz.mech")]
    pub model: PathBuf,
    /// Output directory for table.txt.
    #[arg(long, default_value = "target/bench/mnn")]
    pub out: PathBuf,
}

/// A model checked and lowered, with the data of its `data` declarations.
struct Loaded {
    model: hir::Model,
    ir: ModelIr,
    data: Dataset,
}

fn load(path: &Path) -> Result<Loaded, BenchError> {
    let mut sources = crate::source::SourceMap::new();
    let root = sources.load(path).map_err(|e| BenchError::Model(format!("cannot read {}: {e}", path.display())))?;
    match crate::pipeline::prepare(&mut sources, root) {
        Ok(p) => Ok(Loaded { model: p.model, ir: p.ir, data: p.data }),
        Err(crate::pipeline::Failure::User(d)) => {
            Err(BenchError::Model(crate::diag::render::render_text(&d, &sources, false)))
        }
        Err(crate::pipeline::Failure::Internal(m)) => Err(BenchError::Model(m)),
    }
}

/// Runs the benchmark; `log` gets a line per finished fit. Returns the printed report, also
/// written to `out/table.txt`.
pub fn run(args: &MnnArgs, log: &mut dyn FnMut(&str)) -> Result<String, BenchError> {
    let mut out = String::new();
    out.push_str(&recipe(&args.recipe, log)?);
    out.push_str(&methods(args, log)?);
    if args.seeds > 0 && !args.epochs.is_empty() {
        out.push_str(&tradeoff(args, log)?);
    }
    out.push_str(&step_profile(&args.recipe)?);
    std::fs::create_dir_all(&args.out).map_err(|e| BenchError::Io(e.to_string()))?;
    write_atomic(&args.out.join("table.txt"), &out)?;
    Ok(out)
}

/// A fit's score and time as a table cell text.
fn cells(o: &FitOutcome, ir: &ModelIr) -> (Option<Score>, String) {
    let cpu = o.cpu_s.map_or_else(String::new, |c| format!(", {c:.1} s CPU"));
    match &o.result {
        Ok(f) => {
            let s = score(&coef_table(ir, f), &Truth::lorenz());
            let text = format!(
                "{} terms{}, max error {:.2}%, {:.2} s wall{cpu}",
                s.terms_kept,
                if s.exact_support { " (exact)" } else { "" },
                100.0 * s.max_rel_error,
                o.wall_s
            );
            (Some(s), text)
        }
        Err(e) => (None, format!("failed: {e}")),
    }
}

/// Part 1: the published recipe.
fn recipe(path: &Path, log: &mut dyn FnMut(&str)) -> Result<String, BenchError> {
    let l = load(path)?;
    log(&format!("recipe: fitting {}", path.display()));
    let o = timed_fit(&l.ir, &l.model, &l.data, None);
    let mut s = format!("== The S-MNN Lorenz recipe ({})\n", path.display());
    if let Ok(f) = &o.result {
        s.push_str("mechc:\n");
        for e in crate::report::equations::equations(&l.ir, &f.coefficients, &f.active, 6) {
            s.push_str(&format!("  {}\n", e.text));
        }
    }
    let (_, cell) = cells(&o, &l.ir);
    s.push_str(&format!("  {cell}\n{PUBLISHED}\n"));
    s.push_str(&format!("time ratio (published GPU / mechc CPU wall): {:.0}x\n\n", PUBLISHED_S / o.wall_s));
    Ok(s)
}

/// The settings of one method-table column.
#[derive(Clone, Copy)]
enum Variant {
    Collocation,
    Sindy,
    MnnWarm,
    MnnRandom { epochs: usize },
}

impl Variant {
    fn name(self) -> String {
        match self {
            Variant::Collocation => "collocation".into(),
            Variant::Sindy => "sindy".into(),
            Variant::MnnWarm => "mnn (init = collocation)".into(),
            Variant::MnnRandom { epochs } => format!("mnn (init = random, threshold 0.1, 4 rounds x {epochs} epochs)"),
        }
    }

    /// The example's settings with this method.
    fn apply(self, base: &hir::Model, seed: u64) -> hir::Model {
        let mut m = base.clone();
        let f = &mut m.fit;
        f.seed = seed;
        match self {
            Variant::Collocation => f.method = Method::Collocation,
            Variant::Sindy => f.method = Method::Sindy,
            Variant::MnnWarm => f.method = Method::Mnn,
            Variant::MnnRandom { epochs } => {
                f.method = Method::Mnn;
                f.init = Init::Random;
                f.threshold = Threshold::Level(0.1);
                f.rounds = 4;
                f.epochs = epochs;
            }
        }
        m
    }
}

/// The discovery benchmark's Lorenz data at `level` % noise (seed `seed`).
fn lorenz_data(level: f64, seed: u64) -> Result<Dataset, BenchError> {
    let clean = lorenz_clean(&LorenzSpec::default())?;
    let tr = if level > 0.0 { noisy_copy(&clean, level, seed)? } else { clean };
    Ok(Dataset { states: STATES.iter().map(|s| s.to_string()).collect(), inputs: vec![], trajectories: vec![tr] })
}

/// Part 2: the methods side by side.
fn methods(args: &MnnArgs, log: &mut dyn FnMut(&str)) -> Result<String, BenchError> {
    let base = super::discovery::prepare(&args.model)?;
    let mut s = format!(
        "== Methods on Lorenz ({}'s library; x0 = (-8, 8, 27), t in [0, 10], dt 0.002; noise seed 1)\n",
        args.model.display()
    );
    let variants = [Variant::Collocation, Variant::Sindy, Variant::MnnWarm, Variant::MnnRandom { epochs: 100 }];
    for &level in &args.levels {
        let data = lorenz_data(level, 1)?;
        for v in variants {
            let m = v.apply(&base.model, 1);
            let o = timed_fit(&base.ir, &m, &data, None);
            let (_, cell) = cells(&o, &base.ir);
            let line = format!("noise {level:>3}%  {:<62} {cell}", v.name());
            log(&line);
            s.push_str(&line);
            s.push('\n');
        }
    }
    s.push('\n');
    Ok(s)
}

/// Part 3: `init = random` over seeds (the noise draw and the training's draws share the seed).
fn tradeoff(args: &MnnArgs, log: &mut dyn FnMut(&str)) -> Result<String, BenchError> {
    let base = super::discovery::prepare(&args.model)?;
    let mut s = format!("== init = random, threshold 0.1 (normalised), 4 rounds: seeds 1..={} per cell\n", args.seeds);
    for &level in &args.levels {
        for &epochs in &args.epochs {
            let (mut exact, mut errs, mut walls, mut cpus) = (0, Vec::new(), Vec::new(), Vec::new());
            for seed in 1..=args.seeds {
                let data = lorenz_data(level, seed)?;
                let m = Variant::MnnRandom { epochs }.apply(&base.model, seed);
                let o = timed_fit(&base.ir, &m, &data, None);
                let (sc, cell) = cells(&o, &base.ir);
                log(&format!("noise {level}% epochs {epochs} seed {seed}: {cell}"));
                if let Some(sc) = sc {
                    exact += usize::from(sc.exact_support);
                    errs.push(sc.max_rel_error);
                }
                walls.push(o.wall_s);
                cpus.extend(o.cpu_s);
            }
            s.push_str(&format!(
                "noise {level:>3}%  {epochs:>4} epochs/round: exact support {exact}/{}, max error median {:.2}% worst {:.2}%, wall median {:.1} s worst {:.1} s, CPU median {:.1} s\n",
                args.seeds,
                100.0 * median(&errs),
                100.0 * errs.iter().copied().fold(0.0, f64::max),
                median(&walls),
                walls.iter().copied().fold(0.0, f64::max),
                median(&cpus),
            ));
        }
    }
    s.push('\n');
    Ok(s)
}

fn median(v: &[f64]) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Part 4: one training step's loss and gradient, fused op against candle's generic graph.
fn step_profile(path: &Path) -> Result<String, BenchError> {
    let l = load(path)?;
    let input = FitInput { ir: &l.ir, model: &l.model, data: &l.data, seed: 1, cancel: None, progress: None };
    let obj = Objective::new(&input).map_err(|e| BenchError::Model(e.to_string()))?;
    let x = obj.point();
    let batch = 32.min(obj.windows().0);
    let mut s = format!(
        "== One training step ({batch} windows of {} rows, loss and gradient; median of 50, the two builds interleaved)\n",
        obj.window()
    );
    let builds =
        [("fused window-loss op", Build::Fused), ("candle graph (kernel op, solver op, tensor ops)", Build::Graph)];
    let mut times = [Vec::new(), Vec::new()];
    for _ in 0..50 {
        for (i, &(_, build)) in builds.iter().enumerate() {
            let start = Instant::now();
            obj.loss_and_grad_batch(&x, batch, build).map_err(|e| BenchError::Model(e.to_string()))?;
            times[i].push(1e3 * start.elapsed().as_secs_f64());
        }
    }
    for ((name, _), t) in builds.iter().zip(&times) {
        s.push_str(&format!("  {name:<48} {:.2} ms\n", median(t)));
    }
    Ok(s)
}
