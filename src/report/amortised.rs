//! The report of amortised parameters: the encoders, how they were trained (trajectories trained
//! on and held out, epochs, time per epoch, losses), and for the held-out trajectories (or the
//! training ones when none were held out) each trajectory's inferred parameters beside the
//! values that generated it when the data were simulated, with the median relative error per
//! parameter.

use serde::Serialize;
use std::fmt::Write;

use crate::check::hir;
use crate::data::Dataset;
use crate::fit::Fitted;
use crate::number::format_sig;

/// Rows of the table the text report shows (the JSON report has them all).
const SHOWN_ROWS: usize = 8;

/// One trajectory of the table.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AmortisedRow {
    pub trajectory: String,
    /// The generating value of each parameter (simulated data), in `params` order.
    pub truth: Vec<Option<f64>>,
    /// The encoder's value of each parameter.
    pub inferred: Vec<f64>,
}

/// The amortised part of a report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Amortised {
    /// Each encoder as declared, with the parameters it gives.
    pub encoders: Vec<String>,
    pub trained_on: usize,
    pub held_out: usize,
    pub epochs: usize,
    pub seconds_per_epoch: f64,
    pub train_loss: f64,
    pub valid_loss: Option<f64>,
    /// The parameters given by encoders.
    pub params: Vec<String>,
    /// Whether `rows` are held-out trajectories (else training ones).
    pub rows_held_out: bool,
    pub rows: Vec<AmortisedRow>,
    /// Median over `rows` of `|inferred − truth| / |truth|`, per parameter with a truth.
    pub median_relative_error: Vec<(String, f64)>,
    /// Where the trained weights were written.
    pub weights: Option<String>,
}

/// The amortised report of a fit with encoders (`None` otherwise).
pub fn build(model: &hir::Model, data: &Dataset, fitted: &Fitted) -> Option<Amortised> {
    let fit = fitted.encoders.as_ref()?;
    let qs: Vec<usize> = (0..model.params.len()).filter(|&q| model.params[q].encoder.is_some()).collect();
    let encoders = model
        .encoders
        .iter()
        .map(|e| {
            let ins: Vec<&str> = e.inputs.iter().map(|&s| model.states[s].name.as_str()).collect();
            let outs: Vec<&str> = e.outputs.iter().map(|&p| model.params[p].name.as_str()).collect();
            let hidden: Vec<String> = e.hidden.iter().map(u32::to_string).collect();
            format!(
                "{} = mlp({}; hidden = [{}], activation = {}) -> {}",
                e.name,
                ins.join(", "),
                hidden.join(", "),
                e.activation.name(),
                outs.join(", ")
            )
        })
        .collect();
    let rows_held_out = !fit.validation.is_empty();
    let ks = if rows_held_out { &fit.validation } else { &fit.train };
    let rows: Vec<AmortisedRow> = ks
        .iter()
        .filter_map(|&k| {
            let tr = data.trajectories.get(k)?;
            let truth = qs
                .iter()
                .map(|&q| tr.truth.as_ref()?.params.iter().find(|(n, _)| *n == model.params[q].name).map(|p| p.1))
                .collect();
            let inferred = qs.iter().map(|&q| fitted.per_trajectory[q].get(k).copied().unwrap_or(f64::NAN)).collect();
            Some(AmortisedRow { trajectory: tr.label.clone(), truth, inferred })
        })
        .collect();
    let median_relative_error = qs
        .iter()
        .enumerate()
        .filter_map(|(j, &q)| {
            let errs: Vec<f64> = rows
                .iter()
                .filter_map(|r| r.truth[j].filter(|t| *t != 0.0).map(|t| ((r.inferred[j] - t) / t).abs()))
                .collect();
            median(errs).map(|m| (model.params[q].name.clone(), m))
        })
        .collect();
    Some(Amortised {
        encoders,
        trained_on: fit.train.len(),
        held_out: fit.validation.len(),
        epochs: fit.epochs,
        seconds_per_epoch: fit.seconds_per_epoch,
        train_loss: fit.train_loss,
        valid_loss: fit.valid_loss,
        params: qs.iter().map(|&q| model.params[q].name.clone()).collect(),
        rows_held_out,
        rows,
        median_relative_error,
        weights: None,
    })
}

/// The median of finite values (`None` when there is none).
pub fn median(mut v: Vec<f64>) -> Option<f64> {
    v.retain(|x| x.is_finite());
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 { v[n / 2] } else { 0.5 * (v[n / 2 - 1] + v[n / 2]) })
}

impl Amortised {
    /// The text lines.
    pub fn text(&self, s: &mut String, precision: usize) {
        for e in &self.encoders {
            let _ = writeln!(s, "  encoder {e}");
        }
        let valid = self.valid_loss.map_or(String::new(), |v| format!(", held-out loss {}", format_sig(v, 4)));
        let _ = writeln!(
            s,
            "  trained on {} trajectories, {} held out; {} epochs, {:.3} s per epoch; loss {}{valid}",
            self.trained_on,
            self.held_out,
            self.epochs,
            self.seconds_per_epoch,
            format_sig(self.train_loss, 4),
        );
        let which = if self.rows_held_out { "held-out" } else { "training" };
        let has_truth = self.rows.iter().any(|r| r.truth.iter().any(Option::is_some));
        let what = if has_truth { "true -> inferred" } else { "inferred" };
        let _ = writeln!(
            s,
            "  {which} trajectories ({what}; first {} of {}):",
            SHOWN_ROWS.min(self.rows.len()),
            self.rows.len()
        );
        for r in self.rows.iter().take(SHOWN_ROWS) {
            let cells: Vec<String> = self
                .params
                .iter()
                .enumerate()
                .map(|(j, p)| {
                    let v = format_sig(r.inferred[j], precision);
                    match r.truth[j] {
                        Some(t) => format!("{p} {} -> {v}", format_sig(t, precision)),
                        None => format!("{p} {v}"),
                    }
                })
                .collect();
            let _ = writeln!(s, "    {:<12} {}", r.trajectory, cells.join("   "));
        }
        if !self.median_relative_error.is_empty() {
            let m: Vec<String> =
                self.median_relative_error.iter().map(|(n, e)| format!("{n} {:.2}%", 100.0 * e)).collect();
            let _ = writeln!(s, "  median relative error over the {which} trajectories: {}", m.join(", "));
        }
        if let Some(w) = &self.weights {
            let _ = writeln!(s, "  encoder weights: {w}");
        }
    }
}
