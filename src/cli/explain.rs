//! `mechc explain CODE | codes | fit`: a code's title and explanation, the list of all codes, or
//! the `fit` settings table (key, type and range, default, meaning).

use super::EXIT_USER;
use crate::check::settings::{kind_words, SCHEMA};
use crate::diag::codes::{lookup, CODES};

pub fn run(what: &str) -> u8 {
    match what.trim() {
        "codes" => super::print_code(&codes_table()),
        "fit" => super::print_code(&fit_table()),
        code => match lookup(code) {
            Some(info) => super::print_code(&format!("{}: {}\n\n{}\n", info.code, info.title, info.explanation)),
            None => {
                eprintln!("error: no diagnostic code `{code}`; `mechc explain codes` lists them");
                EXIT_USER
            }
        },
    }
}

/// Every code and its title, one per line.
pub fn codes_table() -> String {
    CODES.iter().map(|c| format!("{}  {}\n", c.code, c.title)).collect()
}

/// The `fit` settings: key, type and range, default, the methods that read it, meaning.
pub fn fit_table() -> String {
    SCHEMA
        .iter()
        .map(|s| {
            let acts = s.acts_words("");
            format!(
                "{:<16} {} (default {}; read by {acts})\n{:<16} {}\n",
                s.key,
                kind_words(&s.kind),
                s.default,
                "",
                s.doc
            )
        })
        .collect()
}

/// The `fit` settings as a Markdown table (key, type and range, default, methods that read it,
/// meaning), for the README: a test keeps the README's copy equal to this.
pub fn fit_markdown() -> String {
    let mut out =
        String::from("| setting | type and range | default | read by | meaning |\n| --- | --- | --- | --- | --- |\n");
    for s in SCHEMA {
        let cell = |t: String| t.replace('|', "\\|");
        out.push_str(&format!(
            "| `{}` | {} | `{}` | {} | {} |\n",
            s.key,
            cell(kind_words(&s.kind)),
            s.default,
            s.acts_words(""),
            cell(s.doc.to_string())
        ));
    }
    out
}

/// The diagnostic codes as a Markdown table (code, meaning), for the README: a test keeps the
/// README's copy equal to this.
pub fn codes_markdown() -> String {
    let mut t = String::from("| Code | Meaning |\n|---|---|\n");
    for c in CODES {
        t.push_str(&format!("| `{}` | {} |\n", c.code, c.title));
    }
    t
}
