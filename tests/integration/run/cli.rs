//! The `mechc run` and `mechc simulate` command lines: exit codes, messages, CSV output
//! (header, rows, reproducibility) and atomic writes.

use crate::bin::mechc;
use std::path::PathBuf;

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("run-cli");
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    let _ = std::fs::remove_file(&p);
    p
}

/// A neural term under a method that does not train it: exit 1, the term named, nothing on
/// standard output.
#[test]
fn neural_term_under_sindy_is_refused() {
    let (code, out, err) = mechc(&["run", "tests/cases/run/err/mlp.mech"]);
    assert_eq!(code, 1);
    assert!(out.is_empty());
    assert!(err.contains("E045") && err.contains("method = sindy") && err.contains("mlp(x; hidden = [4])"), "{err}");
}

#[test]
fn run_errors_exit_1_and_write_nothing() {
    let json = scratch("never.json");
    let (code, _, err) = mechc(&["run", "tests/cases/run/err/ragged.mech", "--json", json.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(err.contains("E042") && err.contains("ragged.csv:3:"), "{err}");
    assert!(!json.exists());
    let (code, _, err) = mechc(&["run", "no/such/model.mech"]);
    assert_eq!(code, 1);
    assert!(err.contains("cannot read"), "{err}");
}

#[test]
fn simulate_writes_csv_reproducibly() {
    let (code, out, _) = mechc(&["simulate", "examples/lorenz.mech"]);
    assert_eq!(code, 0);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "t,x,y,z");
    assert_eq!(lines.len(), 1 + 5001);
    let file = scratch("lorenz.csv");
    let (code, _, err) = mechc(&["simulate", "examples/lorenz.mech", "-o", file.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), out);
    // No temporary file is left next to the output.
    let leftovers = std::fs::read_dir(file.parent().unwrap())
        .unwrap()
        .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().ends_with(".tmp"))
        .count();
    assert_eq!(leftovers, 0);
}

#[test]
fn simulate_several_trajectories_has_a_trajectory_column() {
    let (code, out, _) = mechc(&["simulate", "examples/logistic.mech"]);
    assert_eq!(code, 0);
    let header = out.lines().next().unwrap();
    assert_eq!(header, "trajectory,t,u");
    let first = out.lines().nth(1).unwrap();
    assert!(first.starts_with("train/1,0,"), "{first}");
}

#[test]
fn simulate_failures_are_coded() {
    let file = scratch("blowup.csv");
    let (code, _, err) = mechc(&["simulate", "tests/cases/run/err/sim_blowup.mech", "-o", file.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(err.contains("E044"), "{err}");
    assert!(!file.exists());
    let (code, _, err) = mechc(&["simulate", "examples/lotka_volterra.mech"]);
    assert_eq!(code, 1);
    assert!(err.contains("E039"), "{err}");
}

#[test]
fn a_library_file_has_nothing_to_run_or_simulate() {
    for command in ["run", "simulate"] {
        let (code, out, err) = mechc(&[command, "tests/cases/run/err/library.mech"]);
        assert_eq!(code, 1, "{command}: {err}");
        assert!(out.is_empty(), "{command}: {out}");
        assert!(err.contains("E038") && err.contains("declares no states"), "{command}: {err}");
        assert!(!err.contains("panicked"), "{command}: {err}");
    }
}
