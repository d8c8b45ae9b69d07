//! Figure geometry and style: the [`Figure`] grid (state panels on top, phase portraits and the
//! loss below), the colour-blind-safe palette, text sizes, and registration of the embedded font.

use std::sync::OnceLock;

use plotters::style::{register_font, FontStyle, RGBColor};

use super::{PlotData, PlotError};

/// Figure width in pixels.
pub(super) const WIDTH: u32 = 1200;
/// Height of the band holding the figure's title.
pub(super) const TITLE_HEIGHT: u32 = 50;
/// Height of one row of state panels.
const STATE_ROW_HEIGHT: u32 = 280;
/// Height of the row of phase portraits and the loss curve.
const BOTTOM_ROW_HEIGHT: u32 = 340;
/// State panels per row at most.
const MAX_COLUMNS: usize = 3;

/// Trajectory colours (the Okabe–Ito palette, which stays distinct under the common forms of
/// colour blindness), without its black so series never share the axes' colour.
pub(super) const PALETTE: [RGBColor; 6] = [
    RGBColor(0x00, 0x72, 0xB2),
    RGBColor(0xD5, 0x5E, 0x00),
    RGBColor(0x00, 0x9E, 0x73),
    RGBColor(0xCC, 0x79, 0xA7),
    RGBColor(0xE6, 0x9F, 0x00),
    RGBColor(0x56, 0xB4, 0xE9),
];
/// The loss curve's colour.
pub(super) const LOSS_COLOUR: RGBColor = PALETTE[0];
/// The threshold-round markers' colour.
pub(super) const ROUND_COLOUR: RGBColor = PALETTE[1];

/// The font family every text uses; it is registered from the embedded DejaVu Sans.
pub(super) const FONT: &str = "sans-serif";
/// Figure title size.
pub(super) const TITLE_SIZE: f64 = 28.0;
/// Panel caption size.
pub(super) const CAPTION_SIZE: f64 = 18.0;
/// Tick label, axis description and legend size.
pub(super) const LABEL_SIZE: f64 = 14.0;

/// Trajectories beyond this many are drawn but left out of the legend strip, which would
/// otherwise grow past one line.
pub(super) const LEGEND_TRAJECTORIES: usize = 6;
/// Trajectories with more observed points than this draw their data as a thin line: thousands of
/// circles hide the rollout and bloat an SVG.
pub(super) const MAX_DATA_POINTS: usize = 300;

/// The colour of trajectory `k`'s rollout.
pub(super) fn trajectory_colour(k: usize) -> RGBColor {
    PALETTE[k % PALETTE.len()]
}

/// Data of a lone trajectory: a neutral grey that the coloured rollout stands out against.
pub(super) const LONE_DATA_COLOUR: RGBColor = RGBColor(0x8C, 0x8C, 0x8C);
/// The denoised fit of a lone trajectory: near-black, dashed.
pub(super) const LONE_DENOISED_COLOUR: RGBColor = RGBColor(0x22, 0x22, 0x22);
/// An input signal of a lone trajectory.
pub(super) const INPUT_COLOUR: RGBColor = RGBColor(0x55, 0x55, 0x55);
/// The selection path's chosen level.
pub(super) const CHOSEN_COLOUR: RGBColor = PALETTE[1];

/// The colour of trajectory `k`'s data: grey for a lone trajectory (a hue of its own would blend
/// with the rollout's); with several, the trajectory's colour lightened halfway to white, so
/// data and model stay apart while the hue names the trajectory.
pub(super) fn data_colour(k: usize, many: bool) -> RGBColor {
    if !many {
        return LONE_DATA_COLOUR;
    }
    let RGBColor(r, g, b) = trajectory_colour(k);
    let tint = |c: u8| c + (255 - c) / 2;
    RGBColor(tint(r), tint(g), tint(b))
}

/// The colour of trajectory `k`'s denoised fit: near-black for a lone trajectory, else the
/// trajectory's colour darkened by a third.
pub(super) fn denoised_colour(k: usize, many: bool) -> RGBColor {
    if !many {
        return LONE_DENOISED_COLOUR;
    }
    let RGBColor(r, g, b) = trajectory_colour(k);
    let shade = |c: u8| (u16::from(c) * 2 / 3) as u8;
    RGBColor(shade(r), shade(g), shade(b))
}

