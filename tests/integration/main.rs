//! The one integration-test binary: each area of the compiler has a module here, so the heavy
//! dependencies (candle, Cranelift) are linked once.

mod bench;
mod bench_broad;
mod bench_broad_score;
mod bench_pde;
mod bin;
mod data;
mod docs;
mod fit;
mod frontend;
mod hamiltonian;
mod ir;
mod ir_simplify;
mod jit;
mod layers;
mod lower;
mod mnn;
mod neural;
mod plot;
mod print;
mod reliability;
mod repl;
mod repl_tty;
mod run;
