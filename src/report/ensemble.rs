//! The ensemble's part of the report: the fit's [`Ensemble`] (bootstrap refits of
//! `fit { ensemble = N }`) → an [`EnsembleReport`] naming each candidate term that the fit or a
//! replicate kept, with its inclusion probability (the fraction of replicates keeping it), its
//! median and its 2.5–97.5 percentile interval over the replicates (a replicate that dropped the
//! term counts as 0), and the shared parameters' percentile intervals; and its text.

use crate::fit::ensemble::Ensemble;
use crate::fit::Fitted;
use crate::ir::{ModelIr, Var};
use crate::number::format_sig;
use serde::Serialize;
use std::fmt::Write;

/// One candidate term over the replicates.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EnsembleTerm {
    /// The equation's left side.
    pub equation: String,
    /// The term as printed.
    pub term: String,
    /// The coefficient slot.
    pub slot: usize,
    /// Whether the fit itself kept it.
    pub kept: bool,
    /// The fit's coefficient (0 when dropped).
    pub coefficient: f64,
    /// The fraction of replicates that kept it.
    pub inclusion: f64,
    /// Its median over the replicates.
    pub median: f64,
    /// Its 2.5 and 97.5 percentiles over the replicates.
    pub interval: [f64; 2],
}

/// One shared parameter over the replicates.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EnsembleParam {
    /// The parameter's name.
    pub name: String,
    /// Its 2.5 and 97.5 percentiles over the replicates.
    pub interval: [f64; 2],
}

/// What the bootstrap refits say.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EnsembleReport {
    /// Refits asked for.
    pub requested: usize,
    /// Refits that succeeded; the statistics are over these.
    pub completed: usize,
    /// The seed the resamples were drawn from.
    pub seed: u64,
    /// How the data were resampled, in words.
    pub resampling: String,
    /// Every term the fit or a replicate kept, in slot order.
    pub terms: Vec<EnsembleTerm>,
    /// The shared parameters' intervals.
    pub params: Vec<EnsembleParam>,
}

/// The report of `fitted`'s ensemble, if it has one.
pub fn report(ir: &ModelIr, fitted: &Fitted) -> Option<EnsembleReport> {
    let e: &Ensemble = fitted.ensemble.as_ref()?;
    let terms = ir
        .coefs
        .iter()
        .enumerate()
        .filter_map(|(s, c)| {
            let kept = fitted.active.get(s).copied().unwrap_or(false) && fitted.coefficients[s] != 0.0;
            let inclusion = e.inclusion.get(s).copied().unwrap_or(0.0);
            (kept || inclusion > 0.0).then(|| {
                let eq = &ir.equations[c.equation];
                EnsembleTerm {
                    equation: ir.names.var_name(Var::State { index: eq.state, order: eq.order }),
                    term: ir.arena.surface(ir.terms[c.term].node, &ir.names).to_string(),
                    slot: s,
                    kept,
                    coefficient: fitted.coefficients[s],
                    inclusion,
                    median: e.median[s],
                    interval: e.coefficients[s],
                }
            })
        })
        .collect();
    let params = ir
        .names
        .params
        .iter()
        .zip(&e.params)
        .filter_map(|(name, iv)| iv.map(|interval| EnsembleParam { name: name.clone(), interval }))
        .collect();
    Some(EnsembleReport {
        requested: e.requested,
        completed: e.completed,
        seed: e.seed,
        resampling: e.resampling.words(),
        terms,
        params,
    })
}

/// The ensemble's lines: one per term (inclusion, median, interval), then the parameters.
pub fn text(s: &mut String, e: &EnsembleReport, precision: usize) {
    let _ = writeln!(
        s,
        "ensemble: {} of {} bootstrap refits ({}, seed {}); inclusion probability, median [2.5%, 97.5%]:",
        e.completed, e.requested, e.resampling, e.seed
    );
    let width = e.terms.iter().map(|t| t.equation.chars().count() + t.term.chars().count() + 1).max().unwrap_or(0);
    for t in &e.terms {
        let name = format!("{} {}", t.equation, t.term);
        let _ = writeln!(
            s,
            "    {name:<width$}  {:>4}  {:<5}  {} [{}, {}]",
            if t.kept { "kept" } else { "" },
            format!("{:.2}", t.inclusion),
            format_sig(t.median, precision),
            format_sig(t.interval[0], precision),
            format_sig(t.interval[1], precision)
        );
    }
    for p in &e.params {
        let _ = writeln!(
            s,
            "    {}  [{}, {}]",
            p.name,
            format_sig(p.interval[0], precision),
            format_sig(p.interval[1], precision)
        );
    }
}
