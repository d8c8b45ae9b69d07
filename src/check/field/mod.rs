//! Fields in the language, rewritten before name resolution: `space x in 0 .. 20 periodic`
//! declares the model's spatial domain, `field u over x` the state `u` (its equation `u' = ...`
//! is `∂u/∂t`), and every spatial derivative an expression uses (`u_x`, `u_xx`, ...) becomes a
//! model input of that name, so bases and right-hand sides stay ordinary expressions that the
//! lowering and the JIT compile unchanged; the field fit supplies the derivative values at every
//! grid point and time. Field systems (`system burgers(nu) { field u over x ... }`) and the
//! field model's `data` declarations are taken out of the modules and resolved here into
//! [`types::Pde`].
//!
//! Input: the loaded modules. Output: modules without field syntax, the field plan (for the
//! root model), diagnostics.

mod boundary;
mod data;
mod resolve;
pub mod types;

use super::Origin;
use crate::diag::{codes, Diagnostic};
use crate::source::{SourceMap, Span};
use crate::syntax::ast::{self, Expr, ExprKind as A, Ident, Item, ItemKind};
use std::collections::HashSet;
use types::{Pde, PdeDeriv, PdeSpace, MAX_ORDER};

/// A field system as written (parameters, fields, equations).
#[derive(Clone, Debug)]
pub(crate) struct SystemAst {
    pub name: Ident,
    pub params: Vec<Ident>,
    pub fields: Vec<Ident>,
    pub space: String,
    pub equations: Vec<ast::Equation>,
    pub span: Span,
}

/// The pass's state.
pub(crate) struct FieldPass {
    pub systems: Vec<SystemAst>,
    pub diags: Vec<Diagnostic>,
}

/// Rewrites every module's field syntax; returns the root model's field plan.
pub fn expand(
    sources: &SourceMap,
    modules: Vec<(ast::Module, Origin)>,
) -> (Vec<(ast::Module, Origin)>, Option<Pde>, Vec<Diagnostic>) {
    let mut p = FieldPass { systems: Vec::new(), diags: Vec::new() };
    let mut out = Vec::with_capacity(modules.len());
    for (mut m, o) in modules {
        let items = std::mem::take(&mut m.items);
        m.items = items.into_iter().filter_map(|it| p.take_system(it)).collect();
        out.push((m, o));
    }
    let mut plan = None;
    for (m, o) in &mut out {
        if *o == Origin::Root {
            let dir = std::path::Path::new(sources.name(m.src)).parent().map(std::path::PathBuf::from);
            plan = p.root(&mut m.items, &dir.unwrap_or_default());
        }
    }
    (out, plan, p.diags)
}

impl FieldPass {
    /// Keeps an item, or takes a field system out of the module.
    fn take_system(&mut self, it: Item) -> Option<Item> {
        let ItemKind::System(s) = &it.kind else { return Some(it) };
        let fields: Vec<&ast::FieldDecl> =
            s.body.iter().filter_map(|b| if let ItemKind::Field(f) = &b.kind { Some(f) } else { None }).collect();
        if fields.is_empty() {
            return Some(it);
        }
        let mut sys = SystemAst {
            name: s.name.clone(),
            params: s.params.clone(),
            fields: fields.iter().flat_map(|f| f.names.clone()).collect(),
            space: fields[0].space.name.clone(),
            equations: Vec::new(),
            span: it.span,
        };
        for b in &s.body {
            match &b.kind {
                ItemKind::Equation(e) => sys.equations.push(e.clone()),
                ItemKind::Field(f) if f.space.name != sys.space => self.diags.push(
                    Diagnostic::new(
                        codes::FIELD_SYSTEM,
                        "the fields of a system share one space",
                        f.space.span,
                        "another space",
                    )
                    .with_help(format!("write `over {}`", sys.space)),
                ),
                ItemKind::Field(_) => {}
                _ => self.diags.push(
                    Diagnostic::new(codes::FIELD_SYSTEM, "a field system declares only fields", b.span, "not a field")
                        .with_help("declare every unknown of the system as a `field`"),
                ),
            }
        }
        self.systems.push(sys);
        None
    }

