//! Tests of the discovery benchmark (`mechc::bench`): the generated Lorenz data (grid, initial
//! state, determinism, noise level), scoring on hand-made coefficient tables, the summary and its
//! printed table, the PySINDy output parser and missing-environment message, and the harness end
//! to end on one seed without Python.

use crate::bin::mechc;
use std::path::{Path, PathBuf};

use clap::Parser;
use mechc::bench::dataset::{file_name, lorenz_clean, noisy_copy, write_datasets, DataFile, LorenzSpec};
use mechc::bench::discovery::{run_discovery, DiscoveryConfig, DiscoveryReport, FitRecord};
use mechc::bench::pysindy::{parse_results, Runner};
use mechc::bench::score::{monomial_key, score, CoefTable, Score, Truth};
use mechc::bench::summary::{median, meets, summarise, table};
use mechc::bench::BenchError;
use mechc::data::noise::observed_std;

fn temp(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("mechc-bench-{}-{name}", std::process::id()))
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The true Lorenz coefficients as a full 10-term table per state, with `edit` applied.
fn lorenz_table(edit: impl Fn(&str, &str, f64) -> f64) -> CoefTable {
    let terms = ["1", "x", "y", "z", "x^2", "x*y", "x*z", "y^2", "y*z", "z^2"];
    let truth = Truth::lorenz();
    let rows = ["x", "y", "z"]
        .iter()
        .map(|s| {
            let row = terms
                .iter()
                .map(|t| {
                    let c = truth.terms.iter().find(|(ts, tt, _)| ts == s && tt == t).map_or(0.0, |x| x.2);
                    (t.to_string(), edit(s, t, c))
                })
                .collect();
            (s.to_string(), row)
        })
        .collect();
    CoefTable { rows }
}

#[test]
fn grid_and_initial_state_match_the_spec() {
    let spec = LorenzSpec::default();
    let tr = lorenz_clean(&spec).unwrap();
    assert_eq!(tr.len(), 5001);
    assert_eq!(tr.times[0], 0.0);
    assert_eq!(tr.times[5000], 10.0);
    // Grid points are k·dt computed directly, so each is within one rounding of k·0.002.
    for (k, t) in tr.times.iter().enumerate() {
        assert!((t - k as f64 * 0.002).abs() <= 1e-15 * 10.0, "t[{k}] = {t}");
    }
    assert_eq!(tr.row(0), &[-8.0, 8.0, 27.0]);
}

#[test]
fn clean_data_satisfies_the_lorenz_equations() {
    let tr = lorenz_clean(&LorenzSpec::default()).unwrap();
    let dt = 0.002;
    let c = |j: usize, d: usize| tr.row(j)[d];
    // The fourth-order central difference has truncation error dt^4/30 · u^(5). Bound u^(5) from
    // the data itself with the central fifth-difference stencil (its own round-off, about
    // 20·ε·50/dt^5 ≈ 7, is negligible), and allow twice the resulting error: a wrong σ, ρ or β
    // (even 1e-3 relative) shifts the derivative by far more than this bound.
    let mut fifth: f64 = 0.0;
    let mut worst: f64 = 0.0;
    for i in 3..tr.len() - 3 {
        let u = tr.row(i);
        let f = [10.0 * (u[1] - u[0]), u[0] * (28.0 - u[2]) - u[1], u[0] * u[1] - 8.0 / 3.0 * u[2]];
        for (d, fd) in f.iter().enumerate() {
            let deriv = (c(i - 2, d) - 8.0 * c(i - 1, d) + 8.0 * c(i + 1, d) - c(i + 2, d)) / (12.0 * dt);
            worst = worst.max((deriv - fd).abs());
            let d5 = c(i + 3, d) - 4.0 * c(i + 2, d) + 5.0 * c(i + 1, d) - 5.0 * c(i - 1, d) + 4.0 * c(i - 2, d)
                - c(i - 3, d);
            fifth = fifth.max((d5 / (2.0 * dt.powi(5))).abs());
        }
    }
    let bound = 2.0 * dt.powi(4) / 30.0 * fifth;
    assert!(worst < bound, "finite-difference residual {worst}, bound {bound}");
    assert!(bound < 1e-2, "the bound {bound} is too loose to test anything");
}

#[test]
fn noisy_copies_are_deterministic_and_seed_dependent() {
    let clean = lorenz_clean(&LorenzSpec::default()).unwrap();
    let a = noisy_copy(&clean, 5.0, 3).unwrap();
    let b = noisy_copy(&clean, 5.0, 3).unwrap();
    let c = noisy_copy(&clean, 5.0, 4).unwrap();
    assert_eq!(a.values, b.values);
    assert_ne!(a.values, c.values);
    assert_eq!(noisy_copy(&clean, 0.0, 3).unwrap().values, clean.values);
}

