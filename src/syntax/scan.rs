//! A linear pre-scan of source text, run before pest: bounds bracket nesting (pest's parser is
//! recursive, so unbounded nesting could overflow the stack), finds typographic look-alikes with a
//! targeted message, and collects `#` comments as trivia. Input: `&str`; output: [`Scanned`].

use super::ast::Comment;
use super::MAX_NESTING;
use crate::diag::{codes, Diagnostic};
use crate::source::{SourceId, Span};

/// What the pre-scan found.
pub struct Scanned {
    pub comments: Vec<Comment>,
    /// Errors that stop parsing (too deep nesting, typographic characters).
    pub errors: Vec<Diagnostic>,
    /// Invisible characters (bidirectional controls, zero-width characters) anywhere, comments
    /// included: `W008`, at most ten.
    pub warnings: Vec<Diagnostic>,
}

/// Scans `text` once, tracking strings and comments so brackets inside them do not count.
pub fn prescan(text: &str, src: SourceId) -> Scanned {
    let mut out = Scanned { comments: Vec::new(), errors: Vec::new(), warnings: Vec::new() };
    invisible_warnings(text, src, &mut out.warnings);
    let mut depth = 0usize;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '#' => {
                let end = text[i..].find('\n').map_or(text.len(), |n| i + n);
                let body = text[i..end].trim_end();
                out.comments.push(Comment { text: body.to_string(), span: Span::new(src, i, i + body.len()) });
                while chars.peek().is_some_and(|&(j, _)| j < end) {
                    chars.next();
                }
            }
            '"' => skip_string(&mut chars),
            '(' | '[' | '{' => {
                depth += 1;
                if depth > MAX_NESTING {
                    out.errors.push(too_deep(src, i));
                    return out;
                }
            }
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            _ => {
                if let Some(d) = typographic(c, src, i) {
                    out.errors.push(d);
                    if out.errors.len() >= 10 {
                        return out;
                    }
                }
            }
        }
    }
    out
}

fn skip_string(chars: &mut std::iter::Peekable<std::str::CharIndices>) {
    while let Some((_, c)) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '"' | '\n' => return,
            _ => {}
        }
    }
}

fn too_deep(src: SourceId, at: usize) -> Diagnostic {
    Diagnostic::new(
        codes::TOO_DEEP,
        format!("brackets nested more than {MAX_NESTING} levels deep"),
        Span::new(src, at, at + 1),
        "this bracket is too deep",
    )
    .with_help("split the expression with `const` or `fn` declarations")
}

/// Characters that word processors substitute for ASCII ones, with the ASCII replacement.
fn typographic(c: char, src: SourceId, at: usize) -> Option<Diagnostic> {
    let (what, ascii) = match c {
        '\u{2032}' => ("a typographic prime `′`", "'"),
        '\u{2033}' => ("a typographic double prime `″`", "''"),
        '\u{2019}' | '\u{2018}' => ("a curly quote", "'"),
        '\u{201C}' | '\u{201D}' => ("a curly double quote", "\""),
        '\u{2212}' => ("a typographic minus sign `−`", "-"),
        _ => return None,
    };
    let span = Span::new(src, at, at + c.len_utf8());
    Some(
        Diagnostic::new(
            codes::TYPOGRAPHIC,
            format!("found {what} where ASCII `{ascii}` is expected"),
            span,
            "not ASCII",
        )
        .with_help(format!("replace it with `{ascii}`")),
    )
}

/// `W008` for every invisible character (at most ten): they reorder or hide text on screen, so
/// what a reader sees is not what the compiler reads.
fn invisible_warnings(text: &str, src: SourceId, out: &mut Vec<Diagnostic>) {
    let hidden =
        |c: char| c != '\n' && c != '\t' && c != '\r' && crate::diag::excerpt::is_invisible(c) && !c.is_ascii();
    for (i, c) in text.char_indices().filter(|&(_, c)| hidden(c)).take(10) {
        out.push(
            Diagnostic::new(
                codes::CONFUSABLE,
                format!("invisible character `{}` in the source", crate::diag::excerpt::escape(&c.to_string(), 4)),
                Span::new(src, i, i + c.len_utf8()),
                "invisible character",
            )
            .with_help("remove it: bidirectional controls and zero-width characters make the text read differently from how it looks"),
        );
    }
}
