//! `mechc run` outputs of field models: the JSON report, the emitted model, the heat-map plot,
//! the HTML page and the exports of `examples/burgers.mech`, each checked against the generating
//! system (`simulate burgers(nu = 0.1)`: `u_t = -u u_x + 0.1 u_xx`) and against each other; the
//! emitted model re-simulated against the example's own data; the exports that cannot express a
//! spatial derivative refused before any work; `W004` for settings the field fit does not read.

use crate::bin::mechc;
use std::path::{Path, PathBuf};

const BURGERS: &str = "examples/burgers.mech";

fn out_dir(test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("run-fields").join(test);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The kept terms of the first equation as (term, coefficient, standard error).
fn terms(json: &serde_json::Value) -> Vec<(String, f64, f64)> {
    json["equations"][0]["terms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            let se = t["std_error"].as_f64().unwrap_or(f64::NAN);
            (t["term"].as_str().unwrap().to_string(), t["coefficient"].as_f64().unwrap(), se)
        })
        .collect()
}

/// The `u` column of a long-form CSV written by `mechc simulate`.
fn column(path: &Path) -> Vec<f64> {
    named_column(path, "u")
}

/// A column of a long-form CSV written by `mechc simulate`.
fn named_column(path: &Path, name: &str) -> Vec<f64> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let head: Vec<&str> = lines.next().unwrap().split(',').collect();
    let k = head.iter().position(|h| *h == name).unwrap();
    lines.map(|l| l.split(',').nth(k).unwrap().parse().unwrap()).collect()
}

#[test]
fn burgers_writes_every_output_and_each_says_the_generating_equation() {
    let dir = out_dir("all");
    let (code, out, err) = mechc(&[
        "run",
        BURGERS,
        "--out-dir",
        s(&dir),
        "--report",
        "page.html",
        "--export",
        "latex=eq.tex",
        "--export",
        "sympy=model.py",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("u' = ") && out.contains("method sindy"), "{out}");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).unwrap()).unwrap();
    assert_eq!(json["method"], "sindy");
    assert_eq!(json["form"], "strong");
    let got = terms(&json);
    assert_eq!(got.len(), 2, "{got:?}");
    for (term, want) in [("u*u_x", -1.0), ("u_xx", 0.1)] {
        let (_, c, se) = got.iter().find(|t| t.0 == term).unwrap_or_else(|| panic!("no {term} in {got:?}"));
        assert!((c - want).abs() <= 0.01 * want.abs(), "{term}: {c}");
        assert!(se.is_finite() && *se > 0.0 && *se < 0.01 * want.abs(), "{term}: standard error {se}");
    }
    let grid = &json["grid"];
    assert_eq!(
        (grid["lo"].as_f64(), grid["hi"].as_f64(), grid["periodic"].as_bool()),
        (Some(-8.0), Some(8.0), Some(true))
    );
    let tr = &json["trajectories"][0];
    assert_eq!((tr["points"].as_u64(), tr["times"].as_u64()), (Some(256), Some(101)));
    assert!((tr["spacing"].as_f64().unwrap() - 16.0 / 256.0).abs() < 1e-12);
    let rollout = tr["rollout_error"].as_f64().unwrap();
    assert!(rollout > 0.0 && rollout < 1e-3, "rollout error {rollout}");
    // Clean data: the noise estimate is round-off and simulation error, far below the field's scale 1.
    assert!(json["noise"]["u"].as_f64().unwrap() < 1e-3);

    let page = std::fs::read_to_string(dir.join("page.html")).unwrap();
    assert!(page.contains("<svg") && page.contains("data:image/png;base64,"), "the heat maps are inline");
    assert!(page.contains("img-src data:"), "the page's policy lets its own inline images show");
    assert!(!page.contains("http://") || page.matches("http://").count() == page.matches("http://www.w3.org").count());
    for (term, _, _) in &got {
        assert!(page.contains(&format!("<td>{term}</td>")), "{term} in the table");
    }
    let tex = std::fs::read_to_string(dir.join("eq.tex")).unwrap();
    assert!(tex.contains("u_{t} &=") && tex.contains("u_{xx}") && tex.contains("u \\, u_{x}"), "{tex}");
    let py = std::fs::read_to_string(dir.join("model.py")).unwrap();
    assert!(py.contains("sp.Derivative(s_u, x, 2)") && py.contains("sp.Eq(sp.Derivative(s_u, t), RHS[0])"), "{py}");
    assert!(dir.join("model.mech").exists() && dir.join("fit.svg").exists());
}

