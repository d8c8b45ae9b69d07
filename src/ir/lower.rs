//! The lowering: checked model ([`hir::Model`]) → expression IR ([`ModelIr`]).
//!
//! Constants are folded to numbers, user and standard-library functions are inlined (their
//! bodies are lowered with the call's argument nodes substituted for [`ExprKind::Arg`]), basis
//! families are expanded to ordered term lists ([`Basis`]) with exact duplicates removed (the
//! checker has already warned about them), `keep`/`exclude` lists become per-term masks, and every
//! term and right-hand side keeps its source span in the IR's side table.
//!
//! Known systems (for `simulate`) lower separately with [`lower_system`]: their parameters become
//! IR parameters, so one compiled kernel serves every trajectory's drawn parameter values.

use super::hamiltonian::LoweredH;
use super::{Arena, Basis, ModelIr, Names, NodeId, Var};
use crate::check::hir::{self, BasisExpr, BinOp, Callee, Expr, ExprKind, Summand, UnOp};
use crate::source::Span;
use std::fmt;

/// A lowering failure. The checker rejects every user error first, so reaching one of these
/// means the HIR broke an invariant: an internal error, reported with the span it concerns.
#[derive(Clone, Debug, PartialEq)]
pub struct LowerError {
    /// What went wrong.
    pub message: String,
    /// Where, in the source.
    pub span: Span,
}

impl fmt::Display for LowerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "internal lowering error at {}: {}", self.span, self.message)
    }
}

impl std::error::Error for LowerError {}

type Result<T> = std::result::Result<T, LowerError>;

fn err<T>(span: Span, message: impl Into<String>) -> Result<T> {
    Err(LowerError { message: message.into(), span })
}

/// Lowers a checked model. Model parameters keep their HIR indices as IR parameters; sparse
/// coefficients get the slots after them (see [`ModelIr::rhs_nodes`]).
pub fn lower(model: &hir::Model) -> Result<ModelIr> {
    let names = Names {
        states: model.states.iter().map(|s| s.name.clone()).collect(),
        params: model.params.iter().map(|p| p.name.clone()).collect(),
        inputs: model.inputs.iter().map(|i| i.name.clone()).collect(),
    };
    let name = model.name.as_ref().map_or_else(|| "model".to_string(), |n| n.name.clone());
    let mut ir = ModelIr::new(name, names);
    let mut cx = Lowerer { model, sys_params: &[] };
    let mut groups = Groups::new();
    for eq in &model.equations {
        lower_equation(&mut cx, &mut ir, eq, &mut groups)?;
    }
    if let Some(h) = &model.hamiltonian {
        let lowered = lower_hamiltonian(&mut cx, &mut ir, h)?;
        super::hamiltonian::generate(&mut ir, lowered);
    }
    lower_networks(&mut cx, &mut ir)?;
    Ok(ir)
}

/// Lowers H's summands: the known part as one node, the sparse blocks' terms with their masks.
fn lower_hamiltonian(cx: &mut Lowerer, ir: &mut ModelIr, h: &hir::Hamiltonian) -> Result<LoweredH> {
    let mut known = ir.arena.constant(0.0);
    let mut theta = Vec::new();
    let mut labels = Vec::new();
    for s in &h.summands {
        match s {
            Summand::Known(e) => {
                let node = cx.expr(&mut ir.arena, e, &[])?;
                known = ir.arena.add(known, node);
            }
            Summand::Sparse { basis, keep, exclude, .. } => {
                let b = cx.basis(ir, basis)?;
                let keep = cx.mask(ir, &b, keep)?;
                let exclude = cx.mask(ir, &b, exclude)?;
                labels.push(basis_label(cx.model, basis));
                for (i, t) in b.terms.into_iter().enumerate() {
                    theta.push((t, keep[i], exclude[i]));
                }
            }
            Summand::Mlp { .. } => return err(h.span, "neural term in a Hamiltonian"),
        }
    }
    Ok(LoweredH { name: h.name.clone(), span: h.span, known, theta, labels, pairs: h.pairs.clone() })
}

/// Per shared group of a vector equation: the coefficient slot of each basis term.
type Groups = std::collections::HashMap<usize, Vec<Option<usize>>>;

