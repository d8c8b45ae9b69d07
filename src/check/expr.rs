//! Scalar expression resolution: `ast::Expr` → `hir::Expr` in a context ([`Cx`]) that says
//! which names are visible (function parameters, a system's parameters and states, model
//! states...) and which constructs are allowed. Errors are reported and replaced by `Num(0)` so
//! checking goes on.

use super::collect::did_you_mean;
use super::hir::{self, Callee, ExprKind as H, Intrinsic, UnOp};
use super::scope::Decl;
use super::Checker;
use crate::diag::{codes, Diagnostic};
use crate::source::Span;
use crate::syntax::ast::{self, ExprKind as A};

/// Where an expression stands, which decides what it may refer to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Place {
    /// Must be computable before training (const values, param bounds, degrees, simulate numbers).
    Constant,
    /// An equation's right side or a basis term.
    Model,
    /// A function body: parameters, constants, other functions and `t`.
    Function,
    /// A system's equations or a `simulate` block's inline equations (no learnables).
    Simulation,
}

/// The resolution context.
#[derive(Clone, Copy)]
pub(crate) struct Cx<'s> {
    pub place: Place,
    pub fn_params: &'s [ast::Ident],
    /// Names local to a system: (its parameters, its states).
    pub system: Option<(&'s [hir::Name], &'s [hir::State])>,
    /// The equation's left side: derivatives of this state below this order are allowed.
    pub lhs: Option<(usize, u32)>,
    /// `normal(..)` / `uniform(..)` allowed (simulate arguments and init values).
    pub random: bool,
}

impl<'s> Cx<'s> {
    pub fn new(place: Place) -> Cx<'s> {
        Cx { place, fn_params: &[], system: None, lhs: None, random: false }
    }
}

fn num(span: Span) -> hir::Expr {
    hir::Expr { kind: H::Num(0.0), span }
}

