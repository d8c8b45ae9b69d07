//! The report of a fit: the lowered model, the data and the [`Fitted`] model → a [`Report`]
//! (equations, parameters, metrics, rollout quality, threshold path), printable as text with
//! [`Report::text`] and serialisable as JSON (see [`super::json`]).
//!
//! Metrics: training RMSE per state compares the fit's denoised trajectories with the data (or
//! the rollout when the fit gives none); the rollout integrates the discovered model from each
//! trajectory's initial state ([`super::rollout`]), with that trajectory's values of
//! per-trajectory parameters, and reports, on the first trajectory and against its denoised
//! version when the fit gives one (against noisy data the noise alone nearly fills the
//! tolerance), the
//! relative error over a short horizon (a twentieth of the span) and the valid prediction time at
//! [`DEFAULT_VPT_TOLERANCE`], in Lyapunov times when the discovered system's largest exponent
//! exceeds [`CHAOS_THRESHOLD`].

use super::equations::{equations_with, EquationText};
use super::metrics::{rmse_per_state, rollout_error, valid_prediction_time, Compare, DEFAULT_VPT_TOLERANCE};
use super::rollout::DiscoveredRhs;
use super::values::{self, CoefficientMatrix, ParamValue};
use crate::data::Dataset;
use crate::fit::Fitted;
use crate::ir::ModelIr;
use crate::number::format_sig;
use serde::Serialize;
use std::fmt::Write;

/// λ above which the discovered system counts as chaotic and valid times are given in Lyapunov
/// times (a regular system's estimate is 0 up to the estimator's spread, well below this).
pub const CHAOS_THRESHOLD: f64 = 0.05;

/// One level of the threshold path.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PathPoint {
    /// The normalised threshold.
    pub threshold: f64,
    /// Active terms at this level.
    pub terms: usize,
    /// Objective after refitting at this level.
    pub loss: f64,
    /// Model-selection criterion (lower is better).
    pub criterion: f64,
    /// Whether this level was chosen.
    pub chosen: bool,
}

/// How well the discovered model reproduces the data when integrated on its own.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RolloutQuality {
    /// Horizon of `error` (time units from the first point).
    pub horizon: f64,
    /// Relative L2 error over the horizon.
    pub error: f64,
    /// Valid prediction time (time units).
    pub valid_time: f64,
    /// Whether the rollout left the tolerance within the data.
    pub exceeded: bool,
    /// The tolerance of the valid time.
    pub tolerance: f64,
    /// Largest Lyapunov exponent of the discovered system, when estimated.
    pub lyapunov: Option<f64>,
    /// The valid time in Lyapunov times, when the system is chaotic.
    pub lyapunov_times: Option<f64>,
    /// Whether the rollout was compared with the fit's denoised trajectory (else the data).
    pub against_denoised: bool,
}

/// How the standard errors of a report were computed.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct UncertaintyInfo {
    /// The curvature used, in words.
    pub method: String,
    /// The residual variance per degree of freedom the curvature was scaled by.
    pub residual_variance: f64,
    /// Its degrees of freedom.
    pub dof: f64,
    /// Confidence level of the intervals.
    pub confidence: f64,
    /// What the errors take as given, beyond the model and the noise.
    pub conditional_on: Option<String>,
}

/// A time series: named columns on a time grid.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Series {
    /// The trajectory's label.
    pub trajectory: String,
    /// Column names.
    pub columns: Vec<String>,
    /// Times.
    pub times: Vec<f64>,
    /// One row per time, one value per column.
    pub values: Vec<Vec<f64>>,
}

/// A coded warning about the result.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Warning {
    /// The diagnostic code.
    pub code: String,
    /// The message.
    pub message: String,
}

