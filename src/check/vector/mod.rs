//! Vectors in the language, expanded before name resolution: `state q, p: vec3` declares the
//! scalar states `q_x, q_y, q_z, p_x, ...` (so data columns are `q_x, ...` by default and every
//! later stage sees scalars), `const g = vec3(0, 0, -9.81)` the constants `g_x, g_y, g_z`; an
//! equation of a vector state (`q' = p/m`) becomes one equation per component; `|v|`, `dot(a, b)`,
//! `v.x` and the invariant families become scalar expressions. A `sparse` over a vector basis
//! (`sparse(scalars(q, p) * {q, p})`) gets one coefficient per term shared by the components,
//! recorded in [`Ties`] for the checker.
//!
//! Input: the loaded modules. Output: modules without vector syntax, the ties, diagnostics.

mod basis;
mod shape;

use super::model::flatten_sum;
use super::Origin;
use crate::diag::Diagnostic;
use crate::source::Span;
use crate::syntax::ast::{self, BinOp, DataSource, Equation, Expr, ExprKind as A, Item, ItemKind, SimEntryKind};
use basis::{BasisShape, BasisShaper};
use shape::{component_name, ident, mk, shape_error, Shaped, Shaper};
use std::collections::HashMap;

/// Component names, in order.
pub const COMPONENTS: [&str; 3] = ["x", "y", "z"];

/// The vector names in scope and their sizes.
#[derive(Clone, Debug, Default)]
pub struct Vectors {
    dims: HashMap<String, usize>,
}

impl Vectors {
    pub fn dim(&self, name: &str) -> Option<usize> {
        self.dims.get(name).copied()
    }
}

/// Sparse terms whose coefficients the components of a vector equation share: (component
/// state's name, span of the `sparse(...)` call) → group id.
pub type Ties = HashMap<(String, Span), usize>;

/// The expansion's state: vector names, vector bases, constant vectors, ties, diagnostics.
struct Expander {
    vectors: Vectors,
    vector_bases: HashMap<String, Vec<Expr>>,
    const_vectors: Vec<String>,
    ties: Ties,
    diags: Vec<Diagnostic>,
}

/// Expands every module's vector syntax.
pub fn expand(modules: Vec<(ast::Module, Origin)>) -> (Vec<(ast::Module, Origin)>, Ties, Vec<Diagnostic>) {
    let mut x = Expander {
        vectors: Vectors::default(),
        vector_bases: HashMap::new(),
        const_vectors: Vec::new(),
        ties: Ties::new(),
        diags: Vec::new(),
    };
    for (m, o) in &modules {
        if *o != Origin::Stdlib {
            x.declare_vectors(&m.items);
        }
    }
    let out = modules
        .into_iter()
        .map(|(mut m, o)| {
            // The standard library cannot see the model's names: it is kept as written.
            if o == Origin::Stdlib {
                return (m, o);
            }
            let items = std::mem::take(&mut m.items);
            m.items = items.into_iter().flat_map(|it| x.item(it)).collect();
            (m, o)
        })
        .collect();
    (out, x.ties, x.diags)
}

impl Expander {
    fn shaper(&mut self) -> (Shaper<'_>, &HashMap<String, Vec<Expr>>, &[String]) {
        (Shaper { vectors: &self.vectors, diags: &mut self.diags }, &self.vector_bases, &self.const_vectors)
    }

    /// Vector states and constants (a constant is a vector when its value is).
    fn declare_vectors(&mut self, items: &[Item]) {
        for it in items {
            match &it.kind {
                ItemKind::VecState(v) => {
                    for n in &v.names {
                        self.vectors.dims.insert(n.name.clone(), v.dim().unwrap_or(3));
                    }
                }
                ItemKind::Const(k) => {
                    let mut quiet = Vec::new();
                    let mut sh = Shaper { vectors: &self.vectors, diags: &mut quiet };
                    if let Some(Shaped::Vector(v)) = sh.shape(&k.value) {
                        self.vectors.dims.insert(k.name.name.clone(), v.len());
                        self.const_vectors.push(k.name.name.clone());
                    }
                }
                _ => {}
            }
        }
    }

