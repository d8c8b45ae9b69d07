//! mechc: the `.mech` modelling language compiler.
//!
//! The pipeline is a chain of stage functions with typed boundaries (see `ARCHITECTURE.md`):
//! text → `syntax` (AST) → `check` (HIR) → `ir` (expression DAG) → `jit` (native kernels),
//! `data` (trajectories) → `fit` (training with the `mnn` solver) → `report`.

pub mod check;
pub mod data;
pub mod diag;
pub mod fit;
pub mod intrinsics;
pub mod ir;
pub mod jit;
pub mod mnn;
pub mod number;
pub mod report;
pub mod source;
pub mod syntax;

pub use check::check_file;
pub mod bench;
pub mod cli;
