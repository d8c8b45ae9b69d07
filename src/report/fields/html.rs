//! The field report as one self-contained HTML page (`mechc run --report out.html` on a model
//! with fields): a [`FieldReport`] and, optionally, the heat-map figure as SVG text → a page with
//! the page style of [`crate::report::html`] (inline CSS, no script, nothing loaded from
//! elsewhere: the heat maps are `data:` images inside the inline SVG). Sections: the equations as `.mech`; the kept coefficients with standard errors
//! and 95% intervals; the fitted parameters; the data, the grid and the method; the metrics,
//! each labelled by what it is measured against; warnings; the selection path; the figure. Every
//! text from the model or the data is escaped.

use super::FieldReport;
use crate::number::format_sig;
use crate::report::html::{escape, head, path, row, uncertainty_note, warnings};
use crate::report::values::pm;
use std::fmt::Write;

/// The page's content security policy: as the fit report's, and images only from the page
/// itself (the heat maps are PNG images embedded as `data:` URIs in the inline SVG).
pub const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

/// Significant digits of the page's coefficients.
const DIGITS: usize = 4;

/// The page. `figure_svg` is the heat-map figure as SVG text (drawn by this program).
pub fn page(r: &FieldReport, figure_svg: Option<&str>) -> String {
    let mut s = head(&r.model, CSP);
    let _ = writeln!(
        s,
        "<p class=\"note\">{} field(s) over {}{}; {} equation(s), {} candidate terms, {} kept (threshold {}); \
         {} trajector{}, {} regression rows; fit in {:.1} s{}</p>",
        r.grid.fields.len(),
        escape(&r.grid.space),
        if r.grid.periodic { " (periodic)" } else { "" },
        r.equations.len(),
        r.candidates,
        r.kept,
        escape(&r.threshold_mode),
        r.trajectories.len(),
        if r.trajectories.len() == 1 { "y" } else { "ies" },
        r.rows,
        r.wall_seconds,
        if r.interrupted { " — interrupted: the best model so far" } else { "" }
    );
    s.push_str("<h2>Discovered equations</h2>\n<pre>");
    for e in &r.equations {
        let _ = writeln!(s, "{}", escape(&e.text));
    }
    s.push_str("</pre>\n");
    coefficients(&mut s, r);
    parameters(&mut s, r);
    data(&mut s, r);
    metrics(&mut s, r);
    warnings(&mut s, &r.warnings);
    path(&mut s, &r.path);
    if let Some(svg) = figure_svg {
        let _ = writeln!(
            s,
            "<h2>Figure</h2>\n<figure>\n{svg}\n<figcaption class=\"note\">Space–time heat maps: the data, the \
             discovered model's rollout from the first denoised profile (one colour scale for both) and their \
             difference (a diverging scale centred on zero).</figcaption>\n</figure>"
        );
    }
    s.push_str("</body>\n</html>\n");
    s
}

/// An interval with enough digits that its ends differ (two more than the ratio of their size
/// to the width needs).
fn interval(iv: Option<[f64; 2]>) -> String {
    iv.map_or("—".into(), |[a, b]| {
        let ratio = a.abs().max(b.abs()) / (b - a).abs().max(f64::MIN_POSITIVE);
        let digits = (ratio.log10().ceil().max(0.0) as usize + 2).clamp(DIGITS, 15);
        format!("[{}, {}]", format_sig(a, digits), format_sig(b, digits))
    })
}

fn coefficients(s: &mut String, r: &FieldReport) {
    s.push_str("<h2>Coefficients</h2>\n<table>\n<tr><th>equation</th><th>term</th><th>coefficient</th>");
    s.push_str("<th>standard error</th><th>95% interval</th></tr>\n");
    for e in &r.equations {
        for t in &e.terms {
            let _ = writeln!(
                s,
                "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                escape(&e.lhs),
                escape(&t.term),
                format_sig(t.coefficient, DIGITS),
                t.std_error.map_or("—".into(), |v| format_sig(v, 2)),
                interval(t.interval)
            );
        }
    }
    s.push_str("</table>\n");
    uncertainty_note(s, r.uncertainty.as_ref(), "No standard errors were computed for this fit.");
}

fn parameters(s: &mut String, r: &FieldReport) {
    if r.params.is_empty() {
        return;
    }
    s.push_str("<h2>Parameters</h2>\n<table>\n<tr><th>parameter</th><th>value ± standard error</th>");
    s.push_str("<th>95% interval</th></tr>\n");
    for p in &r.params {
        let _ = writeln!(
            s,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&p.name),
            pm(p.value, p.std_error, DIGITS),
            interval(p.interval)
        );
    }
    s.push_str("</table>\n");
}

fn data(s: &mut String, r: &FieldReport) {
    let _ = writeln!(
        s,
        "<h2>Data and method</h2>\n<p>Space {} in {} .. {}{}. Fitted by the <code>{}</code> engine: least squares \
         on the denoised fields' space-time derivatives ({}), the same threshold selection as ODE models.</p>",
        escape(&r.grid.space),
        format_sig(r.grid.lo, 6),
        format_sig(r.grid.hi, 6),
        if r.grid.periodic { ", periodic" } else { "" },
        r.method,
        if r.form == "weak" { "noisy data: the weak form in time" } else { "strong form, pointwise" }
    );
    s.push_str("<table>\n<tr><th>trajectory</th><th>grid points</th><th>spacing</th><th>times</th>");
    s.push_str("<th>time span</th></tr>\n");
    for t in &r.trajectories {
        let _ = writeln!(
            s,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{} .. {}</td></tr>",
            escape(&t.label),
            t.points,
            format_sig(t.spacing, 4),
            t.times,
            format_sig(t.t0, 4),
            format_sig(t.t1, 4)
        );
    }
    s.push_str("</table>\n");
}

fn metrics(s: &mut String, r: &FieldReport) {
    s.push_str("<h2>Metrics</h2>\n<table>\n<tr><th>metric</th><th>value</th><th>measured against</th></tr>\n");
    for (name, sd) in &r.noise {
        let what = format!("noise estimate of {}", escape(name));
        row(s, &what, &format_sig(*sd, 3), "the data's own fourth differences (standard deviation)");
    }
    for t in &r.trajectories {
        let what = format!("rollout error of {}", escape(&t.label));
        match (t.rollout_error, &t.rollout_failure) {
            (Some(e), _) => row(
                s,
                &what,
                &format!("{}%", format_sig(100.0 * e, 3)),
                "the denoised data, relative L2 over every time and grid point",
            ),
            (None, m) => row(s, &what, &format!("none: {}", escape(m.as_deref().unwrap_or("not computed"))), ""),
        }
    }
    s.push_str("</table>\n");
}
