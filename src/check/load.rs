//! Loading every module a check needs: the embedded standard library, the root file and, from
//! it, every `use`d file (resolved relative to the importing file; cycles and missing files are
//! errors). Input: a [`SourceMap`] and the root id; output: parsed modules with their [`Origin`].

use super::Origin;
use crate::diag::{codes, Diagnostic};
use crate::source::{SourceId, SourceMap};
use crate::syntax::{self, ast};
use std::path::{Path, PathBuf};

/// The standard library's functions.
pub const STDLIB_PRELUDE: &str = include_str!("../../stdlib/prelude.mech");
/// The standard library's named systems.
pub const STDLIB_SYSTEMS: &str = include_str!("../../stdlib/systems.mech");

/// Parses the standard library, the root and its imports (depth first, in `use` order).
pub fn load_all(sources: &mut SourceMap, root: SourceId) -> (Vec<(ast::Module, Origin)>, Vec<Diagnostic>) {
    let mut out = Vec::new();
    let mut diags = Vec::new();
    for (name, text) in [("<stdlib>/prelude.mech", STDLIB_PRELUDE), ("<stdlib>/systems.mech", STDLIB_SYSTEMS)] {
        let id = sources.add(name, text);
        push_parsed(sources, id, Origin::Stdlib, &mut out, &mut diags);
    }
    let mut stack = vec![canonical(Path::new(sources.name(root)))];
    let mut seen = stack.clone();
    load_rec(sources, root, Origin::Root, &mut stack, &mut seen, &mut out, &mut diags);
    (out, diags)
}

fn push_parsed(
    sources: &SourceMap,
    id: SourceId,
    origin: Origin,
    out: &mut Vec<(ast::Module, Origin)>,
    diags: &mut Vec<Diagnostic>,
) -> Option<usize> {
    let (m, d) = syntax::parse(sources, id);
    diags.extend(d);
    m.map(|m| {
        out.push((m, origin));
        out.len() - 1
    })
}

fn canonical(p: &Path) -> PathBuf {
    p.canonicalize().unwrap_or_else(|_| p.to_path_buf())
}

fn load_rec(
    sources: &mut SourceMap,
    id: SourceId,
    origin: Origin,
    stack: &mut Vec<PathBuf>,
    seen: &mut Vec<PathBuf>,
    out: &mut Vec<(ast::Module, Origin)>,
    diags: &mut Vec<Diagnostic>,
) {
    let Some(index) = push_parsed(sources, id, origin, out, diags) else { return };
    let uses: Vec<ast::StrLit> = out[index]
        .0
        .items
        .iter()
        .filter_map(|i| match &i.kind {
            ast::ItemKind::Use(s) => Some(s.clone()),
            _ => None,
        })
        .collect();
    let dir = Path::new(sources.name(id)).parent().map(Path::to_path_buf).unwrap_or_default();
    for u in uses {
        let path = dir.join(&u.value);
        let key = canonical(&path);
        if stack.contains(&key) {
            diags.push(cycle_error(&u, stack, &key));
            continue;
        }
        if seen.contains(&key) {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&path) else {
            diags.push(not_found(&u, &path));
            continue;
        };
        seen.push(key.clone());
        let child = sources.add(path.to_string_lossy(), text);
        stack.push(key);
        load_rec(sources, child, Origin::Import, stack, seen, out, diags);
        stack.pop();
    }
}

fn cycle_error(u: &ast::StrLit, stack: &[PathBuf], key: &Path) -> Diagnostic {
    let start = stack.iter().position(|p| p == key).unwrap_or(0);
    let chain: Vec<String> = stack[start..]
        .iter()
        .chain(std::iter::once(&key.to_path_buf()))
        .map(|p| p.file_name().map_or_else(|| p.display().to_string(), |f| f.to_string_lossy().into_owned()))
        .collect();
    Diagnostic::new(
        codes::IMPORT_CYCLE,
        format!("import cycle: {}", chain.join(" -> ")),
        u.span,
        "this import closes the cycle",
    )
    .with_help("move the shared declarations into a file that both can `use`")
}

fn not_found(u: &ast::StrLit, path: &Path) -> Diagnostic {
    Diagnostic::new(
        codes::IMPORT_NOT_FOUND,
        format!("cannot read imported file `{}`", u.value),
        u.span,
        format!("looked for {}", path.display()),
    )
    .with_note("imports are resolved relative to the importing file")
}
