//! Readable printing of the HIR: expressions with names (not ids), basis expressions, and the
//! whole model for `mechc check --emit hir`. Standard-library functions and systems are omitted
//! from the model print unless something refers to them. Input: `&hir::Model`; output: text.

use super::hir::*;
use std::fmt::Write;

/// Names of a function's arguments or of a system's parameters and states, for printing bodies.
#[derive(Clone, Copy)]
pub enum Local<'a> {
    Fn(&'a [Name]),
    System(&'a System),
}

/// Prints a scalar expression, fully parenthesised where precedence requires.
pub fn expr(m: &Model, e: &Expr, local: Option<Local>) -> String {
    let p = |x: &Expr| expr(m, x, local);
    match &e.kind {
        ExprKind::Num(x) => num(*x),
        ExprKind::State { id, deriv_order } => {
            let name = match local {
                Some(Local::System(s)) => s.states.get(*id).map(|x| x.name.clone()),
                _ => m.states.get(*id).map(|x| x.name.clone()),
            };
            format!("{}{}", name.unwrap_or_else(|| format!("state#{id}")), "'".repeat(*deriv_order as usize))
        }
        ExprKind::Param(i) => m.params.get(*i).map_or(format!("param#{i}"), |x| x.name.clone()),
        ExprKind::Const(i) => m.consts.get(*i).map_or(format!("const#{i}"), |x| x.name.clone()),
        ExprKind::Input(i) => m.inputs.get(*i).map_or(format!("input#{i}"), |x| x.name.clone()),
        ExprKind::Time => "t".into(),
        ExprKind::Arg(i) => match local {
            Some(Local::Fn(ps)) => ps.get(*i).map_or(format!("arg#{i}"), |x| x.name.clone()),
            _ => format!("arg#{i}"),
        },
        ExprKind::SysParam(i) => match local {
            Some(Local::System(s)) => s.params.get(*i).map_or(format!("sysparam#{i}"), |x| x.name.clone()),
            _ => format!("sysparam#{i}"),
        },
        ExprKind::Unary(UnOp::Neg, x) => format!("-{}", wrap(p(x), prec(x) < 4)),
        ExprKind::Binary(op, l, r) => {
            let me = prec(e);
            let (lw, rw) =
                if *op == BinOp::Pow { (prec(l) <= me, prec(r) < me) } else { (prec(l) < me, prec(r) <= me) };
            format!("{}{}{}", wrap(p(l), lw), op.symbol(), wrap(p(r), rw))
        }
        ExprKind::Call(c, args) => {
            let name = match c {
                Callee::Intrinsic(f) => f.info().name.to_string(),
                Callee::Fn(f) => m.fns.get(*f).map_or(format!("fn#{f}"), |x| x.name.clone()),
            };
            format!("{name}({})", args.iter().map(p).collect::<Vec<_>>().join(", "))
        }
    }
}

fn num(x: f64) -> String {
    format!("{x}")
}

fn prec(e: &Expr) -> u8 {
    match &e.kind {
        ExprKind::Binary(BinOp::Add | BinOp::Sub, ..) => 1,
        ExprKind::Binary(BinOp::Mul | BinOp::Div, ..) => 2,
        ExprKind::Unary(..) => 3,
        ExprKind::Binary(BinOp::Pow, ..) => 4,
        ExprKind::Num(x) if *x < 0.0 => 3,
        _ => 5,
    }
}

fn wrap(s: String, parens: bool) -> String {
    if parens {
        format!("({s})")
    } else {
        s
    }
}

/// Prints a basis expression (families unexpanded).
pub fn basis(m: &Model, b: &BasisExpr) -> String {
    let list = |xs: &[Expr]| xs.iter().map(|x| expr(m, x, None)).collect::<Vec<_>>().join(", ");
    match b {
        BasisExpr::Poly { vars, degree, .. } => format!("poly({}; degree = {degree})", list(vars)),
        BasisExpr::Fourier { vars, harmonics, .. } => format!("fourier({}; harmonics = {harmonics})", list(vars)),
        BasisExpr::List(xs, _) => format!("{{{}}}", list(xs)),
        BasisExpr::Concat(a, c) => format!("({} + {})", basis(m, a), basis(m, c)),
        BasisExpr::Product(a, c) => format!("({} * {})", basis(m, a), basis(m, c)),
        BasisExpr::Ref(id, _) => m.bases.get(*id).map_or(format!("basis#{id}"), |x| x.name.clone()),
    }
}

fn summand(m: &Model, s: &Summand) -> String {
    let list = |xs: &[Expr]| xs.iter().map(|x| expr(m, x, None)).collect::<Vec<_>>().join(", ");
    match s {
        Summand::Known(e) => expr(m, e, None),
        Summand::Sparse { basis: b, keep, exclude, .. } => {
            format!("sparse({}, keep = {{{}}}, exclude = {{{}}})", basis(m, b), list(keep), list(exclude))
        }
        Summand::Mlp { inputs, hidden, activation, explain, .. } => {
            let explain = explain.as_ref().map(|b| format!(", explain = {}", basis(m, b))).unwrap_or_default();
            format!("mlp({}; hidden = {hidden:?}, activation = {}{explain})", list(inputs), activation.name())
        }
    }
}

fn sim_value(v: &SimValue) -> String {
    match v {
        SimValue::Fixed(x) => num(*x),
        SimValue::Normal { mean, std } => format!("normal({mean}, {std})"),
        SimValue::Uniform { low, high } => format!("uniform({low}, {high})"),
    }
}

/// The whole model, one declaration per line.
pub fn model(m: &Model) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "model {}", m.name.as_ref().map_or("<library>", |n| n.name.as_str()));
    for (i, s) in m.states.iter().enumerate() {
        let _ = writeln!(o, "state #{i} {} (order {})", s.name, s.order);
    }
    for (i, s) in m.inputs.iter().enumerate() {
        let _ = writeln!(o, "input #{i} {}", s.name);
    }
    for (i, p) in m.params.iter().enumerate() {
        let b = p.bounds.map_or(String::new(), |(lo, hi)| format!(" in ({lo}, {hi})"));
        let pt = if p.per_trajectory { " per trajectory" } else { "" };
        let from = p.encoder.map_or(String::new(), |e| format!(" from encoder #{e}"));
        let _ = writeln!(o, "param #{i} {} = {}{b}{pt}{from}", p.name, p.init);
    }
    for (i, e) in m.encoders.iter().enumerate() {
        let ins: Vec<&str> = e.inputs.iter().map(|&s| m.states[s].name.as_str()).collect();
        let outs: Vec<&str> = e.outputs.iter().map(|&p| m.params[p].name.as_str()).collect();
        let _ = writeln!(
            o,
            "encoder #{i} {} = mlp({}; hidden = {:?}, activation = {}) -> {}",
            e.name,
            ins.join(", "),
            e.hidden,
            e.activation.name(),
            outs.join(", ")
        );
    }
    for (i, c) in m.consts.iter().enumerate() {
        let _ = writeln!(o, "const #{i} {} = {}", c.name, c.value);
    }
    for (i, f) in m.fns.iter().enumerate().filter(|(_, f)| !f.stdlib) {
        let ps: Vec<&str> = f.params.iter().map(|p| p.name.as_str()).collect();
        let _ = writeln!(o, "fn #{i} {}({}) = {}", f.name, ps.join(", "), expr(m, &f.body, Some(Local::Fn(&f.params))));
    }
    for (i, b) in m.bases.iter().enumerate() {
        let _ = writeln!(o, "basis #{i} {} = {}", b.name, basis(m, &b.expr));
    }
    for e in &m.equations {
        let parts: Vec<String> = e.summands.iter().map(|s| summand(m, s)).collect();
        let name = &m.states[e.state].name;
        let _ = writeln!(o, "eq {name}{} = {}", "'".repeat(e.order as usize), parts.join(" + "));
    }
    for (i, s) in m.systems.iter().enumerate().filter(|(_, s)| !s.stdlib) {
        system(&mut o, m, s, &format!("system #{i}"));
    }
    for d in &m.data {
        data(&mut o, m, d);
    }
    let fit: Vec<String> = m.fit.values().iter().map(|(k, v)| format!("{k} = {v}")).collect();
    let _ = writeln!(o, "fit {{ {} }}", fit.join(", "));
    o
}