#[test]
fn noise_standard_deviation_is_the_requested_percentage() {
    let clean = lorenz_clean(&LorenzSpec::default()).unwrap();
    let noisy = noisy_copy(&clean, 10.0, 7).unwrap();
    let n = clean.len() as f64;
    for d in 0..3 {
        let sigma = 0.1 * observed_std(&clean.column(d));
        let noise: Vec<f64> = noisy.column(d).iter().zip(clean.column(d)).map(|(a, b)| a - b).collect();
        let mean = noise.iter().sum::<f64>() / n;
        // The sample std of n Gaussian draws has relative standard error 1/sqrt(2n) ≈ 0.01;
        // five standard errors bound it. The mean has standard error σ/sqrt(n).
        let rel = (observed_std(&noise) / sigma - 1.0).abs();
        assert!(rel < 5.0 / (2.0 * n).sqrt(), "state {d}: std off by {rel}");
        assert!(mean.abs() < 5.0 * sigma / n.sqrt(), "state {d}: mean {mean}");
    }
}

#[test]
fn written_files_reload_identically_and_are_named_by_level_and_seed() {
    let dir = temp("files");
    let spec = LorenzSpec { t1: 0.5, ..LorenzSpec::default() };
    let files = write_datasets(&spec, &[0.0, 5.0], &[1, 2], &dir).unwrap();
    let names: Vec<String> = files.iter().map(|f| f.path.file_name().unwrap().to_string_lossy().into_owned()).collect();
    assert_eq!(
        names,
        [
            "lorenz_noise00_seed01.csv",
            "lorenz_noise00_seed02.csv",
            "lorenz_noise05_seed01.csv",
            "lorenz_noise05_seed02.csv"
        ]
    );
    let clean = lorenz_clean(&spec).unwrap();
    let expect = noisy_copy(&clean, 5.0, 2).unwrap();
    let back = mechc::data::load_csv(&mechc::data::CsvSpec::new(&files[3].path, "t", &["x", "y", "z"])).unwrap();
    // CSV numbers are written in shortest round-trip form, so reading back is exact.
    assert_eq!(back.trajectories[0].values, expect.values);
    assert_eq!(back.trajectories[0].times, expect.times);
    assert_eq!(file_name(10.0, 20), "lorenz_noise10_seed20.csv");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn monomial_names_from_both_tools_agree() {
    assert_eq!(monomial_key("x y"), monomial_key("x*y"));
    assert_eq!(monomial_key("y*x"), monomial_key("x*y"));
    assert_eq!(monomial_key("x^2"), monomial_key("x x"));
    assert_eq!(monomial_key(" 1 "), "1");
    assert_ne!(monomial_key("x^2"), monomial_key("x"));
    assert_eq!(monomial_key("sin(x)"), "sin(x)");
}

#[test]
fn the_truth_scores_exact_with_zero_error() {
    let s = score(&lorenz_table(|_, _, c| c), &Truth::lorenz());
    assert_eq!(s, Score { exact_support: true, missing: 0, extra: 0, max_rel_error: 0.0, terms_kept: 7 });
}

#[test]
fn an_extra_term_breaks_exact_support_but_not_the_error() {
    let s = score(&lorenz_table(|st, t, c| if st == "z" && t == "y^2" { 1e-3 } else { c }), &Truth::lorenz());
    assert!(!s.exact_support);
    assert_eq!((s.missing, s.extra, s.terms_kept), (0, 1, 8));
    assert_eq!(s.max_rel_error, 0.0);
}

#[test]
fn a_missing_term_counts_as_full_error() {
    let s = score(&lorenz_table(|st, t, c| if st == "y" && t == "x*z" { 0.0 } else { c }), &Truth::lorenz());
    assert!(!s.exact_support);
    assert_eq!((s.missing, s.extra, s.terms_kept), (1, 0, 6));
    assert_eq!(s.max_rel_error, 1.0);
}

#[test]
fn relative_error_is_the_worst_over_true_terms() {
    // z' = -(8/3)·1.03 z: a 3% error; x' = -10.1 x: 1%. The worst is 3% up to rounding.
    let s = score(
        &lorenz_table(|st, t, c| match (st, t) {
            ("z", "z") => c * 1.03,
            ("x", "x") => -10.1,
            _ => c,
        }),
        &Truth::lorenz(),
    );
    assert!(s.exact_support);
    assert!((s.max_rel_error - 0.03).abs() < 1e-14, "{}", s.max_rel_error);
    let nan = score(&lorenz_table(|st, t, c| if (st, t) == ("x", "y") { f64::NAN } else { c }), &Truth::lorenz());
    assert_eq!(nan.max_rel_error, f64::INFINITY);
}

fn record(tool: &str, level: f64, seed: u64, err: Option<f64>, exact: bool, wall: f64) -> FitRecord {
    FitRecord {
        tool: tool.into(),
        level,
        seed,
        file: format!("f{seed}.csv"),
        wall_s: Some(wall),
        score: err.map(|e| Score {
            exact_support: exact,
            missing: 0,
            extra: usize::from(!exact),
            max_rel_error: e,
            terms_kept: 7 + usize::from(!exact),
        }),
        error: if err.is_none() { Some("training is not supported yet".into()) } else { None },
        coefficients: None,
    }
}

fn sample_report() -> DiscoveryReport {
    let mut records = Vec::new();
    for seed in 1..=4 {
        records.push(record("mechc", 0.0, seed, Some(0.001 * seed as f64), true, 1.5));
        records.push(record("pysindy-weak", 0.0, seed, Some(1e-10), true, 0.25));
        records.push(record("mechc", 10.0, seed, None, false, 1e-6));
        records.push(record("pysindy-weak", 10.0, seed, Some(0.05 * seed as f64), seed % 2 == 0, 0.3));
    }
    DiscoveryReport { seeds: vec![1, 2, 3, 4], levels: vec![0.0, 10.0], pysindy_version: Some("2.1.0".into()), records }
}

#[test]
fn summaries_count_exact_fits_failures_and_medians() {
    assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
    assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), Some(2.5));
    assert_eq!(median(&[]), None);
    let s = summarise(&sample_report().records);
    let tools: Vec<(f64, &str)> = s.iter().map(|s| (s.level, s.tool.as_str())).collect();
    assert_eq!(tools, [(0.0, "mechc"), (0.0, "pysindy-weak"), (10.0, "mechc"), (10.0, "pysindy-weak")]);
    assert_eq!((s[0].exact, s[0].failed, s[0].median_error, s[0].worst_error), (4, 0, Some(0.0025), Some(0.004)));
    assert_eq!((s[2].exact, s[2].failed, s[2].median_error, s[2].median_wall_s), (0, 4, None, None));
    assert_eq!((s[3].exact, s[3].median_error.map(|e| (e * 1e12).round() / 1e12)), (2, Some(0.125)));
    // Clean: 4/4 exact, worst 0.4% ≤ 0.5%, 1.5 s: met. 10%: failures never meet a target;
    // 2 of 4 exact is below ceil(15·4/20) = 3.
    assert_eq!(meets(&s[0], 4), Some(true));
    assert_eq!(meets(&s[2], 4), Some(false));
    assert_eq!(meets(&s[3], 4), Some(false));
}

