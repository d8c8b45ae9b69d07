//! Space–time heat maps of a field fit: one figure with the header of the fit's figures (title,
//! a note on what is shown, the discovered equations) and one row per shown (trajectory, field):
//! the data, the discovered model's rollout (one sequential colour scale for both, with its
//! colour bar) and their difference `rollout − data` (a diverging scale centred on zero, with its
//! own colour bar). Time runs across each panel, space upwards.
//!
//! Input: a [`FieldPlot`] (plain numbers). Output: an SVG or PNG file, chosen by the path's
//! extension and written atomically ([`render`]), or SVG text ([`render_svg`]), and a
//! [`HeatmapSummary`] of each row's scales and panel areas. In PNG the rasters are drawn into the
//! bitmap; in SVG each raster is one embedded PNG image (a rectangle per cell would make the file
//! megabytes large), placed under the axes.

pub mod colour;

use colour::{raster, Scale};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::chart::{chart_builder, err, tick};
use super::layout::{self, FONT};
use super::{PixelRect, PlotError, PlotFormat};
use std::path::Path;

/// Height of one row of panels.
const ROW_HEIGHT: u32 = 300;
/// Width of a colour bar's area (the bar and its tick labels).
const BAR_WIDTH: u32 = 96;
/// Width of the bar itself.
const BAR: u32 = 16;
/// Steps of a colour bar's gradient.
const BAR_STEPS: usize = 96;
/// Rows a figure shows at most; more would make panels too small to read.
pub const MAX_ROWS: usize = 6;

/// What a heat-map figure shows.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldPlot {
    pub title: String,
    /// Lines under the title (a note, then the equations).
    pub header: Vec<String>,
    /// The space variable's name.
    pub space: String,
    pub rows: Vec<FieldRow>,
}

/// One row: a field of one trajectory.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldRow {
    /// `u, trajectory train`.
    pub label: String,
    pub t: Vec<f64>,
    pub x: Vec<f64>,
    /// Row-major over time and point.
    pub data: Vec<f64>,
    /// The rollout on the same grid, or why there is none.
    pub rollout: Result<Vec<f64>, String>,
}

/// What was drawn in one row.
#[derive(Clone, Debug, PartialEq)]
pub struct RowSummary {
    /// The shared scale of the data and the rollout.
    pub values: Scale,
    /// The error's scale (absent without a rollout).
    pub error: Option<Scale>,
    /// Plotting areas of the data, rollout and error panels (the last two absent without a
    /// rollout).
    pub panels: Vec<PixelRect>,
}

/// What a heat-map figure drew.
#[derive(Clone, Debug, PartialEq)]
pub struct HeatmapSummary {
    pub format: PlotFormat,
    pub width: u32,
    pub height: u32,
    pub rows: Vec<RowSummary>,
}

/// A raster to place: where (absolute pixels), its size and its RGB bytes.
struct Raster {
    at: (i32, i32),
    size: (u32, u32),
    rgb: Vec<u8>,
}

impl FieldPlot {
    /// Checks the shapes: at least one row, at most [`MAX_ROWS`], every array the grid's size.
    fn validate(&self) -> Result<(), PlotError> {
        if self.rows.is_empty() {
            return Err(PlotError::NoTrajectories);
        }
        if self.rows.len() > MAX_ROWS {
            return Err(PlotError::Draw(format!("{} rows: a figure shows at most {MAX_ROWS}", self.rows.len())));
        }
        for r in &self.rows {
            let n = r.t.len() * r.x.len();
            let bad = |detail: String| PlotError::Shape { label: r.label.clone(), detail };
            if r.t.len() < 2 || r.x.len() < 2 {
                return Err(bad("a heat map needs at least two times and two grid points".into()));
            }
            if r.data.len() != n {
                return Err(bad(format!(
                    "{} data values for {} times x {} points",
                    r.data.len(),
                    r.t.len(),
                    r.x.len()
                )));
            }
            if let Ok(o) = &r.rollout {
                if o.len() != n {
                    return Err(bad(format!("{} rollout values for {n} grid values", o.len())));
                }
            }
        }
        Ok(())
    }

    fn height(&self) -> u32 {
        layout::TITLE_HEIGHT + layout::HEADER_LINE * self.header.len() as u32 + 12 + ROW_HEIGHT * self.rows.len() as u32
    }
}

/// Draws `plot` into the file `path` (`.svg` or `.png`); nothing is left behind on failure.
pub fn render(plot: &FieldPlot, path: &Path) -> Result<HeatmapSummary, PlotError> {
    let format = PlotFormat::from_path(path)?;
    let (bytes, summary) = render_bytes(plot, format)?;
    crate::files::write_atomic(path, &bytes).map_err(|source| PlotError::Io { path: path.to_path_buf(), source })?;
    Ok(summary)
}

