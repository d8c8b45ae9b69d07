//! A compact, readable dump of the AST for `mechc check --emit ast`: one line per declaration
//! with its byte span, expressions as S-expressions. Input: `&ast::Module`; output: text.

use super::ast::*;
use std::fmt::Write;

/// Dumps a module.
pub fn dump(m: &Module) -> String {
    let mut o = String::new();
    for item in &m.items {
        item_line(&mut o, item, 0);
    }
    for c in &m.comments {
        let _ = writeln!(o, "comment @{} {}", c.span, c.text);
    }
    o
}

fn pad(depth: usize) -> String {
    "  ".repeat(depth)
}

fn item_line(o: &mut String, item: &Item, depth: usize) {
    let head = match &item.kind {
        ItemKind::Model(n) => format!("model {}", n.name),
        ItemKind::Use(s) => format!("use {:?}", s.value),
        ItemKind::State(ns) => format!("state {}", names(ns)),
        ItemKind::VecState(v) => format!("state {}: {}", names(&v.names), v.shape.name),
        ItemKind::Hamiltonian(h) => format!("hamiltonian {} = {}", h.name.name, sexpr(&h.value)),
        ItemKind::Encoder(e) => format!("encoder {} = {}", e.name.name, sexpr(&e.value)),
        ItemKind::Input(ns) => format!("input {}", names(ns)),
        ItemKind::Space(sp) => {
            let per = if sp.periodic.is_some() { " periodic" } else { "" };
            format!("space {} in {} .. {}{per}", sp.name.name, sexpr(&sp.lo), sexpr(&sp.hi))
        }
        ItemKind::Field(f) => format!("field {} over {}", names(&f.names), f.space.name),
        ItemKind::Param(p) => {
            let init = p.init.as_ref().map_or(String::new(), |e| format!(" = {}", sexpr(e)));
            let b = p.bounds.as_ref().map_or(String::new(), |(l, h)| format!(" in ({}, {})", sexpr(l), sexpr(h)));
            let pt = if p.per_trajectory.is_some() { " per trajectory" } else { "" };
            let from = p.from.as_ref().map_or(String::new(), |e| format!(" from {}", e.name));
            format!("param {}{init}{b}{pt}{from}", p.name.name)
        }
        ItemKind::Const(c) => format!("const {} = {}", c.name.name, sexpr(&c.value)),
        ItemKind::Fn(f) => format!("fn {}({}) = {}", f.name.name, names(&f.params), sexpr(&f.body)),
        ItemKind::Basis { name, value } => format!("basis {} = {}", name.name, sexpr(value)),
        ItemKind::Equation(e) => {
            format!("equation {}{} = {}", e.target.name, "'".repeat(e.order as usize), sexpr(&e.rhs))
        }
        ItemKind::Data(d) => format!("data {} = {}", d.name.name, data(&d.source)),
        ItemKind::System(s) => format!("system {}({})", s.name.name, names(&s.params)),
        ItemKind::Fit(f) => {
            let kv: Vec<String> = f.settings.iter().map(|s| format!("{} = {}", s.key.name, sexpr(&s.value))).collect();
            format!("fit {{ {} }}", kv.join(", "))
        }
    };
    let _ = writeln!(o, "{}{head} @{}", pad(depth), item.span);
    match &item.kind {
        ItemKind::System(s) => s.body.iter().for_each(|i| item_line(o, i, depth + 1)),
        ItemKind::Data(DataDecl { source: DataSource::Simulate(s), .. }) => {
            for e in &s.entries {
                let _ = writeln!(o, "{}{} @{}", pad(depth + 1), sim_entry(&e.kind), e.span);
            }
        }
        _ => {}
    }
}

fn names(ids: &[Ident]) -> String {
    ids.iter().map(|i| i.name.as_str()).collect::<Vec<_>>().join(", ")
}

fn data(s: &DataSource) -> String {
    match s {
        DataSource::Csv(c) => {
            let m: Vec<String> = c.map.iter().map(|e| format!("{} = {:?}", e.key.name, e.column.value)).collect();
            format!("csv {:?} {{ {} }}", c.path.value, m.join(", "))
        }
        DataSource::Simulate(s) => match &s.system {
            Some((n, a)) => format!("simulate {}{}", n.name, args(a)),
            None => "simulate <inline>".into(),
        },
    }
}

fn sim_entry(k: &SimEntryKind) -> String {
    match k {
        SimEntryKind::Init(items) => {
            let v: Vec<String> = items
                .iter()
                .map(|i| format!("{}{} = {}", i.name.name, "'".repeat(i.order as usize), sexpr(&i.value)))
                .collect();
            format!("init {}", v.join(", "))
        }
        SimEntryKind::Time { start, end, step } => {
            format!("time {} .. {} step {}", sexpr(start), sexpr(end), sexpr(step))
        }
        SimEntryKind::Noise(e) => format!("noise {}%", sexpr(e)),
        SimEntryKind::Seed(e) => format!("seed {}", sexpr(e)),
        SimEntryKind::Trajectories(e) => format!("trajectories {}", sexpr(e)),
        SimEntryKind::Points(e) => format!("points {}", sexpr(e)),
        SimEntryKind::Boundary(items) => {
            let parts: Vec<String> = items.iter().map(|i| format!("{} = {}", i.name.name, sexpr(&i.value))).collect();
            format!("boundary {}", parts.join(", "))
        }
        SimEntryKind::Equation(e) => {
            format!("equation {}{} = {}", e.target.name, "'".repeat(e.order as usize), sexpr(&e.rhs))
        }
    }
}

fn args(a: &Args) -> String {
    let v: Vec<String> = a
        .items
        .iter()
        .enumerate()
        .map(|(i, x)| {
            let semi = if a.semi == Some(i) { "; " } else { "" };
            match &x.name {
                Some(n) => format!("{semi}{} = {}", n.name, sexpr(&x.value)),
                None => format!("{semi}{}", sexpr(&x.value)),
            }
        })
        .collect();
    format!("({})", v.join(" "))
}

/// An expression as an S-expression: `(+ (* 2 x) (neg y))`.
pub fn sexpr(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Num { text, .. } => text.clone(),
        ExprKind::Name(n) => n.name.clone(),
        ExprKind::Deriv { name, order } => format!("{}{}", name.name, "'".repeat(*order as usize)),
        ExprKind::Neg(x) => format!("(neg {})", sexpr(x)),
        ExprKind::Binary(op, l, r) => format!("({} {} {})", op.symbol(), sexpr(l), sexpr(r)),
        ExprKind::Paren(x) => format!("(paren {})", sexpr(x)),
        ExprKind::Call(c) => format!("(call {} {})", c.name.name, args(&c.args)),
        ExprKind::Set(xs) => format!("(set {})", xs.iter().map(sexpr).collect::<Vec<_>>().join(" ")),
        ExprKind::List(xs) => format!("(list {})", xs.iter().map(sexpr).collect::<Vec<_>>().join(" ")),
        ExprKind::Str(s) => format!("{s:?}"),
        ExprKind::Norm(x) => format!("(norm {})", sexpr(x)),
        ExprKind::Member { base, component } => format!("(member {} {})", base.name, component.name),
    }
}
