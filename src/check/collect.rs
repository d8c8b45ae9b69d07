//! The first pass: every declaration of every module gets an id, a placeholder in the model and
//! a name in the [`Scope`](super::scope::Scope); duplicates and reserved names are reported here.
//! Input: parsed modules with their origin; output: [`Decls`], the AST pieces aligned with ids.

use super::hir::{self, Name};
use super::scope::{suggest, Decl, Entry, RESERVED};
use super::{Checker, Origin};
use crate::diag::{codes, Diagnostic};
use crate::source::Span;
use crate::syntax::ast::{self, ItemKind};
use std::path::PathBuf;

/// AST pieces in id order, for the later passes.
#[derive(Default)]
pub(crate) struct Decls<'m> {
    pub fns: Vec<&'m ast::FnDecl>,
    pub consts: Vec<&'m ast::ConstDecl>,
    pub params: Vec<&'m ast::ParamDecl>,
    pub bases: Vec<(&'m ast::Ident, &'m ast::Expr)>,
    pub systems: Vec<&'m ast::SystemDecl>,
    pub equations: Vec<&'m ast::Equation>,
    pub hamiltonians: Vec<&'m ast::HamiltonianDecl>,
    pub encoders: Vec<&'m ast::EncoderDecl>,
    pub data: Vec<&'m ast::DataDecl>,
    /// Directory of the file declaring each data set (csv paths are relative to it).
    pub data_dirs: Vec<PathBuf>,
    pub fit: Option<&'m ast::FitDecl>,
    /// Span of the `model` line's name, if any.
    pub model_span: Option<Span>,
    /// Which constants, functions and bases come from the root file (only those get warnings).
    pub root_consts: Vec<bool>,
    pub root_fns: Vec<bool>,
    pub root_bases: Vec<bool>,
}

/// Runs the collection pass over all modules (standard library first, root last).
pub(crate) fn collect<'m>(c: &mut Checker, modules: &'m [(ast::Module, Origin)]) -> Decls<'m> {
    let mut d = Decls::default();
    for (m, origin) in modules {
        let dir = std::path::Path::new(c.sources.name(m.src)).parent().map(PathBuf::from).unwrap_or_default();
        for item in &m.items {
            collect_item(c, &mut d, item, *origin, &dir);
        }
    }
    d
}

fn name(id: &ast::Ident) -> Name {
    Name { name: id.name.clone(), span: id.span }
}

/// Declares `id` in the scope, reporting reserved names and duplicates. Returns false on error.
pub(crate) fn declare(c: &mut Checker, id: &ast::Ident, decl: Decl, stdlib: bool) -> bool {
    if RESERVED.contains(&id.name.as_str()) {
        c.err(
            Diagnostic::new(
                codes::RESERVED_NAME,
                format!("`{}` is a reserved name", id.name),
                id.span,
                "cannot be declared",
            )
            .with_help(format!("choose another name, such as `{}_`", id.name)),
        );
        return false;
    }
    match c.scope.declare(&id.name, Entry { decl, span: id.span, stdlib }) {
        Ok(()) => true,
        Err(old) => {
            c.err(duplicate(&id.name, id.span, old.span, old.decl.words()));
            false
        }
    }
}

pub(crate) fn duplicate(name: &str, span: Span, first: Span, what: &str) -> Diagnostic {
    Diagnostic::new(codes::DUPLICATE, format!("`{name}` is declared twice"), span, "declared again here")
        .with_label(first, format!("first declared here as {what}"))
        .with_help("rename or remove one of the declarations")
}