    /// The root model: space, fields, derivative inputs and field data.
    fn root(&mut self, items: &mut Vec<Item>, dir: &std::path::Path) -> Option<Pde> {
        let space = self.space(items);
        let mut fields: Vec<(Ident, Span)> = Vec::new();
        let mut over = None;
        // Spaces as written (one that failed its own check draws no second error here).
        let written: Vec<String> = items
            .iter()
            .filter_map(|it| if let ItemKind::Space(s) = &it.kind { Some(s.name.name.clone()) } else { None })
            .collect();
        for it in items.iter() {
            if let ItemKind::Field(f) = &it.kind {
                if !written.contains(&f.space.name) {
                    self.diags.push(no_space(f, space.as_ref()));
                }
                over.get_or_insert(f.space.name.clone());
                fields.extend(f.names.iter().map(|n| (n.clone(), it.span)));
            }
        }
        if fields.is_empty() {
            self.plain_model(space.as_ref());
            items.retain(|it| !matches!(it.kind, ItemKind::Space(_) | ItemKind::Field(_)));
            return None;
        }
        // Without a valid space (already an error) the fields still become states and their
        // derivatives inputs, so no error cascades from the names.
        let space_name = space.as_ref().map_or(over.unwrap_or_default(), |s| s.name.clone());
        self.field_only(items);
        let names: Vec<String> = fields.iter().map(|(n, _)| n.name.clone()).collect();
        let (derivs, bad) = self.derivatives(items, &names, &space_name);
        let mut rewritten = Vec::with_capacity(items.len() + 2);
        let mut data_items = Vec::new();
        for it in std::mem::take(items) {
            match it.kind {
                ItemKind::Space(_) => {}
                ItemKind::Field(f) => rewritten.push(Item { kind: ItemKind::State(f.names), span: it.span }),
                ItemKind::Data(d) => data_items.push((d, it.span)),
                _ => rewritten.push(it),
            }
        }
        if !derivs.is_empty() || !bad.is_empty() {
            let span = fields[0].1;
            let mut ids: Vec<Ident> = derivs.iter().map(|d| Ident { name: d.name.clone(), span }).collect();
            ids.extend(bad.into_iter().map(|name| Ident { name, span }));
            rewritten.push(Item { kind: ItemKind::Input(ids), span });
        }
        *items = rewritten;
        let space = space?;
        let data = data_items.iter().filter_map(|(d, span)| self.data(d, *span, &space, &names, dir)).collect();
        Some(Pde { space, fields: names, derivs, data })
    }

    /// The one `space` declaration, with its bounds evaluated.
    fn space(&mut self, items: &[Item]) -> Option<PdeSpace> {
        let mut out: Option<PdeSpace> = None;
        for it in items {
            let ItemKind::Space(s) = &it.kind else { continue };
            if let Some(first) = &out {
                self.diags.push(
                    Diagnostic::new(codes::BAD_SPACE, "a second `space` declaration", it.span, "second space")
                        .with_label(first.span, "first declared here")
                        .with_help("a model has one spatial dimension"),
                );
                continue;
            }
            let lo = self.constant(&s.lo, "the start of the space");
            let hi = self.constant(&s.hi, "the end of the space");
            let (Some(lo), Some(hi)) = (lo, hi) else { continue };
            if lo >= hi {
                self.diags.push(
                    Diagnostic::new(
                        codes::BAD_SPACE,
                        "the space is empty",
                        s.lo.span.to(s.hi.span),
                        "start not below end",
                    )
                    .with_help("write `space x in lo .. hi` with lo < hi"),
                );
                continue;
            }
            out = Some(PdeSpace { name: s.name.name.clone(), lo, hi, periodic: s.periodic.is_some(), span: it.span });
        }
        out
    }

    /// A model without fields: a `space` alone is an error.
    fn plain_model(&mut self, space: Option<&PdeSpace>) {
        if let Some(sp) = space {
            self.diags.push(
                Diagnostic::new(codes::FIELD_WITHOUT_SPACE, "a space without fields", sp.span, "nothing depends on it")
                    .with_help(format!("declare the fields that depend on it: `field u over {}`", sp.name)),
            );
        }
    }