/// `#RRGGBB` for summaries; the SVG backend writes colours the same way.
pub(super) fn hex(c: RGBColor) -> String {
    format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2)
}

/// Height of one line of the header (the note, each equation).
pub(super) const HEADER_LINE: u32 = 20;
/// Height of the legend strip under the header.
pub(super) const LEGEND_HEIGHT: u32 = 28;
/// Equations written in the header at most (the rest are summarised in one line).
pub(super) const MAX_EQUATION_LINES: usize = 8;

/// What the bottom row's last panel shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Diagnostic {
    /// The model-selection path (two levels or more).
    Selection,
    /// The loss history (no path, and a drawable loss).
    Loss,
    /// Neither.
    None,
}

/// The panels to draw and the figure's size.
#[derive(Debug, Clone)]
pub(super) struct Figure {
    pub width: u32,
    pub height: u32,
    /// Height of the header: title, note, equations, legend strip.
    pub header: u32,
    /// Time-series panels (states, then inputs) per row.
    pub columns: usize,
    /// Rows of time-series panels.
    pub rows: usize,
    /// Phase portraits as `(x, y)` state pairs.
    pub phases: Vec<(usize, usize)>,
    /// The bottom row's last panel.
    pub diagnostic: Diagnostic,
}

impl Figure {
    /// Lays out the panels `data` calls for.
    pub fn for_data(data: &PlotData) -> Self {
        let n = data.n_states();
        let panels = n + data.input_names.len();
        let columns = panels.clamp(1, MAX_COLUMNS);
        let rows = panels.div_ceil(columns);
        let phases = match n {
            2 => vec![(0, 1)],
            3 => vec![(0, 1), (0, 2)],
            _ => Vec::new(),
        };
        let diagnostic = if data.path.len() >= 2 {
            Diagnostic::Selection
        } else if data.loss.values.iter().any(|&v| v.is_finite() && v > 0.0) {
            Diagnostic::Loss
        } else {
            Diagnostic::None
        };
        let bottom = if phases.is_empty() && diagnostic == Diagnostic::None { 0 } else { BOTTOM_ROW_HEIGHT };
        let header = TITLE_HEIGHT + HEADER_LINE * header_lines(data) as u32 + LEGEND_HEIGHT;
        let height = header + rows as u32 * STATE_ROW_HEIGHT + bottom;
        Figure { width: WIDTH, height, header, columns, rows, phases, diagnostic }
    }

    /// Height of the time-series panels' band.
    pub fn states_height(&self) -> u32 {
        self.rows as u32 * STATE_ROW_HEIGHT
    }

    /// Number of panels in the bottom row.
    pub fn bottom_panels(&self) -> usize {
        self.phases.len() + usize::from(self.diagnostic != Diagnostic::None)
    }
}

/// Lines of text under the title: the note, then the equations (at most
/// [`MAX_EQUATION_LINES`], plus one line saying how many more there are).
pub(super) fn header_text(data: &PlotData) -> Vec<String> {
    let mut lines: Vec<String> = data.note.iter().cloned().collect();
    let n = data.equations.len();
    lines.extend(data.equations.iter().take(MAX_EQUATION_LINES).cloned());
    if n > MAX_EQUATION_LINES {
        lines.push(format!("… and {} more equations (see the text report)", n - MAX_EQUATION_LINES));
    }
    lines
}

fn header_lines(data: &PlotData) -> usize {
    header_text(data).len()
}

/// Registers the embedded font once per process; the renderer looks fonts up by family name.
pub(super) fn register_fonts() -> Result<(), PlotError> {
    static DONE: OnceLock<bool> = OnceLock::new();
    let ok = *DONE.get_or_init(|| {
        register_font(FONT, FontStyle::Normal, dejavu::sans::regular()).is_ok()
            && register_font(FONT, FontStyle::Bold, dejavu::sans::bold()).is_ok()
    });
    if ok {
        Ok(())
    } else {
        Err(PlotError::Font)
    }
}
