//! The REPL's model: an ordered list of top-level declarations kept as text, each under a key
//! (`state`, `param mu`, `basis lib`, `eq x`, `fit` …) so that a typed declaration replaces the
//! one it redeclares. Input: the lines the user typed; output: the whole model's text and its
//! diagnostics from the same checker as `mechc check`. A change that makes errors is refused and
//! the session stays as it was; accepted changes can be undone.

use crate::diag::codes::{self, Code};
use crate::diag::{self, render, Diagnostic};
use crate::source::SourceMap;
use crate::syntax::ast::{Item, ItemKind};
use std::path::PathBuf;

/// One declaration: its replacement key and its text as typed.
#[derive(Clone, Debug, PartialEq)]
pub struct Decl {
    /// What it declares, e.g. `param mu` or `eq x`; a later declaration with the same key replaces it.
    pub key: String,
    /// The declaration's source text.
    pub text: String,
}

/// The session's model and its undo stack.
#[derive(Debug, Default)]
pub struct Session {
    /// The declarations in model order.
    pub decls: Vec<Decl>,
    /// Directory relative paths (CSV files, `use`) are resolved against.
    pub base_dir: PathBuf,
    undo: Vec<Vec<Decl>>,
}

/// The outcome of checking a candidate model.
pub struct Checked {
    /// The sources the diagnostics point into.
    pub sources: SourceMap,
    /// Every diagnostic of the check.
    pub diags: Vec<Diagnostic>,
}

impl Checked {
    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        diag::has_errors(&self.diags)
    }

    /// The diagnostics as text (colour only on a terminal), with a count line when there are errors.
    pub fn render(&self, color: bool) -> String {
        let mut out = render::render_text(&self.diags, &self.sources, color);
        let errors = self.diags.iter().filter(|d| d.is_error()).count();
        if errors > 0 {
            out.push_str(&format!("{errors} error(s), {} warning(s)\n", self.diags.len() - errors));
        }
        out
    }
}

/// The replacement key of a declaration.
pub fn key_of(item: &Item) -> String {
    match &item.kind {
        ItemKind::Model(_) => "model".into(),
        ItemKind::Use(s) => format!("use {}", s.value),
        ItemKind::State(_) | ItemKind::VecState(_) => "state".into(),
        ItemKind::Hamiltonian(_) => "hamiltonian".into(),
        ItemKind::Encoder(e) => format!("encoder {}", e.name.name),
        ItemKind::Input(_) => "input".into(),
        ItemKind::Space(_) => "space".into(),
        ItemKind::Field(f) => format!("field {}", f.names.first().map_or("", |n| n.name.as_str())),
        ItemKind::Param(p) => format!("param {}", p.name.name),
        ItemKind::Const(c) => format!("const {}", c.name.name),
        ItemKind::Fn(f) => format!("fn {}", f.name.name),
        ItemKind::Basis { name, .. } => format!("basis {}", name.name),
        ItemKind::Data(d) => format!("data {}", d.name.name),
        ItemKind::System(s) => format!("system {}", s.name.name),
        ItemKind::Fit(_) => "fit".into(),
        ItemKind::Equation(e) => format!("eq {}", e.target.name),
    }
}

/// Splits text into declarations; `Err` carries the parse diagnostics (rendered against `name`).
pub fn split(name: &str, text: &str) -> Result<Vec<Decl>, Checked> {
    let (sources, module, diags) = crate::syntax::parse_str(name, text);
    match module {
        Some(m) if !diag::has_errors(&diags) => {
            Ok(m.items.iter().map(|it| Decl { key: key_of(it), text: sources.slice(it.span).to_string() }).collect())
        }
        _ => Err(Checked { sources, diags }),
    }
}

impl Session {
    /// An empty session resolving paths against `base_dir`.
    pub fn new(base_dir: PathBuf) -> Session {
        Session { base_dir, ..Session::default() }
    }

    /// The whole model as text, one declaration per paragraph.
    pub fn text(&self) -> String {
        model_text(&self.decls)
    }

    /// The name diagnostics and relative paths are reported under.
    pub fn source_name(&self) -> String {
        self.base_dir.join("<repl>").to_string_lossy().into_owned()
    }

    /// Checks the current model.
    pub fn check(&self) -> Checked {
        check_text(&self.source_name(), &self.text())
    }