/// Everything `mechc run` reports about a fit.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    /// The model's name.
    pub model: String,
    /// The discovered equations, in equation order.
    pub equations: Vec<EquationText>,
    /// Candidate coefficients (slots) and how many were kept.
    pub candidates: usize,
    /// Coefficients kept (active and non-zero).
    pub kept: usize,
    /// `auto` or the fixed threshold as written.
    pub threshold_mode: String,
    /// The threshold finally applied (normalised), if any.
    pub threshold: Option<f64>,
    /// Threshold rounds performed.
    pub rounds: usize,
    /// Wall time of the fit, in seconds.
    pub wall_seconds: f64,
    /// Fitted parameters by name (a `per trajectory` parameter: the mean over the trajectories).
    pub params: Vec<(String, f64)>,
    /// Fitted parameters with their uncertainty and per-trajectory values.
    pub parameters: Vec<ParamValue>,
    /// Every candidate coefficient, zeros included.
    pub coefficient_matrix: CoefficientMatrix,
    /// How the standard errors were computed (absent when the method computes none).
    pub uncertainty: Option<UncertaintyInfo>,
    /// The bootstrap refits of `fit { ensemble = N }`, when asked for.
    pub ensemble: Option<super::ensemble::EnsembleReport>,
    /// The fit's denoised trajectories.
    pub denoised: Vec<Series>,
    /// The model scored on the held-out ends of the trajectories (`validation`), filled by the
    /// caller.
    pub held_out: Option<super::heldout::HeldOut>,
    /// Warnings about the result (codes and messages), filled by the caller.
    pub warnings: Vec<Warning>,
    /// Final training loss.
    pub loss: f64,
    /// Per-state training RMSE, by state name.
    pub rmse: Vec<(String, f64)>,
    /// Estimated noise standard deviation per state, by state name.
    pub noise: Vec<(String, f64)>,
    /// Rollout quality on the first trajectory (absent when the rollout failed).
    pub rollout: Option<RolloutQuality>,
    /// Why the rollout could not be computed, if it could not.
    pub rollout_failure: Option<String>,
    /// The threshold path considered.
    pub path: Vec<PathPoint>,
    /// Training was stopped by Ctrl-C; this is the best model so far.
    pub interrupted: bool,
    /// Trajectories of the training data.
    pub trajectories: usize,
    /// Rows of the training data, over all trajectories.
    pub rows: usize,
    /// Missing data values (empty cells, NaN), masked out of the fit.
    pub missing: usize,
    /// The fitted Hamiltonian, for a `hamiltonian` model.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hamiltonian: Option<String>,
    /// Energy drift of a rollout over ten times the first trajectory's span, and its end time
    /// (see [`super::energy`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub energy_drift: Option<(f64, f64)>,
    /// The fit's phases and their wall seconds.
    pub phases: Vec<(String, f64)>,
    /// The trained neural terms, with their weights and explanations.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub networks: Vec<super::networks::NetworkValue>,
    /// How the method was chosen (neural terms, `method` not written), filled by the caller.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method_choice: Option<super::networks::MethodChoice>,
    /// Amortised parameters (a model with encoders), filled by the caller.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amortised: Option<super::amortised::Amortised>,
    /// Significant digits of printed coefficients.
    #[serde(skip)]
    pub precision: usize,
    /// Rollout of every trajectory (states only, row-major), for plots.
    #[serde(skip)]
    pub rollouts: Vec<Option<Vec<f64>>>,
}

/// Builds the report of `fitted` on `data`. `threshold_mode` is the `fit { threshold }`
/// setting as written; `wall_seconds` the fit's duration.
pub fn build(
    ir: &ModelIr,
    data: &Dataset,
    fitted: &Fitted,
    threshold_mode: &str,
    wall_seconds: f64,
    precision: usize,
) -> Report {
    let n = data.states.len();
    let name = |i: usize, v: f64| (data.states.get(i).cloned().unwrap_or_default(), v);
    let (rollouts, failure, rhs) = roll_all(ir, data, fitted);
    let rmse = training_rmse(data, fitted, &rollouts, rhs.as_ref().map_or(&[][..], |r| r.offsets()));
    let rollout = rhs.as_ref().and_then(|rhs| quality(rhs, data, fitted, rollouts.first()?.as_deref()?));
    let mut eqs = equations_with(ir, &fitted.coefficients, &fitted.active, &fitted.magnitudes, precision);
    values::attach_errors(&mut eqs, fitted);
    Report {
        model: ir.name.clone(),
        equations: eqs,
        candidates: ir.coefs.len(),
        kept: fitted.active.iter().zip(&fitted.coefficients).filter(|(a, c)| **a && **c != 0.0).count(),
        threshold_mode: threshold_mode.to_string(),
        threshold: fitted.threshold,
        rounds: fitted.rounds,
        wall_seconds,
        params: ir.names.params.iter().cloned().zip(fitted.params.iter().copied()).collect(),
        parameters: values::params(ir, data, fitted),
        coefficient_matrix: values::matrix(ir, fitted),
        uncertainty: fitted.uncertainty.as_ref().map(|u| UncertaintyInfo {
            method: u.basis.clone(),
            residual_variance: u.residual_variance,
            dof: u.dof,
            confidence: 0.95,
            conditional_on: u.conditional_on.clone(),
        }),
        ensemble: super::ensemble::report(ir, fitted),
        denoised: denoised_series(ir, fitted),
        held_out: None,
        warnings: Vec::new(),
        loss: fitted.loss,
        rmse: rmse.into_iter().enumerate().map(|(i, v)| name(i, v)).collect(),
        noise: fitted.noise.iter().take(n).enumerate().map(|(i, &v)| name(i, v)).collect(),
        rollout,
        rollout_failure: failure,
        path: fitted
            .path
            .iter()
            .map(|p| PathPoint {
                threshold: p.threshold,
                terms: p.terms,
                loss: p.loss,
                criterion: p.criterion,
                chosen: p.chosen,
            })
            .collect(),
        interrupted: fitted.interrupted,
        trajectories: data.trajectories.len(),
        rows: data.total_rows(),
        missing: data.missing_count(),
        hamiltonian: super::energy::hamiltonian_text(ir, fitted, precision),
        energy_drift: super::energy::energy_drift(ir, data, fitted),
        phases: fitted.phases.iter().map(|p| (p.name.to_string(), p.seconds)).collect(),
        networks: super::networks::networks(ir, precision),
        method_choice: None,
        amortised: None,
        precision,
        rollouts,
    }
}

