//! SVG output read back: the polylines and circles in each panel's plotting area match the series
//! the data implies (counted here from the data, not from the renderer), and titles and axis
//! labels are present as text.

use super::{column, finite_runs, out_dir, plot_data, trajectory};
use mechc::report::plot::{
    render, PanelKind, PanelSummary, PlotData, PlotSummary, SelectionPoint, SeriesRole, SeriesShape,
};

/// One SVG element: its name, attributes and (for `<text>`) its content.
struct Element {
    name: String,
    attrs: Vec<(String, String)>,
    text: String,
}

impl Element {
    fn attr(&self, key: &str) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// The element's anchor points: a polyline's vertices or a circle's centre.
    fn points(&self) -> Vec<(f64, f64)> {
        let num = |k: &str| self.attr(k).and_then(|v| v.parse::<f64>().ok()).unwrap_or(f64::NAN);
        match self.name.as_str() {
            "circle" => vec![(num("cx"), num("cy"))],
            _ => self
                .attr("points")
                .unwrap_or("")
                .split_whitespace()
                .filter_map(|p| p.split_once(','))
                .map(|(x, y)| (x.parse().unwrap_or(f64::NAN), y.parse().unwrap_or(f64::NAN)))
                .collect(),
        }
    }
}

/// A minimal scan of the SVG the plotters backend writes: start tags with quoted attributes,
/// self-closing or followed by text content.
fn elements(svg: &str) -> Vec<Element> {
    let mut out = Vec::new();
    let mut rest = svg;
    while let Some(start) = rest.find('<') {
        rest = &rest[start + 1..];
        let end = rest.find('>').expect("every tag is closed");
        let tag = &rest[..end];
        rest = &rest[end + 1..];
        if tag.starts_with(['/', '?', '!']) {
            continue;
        }
        let name: String = tag.chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
        let text = if tag.ends_with('/') { String::new() } else { rest[..rest.find('<').unwrap_or(0)].to_string() };
        out.push(Element { attrs: attributes(&tag[name.len()..]), name, text });
    }
    out
}

fn attributes(mut s: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    while let Some(eq) = s.find("=\"") {
        let key = s[..eq].trim().to_string();
        let close = s[eq + 2..].find('"').expect("attribute values are quoted");
        out.push((key, s[eq + 2..eq + 2 + close].to_string()));
        s = &s[eq + 3 + close..];
    }
    out
}

/// Elements named `name` with the colour `colour` (as stroke for lines, fill for circles) lying
/// wholly inside the panel's plotting area.
fn count_in(els: &[Element], panel: &PanelSummary, name: &str, colour: &str) -> usize {
    let key = if name == "circle" { "fill" } else { "stroke" };
    els.iter()
        .filter(|e| e.name == name && e.attr(key) == Some(colour))
        .filter(|e| e.points().iter().all(|&(x, y)| panel.plot_area.contains(x, y)))
        .count()
}

/// Asserts that every series of every panel appears in the SVG as its summary says, inside its
/// panel: one polyline per segment (lines), at least one dash per segment (dashed lines), one
/// circle per point. No panel holds a legend sample.
fn assert_series_drawn(svg: &str, summary: &PlotSummary) {
    let els = elements(svg);
    for panel in &summary.panels {
        for s in &panel.series {
            let (name, n) = match s.shape {
                SeriesShape::Line | SeriesShape::Dashed => ("polyline", s.segments),
                SeriesShape::Points => ("circle", s.points),
            };
            let drawn = count_in(&els, panel, name, &s.colour);
            if s.shape == SeriesShape::Dashed {
                assert!(drawn > 2 * n, "{} in {}: {drawn} dashes for {n} runs", s.label, panel.title);
            } else {
                assert_eq!(drawn, n, "{} in {}", s.label, panel.title);
            }
        }
    }
}