fn lower_equation(cx: &mut Lowerer, ir: &mut ModelIr, eq: &hir::Equation, groups: &mut Groups) -> Result<()> {
    let mut known = ir.arena.constant(0.0);
    for s in &eq.summands {
        if let Summand::Known(e) = s {
            let node = cx.expr(&mut ir.arena, e, &[])?;
            ir.note_span(node, e.span);
            known = ir.arena.add(known, node);
        }
    }
    let index = ir.add_equation(eq.state as u32, eq.order, known, Some(eq.span));
    for s in &eq.summands {
        match s {
            Summand::Known(_) => {}
            Summand::Sparse { basis, keep, exclude, span, shared } => {
                let b = cx.basis(ir, basis)?;
                let keep = cx.mask(ir, &b, keep)?;
                let exclude = cx.mask(ir, &b, exclude)?;
                let label = basis_label(cx.model, basis);
                match shared {
                    None => ir.add_sparse(index, &label, &b, &keep, &exclude),
                    Some(g) => {
                        let slots = groups.entry(*g).or_insert_with(|| vec![None; b.len()]);
                        if slots.len() != b.len() {
                            return err(*span, "the components of a vector basis have different sizes");
                        }
                        let terms: Vec<Option<super::Term>> =
                            b.terms.iter().zip(&exclude).map(|(t, &x)| (!x).then(|| t.clone())).collect();
                        ir.add_shared_sparse(index, &label, &terms, &keep, slots);
                    }
                }
            }
            // Lowered by `lower_networks` once every coefficient slot exists.
            Summand::Mlp { .. } => {}
        }
    }
    Ok(())
}

/// Lowers every equation's neural terms; their weights are the kernel parameters after all
/// coefficient slots ([`ModelIr::weight_param`]), so this runs after the slots are allocated.
fn lower_networks(cx: &mut Lowerer, ir: &mut ModelIr) -> Result<()> {
    for (index, eq) in cx.model.equations.iter().enumerate() {
        for s in &eq.summands {
            let Summand::Mlp { inputs, hidden, activation, explain, span } = s else { continue };
            let nodes = inputs.iter().map(|e| cx.expr(&mut ir.arena, e, &[])).collect::<Result<Vec<_>>>()?;
            let explain = match explain {
                Some(b) => Some((basis_label(cx.model, b), cx.basis(ir, b)?.terms)),
                None => None,
            };
            let names: Vec<String> = nodes.iter().map(|&n| ir.arena.surface(n, &ir.names).to_string()).collect();
            let hidden: Vec<usize> = hidden.iter().map(|&h| h as usize).collect();
            let text = format!("mlp({}; hidden = {hidden:?})", names.join(", "));
            ir.add_neural(index, nodes, hidden, *activation, explain, text, Some(*span));
        }
    }
    Ok(())
}

/// The printed name of a sparse block's basis: the named basis, or `basis` for an inline one.
fn basis_label(model: &hir::Model, b: &BasisExpr) -> String {
    match b {
        BasisExpr::Ref(id, _) => model.bases[*id].name.clone(),
        BasisExpr::Poly { .. } => "poly".into(),
        BasisExpr::Fourier { .. } => "fourier".into(),
        _ => "basis".into(),
    }
}

/// A lowered known system: its own arena, names, and one right-hand side per state (for a state
/// of order k, the expression for its k-th derivative; lower derivatives appear as
/// `Var::State { order }` variables).
#[derive(Clone, Debug)]
pub struct SystemIr {
    /// The system's name.
    pub name: String,
    /// Names of the system's states and parameters.
    pub names: Names,
    /// The expression DAG.
    pub arena: Arena,
    /// `orders[i]`: the ODE order of state `i`.
    pub orders: Vec<u32>,
    /// `rhs[i]`: the highest derivative of state `i`.
    pub rhs: Vec<NodeId>,
}

/// Lowers a known system; its parameters become `Var::Param(i)` in declaration order.
pub fn lower_system(model: &hir::Model, system: &hir::System) -> Result<SystemIr> {
    let names = Names {
        states: system.states.iter().map(|s| s.name.clone()).collect(),
        params: system.params.iter().map(|p| p.name.clone()).collect(),
        inputs: vec![],
    };
    let mut arena = Arena::new();
    let mut cx = Lowerer { model, sys_params: &system.params };
    let mut rhs = vec![None; system.states.len()];
    for eq in &system.equations {
        let node = cx.expr(&mut arena, &eq.rhs, &[])?;
        match rhs.get_mut(eq.state) {
            Some(slot) => *slot = Some(node),
            None => return err(eq.span, "equation for a state outside the system"),
        }
    }
    let rhs = rhs
        .into_iter()
        .zip(&system.states)
        .map(|(r, s)| r.map_or_else(|| err(s.span, "system state without an equation"), Ok))
        .collect::<Result<Vec<_>>>()?;
    Ok(SystemIr {
        name: system.name.clone(),
        names,
        arena,
        orders: system.states.iter().map(|s| s.order.max(1)).collect(),
        rhs,
    })
}

/// Lowering context: the model (for constants, functions and bases) and, inside a system, its
/// parameter list (so `SysParam(i)` is known to be in range).
struct Lowerer<'m> {
    model: &'m hir::Model,
    sys_params: &'m [hir::Name],
}