fn collect_item<'m>(c: &mut Checker, d: &mut Decls<'m>, item: &'m ast::Item, origin: Origin, dir: &std::path::Path) {
    let stdlib = origin == Origin::Stdlib;
    match &item.kind {
        ItemKind::Fn(f) => {
            let id = c.model.fns.len();
            if declare(c, &f.name, Decl::Fn(id), stdlib) {
                let params = f.params.iter().map(name).collect();
                let body = hir::Expr { kind: hir::ExprKind::Num(0.0), span: f.body.span };
                c.model.fns.push(hir::Function { name: f.name.name.clone(), span: f.name.span, params, body, stdlib });
                c.used_fns.push(false);
                d.fns.push(f);
                d.root_fns.push(origin == Origin::Root);
            }
        }
        ItemKind::Const(k) => {
            let id = c.model.consts.len();
            if declare(c, &k.name, Decl::Const(id), stdlib) {
                c.model.consts.push(hir::Const { name: k.name.name.clone(), span: k.name.span, value: 0.0 });
                c.used_consts.push(false);
                c.const_done.push(false);
                d.consts.push(k);
                d.root_consts.push(origin == Origin::Root);
            }
        }
        ItemKind::System(s) => {
            let id = c.model.systems.len();
            if declare(c, &s.name, Decl::System(id), stdlib) {
                c.model.systems.push(hir::System {
                    name: s.name.name.clone(),
                    span: s.name.span,
                    params: s.params.iter().map(name).collect(),
                    states: Vec::new(),
                    equations: Vec::new(),
                    stdlib,
                });
                d.systems.push(s);
            }
        }
        ItemKind::Basis { name: n, value } => {
            let id = c.model.bases.len();
            if declare(c, n, Decl::Basis(id), stdlib) {
                let expr = hir::BasisExpr::List(Vec::new(), value.span);
                c.model.bases.push(hir::Basis { name: n.name.clone(), span: n.span, expr });
                c.used_bases.push(false);
                d.bases.push((n, value));
                d.root_bases.push(origin == Origin::Root);
            }
        }
        ItemKind::Use(_) => {}
        _ if origin == Origin::Import => c.err(ignored_in_import(item)),
        _ if origin != Origin::Root => {}
        _ => collect_root_item(c, d, item, dir),
    }
}

/// Declarations that only the checked file itself may make (not imports or the stdlib).
/// (`declare` reports diagnostics, so it stays out of match guards.)
#[allow(clippy::collapsible_match)]
fn collect_root_item<'m>(c: &mut Checker, d: &mut Decls<'m>, item: &'m ast::Item, dir: &std::path::Path) {
    match &item.kind {
        ItemKind::Model(n) => match &c.model.name {
            Some(old) => {
                let first = old.span;
                c.err(duplicate(&n.name, n.span, first, "the model name").with_help("a file declares one model"));
            }
            None => {
                c.model.name = Some(name(n));
                c.is_model = true;
                d.model_span = Some(n.span);
            }
        },
        ItemKind::State(ns) => {
            for n in ns {
                if declare(c, n, Decl::State(c.model.states.len()), false) {
                    c.model.states.push(hir::State { name: n.name.clone(), span: n.span, order: 0 });
                }
            }
        }
        ItemKind::Input(ns) => {
            for n in ns {
                if declare(c, n, Decl::Input(c.model.inputs.len()), false) {
                    c.model.inputs.push(name(n));
                }
            }
        }
        ItemKind::Param(p) => collect_param(c, d, p),
        ItemKind::Data(dd) => {
            if declare(c, &dd.name, Decl::Data(d.data.len()), false) {
                d.data.push(dd);
                d.data_dirs.push(dir.to_path_buf());
            }
        }
        ItemKind::Fit(f) => match d.fit {
            Some(old) => {
                let first = Span { end: old.close.start.min(old.close.end), ..old.close };
                let d2 = Diagnostic::new(codes::DUPLICATE, "a second `fit` block", item.span, "second `fit` block")
                    .with_label(first, "the first `fit` block ends here")
                    .with_help("merge the settings into one `fit { ... }` block");
                c.err(d2);
            }
            None => d.fit = Some(f),
        },
        ItemKind::Equation(e) => d.equations.push(e),
        ItemKind::Hamiltonian(h) => d.hamiltonians.push(h),
        ItemKind::Encoder(e) => {
            if declare(c, &e.name, Decl::Encoder(d.encoders.len()), false) {
                d.encoders.push(e);
            }
        }
        _ => {}
    }
}

