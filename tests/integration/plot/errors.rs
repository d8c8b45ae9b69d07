//! Errors are values and writes are atomic: bad inputs are named, an unknown extension lists the
//! supported formats, and a failed render leaves no file behind and an existing file untouched.

use super::{out_dir, plot_data, trajectory};
use mechc::report::plot::{render, PlotError};
use std::path::Path;

/// Names of the files in `dir`, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("directory is readable")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn unsupported_extensions_name_the_supported_ones() {
    let dir = out_dir("ext");
    let data = plot_data(2, vec![trajectory("run", 20, 2, 21)]);
    for name in ["fit.pdf", "fit", "fit.svg.bak"] {
        let e = render(&data, &dir.join(name)).expect_err("not a supported format");
        assert!(matches!(e, PlotError::UnsupportedFormat { .. }), "{e}");
        let msg = e.to_string();
        assert!(msg.contains(".svg") && msg.contains(".png"), "{msg}");
    }
    assert!(listing(&dir).is_empty(), "nothing is written");
}

#[test]
fn empty_or_inconsistent_inputs_are_named() {
    let good = plot_data(2, vec![trajectory("run", 20, 2, 22)]);
    let check = |data: &mechc::report::plot::PlotData, want: &str| {
        let dir = out_dir(&format!("bad-{}", want.replace(' ', "-")));
        let e = render(data, &dir.join("fit.svg")).expect_err("invalid input");
        assert!(e.to_string().contains(want), "{e} should mention {want:?}");
        assert!(listing(&dir).is_empty(), "no file after {e}");
    };
    let mut d = good.clone();
    d.state_names.clear();
    check(&d, "no state variables");
    let mut d = good.clone();
    d.trajectories.clear();
    check(&d, "no trajectories");
    let mut d = good.clone();
    d.trajectories[0].times.clear();
    d.trajectories[0].observed.clear();
    check(&d, "no time points");
    let mut d = good.clone();
    d.trajectories[0].observed.pop();
    check(&d, "39 observed values for 20 times");
    let mut d = good.clone();
    d.trajectories[0].rollout.as_mut().expect("rollout").push(1.0);
    check(&d, "the rollout has 41 values");
    let mut d = good.clone();
    d.trajectories[0].observed.fill(f64::NAN);
    d.trajectories[0].rollout = None;
    check(&d, "every observed and predicted value is missing");
    let mut d = good;
    d.loss.round_starts.push(500);
    check(&d, "entry 500");
}

#[test]
fn a_failed_render_leaves_an_existing_file_untouched() {
    let dir = out_dir("untouched");
    let path = dir.join("fit.svg");
    std::fs::write(&path, "previous plot").expect("writable");
    let mut data = plot_data(2, vec![trajectory("run", 20, 2, 23)]);
    data.trajectories.clear();
    render(&data, &path).expect_err("no trajectories");
    assert_eq!(std::fs::read_to_string(&path).expect("still there"), "previous plot");
    assert_eq!(listing(&dir), ["fit.svg"], "no temporary file is left");
}

#[test]
fn a_failed_rename_removes_the_temporary_file() {
    // The destination is a non-empty directory: rendering succeeds, renaming over it fails.
    let dir = out_dir("rename");
    for name in ["fit.svg", "fit.png"] {
        let blocked = dir.join(name);
        std::fs::create_dir_all(blocked.join("inside")).expect("writable");
        let data = plot_data(2, vec![trajectory("run", 20, 2, 24)]);
        let e = render(&data, &blocked).expect_err("cannot replace a directory");
        assert!(matches!(e, PlotError::Io { .. }), "{e}");
    }
    assert_eq!(listing(&dir), ["fit.png", "fit.svg"], "only the blocking directories remain");
}

#[test]
fn a_successful_render_replaces_an_existing_file() {
    let dir = out_dir("replace");
    let path = dir.join("fit.svg");
    std::fs::write(&path, "previous plot").expect("writable");
    let data = plot_data(2, vec![trajectory("run", 20, 2, 25)]);
    render(&data, &path).expect("renders");
    let text = std::fs::read_to_string(&path).expect("written");
    assert!(text.starts_with("<svg") && text.trim_end().ends_with("</svg>"), "a whole SVG document");
    assert_eq!(listing(&dir), ["fit.svg"]);
}

#[test]
fn a_missing_directory_is_an_error_not_a_panic() {
    let dir = out_dir("missing");
    let data = plot_data(2, vec![trajectory("run", 20, 2, 26)]);
    for name in ["fit.svg", "fit.png"] {
        let e = render(&data, &dir.join("absent").join(name)).expect_err("no such directory");
        assert!(e.to_string().contains("absent"), "{e}");
    }
    assert!(listing(&dir).is_empty());
}
