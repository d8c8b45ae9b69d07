//! `fit { key = value, ... }` → [`FitSettings`](super::settings::FitSettings): keys looked up in
//! the schema (unknown keys are `E024` with a suggestion), values converted and range-checked
//! (`E025`), defaults filled in for everything not written.

use super::settings::{self, Device, SettingSpec, SCHEMA};
use super::Checker;
use crate::diag::{codes, Diagnostic};
use crate::source::Span;
use crate::syntax::ast::{self, ExprKind as A};

impl Checker<'_> {
    pub(crate) fn resolve_fit(&mut self, fit: Option<&ast::FitDecl>) {
        let Some(fit) = fit else {
            self.method_rules(&[]);
            return;
        };
        let mut seen: Vec<&ast::Ident> = Vec::new();
        let mut written: Vec<(&'static SettingSpec, Span, Span)> = Vec::new();
        for s in &fit.settings {
            let Some(spec) = settings::spec(&s.key.name) else {
                let help = super::scope::suggest(&s.key.name, SCHEMA.iter().map(|x| x.key)).map_or_else(
                    || "`mechc explain fit` lists every setting".to_string(),
                    |k| format!("did you mean `{k}`?"),
                );
                self.err(
                    Diagnostic::new(
                        codes::UNKNOWN_SETTING,
                        format!("unknown fit setting `{}`", s.key.name),
                        s.key.span,
                        "unknown setting",
                    )
                    .with_help(help),
                );
                continue;
            };
            if let Some(first) = seen.iter().find(|k| k.name == s.key.name) {
                self.err(super::collect::duplicate(&s.key.name, s.key.span, first.span, "a setting"));
                continue;
            }
            seen.push(&s.key);
            let (number, word) = match &s.value.kind {
                A::Name(id) if self.scope.get(&id.name).is_none() && id.name != "t" => (None, Some(id.name.as_str())),
                _ => {
                    let n = self.diags.len();
                    let v = self.constant(&s.value);
                    if self.diags.len() > n {
                        continue;
                    }
                    (v, None)
                }
            };
            if self.fit_value(spec, s, number, word) {
                written.push((spec, s.key.span, s.value.span));
            }
        }
        self.method_rules(&written);
    }

    /// Stores a setting's converted value and says so, or reports a value of the wrong type or
    /// out of range (`E025`).
    fn fit_value(
        &mut self,
        spec: &'static SettingSpec,
        s: &ast::Setting,
        number: Option<f64>,
        word: Option<&str>,
    ) -> bool {
        match settings::convert(&spec.kind, number, word) {
            Ok(v) => {
                self.model.fit.set(spec, &v);
                true
            }
            Err(expected) => {
                let found = word.map_or_else(|| number.map_or("?".into(), |x| x.to_string()), |w| format!("`{w}`"));
                self.err(
                    Diagnostic::new(
                        codes::BAD_SETTING,
                        format!("`{}` must be {expected}, found {found}", spec.key),
                        s.value.span,
                        "invalid value",
                    )
                    .with_note(format!("{}: {} (default {})", spec.key, spec.doc, spec.default)),
                );
                false
            }
        }
    }

    /// Rules that need every setting: `device = cuda` is refused (no CUDA backend in this
    /// build), and a setting the chosen method does not read draws `W004`. A model with fields
    /// is fitted by the `sindy` engine whatever `method` says (any other is refused when it is
    /// prepared), so its method becomes `sindy` unless written, and its settings are judged by
    /// what the field fit reads.
    fn method_rules(&mut self, written: &[(&'static SettingSpec, Span, Span)]) {
        let fields = self.model.pde.is_some();
        if fields && !self.model.fit.is_explicit("method") {
            self.model.fit.method = settings::Method::Sindy;
        }
        let method = self.model.fit.method;
        for &(spec, key_span, value_span) in written {
            if spec.key == "device" && self.model.fit.device == Device::Cuda {
                self.err(
                    Diagnostic::new(
                        codes::UNSUPPORTED,
                        "no CUDA backend in this build",
                        value_span,
                        "not available in this build",
                    )
                    .with_help("use `device = cpu` (the default)"),
                );
            } else if fields && !self.model.fit.reads_for_fields(spec) {
                self.err(field_no_effect(spec, key_span));
            } else if !fields && !self.model.fit.reads(spec) {
                let (acts, here) = if spec.acts.is_empty() {
                    ("no method reads it yet".to_string(), "")
                } else if spec.acts_under(method) {
                    (only_when(spec.key).to_string(), " with these settings")
                } else {
                    (format!("it acts under {}", spec.acts_words("method = ")), "")
                };
                self.err(
                    Diagnostic::new(
                        codes::NO_EFFECT,
                        format!("`{}` has no effect under `method = {}`{here}", spec.key, method.name()),
                        key_span,
                        format!("not read by `{}`", method.name()),
                    )
                    .with_help(format!(
                        "remove it ({acts}); `mechc explain fit` says which settings each method reads"
                    )),
                );
            }
        }
    }
}

/// `W004` for a setting the fit of a model with fields does not read.
fn field_no_effect(spec: &SettingSpec, key_span: Span) -> Diagnostic {
    let why = match spec.key {
        "ensemble" | "seed" => "field models make no bootstrap refits, so nothing is drawn at random".to_string(),
        "threshold_scale" => "it acts only with a numeric `threshold`".to_string(),
        _ => {
            format!("it acts under {}, and field models are fitted by the `sindy` engine", spec.acts_words("method = "))
        }
    };
    Diagnostic::new(
        codes::NO_EFFECT,
        format!("`{}` has no effect in a model with fields", spec.key),
        key_span,
        "not read by the field fit",
    )
    .with_help(format!("remove it ({why})"))
}

/// When a setting that its method reads in some configurations acts (see `FitSettings::reads`).
fn only_when(key: &str) -> &'static str {
    match key {
        "threshold_scale" => "it acts only with a numeric `threshold`",
        "seed" => "this method makes random draws only for `ensemble`",
        _ => "under `mnn` it acts only when a collocation fit runs: `init = collocation` or `threshold = auto`",
    }
}
