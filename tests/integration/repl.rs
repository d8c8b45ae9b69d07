//! `mechc repl` scripted through piped stdin (declarations, a refused declaration, `:run`,
//! `:eqs`, `:save`, `:undo`), the pieces of the session it rests on (replacement keys, undo,
//! block continuation, completion), and the README's diagnostic-codes table kept in step with
//! `src/diag/codes.rs`.

use crate::bin::{mechc_in, Run};
use mechc::cli::repl::session::Session;
use mechc::cli::repl::{dispatch, unclosed};

/// A 2-state linear oscillator simulated without noise (501 points), discovered from a linear
/// basis, with a refused equation (unknown name) in the middle.
const SCRIPT: &str = "\
model spiral
state x, y
data train = simulate {
    x' = -0.1*x + 2*y
    y' = -2*x - 0.1*y
    init x = 2, y = 0
    time 0 .. 5 step 0.01
    seed 1
}
basis lin = poly(x, y, degree = 1)
x' = sparse(lin)
y' = sparse(lin, keep = {zz})
:show
y' = sparse(lin)
:check
:run
:eqs
:save saved.mech
:undo
:show
:nonsense
:quit
";

/// The transcript with what varies between machines replaced: the fit's wall time, and numbers
/// at round-off level (the data are clean, so standard errors and residuals are round-off).
fn redact(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let line = match (line.rfind(", "), line.rfind(" s)")) {
            (Some(a), Some(b)) if a < b && line[a + 2..b].parse::<f64>().is_ok() => {
                format!("{}, [TIME] s){}", &line[..a], &line[b + 3..])
            }
            _ => line.to_string(),
        };
        let words: Vec<String> = line
            .split(' ')
            .map(|w| {
                let core = w.trim_end_matches([',', ')', ';', '%']);
                match core.parse::<f64>() {
                    Ok(v) if core.contains("e-") && v.abs() < 1e-6 => w.replacen(core, "[ROUND-OFF]", 1),
                    _ => w.to_string(),
                }
            })
            .collect();
        out.push_str(&words.join(" "));
        out.push('\n');
    }
    out
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("mechc-repl-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn scripted_session_discovers_saves_and_refuses_errors() {
    let dir = temp_dir("script");
    let (code, stdout, stderr) = mechc_in(&dir, &["repl"], SCRIPT);
    let ok = code == 0;
    assert!(ok, "repl failed: {stderr}");
    assert!(stderr.is_empty(), "unexpected stderr: {stderr}");
    // The temporary directory's path differs per run; the transcript is otherwise deterministic
    // (seeded data, no timings printed).
    let transcript = redact(&stdout.replace(&dir.to_string_lossy().into_owned(), "[DIR]"));
    insta::with_settings!({snapshot_path => "snapshots", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!("repl_transcript", transcript);
    });
    // The refused equation left the model without `y'`: the first :show ends at `x' = ...`.
    let shows: Vec<&str> = transcript.split("> model spiral").skip(1).collect();
    assert_eq!(shows.len(), 2, "two :show outputs expected");
    assert!(!shows[0].contains("y' = sparse"), "refused declaration leaked into the model");
    assert!(transcript.contains("not applied: the model is unchanged"));
    // `:save` wrote a model that `mechc check` accepts, and the undo after it did not touch the file.
    let (code, _, check_err) = mechc_in(&dir, &["check", "saved.mech"], "");
    let clean = code == 0;
    assert!(clean, "saved model does not check: {check_err}");
    let saved = std::fs::read_to_string(dir.join("saved.mech")).unwrap();
    assert!(saved.contains("y' = sparse(lin)"));
    // No temporary model is left behind.
    let left: Vec<_> = std::fs::read_dir(&dir).unwrap().filter_map(|e| e.ok()).map(|e| e.file_name()).collect();
    assert_eq!(left, vec![std::ffi::OsString::from("saved.mech")]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn load_then_run_resolves_paths_beside_the_file() {
    let dir = temp_dir("load");
    let (_, stdout, _) = mechc_in(&dir, &["repl"], SCRIPT);
    assert!(stdout.contains("saved saved.mech"));
    let other = temp_dir("load-elsewhere");
    let file = dir.join("saved.mech");
    let (code, stdout, stderr) = mechc_in(&other, &["repl", &file.to_string_lossy()], ":run\n:plot fit.svg\n");
    let ok = code == 0;
    assert!(ok, "{stderr}");
    assert!(stdout.contains("loaded 6 declaration(s)"), "{stdout}");
    assert!(!stdout.contains("Error"), "the saved model loads clean: {stdout}");
    assert!(stdout.contains("x' = -0.1*x + 2*y"), "{stdout}");
    let svg = std::fs::read_to_string(other.join("fit.svg")).unwrap();
    assert!(svg.starts_with("<svg") || svg.contains("<svg"));
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&other);
}

#[test]
fn loading_a_model_with_errors_shows_them() {
    let dir = temp_dir("load-errors");
    std::fs::write(dir.join("bad.mech"), "state x\nx' = -k*x\n").unwrap();
    let (code, stdout, _) = mechc_in(&dir, &["repl", "bad.mech"], ":show\n");
    let ok = code == 0;
    assert!(ok);
    assert!(stdout.contains("loaded 2 declaration(s)") && stdout.contains("unknown name `k`"), "{stdout}");
    assert!(stdout.contains("x' = -k*x"), "the model is loaded to be fixed: {stdout}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn declarations_replace_by_key_and_undo_restores() {
    let mut s = Session::new(std::env::temp_dir());
    s.apply("state x\nparam k = 1").ok().unwrap();
    s.apply("x' = -k*x").ok().unwrap();
    let (changes, _) = s.apply("param k = 2").ok().unwrap();
    assert_eq!(changes, vec!["replaced param k".to_string()]);
    assert_eq!(s.decls.len(), 3);
    assert!(s.text().contains("param k = 2") && !s.text().contains("param k = 1"));
    assert!(s.apply("x' = -q*x").is_err(), "unknown name must be refused");
    assert!(s.text().contains("x' = -k*x"));
    assert!(s.undo());
    assert!(s.text().contains("param k = 1"));
}

#[test]
fn an_open_brace_continues_the_input() {
    assert!(unclosed("data d = simulate {\n"));
    assert!(!unclosed("fit { rounds = 2 }\n"));
    assert!(!unclosed("x' = 1 # {\n"), "braces in comments do not count");
}

#[test]
fn commands_and_names_complete() {
    let names = vec!["x".to_string(), "xi".to_string(), "lin".to_string()];
    let c = |w: &str| {
        mechc::cli::repl::editor::candidates(w, &names).into_iter().map(|p| p.replacement).collect::<Vec<_>>()
    };
    assert_eq!(c(":s"), vec![":show", ":save"]);
    assert_eq!(c("x"), vec!["x", "xi"]);
    assert_eq!(c("si"), vec!["sin", "simulate"]);
    assert!(c("").is_empty());
}

#[test]
fn unknown_and_incomplete_commands_are_answered() {
    let mut repl = mechc::cli::repl::commands::Repl::new(std::env::temp_dir(), false);
    assert!(dispatch(&mut repl, ":frobnicate").0.contains("unknown command"));
    assert!(dispatch(&mut repl, ":save").0.contains("needs a file name"));
    assert!(dispatch(&mut repl, ":eqs").0.contains("no equations yet"));
    assert_eq!(dispatch(&mut repl, ":quit").1, mechc::cli::repl::Flow::Quit);
}

#[test]
fn piped_sessions_keep_no_history() {
    let dir = temp_dir("history");
    let (_, stdout, _) = Run::new(&["repl"])
        .dir(&dir)
        .env("HOME", &dir)
        .env("XDG_STATE_HOME", dir.join("state"))
        .stdin("state x\n:quit\n")
        .go();
    assert!(stdout.contains("added state"));
    let files: Vec<_> = std::fs::read_dir(&dir).unwrap().filter_map(|e| e.ok()).map(|e| e.file_name()).collect();
    assert!(files.is_empty(), "a piped session wrote {files:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn run_trains_from_memory_without_writing_a_file() {
    // The base directory does not exist: `:run` must not need to write anything into it.
    let base = std::env::temp_dir().join(format!("mechc-repl-nowhere-{}", std::process::id())).join("missing");
    let mut repl = mechc::cli::repl::commands::Repl::new(base.clone(), false);
    let model = SCRIPT.split(":show").next().unwrap().replace("y' = sparse(lin, keep = {zz})\n", "y' = sparse(lin)\n");
    repl.declare(&model);
    let out = dispatch(&mut repl, ":run").0;
    assert!(out.contains("x' = -0.1*x + 2*y") && out.contains("y' = -2*x - 0.1*y"), "{out}");
    assert!(!base.exists(), "`:run` created {}", base.display());
}

/// A refused declaration shows only the error it brought, not those of the unfinished rest of
/// the model; `:run` shows the report with the fitted parameters and `:params` lists them.
#[test]
fn refusals_show_only_the_new_error_and_runs_show_parameters() {
    let mut repl = mechc::cli::repl::commands::Repl::new(std::env::temp_dir(), false);
    for line in ["model decay", "state x, y", "param k = 1 in (0, 5)"] {
        dispatch(&mut repl, line);
    }
    // `y` has no equation yet (an error elsewhere); the refused line has an unknown name.
    let out = dispatch(&mut repl, "x' = -q*x").0;
    assert!(out.contains("unknown name `q`") && out.contains("not applied"), "{out}");
    assert!(!out.contains("`y`"), "the unfinished model's errors are repeated: {out}");
    for line in [
        "state x",
        "x' = -k*x",
        "data d = simulate { x' = -0.5*x  init x = 2  time 0 .. 10 step 0.01  noise 1%  seed 1 }",
    ] {
        dispatch(&mut repl, line);
    }
    assert!(dispatch(&mut repl, ":params").0.contains("no parameters yet"));
    let run = dispatch(&mut repl, ":run").0;
    assert!(run.contains("x' = -k*x") && run.contains("params: k = 0.5") && run.contains(" ± "), "{run}");
    assert!(run.contains("train rmse (data vs denoised)"), "{run}");
    let params = dispatch(&mut repl, ":params").0;
    assert!(params.starts_with("  params: k = 0.5") && params.contains(" ± "), "{params}");
    assert!(dispatch(&mut repl, ":eqs").0.contains("params: k = "));
}
