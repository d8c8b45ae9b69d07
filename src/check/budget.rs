//! Budgets estimated from the checked model before anything is allocated (`E060`): the data
//! (rows of every simulated trajectory × values per row), the coefficients the fit solves for
//! (their dense normal block grows with the square), the design matrix (rows × coefficients),
//! and the size and depth of every expression once its functions are inlined (a chain of
//! functions each calling the previous twice doubles at every link). CSV data are counted by the
//! loader as it reads them ([`MAX_DATA_VALUES`]).
//!
//! The limits are about 200 MB to 1 GB of float64 each, far above any model in the examples
//! (Lorenz: 15,000 values, 30 coefficients; the 40-state benchmark: 1,640 coefficients).

use super::hir::{self, Callee, DataSource, ExprKind as H, Summand};
use super::Checker;
use crate::diag::{codes, Diagnostic};
use crate::source::Span;

/// Data values (rows × values per row, all trajectories): 2^25 float64 = 256 MiB.
pub const MAX_DATA_VALUES: f64 = (1u64 << 25) as f64;
/// Coefficients and parameters solved for together: their dense block is at most 200 MB.
pub const MAX_COEFFICIENTS: f64 = 5000.0;
/// Rows × coefficients (the candidate terms evaluated on the data): 2^27 float64 = 1 GiB.
pub const MAX_DESIGN_CELLS: f64 = (1u64 << 27) as f64;
/// Nodes of one expression with its functions inlined.
pub const MAX_INLINED_NODES: f64 = 1_000_000.0;
/// Depth of one expression with its functions inlined (later passes walk it recursively).
pub const MAX_INLINED_DEPTH: f64 = 2000.0;

const DATA_HELP: &str = "coarsen the step, shorten the time range or simulate fewer trajectories";
const INLINE_HELP: &str =
    "functions are inlined at every call: call fewer functions inside each other, or compute shared parts once";

/// An expression's inlined size and depth as functions of its arguments' sizes and depths: size
/// `c + Σ k[i]·size(arg i)`, depth `max(d, max over used i of e[i] + depth(arg i))`.
#[derive(Clone, Debug)]
struct Shape {
    c: f64,
    k: Vec<f64>,
    d: f64,
    e: Vec<f64>,
}

