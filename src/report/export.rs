//! The discovered model as code for other tools: the lowered model ([`ModelIr`]), the [`Fitted`]
//! model and the report → the text of a runnable file in one [`Format`]:
//!
//! - `numpy`: a Python module with `STATES`, `PARAMS` (per-trajectory parameters: their mean,
//!   and every trajectory's value in `PARAMS_PER_TRAJECTORY`) and `rhs(t, state, params, inputs)`
//!   returning the first-order derivative as a NumPy array;
//! - `sympy`: a Python module with the states, parameters and inputs as SymPy symbols, the
//!   right-hand sides as expressions `RHS` (fitted coefficients as exact binary floats), and
//!   `rhs(...)` evaluating them numerically through `lambdify`;
//! - `julia`: a plain Julia function `rhs!(du, u, p, t)` in the DifferentialEquations.jl
//!   convention with a named tuple of parameters;
//! - `latex`: an `align` block of the equations, coefficients with their standard errors.
//!
//! The state vector is the first-order layout: each state followed by its lower derivatives
//! (`x`, `x'` for `x'' = ...`). Every number is written with 17 significant digits, so the
//! exports evaluate the fitted right-hand side to round-off. Expressions are printed fully
//! parenthesised from the IR, not from the `.mech` text.

use super::summary::Report;
use crate::fit::Fitted;
use crate::intrinsics::Func;
use crate::ir::{ModelIr, Node, NodeId, Var};
use std::fmt::Write;

/// An export format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// A Python module with a NumPy right-hand side.
    Numpy,
    /// A Python module with SymPy expressions.
    Sympy,
    /// A Julia function.
    Julia,
    /// A LaTeX `align` block.
    Latex,
}