#[test]
fn summary_table() {
    insta::assert_snapshot!("bench_summary_table", table(&sample_report()));
}

#[test]
fn pysindy_results_are_scored_against_their_files() {
    let files: Vec<DataFile> =
        (1..=2).map(|seed| DataFile { level: 5.0, seed, path: PathBuf::from(format!("/d/s{seed}.csv")) }).collect();
    let row = |a: f64| format!("[0, {a}, 10, 0, 0, 0, 0, 0, 0, 0]");
    let coefs = format!(
        "[{}, [0, 28, -1, 0, 0, 0, -1, 0, 0, 0], [0, 0, 0, -2.6666666666666665, 0, 1, 0, 0, 0, 0]]",
        row(-10.5)
    );
    let terms = r#"["1", "x", "y", "z", "x^2", "x y", "x z", "y^2", "y z", "z^2"]"#;
    let text = format!(
        r#"{{"pysindy": "2.1.0", "results": [
        {{"file": "/d/s2.csv", "variant": "pysindy-weak", "states": ["x","y","z"], "terms": {terms}, "coefficients": {coefs}, "wall_s": 0.2, "error": null}},
        {{"file": "/d/s1.csv", "variant": "pysindy-fd", "states": ["x","y","z"], "terms": [], "coefficients": [], "wall_s": null, "error": "LinAlgError: singular"}}]}}"#
    );
    let (version, recs) = parse_results(&text, &files, &Truth::lorenz()).unwrap();
    assert_eq!(version, "2.1.0");
    assert_eq!((recs[0].seed, recs[0].level, recs[0].tool.as_str()), (2, 5.0, "pysindy-weak"));
    let s = recs[0].score.as_ref().unwrap();
    // -10.5 against -10: 5% (the other six terms are exact or within one rounding).
    assert!(s.exact_support && (s.max_rel_error - 0.05).abs() < 1e-14);
    assert!(recs[1].score.is_none() && recs[1].error.as_deref() == Some("LinAlgError: singular"));
    let bad = text.replace("\"x\",\"y\",\"z\"], \"terms\": [\"1\"", "\"x\",\"y\"], \"terms\": [\"1\"");
    assert!(matches!(parse_results(&bad, &files, &Truth::lorenz()), Err(BenchError::PySindy(_))));
    assert!(matches!(parse_results("{", &files, &Truth::lorenz()), Err(BenchError::PySindy(_))));
}

