//! Tests of the broad discovery suite's systems and data (`mechc::bench::{systems, poly,
//! trajectory, broad_data}`): the derived truth against the right-hand sides (the interpreter is
//! the oracle) and against hand expansions, the characteristic period, the data files, and the
//! harness end to end on one small case without Python.

use std::path::{Path, PathBuf};

use mechc::bench::broad::{model_text, run_broad, BroadConfig};
use mechc::bench::broad_data::{file_name, noise_seed, noisy, system_info, write_system_files, DataAxes};
use mechc::bench::poly::{expand, truth, Poly};
use mechc::bench::score::{monomial_key, Truth};
use mechc::bench::systems::{BenchSystem, Catalog, SPECS};
use mechc::bench::trajectory::{fft, period, Flow, PROBE_POINTS};
use mechc::bench::BenchError;
use mechc::ir::Var;
use mechc::jit::{Interpreter, Layout};
use rand::{Rng, SeedableRng};

fn temp(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("mechc-broad-{}-{name}", std::process::id()))
}

fn catalog() -> Catalog {
    Catalog::load().expect("the suite's systems check and lower")
}

fn system<'a>(c: &'a Catalog, name: &str) -> &'a BenchSystem {
    c.systems.iter().find(|s| s.spec.name == name).unwrap()
}

/// Evaluates a truth table at `x` from its term names alone (`1`, `x`, `x^2*y`, ...).
fn eval_truth(t: &Truth, states: &[String], x: &[f64]) -> Vec<f64> {
    let mut out = vec![0.0; states.len()];
    for (s, term, c) in &t.terms {
        let i = states.iter().position(|n| n == s).unwrap();
        let key = monomial_key(term);
        let value: f64 = if key == "1" {
            1.0
        } else {
            key.split('*').map(|f| x[states.iter().position(|n| n == f).unwrap()]).product()
        };
        out[i] += c * value;
    }
    out
}

#[test]
fn every_truth_reproduces_its_right_hand_side_at_random_points() {
    let c = catalog();
    assert_eq!(c.systems.len(), SPECS.len());
    assert!(c.systems.len() >= 30, "{} systems", c.systems.len());
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
    for sys in &c.systems {
        let n = sys.states.len();
        let t = truth(&sys.rhs, &sys.states, sys.degree()).unwrap();
        let cols = (0..n).map(|i| Var::State { index: i as u32, order: 0 }).chain([Var::Time]).collect();
        let interp = Interpreter::new(&sys.ir.arena, &sys.ir.rhs, &Layout::new(cols, sys.params.len())).unwrap();
        for _ in 0..20 {
            let mut row: Vec<f64> = (0..n).map(|_| rng.random_range(-3.0..3.0)).collect();
            row.push(0.0);
            let mut want = vec![0.0; n];
            interp.eval(1, &row, &sys.params, &mut want).unwrap();
            let got = eval_truth(&t, &sys.states, &row[..n]);
            for (g, w) in got.iter().zip(&want) {
                // Expansion reorders float operations: agreement to rounding, relative to the
                // size of the terms (a sum can cancel, so scale by the largest term's magnitude).
                let scale = 1.0 + t.terms.iter().map(|x| x.2.abs()).fold(0.0, f64::max) * 27.0;
                assert!((g - w).abs() <= 1e-12 * scale, "{}: {g} vs {w} at {row:?}", sys.spec.name);
            }
        }
    }
}

fn coef(t: &Truth, state: &str, term: &str) -> Option<f64> {
    t.terms.iter().find(|(s, n, _)| s == state && monomial_key(n) == monomial_key(term)).map(|x| x.2)
}

