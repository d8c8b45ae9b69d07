//! Field models given bad data or exports that cannot express them: coded errors, exit 1, no panic.

use super::{put, scratch_dir};
use crate::bin::mechc;

const MODEL: &str = "model m\nspace x in 0 .. 1 periodic\nfield u over x\ndata d = csv \"u.csv\" { time = t, x = x, u = u }\nu' = u_xx\n";

#[test]
fn an_irregular_field_grid_is_a_coded_error() {
    let dir = scratch_dir("fields_grid");
    let mut csv = String::from("t,x,u\n");
    for i in 0..6 {
        for j in 0..8 {
            let x = if j == 3 { 0.4 } else { j as f64 / 8.0 };
            csv.push_str(&format!("{},{x},{}\n", i as f64 * 0.1, j as f64));
        }
    }
    put(&dir, "u.csv", &csv);
    let model = put(&dir, "m.mech", MODEL);
    let (code, out, err) = mechc(&["run", &model]);
    assert_eq!(code, 1, "{err}");
    assert!(out.is_empty());
    assert!(err.contains("E078") && err.contains("not equally spaced"), "{err}");
}

#[test]
fn field_models_refuse_exports_that_cannot_express_them() {
    let dir = scratch_dir("fields_outputs");
    let model = put(&dir, "m.mech", MODEL);
    let target = dir.join("rhs.py");
    let spec = format!("numpy={}", target.to_str().unwrap());
    let (code, _, err) = mechc(&["run", &model, "--export", &spec]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("E083") && err.contains("numpy"), "{err}");
    assert!(!target.exists());
}
