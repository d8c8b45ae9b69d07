//! Tests of the broad suite's scoring and reporting on synthetic tables (`mechc::bench::{score,
//! pysindy_broad, broad_summary, args, timed_fit}`): missed and extra terms, the oracle's choice
//! among a PySINDy sweep, failures that are recorded rather than dropped, the aggregates and the
//! printed table, the command-line options per suite, and the fit time limit.

use std::path::{Path, PathBuf};

use clap::Parser;
use mechc::bench::args::Plan;
use mechc::bench::broad::{BroadRecord, BroadReport};
use mechc::bench::broad_data::BroadFile;
use mechc::bench::broad_summary::{summarise, table, Cell};
use mechc::bench::pysindy_broad::{better, parse_lines, records, thresholds, BroadCase, VARIANTS};
use mechc::bench::score::{score, CoefTable, Score, Truth};
use mechc::bench::timed_fit::{process_cpu_seconds, timed_fit};
use mechc::bench::BenchError;

/// x' = -2x + y, y' = 0.5 x y: three true terms.
fn small_truth() -> Truth {
    let t = |s: &str, n: &str, c: f64| (s.to_string(), n.to_string(), c);
    Truth { terms: vec![t("x", "x", -2.0), t("x", "y", 1.0), t("y", "x*y", 0.5)] }
}

fn table_of(rows: &[(&str, &[(&str, f64)])]) -> CoefTable {
    CoefTable {
        rows: rows
            .iter()
            .map(|(s, ts)| (s.to_string(), ts.iter().map(|(n, c)| (n.to_string(), *c)).collect()))
            .collect(),
    }
}

#[test]
fn missed_and_extra_terms_are_counted_separately() {
    let found = table_of(&[("x", &[("x", -2.2), ("y", 0.0), ("1", 0.01)]), ("y", &[("x y", 0.5), ("y^2", 3.0)])]);
    let s = score(&found, &small_truth());
    // y missed in x' (100% error), two extras (1 in x', y^2 in y'); x is 10% off.
    assert_eq!((s.exact_support, s.missing, s.extra, s.terms_kept), (false, 1, 2, 4));
    assert_eq!(s.max_rel_error, 1.0);
    let exact = table_of(&[("x", &[("x", -2.02), ("y", 1.0)]), ("y", &[("y*x", 0.5)])]);
    let s = score(&exact, &small_truth());
    assert!(s.exact_support && (s.max_rel_error - 0.01).abs() < 1e-12);
}

#[test]
fn the_oracle_prefers_exact_then_fewer_wrong_terms_then_smaller_error() {
    let sc = |exact: bool, missing: usize, extra: usize, err: f64| Score {
        exact_support: exact,
        missing,
        extra,
        max_rel_error: err,
        terms_kept: 3 + extra - missing,
    };
    assert!(better(&sc(true, 0, 0, 0.5), &sc(false, 0, 1, 0.0)));
    assert!(better(&sc(false, 0, 1, 0.9), &sc(false, 1, 1, 0.0)));
    assert!(!better(&sc(false, 0, 1, 0.1), &sc(false, 1, 0, 0.1)));
    assert!(better(&sc(true, 0, 0, 0.01), &sc(true, 0, 0, 0.02)));
    assert!(!better(&sc(true, 0, 0, 0.02), &sc(true, 0, 0, 0.02)), "ties keep the earlier (smaller) threshold");
    let g = thresholds();
    assert_eq!(g.len(), 25);
    assert!((g[0] - 1e-4).abs() < 1e-18 && (g[24] - 100.0).abs() < 1e-12);
    assert!(g.windows(2).all(|w| (w[1] / w[0] - 10f64.powf(0.25)).abs() < 1e-12));
}

fn file(seed: u64) -> BroadFile {
    BroadFile {
        system: "toy".into(),
        spp: 100,
        level: 5.0,
        seed,
        rows: 5000,
        dt: 0.01,
        path: PathBuf::from(format!("/d/toy_{seed}.csv")),
    }
}

