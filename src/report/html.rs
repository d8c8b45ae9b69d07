//! The report as one self-contained HTML page (`mechc run --report out.html`): a [`Report`] and,
//! optionally, the fit's figure as SVG text → a page with inline CSS and the figure inline, no
//! script and no reference to anything outside the file, so it opens offline and can be mailed.
//!
//! Sections: the equations as `.mech` text; the kept coefficients with standard errors and 95%
//! intervals (and the ensemble's inclusion probabilities and percentile intervals); the fitted
//! parameters (per trajectory as a table); what the errors are and what they take as given; every
//! metric labelled by what it is measured against; warnings; the selection path; the figure.
//! Every text from the model or the data is escaped.

use super::summary::Report;
use super::values::pm;
use crate::number::format_sig;
use std::fmt::Write;

/// The page's style sheet.
pub(crate) const CSS: &str =
    "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2em auto;max-width:1240px;\
color:#1a1a1a;padding:0 1em;line-height:1.45}h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.2em;\
border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:1.6em}pre{background:#f5f5f5;padding:.8em;\
overflow-x:auto;border-radius:4px}table{border-collapse:collapse;margin:.5em 0}th,td{border:1px solid #ddd;\
padding:.25em .6em;text-align:left;font-variant-numeric:tabular-nums}th{background:#f0f0f0}td.num{text-align:right}\
.note{color:#555;font-size:.92em}.warn{color:#8a4b00}figure{margin:1em 0}figure svg{max-width:100%;height:auto}\
tr.chosen td{font-weight:bold}";

/// The page's content security policy: nothing may load from anywhere (no script, no network);
/// only the inline style sheet applies. A browser reports any violation on its console.
pub const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'";

/// Escapes text for HTML element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The page's head (title, the content security policy `csp`, the style sheet) and its heading.
pub(crate) fn head(model: &str, csp: &str) -> String {
    let title = escape(model);
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{csp}\">\n\
         <title>{title}: fit report</title>\n<style>{CSS}</style>\n</head>\n<body>\n<h1>{title}</h1>\n"
    )
}

/// The page. `figure_svg` is the fit's figure as SVG text (drawn by this program), placed inline.
pub fn page(report: &Report, figure_svg: Option<&str>) -> String {
    let mut s = head(&report.model, CSP);
    let _ = writeln!(
        s,
        "<p class=\"note\">{} equation(s), {} candidate terms, {} kept (threshold {}); {} trajector{}, {} rows; \
         fit in {:.1} s{}</p>",
        report.equations.len(),
        report.candidates,
        report.kept,
        escape(&report.threshold_mode),
        report.trajectories,
        if report.trajectories == 1 { "y" } else { "ies" },
        report.rows,
        report.wall_seconds,
        if report.interrupted { " — interrupted: the best model so far" } else { "" }
    );
    equations(&mut s, report);
    coefficients(&mut s, report);
    parameters(&mut s, report);
    ensemble(&mut s, report);
    metrics(&mut s, report);
    warnings(&mut s, &report.warnings);
    path(&mut s, &report.path);
    if let Some(svg) = figure_svg {
        let _ = writeln!(
            s,
            "<h2>Figure</h2>\n<figure>\n{svg}\n<figcaption class=\"note\">Data as markers, the discovered \
             model's rollout as solid lines, the denoised fit dashed.</figcaption>\n</figure>"
        );
    }
    s.push_str("</body>\n</html>\n");
    s
}

fn equations(s: &mut String, r: &Report) {
    s.push_str("<h2>Discovered equations</h2>\n<pre>");
    for e in &r.equations {
        let _ = writeln!(s, "{}", escape(&e.text));
    }
    if let Some(h) = &r.hamiltonian {
        let _ = writeln!(s, "{}", escape(h));
    }
    s.push_str("</pre>\n");
}

