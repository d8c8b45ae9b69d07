//! Output formats and writing: [`PlotFormat`] from a path's extension, and rendering a
//! [`PlotData`] in memory, then writing it with the one atomic writer ([`crate::files`]).

use std::path::Path;

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
}

/// Renders in memory, then writes a temporary sibling of `path` and renames it over `path`.
pub(super) fn render_atomically(data: &PlotData, path: &Path, format: PlotFormat) -> Result<PlotSummary, PlotError> {
    let (bytes, summary) = render_bytes(data, format)?;
    crate::files::write_atomic(path, &bytes).map_err(|source| PlotError::Io { path: path.to_path_buf(), source })?;
    Ok(summary)
}

/// The file's bytes and what was drawn.
pub(super) fn render_bytes(data: &PlotData, format: PlotFormat) -> Result<(Vec<u8>, PlotSummary), PlotError> {
    let fig = layout::Figure::for_data(data);
    let (w, h) = (fig.width, fig.height);
    let (bytes, panels) = match format {
        PlotFormat::Svg => {
            let mut text = String::new();
            let panels = draw_on(SVGBackend::with_string(&mut text, (w, h)), data, &fig)?;
            (text.into_bytes(), panels)
        }
        PlotFormat::Png => {
            let mut rgb = vec![0u8; w as usize * h as usize * 3];
            let panels = draw_on(BitMapBackend::with_buffer(&mut rgb, (w, h)), data, &fig)?;
            (encode_png(rgb, w, h)?, panels)
        }
    };
    Ok((bytes, PlotSummary { format, width: w, height: h, panels }))
}

/// Draws the figure and flushes the backend into its buffer.
fn draw_on<DB: DrawingBackend>(
    backend: DB,
    data: &PlotData,
    fig: &layout::Figure,
) -> Result<Vec<super::PanelSummary>, PlotError> {
    let root = backend.into_drawing_area();
    let panels = draw::figure(&root, data, fig)?;
    root.present().map_err(super::chart::err)?;
    Ok(panels)
}

pub(super) fn encode_png(rgb: Vec<u8>, w: u32, h: u32) -> Result<Vec<u8>, PlotError> {
    let img =
        image::RgbImage::from_raw(w, h, rgb).ok_or_else(|| PlotError::Draw("the bitmap has the wrong size".into()))?;
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageOutputFormat::Png).map_err(|e| PlotError::Draw(e.to_string()))?;
    Ok(out.into_inner())
}