#[test]
fn a_sweep_is_scored_and_its_best_table_kept() {
    let cases = vec![BroadCase::new(&file(1), 2, &small_truth()), BroadCase::new(&file(2), 2, &small_truth())];
    // Terms 1, x, y, x^2, x y, y^2. Candidate 1 (thresholds 1e-4, 1e-3): exact, 3% off;
    // candidate 2 (0.01): an extra term; candidate 3 (0.1): exact, 1% off, so it wins.
    let text = r#"{"pysindy": "2.1.0"}
{"file": "/d/toy_1.csv", "degree": 2, "variant": "pysindy-fd", "states": ["x", "y"], "terms": ["1", "x", "y", "x^2", "x y", "y^2"], "candidates": [ {"thresholds": [0.0001, 0.001], "coefficients": [[0, -2.06, 1, 0, 0, 0], [0, 0, 0, 0, 0.5, 0]], "wall_s": 0.02, "cpu_s": 0.03}, {"thresholds": [0.01], "coefficients": [[0.2, -2, 1, 0, 0, 0], [0, 0, 0, 0, 0.5, 0]], "wall_s": 0.02, "cpu_s": 0.02}, {"thresholds": [0.1, 1.0], "coefficients": [[0, -2.02, 1, 0, 0, 0], [0, 0, 0, 0, 0.5, 0]], "wall_s": 0.025, "cpu_s": 0.02}], "sweep_wall_s": 0.5, "error": null}
{"file": "/d/toy_1.csv", "degree": 2, "variant": "pysindy-weak", "sweep_wall_s": 0.1, "error": "ValueError: too few points"}
"#;
    let (version, sweeps) = parse_lines(text).unwrap();
    assert_eq!((version.as_deref(), sweeps.len()), (Some("2.1.0"), 2));
    let recs = records(&cases, &sweeps, &all_variants(), None);
    // Every (case, variant) gets a record, in case order then variant order.
    assert_eq!(recs.len(), 2 * VARIANTS.len());
    let fd = &recs[0];
    assert_eq!((fd.tool.as_str(), fd.seed, fd.threshold, fd.wall_s), ("pysindy-fd", 1, Some(0.1), Some(0.025)));
    let s = fd.score.as_ref().unwrap();
    assert!(s.exact_support && (s.max_rel_error - 0.01).abs() < 1e-12);
    assert_eq!(fd.sweep_wall_s, Some(0.5));
    assert_eq!(recs[1].error.as_deref(), Some("ValueError: too few points"));
    assert!(recs[1].score.is_none());
    assert_eq!(recs[2].error.as_deref(), Some("broad.py returned no result for this case"));
    // A crashed script: its reason goes into every case it did not finish.
    let recs = records(&cases, &sweeps, &all_variants(), Some("broad.py failed (exit status: 1): MemoryError"));
    assert!(recs[3..].iter().all(|r| r.error.as_deref() == Some("broad.py failed (exit status: 1): MemoryError")));
    assert!(matches!(parse_lines("{\"pysindy\": \"2.1.0\"}\n{oops"), Err(BenchError::PySindy(_))));
}

#[test]
fn a_table_of_the_wrong_shape_is_a_failed_record() {
    let cases = vec![BroadCase::new(&file(1), 2, &small_truth())];
    let text = r#"{"pysindy": "2.1.0"}
{"file": "/d/toy_1.csv", "degree": 2, "variant": "pysindy-fd", "states": ["x", "y"], "terms": ["1", "x"], "candidates": [{"thresholds": [0.1], "coefficients": [[0, 1, 2]], "wall_s": 0.02, "cpu_s": null}], "sweep_wall_s": 0.1, "error": null}
"#;
    let (_, sweeps) = parse_lines(text).unwrap();
    let recs = records(&cases, &sweeps, &all_variants(), None);
    assert!(recs[0].score.is_none() && recs[0].error.as_deref().unwrap().contains("does not match"));
}

