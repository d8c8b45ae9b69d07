//! The entries of a `simulate` block: `init`, `time a .. b step h`, `noise p%`, `seed s`,
//! `trajectories n`, each at most once, with their ranges checked; every state of the simulated
//! system (and each of its lower derivatives) needs an initial value.

use super::Entries;
use crate::check::hir::{SimValue, State};
use crate::check::Checker;
use crate::diag::{codes, Diagnostic};
use crate::source::Span;
use crate::syntax::ast::{self, SimEntryKind};

impl Checker<'_> {
    pub(super) fn sim_entries(&mut self, s: &ast::SimSource, states: &[State], head: Span) -> Option<Entries> {
        let mut init: Vec<Vec<Option<SimValue>>> =
            states.iter().map(|st| vec![None; st.order.max(1) as usize]).collect();
        let mut time = None;
        let (mut noise, mut seed, mut trajs) = (0.0, 0u64, 1u32);
        let mut seen: Vec<(&'static str, Span)> = Vec::new();
        for e in &s.entries {
            let key = match &e.kind {
                SimEntryKind::Init(_) => "init",
                SimEntryKind::Time { .. } => "time",
                SimEntryKind::Noise(_) => "noise",
                SimEntryKind::Seed(_) => "seed",
                SimEntryKind::Trajectories(_) => "trajectories",
                SimEntryKind::Points(_) => "points",
                SimEntryKind::Boundary(_) => "boundary",
                SimEntryKind::Equation(_) => continue,
            };
            if let Some((_, first)) = seen.iter().find(|(k, _)| *k == key) {
                let d = Diagnostic::new(codes::BAD_SIMULATION, format!("`{key}` given twice"), e.span, "given again")
                    .with_label(*first, "first given here");
                self.err(
                    d.with_help(format!("give `{key}` once (an `init` line lists every state: `init x = 1, y = 2`)")),
                );
                continue;
            }
            seen.push((key, e.span));
            match &e.kind {
                SimEntryKind::Init(items) => self.init_items(items, states, &mut init),
                SimEntryKind::Time { start, end, step } => time = self.time_range(start, end, step),
                SimEntryKind::Noise(x) => noise = self.ranged(x, "noise", 0.0, 1e4, false).unwrap_or(0.0),
                SimEntryKind::Seed(x) => seed = self.ranged(x, "seed", 0.0, 9.0e15, true).unwrap_or(0.0) as u64,
                SimEntryKind::Trajectories(x) => {
                    trajs = self.ranged(x, "trajectories", 1.0, 1e6, true).unwrap_or(1.0) as u32
                }
                SimEntryKind::Points(_) | SimEntryKind::Boundary(_) => self.err(field_only(&e.kind, e.span)),
                SimEntryKind::Equation(_) => {}
            }
        }
        self.missing_init(states, &init, head);
        let Some((t0, t1, step)) = time else {
            if !seen.iter().any(|(k, _)| *k == "time") {
                self.err(
                    Diagnostic::new(
                        codes::BAD_SIMULATION,
                        "a `simulate` block needs a time range",
                        head,
                        "no `time` entry",
                    )
                    .with_help("add e.g. `time 0 .. 10 step 0.01`"),
                );
            }
            return None;
        };
        let init =
            init.into_iter().map(|v| v.into_iter().map(|x| x.unwrap_or(SimValue::Fixed(0.0))).collect()).collect();
        Some((init, t0, t1, step, noise, seed, trajs))
    }

    /// `E018` naming every state (and lower derivative) without an initial value.
    fn missing_init(&mut self, states: &[State], init: &[Vec<Option<SimValue>>], head: Span) {
        let mut missing = Vec::new();
        for (st, vals) in states.iter().zip(init) {
            for (k, v) in vals.iter().enumerate() {
                if v.is_none() {
                    missing.push(format!("{}{}", st.name, "'".repeat(k)));
                }
            }
        }
        if !missing.is_empty() {
            let list = missing.iter().map(|m| format!("{m} = ...")).collect::<Vec<_>>().join(", ");
            self.err(
                Diagnostic::new(
                    codes::MISSING_INIT,
                    format!(
                        "no initial value for {}",
                        missing.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", ")
                    ),
                    head,
                    "simulated here",
                )
                .with_help(format!("add them to the `init` line: `init {list}`")),
            );
        }
    }

    fn init_items(&mut self, items: &[ast::InitItem], states: &[State], init: &mut [Vec<Option<SimValue>>]) {
        for it in items {
            let Some(s) = states.iter().position(|st| st.name == it.name.name) else {
                let names: Vec<&str> = states.iter().map(|st| st.name.as_str()).collect();
                let help = crate::check::scope::suggest(&it.name.name, names.iter().copied())
                    .map(|x| format!("did you mean `{x}`?"));
                self.err(
                    Diagnostic::new(
                        codes::UNKNOWN_NAME,
                        format!("`{}` is not a state of the simulated system", it.name.name),
                        it.name.span,
                        "not a simulated state",
                    )
                    .with_note(format!("the simulated states are: {}", names.join(", ")))
                    .with_help_opt(help),
                );
                continue;
            };
            let k = it.order as usize;
            if k >= init[s].len() {
                self.err(
                    Diagnostic::new(
                        codes::BAD_DERIVATIVE,
                        format!(
                            "`{}` has an equation of order {}, so its derivative of order {k} has no initial value",
                            it.name.name, states[s].order
                        ),
                        it.span,
                        "too many primes",
                    )
                    .with_help(format!(
                        "initial values are given for `{}` up to order {}",
                        it.name.name,
                        init[s].len() - 1
                    )),
                );
                continue;
            }
            if init[s][k].is_some() {
                self.err(Diagnostic::new(
                    codes::BAD_SIMULATION,
                    format!("initial value of `{}{}` given twice", it.name.name, "'".repeat(k)),
                    it.span,
                    "given again",
                ));
                continue;
            }
            init[s][k] = Some(self.sim_value(&it.value).unwrap_or(SimValue::Fixed(0.0)));
        }
    }

    fn time_range(&mut self, start: &ast::Expr, end: &ast::Expr, step: &ast::Expr) -> Option<(f64, f64, f64)> {
        let (a, b, h) = (self.constant(start), self.constant(end), self.constant(step));
        let (a, b, h) = (a?, b?, h?);
        if a >= b {
            self.err(
                Diagnostic::new(
                    codes::BAD_SIMULATION,
                    format!("empty time range {a} .. {b}"),
                    start.span.to(end.span),
                    "start must be before end",
                )
                .with_help("write `time start .. end step h` with start < end"),
            );
            return None;
        }
        if h <= 0.0 || h > b - a {
            self.err(
                Diagnostic::new(
                    codes::BAD_SIMULATION,
                    format!("time step {h} is not in (0, {}]", b - a),
                    step.span,
                    "invalid step",
                )
                .with_help("the step must be positive and at most the length of the range"),
            );
            return None;
        }
        Some((a, b, h))
    }

    fn ranged(&mut self, e: &ast::Expr, what: &str, lo: f64, hi: f64, integer: bool) -> Option<f64> {
        let v = self.constant(e)?;
        if v < lo || v > hi || (integer && v.fract() != 0.0) {
            let kind = if integer { "an integer" } else { "a number" };
            self.err(Diagnostic::new(
                codes::BAD_SIMULATION,
                format!("`{what}` must be {kind} in [{lo}, {hi}], found {v}"),
                e.span,
                "out of range",
            ));
            return None;
        }
        Some(v)
    }
}

/// `E077`: `points`, or `E084`: `boundary`, in the simulation of a model without fields.
fn field_only(kind: &SimEntryKind, span: crate::source::Span) -> Diagnostic {
    let span = match kind {
        SimEntryKind::Points(x) => x.span,
        _ => {
            return Diagnostic::new(codes::BOUNDARY, "`boundary` belongs to field simulations", span, "no fields here")
                .with_help("boundary conditions need `space` and `field` declarations")
        }
    };
    Diagnostic::new(codes::BAD_FIELD_DATA, "`points` belongs to field simulations", span, "no fields here")
        .with_help("a spatial grid needs `space` and `field` declarations")
}
