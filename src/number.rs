//! Numbers written as text: [`format_sig`] rounds to significant digits and writes a number the
//! `.mech` grammar reads back (reports, emitted models, messages); [`format_exact`] writes the
//! shortest text that reads back as the same float64 (IR dumps, data files).

/// `v` in the shortest form that parses back to the same bits (integers without a decimal point).
pub fn format_exact(v: f64) -> String {
    format!("{v}")
}

/// `v` rounded to `digits` significant digits, written as a `.mech` number: plain decimal for
/// magnitudes between 1e-4 and 1e15, exponent form otherwise; trailing zeros dropped.
pub fn format_sig(v: f64, digits: usize) -> String {
    let digits = digits.clamp(1, 17);
    if v == 0.0 || !v.is_finite() {
        return if v.is_nan() {
            "nan".into()
        } else if v == 0.0 {
            "0".into()
        } else {
            format!("{v}")
        };
    }
    let mag = v.abs().log10().floor() as i32;
    if !(-4..15).contains(&mag) {
        let s = format!("{:.*e}", digits - 1, v);
        let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
        return format!("{}e{e}", trim_zeros(m));
    }
    let decimals = digits as i32 - 1 - mag;
    if decimals < 0 {
        // More integer digits than significant ones: round away the extra ones.
        let factor = 10f64.powi(-decimals);
        return format!("{:.0}", (v / factor).round() * factor);
    }
    let decimals = decimals as usize;
    let s = format!("{v:.decimals$}");
    // Rounding can carry into a new digit (9.9996 → 10.000): trimming the zeros keeps it exact.
    trim_zeros(&s)
}

fn trim_zeros(s: &str) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s.to_string()
    }
}