    /// A field model declares no other states, inputs or Hamiltonian.
    fn field_only(&mut self, items: &[Item]) {
        for it in items {
            let what = match &it.kind {
                ItemKind::State(_) | ItemKind::VecState(_) => "an ordinary state",
                ItemKind::Input(_) => "an input",
                ItemKind::Hamiltonian(_) => "a Hamiltonian",
                _ => continue,
            };
            self.diags.push(
                Diagnostic::new(
                    codes::FIELD_UNSUPPORTED,
                    format!("{what} in a model with fields"),
                    it.span,
                    "not with fields",
                )
                .with_help("a field model's unknowns are all fields (`field u, v over x`)"),
            );
        }
    }

    /// Every spatial derivative the root's equations and bases use, in field then order order;
    /// errors for derivatives of non-fields, unknown suffixes and too high orders.
    /// Also returns the names that drew an error (declared as inputs all the same, so that no
    /// "unknown name" follows).
    fn derivatives(&mut self, items: &[Item], fields: &[String], space: &str) -> (Vec<PdeDeriv>, Vec<String>) {
        let declared: HashSet<String> = declared_names(items);
        let mut used: Vec<(usize, u32)> = Vec::new();
        let mut names = Vec::new();
        let mut bad: Vec<String> = Vec::new();
        for it in items {
            match &it.kind {
                ItemKind::Equation(e) => walk_names(&e.rhs, &mut names),
                ItemKind::Basis { value, .. } => walk_names(value, &mut names),
                _ => {}
            }
        }
        for n in names {
            if declared.contains(&n.name) {
                continue;
            }
            let d = derivative_of(&n.name, fields, &declared, space);
            if !matches!(d, Deriv::Not | Deriv::Of(_, 1..=MAX_ORDER)) && !bad.contains(&n.name) {
                bad.push(n.name.clone());
            }
            match d {
                Deriv::Not => {}
                Deriv::Of(k, o) if o <= MAX_ORDER => {
                    if !used.contains(&(k, o)) {
                        used.push((k, o));
                    }
                }
                d => {
                    let diag = derivative_error(&n, d, fields, space);
                    self.diags.push(diag);
                }
            }
        }
        used.sort_unstable();
        let derivs = used
            .iter()
            .map(|&(k, o)| PdeDeriv { name: format!("{}_{}", fields[k], space.repeat(o as usize)), field: k, order: o })
            .collect();
        (derivs, bad)
    }

    /// A constant number (numbers, arithmetic and math functions), or an error naming `what`.
    pub(crate) fn constant(&mut self, e: &Expr, what: &str) -> Option<f64> {
        let env = resolve::Env { fields: &[], space: None, params: &[] };
        match resolve::resolve(e, &env) {
            Ok(r) if r.is_constant() => {
                let v = r.eval(&|_, _| f64::NAN, f64::NAN);
                if v.is_finite() {
                    return Some(v);
                }
                self.diags.push(Diagnostic::new(
                    codes::NON_FINITE_CONST,
                    format!("{what} is not finite"),
                    e.span,
                    "not finite",
                ));
                None
            }
            Ok(_) => None,
            Err(d) => {
                self.diags.push(d.with_help(format!("{what} must be a constant number")));
                None
            }
        }
    }
}

/// What a name is, read as a spatial derivative.
enum Deriv {
    Not,
    Of(usize, u32),
    Typo(usize),
    NonField(String),
}

