//! The pretty printer: [`ast::Module`] → canonical `.mech` text (`mechc fmt`, the REPL's `:show`).
//! Comments are trivia placed by position: a comment before a line stays on its own line before
//! it, a comment after a line's last token stays at the end of that line, and a comment inside a
//! construct printed on one line moves to its own line just before it. One blank line is kept
//! where the source had at least one. `fmt` is idempotent and preserves the parse (tested).

use super::ast::*;
use super::notation::{ATOM, NEG, POWER, PRODUCT, SUM};
use crate::source::Span;

/// Formats a parsed module; `text` is the source it was parsed from (for comment placement).
pub fn format_module(m: &Module, text: &str) -> String {
    let mut p = Printer { out: String::new(), comments: &m.comments, next: 0, text, indent: 0, last_end: 0 };
    for item in &m.items {
        p.item(item);
    }
    p.flush_before(usize::MAX);
    p.out
}

struct Printer<'a> {
    out: String,
    comments: &'a [Comment],
    next: usize,
    text: &'a str,
    indent: usize,
    /// Source byte offset up to which everything has been printed.
    last_end: usize,
}

impl Printer<'_> {
    /// Whether the source has an empty line between `from` and `to`.
    fn blank_between(&self, from: usize, to: usize) -> bool {
        let gap = self.text.get(from.min(to)..to).unwrap_or("");
        let lines: Vec<&str> = gap.split('\n').collect();
        lines.len() >= 3 && lines[1..lines.len() - 1].iter().any(|l| l.trim().is_empty())
    }

    fn start_line(&mut self, at: usize) {
        let after_open = self.out.is_empty() || self.out.ends_with("{\n");
        if !after_open && self.blank_between(self.last_end, at) {
            self.out.push('\n');
        }
        for _ in 0..self.indent {
            self.out.push_str("    ");
        }
    }

    /// Prints every pending comment that starts before `pos` on its own line.
    fn flush_before(&mut self, pos: usize) {
        while let Some(c) = self.comments.get(self.next) {
            if c.span.start as usize >= pos {
                break;
            }
            self.start_line(c.span.start as usize);
            self.out.push_str(&c.text);
            self.out.push('\n');
            self.last_end = c.span.end as usize;
            self.next += 1;
        }
    }

    /// Prints one output line for the source construct `span`, with its comments.
    fn line(&mut self, span: Span, body: &str) {
        self.flush_before(span.end as usize);
        self.start_line(span.start as usize);
        self.out.push_str(body);
        self.last_end = self.last_end.max(span.end as usize);
        if let Some(c) = self.comments.get(self.next) {
            let gap = self.text.get(self.last_end..c.span.start as usize).unwrap_or("\n");
            if !gap.contains('\n') {
                self.out.push_str("  ");
                self.out.push_str(&c.text);
                self.last_end = c.span.end as usize;
                self.next += 1;
            }
        }
        self.out.push('\n');
    }

    fn has_comment_within(&self, start: u32, end: u32) -> bool {
        self.comments.iter().any(|c| c.span.start > start && c.span.start < end)
    }

    fn item(&mut self, item: &Item) {
        match &item.kind {
            ItemKind::System(s) => self.system(item.span, s),
            ItemKind::Fit(f) => self.fit(item.span, f),
            ItemKind::Data(DataDecl { name, source: DataSource::Simulate(sim) }) => self.simulate(item.span, name, sim),
            _ => self.line(item.span, &simple_item(&item.kind)),
        }
    }

    fn block(&mut self, header_span: Span, header: &str, lines: &[(Span, String)], close: Span) {
        self.line(header_span, &format!("{header} {{"));
        self.indent += 1;
        for (span, body) in lines {
            self.line(*span, body);
        }
        self.flush_before(close.start as usize);
        self.indent -= 1;
        self.line(close, "}");
    }

    /// `system name(params) { ... }`, always one body line per declaration.
    fn system(&mut self, span: Span, s: &SystemDecl) {
        let header = format!("system {}({})", s.name.name, names(&s.params));
        let lines: Vec<(Span, String)> = s.body.iter().map(|i| (i.span, simple_item(&i.kind))).collect();
        self.block(Span { end: s.name.span.end, ..span }, &header, &lines, s.close);
    }

    /// `fit { ... }` on one line when it fits in 80 columns without comments, else one setting a line.
    fn fit(&mut self, span: Span, f: &FitDecl) {
        let parts: Vec<String> = f.settings.iter().map(|s| format!("{} = {}", s.key.name, expr(&s.value))).collect();
        let one = if parts.is_empty() { "fit {}".to_string() } else { format!("fit {{ {} }}", parts.join(", ")) };
        if one.len() <= 80 && !self.has_comment_within(span.start, f.close.start) {
            return self.line(span, &one);
        }
        let lines: Vec<(Span, String)> = f.settings.iter().zip(parts).map(|(s, p)| (s.span, p)).collect();
        self.block(Span { end: span.start + 3, ..span }, "fit", &lines, f.close);
    }

    fn simulate(&mut self, span: Span, name: &Ident, sim: &SimSource) {
        let mut header = format!("data {} = simulate", name.name);
        let mut head_end = sim.span.start + "simulate".len() as u32;
        if let Some((sys, args)) = &sim.system {
            header.push_str(&format!(" {}{}", sys.name, call_args(args)));
            head_end = args.span.end;
        }
        let lines: Vec<(Span, String)> = sim.entries.iter().map(|e| (e.span, sim_entry(&e.kind))).collect();
        let close = Span { start: sim.span.end.saturating_sub(1), ..sim.span };
        self.block(Span { end: head_end, ..span }, &header, &lines, close);
    }
}

