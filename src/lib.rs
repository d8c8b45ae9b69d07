//! mechc: the `.mech` modelling language compiler, as a library. The command-line tool
//! (`src/main.rs`, module [`cli`], behind the default `cli` feature) is one user of it; the
//! [`pipeline`] module joins the stages for any other.
//!
#![doc = include_str!("../ARCHITECTURE.md")]

pub mod check;
pub mod data;
pub mod diag;
pub mod files;
pub mod fit;
pub mod intrinsics;
pub mod ir;
pub mod jit;
pub mod mnn;
pub mod number;
pub mod pipeline;
pub mod report;
pub mod source;
pub mod syntax;

// The benchmarks are run from the command line (`mechc bench`) and parse its options.
#[cfg(feature = "cli")]
pub mod bench;
#[cfg(feature = "cli")]
pub mod cli;

pub use check::{check, check_file};
pub use data::load_model_data;
pub use fit::fit;
pub use ir::lower;
pub use jit::compile;
pub use pipeline::{check_and_lower, prepare, train, Prepared};
pub use report::build as build_report;
pub use source::{SourceId, SourceMap};
pub use syntax::parse;
