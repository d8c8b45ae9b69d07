//! The training stage's boundary types: what goes in ([`FitInput`]), what comes out
//! ([`Fitted`]), progress reports for the command line ([`Progress`]) and failures
//! ([`FitError`]), which name the term, parameter or window concerned.

use crate::check::hir;
use crate::data::{Dataset, Trajectory};
use crate::ir::ModelIr;
use crate::source::Span;
use std::sync::atomic::AtomicBool;

/// Everything one fit needs.
pub struct FitInput<'a> {
    /// The lowered model (kernels are compiled from it).
    pub ir: &'a ModelIr,
    /// The checked model: parameter guesses and bounds, per-trajectory flags, `fit` settings.
    pub model: &'a hir::Model,
    /// The training data (states, then inputs, per trajectory).
    pub data: &'a Dataset,
    /// Seed for every random draw of the fit (`--seed` overrides the `fit { seed }` setting).
    pub seed: u64,
    /// Set by Ctrl-C: the fit stops at the next safe point and returns the best model so far
    /// with [`Fitted::interrupted`] set.
    pub cancel: Option<&'a AtomicBool>,
    /// Called after every iteration with the current state of the fit.
    pub progress: Option<&'a (dyn Fn(&Progress) + Sync)>,
}

/// A progress report.
#[derive(Clone, Debug, PartialEq)]
pub struct Progress {
    /// Threshold round (0 = the fit of the full library).
    pub round: usize,
    /// Iteration within the round.
    pub iteration: usize,
    /// Iterations planned for the round (an upper bound).
    pub iterations: usize,
    /// Current loss.
    pub loss: f64,
    /// Current number of active terms.
    pub active_terms: usize,
}

/// One point of the loss history.
#[derive(Clone, Debug, PartialEq)]
pub struct HistoryEntry {
    /// Threshold round this point belongs to.
    pub round: usize,
    /// The loss (objective value) after the iteration.
    pub loss: f64,
}

/// One candidate sparsity level of the threshold path.
#[derive(Clone, Debug, PartialEq)]
pub struct PathEntry {
    /// The normalised threshold (coefficient × term scale / derivative scale).
    pub threshold: f64,
    /// Active terms at this level.
    pub terms: usize,
    /// Objective at this level after refitting.
    pub loss: f64,
    /// Model-selection criterion (lower is better), e.g. BIC.
    pub criterion: f64,
    /// Whether this level was chosen.
    pub chosen: bool,
}

/// A fitted model.
#[derive(Clone, Debug, PartialEq)]
pub struct Fitted {
    /// One coefficient per slot of `ir.coefs`; exactly 0 where the term was dropped.
    pub coefficients: Vec<f64>,
    /// Whether each slot's term was kept.
    pub active: Vec<bool>,
    /// Fitted values of the model's shared parameters (`hir::Model::params` order); for a
    /// per-trajectory parameter, the mean over trajectories.
    pub params: Vec<f64>,
    /// For each parameter, one value per trajectory (empty for shared parameters).
    pub per_trajectory: Vec<Vec<f64>>,
    /// The learned (denoised) trajectories, on the data's time grids; states only, and for a
    /// higher-order state also its lower derivatives (columns documented by the fit).
    pub denoised: Vec<Trajectory>,
    /// Estimated noise standard deviation of each state's data.
    pub noise: Vec<f64>,
    /// Loss after every iteration, with its round.
    pub history: Vec<HistoryEntry>,
    /// The threshold path considered by `threshold = auto` (or the single level used).
    pub path: Vec<PathEntry>,
    /// The threshold finally applied (normalised), if any.
    pub threshold: Option<f64>,
    /// Threshold rounds performed.
    pub rounds: usize,
    /// Final training loss (objective value, per data point).
    pub loss: f64,
    /// Stopped early by the cancel flag.
    pub interrupted: bool,
    /// Normalised magnitude `|c|·rms(term)/rms(rhs)` of every slot at the final model, over the
    /// denoised trajectories (0 where the term was dropped; empty when the engine gives none).
    pub magnitudes: Vec<f64>,
    /// Where the fit's time went, phase by phase.
    pub phases: Vec<Phase>,
    /// Standard errors from the curvature at the optimum, when the method computes them.
    pub uncertainty: Option<Uncertainty>,
    /// Per parameter: it has no effect on the fit (its derivative is zero on every row), so it
    /// was held at its initial guess.
    pub no_effect: Vec<bool>,
    /// The trained weights of the model's neural terms (the IR's weight block; empty without
    /// networks).
    pub weights: Vec<f64>,
    /// The trained encoders of amortised parameters (`param r per trajectory from enc`).
    pub encoders: Option<EncoderFit>,
    /// The bootstrap refits of `fit { ensemble = N }`, when asked for.
    pub ensemble: Option<super::ensemble::Ensemble>,
}