fn render_svg(data: &PlotData, test: &str) -> (String, PlotSummary) {
    let path = out_dir(test).join("fit.svg");
    let summary = render(data, &path).expect("the plot renders");
    (std::fs::read_to_string(&path).expect("the SVG was written"), summary)
}

#[test]
fn two_states_give_state_panels_a_phase_portrait_and_the_loss() {
    let mut tr = trajectory("run", 80, 2, 1);
    for i in [5, 6, 30] {
        tr.observed[i * 2] = f64::NAN;
    }
    let data = plot_data(2, vec![tr.clone()]);
    let (svg, summary) = render_svg(&data, "two_states");
    let kinds: Vec<PanelKind> = summary.panels.iter().map(|p| p.kind).collect();
    assert_eq!(kinds, [PanelKind::State(0), PanelKind::State(1), PanelKind::Phase { x: 0, y: 1 }, PanelKind::Loss]);
    // Each x–y panel: one data series and one rollout series; the loss panel: curve and markers.
    assert_eq!(summary.series_count(), 3 * 2 + 2);
    let x = summary.panel(PanelKind::State(0)).expect("x panel");
    let observed_x = column(&tr.observed, 2, 0).iter().filter(|v| v.is_finite()).count();
    assert_eq!(x.series[0].points, observed_x);
    assert_eq!(x.series[0].points, 77);
    let phase = summary.panel(PanelKind::Phase { x: 0, y: 1 }).expect("phase panel");
    assert_eq!(phase.series[0].points, 77, "a phase point needs both states observed");
    assert_series_drawn(&svg, &summary);
}

#[test]
fn three_states_give_two_projections_and_gaps_split_rollouts() {
    let mut a = trajectory("a", 60, 3, 2);
    let b = trajectory("b", 60, 3, 3);
    let rollout = a.rollout.as_mut().expect("fixture has a rollout");
    rollout[10 * 3 + 1] = f64::NAN; // y breaks once
    rollout[20 * 3 + 1] = f64::INFINITY; // and again
    rollout.truncate(50 * 3); // the integration stopped early
    let data = plot_data(3, vec![a.clone(), b]);
    let (svg, summary) = render_svg(&data, "three_states");
    let phases: Vec<PanelKind> =
        summary.panels.iter().map(|p| p.kind).filter(|k| matches!(k, PanelKind::Phase { .. })).collect();
    assert_eq!(phases, [PanelKind::Phase { x: 0, y: 1 }, PanelKind::Phase { x: 0, y: 2 }]);
    // Two trajectories, each with data and rollout, in 3 state and 2 phase panels.
    assert_eq!(summary.series_count(), 5 * 4 + 2);
    let y = summary.panel(PanelKind::State(1)).expect("y panel");
    let rollout_a = y.series.iter().find(|s| s.label == "a: rollout").expect("a's rollout");
    let a_y = column(a.rollout.as_ref().expect("rollout"), 3, 1);
    assert_eq!(rollout_a.segments, finite_runs(a_y.iter().copied()));
    assert_eq!(rollout_a.segments, 3);
    assert_eq!(rollout_a.points, 48);
    assert_series_drawn(&svg, &summary);
}

#[test]
fn titles_axis_labels_and_legends_are_text() {
    let data = plot_data(2, vec![trajectory("run", 40, 2, 4)]);
    let (svg, summary) = render_svg(&data, "labels");
    let texts: Vec<String> = elements(&svg).into_iter().filter(|e| e.name == "text").map(|e| e.text).collect();
    let has = |s: &str| texts.iter().any(|t| t.trim() == s);
    let titles = [
        "damped oscillator",
        "x(t)",
        "y(t)",
        "phase portrait: y vs x",
        "training loss (vertical lines: threshold rounds)",
    ];
    for expected in titles {
        assert!(has(expected), "missing title {expected:?}");
    }
    for expected in ["t", "x", "y", "epoch", "loss (log scale)", "data", "rollout of the discovered model"] {
        assert!(has(expected), "missing label {expected:?}");
    }
    assert!(summary.width >= 800 && summary.height >= 600, "a readable size");
}

