//! Long-form CSV field data: one row per time and grid point (`t, x, u, ...`, optionally a
//! trajectory column). Rows are grouped by trajectory (in order of first appearance), then by
//! time; every time must carry the same grid, equally spaced and inside the space, with every
//! field observed.

use super::{FieldData, FieldTraj};
use crate::check::hir::{PdeCsv, PdeSpace};
use std::collections::BTreeMap;

/// Why a CSV file cannot be field data.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FieldCsvError {
    #[error("cannot read `{path}`: {reason}")]
    Read { path: String, reason: String },
    #[error("`{path}` has no column `{column}` (its columns: {columns})")]
    Column { path: String, column: String, columns: String },
    #[error("`{path}` line {line}: `{cell}` in column `{column}` is not a number")]
    Number { path: String, line: usize, cell: String, column: String },
    #[error("{0}")]
    Grid(String),
}

/// Rows of one trajectory: time → (x, field values).
type Rows = BTreeMap<u64, (f64, Vec<(f64, Vec<f64>)>)>;

/// Reads `spec`'s file into trajectories on the model's fields.
pub fn load_csv(spec: &PdeCsv, space: &PdeSpace, fields: &[String]) -> Result<FieldData, FieldCsvError> {
    let path = spec.path.display().to_string();
    let read = |e: &dyn std::fmt::Display| FieldCsvError::Read { path: path.clone(), reason: e.to_string() };
    let mut rdr = crate::files::csv_reader(&spec.path).map_err(|e| read(&crate::files::os_reason(&e)))?;
    let header = crate::files::header(&mut rdr).map_err(|e| read(&e))?;
    let col = |name: &str| {
        header.iter().position(|h| h == name).ok_or_else(|| FieldCsvError::Column {
            path: path.clone(),
            column: name.to_string(),
            columns: crate::diag::excerpt::escape(&header.join(", "), 200),
        })
    };
    let (tc, xc) = (col(&spec.time)?, col(&spec.space)?);
    let fc: Vec<usize> = spec.columns.iter().map(|c| col(c)).collect::<Result<_, _>>()?;
    let trc = spec.trajectory.as_deref().map(col).transpose()?;
    let mut order: Vec<String> = Vec::new();
    let mut trajs: BTreeMap<String, Rows> = BTreeMap::new();
    for (i, rec) in rdr.records().enumerate() {
        let rec = rec.map_err(|e| read(&e))?;
        let line = i + 2;
        let num = |c: usize, name: &str| -> Result<f64, FieldCsvError> {
            let cell = rec.get(c).unwrap_or("");
            cell.parse::<f64>().ok().filter(|v| v.is_finite()).ok_or_else(|| FieldCsvError::Number {
                path: path.clone(),
                line,
                cell: crate::diag::excerpt::escape(cell, 30),
                column: name.to_string(),
            })
        };
        let t = num(tc, &spec.time)?;
        let x = num(xc, &spec.space)?;
        let vals: Vec<f64> = fc.iter().zip(&spec.columns).map(|(&c, n)| num(c, n)).collect::<Result<_, _>>()?;
        let label = trc.map_or_else(String::new, |c| rec.get(c).unwrap_or("").to_string());
        if !trajs.contains_key(&label) {
            order.push(label.clone());
        }
        let rows = trajs.entry(label).or_default();
        rows.entry(key(t)).or_insert_with(|| (t, Vec::new())).1.push((x, vals));
    }
    let mut out = Vec::new();
    for label in order {
        let rows = trajs.remove(&label).unwrap_or_default();
        let name = if label.is_empty() { spec.name.clone() } else { format!("{}:{label}", spec.name) };
        out.push(trajectory(name, rows, space, fields.len())?);
    }
    if out.is_empty() {
        return Err(FieldCsvError::Grid(format!("`{path}` has no data rows")));
    }
    Ok(FieldData { fields: fields.to_vec(), trajectories: out })
}

/// An order-preserving key of a finite float.
fn key(t: f64) -> u64 {
    let b = t.to_bits();
    if t >= 0.0 {
        b | (1 << 63)
    } else {
        !b
    }
}

/// One trajectory with its grid checked.
fn trajectory(label: String, rows: Rows, space: &PdeSpace, nf: usize) -> Result<FieldTraj, FieldCsvError> {
    let grid_err = |m: String| FieldCsvError::Grid(format!("trajectory `{label}`: {m}"));
    if rows.len() < 5 {
        return Err(grid_err(format!("{} time points; field data need at least 5", rows.len())));
    }
    let mut grid: Option<Vec<f64>> = None;
    let (mut t, mut u) = (Vec::new(), vec![Vec::new(); nf]);
    for (_, (time, mut pts)) in rows {
        pts.sort_by(|a, b| a.0.total_cmp(&b.0));
        let xs: Vec<f64> = pts.iter().map(|p| p.0).collect();
        match &grid {
            None => {
                check_grid(&xs, space).map_err(|m| grid_err(format!("at t = {time}: {m}")))?;
                grid = Some(xs);
            }
            Some(g)
                if g.len() != xs.len()
                    || g.iter().zip(&xs).any(|(a, b)| (a - b).abs() > 1e-9 * (space.hi - space.lo)) =>
            {
                return Err(grid_err(format!(
                    "at t = {time} the grid differs from the first time's ({} points there, {} here)",
                    g.len(),
                    xs.len()
                )));
            }
            Some(_) => {}
        }
        t.push(time);
        for (f, col) in u.iter_mut().enumerate() {
            col.extend(pts.iter().map(|p| p.1[f]));
        }
    }
    Ok(FieldTraj { label, t, x: grid.unwrap_or_default(), u, truth: None })
}

/// Equally spaced, distinct, inside the space, at least 8 points.
fn check_grid(xs: &[f64], space: &PdeSpace) -> Result<(), String> {
    if xs.len() < 8 {
        return Err(format!("{} grid points; field data need at least 8", xs.len()));
    }
    let h = (xs[xs.len() - 1] - xs[0]) / (xs.len() - 1) as f64;
    let tol = 1e-6 * h.abs().max(f64::MIN_POSITIVE);
    if let Some(i) = (1..xs.len()).find(|&i| ((xs[i] - xs[i - 1]) - h).abs() > tol || xs[i] <= xs[i - 1]) {
        return Err(format!("the grid is not equally spaced (or repeats a point) at {} = {}", space.name, xs[i]));
    }
    let slack = 1e-9 * (space.hi - space.lo);
    if xs[0] < space.lo - slack || xs[xs.len() - 1] > space.hi + slack {
        return Err(format!("grid points outside the space {} .. {}", space.lo, space.hi));
    }
    if space.periodic && (xs[xs.len() - 1] + h - (space.hi - space.lo) - xs[0]).abs() > 1e-6 * h + slack {
        return Err(format!(
            "a periodic grid covers the whole period without repeating its end: {} points spaced {h} do not cover {} .. {}",
            xs.len(),
            space.lo,
            space.hi
        ));
    }
    Ok(())
}
