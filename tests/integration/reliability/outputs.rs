//! Outputs: checked before any work (`E056`), written atomically or streamed into a device,
//! never replacing an input, a directory or a symbolic link; write failures are `E057`, exit 1.

use super::{put, scratch_dir, SMALL};
use crate::bin::mechc;

#[test]
fn an_output_naming_the_input_model_is_refused_before_work() {
    let dir = scratch_dir("output-is-input");
    let model = put(&dir, "m.mech", SMALL);
    for flag in ["--json", "--emit-model"] {
        let (code, out, err) = mechc(&["run", &model, flag, &model]);
        assert_eq!(code, 1, "{err}");
        assert!(err.contains("E056") && err.contains("never replaces"), "{err}");
        assert!(out.is_empty(), "no training happened: {out}");
        assert_eq!(std::fs::read_to_string(&model).unwrap(), SMALL);
    }
    // The data file of the model is an input too.
    let csv = put(&dir, "d.csv", "t,x\n0,1\n0.1,0.9\n0.2,0.8\n0.3,0.7\n0.4,0.6\n0.5,0.5\n0.6,0.4\n0.7,0.3\n");
    let m2 = put(&dir, "c.mech", "model c\nstate x\ndata d = csv \"d.csv\"\nx' = sparse({x})\n");
    let (code, _, err) = mechc(&["run", &m2, "--json", &csv]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("E056"), "{err}");
    assert!(std::fs::read_to_string(&csv).unwrap().starts_with("t,x\n"));
}

