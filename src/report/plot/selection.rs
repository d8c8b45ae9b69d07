//! The model-selection panel: the criterion of every level of the selection path against the
//! number of terms it keeps, on a log scale of the gap to the chosen level (`criterion −
//! chosen + 1`, so the chosen level sits at 1 and levels far worse stay on the axis), with the
//! chosen level marked. It replaces a loss-against-iteration curve, on which the refits of the
//! path read as a late jump.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::chart::{chart_builder, draw_runs, err, finish_panel, series_summary, tick};
use super::layout::{self, CHOSEN_COLOUR, FONT, LOSS_COLOUR};
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
    let x_span = xr.end - xr.start;
    let mut chart = chart_builder(area, &title).build_cartesian_2d(xr.clone(), yr.clone().log_scale()).map_err(err)?;
    let (x_label, y_label) = ("terms kept".to_string(), "criterion − chosen + 1 (log)".to_string());
    chart
        .configure_mesh()
        .x_desc(x_label.as_str())
        .y_desc(y_label.as_str())
        .x_label_formatter(&|v| tick(*v, x_span))
        .y_label_formatter(&|v| format!("{v:.0e}"))
        .label_style((FONT, layout::LABEL_SIZE))
        .axis_desc_style((FONT, layout::LABEL_SIZE))
        .light_line_style(BLACK.mix(0.04))
        .bold_line_style(BLACK.mix(0.12))
        .draw()
        .map_err(err)?;
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
