//! Aggregates of the broad suite: [`BroadRecord`]s → [`Cell`]s (one tool over a group of fits)
//! per (degree, density, noise level), per noise level, per density, per degree and per system,
//! and the printed side-by-side tables ([`table`]).
//!
//! Definitions (also printed in the table's header):
//! - *exact*: the share of attempted fits that kept exactly the true terms; a failed or
//!   timed-out fit counts as attempted and not exact.
//! - *err*: the median, over the fits that returned coefficients, of the worst relative
//!   coefficient error over the true terms (`|c − c_true| / |c_true|`, a missed true term counts
//!   as 100%, extra terms do not enter it; they are what *exact* measures).
//! - *wall*, *cpu*: medians over the fits that returned coefficients.

use std::fmt::Write;

use serde::Serialize;

use super::broad_record::{BroadRecord, BroadReport};
use super::discovery::MECHC;
use super::pysindy_broad::VARIANTS;
use super::summary::median;

/// One tool over a group of fits.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Cell {
    /// Tool name.
    pub tool: String,
    /// Fits attempted.
    pub fits: usize,
    /// Fits that returned no coefficients (errors, time-outs).
    pub failed: usize,
    /// Fits with exactly the true support.
    pub exact: usize,
    /// Median worst relative error over the fits with coefficients.
    pub median_error: Option<f64>,
    /// Median worst relative error over the fits with exact support.
    pub median_error_exact: Option<f64>,
    /// Median wall time per fit, seconds.
    pub median_wall_s: Option<f64>,
    /// Median CPU time per fit, seconds.
    pub median_cpu_s: Option<f64>,
}

impl Cell {
    /// Aggregates `records` (all of one tool).
    pub fn of(tool: &str, records: &[&BroadRecord]) -> Cell {
        let scored: Vec<&&BroadRecord> = records.iter().filter(|r| r.score.is_some()).collect();
        let err = |exact_only: bool| {
            let v: Vec<f64> = scored
                .iter()
                .filter_map(|r| r.score.as_ref())
                .filter(|s| !exact_only || s.exact_support)
                .map(|s| s.max_rel_error)
                .collect();
            median(&v)
        };
        Cell {
            tool: tool.into(),
            fits: records.len(),
            failed: records.len() - scored.len(),
            exact: scored.iter().filter(|r| r.score.as_ref().is_some_and(|s| s.exact_support)).count(),
            median_error: err(false),
            median_error_exact: err(true),
            median_wall_s: median(&scored.iter().filter_map(|r| r.wall_s).collect::<Vec<_>>()),
            median_cpu_s: median(&scored.iter().filter_map(|r| r.cpu_s).collect::<Vec<_>>()),
        }
    }

    /// Exact fits as a percentage of attempted ones.
    pub fn exact_pct(&self) -> f64 {
        if self.fits == 0 {
            0.0
        } else {
            100.0 * self.exact as f64 / self.fits as f64
        }
    }
}

/// A labelled row of cells, one per tool.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Row {
    /// What the row groups (e.g. `noise 5%`, `100 spp`, `degree 2`, a system name).
    pub label: String,
    /// One cell per tool, in [`tools`] order.
    pub cells: Vec<Cell>,
}

/// Every summary the table prints.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BroadSummary {
    /// Tools in column order.
    pub tools: Vec<String>,
    /// One block per (degree, density): a row per noise level.
    pub blocks: Vec<(String, Vec<Row>)>,
    /// Over all densities and degrees, a row per noise level.
    pub by_level: Vec<Row>,
    /// Over all noise levels and degrees, a row per density.
    pub by_spp: Vec<Row>,
    /// Over all noise levels and densities, a row per degree.
    pub by_degree: Vec<Row>,
    /// A row per system, over everything else.
    pub by_system: Vec<Row>,
}

/// The tools present in `records`: mechc first, then the PySINDy variants, then any other.
pub fn tools(records: &[BroadRecord]) -> Vec<String> {
    let mut known: Vec<String> = [MECHC]
        .iter()
        .chain(VARIANTS.iter())
        .filter(|t| records.iter().any(|r| r.tool == **t))
        .map(|t| t.to_string())
        .collect();
    for r in records {
        if !known.contains(&r.tool) {
            known.push(r.tool.clone());
        }
    }
    known
}

fn row(label: String, tools: &[String], records: &[BroadRecord], keep: impl Fn(&BroadRecord) -> bool) -> Row {
    let cells = tools
        .iter()
        .map(|t| Cell::of(t, &records.iter().filter(|r| &r.tool == t && keep(r)).collect::<Vec<_>>()))
        .collect();
    Row { label, cells }
}

