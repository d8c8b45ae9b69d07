//! CSV loading: column mapping, missing values, irregular times, trajectory splitting, several
//! files, and one fixture per validation error (`tests/fixtures/data/`).

use mechc::data::{load_csv, load_csv_files, CsvError, CsvSpec};

const DIR: &str = "tests/fixtures/data";

fn spec(file: &str, states: &[&str]) -> CsvSpec {
    CsvSpec::new(format!("{DIR}/{file}"), "t", states)
}

fn err(spec: &CsvSpec) -> CsvError {
    load_csv(spec).expect_err("the fixture must be rejected")
}

#[test]
fn missing_values_are_masked_and_counted() {
    let ds = load_csv(&spec("basic.csv", &["x", "y"])).unwrap();
    assert_eq!(ds.trajectories.len(), 1);
    let tr = &ds.trajectories[0];
    assert_eq!(tr.label, "basic");
    assert_eq!(tr.times, vec![0.0, 0.1, 0.25, 0.3, 0.7], "irregular steps are kept");
    assert_eq!(tr.row(3), &[2.0, 3.0], "cells are trimmed");
    // Missing: y on line 3 (empty), x on line 4 (NaN), y on line 6 (nan).
    assert_eq!(tr.mask, vec![true, true, true, false, false, true, true, true, true, false]);
    assert!(tr.values[3].is_nan() && tr.values[4].is_nan());
    assert_eq!(tr.missing_per_column(), vec![1, 2]);
    assert_eq!(ds.missing_count(), 3);
    assert_eq!(ds.missing_per_column(), vec![1, 2]);
}

#[test]
fn a_byte_order_mark_is_not_part_of_the_first_column_name() {
    let ds = load_csv(&spec("bom.csv", &["x"])).unwrap();
    assert_eq!(ds.trajectories[0].times, vec![0.0, 1.0]);
}

#[test]
fn columns_map_to_states_and_inputs() {
    let s = CsvSpec::new(format!("{DIR}/mapped.csv"), "time", &["x", "y"])
        .map("x", "hare")
        .map("y", "lynx")
        .input("u", "u");
    let ds = load_csv(&s).unwrap();
    assert_eq!(ds.column_names(), vec!["x", "y", "u"]);
    let tr = &ds.trajectories[0];
    assert_eq!(tr.width, 3);
    assert_eq!(tr.row(1), &[47.2, 6.1, 0.6]);
    assert_eq!(tr.steps(), vec![1.0, 1.0]);
}

#[test]
fn trajectory_column_splits_rows_in_order() {
    let ds = load_csv(&spec("trajectories.csv", &["x"]).trajectory_column("run")).unwrap();
    let labels: Vec<&str> = ds.trajectories.iter().map(|t| t.label.as_str()).collect();
    assert_eq!(labels, vec!["a", "b"]);
    assert_eq!(ds.trajectories[0].times, vec![0.0, 1.0, 2.0]);
    assert_eq!(ds.trajectories[0].values, vec![1.0, 2.0, 3.0]);
    assert_eq!(ds.trajectories[1].times, vec![0.0, 0.5, 1.5]);
    assert_eq!(ds.trajectories[1].values, vec![10.0, 11.0, 12.0]);
}

#[test]
fn several_files_make_several_trajectories() {
    let ds = load_csv_files(&[spec("short_a.csv", &["x"]), spec("short_b.csv", &["x"])]).unwrap();
    assert_eq!(ds.trajectories.len(), 2);
    assert_eq!(ds.trajectories[1].label, "short_b");
    assert_eq!(ds.trajectories[1].values, vec![5.0, 6.0, 7.0]);
    let e = load_csv_files(&[spec("short_a.csv", &["x"]), spec("basic.csv", &["x", "y"])]).unwrap_err();
    assert!(matches!(e, CsvError::Inconsistent { .. }), "{e:?}");
}

