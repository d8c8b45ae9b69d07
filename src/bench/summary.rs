//! Aggregates of the discovery benchmark: [`FitRecord`]s → one [`Summary`] per (noise level,
//! tool), the acceptance [`Target`]s, and the printed side-by-side table ([`table`]).
//!
//! Median and worst relative errors are over the fits that succeeded (a failed fit has no error
//! to rank); the failure count is shown beside them so a failing tool cannot look good.

use std::fmt::Write;

use serde::Serialize;

use super::discovery::{DiscoveryReport, FitRecord};

/// One tool at one noise level.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Summary {
    /// Noise level, percent.
    pub level: f64,
    /// Tool name.
    pub tool: String,
    /// Fits attempted.
    pub fits: usize,
    /// Fits that failed (no coefficients).
    pub failed: usize,
    /// Fits with exactly the true support.
    pub exact: usize,
    /// Median max-relative coefficient error over successful fits.
    pub median_error: Option<f64>,
    /// Worst max-relative coefficient error over successful fits.
    pub worst_error: Option<f64>,
    /// Median wall time per fit, seconds, over successful fits.
    pub median_wall_s: Option<f64>,
}

/// The median of `v` (mean of the middle two for an even count); `None` when empty.
pub fn median(v: &[f64]) -> Option<f64> {
    let mut s: Vec<f64> = v.to_vec();
    s.sort_by(f64::total_cmp);
    let n = s.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(s[n / 2]),
        _ => Some(0.5 * (s[n / 2 - 1] + s[n / 2])),
    }
}

/// Summaries in level order, then tool order of first appearance.
pub fn summarise(records: &[FitRecord]) -> Vec<Summary> {
    let mut keys: Vec<(f64, String)> = Vec::new();
    for r in records {
        if !keys.iter().any(|(l, t)| *l == r.level && *t == r.tool) {
            keys.push((r.level, r.tool.clone()));
        }
    }
    keys.sort_by(|a, b| a.0.total_cmp(&b.0));
    keys.into_iter()
        .map(|(level, tool)| {
            let mine: Vec<&FitRecord> = records.iter().filter(|r| r.level == level && r.tool == tool).collect();
            let errors: Vec<f64> = mine.iter().filter_map(|r| r.score.as_ref()).map(|s| s.max_rel_error).collect();
            // A failed fit's time (often an immediate refusal) says nothing about fitting speed.
            let walls: Vec<f64> = mine.iter().filter(|r| r.score.is_some()).filter_map(|r| r.wall_s).collect();
            Summary {
                level,
                fits: mine.len(),
                failed: mine.iter().filter(|r| r.score.is_none()).count(),
                exact: mine.iter().filter(|r| r.score.as_ref().is_some_and(|s| s.exact_support)).count(),
                median_error: median(&errors),
                worst_error: errors.iter().copied().reduce(f64::max),
                median_wall_s: median(&walls),
                tool,
            }
        })
        .collect()
}

/// The acceptance target at one noise level (for 20 seeds).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Target {
    /// Noise level, percent.
    pub level: f64,
    /// Exact-support fits required out of 20.
    pub exact_of_20: usize,
    /// Bound on the median max-relative error (`None`: no bound on the median).
    pub median_error: Option<f64>,
    /// Bound on the worst max-relative error (`None`: no bound on the worst).
    pub worst_error: Option<f64>,
}

/// Median wall time per fit the issue requires, seconds.
pub const TARGET_WALL_S: f64 = 10.0;

/// The acceptance target for `level`, when the issue states one.
pub fn target(level: f64) -> Option<Target> {
    let t = |exact_of_20, median_error, worst_error| Some(Target { level, exact_of_20, median_error, worst_error });
    match level {
        0.0 => t(20, None, Some(0.005)),
        5.0 => t(19, Some(0.02), None),
        10.0 => t(15, Some(0.10), None),
        _ => None,
    }
}

/// Whether a summary meets its level's target (and the wall-time target); `None` without one.
pub fn meets(s: &Summary, seeds: usize) -> Option<bool> {
    let t = target(s.level)?;
    // Scale the required count to the seeds run, rounding up so fewer seeds never lower the bar.
    let need = (t.exact_of_20 * seeds).div_ceil(20);
    let within = |bound: Option<f64>, got: Option<f64>| bound.is_none_or(|b| got.is_some_and(|g| g <= b));
    Some(
        s.failed == 0
            && s.exact >= need
            && within(t.median_error, s.median_error)
            && within(t.worst_error, s.worst_error)
            && s.median_wall_s.is_some_and(|w| w <= TARGET_WALL_S),
    )
}

fn pct(v: Option<f64>) -> String {
    match v {
        Some(e) if e.is_finite() => format!("{:.3}%", 100.0 * e),
        Some(_) => "inf".into(),
        None => "-".into(),
    }
}

fn secs(v: Option<f64>) -> String {
    v.map(|s| if s < 1.0 { format!("{:.1} ms", s * 1e3) } else { format!("{s:.2} s") }).unwrap_or_else(|| "-".into())
}

/// The side-by-side table, one block per noise level, with the target line and verdicts.
pub fn table(report: &DiscoveryReport) -> String {
    let seeds = report.seeds.len();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Lorenz discovery benchmark: {seeds} seed(s) per level; max relative coefficient error over the 7 true terms"
    );
    if let Some(v) = &report.pysindy_version {
        let _ = writeln!(out, "PySINDy {v}: pysindy-weak = WeakPDELibrary(poly degree 2) + STLSQ(); pysindy-weak-a0 = the same with STLSQ(alpha=1e-9) (no ridge); pysindy-fd = SINDy() defaults (finite differences + STLSQ())");
    }
    let summaries = summarise(&report.records);
    for &level in &report.levels {
        let _ = writeln!(out, "\nnoise {level}%");
        let _ = writeln!(
            out,
            "  {:<15} {:>9} {:>7} {:>11} {:>11} {:>12}  target",
            "tool", "exact", "failed", "median err", "worst err", "median wall"
        );
        for s in summaries.iter().filter(|s| s.level == level) {
            let verdict = match meets(s, seeds) {
                Some(true) => "met",
                Some(false) => "not met",
                None => "",
            };
            let _ = writeln!(
                out,
                "  {:<15} {:>9} {:>7} {:>11} {:>11} {:>12}  {verdict}",
                s.tool,
                format!("{}/{}", s.exact, s.fits),
                s.failed,
                pct(s.median_error),
                pct(s.worst_error),
                secs(s.median_wall_s)
            );
        }
        if let Some(t) = target(level) {
            let need = (t.exact_of_20 * seeds).div_ceil(20);
            let _ = writeln!(
                out,
                "  {:<15} {:>9} {:>7} {:>11} {:>11} {:>12}",
                "target",
                format!(">={need}/{seeds}"),
                "0",
                t.median_error.map(|e| format!("<={}", pct(Some(e)))).unwrap_or_else(|| "-".into()),
                t.worst_error.map(|e| format!("<={}", pct(Some(e)))).unwrap_or_else(|| "-".into()),
                format!("<={TARGET_WALL_S} s")
            );
        }
    }
    out
}
