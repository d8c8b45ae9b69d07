//! Tests of `mechc bench pde` (`mechc::bench::pde`): the cases' options, the PySINDy output
//! parser and its scoring, and the harness end to end on one case without Python (the PySINDy
//! side is then skipped, and the table says why).

use std::path::{Path, PathBuf};

use mechc::bench::pde::{run_pde, table, PdeArgs};
use mechc::bench::pde_cases::cases;
use mechc::bench::pysindy_pde::parse;
use mechc::bench::BenchError;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn args(cases: Option<&[&str]>, python: Option<&str>, out: &Path) -> PdeArgs {
    PdeArgs {
        out: Some(out.to_path_buf()),
        cases: cases.map(|c| c.iter().map(|s| s.to_string()).collect()),
        python: python.map(PathBuf::from),
        no_pysindy: false,
    }
}

#[test]
fn unknown_case_is_refused_with_the_list() {
    let out = std::env::temp_dir();
    match args(Some(&["burgers_0", "nope"]), None, &out).config(root()) {
        Err(BenchError::Config(m)) => assert!(m.contains("`nope`") && m.contains("kdv1_1"), "{m}"),
        other => panic!("expected a configuration error, got {other:?}"),
    }
}

#[test]
fn every_case_has_a_truth_in_its_library_notation() {
    for c in cases() {
        assert!(!c.truth.is_empty(), "{}", c.name);
        // The simulation model carries the noise line only when there is noise.
        assert_eq!(c.simulation_model().contains("noise"), c.noise > 0.0, "{}", c.name);
    }
}

#[test]
fn pysindy_output_is_parsed_and_scored() {
    let case = cases().into_iter().find(|c| c.name == "burgers_0").unwrap();
    let files = vec![(case, PathBuf::from("burgers_0.csv"))];
    let json = r#"{"pysindy": "2.1.0", "results": [
        {"case": "burgers_0", "variant": "pysindy-weak", "terms": ["1", "u", "u*u_x", "u_xx"],
         "coefficients": [0.0, 0.0, -0.99, 0.1], "wall_s": 0.5, "cpu_s": 0.4, "error": null},
        {"case": "burgers_0", "variant": "pysindy-pde-find", "terms": ["u*u_x", "u_xx", "u^2"],
         "coefficients": [-1.0, 0.1, 0.2], "wall_s": 0.1, "cpu_s": 0.1, "error": null}]}"#;
    let (version, recs) = parse(json, &files).expect("parses");
    assert_eq!(version, "2.1.0");
    let weak = recs[0].score.as_ref().unwrap();
    assert!(weak.exact_support && (weak.max_rel_error - 0.01).abs() < 1e-12, "{weak:?}");
    let fd = recs[1].score.as_ref().unwrap();
    assert!(!fd.exact_support && fd.extra == 1 && fd.terms_kept == 3, "{fd:?}");
    // A table whose terms and coefficients disagree in length is refused.
    let bad = json.replace("[0.0, 0.0, -0.99, 0.1]", "[0.0]");
    assert!(matches!(parse(&bad, &files), Err(BenchError::PySindy(_))));
}

#[test]
fn harness_runs_mechc_without_python_and_says_pysindy_was_skipped() {
    let out = std::env::temp_dir().join(format!("mechc-bench-pde-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let cfg = args(Some(&["burgers_0"]), Some("/nonexistent/python"), &out).config(root()).expect("config");
    let report = run_pde(&cfg, &mut |_| {}).expect("runs");
    assert!(report.pysindy.as_ref().is_err_and(|e| e.contains("no Python interpreter")), "{:?}", report.pysindy);
    assert_eq!(report.records.len(), 1);
    let r = &report.records[0];
    let s = r.score.as_ref().unwrap_or_else(|| panic!("{:?}", r.error));
    // The generating equation: u' = -u*u_x + 0.1*u_xx.
    assert!(s.exact_support && s.max_rel_error < 0.01, "{s:?}");
    assert!(r.wall_s.is_some() && out.join("burgers_0.csv").is_file() && out.join("results.json").is_file());
    let t = table(&report);
    assert!(t.contains("Burgers, clean") && t.contains("exact") && t.contains("skipped"), "{t}");
    std::fs::remove_dir_all(&out).ok();
}
