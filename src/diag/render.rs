//! Rendering diagnostics, the only place ariadne is named: [`render_text`] (ariadne, byte indices,
//! colour optional, trailing spaces trimmed) and [`render_json`] (one JSON object per diagnostic,
//! for editors). Input: `&[Diagnostic]` and the [`SourceMap`] their spans point into.

use super::{Diagnostic, Severity};
use crate::source::SourceMap;
use ariadne::{Config, IndexType, Label, Report, ReportKind};
use serde::Serialize;

/// Renders diagnostics as ariadne reports. `color` should be true only on a terminal without
/// `NO_COLOR` (see [`use_color`]).
pub fn render_text(diags: &[Diagnostic], sources: &SourceMap, color: bool) -> String {
    let mut out = String::new();
    if diags.is_empty() {
        return out;
    }
    // One cache for all reports: its line tables are built once per source, not per diagnostic.
    let mut cache = ariadne::sources(
        sources.iter().map(|(_, s)| (s.name.clone(), super::excerpt::visible_source(&s.text).into_owned())),
    );
    for d in diags {
        out.push_str(&render_one(d, sources, color, &mut cache));
    }
    out
}

/// Whether colour should be used on stderr: a terminal, and `NO_COLOR` unset or empty.
pub fn use_color() -> bool {
    use std::io::IsTerminal;
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    !no_color && std::io::stderr().is_terminal()
}

fn render_one(d: &Diagnostic, sources: &SourceMap, color: bool, cache: &mut impl ariadne::Cache<String>) -> String {
    let kind = match d.severity {
        Severity::Error => ReportKind::Error,
        Severity::Warning => ReportKind::Warning,
    };
    let name = |l: &super::Label| sources.name(l.span.src).to_string();
    let Some(primary) = d.labels.first() else {
        let head = format!("{kind}[{}]: {}\n", d.code, d.message);
        return head + &d.notes.iter().map(|n| format!("  = note: {n}\n")).collect::<String>();
    };
    let config = Config::default().with_color(color).with_index_type(IndexType::Byte);
    let clamp = |l: &super::Label| {
        let len = sources.text(l.span.src).len();
        let start = (l.span.start as usize).min(len);
        (name(l), start..(l.span.end as usize).clamp(start, len))
    };
    let mut report = Report::build(kind, clamp(primary)).with_config(config).with_code(d.code).with_message(&d.message);
    for (i, l) in d.labels.iter().enumerate() {
        let label = Label::new(clamp(l)).with_message(&l.text);
        let label = if color { label.with_color(label_color(i == 0, d.severity)) } else { label };
        report.add_label(label);
    }
    for n in &d.notes {
        report.add_note(n);
    }
    if let Some(h) = &d.help {
        report.add_help(h);
    }
    let mut buf = Vec::new();
    if report.finish().write(cache, &mut buf).is_err() {
        return format!("{}[{}]: {}\n", kind, d.code, d.message);
    }
    let text = String::from_utf8_lossy(&buf);
    text.lines().map(|l| l.trim_end().to_string() + "\n").collect()
}

fn label_color(primary: bool, severity: Severity) -> ariadne::Color {
    match (primary, severity) {
        (true, Severity::Error) => ariadne::Color::Red,
        (true, Severity::Warning) => ariadne::Color::Yellow,
        _ => ariadne::Color::Blue,
    }
}

/// A diagnostic as editors read it.
#[derive(Serialize)]
struct JsonDiag<'a> {
    code: &'a str,
    severity: &'a str,
    message: &'a str,
    file: Option<&'a str>,
    /// Byte range `[start, end)` of the primary label.
    range: Option<[u32; 2]>,
    /// 1-based line and column (in characters) of the primary label's start and end.
    start: Option<[usize; 2]>,
    end: Option<[usize; 2]>,
    labels: Vec<JsonLabel<'a>>,
    notes: &'a [String],
    help: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonLabel<'a> {
    file: &'a str,
    range: [u32; 2],
    text: &'a str,
}

/// Renders diagnostics as a JSON array (pretty-printed, one object per diagnostic).
pub fn render_json(diags: &[Diagnostic], sources: &SourceMap) -> String {
    let items: Vec<JsonDiag> = diags.iter().map(|d| json_diag(d, sources)).collect();
    serde_json::to_string_pretty(&items).unwrap_or_else(|_| "[]".into())
}

fn json_diag<'a>(d: &'a Diagnostic, sources: &'a SourceMap) -> JsonDiag<'a> {
    let p = d.labels.first();
    let pos = |byte: u32| {
        p.map(|l| {
            let (line, col) = sources.line_col(l.span.src, byte as usize);
            [line, col]
        })
    };
    JsonDiag {
        code: d.code.0,
        severity: match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        },
        message: &d.message,
        file: p.map(|l| sources.name(l.span.src)),
        range: p.map(|l| [l.span.start, l.span.end]),
        start: p.and_then(|l| pos(l.span.start)),
        end: p.and_then(|l| pos(l.span.end)),
        labels: d
            .labels
            .iter()
            .map(|l| JsonLabel { file: sources.name(l.span.src), range: [l.span.start, l.span.end], text: &l.text })
            .collect(),
        notes: &d.notes,
        help: d.help.as_deref(),
    }
}
