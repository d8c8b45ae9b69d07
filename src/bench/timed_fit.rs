//! One timed call of mechc's fit for the benchmarks: [`crate::fit::fit`] on a prepared model and
//! a data set, with wall-clock and process CPU time measured around the call and an optional
//! time limit. The limit is enforced through the fit's cancel flag (set by a watchdog thread when
//! the limit passes); the fit then stops at its next iteration and the outcome is "timed out".
//! A panic inside the fit is that fit's failure, not the benchmark's.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::check::hir;
use crate::data::Dataset;
use crate::fit::{fit, FitInput, Fitted};
use crate::ir::ModelIr;

/// What one timed fit gave.
#[derive(Debug)]
pub struct FitOutcome {
    /// The fitted model, or why there is none (`timed out after N s`, the fit's error, a panic).
    pub result: Result<Fitted, String>,
    /// Wall time of the fit call, seconds.
    pub wall_s: f64,
    /// CPU time of the whole process (all threads) during the call, seconds; `None` where the
    /// platform does not report it (it is read from `/proc/self/stat`, Linux only).
    pub cpu_s: Option<f64>,
}

/// CPU seconds (user + system, all threads) this process has used, from `/proc/self/stat`
/// (clock ticks of 1/100 s, the fixed `USER_HZ` of Linux's proc interface); `None` elsewhere.
pub fn process_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which is in parentheses and may contain spaces): state is
    // field 3, utime field 14, stime field 15.
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

/// Fits `data` with the model's own `fit` settings and seed, stopping after `limit_s` seconds.
pub fn timed_fit(ir: &ModelIr, model: &hir::Model, data: &Dataset, limit_s: Option<f64>) -> FitOutcome {
    let cancel = AtomicBool::new(false);
    let input = FitInput { ir, model, data, seed: model.fit.seed, cancel: limit_s.map(|_| &cancel), progress: None };
    let cpu0 = process_cpu_seconds();
    let start = Instant::now();
    let (done_tx, done_rx) = mpsc::channel::<()>();
    let result = std::thread::scope(|scope| {
        if let Some(limit) = limit_s {
            let cancel = &cancel;
            scope.spawn(move || {
                if let Err(mpsc::RecvTimeoutError::Timeout) = done_rx.recv_timeout(Duration::from_secs_f64(limit)) {
                    cancel.store(true, Ordering::Relaxed);
                }
            });
        }
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| fit(&input)));
        drop(done_tx);
        r
    });
    let wall_s = start.elapsed().as_secs_f64();
    let cpu_s = process_cpu_seconds().zip(cpu0).map(|(b, a)| b - a);
    let result = match result {
        Ok(Ok(f)) if f.interrupted => Err(format!("timed out after {} s", limit_s.unwrap_or(0.0))),
        Ok(Ok(f)) if f.coefficients.len() != ir.coefs.len() => {
            Err(format!("the fit returned {} coefficients for {} slots", f.coefficients.len(), ir.coefs.len()))
        }
        Ok(Ok(f)) => Ok(f),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("the fit panicked (internal failure)".into()),
    };
    FitOutcome { result, wall_s, cpu_s }
}
