//! IR expressions ([`NodeId`] in an [`Arena`]) printed as `.mech` source: the operators and
//! precedence of the surface grammar (`^` binds tighter than unary minus, which binds tighter
//! than `*` and `/`), real powers written `a^b` rather than as calls, and a sum with a negated
//! right operand written as a difference.

use crate::ir::{Arena, Func, Names, Node, NodeId};

// Precedence levels: sum 1, product 2, unary minus 3, power 4, atom 5.
fn prec(arena: &Arena, id: NodeId) -> u8 {
    match arena.node(id) {
        Node::Add(..) | Node::Sub(..) => 1,
        Node::Mul(..) | Node::Div(..) => 2,
        Node::Neg(_) => 3,
        Node::Const(bits) if f64::from_bits(bits).is_sign_negative() => 3,
        Node::Powi(..) | Node::Call2(Func::Pow, ..) => 4,
        _ => 5,
    }
}

/// The expression as `.mech` text.
pub fn mech_expr(arena: &Arena, names: &Names, id: NodeId) -> String {
    let child = |n: NodeId, min: u8| {
        let s = mech_expr(arena, names, n);
        if prec(arena, n) < min {
            format!("({s})")
        } else {
            s
        }
    };
    match arena.node(id) {
        Node::Const(bits) => format!("{}", f64::from_bits(bits)),
        Node::Var(v) => names.var_name(v),
        Node::Neg(a) => format!("-{}", child(a, 4)),
        Node::Add(a, b) => match arena.node(b) {
            Node::Neg(inner) => format!("{} - {}", child(a, 1), child(inner, 2)),
            _ => format!("{} + {}", child(a, 1), child(b, 1)),
        },
        Node::Sub(a, b) => format!("{} - {}", child(a, 1), child(b, 2)),
        Node::Mul(a, b) => format!("{}*{}", child(a, 2), child(b, 3)),
        Node::Div(a, b) => format!("{}/{}", child(a, 2), child(b, 3)),
        Node::Powi(a, n) => format!("{}^{n}", child(a, 5)),
        Node::Call2(Func::Pow, a, b) => format!("{}^{}", child(a, 5), child(b, 5)),
        Node::Call1(f, a) => format!("{}({})", f.info().name, mech_expr(arena, names, a)),
        Node::Call2(f, a, b) => {
            format!("{}({}, {})", f.info().name, mech_expr(arena, names, a), mech_expr(arena, names, b))
        }
    }
}