#[test]
fn loss_gaps_and_round_markers_are_counted() {
    let mut data = plot_data(1, vec![trajectory("run", 30, 1, 5)]);
    data.loss.values[50] = f64::NAN;
    data.loss.values[90] = 0.0; // not drawable on a log scale
    let (svg, summary) = render_svg(&data, "loss");
    let panel = summary.panel(PanelKind::Loss).expect("loss panel");
    let by_role = |r| panel.series.iter().find(|s| s.role == r).expect("series present");
    assert_eq!(by_role(SeriesRole::Loss).segments, finite_runs(data.loss.values.iter().map(|&v| v.ln())));
    assert_eq!(by_role(SeriesRole::Loss).segments, 3);
    assert_eq!(by_role(SeriesRole::RoundMarker).segments, data.loss.round_starts.len());
    assert!(summary.panel(PanelKind::Phase { x: 0, y: 1 }).is_none(), "one state has no phase portrait");
    assert_series_drawn(&svg, &summary);
}

#[test]
fn many_states_and_dense_data_use_thinned_markers_and_no_phase_portrait() {
    let mut tr = trajectory("dense", 1000, 4, 6);
    tr.observed[500 * 4] = f64::NAN;
    tr.rollout = None;
    let mut data = plot_data(4, vec![tr]);
    data.loss.values.clear();
    data.loss.round_starts.clear();
    let (svg, summary) = render_svg(&data, "dense");
    let kinds: Vec<PanelKind> = summary.panels.iter().map(|p| p.kind).collect();
    assert_eq!(kinds, (0..4).map(PanelKind::State).collect::<Vec<_>>());
    let x = &summary.panels[0].series;
    assert_eq!(x.len(), 1, "data only: no rollout was given");
    // 999 observed points of the first state, every 4th drawn: markers the model line cannot
    // hide, at most 300 of them.
    assert_eq!((x[0].shape, x[0].points), (SeriesShape::Points, 250));
    assert_series_drawn(&svg, &summary);
}

#[test]
fn a_diverged_rollout_stays_inside_its_panel() {
    let mut tr = trajectory("run", 50, 2, 7);
    let rollout = tr.rollout.as_mut().expect("fixture has a rollout");
    for (i, v) in rollout.iter_mut().enumerate().skip(60) {
        *v = 10f64.powi(i as i32 * 4).min(f64::MAX);
    }
    rollout[99] = f64::NEG_INFINITY;
    let data = plot_data(2, vec![tr]);
    let (svg, summary) = render_svg(&data, "diverged");
    // Every polyline is counted only when wholly inside its panel: huge values were clamped.
    assert_series_drawn(&svg, &summary);
}

#[test]
fn one_legend_strip_above_the_panels_lists_six_trajectories() {
    let labels = ["a", "b", "c", "d", "e", "f", "g", "h"];
    let trajectories = labels.iter().enumerate().map(|(k, l)| trajectory(l, 30, 2, 30 + k as u64)).collect();
    let data = plot_data(2, trajectories);
    let (svg, summary) = render_svg(&data, "legend");
    let texts: Vec<Element> = elements(&svg).into_iter().filter(|e| e.name == "text").collect();
    let top = summary.panels.iter().map(|p| p.plot_area.y0).min().expect("panels");
    for (k, l) in labels.iter().enumerate() {
        let entries: Vec<&Element> = texts.iter().filter(|t| t.text.trim() == *l).collect();
        // The strip names the first six trajectories once each, above every panel.
        assert_eq!(entries.len(), usize::from(k < 6), "legend entries for {l}");
        for e in entries {
            let y: f64 = e.attr("y").expect("a text position").parse().expect("a number");
            assert!(y < f64::from(top), "{l}'s entry at y = {y} lies above the panels (from {top})");
        }
    }
    assert!(texts.iter().any(|t| t.text.trim() == "+2 more"), "the strip says how many are left out");
    // (Series are not counted by colour here: eight trajectories reuse the six colours.)
    assert!(summary.panels.iter().all(|p| p.series.iter().all(|s| !s.in_legend || p.kind == PanelKind::State(0))));
}

