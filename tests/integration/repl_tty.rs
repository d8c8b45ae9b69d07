//! `mechc repl` on a real terminal (a pseudo-terminal from util-linux's `script`): the progress
//! line shows while `:run` trains, Ctrl-C stops the training with the best model so far, and the
//! REPL goes on answering afterwards.

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Waits until the terminal output after byte `from` contains `needle`; false after `secs` seconds.
fn wait_after(out: &Arc<Mutex<String>>, from: usize, needle: &str, secs: u64) -> bool {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(secs) {
        if out.lock().unwrap().get(from..).is_some_and(|s| s.contains(needle)) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

/// Waits until the terminal output contains `needle`; false after `secs` seconds.
fn wait_for(out: &Arc<Mutex<String>>, needle: &str, secs: u64) -> bool {
    wait_after(out, 0, needle, secs)
}

#[test]
fn ctrl_c_stops_a_run_and_the_repl_goes_on() {
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("skipped: util-linux `script` (for a pseudo-terminal) is not installed");
        return;
    }
    let model = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/lorenz_mnn.mech");
    // `exec`: `script` runs the command through `$SHELL -c`, and a shell that stays as the parent
    // (dash does) is in the terminal's foreground group too, so Ctrl-C would end it.
    let cmd = format!("exec {} repl --history /dev/null", env!("CARGO_BIN_EXE_mechc"));
    let mut child = Command::new("script")
        .args(["-qfec", &cmd, "/dev/null"])
        .env("TERM", "xterm")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let out = Arc::new(Mutex::new(String::new()));
    let mut stdout = child.stdout.take().unwrap();
    let sink = Arc::clone(&out);
    let reader = std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 {
                break;
            }
            sink.lock().unwrap().push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    });
    let mut tty = child.stdin.take().unwrap();
    let mut send = |s: &str| {
        tty.write_all(s.as_bytes()).unwrap();
        tty.flush().unwrap();
    };
    assert!(wait_for(&out, "> ", 30), "no prompt: {}", out.lock().unwrap());
    send(&format!(":load {model}\r"));
    assert!(wait_for(&out, "loaded", 30), "no load: {}", out.lock().unwrap());
    send(":run\r");
    // The progress line names the thresholding round: training is under way.
    assert!(wait_for(&out, " loss ", 120), "no progress line: {}", out.lock().unwrap());
    send("\x03");
    assert!(wait_for(&out, "interrupted: the best model so far", 60), "not interrupted: {}", out.lock().unwrap());
    let before = out.lock().unwrap().len();
    send(":eqs\r");
    let answered = wait_after(&out, before, "x' = ", 30);
    send(":quit\r");
    let status = child.wait().unwrap();
    reader.join().unwrap();
    let text = out.lock().unwrap().clone();
    assert!(answered, "no answer after the interruption: {text}");
    assert!(text.contains("[interrupted: best model so far]"), "{text}");
    assert!(status.success(), "exit {status:?}: {text}");
}
