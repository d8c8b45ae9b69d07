//! Resolution of the expressions of field systems and initial profiles into [`PdeExpr`]:
//! numbers, arithmetic, math functions, the system's fields and their spatial derivatives, its
//! parameters (substituted by their values) and the space variable.

use super::types::{PdeExpr, MAX_ORDER};
use crate::diag::{codes, Diagnostic};
use crate::intrinsics::Func;
use crate::syntax::ast::{Expr, ExprKind as A};

/// What names mean in an expression.
pub(crate) struct Env<'a> {
    /// Field names (index = field id).
    pub fields: &'a [String],
    /// The space variable's name, where it may appear.
    pub space: Option<&'a str>,
    /// Parameters with their values.
    pub params: &'a [(String, f64)],
}

/// Resolves `e` under `env`.
pub(crate) fn resolve(e: &Expr, env: &Env) -> Result<PdeExpr, Diagnostic> {
    Ok(match &e.kind {
        A::Num { value, .. } => PdeExpr::Num(*value),
        A::Paren(a) => resolve(a, env)?,
        A::Neg(a) => PdeExpr::Neg(Box::new(resolve(a, env)?)),
        A::Binary(op, a, b) => PdeExpr::Binary(*op, Box::new(resolve(a, env)?), Box::new(resolve(b, env)?)),
        A::Name(n) => name(&n.name, env).ok_or_else(|| unknown(&n.name, n.span, env))?,
        A::Call(c) => {
            let f = Func::lookup(&c.name.name).ok_or_else(|| {
                Diagnostic::new(codes::FIELD_SYSTEM, format!("`{}` is not a math function", c.name.name), c.name.span, "not available here")
                    .with_help("field systems and initial profiles use numbers, arithmetic and the math functions (sin, cos, exp, tanh, sqrt, ...)")
            })?;
            let arity = if matches!(f, Func::Pow) { 2 } else { 1 };
            if c.args.items.len() != arity || c.args.items.iter().any(|a| a.name.is_some()) {
                return Err(Diagnostic::new(
                    codes::FIELD_SYSTEM,
                    format!("`{}` takes {arity} argument(s)", c.name.name),
                    c.args.span,
                    "wrong arguments",
                ));
            }
            let args = c.args.items.iter().map(|a| resolve(&a.value, env)).collect::<Result<_, _>>()?;
            PdeExpr::Call(f, args)
        }
        _ => {
            return Err(Diagnostic::new(codes::FIELD_SYSTEM, "not a scalar expression", e.span, "not allowed here")
                .with_help("use numbers, arithmetic, math functions, fields and their derivatives"))
        }
    })
}

/// A name: a field, a field's derivative, a parameter or the space variable.
fn name(n: &str, env: &Env) -> Option<PdeExpr> {
    if let Some(k) = env.fields.iter().position(|f| f == n) {
        return Some(PdeExpr::Field { field: k, order: 0 });
    }
    if let Some((_, v)) = env.params.iter().find(|(p, _)| p == n) {
        return Some(PdeExpr::Num(*v));
    }
    let space = env.space?;
    if n == space {
        return Some(PdeExpr::Space);
    }
    let (base, suffix) = n.rsplit_once('_')?;
    let k = env.fields.iter().position(|f| f == base)?;
    let order = suffix.len() / space.len();
    (order >= 1 && order as u32 <= MAX_ORDER && suffix == space.repeat(order))
        .then_some(PdeExpr::Field { field: k, order: order as u32 })
}

/// An unknown name, with the closest known one.
fn unknown(n: &str, span: crate::source::Span, env: &Env) -> Diagnostic {
    let mut cands: Vec<String> = env.fields.to_vec();
    cands.extend(env.params.iter().map(|(p, _)| p.clone()));
    if let Some(s) = env.space {
        cands.push(s.to_string());
        for f in env.fields {
            cands.extend((1..=MAX_ORDER).map(|o| format!("{f}_{}", s.repeat(o as usize))));
        }
    }
    let d = Diagnostic::new(codes::FIELD_SYSTEM, format!("unknown name `{n}`"), span, "not known here");
    match super::super::scope::suggest(n, cands.iter().map(String::as_str)) {
        Some(s) => d.with_help(format!("did you mean `{s}`?")),
        None if env.fields.is_empty() && env.space.is_none() => d.with_help("write a number"),
        None => d.with_help(format!("known here: {}", cands.join(", "))),
    }
}
