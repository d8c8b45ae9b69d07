//! `mechc run` on a model with fields: field data → field fit → the field report on stdout.
//! The outputs of ODE models (`--json`, `--emit-model`, `--plot`, `--export`) are refused with
//! `E080` before any work: field models do not write them yet.

use super::{cancel_flag, RunArgs};
use crate::cli::{EXIT_INTERRUPTED, EXIT_OK, EXIT_USER};
use crate::diag::{codes, render, Diagnostic};
use crate::pipeline::fields::{field_warnings, prepare_fields, train_fields};
use crate::pipeline::Checked;
use crate::source::SourceMap;
use std::sync::atomic::Ordering;
use std::time::Instant;

/// Runs a field model.
pub fn run(args: &RunArgs, checked: Checked, sources: &SourceMap) -> u8 {
    let flags = [
        ("--json", args.json.is_some()),
        ("--emit-model", args.emit_model.is_some()),
        ("--plot", args.plot.is_some()),
        ("--export", !args.export.is_empty()),
        ("--out-dir", args.out_dir.is_some()),
    ];
    if let Some((flag, _)) = flags.iter().find(|(_, on)| *on) {
        let d = Diagnostic::new(
            codes::FIELD_UNSUPPORTED,
            format!("`{flag}` is not available for models with fields yet"),
            checked.model.span(),
            "a field model",
        )
        .with_help("run without it: the report is printed to standard output");
        eprint!("{}", render::render_text(&[d], sources, render::use_color()));
        return EXIT_USER;
    }
    let name = checked.model.name.as_ref().map_or("model".to_string(), |n| n.name.clone());
    let p = match prepare_fields(checked) {
        Ok(p) => p,
        Err(f) => return crate::cli::failure(f, sources),
    };
    eprint!("{}", render::render_text(&p.warnings, sources, render::use_color()));
    let start = Instant::now();
    let fit = match train_fields(&p, Some(cancel_flag()), None) {
        Ok(f) => f,
        Err(d) => {
            eprint!("{}", render::render_text(&[d], sources, render::use_color()));
            return EXIT_USER;
        }
    };
    let wall = start.elapsed().as_secs_f64();
    eprint!("{}", render::render_text(&field_warnings(&p, &fit), sources, render::use_color()));
    let Some(pde) = &p.model.pde else { return EXIT_USER };
    let report = crate::report::fields::build(&p.ir, pde, &p.data, &fit, args.precision as usize);
    print!("{}", crate::report::fields::text(&name, pde, &p.data, &fit, &report, wall));
    if fit.fitted.interrupted || cancel_flag().load(Ordering::Relaxed) {
        return EXIT_INTERRUPTED;
    }
    EXIT_OK
}
