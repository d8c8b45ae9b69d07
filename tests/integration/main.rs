//! The one integration-test binary: each area of the compiler has a module here, so the heavy
//! dependencies (candle, Cranelift) are linked once.

mod data;
mod plot;
