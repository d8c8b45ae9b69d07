//! The discovered field model written back as `.mech`: the lowered model, the field fit and the
//! field data → the text of a model file that `mechc check` accepts and `mechc simulate`
//! integrates.
//!
//! Shape: a `model` line, the `space` and `field` declarations, one `const` per fitted
//! parameter, a `system discovered_model(params...)` holding the discovered equations (the
//! parameters are its arguments, given their fitted values in each `simulate` call), one `data`
//! block per training trajectory simulating it from that trajectory's first denoised profile
//! over its time span on its grid (`discovered_rollout` for a single trajectory,
//! `discovered_rollout_K` otherwise), and the discovered equations. A `simulate` block takes an
//! initial profile as an expression of the space variable, so the denoised profile is written as
//! its trigonometric interpolant (exact at the grid points), leaving out the smallest Fourier
//! components while their share of the profile's L2 norm stays below [`TRUNCATION`].
//! A bounded space's simulation needs boundary conditions, which the data do not give: a model
//! on a bounded space gets no `data` block and its header says so.

use super::rollout::field_of;
use crate::check::hir::Pde;
use crate::data::field::FieldData;
use crate::fit::pde::FieldFit;
use crate::ir::ModelIr;
use crate::number::format_sig;
use crate::report::emit::{number, EMIT_PRECISION};
use crate::report::equations::equations;
use rustfft::num_complex::Complex64 as C;
use std::fmt::Write;

/// Largest relative L2 norm of the modes an emitted initial profile leaves out: far below any
/// noise level or rollout error a report shows (those are given to three digits and are at
/// least the data's round-off), and above the round-off of the 12-digit numbers themselves.
pub const TRUNCATION: f64 = 1e-9;

/// The `.mech` text of the discovered field model; `source` names the file it came from.
pub fn emit_model(ir: &ModelIr, pde: &Pde, data: &FieldData, fit: &FieldFit, source: &str) -> String {
    let f = &fit.fitted;
    let eqs = equations(ir, &f.coefficients, &f.active, EMIT_PRECISION);
    let space = &pde.space;
    let mut s = String::new();
    if space.periodic {
        let _ = writeln!(s, "# The model discovered by `mechc run {source}`; `mechc simulate` integrates it.");
    } else {
        let _ = writeln!(
            s,
            "# The model discovered by `mechc run {source}`. On a bounded space `simulate` needs \
             boundary conditions, which the data do not give, so this model has no `data` block."
        );
    }
    let _ = writeln!(s, "model {}\n", ir.name);
    let bounds = format!("{} .. {}", exact(space.lo), exact(space.hi));
    let _ = writeln!(s, "space {} in {bounds}{}", space.name, if space.periodic { " periodic" } else { "" });
    let _ = writeln!(s, "field {} over {}", ir.names.states.join(", "), space.name);
    for (name, v) in ir.names.params.iter().zip(&f.params) {
        let _ = writeln!(s, "const {name} = {}", number(*v));
    }
    if space.periodic {
        let _ = writeln!(s, "\nsystem discovered_model({}) {{", ir.names.params.join(", "));
        let _ = writeln!(s, "    field {} over {}", ir.names.states.join(", "), space.name);
        for e in &eqs {
            let _ = writeln!(s, "    {}", e.text);
        }
        s.push_str("}\n");
        let args: Vec<String> =
            ir.names.params.iter().zip(&f.params).map(|(n, v)| format!("{n} = {}", number(*v))).collect();
        let single = data.trajectories.len() == 1;
        let field_of = field_of(ir, pde);
        for (k, (tr, den)) in data.trajectories.iter().zip(&fit.denoised).enumerate() {
            let name = if single { "discovered_rollout".to_string() } else { format!("discovered_rollout_{}", k + 1) };
            if !single {
                let _ = writeln!(s, "\n# trajectory `{}`", tr.label.replace(['\n', '\r'], " "));
            } else {
                s.push('\n');
            }
            let _ = writeln!(s, "data {name} = simulate discovered_model({}) {{", args.join(", "));
            for (state, &fi) in ir.names.states.iter().zip(&field_of) {
                let profile = &den[fi][..tr.nx()];
                let _ = writeln!(s, "    init {state} = {}", interpolant(profile, space.lo, space.hi, &space.name));
            }
            let step = (tr.t[tr.nt() - 1] - tr.t[0]) / (tr.nt() - 1).max(1) as f64;
            let _ = writeln!(s, "    points {}", tr.nx());
            let _ = writeln!(s, "    time {} .. {} step {}", exact(tr.t[0]), exact(tr.t[tr.nt() - 1]), number(step));
            s.push_str("}\n");
        }
    }
    s.push('\n');
    for e in &eqs {
        let _ = writeln!(s, "{}", e.text);
    }
    s
}

