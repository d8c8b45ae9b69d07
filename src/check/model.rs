//! Passes over model-level declarations: function bodies (and recursion), constants, parameters,
//! equations (split into summands: known expressions, `sparse`, `mlp`) and the whole-model
//! rules (one equation per state, unused declarations, model without states).
//! Input: [`Decls`](super::collect::Decls); output: the corresponding parts of `hir::Model`.

use super::collect::{did_you_mean, Decls};
use super::eval::eval;
use super::expr::{Cx, Place};
use super::hir::{self, Callee, ExprKind as H, Summand};
use super::scope::Decl;
use super::Checker;
use crate::diag::{codes, Diagnostic};
use crate::source::Span;
use crate::syntax::ast::{self, BinOp, ExprKind as A};

impl Checker<'_> {
    pub(crate) fn resolve_fns(&mut self, fns: &[&ast::FnDecl]) {
        for (i, f) in fns.iter().enumerate() {
            let mut cx = Cx::new(Place::Function);
            cx.fn_params = &f.params;
            let body = self.scalar(&f.body, cx);
            self.model.fns[i].body = body;
            for (j, p) in f.params.iter().enumerate() {
                if let Some(q) = f.params[..j].iter().find(|q| q.name == p.name) {
                    self.err(super::collect::duplicate(&p.name, p.span, q.span, "a parameter of this function"));
                }
            }
        }
        self.check_recursion();
    }

    /// Reports each function that can reach itself through calls.
    fn check_recursion(&mut self) {
        let n = self.model.fns.len();
        let calls: Vec<Vec<usize>> = self.model.fns.iter().map(|f| called_fns(&f.body)).collect();
        for start in 0..n {
            let mut seen = vec![false; n];
            let mut stack = calls[start].clone();
            while let Some(g) = stack.pop() {
                if g == start {
                    let f = &self.model.fns[start];
                    self.err(
                        Diagnostic::new(
                            codes::RECURSIVE_FN,
                            format!("function `{}` calls itself", f.name),
                            f.span,
                            "recursive",
                        )
                        .with_note("functions are inlined, so they cannot be recursive"),
                    );
                    break;
                }
                if !std::mem::replace(&mut seen[g], true) {
                    stack.extend(&calls[g]);
                }
            }
        }
    }

    /// Resolves a constant expression and evaluates it.
    pub(crate) fn constant(&mut self, e: &ast::Expr) -> Option<f64> {
        let n = self.diags.len();
        let h = self.scalar(e, Cx::new(Place::Constant));
        if self.diags.len() > n {
            return None;
        }
        if let Some(k) = first_pending_const(&h, &self.const_done) {
            let c = &self.model.consts[k];
            self.err(
                Diagnostic::new(
                    codes::NOT_CONSTANT,
                    format!("constant `{}` is used before its declaration", c.name),
                    e.span,
                    "used here",
                )
                .with_label(c.span, "declared later here")
                .with_help("move the declaration up"),
            );
            return None;
        }
        let v = eval(&self.model, &h, &[], 0)?;
        let inside = |d: &Diagnostic| {
            d.primary_span().is_some_and(|s| s.src == e.span.src && s.start >= e.span.start && s.end <= e.span.end)
        };
        let literal_reported = self.diags.iter().any(|d| d.code == codes::BAD_NUMBER && inside(d));
        if !v.is_finite() && !literal_reported {
            let what = if v.is_nan() { "not a number (NaN)" } else { "infinite" };
            self.err(
                Diagnostic::new(codes::NON_FINITE_CONST, format!("this constant expression is {what}"), e.span, what)
                    .with_help("a division by zero, `0/0`, an overflow (`10^400`) or a fractional power of a negative number has no finite value"),
            );
            return None;
        }
        Some(v)
    }

    pub(crate) fn eval_consts(&mut self, consts: &[&ast::ConstDecl]) {
        for (i, k) in consts.iter().enumerate() {
            if let Some(v) = self.constant(&k.value) {
                self.model.consts[i].value = v;
            }
            self.const_done[i] = true;
        }
    }

    pub(crate) fn resolve_params(&mut self, params: &[&ast::ParamDecl]) {
        for (i, p) in params.iter().enumerate() {
            let init = p.init.as_ref().and_then(|e| self.constant(e));
            let bounds = p.bounds.as_ref().map(|(lo, hi)| (self.constant(lo), self.constant(hi)));
            if let Some((Some(lo), Some(hi))) = bounds {
                self.model.params[i].bounds = Some((lo, hi));
                let bspan = p.bounds.as_ref().map_or(p.name.span, |(l, h)| l.span.to(h.span));
                if lo >= hi {
                    self.err(
                        Diagnostic::new(
                            codes::BAD_BOUNDS,
                            format!("empty bounds for `{}`: {lo} is not below {hi}", p.name.name),
                            bspan,
                            "low must be below high",
                        )
                        .with_help("write the bounds as `in (low, high)` with low < high"),
                    );
                } else if let (Some(v), Some(e)) = (init, &p.init) {
                    if v < lo || v > hi {
                        self.err(
                            Diagnostic::new(
                                codes::BAD_BOUNDS,
                                format!("initial value {v} of `{}` is outside its bounds", p.name.name),
                                e.span,
                                "outside the bounds",
                            )
                            .with_label(bspan, format!("bounds ({lo}, {hi})"))
                            .with_help(format!("start inside the bounds, e.g. `= {}`", (lo + hi) / 2.0)),
                        );
                    }
                }
                self.model.params[i].init = init.unwrap_or((lo + hi) / 2.0);
            } else {
                // Without a guess or bounds, start at 1: a parameter that divides (`x/mu`) must
                // not start at zero, and 1 is the natural scale of a coefficient.
                self.model.params[i].init = init.unwrap_or(1.0);
            }
        }
    }

    /// The order of each state's first equation (0 for a state without one), without reporting
    /// anything: `resolve_equations` reports the problems.
    pub(crate) fn equation_orders(&self, eqs: &[&ast::Equation]) -> Vec<u32> {
        let mut orders = vec![0; self.model.states.len()];
        for e in eqs {
            if let Some(Decl::State(s)) = self.scope.get(&e.target.name).map(|x| x.decl) {
                if orders[s] == 0 {
                    orders[s] = e.order;
                }
            }
        }
        orders
    }

    pub(crate) fn resolve_equations(&mut self, eqs: &[&ast::Equation]) {
        let mut first: Vec<Option<Span>> = vec![None; self.model.states.len()];
        let mut resolved: Vec<Option<hir::Equation>> = vec![None; self.model.states.len()];
        for e in eqs {
            let Some(s) = self.equation_target(e) else { continue };
            if let Some(prev) = first[s] {
                self.err(
                    Diagnostic::new(
                        codes::TWO_EQUATIONS,
                        format!("state `{}` has a second equation", e.target.name),
                        e.lhs_span,
                        "second equation",
                    )
                    .with_label(prev, "first equation here")
                    .with_help("sum the terms on one right-hand side"),
                );
                self.summands(&e.rhs, s, e.order);
                continue;
            }
            first[s] = Some(e.lhs_span);
            self.model.states[s].order = e.order;
            let summands = self.summands(&e.rhs, s, e.order);
            resolved[s] = Some(hir::Equation { state: s, order: e.order, summands, span: e.span });
        }
        self.model.equations = resolved.into_iter().flatten().collect();
    }

    /// The state an equation is for, or a diagnostic.
    fn equation_target(&mut self, e: &ast::Equation) -> Option<usize> {
        let name = &e.target.name;
        let entry = self.scope.get(name);
        if e.order == 0 {
            let help = match entry.map(|x| x.decl) {
                Some(Decl::State(s)) => {
                    self.attempted.push(s);
                    format!("write the derivative: `{name}' = ...`")
                }
                _ => "for a fixed value use `const`, for a helper use `fn`".to_string(),
            };
            self.err(
                Diagnostic::new(
                    codes::NO_PRIME,
                    format!("`{name} = ...` is not an equation"),
                    e.lhs_span,
                    "no derivative on the left",
                )
                .with_help(help),
            );
            return None;
        }
        match entry.map(|x| (x.decl, x.span)) {
            Some((Decl::State(s), _)) => Some(s),
            Some((d, span)) => {
                self.err(
                    Diagnostic::new(
                        codes::NOT_A_STATE,
                        format!("equation for `{name}`, which is {}", d.words()),
                        e.lhs_span,
                        "not a state",
                    )
                    .with_label(span, format!("declared as {} here", d.words()))
                    .with_help("only states have equations; declare it with `state` if it evolves in time"),
                );
                None
            }
            None => {
                let help = did_you_mean(self, name, &[]).unwrap_or_else(|| format!("declare it first: `state {name}`"));
                self.err(
                    Diagnostic::new(
                        codes::NOT_A_STATE,
                        format!("equation for `{name}`, which is not declared"),
                        e.lhs_span,
                        "not a state",
                    )
                    .with_help(help),
                );
                None
            }
        }
    }

    /// Splits a right side into its top-level summands.
    fn summands(&mut self, rhs: &ast::Expr, state: usize, order: u32) -> Vec<Summand> {
        let mut terms = Vec::new();
        flatten_sum(rhs, false, &mut terms);
        let mut cx = Cx::new(Place::Model);
        cx.lhs = Some((state, order));
        terms
            .into_iter()
            .map(|(negated, e)| match &e.kind {
                A::Call(c) if c.name.name == "sparse" => {
                    let mut s = self.sparse(c, e.span);
                    if let Summand::Sparse { shared, .. } = &mut s {
                        *shared = self.ties.get(&(self.model.states[state].name.clone(), e.span)).copied();
                    }
                    s
                }
                A::Call(c) if c.name.name == "mlp" => self.mlp(c, e.span, cx),
                _ => {
                    let h = self.scalar(e, cx);
                    let h = if negated {
                        hir::Expr { span: e.span, kind: H::Unary(hir::UnOp::Neg, Box::new(h)) }
                    } else {
                        h
                    };
                    Summand::Known(h)
                }
            })
            .collect()
    }

    /// `mlp(inputs...; hidden = [sizes], activation = tanh, explain = basis)`
    fn mlp(&mut self, c: &ast::Call, span: Span, cx: Cx) -> Summand {
        const SIGNATURE: &str =
            "signature: mlp(inputs...; hidden = [sizes], activation = tanh|relu|softplus|sigmoid, explain = basis)";
        let mut inputs = Vec::new();
        let mut hidden = vec![16, 16];
        let mut activation = hir::Activation::Tanh;
        let mut explain = None;
        for a in &c.args.items {
            match a.name.as_ref().map(|n| n.name.as_str()) {
                None => inputs.push(self.scalar(&a.value, cx)),
                Some("hidden") => {
                    hidden = self.hidden_sizes(&a.value);
                    if matches!(&a.value.kind, A::List(items) if items.is_empty()) {
                        self.err(
                            Diagnostic::new(
                                codes::EMPTY_HIDDEN,
                                "`hidden = []` gives the network no hidden layer",
                                a.value.span,
                                "empty",
                            )
                            .with_help("give at least one layer size, e.g. `hidden = [16]`"),
                        );
                    }
                }
                Some("activation") => activation = self.activation(&a.value).unwrap_or(hir::Activation::Tanh),
                Some("explain") => explain = Some(self.basis_expr(&a.value, None)),
                Some(other) => self.err(
                    Diagnostic::new(
                        codes::BAD_ARGUMENT,
                        format!("`mlp` has no argument `{other}`"),
                        a.span(),
                        "unknown argument",
                    )
                    .with_note(SIGNATURE),
                ),
            }
        }
        if inputs.is_empty() {
            self.err(
                Diagnostic::new(codes::ARG_COUNT, "`mlp` needs at least one input", c.args.span, "no inputs")
                    .with_note(SIGNATURE)
                    .with_help("e.g. `mlp(x, y; hidden = [16, 16])`"),
            );
        }
        Summand::Mlp { inputs, hidden, activation, explain, span }
    }

    pub(crate) fn hidden_sizes(&mut self, e: &ast::Expr) -> Vec<u32> {
        let items: Vec<&ast::Expr> = match &e.kind {
            A::List(items) => items.iter().collect(),
            _ => vec![e],
        };
        let mut out = Vec::new();
        for it in items {
            match self.constant(it) {
                Some(v) if (1.0..=65536.0).contains(&v) && v.fract() == 0.0 => out.push(v as u32),
                Some(v) => self.err(
                    Diagnostic::new(
                        codes::BAD_ARGUMENT,
                        format!("hidden layer size {v} is not a positive integer"),
                        it.span,
                        "invalid size",
                    )
                    .with_help("hidden sizes are positive integers, e.g. `hidden = [16, 16]`"),
                ),
                None => {}
            }
        }
        out
    }

    pub(crate) fn whole_model_rules(&mut self, d: &Decls) {
        let mut covered = vec![false; self.model.states.len()];
        let pairs = self.model.hamiltonian.iter().flat_map(|h| h.pairs.iter().flat_map(|&(q, p)| [q, p]));
        let with_eq = self.model.equations.iter().map(|e| e.state).chain(self.attempted.iter().copied());
        for i in with_eq.chain(pairs) {
            if let Some(c) = covered.get_mut(i) {
                *c = true;
            }
        }
        for (i, s) in self.model.states.iter().enumerate() {
            if !covered[i] {
                let (name, span) = (s.name.clone(), s.span);
                self.diags.push(
                    Diagnostic::new(
                        codes::NO_EQUATION,
                        format!("state `{name}` has no equation"),
                        span,
                        "declared here without an equation",
                    )
                    .with_help(format!(
                        "add an equation such as `{name}' = sparse(lib)`, or declare `{name}` as an `input`"
                    )),
                );
            }
        }
        if self.is_model && self.model.states.is_empty() {
            let span = d.model_span.unwrap_or_default();
            self.err(
                Diagnostic::new(codes::NO_STATES, "the model declares no states", span, "model without states")
                    .with_help("declare states: `state x, y`"),
            );
        }
        self.unused_warnings(d);
    }

    /// Unused-declaration warnings, only for an otherwise error-free model (an error often hides
    /// the use).
    fn unused_warnings(&mut self, d: &Decls) {
        if crate::diag::has_errors(&self.diags) {
            return;
        }
        for (i, p) in self.model.params.iter().enumerate() {
            if !self.used_params[i] {
                self.diags.push(
                    Diagnostic::new(
                        codes::UNUSED_PARAM,
                        format!("parameter `{}` is never used", p.name),
                        p.span,
                        "unused",
                    )
                    .with_help("use it in an equation or remove it"),
                );
            }
        }
        let mut unused = Vec::new();
        for (i, b) in self.model.bases.iter().enumerate() {
            if d.root_bases[i] && !self.used_bases[i] {
                unused.push(("basis", b.name.clone(), b.span));
            }
        }
        for (i, k) in self.model.consts.iter().enumerate() {
            if d.root_consts[i] && !self.used_consts[i] {
                unused.push(("constant", k.name.clone(), k.span));
            }
        }
        for (i, f) in self.model.fns.iter().enumerate() {
            if d.root_fns[i] && !self.used_fns[i] && self.is_model {
                unused.push(("function", f.name.clone(), f.span));
            }
        }
        for (what, name, span) in unused {
            if self.is_model {
                self.diags.push(
                    Diagnostic::new(codes::UNUSED_BASIS, format!("{what} `{name}` is never used"), span, "unused")
                        .with_help("use it or remove it"),
                );
            }
        }
    }
}

