//! Bounded time and memory: budgets found at check time (`E060`) before anything is allocated,
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
        assert!(err.contains("E060") && err.contains("levels deep"), "{err}");
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

#[test]
fn ctrl_c_stops_a_large_fit_promptly_with_status_130() {
    let dir = scratch_dir("ctrl-c");
    let n = 40;
    let names: Vec<String> = (0..n).map(|i| format!("v{i}")).collect();
    let sim: String = names.iter().map(|v| format!("{v}' = -{v} ")).collect();
    let init: Vec<String> = names.iter().map(|v| format!("{v} = 1")).collect();
    let eqs: String = names.iter().map(|v| format!("{v}' = sparse(lib)\n")).collect();
    let text = format!(
        "model m\nstate {}\ndata train = simulate {{ {sim} init {}  time 0 .. 2 step 0.01 }}\nbasis lib = poly({}, degree = 1)\n{eqs}",
        names.join(", "),
        init.join(", "),
        names.join(", ")
    );
    let model = put(&dir, "forty.mech", &text);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_mechc"))
        .args(["run", &model, "-q"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_secs(3));
    if child.try_wait().unwrap().is_some() {
        return; // finished before the signal: nothing to interrupt on a fast machine
    }
    let sent = Instant::now();
    let kill = std::process::Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(kill.success());
    let out = child.wait_with_output().unwrap();
    let secs = sent.elapsed().as_secs_f64();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{err}");
    assert!(err.contains("E063"), "{err}");
    // One Gauss–Newton trial of this fit takes about a second on a loaded two-core machine.
    assert!(secs < 15.0, "exited {secs:.1} s after Ctrl-C");
}
