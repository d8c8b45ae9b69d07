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
    load_rec(sources, root, Origin::Root, None, &mut stack, &mut seen, &mut out, &mut diags);
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
    push_module(m, origin, out)
}

fn push_module(m: Option<ast::Module>, origin: Origin, out: &mut Vec<(ast::Module, Origin)>) -> Option<usize> {
    m.map(|m| {
        out.push((m, origin));
        out.len() - 1
    })
}

fn canonical(p: &Path) -> PathBuf {
    p.canonicalize().unwrap_or_else(|_| p.to_path_buf())
}

#[allow(clippy::too_many_arguments)]
fn load_rec(
    sources: &mut SourceMap,
    id: SourceId,
    origin: Origin,
    use_site: Option<&ast::StrLit>,
    stack: &mut Vec<PathBuf>,
    seen: &mut Vec<PathBuf>,
    out: &mut Vec<(ast::Module, Origin)>,
    diags: &mut Vec<Diagnostic>,
) {
    let index = match use_site {
        Some(u) => push_import(sources, id, u, out, diags),
        None => push_parsed(sources, id, origin, out, diags),
    };
    let Some(index) = index else { return };
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
        let text = match crate::files::read_text(&path) {
            Ok(text) => text,
            Err(why) => {
                diags.push(not_found(&u, &path, &why.0));
                continue;
            }
        };
        seen.push(key.clone());
        let child = sources.add(path.to_string_lossy(), text);
        stack.push(key);
        load_rec(sources, child, Origin::Import, Some(&u), stack, seen, out, diags);
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

fn not_found(u: &ast::StrLit, path: &Path, why: &str) -> Diagnostic {
    Diagnostic::new(
        codes::IMPORT_NOT_FOUND,
        format!("cannot read imported file `{}`: {why}", u.value),
        u.span,
        format!("looked for {}", path.display()),
    )
    .with_note("imports are resolved relative to the importing file")
}

/// Parses an imported file. A file that does not claim to be a model (no `.mech` extension, or
/// NUL bytes) and does not parse is reported at the `use` only: none of its text is shown.
fn push_import(
    sources: &SourceMap,
    id: SourceId,
    u: &ast::StrLit,
    out: &mut Vec<(ast::Module, Origin)>,
    diags: &mut Vec<Diagnostic>,
) -> Option<usize> {
    let (m, d) = syntax::parse(sources, id);
    let text = sources.text(id);
    let claims_mech = u.value.to_ascii_lowercase().ends_with(".mech") && !text.contains('\0');
    if claims_mech || !crate::diag::has_errors(&d) {
        diags.extend(d);
        return push_module(m, Origin::Import, out);
    }
    diags.push(
        Diagnostic::new(
            codes::IMPORT_NOT_FOUND,
            format!("cannot use `{}`: it is not a .mech file (it does not parse)", u.value),
            u.span,
            "not a model file",
        )
        .with_note("the file's contents are not shown, as it does not claim to be a .mech file")
        .with_help("`use` names a .mech file of functions, constants, systems and bases"),
    );
    None
}
