//! Hostile input and careless use: outputs that never destroy a file the user did not name,
//! inputs read once and within bounds, diagnostics that never echo other files, exits that are
//! always 0, 1 or 130 (never a panic, an abort or a hang), and seeded run-stage mutation.

mod bounds;
mod fields;
mod fuzz;
mod inputs;
mod outputs;

use std::path::PathBuf;

/// An empty scratch directory for one test.
pub fn scratch_dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("reliability").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A small model that trains in milliseconds.
pub const SMALL: &str = "model ok\nstate x\ndata train = simulate { x' = -x  init x = 1  time 0 .. 5 step 0.01  seed 1 }\nbasis lib = poly(x, degree = 2)\nx' = sparse(lib)\n";

/// Writes `text` to `dir/name` and returns the path as a string.
pub fn put(dir: &std::path::Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_string()
}
