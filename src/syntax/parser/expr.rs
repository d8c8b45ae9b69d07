//! Expression rules of the grammar → [`ExprKind`] trees. Chains (`a + b - c`, `x^y^z`) are flat
//! repetitions in the grammar and folded here without recursion; each builder returns the depth
//! of what it built, and a tree deeper than [`MAX_EXPR_DEPTH`] is cut off with an `E002` error.

use super::{Builder, Rule, P};
use crate::diag::{codes, Diagnostic};
use crate::syntax::ast::*;
use crate::syntax::MAX_EXPR_DEPTH;

impl Builder<'_> {
    /// Builds an expression (rule `expr`).
    pub(super) fn expr(&mut self, p: P) -> Expr {
        self.expr_d(p).0
    }

    /// `expr = { product ~ (add_op ~ product)* }`
    pub(super) fn expr_d(&mut self, p: P) -> (Expr, usize) {
        self.left_chain(p, Self::product_d, |op| if op == "+" { BinOp::Add } else { BinOp::Sub })
    }

    /// `product = { unary ~ (mul_op ~ unary)* }`
    fn product_d(&mut self, p: P) -> (Expr, usize) {
        self.left_chain(p, Self::unary_d, |op| if op == "*" { BinOp::Mul } else { BinOp::Div })
    }

    /// Folds `operand (op operand)*` to the left, stopping when the depth bound is exceeded.
    fn left_chain(
        &mut self,
        p: P,
        operand: fn(&mut Self, P) -> (Expr, usize),
        op_of: fn(&str) -> BinOp,
    ) -> (Expr, usize) {
        let mut it = p.into_inner();
        let (mut acc, mut depth) = operand(self, it.next().unwrap());
        while let Some(op) = it.next() {
            let (rhs, d) = operand(self, it.next().unwrap());
            let span = acc.span.to(rhs.span);
            depth = depth.max(d) + 1;
            let rspan = rhs.span;
            acc = Expr { kind: ExprKind::Binary(op_of(op.as_str()), Box::new(acc), Box::new(rhs)), span };
            if self.check_depth_in(depth, rspan, true) {
                break;
            }
        }
        (acc, depth)
    }

    /// Records an `E002` once when `depth` is over the bound, pointing at the operand where the
    /// bound was crossed; returns whether it is.
    fn check_depth(&mut self, depth: usize, span: crate::source::Span) -> bool {
        self.check_depth_in(depth, span, false)
    }

    /// [`Self::check_depth`]; `chain` says the bound was crossed by a long chain of operators
    /// (`a + b + c + ...`, evaluated one operator after another) rather than by nesting.
    fn check_depth_in(&mut self, depth: usize, span: crate::source::Span, chain: bool) -> bool {
        if depth <= MAX_EXPR_DEPTH {
            return false;
        }
        if !self.too_deep {
            self.too_deep = true;
            let (message, help) = if chain {
                (
                    format!("expression too long: more than {MAX_EXPR_DEPTH} operators in a row"),
                    "a long sum is evaluated one operator after another; split it into parts with `fn` declarations, or make its terms a basis: `sparse({...})`",
                )
            } else {
                (
                    format!("expression nested more than {MAX_EXPR_DEPTH} operators deep"),
                    "split it into smaller pieces with `const`, `fn` or `basis` declarations",
                )
            };
            self.diags
                .push(Diagnostic::new(codes::TOO_DEEP, message, span, "the limit is crossed here").with_help(help));
        }
        true
    }

    /// `unary = { neg* ~ power }`: negations wrap the whole power, so `-x^2` is `-(x^2)`.
    fn unary_d(&mut self, p: P) -> (Expr, usize) {
        let mut negs = Vec::new();
        let mut inner = None;
        for part in p.into_inner() {
            match part.as_rule() {
                Rule::neg => negs.push(self.span(&part)),
                _ => inner = Some(self.power_d(part)),
            }
        }
        let (e, d) = inner.expect("unary has a power");
        self.wrap_negs(e, d, &negs)
    }

    fn wrap_negs(&mut self, mut e: Expr, mut depth: usize, negs: &[crate::source::Span]) -> (Expr, usize) {
        for s in negs.iter().rev() {
            let span = s.to(e.span);
            e = Expr { kind: ExprKind::Neg(Box::new(e)), span };
            depth += 1;
            if self.check_depth(depth, *s) {
                break;
            }
        }
        (e, depth)
    }

    /// `power = { primary ~ (pow_op ~ neg* ~ primary)* }`: right-associative, and the negations
    /// after a `^` apply to the rest of the chain (`x^-y^2` is `x^(-(y^2))`).
    fn power_d(&mut self, p: P) -> (Expr, usize) {
        let mut operands: Vec<(Vec<crate::source::Span>, P)> = Vec::new();
        let mut negs = Vec::new();
        for part in p.into_inner() {
            match part.as_rule() {
                Rule::neg => negs.push(self.span(&part)),
                Rule::pow_op => {}
                _ => operands.push((std::mem::take(&mut negs), part)),
            }
        }
        let (last_negs, last) = operands.pop().expect("power has an operand");
        let (mut acc, mut depth) = self.primary_d(last);
        (acc, depth) = self.wrap_negs(acc, depth, &last_negs);
        while let Some((negs, base)) = operands.pop() {
            if self.too_deep {
                break;
            }
            let (b, d) = self.primary_d(base);
            let (bspan, span) = (b.span, b.span.to(acc.span));
            depth = depth.max(d) + 1;
            acc = Expr { kind: ExprKind::Binary(BinOp::Pow, Box::new(b), Box::new(acc)), span };
            (acc, depth) = self.wrap_negs(acc, depth, &negs);
            if self.check_depth(depth, bspan) {
                break;
            }
        }
        (acc, depth)
    }

    /// `primary = _{ number | call | deriv | member | ident | paren | norm | set | list | string }`
    fn primary_d(&mut self, p: P) -> (Expr, usize) {
        let span = self.span(&p);
        let (kind, depth) = match p.as_rule() {
            Rule::number => (self.number(&p, span), 1),
            Rule::ident => (ExprKind::Name(self.ident(p)), 1),
            Rule::deriv => {
                let (name, order) = self.deriv_parts(p);
                (ExprKind::Deriv { name, order }, 1)
            }
            Rule::string => (ExprKind::Str(self.string(p).value), 1),
            Rule::norm => {
                let (e, d) = self.expr_d(p.into_inner().next().unwrap());
                (ExprKind::Norm(Box::new(e)), d + 1)
            }
            Rule::member => {
                let mut it = p.into_inner();
                let base = self.ident(it.next().unwrap());
                (ExprKind::Member { base, component: self.ident(it.next().unwrap()) }, 1)
            }
            Rule::paren => {
                let (e, d) = self.expr_d(p.into_inner().next().unwrap());
                (ExprKind::Paren(Box::new(e)), d + 1)
            }
            Rule::set | Rule::list => {
                let set = p.as_rule() == Rule::set;
                let (items, d) = self.expr_list(p);
                (if set { ExprKind::Set(items) } else { ExprKind::List(items) }, d + 1)
            }
            Rule::call => {
                let mut it = p.into_inner();
                let name = self.ident(it.next().unwrap());
                let (args, d) = self.args_d(it.next().unwrap());
                (ExprKind::Call(Call { name, args }), d + 1)
            }
            r => unreachable!("primary rule {r:?}"),
        };
        (Expr { kind, span }, depth)
    }

    fn expr_list(&mut self, p: P) -> (Vec<Expr>, usize) {
        let mut depth = 0;
        let items = p
            .into_inner()
            .map(|e| {
                let (e, d) = self.expr_d(e);
                depth = depth.max(d);
                e
            })
            .collect();
        (items, depth)
    }

    /// `number = @{ digits ("." digits)? (e [+-]? digits)? }`; a literal beyond f64 is an `E004`.
    fn number(&mut self, p: &P, span: crate::source::Span) -> ExprKind {
        let text = p.as_str().to_string();
        let value: f64 = text.parse().unwrap_or(f64::INFINITY);
        if !value.is_finite() {
            self.diags.push(
                Diagnostic::new(
                    codes::BAD_NUMBER,
                    format!("number `{text}` is too large for a 64-bit float"),
                    span,
                    "out of range",
                )
                .with_help("the largest finite value is about 1.8e308"),
            );
        }
        ExprKind::Num { value, text }
    }
}