#[test]
fn truths_match_hand_expansions() {
    let c = catalog();
    // Lorenz from the standard library is the Lorenz suite's truth, term for term.
    let lorenz = system(&c, "lorenz");
    let t = truth(&lorenz.rhs, &lorenz.states, 2).unwrap();
    let want = Truth::lorenz();
    assert_eq!(t.terms.len(), want.terms.len());
    for (s, n, v) in &want.terms {
        assert!((coef(&t, s, n).unwrap() - v).abs() < 1e-15, "{s}: {n}");
    }
    // Chen: y' = (c - a) x - x z + c y with a = 35, c = 28.
    let chen = system(&c, "chen");
    let t = truth(&chen.rhs, &chen.states, 2).unwrap();
    assert_eq!((coef(&t, "y", "x"), coef(&t, "y", "x*z"), coef(&t, "y", "y")), (Some(-7.0), Some(-1.0), Some(28.0)));
    // Four-species competition: x3' = 1.53 x3 (1 - 2.33 x1 - x3 - 0.47 x4), four terms.
    let lv = system(&c, "competitive_lv4");
    let t = truth(&lv.rhs, &lv.states, 2).unwrap();
    let x3: Vec<_> = t.terms.iter().filter(|x| x.0 == "x3").collect();
    assert_eq!(x3.len(), 4);
    assert!((coef(&t, "x3", "x1*x3").unwrap() + 1.53 * 2.33).abs() < 1e-14);
    assert!((coef(&t, "x3", "x3^2").unwrap() + 1.53).abs() < 1e-15);
    // Hindmarsh-Rose: z' = r (s (x - xr) - z) = 0.024 x - 0.006 z + 0.0384.
    let hr = system(&c, "hindmarsh_rose");
    let t = truth(&hr.rhs, &hr.states, 3).unwrap();
    assert!((coef(&t, "z", "1").unwrap() - 0.0384).abs() < 1e-15);
    assert!((coef(&t, "z", "x").unwrap() - 0.024).abs() < 1e-15);
    assert_eq!(coef(&t, "x", "x^3"), Some(-1.0));
}

#[test]
fn a_library_below_the_systems_degree_has_no_truth() {
    let c = catalog();
    let vdp = system(&c, "van_der_pol");
    assert_eq!(vdp.degree(), 3);
    assert!(truth(&vdp.rhs, &vdp.states, 2).is_none());
    let t = truth(&vdp.rhs, &vdp.states, 3).unwrap();
    // x' = mu (x - x^3/3 - y), y' = x / mu with mu = 2.
    assert_eq!(coef(&t, "x", "x^3"), Some(-2.0 / 3.0));
    assert_eq!(coef(&t, "y", "x"), Some(0.5));
    assert_eq!(t.terms.len(), 4);
}

#[test]
fn non_polynomial_systems_are_refused_by_name() {
    let text = "system wave(k) {\n state x, v\n x' = v\n v' = -k*sin(x)\n}\n";
    let mut sources = mechc::source::SourceMap::new();
    let id = sources.add("wave.mech", text);
    let (model, diags) = mechc::check::check(&mut sources, id);
    let model = model.unwrap_or_else(|| panic!("{diags:?}"));
    let sys = model.systems.iter().find(|s| s.name == "wave").unwrap();
    let ir = mechc::ir::lower_system(&model, sys).unwrap();
    let err = expand(&ir, &[1.0]).unwrap_err();
    assert!(err.contains("sin"), "{err}");
}

#[test]
fn polynomial_arithmetic_cancels_exactly() {
    // (x + 1)^2 - x^2 - 2x = 1: the expansion leaves only the constant.
    let text = "system sq() {\n state x\n x' = (x + 1)^2 - x^2 - 2*x\n}\n";
    let mut sources = mechc::source::SourceMap::new();
    let id = sources.add("sq.mech", text);
    let (model, _) = mechc::check::check(&mut sources, id);
    let model = model.unwrap();
    let sys = model.systems.iter().find(|s| s.name == "sq").unwrap();
    let polys = expand(&mechc::ir::lower_system(&model, sys).unwrap(), &[]).unwrap();
    let want = Poly { terms: [(vec![0], 1.0)].into_iter().collect() };
    assert_eq!(polys, vec![want]);
}

#[test]
fn fft_matches_a_direct_transform() {
    let n = 64;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
    let x: Vec<f64> = (0..n).map(|_| rng.random_range(-1.0..1.0)).collect();
    let (mut re, mut im) = (x.clone(), vec![0.0; n]);
    fft(&mut re, &mut im);
    for k in 0..n {
        let (mut a, mut b) = (0.0, 0.0);
        for (j, v) in x.iter().enumerate() {
            let ang = -2.0 * std::f64::consts::PI * (k * j) as f64 / n as f64;
            a += v * ang.cos();
            b += v * ang.sin();
        }
        assert!((re[k] - a).abs() < 1e-12 && (im[k] - b).abs() < 1e-12, "bin {k}");
    }
}

