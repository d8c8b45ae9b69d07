//! Output formats and atomic writing: [`PlotFormat`] from a path's extension, and rendering a
//! [`PlotData`] into a temporary file beside the destination that is renamed over it only once
//! complete (removed on any error).

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use plotters::prelude::{BitMapBackend, DrawingBackend, IntoDrawingArea, SVGBackend};

use super::{draw, layout, PlotData, PlotError, PlotSummary};

/// A supported file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlotFormat {
    /// Scalable vector graphics.
    Svg,
    /// Portable network graphics (RGB).
    Png,
}

impl PlotFormat {
    /// The format named by the path's extension (case-insensitive).
    pub fn from_path(path: &Path) -> Result<Self, PlotError> {
        let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("svg") => Ok(PlotFormat::Svg),
            Some("png") => Ok(PlotFormat::Png),
            _ => Err(PlotError::UnsupportedFormat { path: path.to_path_buf() }),
        }
    }

    fn extension(self) -> &'static str {
        match self {
            PlotFormat::Svg => "svg",
            PlotFormat::Png => "png",
        }
    }
}

/// Renders into a temporary sibling of `path`, then renames it over `path`.
pub(super) fn render_atomically(
    data: &PlotData,
    path: &Path,
    format: PlotFormat,
) -> Result<PlotSummary, PlotError> {
    let tmp = temp_path(path, format);
    let result = render_to(data, &tmp, format).and_then(|summary| {
        fs::rename(&tmp, path).map_err(|source| PlotError::Io { path: path.to_path_buf(), source })?;
        Ok(summary)
    });
    if result.is_err() {
        // The temporary file may not exist (the failure came first); nothing else to undo.
        let _ = fs::remove_file(&tmp);
    }
    result
}

fn render_to(data: &PlotData, tmp: &Path, format: PlotFormat) -> Result<PlotSummary, PlotError> {
    let fig = layout::Figure::for_data(data);
    let (w, h) = (fig.width, fig.height);
    let panels = match format {
        PlotFormat::Svg => {
            let mut text = String::new();
            let panels = draw_on(SVGBackend::with_string(&mut text, (w, h)), data, &fig)?;
            fs::write(tmp, text).map_err(|source| PlotError::Io { path: tmp.to_path_buf(), source })?;
            panels
        }
        PlotFormat::Png => draw_on(BitMapBackend::new(tmp, (w, h)), data, &fig)?,
    };
    Ok(PlotSummary { format, width: w, height: h, panels })
}

/// Draws the figure and flushes the backend (for PNG this encodes and writes the file).
fn draw_on<DB: DrawingBackend>(
    backend: DB,
    data: &PlotData,
    fig: &layout::Figure,
) -> Result<Vec<super::PanelSummary>, PlotError> {
    let root = backend.into_drawing_area();
    let panels = draw::figure(&root, data, fig)?;
    root.present().map_err(draw::err)?;
    Ok(panels)
}

/// A name in the destination's directory that no concurrent render in this process or another
/// uses; it keeps the format's extension because the PNG encoder picks the format by extension.
fn temp_path(path: &Path, format: PlotFormat) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let stem = path.file_name().map_or_else(|| "plot".into(), |s| s.to_string_lossy().into_owned());
    let name = format!(".{stem}.{}-{n}.tmp.{}", std::process::id(), format.extension());
    path.with_file_name(name)
}
