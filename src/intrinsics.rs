//! The one intrinsics table: every math function of the language with its name, arity, the
//! float64 implementation (a plain `extern "C"` Rust function, called by the interpreter, by
//! constant folding and — through its address — by the JIT, so all three compute identical
//! bits), how the JIT emits it, and its derivative rule (as data: symbolic differentiation in
//! `ir/diff.rs` builds the nodes). It depends on nothing else in the crate, so the checker, the
//! IR and the JIT all read it from below.
//!
//! Input: a [`Func`]. Output: its [`Intrinsic`] record.

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

/// The derivative of `f(x)` (for `pow`, the partials of `f(x, y)`), in terms of the argument
/// `x` and of the call `f` itself (so `exp' = exp` and `tanh' = 1 - tanh^2` reuse the node).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Deriv {
    /// `g(x)` for another intrinsic `g` (`sin' = cos`, `abs' = sign`).
    Func(Func),
    /// `-g(x)` (`cos' = -sin`).
    NegFunc(Func),
    /// `1 + f^2` (`tan`).
    OnePlusSquare,
    /// `1 - f^2` (`tanh`).
    OneMinusSquare,
    /// `f` itself (`exp`).
    Itself,
    /// `1/x` (`log`).
    Reciprocal,
    /// `0.5/f` (`sqrt`).
    HalfOverItself,
    /// `0` (`sign`).
    Zero,
    /// `(y * pow(x, y - 1), f * log(x))` (`pow`).
    Power,
}

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
    /// Derivative rule.
    pub deriv: Deriv,
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

/// The table, indexed by `Func as usize`.
pub static INTRINSICS: [Intrinsic; 10] = [
    row(Func::Sin, "sin", Imp::Unary(mech_sin), Native::Call("mech_sin"), Deriv::Func(Func::Cos)),
    row(Func::Cos, "cos", Imp::Unary(mech_cos), Native::Call("mech_cos"), Deriv::NegFunc(Func::Sin)),
    row(Func::Tan, "tan", Imp::Unary(mech_tan), Native::Call("mech_tan"), Deriv::OnePlusSquare),
    row(Func::Exp, "exp", Imp::Unary(mech_exp), Native::Call("mech_exp"), Deriv::Itself),
    row(Func::Log, "log", Imp::Unary(mech_log), Native::Call("mech_log"), Deriv::Reciprocal),
    row(Func::Sqrt, "sqrt", Imp::Unary(mech_sqrt), Native::Sqrt, Deriv::HalfOverItself),
    row(Func::Abs, "abs", Imp::Unary(mech_abs), Native::Abs, Deriv::Func(Func::Sign)),
    row(Func::Tanh, "tanh", Imp::Unary(mech_tanh), Native::Call("mech_tanh"), Deriv::OneMinusSquare),
    row(Func::Sign, "sign", Imp::Unary(mech_sign), Native::Call("mech_sign"), Deriv::Zero),
    row(Func::Pow, "pow", Imp::Binary(mech_pow), Native::Call("mech_pow"), Deriv::Power),
];

const fn row(func: Func, name: &'static str, imp: Imp, native: Native, deriv: Deriv) -> Intrinsic {
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