impl Lowerer<'_> {
    /// Lowers a scalar expression; `args` are the nodes bound to `Arg(i)` inside a function body.
    fn expr(&mut self, a: &mut Arena, e: &Expr, args: &[NodeId]) -> Result<NodeId> {
        Ok(match &e.kind {
            ExprKind::Num(v) => a.constant(*v),
            ExprKind::State { id, deriv_order } => a.var(Var::State { index: *id as u32, order: *deriv_order }),
            ExprKind::Param(id) => a.param(*id as u32),
            ExprKind::Const(id) => match self.model.consts.get(*id) {
                Some(c) => a.constant(c.value),
                None => return err(e.span, "unknown constant"),
            },
            ExprKind::Input(id) => a.input(*id as u32),
            ExprKind::Time => a.time(),
            ExprKind::Arg(i) => match args.get(*i) {
                Some(&n) => n,
                None => return err(e.span, "function argument out of range"),
            },
            ExprKind::SysParam(i) if *i < self.sys_params.len() => a.param(*i as u32),
            ExprKind::SysParam(_) => return err(e.span, "system parameter outside a system"),
            ExprKind::Unary(UnOp::Neg, x) => {
                let x = self.expr(a, x, args)?;
                a.neg(x)
            }
            ExprKind::Binary(op, l, r) => {
                let l = self.expr(a, l, args)?;
                let r = self.expr(a, r, args)?;
                match op {
                    BinOp::Add => a.add(l, r),
                    BinOp::Sub => a.sub(l, r),
                    BinOp::Mul => a.mul(l, r),
                    BinOp::Div => a.div(l, r),
                    BinOp::Pow => a.pow(l, r),
                }
            }
            ExprKind::Call(callee, call_args) => {
                let vals = call_args.iter().map(|x| self.expr(a, x, args)).collect::<Result<Vec<_>>>()?;
                match callee {
                    Callee::Intrinsic(f) => match a.call(f.info().name, &vals) {
                        Some(n) => n,
                        None => return err(e.span, format!("bad call of `{}`", f.info().name)),
                    },
                    Callee::Fn(id) => {
                        let Some(f) = self.model.fns.get(*id) else {
                            return err(e.span, "unknown function");
                        };
                        if f.params.len() != vals.len() {
                            return err(e.span, format!("`{}` called with wrong arity", f.name));
                        }
                        self.expr(a, &f.body, &vals)?
                    }
                }
            }
        })
    }

    /// Expands a basis expression to its ordered, de-duplicated terms.
    fn basis(&mut self, ir: &mut ModelIr, b: &BasisExpr) -> Result<Basis> {
        Ok(self.basis_raw(ir, b)?.dedup().0)
    }

    fn basis_raw(&mut self, ir: &mut ModelIr, b: &BasisExpr) -> Result<Basis> {
        Ok(match b {
            BasisExpr::Poly { vars, degree, span } => {
                let vars = self.nodes(ir, vars)?;
                Basis::poly(&mut ir.arena, &ir.names, &vars, *degree).with_span(*span)
            }
            BasisExpr::Fourier { vars, harmonics, span } => {
                let vars = self.nodes(ir, vars)?;
                Basis::fourier(&mut ir.arena, &ir.names, &vars, *harmonics).with_span(*span)
            }
            BasisExpr::List(items, _) => {
                let mut nodes = Vec::with_capacity(items.len());
                for e in items {
                    nodes.push((self.expr(&mut ir.arena, e, &[])?, Some(e.span)));
                }
                Basis::explicit(&ir.arena, &ir.names, &nodes)
            }
            BasisExpr::Concat(l, r) => {
                let l = self.basis_raw(ir, l)?;
                l.concat(self.basis_raw(ir, r)?)
            }
            BasisExpr::Product(l, r) => {
                let l = self.basis_raw(ir, l)?;
                let r = self.basis_raw(ir, r)?;
                l.product(&r, &mut ir.arena, &ir.names)
            }
            BasisExpr::Ref(id, span) => match self.model.bases.get(*id) {
                Some(named) => self.basis_raw(ir, &named.expr)?,
                None => return err(*span, "unknown basis"),
            },
        })
    }

    fn nodes(&mut self, ir: &mut ModelIr, es: &[Expr]) -> Result<Vec<NodeId>> {
        es.iter().map(|e| self.expr(&mut ir.arena, e, &[])).collect()
    }

    /// A per-term mask: true for the basis terms listed in `items` (matched by IR node, so
    /// `y*x` finds the canonical `x*y`).
    fn mask(&mut self, ir: &mut ModelIr, b: &Basis, items: &[Expr]) -> Result<Vec<bool>> {
        let mut mask = vec![false; b.len()];
        let keys: Vec<NodeId> = b.terms.iter().map(|t| canonical(&mut ir.arena, t.node)).collect();
        for e in items {
            let node = self.expr(&mut ir.arena, e, &[])?;
            let node = canonical(&mut ir.arena, node);
            match keys.iter().position(|&k| k == node) {
                Some(i) => mask[i] = true,
                None => return err(e.span, "term is not in the basis"),
            }
        }
        Ok(mask)
    }
}

/// The canonical monomial form of a node, so differently nested products compare equal.
fn canonical(a: &mut Arena, node: NodeId) -> NodeId {
    let one = a.constant(1.0);
    super::basis::canonical_product(a, node, one)
}