/// All aggregates of a report.
pub fn summarise(report: &BroadReport) -> BroadSummary {
    let recs = &report.records;
    let tools = tools(recs);
    let level_rows = |keep: &dyn Fn(&BroadRecord) -> bool| -> Vec<Row> {
        report.levels.iter().map(|&l| row(format!("{l}%"), &tools, recs, |r| r.level == l && keep(r))).collect()
    };
    let mut blocks = Vec::new();
    for &d in &report.degrees {
        for &spp in &report.spp {
            let rows = level_rows(&|r: &BroadRecord| r.degree == d && r.spp == spp);
            let systems = report.systems.iter().filter(|s| s.degree <= d).count();
            let name = format!(
                "degree {d}, {spp} samples per period ({} rows), {systems} systems x {} seed(s)",
                spp * report.periods,
                report.seeds.len()
            );
            blocks.push((name, rows));
        }
    }
    BroadSummary {
        by_level: level_rows(&|_| true),
        by_spp: report.spp.iter().map(|&s| row(format!("{s} spp"), &tools, recs, |r| r.spp == s)).collect(),
        by_degree: report
            .degrees
            .iter()
            .map(|&d| row(format!("degree {d}"), &tools, recs, |r| r.degree == d))
            .collect(),
        by_system: report.systems.iter().map(|s| row(s.name.clone(), &tools, recs, |r| r.system == s.name)).collect(),
        blocks,
        tools,
    }
}

fn pct(v: Option<f64>) -> String {
    match v {
        // Clean-data errors can be far below 0.001%: keep two significant digits there.
        Some(e) if e > 0.0 && e < 1e-5 => format!("{:.1e}%", 100.0 * e),
        Some(e) if e.is_finite() => format!("{:.3}%", 100.0 * e),
        Some(_) => "inf".into(),
        None => "-".into(),
    }
}

fn secs(v: Option<f64>) -> String {
    v.map(|s| if s < 1.0 { format!("{:.1} ms", s * 1e3) } else { format!("{s:.2} s") }).unwrap_or_else(|| "-".into())
}

const CELL_WIDTH: usize = 42;

fn cell_text(c: &Cell) -> String {
    let fails = if c.failed > 0 { format!(" {}F", c.failed) } else { String::new() };
    format!(
        "{:>5.1}% {:>7}{:<4} {:>8} {:>9}",
        c.exact_pct(),
        format!("{}/{}", c.exact, c.fits),
        fails,
        pct(c.median_error),
        secs(c.median_wall_s)
    )
}

fn header(out: &mut String, first: &str, tools: &[String]) {
    let mut names = format!("  {first:<16}");
    let mut columns = format!("  {:<16}", "");
    for t in tools {
        let _ = write!(names, " | {t:<w$}", w = CELL_WIDTH - 3);
        let cols = format!("{:>6} {:>7}{:<4} {:>8} {:>9}", "exact", "n", "", "err", "wall");
        let _ = write!(columns, " | {cols:<w$}", w = CELL_WIDTH - 3);
    }
    let _ = writeln!(out, "{}\n{}", names.trim_end(), columns.trim_end());
}

fn rows(out: &mut String, rows: &[Row]) {
    for r in rows {
        let mut line = format!("  {:<16}", r.label);
        for c in &r.cells {
            let _ = write!(line, " | {:<w$}", cell_text(c), w = CELL_WIDTH - 3);
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
}

/// The printed tables: the definitions, one block per (degree, density), then the marginals.
pub fn table(report: &BroadReport) -> String {
    let s = summarise(report);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Broad discovery benchmark: {} systems, {} periods per file.",
        report.systems.len(),
        report.periods
    );
    let _ = writeln!(
        out,
        "exact = fits that kept exactly the true terms (nF: n fits failed or timed out, counted as not exact);"
    );
    let _ =
        writeln!(out, "err = median worst relative coefficient error over the true terms (a missed term counts 100%);");
    let _ = writeln!(out, "wall = median wall time per fit.");
    if let Some(v) = &report.pysindy_version {
        let g = &report.pysindy_thresholds;
        let _ = writeln!(
            out,
            "PySINDy {v} with an ORACLE threshold: each case reports the best of {} STLSQ thresholds ({:e} to {:e}, \
             log grid), chosen against the truth;\nwall = one fit at that threshold. pysindy-fd = finite differences + \
             STLSQ; pysindy-weak = WeakPDELibrary + STLSQ; pysindy-ensemble = E-SINDy (bagged STLSQ, median).",
            g.len(),
            g.first().copied().unwrap_or(f64::NAN),
            g.last().copied().unwrap_or(f64::NAN)
        );
    }
    if let Some(t) = report.time_limit {
        let _ = writeln!(out, "mechc fits are stopped after {t} s (recorded as failed: timed out)");
    }
    for sk in &report.skipped {
        let _ = writeln!(out, "skipped: {} with degree {} ({})", sk.system, sk.degree, sk.reason);
    }
    for (name, block) in &s.blocks {
        let _ = writeln!(out, "\n{name}");
        header(&mut out, "noise", &s.tools);
        rows(&mut out, block);
    }
    for (title, first, group) in [
        ("all densities and degrees, by noise level", "noise", &s.by_level),
        ("all noise levels and degrees, by density", "density", &s.by_spp),
        ("all noise levels and densities, by degree", "library", &s.by_degree),
        ("by system, over everything else", "system", &s.by_system),
    ] {
        let _ = writeln!(out, "\n{title}");
        header(&mut out, first, &s.tools);
        rows(&mut out, group);
    }
    out
}
