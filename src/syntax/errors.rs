//! pest errors → diagnostics in words. The rules pest expected are named as a person would
//! (`a name`, `an expression`, `` `=` ``), never by rule name, and a few frequent mistakes get a
//! targeted message (a single-quoted string, a keyword used as a name, implicit multiplication).
//! Input: `pest::error::Error<Rule>`; output: one `E001` [`Diagnostic`].

use super::grammar::Rule;
use crate::diag::{codes, Diagnostic};
use crate::source::{SourceId, Span};
use pest::error::{Error, ErrorVariant, InputLocation};

/// Converts a pest error at some position of `text` into an `E001` diagnostic.
pub fn syntax_error(e: Error<Rule>, text: &str, src: SourceId) -> Diagnostic {
    let pos = match e.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    };
    let found = found_token(text, pos);
    let span = Span::new(src, pos, pos + found.len());
    let mut expected = Vec::new();
    if let ErrorVariant::ParsingError { positives, .. } = &e.variant {
        for r in positives {
            push_unique(&mut expected, rule_words(*r));
        }
    }
    if let Some(attempts) = e.parse_attempts() {
        for t in attempts.expected_tokens() {
            if let Some(w) = literal_words(&t.to_string()) {
                push_unique(&mut expected, w);
            }
        }
    }
    expected.retain(|w| !w.is_empty());
    let found_words = describe_found(&found);
    let message = match expected.len() {
        0 => format!("unexpected {found_words}"),
        _ => format!("expected {}, found {found_words}", join_or(&expected)),
    };
    let d = Diagnostic::new(codes::SYNTAX, message, span, format!("unexpected {found_words}"));
    d.with_help_opt(hint(text, pos, &found))
}

fn push_unique(v: &mut Vec<String>, w: &str) {
    if !v.iter().any(|x| x == w) {
        v.push(w.to_string());
    }
}

/// The token at `pos`: a word, a number, or one character (empty at end of input).
fn found_token(text: &str, pos: usize) -> String {
    let rest = text.get(pos..).unwrap_or("");
    let mut chars = rest.chars();
    match chars.next() {
        None => String::new(),
        Some(c) if c.is_alphanumeric() || c == '_' => {
            rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '.').collect()
        }
        Some(c) => c.to_string(),
    }
}

fn describe_found(found: &str) -> String {
    match found {
        "" => "end of file".to_string(),
        "\n" | "\r" => "end of line".to_string(),
        "\u{a0}" | "\u{2007}" | "\u{202f}" => {
            format!("a non-breaking space `{}` (write a plain space)", crate::diag::excerpt::escape(found, 8))
        }
        f if f.chars().any(crate::diag::excerpt::is_invisible) => {
            format!("an invisible character `{}`", crate::diag::excerpt::escape(f, 8))
        }
        f => format!("`{}`", crate::diag::excerpt::escape(f, 40)),
    }
}

/// Words for a grammar rule (empty for rules that never need naming).
fn rule_words(r: Rule) -> &'static str {
    use Rule::*;
    match r {
        ident | word | ident_list => "a name",
        deriv => "a derivative such as `x'`",
        number => "a number",
        string => "a string in double quotes",
        expr | product | unary | power | paren | call | neg | arg => "an expression",
        add_op | mul_op | pow_op => "an operator",
        set => "`{`",
        list => "`[`",
        call_args | fn_params => "`(`",
        semi => "`;`",
        EOI => "a declaration or equation",
        model_decl | use_decl | state_decl | input_decl | param_decl | const_decl | fn_decl | basis_decl
        | data_decl | system_decl | fit_decl | equation => "a declaration or equation",
        csv_source => "`csv`",
        sim_source => "`simulate`",
        csv_map => "`{`",
        csv_entry => "a column mapping `name = column`",
        sim_init | kw_init => "`init`",
        sim_time | kw_time => "`time`",
        sim_noise | kw_noise => "`noise`",
        sim_seed | kw_seed => "`seed`",
        sim_trajs | kw_trajectories => "`trajectories`",
        kw_step => "`step`",
        kw_trajectory => "`trajectory`",
        init_item => "an initial value `x = ...`",
        param_bounds => "`in (low, high)`",
        per_traj => "`per trajectory`",
        setting => "a setting `key = value`",
        _ => "",
    }
}

