//! What a rendered figure contains: [`PlotSummary`] with one [`PanelSummary`] per panel and one
//! [`SeriesSummary`] per drawn series, so callers and tests can check a plot without looking at it.

use super::PlotFormat;

/// The figure as drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct PlotSummary {
    /// The file format written.
    pub format: PlotFormat,
    /// Figure width in pixels.
    pub width: u32,
    /// Figure height in pixels.
    pub height: u32,
    /// The panels, in drawing order: states, inputs, phase portraits, the selection path or the
    /// loss.
    pub panels: Vec<PanelSummary>,
}

impl PlotSummary {
    /// Total number of series drawn over all panels.
    pub fn series_count(&self) -> usize {
        self.panels.iter().map(|p| p.series.len()).sum()
    }

    /// The panel of the given kind, if drawn.
    pub fn panel(&self, kind: PanelKind) -> Option<&PanelSummary> {
        self.panels.iter().find(|p| p.kind == kind)
    }
}

/// Which view a panel shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PanelKind {
    /// One state over time (the index into the state names).
    State(usize),
    /// A phase portrait: state `y` against state `x`.
    Phase {
        /// The horizontal state's index.
        x: usize,
        /// The vertical state's index.
        y: usize,
    },
    /// An input signal over time (the index into the input names).
    Input(usize),
    /// The model-selection path: criterion against terms kept.
    Selection,
    /// The training loss.
    Loss,
}

/// A rectangle in figure pixels, `x0 ≤ x < x1`, `y0 ≤ y < y1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PixelRect {
    /// Left edge.
    pub x0: i32,
    /// Top edge.
    pub y0: i32,
    /// Right edge (exclusive).
    pub x1: i32,
    /// Bottom edge (exclusive).
    pub y1: i32,
}

impl PixelRect {
    /// Whether the point lies inside, edges included (drawing clamps onto the edges).
    pub fn contains(&self, x: f64, y: f64) -> bool {
        x >= f64::from(self.x0) && x <= f64::from(self.x1) && y >= f64::from(self.y0) && y <= f64::from(self.y1)
    }
}

/// One panel as drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct PanelSummary {
    /// The view.
    pub kind: PanelKind,
    /// The caption above the panel.
    pub title: String,
    /// The x-axis label.
    pub x_label: String,
    /// The y-axis label.
    pub y_label: String,
    /// The plotting area (inside the axes) in figure pixels; every series lies in it (the legend
    /// does not: it is drawn under the title).
    pub plot_area: PixelRect,
    /// The series drawn, in drawing order.
    pub series: Vec<SeriesSummary>,
}

/// What a series stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeriesRole {
    /// Observed data.
    Data,
    /// The model's rollout.
    Rollout,
    /// The fit's denoised trajectory.
    Denoised,
    /// An input signal.
    Input,
    /// The selection path's levels.
    Path,
    /// The chosen level of the selection path.
    Chosen,
    /// The training loss.
    Loss,
    /// Vertical markers at the start of threshold rounds.
    RoundMarker,
}

/// How a series is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeriesShape {
    /// Filled circles, one per point.
    Points,
    /// Polylines, one per run of finite values.
    Line,
    /// Dashed polylines (each run drawn as many short dashes).
    Dashed,
}

/// One series as drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesSummary {
    /// The legend text.
    pub label: String,
    /// What it stands for.
    pub role: SeriesRole,
    /// How it is drawn.
    pub shape: SeriesShape,
    /// Its colour, `#RRGGBB`.
    pub colour: String,
    /// Number of polylines (runs of finite values) for lines and dashed lines; 0 for points.
    pub segments: usize,
    /// Number of points drawn.
    pub points: usize,
    /// Whether the figure's legend (a strip under the title, outside every panel) lists it.
    pub in_legend: bool,
}
