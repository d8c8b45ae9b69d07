//! Space–time heat maps of field fits: the colour scales (one sequential scale shared by the data
//! and the rollout, a diverging scale centred on zero for their difference), the raster's
//! orientation, PNG pixels against the scale, SVG with one embedded image per panel, and errors
//! that leave no file behind. The fixture is the closed-form travelling wave `sin(x − t)` with a
//! rollout off by a known amount.

use super::out_dir;
use mechc::report::plot::heatmap::colour::{base64, raster, Scale};
use mechc::report::plot::heatmap::{render, render_svg, FieldPlot, FieldRow};
use plotters::style::RGBColor;

/// `sin(x − t)` on `nt` times in [0, 2] and `nx` points of [0, 2π), and a rollout that is
/// `1.1 sin(x − t)`: its error is `0.1 sin(x − t)`, largest 0.1 in size.
fn row(label: &str, nt: usize, nx: usize) -> FieldRow {
    let t: Vec<f64> = (0..nt).map(|k| 2.0 * k as f64 / (nt - 1) as f64).collect();
    let x: Vec<f64> = (0..nx).map(|i| std::f64::consts::TAU * i as f64 / nx as f64).collect();
    let data: Vec<f64> = t.iter().flat_map(|&t| x.iter().map(move |&x| (x - t).sin())).collect();
    let rollout = Ok(data.iter().map(|v| 1.1 * v).collect());
    FieldRow { label: label.into(), t, x, data, rollout }
}

fn plot(rows: Vec<FieldRow>) -> FieldPlot {
    FieldPlot { title: "wave".into(), header: vec!["u' = -u_x".into()], space: "x".into(), rows }
}

#[test]
fn scales_are_shared_for_values_and_centred_for_the_error() {
    let dir = out_dir("heat-scales");
    let p = plot(vec![row("u (a)", 41, 64), row("u (b)", 21, 32)]);
    let summary = render(&p, &dir.join("h.png")).expect("renders");
    assert_eq!(summary.rows.len(), 2);
    for (r, fixture) in summary.rows.iter().zip(&p.rows) {
        let all = fixture.data.iter().chain(fixture.rollout.as_ref().unwrap());
        let (lo, hi) = all.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
        assert_eq!((r.values.lo, r.values.hi), (lo, hi), "one scale over data and rollout");
        let e = r.error.expect("an error panel");
        let max = fixture.data.iter().map(|v| 0.1 * v.abs()).fold(0.0, f64::max);
        assert!((e.hi - max).abs() < 1e-12 && e.lo == -e.hi && e.diverging, "{e:?} vs {max}");
        assert_eq!(r.panels.len(), 3);
    }
}

#[test]
fn png_pixels_follow_the_scale() {
    let dir = out_dir("heat-png");
    let p = plot(vec![row("u", 41, 64)]);
    let path = dir.join("h.png");
    let summary = render(&p, &path).expect("renders");
    let img = image::open(&path).expect("a PNG").to_rgb8();
    assert_eq!((img.width(), img.height()), (summary.width, summary.height));
    let r = &summary.rows[0];
    let px = |x: i32, y: i32| {
        let c = img.get_pixel(x as u32, y as u32);
        RGBColor(c[0], c[1], c[2])
    };
    // The data panel's bottom-left pixel is the first time at the first point: sin(0) = 0.
    let data = r.panels[0];
    assert_eq!(px(data.x0 + 1, data.y1 - 2), r.values.colour(0.0));
    // Top-left: the first time at the last point, sin(2π·63/64).
    let top = (std::f64::consts::TAU * 63.0 / 64.0).sin();
    assert_eq!(px(data.x0 + 1, data.y0 + 1), r.values.colour(top));
    // The error panel at the same spot: 0.1·sin(0) = 0 is the scale's white middle.
    let err = r.panels[2];
    assert_eq!(px(err.x0 + 1, err.y1 - 2), r.error.unwrap().colour(0.0));
    assert_eq!(r.error.unwrap().colour(0.0), RGBColor(0xF7, 0xF7, 0xF7));
}

#[test]
fn svg_embeds_one_image_per_panel_under_the_axes() {
    let p = plot(vec![row("u", 101, 256)]);
    let (svg, summary) = render_svg(&p).expect("renders");
    assert_eq!(svg.matches("<image ").count(), 3);
    assert!(svg.len() < 400_000, "an embedded image, not a rectangle per cell: {} bytes", svg.len());
    let first_image = svg.find("<image").unwrap();
    let first_text = svg.find("<text").unwrap();
    assert!(first_image < first_text, "images lie under the labels");
    let d = summary.rows[0].panels[0];
    assert!(svg.contains(&format!("<image x=\"{}\" y=\"{}\"", d.x0, d.y0)), "placed on the data panel");
}

#[test]
fn a_missing_rollout_leaves_its_reason_and_no_error_panel() {
    let mut r = row("u", 11, 16);
    r.rollout = Err("the rollout needs a periodic space".into());
    let (svg, summary) = render_svg(&plot(vec![r])).expect("renders");
    assert!(svg.contains("no rollout: the rollout needs a periodic space"));
    assert_eq!(summary.rows[0].panels.len(), 1);
    assert!(summary.rows[0].error.is_none());
}

#[test]
fn bad_shapes_are_errors_and_write_nothing() {
    let dir = out_dir("heat-bad");
    let mut r = row("u", 11, 16);
    r.data.pop();
    let path = dir.join("h.svg");
    let e = render(&plot(vec![r]), &path).expect_err("a short field");
    assert!(e.to_string().contains("175 data values for 11 times x 16 points"), "{e}");
    assert!(!path.exists());
    let e = render(&plot(Vec::new()), &path).expect_err("no rows");
    assert!(e.to_string().contains("no trajectories"), "{e}");
    assert!(!path.exists());
}

#[test]
fn base64_matches_the_rfc_vectors() {
    for (plain, coded) in
        [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="), ("foobar", "Zm9vYmFy")]
    {
        assert_eq!(base64(plain.as_bytes()), coded);
    }
}

#[test]
fn scales_end_at_their_stops_and_the_raster_puts_time_across_and_space_up() {
    let s = Scale::sequential([&[2.0, 5.0][..]]);
    assert_eq!(s.colour(2.0), RGBColor(0x44, 0x01, 0x54));
    assert_eq!(s.colour(5.0), RGBColor(0xFD, 0xE7, 0x25));
    // Two times, two points: v(t, x) = 10 t + x.
    let v = [0.0, 1.0, 10.0, 11.0];
    let s = Scale::sequential([&v[..]]);
    let r = raster(&v, 2, 2, 2, 2, &s);
    let px = |row: usize, col: usize| {
        RGBColor(r[(row * 2 + col) * 3], r[(row * 2 + col) * 3 + 1], r[(row * 2 + col) * 3 + 2])
    };
    assert_eq!(px(1, 0), s.colour(0.0), "bottom left: first time, first point");
    assert_eq!(px(0, 0), s.colour(1.0), "top left: first time, last point");
    assert_eq!(px(1, 1), s.colour(10.0), "bottom right: last time, first point");
}