/// Words for a literal token pest tried (punctuation and keywords worth naming).
fn literal_words(t: &str) -> Option<&'static str> {
    Some(match t {
        "=" => "`=`",
        "," => "`,`",
        ")" => "`)`",
        "}" => "`}`",
        "]" => "`]`",
        "(" => "`(`",
        "{" => "`{`",
        ".." => "`..`",
        "%" => "`%`",
        "'" => "`'`",
        _ => return None,
    })
}

fn join_or(words: &[String]) -> String {
    match words {
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
        [] => String::new(),
    }
}

const KEYWORDS: &[&str] = &[
    "model", "use", "state", "input", "param", "const", "fn", "basis", "data", "system", "fit", "in", "per",
    "simulate", "csv",
];

/// A concrete fix for common mistakes, judged from the text around the error.
fn hint(text: &str, pos: usize, found: &str) -> Option<String> {
    if let Some(h) = habit_hint(text, pos, found) {
        return Some(h);
    }
    if found == "'" {
        return Some(
            "strings use double quotes: write \"...\"; a single quote only marks a derivative, glued to a name: `x'`"
                .into(),
        );
    }
    if KEYWORDS.contains(&found) {
        return Some(format!("`{found}` is a reserved word and cannot be used as a name"));
    }
    let before = text.get(..pos).unwrap_or("").trim_end();
    let prev_ends_operand = before.chars().last().is_some_and(|c| c.is_alphanumeric() || c == ')' || c == '_');
    let same_line = !text.get(before.len()..pos).unwrap_or("").contains('\n');
    let starts_operand = found.chars().next().is_some_and(|c| c.is_alphanumeric() || c == '(');
    if prev_ends_operand && same_line && starts_operand && !found.is_empty() {
        return Some("multiplication is written explicitly: `2*x`, not `2 x`".into());
    }
    None
}

/// Habits from other languages and misspelt keywords: `x**2` (Python's power), `dx/dt = ...`,
/// `modle m` / `stat x` / `parm k` at the start of a line.
fn habit_hint(text: &str, pos: usize, found: &str) -> Option<String> {
    let line_start = text.get(..pos).unwrap_or("").rfind('\n').map_or(0, |i| i + 1);
    let line_end = text.get(pos..).unwrap_or("").find('\n').map_or(text.len(), |i| pos + i);
    let line = text.get(line_start..line_end).unwrap_or("");
    if found == "*" && text.get(..pos).unwrap_or("").ends_with('*') {
        return Some("a power is written with `^`: `x^2`, not `x**2`".into());
    }
    if line.contains("**") {
        return Some("a power is written with `^`: `x^2`, not `x**2`".into());
    }
    let trimmed = line.trim_start();
    if let Some(rest) = trimmed.strip_prefix('d') {
        let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
        let after = rest[name.len()..].trim_start();
        if !name.is_empty() && after.starts_with("/dt") {
            return Some(format!("a derivative is written with a prime: `{name}' = ...`, not `d{name}/dt = ...`"));
        }
    }
    let first: String = trimmed.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
    let at_first_word = line_start + (line.len() - trimmed.len()) == pos && first == found;
    let next_is_name = trimmed[first.len()..].trim_start().starts_with(|c: char| c.is_alphabetic() || c == '_');
    if at_first_word && next_is_name && first.chars().count() >= 3 && !KEYWORDS.contains(&first.as_str()) {
        let close = KEYWORDS
            .iter()
            .filter(|k| k.len() >= 3)
            .map(|k| (crate::diag::suggest::edit_distance(&first, k), *k))
            .filter(|(d, k)| *d <= 2 && *d < k.len() / 2 + 1)
            .min();
        if let Some((_, k)) = close {
            return Some(format!("did you mean the keyword `{k}`?"));
        }
    }
    None
}
