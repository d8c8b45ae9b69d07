//! PNG output: the PNG signature, a successful decode with the summary's dimensions, and pixels
//! that vary and show the series' colours (the figure is not blank).

use super::{out_dir, plot_data, trajectory};
use mechc::report::plot::{render, PlotFormat};

const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];

#[test]
fn png_is_valid_sized_and_not_blank() {
    let data = plot_data(3, vec![trajectory("a", 120, 3, 11), trajectory("b", 120, 3, 12)]);
    let path = out_dir("png").join("fit.PNG");
    let summary = render(&data, &path).expect("the plot renders");
    assert_eq!(summary.format, PlotFormat::Png, "the extension is read case-insensitively");
    let bytes = std::fs::read(&path).expect("the PNG was written");
    assert_eq!(bytes[..8], PNG_SIGNATURE);
    let img = image::load_from_memory_with_format(&bytes, image::ImageFormat::Png).expect("decodes").to_rgb8();
    assert_eq!(img.dimensions(), (summary.width, summary.height));

    let luma: Vec<f64> = img.pixels().map(|p| p.0.iter().map(|&c| f64::from(c)).sum::<f64>() / 3.0).collect();
    let mean = luma.iter().sum::<f64>() / luma.len() as f64;
    let var = luma.iter().map(|l| (l - mean) * (l - mean)).sum::<f64>() / luma.len() as f64;
    // A white page with sparse dark text and lines: clearly non-zero variance, mostly white.
    assert!(var > 100.0, "pixel variance {var}");
    assert!(mean > 200.0, "mean brightness {mean}");

    // Every series colour must appear as drawn pixels (antialiasing blends edges, so exact
    // matches come from line and point interiors).
    for panel in &summary.panels {
        for s in &panel.series {
            let rgb = hex_rgb(&s.colour);
            let n = img.pixels().filter(|p| p.0 == rgb).count();
            assert!(n > 0, "no pixel of {} ({}) in the image", s.label, s.colour);
        }
    }
}

fn hex_rgb(hex: &str) -> [u8; 3] {
    let byte = |i: usize| u8::from_str_radix(&hex[1 + 2 * i..3 + 2 * i], 16).expect("hex colour");
    [byte(0), byte(1), byte(2)]
}
