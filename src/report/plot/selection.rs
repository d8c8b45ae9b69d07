//! The model-selection panel: the criterion of every level of the selection path against the
//! number of terms it keeps, on a log scale of the gap to the chosen level (`criterion −
//! chosen + 1`, so the chosen level sits at 1 and levels far worse stay on the axis), with the
//! chosen level marked. It replaces a loss-against-iteration curve, on which the refits of the
//! path read as a late jump.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::chart::{draw_runs, finish_panel, log_y_chart, series_summary};
use super::layout::{CHOSEN_COLOUR, LOSS_COLOUR};
use super::panels::XySeries;
use super::series::{axis_range, clamp, log_range};
use super::{PanelKind, PanelSummary, PlotData, PlotError, SeriesRole, SeriesShape};

/// Draws the panel from `data.path` (two levels or more).
pub(super) fn panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    data: &PlotData,
) -> Result<PanelSummary, PlotError> {
    let mut levels: Vec<_> = data.path.iter().filter(|p| p.criterion.is_finite()).copied().collect();
    levels.sort_by_key(|p| p.terms);
    let best = levels
        .iter()
        .find(|p| p.chosen)
        .map_or_else(|| levels.iter().map(|p| p.criterion).fold(f64::INFINITY, f64::min), |p| p.criterion);
    let gap = |c: f64| (c - best).max(0.0) + 1.0;
    let xs: Vec<f64> = levels.iter().map(|p| p.terms as f64).collect();
    let ys: Vec<f64> = levels.iter().map(|p| gap(p.criterion)).collect();
    let xr = axis_range(&xs, &[]);
    let yr = log_range(&ys);
    let chosen = levels.iter().find(|p| p.chosen).map(|p| p.terms);
    let title = match chosen {
        Some(k) => format!("model selection: {k} terms chosen"),
        None => "model selection".to_string(),
    };
    let (x_label, y_label) = ("terms kept".to_string(), "criterion − chosen + 1 (log)".to_string());
    let mut chart = log_y_chart(area, &title, xr.clone(), yr.clone(), (&x_label, &y_label))?;
    let point = |x: f64, y: f64| (clamp(x, &xr), clamp(y, &yr));
    let path = XySeries {
        label: "selection path".into(),
        role: SeriesRole::Path,
        shape: SeriesShape::Line,
        colour: LOSS_COLOUR,
        runs: vec![xs.iter().zip(&ys).map(|(&x, &y)| point(x, y)).collect()],
        in_legend: false,
    };
    let marked = XySeries {
        label: "chosen level".into(),
        role: SeriesRole::Chosen,
        shape: SeriesShape::Points,
        colour: CHOSEN_COLOUR,
        runs: vec![levels.iter().filter(|p| p.chosen).map(|p| point(p.terms as f64, gap(p.criterion))).collect()],
        in_legend: false,
    };
    let mut summaries = Vec::new();
    for s in [path, marked].iter().filter(|s| s.runs.iter().any(|r| !r.is_empty())) {
        draw_runs(&mut chart, s, &s.runs)?;
        summaries.push(series_summary(s, &s.runs));
    }
    finish_panel(chart, PanelKind::Selection, title, x_label, y_label, summaries)
}
