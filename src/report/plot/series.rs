//! Turning values into drawable series: splitting at non-finite values into runs, axis ranges
//! that keep the data readable when a rollout diverges, and clamping onto those ranges.

use std::ops::Range;

/// Splits a sequence of optional points into runs of consecutive present points (a missing or
/// non-finite value leaves a gap).
pub(super) fn runs<I: IntoIterator<Item = Option<(f64, f64)>>>(points: I) -> Vec<Vec<(f64, f64)>> {
    let mut out = Vec::new();
    let mut cur = Vec::new();
    for p in points {
        match p {
            Some(p) => cur.push(p),
            None if !cur.is_empty() => out.push(std::mem::take(&mut cur)),
            None => {}
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// An axis range covering the data and the model.
///
/// Model values may widen the range by at most the data's own span on each side: a diverged
/// rollout would otherwise squash the data into a line. Values outside are clamped onto the edge
/// when drawn. With no data the model alone sets the range; with neither, `0..1`.
pub(super) fn axis_range(data: &[f64], model: &[f64]) -> Range<f64> {
    let (dlo, dhi) = min_max(data);
    let (mlo, mhi) = min_max(model);
    let (lo, hi) = if dlo <= dhi {
        let span = (dhi - dlo).max(scale_floor(dlo, dhi));
        (dlo.min(mlo.max(dlo - span)), dhi.max(mhi.min(dhi + span)))
    } else if mlo <= mhi {
        (mlo, mhi)
    } else {
        (0.0, 1.0)
    };
    pad(lo, hi)
}

/// A 5 % margin on each side; a degenerate range is widened around its value.
fn pad(lo: f64, hi: f64) -> Range<f64> {
    let span = hi - lo;
    if span > scale_floor(lo, hi) * 1e-3 {
        let m = 0.05 * span;
        (lo - m)..(hi + m)
    } else {
        let half = scale_floor(lo, hi) * 0.5;
        (lo - half)..(hi + half)
    }
}

/// A length on the scale of the values, never zero: used where a range is (nearly) a point.
fn scale_floor(lo: f64, hi: f64) -> f64 {
    lo.abs().max(hi.abs()).max(1.0) * 0.1
}

/// `(min, max)` of the finite values; `(inf, -inf)` when there are none.
fn min_max(v: &[f64]) -> (f64, f64) {
    v.iter().filter(|x| x.is_finite()).fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &x| (lo.min(x), hi.max(x)))
}

/// Clamps a value into a range, so out-of-range model values run along the panel's edge.
pub(super) fn clamp(v: f64, r: &Range<f64>) -> f64 {
    v.clamp(r.start, r.end)
}

/// The range `lo..hi` of a log axis covering the positive finite values, with a margin.
pub(super) fn log_range(values: &[f64]) -> Range<f64> {
    let (lo, hi) = values
        .iter()
        .filter(|v| v.is_finite() && **v > 0.0)
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &x| (lo.min(x), hi.max(x)));
    if lo > hi {
        return 0.1..1.0;
    }
    // A factor 1.5 margin each way; a flat history still gets a decade to show it.
    let (lo, hi) = (lo / 1.5, hi * 1.5);
    if hi / lo < 10.0 {
        let mid = (lo * hi).sqrt();
        (mid / 10f64.sqrt())..(mid * 10f64.sqrt())
    } else {
        lo..hi
    }
}
