//! Constant evaluation of resolved expressions (constant values, parameter bounds, degrees and
//! the numbers of `simulate` blocks): numbers, constants already evaluated, intrinsics and calls
//! of functions (bounded depth, since recursion is reported separately). Input: `hir::Expr`;
//! output: `f64`, or `None` when something in it is not constant.

use super::hir::{Callee, Expr, ExprKind, Model, UnOp};
use crate::syntax::ast::BinOp;

/// Calls nested deeper than this are not evaluated (only possible with recursive functions).
const MAX_CALL_DEPTH: usize = 64;

/// Evaluates `e`; `args` are the values of `Arg(i)` inside a function body.
pub fn eval(m: &Model, e: &Expr, args: &[f64], depth: usize) -> Option<f64> {
    Some(match &e.kind {
        ExprKind::Num(x) => *x,
        ExprKind::Const(k) => m.consts.get(*k)?.value,
        ExprKind::Arg(i) => *args.get(*i)?,
        ExprKind::Unary(UnOp::Neg, x) => -eval(m, x, args, depth)?,
        ExprKind::Binary(op, l, r) => {
            let (a, b) = (eval(m, l, args, depth)?, eval(m, r, args, depth)?);
            match op {
                BinOp::Add => a + b,
                BinOp::Sub => a - b,
                BinOp::Mul => a * b,
                BinOp::Div => a / b,
                BinOp::Pow => a.powf(b),
            }
        }
        ExprKind::Call(Callee::Intrinsic(f), xs) => match xs.as_slice() {
            [x] => f.eval1(eval(m, x, args, depth)?),
            [x, y] => f.eval2(eval(m, x, args, depth)?, eval(m, y, args, depth)?),
            _ => return None,
        },
        ExprKind::Call(Callee::Fn(f), xs) => {
            if depth >= MAX_CALL_DEPTH {
                return None;
            }
            let vals: Option<Vec<f64>> = xs.iter().map(|x| eval(m, x, args, depth)).collect();
            eval(m, &m.fns.get(*f)?.body, &vals?, depth + 1)?
        }
        _ => return None,
    })
}
