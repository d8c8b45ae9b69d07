//! The terminal side of the REPL: a rustyline editor with persisted history and completion of
//! `:commands` and the model's names (states, parameters, bases, functions, built-ins). Input:
//! keystrokes; output: complete inputs handed to [`super::handle`].

use super::commands::{Repl, COMMANDS};
use super::{handle, unclosed, Flow};
use rustyline::completion::{Completer, Pair};
use rustyline::error::ReadlineError;
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::history::DefaultHistory;
use rustyline::validate::Validator;
use rustyline::{Context, Editor, Helper};
use std::path::PathBuf;

/// Completion candidates, refreshed from the session after every input.
#[derive(Default)]
pub struct ReplHelper {
    /// Names to complete (model names and built-in functions).
    pub names: Vec<String>,
}

impl Completer for ReplHelper {
    type Candidate = Pair;

    fn complete(&self, line: &str, pos: usize, _ctx: &Context<'_>) -> rustyline::Result<(usize, Vec<Pair>)> {
        let start = line[..pos]
            .rfind(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
            .map_or(0, |i| i + line[i..].chars().next().map_or(1, char::len_utf8));
        let word = &line[start..pos];
        Ok((start, candidates(word, &self.names)))
    }
}

/// The commands (for a word starting with `:`) or names starting with `word`.
pub fn candidates(word: &str, names: &[String]) -> Vec<Pair> {
    let pair = |s: &str| Pair { display: s.to_string(), replacement: s.to_string() };
    if word.starts_with(':') {
        return COMMANDS.iter().filter(|c| c.starts_with(word)).map(|c| pair(c)).collect();
    }
    if word.is_empty() {
        return Vec::new();
    }
    let mut out: Vec<Pair> = names
        .iter()
        .map(String::as_str)
        .chain(BUILTINS.iter().copied())
        .filter(|n| n.starts_with(word))
        .map(pair)
        .collect();
    out.dedup_by(|a, b| a.display == b.display);
    out
}

/// Built-in functions and basis families.
const BUILTINS: &[&str] =
    &["sin", "cos", "tan", "exp", "log", "sqrt", "abs", "tanh", "poly", "fourier", "sparse", "mlp", "simulate", "csv"];

impl Hinter for ReplHelper {
    type Hint = String;
}
impl Highlighter for ReplHelper {}
impl Validator for ReplHelper {}
impl Helper for ReplHelper {}

/// The history file: `--history`, else `$XDG_STATE_HOME/mechc/history`, else `~/.mechc_history`.
fn history_path(explicit: Option<PathBuf>) -> Option<PathBuf> {
    if explicit.is_some() {
        return explicit;
    }
    if let Some(state) = std::env::var_os("XDG_STATE_HOME").filter(|s| !s.is_empty()) {
        return Some(PathBuf::from(state).join("mechc").join("history"));
    }
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".mechc_history"))
}

/// The terminal loop; returns the exit code.
pub fn interactive(repl: &mut Repl, history: Option<PathBuf>) -> u8 {
    let mut ed: Editor<ReplHelper, DefaultHistory> = match Editor::new() {
        Ok(e) => e,
        Err(e) => {
            eprintln!("error: cannot start the line editor: {e}");
            return crate::cli::EXIT_INTERNAL;
        }
    };
    super::install_ctrl_c();
    ed.set_helper(Some(ReplHelper { names: repl.session.names() }));
    let hist = history_path(history);
    if let Some(h) = &hist {
        // A missing history file is the first session, not an error.
        let _ = ed.load_history(h);
    }
    println!("mechc repl: :help lists the commands, :quit leaves");
    let mut buffer = String::new();
    loop {
        let prompt = if buffer.is_empty() { "> " } else { ". " };
        match ed.readline(prompt) {
            Ok(line) => {
                buffer.push_str(&line);
                buffer.push('\n');
                if unclosed(&buffer) {
                    continue;
                }
                let input = std::mem::take(&mut buffer);
                let _ = ed.add_history_entry(input.trim_end());
                if handle(repl, &input) == Flow::Quit {
                    break;
                }
                if let Some(h) = ed.helper_mut() {
                    h.names = repl.session.names();
                }
            }
            // Ctrl-C at the prompt drops the pending input; Ctrl-D leaves.
            Err(ReadlineError::Interrupted) => buffer.clear(),
            Err(ReadlineError::Eof) => break,
            Err(e) => {
                eprintln!("error: {e}");
                break;
            }
        }
    }
    save_history(&mut ed, hist.as_ref());
    crate::cli::EXIT_OK
}

fn save_history(ed: &mut Editor<ReplHelper, DefaultHistory>, path: Option<&PathBuf>) {
    let Some(p) = path else { return };
    if let Some(dir) = p.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    if let Err(e) = ed.save_history(p) {
        eprintln!("warning: cannot save history to {}: {e}", p.display());
    }
}