fn coefficients(s: &mut String, r: &Report) {
    s.push_str("<h2>Coefficients</h2>\n<table>\n<tr><th>equation</th><th>term</th><th>coefficient</th>");
    s.push_str("<th>standard error</th><th>95% interval</th></tr>\n");
    for e in &r.equations {
        for t in &e.terms {
            let iv = t.interval.map_or("—".into(), |[a, b]| {
                format!("[{}, {}]", format_sig(a, r.precision), format_sig(b, r.precision))
            });
            let _ = writeln!(
                s,
                "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                escape(&e.lhs),
                escape(&t.term),
                format_sig(t.coefficient, r.precision),
                t.std_error.map_or("—".into(), |v| format_sig(v, 2)),
                iv
            );
        }
    }
    s.push_str("</table>\n");
    uncertainty_note(
        s,
        r.uncertainty.as_ref(),
        "No standard errors: this method computes none; <code>fit { ensemble = N }</code> gives bootstrap intervals.",
    );
}

fn parameters(s: &mut String, r: &Report) {
    if r.parameters.is_empty() {
        return;
    }
    s.push_str("<h2>Parameters</h2>\n<table>\n<tr><th>parameter</th><th>value ± standard error</th>");
    s.push_str("<th>95% interval</th></tr>\n");
    for p in &r.parameters {
        let held = if p.no_effect { " (no effect on the fit: held at its guess)" } else { "" };
        let shown = if p.per_trajectory.is_empty() {
            pm(p.value, p.std_error, r.precision)
        } else {
            format!("mean {} over {} trajectories", format_sig(p.value, r.precision), p.per_trajectory.len())
        };
        let iv = p
            .interval
            .map_or("—".into(), |[a, b]| format!("[{}, {}]", format_sig(a, r.precision), format_sig(b, r.precision)));
        let _ = writeln!(s, "<tr><td>{}</td><td>{}{held}</td><td>{iv}</td></tr>", escape(&p.name), shown);
    }
    s.push_str("</table>\n");
    for p in r.parameters.iter().filter(|p| !p.per_trajectory.is_empty()) {
        let _ = writeln!(s, "<table>\n<tr><th>trajectory</th><th>{} ± standard error</th></tr>", escape(&p.name));
        for t in &p.per_trajectory {
            let _ = writeln!(
                s,
                "<tr><td>{}</td><td class=\"num\">{}</td></tr>",
                escape(&t.trajectory),
                pm(t.value, t.std_error, r.precision)
            );
        }
        s.push_str("</table>\n");
    }
}

fn ensemble(s: &mut String, r: &Report) {
    let Some(e) = &r.ensemble else { return };
    let _ = writeln!(
        s,
        "<h2>Ensemble</h2>\n<p class=\"note\">{} of {} bootstrap refits ({}, seed {}). Inclusion: the fraction \
         of refits that kept the term; interval: the 2.5 and 97.5 percentiles over the refits (a refit that \
         dropped the term counts as 0).</p>",
        e.completed,
        e.requested,
        escape(&e.resampling),
        e.seed
    );
    s.push_str("<table>\n<tr><th>equation</th><th>term</th><th>kept by the fit</th><th>inclusion</th>");
    s.push_str("<th>median</th><th>2.5–97.5 percentile</th></tr>\n");
    for t in &e.terms {
        let _ = writeln!(
            s,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{:.2}</td><td class=\"num\">{}</td>\
             <td class=\"num\">[{}, {}]</td></tr>",
            escape(&t.equation),
            escape(&t.term),
            if t.kept { "yes" } else { "no" },
            t.inclusion,
            format_sig(t.median, r.precision),
            format_sig(t.interval[0], r.precision),
            format_sig(t.interval[1], r.precision)
        );
    }
    for p in &e.params {
        let _ = writeln!(
            s,
            "<tr><td colspan=\"2\">parameter {}</td><td></td><td></td><td></td><td class=\"num\">[{}, {}]</td></tr>",
            escape(&p.name),
            format_sig(p.interval[0], r.precision),
            format_sig(p.interval[1], r.precision)
        );
    }
    s.push_str("</table>\n");
}

/// A metrics row: what, value, measured against.
pub(crate) fn row(s: &mut String, what: &str, value: &str, against: &str) {
    let _ = writeln!(s, "<tr><td>{}</td><td class=\"num\">{}</td><td>{}</td></tr>", what, value, against);
}

