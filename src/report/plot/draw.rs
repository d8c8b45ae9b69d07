//! Drawing with plotters onto any backend: the figure's title and panel grid, x–y panels from an
//! [`XySpec`], and the loss panel on a log scale. Returns a [`PanelSummary`] per panel drawn.

use std::ops::Range;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::layout::{self, Figure, FONT};
use super::panels::{phase_panel, state_panel, XySeries, XySpec};
use super::series::{axis_range, clamp, log_range, runs};
use super::{PanelKind, PanelSummary, PixelRect, PlotData, PlotError, SeriesRole, SeriesShape, SeriesSummary};

/// Radius of a data point in pixels.
const POINT_RADIUS: u32 = 3;
/// Stroke widths: the model's rollout and the loss stand out; data lines and markers stay thin.
const MODEL_WIDTH: u32 = 2;
const THIN_WIDTH: u32 = 1;

/// Converts a plotters error into a [`PlotError`].
pub(super) fn err<E: std::error::Error + Send + Sync>(e: DrawingAreaErrorKind<E>) -> PlotError {
    PlotError::Draw(e.to_string())
}

/// Draws the whole figure: title, state panels, then phase portraits and loss in the bottom row.
pub(super) fn figure<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    data: &PlotData,
    fig: &Figure,
) -> Result<Vec<PanelSummary>, PlotError> {
    root.fill(&WHITE).map_err(err)?;
    let (title, body) = root.split_vertically(layout::TITLE_HEIGHT);
    let style =
        (FONT, layout::TITLE_SIZE, FontStyle::Bold).into_text_style(&title).pos(Pos::new(HPos::Center, VPos::Center));
    let centre = ((fig.width / 2) as i32, (layout::TITLE_HEIGHT / 2) as i32);
    title.draw_text(&data.title, &style, centre).map_err(err)?;

    let (top, bottom) = body.split_vertically(fig.states_height());
    let cells = top.split_evenly((fig.rows, fig.columns));
    let mut panels = Vec::new();
    for (d, cell) in cells.iter().enumerate().take(data.n_states()) {
        panels.push(xy_panel(cell, state_panel(data, d))?);
    }
    if fig.bottom_panels() > 0 {
        let cells = bottom.split_evenly((1, fig.bottom_panels()));
        for (cell, &(a, b)) in cells.iter().zip(&fig.phases) {
            panels.push(xy_panel(cell, phase_panel(data, a, b))?);
        }
        if fig.loss {
            panels.push(loss_panel(&cells[fig.phases.len()], data)?);
        }
    }
    Ok(panels)
}

/// Draws an x–y panel: axes with labels, each series clamped onto the axis ranges, a legend.
fn xy_panel<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, spec: XySpec) -> Result<PanelSummary, PlotError> {
    let (xr, yr) = xy_ranges(&spec.series);
    let (x_span, y_span) = (xr.end - xr.start, yr.end - yr.start);
    let mut chart = chart_builder(area, &spec.title).build_cartesian_2d(xr.clone(), yr.clone()).map_err(err)?;
    chart
        .configure_mesh()
        .x_desc(spec.x_label.as_str())
        .y_desc(spec.y_label.as_str())
        .x_label_formatter(&|v| tick(*v, x_span))
        .y_label_formatter(&|v| tick(*v, y_span))
        .label_style((FONT, layout::LABEL_SIZE))
        .axis_desc_style((FONT, layout::LABEL_SIZE))
        .light_line_style(BLACK.mix(0.04))
        .bold_line_style(BLACK.mix(0.12))
        .draw()
        .map_err(err)?;
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

/// Draws one series' runs; only the first run carries the legend entry, so each series has one.
fn draw_runs<'a, DB: DrawingBackend + 'a, X: Ranged<ValueType = f64>, Y: Ranged<ValueType = f64>>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<X, Y>>,
    s: &XySeries,
    runs: &[Vec<(f64, f64)>],
) -> Result<(), PlotError> {
    let width = match s.role {
        SeriesRole::Data | SeriesRole::RoundMarker => THIN_WIDTH,
        SeriesRole::Rollout | SeriesRole::Loss => MODEL_WIDTH,
    };
    let style = ShapeStyle { color: s.colour.to_rgba(), filled: true, stroke_width: width };
    for (j, run) in runs.iter().enumerate() {
        let anno = match s.shape {
            SeriesShape::Line => chart.draw_series(LineSeries::new(run.iter().copied(), style)),
            SeriesShape::Points => chart.draw_series(run.iter().map(|&p| Circle::new(p, POINT_RADIUS, style))),
        }
        .map_err(err)?;
        if j > 0 || !s.in_legend {
            continue;
        }
        anno.label(s.label.as_str());
        match s.shape {
            SeriesShape::Line => anno.legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], style)),
            SeriesShape::Points => anno.legend(move |(x, y)| Circle::new((x + 10, y), POINT_RADIUS, style)),
        };
    }
    Ok(())
}

