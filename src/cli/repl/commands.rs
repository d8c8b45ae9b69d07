//! The REPL's `:commands` and their effects on a [`Session`]: show, check, run (training through
//! the library pipeline on the session's text in memory, with relative paths resolved against its
//! base directory), eqs, plot, save (atomic), load, undo. Each returns the text to print.

use super::session::{self, Session};
use crate::cli::run::{outputs, RunArgs};
use crate::diag::render;
use crate::files::write_atomic;
use crate::fit::Fitted;
use crate::pipeline::{prepare, train, Failure, Prepared, TrainOptions};
use crate::source::SourceMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

/// The help text of `:help`.
pub const HELP: &str = "\
Type a declaration to add it, or to replace the one with the same name or target
(state, param NAME, basis NAME, x' = ..., fit { ... }, data NAME, model ...).
A line with an unclosed `{` continues on the next lines.
  :help         this text
  :show         the model, canonically formatted
  :check        check the model and print its diagnostics
  :run          train the model and print the report: equations, standard errors, fitted
                parameters and metrics (Ctrl-C stops training)
  :eqs          the equations and fitted parameters of the last :run
  :params       the fitted parameters of the last :run, with standard errors
  :plot FILE    plot data against the last :run's model (.svg or .png)
  :save FILE    write the model to FILE
  :load FILE    replace the model by FILE's declarations
  :undo         undo the last change to the model
  :quit         leave (also Ctrl-D)
";

/// Every command name, for completion.
pub const COMMANDS: &[&str] =
    &[":help", ":show", ":check", ":run", ":eqs", ":params", ":plot", ":save", ":load", ":undo", ":quit"];

/// The last training: what was trained and its result.
pub struct LastRun {
    prepared: Prepared,
    fitted: Fitted,
    equations: Vec<String>,
    /// The fitted parameters' lines.
    params: String,
}

/// Session state beside the model: the last run and the cancel flag Ctrl-C sets.
pub struct Repl {
    /// The model.
    pub session: Session,
    /// The last successful `:run`.
    pub last: Option<LastRun>,
    /// Set by Ctrl-C while training.
    pub cancel: &'static AtomicBool,
    /// Whether diagnostics are coloured.
    pub color: bool,
}

impl Repl {
    /// A session over an empty model resolving paths against `base_dir`; Ctrl-C stops its training.
    pub fn new(base_dir: PathBuf, color: bool) -> Repl {
        Repl { session: Session::new(base_dir), last: None, cancel: super::cancel_flag(), color }
    }

    /// `:check`: the model's diagnostics, or `ok`.
    pub fn check(&self) -> String {
        let c = self.session.check();
        if c.diags.is_empty() {
            "ok: no diagnostics\n".into()
        } else {
            c.render(self.color)
        }
    }

    /// `:run`: trains the session's model and prints its equations.
    pub fn run(&mut self) -> String {
        let checked = self.session.check();
        if checked.has_errors() {
            return checked.render(self.color);
        }
        let mut sources = SourceMap::new();
        let root = sources.add(self.session.source_name(), self.session.text());
        let mut prepared = match prepare(&mut sources, root) {
            Ok(p) => p,
            Err(Failure::User(diags)) => return render::render_text(&diags, &sources, self.color),
            Err(Failure::Internal(m)) => return format!("internal error: {m}\n"),
        };
        self.cancel.store(false, Ordering::SeqCst);
        // The same progress line as `mechc run` (on stderr, only when it is a terminal).
        let bar = crate::cli::run::progress_bar(false);
        let on_progress = |p: &crate::fit::Progress| crate::cli::run::show_progress(bar.as_ref(), p);
        let opts = TrainOptions { seed: None, cancel: Some(self.cancel), progress: Some(&on_progress) };
        let start = std::time::Instant::now();
        let result = train(&prepared, &opts);
        if let Some(b) = &bar {
            b.finish_and_clear();
        }
        let fitted = match result {
            Ok(f) => f,
            Err(d) => return render::render_text(&[d], &sources, self.color),
        };
        if let Err(d) = crate::pipeline::install(&mut prepared, &fitted) {
            return render::render_text(&[d], &sources, self.color);
        }
        let wall = start.elapsed().as_secs_f64();
        let mode = match prepared.model.fit.threshold {
            crate::check::settings::Threshold::Level(t) => crate::number::format_sig(t, 4),
            crate::check::settings::Threshold::Auto => "auto".to_string(),
        };
        let mut report = crate::report::build(&prepared.ir, &prepared.data, &fitted, &mode, wall, 4);
        if let Some(full) = &prepared.held_out {
            report.held_out = crate::report::heldout::score(
                &prepared.ir,
                &fitted,
                &prepared.data,
                full,
                prepared.model.fit.validation,
            );
        }
        // An encoder's weights stay in the session (`mechc run --weights` saves them).
        report.amortised = crate::report::amortised::build(&prepared.model, &prepared.data, &fitted);
        report.method_choice = crate::report::networks::method_choice(&prepared.model.fit);
        let equations: Vec<String> = report.equations.iter().map(|e| e.text.clone()).collect();
        let labels: Vec<String> = prepared.data.trajectories.iter().map(|t| t.label.clone()).collect();
        let warnings = crate::pipeline::result_warnings(&prepared.model, &prepared.ir, &fitted, &labels);
        let mut out =
            if fitted.interrupted { "interrupted: the best model so far\n".to_string() } else { String::new() };
        out.push_str(&render::render_text(&warnings, &sources, self.color));
        out.push_str(&report.text(false));
        let params = report.params_text();
        self.last = Some(LastRun { prepared, fitted, equations, params });
        out
    }

    /// `:eqs`: the equations of the last run.
    pub fn eqs(&self) -> String {
        match &self.last {
            Some(l) => format!("{}{}", lines(&l.equations), l.params),
            None => "no equations yet: use :run\n".into(),
        }
    }

    /// `:params`: the fitted parameters of the last run.
    pub fn params(&self) -> String {
        match &self.last {
            Some(l) if l.params.is_empty() => "the model has no parameters\n".into(),
            Some(l) => l.params.clone(),
            None => "no parameters yet: use :run\n".into(),
        }
    }

    /// `:plot FILE`: the last run's plot.
    pub fn plot(&self, file: &str) -> String {
        let Some(l) = &self.last else { return "nothing to plot yet: use :run\n".into() };
        let path = self.resolve(file);
        let args = RunArgs {
            file: path.clone(),
            seed: None,
            json: None,
            emit_model: None,
            plot: Some(path.clone()),
            out_dir: None,
            quiet: true,
            verbose: false,
            precision: 4,
            export: vec![],
            weights: None,
            report: None,
            plot_trajectories: None,
        };
        let report = crate::report::build(&l.prepared.ir, &l.prepared.data, &l.fitted, "auto", 0.0, 4);
        match outputs::write_all(&args, &l.prepared, &l.fitted, &report, "<repl>") {
            Ok(_) => format!("wrote the plot to {}\n", path.display()),
            Err(m) => format!("error: {m}\n"),
        }
    }

    /// `:save FILE`: the model in canonical form, written atomically.
    pub fn save(&self, file: &str) -> String {
        let path = self.resolve(file);
        match write_atomic(&path, self.session.formatted().as_bytes()) {
            Ok(()) => format!("saved {}\n", path.display()),
            Err(e) => format!("error: cannot write {}: {e}\n", path.display()),
        }
    }

    /// `:load FILE`: replaces the model by the file's declarations (refused when it does not parse).
    pub fn load(&mut self, file: &str) -> String {
        let path = self.resolve(file);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => return format!("error: cannot read {}: {e}\n", path.display()),
        };
        match session::split(&path.to_string_lossy(), &text) {
            Ok(decls) => {
                let n = decls.len();
                self.session.replace_all(decls);
                if let Some(dir) = path.parent() {
                    self.session.base_dir = dir.to_path_buf();
                }
                self.last = None;
                let mut out = format!("loaded {n} declaration(s) from {}\n", path.display());
                // A file with errors is still loaded, to be fixed in the session; say so at once.
                let checked = self.session.check();
                if checked.has_errors() {
                    out.push_str(&checked.render(self.color));
                }
                out
            }
            Err(c) => c.render(self.color),
        }
    }

    /// `:undo`.
    pub fn undo(&mut self) -> String {
        if self.session.undo() {
            "undone\n".into()
        } else {
            "nothing to undo\n".into()
        }
    }

    /// A typed declaration: applied, or refused with its diagnostics.
    pub fn declare(&mut self, input: &str) -> String {
        match self.session.apply(input) {
            Ok((changes, checked)) => {
                let mut out = lines(&changes);
                // Only warnings are shown; errors of the unfinished rest of the model wait for `:check`.
                let warnings: Vec<_> = checked.diags.iter().filter(|d| !d.is_error()).cloned().collect();
                out.push_str(&render::render_text(&warnings, &checked.sources, self.color));
                let errors = checked.diags.len() - warnings.len();
                if errors > 0 {
                    out.push_str(&format!("model incomplete: {errors} error(s) elsewhere (:check shows them)\n"));
                }
                out
            }
            Err(c) => {
                let mut out = c.render(self.color);
                out.push_str("not applied: the model is unchanged\n");
                out
            }
        }
    }

    /// A path typed by the user: relative ones are taken from the current directory.
    fn resolve(&self, file: &str) -> PathBuf {
        PathBuf::from(file)
    }
}

fn lines(v: &[String]) -> String {
    v.iter().map(|s| format!("{s}\n")).collect()
}
