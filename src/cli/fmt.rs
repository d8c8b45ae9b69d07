//! `mechc fmt FILE`: print (or `--write`, atomically) the canonical form; `--check` exits 1 when
//! the file differs from it. A file that does not parse is reported and left alone; `--write`
//! rewrites only a regular file (never a device, FIFO or directory).

use super::{EXIT_OK, EXIT_USER};
use crate::diag::{codes, render};
use crate::source::SourceMap;
use std::path::Path;

pub fn run(path: &Path, write: bool, check: bool) -> u8 {
    if write && !std::fs::metadata(path).is_ok_and(|m| m.is_file()) && path.exists() {
        let why = format!("cannot rewrite `{}`: `fmt --write` rewrites only a regular file", path.display());
        return super::coded(codes::OUTPUT_PATH, &why);
    }
    let text = match super::read_model(path) {
        Ok(t) => t,
        Err(code) => return code,
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
        if out == text {
            return EXIT_OK;
        }
        return match crate::files::write_atomic(path, out.as_bytes()) {
            Ok(()) => EXIT_OK,
            Err(e) => super::coded(
                codes::OUTPUT_WRITE,
                &format!("cannot write `{}` (left unchanged): {}", path.display(), crate::files::os_reason(&e)),
            ),
        };
    }
    super::print_code(&out)
}
