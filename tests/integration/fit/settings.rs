//! Every `fit` setting either acts under the chosen method — changing it changes the fit — or is
//! flagged `W004` for that method; `device = cuda` is refused (`E045`); `mechc run --seed` seeds
//! `init = random` reproducibly.

use std::process::Command;

use super::{dataset, grid, model, simulated};
use crate::frontend::check_text;
use mechc::check::settings::{Kind, Method, Value, SCHEMA};
use mechc::data::Dataset;
use mechc::fit::Fitted;
use mechc::pipeline::{train, Prepared, TrainOptions};

/// A valid value of `key` other than its default (for `device`, `cpu` written explicitly, since
/// the only other value is refused).
fn other_value(key: &str, kind: &Kind, default: &Value) -> String {
    if key == "device" {
        return "cpu".into();
    }
    match (kind, default) {
        (Kind::Word(ws), Value::Word(d)) => ws.iter().find(|w| *w != d).unwrap().to_string(),
        (Kind::Int { min, max }, Value::Int(d)) | (Kind::IntOrAuto { min, max }, Value::Int(d)) => {
            (if d < max { d + 1 } else { *min }).to_string()
        }
        (Kind::IntOrAuto { min, .. }, Value::Auto) => (min + 2).to_string(),
        (Kind::Float { max, .. }, Value::Float(d)) => {
            (if *d > 0.0 { (d / 2.0).min(*max) } else { 0.1 * max.min(1.0) }).to_string()
        }
        (Kind::FloatOrAuto { .. }, _) => "0.1".into(),
        (Kind::Bool, Value::Bool(b)) => (!b).to_string(),
        other => panic!("no other value for {key}: {other:?}"),
    }
}

#[test]
fn each_setting_draws_w004_exactly_under_the_methods_that_do_not_read_it() {
    for method in Method::ALL {
        for spec in SCHEMA.iter().filter(|s| s.key != "method") {
            let value = other_value(spec.key, &spec.kind, &spec.default);
            let text = format!(
                "model m\nstate x\nx' = sparse({{x}})\nfit {{ method = {}, {} = {value} }}\n",
                method.name(),
                spec.key
            );
            let (_, m, diags) = check_text("s.mech", &text);
            assert!(m.is_some() && !diags.iter().any(|d| d.is_error()), "{text}: {diags:?}");
            let w004 = diags.iter().filter(|d| d.code.0 == "W004").count();
            let want = usize::from(!m.as_ref().unwrap().fit.reads(spec));
            // Only the narrowed cases (a method that reads the setting in other configurations)
            // differ from the schema's methods; with the defaults written here those are
            // `threshold_scale` (threshold `auto`) and `seed` outside `mnn` (no `ensemble`).
            let narrowed = spec.key == "threshold_scale" || (spec.key == "seed" && method != Method::Mnn);
            assert_eq!(want == 1, !spec.acts_under(method) || narrowed, "{}", spec.key);
            assert_eq!(w004, want, "{} under {}: {diags:?}", spec.key, method.name());
            if want == 1 {
                let d = diags.iter().find(|d| d.code.0 == "W004").unwrap();
                assert!(d.message.contains(method.name()), "{}", d.message);
            }
        }
    }
}

#[test]
fn device_cuda_is_refused_under_every_method() {
    for method in Method::ALL {
        let text = format!("model m\nstate x\nx' = -x\nfit {{ method = {}, device = cuda }}\n", method.name());
        let (_, _, diags) = check_text("s.mech", &text);
        let e = diags.iter().find(|d| d.code.0 == "E045").unwrap_or_else(|| panic!("{diags:?}"));
        assert!(e.message.contains("no CUDA backend in this build"), "{}", e.message);
        assert!(!diags.iter().any(|d| d.code.0 == "W004"), "{diags:?}");
    }
}

fn lv_rhs(_t: f64, x: &[f64], d: &mut [f64]) {
    d[0] = 1.1 * x[0] - 0.4 * x[0] * x[1];
    d[1] = 0.1 * x[0] * x[1] - 0.4 * x[1];
}

fn lv_data() -> Dataset {
    dataset(&["x", "y"], vec![simulated(&["x", "y"], lv_rhs, &[10.0, 5.0], &grid(30.0, 0.05), 2.0, 7)])
}