impl Checker<'_> {
    /// Reports `E060` for every budget the model exceeds; only for an otherwise error-free model.
    pub(crate) fn budgets(&mut self) {
        if crate::diag::has_errors(&self.diags) {
            return;
        }
        let fns = fn_shapes(&self.model);
        self.expression_budgets(&fns);
        let rows: Vec<(f64, Span)> = self
            .model
            .data
            .iter()
            .filter_map(|d| match &d.source {
                DataSource::Simulate(s) => {
                    let per = ((s.t1 - s.t0) / s.step).floor() + 1.0;
                    Some((per * f64::from(s.trajectories), d.span))
                }
                DataSource::Csv(_) => None,
            })
            .collect();
        let total_rows: f64 = rows.iter().map(|r| r.0).sum();
        let per_row = (self.model.states.iter().map(|s| s.order.max(1) as f64).sum::<f64>()
            + self.model.inputs.len() as f64)
            .max(1.0);
        if let Some((_, span)) = rows.iter().find(|_| total_rows * per_row > MAX_DATA_VALUES) {
            let what = format!(
                "the simulated data would hold {} values ({} rows × {per_row} per row)",
                fmt(total_rows * per_row),
                fmt(total_rows)
            );
            self.over_budget(*span, &what, MAX_DATA_VALUES, DATA_HELP);
            return;
        }
        let trajectories: f64 = self
            .model
            .data
            .iter()
            .map(|d| match &d.source {
                DataSource::Simulate(s) => f64::from(s.trajectories),
                DataSource::Csv(_) => 1.0,
            })
            .sum::<f64>()
            .max(1.0);
        let coefs = self.coefficients(trajectories);
        let span = self.model.span();
        if coefs > MAX_COEFFICIENTS {
            let what = format!("the fit would solve for {} coefficients and parameters together", fmt(coefs));
            let help = "lower the bases' degrees or use fewer variables (`max_terms` limits one basis, not this)";
            self.over_budget(span, &what, MAX_COEFFICIENTS, help);
        } else if total_rows * coefs > MAX_DESIGN_CELLS {
            let what = format!(
                "the candidate terms on the data would take {} values ({} rows × {} coefficients)",
                fmt(total_rows * coefs),
                fmt(total_rows),
                fmt(coefs)
            );
            self.over_budget(span, &what, MAX_DESIGN_CELLS, DATA_HELP);
        }
    }

    /// Coefficients of every `sparse` basis plus the parameters (per trajectory ones once each).
    fn coefficients(&self, trajectories: f64) -> f64 {
        let terms: f64 = self
            .model
            .equations
            .iter()
            .flat_map(|e| &e.summands)
            .map(|s| match s {
                Summand::Sparse { basis, .. } => super::terms::count(&self.model, basis).n as f64,
                _ => 0.0,
            })
            .sum();
        // A parameter from an encoder is the encoder's output, trained by gradient steps, not a
        // per-trajectory unknown of a joint solve.
        let free_per_traj = |p: &hir::Param| p.per_trajectory && p.encoder.is_none();
        let params: f64 = self.model.params.iter().map(|p| if free_per_traj(p) { trajectories } else { 1.0 }).sum();
        terms + params
    }

    fn expression_budgets(&mut self, fns: &[Shape]) {
        let mut found = None;
        let mut visit = |e: &hir::Expr, span: Span| {
            let s = shape(e, fns, 0);
            if found.is_none() && (s.c > MAX_INLINED_NODES || s.d > MAX_INLINED_DEPTH) {
                found = Some((span, s.c, s.d));
            }
        };
        for eq in &self.model.equations {
            for s in &eq.summands {
                match s {
                    Summand::Known(e) => visit(e, eq.span),
                    Summand::Sparse { keep, exclude, .. } => keep.iter().chain(exclude).for_each(|e| visit(e, eq.span)),
                    Summand::Mlp { inputs, .. } => inputs.iter().for_each(|e| visit(e, eq.span)),
                }
            }
        }
        for sys in &self.model.systems {
            sys.equations.iter().for_each(|q| visit(&q.rhs, q.span));
        }
        for b in &self.model.bases {
            basis_items(&b.expr).into_iter().for_each(|e| visit(e, b.span));
        }
        let Some((span, size, depth)) = found else { return };
        if size > MAX_INLINED_NODES {
            let what = format!("this expression has {} nodes once its functions are inlined", fmt(size));
            self.over_budget(span, &what, MAX_INLINED_NODES, INLINE_HELP);
        } else {
            let what = format!("this expression is nested {} levels deep once its functions are inlined", fmt(depth));
            self.over_budget(span, &what, MAX_INLINED_DEPTH, INLINE_HELP);
        }
    }

    fn over_budget(&mut self, span: Span, what: &str, limit: f64, help: &str) {
        self.err(
            Diagnostic::new(
                codes::TOO_LARGE,
                format!("{what}, more than the limit of {}", fmt(limit)),
                span,
                "too large",
            )
            .with_help(help),
        );
    }
}

/// The list items of a basis (the only scalar expressions a basis holds).
fn basis_items(b: &hir::BasisExpr) -> Vec<&hir::Expr> {
    match b {
        hir::BasisExpr::List(items, _) => items.iter().collect(),
        hir::BasisExpr::Concat(a, b) | hir::BasisExpr::Product(a, b) => {
            let mut v = basis_items(a);
            v.extend(basis_items(b));
            v
        }
        hir::BasisExpr::Poly { vars, .. } | hir::BasisExpr::Fourier { vars, .. } => vars.iter().collect(),
        hir::BasisExpr::Ref(..) => Vec::new(),
    }
}

