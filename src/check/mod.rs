//! The checker: `ast::Module` (plus its `use`d files and the embedded standard library) →
//! [`hir::Model`]. Name resolution with "did you mean", kinds (scalar expressions, bases, data
//! sources), constant evaluation and the whole-model rules. It collects every diagnostic it can in
//! one pass; the model is returned only when there is no error (warnings come back either way).

mod basis;
pub mod budget;
mod collect;
mod data;
mod encoder;
mod eval;
mod expr;
mod field;
mod fit;
mod hamiltonian;
pub mod hir;
mod load;
mod model;
pub mod print;
mod scope;
pub mod settings;
mod system;
mod terms;
mod vector;

use crate::diag::{self, Diagnostic};
use crate::source::{SourceId, SourceMap, Span};
use crate::syntax::ast;
use scope::Scope;

pub use load::{STDLIB_PRELUDE, STDLIB_SYSTEMS};

/// Where a module came from; it decides which of its declarations are visible.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    Stdlib,
    Import,
    Root,
}

/// Checks the model in `root` (already added to `sources`). `use`d files and the standard library
/// are added to `sources`. Returns the model when there is no error, and all diagnostics sorted.
pub fn check(sources: &mut SourceMap, root: SourceId) -> (Option<hir::Model>, Vec<Diagnostic>) {
    let (modules, mut diags) = load::load_all(sources, root);
    let (modules, ties, vdiags) = vector::expand(modules);
    diags.extend(vdiags);
    let (modules, pde, fdiags) = field::expand(sources, modules);
    diags.extend(fdiags);
    if diag::has_errors(&diags) && !modules.iter().any(|(_, o)| *o == Origin::Root) {
        diag::sort(&mut diags);
        return (None, diags);
    }
    let mut c = Checker::new(sources);
    c.diags = diags;
    c.ties = ties;
    c.model.pde = pde;
    let root_items = modules.iter().find(|(_, o)| *o == Origin::Root).and_then(|(m, _)| m.items.first());
    c.model.first_decl = root_items.map_or(Span::new(root, 0, 0), |i| i.span);
    c.run(&modules);
    let mut diags = std::mem::take(&mut c.diags);
    diag::sort(&mut diags);
    if diag::has_errors(&diags) {
        (None, diags)
    } else {
        (Some(c.model), diags)
    }
}

/// Reads, parses and checks a file: the convenience entry point for tools and tests.
pub fn check_file(path: &std::path::Path) -> Result<(SourceMap, Option<hir::Model>, Vec<Diagnostic>), std::io::Error> {
    let mut sources = SourceMap::new();
    let id = sources.load(path)?;
    let (m, d) = check(&mut sources, id);
    Ok((sources, m, d))
}

/// The state of one check: the model being filled in, the namespace, usage flags, diagnostics.
pub(crate) struct Checker<'a> {
    pub sources: &'a SourceMap,
    pub diags: Vec<Diagnostic>,
    pub scope: Scope,
    pub model: hir::Model,
    /// Which parameters, bases, constants and functions something used (for warnings).
    pub used_params: Vec<bool>,
    pub used_bases: Vec<bool>,
    pub used_consts: Vec<bool>,
    pub used_fns: Vec<bool>,
    /// Constants whose value is known so far (declaration order).
    pub const_done: Vec<bool>,
    /// States whose equation was rejected (no `E012` for them: one error is enough).
    pub attempted: Vec<usize>,
    /// Whether the checked file declares `model NAME` (otherwise it is a library).
    pub is_model: bool,
    /// The ODE order each state's (first) equation gives it, known before any expression is
    /// resolved, so `x'` can be accepted wherever `x` has a higher-order equation (its right side,
    /// bases, other states' equations).
    pub eq_orders: Vec<u32>,
    /// Sparse blocks of vector equations that share coefficients across components.
    pub ties: vector::Ties,
}

impl<'a> Checker<'a> {
    fn new(sources: &'a SourceMap) -> Checker<'a> {
        Checker {
            sources,
            diags: Vec::new(),
            scope: Scope::default(),
            model: hir::Model {
                name: None,
                states: Vec::new(),
                inputs: Vec::new(),
                params: Vec::new(),
                consts: Vec::new(),
                fns: Vec::new(),
                bases: Vec::new(),
                equations: Vec::new(),
                hamiltonian: None,
                encoders: Vec::new(),
                data: Vec::new(),
                systems: Vec::new(),
                fit: settings::FitSettings::default(),
                pde: None,
                first_decl: Span::default(),
            },
            used_params: Vec::new(),
            used_bases: Vec::new(),
            used_consts: Vec::new(),
            used_fns: Vec::new(),
            const_done: Vec::new(),
            is_model: false,
            eq_orders: Vec::new(),
            attempted: Vec::new(),
            ties: vector::Ties::new(),
        }
    }

    pub fn err(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    /// The passes, in dependency order: declarations, functions, constants, parameters, bases,
    /// systems, equations, data, settings, then the whole-model rules.
    fn run(&mut self, modules: &[(ast::Module, Origin)]) {
        let decls = collect::collect(self, modules);
        collect::lookalike_warnings(self);
        self.resolve_fns(&decls.fns);
        self.eval_consts(&decls.consts);
        self.resolve_params(&decls.params);
        self.resolve_fit(decls.fit);
        self.eq_orders = self.equation_orders(&decls.equations);
        self.hamiltonian_orders(&decls.hamiltonians);
        self.resolve_bases(&decls.bases);
        self.resolve_systems(&decls.systems);
        self.resolve_equations(&decls.equations);
        self.resolve_hamiltonian(&decls.hamiltonians);
        self.resolve_encoders(&decls.encoders, &decls.params);
        self.resolve_data(&decls.data, &decls.data_dirs);
        self.whole_model_rules(&decls);
        self.budgets();
    }
}