/// The Lotka–Volterra model fitted with `settings` through the library pipeline (which takes
/// the seed from the settings).
fn fit_with(data: &Dataset, settings: &str) -> Fitted {
    let (model, ir) = model(&format!(
        "model lv\nstate x, y\nbasis lib = poly(x, y, degree = 2)\nx' = sparse(lib)\ny' = sparse(lib)\nfit {{ {settings} }}\n"
    ));
    let prepared = Prepared { model, ir, data: data.clone(), held_out: None, warnings: vec![] };
    train(&prepared, &TrainOptions { seed: None, cancel: None, progress: None }).unwrap()
}

/// For every method, each setting it reads (besides `method`, `max_terms`, `device` and
/// `verbose`, tested apart) changes the fit from the same base settings.
#[test]
fn each_setting_read_by_a_method_changes_its_fit() {
    let data = lv_data();
    let mnn = "method = mnn, init = random, epochs = 15, window = 40, threshold = 0.05, rounds = 1";
    let cases: &[(&str, &str, &str)] = &[
        ("method = collocation", "threshold", "threshold = 0.3"),
        ("method = collocation", "rounds", "rounds = 0"),
        ("method = sindy", "threshold", "threshold = 0.3"),
        ("method = sindy, threshold = 0.3", "threshold_scale", "threshold_scale = raw"),
        ("method = sindy, threshold = 0.05", "rounds", "rounds = 0"),
        (mnn, "epochs", "epochs = 16"),
        (mnn, "lr", "lr = 0.01"),
        (mnn, "threshold", "threshold = 0.3"),
        (mnn, "threshold_scale", "threshold_scale = raw"),
        (mnn, "rounds", "rounds = 2"),
        (mnn, "window", "window = 30"),
        (mnn, "stride", "stride = 7"),
        (mnn, "batch", "batch = 4"),
        (mnn, "weight_equation", "weight_equation = 1000"),
        (mnn, "weight_init", "weight_init = 1000"),
        (mnn, "weight_smooth", "weight_smooth = 1000"),
        (mnn, "l1", "l1 = 0.5"),
        (mnn, "validation", "validation = 0.3"),
        (mnn, "seed", "seed = 3"),
        (mnn, "init", "init = collocation"),
        ("method = collocation", "rule", "rule = trapezoid"),
        ("method = collocation", "substeps", "substeps = 3"),
        ("method = mnn, epochs = 15", "rule", "rule = trapezoid"),
        ("method = mnn, epochs = 15", "substeps", "substeps = 3"),
        ("method = collocation", "ensemble", "ensemble = 3"),
        ("method = sindy", "ensemble", "ensemble = 3"),
        (mnn, "ensemble", "ensemble = 2"),
        ("method = collocation, ensemble = 3", "seed", "seed = 3"),
        ("method = sindy, ensemble = 3", "seed", "seed = 3"),
    ];
    // Under `collocation` and `sindy`, `validation` acts where the data are prepared (the
    // pipeline holds the ends out): `run::trust::held_out_data_expose_a_wrong_model` and
    // `run::trust::validation_holds_out_under_sindy_too` test it.
    // `weight_decay` acts on neural terms, which this model has none of:
    // `neural::weight_decay_gradient_matches_central_differences` tests its rows, and
    // `fit::mnn::networks_train_under_mnn_and_weight_decay_shrinks_them` its effect under `mnn`.
    let mut covered: Vec<(&str, &str)> = vec![
        ("collocation", "validation"),
        ("sindy", "validation"),
        ("collocation", "weight_decay"),
        ("mnn", "weight_decay"),
    ];
    for &(base, key, changed) in cases {
        let a = fit_with(&data, base);
        let mut parts: Vec<&str> = base.split(", ").filter(|p| !p.starts_with(&format!("{key} ="))).collect();
        parts.push(changed);
        let b = fit_with(&data, &parts.join(", "));
        assert!(a != b, "`{changed}` does not change the fit of `{base}`");
        let method = base.split(',').next().unwrap().trim().trim_start_matches("method = ");
        covered.push((method, key));
    }
    // Every (method, setting) pair the schema says acts is covered here or by a test named below.
    let apart = ["method", "max_terms", "device", "verbose"];
    for method in Method::ALL {
        for spec in SCHEMA.iter().filter(|s| s.acts_under(method) && !apart.contains(&s.key)) {
            assert!(covered.contains(&(method.name(), spec.key)), "{} under {} has no test", spec.key, method.name());
        }
    }
}

