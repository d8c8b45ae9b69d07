//! Noise and random draws: the σ = p% × std definition, empirical statistics within sampling
//! error, reproducibility from the seed, and seeded simulated datasets with their true values.

use mechc::data::noise::{noise_sigmas, observed_std};
use mechc::data::{add_noise, grid, normal, seeded, simulate_dataset, uniform, Dist, SimOptions, SimSpec, Trajectory};

/// A clean two-state trajectory with very different scales, plus one missing value.
fn clean(n: usize) -> Trajectory {
    let times: Vec<f64> = (0..n).map(|i| i as f64 * 0.01).collect();
    let mut values = Vec::with_capacity(2 * n);
    for &t in &times {
        values.push(3.0 * (2.0 * t).sin() + 1.0);
        values.push(100.0 * (0.3 * t).cos());
    }
    values[7] = f64::NAN;
    Trajectory::from_rows("clean", times, 2, values)
}

#[test]
fn noise_has_the_defined_standard_deviation() {
    let n = 20_000;
    let base = clean(n);
    let mut noisy = base.clone();
    let sigmas = add_noise(&mut noisy, 2, 5.0, &mut seeded(7)).unwrap();
    for (d, &sigma) in sigmas.iter().enumerate() {
        // σ_d = 5% of the population std of the clean state over its own trajectory.
        let col = base.column(d);
        let obs: Vec<f64> = col.iter().copied().filter(|v| !v.is_nan()).collect();
        let mean = obs.iter().sum::<f64>() / obs.len() as f64;
        let std = (obs.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / obs.len() as f64).sqrt();
        assert!((sigma - 0.05 * std).abs() <= 1e-12 * std);
        let resid: Vec<f64> =
            noisy.column(d).iter().zip(&col).filter(|(_, c)| !c.is_nan()).map(|(a, b)| a - b).collect();
        let m = resid.len() as f64;
        let r_mean = resid.iter().sum::<f64>() / m;
        let r_std = (resid.iter().map(|r| (r - r_mean).powi(2)).sum::<f64>() / (m - 1.0)).sqrt();
        // Sampling error: the mean has standard error σ/√m, the sample std about σ/√(2(m−1))
        // (chi distribution); allow 5 standard errors each.
        assert!(r_mean.abs() <= 5.0 * sigma / m.sqrt(), "state {d}: mean {r_mean}");
        let se = sigma / (2.0 * (m - 1.0)).sqrt();
        assert!((r_std - sigma).abs() <= 5.0 * se, "state {d}: std {r_std} vs {}", sigma);
    }
    assert!(noisy.values[7].is_nan() && !noisy.mask[7], "missing values stay missing");
}

#[test]
fn noise_is_reproducible_from_the_seed() {
    let draw = |seed| {
        let mut t = clean(500);
        add_noise(&mut t, 2, 10.0, &mut seeded(seed)).unwrap();
        t.values
    };
    let (a, b, c) = (draw(1), draw(1), draw(2));
    let same = |x: &[f64], y: &[f64]| x.iter().zip(y).all(|(p, q)| p.to_bits() == q.to_bits());
    assert!(same(&a, &b));
    assert!(!same(&a, &c));
    let mut zero = clean(50);
    add_noise(&mut zero, 2, 0.0, &mut seeded(1)).unwrap();
    assert!(same(&zero.values, &clean(50).values));
    assert!(add_noise(&mut zero, 2, -1.0, &mut seeded(1)).is_err());
}

#[test]
fn inputs_are_not_noised() {
    // Two states and one input column: only the states receive noise.
    let n = 200;
    let times: Vec<f64> = (0..n).map(|i| i as f64).collect();
    let values: Vec<f64> = (0..3 * n).map(|c| ((c * 7919) % 101) as f64).collect();
    let clean = Trajectory::from_rows("u", times, 3, values);
    let mut noisy = clean.clone();
    let sigmas = add_noise(&mut noisy, 2, 10.0, &mut seeded(9)).unwrap();
    assert_eq!(sigmas.len(), 2);
    assert_eq!(sigmas, noise_sigmas(&clean, 2, 10.0));
    assert!((sigmas[1] - 0.1 * observed_std(&clean.column(1))).abs() < 1e-15);
    assert_eq!(noisy.column(2), clean.column(2));
    assert!(noisy.column(0).iter().zip(clean.column(0)).all(|(a, b)| *a != b));
}

