//! Reports printed from hand-built fits: text, JSON and emitted `.mech` snapshots for a clean
//! linear spiral, the emitted model checked and simulated back, and the Lorenz report's
//! Lyapunov-time rollout.

use super::checked;
use mechc::data::load_model_data;
use mechc::fit::{Fitted, HistoryEntry, PathEntry, Phase};
use mechc::ir::ModelIr;
use mechc::report::{build, emit::emit_model, json::to_json, Report};

/// A fit with the given `(equation, term name, coefficient)` entries, all other slots dropped.
fn fitted(ir: &ModelIr, coefs: &[(usize, &str, f64)], params: Vec<f64>) -> Fitted {
    let mut coefficients = vec![0.0; ir.coefs.len()];
    for &(e, name, c) in coefs {
        let s = ir
            .coefs
            .iter()
            .position(|slot| slot.equation == e && ir.terms[slot.term].name == name)
            .unwrap_or_else(|| panic!("no slot {e} {name}"));
        coefficients[s] = c;
    }
    let active = coefficients.iter().map(|&c| c != 0.0).collect();
    Fitted {
        coefficients,
        active,
        params,
        per_trajectory: vec![],
        denoised: vec![],
        noise: vec![0.0; ir.names.states.len()],
        history: (0..6).map(|i| HistoryEntry { round: i / 3, loss: 1.0 / (i + 1) as f64 }).collect(),
        path: vec![
            PathEntry { threshold: 0.01, terms: 6, loss: 1e-4, criterion: -120.0, chosen: false },
            PathEntry { threshold: 0.05, terms: 4, loss: 1.1e-4, criterion: -150.0, chosen: true },
        ],
        threshold: Some(0.05),
        rounds: 2,
        loss: 1.1e-4,
        interrupted: false,
        magnitudes: vec![],
        phases: vec![],
        uncertainty: None,
        no_effect: vec![],
        weights: vec![],
        encoders: None,
        ensemble: None,
    }
}

/// The spiral's fit with coefficients a little off the truth (a 4-digit rounding would be
/// closer), so the rollout error is set by the model, not by round-off, and prints stably.
fn spiral() -> (ModelIr, mechc::data::Dataset, Fitted, Report) {
    let (_, model, ir) = checked("tests/cases/run/ok/spiral.mech");
    let data = load_model_data(&model, 2).unwrap();
    let fit = fitted(&ir, &[(0, "y", 1.99), (1, "x", -2.0), (1, "y", -0.101)], vec![0.1]);
    let report = build(&ir, &data, &fit, "auto", 1.9, 4);
    (ir, data, fit, report)
}

/// Every number in a JSON value rounded to 3 significant digits, so snapshots do not flip on
/// the last bits of integrated values.
fn round_json(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Number(n) if n.is_f64() => {
            if let Some(x) = n.as_f64() {
                let r: f64 = mechc::number::format_sig(x.abs(), 3).parse().unwrap_or(x);
                *v = serde_json::json!(if x < 0.0 { -r } else { r });
            }
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(round_json),
        serde_json::Value::Object(o) => o.values_mut().for_each(round_json),
        _ => {}
    }
}

#[test]
fn spiral_report_text_and_json() {
    let (_, _, _, report) = spiral();
    insta::assert_snapshot!("spiral_report", report.text(true));
    let mut json: serde_json::Value = serde_json::from_str(&to_json(&report).unwrap()).unwrap();
    round_json(&mut json);
    insta::assert_snapshot!("spiral_json", serde_json::to_string_pretty(&json).unwrap());
    assert_eq!(json["equations"][1]["terms"][0]["coefficient"], -2.0);
    // The full matrix holds every candidate, zeros included: `y' = -0.101*y - 2*x`.
    let m = &json["coefficient_matrix"];
    let col = |t: &str| m["terms"].as_array().unwrap().iter().position(|x| x == t).unwrap();
    assert_eq!(m["values"][1][col("x")], -2.0);
    assert_eq!(m["values"][1][col("y")], -0.101);
    assert_eq!(m["values"][1][col("1")], 0.0);
    assert_eq!(m["values"][0][col("y")], 1.99);
    assert_eq!(report.kept, 3);
    // A decaying spiral is not chaotic: the exponent is about -0.1 (the decay rate).
    let l = report.rollout.as_ref().unwrap().lyapunov.unwrap();
    assert!((-0.2..0.0).contains(&l), "lambda {l}");
}

#[test]
fn equations_print_in_basis_order_with_precision() {
    let (ir, _, fit, _) = spiral();
    let eqs = mechc::report::equations::equations(&ir, &fit.coefficients, &fit.active, 2);
    let text: Vec<&str> = eqs.iter().map(|e| e.text.as_str()).collect();
    assert_eq!(text, ["x' = -a*x + 2*y", "y' = -2*x - 0.1*y"]);
    use mechc::number::format_sig;
    assert_eq!(
        (format_sig(9.9996, 4), format_sig(1.23456e-7, 3), format_sig(123456.0, 2)),
        ("10".into(), "1.23e-7".into(), "120000".into())
    );
}