#[test]
fn the_emitted_model_checks_and_simulates_the_reported_rollout() {
    let dir = out_dir("emit");
    let emitted = dir.join("found.mech");
    let json = dir.join("r.json");
    let (code, _, err) = mechc(&["run", BURGERS, "-q", "--emit-model", s(&emitted), "--json", s(&json)]);
    assert_eq!(code, 0, "{err}");
    let text = std::fs::read_to_string(&emitted).unwrap();
    assert!(text.contains("space x in -8 .. 8 periodic") && text.contains("field u over x"), "{text}");
    assert!(text.contains("points 256") && text.contains("time 0 .. 10 step 0.1"), "{text}");
    let (code, _, err) = mechc(&["check", s(&emitted)]);
    assert_eq!(code, 0, "{err}");
    let (sim, data) = (dir.join("sim.csv"), dir.join("data.csv"));
    assert_eq!(mechc(&["simulate", s(&emitted), "-o", s(&sim)]).0, 0);
    assert_eq!(mechc(&["simulate", BURGERS, "-o", s(&data)]).0, 0);
    let (a, b) = (column(&sim), column(&data));
    assert_eq!(a.len(), 256 * 101);
    assert_eq!(a.len(), b.len());
    let num: f64 = a.iter().zip(&b).map(|(x, y)| (x - y).powi(2)).sum();
    let den: f64 = b.iter().map(|y| y * y).sum();
    let err_sim = (num / den).sqrt();
    // The data are clean, so the report's rollout (from the first denoised profile, against the
    // denoised data) is this simulation up to the initial profile's truncation (1e-9).
    let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let err_report = report["trajectories"][0]["rollout_error"].as_f64().unwrap();
    assert!(err_sim < 1e-3, "the discovered model reproduces the data: {err_sim}");
    assert!((err_sim - err_report).abs() <= 0.01 * err_report, "simulated {err_sim} vs reported {err_report}");
}

