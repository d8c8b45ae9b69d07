//! The surface notation's binding strengths, loosest first: the one precedence table that both
//! printers of expressions read — the formatter of `.mech` source (`fmt.rs`) and the IR printer
//! (`ir::print`). `^` binds tighter than unary minus (`-x^2` is −(x²)), which binds tighter than
//! `*` and `/`, which bind tighter than `+` and `-`.

/// `a + b`, `a - b`.
pub const SUM: u8 = 1;
/// `a * b`, `a / b`.
pub const PRODUCT: u8 = 2;
/// `-a`.
pub const NEG: u8 = 3;
/// `a ^ b`.
pub const POWER: u8 = 4;
/// Names, numbers, calls, parenthesised expressions.
pub const ATOM: u8 = 5;
