//! The one intrinsics table: every math function of the language with its name, arity, the
//! float64 implementation (a plain `extern "C"` Rust function, called by the interpreter, by
//! constant folding and — through its address — by the JIT, so all three compute identical
//! bits), how the JIT emits it, and its derivative rule (used by symbolic differentiation).
//!
//! Input: a [`Func`]. Output: its [`Intrinsic`] record.

use crate::ir::{Arena, NodeId};

/// A math function known to the compiler.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Func {
    /// Sine.
    Sin,
    /// Cosine.
    Cos,
    /// Tangent.
    Tan,
    /// Exponential.
    Exp,
    /// Natural logarithm.
    Log,
    /// Square root.
    Sqrt,
    /// Absolute value.
    Abs,
    /// Hyperbolic tangent.
    Tanh,
    /// `sign(x)`: -1, 0 or 1 (NaN for NaN); the derivative of `abs`.
    Sign,
    /// `pow(a, b)` with a real exponent.
    Pow,
}

/// How the JIT emits a call.
#[derive(Clone, Copy, Debug)]
pub enum Native {
    /// A Cranelift instruction whose IEEE result equals the Rust function (`sqrt`, `fabs`).
    /// The `sqrt` instruction.
    Sqrt,
    /// The `fabs` instruction.
    Abs,
    /// A call to the table's function through its address, under this symbol name.
    Call(&'static str),
}

/// The implementation of an intrinsic.
#[derive(Clone, Copy, Debug)]
pub enum Imp {
    /// `f(x)`.
    Unary(extern "C" fn(f64) -> f64),
    /// `f(x, y)`.
    Binary(extern "C" fn(f64, f64) -> f64),
}

/// The partial derivatives of `f(args)` with respect to each argument, as new nodes; `this` is
/// the node `f(args)` itself (so `exp' = exp` and `tanh' = 1 - tanh^2` reuse it).
pub type DerivRule = fn(&mut Arena, args: &[NodeId], this: NodeId) -> Vec<NodeId>;

/// One row of the intrinsics table.
#[derive(Clone, Copy, Debug)]
pub struct Intrinsic {
    /// Which function.
    pub func: Func,
    /// Source name.
    pub name: &'static str,
    /// Number of arguments.
    pub arity: usize,
    /// The float64 implementation shared by interpreter, folding and JIT.
    pub imp: Imp,
    /// How the JIT emits it.
    pub native: Native,
    /// Partial derivatives rule.
    pub deriv: DerivRule,
}

extern "C" fn mech_sin(x: f64) -> f64 {
    x.sin()
}
extern "C" fn mech_cos(x: f64) -> f64 {
    x.cos()
}
extern "C" fn mech_tan(x: f64) -> f64 {
    x.tan()
}
extern "C" fn mech_exp(x: f64) -> f64 {
    x.exp()
}
extern "C" fn mech_log(x: f64) -> f64 {
    x.ln()
}
extern "C" fn mech_sqrt(x: f64) -> f64 {
    x.sqrt()
}
extern "C" fn mech_abs(x: f64) -> f64 {
    x.abs()
}
extern "C" fn mech_tanh(x: f64) -> f64 {
    x.tanh()
}
extern "C" fn mech_sign(x: f64) -> f64 {
    if x > 0.0 {
        1.0
    } else if x < 0.0 {
        -1.0
    } else {
        // 0 for ±0 (the subgradient used for abs at 0), NaN stays NaN.
        x * 0.0
    }
}
extern "C" fn mech_pow(x: f64, y: f64) -> f64 {
    x.powf(y)
}

fn d_sin(a: &mut Arena, x: &[NodeId], _: NodeId) -> Vec<NodeId> {
    vec![a.call1(Func::Cos, x[0])]
}
fn d_cos(a: &mut Arena, x: &[NodeId], _: NodeId) -> Vec<NodeId> {
    let s = a.call1(Func::Sin, x[0]);
    vec![a.neg(s)]
}
fn d_tan(a: &mut Arena, _: &[NodeId], this: NodeId) -> Vec<NodeId> {
    let one = a.constant(1.0);
    let sq = a.powi(this, 2);
    vec![a.add(one, sq)]
}
fn d_exp(_: &mut Arena, _: &[NodeId], this: NodeId) -> Vec<NodeId> {
    vec![this]
}
fn d_log(a: &mut Arena, x: &[NodeId], _: NodeId) -> Vec<NodeId> {
    let one = a.constant(1.0);
    vec![a.div(one, x[0])]
}
fn d_sqrt(a: &mut Arena, _: &[NodeId], this: NodeId) -> Vec<NodeId> {
    let half = a.constant(0.5);
    vec![a.div(half, this)]
}
fn d_abs(a: &mut Arena, x: &[NodeId], _: NodeId) -> Vec<NodeId> {
    vec![a.call1(Func::Sign, x[0])]
}
fn d_tanh(a: &mut Arena, _: &[NodeId], this: NodeId) -> Vec<NodeId> {
    let one = a.constant(1.0);
    let sq = a.powi(this, 2);
    vec![a.sub(one, sq)]
}
fn d_sign(a: &mut Arena, _: &[NodeId], _: NodeId) -> Vec<NodeId> {
    vec![a.constant(0.0)]
}
/// d pow(x, y) = (y * pow(x, y - 1), pow(x, y) * log(x)).
fn d_pow(a: &mut Arena, x: &[NodeId], this: NodeId) -> Vec<NodeId> {
    let one = a.constant(1.0);
    let ym1 = a.sub(x[1], one);
    let p = a.pow(x[0], ym1);
    let dx = a.mul(x[1], p);
    let l = a.call1(Func::Log, x[0]);
    vec![dx, a.mul(this, l)]
}

/// The table, indexed by `Func as usize`.
pub static INTRINSICS: [Intrinsic; 10] = [
    row(Func::Sin, "sin", Imp::Unary(mech_sin), Native::Call("mech_sin"), d_sin),
    row(Func::Cos, "cos", Imp::Unary(mech_cos), Native::Call("mech_cos"), d_cos),
    row(Func::Tan, "tan", Imp::Unary(mech_tan), Native::Call("mech_tan"), d_tan),
    row(Func::Exp, "exp", Imp::Unary(mech_exp), Native::Call("mech_exp"), d_exp),
    row(Func::Log, "log", Imp::Unary(mech_log), Native::Call("mech_log"), d_log),
    row(Func::Sqrt, "sqrt", Imp::Unary(mech_sqrt), Native::Sqrt, d_sqrt),
    row(Func::Abs, "abs", Imp::Unary(mech_abs), Native::Abs, d_abs),
    row(Func::Tanh, "tanh", Imp::Unary(mech_tanh), Native::Call("mech_tanh"), d_tanh),
    row(Func::Sign, "sign", Imp::Unary(mech_sign), Native::Call("mech_sign"), d_sign),
    row(Func::Pow, "pow", Imp::Binary(mech_pow), Native::Call("mech_pow"), d_pow),
];

const fn row(func: Func, name: &'static str, imp: Imp, native: Native, deriv: DerivRule) -> Intrinsic {
    let arity = match imp {
        Imp::Unary(_) => 1,
        Imp::Binary(_) => 2,
    };
    Intrinsic { func, name, arity, imp, native, deriv }
}

impl Func {
    /// This function's table row.
    pub fn info(self) -> &'static Intrinsic {
        &INTRINSICS[self as usize]
    }