/// The fit's denoised trajectories with their column names (each state, then its lower
/// derivatives).
fn denoised_series(ir: &ModelIr, fitted: &Fitted) -> Vec<Series> {
    let mut columns = Vec::new();
    for (s, name) in ir.names.states.iter().enumerate() {
        for d in 0..ir.state_order(s as u32).max(1) {
            columns.push(format!("{name}{}", "'".repeat(d as usize)));
        }
    }
    fitted
        .denoised
        .iter()
        .map(|d| {
            let cols = if d.width == columns.len() {
                columns.clone()
            } else {
                (0..d.width).map(|c| format!("column {c}")).collect()
            };
            Series {
                trajectory: d.label.clone(),
                columns: cols,
                times: d.times.clone(),
                values: d.values.chunks(d.width.max(1)).map(<[f64]>::to_vec).collect(),
            }
        })
        .collect()
}

type Rolled = (Vec<Option<Vec<f64>>>, Option<String>, Option<DiscoveredRhs>);

fn roll_all(ir: &ModelIr, data: &Dataset, fitted: &Fitted) -> Rolled {
    let n = data.states.len();
    let mut rhs = match DiscoveredRhs::new(ir, &fitted.params, &fitted.coefficients) {
        Ok(r) => r,
        Err(e) => return (vec![None; data.trajectories.len()], Some(e.to_string()), None),
    };
    let mut failure = None;
    let mut rolls = Vec::with_capacity(data.trajectories.len());
    for (k, tr) in data.trajectories.iter().enumerate() {
        per_trajectory(&mut rhs, fitted, k);
        let y0 = rhs.start(denoised(fitted, k, tr), tr, n);
        match rhs.rollout(tr, n, Some(&y0)) {
            Ok(v) => rolls.push(Some(v)),
            Err(e) => {
                failure.get_or_insert_with(|| {
                    format!("trajectory `{}`: {}", tr.label, crate::data::from_model::sim_words(&e))
                });
                rolls.push(None);
            }
        }
    }
    per_trajectory(&mut rhs, fitted, 0);
    (rolls, failure, Some(rhs))
}

/// The fit's denoised trajectory `k`, when it lies on the data's grid.
fn denoised<'a>(fitted: &'a Fitted, k: usize, tr: &crate::data::Trajectory) -> Option<&'a crate::data::Trajectory> {
    fitted.denoised.get(k).filter(|d| d.len() == tr.len())
}

/// The denoised trajectory's state columns (row-major, `n` wide): the first `n` columns, or
/// the state columns of the first-order layout.
fn denoised_states(d: &crate::data::Trajectory, n: usize, offsets: &[usize]) -> Option<Vec<f64>> {
    let cols: Vec<usize> = if d.width == n {
        (0..n).collect()
    } else if offsets.len() == n && offsets.last().is_some_and(|&o| o < d.width) {
        offsets.to_vec()
    } else {
        return None;
    };
    Some((0..d.len()).flat_map(|r| cols.iter().map(move |&c| d.values[r * d.width + c])).collect())
}

/// Sets the per-trajectory parameters of trajectory `k`.
fn per_trajectory(rhs: &mut DiscoveredRhs, fitted: &Fitted, k: usize) {
    for (p, values) in fitted.per_trajectory.iter().enumerate() {
        if let Some(&v) = values.get(k) {
            rhs.set_param(p, v);
        }
    }
}