/// Draws `plot` as SVG text (for embedding in a page).
pub fn render_svg(plot: &FieldPlot) -> Result<(String, HeatmapSummary), PlotError> {
    let (bytes, summary) = render_bytes(plot, PlotFormat::Svg)?;
    Ok((String::from_utf8(bytes).map_err(|e| PlotError::Draw(e.to_string()))?, summary))
}

fn render_bytes(plot: &FieldPlot, format: PlotFormat) -> Result<(Vec<u8>, HeatmapSummary), PlotError> {
    plot.validate()?;
    layout::register_fonts()?;
    let (w, h) = (layout::WIDTH, plot.height());
    let (bytes, rows) = match format {
        PlotFormat::Svg => {
            let mut text = String::new();
            let (rows, rasters) = {
                let root = SVGBackend::with_string(&mut text, (w, h)).into_drawing_area();
                let out = draw(&root, plot)?;
                root.present().map_err(err)?;
                out
            };
            (embed(&text, &rasters)?.into_bytes(), rows)
        }
        PlotFormat::Png => {
            let mut rgb = vec![0u8; w as usize * h as usize * 3];
            let rows = {
                let root = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
                let (rows, rasters) = draw(&root, plot)?;
                for r in rasters {
                    let img = BitMapElement::with_owned_buffer(r.at, r.size, r.rgb)
                        .ok_or_else(|| PlotError::Draw("a raster has the wrong size".into()))?;
                    root.draw(&img).map_err(err)?;
                }
                root.present().map_err(err)?;
                rows
            };
            (super::write::encode_png(rgb, w, h)?, rows)
        }
    };
    Ok((bytes, HeatmapSummary { format, width: w, height: h, rows }))
}

/// Places each raster as an embedded PNG image right after the SVG's background rectangle, so
/// the axes and text drawn later lie on top of it.
fn embed(svg: &str, rasters: &[Raster]) -> Result<String, PlotError> {
    let mut images = String::new();
    for r in rasters {
        let png = super::write::encode_png(r.rgb.clone(), r.size.0, r.size.1)?;
        images.push_str(&format!(
            "<image x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" preserveAspectRatio=\"none\" \
             href=\"data:image/png;base64,{}\"/>\n",
            r.at.0,
            r.at.1,
            r.size.0,
            r.size.1,
            colour::base64(&png)
        ));
    }
    let open = svg.find("<svg").ok_or_else(|| PlotError::Draw("no <svg> element".into()))?;
    let background = svg[open..].find("<rect").map(|i| open + i);
    let at = match background.and_then(|b| svg[b..].find("/>").map(|e| b + e + 2)) {
        Some(end) => end,
        None => open + svg[open..].find('>').ok_or_else(|| PlotError::Draw("malformed <svg>".into()))? + 1,
    };
    Ok(format!("{}\n{images}{}", &svg[..at], &svg[at..]))
}

/// Draws the header and every row; returns what each row drew and the rasters to place.
fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    plot: &FieldPlot,
) -> Result<(Vec<RowSummary>, Vec<Raster>), PlotError> {
    root.fill(&WHITE).map_err(err)?;
    let head = layout::TITLE_HEIGHT + layout::HEADER_LINE * plot.header.len() as u32 + 12;
    let (top, body) = root.split_vertically(head);
    header(&top, plot)?;
    let mut rows = Vec::new();
    let mut rasters = Vec::new();
    let areas = body.split_evenly((plot.rows.len(), 1));
    for (area, row) in areas.iter().zip(&plot.rows) {
        let (summary, mut r) = draw_row(area, row, &plot.space)?;
        rows.push(summary);
        rasters.append(&mut r);
    }
    Ok((rows, rasters))
}

fn header<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, plot: &FieldPlot) -> Result<(), PlotError> {
    let centre = Pos::new(HPos::Center, VPos::Center);
    let title = (FONT, layout::TITLE_SIZE, FontStyle::Bold).into_text_style(area).pos(centre);
    area.draw_text(&plot.title, &title, ((layout::WIDTH / 2) as i32, (layout::TITLE_HEIGHT / 2) as i32))
        .map_err(err)?;
    let line = (FONT, layout::LABEL_SIZE).into_text_style(area).pos(Pos::new(HPos::Left, VPos::Center));
    let mut y = layout::TITLE_HEIGHT as i32 + layout::HEADER_LINE as i32 / 2;
    for text in &plot.header {
        area.draw_text(text, &line, (24, y)).map_err(err)?;
        y += layout::HEADER_LINE as i32;
    }
    Ok(())
}