#[test]
fn a_missing_python_environment_says_how_to_make_it() {
    let dir = temp("novenv");
    std::fs::create_dir_all(dir.join("benches/pysindy")).unwrap();
    std::fs::write(dir.join("benches/pysindy/run.py"), "").unwrap();
    let err = Runner::locate(&dir).unwrap_err().to_string();
    assert!(err.contains("benches/pysindy/setup.sh"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn command_line_parses_the_benchmark_options() {
    use mechc::cli::{bench::BenchCommand, Cli, Command};
    let cli = Cli::try_parse_from(["mechc", "bench", "discovery", "--seeds", "3", "--levels", "0,2.5", "--no-pysindy"])
        .unwrap();
    match cli.command {
        Command::Bench { which: BenchCommand::Discovery(a) } => {
            assert_eq!((a.seeds, a.levels, a.no_pysindy), (Some(3), Some(vec![0.0, 2.5]), true));
        }
        other => panic!("parsed as {other:?}"),
    }
    assert!(Cli::try_parse_from(["mechc", "bench", "discovery", "--levels", "five"]).is_err());
}

#[test]
fn harness_runs_end_to_end_without_python() {
    let out = temp("e2e");
    let mut cfg = DiscoveryConfig::acceptance(root(), &out);
    cfg.seeds = vec![1];
    cfg.levels = vec![5.0];
    cfg.pysindy = false;
    let mut lines = Vec::new();
    let report = run_discovery(&cfg, &mut |l| lines.push(l.to_string())).unwrap();
    assert_eq!(report.records.len(), 1);
    let r = &report.records[0];
    assert_eq!((r.tool.as_str(), r.level, r.seed), ("mechc", 5.0, 1));
    // Either the fit succeeded and was scored, or it failed and says why; never both, never neither.
    assert_ne!(r.score.is_some(), r.error.is_some());
    assert_eq!(lines.len(), 1);
    if let Some(e) = &r.error {
        assert!(lines[0].contains(&format!("failed: {e}")), "{}", lines[0]);
        let t = table(&report);
        let row: Vec<&str> =
            t.lines().find(|l| l.trim_start().starts_with("mechc")).unwrap().split_whitespace().take(3).collect();
        assert_eq!(row, ["mechc", "0/1", "1"], "{t}");
    }
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("results.json")).unwrap()).unwrap();
    assert_eq!(json["records"][0]["tool"], "mechc");
    assert!(out.join("lorenz_noise05_seed01.csv").is_file());
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn bad_configurations_are_errors() {
    let out = temp("badcfg");
    let mut cfg = DiscoveryConfig::acceptance(root(), &out);
    cfg.pysindy = false;
    cfg.levels = vec![-1.0];
    assert!(matches!(run_discovery(&cfg, &mut |_| {}), Err(BenchError::Config(_))));
    cfg.levels = vec![5.0];
    cfg.seeds.clear();
    assert!(matches!(run_discovery(&cfg, &mut |_| {}), Err(BenchError::Config(_))));
    cfg.seeds = vec![1];
    cfg.model = root().join("no/such/model.mech");
    assert!(matches!(run_discovery(&cfg, &mut |_| {}), Err(BenchError::Model(_))));
}

#[test]
fn discovery_command_writes_table_and_results() {
    let out = temp("cli");
    let model = root().join("examples/lorenz.mech");
    let (code, stdout, stderr) = mechc(&[
        "bench",
        "discovery",
        "--seeds",
        "1",
        "--levels",
        "10",
        "--no-pysindy",
        "--out",
        out.to_str().unwrap(),
        "--model",
        model.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("noise 10%") && stdout.contains(">=1/1"), "{stdout}");
    assert_eq!(std::fs::read_to_string(out.join("table.txt")).unwrap(), stdout);
    assert!(out.join("results.json").is_file() && out.join("lorenz_noise10_seed01.csv").is_file());
    let (code, _, stderr) =
        mechc(&["bench", "discovery", "--model", "/no/such.mech", "--no-pysindy", "--out", out.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(stderr.contains("cannot read /no/such.mech"), "{stderr}");
    let _ = std::fs::remove_dir_all(&out);
}
