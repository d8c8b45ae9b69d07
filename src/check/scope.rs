//! The model's namespace: every declared name (from the file, its imports and the standard
//! library) mapped to what it declares, plus "did you mean" suggestions. Input: declarations as
//! they are collected; output: lookups by name.

use crate::source::Span;
use std::collections::HashMap;

/// What a name refers to (ids index the model's vectors).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decl {
    State(usize),
    Input(usize),
    Param(usize),
    Const(usize),
    Fn(usize),
    Basis(usize),
    Data(usize),
    System(usize),
    Encoder(usize),
}

impl Decl {
    /// The declaration's kind in words ("a parameter").
    pub fn words(self) -> &'static str {
        match self {
            Decl::State(_) => "a state",
            Decl::Input(_) => "an input",
            Decl::Param(_) => "a parameter",
            Decl::Const(_) => "a constant",
            Decl::Fn(_) => "a function",
            Decl::Basis(_) => "a basis",
            Decl::Data(_) => "a data set",
            Decl::System(_) => "a system",
            Decl::Encoder(_) => "an encoder",
        }
    }
}

/// One entry of the namespace.
#[derive(Clone, Copy, Debug)]
pub struct Entry {
    pub decl: Decl,
    pub span: Span,
    pub stdlib: bool,
}

/// Names declared at model level.
#[derive(Default)]
pub struct Scope {
    map: HashMap<String, Entry>,
}

/// Names that can never be declared: the time variable, intrinsics and built-in families.
pub const RESERVED: &[&str] = &[
    "t",
    "sin",
    "cos",
    "tan",
    "exp",
    "log",
    "sqrt",
    "abs",
    "tanh",
    "poly",
    "fourier",
    "sparse",
    "mlp",
    "normal",
    "uniform",
    "dot",
    "vec2",
    "vec3",
    "scalars",
    "norms",
    "distances",
];

impl Scope {
    /// What `name` refers to.
    pub fn get(&self, name: &str) -> Option<Entry> {
        self.map.get(name).copied()
    }

    /// Declares a name. Returns the earlier entry when the name is taken (user declarations
    /// silently shadow standard-library ones).
    pub fn declare(&mut self, name: &str, entry: Entry) -> Result<(), Entry> {
        match self.map.get(name) {
            Some(old) if !old.stdlib || entry.stdlib => Err(*old),
            _ => {
                self.map.insert(name.to_string(), entry);
                Ok(())
            }
        }
    }

    /// All declared names (for suggestions), sorted for determinism.
    pub fn names(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self.map.keys().map(String::as_str).collect();
        v.sort_unstable();
        v
    }
}

/// The closest candidate to `name` within an edit distance proportional to its length.
pub fn suggest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).max(1);
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        if c == name {
            continue;
        }
        let d = crate::diag::suggest::edit_distance(name, c);
        if d <= limit && best.is_none_or(|(bd, bc)| (d, c) < (bd, bc)) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}