/// One row: data, rollout and the shared bar; error and its bar.
fn draw_row<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    row: &FieldRow,
    space: &str,
) -> Result<(RowSummary, Vec<Raster>), PlotError> {
    let panel = (layout::WIDTH - 2 * BAR_WIDTH) / 3;
    let (data_area, rest) = area.split_horizontally(panel);
    let (rollout_area, rest) = rest.split_horizontally(panel);
    let (bar_area, rest) = rest.split_horizontally(BAR_WIDTH);
    let (error_area, error_bar) = rest.split_horizontally(panel);
    let rollout = row.rollout.as_ref().ok();
    let values = Scale::sequential(std::iter::once(&row.data[..]).chain(rollout.map(|r| &r[..])));
    let mut rasters = Vec::new();
    let mut panels =
        vec![heat_panel(&data_area, &format!("{}: data", row.label), row, &row.data, &values, space, &mut rasters)?];
    colour_bar(&bar_area, &values)?;
    let error = match rollout {
        Some(r) => {
            let title = format!("{}: rollout", row.label);
            panels.push(heat_panel(&rollout_area, &title, row, r, &values, space, &mut rasters)?);
            let diff: Vec<f64> = r.iter().zip(&row.data).map(|(a, b)| a - b).collect();
            let scale = Scale::diverging(&diff);
            let title = format!("{}: rollout − data", row.label);
            panels.push(heat_panel(&error_area, &title, row, &diff, &scale, space, &mut rasters)?);
            colour_bar(&error_bar, &scale)?;
            Some(scale)
        }
        None => {
            let why = row.rollout.as_ref().err().cloned().unwrap_or_default();
            let style =
                (FONT, layout::LABEL_SIZE).into_text_style(&rollout_area).pos(Pos::new(HPos::Center, VPos::Center));
            let (w, h) = rollout_area.dim_in_pixel();
            rollout_area.draw_text(&format!("no rollout: {why}"), &style, (w as i32 / 2, h as i32 / 2)).map_err(err)?;
            None
        }
    };
    Ok((RowSummary { values, error, panels }, rasters))
}

/// One heat map: the axes (time across, space up) and the raster of `v` in `scale`, queued in
/// `rasters`.
fn heat_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    row: &FieldRow,
    v: &[f64],
    scale: &Scale,
    space: &str,
    rasters: &mut Vec<Raster>,
) -> Result<PixelRect, PlotError> {
    let (t0, t1) = (row.t[0], row.t[row.t.len() - 1]);
    let (x0, x1) = (row.x[0], row.x[row.x.len() - 1]);
    let mut chart = chart_builder(area, title).build_cartesian_2d(t0..t1, x0..x1).map_err(err)?;
    let (px, py) = chart.plotting_area().get_pixel_range();
    let (w, h) = ((px.end - px.start).max(1) as u32, (py.end - py.start).max(1) as u32);
    rasters.push(Raster {
        at: (px.start, py.start),
        size: (w, h),
        rgb: raster(v, row.t.len(), row.x.len(), w, h, scale),
    });
    let (ts, xs) = (t1 - t0, x1 - x0);
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc("t")
        .y_desc(space)
        .x_labels(6)
        .y_labels(6)
        .x_label_formatter(&|v| tick(*v, ts))
        .y_label_formatter(&|v| tick(*v, xs))
        .label_style((FONT, layout::LABEL_SIZE))
        .axis_desc_style((FONT, layout::LABEL_SIZE))
        .draw()
        .map_err(err)?;
    Ok(PixelRect { x0: px.start, y0: py.start, x1: px.end, y1: py.end })
}

/// A vertical colour bar of `scale` with tick labels on its right.
fn colour_bar<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, scale: &Scale) -> Result<(), PlotError> {
    let mut chart = ChartBuilder::on(area)
        .margin_top(12 + 27)
        .margin_bottom(12 + 42)
        .margin_left(8)
        .set_label_area_size(LabelAreaPosition::Right, BAR_WIDTH - BAR - 8)
        .build_cartesian_2d(0.0..1.0, scale.lo..scale.hi)
        .map_err(err)?;
    let step = (scale.hi - scale.lo) / BAR_STEPS as f64;
    chart
        .draw_series((0..BAR_STEPS).map(|k| {
            let lo = scale.lo + k as f64 * step;
            Rectangle::new([(0.0, lo), (1.0, lo + step)], scale.colour(lo + step / 2.0).filled())
        }))
        .map_err(err)?;
    let span = scale.hi - scale.lo;
    chart
        .configure_mesh()
        .disable_mesh()
        .disable_x_axis()
        .y_labels(6)
        .y_label_formatter(&|v| tick(*v, span))
        .label_style((FONT, layout::LABEL_SIZE))
        .draw()
        .map_err(err)
}
