//! `mechc run --report out.html`: the page's numbers against the JSON report and the known
//! truth, its self-containment, and its rendering in a real headless Chromium (a screenshot is
//! taken; any console message fails the test).
//!
//! The browser: `MECHC_CHROMIUM` (a path) when set — then it must work, or the test fails —
//! else `chromium`, `chromium-browser` or `google-chrome` on `PATH`. Without one the browser part
//! is skipped with a printed reason, except under CI (`CI` set), where it fails. Console messages
//! are read from Chromium's own log (`--enable-logging=stderr --v=0` prints every console message
//! as a `CONSOLE` line): no driver or extra package is needed, and a control page that must log
//! a message proves the check can fail in the browser at hand.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const FIXTURE: &str = "tests/cases/run/ok/spiral_report.mech";

fn out_dir(test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("run-html").join(test);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs `mechc run` on the fixture writing the page and the JSON report.
fn report(dir: &Path) -> (String, serde_json::Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_mechc"))
        .args(["run", FIXTURE, "-q", "--report"])
        .arg(dir.join("report.html"))
        .arg("--json")
        .arg(dir.join("report.json"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    let json = serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).unwrap()).unwrap();
    (html, json)
}

use mechc::report::html::escape;

fn sig(v: f64) -> String {
    mechc::number::format_sig(v, 4)
}

#[test]
fn the_page_shows_the_fit_with_intervals_that_hold_the_truth() {
    let dir = out_dir("numbers");
    let (html, json) = report(&dir);
    // Oracle: the data were simulated from x' = -0.1*x + 2*y, y' = -2*x - 0.1*y.
    let truth = [("x'", "y", 2.0), ("y'", "x", -2.0), ("y'", "y", -0.1)];
    for (lhs, term, value) in truth {
        let eq = json["equations"].as_array().unwrap().iter().find(|e| e["lhs"] == lhs).unwrap();
        let t = eq["terms"].as_array().unwrap().iter().find(|t| t["term"] == term).unwrap();
        let [lo, hi] = [t["interval"][0].as_f64().unwrap(), t["interval"][1].as_f64().unwrap()];
        assert!(lo <= value && value <= hi, "{lhs} {term}: {value} outside [{lo}, {hi}]");
        let coef = sig(t["coefficient"].as_f64().unwrap());
        let row = format!("<td>{}</td><td>{}</td><td class=\"num\">{coef}</td>", escape(lhs), escape(term));
        assert!(html.contains(&row), "coefficient row {row}");
        assert!(html.contains(&format!("[{}, {}]", sig(lo), sig(hi))), "interval of {lhs} {term}");
    }
    let a = &json["parameters"][0];
    let [lo, hi] = [a["interval"][0].as_f64().unwrap(), a["interval"][1].as_f64().unwrap()];
    assert!(lo <= 0.1 && 0.1 <= hi, "a = 0.1 outside [{lo}, {hi}]");
    // The ensemble: every true term in every refit, its inclusion shown.
    let ens = json["ensemble"]["terms"].as_array().unwrap();
    for (lhs, term, _) in truth {
        let t = ens.iter().find(|t| t["equation"] == lhs && t["term"] == term).unwrap();
        assert_eq!(t["inclusion"], 1.0, "{lhs} {term}");
    }
    assert!(html.contains("<h2>Ensemble</h2>") && html.contains("8 of 8 bootstrap refits"));
    // Metrics say what they are measured against; the figure is inline.
    assert!(html.contains("<th>measured against</th>"));
    assert!(html.contains("<svg") && html.contains("</svg>"));
    // Self-contained: nothing loads from elsewhere, and nothing runs.
    for banned in ["<script", "<link", "src=\"http", "href=\"http", "@import", "url("] {
        assert!(!html.contains(banned), "the page contains {banned}");
    }
}

#[test]
fn a_page_path_without_html_extension_is_refused_before_work() {
    let dir = out_dir("refused");
    let out = Command::new(env!("CARGO_BIN_EXE_mechc"))
        .args(["run", FIXTURE, "--report"])
        .arg(dir.join("report.txt"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("E056") && err.contains(".html"), "{err}");
    assert!(!err.contains("wrote"), "no work was done: {err}");
    let missing = Command::new(env!("CARGO_BIN_EXE_mechc"))
        .args(["run", FIXTURE, "--report"])
        .arg(dir.join("no-such-dir").join("r.html"))
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("E056"));
}

/// The browser to use, or why there is none. A `MECHC_CHROMIUM` that does not run fails.
pub(super) fn browser() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("MECHC_CHROMIUM") {
        let path = PathBuf::from(path);
        let ok = Command::new(&path).arg("--version").output().is_ok_and(|o| o.status.success());
        assert!(ok, "MECHC_CHROMIUM={} is set but does not run (`--version` failed)", path.display());
        return Some(path);
    }
    let found = ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find(|b| Command::new(b).arg("--version").output().is_ok_and(|o| o.status.success()));
    match found {
        Some(b) => Some(PathBuf::from(b)),
        None if std::env::var_os("CI").is_some() => {
            panic!("no Chromium under CI: install it (`apt-get install chromium`) or set MECHC_CHROMIUM")
        }
        None => {
            eprintln!("skipped: no Chromium found (set MECHC_CHROMIUM or install `chromium`)");
            None
        }
    }
}

/// Renders `page` headless into `shot`; returns Chromium's log lines that report console
/// messages.
pub(super) fn render(browser: &Path, page: &Path, shot: &Path, profile: &Path) -> Vec<String> {
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--enable-logging=stderr",
            "--v=0",
            "--window-size=1280,3000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("file://{}", page.display()))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the browser starts");
    let mut stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut stderr, &mut s).ok();
        s
    });
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "the browser failed: {status}");
            break;
        }
        if start.elapsed() > Duration::from_secs(120) {
            child.kill().ok();
            panic!("the browser did not finish within 120 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let log = reader.join().unwrap();
    log.lines().filter(|l| l.contains(":CONSOLE")).map(str::to_string).collect()
}

#[test]
fn the_page_renders_in_headless_chromium_without_console_messages() {
    let Some(browser) = browser() else { return };
    let dir = out_dir("browser");
    report(&dir);
    let page = std::fs::canonicalize(dir.join("report.html")).unwrap();
    // Control: a page breaking the same security policy must log a console message, or this
    // browser's log cannot show the report's.
    let control = dir.join("control.html");
    std::fs::write(
        &control,
        format!(
            "<!DOCTYPE html><html><head><meta http-equiv=\"Content-Security-Policy\" content=\"{}\">\
             <title>control</title></head><body><img src=\"http://example.invalid/x.png\"></body></html>",
            mechc::report::html::CSP
        ),
    )
    .unwrap();
    let control = std::fs::canonicalize(control).unwrap();
    let seen = render(&browser, &control, &dir.join("control.png"), &dir.join("profile-control"));
    assert!(!seen.is_empty(), "the control page's policy violation was not logged: the check cannot see errors");

    let shot = dir.join("report.png");
    let messages = render(&browser, &page, &shot, &dir.join("profile-report"));
    assert!(messages.is_empty(), "console messages:\n{}", messages.join("\n"));
    let img = image::open(&shot).expect("the screenshot is a PNG").to_rgb8();
    assert_eq!(img.width(), 1280);
    // Not blank: the page's text and figure leave many distinct colours.
    let mut colours: Vec<[u8; 3]> = img.pixels().map(|p| p.0).collect();
    colours.sort_unstable();
    colours.dedup();
    assert!(colours.len() > 50, "{} distinct colours: a blank page?", colours.len());
}
