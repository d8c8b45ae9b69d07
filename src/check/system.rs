//! Named systems (`system lorenz(sigma, rho, beta) { state x, y, z  x' = ... }`) and inline
//! `simulate` equations → `hir::System`: fully known, one equation per state, no learnables.

use super::expr::{Cx, Place};
use super::hir::{Name, State, SysEquation};
use super::Checker;
use crate::diag::{codes, Diagnostic};
use crate::syntax::ast::{self, ItemKind};

impl Checker<'_> {
    pub(crate) fn resolve_systems(&mut self, systems: &[&ast::SystemDecl]) {
        for (i, s) in systems.iter().enumerate() {
            let mut states: Vec<State> = Vec::new();
            let mut eqs = Vec::new();
            for item in &s.body {
                match &item.kind {
                    ItemKind::State(ns) => {
                        for n in ns {
                            if let Some(old) = states.iter().find(|x| x.name == n.name) {
                                self.err(super::collect::duplicate(
                                    &n.name,
                                    n.span,
                                    old.span,
                                    "a state of this system",
                                ));
                            } else {
                                states.push(State { name: n.name.clone(), span: n.span, order: 0 });
                            }
                        }
                    }
                    ItemKind::Equation(e) => eqs.push(e),
                    _ => {}
                }
            }
            let params = self.model.systems[i].params.clone();
            for (j, p) in params.iter().enumerate() {
                if let Some(q) = params[..j].iter().find(|q| q.name == p.name) {
                    self.err(super::collect::duplicate(&p.name, p.span, q.span, "a parameter of this system"));
                }
            }
            let equations = self.system_equations(&eqs, &mut states, &params, true);
            self.model.systems[i].states = states;
            self.model.systems[i].equations = equations;
        }
    }

    /// Resolves equations over `states` (system-local when `local`, else the model's states),
    /// sets each state's order and reports missing, duplicate and misdirected equations.
    pub(crate) fn system_equations(
        &mut self,
        eqs: &[&ast::Equation],
        states: &mut [State],
        params: &[Name],
        local: bool,
    ) -> Vec<SysEquation> {
        let mut found: Vec<Option<SysEquation>> = vec![None; states.len()];
        for e in eqs {
            let Some(s) = self.system_equation_target(e, states, &found) else { continue };
            states[s].order = e.order;
            let snapshot: Vec<State> = states.to_vec();
            let mut cx = Cx::new(Place::Simulation);
            if local {
                cx.system = Some((params, &snapshot));
            }
            cx.lhs = Some((s, e.order));
            let rhs = self.scalar(&e.rhs, cx);
            found[s] = Some(SysEquation { state: s, order: e.order, rhs, span: e.span });
        }
        self.missing_equations(states, &found);
        found.into_iter().flatten().collect()
    }

    /// The state an equation defines, or `None` (reported) when its target is not a state of
    /// the system, it has no derivative, or the state already has an equation.
    fn system_equation_target(
        &mut self,
        e: &ast::Equation,
        states: &[State],
        found: &[Option<SysEquation>],
    ) -> Option<usize> {
        let Some(s) = states.iter().position(|x| x.name == e.target.name) else {
            let d = Diagnostic::new(
                codes::NOT_A_STATE,
                format!("equation for `{}`, which is not a state of this system", e.target.name),
                e.lhs_span,
                "not a state here",
            );
            let names: Vec<&str> = states.iter().map(|x| x.name.as_str()).collect();
            self.err(
                d.with_help_opt(super::scope::suggest(&e.target.name, names).map(|x| format!("did you mean `{x}`?"))),
            );
            return None;
        };
        if e.order == 0 {
            self.err(
                Diagnostic::new(
                    codes::NO_PRIME,
                    format!("`{} = ...` is not an equation", e.target.name),
                    e.lhs_span,
                    "no derivative on the left",
                )
                .with_help(format!("write `{}' = ...`", e.target.name)),
            );
            return None;
        }
        if let Some(prev) = &found[s] {
            let d = Diagnostic::new(
                codes::TWO_EQUATIONS,
                format!("state `{}` has a second equation", e.target.name),
                e.lhs_span,
                "second equation",
            );
            self.err(d.with_label(prev.span, "first equation here"));
            return None;
        }
        Some(s)
    }

    /// `E012` for every state left without an equation.
    fn missing_equations(&mut self, states: &[State], found: &[Option<SysEquation>]) {
        for (s, f) in found.iter().enumerate() {
            if f.is_none() {
                let st = &states[s];
                self.err(
                    Diagnostic::new(
                        codes::NO_EQUATION,
                        format!("state `{}` has no equation in this system", st.name),
                        st.span,
                        "no equation",
                    )
                    .with_help(format!("add `{}' = ...`", st.name)),
                );
            }
        }
    }
}
