//! Inputs: read once, within a size cap, with the OS's reason on failure; diagnostics never echo
//! a foreign file (an import that is not a model, a CSV whose first line is not a header) and
//! escape control characters in what they do show.

use super::{put, scratch_dir};
use crate::bin::{mechc, Run};

const SECRET: &str = "API_TOKEN=s3cr3t-value\0HOME=/root\0";

#[test]
fn a_foreign_file_is_never_echoed() {
    let dir = scratch_dir("foreign");
    put(&dir, "environ", SECRET);
    put(&dir, "shadow.csv", "root:$6$s3cr3t-value:20228:0:99999:7:::\n");
    let by_use = put(&dir, "u.mech", "use \"environ\"\nmodel m\nstate x\nx' = -x\n");
    let by_csv = put(&dir, "c.mech", "model m\nstate x\ndata d = csv \"environ\"\nx' = sparse({x})\n");
    let shadow = put(&dir, "s.mech", "model m\nstate x\ndata d = csv \"shadow.csv\"\nx' = sparse({x})\n");
    for (model, code) in [(&by_use, "E028"), (&by_csv, "E022"), (&shadow, "E022")] {
        for format in ["text", "json"] {
            let (status, out, err) = mechc(&["check", "--format", format, model]);
            assert_eq!(status, 1, "{err}");
            let all = format!("{out}{err}");
            assert!(all.contains(code), "{all}");
            assert!(!all.contains("s3cr3t"), "{model} ({format}) leaks the file: {all}");
        }
    }
}

#[test]
fn control_characters_of_a_csv_header_are_not_echoed() {
    let dir = scratch_dir("escape");
    put(&dir, "esc.csv", "t,\u{1b}[2J\u{1b}[31mFAKE: 0 errors\u{1b}[0m,y\n0,1,2\n");
    let model = put(&dir, "e.mech", "model m\nstate x\ndata d = csv \"esc.csv\"\nx' = sparse({x})\n");
    let (code, _, err) = mechc(&["check", &model]);
    assert_eq!(code, 1);
    assert!(err.contains("E022") && err.contains("`t`, `y`"), "{err}");
    assert!(!err.contains('\u{1b}') && !err.contains("FAKE"), "{err}");
    // A source line with an escape sequence is quoted with the control character made visible.
    let src = put(&dir, "s.mech", "model m\nstate x\nx' = -x + \u{1b}[2Jy\n");
    let (code, _, err) = mechc(&["check", &src]);
    assert_eq!(code, 1);
    assert!(!err.contains('\u{1b}'), "{err}");
}

#[test]
fn an_endless_or_binary_import_stops_with_the_reason() {
    let dir = scratch_dir("endless");
    let zero = put(&dir, "z.mech", "use \"/dev/zero\"\nmodel m\nstate x\nx' = -x\n");
    let (code, _, err) = Run::new(&["check", &zero]).env("MECHC_MAX_INPUT_BYTES", "1000000").go();
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("E028") && err.contains("larger than 1000000 bytes"), "{err}");
    std::fs::write(dir.join("bin.mech"), b"const a = 1\n\xff\xfe\x00\x01").unwrap();
    let bin = put(&dir, "b.mech", "use \"bin.mech\"\nmodel m\nstate x\nx' = -x\n");
    let (code, _, err) = mechc(&["check", &bin]);
    assert_eq!(code, 1);
    assert!(err.contains("E028") && err.contains("not UTF-8"), "{err}");
    let (code, _, err) = Run::new(&["check", "/dev/zero"]).env("MECHC_MAX_INPUT_BYTES", "1000000").go();
    assert_eq!(code, 1);
    assert!(err.contains("E058") && err.contains("larger than"), "{err}");
    let (code, _, err) = mechc(&["check", dir.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(err.contains("E058") && err.contains("directory"), "{err}");
}
