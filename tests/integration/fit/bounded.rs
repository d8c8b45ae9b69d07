//! Field simulations on bounded spaces: the heat equation against its closed-form solutions
//! with held values (`sin(πx)` decays as `e^{−π²t}`) and no flux (`cos(πx)`), converging at
//! the finite differences' fourth order, and the Fisher–KPP terms recovered end to end from a
//! simulation with no-flux ends.

use mechc::pipeline::fields::{prepare_fields, train_fields, PreparedFields};
use mechc::source::SourceMap;

fn prepared_text(text: &str) -> PreparedFields {
    let mut sources = SourceMap::new();
    let root = sources.add("bounded.mech", text.to_string());
    let c = mechc::pipeline::check_and_lower(&mut sources, root).expect("checks");
    prepare_fields(c).expect("data")
}

/// Largest error of the heat equation's simulation from `profile` (`sin` or `cos` of πx) with
/// `boundary` on `points` points of 0..1, against `e^{−π²t}·profile`.
fn heat_error(profile: &str, boundary: &str, points: usize) -> f64 {
    let text = format!(
        "model heat\nspace x in 0 .. 1\nfield u over x\n\
         data d = simulate {{ u' = u_xx  init u = {profile}(3.141592653589793*x)  boundary {boundary}  points {points}  time 0 .. 0.1 step 0.01 }}\nu' = u_xx\n"
    );
    let p = prepared_text(&text);
    let tr = &p.data.trajectories[0];
    let pi = std::f64::consts::PI;
    let f = |x: f64| if profile == "sin" { (pi * x).sin() } else { (pi * x).cos() };
    let mut worst: f64 = 0.0;
    for (i, t) in tr.t.iter().enumerate() {
        for (j, x) in tr.x.iter().enumerate() {
            let want = (-pi * pi * t).exp() * f(*x);
            worst = worst.max((tr.u[0][i * tr.nx() + j] - want).abs());
        }
    }
    worst
}

/// Errors on 11, 21 and 41 points fall by 2⁴ per halving of the spacing (within 30%).
fn assert_fourth_order(profile: &str, boundary: &str) {
    let e: Vec<f64> = [11, 21, 41].iter().map(|&n| heat_error(profile, boundary, n)).collect();
    assert!(e[2] < 1e-6, "{profile}: errors {e:?}");
    for w in e.windows(2) {
        let order = (w[0] / w[1]).log2();
        assert!((order - 4.0).abs() < 0.4, "{profile} with {boundary}: errors {e:?}, order {order}");
    }
}

#[test]
fn held_ends_heat_converges_at_fourth_order() {
    assert_fourth_order("sin", "u = 0");
}

#[test]
fn no_flux_heat_converges_at_fourth_order() {
    assert_fourth_order("cos", "u_x = 0");
}

#[test]
fn bounded_fisher_kpp_terms_are_recovered() {
    let text = "model fisher\nspace x in 0 .. 40\nfield u over x\n\
        data d = simulate fisher_kpp(d = 1, r = 1) { init u = exp(-(x - 20)^2/4)  boundary u_x = 0  points 256  time 0 .. 5 step 0.05 }\n\
        u' = sparse(poly(u, degree = 2) * {1, u_x, u_xx})\n";
    let t0 = std::time::Instant::now();
    let p = prepared_text(text);
    assert!(t0.elapsed().as_secs_f64() < 30.0, "simulation took {:?}", t0.elapsed());
    let fit = train_fields(&p, None, None).expect("fits");
    let pde = p.model.pde.as_ref().unwrap();
    let r = mechc::report::fields::build(&p.ir, pde, &p.data, &fit, 6);
    let got: Vec<(String, f64)> = r.equations[0].terms.iter().map(|t| (t.term.clone(), t.coefficient)).collect();
    assert_eq!(got.len(), 3, "{got:?}");
    for (name, c) in [("u_xx", 1.0), ("u", 1.0), ("u^2", -1.0)] {
        let g = got.iter().find(|(t, _)| t == name).unwrap_or_else(|| panic!("no {name} in {got:?}")).1;
        assert!((g - c).abs() < 1e-3, "{name}: {g}");
    }
}
