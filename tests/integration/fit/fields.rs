//! Field models end to end: the examples' PDEs are recovered with the generating systems'
//! terms and coefficients (the oracle is the `simulate` call), the simulator against a
//! closed-form solution, the long-form CSV loader's grid checks, and a lone soliton (a closed-form
//! travelling wave) recognised as one (`W016`).

use mechc::data::field::{load_csv, FieldCsvError};
use mechc::pipeline::fields::{prepare_fields, train_fields, PreparedFields};
use mechc::source::SourceMap;

fn prepared(path: &str) -> PreparedFields {
    let text = std::fs::read_to_string(path).expect("example");
    let mut sources = SourceMap::new();
    let root = sources.add(path, text);
    let c = mechc::pipeline::check_and_lower(&mut sources, root).expect("checks");
    prepare_fields(c).expect("data")
}

/// The fitted equation's terms as (term, coefficient).
fn terms(p: &PreparedFields) -> Vec<(String, f64)> {
    let fit = train_fields(p, None, None).expect("fits");
    // Neither example is a travelling wave (Burgers steepens and spreads, the two solitons
    // travel at different speeds).
    assert!(fit.travelling.is_empty(), "{:?}", fit.travelling);
    let pde = p.model.pde.as_ref().unwrap();
    let r = mechc::report::fields::build(&p.ir, pde, &p.data, &fit, 6);
    assert!(r.rollout[0].as_ref().is_ok_and(|e| *e < 1e-3), "rollout {:?}", r.rollout[0]);
    r.equations[0].terms.iter().map(|t| (t.term.clone(), t.coefficient)).collect()
}

fn assert_terms(got: &[(String, f64)], want: &[(&str, f64)], tol: f64) {
    assert_eq!(got.len(), want.len(), "terms {got:?}");
    for (name, c) in want {
        let (_, g) = got.iter().find(|(t, _)| t == name).unwrap_or_else(|| panic!("no term {name} in {got:?}"));
        assert!((g - c).abs() <= tol * c.abs(), "{name}: {g} vs {c}");
    }
}

#[test]
fn burgers_example_recovers_the_generating_equation() {
    let p = prepared("examples/burgers.mech");
    assert_terms(&terms(&p), &[("u*u_x", -1.0), ("u_xx", 0.1)], 0.01);
}

#[test]
fn kdv_example_recovers_the_generating_equation() {
    let p = prepared("examples/kdv.mech");
    assert_terms(&terms(&p), &[("u*u_x", -6.0), ("u_xxx", -1.0)], 0.01);
}

#[test]
fn universal_fisher_fits_the_diffusion_and_finds_the_reaction() {
    let p = prepared("examples/fisher_universal.mech");
    let fit = train_fields(&p, None, None).expect("fits");
    assert!((fit.fitted.params[0] - 1.0).abs() < 0.01, "d = {}", fit.fitted.params[0]);
    let pde = p.model.pde.as_ref().unwrap();
    let r = mechc::report::fields::build(&p.ir, pde, &p.data, &fit, 6);
    let got: Vec<(String, f64)> = r.equations[0].terms.iter().map(|t| (t.term.clone(), t.coefficient)).collect();
    assert_terms(&got, &[("u", 1.0), ("u^2", -1.0)], 0.01);
}

#[test]
fn heat_equation_simulation_matches_the_closed_form() {
    // u_t = u_xx from sin(x): u = e^{-t} sin(x).
    let text = "model heat\nspace x in 0 .. 6.283185307179586 periodic\nfield u over x\n\
        data d = simulate { u' = u_xx  init u = sin(x)  points 32  time 0 .. 1 step 0.1 }\nu' = u_xx\n";
    let mut sources = SourceMap::new();
    let root = sources.add("heat.mech", text);
    let c = mechc::pipeline::check_and_lower(&mut sources, root).expect("checks");
    let p = prepare_fields(c).expect("data");
    let tr = &p.data.trajectories[0];
    for (i, t) in tr.t.iter().enumerate() {
        for (j, x) in tr.x.iter().enumerate() {
            let want = (-t).exp() * x.sin();
            assert!((tr.u[0][i * tr.nx() + j] - want).abs() < 1e-9, "t {t} x {x}");
        }
    }
}