#[test]
fn missing_file_and_unreadable_file() {
    assert!(matches!(err(&spec("no_such_file.csv", &["x"])), CsvError::FileMissing { .. }));
    assert!(matches!(err(&spec("invalid_utf8.csv", &["x"])), CsvError::Unreadable { .. }));
    assert!(matches!(err(&CsvSpec::new(DIR, "t", &["x"])), CsvError::Unreadable { .. }));
    assert!(matches!(err(&spec("empty.csv", &["x"])), CsvError::Empty { .. }));
}

#[test]
fn missing_column_lists_columns_and_suggests() {
    match err(&spec("basic.csv", &["x", "yy"])) {
        CsvError::MissingColumn { column, available, suggestion, .. } => {
            assert_eq!(column, "yy");
            assert_eq!(available, vec!["t", "x", "y"]);
            assert_eq!(suggestion.as_deref(), Some("y"));
        }
        other => panic!("{other:?}"),
    }
    match err(&spec("mapped.csv", &["x"]).map("x", "Hare")) {
        CsvError::MissingColumn { column, suggestion, .. } => {
            assert_eq!(column, "t", "the time column is checked first");
            assert_eq!(suggestion, None);
        }
        other => panic!("{other:?}"),
    }
    let e = err(&CsvSpec::new(format!("{DIR}/mapped.csv"), "time", &["x"]).map("x", "hair"));
    assert!(matches!(e, CsvError::MissingColumn { suggestion: Some(ref s), .. } if s == "hare"), "{e:?}");
    let e = err(&CsvSpec::new(format!("{DIR}/mapped.csv"), "time", &["x"]).map("x", "zebra"));
    assert!(matches!(e, CsvError::MissingColumn { suggestion: None, .. }), "{e:?}");
}

#[test]
fn bad_cells_name_line_and_column() {
    let e = err(&spec("non_numeric.csv", &["x", "y"]));
    let want = CsvError::NonNumeric {
        path: format!("{DIR}/non_numeric.csv").into(),
        line: 4,
        column: "x".into(),
        text: "abc".into(),
    };
    assert_eq!(e, want);
    assert!(
        matches!(err(&spec("infinite.csv", &["x", "y"])), CsvError::Infinite { line: 3, ref column, .. } if column == "x")
    );
    assert!(matches!(err(&spec("missing_time.csv", &["x", "y"])), CsvError::MissingTime { line: 3, .. }));
    match err(&spec("time_not_increasing.csv", &["x", "y"])) {
        CsvError::NonIncreasingTime { line, previous, value, .. } => assert_eq!((line, previous, value), (4, 0.1, 0.1)),
        other => panic!("{other:?}"),
    }
    assert!(matches!(err(&spec("ragged.csv", &["x", "y"])), CsvError::Ragged { line: 3, expected: 3, found: 2, .. }));
}

#[test]
fn too_few_rows_for_the_window() {
    match err(&spec("trajectories.csv", &["x"]).trajectory_column("run").min_rows(4)) {
        CsvError::TooFewRows { trajectory, rows, needed, .. } => {
            assert_eq!((trajectory.as_str(), rows, needed), ("a", 3, 4))
        }
        other => panic!("{other:?}"),
    }
    assert!(load_csv(&spec("trajectories.csv", &["x"]).trajectory_column("run").min_rows(3)).is_ok());
}

#[test]
fn error_messages_read_well() {
    let cases = [
        spec("no_such_file.csv", &["x"]),
        spec("empty.csv", &["x"]),
        spec("basic.csv", &["x", "yy"]),
        spec("non_numeric.csv", &["x", "y"]),
        spec("infinite.csv", &["x", "y"]),
        spec("missing_time.csv", &["x", "y"]),
        spec("time_not_increasing.csv", &["x", "y"]),
        spec("ragged.csv", &["x", "y"]),
        spec("short_a.csv", &["x"]).min_rows(5),
    ];
    let text: Vec<String> = cases.iter().map(|s| err(s).to_string()).collect();
    insta::assert_snapshot!(text.join("\n"));
}
