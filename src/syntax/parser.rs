//! pest pairs → AST. Each function quotes the grammar rule it handles. Operator chains are folded
//! iteratively; the depth of every built expression is tracked and bounded by
//! [`super::MAX_EXPR_DEPTH`] so later recursive passes are safe. Input: text; output: items plus
//! diagnostics about literals (e.g. numbers out of range), or one syntax error.

use super::ast::*;
use super::errors::syntax_error;
use super::grammar::{parse_pairs, Rule};
use crate::diag::{codes, Diagnostic};
use crate::source::{SourceId, Span};
use pest::iterators::Pair;

type P<'a> = Pair<'a, Rule>;

/// Builder state: the source id for spans and the diagnostics found while building.
struct Builder<'t> {
    src: SourceId,
    text: &'t str,
    /// Comment start by comment end, to trim trailing trivia off spans.
    comment_at_end: std::collections::HashMap<usize, usize>,
    diags: Vec<Diagnostic>,
    too_deep: bool,
}

/// Parses a whole file (rule `file`).
pub fn parse_module(
    text: &str,
    src: SourceId,
    comments: &[Comment],
) -> Result<(Vec<Item>, Vec<Diagnostic>), Diagnostic> {
    let mut pairs = parse_pairs(text).map_err(|e| syntax_error(e, text, src))?;
    let file = pairs.next().expect("rule file always yields one pair");
    let comment_at_end = comments.iter().map(|c| (c.span.end as usize, c.span.start as usize)).collect();
    let mut b = Builder { src, text, comment_at_end, diags: Vec::new(), too_deep: false };
    let items = file.into_inner().filter(|p| p.as_rule() != Rule::EOI).map(|p| b.item(p)).collect();
    if b.too_deep {
        let first = b.diags.into_iter().find(|d| d.code == codes::TOO_DEEP);
        return Err(first.expect("a too-deep expression records its diagnostic"));
    }
    Ok((items, b.diags))
}

