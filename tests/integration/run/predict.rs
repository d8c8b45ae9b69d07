//! `mechc predict`: a known system with an input, integrated from a new initial condition over a
//! new span with an input read from CSV, against its closed form; an emitted model forecasting
//! from new initial conditions; bad arguments refused with exit 1.

use crate::bin::mechc;

fn rows(csv: &str) -> Vec<Vec<f64>> {
    csv.lines().skip(1).map(|l| l.split(',').map(|c| c.parse().unwrap()).collect()).collect()
}

/// `x' = -k*x + u` with `k = 1` (overriding the model's 1.5) and the ramp `u = t` (linear, so
/// the interpolation is exact): `x(t) = t - 1 + (x0 + 1) e^(-t)`; the integrator's relative
/// tolerance is 1e-9.
#[test]
fn predict_reproduces_a_known_system_with_an_input() {
    let (code, out, err) = mechc(&[
        "predict",
        "tests/cases/run/ok/forced_input.mech",
        "--init",
        "x=2",
        "--time",
        "0..8",
        "--step",
        "0.25",
        "--input",
        "tests/cases/run/ok/data/ramp_input.csv",
        "--param",
        "k=1",
    ]);
    assert_eq!(code, 0, "{err}");
    let r = rows(&out);
    assert_eq!(r.len(), 33);
    for row in r {
        let (t, x) = (row[0], row[1]);
        let exact = t - 1.0 + 3.0 * (-t).exp();
        assert!((x - exact).abs() <= 1e-7 * exact.abs().max(1.0), "t = {t}: {x} vs {exact}");
    }
}

#[test]
fn predict_refuses_bad_arguments_before_integrating() {
    let base = ["predict", "tests/cases/run/ok/forced_input.mech", "--time", "0..1", "--step", "0.1"];
    let with = |extra: &[&str]| {
        let mut a: Vec<&str> = base.to_vec();
        a.extend_from_slice(extra);
        mechc(&a)
    };
    let (code, _, err) = with(&["--init", "y=1", "--input", "tests/cases/run/ok/data/ramp_input.csv"]);
    assert_eq!(code, 1);
    assert!(err.contains("no state `y`"), "{err}");
    let (code, _, err) = with(&["--init", "x=1"]);
    assert_eq!(code, 1);
    assert!(err.contains("give them with --input"), "{err}");
    let (code, _, err) =
        mechc(&["predict", "examples/lorenz.mech", "--init", "x=1,y=1,z=1", "--time", "0..1", "--step", "0.1"]);
    assert_eq!(code, 1);
    assert!(err.contains("sparse"), "{err}");
}

/// The model `--emit-model` writes for the logistic example forecasts from a new initial value
/// with a chosen rate: the logistic curve's closed form with the emitted capacity.
#[test]
fn emitted_model_forecasts_from_new_initial_conditions() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("predict-emitted");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let model = dir.join("logistic.mech");
    let (code, _, err) = mechc(&["run", "examples/logistic.mech", "-q", "--emit-model", model.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let text = std::fs::read_to_string(&model).unwrap();
    let k: f64 = text.lines().find_map(|l| l.strip_prefix("const k = ")).unwrap().parse().unwrap();
    let args =
        ["predict", model.to_str().unwrap(), "--init", "u=0.02", "--time", "0..6", "--step", "0.5", "--param", "r=2.5"];
    let (code, out, err) = mechc(&args);
    assert_eq!(code, 0, "{err}");
    for row in rows(&out) {
        let (t, u) = (row[0], row[1]);
        let exact = k / (1.0 + (k / 0.02 - 1.0) * (-2.5 * t).exp());
        assert!((u - exact).abs() <= 1e-7, "t = {t}: {u} vs {exact}");
    }
}