/// The error for a name that reads as a spatial derivative but is not a usable one.
fn derivative_error(n: &Ident, d: Deriv, fields: &[String], space: &str) -> Diagnostic {
    match d {
        Deriv::Of(k, o) => Diagnostic::new(
            codes::DERIV_ORDER,
            format!("`{}` is a derivative of order {o}", n.name),
            n.span,
            "order too high",
        )
        .with_help(format!(
            "the fit computes spatial derivatives up to order {MAX_ORDER} (`{}_{}`)",
            fields[k],
            space.repeat(MAX_ORDER as usize)
        )),
        Deriv::Typo(k) => {
            let cands: Vec<String> =
                (1..=MAX_ORDER).map(|o| format!("{}_{}", fields[k], space.repeat(o as usize))).collect();
            let help = super::scope::suggest(&n.name, cands.iter().map(String::as_str))
                .map_or(format!("the derivatives of `{}` are {}", fields[k], cands.join(", ")), |s| {
                    format!("did you mean `{s}`?")
                });
            Diagnostic::new(
                codes::UNKNOWN_SPATIAL_DERIV,
                format!("`{}` is not a spatial derivative of `{}`", n.name, fields[k]),
                n.span,
                "unknown derivative",
            )
            .with_help(help)
        }
        Deriv::NonField(base) => Diagnostic::new(
            codes::SPATIAL_DERIV_NON_FIELD,
            format!("`{}` is a spatial derivative of `{base}`, which is not a field", n.name),
            n.span,
            "not a field",
        )
        .with_help(format!("only fields have spatial derivatives: declare `field {base} over {space}`")),
        Deriv::Not => Diagnostic::new(codes::UNKNOWN_SPATIAL_DERIV, "not a derivative", n.span, "here"),
    }
}

/// Reads `name` as `<field>_<space repeated>`.
fn derivative_of(name: &str, fields: &[String], declared: &HashSet<String>, space: &str) -> Deriv {
    let order = |suffix: &str| -> Option<u32> {
        let k = suffix.len() / space.len().max(1);
        (k >= 1 && suffix == space.repeat(k)).then_some(k as u32)
    };
    let mut best: Option<(usize, &str)> = None;
    for (k, f) in fields.iter().enumerate() {
        if let Some(rest) = name.strip_prefix(f.as_str()).and_then(|r| r.strip_prefix('_')) {
            if best.is_none_or(|(b, _)| fields[b].len() < f.len()) {
                best = Some((k, rest));
            }
        }
    }
    if let Some((k, rest)) = best {
        return order(rest).map_or(Deriv::Typo(k), |o| Deriv::Of(k, o));
    }
    if let Some((base, rest)) = name.rsplit_once('_') {
        if declared.contains(base) && order(rest).is_some() {
            return Deriv::NonField(base.to_string());
        }
    }
    Deriv::Not
}

/// Names the root declares (states, inputs, parameters, constants, functions, bases).
fn declared_names(items: &[Item]) -> HashSet<String> {
    let mut out = HashSet::new();
    for it in items {
        match &it.kind {
            ItemKind::State(ns) | ItemKind::Input(ns) => out.extend(ns.iter().map(|n| n.name.clone())),
            ItemKind::Param(p) => {
                out.insert(p.name.name.clone());
            }
            ItemKind::Const(c) => {
                out.insert(c.name.name.clone());
            }
            ItemKind::Basis { name, .. } => {
                out.insert(name.name.clone());
            }
            ItemKind::Fn(f) => {
                out.insert(f.name.name.clone());
            }
            _ => {}
        }
    }
    out
}

/// Every name an expression refers to (call names excluded).
fn walk_names(e: &Expr, out: &mut Vec<Ident>) {
    match &e.kind {
        A::Name(n) => out.push(n.clone()),
        A::Neg(a) | A::Paren(a) | A::Norm(a) => walk_names(a, out),
        A::Binary(_, a, b) => {
            walk_names(a, out);
            walk_names(b, out);
        }
        A::Call(c) => c.args.items.iter().for_each(|a| walk_names(&a.value, out)),
        A::Set(v) | A::List(v) => v.iter().for_each(|x| walk_names(x, out)),
        A::Num { .. } | A::Deriv { .. } | A::Member { .. } | A::Str(_) => {}
    }
}

/// `E075` for a field whose space is not declared.
fn no_space(f: &ast::FieldDecl, space: Option<&PdeSpace>) -> Diagnostic {
    let d = Diagnostic::new(
        codes::FIELD_WITHOUT_SPACE,
        format!("field over `{}`, which is not a declared space", f.space.name),
        f.space.span,
        "no such space",
    );
    match space {
        Some(sp) => d.with_help(format!("the model's space is `{}`: write `over {}`", sp.name, sp.name)),
        None => d.with_help(format!("declare the domain: `space {} in 0 .. 1 periodic`", f.space.name)),
    }
}
