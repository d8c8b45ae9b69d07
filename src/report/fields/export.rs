//! The discovered field model for other tools: `latex` (an `align` block of `u_t = ...` with the
//! spatial derivatives as subscripts and coefficients ± their standard errors) and `sympy` (a
//! Python module with each field a function `u(t, x)`, its spatial derivatives as
//! `sp.Derivative(u, x, k)` and the right sides as expressions `RHS`, the equations as
//! `EQUATIONS`). `numpy` and `julia` export a right side `rhs(t, state, ...)` of the state alone;
//! a spatial derivative is not a function of the state at one point, so they are refused
//! ([`supports`]) before any work.

use super::FieldReport;
use crate::check::hir::Pde;
use crate::fit::Fitted;
use crate::ir::ModelIr;
use crate::number::format_sig;
use crate::report::export::{expr, rhs, Format};
use std::fmt::Write;

/// Whether a field model can be exported in `f`.
pub fn supports(f: Format) -> bool {
    matches!(f, Format::Latex | Format::Sympy)
}

/// The export's text (only for formats [`supports`] accepts; the others give an empty string).
pub fn export(ir: &ModelIr, pde: &Pde, fitted: &Fitted, r: &FieldReport, f: Format, source: &str) -> String {
    match f {
        Format::Latex => latex(ir, pde, r, source),
        Format::Sympy => sympy(ir, pde, fitted, source),
        Format::Numpy | Format::Julia => String::new(),
    }
}

/// The derivative `(field, order)` of each model input.
fn derivs(ir: &ModelIr, pde: &Pde) -> Vec<(String, u32)> {
    ir.names
        .inputs
        .iter()
        .map(|n| match pde.derivs.iter().find(|d| d.name == *n) {
            Some(d) => (pde.fields[d.field].clone(), d.order),
            None => (n.clone(), 0),
        })
        .collect()
}

fn latex(ir: &ModelIr, pde: &Pde, r: &FieldReport, source: &str) -> String {
    let mut named = ir.clone();
    for (name, (field, order)) in named.names.inputs.iter_mut().zip(derivs(ir, pde)) {
        *name = format!("{field}_{{{}}}", pde.space.name.repeat(order as usize));
    }
    let mut s = format!("% The model discovered by `mechc run {source}`; coefficients ± one standard error.\n");
    s.push_str("\\begin{align}\n");
    let precision = 4;
    let rows: Vec<String> = named
        .equations
        .iter()
        .zip(&r.equations)
        .map(|(e, text)| {
            let mut parts = Vec::new();
            if named.arena.const_value(e.known) != Some(0.0) {
                parts.push(expr(&named, e.known, Format::Latex));
            }
            for t in &text.terms {
                let c = match t.std_error {
                    Some(se) => format!("({} \\pm {})", format_sig(t.coefficient, precision), format_sig(se, 2)),
                    None => format_sig(t.coefficient, precision),
                };
                let term = named.coefs.get(t.slot).map(|c| expr(&named, named.terms[c.term].node, Format::Latex));
                match term.as_deref() {
                    Some("1" | "1.0") | None => parts.push(c),
                    Some(term) => parts.push(format!("{c} \\, {term}")),
                }
            }
            let body = if parts.is_empty() { "0".to_string() } else { parts.join(" + ") };
            let lhs = format!("{}_{{t}}", ir.names.states[e.state as usize]);
            format!("  {lhs} &= {}", body.replace("+ -", "- "))
        })
        .collect();
    s.push_str(&rows.join(" \\\\\n"));
    s.push_str("\n\\end{align}\n");
    s
}

fn sympy(ir: &ModelIr, pde: &Pde, fitted: &Fitted, source: &str) -> String {
    let x = &pde.space.name;
    let mut s = format!(
        "\"\"\"The field model discovered by `mechc run {source}`: each field a function of (t, {x}), its\n\
         spatial derivatives SymPy derivatives, RHS[i] the time derivative of FIELDS[i].\"\"\"\n\
         import sympy as sp\n\n"
    );
    let _ = writeln!(s, "t, {x} = sp.symbols(\"t {x}\")");
    for f in &ir.names.states {
        let _ = writeln!(s, "s_{f} = sp.Function({f:?})(t, {x})");
    }
    let fields: Vec<String> = ir.names.states.iter().map(|f| format!("s_{f}")).collect();
    let _ = writeln!(s, "FIELDS = [{}]", fields.join(", "));
    let params: Vec<String> =
        ir.names.params.iter().zip(&fitted.params).map(|(n, v)| format!("{n:?}: {v:?}")).collect();
    let _ = writeln!(s, "PARAMS = {{{}}}", params.join(", "));
    for n in &ir.names.params {
        let _ = writeln!(s, "p_{n} = sp.Float(PARAMS[{n:?}])");
    }
    for (name, (field, order)) in ir.names.inputs.iter().zip(derivs(ir, pde)) {
        let _ = writeln!(s, "u_{name} = sp.Derivative(s_{field}, {x}, {order})");
    }
    let rhs = rhs(ir, fitted, Format::Sympy);
    let _ = writeln!(s, "RHS = [\n{}]", rhs.iter().map(|r| format!("    {r},\n")).collect::<String>());
    let eqs: Vec<String> = ir
        .equations
        .iter()
        .enumerate()
        .map(|(i, e)| format!("    sp.Eq(sp.Derivative(s_{}, t), RHS[{i}]),\n", ir.names.states[e.state as usize]))
        .collect();
    let _ = writeln!(s, "EQUATIONS = [\n{}]", eqs.concat());
    s
}
