//! Run-stage fixtures under `tests/cases/run/err`: models that check clean but fail at data
//! loading, the pre-training checks or training. Each declares `# expect: CODE` and `# at: TEXT`
//! (the text the diagnostic's primary label must point at); rendered diagnostics are snapshots.

use super::mech_files;
use mechc::diag::render::render_text;
use mechc::pipeline::{fit_diagnostic, train, Failure, TrainOptions};

fn header(text: &str, key: &str) -> Option<String> {
    text.lines().take_while(|l| l.starts_with('#')).find_map(|l| l.strip_prefix(key).map(|r| r.trim().to_string()))
}

/// Runs the pipeline up to and including training; the rendered diagnostics and their codes
/// with the text of the first one's primary span.
fn run_fixture(path: &std::path::Path) -> Result<(String, Vec<String>, String), String> {
    let (sources, prepared) = super::prepare(path.to_str().unwrap());
    let p = match prepared {
        Err(Failure::User(diags)) => {
            let first = diags.iter().find(|d| d.is_error()).ok_or("no error")?;
            let at = first.primary_span().map(|s| sources.slice(s).to_string()).unwrap_or_default();
            let codes = diags.iter().filter(|d| d.is_error()).map(|d| d.code.0.to_string()).collect();
            return Ok((render_text(&diags, &sources, false), codes, at));
        }
        Err(Failure::Internal(m)) => return Err(format!("internal failure: {m}")),
        Ok(p) => p,
    };
    match train(&p, &TrainOptions { seed: Some(0), ..TrainOptions::default() }) {
        Ok(_) => Err("the run succeeded".into()),
        Err(d) => {
            let at = d.primary_span().map(|s| sources.slice(s).to_string()).unwrap_or_default();
            Ok((render_text(std::slice::from_ref(&d), &sources, false), vec![d.code.0.to_string()], at))
        }
    }
}

#[test]
fn run_error_fixtures() {
    let files = mech_files("tests/cases/run/err");
    assert!(files.len() >= 12);
    let mut failures = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let want = header(&text, "# expect:").expect("fixture header");
        let at = header(&text, "# at:");
        match run_fixture(f) {
            Ok((rendered, codes, found_at)) => {
                if codes != [want.clone()] {
                    failures.push(format!("{}: expected {want}, found {codes:?}", f.display()));
                }
                if at.as_ref().is_some_and(|a| *a != found_at) {
                    failures.push(format!("{}: points at {found_at:?}, expected {at:?}", f.display()));
                }
                let name = format!("run__err__{}", f.file_stem().unwrap().to_string_lossy());
                insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false}, {
                    insta::assert_snapshot!(name, rendered);
                });
            }
            Err(e) => failures.push(format!("{}: {e}", f.display())),
        }
    }
    assert!(failures.is_empty(), "fixture failures:\n{}", failures.join("\n"));
}

/// Every training failure maps to its code, pointing at the span the error carries.
#[test]
fn fit_errors_map_to_codes() {
    use mechc::fit::FitError;
    let (_, model, ir) = super::checked("examples/lorenz.mech");
    let span = ir.terms[1].span.or(ir.equations[0].span).unwrap();
    let cases = [
        (FitError::Unsupported { what: "x".into(), span: Some(span) }, "E045"),
        (FitError::NonFinite { term: "x".into(), span: Some(span), value: f64::NAN, trajectory: 0, time: 1.0 }, "E046"),
        (FitError::Diverged { round: 1, loss: f64::INFINITY }, "E047"),
        (FitError::Singular { detail: "window 3".into() }, "E047"),
        (FitError::Data("too short".into()), "E047"),
    ];
    for (e, code) in cases {
        let d = fit_diagnostic(&e, &model);
        assert_eq!(d.code.0, code, "{e}");
        assert!(d.message.contains(&e.to_string()) || d.message.contains("not supported"), "{}", d.message);
    }
    let d = fit_diagnostic(&FitError::Unsupported { what: "x".into(), span: Some(span) }, &model);
    assert_eq!(d.primary_span(), Some(span));
}