fn rec(tool: &str, level: f64, spp: usize, system: &str, exact: Option<bool>, err: f64, wall: f64) -> BroadRecord {
    let mut r = BroadRecord::new(tool, &BroadFile { system: system.into(), spp, level, ..file(1) }, 2);
    r.wall_s = Some(wall);
    r.cpu_s = Some(2.0 * wall);
    match exact {
        Some(e) => {
            r.score = Some(Score {
                exact_support: e,
                missing: 0,
                extra: usize::from(!e),
                max_rel_error: err,
                terms_kept: 3 + usize::from(!e),
            })
        }
        None => r.error = Some("timed out after 60 s".into()),
    }
    r
}

fn report() -> BroadReport {
    let records = vec![
        rec("mechc", 0.0, 100, "a", Some(true), 0.001, 2.0),
        rec("mechc", 0.0, 100, "b", Some(false), 0.003, 4.0),
        rec("mechc", 0.0, 100, "c", None, 0.0, 60.0),
        rec("mechc", 5.0, 100, "a", Some(true), 0.02, 3.0),
        rec("pysindy-fd", 0.0, 100, "a", Some(true), 1e-4, 0.02),
        rec("pysindy-fd", 0.0, 100, "b", Some(true), 2e-4, 0.03),
        rec("pysindy-fd", 0.0, 100, "c", Some(false), 0.5, 0.04),
        rec("pysindy-fd", 5.0, 100, "a", Some(false), 0.2, 0.02),
    ];
    BroadReport {
        systems: Vec::new(),
        spp: vec![100],
        levels: vec![0.0, 5.0],
        degrees: vec![2],
        seeds: vec![1],
        periods: 50,
        time_limit: Some(60.0),
        pysindy_version: Some("2.1.0".into()),
        pysindy_thresholds: thresholds(),
        skipped: Vec::new(),
        records,
    }
}

#[test]
fn cells_count_failures_as_attempted_and_not_exact() {
    let r = report();
    let mine: Vec<&BroadRecord> = r.records.iter().filter(|x| x.tool == "mechc" && x.level == 0.0).collect();
    let c = Cell::of("mechc", &mine);
    assert_eq!((c.fits, c.failed, c.exact), (3, 1, 1));
    assert!((c.exact_pct() - 100.0 / 3.0).abs() < 1e-12);
    // Medians over the two fits with coefficients; the exact-only median over the one exact fit.
    assert_eq!((c.median_error, c.median_error_exact), (Some(0.002), Some(0.001)));
    assert_eq!((c.median_wall_s, c.median_cpu_s), (Some(3.0), Some(6.0)));
    let s = summarise(&r);
    assert_eq!(s.tools, ["mechc", "pysindy-fd"]);
    assert_eq!(s.blocks.len(), 1);
    let by_level: Vec<(usize, usize)> =
        s.by_level.iter().flat_map(|row| row.cells.iter().map(|c| (c.exact, c.fits))).collect();
    assert_eq!(by_level, [(1, 3), (2, 3), (1, 1), (0, 1)]);
}

#[test]
fn the_printed_table_says_what_it_measures() {
    let t = table(&report());
    assert!(t.contains("ORACLE threshold") && t.contains("best of 25 STLSQ thresholds"), "{t}");
    assert!(t.contains("stopped after 60 s"), "{t}");
    let row = t.lines().find(|l| l.trim_start().starts_with("0%")).unwrap();
    // mechc: 1 of 3 exact, one failure, median error 0.2%, median wall 3 s; PySINDy: 2 of 3.
    assert!(
        row.contains("33.3%") && row.contains("1/3 1F") && row.contains("0.200%") && row.contains("3.00 s"),
        "{row}"
    );
    assert!(row.contains("66.7%") && row.contains("2/3"), "{row}");
    assert!(t.lines().all(|l| !l.ends_with(' ')), "no trailing blanks");
}

fn plan(args: &[&str]) -> Result<Plan, BenchError> {
    use mechc::cli::{bench::BenchCommand, Cli, Command};
    let mut all = vec!["mechc", "bench", "discovery"];
    all.extend_from_slice(args);
    match Cli::try_parse_from(all).unwrap().command {
        Command::Bench { which: BenchCommand::Discovery(a) } => a.plan(Path::new("/repo")),
        other => panic!("parsed as {other:?}"),
    }
}