fn training_rmse(data: &Dataset, fitted: &Fitted, rollouts: &[Option<Vec<f64>>], offsets: &[usize]) -> Vec<f64> {
    let n = data.states.len();
    let mut sums = vec![(0.0, 0usize); n];
    for (k, tr) in data.trajectories.iter().enumerate() {
        let pred = denoised(fitted, k, tr)
            .and_then(|d| denoised_states(d, n, offsets))
            .or_else(|| rollouts.get(k).cloned().flatten());
        let Some(pred) = pred else { continue };
        let c = Compare::trajectory(tr, n, &pred);
        let rows = tr.len();
        for (d, r) in rmse_per_state(&c).into_iter().enumerate() {
            if r.is_finite() {
                sums[d].0 += r * r * rows as f64;
                sums[d].1 += rows;
            }
        }
    }
    sums.into_iter().map(|(s, m)| if m == 0 { f64::NAN } else { (s / m as f64).sqrt() }).collect()
}

fn quality(rhs: &DiscoveredRhs, data: &Dataset, fitted: &Fitted, pred: &[f64]) -> Option<RolloutQuality> {
    let tr = data.trajectories.first()?;
    let n = data.states.len();
    // Against noisy data the noise alone uses up most of the tolerance (5% noise is a
    // normalised error near 0.087 against 0.1), so the rollout is compared with the denoised
    // trajectory when the fit provides one.
    let reference = denoised(fitted, 0, tr).and_then(|d| denoised_states(d, n, rhs.offsets()));
    let c = match &reference {
        Some(z) => Compare { times: &tr.times, width: n, pred, data: z, data_stride: n, mask: None },
        None => Compare::trajectory(tr, n, pred),
    };
    let span = tr.times.last()? - tr.times.first()?;
    let horizon = span / 20.0;
    let lyapunov = rhs.lyapunov(&rhs.start(denoised(fitted, 0, tr), tr, n));
    let chaotic = lyapunov.filter(|&l| l > CHAOS_THRESHOLD);
    let vt = valid_prediction_time(&c, DEFAULT_VPT_TOLERANCE, chaotic);
    Some(RolloutQuality {
        horizon,
        error: rollout_error(&c, horizon),
        valid_time: vt.time,
        exceeded: vt.exceeded,
        tolerance: vt.tolerance,
        lyapunov,
        lyapunov_times: vt.lyapunov_times,
        against_denoised: reference.is_some(),
    })
}

/// Three significant digits, for metrics.
fn g3(v: f64) -> String {
    format_sig(v, 3)
}

impl Report {
    /// The text report; with `verbose`, also the threshold path.
    pub fn text(&self, verbose: bool) -> String {
        let mut s = String::new();
        let thr = match (self.threshold_mode.as_str(), self.threshold) {
            ("auto", Some(t)) => format!("threshold auto: {}", g3(t)),
            ("auto", None) => "threshold auto".to_string(),
            (m, _) => format!("threshold {m}"),
        };
        let _ = writeln!(
            s,
            "{}: {} equation{}, {} candidate terms -> {} kept ({thr}, {} rounds, {:.1} s){}",
            self.model,
            self.equations.len(),
            if self.equations.len() == 1 { "" } else { "s" },
            self.candidates,
            self.kept,
            self.rounds,
            self.wall_seconds,
            if self.interrupted { " [interrupted: best model so far]" } else { "" }
        );
        for e in &self.equations {
            let _ = writeln!(s, "  {}", e.text);
        }
        if let Some(h) = &self.hamiltonian {
            let _ = writeln!(s, "  {h}");
        }
        super::networks::text(&mut s, &self.networks, self.method_choice.as_ref());
        if self.equations.iter().any(|e| e.terms.iter().any(|t| t.std_error.is_some())) {
            let _ = writeln!(s, "  coefficients ± standard error:");
            values::coefficient_text(&mut s, &self.equations, self.precision);
        }
        self.param_lines(&mut s);
        if let Some(u) = &self.uncertainty {
            let _ = writeln!(
                s,
                "  (± one standard error from the fit's curvature at the optimum, residual variance {} per \
                 degree of freedom; 95% interval: ± 1.96 standard errors)",
                g3(u.residual_variance)
            );
            if let Some(c) = &u.conditional_on {
                let _ = writeln!(s, "  (standard errors conditional on {c})");
            }
        } else {
            let _ = writeln!(
                s,
                "  (no standard errors: this method computes none; `fit {{ ensemble = N }}` gives bootstrap intervals)"
            );
        }
        if let Some(e) = &self.ensemble {
            super::ensemble::text(&mut s, e, self.precision);
        }
        let _ = writeln!(s, "{}", self.data_line());
        let _ = writeln!(s, "{}", self.metrics_line());
        if verbose {
            self.magnitudes_text(&mut s);
            self.path_text(&mut s);
            if !self.phases.is_empty() {
                let ps: Vec<String> = self.phases.iter().map(|(n, t)| format!("{n} {t:.3} s")).collect();
                let _ = writeln!(s, "fit time: {}", ps.join(", "));
            }
        }
        s
    }

