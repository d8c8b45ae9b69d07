//! Encoders and the parameters they give: `encoder enc = mlp(u; hidden = [64, 64], activation =
//! tanh)` and `param r per trajectory from enc in (0.1, 10)`. Checks the encoder's inputs
//! (states only), hidden sizes and activation, links every `from` parameter to its encoder, and
//! the rules of a model with encoders (per-trajectory parameters all from encoders, `method =
//! mnn`). Input: the encoder and parameter declarations; output: `hir::Model::encoders` and
//! `hir::Param::encoder`.

use super::hir::{self, Activation};
use super::scope::{suggest, Decl};
use super::settings::Method;
use super::Checker;
use crate::diag::{codes, Diagnostic};
use crate::syntax::ast::{self, ExprKind as A};

const SIGNATURE: &str =
    "signature: encoder NAME = mlp(states...; hidden = [sizes], activation = tanh|relu|softplus|sigmoid)";

impl Checker<'_> {
    /// Resolves the encoders, then the `from` links of the parameters, then the model's rules.
    pub(crate) fn resolve_encoders(&mut self, encs: &[&ast::EncoderDecl], params: &[&ast::ParamDecl]) {
        for e in encs {
            let enc = self.encoder(e);
            self.model.encoders.push(enc);
        }
        for (i, p) in params.iter().enumerate() {
            if let Some(from) = &p.from {
                self.link_param(i, p, from);
            }
        }
        let named: Vec<&str> = params.iter().filter_map(|p| p.from.as_ref().map(|f| f.name.as_str())).collect();
        self.encoder_rules(&named);
    }

    fn encoder(&mut self, e: &ast::EncoderDecl) -> hir::Encoder {
        let mut enc = hir::Encoder {
            name: e.name.name.clone(),
            span: e.name.span,
            inputs: Vec::new(),
            hidden: vec![64, 64],
            activation: Activation::Tanh,
            outputs: Vec::new(),
        };
        let call = match &e.value.kind {
            A::Call(c) if c.name.name == "mlp" => c,
            _ => {
                self.err(
                    Diagnostic::new(
                        codes::BAD_ENCODER,
                        "an encoder is an `mlp(...)`",
                        e.value.span,
                        "not an `mlp(...)` call",
                    )
                    .with_note(SIGNATURE)
                    .with_help("e.g. `encoder enc = mlp(u; hidden = [64, 64])`"),
                );
                return enc;
            }
        };
        for a in &call.args.items {
            self.encoder_arg(a, &mut enc);
        }
        if call.args.items.iter().all(|a| a.name.is_some()) {
            self.err(
                Diagnostic::new(codes::BAD_ENCODER, "the encoder reads no state", call.args.span, "no inputs")
                    .with_note(SIGNATURE)
                    .with_help("name the states whose trajectories it reads, e.g. `mlp(u; hidden = [64, 64])`"),
            );
        }
        enc
    }

    /// One argument of the encoder's `mlp(...)`: an input state, `hidden` or `activation`.
    fn encoder_arg(&mut self, a: &ast::Arg, enc: &mut hir::Encoder) {
        match a.name.as_ref().map(|n| n.name.as_str()) {
            None => {
                if let Some(s) = self.encoder_input(&a.value) {
                    enc.inputs.push(s);
                }
            }
            Some("hidden") => {
                enc.hidden = self.hidden_sizes(&a.value);
                if matches!(&a.value.kind, A::List(items) if items.is_empty()) {
                    self.err(
                        Diagnostic::new(
                            codes::EMPTY_HIDDEN,
                            "the network has no hidden layer",
                            a.value.span,
                            "empty list",
                        )
                        .with_help("list the width of each hidden layer, e.g. `hidden = [64, 64]`"),
                    );
                }
            }
            Some("activation") => {
                if let Some(act) = self.activation(&a.value) {
                    enc.activation = act;
                }
            }
            Some(other) => self.err(
                Diagnostic::new(
                    codes::BAD_ENCODER,
                    format!("`mlp` has no argument `{other}`"),
                    a.span(),
                    "unknown argument",
                )
                .with_note(SIGNATURE),
            ),
        }
    }

    /// An encoder input: a state of the model, by name.
    fn encoder_input(&mut self, e: &ast::Expr) -> Option<usize> {
        if let A::Name(id) = &e.kind {
            match self.scope.get(&id.name).map(|x| (x.decl, x.span)) {
                Some((Decl::State(s), _)) => return Some(s),
                Some((d, span)) => {
                    self.err(
                        Diagnostic::new(
                            codes::BAD_ENCODER,
                            format!("an encoder reads states, and `{}` is {}", id.name, d.words()),
                            e.span,
                            "not a state",
                        )
                        .with_label(span, format!("declared as {} here", d.words()))
                        .with_help("an encoder reads the data of states; name a state declared with `state`"),
                    );
                    return None;
                }
                None => {
                    let states: Vec<&str> = self.model.states.iter().map(|s| s.name.as_str()).collect();
                    let help = suggest(&id.name, states).map(|s| format!("did you mean `{s}`?"));
                    let mut d = Diagnostic::new(
                        codes::UNKNOWN_NAME,
                        format!("unknown name `{}`", id.name),
                        e.span,
                        "not declared",
                    );
                    if let Some(h) = help {
                        d = d.with_help(h);
                    }
                    self.err(d);
                    return None;
                }
            }
        }
        self.err(
            Diagnostic::new(codes::BAD_ENCODER, "an encoder reads states, not expressions", e.span, "not a state")
                .with_help("name the states it reads; it sees their whole trajectories"),
        );
        None
    }

    /// `activation = tanh|relu|softplus|sigmoid`
    pub(crate) fn activation(&mut self, e: &ast::Expr) -> Option<Activation> {
        let name = match &e.kind {
            A::Name(id) => id.name.as_str(),
            _ => "",
        };
        if let Some((_, a)) = Activation::ALL.iter().find(|(n, _)| *n == name) {
            return Some(*a);
        }
        let names = Activation::ALL.map(|(n, _)| n);
        let mut d = Diagnostic::new(
            codes::UNKNOWN_ACTIVATION,
            if name.is_empty() { "unknown activation".to_string() } else { format!("unknown activation `{name}`") },
            e.span,
            "not an activation",
        )
        .with_note(format!("the activations are {}", names.join(", ")));
        if let Some(s) = suggest(name, names) {
            d = d.with_help(format!("did you mean `{s}`?"));
        }
        self.err(d);
        None
    }

    /// Links parameter `i` to the encoder its `from` names.
    fn link_param(&mut self, i: usize, p: &ast::ParamDecl, from: &ast::Ident) {
        let k = match self.scope.get(&from.name).map(|x| (x.decl, x.span)) {
            Some((Decl::Encoder(k), _)) => k,
            Some((d, span)) => {
                self.err(
                    Diagnostic::new(
                        codes::BAD_FROM_ENCODER,
                        format!("`{}` is {}, not an encoder", from.name, d.words()),
                        from.span,
                        "not an encoder",
                    )
                    .with_label(span, format!("declared as {} here", d.words())),
                );
                return;
            }
            None => {
                let encs: Vec<&str> = self.model.encoders.iter().map(|e| e.name.as_str()).collect();
                let help = match suggest(&from.name, encs.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None if encs.is_empty() => "declare it: `encoder enc = mlp(u; hidden = [64, 64])`".to_string(),
                    None => format!("the encoders are {}", encs.join(", ")),
                };
                self.err(
                    Diagnostic::new(
                        codes::UNKNOWN_NAME,
                        format!("unknown encoder `{}`", from.name),
                        from.span,
                        "not declared",
                    )
                    .with_help(help),
                );
                return;
            }
        };
        if p.per_trajectory.is_none() {
            self.err(
                Diagnostic::new(
                    codes::BAD_FROM_ENCODER,
                    format!("`{}` is shared by all trajectories, so no encoder can give it", p.name.name),
                    from.span.to(p.name.span),
                    "shared parameter from an encoder",
                )
                .with_help(format!(
                    "an encoder gives one value per trajectory: `param {} per trajectory from {}`",
                    p.name.name, from.name
                )),
            );
            return;
        }
        self.model.params[i].encoder = Some(k);
        self.model.encoders[k].outputs.push(i);
    }

    /// `W013` for the explicit `fit` settings an encoder fit does not read.
    fn encoder_settings(&mut self) {
        const IDLE: [&str; 10] = [
            "window",
            "stride",
            "threshold",
            "threshold_scale",
            "rounds",
            "l1",
            "init",
            "rule",
            "substeps",
            "ensemble",
        ];
        let idle: Vec<&str> = self.model.fit.explicit.iter().copied().filter(|k| IDLE.contains(k)).collect();
        let Some(span) = self.model.encoders.iter().find(|e| !e.outputs.is_empty()).map(|e| e.span) else { return };
        if !idle.is_empty() {
            let list: Vec<String> = idle.iter().map(|k| format!("`{k}`")).collect();
            self.diags.push(
                Diagnostic::new(
                    codes::ENCODER_SETTING,
                    format!(
                        "{} {} no effect on a model with an encoder",
                        list.join(", "),
                        if idle.len() == 1 { "has" } else { "have" }
                    ),
                    span,
                    "trains on whole trajectories",
                )
                .with_help("remove the setting; `mechc explain W013` lists what an encoder fit reads"),
            );
        }
    }

    /// Unused encoders (`W012`; not for one a rejected `from` names); in a model with an encoder, every per-trajectory parameter comes
    /// from an encoder and the method is `mnn` (`E071`).
    fn encoder_rules(&mut self, named: &[&str]) {
        let mut used = false;
        for e in &self.model.encoders {
            if e.outputs.is_empty() && !named.contains(&e.name.as_str()) {
                self.diags.push(
                    Diagnostic::new(
                        codes::UNUSED_ENCODER,
                        format!("no parameter comes from encoder `{}`", e.name),
                        e.span,
                        "unused",
                    )
                    .with_help(format!("declare what it gives: `param r per trajectory from {} in (0.1, 10)`", e.name)),
                );
            } else {
                used = true;
            }
        }
        if !used {
            return;
        }
        self.encoder_settings();
        let free: Vec<(String, crate::source::Span)> = self
            .model
            .params
            .iter()
            .filter(|p| p.per_trajectory && p.encoder.is_none())
            .map(|p| (p.name.clone(), p.span))
            .collect();
        for (name, span) in free {
            self.err(
                Diagnostic::new(
                    codes::BAD_FROM_ENCODER,
                    format!("`{name}` is per trajectory but comes from no encoder"),
                    span,
                    "free per-trajectory value",
                )
                .with_help(format!("in a model with an encoder, take it from the encoder (`param {name} per trajectory from enc`) or make it shared")),
            );
        }
        if self.model.fit.method != Method::Mnn {
            let span = self.model.encoders.iter().find(|e| !e.outputs.is_empty()).map(|e| e.span).unwrap_or_default();
            self.err(
                Diagnostic::new(
                    codes::BAD_FROM_ENCODER,
                    "a model with an encoder trains by `method = mnn`",
                    span,
                    "encoder declared here",
                )
                .with_help("add `fit { method = mnn }`"),
            );
        }
    }
}