/// The loss on a log scale, with a vertical marker at the start of each threshold round.
fn loss_panel<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, data: &PlotData) -> Result<PanelSummary, PlotError> {
    let loss = &data.loss;
    let title = "training loss".to_string();
    let xs: Vec<f64> = (1..=loss.values.len()).map(|i| i as f64).collect();
    let xr = axis_range(&xs, &[]);
    let x_span = xr.end - xr.start;
    let yr = log_range(&loss.values);
    let mut chart = chart_builder(area, &title).build_cartesian_2d(xr.clone(), yr.clone().log_scale()).map_err(err)?;
    let (x_label, y_label) = (loss.unit.axis_label().to_string(), "loss (log scale)".to_string());
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
    let positive = |(i, &v): (usize, &f64)| (v.is_finite() && v > 0.0).then(|| ((i + 1) as f64, clamp(v, &yr)));
    let curve = XySeries {
        label: "loss".into(),
        role: SeriesRole::Loss,
        shape: SeriesShape::Line,
        colour: layout::LOSS_COLOUR,
        runs: runs(loss.values.iter().enumerate().map(positive)),
        in_legend: true,
    };
    let markers = XySeries {
        label: "threshold round".into(),
        role: SeriesRole::RoundMarker,
        shape: SeriesShape::Line,
        colour: layout::ROUND_COLOUR,
        runs: loss.round_starts.iter().map(|&s| vec![((s + 1) as f64, yr.start), ((s + 1) as f64, yr.end)]).collect(),
        in_legend: true,
    };
    let mut summaries = Vec::new();
    for s in [markers, curve].iter().filter(|s| !s.runs.is_empty()) {
        draw_runs(&mut chart, s, &s.runs)?;
        summaries.push(series_summary(s, &s.runs));
    }
    finish_panel(chart, PanelKind::Loss, title, x_label, y_label, summaries)
}

/// The chart frame shared by all panels: caption, margins, room for tick labels.
fn chart_builder<'a, 'b, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    title: &str,
) -> ChartBuilder<'a, 'b, DB> {
    let mut b = ChartBuilder::on(area);
    b.caption(title, (FONT, layout::CAPTION_SIZE)).margin(12).x_label_area_size(42).y_label_area_size(64);
    b
}

/// Draws the legend (when any series has an entry) and records the plotting area.
fn finish_panel<'a, DB: DrawingBackend + 'a, X: Ranged, Y: Ranged>(
    mut chart: ChartContext<'a, DB, Cartesian2d<X, Y>>,
    kind: PanelKind,
    title: String,
    x_label: String,
    y_label: String,
    series: Vec<SeriesSummary>,
) -> Result<PanelSummary, PlotError> {
    if series.iter().any(|s| s.in_legend) {
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.3))
            .label_font((FONT, layout::LABEL_SIZE))
            .draw()
            .map_err(err)?;
    }
    let (px, py) = chart.plotting_area().get_pixel_range();
    let plot_area = PixelRect { x0: px.start, y0: py.start, x1: px.end, y1: py.end };
    Ok(PanelSummary { kind, title, x_label, y_label, plot_area, series })
}

fn series_summary(s: &XySeries, runs: &[Vec<(f64, f64)>]) -> SeriesSummary {
    SeriesSummary {
        label: s.label.clone(),
        role: s.role,
        shape: s.shape,
        colour: layout::hex(s.colour),
        segments: if s.shape == SeriesShape::Line { runs.len() } else { 0 },
        points: runs.iter().map(Vec::len).sum(),
        in_legend: s.in_legend,
    }
}

/// A tick label: tick values are round numbers, so a few decimals with trailing zeros trimmed
/// read cleanly; very large or small magnitudes use scientific notation. A tick meant to be zero
/// arrives with round-off (−2.2e−16); anything below a millionth of the axis span is zero.
fn tick(v: f64, span: f64) -> String {
    let v = if v.abs() < span * 1e-6 { 0.0 } else { v };
    let a = v.abs();
    if a != 0.0 && !(1e-3..1e5).contains(&a) {
        return format!("{v:.1e}");
    }
    let s = format!("{v:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".into()
    } else {
        s.into()
    }
}
