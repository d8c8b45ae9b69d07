//! `mechc check FILE...`: parse and check each file, print diagnostics (text or JSON) to stderr
//! (JSON to stdout), optionally print the AST or HIR. Exit 1 when any file has errors.

use super::{Emit, Format, EXIT_INTERNAL, EXIT_OK, EXIT_USER};
use crate::diag::{self, render, Diagnostic};
use crate::source::SourceMap;
use std::path::{Path, PathBuf};

pub fn run(files: &[PathBuf], format: Format, emit: Option<Emit>) -> u8 {
    let mut worst = EXIT_OK;
    let mut json_all = Vec::new();
    for f in files {
        let code = match check_one(f, format, emit, &mut json_all) {
            Ok(true) => EXIT_OK,
            Ok(false) => EXIT_USER,
            Err(msg) => {
                eprintln!("error{msg}");
                EXIT_USER
            }
        };
        worst = worst.max(code);
    }
    if format == Format::Json {
        match serde_json::to_string_pretty(&json_all) {
            Ok(s) => worst = worst.max(super::print_code(&format!("{s}\n"))),
            Err(_) => return EXIT_INTERNAL,
        }
    }
    worst
}

/// Checks one file; `Ok(clean)`, or `Err` when the file cannot be read.
fn check_one(
    path: &Path,
    format: Format,
    emit: Option<Emit>,
    json: &mut Vec<serde_json::Value>,
) -> Result<bool, String> {
    let text = crate::files::read_text(path)
        .map_err(|e| format!("[{}]: cannot read `{}`: {e}", crate::diag::codes::INPUT_UNREADABLE, path.display()))?;
    let mut sources = SourceMap::new();
    let root = sources.add(path.to_string_lossy(), text);
    if emit == Some(Emit::Ast) {
        if let (Some(m), _) = crate::syntax::parse(&sources, root) {
            super::print_out(&crate::syntax::dump::dump(&m));
        }
    }
    let (model, mut diags) = crate::check::check(&mut sources, root);
    if let (Some(Emit::Hir), Some(m)) = (emit, &model) {
        super::print_out(&crate::check::print::model(m));
    }
    // A clean model is lowered too: some warnings (a parameter a network or a coefficient
    // absorbs) are found on the lowered model.
    let mut ir = match (&model, diag::has_errors(&diags)) {
        (Some(m), false) => Some(crate::ir::lower(m).map_err(|e| format!(": {e}"))?),
        _ => None,
    };
    if let (Some(m), Some(ir)) = (&model, &ir) {
        crate::pipeline::lowered_warnings(m, ir, &mut diags);
    }
    report(&diags, &sources, format, json);
    if let (Some(Emit::Ir), Some(ir)) = (emit, ir.as_mut()) {
        super::print_out(&format!("{}\n", ir.emit().trim_end()));
    }
    Ok(!diag::has_errors(&diags))
}

fn report(diags: &[Diagnostic], sources: &SourceMap, format: Format, json: &mut Vec<serde_json::Value>) {
    match format {
        Format::Text => {
            eprint!("{}", render::render_text(diags, sources, render::use_color()));
            let errors = diags.iter().filter(|d| d.is_error()).count();
            let warnings = diags.len() - errors;
            if errors > 0 {
                eprintln!("{errors} error(s), {warnings} warning(s)");
            }
        }
        Format::Json => {
            if let Ok(serde_json::Value::Array(items)) = serde_json::from_str(&render::render_json(diags, sources)) {
                json.extend(items);
            }
        }
    }
}
