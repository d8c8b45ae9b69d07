//! What a fit shows a scientist: every fitted value (per-trajectory parameters with their
//! trajectories, in text and JSON, and in an emitted model that re-simulates every trajectory),
//! standard errors checked against the truth that generated the data, and the warnings about
//! results that should not be trusted as they stand (a parameter on its bound, a parameter
//! without effect, interchangeable candidate terms).

use mechc::diag::Diagnostic;
use mechc::fit::Fitted;
use mechc::pipeline::{result_warnings, train, Prepared, TrainOptions};
use mechc::report::summary::build;
use mechc::report::{emit::emit_model, json::to_json};
use mechc::source::SourceMap;

fn prepared(path: &str) -> Prepared {
    super::prepare(path).1.unwrap_or_else(|_| panic!("{path} prepares"))
}

fn fit(p: &Prepared) -> Fitted {
    train(p, &TrainOptions::default()).unwrap_or_else(|d| panic!("fit failed: {}", d.message))
}

fn codes(ds: &[Diagnostic]) -> Vec<String> {
    ds.iter().map(|d| d.code.to_string()).collect()
}

fn labels(p: &Prepared) -> Vec<String> {
    p.data.trajectories.iter().map(|t| t.label.clone()).collect()
}

/// The logistic example: all 100 fitted rates are printed and in the JSON, each true rate lies
/// in its 95% interval about as often as it should, and the emitted model re-simulates every
/// trajectory with its own rate.
#[test]
fn logistic_shows_every_rate_with_calibrated_errors_and_re_simulates() {
    let p = prepared("examples/logistic.mech");
    let fitted = fit(&p);
    let report = build(&p.ir, &p.data, &fitted, "auto", 0.0, 4);
    let text = report.text(false);
    let json: serde_json::Value = serde_json::from_str(&to_json(&report).unwrap()).unwrap();
    let r = json["parameters"].as_array().unwrap().iter().find(|q| q["name"] == "r").unwrap();
    let per = r["per_trajectory"].as_array().unwrap();
    assert_eq!(per.len(), 100);
    let (mut inside, mut z2) = (0, 0.0);
    for (k, (tr, v)) in p.data.trajectories.iter().zip(per).enumerate() {
        let value = v["value"].as_f64().unwrap();
        assert!((value - fitted.per_trajectory[0][k]).abs() <= 1e-14 * value.abs(), "{k}");
        assert_eq!(v["trajectory"], tr.label.as_str());
        assert!(text.contains(&format!("{} {}", tr.label, mechc::number::format_sig(value, 4))), "{}", tr.label);
        let truth = tr.truth.as_ref().unwrap().params.iter().find(|(n, _)| n == "r").unwrap().1;
        let z = (value - truth) / v["std_error"].as_f64().unwrap();
        inside += usize::from(z.abs() <= 1.96);
        z2 += z * z;
    }
    // 95 of 100 expected; a binomial spread of ±2.2, so 88 is three standard deviations low.
    assert!(inside >= 88, "{inside} of 100 true rates inside their 95% intervals");
    let rms_z = (z2 / 100.0).sqrt();
    assert!((0.7..1.4).contains(&rms_z), "rms z-score {rms_z}");

    let emitted = emit_model(&p.ir, &fitted, &p.data, "logistic.mech");
    let mut sources = SourceMap::new();
    let root = sources.add("emitted.mech", emitted);
    let again = mechc::pipeline::prepare(&mut sources, root).unwrap_or_else(|_| panic!("the emitted model prepares"));
    assert_eq!(again.data.trajectories.len(), 100);
    let sigma = fitted.noise[0];
    for (k, (sim, den)) in again.data.trajectories.iter().zip(&fitted.denoised).enumerate() {
        assert_eq!(sim.len(), den.len());
        let worst =
            sim.values.iter().zip(den.values.iter().step_by(den.width)).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
        assert!(worst < 3.0 * sigma, "trajectory {k}: the re-simulation is {worst} from the denoised data");
    }
}

/// Every fixture under `tests/cases/run/warn` draws exactly the warnings its `# expect:` line
/// names: the check's and the pre-training ones, then those about the fit's result.
#[test]
fn warning_fixtures_draw_their_codes() {
    let files = super::mech_files("tests/cases/run/warn");
    assert!(files.len() >= 3);
    for f in files {
        let path = f.to_str().unwrap();
        let text = std::fs::read_to_string(&f).unwrap();
        let want: Vec<String> = text
            .lines()
            .find_map(|l| l.strip_prefix("# expect:"))
            .map(|r| r.split(',').map(|c| c.trim().to_string()).collect())
            .unwrap_or_default();
        let p = prepared(path);
        let mut got = codes(&p.warnings);
        if let Ok(fitted) = train(&p, &TrainOptions::default()) {
            got.extend(codes(&result_warnings(&p.model, &p.ir, &fitted, &labels(&p))));
        }
        assert_eq!(got, want, "{path}");
    }
}

/// A parameter no equation uses no longer makes the selection's normal equations singular: it
/// is held at its guess with W006, and the Lorenz terms are found.
#[test]
fn unused_parameter_is_held_with_a_warning() {
    let p = prepared("tests/cases/run/warn/unused_param.mech");
    let fitted = fit(&p);
    assert_eq!(fitted.no_effect, vec![true]);
    assert_eq!(fitted.params, vec![1.0]);
    assert_eq!(fitted.active.iter().filter(|&&a| a).count(), 7);
    assert_eq!(codes(&result_warnings(&p.model, &p.ir, &fitted, &labels(&p))), ["W006"]);
}