#[test]
fn the_period_is_the_largest_peak_per_logarithmic_band() {
    let window = 500.0;
    let at = |j: usize| window * j as f64 / PROBE_POINTS as f64;
    // An oscillation with 137 cycles in the window riding on a drift of 3 cycles with three times
    // its amplitude (nine times its power): per log band the drift weighs 3 * 9 = 27 against
    // 137 * 1, so the period is the oscillation's, 500/137 (on a linear axis the drift would win).
    let w = 2.0 * std::f64::consts::PI / window;
    let probe: Vec<f64> =
        (0..PROBE_POINTS).map(|j| (137.0 * w * at(j)).cos() + 3.0 * (3.0 * w * at(j)).sin()).collect();
    let (p, k) = period(&probe, 1, window).unwrap();
    assert_eq!(k, 137);
    assert!((p - window / 137.0).abs() < 1e-12);
    let flat = vec![1.0; PROBE_POINTS * 2];
    assert!(matches!(period(&flat, 2, window), Err(BenchError::Data(_))));
}

#[test]
fn every_system_settles_to_a_bounded_oscillation_with_a_well_resolved_period() {
    let c = catalog();
    for sys in &c.systems {
        let info = system_info(sys).unwrap();
        // At least 50 periods in the probe window (a resolved peak), at least 8 probe samples per
        // period (far from the Nyquist bin).
        assert!(info.probe_cycles >= 50, "{}: {} cycles", info.name, info.probe_cycles);
        assert!(info.probe_cycles <= PROBE_POINTS / 8, "{}: {} cycles", info.name, info.probe_cycles);
        assert!(info.start.iter().all(|v| v.is_finite() && v.abs() < 1e3), "{}: {:?}", info.name, info.start);
    }
}