#[test]
fn each_suite_has_its_defaults_and_refuses_the_others_options() {
    let Ok(Plan::Lorenz(l)) = plan(&[]) else { panic!("lorenz is the default suite") };
    assert_eq!((l.seeds.len(), l.levels.clone(), l.pysindy), (20, vec![0.0, 5.0, 10.0], true));
    assert_eq!(l.out, Path::new("/repo/target/bench/discovery"));
    let Ok(Plan::Broad(b)) = plan(&["--suite", "broad"]) else { panic!() };
    assert_eq!(
        (b.spp.clone(), b.degrees.clone(), b.seeds.clone()),
        (vec![20, 50, 100, 500], vec![2, 3], vec![1, 2, 3])
    );
    assert_eq!((b.levels.clone(), b.systems.len(), b.periods), (vec![0.0, 1.0, 5.0, 10.0, 20.0], 0, 50));
    let Ok(Plan::Broad(b)) = plan(&[
        "--suite",
        "broad",
        "--systems",
        "chen,lu",
        "--spp",
        "100",
        "--levels",
        "0,5",
        "--degrees",
        "2",
        "--seeds",
        "1",
        "--no-pysindy",
        "--out",
        "/tmp/x",
        "--time-limit",
        "30",
    ]) else {
        panic!()
    };
    assert_eq!(
        (b.systems.clone(), b.spp.clone(), b.levels.clone()),
        (vec!["chen".to_string(), "lu".into()], vec![100], vec![0.0, 5.0])
    );
    assert_eq!((b.degrees.clone(), b.seeds.clone(), b.pysindy, b.time_limit), (vec![2], vec![1], false, Some(30.0)));
    assert_eq!(b.out, Path::new("/tmp/x"));
    for bad in [&["--systems", "chen"][..], &["--spp", "20"], &["--degrees", "3"], &["--time-limit", "5"]] {
        assert!(matches!(plan(bad), Err(BenchError::Config(m)) if m.contains("--suite broad only")), "{bad:?}");
    }
    assert!(matches!(plan(&["--suite", "broad", "--model", "m.mech"]), Err(BenchError::Config(_))));
    assert!(matches!(plan(&["--suite", "broad", "--degrees", "0"]), Err(BenchError::Config(_))));
    let Ok(Plan::Lorenz(_)) = plan(&["--suite", "lorenz", "--seeds", "2"]) else { panic!() };
    assert!(mechc::cli::Cli::try_parse_from(["mechc", "bench", "discovery", "--suite", "everything"]).is_err());
}

