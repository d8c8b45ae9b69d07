//! mechc: the `.mech` modelling language compiler.
//!
//! The pipeline is a chain of stage functions with typed boundaries (see `ARCHITECTURE.md`):
//! text → `syntax` (AST) → `check` (HIR) → `ir` (expression DAG) → `jit` (native kernels),
//! `data` (trajectories) → `fit` (training with the `mnn` solver) → `report`.
#![deny(unsafe_code)]

pub mod mnn;
pub mod source;
pub mod data;
pub mod report;
pub mod ir;
pub mod jit;
pub mod fit;
pub mod diag;
pub mod syntax;
pub mod check;

pub use check::check_file;
pub mod cli;
pub mod bench;
