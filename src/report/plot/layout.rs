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

/// Trajectories beyond this many are drawn but left out of the legends, which would otherwise
/// cover the data.
pub(super) const LEGEND_TRAJECTORIES: usize = 4;
/// Trajectories with more observed points than this draw their data as a thin line: thousands of
/// circles hide the rollout and bloat an SVG.
pub(super) const MAX_DATA_POINTS: usize = 300;

/// The colour of trajectory `k`'s rollout.
pub(super) fn trajectory_colour(k: usize) -> RGBColor {
    PALETTE[k % PALETTE.len()]
}

/// The colour of trajectory `k`'s data: its rollout colour lightened halfway to white, so data
/// and model stay apart while keeping their hue.
pub(super) fn data_colour(k: usize) -> RGBColor {
    let RGBColor(r, g, b) = trajectory_colour(k);
    let tint = |c: u8| c + (255 - c) / 2;
    RGBColor(tint(r), tint(g), tint(b))
}

/// `#RRGGBB` for summaries; the SVG backend writes colours the same way.
pub(super) fn hex(c: RGBColor) -> String {
    format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2)
}

/// The panels to draw and the figure's size.
#[derive(Debug, Clone)]
pub(super) struct Figure {
    pub width: u32,
    pub height: u32,
    /// State panels per row.
    pub columns: usize,
    /// Rows of state panels.
    pub rows: usize,
    /// Phase portraits as `(x, y)` state pairs.
    pub phases: Vec<(usize, usize)>,
    /// Whether the loss panel is drawn (the history has a drawable value).
    pub loss: bool,
}

impl Figure {
    /// Lays out the panels `data` calls for.
    pub fn for_data(data: &PlotData) -> Self {
        let n = data.n_states();
        let columns = n.clamp(1, MAX_COLUMNS);
        let rows = n.div_ceil(columns);
        let phases = match n {
            2 => vec![(0, 1)],
            3 => vec![(0, 1), (0, 2)],
            _ => Vec::new(),
        };
        let loss = data.loss.values.iter().any(|&v| v.is_finite() && v > 0.0);
        let bottom = if phases.is_empty() && !loss { 0 } else { BOTTOM_ROW_HEIGHT };
        let height = TITLE_HEIGHT + rows as u32 * STATE_ROW_HEIGHT + bottom;
        Figure { width: WIDTH, height, columns, rows, phases, loss }
    }

    /// Height of the state panels' band.
    pub fn states_height(&self) -> u32 {
        self.rows as u32 * STATE_ROW_HEIGHT
    }

    /// Number of panels in the bottom row.
    pub fn bottom_panels(&self) -> usize {
        self.phases.len() + usize::from(self.loss)
    }
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
