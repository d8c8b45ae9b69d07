//! The exports run by their own tools: the NumPy and SymPy modules, imported by Python,
//! evaluate the fitted right-hand side at random points to 1e-12 of mechc's compiled one (every
//! kind of expression: parameters, a second-order state, an input, `t`, intrinsics, powers,
//! quotients, sparse terms). Python comes from `MECHC_PYTHON` (the CI script creates a venv with
//! NumPy and SymPy and sets it); without it, `python3` is tried and the test says it skipped
//! when NumPy or SymPy is missing there. The Julia and LaTeX exports are checked for their
//! structure (no Julia here).

use mechc::data::Dataset;
use mechc::fit::Fitted;
use mechc::report::export::{export, Format};
use mechc::report::rollout::DiscoveredRhs;
use rand::{Rng, SeedableRng};
use std::process::Command;

fn python() -> Option<String> {
    if let Ok(p) = std::env::var("MECHC_PYTHON") {
        return Some(p);
    }
    let ok = Command::new("python3").args(["-c", "import numpy, sympy"]).output().is_ok_and(|o| o.status.success());
    ok.then(|| "python3".to_string())
}

/// The fixture's model with seeded random coefficients on every slot (one dropped) and
/// parameters.
fn model() -> (mechc::ir::ModelIr, Fitted, mechc::report::Report) {
    let (_, _, ir) = super::checked("tests/cases/run/ok/export_all.mech");
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let n = ir.coefs.len();
    let mut coefficients: Vec<f64> = (0..n).map(|_| rng.random_range(-2.0..2.0)).collect();
    coefficients[1] = 0.0;
    let active = (0..n).map(|s| s != 1).collect();
    let fitted = Fitted {
        coefficients,
        active,
        params: vec![0.7312, 1.2891],
        per_trajectory: vec![vec![], vec![]],
        denoised: vec![],
        noise: vec![0.0; 2],
        history: vec![],
        path: vec![],
        threshold: None,
        rounds: 0,
        loss: 0.0,
        interrupted: false,
        magnitudes: vec![],
        phases: vec![],
        uncertainty: None,
        no_effect: vec![false, false],
        weights: vec![],
        encoders: None,
        ensemble: None,
    };
    let data = Dataset { states: ir.names.states.clone(), inputs: ir.names.inputs.clone(), trajectories: vec![] };
    let report = mechc::report::build(&ir, &data, &fitted, "auto", 0.0, 4);
    (ir, fitted, report)
}

#[test]
fn numpy_and_sympy_exports_reproduce_the_right_hand_side() {
    let Some(py) = python() else {
        eprintln!("skipped: no Python with NumPy and SymPy (set MECHC_PYTHON)");
        return;
    };
    let (ir, fitted, report) = model();
    let rhs = DiscoveredRhs::new(&ir, &fitted.params, &fitted.coefficients).unwrap();
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("exports");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
    let points: Vec<[f64; 5]> = (0..50).map(|_| std::array::from_fn(|_| rng.random_range(-2.0..2.0))).collect();
    let mut want = Vec::new();
    for p in &points {
        // p = (t, x, x', v, u): the first-order layout is x, x', v.
        let mut dy = vec![0.0; rhs.dim()];
        rhs.eval(p[0], &p[1..4], &p[4..5], &mut dy);
        want.push(dy);
    }
    for (name, format) in [("export_numpy", Format::Numpy), ("export_sympy", Format::Sympy)] {
        std::fs::write(dir.join(format!("{name}.py")), export(&ir, &fitted, &report, format, "export_all.mech"))
            .unwrap();
        let driver = format!(
            "import json, sys\nsys.path.insert(0, {dir:?})\nimport {name} as m\n\
             for p in json.loads(sys.stdin.read()):\n    print(json.dumps([float(v) for v in m.rhs(p[0], p[1:4], inputs={{'u': p[4]}})]))\n",
            dir = dir.to_str().unwrap()
        );
        let mut child = Command::new(&py)
            .args(["-c", &driver])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("python runs");
        use std::io::Write;
        child.stdin.take().unwrap().write_all(serde_json::to_string(&points).unwrap().as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{name}: {}", String::from_utf8_lossy(&out.stderr));
        let got: Vec<Vec<f64>> =
            String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(got.len(), points.len());
        for (g, w) in got.iter().zip(&want) {
            for (a, b) in g.iter().zip(w) {
                assert!((a - b).abs() <= 1e-12 * b.abs().max(1.0), "{name}: {a} vs {b}");
            }
        }
    }
}

#[test]
fn julia_and_latex_exports_hold_every_equation() {
    let (ir, fitted, report) = model();
    let jl = export(&ir, &fitted, &report, Format::Julia, "export_all.mech");
    assert!(jl.contains("function rhs!(du, u, p, t; inputs = t -> NamedTuple())"));
    assert!(jl.contains("const PARAMS = (a = 0.7312, b = 1.2891)"));
    for k in 1..=3 {
        assert_eq!(jl.matches(&format!("du[{k}] = ")).count(), 1, "{jl}");
    }
    assert!(jl.contains("du[1] = s_x_d"), "{jl}");
    let tex = export(&ir, &fitted, &report, Format::Latex, "export_all.mech");
    assert!(tex.starts_with('%') && tex.contains("\\begin{align}") && tex.trim_end().ends_with("\\end{align}"));
    assert!(tex.contains("\\ddot{x} &=") && tex.contains("\\dot{v} &="), "{tex}");
    assert!(tex.contains("\\sin\\left(t\\right)") && tex.contains("\\tanh"), "{tex}");
}