#[test]
fn a_fit_past_its_time_limit_is_a_timed_out_failure() {
    let dir = std::env::temp_dir().join(format!("mechc-broad-{}-limit", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let csv = dir.join("d.csv");
    // 400 rows of a slow spiral: enough for a fit, far more than a 1 ms budget.
    let mut text = String::from("t,x,y\n");
    for k in 0..400 {
        let t = k as f64 * 0.05;
        text.push_str(&format!("{t},{},{}\n", (-0.1 * t).exp() * t.cos(), (-0.1 * t).exp() * t.sin()));
    }
    std::fs::write(&csv, text).unwrap();
    let model = dir.join("m.mech");
    let src = "model m\nstate x, y\ndata d = csv \"d.csv\"\nbasis lib = poly(x, y, degree = 3)\nx' = sparse(lib)\ny' = sparse(lib)\n";
    std::fs::write(&model, src).unwrap();
    let p = mechc::bench::discovery::prepare(&model).unwrap();
    let data = mechc::data::load_csv(&mechc::data::CsvSpec::new(&csv, "t", &["x", "y"])).unwrap();
    let out = timed_fit(&p.ir, &p.model, &data, Some(1e-3));
    assert_eq!(out.result.as_ref().err().map(String::as_str), Some("timed out after 0.001 s"));
    let free = timed_fit(&p.ir, &p.model, &data, None);
    assert!(free.result.is_ok(), "{:?}", free.result.err());
    assert!(free.wall_s > 0.0);
    if process_cpu_seconds().is_some() {
        assert!(free.cpu_s.is_some_and(|c| c >= 0.0));
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A repository root whose `.venv-bench/bin/python` is a shell script standing in for broad.py.
fn fake_root(name: &str, script: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let root = std::env::temp_dir().join(format!("mechc-broad-{}-{name}", std::process::id()));
    std::fs::create_dir_all(root.join("benches/pysindy")).unwrap();
    std::fs::create_dir_all(root.join(".venv-bench/bin")).unwrap();
    for f in ["run.py", "broad.py"] {
        std::fs::write(root.join("benches/pysindy").join(f), "").unwrap();
    }
    let python = root.join(".venv-bench/bin/python");
    std::fs::write(&python, script).unwrap();
    std::fs::set_permissions(&python, std::fs::Permissions::from_mode(0o755)).unwrap();
    root
}

#[test]
fn a_failing_pysindy_side_is_recorded_not_fatal() {
    // Arguments: broad.py --cases CASES --out OUT. The stand-in writes the header, then dies.
    let script = "#!/bin/sh\necho '{\"pysindy\": \"0.0-test\"}' > \"$5\"\necho 'MemoryError' >&2\nexit 1\n";
    let root = fake_root("fakepy", script);
    let mut cfg = mechc::bench::broad::BroadConfig::full(&root, &root.join("out"));
    cfg.systems = vec!["sprott_k".into()];
    cfg.spp = vec![20];
    cfg.levels = vec![0.0];
    cfg.degrees = vec![2];
    cfg.seeds = vec![1];
    let report = mechc::bench::broad::run_broad(&cfg, &mut |_| {}).unwrap();
    assert_eq!(report.pysindy_version.as_deref(), Some("0.0-test"));
    assert_eq!(report.records.len(), 1 + VARIANTS.len());
    assert_eq!(report.records[0].tool, "mechc");
    for r in &report.records[1..] {
        let e = r.error.as_deref().unwrap();
        assert!(r.score.is_none() && e.starts_with("broad.py failed") && e.contains("MemoryError"), "{e}");
    }
    // A stand-in that writes nothing at all: every PySINDy record says why, the run completes.
    let silent = fake_root("silentpy", "#!/bin/sh\nexit 2\n");
    let mut cfg2 = cfg.clone();
    cfg2.root = silent.clone();
    cfg2.out = silent.join("out");
    let report = mechc::bench::broad::run_broad(&cfg2, &mut |_| {}).unwrap();
    assert_eq!(report.pysindy_version, None);
    assert!(report.records[1..].iter().all(|r| r.error.as_deref().is_some_and(|e| e.contains("exit status: 2"))));
    let _ = std::fs::remove_dir_all(&root);
    let _ = std::fs::remove_dir_all(&silent);
}

/// Every PySINDy variant's full name.
fn all_variants() -> Vec<String> {
    VARIANTS.iter().map(|v| v.to_string()).collect()
}

#[test]
fn only_the_chosen_pysindy_variants_are_recorded() {
    let cases = vec![BroadCase::new(&file(1), 2, &small_truth())];
    let recs = records(&cases, &[], &["pysindy-weak".to_string()], Some("not run"));
    assert_eq!(recs.iter().map(|r| r.tool.as_str()).collect::<Vec<_>>(), ["pysindy-weak"]);
    assert_eq!(records(&cases, &[], &all_variants(), Some("not run")).len(), VARIANTS.len());
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut cfg = mechc::bench::broad::BroadConfig::full(root, &root.join("target/bench-test"));
    cfg.pysindy_variants = vec!["pysindy-fd".into(), "pysindy-bagged".into()];
    let err = cfg.validate().unwrap_err().to_string();
    assert!(err.contains("unknown PySINDy variant `bagged`"), "{err}");
    cfg.pysindy_variants.clear();
    assert!(cfg.validate().is_err());
    cfg.pysindy = false;
    assert!(cfg.validate().is_ok());
}