impl Format {
    /// Every format with its name, as `--export NAME=PATH` takes it.
    pub const ALL: [(&'static str, Format); 4] =
        [("numpy", Format::Numpy), ("sympy", Format::Sympy), ("julia", Format::Julia), ("latex", Format::Latex)];

    /// The format of a name.
    pub fn parse(name: &str) -> Option<Format> {
        Format::ALL.iter().find(|(n, _)| *n == name).map(|&(_, f)| f)
    }
}

/// A number with 17 significant digits (round-trip exact), in a form every target reads.
fn num(v: f64, f: Format) -> String {
    if v.is_nan() {
        return match f {
            Format::Numpy | Format::Sympy => "float('nan')".into(),
            Format::Julia => "NaN".into(),
            Format::Latex => "\\mathrm{NaN}".into(),
        };
    }
    if v.is_infinite() {
        let s = if v < 0.0 { "-" } else { "" };
        return match f {
            Format::Numpy | Format::Sympy => format!("float('{s}inf')"),
            Format::Julia => format!("{s}Inf"),
            Format::Latex => format!("{s}\\infty"),
        };
    }
    let t = format!("{v:?}");
    if v < 0.0 {
        format!("({t})")
    } else {
        t
    }
}

/// The identifier a variable gets in code.
fn var(ir: &ModelIr, v: Var, f: Format) -> String {
    let plain = |s: &str| s.replace('\'', "_d");
    match (v, f) {
        (Var::State { index, order }, Format::Latex) => {
            let n = &ir.names.states[index as usize];
            match order {
                0 => n.clone(),
                1 => format!("\\dot{{{n}}}"),
                2 => format!("\\ddot{{{n}}}"),
                k => format!("{n}^{{({k})}}"),
            }
        }
        (Var::State { .. }, _) => format!("s_{}", plain(&ir.names.var_name(v))),
        (Var::Param(i), Format::Latex) => ir.names.var_name(Var::Param(i)),
        (Var::Param(i), _) => format!("p_{}", ir.names.var_name(Var::Param(i))),
        (Var::Input(i), Format::Latex) => ir.names.var_name(Var::Input(i)),
        (Var::Input(i), _) => format!("u_{}", ir.names.var_name(Var::Input(i))),
        (Var::Time, _) => "t".into(),
    }
}

/// A function call in the target language.
fn call(func: Func, args: &[String], f: Format) -> String {
    let name = func.info().name;
    match f {
        Format::Numpy => match name {
            "pow" => format!("np.power({}, {})", args[0], args[1]),
            n => format!("np.{n}({})", args.join(", ")),
        },
        Format::Sympy => match name {
            "pow" => format!("(({})**({}))", args[0], args[1]),
            "abs" => format!("sp.Abs({})", args[0]),
            n => format!("sp.{n}({})", args.join(", ")),
        },
        Format::Julia => match name {
            "pow" => format!("(({})^({}))", args[0], args[1]),
            n => format!("{n}({})", args.join(", ")),
        },
        Format::Latex => match name {
            "pow" => format!("\\left({}\\right)^{{{}}}", args[0], args[1]),
            "abs" => format!("\\left|{}\\right|", args[0]),
            "sqrt" => format!("\\sqrt{{{}}}", args[0]),
            "sign" => format!("\\operatorname{{sign}}\\left({}\\right)", args[0]),
            n => format!("\\{n}\\left({}\\right)", args.join(", ")),
        },
    }
}

/// A node as a fully parenthesised expression (LaTeX: with `\left( \right)` only where needed
/// for products and powers of sums).
pub fn expr(ir: &ModelIr, id: NodeId, f: Format) -> String {
    let e = |i: NodeId| expr(ir, i, f);
    let latex = f == Format::Latex;
    match ir.arena.node(id) {
        Node::Const(bits) => num(f64::from_bits(bits), f),
        Node::Var(v) => var(ir, v, f),
        Node::Neg(a) => format!("(-{})", e(a)),
        Node::Add(a, b) => format!("({} + {})", e(a), e(b)),
        Node::Sub(a, b) => format!("({} - {})", e(a), e(b)),
        Node::Mul(a, b) if latex => format!("{} \\, {}", e(a), e(b)),
        Node::Mul(a, b) => format!("({} * {})", e(a), e(b)),
        Node::Div(a, b) if latex => format!("\\frac{{{}}}{{{}}}", e(a), e(b)),
        Node::Div(a, b) => format!("({} / {})", e(a), e(b)),
        Node::Powi(a, n) => match f {
            Format::Numpy | Format::Sympy => format!("(({})**{n})", e(a)),
            Format::Julia => format!("(({})^{n})", e(a)),
            Format::Latex => format!("{{{}}}^{{{n}}}", e(a)),
        },
        Node::Call1(func, a) => call(func, &[e(a)], f),
        Node::Call2(func, a, b) => call(func, &[e(a), e(b)], f),
    }
}

/// Each equation's right-hand side: the known part plus `c * term` for every kept term, the
/// coefficients as numbers.
pub(crate) fn rhs(ir: &ModelIr, fitted: &Fitted, f: Format) -> Vec<String> {
    ir.equations
        .iter()
        .map(|e| {
            let mut parts = Vec::new();
            if ir.arena.const_value(e.known) != Some(0.0) {
                parts.push(expr(ir, e.known, f));
            }
            for b in &e.sparse {
                for (&t, slot) in b.terms.iter().zip(&b.slots) {
                    let Some(s) = *slot else { continue };
                    let c = fitted.coefficients.get(s).copied().unwrap_or(0.0);
                    if fitted.active.get(s).copied().unwrap_or(false) && c != 0.0 {
                        let op = if f == Format::Latex { " \\, " } else { " * " };
                        parts.push(format!("({}{op}{})", num(c, f), expr(ir, ir.terms[t].node, f)));
                    }
                }
            }
            if parts.is_empty() {
                "0.0".into()
            } else {
                parts.join(" + ")
            }
        })
        .collect()
}

/// The first-order layout: `(state, order)` of each entry of the state vector, and for each the
/// expression of its derivative (a higher derivative's entry, or an equation's right side).
fn layout(ir: &ModelIr, fitted: &Fitted, f: Format) -> (Vec<Var>, Vec<String>) {
    let rhs = rhs(ir, fitted, f);
    let mut vars = Vec::new();
    let mut ders = Vec::new();
    for s in 0..ir.names.states.len() as u32 {
        let m = ir.state_order(s).max(1);
        for k in 0..m {
            vars.push(Var::State { index: s, order: k });
            if k + 1 < m {
                ders.push(var(ir, Var::State { index: s, order: k + 1 }, f));
            } else {
                let e = ir.equations.iter().position(|e| e.state == s).unwrap_or(0);
                ders.push(rhs.get(e).cloned().unwrap_or_else(|| "0.0".into()));
            }
        }
    }
    (vars, ders)
}

/// The file text of the export; `source` names the model file.
pub fn export(ir: &ModelIr, fitted: &Fitted, report: &Report, f: Format, source: &str) -> String {
    match f {
        Format::Numpy | Format::Sympy => python(ir, fitted, report, f, source),
        Format::Julia => julia(ir, fitted, source),
        Format::Latex => latex(ir, report, source),
    }
}

fn python_params(ir: &ModelIr, fitted: &Fitted, report: &Report, s: &mut String) {
    let params: Vec<String> = ir
        .names
        .params
        .iter()
        .zip(&fitted.params)
        .map(|(n, v)| format!("\"{n}\": {}", num(*v, Format::Numpy)))
        .collect();
    let _ = writeln!(s, "PARAMS = {{{}}}", params.join(", "));
    let _ = writeln!(s, "PARAMS_PER_TRAJECTORY = {{");
    for p in report.parameters.iter().filter(|p| !p.per_trajectory.is_empty()) {
        let vals: Vec<String> =
            p.per_trajectory.iter().map(|t| format!("{:?}: {}", t.trajectory, num(t.value, Format::Numpy))).collect();
        let _ = writeln!(s, "    \"{}\": {{{}}},", p.name, vals.join(", "));
    }
    let _ = writeln!(s, "}}");
}

fn python(ir: &ModelIr, fitted: &Fitted, report: &Report, f: Format, source: &str) -> String {
    let (vars, ders) = layout(ir, fitted, f);
    let mut s = format!("\"\"\"The model discovered by `mechc run {source}`: its right-hand side.\n\n");
    let _ = writeln!(s, "State vector (first-order layout): {}.\n\"\"\"", names(ir, &vars).join(", "));
    s.push_str(if f == Format::Numpy { "import numpy as np\n\n" } else { "import sympy as sp\n\n" });
    let _ =
        writeln!(s, "STATES = [{}]", names(ir, &vars).iter().map(|n| format!("{n:?}")).collect::<Vec<_>>().join(", "));
    let _ =
        writeln!(s, "INPUTS = [{}]", ir.names.inputs.iter().map(|n| format!("{n:?}")).collect::<Vec<_>>().join(", "));
    python_params(ir, fitted, report, &mut s);
    if f == Format::Sympy {
        let _ = writeln!(s, "\nt = sp.Symbol(\"t\")");
        let syms: Vec<(String, String)> = vars
            .iter()
            .map(|&v| (var(ir, v, f), ir.names.var_name(v)))
            .chain(ir.names.params.iter().enumerate().map(|(i, n)| (var(ir, Var::Param(i as u32), f), n.clone())))
            .chain(ir.names.inputs.iter().enumerate().map(|(i, n)| (var(ir, Var::Input(i as u32), f), n.clone())))
            .collect();
        for (code, name) in &syms {
            let _ = writeln!(s, "{code} = sp.Symbol({name:?})");
        }
        let _ = writeln!(s, "\n# d/dt of each entry of the state vector.\nRHS = [");
        for d in &ders {
            let _ = writeln!(s, "    {d},");
        }
        let _ = writeln!(s, "]");
        let args: Vec<String> = syms.iter().map(|(c, _)| c.clone()).collect();
        let _ = writeln!(s, "_F = sp.lambdify([t, {}], RHS, modules=[\"math\", \"sympy\"])", args.join(", "));
    }
    let _ = writeln!(s, "\n\ndef rhs(t, state, params=PARAMS, inputs=None):");
    let _ = writeln!(s, "    \"\"\"d/dt of the state vector at time t; `inputs` maps input names to values.\"\"\"");
    let _ = writeln!(s, "    inputs = inputs or {{}}");
    for (k, &v) in vars.iter().enumerate() {
        let _ = writeln!(s, "    {} = state[{k}]", var(ir, v, f));
    }
    for (i, n) in ir.names.params.iter().enumerate() {
        let _ = writeln!(s, "    {} = params[{n:?}]", var(ir, Var::Param(i as u32), f));
    }
    for (i, n) in ir.names.inputs.iter().enumerate() {
        let _ = writeln!(s, "    {} = inputs[{n:?}]", var(ir, Var::Input(i as u32), f));
    }
    if f == Format::Numpy {
        let _ = writeln!(
            s,
            "    return np.array([\n{}\n    ])",
            ders.iter().map(|d| format!("        {d},")).collect::<Vec<_>>().join("\n")
        );
    } else {
        let mut args: Vec<String> = vars.iter().map(|&v| var(ir, v, f)).collect();
        args.extend((0..ir.names.params.len()).map(|i| var(ir, Var::Param(i as u32), f)));
        args.extend((0..ir.names.inputs.len()).map(|i| var(ir, Var::Input(i as u32), f)));
        let _ = writeln!(s, "    return [float(v) for v in _F(t, {})]", args.join(", "));
    }
    s
}

/// The state vector's entries as `.mech` names (`x`, `x'`).
fn names(ir: &ModelIr, vars: &[Var]) -> Vec<String> {
    vars.iter().map(|&v| ir.names.var_name(v)).collect()
}

fn julia(ir: &ModelIr, fitted: &Fitted, source: &str) -> String {
    let f = Format::Julia;
    let (vars, ders) = layout(ir, fitted, f);
    let mut s = format!("# The model discovered by `mechc run {source}`: its right-hand side, in the\n");
    let _ = writeln!(s, "# DifferentialEquations.jl convention. State vector: {}.", names(ir, &vars).join(", "));
    let params: Vec<String> =
        ir.names.params.iter().zip(&fitted.params).map(|(n, v)| format!("{n} = {}", num(*v, f))).collect();
    let _ = writeln!(s, "const PARAMS = ({}{})", params.join(", "), if params.len() == 1 { "," } else { "" });
    let _ = writeln!(s, "\n# `inputs(t)` returns a named tuple of the inputs at time t.");
    let _ = writeln!(s, "function rhs!(du, u, p, t; inputs = t -> NamedTuple())");
    for (k, &v) in vars.iter().enumerate() {
        let _ = writeln!(s, "    {} = u[{}]", var(ir, v, f), k + 1);
    }
    for (i, n) in ir.names.params.iter().enumerate() {
        let _ = writeln!(s, "    {} = p.{n}", var(ir, Var::Param(i as u32), f));
    }
    if !ir.names.inputs.is_empty() {
        let _ = writeln!(s, "    ins = inputs(t)");
    }
    for (i, n) in ir.names.inputs.iter().enumerate() {
        let _ = writeln!(s, "    {} = ins.{n}", var(ir, Var::Input(i as u32), f));
    }
    for (k, d) in ders.iter().enumerate() {
        let _ = writeln!(s, "    du[{}] = {d}", k + 1);
    }
    s.push_str("    return nothing\nend\n");
    s
}

fn latex(ir: &ModelIr, report: &Report, source: &str) -> String {
    let mut s = format!("% The model discovered by `mechc run {source}`; coefficients ± one standard error.\n");
    s.push_str("\\begin{align}\n");
    let rows: Vec<String> = ir
        .equations
        .iter()
        .zip(&report.equations)
        .map(|(e, text)| {
            let lhs = var(ir, Var::State { index: e.state, order: e.order }, Format::Latex);
            let mut parts = Vec::new();
            if ir.arena.const_value(e.known) != Some(0.0) {
                parts.push(expr(ir, e.known, Format::Latex));
            }
            for t in &text.terms {
                let c = match t.std_error {
                    Some(se) => format!(
                        "({} \\pm {})",
                        crate::number::format_sig(t.coefficient, report.precision.max(4)),
                        crate::number::format_sig(se, 2)
                    ),
                    None => crate::number::format_sig(t.coefficient, report.precision.max(4)),
                };
                let term = ir.coefs.get(t.slot).map(|c| expr(ir, ir.terms[c.term].node, Format::Latex));
                match term.as_deref() {
                    Some("1" | "1.0") | None => parts.push(c),
                    Some(term) => parts.push(format!("{c} \\, {term}")),
                }
            }
            let body = if parts.is_empty() { "0".to_string() } else { parts.join(" + ") };
            format!("  {lhs} &= {}", body.replace("+ -", "- "))
        })
        .collect();
    s.push_str(&rows.join(" \\\\\n"));
    s.push_str("\n\\end{align}\n");
    s
}