fn names(ids: &[Ident]) -> String {
    ids.iter().map(|i| i.name.as_str()).collect::<Vec<_>>().join(", ")
}

/// A declaration that prints on one line.
fn simple_item(kind: &ItemKind) -> String {
    match kind {
        ItemKind::Model(n) => format!("model {}", n.name),
        ItemKind::Use(s) => format!("use {}", quote(&s.value)),
        ItemKind::State(ns) => format!("state {}", names(ns)),
        ItemKind::VecState(v) => format!("state {}: {}", names(&v.names), v.shape.name),
        ItemKind::Input(ns) => format!("input {}", names(ns)),
        ItemKind::Space(sp) => {
            let per = if sp.periodic.is_some() { " periodic" } else { "" };
            format!("space {} in {} .. {}{per}", sp.name.name, expr(&sp.lo), expr(&sp.hi))
        }
        ItemKind::Field(f) => format!("field {} over {}", names(&f.names), f.space.name),
        ItemKind::Param(p) => param(p),
        ItemKind::Hamiltonian(h) => format!("hamiltonian {} = {}", h.name.name, expr(&h.value)),
        ItemKind::Encoder(e) => format!("encoder {} = {}", e.name.name, expr(&e.value)),
        ItemKind::Const(c) => format!("const {} = {}", c.name.name, expr(&c.value)),
        ItemKind::Fn(f) => format!("fn {}({}) = {}", f.name.name, names(&f.params), expr(&f.body)),
        ItemKind::Basis { name, value } => format!("basis {} = {}", name.name, expr(value)),
        ItemKind::Equation(e) => equation(e),
        ItemKind::Data(d) => match &d.source {
            DataSource::Csv(c) => format!("data {} = {}", d.name.name, csv(c)),
            DataSource::Simulate(_) => format!("data {} = simulate {{ ... }}", d.name.name),
        },
        ItemKind::System(s) => format!("system {}({}) {{ ... }}", s.name.name, names(&s.params)),
        ItemKind::Fit(_) => "fit { ... }".to_string(),
    }
}

fn param(p: &ParamDecl) -> String {
    let mut s = format!("param {}", p.name.name);
    if let Some(v) = &p.init {
        s.push_str(&format!(" = {}", expr(v)));
    }
    if let Some((lo, hi)) = &p.bounds {
        s.push_str(&format!(" in ({}, {})", expr(lo), expr(hi)));
    }
    if p.per_trajectory.is_some() {
        s.push_str(" per trajectory");
    }
    if let Some(e) = &p.from {
        s.push_str(&format!(" from {}", e.name));
    }
    s
}

fn equation(e: &Equation) -> String {
    format!("{}{} = {}", e.target.name, "'".repeat(e.order as usize), expr(&e.rhs))
}

fn csv(c: &CsvSource) -> String {
    let mut s = format!("csv {}", quote(&c.path.value));
    if !c.map.is_empty() {
        let entries: Vec<String> = c
            .map
            .iter()
            .map(|e| {
                let col = if e.quoted { quote(&e.column.value) } else { e.column.value.clone() };
                format!("{} = {}", e.key.name, col)
            })
            .collect();
        s.push_str(&format!(" {{ {} }}", entries.join(", ")));
    }
    s
}