/// What training the encoders produced.
#[derive(Clone, Debug, PartialEq)]
pub struct EncoderFit {
    /// The trained networks and shared parameters, as saved.
    pub weights: crate::fit::mnn::EncoderWeights,
    /// Trajectories trained on, and held out (indices into the data).
    pub train: Vec<usize>,
    pub validation: Vec<usize>,
    /// Epochs run and their mean wall time.
    pub epochs: usize,
    pub seconds_per_epoch: f64,
    /// Loss (data misfit per observed value, noise units) of the kept epoch.
    pub train_loss: f64,
    pub valid_loss: Option<f64>,
}

/// Standard errors of the fitted unknowns: `√diag(s² H⁻¹)` with `H` the Gauss–Newton curvature
/// of the objective at the optimum and `s²` the residual variance per degree of freedom.
#[derive(Clone, Debug, PartialEq)]
pub struct Uncertainty {
    /// One per coefficient slot; `None` where the term was dropped (or the curvature is
    /// singular).
    pub coefficients: Vec<Option<f64>>,
    /// One per parameter; `None` for a per-trajectory parameter (see `per_trajectory`) or one
    /// without effect.
    pub params: Vec<Option<f64>>,
    /// For each per-trajectory parameter, one per trajectory (empty for shared parameters).
    pub per_trajectory: Vec<Vec<Option<f64>>>,
    /// The residual variance per degree of freedom the curvature was scaled by.
    pub residual_variance: f64,
    /// Degrees of freedom of that variance.
    pub dof: f64,
    /// What the curvature is, in words (for the report).
    pub basis: String,
    /// What the errors take as given, in words, when that is more than the model and the noise
    /// (for the report).
    pub conditional_on: Option<String>,
}

/// One phase of a fit and its wall time.
#[derive(Clone, Debug, PartialEq)]
pub struct Phase {
    /// What the phase does, in a word or two (`setup`, `full fit`, `selection`).
    pub name: &'static str,
    /// Wall seconds.
    pub seconds: f64,
}

/// Records the wall time of consecutive phases.
#[derive(Debug)]
pub struct PhaseClock {
    start: std::time::Instant,
    phases: Vec<Phase>,
}

impl PhaseClock {
    /// Starts the first phase now.
    pub fn start() -> PhaseClock {
        PhaseClock { start: std::time::Instant::now(), phases: Vec::new() }
    }

    /// Ends the current phase, naming it, and starts the next.
    pub fn lap(&mut self, name: &'static str) {
        let now = std::time::Instant::now();
        self.phases.push(Phase { name, seconds: (now - self.start).as_secs_f64() });
        self.start = now;
    }

    /// The phases recorded.
    pub fn phases(self) -> Vec<Phase> {
        self.phases
    }
}

/// Why a fit failed.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum FitError {
    /// A model feature the fit does not support yet (e.g. neural terms).
    #[error("{what} is not supported yet")]
    Unsupported {
        /// What is unsupported, in words.
        what: String,
        /// Where it was written.
        span: Option<Span>,
    },
    /// A basis term or right-hand side evaluated to NaN or infinity on the data.
    #[error("`{term}` is not finite ({value}) at t = {time} of trajectory {trajectory}")]
    NonFinite {
        /// The term's printed name (or the right-hand side's).
        term: String,
        /// Its source span.
        span: Option<Span>,
        /// The offending value.
        value: f64,
        /// Trajectory index.
        trajectory: usize,
        /// Time of the row.
        time: f64,
    },
    /// The loss became non-finite.
    #[error("the fit diverged (loss {loss}) in round {round}")]
    Diverged {
        /// Round where it happened.
        round: usize,
        /// The loss value.
        loss: f64,
    },
    /// A linear solve failed (singular or ill-posed), naming where.
    #[error("singular system: {detail}")]
    Singular {
        /// Which window / trajectory / equation.
        detail: String,
    },
    /// The data cannot support the fit (too short, no observed values, ...).
    #[error("{0}")]
    Data(String),
    /// The cancel flag was seen inside a long computation; the engine catches it and returns its
    /// best model so far (marked interrupted), so it never reaches the user as an error.
    #[error("stopped by the cancel flag")]
    Cancelled,
}
