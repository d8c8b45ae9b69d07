//! The heat maps' colour scales and rasters: a sequential scale (viridis: perceptually uniform,
//! readable in grey and under the common forms of colour blindness) for values, a diverging
//! scale (blue–white–red) centred on zero for errors, the raster of a space–time field sampled
//! at a panel's pixels, and base64 for embedding a raster in SVG text.

use plotters::style::RGBColor;

/// Viridis at eleven evenly spaced stops (from matplotlib's table), interpolated linearly.
const VIRIDIS: [(u8, u8, u8); 11] = [
    (0x44, 0x01, 0x54),
    (0x48, 0x24, 0x75),
    (0x41, 0x44, 0x87),
    (0x35, 0x5F, 0x8D),
    (0x2A, 0x78, 0x8E),
    (0x21, 0x91, 0x8C),
    (0x22, 0xA8, 0x84),
    (0x44, 0xBF, 0x70),
    (0x7A, 0xD1, 0x51),
    (0xBC, 0xDF, 0x27),
    (0xFD, 0xE7, 0x25),
];
/// Blue–white–red (ColorBrewer RdBu, reversed so that positive is red) at nine stops.
const DIVERGING: [(u8, u8, u8); 9] = [
    (0x21, 0x66, 0xAC),
    (0x43, 0x93, 0xC3),
    (0x92, 0xC5, 0xDE),
    (0xD1, 0xE5, 0xF0),
    (0xF7, 0xF7, 0xF7),
    (0xFD, 0xDB, 0xC7),
    (0xF4, 0xA5, 0x82),
    (0xD6, 0x60, 0x4D),
    (0xB2, 0x18, 0x2B),
];
/// Colour of a value that is not finite.
pub const MISSING: RGBColor = RGBColor(0xBB, 0xBB, 0xBB);

/// A colour scale over a value range.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scale {
    pub lo: f64,
    pub hi: f64,
    pub diverging: bool,
}

impl Scale {
    /// The sequential scale over the finite values of `sets` (a constant field gets a range
    /// around its value, so it still has a colour).
    pub fn sequential<'a>(sets: impl IntoIterator<Item = &'a [f64]>) -> Scale {
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        for v in sets.into_iter().flatten().filter(|v| v.is_finite()) {
            lo = lo.min(*v);
            hi = hi.max(*v);
        }
        if !lo.is_finite() {
            (lo, hi) = (0.0, 1.0);
        } else if hi - lo <= f64::EPSILON * lo.abs().max(hi.abs()) {
            let pad = lo.abs().max(1.0) * 1e-6;
            (lo, hi) = (lo - pad, hi + pad);
        }
        Scale { lo, hi, diverging: false }
    }

    /// The diverging scale `−m .. m` with `m` the largest finite |value| of `v`.
    pub fn diverging(v: &[f64]) -> Scale {
        let m = v.iter().filter(|v| v.is_finite()).fold(0.0f64, |m, v| m.max(v.abs()));
        let m = if m > 0.0 { m } else { f64::MIN_POSITIVE.sqrt() };
        Scale { lo: -m, hi: m, diverging: true }
    }

    /// The colour of `v` (values outside the range take the end colours).
    pub fn colour(&self, v: f64) -> RGBColor {
        if !v.is_finite() {
            return MISSING;
        }
        let s = ((v - self.lo) / (self.hi - self.lo)).clamp(0.0, 1.0);
        if self.diverging {
            interpolate(&DIVERGING, s)
        } else {
            interpolate(&VIRIDIS, s)
        }
    }
}

fn interpolate(stops: &[(u8, u8, u8)], s: f64) -> RGBColor {
    let pos = s * (stops.len() - 1) as f64;
    let i = (pos.floor() as usize).min(stops.len() - 2);
    let f = pos - i as f64;
    let mix = |a: u8, b: u8| (a as f64 + f * (b as f64 - a as f64)).round() as u8;
    let (a, b) = (stops[i], stops[i + 1]);
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// The RGB raster (`w` × `h`, row-major from the top) of a field `v` (row-major over the `nt`
/// times and `nx` points) with time along the width and space upwards: each pixel takes the
/// value at the nearest time and point.
pub fn raster(v: &[f64], nt: usize, nx: usize, w: u32, h: u32, scale: &Scale) -> Vec<u8> {
    let mut out = Vec::with_capacity(w as usize * h as usize * 3);
    for row in 0..h as usize {
        let i = (((h as usize - 1 - row) as f64 + 0.5) / h as f64 * nx as f64) as usize;
        for col in 0..w as usize {
            let k = ((col as f64 + 0.5) / w as f64 * nt as f64) as usize;
            let c = scale.colour(v[k.min(nt - 1) * nx + i.min(nx - 1)]);
            out.extend_from_slice(&[c.0, c.1, c.2]);
        }
    }
    out
}

/// Standard base64 (RFC 4648, padded).
pub fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            if k <= chunk.len() {
                s.push(ABC[(n >> (18 - 6 * k) & 63) as usize] as char);
            } else {
                s.push('=');
            }
        }
    }
    s
}