fn metrics(s: &mut String, r: &Report) {
    s.push_str("<h2>Metrics</h2>\n<table>\n<tr><th>metric</th><th>value</th><th>measured against</th></tr>\n");
    for ((name, v), (_, sd)) in r.rmse.iter().zip(&r.noise) {
        let what = format!("training rms error of {}", escape(name));
        let value = format!("{} (noise estimate {})", format_sig(*v, 3), format_sig(*sd, 3));
        row(s, &what, &value, "the training data, from the fit's denoised trajectory (about the noise level)");
    }
    row(s, "final loss", &format_sig(r.loss, 3), "the fit's own objective, per data point");
    if let Some(q) = &r.rollout {
        let against =
            if q.against_denoised { "the fit's denoised first trajectory" } else { "the first trajectory's data" };
        let horizon = format!("rollout error over t ≤ {}", format_sig(q.horizon, 3));
        row(s, &horizon, &format!("{}%", format_sig(100.0 * q.error, 3)), against);
        let valid = match q.lyapunov_times {
            Some(l) => format!("{} Lyapunov times", format_sig(l, 3)),
            None => format!("{} time units", format_sig(q.valid_time, 3)),
        };
        let what = format!("valid prediction time at tolerance {}", q.tolerance);
        row(s, &what, &(valid + if q.exceeded { "" } else { " (the whole span)" }), against);
    }
    if let Some(f) = &r.rollout_failure {
        row(s, "rollout", &format!("failed: {}", escape(f)), "");
    }
    if let Some(h) = &r.held_out {
        let against = escape(&h.against);
        let err =
            format!("{}% (noise floor {}%)", format_sig(100.0 * h.error, 3), format_sig(100.0 * h.noise_floor, 3));
        row(s, "held-out rollout rms error", &err, &against);
        let vt = format!("{} of {} time units", format_sig(h.valid_time, 3), format_sig(h.span, 3));
        row(s, "held-out valid time", &vt, &against);
    }
    if let Some((d, t)) = r.energy_drift {
        let what = format!("energy drift over t ≤ {}", format_sig(t, 3));
        row(s, &what, &format!("{}%", format_sig(100.0 * d, 3)), "the fitted H at the rollout's start");
    }
    s.push_str("</table>\n");
}

/// The warnings section (none when there are no warnings).
pub(crate) fn warnings(s: &mut String, warnings: &[super::summary::Warning]) {
    if warnings.is_empty() {
        return;
    }
    s.push_str("<h2>Warnings</h2>\n<ul>\n");
    for w in warnings {
        let _ = writeln!(s, "<li class=\"warn\">[{}] {}</li>", escape(&w.code), escape(&w.message));
    }
    s.push_str("</ul>\n");
}

/// The model-selection table (none for a path of fewer than two levels).
pub(crate) fn path(s: &mut String, path: &[super::summary::PathPoint]) {
    if path.len() < 2 {
        return;
    }
    s.push_str("<h2>Model selection</h2>\n<table>\n<tr><th>terms kept</th><th>threshold</th><th>loss</th>");
    s.push_str("<th>criterion (lower is better)</th><th>criterion − chosen</th><th>chosen</th></tr>\n");
    let best = path.iter().find(|p| p.chosen).map_or(f64::NAN, |p| p.criterion);
    for p in path {
        let _ = writeln!(
            s,
            "<tr{}><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td>{}</td></tr>",
            if p.chosen { " class=\"chosen\"" } else { "" },
            p.terms,
            format_sig(p.threshold, 3),
            format_sig(p.loss, 4),
            format_sig(p.criterion, 6),
            format_sig(p.criterion - best, 4),
            if p.chosen { "chosen" } else { "" }
        );
    }
    s.push_str("</table>\n");
}

/// The paragraph under a coefficient table: how the standard errors were computed, or
/// `missing` (HTML) when there are none.
pub(crate) fn uncertainty_note(s: &mut String, u: Option<&super::summary::UncertaintyInfo>, missing: &str) {
    match u {
        Some(u) => {
            let _ = writeln!(
                s,
                "<p class=\"note\">Standard errors: {}; residual variance {} per degree of freedom ({} degrees of \
                 freedom). 95% interval: ± 1.96 standard errors.{}</p>",
                escape(&u.method),
                format_sig(u.residual_variance, 3),
                format_sig(u.dof, 3),
                u.conditional_on.as_ref().map_or(String::new(), |c| format!(" Conditional on {}.", escape(c)))
            );
        }
        None => {
            let _ = writeln!(s, "<p class=\"note\">{missing}</p>");
        }
    }
}
