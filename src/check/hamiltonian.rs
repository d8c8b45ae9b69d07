//! `hamiltonian H = ...`: the canonical pairs (a state `p…` with the state `q…` of the same
//! suffix; vector states pair per component, `q1_x` with `p1_x`) and the right side split into
//! known terms and `sparse` blocks. The equations themselves are generated in the IR by
//! symbolic differentiation (`q' = ∂H/∂p`, `p' = -∂H/∂q`).
//! Input: the `hamiltonian` declarations. Output: `hir::Model::hamiltonian`, `E050` errors.

use super::expr::{Cx, Place};
use super::hir::{self, Summand};
use super::model::flatten_sum;
use super::Checker;
use crate::diag::{codes, Diagnostic};
use crate::syntax::ast::{self, ExprKind as A};

impl Checker<'_> {
    /// The canonical pairs among the model's states, and the `q…`/`p…` states without a partner.
    fn canonical_pairs(&self) -> (Vec<(usize, usize)>, Vec<usize>) {
        let states = &self.model.states;
        let find = |name: String| states.iter().position(|s| s.name == name);
        let mut pairs = Vec::new();
        let mut lonely = Vec::new();
        for (i, s) in states.iter().enumerate() {
            if let Some(rest) = s.name.strip_prefix('q') {
                match find(format!("p{rest}")) {
                    Some(p) => pairs.push((i, p)),
                    None => lonely.push(i),
                }
            } else if let Some(rest) = s.name.strip_prefix('p') {
                if find(format!("q{rest}")).is_none() {
                    lonely.push(i);
                }
            }
        }
        (pairs, lonely)
    }

    /// Gives the paired states first order before any expression is resolved.
    pub(crate) fn hamiltonian_orders(&mut self, hs: &[&ast::HamiltonianDecl]) {
        if hs.is_empty() {
            return;
        }
        for (q, p) in self.canonical_pairs().0 {
            for s in [q, p] {
                if self.eq_orders[s] == 0 {
                    self.eq_orders[s] = 1;
                }
            }
        }
    }

    pub(crate) fn resolve_hamiltonian(&mut self, hs: &[&ast::HamiltonianDecl]) {
        let Some(h) = hs.first() else { return };
        for extra in &hs[1..] {
            self.err(
                Diagnostic::new(
                    codes::BAD_HAMILTONIAN,
                    "a second Hamiltonian",
                    extra.name.span,
                    "second `hamiltonian`",
                )
                .with_label(h.name.span, "the first one")
                .with_help("a model has one Hamiltonian: sum the terms on one right side"),
            );
        }
        let (pairs, lonely) = self.canonical_pairs();
        let bad =
            |msg: String, span, label: &str| Diagnostic::new(codes::BAD_HAMILTONIAN, msg, span, label.to_string());
        if pairs.is_empty() {
            self.err(
                bad(format!("Hamiltonian `{}` has no canonical pairs", h.name.name), h.name.span, "no `q`/`p` states")
                    .with_help(
                        "name the coordinates `q…` and their momenta `p…` with the same suffix: `state q1, p1: vec3`",
                    ),
            );
        }
        for s in lonely {
            self.attempted.push(s);
            let st = &self.model.states[s];
            let partner =
                if st.name.starts_with('q') { format!("p{}", &st.name[1..]) } else { format!("q{}", &st.name[1..]) };
            let d = bad(format!("state `{}` has no partner `{partner}`", st.name), st.span, "unpaired")
                .with_label(h.name.span, "the Hamiltonian pairs `q…` with `p…`")
                .with_help(format!("declare `{partner}`, or rename the state so it does not start with `q` or `p`"));
            self.err(d);
        }
        for e in &self.model.equations {
            if pairs.iter().any(|&(q, p)| e.state == q || e.state == p) {
                let name = self.model.states[e.state].name.clone();
                let d = bad(
                    format!("state `{name}` has its own equation and one from the Hamiltonian"),
                    e.span,
                    "own equation",
                )
                .with_label(h.name.span, "generates it")
                .with_help("remove the equation, or the state from the Hamiltonian's pairs");
                self.diags.push(d);
            }
        }
        for &(q, p) in &pairs {
            self.model.states[q].order = 1;
            self.model.states[p].order = 1;
        }
        let summands = self.hamiltonian_summands(&h.value);
        self.model.hamiltonian =
            Some(hir::Hamiltonian { name: h.name.name.clone(), span: h.name.span, summands, pairs });
    }

    fn hamiltonian_summands(&mut self, rhs: &ast::Expr) -> Vec<Summand> {
        let mut terms = Vec::new();
        flatten_sum(rhs, false, &mut terms);
        let mut out = Vec::new();
        for (negated, e) in terms {
            match &e.kind {
                A::Call(c) if c.name.name == "sparse" => out.push(self.sparse(c, e.span)),
                A::Call(c) if c.name.name == "mlp" => self.err(
                    Diagnostic::new(
                        codes::UNSUPPORTED,
                        "neural terms in a Hamiltonian are not supported yet",
                        e.span,
                        "`mlp` in `hamiltonian`",
                    )
                    .with_help("use known terms, parameters and `sparse(...)` over an invariant basis"),
                ),
                _ => {
                    let h = self.scalar(e, Cx::new(Place::Model));
                    let h = if negated {
                        hir::Expr { span: e.span, kind: hir::ExprKind::Unary(hir::UnOp::Neg, Box::new(h)) }
                    } else {
                        h
                    };
                    out.push(Summand::Known(h));
                }
            }
        }
        out
    }
}