#[test]
fn an_emitted_two_field_model_with_parameters_simulates_its_generating_system() {
    let dir = out_dir("two-fields");
    // Gray-Scott with known diffusion terms whose coefficients are parameters; the fields are
    // declared in the other order than the system's.
    let model = "model gs\nspace x in 0 .. 50 periodic\nfield v, u over x\n\
        data a = simulate gray_scott(du = 1, dv = 0.5, f = 0.04, k = 0.06) {\n\
        init u = 1 - 0.5*exp(-(x - 25)^2/4), v = 0.25*exp(-(x - 25)^2/4)\n points 64\n time 0 .. 10 step 0.2\n}\n\
        basis lib = poly(u, v, degree = 3)\nparam d1 = 0.5\nparam d2 = 0.5\n\
        u' = d1*u_xx + sparse(lib)\nv' = d2*v_xx + sparse(lib)\n";
    let path = dir.join("gs.mech");
    std::fs::write(&path, model).unwrap();
    let emitted = dir.join("found.mech");
    let (code, _, err) = mechc(&["run", s(&path), "-q", "--emit-model", s(&emitted)]);
    assert_eq!(code, 0, "{err}");
    let text = std::fs::read_to_string(&emitted).unwrap();
    assert!(text.contains("field v, u over x") && text.contains("system discovered_model(d1, d2)"), "{text}");
    assert!(text.contains("const d1 = ") && text.contains("simulate discovered_model(d1 = "), "{text}");
    let (sim, data) = (dir.join("sim.csv"), dir.join("data.csv"));
    let (code, _, err) = mechc(&["simulate", s(&emitted), "-o", s(&sim)]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(mechc(&["simulate", s(&path), "-o", s(&data)]).0, 0);
    for field in ["u", "v"] {
        let (a, b) = (named_column(&sim, field), named_column(&data, field));
        assert_eq!((a.len(), b.len()), (64 * 51, 64 * 51));
        let num: f64 = a.iter().zip(&b).map(|(x, y)| (x - y).powi(2)).sum();
        let den: f64 = b.iter().map(|y| y * y).sum();
        assert!((num / den).sqrt() < 1e-3, "{field}: {}", (num / den).sqrt());
    }
}

#[test]
fn json_on_standard_output_moves_the_text_report_to_stderr() {
    let (code, out, err) = mechc(&["run", BURGERS, "--json", "-"]);
    assert_eq!(code, 0, "{err}");
    let json: serde_json::Value = serde_json::from_str(&out).expect("stdout is the JSON report alone");
    assert_eq!(json["model"], "burgers");
    assert!(err.contains("u' = "), "{err}");
}

#[test]
fn exports_without_spatial_derivatives_are_refused_before_any_work() {
    let dir = out_dir("export");
    for format in ["numpy", "julia"] {
        let target = dir.join("rhs.out");
        let json = dir.join("r.json");
        let spec = format!("{format}={}", s(&target));
        let (code, out, err) = mechc(&["run", BURGERS, "--export", &spec, "--json", s(&json)]);
        assert_eq!(code, 1, "{err}");
        assert!(err.contains("E083") && err.contains(format), "{err}");
        assert!(out.is_empty(), "no fit ran: {out}");
        assert!(!target.exists() && !json.exists(), "nothing written");
    }
}

#[test]
fn an_output_that_cannot_be_written_stops_the_run_before_the_fit() {
    let dir = out_dir("paths");
    let missing = dir.join("no-such-dir").join("r.json");
    let plot = dir.join("p.png");
    let (code, out, err) = mechc(&["run", BURGERS, "--json", s(&missing), "--plot", s(&plot)]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("E056"), "{err}");
    assert!(out.is_empty() && !plot.exists(), "no fit and no other output");
    // An export path is checked with the others.
    let (code, out, err) = mechc(&["run", BURGERS, "--export", &format!("latex={}", s(&missing))]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("E056") && out.is_empty(), "{err}");
}

#[test]
fn settings_the_field_fit_does_not_read_draw_w004_and_the_ones_it_reads_do_not() {
    let dir = out_dir("w004");
    let model = |fit: &str| {
        format!(
            "model m\nspace x in 0 .. 6.283185307179586 periodic\nfield u over x\n\
             data d = simulate burgers(nu = 0.1) {{ init u = sin(x)  points 32  time 0 .. 1 step 0.1 }}\n\
             basis lib = poly(u, degree = 2) * {{1, u_x, u_xx}}\nu' = sparse(lib)\nfit {{ {fit} }}\n"
        )
    };
    let path = dir.join("m.mech");
    std::fs::write(&path, model("ensemble = 5, rule = trapezoid, threshold_scale = raw, epochs = 3")).unwrap();
    let (code, _, err) = mechc(&["check", s(&path)]);
    assert_eq!(code, 0, "{err}");
    for key in ["ensemble", "rule", "threshold_scale", "epochs"] {
        assert!(err.contains(&format!("`{key}` has no effect in a model with fields")), "{key}: {err}");
    }
    assert!(!err.contains("has no effect under `method ="), "no claim about a method field models do not use: {err}");
    assert!(err.contains("field models are fitted by the `sindy` engine"), "{err}");
    // Under the engine field models use, these act.
    std::fs::write(&path, model("threshold = 0.05, threshold_scale = raw, rounds = 3, max_terms = 50")).unwrap();
    let (code, _, err) = mechc(&["check", s(&path)]);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("W004"), "{err}");
}

#[test]
fn the_field_page_renders_its_heat_maps_in_headless_chromium_without_console_messages() {
    let Some(browser) = super::html::browser() else { return };
    let dir = out_dir("browser");
    let page = dir.join("page.html");
    let (code, _, err) = mechc(&["run", BURGERS, "-q", "--report", s(&page)]);
    assert_eq!(code, 0, "{err}");
    let page = std::fs::canonicalize(page).unwrap();
    // A policy that blocked the embedded images would log a violation and leave them blank.
    let shot = dir.join("page.png");
    let messages = super::html::render(&browser, &page, &shot, &dir.join("profile"));
    assert!(messages.is_empty(), "console messages:\n{}", messages.join("\n"));
    let img = image::open(&shot).expect("the screenshot is a PNG").to_rgb8();
    // The heat maps' background, u ≈ 0, is the darkest viridis colour (0x440154): the images show.
    let dark = img.pixels().filter(|p| p.0[0].abs_diff(0x44) < 8 && p.0[1] < 12 && p.0[2].abs_diff(0x54) < 8).count();
    assert!(dark > 5000, "{dark} pixels of the heat maps' dark end: the embedded images did not show");
}