    /// The fitted parameters' lines alone (for quiet output).
    pub fn params_text(&self) -> String {
        let mut s = String::new();
        self.param_lines(&mut s);
        s
    }

    /// The parameters' lines; with encoders, the shared parameters and the amortised summary
    /// (every trajectory's values are in the JSON report).
    fn param_lines(&self, s: &mut String) {
        match &self.amortised {
            Some(a) => {
                let shared: Vec<values::ParamValue> =
                    self.parameters.iter().filter(|p| p.per_trajectory.is_empty()).cloned().collect();
                values::params_text(s, &shared, self.precision);
                a.text(s, self.precision);
            }
            None => values::params_text(s, &self.parameters, self.precision),
        }
    }

    /// Each kept term's normalised magnitude, per equation: why a term stayed.
    fn magnitudes_text(&self, s: &mut String) {
        if !self.equations.iter().any(|e| e.terms.iter().any(|t| t.magnitude.is_some())) {
            return;
        }
        let _ = writeln!(s, "normalised magnitudes |c|*rms(term)/rms(rhs) of the kept terms:");
        for e in self.equations.iter().filter(|e| !e.terms.is_empty()) {
            let ts: Vec<String> =
                e.terms.iter().map(|t| format!("{} {}", t.term, t.magnitude.map_or("-".into(), g3))).collect();
            let _ = writeln!(s, "  {}: {}", e.lhs, ts.join(", "));
        }
    }

    fn data_line(&self) -> String {
        let plural = if self.trajectories == 1 { "y" } else { "ies" };
        let mut line = format!("data: {} trajector{plural}, {} rows", self.trajectories, self.rows);
        if self.missing > 0 {
            let _ = write!(line, ", {} missing values masked out of the fit", self.missing);
        }
        line
    }

    fn metrics_line(&self) -> String {
        let rmse: Vec<String> = self.rmse.iter().map(|(n, v)| format!("{n} {}", g3(*v))).collect();
        let mut line = format!("train rmse (data vs denoised) {}   loss {}", rmse.join(", "), g3(self.loss));
        match (&self.rollout, &self.rollout_failure) {
            (Some(r), _) => {
                let _ = write!(line, "\nrollout: {}% error at t={}, ", g3(100.0 * r.error), g3(r.horizon));
                let valid = match r.lyapunov_times {
                    Some(l) => format!("{} Lyapunov times (lambda {})", g3(l), g3(r.lyapunov.unwrap_or(f64::NAN))),
                    None => format!("{} time units", g3(r.valid_time)),
                };
                let whole = if r.exceeded { "" } else { " (the whole span)" };
                let vs = if r.against_denoised { " (against the denoised data)" } else { "" };
                let _ = write!(line, "valid for {valid}{whole} at tolerance {}{vs}", r.tolerance);
            }
            (None, Some(f)) => {
                let _ = write!(line, "\nrollout failed: {f}");
            }
            (None, None) => {}
        }
        if let Some(h) = &self.held_out {
            let _ = write!(
                line,
                "\nheld out: rollout from the end of training vs {} ({} rows): rms error {}% (noise floor {}%), \
                 valid for {} of {} time units at tolerance {}{}",
                h.against,
                h.rows,
                g3(100.0 * h.error),
                g3(100.0 * h.noise_floor),
                g3(h.valid_time),
                g3(h.span),
                g3(h.tolerance),
                if h.failed > 0 { format!(" ({} rollouts failed)", h.failed) } else { String::new() }
            );
        }
        if let Some((d, t)) = self.energy_drift {
            let _ = write!(
                line,
                "\nenergy drift: {}% of H's size over t <= {} ({} times the first trajectory's span)",
                g3(100.0 * d),
                g3(t),
                super::energy::DRIFT_SPANS
            );
        }
        line
    }

    fn path_text(&self, s: &mut String) {
        path_text(s, &self.path);
    }
}

/// The threshold path, one line per level, the chosen one starred (nothing for an empty path).
pub(crate) fn path_text(s: &mut String, path: &[PathPoint]) {
    if path.is_empty() {
        return;
    }
    let _ = writeln!(s, "threshold path:");
    for p in path {
        let mark = if p.chosen { "*" } else { " " };
        let _ = writeln!(
            s,
            " {mark} threshold {:<10} terms {:<4} loss {:<10} criterion {}",
            g3(p.threshold),
            p.terms,
            g3(p.loss),
            g3(p.criterion)
        );
    }
}