#[test]
fn emitted_model_checks_and_simulates_the_discovered_system() {
    let (ir, data, fit, report) = spiral();
    let text = emit_model(&ir, &fit, &data, "tests/cases/run/ok/spiral.mech");
    insta::assert_snapshot!("spiral_emitted", text);
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("run-report");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("spiral_emitted.mech");
    std::fs::write(&path, &text).unwrap();
    let (_, model, _) = checked(path.to_str().unwrap());
    let sim = mechc::pipeline::simulated(&model).unwrap_or_else(|d| panic!("{}", d.message));
    let rollout = report.rollouts[0].as_ref().unwrap();
    let tr = &sim.trajectories[0];
    assert_eq!(tr.len() * 2, rollout.len());
    // Both integrate the same equations from the same state at tolerances of 1e-9 or tighter;
    // on a decaying spiral of amplitude 2 the solutions agree to well under 1e-6.
    for (a, b) in tr.values.iter().zip(rollout) {
        assert!((a - b).abs() < 1e-6, "{a} vs {b}");
    }
}

#[test]
fn lorenz_rollout_is_measured_in_lyapunov_times() {
    let (_, model, ir) = checked("examples/lorenz.mech");
    let data = load_model_data(&model, 2).unwrap();
    let truth = [
        (0, "x", -10.0),
        (0, "y", 10.0),
        (1, "x", 28.0),
        (1, "y", -1.0),
        (1, "x*z", -1.0),
        (2, "x*y", 1.0),
        (2, "z", -8.0 / 3.0),
    ];
    let fit = fitted(&ir, &truth, vec![]);
    let report = build(&ir, &data, &fit, "auto", 1.0, 4);
    let r = report.rollout.as_ref().unwrap();
    // Lorenz's largest exponent is 0.906; the light estimator's spread is a few hundredths.
    let l = r.lyapunov.unwrap();
    assert!((0.75..1.05).contains(&l), "lambda {l}");
    assert_eq!(r.lyapunov_times, Some(r.valid_time * l));
    // The rollout starts from a sample with 5% noise: its normalised error starts near
    // 0.05·√3 ≈ 0.087, just under the 0.1 tolerance, and the chaotic flow amplifies it, so the
    // valid time is short but not zero; over the short horizon the error stays near the noise.
    assert!(r.exceeded && r.valid_time > 0.0 && r.valid_time < 10.0, "{r:?}");
    assert!(r.error < 0.2, "{r:?}");
    assert!(report.text(false).contains("Lyapunov times"));
    // Terms in basis order (1, x, y, z, x^2, x*y, ...); a unit coefficient is not printed.
    assert_eq!(report.equations[2].text, "z' = -2.667*z + x*y");
}

#[test]
fn outputs_are_written_into_the_out_dir() {
    use mechc::cli::run::{outputs::write_all, RunArgs};
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("run-outputs");
    let _ = std::fs::remove_dir_all(&dir);
    let p = super::prepare("tests/cases/run/ok/spiral.mech").1.unwrap_or_else(|_| panic!("spiral prepares"));
    let (_, _, fit, report) = spiral();
    let args = RunArgs {
        file: "tests/cases/run/ok/spiral.mech".into(),
        seed: None,
        json: None,
        emit_model: Some("found.mech".into()),
        plot: None,
        out_dir: Some(dir.clone()),
        quiet: false,
        verbose: false,
        precision: 4,
        export: vec![],
        weights: None,
        report: None,
        plot_trajectories: None,
    };
    // The outputs are checked (and the directory created) before any work, then written.
    mechc::cli::run::outputs::validate(&args).unwrap();
    let written = write_all(&args, &p, &fit, &report, "spiral.mech").unwrap();
    let names: Vec<String> =
        written.iter().map(|(_, p)| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
    assert_eq!(names, ["report.json", "found.mech", "fit.svg"]);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).unwrap()).unwrap();
    assert_eq!(json["equations"][0]["text"], "x' = -a*x + 1.99*y");
    checked(dir.join("found.mech").to_str().unwrap());
    let svg = std::fs::read_to_string(dir.join("fit.svg")).unwrap();
    assert!(svg.starts_with("<svg") || svg.starts_with("<?xml"));
    // Atomic writes leave no temporary files behind.
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 3);
}

