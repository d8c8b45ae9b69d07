//! Basis expressions: `ast::Expr` in basis position → `hir::BasisExpr` (`poly`, `fourier`,
//! `{...}` lists, `+` concatenation, `*` products, references to named bases), the size guard
//! (`E021` above `max_terms`), duplicate-term warnings and `sparse(basis, keep, exclude)`.

use super::expr::{Cx, Place};
use super::hir::{BasisExpr, Summand};
use super::scope::Decl;
use super::terms::{count, expand, key_of, key_text, poly_count};
use super::Checker;
use crate::diag::{codes, Diagnostic};
use crate::source::Span;
use crate::syntax::ast::{self, BinOp, ExprKind as A};

impl Checker<'_> {
    pub(crate) fn resolve_bases(&mut self, bases: &[(&ast::Ident, &ast::Expr)]) {
        for (i, (name, e)) in bases.iter().enumerate() {
            let n = self.diags.len();
            let b = self.basis_expr(e, Some(i));
            self.model.bases[i].expr = b.clone();
            if self.diags.len() == n {
                self.size_guard(&b, e.span, Some(&name.name));
            }
        }
    }

    /// Resolves a basis expression; `current` is the id of the basis being declared (only
    /// earlier bases may be referenced, which rules out cycles).
    pub(crate) fn basis_expr(&mut self, e: &ast::Expr, current: Option<usize>) -> BasisExpr {
        match &e.kind {
            A::Paren(inner) => self.basis_expr(inner, current),
            A::Binary(BinOp::Add, l, r) => {
                BasisExpr::Concat(Box::new(self.basis_expr(l, current)), Box::new(self.basis_expr(r, current)))
            }
            A::Binary(BinOp::Mul, l, r) => {
                BasisExpr::Product(Box::new(self.basis_expr(l, current)), Box::new(self.basis_expr(r, current)))
            }
            A::Set(items) => {
                BasisExpr::List(items.iter().map(|x| self.scalar(x, Cx::new(Place::Model))).collect(), e.span)
            }
            A::Call(c) if c.name.name == "poly" || c.name.name == "fourier" => self.family(c, e.span),
            A::Name(id) => self.basis_ref(id, current),
            _ => {
                self.err(
                    Diagnostic::new(codes::TYPE_MISMATCH, "expected a basis", e.span, "not a basis")
                        .with_help("a basis is `poly(...)`, `fourier(...)`, a list `{a, b}`, a `basis` name, or `+`/`*` of those; wrap single terms in braces: `{x}`"),
                );
                BasisExpr::List(Vec::new(), e.span)
            }
        }
    }

    fn basis_ref(&mut self, id: &ast::Ident, current: Option<usize>) -> BasisExpr {
        let empty = BasisExpr::List(Vec::new(), id.span);
        match self.scope.get(&id.name) {
            Some(e) => match e.decl {
                Decl::Basis(b) if current.is_none_or(|c| b < c) => {
                    self.used_bases[b] = true;
                    BasisExpr::Ref(b, id.span)
                }
                Decl::Basis(_) => {
                    self.err(
                        Diagnostic::new(
                            codes::UNKNOWN_NAME,
                            format!("basis `{}` is used before its declaration", id.name),
                            id.span,
                            "used here",
                        )
                        .with_label(e.span, "declared here")
                        .with_help("a basis may only refer to bases declared above it"),
                    );
                    empty
                }
                other => {
                    self.err(
                        Diagnostic::new(
                            codes::TYPE_MISMATCH,
                            format!("expected a basis, found {} `{}`", other.words(), id.name),
                            id.span,
                            "not a basis",
                        )
                        .with_label(e.span, "declared here")
                        .with_help(format!("to use it as a single term, write `{{{}}}`", id.name)),
                    );
                    empty
                }
            },
            None => {
                self.err(
                    Diagnostic::new(
                        codes::UNKNOWN_NAME,
                        format!("unknown basis `{}`", id.name),
                        id.span,
                        "not declared",
                    )
                    .with_help_opt(super::collect::did_you_mean(self, &id.name, &[])),
                );
                empty
            }
        }
    }

    /// `poly(vars..., degree = d)` and `fourier(vars..., harmonics = k)`.
    fn family(&mut self, c: &ast::Call, span: Span) -> BasisExpr {
        let is_poly = c.name.name == "poly";
        let key = if is_poly { "degree" } else { "harmonics" };
        let sig = format!("{}(vars..., {key} = n)", c.name.name);
        let mut vars = Vec::new();
        let mut n: Option<u32> = None;
        for a in &c.args.items {
            match a.name.as_ref().map(|x| x.name.as_str()) {
                None => vars.push(self.scalar(&a.value, Cx::new(Place::Model))),
                Some(k) if k == key => n = self.degree(&a.value, key),
                Some(other) => self.err(
                    Diagnostic::new(
                        codes::BAD_ARGUMENT,
                        format!("`{}` has no argument `{other}`", c.name.name),
                        a.span(),
                        "unknown argument",
                    )
                    .with_note(format!("signature: {sig}")),
                ),
            }
        }
        if vars.is_empty() {
            self.err(
                Diagnostic::new(
                    codes::ARG_COUNT,
                    format!("`{}` needs at least one variable", c.name.name),
                    c.args.span,
                    "no variables",
                )
                .with_note(format!("signature: {sig}")),
            );
        }
        if is_poly {
            if n.is_none() && !c.args.items.iter().any(|a| a.name.as_ref().is_some_and(|x| x.name == key)) {
                self.err(
                    Diagnostic::new(codes::ARG_COUNT, "`poly` needs a degree", c.args.span, "missing `degree = ...`")
                        .with_note(format!("signature: {sig}"))
                        .with_help("e.g. `poly(x, y, degree = 2)`"),
                );
            }
            BasisExpr::Poly { vars, degree: n.unwrap_or(0), span }
        } else {
            BasisExpr::Fourier { vars, harmonics: n.unwrap_or(1), span }
        }
    }

    fn degree(&mut self, e: &ast::Expr, key: &str) -> Option<u32> {
        let v = self.constant(e)?;
        if v >= 0.0 && v.fract() == 0.0 && v <= 64.0 {
            return Some(v as u32);
        }
        let why = if v < 0.0 {
            "negative"
        } else if v.fract() != 0.0 {
            "not an integer"
        } else {
            "too large (at most 64)"
        };
        self.err(
            Diagnostic::new(
                codes::BAD_DEGREE,
                format!("`{key}` must be a non-negative integer, but {v} is {why}"),
                e.span,
                why,
            )
            .with_help(format!("e.g. `{key} = 2`")),
        );
        None
    }

    /// Reports `E021` when a basis exceeds `max_terms`, else warns about duplicate terms.
    fn size_guard(&mut self, b: &BasisExpr, span: Span, name: Option<&str>) -> bool {
        let limit = self.model.fit.max_terms.max(1) as u128;
        let c = count(&self.model, b);
        let n = c.n;
        if n > limit || !c.exact {
            let what = name.map_or("this basis".to_string(), |x| format!("basis `{x}`"));
            let (many, label) = if c.exact {
                (format!("{n} terms"), format!("{n} terms"))
            } else {
                (format!("at least {n} terms"), "too many terms to count".to_string())
            };
            let mut d = Diagnostic::new(
                codes::BASIS_EXPLOSION,
                format!("{what} would have {many}, more than max_terms = {limit}"),
                span,
                label,
            );
            if let BasisExpr::Poly { vars, degree, .. } = b {
                d = d.with_note(format!(
                    "poly of degree {degree} in {} variables has C({}, {degree}) = {} terms",
                    vars.len(),
                    vars.len() as u32 + degree,
                    poly_count(vars.len(), *degree)
                ));
            }
            let help = if self.model.fit.is_explicit("max_terms") || !c.exact {
                "lower the degree or use fewer variables".to_string()
            } else {
                format!("lower the degree, use fewer variables, or allow it explicitly: `fit {{ max_terms = {n} }}`")
            };
            self.err(d.with_help(help));
            return false;
        }
        let keys = expand(&self.model, b);
        let mut seen = std::collections::HashSet::with_capacity(keys.len());
        for k in &keys {
            if !seen.insert(k) {
                self.err(
                    Diagnostic::new(
                        codes::DUPLICATE_TERM,
                        format!("term `{}` appears more than once in the basis", key_text(k)),
                        span,
                        "duplicate term",
                    )
                    .with_help("remove one copy; only the first is kept"),
                );
                break;
            }
        }
        true
    }

    /// `sparse(basis, keep = {...}, exclude = {...})` as a top-level summand.
    pub(crate) fn sparse(&mut self, c: &ast::Call, span: Span) -> Summand {
        let sig = "signature: sparse(basis, keep = {terms}, exclude = {terms})";
        let positional: Vec<&ast::Arg> = c.args.items.iter().filter(|a| a.name.is_none()).collect();
        if positional.len() != 1 {
            self.err(
                Diagnostic::new(
                    codes::ARG_COUNT,
                    format!("`sparse` takes 1 basis argument but {} were given", positional.len()),
                    c.args.span,
                    "expected one basis",
                )
                .with_note(sig),
            );
        }
        let basis = match positional.first() {
            Some(a) => self.basis_expr(&a.value, None),
            None => BasisExpr::List(Vec::new(), span),
        };
        let n = self.diags.len();
        let ok = match (&basis, positional.first()) {
            (BasisExpr::Ref(..), _) | (_, None) => true,
            (_, Some(a)) => self.size_guard(&basis, a.value.span, None),
        };
        let (mut keep, mut exclude) = (Vec::new(), Vec::new());
        for a in c.args.items.iter().filter(|a| a.name.is_some()) {
            let key = a.name.as_ref().map_or("", |x| x.name.as_str());
            let list = match key {
                "keep" => &mut keep,
                "exclude" => &mut exclude,
                other => {
                    let d = Diagnostic::new(
                        codes::BAD_ARGUMENT,
                        format!("`sparse` has no argument `{other}`"),
                        a.span(),
                        "unknown argument",
                    )
                    .with_note(sig);
                    self.err(d);
                    continue;
                }
            };
            let items: Vec<&ast::Expr> = match &a.value.kind {
                A::Set(xs) => xs.iter().collect(),
                _ => vec![&a.value],
            };
            for it in items {
                let h = self.scalar(it, Cx::new(Place::Model));
                list.push((h, it.span));
            }
        }
        if ok && self.diags.len() == n {
            self.check_membership(&basis, keep.iter().chain(&exclude));
        }
        Summand::Sparse {
            basis,
            keep: keep.into_iter().map(|x| x.0).collect(),
            exclude: exclude.into_iter().map(|x| x.0).collect(),
            span,
            shared: None,
        }
    }

    fn check_membership<'e>(&mut self, basis: &BasisExpr, terms: impl Iterator<Item = &'e (super::hir::Expr, Span)>) {
        let limit = self.model.fit.max_terms.max(1) as u128;
        let mut terms = terms.peekable();
        if terms.peek().is_none() || !super::terms::expandable(&self.model, basis, limit) {
            // Nothing to look up, or the basis is too large (reported with E021 where declared).
            return;
        }
        let keys = expand(&self.model, basis);
        let set: std::collections::HashSet<&super::terms::Key> = keys.iter().collect();
        for (h, span) in terms {
            let k = key_of(&self.model, h);
            if !set.contains(&k) {
                let sample: Vec<String> = keys.iter().take(8).map(key_text).collect();
                self.err(
                    Diagnostic::new(
                        codes::BAD_ARGUMENT,
                        format!("term `{}` is not in the basis", key_text(&k)),
                        *span,
                        "not a term of the basis",
                    )
                    .with_note(format!("the basis starts with: {}", sample.join(", ")))
                    .with_help("`keep` and `exclude` name terms of the basis, e.g. `keep = {x}`"),
                );
            }
        }
    }
}
