//! `mechc fmt FILE`: print (or `--write`, atomically) the canonical form; `--check` exits 1 when
//! the file differs from it. A file that does not parse is reported and left alone.

use super::{EXIT_INTERNAL, EXIT_OK, EXIT_USER};
use crate::diag::render;
use crate::source::SourceMap;
use std::path::Path;

pub fn run(path: &Path, write: bool, check: bool) -> u8 {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", path.display());
            return EXIT_USER;
        }
    };
    let mut sources = SourceMap::new();
    let id = sources.add(path.to_string_lossy(), text.clone());
    let (module, diags) = crate::syntax::parse(&sources, id);
    let Some(module) = module else {
        eprint!("{}", render::render_text(&diags, &sources, render::use_color()));
        return EXIT_USER;
    };
    let out = crate::syntax::fmt::format_module(&module, &text);
    if check {
        return if out == text { EXIT_OK } else { EXIT_USER };
    }
    if write {
        return match crate::files::write_atomic(path, out.as_bytes()) {
            Ok(()) => EXIT_OK,
            Err(e) => {
                eprintln!("error: cannot write {}: {e}", path.display());
                EXIT_INTERNAL
            }
        };
    }
    print!("{out}");
    EXIT_OK
}
