//! The one way tests run the built `mechc` binary: arguments, optionally a working directory,
//! environment variables and piped standard input, colour off. Gives the exit code and what was
//! printed.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

/// Runs `mechc ARGS` from the crate root: (exit code, stdout, stderr).
pub fn mechc(args: &[&str]) -> (i32, String, String) {
    Run::new(args).go()
}

/// Runs `mechc ARGS` in `dir` with `stdin` piped in: (exit code, stdout, stderr).
pub fn mechc_in(dir: &Path, args: &[&str], stdin: &str) -> (i32, String, String) {
    Run::new(args).dir(dir).stdin(stdin).go()
}

/// A run of the binary being set up.
pub struct Run {
    cmd: Command,
    stdin: Option<String>,
}

impl Run {
    /// `mechc ARGS` with `NO_COLOR=1`.
    pub fn new(args: &[&str]) -> Run {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_mechc"));
        cmd.args(args).env("NO_COLOR", "1");
        Run { cmd, stdin: None }
    }

    /// Runs in `dir` instead of the crate root.
    pub fn dir(mut self, dir: &Path) -> Run {
        self.cmd.current_dir(dir);
        self
    }

    /// Sets an environment variable.
    pub fn env(mut self, key: &str, value: impl AsRef<std::ffi::OsStr>) -> Run {
        self.cmd.env(key, value);
        self
    }

    /// Pipes `text` to standard input (otherwise stdin is empty).
    pub fn stdin(mut self, text: &str) -> Run {
        self.stdin = Some(text.to_string());
        self
    }

    /// Runs to completion: (exit code, stdout, stderr); -1 when killed by a signal.
    pub fn go(mut self) -> (i32, String, String) {
        let mut child = self
            .cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the mechc binary runs");
        let input = self.stdin.unwrap_or_default();
        child.stdin.take().expect("stdin is piped").write_all(input.as_bytes()).expect("stdin takes the input");
        let out = child.wait_with_output().expect("mechc finishes");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}
