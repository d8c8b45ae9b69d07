//! Plots of a fit: one figure with a header (title, the fitted equations with their intervals,
//! one legend strip outside the panels), a panel per state (data as grey or tinted markers, the
//! discovered model's rollout as a line, the denoised fit dashed) and per input signal, phase
//! portraits for 2- and 3-state systems, and the model-selection path (criterion against terms
//! kept, the chosen level marked) or, without a path, the training loss on a log scale with the
//! threshold rounds marked.
//!
//! Input: a [`PlotData`] (plain numbers: state names, trajectories with optional rollouts, the
//! loss history). Output: an SVG or PNG file, chosen by the path's extension and written
//! atomically, and a [`PlotSummary`] saying which panels and series were drawn and where.
//!
//! Usage: build a [`PlotData`] (a data set's trajectories convert with
//! [`PlotTrajectory::from_trajectory`]), then `render(&data, Path::new("fit.svg"))?`; the summary
//! lists each panel's plotting area in pixels and its series (colour, segments, points).
//!
//! Drawing goes through `plotters`; text is rendered from an embedded DejaVu Sans font so no
//! system font library is needed.

mod chart;
mod data;
mod draw;
mod header;
pub mod heatmap;
mod layout;
mod panels;
mod selection;
mod series;
mod summary;
mod write;

pub use data::{LossHistory, LossUnit, PlotData, PlotTrajectory, SelectionPoint};
pub use summary::{PanelKind, PanelSummary, PixelRect, PlotSummary, SeriesRole, SeriesShape, SeriesSummary};
pub use write::PlotFormat;

use std::path::{Path, PathBuf};

/// Why a plot could not be produced. No file is left behind when any of these is returned.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// The path's extension names no supported format.
    #[error("cannot tell the plot format of `{path}`: the file name must end in .svg or .png")]
    UnsupportedFormat {
        /// The path given.
        path: PathBuf,
    },
    /// The data names no state variable.
    #[error("nothing to plot: the model has no state variables")]
    NoStates,
    /// The data holds no trajectory.
    #[error("nothing to plot: there are no trajectories")]
    NoTrajectories,
    /// A trajectory has no time points.
    #[error("nothing to plot: trajectory `{label}` has no time points")]
    EmptyTrajectory {
        /// The trajectory's label.
        label: String,
    },
    /// A trajectory's arrays do not fit together.
    #[error("trajectory `{label}`: {detail}")]
    Shape {
        /// The trajectory's label.
        label: String,
        /// What does not fit, in words.
        detail: String,
    },
    /// No trajectory has a single finite observed or predicted value.
    #[error("nothing to plot: every observed and predicted value is missing or not finite")]
    NoFiniteValues,
    /// A threshold-round boundary lies past the end of the loss history.
    #[error("threshold round starting at entry {index} lies past the loss history ({len} entries)")]
    RoundOutOfRange {
        /// The boundary given.
        index: usize,
        /// The loss history's length.
        len: usize,
    },
    /// The embedded font could not be registered with the renderer.
    #[error("the embedded font could not be loaded")]
    Font,
    /// The renderer failed.
    #[error("drawing the plot failed: {0}")]
    Draw(String),
    /// The file could not be written.
    #[error("cannot write the plot to `{path}`: {source}")]
    Io {
        /// The destination path.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

/// Draws `data` into the file `path` (`.svg` or `.png`, by extension) and says what was drawn.
///
/// The file is written to a temporary file in the same directory and renamed over `path` only
/// when complete, so a failure leaves neither a partial file nor a changed existing one.
pub fn render(data: &PlotData, path: &Path) -> Result<PlotSummary, PlotError> {
    let format = PlotFormat::from_path(path)?;
    data.validate()?;
    layout::register_fonts()?;
    write::render_atomically(data, path, format)
}

/// Draws `data` as SVG text in memory (for embedding in a page) and says what was drawn.
pub fn render_svg(data: &PlotData) -> Result<(String, PlotSummary), PlotError> {
    data.validate()?;
    layout::register_fonts()?;
    let (bytes, summary) = write::render_bytes(data, PlotFormat::Svg)?;
    let text = String::from_utf8(bytes).map_err(|e| PlotError::Draw(e.to_string()))?;
    Ok((text, summary))
}