    /// Local scalar names (a function's or system's parameters, a system's states) hide
    /// vectors of the same name.
    fn shadow<'a>(&mut self, names: impl Iterator<Item = &'a ast::Ident>) {
        for n in names {
            self.vectors.dims.remove(&n.name);
        }
    }

    fn scalar(&mut self, e: &Expr, what: &str) -> Expr {
        let (mut sh, _, _) = self.shaper();
        sh.scalar(e, what).unwrap_or_else(|| e.clone())
    }

    /// Whether `e` uses anything this pass rewrites.
    fn mentions(&self, e: &Expr) -> bool {
        let vector = |n: &str| self.vectors.dim(n).is_some() || self.vector_bases.contains_key(n);
        match &e.kind {
            A::Name(n) | A::Deriv { name: n, .. } => vector(&n.name),
            A::Norm(_) | A::Member { .. } => true,
            A::Neg(x) | A::Paren(x) => self.mentions(x),
            A::Binary(_, l, r) => self.mentions(l) || self.mentions(r),
            A::Call(c) => {
                matches!(c.name.name.as_str(), "dot" | "vec2" | "vec3" | "scalars" | "norms" | "distances")
                    || c.args.items.iter().any(|a| self.mentions(&a.value))
            }
            A::Set(xs) | A::List(xs) => xs.iter().any(|x| self.mentions(x)),
            A::Num { .. } | A::Str(_) => false,
        }
    }

    /// Whether an item needs rewriting (items without vector syntax are kept as written).
    fn item_mentions(&self, it: &Item) -> bool {
        match &it.kind {
            ItemKind::VecState(_) | ItemKind::Hamiltonian(_) => true,
            ItemKind::Const(k) => self.mentions(&k.value),
            ItemKind::Param(p) => {
                p.init.as_ref().is_some_and(|e| self.mentions(e))
                    || p.bounds.as_ref().is_some_and(|(l, h)| self.mentions(l) || self.mentions(h))
            }
            ItemKind::Fn(f) => self.mentions(&f.body) && !f.params.iter().any(|p| self.vectors.dim(&p.name).is_some()),
            ItemKind::Basis { value, .. } => self.mentions(value),
            ItemKind::Equation(e) => self.vectors.dim(&e.target.name).is_some() || self.mentions(&e.rhs),
            ItemKind::System(s) => s.body.iter().any(|i| self.item_mentions(i)),
            ItemKind::Data(d) => match &d.source {
                DataSource::Simulate(sim) => {
                    sim.system.as_ref().is_some_and(|(_, a)| a.items.iter().any(|a| self.mentions(&a.value)))
                        || sim.entries.iter().any(|en| match &en.kind {
                            SimEntryKind::Init(items) => items
                                .iter()
                                .any(|i| self.vectors.dim(&i.name.name).is_some() || self.mentions(&i.value)),
                            SimEntryKind::Equation(e) => {
                                self.vectors.dim(&e.target.name).is_some() || self.mentions(&e.rhs)
                            }
                            _ => false,
                        })
                }
                DataSource::Csv(_) => false,
            },
            _ => false,
        }
    }

    fn item(&mut self, it: Item) -> Vec<Item> {
        if !self.item_mentions(&it) {
            return vec![it];
        }
        let span = it.span;
        let one = |kind| vec![Item { kind, span }];
        match it.kind {
            ItemKind::VecState(v) => self.vec_state(v).map_or_else(Vec::new, one),
            ItemKind::Const(k) => self.constant(k, span),
            ItemKind::Param(mut p) => {
                p.init = p.init.map(|e| self.scalar(&e, "an initial value"));
                p.bounds = p.bounds.map(|(l, h)| (self.scalar(&l, "a bound"), self.scalar(&h, "a bound")));
                one(ItemKind::Param(p))
            }
            ItemKind::Fn(mut f) => {
                let saved = self.vectors.clone();
                self.shadow(f.params.iter());
                f.body = self.scalar(&f.body, "a function body");
                self.vectors = saved;
                one(ItemKind::Fn(f))
            }
            ItemKind::Basis { name, value } => {
                let (mut sh, vb, cv) = self.shaper();
                let shaped = BasisShaper { sh: &mut sh, vector_bases: vb, const_vectors: cv }.basis(&value);
                match shaped {
                    Some(BasisShape::Scalar(value)) => one(ItemKind::Basis { name, value }),
                    Some(BasisShape::Vector(v)) => {
                        self.vector_bases.insert(name.name, v);
                        vec![]
                    }
                    None => vec![],
                }
            }
            ItemKind::Equation(e) => {
                self.equation(e).into_iter().map(|e| Item { kind: ItemKind::Equation(e), span }).collect()
            }
            ItemKind::Hamiltonian(mut h) => {
                h.value = self.rhs(&h.value, None, "a Hamiltonian").pop().unwrap_or(h.value);
                one(ItemKind::Hamiltonian(h))
            }
            ItemKind::System(s) => one(ItemKind::System(self.system(s))),
            ItemKind::Data(d) => one(ItemKind::Data(self.data(d))),
            kind => one(kind),
        }
    }

    /// `state q, p: vec3` → `state q_x, q_y, q_z, p_x, p_y, p_z`.
    fn vec_state(&mut self, v: ast::VecStateDecl) -> Option<ItemKind> {
        let Some(d) = v.dim() else {
            self.diags.push(
                shape_error(v.shape.span, format!("unknown shape `{}`", v.shape.name), "not a shape")
                    .with_help("the shapes are `vec2` and `vec3`"),
            );
            return None;
        };
        let names = v.names.iter().flat_map(|n| (0..d).map(|c| ident(component_name(&n.name, c), n.span))).collect();
        Some(ItemKind::State(names))
    }

    /// `const g = vec3(...)` → one constant per component.
    fn constant(&mut self, k: ast::ConstDecl, span: Span) -> Vec<Item> {
        let (mut sh, _, _) = self.shaper();
        match sh.shape(&k.value) {
            Some(Shaped::Vector(v)) => v
                .into_iter()
                .enumerate()
                .map(|(c, value)| {
                    let name = ident(component_name(&k.name.name, c), k.name.span);
                    Item { kind: ItemKind::Const(ast::ConstDecl { name, value }), span }
                })
                .collect(),
            Some(Shaped::Scalar(value)) => {
                vec![Item { kind: ItemKind::Const(ast::ConstDecl { name: k.name, value }), span }]
            }
            None => vec![],
        }
    }

    fn system(&mut self, mut s: ast::SystemDecl) -> ast::SystemDecl {
        let saved = self.vectors.clone();
        self.shadow(s.params.iter());
        for it in &s.body {
            if let ItemKind::State(ns) = &it.kind {
                self.shadow(ns.iter());
            }
        }
        self.declare_vectors(&s.body);
        let body = std::mem::take(&mut s.body);
        s.body = body.into_iter().flat_map(|it| self.item(it)).collect();
        self.vectors = saved;
        s
    }

    fn data(&mut self, mut d: ast::DataDecl) -> ast::DataDecl {
        if let DataSource::Simulate(sim) = &mut d.source {
            if let Some((_, args)) = &mut sim.system {
                for a in &mut args.items {
                    a.value = self.scalar(&a.value, "a system argument");
                }
            }
            let entries = std::mem::take(&mut sim.entries);
            for en in entries {
                let span = en.span;
                let kinds = match en.kind {
                    SimEntryKind::Init(items) => vec![SimEntryKind::Init(self.init_items(items))],
                    SimEntryKind::Equation(e) => self.equation(e).into_iter().map(SimEntryKind::Equation).collect(),
                    k => vec![k],
                };
                sim.entries.extend(kinds.into_iter().map(|kind| ast::SimEntry { kind, span }));
            }
        }
        d
    }

    /// `init q = vec3(1, 0, 0)` → `init q_x = 1, q_y = 0, q_z = 0`.
    fn init_items(&mut self, items: Vec<ast::InitItem>) -> Vec<ast::InitItem> {
        let mut out = Vec::new();
        for it in items {
            let Some(d) = self.vectors.dim(&it.name.name) else {
                let value = self.scalar(&it.value, "the initial value of a scalar state");
                out.push(ast::InitItem { value, ..it });
                continue;
            };
            let (mut sh, _, _) = self.shaper();
            match sh.shape(&it.value) {
                Some(Shaped::Vector(v)) if v.len() == d => {
                    for (c, value) in v.into_iter().enumerate() {
                        let name = ident(component_name(&it.name.name, c), it.name.span);
                        out.push(ast::InitItem { name, order: it.order, value, span: it.span });
                    }
                }
                Some(s) => self.diags.push(
                    shape_error(
                        it.value.span,
                        format!("`{}` is a vec{d}, but its initial value is {}", it.name.name, s.words()),
                        "wrong shape",
                    )
                    .with_help(format!("write the value as `vec{d}(...)`")),
                ),
                None => {}
            }
        }
        out
    }

    /// One equation per component of a vector state (the same equation for a scalar state).
    fn equation(&mut self, e: Equation) -> Vec<Equation> {
        let dim = self.vectors.dim(&e.target.name);
        let what = match dim {
            Some(_) => format!("the equation of vector `{}`", e.target.name),
            None => format!("the equation of `{}`", e.target.name),
        };
        let mut rhs = self.rhs(&e.rhs, dim.map(|d| (d, e.target.name.as_str())), &what);
        if rhs.is_empty() {
            // The error is reported; a placeholder keeps the state from also drawing `E012`.
            let zero = mk(A::Num { value: 0.0, text: "0".into() }, e.rhs.span);
            rhs = vec![zero; dim.unwrap_or(1)];
        }
        match dim {
            None => rhs.into_iter().map(|rhs| Equation { rhs, ..e.clone() }).collect(),
            Some(_) => rhs
                .into_iter()
                .enumerate()
                .map(|(c, rhs)| Equation {
                    target: ident(component_name(&e.target.name, c), e.target.span),
                    rhs,
                    ..e.clone()
                })
                .collect(),
        }
    }

    /// A right side as one scalar expression per component (`vector` = size and state name),
    /// or as one scalar expression. Empty after an error.
    fn rhs(&mut self, rhs: &Expr, vector: Option<(usize, &str)>, what: &str) -> Vec<Expr> {
        let mut terms = Vec::new();
        flatten_sum(rhs, false, &mut terms);
        let n = vector.map_or(1, |(d, _)| d);
        let mut out: Vec<Option<Expr>> = vec![None; n];
        let mut ok = true;
        for (negated, t) in terms {
            let Some(parts) = self.summand(t, vector, what) else {
                ok = false;
                continue;
            };
            for (acc, part) in out.iter_mut().zip(parts) {
                *acc = Some(match acc.take() {
                    None if negated => mk(A::Neg(Box::new(part)), t.span),
                    None => part,
                    Some(a) => {
                        let span = a.span.to(t.span);
                        ast::Expr {
                            kind: A::Binary(if negated { BinOp::Sub } else { BinOp::Add }, Box::new(a), Box::new(part)),
                            span,
                        }
                    }
                });
            }
        }
        if !ok {
            return vec![];
        }
        out.into_iter().map(|x| x.unwrap_or_else(|| rhs.clone())).collect()
    }

    /// One top-level summand, per component.
    fn summand(&mut self, t: &Expr, vector: Option<(usize, &str)>, what: &str) -> Option<Vec<Expr>> {
        let span = t.span;
        let n = vector.map_or(1, |(d, _)| d);
        if let A::Call(c) = &t.kind {
            if c.name.name == "sparse" && !c.args.items.is_empty() {
                return self.sparse(c, span, vector);
            }
        }
        let (mut sh, _, _) = self.shaper();
        match (sh.shape(t)?, vector) {
            (Shaped::Scalar(x), None) => Some(vec![x]),
            (Shaped::Vector(v), Some((d, _))) if v.len() == d => Some(v),
            (s, _) => {
                let want = if n == 1 { "a scalar".to_string() } else { format!("a vec{n}") };
                self.diags.push(
                    shape_error(span, format!("{what} needs {want} on the right side, but this term is {}", s.words()), "wrong shape")
                        .with_help("every summand of a vector equation is a vector of the state's size; of a scalar equation, a scalar"),
                );
                None
            }
        }
    }

    /// `sparse(B, keep = ..., exclude = ...)` per component: a scalar basis gives every
    /// component its own coefficients; a vector basis one coefficient per term, shared.
    fn sparse(&mut self, c: &ast::Call, span: Span, vector: Option<(usize, &str)>) -> Option<Vec<Expr>> {
        let n = vector.map_or(1, |(d, _)| d);
        let mut per: Vec<Vec<ast::Arg>> = vec![Vec::new(); n];
        let mut tied = false;
        for a in &c.args.items {
            let (mut sh, vb, cv) = self.shaper();
            let shaped = BasisShaper { sh: &mut sh, vector_bases: vb, const_vectors: cv }.basis(&a.value)?;
            let parts = match shaped {
                BasisShape::Scalar(b) => vec![b; n],
                BasisShape::Vector(v) if vector.is_some_and(|(d, _)| d == v.len()) => {
                    tied |= a.name.is_none();
                    v
                }
                BasisShape::Vector(v) => {
                    self.diags.push(
                        shape_error(a.value.span, format!("a vec{} basis in {}", v.len(), if n == 1 { "a scalar equation".to_string() } else { format!("the equation of a vec{n}") }), "wrong shape")
                            .with_help("a vector basis such as `scalars(q, p) * {q, p}` belongs to the equation of a vector of its size"),
                    );
                    return None;
                }
            };
            for (slot, value) in per.iter_mut().zip(parts) {
                slot.push(ast::Arg { name: a.name.clone(), value });
            }
        }
        let group = self.ties.len();
        Some(
            per.into_iter()
                .enumerate()
                .map(|(comp, items)| {
                    if let (true, Some((_, name))) = (tied, vector) {
                        self.ties.insert((component_name(name, comp), span), group);
                    }
                    let args = ast::Args { items, semi: c.args.semi, span: c.args.span };
                    mk(A::Call(ast::Call { name: c.name.clone(), args }), span)
                })
                .collect(),
        )
    }
}