/// Every function's shape, callees first (an iterative depth-first order over the call graph,
/// which the checker verified has no cycles).
fn fn_shapes(m: &hir::Model) -> Vec<Shape> {
    let n = m.fns.len();
    let callees: Vec<Vec<usize>> = m
        .fns
        .iter()
        .map(|f| {
            let mut out = Vec::new();
            super::model::walk(&f.body, &mut |x| {
                if let H::Call(Callee::Fn(g), _) = &x.kind {
                    out.push(*g);
                }
            });
            out
        })
        .collect();
    let mut state = vec![0u8; n];
    let mut order = Vec::with_capacity(n);
    for root in 0..n {
        if state[root] != 0 {
            continue;
        }
        state[root] = 1;
        let mut stack = vec![(root, 0usize)];
        while let Some(&(f, i)) = stack.last() {
            match callees[f].get(i) {
                Some(&g) => {
                    if let Some(top) = stack.last_mut() {
                        top.1 += 1;
                    }
                    if g < n && state[g] == 0 {
                        state[g] = 1;
                        stack.push((g, 0));
                    }
                }
                None => {
                    state[f] = 2;
                    order.push(f);
                    stack.pop();
                }
            }
        }
    }
    let mut shapes = vec![Shape { c: 1.0, k: Vec::new(), d: 1.0, e: Vec::new() }; n];
    for f in order {
        shapes[f] = shape(&m.fns[f].body, &shapes, m.fns[f].params.len());
    }
    shapes
}

/// The shape of an expression whose `Arg(i)` are the `arity` arguments of the enclosing function.
fn shape(e: &hir::Expr, fns: &[Shape], arity: usize) -> Shape {
    let leaf = || Shape { c: 1.0, k: vec![0.0; arity], d: 1.0, e: vec![f64::NEG_INFINITY; arity] };
    match &e.kind {
        H::Arg(i) if *i < arity => {
            let mut s = Shape { c: 0.0, k: vec![0.0; arity], d: 0.0, e: vec![f64::NEG_INFINITY; arity] };
            s.k[*i] = 1.0;
            s.e[*i] = 0.0;
            s
        }
        H::Unary(_, x) => node(&[shape(x, fns, arity)], arity),
        H::Binary(_, l, r) => node(&[shape(l, fns, arity), shape(r, fns, arity)], arity),
        H::Call(Callee::Fn(g), xs) => {
            let args: Vec<Shape> = xs.iter().map(|x| shape(x, fns, arity)).collect();
            let Some(f) = fns.get(*g) else { return node(&args, arity) };
            let mut s = Shape { c: f.c, k: vec![0.0; arity], d: f.d, e: vec![f64::NEG_INFINITY; arity] };
            for (j, a) in args.iter().enumerate() {
                let (kj, ej) = (f.k.get(j).copied().unwrap_or(0.0), f.e.get(j).copied().unwrap_or(f64::NEG_INFINITY));
                s.c += kj * a.c;
                s.d = s.d.max(ej + a.d);
                for i in 0..arity {
                    s.k[i] += kj * a.k[i];
                    s.e[i] = s.e[i].max(ej + a.e[i]);
                }
            }
            s
        }
        H::Call(_, xs) => node(&xs.iter().map(|x| shape(x, fns, arity)).collect::<Vec<_>>(), arity),
        _ => leaf(),
    }
}

/// One node over its children.
fn node(children: &[Shape], arity: usize) -> Shape {
    let mut s = Shape { c: 1.0, k: vec![0.0; arity], d: 1.0, e: vec![f64::NEG_INFINITY; arity] };
    for ch in children {
        s.c += ch.c;
        s.d = s.d.max(1.0 + ch.d);
        for i in 0..arity {
            s.k[i] += ch.k[i];
            s.e[i] = s.e[i].max(1.0 + ch.e[i]);
        }
    }
    s
}

/// A count in words: `1.2e9`-style above a million, digits below.
fn fmt(x: f64) -> String {
    if x >= 1e6 {
        format!("{x:.2e}")
    } else {
        format!("{}", x.round() as u64)
    }
}
