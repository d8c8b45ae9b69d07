//! Atomic CSV writing: exact round trip through the loader (missing values included), the
//! trajectory column for several trajectories, and no partial or clobbered file on failure.

use std::path::PathBuf;

use mechc::data::{load_csv, write_csv, CsvSpec, Dataset, Trajectory, WriteError};

/// A fresh, empty directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mechc-data-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn dataset(n_traj: usize) -> Dataset {
    let trajectories = (0..n_traj)
        .map(|k| {
            let times = vec![0.0, 0.1, 0.30000000000000004, 1.0 / 3.0];
            let values = vec![1.0 / 7.0, -2.5e-17, f64::NAN, 3.0, 1e300, k as f64, 0.1 + 0.2, f64::NAN];
            Trajectory::from_rows(format!("r{k}"), times, 2, values)
        })
        .collect();
    Dataset { states: vec!["x".into(), "y".into()], inputs: vec![], trajectories }
}

#[test]
fn round_trip_is_exact() {
    let dir = scratch("roundtrip");
    let path = dir.join("one.csv");
    let ds = dataset(1);
    write_csv(&ds, &path, "t").unwrap();
    let back = load_csv(&CsvSpec::new(&path, "t", &["x", "y"])).unwrap();
    let (a, b) = (&ds.trajectories[0], &back.trajectories[0]);
    assert_eq!(a.times, b.times);
    assert_eq!(a.mask, b.mask);
    let bits = |t: &Trajectory| t.values.iter().map(|v| if v.is_nan() { 0 } else { v.to_bits() }).collect::<Vec<_>>();
    assert_eq!(bits(a), bits(b));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn several_trajectories_get_a_label_column() {
    let dir = scratch("labels");
    let path = dir.join("many.csv");
    write_csv(&dataset(2), &path, "time").unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("trajectory,time,x,y\nr0,0,"), "{text}");
    let back = load_csv(&CsvSpec::new(&path, "time", &["x", "y"]).trajectory_column("trajectory")).unwrap();
    assert_eq!(back.trajectories.len(), 2);
    assert_eq!(back.trajectories[1].label, "r1");
    assert_eq!(back.trajectories[1].row(2), &[1e300, 1.0]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn failed_write_leaves_no_partial_file() {
    let dir = scratch("atomic");
    let path = dir.join("out.csv");
    std::fs::write(&path, "old contents\n").unwrap();
    let mut ds = dataset(3);
    // An infinite value in the last trajectory: rows before it have already been written to the
    // temporary file when the writer refuses it.
    let last = ds.trajectories.len() - 1;
    ds.trajectories[last].values[5] = f64::INFINITY;
    let e = write_csv(&ds, &path, "t").unwrap_err();
    assert_eq!(e, WriteError::Infinite { trajectory: "r2".into(), row: 2, column: "y".into() });
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "old contents\n");
    let names: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names, vec![std::ffi::OsString::from("out.csv")], "no temporary file is left behind");
    let missing_dir = dir.join("no/such/dir/out.csv");
    assert!(matches!(write_csv(&dataset(1), &missing_dir, "t"), Err(WriteError::Io { .. })));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_stream_gets_the_same_text_with_missing_values_as_empty_cells() {
    let dir = scratch("stream");
    let path = dir.join("file.csv");
    write_csv(&dataset(1), &path, "t").unwrap();
    let mut streamed = Vec::new();
    mechc::data::write_csv_to(&dataset(1), &mut streamed, "t").unwrap();
    let text = String::from_utf8(streamed).unwrap();
    assert_eq!(text, std::fs::read_to_string(&path).unwrap());
    // Row 1 is (NaN, 3): the NaN is an empty cell, never the word.
    assert_eq!(text.lines().nth(2), Some("0.1,,3"));
    assert!(!text.to_lowercase().contains("nan"), "{text}");
    std::fs::remove_dir_all(&dir).unwrap();
}