#[test]
fn draws_follow_their_distributions() {
    let mut rng = seeded(3);
    let m = 10_000;
    let xs: Vec<f64> = (0..m).map(|_| normal(&mut rng, 2.0, 0.5).unwrap()).collect();
    let mean = xs.iter().sum::<f64>() / m as f64;
    // Standard error of the mean 0.5/√m; 5 of them.
    assert!((mean - 2.0).abs() <= 5.0 * 0.5 / (m as f64).sqrt(), "mean {mean}");
    let us: Vec<f64> = (0..m).map(|_| uniform(&mut rng, -1.0, 3.0).unwrap()).collect();
    assert!(us.iter().all(|u| (-1.0..3.0).contains(u)));
    let umean = us.iter().sum::<f64>() / m as f64;
    // Uniform(−1, 3): mean 1, sd 4/√12.
    assert!((umean - 1.0).abs() <= 5.0 * (4.0 / 12f64.sqrt()) / (m as f64).sqrt(), "mean {umean}");
    assert!(normal(&mut rng, 0.0, -1.0).is_err());
    assert!(uniform(&mut rng, 1.0, 1.0).is_err());
    assert!(Dist::Normal { mean: f64::NAN, sd: 1.0 }.sample(&mut rng).is_err());
}

fn decay_spec(noise: f64, seed: u64) -> SimSpec {
    SimSpec {
        states: vec!["x".into()],
        params: vec![("k".into(), Dist::Uniform { lo: 0.5, hi: 2.0 }), ("unused".into(), Dist::Fixed(4.0))],
        init: vec![Dist::Normal { mean: 3.0, sd: 0.5 }],
        times: grid(0.0, 2.0, 0.05).unwrap(),
        noise_percent: noise,
        trajectories: 4,
        seed,
        options: SimOptions::default(),
    }
}

#[test]
fn simulated_datasets_keep_their_true_values() {
    let mut f = |_t: f64, x: &[f64], p: &[f64], dx: &mut [f64]| dx[0] = -p[0] * x[0];
    let ds = simulate_dataset(&decay_spec(0.0, 11), &mut f).unwrap();
    assert_eq!(ds.trajectories.len(), 4);
    let mut ks = Vec::new();
    for tr in &ds.trajectories {
        let truth = tr.truth.as_ref().unwrap();
        let (k, x0) = (truth.params[0].1, truth.init[0]);
        assert_eq!(truth.params[1], ("unused".to_string(), 4.0));
        assert!((0.5..2.0).contains(&k));
        ks.push(k);
        for (i, &t) in tr.times.iter().enumerate() {
            let want = x0 * (-k * t).exp();
            // Default tolerances (rtol 5e-14) on a contracting problem: far below 1e-8.
            assert!((tr.values[i] - want).abs() <= 1e-8 * want.abs(), "t = {t}");
        }
    }
    ks.dedup();
    assert_eq!(ks.len(), 4, "each trajectory draws its own parameter");
    let again = simulate_dataset(&decay_spec(0.0, 11), &mut f).unwrap();
    assert_eq!(ds, again);
    let noisy = simulate_dataset(&decay_spec(5.0, 11), &mut f).unwrap();
    let other = simulate_dataset(&decay_spec(5.0, 12), &mut f).unwrap();
    assert_eq!(noisy, simulate_dataset(&decay_spec(5.0, 11), &mut f).unwrap());
    assert_ne!(noisy, other);
    // Draws of parameters and initial states precede all noise, so the noise-free run with the
    // same seed is the clean counterpart, and its per-state std defines the σ that was used.
    for (clean, tr) in ds.trajectories.iter().zip(&noisy.trajectories) {
        let (c, t) = (clean.truth.as_ref().unwrap(), tr.truth.as_ref().unwrap());
        assert_eq!((&c.params, &c.init), (&t.params, &t.init));
        assert_eq!(c.noise_sigmas, vec![0.0]);
        assert_eq!(t.noise_sigmas, noise_sigmas(clean, 1, 5.0));
        assert!(t.noise_sigmas[0] > 0.0);
    }
}
