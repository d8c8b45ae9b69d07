//! The `mechc` command-line entry point.
fn main() {}
