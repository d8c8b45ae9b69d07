//! The grammar (`grammar/mech.pest`) as pest generates it: the [`Rule`] enum and the parser,
//! kept apart from the walker that builds the AST (`parser.rs`) and from the error wording
//! (`errors.rs`), which both read [`Rule`]. Input: text; output: pest pairs or a pest error.

use pest::Parser;

/// The parser pest derives from the grammar file.
#[derive(pest_derive::Parser)]
#[grammar = "../grammar/mech.pest"]
pub struct MechParser;

/// Excludes detailed re-parses (which switch pest's global error-detail flag on) from running
/// alongside fast parses on other threads.
static DETAIL: std::sync::RwLock<()> = std::sync::RwLock::new(());

/// Parses fast first; only a failing text is parsed again with pest's error detail (the literal
/// tokens it expected), which costs about a third of the parse time when it is always on.
pub(super) fn parse_pairs(text: &str) -> Result<pest::iterators::Pairs<'_, Rule>, pest::error::Error<Rule>> {
    {
        let _fast = DETAIL.read().unwrap_or_else(|e| e.into_inner());
        pest::set_error_detail(false);
        if let Ok(pairs) = MechParser::parse(Rule::file, text) {
            return Ok(pairs);
        }
    }
    let _detailed = DETAIL.write().unwrap_or_else(|e| e.into_inner());
    pest::set_error_detail(true);
    let result = MechParser::parse(Rule::file, text);
    pest::set_error_detail(false);
    result
}