#[test]
fn files_sample_one_trajectory_at_every_density() {
    let c = catalog();
    let sys = system(&c, "rossler");
    let info = system_info(sys).unwrap();
    let dir = temp("files");
    std::fs::create_dir_all(&dir).unwrap();
    let axes = DataAxes { spp: vec![20, 40], levels: vec![0.0, 5.0], seeds: vec![1, 2], periods: 3 };
    let files = write_system_files(sys, &info, &axes, &dir).unwrap();
    assert_eq!(files.len(), 8);
    let names: Vec<String> = files.iter().map(|f| f.path.file_name().unwrap().to_string_lossy().into_owned()).collect();
    assert_eq!(names[0], "rossler_spp20_noise00_seed01.csv");
    assert_eq!(names[7], "rossler_spp40_noise05_seed02.csv");
    assert_eq!(file_name("rossler", 40, 5.0, 2), names[7]);
    let load = |i: usize| {
        let spec = mechc::data::CsvSpec::new(&files[i].path, "t", &["x", "y", "z"]);
        mechc::data::load_csv(&spec).unwrap().trajectories.remove(0)
    };
    let (coarse, fine) = (load(0), load(4));
    assert_eq!((coarse.len(), fine.len()), (60, 120));
    assert_eq!((files[0].rows, files[4].rows), (60, 120));
    assert_eq!(coarse.row(0), info.start.as_slice());
    assert!((fine.times[1] - info.period / 40.0).abs() < 1e-15);
    // Every other row at 40 samples per period is a row at 20: the same trajectory.
    for j in 0..60 {
        for d in 0..3 {
            let (a, b) = (coarse.row(j)[d], fine.row(2 * j)[d]);
            assert!((a - b).abs() <= 1e-8 * (1.0 + a.abs()), "row {j}: {a} vs {b}");
        }
    }
    // Clean files are the clean trajectory; noise depends on the seed and the system.
    assert_eq!(load(0).values, load(1).values);
    assert_ne!(load(2).values, load(3).values);
    assert_ne!(noise_seed("rossler", 20, 1), noise_seed("lorenz", 20, 1));
    assert_ne!(noise_seed("rossler", 20, 1), noise_seed("rossler", 40, 1));
    let again = noisy(&coarse, 5.0, noise_seed("rossler", 20, 1)).unwrap();
    assert_eq!(again.values, load(2).values);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn generated_models_check_with_default_settings() {
    let c = catalog();
    let sys = system(&c, "lorenz96");
    let info = system_info(sys).unwrap();
    let dir = temp("model");
    std::fs::create_dir_all(&dir).unwrap();
    let axes = DataAxes { spp: vec![20], levels: vec![0.0], seeds: vec![1], periods: 3 };
    let files = write_system_files(sys, &info, &axes, &dir).unwrap();
    let csv = files[0].path.file_name().unwrap().to_string_lossy().into_owned();
    let path = dir.join("m.mech");
    std::fs::write(&path, model_text(&info, 2, &csv)).unwrap();
    let (_, model, diags) = mechc::check_file(&path).unwrap();
    let model = model.unwrap_or_else(|| panic!("{diags:?}"));
    assert!(diags.is_empty(), "{diags:?}");
    let ir = mechc::ir::lower(&model).unwrap();
    // Five states, each with all 21 monomials of degree <= 2 in five variables.
    assert_eq!(ir.coefs.len(), 5 * 21);
    let _ = std::fs::remove_dir_all(&dir);
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn harness_runs_one_small_case_end_to_end() {
    let out = temp("e2e");
    let mut cfg = BroadConfig::full(root(), &out);
    cfg.systems = vec!["sprott_k".into(), "brusselator".into()];
    cfg.spp = vec![20];
    cfg.levels = vec![1.0];
    cfg.degrees = vec![2];
    cfg.seeds = vec![1];
    cfg.pysindy = false;
    let mut lines = Vec::new();
    let report = run_broad(&cfg, &mut |l| lines.push(l.to_string())).unwrap();
    // The Brusselator is cubic: skipped at degree 2, with its reason; Sprott K is fitted once.
    assert_eq!(report.skipped.len(), 1);
    assert_eq!((report.skipped[0].system.as_str(), report.skipped[0].degree), ("brusselator", 2));
    assert_eq!(report.records.len(), 1);
    let r = &report.records[0];
    assert_eq!(
        (r.tool.as_str(), r.system.as_str(), r.degree, r.spp, r.level, r.seed),
        ("mechc", "sprott_k", 2, 20, 1.0, 1)
    );
    assert_ne!(r.score.is_some(), r.error.is_some());
    assert!(r.wall_s.is_some_and(|w| w > 0.0));
    if let Some(s) = &r.score {
        assert_eq!(s.exact_support, s.missing == 0 && s.extra == 0);
        assert_eq!(r.coefficients.as_ref().unwrap().rows.len(), 3);
    }
    assert!(Path::new(&r.file).is_file() && out.join("model_sprott_k_deg2.mech").is_file());
    assert!(lines.iter().any(|l| l.starts_with("mechc") && l.contains("sprott_k")), "{lines:?}");
    // results.json and the streamed records.jsonl hold the same record.
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("results.json")).unwrap()).unwrap();
    assert_eq!(json["records"][0]["system"], "sprott_k");
    assert_eq!(json["systems"].as_array().unwrap().len(), 2);
    let streamed = std::fs::read_to_string(out.join("records.jsonl")).unwrap();
    let line: serde_json::Value = serde_json::from_str(streamed.lines().next().unwrap()).unwrap();
    assert_eq!(line, json["records"][0]);
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["by_level"][0]["cells"][0]["fits"], 1);
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn unknown_systems_and_bad_axes_are_refused_before_any_work() {
    let out = temp("bad");
    let mut cfg = BroadConfig::full(root(), &out);
    cfg.pysindy = false;
    cfg.systems = vec!["lorenz".into(), "lorentz".into()];
    let err = run_broad(&cfg, &mut |_| {}).unwrap_err();
    assert!(matches!(&err, BenchError::Config(m) if m.contains("`lorentz`") && m.contains("sprott_a")), "{err}");
    cfg.systems.clear();
    cfg.spp = vec![2];
    assert!(matches!(run_broad(&cfg, &mut |_| {}), Err(BenchError::Config(_))));
    cfg.spp = vec![20];
    cfg.time_limit = Some(0.0);
    assert!(matches!(run_broad(&cfg, &mut |_| {}), Err(BenchError::Config(_))));
    assert!(!out.exists(), "nothing is written before the configuration is checked");
}

#[test]
fn flows_integrate_what_the_truth_says() {
    // The compiled right-hand side the data come from agrees with the truth along a trajectory:
    // a fourth-order central difference of a densely sampled stretch matches the truth's value.
    let c = catalog();
    let sys = system(&c, "sprott_d");
    let flow = Flow::new(sys).unwrap();
    let start = flow.settle().unwrap();
    let dt = 1e-3;
    let times: Vec<f64> = (0..401).map(|k| k as f64 * dt).collect();
    let v = flow.integrate(&start, &times).unwrap();
    let t = truth(&sys.rhs, &sys.states, 2).unwrap();
    for i in (2..399).step_by(20) {
        let row = |j: usize| &v[j * 3..j * 3 + 3];
        let f = eval_truth(&t, &sys.states, row(i));
        for (d, want) in f.iter().enumerate() {
            let fd = (row(i - 2)[d] - 8.0 * row(i - 1)[d] + 8.0 * row(i + 1)[d] - row(i + 2)[d]) / (12.0 * dt);
            assert!((fd - want).abs() < 1e-8 * (1.0 + want.abs()), "row {i} state {d}: {fd} vs {want}");
        }
    }
}