impl Builder<'_> {
    /// The span of a pair without the whitespace and comments pest leaves at its end (a rule
    /// ending in a repetition swallows the trivia before the repetition's failed attempt).
    fn span(&self, p: &P) -> Span {
        let s = p.as_span();
        let mut end = s.end();
        loop {
            let trimmed = self.text[s.start()..end].trim_end().len() + s.start();
            match self.comment_at_end.get(&trimmed) {
                Some(&start) if start >= s.start() => end = start,
                _ => {
                    end = trimmed;
                    break;
                }
            }
        }
        Span::new(self.src, s.start(), end)
    }

    fn ident(&self, p: P) -> Ident {
        Ident { name: nfc(p.as_str()), span: self.span(&p) }
    }

    fn string(&self, p: P) -> StrLit {
        let raw = p.as_str();
        StrLit { value: unescape(&raw[1..raw.len() - 1]), span: self.span(&p) }
    }

    /// `item = _{ model_decl | use_decl | ... | equation }`
    fn item(&mut self, p: P) -> Item {
        let span = self.span(&p);
        let rule = p.as_rule();
        let mut it = p.into_inner();
        let kind = match rule {
            Rule::model_decl => ItemKind::Model(self.ident(it.next().unwrap())),
            Rule::use_decl => ItemKind::Use(self.string(it.next().unwrap())),
            Rule::state_decl => {
                let names = self.ident_list(it.next().unwrap());
                match it.next() {
                    Some(shape) => {
                        let shape = self.ident(shape.into_inner().next().unwrap());
                        ItemKind::VecState(VecStateDecl { names, shape })
                    }
                    None => ItemKind::State(names),
                }
            }
            Rule::input_decl => ItemKind::Input(self.ident_list(it.next().unwrap())),
            Rule::param_decl => ItemKind::Param(self.param(it)),
            Rule::const_decl => {
                let name = self.ident(it.next().unwrap());
                ItemKind::Const(ConstDecl { name, value: self.expr(it.next().unwrap()) })
            }
            Rule::fn_decl => {
                let name = self.ident(it.next().unwrap());
                let params = self.params(it.next().unwrap());
                ItemKind::Fn(FnDecl { name, params, body: self.expr(it.next().unwrap()) })
            }
            Rule::basis_decl => {
                let name = self.ident(it.next().unwrap());
                ItemKind::Basis { name, value: self.expr(it.next().unwrap()) }
            }
            Rule::data_decl => ItemKind::Data(self.data(it)),
            Rule::system_decl => ItemKind::System(self.system(it, span)),
            Rule::fit_decl => ItemKind::Fit(self.fit(it, span)),
            Rule::equation => ItemKind::Equation(self.equation(it, span)),
            Rule::hamiltonian_decl => {
                it.next();
                let name = self.ident(it.next().unwrap());
                ItemKind::Hamiltonian(HamiltonianDecl { name, value: self.expr(it.next().unwrap()) })
            }
            Rule::space_decl | Rule::field_decl => self.space_or_field(rule, it),
            Rule::encoder_decl => {
                it.next();
                let name = self.ident(it.next().unwrap());
                ItemKind::Encoder(EncoderDecl { name, value: self.expr(it.next().unwrap()) })
            }
            r => unreachable!("grammar item rule {r:?}"),
        };
        Item { kind, span }
    }

    /// `space_decl = { kw_space ~ ident ~ "in" ~ expr ~ ".." ~ expr ~ kw_periodic? }` and
    /// `field_decl = { kw_field ~ ident_list ~ kw_over ~ ident }`
    fn space_or_field(&mut self, rule: Rule, mut it: pest::iterators::Pairs<Rule>) -> ItemKind {
        it.next();
        if rule == Rule::field_decl {
            let names = self.ident_list(it.next().unwrap());
            it.next();
            return ItemKind::Field(FieldDecl { names, space: self.ident(it.next().unwrap()) });
        }
        let name = self.ident(it.next().unwrap());
        let lo = self.expr(it.next().unwrap());
        let hi = self.expr(it.next().unwrap());
        let periodic = it.next().map(|p| self.span(&p));
        ItemKind::Space(SpaceDecl { name, lo, hi, periodic })
    }

    /// `ident_list = { ident ~ ("," ~ ident)* }`
    fn ident_list(&self, p: P) -> Vec<Ident> {
        p.into_inner().map(|i| self.ident(i)).collect()
    }

    /// `fn_params = { "(" ~ (ident ~ ("," ~ ident)* ~ ","?)? ~ ")" }`
    fn params(&self, p: P) -> Vec<Ident> {
        p.into_inner().map(|i| self.ident(i)).collect()
    }

    /// `param_decl = { "param" ~ ident ~ ("=" ~ expr)? ~ param_bounds? ~ per_traj? ~ param_from?
    /// ~ param_bounds? }` (bounds written twice: the second is reported)
    fn param(&mut self, mut it: pest::iterators::Pairs<Rule>) -> ParamDecl {
        let name = self.ident(it.next().unwrap());
        let mut decl = ParamDecl { name, init: None, bounds: None, per_trajectory: None, from: None };
        for p in it {
            match p.as_rule() {
                Rule::expr => decl.init = Some(self.expr(p)),
                Rule::param_bounds if decl.bounds.is_some() => {
                    let span = self.span(&p);
                    self.diags.push(
                        Diagnostic::new(codes::SYNTAX, "the bounds are written twice", span, "second `in (...)`")
                            .with_help("give a parameter's bounds once"),
                    );
                }
                Rule::param_bounds => {
                    let mut b = p.into_inner();
                    let lo = self.expr(b.next().unwrap());
                    decl.bounds = Some((lo, self.expr(b.next().unwrap())));
                }
                Rule::per_traj => decl.per_trajectory = Some(self.span(&p)),
                Rule::param_from => decl.from = p.into_inner().nth(1).map(|i| self.ident(i)),
                r => unreachable!("param part {r:?}"),
            }
        }
        decl
    }

    /// `equation = { (deriv | ident) ~ "=" ~ expr }`
    fn equation(&mut self, mut it: pest::iterators::Pairs<Rule>, span: Span) -> Equation {
        let lhs = it.next().unwrap();
        let lhs_span = self.span(&lhs);
        let (target, order) = self.deriv_parts(lhs);
        Equation { target, order, lhs_span, rhs: self.expr(it.next().unwrap()), span }
    }

    /// Splits `x''` (rule `deriv`) or `x` (rule `ident`) into the name and the number of primes.
    fn deriv_parts(&self, p: P) -> (Ident, u32) {
        let text = p.as_str();
        let name = text.trim_end_matches('\'');
        let order = (text.len() - name.len()) as u32;
        let start = p.as_span().start();
        (Ident { name: nfc(name), span: Span::new(self.src, start, start + name.len()) }, order)
    }

    /// `data_decl = { "data" ~ ident ~ "=" ~ (csv_source | sim_source) }`
    fn data(&mut self, mut it: pest::iterators::Pairs<Rule>) -> DataDecl {
        let name = self.ident(it.next().unwrap());
        let src = it.next().unwrap();
        let span = self.span(&src);
        let source = match src.as_rule() {
            Rule::csv_source => DataSource::Csv(self.csv(src, span)),
            _ => DataSource::Simulate(self.simulate(src, span)),
        };
        DataDecl { name, source }
    }

    /// `csv_source = { "csv" ~ string ~ csv_map? }`, `csv_entry = { word ~ "=" ~ (word | string) }`
    fn csv(&mut self, p: P, span: Span) -> CsvSource {
        let mut it = p.into_inner();
        let path = self.string(it.next().unwrap());
        let mut map = Vec::new();
        if let Some(m) = it.next() {
            for e in m.into_inner() {
                let mut kv = e.into_inner();
                let key = self.ident(kv.next().unwrap());
                let col = kv.next().unwrap();
                let quoted = col.as_rule() == Rule::string;
                let column = if quoted {
                    self.string(col)
                } else {
                    StrLit { value: col.as_str().to_string(), span: self.span(&col) }
                };
                map.push(CsvEntry { key, column, quoted });
            }
        }
        CsvSource { path, map, span }
    }

    /// `sim_source = { "simulate" ~ (ident ~ call_args)? ~ "{" ~ sim_entry* ~ "}" }`
    fn simulate(&mut self, p: P, span: Span) -> SimSource {
        let mut system = None;
        let mut entries = Vec::new();
        let mut it = p.into_inner().peekable();
        if it.peek().is_some_and(|p| p.as_rule() == Rule::ident) {
            let name = self.ident(it.next().unwrap());
            let args = self.args(it.next().unwrap());
            system = Some((name, args));
        }
        for e in it {
            entries.push(self.sim_entry(e));
        }
        SimSource { system, entries, span }
    }

    /// `sim_entry = _{ sim_init | sim_time | sim_noise | sim_seed | sim_trajs | equation }`
    fn sim_entry(&mut self, p: P) -> SimEntry {
        let span = self.span(&p);
        let rule = p.as_rule();
        let mut it = p.into_inner();
        let kind = match rule {
            Rule::sim_init => {
                it.next();
                SimEntryKind::Init(it.map(|i| self.init_item(i)).collect())
            }
            Rule::sim_time => {
                it.next();
                let start = self.expr(it.next().unwrap());
                let end = self.expr(it.next().unwrap());
                it.next();
                SimEntryKind::Time { start, end, step: self.expr(it.next().unwrap()) }
            }
            Rule::sim_noise => SimEntryKind::Noise(self.expr(it.nth(1).unwrap())),
            Rule::sim_seed => SimEntryKind::Seed(self.expr(it.nth(1).unwrap())),
            Rule::sim_trajs => SimEntryKind::Trajectories(self.expr(it.nth(1).unwrap())),
            Rule::sim_points => SimEntryKind::Points(self.expr(it.nth(1).unwrap())),
            Rule::sim_bound => {
                it.next();
                SimEntryKind::Boundary(it.map(|i| self.init_item(i)).collect())
            }
            _ => SimEntryKind::Equation(self.equation(it, span)),
        };
        SimEntry { kind, span }
    }

    /// `init_item = { (deriv | ident) ~ "=" ~ expr }`
    fn init_item(&mut self, p: P) -> InitItem {
        let span = self.span(&p);
        let mut it = p.into_inner();
        let (name, order) = self.deriv_parts(it.next().unwrap());
        InitItem { name, order, value: self.expr(it.next().unwrap()), span }
    }

    /// `system_decl = { "system" ~ ident ~ fn_params ~ "{" ~ (state_decl | equation)* ~ "}" }`
    fn system(&mut self, mut it: pest::iterators::Pairs<Rule>, span: Span) -> SystemDecl {
        let name = self.ident(it.next().unwrap());
        let params = self.params(it.next().unwrap());
        let body = it.map(|p| self.item(p)).collect();
        SystemDecl { name, params, body, close: close_brace(span) }
    }

    /// `fit_decl = { "fit" ~ "{" ~ (setting ~ ","?)* ~ "}" }`, `setting = { word ~ "=" ~ expr }`
    fn fit(&mut self, it: pest::iterators::Pairs<Rule>, span: Span) -> FitDecl {
        let settings = it
            .map(|s| {
                let sspan = self.span(&s);
                let mut kv = s.into_inner();
                let key = self.ident(kv.next().unwrap());
                Setting { key, value: self.expr(kv.next().unwrap()), span: sspan }
            })
            .collect();
        FitDecl { settings, close: close_brace(span) }
    }

    /// `call_args = { "(" ~ arg_list? ~ (semi ~ arg_list?)? ~ ")" }`, `arg = { (ident ~ "=")? ~ expr }`
    fn args(&mut self, p: P) -> Args {
        self.args_d(p).0
    }

    /// [`Self::args`] with the depth of the deepest argument.
    fn args_d(&mut self, p: P) -> (Args, usize) {
        let mut depth = 0;
        let span = self.span(&p);
        let mut items = Vec::new();
        let mut semi = None;
        for a in p.into_inner() {
            if a.as_rule() == Rule::semi {
                semi = Some(items.len());
                continue;
            }
            let mut parts: Vec<P> = a.into_inner().collect();
            let (value, d) = self.expr_d(parts.pop().unwrap());
            depth = depth.max(d);
            let name = parts.pop().map(|n| self.ident(n));
            items.push(Arg { name, value });
        }
        (Args { items, semi, span }, depth + 1)
    }
}

/// The span of the last byte of a block (its closing brace).
fn close_brace(span: Span) -> Span {
    Span { src: span.src, start: span.end.saturating_sub(1), end: span.end }
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some(o) => out.push(o),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    out
}

mod expr;

/// An identifier in Unicode normal form C, so that `é` typed as one character or as `e` and a
/// combining accent is one name.
fn nfc(name: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    if name.is_ascii() {
        name.to_string()
    } else {
        name.nfc().collect()
    }
}
