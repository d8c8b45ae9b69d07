//! The figure's header: the title, a note on what is shown, the fitted equations (with their
//! intervals) and the legend strip. The legend lives here, outside every panel, so it never
//! covers a curve: the styles (data markers, rollout line, dashed denoised fit) and, with
//! several trajectories, each shown trajectory's colour.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::chart::err;
use super::layout::{self, Figure, FONT, LEGEND_TRAJECTORIES};
use super::{PlotData, PlotError};

/// Horizontal room of one legend entry's sample and the gap after its label.
const SAMPLE: i32 = 26;
const GAP: i32 = 22;
/// Width of one character of the legend's text, for placing the next entry.
const CHAR: i32 = 7;

/// One legend entry: a label and how its sample is drawn.
struct Entry {
    label: String,
    colour: RGBColor,
    kind: Sample,
}

#[derive(Clone, Copy)]
enum Sample {
    Dot,
    Line,
    Dashed,
}

/// Draws the header into `area` (the figure's full width, `fig.header` high).
pub(super) fn draw<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    data: &PlotData,
    fig: &Figure,
) -> Result<(), PlotError> {
    let centre = Pos::new(HPos::Center, VPos::Center);
    let title = (FONT, layout::TITLE_SIZE, FontStyle::Bold).into_text_style(area).pos(centre);
    area.draw_text(&data.title, &title, ((fig.width / 2) as i32, (layout::TITLE_HEIGHT / 2) as i32)).map_err(err)?;
    let line = (FONT, layout::LABEL_SIZE).into_text_style(area).pos(Pos::new(HPos::Left, VPos::Center));
    let mut y = layout::TITLE_HEIGHT as i32 + layout::HEADER_LINE as i32 / 2;
    for text in layout::header_text(data) {
        area.draw_text(&text, &line, (24, y)).map_err(err)?;
        y += layout::HEADER_LINE as i32;
    }
    legend(area, data, y + (layout::LEGEND_HEIGHT as i32 - layout::HEADER_LINE as i32) / 2)
}

/// The legend strip, centred on the line at `y`.
fn legend<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, data: &PlotData, y: i32) -> Result<(), PlotError> {
    let text = (FONT, layout::LABEL_SIZE).into_text_style(area).pos(Pos::new(HPos::Left, VPos::Center));
    let mut x = 24;
    for e in entries(data) {
        let style = ShapeStyle { color: e.colour.to_rgba(), filled: true, stroke_width: 2 };
        match e.kind {
            Sample::Dot => area.draw(&Circle::new((x + SAMPLE / 2, y), 3, style)),
            Sample::Line => area.draw(&PathElement::new(vec![(x, y), (x + SAMPLE - 6, y)], style)),
            Sample::Dashed => {
                (0..3).try_for_each(|i| area.draw(&PathElement::new(vec![(x + 7 * i, y), (x + 7 * i + 4, y)], style)))
            }
        }
        .map_err(err)?;
        area.draw_text(&e.label, &text, (x + SAMPLE, y)).map_err(err)?;
        x += SAMPLE + CHAR * e.label.chars().count() as i32 + GAP;
    }
    Ok(())
}

/// The entries: styles in their own colours for a lone trajectory; with several, the styles in
/// grey and a colour per shown trajectory.
fn entries(data: &PlotData) -> Vec<Entry> {
    let many = data.trajectories.len() > 1;
    let has_rollout = data.trajectories.iter().any(|t| t.rollout.is_some());
    let has_denoised = data.trajectories.iter().any(|t| t.denoised.is_some());
    let grey = RGBColor(0x55, 0x55, 0x55);
    let pick = |c: RGBColor| if many { grey } else { c };
    let mut out = vec![Entry { label: "data".into(), colour: pick(layout::data_colour(0, false)), kind: Sample::Dot }];
    if has_rollout {
        let label = "rollout of the discovered model".into();
        out.push(Entry { label, colour: pick(layout::trajectory_colour(0)), kind: Sample::Line });
    }
    if has_denoised {
        let label = "denoised fit".into();
        out.push(Entry { label, colour: pick(layout::denoised_colour(0, false)), kind: Sample::Dashed });
    }
    if many {
        for (k, t) in data.trajectories.iter().enumerate().take(LEGEND_TRAJECTORIES) {
            out.push(Entry { label: t.label.clone(), colour: layout::trajectory_colour(k), kind: Sample::Line });
        }
        let more = data.trajectories.len().saturating_sub(LEGEND_TRAJECTORIES);
        if more > 0 {
            out.push(Entry { label: format!("+{more} more"), colour: WHITE, kind: Sample::Dot });
        }
    }
    out
}
