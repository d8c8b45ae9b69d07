//! What a diagnostic may show of text it did not write: short, with control and invisible
//! characters escaped. [`escape`] for a name or cell in a message (`\u{1b}` instead of ESC, at
//! most a few dozen characters); [`column_list`] for a CSV header (only cells that look like
//! column names are shown: the first line of a file that is not a CSV header — a password file,
//! an environment block — is never echoed); [`visible_source`] for source lines quoted in
//! rendered reports (the same byte length, so spans still fit).

/// Whether `c` changes how surrounding text looks without being visible itself: controls (C0,
/// DEL, C1), bidirectional overrides and isolates, zero-width characters and the BOM.
pub fn is_invisible(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}' | '\u{061C}' | '\u{00AD}')
}

/// `text` with invisible characters and non-breaking spaces written as `\u{..}` escapes, cut to
/// `max_chars` characters (an ellipsis marks the cut).
pub fn escape(text: &str, max_chars: usize) -> String {
    let mut out = String::new();
    for (n, c) in text.chars().enumerate() {
        if n == max_chars {
            out.push('…');
            break;
        }
        match c {
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if is_invisible(c) || matches!(c, '\u{00A0}' | '\u{2007}' | '\u{202F}' | '\u{3000}') => {
                out.push_str(&format!("\\u{{{:x}}}", c as u32));
            }
            c => out.push(c),
        }
    }
    out
}

/// Whether a CSV header cell looks like a column name: a letter or `_` first, then letters,
/// digits and `_ . ' - ( ) [ ]` or spaces, at most 64 characters.
pub fn is_column_name(cell: &str) -> bool {
    let mut chars = cell.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_alphabetic() || c == '_');
    first_ok
        && cell.chars().count() <= 64
        && chars.all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '\'' | '-' | '(' | ')' | '[' | ']' | ' '))
}

/// The column names of a header as a message lists them: at most 12, each quoted, followed by
/// how many cells are not column names (those are never shown).
pub fn column_list(header: &[String]) -> String {
    let names: Vec<&String> = header.iter().filter(|c| is_column_name(c)).collect();
    let others = header.len() - names.len();
    let mut list: Vec<String> = names.iter().take(12).map(|n| format!("`{n}`")).collect();
    if names.len() > 12 {
        list.push(format!("{} more", names.len() - 12));
    }
    let mut out = if list.is_empty() { "no column names".to_string() } else { list.join(", ") };
    if others > 0 {
        let s = if others == 1 { "" } else { "s" };
        out.push_str(&format!(" ({others} cell{s} of the first line not shown: not column names)"));
    }
    out
}

/// `text` with every invisible character replaced by visible ones of the same UTF-8 length
/// (`?` per byte; `\u{FFFD}` for three-byte characters), so byte spans into it stay valid.
pub fn visible_source(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(|c| c != '\n' && c != '\t' && c != '\r' && is_invisible(c)) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' | '\t' | '\r' => out.push(c),
            c if is_invisible(c) && c.len_utf8() == 3 => out.push('\u{FFFD}'),
            c if is_invisible(c) => (0..c.len_utf8()).for_each(|_| out.push('?')),
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}