    /// The function with this source name (`sin`, `pow`, ...).
    pub fn lookup(name: &str) -> Option<Func> {
        INTRINSICS.iter().find(|i| i.name == name).map(|i| i.func)
    }

    /// Evaluates a one-argument intrinsic (NaN for a two-argument one).
    pub fn eval1(self, x: f64) -> f64 {
        match self.info().imp {
            Imp::Unary(f) => f(x),
            Imp::Binary(_) => f64::NAN,
        }
    }

    /// Evaluates a two-argument intrinsic (NaN for a one-argument one).
    pub fn eval2(self, x: f64, y: f64) -> f64 {
        match self.info().imp {
            Imp::Binary(f) => f(x, y),
            Imp::Unary(_) => f64::NAN,
        }
    }
}

/// `x^n` as a fixed chain of multiplications (right-to-left binary exponentiation) and, for
/// `n < 0`, one reciprocal at the end. Generic over the value type so that the interpreter
/// (`f64`) and the JIT (Cranelift values) perform exactly the same operations in the same order.
pub fn powi_chain<T: Copy>(x: T, n: i32, mut mul: impl FnMut(T, T) -> T, recip: impl FnOnce(T) -> T) -> T {
    let mut e = n.unsigned_abs();
    let mut base = x;
    let mut acc: Option<T> = None;
    while e > 0 {
        if e & 1 == 1 {
            acc = Some(match acc {
                None => base,
                Some(r) => mul(r, base),
            });
        }
        e >>= 1;
        if e > 0 {
            base = mul(base, base);
        }
    }
    // n == 0 never reaches here through the arena (x^0 folds to 1); keep the identity anyway.
    let pos = acc.unwrap_or(x);
    if n < 0 {
        recip(pos)
    } else {
        pos
    }
}
