//! `fit { key = value, ... }` → [`FitSettings`](super::settings::FitSettings): keys looked up in
//! the schema (unknown keys are `E024` with a suggestion), values converted and range-checked
//! (`E025`), defaults filled in for everything not written.

use super::settings::{self, SCHEMA};
use super::Checker;
use crate::diag::{codes, Diagnostic};
use crate::syntax::ast::{self, ExprKind as A};

impl Checker<'_> {
    pub(crate) fn resolve_fit(&mut self, fit: Option<&ast::FitDecl>) {
        let Some(fit) = fit else { return };
        let mut seen: Vec<&ast::Ident> = Vec::new();
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
            self.fit_value(spec, s, number, word);
        }
    }

    /// Stores a setting's converted value (`W004` when the fit does not read it), or reports a
    /// value of the wrong type or out of range (`E025`).
    fn fit_value(&mut self, spec: &settings::SettingSpec, s: &ast::Setting, number: Option<f64>, word: Option<&str>) {
        match settings::convert(&spec.kind, number, word) {
            Ok(v) => {
                self.model.fit.values.insert(spec.key, v);
                self.model.fit.explicit.push(spec.key);
                if settings::NO_EFFECT.contains(&spec.key) {
                    self.err(
                        Diagnostic::new(
                            codes::NO_EFFECT,
                            format!("`{}` has no effect on the fit", spec.key),
                            s.key.span,
                            "not read by the fit",
                        )
                        .with_help("remove it; `mechc explain W004` says why"),
                    );
                }
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
            }
        }
    }
}
