//! Windows and batches: counts for several lengths and strides, contents (times, steps, values,
//! masks with missing values zeroed), and seeded shuffling.

use mechc::data::window::window_count;
use mechc::data::{batches, seeded, window_at, window_starts, windows, Dataset, Trajectory, WindowError};

/// Two trajectories (10 and 7 rows, 2 columns) with distinct values `100·k + 10·row + col`,
/// irregular times, and one missing value.
fn dataset() -> Dataset {
    let make = |k: usize, rows: usize| {
        let times: Vec<f64> = (0..rows).map(|i| (i * i) as f64 * 0.1).collect();
        let mut values: Vec<f64> = (0..rows * 2).map(|c| (100 * k + 10 * (c / 2) + c % 2) as f64).collect();
        if k == 1 {
            values[2 * 3 + 1] = f64::NAN;
        }
        Trajectory::from_rows(k.to_string(), times, 2, values)
    };
    Dataset { states: vec!["x".into(), "y".into()], inputs: vec![], trajectories: vec![make(0, 10), make(1, 7)] }
}

#[test]
fn window_counts() {
    let ds = dataset();
    for (len, stride) in [(2, 1), (4, 1), (4, 2), (7, 3), (7, 1), (5, 10)] {
        let w = windows(&ds, len, stride).unwrap();
        let expected = window_count(10, len, stride) + window_count(7, len, stride);
        assert_eq!(w.len(), expected, "len {len} stride {stride}");
    }
    // Worked by hand: stride 1 gives rows − len + 1 windows: (10 − 4 + 1) + (7 − 4 + 1) = 11.
    assert_eq!(windows(&ds, 4, 1).unwrap().len(), 11);
    // Stride 2: starts 0,2,4,6 and 0,2 → 6.
    let starts: Vec<(usize, usize)> = windows(&ds, 4, 2).unwrap().iter().map(|w| (w.trajectory, w.start)).collect();
    assert_eq!(starts, vec![(0, 0), (0, 2), (0, 4), (0, 6), (1, 0), (1, 2)]);
}

#[test]
fn window_contents() {
    let ds = dataset();
    let w = windows(&ds, 3, 1).unwrap();
    let win = w.iter().find(|w| w.trajectory == 1 && w.start == 2).unwrap();
    assert_eq!(win.times, vec![0.4, 0.9, 1.6]);
    let steps: Vec<f64> = win.times.windows(2).map(|p| p[1] - p[0]).collect();
    assert_eq!(win.steps, steps);
    // Rows 2..5 of trajectory 1; (row 3, y) is missing → value 0, mask 0.
    assert_eq!(win.values, vec![120.0, 121.0, 130.0, 0.0, 140.0, 141.0]);
    assert_eq!(win.mask, vec![1.0, 1.0, 1.0, 0.0, 1.0, 1.0]);
    assert!(w.iter().all(|w| w.values.iter().all(|v| v.is_finite())));
}

#[test]
fn bad_window_shapes_are_errors() {
    let ds = dataset();
    assert_eq!(windows(&ds, 1, 1), Err(WindowError::BadShape { len: 1, stride: 1 }));
    assert_eq!(windows(&ds, 3, 0), Err(WindowError::BadShape { len: 3, stride: 0 }));
    assert_eq!(windows(&ds, 8, 1), Err(WindowError::TooShort { trajectory: 1, rows: 7, len: 8 }));
}

#[test]
fn batches_are_seeded_permutations() {
    let b = batches(23, 5, &mut seeded(4));
    assert_eq!(b.iter().map(Vec::len).collect::<Vec<_>>(), vec![5, 5, 5, 5, 3]);
    let mut all: Vec<usize> = b.concat();
    assert_ne!(all, (0..23).collect::<Vec<_>>(), "shuffled");
    all.sort_unstable();
    assert_eq!(all, (0..23).collect::<Vec<_>>(), "each window exactly once");
    assert_eq!(b, batches(23, 5, &mut seeded(4)));
    assert_ne!(b, batches(23, 5, &mut seeded(5)));
    assert_eq!(batches(4, 0, &mut seeded(1)).len(), 1);
}

#[test]
fn lazy_windows_match_eager_ones() {
    let ds = dataset();
    let eager = windows(&ds, 3, 2).unwrap();
    let starts = window_starts(&ds, 3, 2).unwrap();
    assert_eq!(starts.len(), eager.len());
    for (w, &(k, start)) in eager.iter().zip(&starts) {
        assert_eq!(*w, window_at(&ds, k, start, 3));
    }
}

/// Every window is the exact slice of its trajectory, and the windows cover the expected starts:
/// every combination of 2..30 rows, 1..4 columns, windows of 2..10 rows and strides 1..5.
#[test]
fn windows_are_slices() {
    let mut checked = 0;
    for rows in 2usize..30 {
        for width in 1usize..4 {
            for len in (2usize..10).filter(|&len| len <= rows) {
                for stride in 1usize..5 {
                    windows_are_slices_of(rows, width, len, stride);
                    checked += 1;
                }
            }
        }
    }
    assert_eq!(checked, 2352);
}

fn windows_are_slices_of(rows: usize, width: usize, len: usize, stride: usize) {
    let case = format!("rows {rows}, width {width}, len {len}, stride {stride}");
    let times: Vec<f64> = (0..rows).map(|i| i as f64 * 0.5).collect();
    let values: Vec<f64> = (0..rows * width).map(|c| c as f64).collect();
    let ds = Dataset {
        states: (0..width).map(|d| format!("s{d}")).collect(),
        inputs: vec![],
        trajectories: vec![Trajectory::from_rows("p", times.clone(), width, values.clone())],
    };
    let ws = windows(&ds, len, stride).unwrap();
    assert_eq!(ws.len(), window_count(rows, len, stride), "{case}");
    for (i, w) in ws.iter().enumerate() {
        assert_eq!(w.start, i * stride, "{case}");
        assert_eq!(&w.times[..], &times[w.start..w.start + len], "{case}");
        assert_eq!(&w.values[..], &values[w.start * width..(w.start + len) * width], "{case}");
        assert!(w.steps.iter().all(|s| *s == 0.5), "{case}");
    }
}
