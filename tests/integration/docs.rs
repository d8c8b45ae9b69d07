//! The README's generated tables stay equal to their source: the diagnostic codes table is
//! rendered from the codes table (`mechc::diag::codes::CODES`) and the `fit` settings table from
//! the settings schema (`mechc::check::settings::SCHEMA`), the sources `mechc explain` reads.

/// The text between `<!-- NAME:start -->` and `<!-- NAME:end -->` in the README.
fn readme_block(name: &str) -> String {
    let readme = std::fs::read_to_string("README.md").expect("README.md");
    let start = format!("<!-- {name}:start -->\n");
    let end = format!("<!-- {name}:end -->");
    let a = readme.find(&start).unwrap_or_else(|| panic!("README has no {start}")) + start.len();
    let b = readme[a..].find(&end).unwrap_or_else(|| panic!("README has no {end}")) + a;
    readme[a..b].to_string()
}

#[test]
fn readme_fit_settings_table_matches_the_schema() {
    let want = mechc::cli::explain::fit_markdown();
    assert_eq!(readme_block("fit"), want, "regenerate the README table from fit_markdown()");
    // Every setting appears exactly once.
    for s in mechc::check::settings::SCHEMA {
        assert_eq!(want.matches(&format!("| `{}` |", s.key)).count(), 1, "{}", s.key);
    }
}

#[test]
fn readme_codes_table_matches_the_codes() {
    let want = mechc::cli::explain::codes_markdown();
    assert_eq!(readme_block("codes"), want, "regenerate the README table from codes_markdown()");
    for c in mechc::diag::codes::CODES {
        assert_eq!(want.matches(&format!("| `{}` |", c.code)).count(), 1, "{}", c.code);
    }
}

/// The README's main-job command (`cargo run --release --locked -- run ...`), run with the
/// binary this test suite was built with (the same release profile), in a scratch directory so
/// its output file does not land in the repository.
#[test]
fn readme_main_command_runs_and_writes_its_plot() {
    let readme = std::fs::read_to_string("README.md").unwrap();
    let line = readme
        .lines()
        .find(|l| l.starts_with("cargo run --release --locked -- run "))
        .expect("README gives the main command");
    let args: Vec<&str> = line.split('#').next().unwrap().split_whitespace().skip(5).collect();
    assert_eq!(args[0], "run");
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("readme-main");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let root = env!("CARGO_MANIFEST_DIR");
    let args: Vec<String> =
        args.iter().map(|a| if a.ends_with(".mech") { format!("{root}/{a}") } else { a.to_string() }).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, stdout, stderr) = crate::bin::mechc_in(&dir, &args, "");
    assert_eq!(code, 0, "{stdout}{stderr}");
    // The seven Lorenz terms, as the README shows them.
    assert!(stdout.contains("30 candidate terms -> 7 kept"), "{stdout}");
    let plot = args.iter().find(|a| a.ends_with(".svg")).expect("the command writes a plot");
    let svg = std::fs::read_to_string(dir.join(plot)).unwrap();
    assert!(svg.starts_with("<svg") || svg.starts_with("<?xml"), "not an SVG");
    assert!(format!("{stdout}{stderr}").contains("wrote the plot to"));
}

/// The README's REPL transcript is what `mechc repl` prints for its inputs (piped: `> ` before
/// each input, inputs not echoed), the fit's wall time aside.
#[test]
fn readme_repl_transcript_replays() {
    let readme = std::fs::read_to_string("README.md").unwrap();
    let section = &readme[readme.find("## The REPL").expect("README has a REPL section")..];
    let a = section.find("```text\n").unwrap() + 8;
    let block = &section[a..a + section[a..].find("```").unwrap()];
    let mut inputs = String::new();
    let mut expected = String::new();
    for line in block.lines() {
        match line.strip_prefix("> ") {
            Some(input) => {
                inputs.push_str(input);
                inputs.push('\n');
                expected.push_str("> ");
            }
            None => {
                expected.push_str(line);
                expected.push('\n');
            }
        }
    }
    expected.push_str("> \n");
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("readme-repl");
    std::fs::create_dir_all(&dir).unwrap();
    let (code, stdout, stderr) = crate::bin::mechc_in(&dir, &["repl"], &inputs);
    assert_eq!(code, 0, "{stderr}");
    let wall = |s: &str| -> String {
        s.lines()
            .map(|l| match (l.rfind(", "), l.rfind(" s)")) {
                (Some(i), Some(j)) if i < j && l[i + 2..j].parse::<f64>().is_ok() => {
                    format!("{}, T s){}", &l[..i], &l[j + 3..])
                }
                _ => l.to_string(),
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(wall(&stdout), wall(&expected));
}