#[test]
fn a_bad_plot_extension_fails_before_training_and_keeps_old_outputs() {
    let dir = scratch_dir("plot-extension");
    let model = put(&dir, "m.mech", SMALL);
    let json = put(&dir, "report.json", "OLD");
    let pdf = dir.join("fit.pdf");
    let (code, out, err) = mechc(&["run", &model, "--json", &json, "--plot", pdf.to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("E056") && err.contains(".svg or .png"), "{err}");
    assert!(out.is_empty());
    assert_eq!(std::fs::read_to_string(&json).unwrap(), "OLD");
    let missing = dir.join("no/such/dir/r.json");
    let (code, _, err) = mechc(&["run", &model, "--json", missing.to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("E056") && err.contains("directory"), "{err}");
    let (code, _, err) = mechc(&["run", &model, "--json", dir.to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("E056") && err.contains("a directory"), "{err}");
}

#[test]
fn a_plot_selection_past_the_data_fails_before_training() {
    let dir = scratch_dir("plot-selection");
    let model = put(&dir, "m.mech", SMALL);
    let svg = dir.join("fit.svg");
    let (code, out, err) = mechc(&["run", &model, "--plot", svg.to_str().unwrap(), "--plot-trajectories", "1,7"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("E082") && err.contains("trajectory 7"), "{err}");
    assert!(out.is_empty() && !svg.exists(), "no training, no plot: {out}");
    let (code, _, err) = mechc(&["run", &model, "--plot-trajectories", "0"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("numbered from 1"), "{err}");
    let (code, _, err) = mechc(&["run", &model, "--report", dir.join("r.pdf").to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("E056") && err.contains(".html"), "{err}");
}

#[test]
fn json_dash_goes_to_stdout_and_devices_are_written_into() {
    let dir = scratch_dir("stdout");
    let model = put(&dir, "m.mech", SMALL);
    let (code, out, err) = mechc(&["run", &model, "--json", "-"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("stdout is the JSON report alone");
    assert!(v["equations"].is_array());
    assert!(err.contains("x' = "), "the text report goes to stderr: {err}");
    let (code, _, err) = mechc(&["run", &model, "--emit-model", "/dev/null", "-q"]);
    assert_eq!(code, 0, "{err}");
    use std::os::unix::fs::FileTypeExt;
    assert!(std::fs::metadata("/dev/null").unwrap().file_type().is_char_device());
    let (code, _, err) = mechc(&["run", &model, "--json", "/dev/full", "-q"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("E057") && err.contains("No space left"), "{err}");
    assert!(std::fs::metadata("/dev/full").unwrap().file_type().is_char_device());
}

#[test]
fn a_symlinked_output_keeps_its_link() {
    let dir = scratch_dir("symlink");
    let model = put(&dir, "m.mech", SMALL);
    let real = put(&dir, "real.json", "OLD");
    let link = dir.join("link.json");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let (code, _, err) = mechc(&["run", &model, "--json", link.to_str().unwrap(), "-q"]);
    assert_eq!(code, 0, "{err}");
    assert!(link.is_symlink());
    assert!(std::fs::read_to_string(&real).unwrap().starts_with('{'));
}

#[test]
fn fmt_write_is_atomic_refuses_non_regular_files_and_cleans_stale_temporaries() {
    let dir = scratch_dir("fmt-write");
    let model = put(&dir, "m.mech", "model   m\nstate x\nx'=-x\n");
    // A temporary left by a killed writer (a PID that cannot run: above the kernel's maximum).
    let stale = dir.join(".m.mech.mechc.4194305.0.tmp");
    std::fs::write(&stale, "partial").unwrap();
    let (code, _, err) = mechc(&["fmt", "--write", &model]);
    assert_eq!(code, 0, "{err}");
    assert!(std::fs::read_to_string(&model).unwrap().starts_with("model m\n"));
    assert!(!stale.exists(), "the stale temporary is removed");
    let leftovers: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().map(|e| e.file_name()).collect();
    assert_eq!(leftovers.len(), 1, "{leftovers:?}");
    let (code, _, err) = mechc(&["fmt", "--write", dir.to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("E056"), "{err}");
}

#[test]
fn usage_errors_exit_1_with_a_code_and_help_exits_0() {
    let (code, _, err) = mechc(&["run", "--no-such-flag", "x.mech"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.starts_with("error[E059]") && err.contains("E059"), "{err}");
    let (code, _, _) = mechc(&["check"]);
    assert_eq!(code, 1);
    let (code, out, _) = mechc(&["--help"]);
    assert_eq!(code, 0);
    assert!(out.contains("Usage"));
}

#[test]
fn a_non_utf8_argument_is_a_path_like_any_other() {
    use std::os::unix::ffi::OsStrExt;
    let dir = scratch_dir("latin1");
    let name = std::ffi::OsStr::from_bytes(b"donn\xe9es.mech");
    std::fs::write(dir.join(name), SMALL).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mechc"))
        .current_dir(&dir)
        .arg("check")
        .arg(name)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mechc"))
        .current_dir(&dir)
        .arg("check")
        .arg(std::ffi::OsStr::from_bytes(b"absent\xff.mech"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("E058"));
}

#[test]
fn a_closed_pipe_ends_output_quietly() {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let dir = scratch_dir("pipe");
    let big: String = (0..3_000).map(|i| format!("const c{i} = {i}\n")).collect();
    let model = put(&dir, "big.mech", &big);
    for args in [vec!["fmt", model.as_str()], vec!["check", "--emit", "ast", model.as_str()]] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_mechc"))
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = [0u8; 16];
        child.stdout.as_mut().unwrap().read_exact(&mut first).unwrap();
        drop(child.stdout.take());
        let mut err = String::new();
        child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
        let status = child.wait().unwrap();
        assert!(status.code() == Some(0) || status.code() == Some(1), "{args:?}: {status:?} {err}");
        assert!(!err.contains("internal"), "{err}");
    }
}

#[test]
fn per_trajectory_parameters_are_reported_per_trajectory() {
    let dir = scratch_dir("per-trajectory");
    let model = put(
        &dir,
        "lg.mech",
        "model lg\nstate p\nparam r = 1 per trajectory\ndata d = simulate { p' = 1.5*p*(1 - p)  init p = uniform(0.1, 0.3)  time 0 .. 5 step 0.05  trajectories 3  seed 4 }\np' = r*p*(1 - p)\n",
    );
    let json = dir.join("r.json");
    let (code, out, err) = mechc(&["run", &model, "--json", json.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let r = &v["parameters"][0];
    assert_eq!(r["name"], "r");
    let each = r["per_trajectory"].as_array().expect("one value per trajectory");
    assert_eq!(each.len(), 3);
    let mean = each.iter().map(|x| x["value"].as_f64().unwrap()).sum::<f64>() / 3.0;
    for x in each {
        let label = x["trajectory"].as_str().unwrap();
        assert!(out.contains(label), "{label} not in {out}");
    }
    assert!((mean - v["params"]["r"].as_f64().unwrap()).abs() < 1e-9 * mean.abs().max(1.0));
}