fn collect_param<'m>(c: &mut Checker, d: &mut Decls<'m>, p: &'m ast::ParamDecl) {
    if declare(c, &p.name, Decl::Param(c.model.params.len()), false) {
        c.model.params.push(hir::Param {
            name: p.name.name.clone(),
            span: p.name.span,
            init: 0.0,
            bounds: None,
            per_trajectory: p.per_trajectory.is_some(),
            encoder: None,
        });
        c.used_params.push(false);
        d.params.push(p);
    }
}

/// A "did you mean" help line for an unknown `name`, from the scope and the built-in names.
pub(crate) fn did_you_mean(c: &Checker, name: &str, extra: &[&str]) -> Option<String> {
    let names = c.scope.names();
    let skeleton = crate::diag::lookalike::skeleton(name);
    if let Some(twin) = names.iter().find(|n| **n != name && crate::diag::lookalike::skeleton(n) == skeleton) {
        let scripts = crate::diag::lookalike::scripts(name).join(" and ");
        return Some(format!(
            "`{}` looks like `{twin}` but is written with other characters ({scripts}); did you mean `{twin}`?",
            crate::diag::excerpt::escape(name, 40)
        ));
    }
    let builtins = ["t", "sin", "cos", "tan", "exp", "log", "sqrt", "abs", "tanh", "poly", "fourier", "sparse", "mlp"];
    suggest(name, names.into_iter().chain(builtins).chain(extra.iter().copied()))
        .map(|s| format!("did you mean `{s}`?"))
}

/// `W009`: a declaration of an imported file that only the model's own file may make.
fn ignored_in_import(item: &ast::Item) -> Diagnostic {
    let what = match &item.kind {
        ItemKind::Model(_) => "`model` line",
        ItemKind::State(_) => "`state` declaration",
        ItemKind::Input(_) => "`input` declaration",
        ItemKind::Param(_) => "`param` declaration",
        ItemKind::Data(_) => "`data` declaration",
        ItemKind::Fit(_) => "`fit` block",
        ItemKind::Equation(_) => "equation",
        _ => "declaration",
    };
    Diagnostic::new(
        codes::IMPORT_IGNORED,
        format!("this {what} of an imported file is ignored"),
        item.span,
        "ignored: imports contribute functions, constants, systems and bases only",
    )
    .with_help("move it into the model that uses this file")
}

/// `W008` for a declared name that mixes scripts, hides invisible characters, or looks like
/// another declared name (Latin `x` and Cyrillic `х`). Linear: names are grouped by skeleton.
pub(crate) fn lookalike_warnings(c: &mut Checker) {
    use crate::diag::lookalike::{scripts, skeleton, suspicious};
    let names: Vec<String> = c.scope.names().into_iter().map(str::to_string).collect();
    let mut by_skeleton: std::collections::HashMap<String, Vec<&str>> = Default::default();
    for n in &names {
        by_skeleton.entry(skeleton(n)).or_default().push(n);
    }
    for n in names.iter().filter(|n| !n.is_ascii()) {
        let Some(entry) = c.scope.get(n).filter(|e| !e.stdlib) else { continue };
        let span = entry.span;
        let twin = by_skeleton.get(&skeleton(n)).and_then(|v| v.iter().find(|m| **m != n.as_str()).copied());
        let shown = crate::diag::excerpt::escape(n, 40);
        let message = match twin {
            Some(t) => format!("`{shown}` looks like `{t}`, another name of this model"),
            None if suspicious(n) => format!("`{shown}` mixes scripts or hides invisible characters"),
            None => continue,
        };
        let used = scripts(n).join(" and ");
        c.err(
            Diagnostic::new(codes::CONFUSABLE, message, span, format!("letters from {used}"))
                .with_help("use plain ASCII names, or names a reader cannot mistake for each other"),
        );
    }
}
