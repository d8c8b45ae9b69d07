//! The discovery benchmark behind `benches/discovery.rs`: the acceptance problem of equation
//! discovery — Lorenz (σ = 10, ρ = 28, β = 8/3) from x0 = (−8, 8, 27) on t ∈ [0, 10] with
//! step 0.002, library `poly(x, y, z, degree = 2)`, default `fit` settings — at several noise
//! levels (percent of each state's standard deviation), over many noise seeds. Reports per
//! level how many seeds found exactly the 7 true terms, the median and worst maximum relative
//! coefficient error, and the median wall time per fit.
//!
//! Input: command-line arguments (`--seeds N`, `--levels 0,5,10`). Output: a plain-text table
//! on stdout (one line per seed, then one summary line per level).

use std::time::Instant;

use crate::data::{add_noise, seeded, simulate, Dataset, SimOptions, Trajectory};
use crate::fit::{fit, FitInput};
use crate::source::SourceMap;

const MODEL: &str = "model lorenz
state x, y, z
basis lib = poly(x, y, z, degree = 2)
x' = sparse(lib)
y' = sparse(lib)
z' = sparse(lib)
";

/// The true terms: (equation, term name, coefficient).
const TRUTH: [(usize, &str, f64); 7] = [
    (0, "x", -10.0),
    (0, "y", 10.0),
    (1, "x", 28.0),
    (1, "y", -1.0),
    (1, "x*z", -1.0),
    (2, "z", -8.0 / 3.0),
    (2, "x*y", 1.0),
];

/// Entry point: returns the process exit code.
pub fn run(args: &[String]) -> i32 {
    let arg = |k: &str| args.iter().position(|a| a == k).and_then(|i| args.get(i + 1));
    let seeds: u64 = arg("--seeds").and_then(|s| s.parse().ok()).unwrap_or(20);
    let levels: Vec<f64> = arg("--levels")
        .map(|s| s.split(',').filter_map(|x| x.parse().ok()).collect())
        .unwrap_or_else(|| vec![0.0, 5.0, 10.0]);
    match table(seeds, &levels) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("discovery bench: {e}");
            1
        }
    }
}

/// One fit's outcome: exact support, max relative error, seconds.
fn one(clean: &Trajectory, noise: f64, seed: u64) -> Result<(bool, f64, f64), String> {
    let mut sources = SourceMap::new();
    let id = sources.add("lorenz.mech", MODEL.to_string());
    let (m, diags) = crate::check::check(&mut sources, id);
    let m = m.ok_or_else(|| format!("model does not check: {diags:?}"))?;
    let ir = crate::ir::lower(&m).map_err(|e| e.to_string())?;
    let mut tr = clean.clone();
    if noise > 0.0 {
        add_noise(&mut tr, 3, noise, &mut seeded(seed)).map_err(|e| e.to_string())?;
    }
    let data = Dataset { states: vec!["x".into(), "y".into(), "z".into()], inputs: vec![], trajectories: vec![tr] };
    let t0 = Instant::now();
    let f = fit(&FitInput { ir: &ir, model: &m, data: &data, seed, cancel: None, progress: None })
        .map_err(|e| e.to_string())?;
    let secs = t0.elapsed().as_secs_f64();
    let mut exact = f.active.iter().filter(|&&a| a).count() == TRUTH.len();
    let mut err = 0.0f64;
    for (eq, term, c) in TRUTH {
        let v = ir
            .coefs
            .iter()
            .position(|s| s.equation == eq && ir.terms[s.term].name == term)
            .map_or(0.0, |i| f.coefficients[i]);
        exact &= v != 0.0;
        err = err.max(((v - c) / c).abs());
    }
    Ok((exact, err, secs))
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    if v.is_empty() {
        return f64::NAN;
    }
    let m = v.len() / 2;
    if v.len() % 2 == 1 { v[m] } else { 0.5 * (v[m - 1] + v[m]) }
}

fn table(seeds: u64, levels: &[f64]) -> Result<(), String> {
    let times: Vec<f64> = (0..=5000).map(|i| i as f64 * 0.002).collect();
    let mut rhs = |_t: f64, x: &[f64], d: &mut [f64]| {
        d[0] = 10.0 * (x[1] - x[0]);
        d[1] = x[0] * (28.0 - x[2]) - x[1];
        d[2] = x[0] * x[1] - 8.0 / 3.0 * x[2];
    };
    let sol = simulate(&mut rhs, &[-8.0, 8.0, 27.0], &times, &SimOptions::default()).map_err(|e| e.to_string())?;
    let clean = Trajectory::from_rows("lorenz", times, 3, sol.values);
    println!("noise%  seed  exact  max_rel_err  seconds");
    let mut summary = Vec::new();
    for &noise in levels {
        let n_seeds = if noise == 0.0 { 1 } else { seeds };
        let (mut errs, mut secs, mut ok) = (Vec::new(), Vec::new(), 0);
        for seed in 0..n_seeds {
            let (exact, err, s) = one(&clean, noise, seed)?;
            println!("{noise:6.1}  {seed:4}  {exact:5}  {err:11.3e}  {s:7.3}");
            ok += exact as usize;
            errs.push(err);
            secs.push(s);
        }
        let worst = errs.iter().copied().fold(0.0, f64::max);
        summary.push(format!(
            "{noise:5.1}%: exact support {ok}/{n_seeds}, median max relative error {:.3e} (worst {worst:.3e}), median time {:.3} s",
            median(&mut errs),
            median(&mut secs)
        ));
    }
    for s in summary {
        println!("{s}");
    }
    Ok(())
}