    /// Adds or replaces the declarations in `input`. On errors the session is unchanged and the
    /// diagnostics come back; otherwise returns what changed (`added x`, `replaced y`) and warnings.
    pub fn apply(&mut self, input: &str) -> Result<(Vec<String>, Checked), Checked> {
        let new = split(&self.source_name(), input)?;
        let mut next = self.decls.clone();
        let mut changes = Vec::new();
        let mut touched = Vec::new();
        for d in new {
            match next.iter().position(|old| old.key == d.key) {
                Some(i) => {
                    changes.push(format!("replaced {}", d.key));
                    next[i] = d;
                    touched.push(i);
                }
                None => {
                    changes.push(format!("added {}", d.key));
                    next.push(d);
                    touched.push(next.len() - 1);
                }
            }
        }
        let before = self.check();
        let mut checked = check_text(&self.source_name(), &model_text(&next));
        let new = new_errors(&before, &checked);
        if !new.is_empty() {
            // Only the errors this input brought: those of the unfinished rest were there before.
            checked.diags = new;
            return Err(checked);
        }
        self.replace_all(next);
        Ok((changes, checked))
    }

    /// Replaces the whole model (for `:load`), keeping the old one for `:undo`.
    pub fn replace_all(&mut self, decls: Vec<Decl>) {
        let old = std::mem::replace(&mut self.decls, decls);
        self.undo.push(old);
    }

    /// Restores the model before the last accepted change; false when there is none.
    pub fn undo(&mut self) -> bool {
        match self.undo.pop() {
            Some(old) => {
                self.decls = old;
                true
            }
            None => false,
        }
    }

    /// The model in canonical form (the text as is if it does not parse, which accepted models always do).
    pub fn formatted(&self) -> String {
        let text = self.text();
        match crate::syntax::parse_str(&self.source_name(), &text) {
            (_, Some(m), _) => crate::syntax::fmt::format_module(&m, &text),
            _ => text,
        }
    }

    /// Names for completion: states, inputs, parameters, constants, functions, bases, data.
    pub fn names(&self) -> Vec<String> {
        let (_, module, _) = crate::syntax::parse_str("<repl>", &self.text());
        let Some(m) = module else { return Vec::new() };
        let mut names = Vec::new();
        for it in &m.items {
            match &it.kind {
                ItemKind::State(v) | ItemKind::Input(v) => names.extend(v.iter().map(|i| i.name.clone())),
                ItemKind::VecState(v) => names.extend(v.names.iter().map(|i| i.name.clone())),
                ItemKind::Param(p) => names.push(p.name.name.clone()),
                ItemKind::Const(c) => names.push(c.name.name.clone()),
                ItemKind::Fn(f) => names.push(f.name.name.clone()),
                ItemKind::Basis { name, .. } => names.push(name.name.clone()),
                ItemKind::System(s) => names.push(s.name.name.clone()),
                _ => {}
            }
        }
        names
    }
}

/// Errors that only say the model is unfinished (no states, no data, a state still without its
/// equation): a model is built one declaration at a time, so these never refuse a change.
const UNFINISHED: &[Code] = &[codes::NO_STATES, codes::NO_DATA, codes::NO_EQUATION];

/// The errors of `after` that `before` did not have (leaving out those of an unfinished model).
fn new_errors(before: &Checked, after: &Checked) -> Vec<Diagnostic> {
    let old: Vec<(Code, &str)> =
        before.diags.iter().filter(|d| d.is_error()).map(|d| (d.code, d.message.as_str())).collect();
    after
        .diags
        .iter()
        .filter(|d| d.is_error() && !UNFINISHED.contains(&d.code) && !old.contains(&(d.code, d.message.as_str())))
        .cloned()
        .collect()
}

fn model_text(decls: &[Decl]) -> String {
    decls.iter().map(|d| format!("{}\n", d.text.trim_end())).collect::<Vec<_>>().join("\n")
}

/// Checks `text` as a model named `name` (relative paths resolve against the name's directory).
pub fn check_text(name: &str, text: &str) -> Checked {
    let mut sources = SourceMap::new();
    let id = sources.add(name, text);
    let (_, diags) = crate::check::check(&mut sources, id);
    Checked { sources, diags }
}