#[test]
fn max_terms_guards_the_basis_under_every_method() {
    for method in Method::ALL {
        let text = format!(
            "model m\nstate x, y\nx' = sparse(poly(x, y, degree = 3))\ny' = -y\nfit {{ method = {}, max_terms = 5 }}\n",
            method.name()
        );
        let (_, _, diags) = check_text("s.mech", &text);
        assert!(diags.iter().any(|d| d.code.0 == "E021"), "{diags:?}");
    }
}

fn mechc(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_mechc")).args(args).env("NO_COLOR", "1").output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

/// A Lotka–Volterra model trained by MNN from a random start, written to a scratch file.
fn random_start_model(dir: &std::path::Path, extra: &str) -> std::path::PathBuf {
    let text = format!(
        "model lv\nstate x, y\ndata d = simulate lotka_volterra(alpha = 1.1, beta = 0.4, delta = 0.1, gamma = 0.4) {{\n    init x = 10, y = 5\n    time 0 .. 30 step 0.05\n    noise 2%\n    seed 4\n}}\nbasis lib = poly(x, y, degree = 2)\nx' = sparse(lib)\ny' = sparse(lib)\nfit {{ method = mnn, init = random, epochs = 20, window = 40, threshold = 0.05, rounds = 1{extra} }}\n"
    );
    let path = dir.join("lv.mech");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn run_seed_changes_a_random_start_and_each_seed_is_reproducible() {
    let dir = tempdir("seed");
    let path = random_start_model(&dir, "");
    let file = path.to_str().unwrap();
    let run = |seed: &str| mechc(&["run", file, "--seed", seed, "--quiet", "--precision", "10"]);
    let (c1, a1, e1) = run("1");
    assert_eq!(c1, 0, "{e1}");
    let (_, a2, _) = run("1");
    let (_, b1, _) = run("2");
    assert_eq!(a1, a2, "--seed 1 twice");
    assert_ne!(a1, b1, "--seed 1 against --seed 2");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn verbose_prints_every_progress_report_and_seed_is_noted_where_it_does_not_act() {
    let dir = tempdir("verbose");
    let path = random_start_model(&dir, ", verbose = true");
    let (code, _, err) = mechc(&["run", path.to_str().unwrap(), "--quiet"]);
    assert_eq!(code, 0, "{err}");
    // One line per epoch: 20 epochs in each of the two rounds.
    assert_eq!(err.lines().filter(|l| l.starts_with("round ")).count(), 40, "{err}");
    let text =
        std::fs::read_to_string(&path).unwrap().replace("method = mnn, init = random, ", "method = collocation, ");
    let text = text.replace("epochs = 20, window = 40, ", "").replace(", verbose = true", "");
    std::fs::write(&path, text).unwrap();
    let (code, _, err) = mechc(&["run", path.to_str().unwrap(), "--quiet", "--seed", "3"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("`--seed` has no effect: `method = collocation` makes no random draws"), "{err}");
    assert!(!err.lines().any(|l| l.starts_with("round ")), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

fn tempdir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("mechc-settings-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn the_row_gate_follows_the_method_that_needs_windows() {
    let dir = tempdir("gate");
    let csv = std::fs::canonicalize("tests/cases/run/err/data/short.csv").unwrap();
    let model = |fit: &str| {
        let path = dir.join("short.mech");
        let text = format!(
            "model m\nstate x, y\ndata d = csv \"{}\"\nx' = sparse(poly(x, y, degree = 1))\ny' = sparse(poly(x, y, degree = 1))\nfit {{ {fit} }}\n",
            csv.display()
        );
        std::fs::write(&path, text).unwrap();
        path
    };
    // Eight rows: enough for SINDy, one window short of `window = 50` under MNN.
    let (code, out, err) = mechc(&["run", model("method = sindy").to_str().unwrap(), "--quiet"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), 2, "{out}");
    let (code, _, err) = mechc(&["run", model("method = mnn, window = 50").to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(err.contains("[E043]"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
