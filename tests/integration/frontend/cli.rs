//! The `mechc` binary: exit codes (0 clean, 1 user errors), `explain`, `fmt --check`, JSON output.

use crate::bin::mechc;

#[test]
fn check_exit_codes() {
    let (code, _, err) = mechc(&["check", "examples/lorenz.mech", "examples/hybrid.mech"]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = mechc(&["check", "tests/cases/check/err/no_equation.mech"]);
    assert_eq!(code, 1);
    assert!(err.contains("E012"), "{err}");
    let (code, _, _) = mechc(&["check", "tests/cases/does_not_exist.mech"]);
    assert_eq!(code, 1);
}

#[test]
fn non_utf8_file_is_a_user_error() {
    let dir = std::env::temp_dir().join(format!("mechc-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bad.mech");
    std::fs::write(&path, b"model m\nstate \xff\xfe\n").unwrap();
    let (code, _, err) = mechc(&["check", path.to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("cannot read"), "{err}");
}

#[test]
fn json_format_is_machine_readable() {
    let (code, out, _) = mechc(&["check", "--format", "json", "tests/cases/check/err/unknown_name.mech"]);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).expect("stdout is JSON");
    assert_eq!(v[0]["code"], "E010");
    assert_eq!(v[0]["file"], "tests/cases/check/err/unknown_name.mech");
}

#[test]
fn explain_codes_and_settings() {
    let (code, out, _) = mechc(&["explain", "e012"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("E012: state without an equation"), "{out}");
    let (code, out, _) = mechc(&["explain", "fit"]);
    assert_eq!(code, 0);
    for s in mechc::check::settings::SCHEMA {
        assert!(out.contains(s.key), "explain fit lacks {}", s.key);
    }
    let (code, _, _) = mechc(&["explain", "E999"]);
    assert_eq!(code, 1);
}

#[test]
fn fmt_check_and_emit() {
    let (code, _, _) = mechc(&["fmt", "--check", "examples/lorenz.mech"]);
    assert_eq!(code, 0);
    let (code, out, _) = mechc(&["check", "--emit", "hir", "examples/lorenz.mech"]);
    assert_eq!(code, 0);
    assert!(out.contains("eq x' = sparse(lib"), "{out}");
}
