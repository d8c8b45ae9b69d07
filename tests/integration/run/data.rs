//! Data from model declarations: every example's `data` declarations load; simulated data match
//! closed-form solutions (first-order form of a second-order system included), honour seeds,
//! per-trajectory draws and state maps; csv data match the file.

use super::{checked, mech_files};
use mechc::check::hir::DataSource;
use mechc::data::{load_model_data, Dataset};
use mechc::pipeline::min_rows;

/// Loads the data of a model given as text (checked in memory, no file).
fn data_of(name: &str, text: &str) -> Dataset {
    let mut sources = mechc::source::SourceMap::new();
    let root = sources.add(format!("{name}.mech"), text);
    let checked = mechc::pipeline::check_and_lower(&mut sources, root).unwrap_or_else(|_| panic!("{name} checks"));
    load_model_data(&checked.model, 2).unwrap_or_else(|d| panic!("{}", d.message))
}

#[test]
fn every_example_loads_its_data() {
    for f in mech_files("examples") {
        let (_, model, _) = checked(f.to_str().unwrap());
        if model.pde.is_some() {
            // Field data load through the field pipeline (tests/integration/fit/fields.rs).
            continue;
        }
        let ds = load_model_data(&model, min_rows(&model)).unwrap_or_else(|d| panic!("{}: {}", f.display(), d.message));
        let names: Vec<&str> = model.states.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(ds.states, names, "{}", f.display());
        assert!(!ds.trajectories.is_empty());
        for tr in &ds.trajectories {
            assert!(tr.len() >= min_rows(&model), "{}", f.display());
            assert!(tr.times.windows(2).all(|w| w[1] > w[0]));
            // Every state value is observed and finite (no data source here has gaps).
            for r in 0..tr.len() {
                assert!((0..ds.states.len()).all(|c| tr.values[r * tr.width + c].is_finite()), "{}", f.display());
            }
        }
        if let DataSource::Simulate(s) = &model.data[0].source {
            let tr = &ds.trajectories[0];
            assert_eq!(tr.len(), ((s.t1 - s.t0) / s.step).round() as usize + 1);
            assert_eq!(ds.trajectories.len(), s.trajectories as usize);
        }
    }
}

#[test]
fn csv_data_match_the_file() {
    let (_, model, _) = checked("examples/lotka_volterra.mech");
    let ds = load_model_data(&model, 2).unwrap();
    let text = std::fs::read_to_string("examples/data/lotka_volterra.csv").unwrap();
    let rows: Vec<Vec<f64>> =
        text.lines().skip(1).map(|l| l.split(',').map(|c| c.parse().unwrap()).collect()).collect();
    let tr = &ds.trajectories[0];
    assert_eq!(tr.len(), rows.len());
    for (r, row) in rows.iter().enumerate() {
        assert_eq!(tr.times[r], row[0]);
        assert_eq!(&tr.values[r * 2..r * 2 + 2], &row[1..3]);
    }
    assert_eq!(tr.label, "pelts");
}

#[test]
fn simulated_decay_matches_the_closed_form() {
    let ds = data_of("decay", "model m\nstate x\ndata d = simulate {\n x' = -0.5*x\n init x = 2\n time 0 .. 4 step 0.1\n}\nx' = sparse({x})\n");
    let tr = &ds.trajectories[0];
    for (r, &t) in tr.times.iter().enumerate() {
        // The integrator runs at rtol 5e-14: on a decaying exponential the global error stays
        // within a few hundred times that.
        let exact = 2.0 * (-0.5 * t).exp();
        assert!((tr.values[r] - exact).abs() < 1e-11 * exact.max(1.0), "t={t}");
    }
}

#[test]
fn second_order_systems_integrate_in_first_order_form() {
    // x'' = -2ζωx' - ω²x, x(0) = 1, x'(0) = 0: x = e^{-ζωt}(cos ω_d t + ζω/ω_d sin ω_d t).
    let ds = data_of("oscillator", "model m\nstate x\ndata d = simulate damped_oscillator(omega = 2, zeta = 0.1) {\n init x = 1, x' = 0\n time 0 .. 10 step 0.05\n}\nx'' = sparse({x, x'})\n");
    let (w, z) = (2.0f64, 0.1f64);
    let wd = w * (1.0 - z * z).sqrt();
    let tr = &ds.trajectories[0];
    assert_eq!(tr.width, 1);
    for (r, &t) in tr.times.iter().enumerate() {
        let exact = (-z * w * t).exp() * ((wd * t).cos() + z * w / wd * (wd * t).sin());
        // rtol 5e-14 over about three periods: far below 1e-10.
        assert!((tr.values[r] - exact).abs() < 1e-10, "t={t}: {} vs {exact}", tr.values[r]);
    }
}

#[test]
fn state_map_reorders_system_states() {
    let body = |states: &str| {
        format!("model m\nstate {states}\ndata d = simulate lorenz(sigma = 10, rho = 28, beta = 8/3) {{\n init x = 1, y = 2, z = 3\n time 0 .. 1 step 0.01\n}}\nx' = sparse({{x}})\ny' = sparse({{y}})\nz' = sparse({{z}})\n")
    };
    let a = data_of("lorenz_xyz", &body("x, y, z"));
    let b = data_of("lorenz_zxy", &body("z, x, y"));
    let (ta, tb) = (&a.trajectories[0], &b.trajectories[0]);
    assert_eq!(b.states, ["z", "x", "y"]);
    for r in 0..ta.len() {
        let (ra, rb) = (ta.row(r), tb.row(r));
        assert_eq!([ra[2], ra[0], ra[1]], [rb[0], rb[1], rb[2]]);
    }
}

#[test]
fn draws_are_per_trajectory_and_seeded() {
    let text = |seed: u32| {
        format!("model m\nstate u\ndata d = simulate logistic(r = normal(3, 0.5), k = 1) {{\n init u = uniform(0.01, 0.1)\n time 0 .. 1 step 0.1\n noise 2%\n seed {seed}\n trajectories 4\n}}\nu' = sparse(poly(u, degree = 2))\n")
    };
    let a = data_of("logistic_a", &text(7));
    let b = data_of("logistic_b", &text(7));
    let c = data_of("logistic_c", &text(8));
    assert_eq!(a, b);
    assert_ne!(a, c);
    assert_eq!(a.trajectories.len(), 4);
    let inits: Vec<f64> = a.trajectories.iter().map(|t| t.truth.as_ref().unwrap().init[0]).collect();
    assert!(inits.iter().all(|&u| (0.01..0.1).contains(&u)));
    assert!(inits.windows(2).all(|w| w[0] != w[1]), "{inits:?}");
    let labels: Vec<&str> = a.trajectories.iter().map(|t| t.label.as_str()).collect();
    assert_eq!(labels, ["d/1", "d/2", "d/3", "d/4"]);
}

#[test]
fn several_data_declarations_give_several_trajectories() {
    let ds = data_of("two_sets", "model m\nstate x\ndata a = simulate {\n x' = -x\n init x = 1\n time 0 .. 1 step 0.1\n}\ndata b = simulate {\n x' = -x\n init x = 3\n time 0 .. 2 step 0.1\n}\nx' = sparse({x})\n");
    assert_eq!(ds.trajectories.len(), 2);
    assert_eq!((ds.trajectories[0].label.as_str(), ds.trajectories[1].label.as_str()), ("a", "b"));
    assert_eq!((ds.trajectories[0].len(), ds.trajectories[1].len()), (11, 21));
    assert_eq!(ds.trajectories[1].values[0], 3.0);
}
