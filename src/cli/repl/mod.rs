//! `mechc repl [FILE]`: an interactive session over one model. Lines come from rustyline on a
//! terminal (history, completion) or from stdin when piped (a plain `> ` prompt, no echo, so it
//! can be scripted); a line with an unclosed `{` continues on the next. Each complete input is a
//! `:command` or declarations, dispatched to [`commands::Repl`]; everything is printed to stdout.

pub mod commands;
pub mod editor;
pub mod session;

use commands::{Repl, HELP};
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

/// What one input asks of the loop.
#[derive(Debug, PartialEq, Eq)]
pub enum Flow {
    /// Go on reading.
    Continue,
    /// Leave the REPL.
    Quit,
}

/// Runs `mechc repl`; `file` is loaded first, `history` overrides the history file.
pub fn run(file: Option<&Path>, history: Option<PathBuf>) -> u8 {
    let interactive = std::io::stdin().is_terminal();
    let base = std::env::current_dir().unwrap_or_default();
    let mut repl = Repl::new(base, interactive && crate::diag::render::use_color());
    if let Some(f) = file {
        print!("{}", repl.load(&f.to_string_lossy()));
    }
    if interactive {
        editor::interactive(&mut repl, history)
    } else {
        install_ctrl_c();
        piped(&mut repl)
    }
}

/// Reads stdin line by line (no terminal): `> ` before each input, nothing echoed.
fn piped(repl: &mut Repl) -> u8 {
    let stdin = std::io::stdin();
    let mut lines = stdin.lock().lines();
    let mut buffer = String::new();
    loop {
        if buffer.is_empty() {
            print!("> ");
            let _ = std::io::stdout().flush();
        }
        let Some(Ok(line)) = lines.next() else { break };
        buffer.push_str(&line);
        buffer.push('\n');
        if unclosed(&buffer) {
            continue;
        }
        let input = std::mem::take(&mut buffer);
        if handle(repl, &input) == Flow::Quit {
            return crate::cli::EXIT_OK;
        }
    }
    println!();
    crate::cli::EXIT_OK
}

/// Whether `text` has more `{` than `}` outside comments and strings (a block goes on).
pub fn unclosed(text: &str) -> bool {
    let mut depth = 0i64;
    for line in text.lines() {
        let mut in_str = false;
        for c in line.chars() {
            match c {
                '"' => in_str = !in_str,
                '#' if !in_str => break,
                '{' if !in_str => depth += 1,
                '}' if !in_str => depth -= 1,
                _ => {}
            }
        }
    }
    depth > 0
}

/// Handles one complete input and prints its output.
pub fn handle(repl: &mut Repl, input: &str) -> Flow {
    let (out, flow) = dispatch(repl, input);
    print!("{out}");
    let _ = std::io::stdout().flush();
    flow
}

/// The output of one input, and whether to go on.
pub fn dispatch(repl: &mut Repl, input: &str) -> (String, Flow) {
    let trimmed = input.trim();
    if trimmed.is_empty() || trimmed.starts_with('#') {
        return (String::new(), Flow::Continue);
    }
    if !trimmed.starts_with(':') {
        return (repl.declare(input), Flow::Continue);
    }
    let (cmd, arg) = trimmed.split_once(char::is_whitespace).map_or((trimmed, ""), |(c, a)| (c, a.trim()));
    let needs_file =
        |f: &dyn Fn(&str) -> String| if arg.is_empty() { format!("{cmd} needs a file name\n") } else { f(arg) };
    let out = match cmd {
        ":help" | ":h" => HELP.to_string(),
        ":show" => repl.session.formatted(),
        ":check" => repl.check(),
        ":run" => repl.run(),
        ":eqs" => repl.eqs(),
        ":params" => repl.params(),
        ":plot" => needs_file(&|f| repl.plot(f)),
        ":save" => needs_file(&|f| repl.save(f)),
        ":load" => {
            if arg.is_empty() {
                format!("{cmd} needs a file name\n")
            } else {
                repl.load(arg)
            }
        }
        ":undo" => repl.undo(),
        ":quit" | ":q" | ":exit" => return (String::new(), Flow::Quit),
        _ => format!("unknown command {cmd}: :help lists the commands\n"),
    };
    (out, Flow::Continue)
}

/// The REPL's cancel flag, set by Ctrl-C while training (rustyline reads Ctrl-C at the prompt as
/// a key). The handler is installed by [`install_ctrl_c`].
pub(crate) fn cancel_flag() -> &'static AtomicBool {
    static FLAG: AtomicBool = AtomicBool::new(false);
    &FLAG
}

/// Installs the Ctrl-C handler that sets [`cancel_flag`]. It must come after the line editor is
/// created: rustyline's terminal replaces the SIGINT handler when it starts (and restores the
/// earlier one only when it ends), so a handler installed before it would never run.
pub(crate) fn install_ctrl_c() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        // Without a handler Ctrl-C ends the process as usual; the REPL still works.
        let _ = ctrlc::set_handler(|| {
            cancel_flag().store(true, Ordering::SeqCst);
            eprintln!("\ninterrupted: stopping training");
        });
    });
}