#[test]
fn second_order_rollout_starts_from_the_learned_derivative() {
    let (_, model, ir) = checked("tests/cases/run/ok/oscillator_params.mech");
    let data = load_model_data(&model, 2).unwrap();
    let tr = &data.trajectories[0];
    // The fit's denoised trajectory holds x and its learned x' per row; only the first row sets
    // the rollout's start, so the rest repeats the data with x' = 0.
    let mut values: Vec<f64> = (0..tr.len()).flat_map(|r| [tr.values[r], 0.0]).collect();
    values[0] = 1.0;
    let denoised = mechc::data::Trajectory::from_rows("train", tr.times.clone(), 2, values);
    // The true system: omega = 2, zeta = 0.1 gives c = 2·zeta·omega = 0.4 and k = omega² = 4.
    let mut fit = fitted(&ir, &[], vec![0.4, 4.0]);
    fit.denoised = vec![denoised];
    let report = build(&ir, &data, &fit, "auto", 0.1, 4);
    let r = report.rollout.as_ref().unwrap();
    // Exact parameters and initial state: the rollout differs from the 1%-noise data by the noise.
    assert!(r.against_denoised && r.error < 0.03 && !r.exceeded, "{r:?}");
    let text = emit_model(&ir, &fit, &data, "tests/cases/run/ok/oscillator_params.mech");
    assert!(text.contains("init x = 1, x' = 0\n"), "{text}");
    assert!(text.contains("const c = 0.4\nconst k = 4\n"), "{text}");
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("run-report");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("oscillator_emitted.mech");
    std::fs::write(&path, &text).unwrap();
    let (_, emitted, _) = checked(path.to_str().unwrap());
    let sim = mechc::pipeline::simulated(&emitted).unwrap_or_else(|d| panic!("{}", d.message));
    // Both integrate x'' = -0.4x' - 4x from (1, 0) at tolerances of 1e-9 or tighter.
    for (a, b) in sim.trajectories[0].values.iter().zip(report.rollouts[0].as_ref().unwrap()) {
        assert!((a - b).abs() < 1e-6, "{a} vs {b}");
    }
}

#[test]
fn known_parts_print_as_mech_source() {
    let (_, _, ir) = checked("tests/cases/run/ok/oscillator_params.mech");
    let eqs = mechc::report::equations::equations(&ir, &[], &[], 4);
    // A product prints its parameters first and its sign in front; a negated summand is a difference.
    assert_eq!(eqs[0].text, "x'' = -c*x' - k*x");
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("run-report");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("powers.mech");
    std::fs::write(&path, "model p\nstate x\nparam a\ndata d = simulate {\n x' = -x\n init x = 1\n time 0 .. 1 step 0.1\n}\nx' = -a*x^1.5 + (x - 1)/(x + 2)\n").unwrap();
    let (_, _, ir) = checked(path.to_str().unwrap());
    let text = &mechc::report::equations::equations(&ir, &[], &[], 4)[0].text;
    // Real powers print with `^`, not as a call the language does not have.
    assert!(text.contains("^1.5") && !text.contains("pow("), "{text}");
    std::fs::write(&path, format!("model p\nstate x\nconst a = 2\n{text}\n")).unwrap();
    checked(path.to_str().unwrap());
}

#[test]
fn missing_values_are_counted_in_the_report() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("run-missing");
    std::fs::create_dir_all(&dir).unwrap();
    // Two empty cells and one NaN among 6 rows × 2 states.
    std::fs::write(dir.join("gaps.csv"), "t,x,y\n0,1,2\n1,,2\n2,1,NaN\n3,1,2\n4,1,\n5,1,2\n").unwrap();
    std::fs::write(
        dir.join("gaps.mech"),
        "model gaps\nstate x, y\ndata d = csv \"gaps.csv\"\nx' = sparse({x})\ny' = sparse({y})\n",
    )
    .unwrap();
    let (_, model, ir) = checked(dir.join("gaps.mech").to_str().unwrap());
    let data = load_model_data(&model, 2).unwrap();
    let report = build(&ir, &data, &fitted(&ir, &[(0, "x", -0.1)], vec![]), "auto", 0.0, 4);
    assert_eq!((report.trajectories, report.rows, report.missing), (1, 6, 3));
    assert!(report.text(false).contains("data: 1 trajectory, 6 rows, 3 missing values masked out of the fit"));
}

#[test]
fn verbose_report_shows_each_kept_terms_magnitude_and_the_fit_phases() {
    let (ir, data, mut fit, _) = spiral();
    fit.magnitudes = fit.coefficients.iter().map(|c| c.abs() / 4.0).collect();
    fit.phases = vec![Phase { name: "setup", seconds: 0.0125 }, Phase { name: "selection", seconds: 0.5 }];
    let report = build(&ir, &data, &fit, "auto", 1.9, 4);
    let text = report.text(true);
    assert!(text.contains("  x': y 0.497\n"), "{text}");
    assert!(text.contains("  y': x 0.5, y 0.0253\n"), "{text}");
    assert!(text.contains("fit time: setup 0.013 s, selection 0.500 s\n"), "{text}");
    assert!(!report.text(false).contains("magnitudes"));
}
