//! Fixtures under `tests/cases/{parse,check}/{ok,err}`: each declares its expected codes in a
//! `# expect: E0xx, ...` header (or `ok`), optionally `# at: TEXT`, the exact text the first
//! expected diagnostic must point at, and any number of `# help: TEXT` lines, text the rendered
//! diagnostics must contain (a help or note the fixture is about). Error fixtures' rendered
//! diagnostics (colour off) are snapshots.

use super::{check_text, mech_files, rel};
use mechc::diag::render::render_text;

/// The header values of a fixture: expected codes, the expected primary-label text, and texts
/// the rendered diagnostics must contain.
fn header(text: &str) -> (Vec<String>, Option<String>, Vec<String>) {
    let mut codes = Vec::new();
    let mut at = None;
    let mut helps = Vec::new();
    for line in text.lines().take_while(|l| l.starts_with('#')) {
        if let Some(rest) = line.strip_prefix("# expect:") {
            codes = rest.split(',').map(|c| c.trim().to_string()).filter(|c| c != "ok").collect();
        } else if let Some(rest) = line.strip_prefix("# at: ") {
            at = Some(rest.to_string());
        } else if let Some(rest) = line.strip_prefix("# help: ") {
            helps.push(rest.to_string());
        }
    }
    (codes, at, helps)
}

/// Checks one fixture and returns its rendered diagnostics, or a description of what is wrong.
fn run_fixture(path: &std::path::Path, expect_errors: bool) -> Result<String, String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let (codes, at, helps) = header(&text);
    let (sources, model, diags) = check_text(&rel(path), &text);
    let found: Vec<&str> = diags.iter().map(|d| d.code.0).collect();
    let errors: Vec<&str> = diags.iter().filter(|d| d.is_error()).map(|d| d.code.0).collect();
    if expect_errors && model.is_some() {
        return Err(format!("expected errors {codes:?}, but the model checked"));
    }
    if !expect_errors && !errors.is_empty() {
        return Err(format!("expected no errors, found {found:?}"));
    }
    let mut want: Vec<&str> = codes.iter().map(String::as_str).collect();
    let mut got: Vec<&str> = if expect_errors { errors } else { found.clone() };
    want.sort_unstable();
    want.dedup();
    got.sort_unstable();
    got.dedup();
    if want != got {
        return Err(format!("expected codes {want:?}, found {found:?}"));
    }
    if let (Some(at), Some(code)) = (at, codes.first()) {
        let d = diags.iter().find(|d| d.code.0 == code).expect("code present");
        let span = d.primary_span().ok_or("no primary label")?;
        let slice = sources.slice(span);
        if slice != at {
            return Err(format!("{code} points at {slice:?}, expected {at:?}"));
        }
    }
    let rendered = render_text(&diags, &sources, false);
    if let Some(h) = helps.iter().find(|h| !rendered.contains(h.as_str())) {
        return Err(format!("the diagnostics do not say {h:?}:\n{rendered}"));
    }
    Ok(rendered)
}

fn run_dir(dir: &str, expect_errors: bool, snapshot: bool) -> usize {
    let files = mech_files(dir);
    let mut failures = Vec::new();
    for f in &files {
        match run_fixture(f, expect_errors) {
            Ok(rendered) if snapshot => {
                let name = rel(f).trim_start_matches("tests/cases/").trim_end_matches(".mech").replace('/', "__");
                insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false}, {
                    insta::assert_snapshot!(name, rendered);
                });
            }
            Ok(_) => {}
            Err(e) => failures.push(format!("{}: {e}", rel(f))),
        }
    }
    assert!(failures.is_empty(), "fixture failures:\n{}", failures.join("\n"));
    files.len()
}

#[test]
fn parse_error_fixtures() {
    assert!(run_dir("tests/cases/parse/err", true, true) >= 10);
}

#[test]
fn check_error_fixtures() {
    assert!(run_dir("tests/cases/check/err", true, true) >= 30);
}

#[test]
fn ok_fixtures_check_clean() {
    let n = run_dir("tests/cases/parse/ok", false, false) + run_dir("tests/cases/check/ok", false, false);
    assert!(n >= 10);
}

#[test]
fn warning_fixtures_render() {
    for f in mech_files("tests/cases/check/ok") {
        let text = std::fs::read_to_string(&f).unwrap();
        if header(&text).0.is_empty() {
            continue;
        }
        let rendered = run_fixture(&f, false).unwrap_or_else(|e| panic!("{e}"));
        let name = rel(&f).trim_start_matches("tests/cases/").trim_end_matches(".mech").replace('/', "__");
        insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false}, {
            insta::assert_snapshot!(name, rendered);
        });
    }
}

/// Every code in the table has at least one fixture expecting it (a `.mech` fixture's header, or,
/// for codes about the command line and files, an assertion `err.contains("E0xx")` in the
/// reliability tests).
#[test]
fn every_code_has_a_fixture() {
    let mut expected = Vec::new();
    for dir in [
        "tests/cases/parse/err",
        "tests/cases/check/err",
        "tests/cases/check/ok",
        "tests/cases/run/err",
        "tests/cases/run/warn",
        "tests/cases/run/warn_fields",
    ] {
        for f in mech_files(dir) {
            expected.extend(header(&std::fs::read_to_string(f).unwrap()).0);
        }
    }
    for f in std::fs::read_dir("tests/integration/reliability").unwrap().flatten() {
        let text = std::fs::read_to_string(f.path()).unwrap();
        for piece in text.split("contains(\"").skip(1) {
            expected.push(piece.chars().take(4).collect());
        }
    }
    let missing: Vec<&str> =
        mechc::diag::codes::CODES.iter().map(|c| c.code).filter(|c| !expected.iter().any(|e| e == c)).collect();
    assert!(missing.is_empty(), "codes without a fixture: {missing:?}");
}

#[test]
fn examples_check_clean() {
    let files = mech_files("examples");
    assert!(files.len() >= 6);
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let (sources, model, diags) = check_text(&rel(&f), &text);
        assert!(model.is_some() && diags.is_empty(), "{}:\n{}", rel(&f), render_text(&diags, &sources, false));
    }
}

#[test]
fn stdlib_checks_clean() {
    for (name, text) in [("prelude.mech", mechc::check::STDLIB_PRELUDE), ("systems.mech", mechc::check::STDLIB_SYSTEMS)]
    {
        let (sources, model, diags) = check_text(name, text);
        assert!(model.is_some() && diags.is_empty(), "{name}:\n{}", render_text(&diags, &sources, false));
    }
}
