//! What each x–y panel shows, before drawing: [`XySpec`]s for the per-state time series, the
//! input signals and the phase portraits, built from a [`PlotData`] as lists of [`XySeries`]
//! (runs of finite points).

use plotters::style::RGBColor;

use super::layout::{
    data_colour, denoised_colour, trajectory_colour, INPUT_COLOUR, LEGEND_TRAJECTORIES, MAX_DATA_POINTS,
};
use super::series::runs;
use super::{PanelKind, PlotData, PlotTrajectory, SeriesRole, SeriesShape};

/// One series of an x–y panel.
pub(super) struct XySeries {
    pub label: String,
    pub role: SeriesRole,
    pub shape: SeriesShape,
    pub colour: RGBColor,
    /// Runs of finite points; for [`SeriesShape::Points`] a single run holding every point.
    pub runs: Vec<Vec<(f64, f64)>>,
    pub in_legend: bool,
}

/// An x–y panel: its captions and series.
pub(super) struct XySpec {
    pub kind: PanelKind,
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub series: Vec<XySeries>,
}

/// The panel of state `d` over time.
pub(super) fn state_panel(data: &PlotData, d: usize) -> XySpec {
    let n = data.n_states();
    let name = &data.state_names[d];
    let point = |tr: &PlotTrajectory, i: usize, v: Option<f64>| v.map(|v| (tr.times[i], v));
    let series = data
        .trajectories
        .iter()
        .enumerate()
        .flat_map(|(k, tr)| {
            let observed = (0..tr.times.len()).map(|i| point(tr, i, tr.data_at(i, d, n)));
            let model = (0..tr.model_rows(n)).map(|i| point(tr, i, tr.model_at(i, d, n)));
            let mut out = trajectory_series(data, k, observed.collect(), model.collect(), d == 0);
            let denoised = runs((0..tr.times.len()).map(|i| point(tr, i, tr.denoised_at(i, d, n))));
            if !denoised.is_empty() {
                out.push(XySeries {
                    label: label(data, k, "denoised fit"),
                    role: SeriesRole::Denoised,
                    shape: SeriesShape::Dashed,
                    colour: denoised_colour(k, data.trajectories.len() > 1),
                    runs: denoised,
                    in_legend: false,
                });
            }
            out
        })
        .collect();
    XySpec {
        kind: PanelKind::State(d),
        title: format!("{name}(t)"),
        x_label: "t".into(),
        y_label: name.clone(),
        series,
    }
}

/// The panel of input `j` over time: its signal in every trajectory.
pub(super) fn input_panel(data: &PlotData, j: usize) -> XySpec {
    let m = data.input_names.len();
    let name = &data.input_names[j];
    let series = data
        .trajectories
        .iter()
        .enumerate()
        .filter_map(|(k, tr)| {
            let pts = runs((0..tr.times.len()).map(|i| tr.input_at(i, j, m).map(|v| (tr.times[i], v))));
            let colour = if data.trajectories.len() > 1 { trajectory_colour(k) } else { INPUT_COLOUR };
            (!pts.is_empty()).then(|| XySeries {
                label: label(data, k, "input"),
                role: SeriesRole::Input,
                shape: SeriesShape::Line,
                colour,
                runs: pts,
                in_legend: false,
            })
        })
        .collect();
    XySpec {
        kind: PanelKind::Input(j),
        title: format!("{name}(t) (input)"),
        x_label: "t".into(),
        y_label: name.clone(),
        series,
    }
}

/// A series label: `what`, prefixed by the trajectory's label when there are several.
fn label(data: &PlotData, k: usize, what: &str) -> String {
    if data.trajectories.len() > 1 {
        format!("{}: {what}", data.trajectories[k].label)
    } else {
        what.to_string()
    }
}

/// The phase portrait of state `b` against state `a`.
pub(super) fn phase_panel(data: &PlotData, a: usize, b: usize) -> XySpec {
    let n = data.n_states();
    let both = |x: Option<f64>, y: Option<f64>| x.zip(y);
    let series = data
        .trajectories
        .iter()
        .enumerate()
        .flat_map(|(k, tr)| {
            let observed = (0..tr.times.len()).map(|i| both(tr.data_at(i, a, n), tr.data_at(i, b, n)));
            let model = (0..tr.model_rows(n)).map(|i| both(tr.model_at(i, a, n), tr.model_at(i, b, n)));
            trajectory_series(data, k, observed.collect(), model.collect(), false)
        })
        .collect();
    let (xa, yb) = (&data.state_names[a], &data.state_names[b]);
    XySpec {
        kind: PanelKind::Phase { x: a, y: b },
        title: format!("phase portrait: {yb} vs {xa}"),
        x_label: xa.clone(),
        y_label: yb.clone(),
        series,
    }
}

/// Trajectory `k`'s data series and rollout series (each left out when it has no finite point).
///
/// Every x–y panel uses the same colours and shapes for the same series, so the figure has one
/// legend, under its title, listing the first state panel's (`legend`) series.
fn trajectory_series(
    data: &PlotData,
    k: usize,
    observed: Vec<Option<(f64, f64)>>,
    model: Vec<Option<(f64, f64)>>,
    legend: bool,
) -> Vec<XySeries> {
    let many = data.trajectories.len() > 1;
    let label = |what: &str| label(data, k, what);
    let in_legend = legend && k < LEGEND_TRAJECTORIES;
    let n_points = observed.iter().flatten().count();
    // Data are always markers, so the model's line never hides them; dense data are thinned to
    // every `stride`-th observed point (at most MAX_DATA_POINTS markers per trajectory).
    let stride = n_points.div_ceil(MAX_DATA_POINTS).max(1);
    let (shape, data_runs) =
        (SeriesShape::Points, vec![observed.into_iter().flatten().step_by(stride).collect::<Vec<_>>()]);
    let mut out = Vec::new();
    if n_points > 0 {
        let colour = data_colour(k, many);
        out.push(XySeries { label: label("data"), role: SeriesRole::Data, shape, colour, runs: data_runs, in_legend });
    }
    let model_runs = runs(model);
    if !model_runs.is_empty() {
        out.push(XySeries {
            label: label("rollout"),
            role: SeriesRole::Rollout,
            shape: SeriesShape::Line,
            colour: trajectory_colour(k),
            runs: model_runs,
            in_legend,
        });
    }
    out
}
