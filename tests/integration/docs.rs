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
