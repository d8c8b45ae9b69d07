//! Drawing with plotters onto any backend: the figure's header ([`super::header`]) and panel
//! grid, x–y panels from an [`XySpec`], the model-selection path and the loss panel on log
//! scales. Returns a [`PanelSummary`] per panel drawn.

use std::ops::Range;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::chart::{chart_builder, draw_mesh, draw_runs, err, finish_panel, log_y_chart, series_summary, tick};
use super::layout::{self, Diagnostic, Figure};
use super::panels::{input_panel, phase_panel, state_panel, XySeries, XySpec};
use super::series::{axis_range, clamp, log_range, runs};
use super::{PanelKind, PanelSummary, PlotData, PlotError, SeriesRole, SeriesShape};

/// Draws the whole figure: the header, state and input panels, then phase portraits and the
/// selection path (or the loss) in the bottom row.
pub(super) fn figure<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    data: &PlotData,
    fig: &Figure,
) -> Result<Vec<PanelSummary>, PlotError> {
    root.fill(&WHITE).map_err(err)?;
    let (header, body) = root.split_vertically(fig.header);
    super::header::draw(&header, data, fig)?;
    let (top, bottom) = body.split_vertically(fig.states_height());
    let cells = top.split_evenly((fig.rows, fig.columns));
    let n = data.n_states();
    let specs = (0..n).map(|d| state_panel(data, d)).chain((0..data.input_names.len()).map(|j| input_panel(data, j)));
    let mut panels = Vec::new();
    for (cell, spec) in cells.iter().zip(specs) {
        panels.push(xy_panel(cell, spec)?);
    }
    if fig.bottom_panels() > 0 {
        let cells = bottom.split_evenly((1, fig.bottom_panels()));
        for (cell, &(a, b)) in cells.iter().zip(&fig.phases) {
            panels.push(xy_panel(cell, phase_panel(data, a, b))?);
        }
        let last = &cells[fig.phases.len().min(cells.len() - 1)];
        match fig.diagnostic {
            Diagnostic::Selection => panels.push(super::selection::panel(last, data)?),
            Diagnostic::Loss => panels.push(loss_panel(last, data)?),
            Diagnostic::None => {}
        }
    }
    Ok(panels)
}

/// Draws an x–y panel: axes with labels, each series clamped onto the axis ranges, a legend.
fn xy_panel<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, spec: XySpec) -> Result<PanelSummary, PlotError> {
    let (xr, yr) = xy_ranges(&spec.series);
    let (x_span, y_span) = (xr.end - xr.start, yr.end - yr.start);
    let mut chart = chart_builder(area, &spec.title).build_cartesian_2d(xr.clone(), yr.clone()).map_err(err)?;
    let labels = (spec.x_label.as_str(), spec.y_label.as_str());
    draw_mesh(&mut chart, labels, &|v| tick(*v, x_span), &|v| tick(*v, y_span))?;
    let mut summaries = Vec::new();
    for s in &spec.series {
        let runs: Vec<Vec<(f64, f64)>> =
            s.runs.iter().map(|r| r.iter().map(|&(x, y)| (clamp(x, &xr), clamp(y, &yr))).collect()).collect();
        draw_runs(&mut chart, s, &runs)?;
        summaries.push(series_summary(s, &runs));
    }
    finish_panel(chart, spec.kind, spec.title, spec.x_label, spec.y_label, summaries)
}

/// Axis ranges from the data series, widened (within limits) by the model's.
fn xy_ranges(series: &[XySeries]) -> (Range<f64>, Range<f64>) {
    let coords = |data: bool, y: bool| -> Vec<f64> {
        series
            .iter()
            .filter(|s| (s.role == SeriesRole::Data) == data)
            .flat_map(|s| s.runs.iter().flatten().map(move |&(a, b)| if y { b } else { a }))
            .collect()
    };
    (axis_range(&coords(true, false), &coords(false, false)), axis_range(&coords(true, true), &coords(false, true)))
}

/// The loss on a log scale, with a vertical marker at the start of each threshold round.
fn loss_panel<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, data: &PlotData) -> Result<PanelSummary, PlotError> {
    let loss = &data.loss;
    let title = "training loss (vertical lines: threshold rounds)".to_string();
    let xs: Vec<f64> = (1..=loss.values.len()).map(|i| i as f64).collect();
    let xr = axis_range(&xs, &[]);
    let yr = log_range(&loss.values);
    let (x_label, y_label) = (loss.unit.axis_label().to_string(), "loss (log scale)".to_string());
    let mut chart = log_y_chart(area, &title, xr.clone(), yr.clone(), (&x_label, &y_label))?;
    let positive = |(i, &v): (usize, &f64)| (v.is_finite() && v > 0.0).then(|| ((i + 1) as f64, clamp(v, &yr)));
    let curve = XySeries {
        label: "loss".into(),
        role: SeriesRole::Loss,
        shape: SeriesShape::Line,
        colour: layout::LOSS_COLOUR,
        runs: runs(loss.values.iter().enumerate().map(positive)),
        in_legend: false,
    };
    let markers = XySeries {
        label: "threshold round".into(),
        role: SeriesRole::RoundMarker,
        shape: SeriesShape::Line,
        colour: layout::ROUND_COLOUR,
        runs: loss.round_starts.iter().map(|&s| vec![((s + 1) as f64, yr.start), ((s + 1) as f64, yr.end)]).collect(),
        in_legend: false,
    };
    let mut summaries = Vec::new();
    for s in [markers, curve].iter().filter(|s| !s.runs.is_empty()) {
        draw_runs(&mut chart, s, &s.runs)?;
        summaries.push(series_summary(s, &s.runs));
    }
    finish_panel(chart, PanelKind::Loss, title, x_label, y_label, summaries)
}