fn system(o: &mut String, m: &Model, s: &System, label: &str) {
    let ps: Vec<&str> = s.params.iter().map(|p| p.name.as_str()).collect();
    let _ = writeln!(o, "{label} {}({})", s.name, ps.join(", "));
    for e in &s.equations {
        let st = &s.states[e.state].name;
        let _ = writeln!(o, "    {st}{} = {}", "'".repeat(e.order as usize), expr(m, &e.rhs, Some(Local::System(s))));
    }
}

fn data(o: &mut String, m: &Model, d: &Data) {
    match &d.source {
        DataSource::Csv(c) => {
            let cols: Vec<String> = c
                .columns
                .iter()
                .map(|(t, col)| {
                    let target = match t {
                        ColumnTarget::State(s) => &m.states[*s].name,
                        ColumnTarget::Input(i) => &m.inputs[*i].name,
                    };
                    format!("{target} <- {col}")
                })
                .collect();
            let traj = c.trajectory_column.as_ref().map_or(String::new(), |t| format!(", trajectory <- {t}"));
            let _ = writeln!(
                o,
                "data {} = csv {:?} {{ time <- {}{traj}, {} }}",
                d.name,
                c.path.display().to_string(),
                c.time_column,
                cols.join(", ")
            );
        }
        DataSource::Simulate(s) => {
            let (sys, states) = match &s.system {
                SimSystem::Named(id) => (m.systems[*id].name.clone(), &m.systems[*id].states),
                SimSystem::Inline(sys) => ("<inline>".to_string(), &sys.states),
            };
            let args: Vec<String> = s.args.iter().map(sim_value).collect();
            let _ = writeln!(o, "data {} = simulate {sys}({})", d.name, args.join(", "));
            for (st, vals) in states.iter().zip(&s.init) {
                let v: Vec<String> = vals.iter().map(sim_value).collect();
                let _ = writeln!(o, "    init {} = [{}]", st.name, v.join(", "));
            }
            let _ = writeln!(
                o,
                "    time {} .. {} step {}, noise {}%, seed {}, trajectories {}",
                s.t0, s.t1, s.step, s.noise_percent, s.seed, s.trajectories
            );
            if let SimSystem::Inline(sys) = &s.system {
                system(o, m, sys, "    inline");
            }
        }
    }
}