impl Checker<'_> {
    /// Resolves a scalar expression.
    pub(crate) fn scalar(&mut self, e: &ast::Expr, cx: Cx) -> hir::Expr {
        let kind = match &e.kind {
            A::Num { value, .. } => H::Num(*value),
            A::Name(id) => return self.name(id, cx),
            A::Deriv { name, order } => return self.deriv(name, *order, e.span, cx),
            A::Neg(inner) => H::Unary(UnOp::Neg, Box::new(self.scalar(inner, cx))),
            A::Binary(op, l, r) => H::Binary(*op, Box::new(self.scalar(l, cx)), Box::new(self.scalar(r, cx))),
            A::Paren(inner) => return self.scalar(inner, cx),
            A::Call(call) => return self.call(call, e.span, cx),
            A::Set(_) => {
                return self.kind_error(
                    e.span,
                    "a list of basis terms `{...}`",
                    "put basis terms in a `basis` declaration or in `sparse(...)`",
                )
            }
            A::List(_) => {
                return self.kind_error(e.span, "a list `[...]`", "lists are only used for `mlp(...; hidden = [...])`")
            }
            A::Str(_) => {
                return self.kind_error(e.span, "a string", "strings name files: `use \"...\"`, `csv \"...\"`")
            }
            // Vector syntax is expanded before this pass; it is left only where the expansion
            // reported an error, which already explains it.
            A::Norm(_) | A::Member { .. } => H::Num(0.0),
        };
        hir::Expr { kind, span: e.span }
    }

    fn kind_error(&mut self, span: Span, what: &str, help: &str) -> hir::Expr {
        self.err(
            Diagnostic::new(
                codes::TYPE_MISMATCH,
                format!("expected a number-valued expression, found {what}"),
                span,
                "not a number",
            )
            .with_help(help),
        );
        num(span)
    }

    fn name(&mut self, id: &ast::Ident, cx: Cx) -> hir::Expr {
        let span = id.span;
        if let Some(i) = cx.fn_params.iter().position(|p| p.name == id.name) {
            return hir::Expr { kind: H::Arg(i), span };
        }
        if let Some((params, states)) = cx.system {
            if let Some(i) = params.iter().position(|p| p.name == id.name) {
                return hir::Expr { kind: H::SysParam(i), span };
            }
            if let Some(i) = states.iter().position(|s| s.name == id.name) {
                return hir::Expr { kind: H::State { id: i, deriv_order: 0 }, span };
            }
        }
        if id.name == "t" {
            return self.time(span, cx);
        }
        let Some(entry) = self.scope.get(&id.name) else {
            let help = did_you_mean(self, &id.name, &cx.fn_params.iter().map(|p| p.name.as_str()).collect::<Vec<_>>());
            self.err(
                Diagnostic::new(codes::UNKNOWN_NAME, format!("unknown name `{}`", id.name), span, "not declared")
                    .with_help(help.unwrap_or_else(|| {
                        format!("declare it, e.g. `param {} = 1` or `const {} = 1`", id.name, id.name)
                    })),
            );
            return num(span);
        };
        let kind = match entry.decl {
            Decl::Const(k) => {
                self.used_consts[k] = true;
                H::Const(k)
            }
            Decl::State(s) => return self.model_value(id, H::State { id: s, deriv_order: 0 }, entry.span, cx),
            Decl::Input(i) => return self.model_value(id, H::Input(i), entry.span, cx),
            Decl::Param(p) => {
                if cx.place == Place::Model {
                    self.used_params[p] = true;
                }
                return self.model_value(id, H::Param(p), entry.span, cx);
            }
            other => {
                let d = Diagnostic::new(
                    codes::TYPE_MISMATCH,
                    format!("`{}` is {}, not a number", id.name, other.words()),
                    span,
                    "used as a number here",
                )
                .with_label(entry.span, format!("declared as {} here", other.words()));
                let d = match other {
                    Decl::Basis(_) => d.with_help(format!("use a basis inside `sparse({})`", id.name)),
                    Decl::Fn(_) => d.with_help(format!("call the function: `{}(...)`", id.name)),
                    _ => d,
                };
                self.err(d);
                return num(span);
            }
        };
        hir::Expr { kind, span }
    }

    fn time(&mut self, span: Span, cx: Cx) -> hir::Expr {
        if cx.place == Place::Constant {
            self.err(not_constant("t", "the time variable", span, None));
            return num(span);
        }
        hir::Expr { kind: H::Time, span }
    }

    /// A state, input or parameter: allowed in the model, not in constants, functions or systems.
    fn model_value(&mut self, id: &ast::Ident, kind: H, decl: Span, cx: Cx) -> hir::Expr {
        let span = id.span;
        let what = match kind {
            H::State { .. } => "a state",
            H::Input(_) => "an input",
            _ => "a learnable parameter",
        };
        match cx.place {
            Place::Model => return hir::Expr { kind, span },
            Place::Simulation if cx.system.is_some() && !matches!(kind, H::Param(_)) => self.err(
                Diagnostic::new(
                    codes::UNKNOWN_NAME,
                    format!("`{}` is not a state or parameter of this system", id.name),
                    span,
                    "not visible in the system",
                )
                .with_label(decl, format!("declared as {what} of the model here"))
                .with_help("a system sees only its own states and parameters, constants and `t`"),
            ),
            Place::Simulation if !matches!(kind, H::Param(_)) => {
                // Inline simulate equations refer to the model's states.
                return hir::Expr { kind, span };
            }
            Place::Simulation => self.err(
                Diagnostic::new(
                    codes::LEARNABLE_IN_SIM,
                    format!("learnable parameter `{}` in a simulated system", id.name),
                    span,
                    "learnable",
                )
                .with_label(decl, "declared with `param` here")
                .with_help("simulated data needs known values: use a number or a `const`"),
            ),
            Place::Constant => self.err(not_constant(&id.name, what, span, Some(decl))),
            Place::Function => self.err(
                Diagnostic::new(
                    codes::UNKNOWN_NAME,
                    format!("`{}` is not visible inside a function", id.name),
                    span,
                    "not a parameter of this function",
                )
                .with_label(decl, format!("declared as {what} here"))
                .with_help(format!(
                    "functions see only their parameters, constants and `t`: add `{}` as a parameter",
                    id.name
                )),
            ),
        }
        num(span)
    }

    fn deriv(&mut self, id: &ast::Ident, order: u32, span: Span, cx: Cx) -> hir::Expr {
        let state = match (cx.system, self.scope.get(&id.name)) {
            (Some((_, states)), _) if states.iter().any(|s| s.name == id.name) => {
                states.iter().position(|s| s.name == id.name)
            }
            (None, Some(e)) => match e.decl {
                Decl::State(s) if cx.place == Place::Model || cx.place == Place::Simulation => Some(s),
                _ => None,
            },
            _ => None,
        };
        let Some(s) = state else {
            let what = if self.scope.get(&id.name).is_some() || cx.system.is_some() {
                "is not a state here"
            } else {
                "is not declared"
            };
            self.err(
                Diagnostic::new(
                    codes::BAD_DERIVATIVE,
                    format!("derivative of `{}`, which {what}", id.name),
                    span,
                    "derivative of a non-state",
                )
                .with_help_opt(did_you_mean(self, &id.name, &[])),
            );
            return num(span);
        };
        // In a system or `simulate` block, only the equation's own state's lower derivatives; in
        // the model, any derivative below the order of that state's equation (its value comes
        // from the state vector of the higher-order ODE).
        let allowed = match (cx.place, cx.lhs) {
            (Place::Simulation, Some((ls, lorder))) => ls == s && order < lorder,
            (Place::Model, _) => order < self.eq_orders.get(s).copied().unwrap_or(0),
            _ => false,
        };
        match allowed {
            true => hir::Expr { kind: H::State { id: s, deriv_order: order }, span },
            false => {
                self.err(
                    Diagnostic::new(codes::BAD_DERIVATIVE, format!("`{}{}` cannot be used here", id.name, "'".repeat(order as usize)), span, "derivative not allowed here")
                        .with_help(format!(
                            "a derivative may appear only where the state has a higher-order equation, e.g. `{0}{1} = ... {0}{2} ...`",
                            id.name,
                            "'".repeat(order as usize + 1),
                            "'".repeat(order as usize)
                        )),
                );
                num(span)
            }
        }
    }

    fn call(&mut self, call: &ast::Call, span: Span, cx: Cx) -> hir::Expr {
        let name = call.name.name.as_str();
        if let Some(f) = Intrinsic::lookup(name) {
            let sig = if f.info().arity == 1 { "x" } else { "x, y" };
            let args = self.positional(call, f.info().arity, sig, cx);
            return hir::Expr { kind: H::Call(Callee::Intrinsic(f), args), span };
        }
        if let Some(reported) = self.misplaced_builtin(call, span, cx) {
            return reported;
        }
        let Some(entry) = self.scope.get(name) else {
            self.err(
                Diagnostic::new(
                    codes::UNKNOWN_NAME,
                    format!("unknown function `{name}`"),
                    call.name.span,
                    "not declared",
                )
                .with_help(
                    did_you_mean(self, name, &[]).unwrap_or_else(|| format!("declare it: `fn {name}(x) = ...`")),
                ),
            );
            return num(span);
        };
        let Decl::Fn(f) = entry.decl else {
            self.err(
                Diagnostic::new(
                    codes::TYPE_MISMATCH,
                    format!("`{name}` is {}, not a function", entry.decl.words()),
                    call.name.span,
                    "called here",
                )
                .with_label(entry.span, "declared here"),
            );
            return num(span);
        };
        self.used_fns[f] = true;
        let params: Vec<String> = self.model.fns[f].params.iter().map(|p| p.name.clone()).collect();
        let args = self.positional(call, params.len(), &params.join(", "), cx);
        hir::Expr { kind: H::Call(Callee::Fn(f), args), span }
    }

    /// A built-in that is not a scalar function in this place (`sparse`/`mlp` inside an
    /// expression, a basis family, a random draw outside `simulate`): reported, with the
    /// placeholder expression to continue with.
    fn misplaced_builtin(&mut self, call: &ast::Call, span: Span, cx: Cx) -> Option<hir::Expr> {
        let name = call.name.name.as_str();
        match name {
            "sparse" | "mlp" => {
                let (code, help) = if cx.place == Place::Simulation {
                    (codes::LEARNABLE_IN_SIM, "simulated systems are fully known: write the term explicitly")
                } else {
                    (codes::MISPLACED_TERM, "make it a top-level summand of an equation: `x' = ... + sparse(lib)`")
                };
                self.err(
                    Diagnostic::new(
                        code,
                        format!("`{name}(...)` is not allowed here"),
                        call.name.span,
                        "learnable term inside an expression",
                    )
                    .with_help(help),
                );
                Some(num(span))
            }
            "poly" | "fourier" => Some(self.kind_error(
                span,
                &format!("the basis family `{name}(...)`"),
                "families build bases: `basis lib = poly(x, degree = 2)`",
            )),
            "normal" | "uniform" if !cx.random => {
                self.err(
                    Diagnostic::new(codes::MISPLACED_RANDOM, format!("random draw `{name}(...)` outside a simulate block"), span, "random draw")
                        .with_help("random draws give simulated trajectories their parameters and initial values: use them in `simulate` arguments or `init`"),
                );
                Some(num(span))
            }
            _ => None,
        }
    }

    /// Resolves a call's arguments, which must be `n` positional ones.
    fn positional(&mut self, call: &ast::Call, n: usize, sig: &str, cx: Cx) -> Vec<hir::Expr> {
        for a in &call.args.items {
            if let Some(k) = &a.name {
                self.err(
                    Diagnostic::new(
                        codes::BAD_ARGUMENT,
                        format!("`{}` takes no named arguments", call.name.name),
                        k.span,
                        "named argument",
                    )
                    .with_note(format!("signature: {}({sig})", call.name.name)),
                );
            }
        }
        if call.args.items.len() != n {
            let s = if n == 1 { "" } else { "s" };
            self.err(
                Diagnostic::new(
                    codes::ARG_COUNT,
                    format!("`{}` takes {n} argument{s} but {} were given", call.name.name, call.args.items.len()),
                    call.args.span,
                    format!("expected {n} argument{s}"),
                )
                .with_note(format!("signature: {}({sig})", call.name.name)),
            );
        }
        call.args.items.iter().map(|a| self.scalar(&a.value, cx)).collect()
    }
}

/// The `E034` diagnostic for a non-constant name where a constant is required.
pub(crate) fn not_constant(name: &str, what: &str, span: Span, decl: Option<Span>) -> Diagnostic {
    let d = Diagnostic::new(
        codes::NOT_CONSTANT,
        format!("`{name}` is {what}, but a constant is required here"),
        span,
        "not a constant",
    )
    .with_help("use numbers, constants and functions of them");
    match decl {
        Some(s) => d.with_label(s, "declared here"),
        None => d,
    }
}
