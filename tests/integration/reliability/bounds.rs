//! Bounded time and memory: budgets found at check time (`E052`) before anything is allocated,
//! linear-time checker passes, and data from a pipe read once.

use super::{put, scratch_dir};
use crate::bin::mechc;
use std::time::Instant;

#[test]
fn a_deep_chain_of_functions_is_rejected_at_check_not_by_a_stack_overflow() {
    let dir = scratch_dir("deep-chain");
    let mut text = String::from("model m\nstate x\ndata d = simulate { x' = -x  init x = 1  time 0 .. 1 step 0.1 }\n");
    text.push_str("fn f0(a) = a\n");
    for k in 1..100 {
        text.push_str(&format!("fn f{k}(a) = f{}(a){}\n", k - 1, " + 1".repeat(390)));
    }
    text.push_str("x' = -x + 0*f99(x)\n");
    let model = put(&dir, "deep.mech", &text);
    for cmd in ["check", "run"] {
        let (code, _, err) = mechc(&[cmd, &model]);
        assert_eq!(code, 1, "{cmd}: {err}");
        assert!(err.contains("E052") && err.contains("levels deep"), "{err}");
    }
}

#[test]
fn check_is_linear_in_the_number_of_declarations() {
    let dir = scratch_dir("linear");
    let mut text = String::from("model m\nstate x\nx' = -x\n");
    let mut i = 0;
    while text.len() < 1 << 20 {
        text.push_str(&format!("const c{i} = {i}\n"));
        i += 1;
    }
    let consts = put(&dir, "consts.mech", &text);
    let states: String = format!(
        "model m\nstate {}\n{}",
        (0..10_000).map(|i| format!("s{i}")).collect::<Vec<_>>().join(", "),
        (0..10_000).map(|i| format!("s{i}' = -s{i}\n")).collect::<String>()
    );
    let states = put(&dir, "states.mech", &states);
    for (model, what) in [(&consts, "W003"), (&states, "")] {
        let start = Instant::now();
        let (code, _, err) = mechc(&["check", model]);
        let secs = start.elapsed().as_secs_f64();
        assert_eq!(code, 0, "{}", &err[..err.len().min(500)]);
        assert!(err.contains(what));
        // One second on an idle machine (measured well under); the margin absorbs a loaded one.
        assert!(secs < 10.0, "{model}: {secs:.1} s");
    }
}

#[test]
fn a_csv_from_a_pipe_is_read_once() {
    let dir = scratch_dir("fifo");
    let rows: String = (0..200).map(|i| format!("{},{}\n", i as f64 * 0.05, (-(i as f64) * 0.05).exp())).collect();
    let fifo = dir.join("pipe.csv");
    let status = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(status.success());
    let model = put(&dir, "f.mech", "model f\nstate x\ndata d = csv \"pipe.csv\"\nx' = sparse(poly(x, degree = 1))\n");
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::write(fifo, format!("t,x\n{rows}")))
    };
    let (code, out, err) = mechc(&["run", &model, "-q"]);
    writer.join().unwrap().unwrap();
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("x' = -"), "{out}");
}
