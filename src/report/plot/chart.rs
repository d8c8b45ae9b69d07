//! What every panel shares: the chart frame (caption, margins, tick labels), drawing a series'
//! runs in its style (lines, dashed lines, points), the panel's summary, and plotters errors as
//! [`PlotError`]s.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::layout::{self, FONT};
use super::panels::XySeries;
use super::{PanelKind, PanelSummary, PixelRect, PlotError, SeriesRole, SeriesShape, SeriesSummary};

/// Radius of a data point in pixels.
pub(super) const POINT_RADIUS: u32 = 2;
/// Dash and gap lengths of a dashed line, in pixels.
const DASH: i32 = 6;
const DASH_GAP: i32 = 4;
/// Stroke widths: the model's rollout and the loss stand out; data lines and markers stay thin.
const MODEL_WIDTH: u32 = 2;
const THIN_WIDTH: u32 = 1;

/// Converts a plotters error into a [`PlotError`].
pub(super) fn err<E: std::error::Error + Send + Sync>(e: DrawingAreaErrorKind<E>) -> PlotError {
    PlotError::Draw(e.to_string())
}

/// Draws one series' runs (the figure's legend is drawn apart, under the title, so no panel
/// holds one).
pub(super) fn draw_runs<'a, DB: DrawingBackend + 'a, X: Ranged<ValueType = f64>, Y: Ranged<ValueType = f64>>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<X, Y>>,
    s: &XySeries,
    runs: &[Vec<(f64, f64)>],
) -> Result<(), PlotError> {
    let style = series_style(s);
    for run in runs {
        match s.shape {
            SeriesShape::Line => chart.draw_series(LineSeries::new(run.iter().copied(), style)),
            SeriesShape::Dashed => chart.draw_series(DashedLineSeries::new(run.iter().copied(), DASH, DASH_GAP, style)),
            SeriesShape::Points => chart.draw_series(run.iter().map(|&p| Circle::new(p, point_radius(s.role), style))),
        }
        .map_err(err)?;
    }
    Ok(())
}

/// The stroke of a series: the model's rollout and the loss stand out; data, inputs and markers
/// stay thin.
pub(super) fn series_style(s: &XySeries) -> ShapeStyle {
    let width = match s.role {
        SeriesRole::Rollout | SeriesRole::Loss | SeriesRole::Path => MODEL_WIDTH,
        _ => THIN_WIDTH,
    };
    ShapeStyle { color: s.colour.to_rgba(), filled: true, stroke_width: width }
}

/// Radius of a point: data are small, the chosen level stands out.
pub(super) fn point_radius(role: SeriesRole) -> u32 {
    if role == SeriesRole::Chosen {
        3 * POINT_RADIUS
    } else {
        POINT_RADIUS
    }
}

/// The chart frame shared by all panels: caption, margins, room for tick labels.
pub(super) fn chart_builder<'a, 'b, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    title: &str,
) -> ChartBuilder<'a, 'b, DB> {
    let mut b = ChartBuilder::on(area);
    b.caption(title, (FONT, layout::CAPTION_SIZE)).margin(12).x_label_area_size(42).y_label_area_size(64);
    b
}

/// A chart with a linear x axis and a logarithmic y axis over `xr` × `yr`, its mesh drawn in the
/// figure's style with the axis descriptions `labels` (x, y).
pub(super) fn log_y_chart<'a, DB: DrawingBackend + 'a>(
    area: &'a DrawingArea<DB, Shift>,
    title: &str,
    xr: std::ops::Range<f64>,
    yr: std::ops::Range<f64>,
    labels: (&str, &str),
) -> Result<ChartContext<'a, DB, Cartesian2d<plotters::coord::types::RangedCoordf64, LogCoord<f64>>>, PlotError> {
    let x_span = xr.end - xr.start;
    let mut chart = chart_builder(area, title).build_cartesian_2d(xr, yr.log_scale()).map_err(err)?;
    draw_mesh(&mut chart, labels, &|v| tick(*v, x_span), &|v| format!("{v:.0e}"))?;
    Ok(chart)
}

/// Draws a chart's mesh in the figure's style: axis descriptions `labels` (x, y), tick labels by
/// `x_fmt` and `y_fmt`, faint grid lines.
pub(super) fn draw_mesh<'a, DB, X, Y>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<X, Y>>,
    labels: (&str, &str),
    x_fmt: &dyn Fn(&X::ValueType) -> String,
    y_fmt: &dyn Fn(&Y::ValueType) -> String,
) -> Result<(), PlotError>
where
    DB: DrawingBackend + 'a,
    X: Ranged + plotters::coord::ranged1d::ValueFormatter<X::ValueType>,
    Y: Ranged + plotters::coord::ranged1d::ValueFormatter<Y::ValueType>,
{
    chart
        .configure_mesh()
        .x_desc(labels.0)
        .y_desc(labels.1)
        .x_label_formatter(x_fmt)
        .y_label_formatter(y_fmt)
        .label_style((FONT, layout::LABEL_SIZE))
        .axis_desc_style((FONT, layout::LABEL_SIZE))
        .light_line_style(BLACK.mix(0.04))
        .bold_line_style(BLACK.mix(0.12))
        .draw()
        .map_err(err)
}

/// Records the plotting area and what was drawn.
pub(super) fn finish_panel<'a, DB: DrawingBackend + 'a, X: Ranged, Y: Ranged>(
    chart: ChartContext<'a, DB, Cartesian2d<X, Y>>,
    kind: PanelKind,
    title: String,
    x_label: String,
    y_label: String,
    series: Vec<SeriesSummary>,
) -> Result<PanelSummary, PlotError> {
    let (px, py) = chart.plotting_area().get_pixel_range();
    let plot_area = PixelRect { x0: px.start, y0: py.start, x1: px.end, y1: py.end };
    Ok(PanelSummary { kind, title, x_label, y_label, plot_area, series })
}

pub(super) fn series_summary(s: &XySeries, runs: &[Vec<(f64, f64)>]) -> SeriesSummary {
    SeriesSummary {
        label: s.label.clone(),
        role: s.role,
        shape: s.shape,
        colour: layout::hex(s.colour),
        segments: if s.shape == SeriesShape::Points { 0 } else { runs.len() },
        points: runs.iter().map(Vec::len).sum(),
        in_legend: s.in_legend,
    }
}

/// A tick label: tick values are round numbers, so a few decimals with trailing zeros trimmed
/// read cleanly; very large or small magnitudes use scientific notation. A tick meant to be zero
/// arrives with round-off (−2.2e−16); anything below a millionth of the axis span is zero.
pub(super) fn tick(v: f64, span: f64) -> String {
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
