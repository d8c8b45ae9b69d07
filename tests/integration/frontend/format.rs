//! The formatter over every example and parsable fixture: `parse(fmt(m))` equals `parse(m)`
//! ignoring spans (comments included, by text), and `fmt` is idempotent.

use super::{mech_files, rel};
use mechc::source::SourceMap;
use mechc::syntax::{self, ast, fmt::format_module};

/// Debug text of the items with every `Span { .. }` replaced by `Span`, so trees compare by
/// structure alone (every field but spans takes part).
fn without_spans(items: &[ast::Item]) -> String {
    let text = format!("{items:?}");
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(i) = rest.find("Span { src:") {
        out.push_str(&rest[..i]);
        out.push_str("Span");
        let close = rest[i..].find('}').expect("span debug closes");
        rest = &rest[i + close + 1..];
    }
    out.push_str(rest);
    out
}

fn parse(name: &str, text: &str) -> Option<ast::Module> {
    let mut sources = SourceMap::new();
    let id = sources.add(name, text);
    syntax::parse(&sources, id).0
}

fn round_trip(name: &str, text: &str) -> Result<(), String> {
    let Some(m1) = parse(name, text) else { return Ok(()) };
    let once = format_module(&m1, text);
    let m2 = parse(name, &once).ok_or_else(|| format!("formatted text does not parse:\n{once}"))?;
    if without_spans(&m1.items) != without_spans(&m2.items) {
        return Err(format!("formatting changed the tree:\n{once}"));
    }
    let comments = |m: &ast::Module| m.comments.iter().map(|c| c.text.clone()).collect::<Vec<_>>();
    if comments(&m1) != comments(&m2) {
        return Err(format!("formatting changed the comments:\n{once}"));
    }
    let twice = format_module(&m2, &once);
    if twice != once {
        return Err(format!("not idempotent:\n--- once\n{once}\n--- twice\n{twice}"));
    }
    Ok(())
}

#[test]
fn fmt_round_trips_and_is_idempotent() {
    let dirs = [
        "examples",
        "stdlib",
        "tests/cases/parse/ok",
        "tests/cases/parse/err",
        "tests/cases/check/ok",
        "tests/cases/check/err",
    ];
    let mut failures = Vec::new();
    let mut n = 0;
    for dir in dirs {
        for f in mech_files(dir) {
            let text = std::fs::read_to_string(&f).unwrap();
            n += 1;
            if let Err(e) = round_trip(&rel(&f), &text) {
                failures.push(format!("{}: {e}", rel(&f)));
            }
        }
    }
    assert!(n >= 60, "only {n} files found");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Examples are committed in canonical form.
#[test]
fn examples_are_formatted() {
    for f in mech_files("examples") {
        let text = std::fs::read_to_string(&f).unwrap();
        let m = parse(&rel(&f), &text).expect("example parses");
        assert_eq!(format_module(&m, &text), text, "{} is not in canonical form (run mechc fmt --write)", rel(&f));
    }
}

/// What a person sees from `mechc fmt` on a messy file.
#[test]
fn fmt_snapshot() {
    let messy = "model   m # name\nstate x,y\n\n\n# doc for the parameter\nparam k=1 in(0,10)\nx'=-k*x+ sparse( {x,y}*{1,x},keep={x})  # tail\ny' = (x-y)^2^-1\nfit{epochs=3,threshold=auto}\n";
    let m = parse("messy.mech", messy).expect("parses");
    insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!("fmt_messy", format_module(&m, messy));
    });
}