#[test]
fn denoised_inputs_equations_and_the_selection_path_are_drawn() {
    let mut tr = trajectory("run", 80, 2, 21);
    tr.denoised = tr.rollout.clone();
    tr.inputs = tr.times.iter().map(|t| (2.0 * t).sin()).collect();
    let mut data = plot_data(2, vec![tr]);
    data.input_names = vec!["u".into()];
    data.equations = vec!["x' = -0.1*x + 2*y     95%: y [1.99, 2.01]".into()];
    data.path = [(5, 900.0, false), (3, 120.0, false), (2, 100.0, true), (1, 5000.0, false)]
        .iter()
        .map(|&(terms, criterion, chosen)| SelectionPoint { terms, criterion, chosen })
        .collect();
    let (svg, summary) = render_svg(&data, "extras");
    let kinds: Vec<PanelKind> = summary.panels.iter().map(|p| p.kind).collect();
    let expected = [
        PanelKind::State(0),
        PanelKind::State(1),
        PanelKind::Input(0),
        PanelKind::Phase { x: 0, y: 1 },
        PanelKind::Selection,
    ];
    assert_eq!(kinds, expected, "the path replaces the loss panel");
    let x = summary.panel(PanelKind::State(0)).expect("x panel");
    let dashed = x.series.iter().find(|s| s.role == SeriesRole::Denoised).expect("the denoised fit");
    assert_eq!((dashed.shape, dashed.points), (SeriesShape::Dashed, 80));
    let u = summary.panel(PanelKind::Input(0)).expect("u panel");
    assert_eq!((u.title.as_str(), u.series[0].points), ("u(t) (input)", 80));
    let sel = summary.panel(PanelKind::Selection).expect("selection panel");
    assert_eq!(sel.title, "model selection: 2 terms chosen");
    let chosen = sel.series.iter().find(|s| s.role == SeriesRole::Chosen).expect("the chosen level");
    assert_eq!(chosen.points, 1);
    assert_eq!(sel.series.iter().find(|s| s.role == SeriesRole::Path).map(|s| s.points), Some(4));
    let texts: Vec<String> = elements(&svg).into_iter().filter(|e| e.name == "text").map(|e| e.text).collect();
    assert!(texts.iter().any(|t| t.contains("-0.1*x + 2*y") && t.contains("95%: y [1.99, 2.01]")), "{texts:?}");
    assert_series_drawn(&svg, &summary);
}

#[test]
fn ticks_through_zero_read_zero() {
    // Symmetric data puts a tick at zero, which plotters computes with round-off.
    let (svg, _) = render_svg(&plot_data(2, vec![trajectory("run", 60, 2, 8)]), "ticks");
    let texts: Vec<String> = elements(&svg).into_iter().filter(|e| e.name == "text").map(|e| e.text).collect();
    assert!(texts.iter().any(|t| t.trim() == "0"), "a zero tick");
    assert!(!texts.iter().any(|t| t.contains("e-16") || t.contains("e-17")), "no round-off ticks");
}

#[test]
fn a_loss_without_positive_values_draws_no_loss_panel() {
    let mut data = plot_data(2, vec![trajectory("run", 30, 2, 9)]);
    data.loss.values.iter_mut().for_each(|v| *v = if v.is_sign_positive() { f64::NAN } else { *v });
    let (svg, summary) = render_svg(&data, "no_loss");
    assert!(summary.panel(PanelKind::Loss).is_none());
    assert_eq!(summary.panels.len(), 3, "x, y and the phase portrait");
    assert_series_drawn(&svg, &summary);
}