/// The trigonometric interpolant of `profile` (samples at `lo + j·(hi − lo)/n`) as an
/// expression of `x`: `a0 + a1*cos(w1*(x - lo)) + b1*sin(w1*(x - lo)) + ...`, the smallest
/// Fourier components left out while their L2 share stays below [`TRUNCATION`].
pub fn interpolant(profile: &[f64], lo: f64, hi: f64, x: &str) -> String {
    let n = profile.len();
    let mut buf: Vec<C> = profile.iter().map(|&v| C::new(v, 0.0)).collect();
    rustfft::FftPlanner::new().plan_fft_forward(n).process(&mut buf);
    // Every component (mode k, sine or not, coefficient) with its share of the mean square.
    let mut parts: Vec<(usize, bool, f64, f64)> = Vec::new();
    for (k, z) in buf.iter().enumerate().take(n / 2 + 1) {
        let edge = k == 0 || 2 * k == n;
        if edge {
            parts.push((k, false, z.re / n as f64, (z.re / n as f64).powi(2)));
        } else {
            let (a, b) = (2.0 * z.re / n as f64, -2.0 * z.im / n as f64);
            parts.push((k, false, a, a * a / 2.0));
            parts.push((k, true, b, b * b / 2.0));
        }
    }
    let total: f64 = parts.iter().map(|p| p.3).sum();
    let mut order: Vec<usize> = (0..parts.len()).collect();
    order.sort_by(|&i, &j| parts[i].3.total_cmp(&parts[j].3));
    let mut keep = vec![true; parts.len()];
    let mut dropped = 0.0;
    for i in order {
        if dropped + parts[i].3 > TRUNCATION * TRUNCATION * total {
            break;
        }
        dropped += parts[i].3;
        keep[i] = false;
    }
    let shift = if lo == 0.0 {
        x.to_string()
    } else if lo < 0.0 {
        format!("({x} + {})", exact(-lo))
    } else {
        format!("({x} - {})", exact(lo))
    };
    let w = 2.0 * std::f64::consts::PI / (hi - lo);
    let terms: Vec<(f64, String)> = parts
        .iter()
        .zip(&keep)
        .filter(|(p, &k)| k && p.2 != 0.0)
        .map(|(&(k, sine, c, _), _)| match k {
            0 => (c, String::new()),
            _ => (c, format!("*{}({}*{shift})", if sine { "sin" } else { "cos" }, number(k as f64 * w))),
        })
        .collect();
    join_terms(&terms)
}

/// A number written so that it reads back as the same `f64` (space bounds and times, which a
/// grid must match exactly).
fn exact(v: f64) -> String {
    let t = format!("{}", v.abs());
    if v < 0.0 {
        format!("-{t}")
    } else {
        t
    }
}

/// `c1*f1 + c2*f2 - ...` with the signs pulled out; `0` for no terms.
fn join_terms(parts: &[(f64, String)]) -> String {
    let mut s = String::new();
    for (i, (c, f)) in parts.iter().enumerate() {
        let mag = format_sig(c.abs(), EMIT_PRECISION);
        match (i, *c < 0.0) {
            (0, false) => s.push_str(&format!("{mag}{f}")),
            (0, true) => s.push_str(&format!("-{mag}{f}")),
            (_, false) => s.push_str(&format!(" + {mag}{f}")),
            (_, true) => s.push_str(&format!(" - {mag}{f}")),
        }
    }
    if s.is_empty() {
        "0".into()
    } else {
        s
    }
}