#[test]
fn long_form_csv_grid_is_checked() {
    let dir = std::env::temp_dir().join(format!("mechc-fields-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut ok = String::from("t,x,u\n");
    let mut bad = ok.clone();
    for i in 0..6 {
        for j in 0..8 {
            ok.push_str(&format!("{},{},{}\n", i as f64 * 0.1, j as f64 * 0.125, (j as f64).sin()));
            // The third point moved: not equally spaced.
            let x = if j == 2 { 0.3 } else { j as f64 * 0.125 };
            bad.push_str(&format!("{},{x},{}\n", i as f64 * 0.1, (j as f64).sin()));
        }
    }
    std::fs::write(dir.join("ok.csv"), ok).unwrap();
    std::fs::write(dir.join("bad.csv"), bad).unwrap();
    let space =
        mechc::check::hir::PdeSpace { name: "x".into(), lo: 0.0, hi: 1.0, periodic: true, span: Default::default() };
    let spec = |f: &str| mechc::check::hir::PdeCsv {
        name: "d".into(),
        span: Default::default(),
        path: dir.join(f),
        time: "t".into(),
        space: "x".into(),
        trajectory: None,
        columns: vec!["u".into()],
    };
    let fields = vec!["u".to_string()];
    let d = load_csv(&spec("ok.csv"), &space, &fields).expect("regular grid");
    assert_eq!((d.trajectories[0].nt(), d.trajectories[0].nx()), (6, 8));
    match load_csv(&spec("bad.csv"), &space, &fields) {
        Err(FieldCsvError::Grid(m)) => assert!(m.contains("not equally spaced"), "{m}"),
        other => panic!("expected a grid error, got {other:?}"),
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// A model over a long-form CSV file of the KdV soliton `u = (c/2) sech²(√c/2 (x + 5 − c t))`,
/// c = 4, sampled from its closed form (a travelling wave by construction: it solves
/// `u_t = −6 u u_x − u_xxx` and `u_t = −4 u_x` alike), with the library `lib`.
fn soliton(name: &str, lib: &str) -> PreparedFields {
    soliton_with(name, lib, &[])
}

/// [`soliton`] plus linear KdV waves `a·cos(k x + k³ t)` for `(mode, a)` in `ripples` (`k` =
/// 2π·mode/20): the fast ripples a non-periodic initial profile sheds, far above the time
/// sampling's Nyquist frequency.
fn soliton_with(name: &str, lib: &str, ripples: &[(f64, f64)]) -> PreparedFields {
    let dir = std::env::temp_dir().join(format!("mechc-soliton-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut csv = String::from("t,x,u\n");
    for i in 0..=100 {
        let t = i as f64 * 0.02;
        for j in 0..256 {
            let x = -10.0 + 20.0 * j as f64 / 256.0;
            let wave: f64 = ripples
                .iter()
                .map(|&(mode, a)| {
                    let k = std::f64::consts::TAU * mode / 20.0;
                    a * (k * x + k.powi(3) * t).cos()
                })
                .sum();
            let u = 2.0 / (x + 5.0 - 4.0 * t).cosh().powi(2) + wave;
            csv.push_str(&format!("{t:e},{x:e},{u:e}\n"));
        }
    }
    std::fs::write(dir.join("u.csv"), csv).unwrap();
    let text = format!(
        "model soliton\nspace x in -10 .. 10 periodic\nfield u over x\n\
         data d = csv \"u.csv\" {{ time = t, x = x, u = u }}\nbasis lib = {lib}\nu' = sparse(lib)\n"
    );
    let mut sources = SourceMap::new();
    let root = sources.add(dir.join("soliton.mech").display().to_string(), text);
    let c = mechc::pipeline::check_and_lower(&mut sources, root).expect("checks");
    prepare_fields(c).expect("data")
}

#[test]
fn lone_soliton_is_reported_as_a_travelling_wave() {
    // With the bare u_x in the library the sparsest model is the translation itself; the
    // warning names KdV, the sparsest model without u_x.
    let p = soliton("full", "poly(u, degree = 2)*{1, u_x, u_xx, u_xxx}");
    let fit = train_fields(&p, None, None).expect("fits");
    assert_eq!(fit.travelling.len(), 1, "{:?}", fit.travelling);
    let tw = &fit.travelling[0];
    assert!((tw.speed - 4.0).abs() < 0.01 * 4.0, "speed {}", tw.speed);
    let w = mechc::pipeline::fields::field_warnings(&p, &fit);
    assert_eq!(w.len(), 1);
    assert_eq!(w[0].code.0, "W016");
    let m = &w[0].message;
    assert!(m.contains("`u' = -4*u_x` is that translation"), "{m}");
    // The alternative: KdV, -u_xxx - 6*u*u_x, to three digits.
    assert!(m.contains("`u' = -u_xxx - 6.00") && m.contains("the sparsest model without `u_x`"), "{m}");
}

#[test]
fn lone_soliton_without_the_bare_derivative_names_the_translation() {
    let p = soliton("no_ux", "{1, u, u^2, u_xx, u_xxx, u*u_x, u*u_xx}");
    let fit = train_fields(&p, None, None).expect("fits");
    assert_eq!(fit.travelling.len(), 1, "{:?}", fit.travelling);
    let w = mechc::pipeline::fields::field_warnings(&p, &fit);
    let m = &w[0].message;
    assert!(m.contains("`u' = -4.00") && m.contains("*u_x` explains them as well as `u' = -"), "{m}");
}

#[test]
fn unresolved_fast_ripples_do_not_bias_the_fit() {
    // Ripples of 1e-4 at modes 40 and 60 (time frequencies k³ ≈ 2e3 and 7e3 against a Nyquist
    // frequency of 157) carry large third derivatives and aliased time derivatives: kept, they
    // pull the u_xxx coefficient to about -0.67; the fit cuts the modes the sampling does not
    // resolve.
    let p = soliton_with("ripples", "{1, u, u^2, u_xx, u_xxx, u*u_x, u*u_xx}", &[(40.0, 1e-4), (60.0, 1e-4)]);
    let f = train_fields(&p, None, None).expect("fits").fitted;
    let eqs = mechc::report::equations::equations_with(&p.ir, &f.coefficients, &f.active, &f.magnitudes, 6);
    let got: Vec<(String, f64)> = eqs[0].terms.iter().map(|t| (t.term.clone(), t.coefficient)).collect();
    assert_terms(&got, &[("u*u_x", -6.0), ("u_xxx", -1.0)], 0.01);
}

/// Every fixture under `tests/cases/run/warn_fields` draws exactly the warnings its `# expect:`
/// line names: the check's, then those about the field fit's result.
#[test]
fn field_warning_fixtures_draw_their_codes() {
    let mut n = 0;
    for f in std::fs::read_dir("tests/cases/run/warn_fields").unwrap().flatten() {
        let path = f.path().display().to_string();
        let text = std::fs::read_to_string(&path).unwrap();
        let want: Vec<String> = text
            .lines()
            .find_map(|l| l.strip_prefix("# expect:"))
            .map(|r| r.split(',').map(|c| c.trim().to_string()).collect())
            .unwrap_or_default();
        let p = prepared(&path);
        let fit = train_fields(&p, None, None).expect("fits");
        let got: Vec<String> = p
            .warnings
            .iter()
            .chain(&mechc::pipeline::fields::field_warnings(&p, &fit))
            .map(|d| d.code.0.to_string())
            .collect();
        assert_eq!(got, want, "{path}");
        n += 1;
    }
    assert!(n >= 1);
}
