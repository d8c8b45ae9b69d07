//! Training windows: the automatic window length (half a characteristic period of the data)
//! and the split of every trajectory into training windows and, for `validation > 0`,
//! validation windows in its held-out end.
//!
//! Input: the smoothed data ([`Smoothed`]). Output: a length, and `(trajectory, start row)` lists.

use std::f64::consts::PI;

use crate::fit::smoothed::Smoothed;
use crate::fit::FitError;

/// Fewest rows of an automatic window: with fewer, the window's ODE barely constrains the
/// right-hand side beyond its initial value.
pub const MIN_AUTO_LEN: usize = 8;

/// The automatic window: half a characteristic period of the fastest state, in rows. A state's
/// characteristic time is `std(x) / rms(x')` on the smoothed data (for `sin(ωt)` this is
/// `1/ω`, so half a period is `π std(x) / rms(x')`); the fastest state over all trajectories
/// sets the span, converted to rows by the median step, and clipped to
/// `[MIN_AUTO_LEN, shortest trajectory]`.
pub fn auto_len(s: &Smoothed) -> usize {
    let span = s.fastest_time(PI);
    let shortest = s.trajs.iter().map(|t| t.t.len()).min().unwrap_or(MIN_AUTO_LEN);
    let step = s.median_step();
    let rows = if span.is_finite() { (span / step).round() as usize + 1 } else { shortest };
    rows.clamp(MIN_AUTO_LEN, shortest.max(MIN_AUTO_LEN)).min(shortest)
}

/// Training and validation windows, each `(trajectory, start row)`.
pub type Windows = (Vec<(usize, usize)>, Vec<(usize, usize)>);

/// Training and validation windows of `len` rows every `stride` rows. With `validation = v > 0`
/// the last `ceil(v·n)` rows of each trajectory are held out: training windows lie in the rows
/// before them, validation windows in them.
pub fn split(s: &Smoothed, len: usize, stride: usize, validation: f64) -> Result<Windows, FitError> {
    let (mut train, mut valid) = (Vec::new(), Vec::new());
    for (k, tr) in s.trajs.iter().enumerate() {
        let n = tr.t.len();
        let held = (validation * n as f64).ceil() as usize;
        let fit_rows = n - held.min(n);
        if fit_rows < len {
            return Err(FitError::Data(format!(
                "trajectory `{}` has {fit_rows} training rows, fewer than one window of {len}{}",
                tr.label,
                if held > 0 { format!(" ({held} held out for validation)") } else { String::new() }
            )));
        }
        train.extend(starts(fit_rows, len, stride).map(|st| (k, st)));
        if held > 0 {
            if held < len {
                return Err(FitError::Data(format!(
                    "the validation part of trajectory `{}` has {held} rows, fewer than one window of {len}: raise `validation` or lower `window`",
                    tr.label
                )));
            }
            valid.extend(starts(held, len, stride).map(|st| (k, fit_rows + st)));
        }
    }
    Ok((train, valid))
}

/// Window starts over `rows` rows; the last window always ends at the last row, so every row
/// is in some window.
fn starts(rows: usize, len: usize, stride: usize) -> impl Iterator<Item = usize> {
    let last = rows - len;
    let mut v: Vec<usize> = (0..=last).step_by(stride.max(1)).collect();
    if v.last() != Some(&last) {
        v.push(last);
    }
    v.into_iter()
}