/// Top-level summands of a sum (through parentheses), with whether each is subtracted.
pub(crate) fn flatten_sum<'e>(e: &'e ast::Expr, negated: bool, out: &mut Vec<(bool, &'e ast::Expr)>) {
    match &e.kind {
        A::Binary(BinOp::Add, l, r) => {
            flatten_sum(l, negated, out);
            flatten_sum(r, negated, out);
        }
        A::Binary(BinOp::Sub, l, r) => {
            flatten_sum(l, negated, out);
            flatten_sum(r, !negated, out);
        }
        A::Paren(inner) => flatten_sum(inner, negated, out),
        _ => out.push((negated, e)),
    }
}

fn called_fns(e: &hir::Expr) -> Vec<usize> {
    let mut out = Vec::new();
    walk(e, &mut |x| {
        if let H::Call(Callee::Fn(f), _) = &x.kind {
            out.push(*f);
        }
    });
    out
}

fn first_pending_const(e: &hir::Expr, done: &[bool]) -> Option<usize> {
    let mut found = None;
    walk(e, &mut |x| {
        if let H::Const(k) = x.kind {
            if !done[k] && found.is_none() {
                found = Some(k);
            }
        }
    });
    found
}

/// Visits every node of an expression, parents first.
pub(crate) fn walk(e: &hir::Expr, f: &mut dyn FnMut(&hir::Expr)) {
    f(e);
    match &e.kind {
        H::Unary(_, x) => walk(x, f),
        H::Binary(_, l, r) => {
            walk(l, f);
            walk(r, f);
        }
        H::Call(_, xs) => xs.iter().for_each(|x| walk(x, f)),
        _ => {}
    }
}
