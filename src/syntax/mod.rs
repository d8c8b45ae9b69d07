//! The syntax stage: text → [`ast::Module`]. Before pest runs, a linear pre-scan bounds bracket
//! nesting (so no input can overflow the stack) and collects comments as trivia; pest errors
//! become diagnostics in words ([`errors`]); [`fmt`] prints the canonical form.

pub mod ast;
pub mod dump;
pub mod errors;
pub mod fmt;
mod grammar;
pub mod notation;
mod parser;
mod scan;

use crate::diag::Diagnostic;
use crate::source::{SourceId, SourceMap};

/// Deepest bracket nesting accepted (parentheses, brackets and braces together).
pub const MAX_NESTING: usize = 200;
/// Deepest expression tree accepted (operators chained through parentheses and operands).
pub const MAX_EXPR_DEPTH: usize = 400;

/// Parses one source. Returns the module when the text follows the grammar (possibly with
/// diagnostics about literal values), or `None` with at least one error.
pub fn parse(sources: &SourceMap, src: SourceId) -> (Option<ast::Module>, Vec<Diagnostic>) {
    let text = sources.text(src);
    let scanned = scan::prescan(text, src);
    let mut diags = scanned.warnings;
    if !scanned.errors.is_empty() {
        diags.extend(scanned.errors);
        return (None, diags);
    }
    match parser::parse_module(text, src, &scanned.comments) {
        Ok((items, more)) => {
            diags.extend(more);
            (Some(ast::Module { src, items, comments: scanned.comments }), diags)
        }
        Err(d) => {
            diags.push(d);
            (None, diags)
        }
    }
}

/// Convenience: adds `text` to a fresh source map under `name` and parses it.
pub fn parse_str(name: &str, text: &str) -> (SourceMap, Option<ast::Module>, Vec<Diagnostic>) {
    let mut sources = SourceMap::new();
    let id = sources.add(name, text);
    let (m, d) = parse(&sources, id);
    (sources, m, d)
}