fn sim_entry(k: &SimEntryKind) -> String {
    match k {
        SimEntryKind::Init(items) => {
            let parts: Vec<String> = items
                .iter()
                .map(|i| format!("{}{} = {}", i.name.name, "'".repeat(i.order as usize), expr(&i.value)))
                .collect();
            format!("init {}", parts.join(", "))
        }
        SimEntryKind::Time { start, end, step } => format!("time {} .. {} step {}", expr(start), expr(end), expr(step)),
        SimEntryKind::Noise(e) => format!("noise {}%", expr(e)),
        SimEntryKind::Seed(e) => format!("seed {}", expr(e)),
        SimEntryKind::Trajectories(e) => format!("trajectories {}", expr(e)),
        SimEntryKind::Points(e) => format!("points {}", expr(e)),
        SimEntryKind::Boundary(items) => {
            let parts: Vec<String> = items.iter().map(|i| format!("{} = {}", i.name.name, expr(&i.value))).collect();
            format!("boundary {}", parts.join(", "))
        }
        SimEntryKind::Equation(e) => equation(e),
    }
}

fn quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Binding strength used to decide where parentheses are needed.
fn prec(e: &Expr) -> u8 {
    match &e.kind {
        ExprKind::Binary(BinOp::Add | BinOp::Sub, ..) => SUM,
        ExprKind::Binary(BinOp::Mul | BinOp::Div, ..) => PRODUCT,
        ExprKind::Neg(_) => NEG,
        ExprKind::Binary(BinOp::Pow, ..) => POWER,
        _ => ATOM,
    }
}

/// Prints an expression in canonical form: spaces around `+` and `-` only.
pub fn expr(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Num { text, .. } => text.clone(),
        ExprKind::Name(n) => n.name.clone(),
        ExprKind::Deriv { name, order } => format!("{}{}", name.name, "'".repeat(*order as usize)),
        ExprKind::Neg(inner) => {
            format!("-{}", wrap(inner, prec(inner) < POWER && !matches!(inner.kind, ExprKind::Neg(_))))
        }
        ExprKind::Binary(op, l, r) => binary(*op, l, r),
        ExprKind::Paren(inner) => format!("({})", expr(inner)),
        ExprKind::Call(c) => format!("{}{}", c.name.name, call_args(&c.args)),
        ExprKind::Set(items) => format!("{{{}}}", list(items)),
        ExprKind::List(items) => format!("[{}]", list(items)),
        ExprKind::Str(s) => quote(s),
        ExprKind::Norm(inner) => format!("|{}|", expr(inner)),
        ExprKind::Member { base, component } => format!("{}.{}", base.name, component.name),
    }
}

fn binary(op: BinOp, l: &Expr, r: &Expr) -> String {
    let p = prec(&Expr { kind: ExprKind::Binary(op, Box::new(num0()), Box::new(num0())), span: l.span });
    let right_neg = matches!(r.kind, ExprKind::Neg(_));
    let (lw, rw) = if op == BinOp::Pow {
        (prec(l) < ATOM, !right_neg && prec(r) < POWER)
    } else {
        (prec(l) < p, !right_neg && prec(r) <= p)
    };
    let sep = match op {
        BinOp::Add | BinOp::Sub => format!(" {} ", op.symbol()),
        _ => op.symbol().to_string(),
    };
    format!("{}{sep}{}", wrap(l, lw), wrap(r, rw))
}

fn num0() -> Expr {
    Expr { kind: ExprKind::Num { value: 0.0, text: "0".into() }, span: Span::default() }
}

fn wrap(e: &Expr, parens: bool) -> String {
    if parens {
        format!("({})", expr(e))
    } else {
        expr(e)
    }
}

fn list(items: &[Expr]) -> String {
    items.iter().map(expr).collect::<Vec<_>>().join(", ")
}

/// `(a, b; name = v)`
pub fn call_args(args: &Args) -> String {
    let mut s = String::from("(");
    for (i, a) in args.items.iter().enumerate() {
        if i > 0 {
            s.push_str(if args.semi == Some(i) { "; " } else { ", " });
        } else if args.semi == Some(0) {
            s.push_str("; ");
        }
        if let Some(n) = &a.name {
            s.push_str(&format!("{} = ", n.name));
        }
        s.push_str(&expr(&a.value));
    }
    if args.semi == Some(args.items.len()) && !args.items.is_empty() {
        s.push(';');
    }
    s.push(')');
    s
}
