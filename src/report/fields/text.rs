//! The field report as text: the header (fields, space, candidates kept, threshold, wall time),
//! the equations as `.mech`, the coefficients and parameters with standard errors, the data's
//! shape and the form of the regression, the noise estimates and each trajectory's rollout
//! error; `verbose` adds the threshold path. `quiet`: the equations and parameters only.

use super::FieldReport;
use crate::number::format_sig;
use crate::report::values::{coefficient_text, pm};
use std::fmt::Write;

/// The report as text; `precision` significant digits for the standard-error lines.
pub fn text(r: &FieldReport, precision: usize, quiet: bool, verbose: bool) -> String {
    let mut s = String::new();
    let params: Vec<String> =
        r.params.iter().map(|p| format!("{} = {}", p.name, pm(p.value, p.std_error, precision))).collect();
    if quiet {
        for e in &r.equations {
            let _ = writeln!(s, "{}", e.text);
        }
        if !params.is_empty() {
            let _ = writeln!(s, "params: {}", params.join(", "));
        }
        return s;
    }
    let thr = r.threshold.map_or("none".into(), |t| format_sig(t, 3));
    let _ = writeln!(
        s,
        "{}: {} field(s) over {}{}, {} equation(s), {} candidate terms -> {} kept (threshold {} -> {thr}, {:.1} s)",
        r.model,
        r.grid.fields.len(),
        r.grid.space,
        if r.grid.periodic { " (periodic)" } else { "" },
        r.equations.len(),
        r.candidates,
        r.kept,
        r.threshold_mode,
        r.wall_seconds
    );
    for e in &r.equations {
        let _ = writeln!(s, "  {}", e.text);
    }
    if r.equations.iter().any(|e| e.terms.iter().any(|t| t.std_error.is_some())) {
        s.push_str("  coefficients (± standard error):\n");
        coefficient_text(&mut s, &r.equations, precision);
    }
    if !params.is_empty() {
        let _ = writeln!(s, "  params: {}", params.join(", "));
    }
    let shape: Vec<String> =
        r.trajectories.iter().take(1).map(|t| format!("{} points x {} times", t.points, t.times)).collect();
    let _ = writeln!(
        s,
        "data: {} trajectory(ies), {}, {} regression rows (method {}: {})",
        r.trajectories.len(),
        shape.join(""),
        r.rows,
        r.method,
        if r.form == "weak" { "noisy data, weak form in time" } else { "strong form" }
    );
    let noise: Vec<String> = r.noise.iter().map(|(n, v)| format!("{n} {}", format_sig(*v, 3))).collect();
    let _ = writeln!(s, "noise estimate (std): {}", noise.join(", "));
    rollouts(&mut s, r);
    if verbose {
        crate::report::summary::path_text(&mut s, &r.path);
    }
    s
}

/// One line per trajectory: its rollout error, or why there is none.
fn rollouts(s: &mut String, r: &FieldReport) {
    for t in &r.trajectories {
        match (&t.rollout_error, &t.rollout_failure) {
            (Some(e), _) => {
                let _ = writeln!(
                    s,
                    "rollout {}: {}% relative error over t = {} .. {} (against the denoised data)",
                    t.label,
                    format_sig(100.0 * e, 3),
                    format_sig(t.t0, 4),
                    format_sig(t.t1, 4)
                );
            }
            (None, m) => {
                let _ = writeln!(s, "rollout {}: none ({})", t.label, m.as_deref().unwrap_or("not computed"));
            }
        }
    }
}