/// A parameter whose truth lies outside its bounds ends on the bound: W005.
#[test]
fn parameter_on_its_bound_is_flagged() {
    let p = prepared("tests/cases/run/warn/param_at_bound.mech");
    let fitted = fit(&p);
    let w = result_warnings(&p.model, &p.ir, &fitted, &labels(&p));
    assert_eq!(codes(&w), ["W005"]);
    assert!(w[0].message.contains("upper bound"), "{}", w[0].message);
    // The same model with bounds that hold the truth draws no warning.
    let vdp = prepared("examples/van_der_pol.mech");
    let ok = result_warnings(&vdp.model, &vdp.ir, &fit(&vdp), &[]);
    assert!(ok.is_empty(), "{:?}", codes(&ok));
}

/// A library made collinear by `s + i + r = 1` draws W007 naming the interchangeable terms;
/// the examples' libraries, which are not collinear, draw none.
#[test]
fn conservation_law_makes_terms_interchangeable() {
    let p = prepared("tests/cases/run/warn/sir_conservation.mech");
    let w: Vec<&Diagnostic> = p.warnings.iter().filter(|d| d.code.to_string() == "W007").collect();
    assert_eq!(w.len(), 1, "one warning per library");
    assert!(w[0].message.contains("`1`, `s`, `i`, `r`"), "{}", w[0].message);
    for path in [
        "examples/lorenz.mech",
        "examples/lotka_volterra.mech",
        "examples/damped_oscillator.mech",
        "examples/forced_pendulum.mech",
    ] {
        let p = prepared(path);
        assert!(p.warnings.iter().all(|d| d.code.to_string() != "W007"), "{path}");
    }
}

/// Standard errors shrink with more data: the Lorenz example on half its span against the
/// whole span, every kept coefficient.
#[test]
fn intervals_shrink_with_more_data() {
    let full = std::fs::read_to_string("examples/lorenz.mech").unwrap();
    let half = full.replace("time 0 .. 10", "time 0 .. 5");
    assert_ne!(full, half);
    let se = |text: String| {
        let mut sources = SourceMap::new();
        let root = sources.add("lorenz.mech", text);
        let p = mechc::pipeline::prepare(&mut sources, root).unwrap_or_else(|_| panic!("prepares"));
        let f = fit(&p);
        let u = f.uncertainty.clone().expect("collocation computes standard errors");
        (f.active.clone(), u.coefficients.iter().map(|s| s.unwrap_or(f64::NAN)).collect::<Vec<f64>>())
    };
    let (a_half, se_half) = se(half);
    let (a_full, se_full) = se(full);
    assert_eq!(a_half, a_full);
    for s in (0..a_full.len()).filter(|&s| a_full[s]) {
        assert!(se_full[s] < se_half[s], "slot {s}: {} vs {}", se_full[s], se_half[s]);
    }
}

/// `validation = 0.2` under collocation: the fit sees 80% of the trajectory, and the report
/// scores the rollout from the end of training against the raw held-out data. The right model
/// scores at the noise floor and stays valid over the whole held-out span; the same data with
/// `x*z` excluded from `y'` (a wrong model) scores several times worse and fails early.
#[test]
fn held_out_data_expose_a_wrong_model() {
    let score = |path: &str| {
        let p = prepared(path);
        let full = p.held_out.clone().expect("validation holds data out");
        assert_eq!(full.trajectories[0].len(), 5001);
        assert_eq!(p.data.trajectories[0].len(), 4001);
        let fitted = fit(&p);
        let mut report = build(&p.ir, &p.data, &fitted, "auto", 0.0, 4);
        report.held_out = mechc::report::heldout::score(&p.ir, &fitted, &p.data, &full, 0.2);
        let h = report.held_out.clone().expect("a held-out score");
        assert!(report.text(false).contains("held out: rollout from the end of training vs the raw data"));
        let json: serde_json::Value = serde_json::from_str(&to_json(&report).unwrap()).unwrap();
        assert_eq!(json["held_out"]["rows"], 1000);
        h
    };
    let right = score("tests/cases/run/ok/lorenz_heldout.mech");
    let wrong = score("tests/cases/run/ok/lorenz_wrong_heldout.mech");
    assert!(right.error < 1.2 * right.noise_floor, "{right:?}");
    assert!((right.valid_time - right.span).abs() < 1e-9, "{right:?}");
    assert!(wrong.error > 3.0 * right.error, "{wrong:?}");
    assert!(wrong.valid_time < 0.5 * right.valid_time, "{wrong:?}");
}

/// Under `sindy` too the pipeline holds the ends out, and the report scores them.
#[test]
fn validation_holds_out_under_sindy_too() {
    let text = std::fs::read_to_string("tests/cases/run/ok/lorenz_heldout.mech").unwrap();
    let text = text.replace("fit { validation = 0.2 }", "fit { method = sindy, validation = 0.2 }");
    let mut sources = SourceMap::new();
    let root = sources.add("lorenz_sindy.mech", text);
    let p = mechc::pipeline::prepare(&mut sources, root).unwrap_or_else(|_| panic!("prepares"));
    assert!(p.warnings.is_empty(), "no W004: sindy reads `validation`");
    assert_eq!(p.data.trajectories[0].len(), 4001);
    let fitted = fit(&p);
    let h = mechc::report::heldout::score(&p.ir, &fitted, &p.data, p.held_out.as_ref().unwrap(), 0.2).unwrap();
    assert_eq!(h.rows, 1000);
    assert!(h.error.is_finite() && h.valid_time > 0.0, "{h:?}");
}
